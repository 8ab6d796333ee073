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
    union_of(shapes.filter_map(|s| s.bounding_rect()))
}

/// The bounding box of shapes, areas and points alike, local CRS; `None` when there is none.
pub fn shapes_extent<'a>(shapes: impl Iterator<Item = &'a Shape>) -> Option<Rect<f64>> {
    union_of(shapes.filter_map(|s| match s {
        Shape::Area(mp) => mp.bounding_rect(),
        Shape::Point(p) => Some(Rect::new(p.0, p.0)),
    }))
}

/// The bounding box of points, local CRS; `None` when there is none.
pub fn points_extent(points: impl Iterator<Item = Point<f64>>) -> Option<Rect<f64>> {
    union_of(points.map(|p| Rect::new(p.0, p.0)))
}

/// The smallest rectangle holding every rectangle.
/// The box holding every one of `rects`; `None` when there is none.
pub fn union_of(rects: impl Iterator<Item = Rect<f64>>) -> Option<Rect<f64>> {
    rects.reduce(|o, r| {
        Rect::new(
            (o.min().x.min(r.min().x), o.min().y.min(r.min().y)),
            (o.max().x.max(r.max().x), o.max().y.max(r.max().y)),
        )
    })
}

/// Below this share of an area inside the buildings' extent ([`share_in`]), the buildings layer
/// is said to stop short of it (a bounding box holds any well-mapped district whole, parks and
/// water included).
pub const COVERED_SHARE: f64 = 0.95;

/// A share of an area as the notes say it: "41 %", and "under 1 %" rather than "0 %" for a
/// sliver.
pub fn share_percent(share: f64) -> String {
    if share > 0.0 && share < 0.005 {
        "under 1 %".into()
    } else {
        format!("{:.0} %", 100.0 * share)
    }
}

/// The share of `area` inside the extent of the site's buildings (see [`share_in`]).
pub fn share_in_buildings_extent(site: &super::Site, area: &MultiPolygon<f64>) -> Option<f64> {
    shapes_extent(site.buildings.iter().map(|b| &b.shape)).and_then(|r| share_in(area, r))
}

/// The share of `area` inside the extent of the site's stops (see [`share_in`]).
pub fn share_in_stops_extent(site: &super::Site, area: &MultiPolygon<f64>) -> Option<f64> {
    points_extent(site.stops.iter().map(|s| s.point)).and_then(|r| share_in(area, r))
}

/// The share of `area` that lies inside `r`, 0..1; `None` when `area` encloses nothing.
pub fn share_in(area: &MultiPolygon<f64>, r: Rect<f64>) -> Option<f64> {
    use geo::{Area, BooleanOps};
    let whole = area.unsigned_area();
    if whole <= 0.0 {
        return None;
    }
    let inside = area.intersection(&r.to_polygon()).unsigned_area();
    Some((inside / whole).clamp(0.0, 1.0))
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

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    /// A 200 m × 100 m district with a 20 m × 20 m hole at x 140..160: a rectangle over
    /// x 0..50 holds 50 × 100 of its 20,000 − 400 m², 0.2551…; one over x 100..200 holds
    /// 100 × 100 − 400 of it.
    #[test]
    fn the_share_of_an_area_in_a_rectangle() {
        let d = MultiPolygon::new(vec![geo::Polygon::new(
            polygon![(x: 0.0, y: 0.0), (x: 200.0, y: 0.0), (x: 200.0, y: 100.0), (x: 0.0, y: 100.0)]
                .exterior()
                .clone(),
            vec![polygon![(x: 140.0, y: 40.0), (x: 160.0, y: 40.0), (x: 160.0, y: 60.0), (x: 140.0, y: 60.0)]
                .exterior()
                .clone()],
        )]);
        let west = Rect::new((0.0, -10.0), (50.0, 110.0));
        let east = Rect::new((100.0, 0.0), (300.0, 100.0));
        assert!((share_in(&d, west).unwrap() - 5_000.0 / 19_600.0).abs() < 1e-12);
        assert!((share_in(&d, east).unwrap() - 9_600.0 / 19_600.0).abs() < 1e-12);
        assert_eq!(
            share_in(&d, Rect::new((-5.0, -5.0), (205.0, 105.0))),
            Some(1.0)
        );
        assert_eq!(
            share_in(&d, Rect::new((300.0, 0.0), (400.0, 100.0))),
            Some(0.0)
        );
        assert_eq!(share_in(&MultiPolygon::new(vec![]), west), None);
    }

    /// Points count in the extent as areas do.
    #[test]
    fn the_extent_of_areas_and_points() {
        let shapes = [
            Shape::Area(MultiPolygon::new(vec![
                polygon![(x: 10.0, y: 10.0), (x: 20.0, y: 10.0), (x: 20.0, y: 30.0)],
            ])),
            Shape::Point(Point::new(-5.0, 50.0)),
        ];
        let r = shapes_extent(shapes.iter()).unwrap();
        assert_eq!(
            (r.min().x, r.min().y, r.max().x, r.max().y),
            (-5.0, 10.0, 20.0, 50.0)
        );
        assert_eq!(shapes_extent([].iter()), None);
    }
}
