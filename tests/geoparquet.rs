//! GeoParquet layers on a GDAL without a Parquet driver (Debian's 3.6): converted once into a
//! cached GeoPackage and read as any layer. The fixtures (`fixtures/geoparquet/`, written by
//! `scripts/make-geoparquet-fixtures` from Kamppi's real layers) hold the same features as the
//! GeoJSON and GeoPackage they came from, so a run on them must give the same figures.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{cpgis_env, fixture, fixture_site_text, write_site};
use serde_json::Value;

/// Runs `cpgis ARGS` with its GeoParquet cache in `cache`.
fn cpgis_cached(args: &[&str], cache: &Path) -> common::Run {
    cpgis_env(args, &[("XDG_CACHE_HOME", cache.to_str().unwrap())])
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The cache's converted files (GeoPackages, finished or not; not the notes of their sources).
fn cached(cache: &Path) -> Vec<String> {
    let dir = cache.join("cpgis").join("geoparquet");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".gpkg"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn kamppi_from_geoparquet_gives_the_figures_of_its_geojson_and_geopackage() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let original = fixture_site_text("kamppi", "site.toml");
    let k = fixture("kamppi");
    let g = fixture("geoparquet");
    // The 2024 buildings (Zstandard, no `crs`: OGC:CRS84) and the population grid (Snappy, WGS
    // 84 as PROJJSON without an id) from GeoParquet; everything else as in the demo case.
    let parquet = original
        .replace(
            &format!("{}/buildings.geojson", k.display()),
            &format!("{}/kamppi_buildings.parquet", g.display()),
        )
        .replace(
            &format!("{}/helsinki_population_grid_2020.gpkg", k.display()),
            &format!("{}/population_grid.parquet", g.display()),
        );
    assert_ne!(parquet, original);
    // Each site file in a folder of its own, run there: the site, its output folder, the run.
    let run_in = |name: &str, text: &str| {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let site = write_site(&dir, text);
        let out = dir.join("out");
        let r = cpgis_cached(
            &["run", site.to_str().unwrap(), "-o", out.to_str().unwrap()],
            &cache,
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        (site, out, r)
    };
    let (_, out_a, a) = run_in("a", &original);
    let (site_b, out_b, b) = run_in("b", &parquet);
    // The same verdict line and the same balance, buildings and grid cells, to the byte.
    let verdict = |s: &str| {
        s.lines()
            .find(|l| l.contains("climate positive"))
            .map(str::to_string)
    };
    assert_eq!(verdict(&a.stdout), verdict(&b.stdout));
    assert!(verdict(&a.stdout).is_some(), "{}", a.stdout);
    let (sa, sb) = (
        json(&out_a.join("summary.json")),
        json(&out_b.join("summary.json")),
    );
    assert_eq!(sa["balance"], sb["balance"]);
    for layer in ["grid.geojson", "offset_zones.geojson", "community.geojson"] {
        assert!(
            std::fs::read(out_a.join(layer)).unwrap() == std::fs::read(out_b.join(layer)).unwrap(),
            "{layer} differs between the GeoJSON/GeoPackage run and the GeoParquet run"
        );
    }
    // Every building the same but for the file it came from.
    let features = |out: &Path| json(&out.join("buildings.geojson"))["features"].clone();
    let (fa, fb) = (features(&out_a), features(&out_b));
    let (fa, fb) = (fa.as_array().unwrap(), fb.as_array().unwrap());
    assert_eq!(fa.len(), fb.len());
    let mut from_parquet = 0;
    for (x, y) in fa.iter().zip(fb) {
        let (mut x, mut y) = (x.clone(), y.clone());
        if x["properties"]["source"] == "buildings.geojson" {
            assert_eq!(y["properties"]["source"], "kamppi_buildings.parquet");
            from_parquet += 1;
            y["properties"]["source"] = x["properties"]["source"].clone();
        }
        assert_eq!(x.take(), y.take());
    }
    // Kamppi's 2024 buildings that outlived the de-duplication against the 2019 cut.
    assert!(from_parquet > 300, "{from_parquet}");
    // 453 buildings and the 92 cells of the HSY grid read from the Parquet files.
    let quality = sb["quality"].as_array().unwrap();
    let read_of = |name: &str| {
        quality
            .iter()
            .find(|q| q["file"].as_str().is_some_and(|f| f.ends_with(name)))
            .map(|q| q["read"].as_u64().unwrap())
    };
    assert_eq!(
        read_of("kamppi_buildings.parquet"),
        Some(453),
        "{quality:?}"
    );
    assert_eq!(read_of("population_grid.parquet"), Some(92), "{quality:?}");
    // Each file converted once, and the second run of the same files converts nothing again.
    assert_eq!(cached(&cache).len(), 2, "{:?}", cached(&cache));
    let again = cpgis_cached(
        &[
            "run",
            site_b.to_str().unwrap(),
            "-o",
            out_b.to_str().unwrap(),
            "-q",
        ],
        &cache,
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    let names = cached(&cache);
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names
        .iter()
        .all(|n| n.ends_with(".gpkg") && !n.contains("tmp")));
}

#[test]
fn inspect_reads_a_geoparquet_layer_its_fields_and_crs() {
    let tmp = tempfile::tempdir().unwrap();
    let path = fixture("geoparquet/population_grid.parquet");
    let r = cpgis_cached(&["inspect", "--json", path.to_str().unwrap()], tmp.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let layer = &v["layers"][0];
    // The 92 cells of the HSY grid, its count an integer in every cell, WGS 84 (its PROJJSON,
    // which has no id, recognised as EPSG:4326), and the driver said as it is.
    assert_eq!(layer["features"], 92, "{layer}");
    assert_eq!(layer["crs"], "EPSG:4326 WGS 84", "{layer}");
    let population = layer["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "population")
        .unwrap();
    assert_eq!(population["field_type"], "Integer64");
    assert_eq!(population["filled"], 92);
    // Where GDAL has no Parquet driver (Debian's 3.6), cpgis says it read the file itself.
    let ours = layer["driver"]
        .as_str()
        .unwrap()
        .starts_with("GeoParquet, read by cpgis");
    assert_eq!(
        ours,
        !cpgis_io::layer::geoparquet::gdal_reads_parquet(),
        "{layer}"
    );
}

#[test]
fn a_replaced_file_is_read_anew_and_its_old_conversion_removed() {
    if cpgis_io::layer::geoparquet::gdal_reads_parquet() {
        return; // GDAL reads the file itself: nothing is converted or cached.
    }
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let path = tmp.path().join("delivery.parquet");
    let features = |p: &Path| {
        let r = cpgis_cached(&["inspect", "--json", p.to_str().unwrap()], &cache);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        v["layers"][0]["features"].as_u64().unwrap()
    };
    // Kamppi's 453 buildings, then the HSY grid's 92 cells delivered under the same name.
    std::fs::copy(fixture("geoparquet/kamppi_buildings.parquet"), &path).unwrap();
    assert_eq!(features(&path), 453);
    let first = cached(&cache);
    assert_eq!(first.len(), 1, "{first:?}");
    std::fs::copy(fixture("geoparquet/population_grid.parquet"), &path).unwrap();
    assert_eq!(features(&path), 92);
    let second = cached(&cache);
    assert_eq!(
        second.len(),
        1,
        "the first conversion is removed: {second:?}"
    );
    assert_ne!(first, second);
}

/// Writes `batch` as a Parquet file, with `geo` as its GeoParquet metadata when given.
fn write_parquet(path: &Path, batch: arrow_array::RecordBatch, geo: Option<&str>) {
    use parquet::file::metadata::KeyValue;
    use parquet::file::properties::WriterProperties;
    let props = WriterProperties::builder()
        .set_key_value_metadata(geo.map(|g| vec![KeyValue::new("geo".into(), g.to_string())]))
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

#[test]
fn parquet_that_is_not_geoparquet_or_not_whole_is_refused_by_name() {
    use arrow_array::{BinaryArray, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    // A WKB point column but no `geo` metadata: nothing says which column is the geometry.
    let point: Vec<u8> = [
        &[1u8, 1, 0, 0, 0][..],
        &24.93f64.to_le_bytes(),
        &60.17f64.to_le_bytes(),
    ]
    .concat();
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("geometry", DataType::Binary, false),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from(vec!["a"])),
            Arc::new(BinaryArray::from(vec![point.as_slice()])),
        ],
    )
    .unwrap();
    let plain = tmp.path().join("plain.parquet");
    write_parquet(&plain, batch, None);
    // A run with `layer` as its buildings ends with exit 2, naming the file and `problem`.
    let refused = |layer: &Path, problem: &str| {
        let text = format!(
            "[district]\npath = \"{}\"\n[buildings]\npath = \"{}\"\n",
            fixture("kamppi/kamppi_district_boundary.geojson").display(),
            layer.display()
        );
        let site = write_site(tmp.path(), &text);
        let out = tmp.path().join("out");
        let r = cpgis_cached(
            &["run", site.to_str().unwrap(), "-o", out.to_str().unwrap()],
            &cache,
        );
        assert_eq!(r.code, 2, "{}", r.stderr);
        let name = layer.file_name().unwrap().to_str().unwrap();
        assert!(r.stderr.contains(name), "{}", r.stderr);
        assert!(r.stderr.contains(problem), "{}", r.stderr);
        r.stderr
    };
    refused(&plain, "without GeoParquet's `geo` metadata");
    // GeoParquet with an unsigned id past i64's range (2^64 - 1): refused, not written as null.
    let geo = r#"{"version":"1.0.0","primary_column":"geometry","columns":{"geometry":{"encoding":"WKB","geometry_types":["Point"]}}}"#;
    let schema = Arc::new(Schema::new(vec![
        Field::new("big", DataType::UInt64, false),
        Field::new("geometry", DataType::Binary, false),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(arrow_array::UInt64Array::from(vec![u64::MAX])),
            Arc::new(BinaryArray::from(vec![point.as_slice()])),
        ],
    )
    .unwrap();
    let big = tmp.path().join("big.parquet");
    write_parquet(&big, batch, Some(geo));
    refused(&big, "a column's values cannot be read as Int64");
    // A delivery cut short: the first 1,000 bytes of a real GeoParquet file.
    let cut = tmp.path().join("cut.parquet");
    let whole = std::fs::read(fixture("geoparquet/kamppi_buildings.parquet")).unwrap();
    std::fs::write(&cut, &whole[..1000]).unwrap();
    refused(&cut, "is not a readable Parquet file");
    // Damaged inside: 64 bytes of 0xFF in the buildings' data pages, where the Parquet reader
    // panicked (offset 116,653 found by corrupting the fixture at 1 kB steps; the others
    // around it are damaged too), is a damaged file, exit 2, not a crash.
    for offset in [116_653, 60_000, 100_000] {
        let mut bytes = whole.clone();
        bytes[offset..offset + 64].fill(0xff);
        let damaged = tmp.path().join(format!("damaged_{offset}.parquet"));
        std::fs::write(&damaged, &bytes).unwrap();
        let stderr = refused(&damaged, "");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // None of them left anything in the cache.
    assert!(cached(&cache).is_empty(), "{:?}", cached(&cache));
}

#[test]
fn init_takes_a_geoparquet_delivery_and_the_site_it_writes_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let site = tmp.path().join("site.toml");
    let (buildings, population) = (
        fixture("geoparquet/kamppi_buildings.parquet"),
        fixture("geoparquet/population_grid.parquet"),
    );
    let r = cpgis_cached(
        &[
            "init",
            buildings.to_str().unwrap(),
            population.to_str().unwrap(),
            fixture("kamppi/kamppi_district_boundary.geojson")
                .to_str()
                .unwrap(),
            "-o",
            site.to_str().unwrap(),
        ],
        &cache,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The buildings recognised by their OSM fields (453 of them), the grid by its count.
    assert!(
        r.stdout.contains("used as buildings (453, Osm schema)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("used as the population (`population`, 92 features)"),
        "{}",
        r.stdout
    );
    let text = std::fs::read_to_string(&site).unwrap();
    for line in [
        "id = [\"osm_way_id\", \"osm_id\"]",
        "floors = \"building_levels\"",
        "value = \"population\"",
    ] {
        assert!(text.contains(line), "{line} not in:\n{text}");
    }
    let out = tmp.path().join("out");
    let run = cpgis_cached(
        &[
            "run",
            site.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "-q",
        ],
        &cache,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Kamppi: "), "{}", run.stdout);
}
