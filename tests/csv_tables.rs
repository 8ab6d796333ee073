//! `--format csv`: the tables a spreadsheet opens, read with Python's csv module (a reader that
//! is not ours): one row per building, cell, neighbourhood, zone and scenario; numbers that
//! parse as numbers, booleans as true/false, and no column empty in every row.

mod common;

use common::{fixture, read_csv};

#[test]
fn the_tables_read_with_their_types_and_no_empty_column() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let r = common::cpgis(&[
        "run",
        fixture("kamppi/site.toml").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!out.join("buildings.geojson").exists());
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let buildings = read_csv(&out.join("buildings.csv"));
    // Every building on the map: the district's and the rest's.
    let all = summary["totals"]["all"]["buildings"].as_u64().unwrap() as usize;
    assert_eq!(buildings.len(), all);
    for row in &buildings {
        assert!(["true", "false"].contains(&row["in_district"].as_str().unwrap()));
        for key in ["gfa_m2", "baseline_co2e_t_yr", "access_index"] {
            let v = row[key].as_str().unwrap();
            assert!(v.parse::<f64>().is_ok(), "{key} = {v:?}");
        }
    }
    let district = buildings
        .iter()
        .filter(|r| r["in_district"] == "true")
        .count();
    assert_eq!(
        district,
        summary["totals"]["district"]["buildings"].as_u64().unwrap() as usize
    );
    for (file, rows) in [
        ("buildings.csv", &buildings),
        ("grid.csv", &read_csv(&out.join("grid.csv"))),
        (
            "neighbourhoods.csv",
            &read_csv(&out.join("neighbourhoods.csv")),
        ),
        ("offset_zones.csv", &read_csv(&out.join("offset_zones.csv"))),
    ] {
        let columns: Vec<&String> = rows[0].keys().collect();
        for c in columns {
            assert!(
                rows.iter().any(|r| !r[c].as_str().unwrap().is_empty()),
                "{file}: column {c} is empty in every row"
            );
        }
    }
    let zones = read_csv(&out.join("offset_zones.csv"));
    assert_eq!(
        zones.len(),
        summary["offsets"]["zones"].as_array().unwrap().len()
    );
    let balance = read_csv(&out.join("balance.csv"));
    let names: Vec<&str> = balance
        .iter()
        .map(|r| r["scenario"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["baseline", "proposed"]);
    let proposed_net: f64 = balance[1]["net_t"].as_str().unwrap().parse().unwrap();
    assert!((proposed_net - summary["balance"]["net_t"].as_f64().unwrap()).abs() < 1e-3);
    // The header starts with the scenario's name.
    let header = std::fs::read_to_string(out.join("balance.csv")).unwrap();
    assert!(header.starts_with("scenario,"), "{header}");
}

/// A column a site file does not map is left out: the benchmarking disclosure has no
/// neighbourhoods, so its buildings have no `neighbourhood` column.
#[test]
fn a_column_empty_in_every_row_is_left_out() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let r = common::cpgis(&[
        "estimate",
        fixture("benchmarking/site.toml").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let buildings = read_csv(&out.join("buildings.csv"));
    assert_eq!(buildings.len(), 10);
    assert!(!buildings[0].contains_key("neighbourhood"));
    assert!(buildings[0].contains_key("gfa_m2"));
    // No neighbourhoods at all: no neighbourhoods.csv rather than an empty one.
    assert!(!out.join("neighbourhoods.csv").exists());
}
