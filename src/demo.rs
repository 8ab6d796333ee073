//! The demo case compiled into the binary: Kamppi, Helsinki (OpenStreetMap buildings and
//! stops, City of Helsinki districts, HSY population grid; sources in `fixtures/README.md`), so
//! `cpgis demo` runs the whole pipeline with no argument and no download.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// File name and bytes of every file of the demo case.
pub const FILES: &[(&str, &[u8])] = &[
    ("site.toml", include_bytes!("../fixtures/kamppi/site.toml")),
    (
        "kamppi_district_boundary.geojson",
        include_bytes!("../fixtures/kamppi/kamppi_district_boundary.geojson"),
    ),
    (
        "buildings.geojson",
        include_bytes!("../fixtures/kamppi/buildings.geojson"),
    ),
    (
        "centre_2019_buildings.geojson",
        include_bytes!("../fixtures/kamppi/centre_2019_buildings.geojson"),
    ),
    (
        "transit_stops.geojson",
        include_bytes!("../fixtures/kamppi/transit_stops.geojson"),
    ),
    (
        "helsinki_boundaries.gpkg",
        include_bytes!("../fixtures/kamppi/helsinki_boundaries.gpkg"),
    ),
    (
        "helsinki_population_grid_2020.gpkg",
        include_bytes!("../fixtures/kamppi/helsinki_population_grid_2020.gpkg"),
    ),
];

/// Writes the demo case into `dir` (created if missing) and returns its site file.
pub fn unpack(dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::Tool(format!("cannot create {}: {e}", dir.display())))?;
    for (name, bytes) in FILES {
        let path = dir.join(name);
        std::fs::write(&path, bytes)
            .map_err(|e| Error::Tool(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(dir.join("site.toml"))
}
