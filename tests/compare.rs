//! `cpgis compare A B` on two real runs of the demo case that differ in one setting: the
//! settings table shows exactly that change, the results what it moved, and compare.csv reads
//! with a CSV reader that is not ours (Python's csv module).

mod common;

use common::fixture;

fn run(out: &std::path::Path, extra: &[&str]) {
    let site = fixture("kamppi/site.toml");
    let mut args = vec![
        "run",
        site.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
    ];
    args.extend(extra);
    let r = common::cpgis(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// The demo case run as it is (A) and with `--set SETTING` (B), compared into `dir/cmp`: the
/// compare run (checked to succeed) and its folder.
fn compared(dir: &std::path::Path, setting: &str) -> (common::Run, std::path::PathBuf) {
    let (a, b) = (dir.join("a"), dir.join("b"));
    run(&a, &[]);
    run(&b, &["--set", setting]);
    let out = dir.join("cmp");
    let r = common::cpgis(&[
        "compare",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    (r, out)
}

#[test]
fn one_changed_setting_shows_exactly_that_change() {
    let tmp = tempfile::tempdir().unwrap();
    let (r, out) = compared(tmp.path(), "offsets.margin=0.2");
    assert!(
        r.stdout.contains("B was run with --set offsets.margin=0.2"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("Settings that differ (1):"),
        "{}",
        r.stdout
    );
    // The CSV, read by Python's csv module: the one setting, and results that moved only where
    // the margin enters (targets, shortfall, capacity as a multiple of the need).
    let rows: Vec<serde_json::Value> = common::read_csv(&out.join("compare.csv"))
        .into_iter()
        .map(serde_json::Value::Object)
        .collect();
    let settings: Vec<&serde_json::Value> =
        rows.iter().filter(|r| r["kind"] == "setting").collect();
    assert_eq!(settings.len(), 1, "{settings:?}");
    assert_eq!(settings[0]["key"], "offsets.margin");
    assert_eq!(settings[0]["a"], "0.1");
    assert_eq!(settings[0]["b"], "0.2");
    let changed: Vec<&str> = rows
        .iter()
        .filter(|r| r["kind"] == "result" && r["a"] != r["b"])
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        changed,
        [
            "target, t CO2e/yr",
            "shortfall, t CO2e/yr",
            "baseline: target, t CO2e/yr",
            "baseline: capacity × need",
            "proposed: target, t CO2e/yr",
            "proposed: capacity × need",
        ]
    );
    // The proposed target moves from on site × 1.1 to × 1.2: by 0.1 × on site.
    let on_site: f64 = rows
        .iter()
        .find(|r| r["key"] == "on site (proposed), t CO2e/yr")
        .unwrap()["a"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let target = rows
        .iter()
        .find(|r| r["key"] == "target, t CO2e/yr")
        .unwrap();
    let change: f64 = target["change"].as_str().unwrap().parse().unwrap();
    assert!(
        (change - 0.1 * on_site).abs() < 1e-3,
        "{change} vs {}",
        0.1 * on_site
    );
    let html = std::fs::read_to_string(out.join("compare.html")).unwrap();
    assert!(html.contains("<tr class=\"changed\"><td>offsets.margin</td><td>0.1</td><td>0.2</td>"));
    assert!(!html.contains("<script"));
}

#[test]
fn a_folder_without_a_summary_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let r = common::cpgis(&[
        "compare",
        tmp.path().to_str().unwrap(),
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("summary.json: cannot be read"),
        "{}",
        r.stderr
    );
}

/// A CRS is a code: compare names it and works out no difference (it had printed
/// "32635  3067  -29568").
#[test]
fn a_changed_crs_is_named_not_subtracted() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, out) = compared(tmp.path(), "crs=\"EPSG:3067\"");
    let rows = common::read_csv(&out.join("compare.csv"));
    let crs = rows
        .iter()
        .find(|r| r["kind"] == "setting" && r["key"] == "crs")
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(crs["a"], "EPSG:32635");
    assert_eq!(crs["b"], "EPSG:3067");
    assert_eq!(crs["change"], "");
}

/// A wider community around the same buildings covers less of itself with them: the share of
/// the community's area inside the buildings' extent is compared, and falls when the ring
/// grows from 1,000 to 1,500 m (the demo's extract stops short of both rings).
#[test]
fn a_wider_community_shows_its_smaller_mapped_share() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, out) = compared(tmp.path(), "community.distance_m=1500");
    let rows = common::read_csv(&out.join("compare.csv"));
    let row = rows
        .iter()
        .find(|r| r["key"] == "community area inside the buildings' extent, share")
        .expect("the share is compared");
    let value = |k: &str| -> f64 { row[k].as_str().unwrap().parse().unwrap() };
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("a/summary.json")).unwrap())
            .unwrap();
    assert_eq!(
        value("a"),
        summary["community"]["in_buildings_extent"]
            .as_f64()
            .unwrap()
    );
    assert!(value("b") < value("a"), "{row:?}");
    assert!(value("a") < 0.95, "{row:?}");
    // The district's floor area resting on defaults, as each summary has it (the ring moves
    // nothing in the district), and the cautions beside each verdict, as each summary has them.
    for (key, p) in [
        (
            "district floor area on default floors, share",
            "district_area_default_floors",
        ),
        (
            "district floor area of unknown use, share",
            "district_area_unknown_use",
        ),
    ] {
        let row = rows.iter().find(|r| r["key"] == key).expect(key);
        let written = summary["profile"][p].as_f64().unwrap();
        assert!(written > 0.3 && written < 0.5, "{key}: {written}");
        for side in ["a", "b"] {
            assert_eq!(row[side].as_str().unwrap().parse::<f64>().unwrap(), written);
        }
    }
    let row = rows
        .iter()
        .find(|r| r["key"] == "cautions beside the verdict")
        .expect("cautions compared");
    for side in ["a", "b"] {
        let s: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(tmp.path().join(side).join("summary.json")).unwrap(),
        )
        .unwrap();
        let n = s["cautions"].as_array().unwrap().len();
        assert!(n >= 1, "the demo's community rests mostly on unknown uses");
        assert_eq!(row[side].as_str(), Some(n.to_string().as_str()));
    }
}
