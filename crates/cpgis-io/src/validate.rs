//! Geometry validation and repair. Each feature's geometry is checked against what its layer
//! should hold (areas, points, or either); invalid areas are repaired where GEOS (through GDAL's
//! `MakeValid`) or dropping degenerate rings can make them valid, and skipped otherwise. The
//! reason is always kept, so every skipped feature can be listed.

use gdal::cpl::CslStringList;
use gdal::vector::ToGdal;
use geo::algorithm::validation::{InvalidMultiPolygon, InvalidPolygon};
use geo::{Area, BooleanOps, MultiPolygon, Polygon, Validation};

pub use cpgis_core::site::{Problem, Shape};

/// What kind of geometry a layer should hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Areas,
    Points,
    AreasOrPoints,
}

/// The verdict on one geometry.
#[derive(Debug, Clone, PartialEq)]
pub enum Checked {
    Valid(Shape),
    /// It was invalid for this reason and has been repaired.
    Repaired(Shape, Problem),
    /// It is unusable for this reason and must be skipped.
    Invalid(Problem),
}

impl Checked {
    /// The problem found, repaired or not.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Checked::Valid(_) => None,
            Checked::Repaired(_, p) | Checked::Invalid(p) => Some(p),
        }
    }
}

/// Checks a geometry against what the layer should hold, repairing areas where possible.
pub fn check(geometry: geo::Geometry<f64>, expect: Expect) -> Checked {
    let type_name = geometry_type_name(&geometry);
    let shape = match (geometry, expect) {
        (geo::Geometry::Point(p), Expect::Points | Expect::AreasOrPoints) => Some(Shape::Point(p)),
        (geo::Geometry::MultiPoint(mp), Expect::Points | Expect::AreasOrPoints)
            if mp.0.len() == 1 =>
        {
            Some(Shape::Point(mp.0[0]))
        }
        (geo::Geometry::Polygon(p), Expect::Areas | Expect::AreasOrPoints) => {
            Some(Shape::Area(MultiPolygon(vec![p])))
        }
        (geo::Geometry::MultiPolygon(mp), Expect::Areas | Expect::AreasOrPoints) => {
            Some(Shape::Area(mp))
        }
        (geo::Geometry::GeometryCollection(gc), Expect::Areas | Expect::AreasOrPoints) => {
            let polygons: Option<Vec<Polygon<f64>>> =
                gc.0.into_iter()
                    .map(|g| match g {
                        geo::Geometry::Polygon(p) => Some(vec![p]),
                        geo::Geometry::MultiPolygon(mp) => Some(mp.0),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()
                    .map(|v| v.into_iter().flatten().collect());
            polygons.map(|p| Shape::Area(MultiPolygon(p)))
        }
        _ => None,
    };
    match shape {
        None => Checked::Invalid(Problem::WrongType(type_name.to_string())),
        Some(Shape::Point(p)) => {
            if p.x().is_finite() && p.y().is_finite() {
                Checked::Valid(Shape::Point(p))
            } else {
                Checked::Invalid(Problem::NonFinite)
            }
        }
        Some(Shape::Area(mp)) => check_area(mp),
    }
}

pub fn geometry_type_name(g: &geo::Geometry<f64>) -> &'static str {
    match g {
        geo::Geometry::Point(_) => "Point",
        geo::Geometry::Line(_) => "Line",
        geo::Geometry::LineString(_) => "LineString",
        geo::Geometry::Polygon(_) => "Polygon",
        geo::Geometry::MultiPoint(_) => "MultiPoint",
        geo::Geometry::MultiLineString(_) => "MultiLineString",
        geo::Geometry::MultiPolygon(_) => "MultiPolygon",
        geo::Geometry::GeometryCollection(_) => "GeometryCollection",
        geo::Geometry::Rect(_) => "Rect",
        geo::Geometry::Triangle(_) => "Triangle",
    }
}

fn check_area(mp: MultiPolygon<f64>) -> Checked {
    if mp.0.iter().all(|p| p.exterior().0.is_empty()) {
        return Checked::Invalid(Problem::Empty);
    }
    if mp
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|r| r.0.iter())
        .any(|c| !(c.x.is_finite() && c.y.is_finite()))
    {
        return Checked::Invalid(Problem::NonFinite);
    }
    let problem = match area_problem(&mp) {
        None => return Checked::Valid(Shape::Area(mp)),
        Some(p) => p,
    };
    let repaired = match problem {
        Problem::TooFewPoints => without_degenerate_rings(&mp),
        Problem::SelfIntersection | Problem::RingTopology => make_valid_without_gain(&mp),
        _ => None,
    };
    match repaired {
        Some(r) if area_problem(&r).is_none() => Checked::Repaired(Shape::Area(r), problem),
        _ => Checked::Invalid(problem),
    }
}

