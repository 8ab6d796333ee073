//! Fuzzes numbers in text and CSV layers: the input's lines go through the column-format
//! decision and the reader of every value, and the input written as a CSV file (a header of
//! point coordinates and numeric fields prepended) goes through `cpgis inspect` and a whole
//! load with floor area, floors, height and metered energy mapped. Errors are fine; panics
//! and hangs are not.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use cpgis::load::NumberFormat;
use libfuzzer_sys::fuzz_target;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        cpgis::layer::silence_gdal_messages();
        let dir = std::env::temp_dir().join(format!("cpgis-fuzz-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("district.geojson"),
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[24.92,60.16],[24.95,60.16],[24.95,60.18],[24.92,60.18],[24.92,60.16]]]}}]}"#,
        )
        .unwrap();
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let values: Vec<&str> = text.lines().collect();
    if let Some(column) = NumberFormat::of_column(values.iter().copied()) {
        for v in &values {
            let _ = column.format.parse(v);
        }
    }
    let dir = dir();
    let csv = dir.join("b.csv");
    let mut file = b"lon,lat,id,gfa,floors,height,kwh\n".to_vec();
    file.extend_from_slice(data);
    if std::fs::write(&csv, &file).is_err() {
        return;
    }
    let _ = cpgis::inspect::inspect_path(&csv);
    let site = format!(
        "[district]\npath = \"district.geojson\"\n[buildings]\npath = \"b.csv\"\ncrs = \"EPSG:4326\"\nx = \"lon\"\ny = \"lat\"\nid = \"id\"\nfloors = \"floors\"\nheight = \"height\"\ngfa = {{ field = \"gfa\", unit = \"ft2\" }}\nenergy.electricity = {{ field = \"kwh\", unit = \"kWh\" }}\n"
    );
    if let Ok(config) =
        cpgis::config::parse_site_str(&site, &dir.join("site.toml"), dir, &cpgis_io::Disk)
    {
        let _ = cpgis::load::load(&config);
    }
});
