//! Fuzzes the site-file checker: any text must give a configuration or a list of problems, and
//! a configuration's preset must resolve or be refused, never panic.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

/// A folder with the layer files the seed site files name, so paths can resolve.
fn base() -> &'static PathBuf {
    static BASE: OnceLock<PathBuf> = OnceLock::new();
    BASE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("cpgis-fuzz-site-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in [
            "layer.geojson",
            "buildings.geojson",
            "district.geojson",
            "stops.geojson",
        ] {
            std::fs::write(dir.join(name), "{}").unwrap();
        }
        std::fs::write(
            dir.join("p.toml"),
            "[preset]\nname = \"p\"\nversion = \"1\"\nextends = \"europe\"\n",
        )
        .unwrap();
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let base = base();
    let disk = cpgis_io::Disk;
    if let Ok(config) = cpgis::config::parse_site_str(text, Path::new("fuzz.toml"), base, &disk) {
        let _ = cpgis::run::check(&config, &disk);
    }
});
