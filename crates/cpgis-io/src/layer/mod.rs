//! Reading vector layers through GDAL/OGR: opening any OGR format, choosing the layer, finding
//! its CRS, resolving the fields a site file maps, and reading features into `geo` geometries
//! in a target CRS.
//!
//! | module | what it does |
//! |---|---|
//! | `open` | open a file read-only as a vector dataset; pick a layer by name |
//! | `fields` | resolve mapped field names to column indices (or OSM `other_tags` keys) |
//! | `read` | read features: geometry → 2D linear → target CRS → `geo`, plus mapped values |
//! | `osm_tags` | parse the OSM driver's `other_tags` hstore text |
//! | `join` | an attribute table joined by a key field (CEA's `typology.dbf`) |
//! | `wkb` | linear geometries from ISO WKB into `geo`, transformed in one call |
//! | `geoparquet` | GeoParquet where GDAL has no Parquet driver: converted once to a cached GeoPackage |

mod fields;
pub mod geoparquet;
mod join;
mod open;
mod osm_tags;
mod read;
mod wkb;

pub use fields::{resolve_fields, FieldAccess};
pub use join::JoinTable;
pub use open::{layer_names, layer_srs, open_dataset, pick_layer};
pub use osm_tags::{osm_tag, osm_tag_keys};
pub use read::{field_text, gdal_to_geo, read_features, windows_1252, RawFeature};

/// Stops GDAL and GEOS printing warnings to stderr ("Self-intersection at or near point …"):
/// cpgis reports what they mean itself, per feature. Errors still reach the caller as results.
pub fn silence_gdal_messages() {
    gdal::config::set_error_handler(|_, _, _| {});
}
