//! `cpgis prepare` with the buildings read in parts on an engine's workers (`prepare
//! --buildings-on-engine`, `prepare-part`, `prepare --complete`): the prepared folder must be
//! the one `cpgis prepare` writes from the whole layer, bit for bit, on a delivery with the
//! defects that need the whole layer (`fixtures/geoparquet/kamppi_buildings_parts.parquet`:
//! Kamppi's 453 OSM buildings and a copy of row 10 under another id, in 12 row groups of 40
//! rows; row 400 takes row 5's OSM id, row 200 has no geometry, rows 82 and 83 hold "4,5" and
//! "6,5" floors in a column of plain numbers).

mod common;

use std::path::{Path, PathBuf};

use common::{cpgis_env, fixture, fixture_site_text, write_site};
use cpgis::load::values::{ColumnSurvey, NumberFormat};

fn run(args: &[&str], cache: &Path) -> common::Run {
    cpgis_env(args, &[("XDG_CACHE_HOME", cache.to_str().unwrap())])
}

fn ok(args: &[&str], cache: &Path) {
    let r = run(args, cache);
    assert_eq!(r.code, 0, "cpgis {args:?}: {}", r.stderr);
}

/// Kamppi's site with the one buildings layer from the parts fixture.
fn site_text() -> String {
    let text = fixture_site_text("kamppi", "site.toml");
    let start = text.find("# ... and the 2019").unwrap();
    let end = text.find("# The 2019 centre cut's").unwrap();
    let text = format!("{}{}", &text[..start], &text[end..]);
    text.replace(
        &format!("{}/buildings.geojson", fixture("kamppi").display()),
        &fixture("geoparquet/kamppi_buildings_parts.parquet")
            .display()
            .to_string(),
    )
}

/// `cpgis prepare SITE -o DIR --buildings-on-engine` in parts of `rows` rows.
fn plan(site: &str, dir: &str, rows: &str, cache: &Path) {
    let args = [
        "prepare",
        site,
        "-o",
        dir,
        "--buildings-on-engine",
        "--rows-per-part",
        rows,
    ];
    ok(&args, cache);
}

/// `cpgis prepare-part SITE --prepared DIR --part K --step STEP`.
fn part_step(site: &str, dir: &str, k: usize, step: &str, cache: &Path) {
    let k = k.to_string();
    ok(
        &[
            "prepare-part",
            site,
            "--prepared",
            dir,
            "--part",
            &k,
            "--step",
            step,
        ],
        cache,
    );
}

/// The engine's steps run one after the other, as the Spark job runs them on its workers; the
/// parts read again after the surveys are merged.
fn prepare_on_engine(site: &str, dir: &str, parts: usize, cache: &Path) -> Vec<usize> {
    plan(site, dir, "40", cache);
    (0..parts).for_each(|k| part_step(site, dir, k, "read", cache));
    let merged = run(&["prepare", site, "-o", dir, "--merge-surveys"], cache);
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    let again: serde_json::Value = serde_json::from_str(&merged.stdout).unwrap();
    let again: Vec<usize> = serde_json::from_value(again["read_again"].clone()).unwrap();
    for &k in &again {
        part_step(site, dir, k, "read", cache);
    }
    ok(&["prepare", site, "-o", dir, "--complete"], cache);
    (0..parts).for_each(|k| part_step(site, dir, k, "number", cache));
    again
}

fn site_of(dir: &Path) -> (cpgis::site::Site, usize) {
    let p = cpgis::prepared::read(dir)
        .unwrap()
        .with_features(None)
        .unwrap();
    (p.site, p.buildings)
}

/// A case planned for the engine in a temporary folder: the folder (kept while the case lives),
/// the GeoParquet cache, the site file and the prepared folder.
struct Planned {
    _tmp: tempfile::TempDir,
    cache: PathBuf,
    site: String,
    dir: String,
}

/// The fixture's site file planned in parts of `rows` rows.
fn planned(rows: &str) -> Planned {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let site = write_site(tmp.path(), &site_text());
    let dir = tmp.path().join("p");
    let (site, dir) = (
        site.to_str().unwrap().to_string(),
        dir.to_str().unwrap().to_string(),
    );
    plan(&site, &dir, rows, &cache);
    Planned {
        _tmp: tmp,
        cache,
        site,
        dir,
    }
}

