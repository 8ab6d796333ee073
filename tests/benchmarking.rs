//! A building-energy benchmarking disclosure as a US city publishes it (points, ft², kWh and
//! therms, numbers with thousands separators as a spreadsheet exports them), from
//! `fixtures/benchmarking/`. Regression: such a CSV's "88,434" ft² was read as 88 and
//! "1,156,514.25" kWh as 1, every building kept as metered, nothing listed.

mod common;

use common::{cpgis, fixture};
use serde_json::Value;

fn run(site: &str, out: &std::path::Path) -> (Vec<serde_json::Map<String, Value>>, Value) {
    let r = cpgis(&[
        "run",
        fixture(site).to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let layer: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("buildings.geojson")).unwrap())
            .unwrap();
    let buildings = layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"].as_object().unwrap().clone())
        .collect();
    let summary =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    (buildings, summary)
}

fn building<'a>(
    all: &'a [serde_json::Map<String, Value>],
    id: &str,
) -> &'a serde_json::Map<String, Value> {
    all.iter().find(|b| b["id"] == id).unwrap()
}

#[test]
fn thousands_separators_read_as_the_plain_numbers_they_are() {
    let tmp = tempfile::tempdir().unwrap();
    let (sep, summary) = run("benchmarking/site.toml", &tmp.path().join("sep"));
    let (plain, _) = run("benchmarking/site_plain.toml", &tmp.path().join("plain"));
    assert_eq!(sep.len(), 10);
    for (a, b) in sep.iter().zip(&plain) {
        let mut a = a.clone();
        let mut b = b.clone();
        a.remove("source");
        b.remove("source");
        assert_eq!(a, b, "the same property read from both files");
    }
    // Worked by hand: 32,264 ft² × 0.09290304 m²/ft² = 2,997.4 m²; 285,859.04 kWh metered;
    // 11,550.24 therms × 29.3071 kWh/therm = 338,504.1 kWh.
    let b1 = building(&sep, "1000001");
    assert_eq!(b1["gfa_m2"], 2997.4);
    assert_eq!(b1["gfa_source"], "attribute");
    assert_eq!(b1["baseline_electricity_kwh_yr"], 285859.0);
    assert_eq!(
        building(&sep, "1000005")["baseline_natural_gas_kwh_yr"],
        338504.1
    );
    // The format is said, and the floor-area column, whose every value is "dd,ddd", is said
    // to read two ways (a decimal comma would give 32.264).
    let formats = &summary["quality"][1]["number_formats"];
    assert_eq!(
        formats["Electricity Use - Grid Purchase (kWh)"],
        "numbers with thousands separated by commas (10 of 10 values read)"
    );
    assert!(formats["Property GFA - Self-Reported (ft²)"]
        .as_str()
        .unwrap()
        .contains("ambiguous"));
}
