//! cpgis: a GIS library and command-line tool for Climate Positive districts.
//!
//! The work is split into crates whose dependencies run one way:
//!
//! | crate | what it holds |
//! |---|---|
//! | `cpgis-core` | the checked site model, presets and factors, every stage from profile to balance on in-memory data; no GDAL, no I/O |
//! | `cpgis-io` | GDAL reading, CRS, validation and repair, the GeoJSON/GeoPackage writers, atomic outputs |
//! | `cpgis-report` | the terminal tables and `report.html`, drawn from a run result |
//! | `cpgis` (this one) | the command line: `run` with writing overlapped on computing, `init`, `inspect`, `synth`, `bench`, `demo` |
//!
//! The core's and the io crate's modules are re-exported here under their own names, so
//! `cpgis::estimate`, `cpgis::load` and so on name the same things as in those crates.

pub use cpgis_core::{
    access, aggregate, balance, census, community, config, decimal, error, estimate, files, issues,
    kinds, offsets, preset, profile, run, site, summary, tiles, uncertainty,
};
pub use cpgis_core::{Error, Result};
pub use cpgis_io::{crs, export, layer, load, validate};
pub use cpgis_report as report;

pub mod bench;
pub mod bench_gtfs;
pub mod compare;
pub mod demo;
pub mod distributed;
pub mod fingerprint;
pub mod init;
pub mod inspect;
pub mod pipeline;
pub mod prepare_engine;
pub mod prepared;
pub mod synth;
pub mod tables;
pub mod worst;
pub use cpgis_io::{parse_site_file, parse_site_file_with, Disk};
