//! cpgis-io: everything of cpgis that touches files. GDAL reading of any OGR layer into the
//! site model of `cpgis-core` (in one local metric CRS, validated and repaired), the site file
//! read from disk, and the outputs: a streaming GeoJSON writer, the GeoPackage, `summary.json`,
//! each written atomically.
//!
//! | module | what it does |
//! |---|---|
//! | [`disk`] | the site file and preset files read from disk ([`Disk`]) |
//! | [`crs`] | the local metric CRS and transforms (GDAL spatial references, lon/lat order) |
//! | [`distortion`] | how much the local CRS distorts areas over the data's extent |
//! | [`layer`] | reading OGR layers into `geo` geometries |
//! | [`validate`] | geometry validation and repair (GEOS through GDAL) |
//! | [`load`] | site file + layers → [`cpgis_core::site::Site`] |
//! | [`export`] | GeoJSON layers, GeoPackage, `summary.json`, written atomically |

pub mod crs;
pub mod disk;
pub mod distortion;
pub mod export;
pub mod layer;
pub mod load;
pub mod validate;

pub use disk::{
    parse_site_file, parse_site_file_files, parse_site_file_set, parse_site_file_with, Disk,
    LayersElsewhere,
};
