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
//! | [`profile`] | stage 2 (begun): construction years from messy text |

pub mod access;
pub mod config;
pub mod crs;
pub mod error;
pub mod inspect;
pub mod layer;
pub mod load;
pub mod preset;
pub mod profile;
pub mod validate;

pub use error::{Error, Result};