/// Above this many vertices, validity is GEOS's (through GDAL): `geo`'s check compares every
/// pair of segments, 47–77 s for one 100,000-vertex building, where GEOS's indexed check is
/// n log n. Below it, `geo`'s check is faster than converting the geometry for GEOS.
pub const GEOS_FROM_VERTICES: usize = 512;

/// The first problem of a multipolygon, most basic first, or `None` if it is valid.
fn area_problem(mp: &MultiPolygon<f64>) -> Option<Problem> {
    if mp.0.is_empty() {
        return Some(Problem::Empty);
    }
    if cpgis_core::site::vertices(mp) > GEOS_FROM_VERTICES {
        return large_area_problem(mp);
    }
    let errors = mp.validation_errors();
    let polygon_problem = |e: &InvalidPolygon| match e {
        InvalidPolygon::TooFewPointsInRing(_) => Problem::TooFewPoints,
        InvalidPolygon::SelfIntersection(_) => Problem::SelfIntersection,
        InvalidPolygon::NonFiniteCoord(..) => Problem::NonFinite,
        InvalidPolygon::IntersectingRingsOnALine(..)
        | InvalidPolygon::IntersectingRingsOnAnArea(..) => Problem::SelfIntersection,
        InvalidPolygon::InteriorRingNotContainedInExteriorRing(_) => Problem::RingTopology,
    };
    let worst = errors
        .iter()
        .map(|e| match e {
            InvalidMultiPolygon::InvalidPolygon(_, p) => polygon_problem(p),
            InvalidMultiPolygon::ElementsOverlaps(..)
            | InvalidMultiPolygon::ElementsTouchOnALine(..) => Problem::SelfIntersection,
        })
        .min();
    if worst.is_some() {
        return worst;
    }
    if mp.unsigned_area() <= 0.0 {
        return Some(Problem::ZeroArea);
    }
    None
}

/// [`area_problem`] for a large geometry, with GEOS's n log n validity check. GEOS says only
/// valid or not, so an invalid geometry whose rings all have three distinct points is called a
/// self-intersection (a hole outside its shell is repaired the same way).
fn large_area_problem(mp: &MultiPolygon<f64>) -> Option<Problem> {
    let rings =
        mp.0.iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()));
    if rings.clone().any(|r| !has_three_distinct_points(r)) {
        return Some(Problem::TooFewPoints);
    }
    let valid = mp.to_gdal().map(|g| g.is_valid()).unwrap_or(false);
    if !valid {
        return Some(Problem::SelfIntersection);
    }
    if mp.unsigned_area() <= 0.0 {
        return Some(Problem::ZeroArea);
    }
    None
}

/// Whether a ring has at least three distinct points (one pass: stops at the third).
fn has_three_distinct_points(r: &geo::LineString<f64>) -> bool {
    let mut seen: Vec<geo::Coord<f64>> = Vec::with_capacity(3);
    for c in &r.0 {
        if !seen.contains(c) {
            seen.push(*c);
            if seen.len() == 3 {
                return true;
            }
        }
    }
    false
}

/// Drops rings with fewer than 3 distinct points (holes, or whole parts whose shell is degenerate).
fn without_degenerate_rings(mp: &MultiPolygon<f64>) -> Option<MultiPolygon<f64>> {
    let ok = has_three_distinct_points;
    let parts: Vec<Polygon<f64>> =
        mp.0.iter()
            .filter(|p| ok(p.exterior()))
            .map(|p| {
                Polygon::new(
                    p.exterior().clone(),
                    p.interiors().iter().filter(|r| ok(r)).cloned().collect(),
                )
            })
            .collect();
    (!parts.is_empty()).then_some(MultiPolygon(parts))
}

/// Below this, m², two areas are the same (boolean operations' rounding).
const AREA_TOLERANCE_M2: f64 = 0.01;

/// [`make_valid`], never adding area to what was drawn: the repair is kept within the shells
/// (a hole drawn outside its shell becomes no extra polygon), and refused when it would still
/// cover more than the shells less the holes inside them (a hole equal to its shell is a
/// polygon of no area, not its shell).
fn make_valid_without_gain(mp: &MultiPolygon<f64>) -> Option<MultiPolygon<f64>> {
    let repaired = make_valid(mp)?;
    let ring_polygons = |rings: Vec<&geo::LineString<f64>>| {
        MultiPolygon(
            rings
                .into_iter()
                .map(|r| Polygon::new(r.clone(), vec![]))
                .collect(),
        )
    };
    let shells = make_valid(&ring_polygons(mp.0.iter().map(|p| p.exterior()).collect()))?;
    let holes = ring_polygons(mp.0.iter().flat_map(|p| p.interiors()).collect());
    let hole_area = if holes.0.is_empty() {
        0.0
    } else {
        make_valid(&holes).map_or(0.0, |h| h.intersection(&shells).unsigned_area())
    };
    let drawn = (shells.unsigned_area() - hole_area).max(0.0);
    let within = |m: &MultiPolygon<f64>| m.unsigned_area() <= drawn + AREA_TOLERANCE_M2;
    if within(&repaired) {
        return Some(repaired);
    }
    let clipped = repaired.intersection(&shells);
    (within(&clipped) && clipped.unsigned_area() > 0.0).then_some(clipped)
}

