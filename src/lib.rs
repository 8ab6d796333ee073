//! cpgis: a GIS library and command-line tool for Climate Positive districts.
//!
//! The pipeline runs in stages, each a module whose public function takes the previous stage's
//! type and returns its own (see `ARCHITECTURE.md`). Only `load` (and later `export`) touch
//! files and GDAL.
//!
//! | module | stage or role |
//! |---|---|
//! | [`config`] | the site file, parsed into a checked configuration |
//! | [`crs`] | the local metric CRS and transforms |
//! | [`layer`] | reading OGR layers into `geo` geometries |
//! | [`validate`] | geometry validation and repair |
//! | [`load`] | stage 1: site file + layers → [`load::Site`] |
//! | [`inspect`] | the "analyse the site map" report: per-layer facts and problems |
//! | [`preset`] | factor presets: every value with unit and source; overrides |
//! | [`access`] | PTAL-style transit access index through an R-tree |
//! | [`profile`] | stage 2: use mix, floor area, era, residents, jobs, access per building |
//! | [`estimate`] | stage 3: t CO2e per building, sector and scenario |
//! | [`aggregate`] | stage 4: grid cells, neighbourhoods, district / rest / all totals |
//! | [`community`] | stage 5: the neighbouring community and each building's membership |
//! | [`offsets`] | stage 6: interventions, opportunities, ranked offset zones |
//! | [`balance`] | stage 7: the Climate Positive ledger |
//! | [`pipeline`] | the stages composed, load → balance |
//! | [`export`] | GeoJSON layers and `summary.json`, written atomically |

pub mod access;
pub mod aggregate;
pub mod balance;
pub mod bench;
pub mod community;
pub mod config;
pub mod crs;
pub mod decimal;
pub mod demo;
pub mod error;
pub mod estimate;
pub mod export;
pub mod init;
pub mod inspect;
pub mod layer;
pub mod load;
pub mod offsets;
pub mod pipeline;
pub mod preset;
pub mod profile;
pub mod report;
pub mod synth;
pub mod validate;

pub use error::{Error, Result};
