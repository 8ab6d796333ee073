//! The site model: district, neighbourhoods, buildings, stops and population in one local
//! metric CRS, with what loading found wrong with each layer.
//!
//! | module | what it holds |
//! |---|---|
//! | `model` | [`Site`] and its features |
//! | `shape` | a feature's usable geometry ([`Shape`]) and the [`Problem`]s a geometry may have |
//! | `quality` | [`LayerQuality`]: invalid, repaired, skipped, duplicate features and unread values |
//! | `crs` | [`LocalCrs`]: the CRS the case is computed in |
//! | `lookup` | [`AreaLookup`]: point-in-area and clip-to-cell, indexed for detailed areas |

mod crs;
pub mod lookup;
mod model;
mod quality;
mod shape;

pub use crate::kinds::ContextKind;
pub use crs::{utm_epsg, LocalCrs};
pub use model::{
    Building, Carriers, ContextLayer, District, Metered, Neighbourhood, PopulationCell, Site, Stop,
    StopRoute, UseShare,
};
pub use quality::{DuplicateFeature, LayerQuality, RejectedValue, SkippedFeature, UnreadValues};
pub use shape::{
    extent, points_extent, rings, shapes_extent, share_in, share_in_buildings_extent,
    share_in_stops_extent, share_percent, union_of, vertices, Problem, Shape, COVERED_SHARE,
};