/// GEOS's `MakeValid` through GDAL, keeping the polygonal part of the result.
fn make_valid(mp: &MultiPolygon<f64>) -> Option<MultiPolygon<f64>> {
    let g = mp.to_gdal().ok()?;
    let valid = g.make_valid(&CslStringList::new()).ok()?;
    let polygons: Vec<Polygon<f64>> = match valid.to_geo().ok()? {
        geo::Geometry::Polygon(p) => vec![p],
        geo::Geometry::MultiPolygon(m) => m.0,
        geo::Geometry::GeometryCollection(gc) => {
            gc.0.into_iter()
                .flat_map(|g| match g {
                    geo::Geometry::Polygon(p) => vec![p],
                    geo::Geometry::MultiPolygon(m) => m.0,
                    _ => Vec::new(),
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let mp = MultiPolygon(polygons);
    (mp.unsigned_area() > 0.0).then_some(mp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::wkt;

    #[test]
    fn bowtie_is_a_self_intersection_repaired_into_two_triangles() {
        let bowtie: geo::Geometry<f64> = wkt!(POLYGON((0. 0., 2. 2., 2. 0., 0. 2., 0. 0.))).into();
        match check(bowtie, Expect::Areas) {
            Checked::Repaired(Shape::Area(mp), Problem::SelfIntersection) => {
                // Two triangles of base 2 and height 1: area 1 each.
                assert_eq!(mp.0.len(), 2);
                assert!((mp.unsigned_area() - 2.0).abs() < 1e-9);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn two_point_ring_is_too_few_points_and_skipped() {
        let sliver: geo::Geometry<f64> = wkt!(POLYGON((0. 0., 1. 1., 0. 0.))).into();
        assert_eq!(
            check(sliver, Expect::Areas),
            Checked::Invalid(Problem::TooFewPoints)
        );
    }

    #[test]
    fn a_line_in_an_area_layer_is_the_wrong_type() {
        let line: geo::Geometry<f64> = wkt!(LINESTRING(0. 0., 1. 1.)).into();
        assert_eq!(
            check(line, Expect::AreasOrPoints),
            Checked::Invalid(Problem::WrongType("LineString".into()))
        );
    }

    #[test]
    fn nan_coordinates_are_non_finite() {
        let p: geo::Geometry<f64> = geo::Point::new(f64::NAN, 1.0).into();
        assert_eq!(
            check(p, Expect::Points),
            Checked::Invalid(Problem::NonFinite)
        );
    }

    #[test]
    fn degenerate_part_is_dropped_from_a_multipolygon() {
        let mp: geo::Geometry<f64> =
            wkt!(MULTIPOLYGON(((0. 0., 1. 0., 1. 1., 0. 1., 0. 0.)), ((5. 5., 6. 6., 5. 5.))))
                .into();
        match check(mp, Expect::Areas) {
            Checked::Repaired(Shape::Area(mp), Problem::TooFewPoints) => {
                assert!((mp.unsigned_area() - 1.0).abs() < 1e-12)
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    fn area_of(c: &Checked) -> Option<f64> {
        match c {
            Checked::Valid(Shape::Area(a)) | Checked::Repaired(Shape::Area(a), _) => {
                Some(a.unsigned_area())
            }
            _ => None,
        }
    }

    /// Regression: a hole drawn outside its shell was made a polygon of its own (+36 m²).
    #[test]
    fn a_hole_outside_its_shell_adds_no_area() {
        let g: geo::Geometry<f64> =
            wkt! { POLYGON((0. 0.,16. 0.,16. 16.,0. 16.,0. 0.),(20. 0.,26. 0.,26. 6.,20. 6.,20. 0.)) }
                .into();
        let c = check(g, Expect::Areas);
        assert_eq!(c.problem(), Some(&Problem::RingTopology));
        assert_eq!(area_of(&c), Some(256.0), "{c:?}");
    }

    /// Regression: a hole equal to its shell (no area) was repaired into the shell (256 m²).
    #[test]
    fn a_hole_equal_to_its_shell_is_not_repaired_into_the_shell() {
        let g: geo::Geometry<f64> =
            wkt! { POLYGON((0. 0.,16. 0.,16. 16.,0. 16.,0. 0.),(0. 0.,16. 0.,16. 16.,0. 16.,0. 0.)) }
                .into();
        let c = check(g, Expect::Areas);
        assert!(matches!(c, Checked::Invalid(_)), "{c:?}");
    }
}