#[test]
fn buildings_read_in_parts_give_prepares_folder_bit_for_bit() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let site = write_site(tmp.path(), &site_text());
    let site = site.to_str().unwrap();
    let whole = tmp.path().join("whole");
    let parts = tmp.path().join("parts");
    ok(&["prepare", site, "-o", whole.to_str().unwrap()], &cache);
    // Only the row group of rows 80 to 119 reads its floors otherwise alone (decimal commas,
    // which the whole column does not read): it alone is read again.
    let again = prepare_on_engine(site, parts.to_str().unwrap(), 12, &cache);
    assert_eq!(again, [2]);

    // The model (the tiles' origin from the parts' least points) and the driver's part (the
    // buildings' report merged from twelve) are prepare's, byte for byte.
    for name in ["model.json", "driver.json"] {
        assert_eq!(
            std::fs::read(whole.join(name)).unwrap(),
            std::fs::read(parts.join(name)).unwrap(),
            "{name}"
        );
    }
    // Every building (geometry, attributes, order) as finish and the engine read them.
    let (a, n_a) = site_of(&whole);
    let (b, n_b) = site_of(&parts);
    assert_eq!((n_a, n_b), (452, 452));
    assert_eq!(
        cpgis_tile::features::encode(&a).unwrap(),
        cpgis_tile::features::encode(&b).unwrap()
    );

    // What only the whole layer tells, worked out from the fixture: 454 rows read; row 200
    // skipped (no geometry) and the copy of row 10 dropped as its duplicate, so 452 loaded;
    // OSM id 32175 used twice; the two decimal-comma floors unread, since 199 of the column's
    // 201 values read as plain numbers and 198 with a decimal comma.
    let driver: serde_json::Value =
        serde_json::from_slice(&std::fs::read(parts.join("driver.json")).unwrap()).unwrap();
    let q = &driver["quality"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["role"] == "buildings[0]")
        .unwrap();
    assert_eq!(
        (q["read"].as_u64(), q["loaded"].as_u64()),
        (Some(454), Some(452))
    );
    assert_eq!(q["skipped"].as_array().unwrap().len(), 1);
    assert_eq!(q["duplicates"][0]["id"], "999000001");
    assert_eq!(q["duplicates"][0]["duplicate_of"], "1689604");
    assert_eq!(q["duplicate_ids"], serde_json::json!(["32175"]));
    assert_eq!(
        q["unread_values"]["building_levels"]["examples"],
        serde_json::json!(["4,5", "6,5"])
    );
    assert!(q["number_formats"].is_null(), "{q}");

    // Its own survey says so: alone, the column reads decimal commas.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(parts.join("engine/part-000002.json")).unwrap())
            .unwrap();
    let own: Vec<ColumnSurvey> = serde_json::from_value(report["surveys"].clone()).unwrap();
    assert_eq!(
        own[0].decide().unwrap().format,
        NumberFormat::new(',', None)
    );
}

#[test]
fn complete_refuses_a_part_read_under_other_formats_than_the_layers() {
    let p = planned("40");
    let (site, dir, cache) = (p.site.as_str(), p.dir.as_str(), p.cache.clone());
    (0..12).for_each(|k| part_step(site, dir, k, "read", &cache));
    // Part 2 not read again: its floors were read with decimal commas, the layer's are plain.
    let r = run(&["prepare", site, "-o", dir, "--complete"], &cache);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("parts 2 were read under other number formats"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_site_file_changed_after_planning_and_a_second_layer_are_refused() {
    let p = planned("200");
    let (site, dir, cache) = (p.site.as_str(), p.dir.as_str(), p.cache.clone());
    // The floors field changed after the plan: the parts would be another site's.
    std::fs::write(
        site,
        site_text().replace("floors = \"building_levels\"", "floors = \"height\""),
    )
    .unwrap();
    let r = run(
        &[
            "prepare-part",
            site,
            "--prepared",
            dir,
            "--part",
            "0",
            "--step",
            "read",
        ],
        &cache,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("buildings"), "{}", r.stderr);
    assert!(r.stderr.contains("plan again"), "{}", r.stderr);
    // Kamppi's own site file has two buildings layers: refused, naming the count.
    let two = fixture("kamppi/site.toml");
    let r = run(
        &[
            "prepare",
            two.to_str().unwrap(),
            "-o",
            dir,
            "--buildings-on-engine",
        ],
        &cache,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("names 2"), "{}", r.stderr);
}
