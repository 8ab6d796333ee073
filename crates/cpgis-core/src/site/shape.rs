//! A feature's usable geometry, and why a geometry may not be usable as read.

use std::fmt;

use geo::{BoundingRect, MultiPolygon, Point, Rect};

/// Why a geometry is not usable as read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// No geometry, or an empty one.
    Empty,
    /// A coordinate is NaN or infinite.
    NonFinite,
    /// Coordinates could not be transformed into the target CRS (out of its range).
    Untransformable,
    /// A ring has fewer than 3 distinct points.
    TooFewPoints,
    /// A ring crosses itself, or rings or parts of one geometry overlap or touch along a line
    /// (GEOS calls all of these "Self-intersection").
    SelfIntersection,
    /// A hole lies outside its shell.
    RingTopology,
    /// A polygon that encloses no area.
    ZeroArea,
    /// A geometry of a type the layer should not hold (e.g. a line in a buildings layer).
    WrongType(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Empty => f.write_str("empty geometry"),
            Problem::NonFinite => f.write_str("non-finite coordinate"),
            Problem::Untransformable => f.write_str("coordinates outside the CRS's range"),
            Problem::TooFewPoints => f.write_str("too few points"),
            Problem::SelfIntersection => f.write_str("self-intersection"),
            Problem::RingTopology => f.write_str("hole outside its shell"),
            Problem::ZeroArea => f.write_str("zero area"),
            Problem::WrongType(t) => write!(f, "wrong geometry type ({t})"),
        }
    }
}

/// A usable geometry: an area or a point.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A footprint or boundary (one or more polygons).
    Area(MultiPolygon<f64>),
    /// A point.
    Point(Point<f64>),
}

/// The bounding box of areas, local CRS; `None` when there is none.
pub fn extent<'a>(shapes: impl Iterator<Item = &'a MultiPolygon<f64>>) -> Option<Rect<f64>> {
    let mut out: Option<Rect<f64>> = None;
    for r in shapes.filter_map(|s| s.bounding_rect()) {
        out = Some(match out {
            None => r,
            Some(o) => Rect::new(
                (o.min().x.min(r.min().x), o.min().y.min(r.min().y)),
                (o.max().x.max(r.max().x), o.max().y.max(r.max().y)),
            ),
        });
    }
    out
}

/// Every ring of a multipolygon: each part's exterior, then its holes.
pub fn rings(mp: &MultiPolygon<f64>) -> impl Iterator<Item = &geo::LineString<f64>> {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}

/// Vertices of all the rings of a multipolygon (closing points included).
pub fn vertices(mp: &MultiPolygon<f64>) -> usize {
    rings(mp).map(|r| r.0.len()).sum()
}
