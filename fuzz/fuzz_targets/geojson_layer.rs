//! Fuzzes the layer path: any bytes written as a GeoJSON file go through GDAL, the conversion
//! to `geo` geometries, validation and repair (`cpgis inspect`), and through a whole load with
//! the file as district and buildings. Errors are fine; panics and hangs are not.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        cpgis::layer::silence_gdal_messages();
        let dir = std::env::temp_dir().join(format!("cpgis-fuzz-layer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = dir();
    let layer = dir.join("layer.geojson");
    if std::fs::write(&layer, data).is_err() {
        return;
    }
    let _ = cpgis::inspect::inspect_path(&layer);
    let site = format!(
        "[district]\npath = \"{0}\"\n[buildings]\npath = \"{0}\"\n",
        layer.display()
    );
    if let Ok(config) = cpgis::config::parse_site_str(&site, &dir.join("site.toml"), dir, &cpgis_io::Disk) {
        let _ = cpgis::load::load(&config);
    }
});
