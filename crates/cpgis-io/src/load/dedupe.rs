//! De-duplicating buildings across layers: a building of a later layer whose footprint shares at
//! least half of the smaller footprint's area with a building already loaded is the same building
//! (e.g. the 2019 and 2024 OSM cuts of one city block). Candidates come from an R-tree.

use geo::{Area, BooleanOps, BoundingRect, Contains, MultiPolygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use cpgis_core::site::Shape;

/// Share of the smaller footprint two buildings must share to count as one.
pub const MIN_OVERLAP: f64 = 0.5;

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// An index of loaded buildings' footprints.
pub struct FootprintIndex<'a> {
    shapes: Vec<&'a Shape>,
    tree: RTree<Entry>,
}

fn envelope(shape: &Shape) -> Option<Rectangle<[f64; 2]>> {
    match shape {
        Shape::Area(mp) => {
            let r = mp.bounding_rect()?;
            Some(Rectangle::from_corners(
                [r.min().x, r.min().y],
                [r.max().x, r.max().y],
            ))
        }
        Shape::Point(p) => Some(Rectangle::from_corners([p.x(), p.y()], [p.x(), p.y()])),
    }
}

impl<'a> FootprintIndex<'a> {
    pub fn new(shapes: Vec<&'a Shape>) -> Self {
        let entries = shapes
            .iter()
            .enumerate()
            .filter_map(|(i, s)| envelope(s).map(|e| GeomWithData::new(e, i)))
            .collect();
        FootprintIndex {
            shapes,
            tree: RTree::bulk_load(entries),
        }
    }

    /// The index of the loaded building `shape` duplicates, with the overlap share, if any.
    /// Among several candidates over the threshold, the largest intersection over union wins (so
    /// a footprint redrawn in place beats a small building it happens to contain), then the
    /// lowest index.
    pub fn duplicate_of(&self, shape: &Shape) -> Option<(usize, f64)> {
        let env = envelope(shape)?;
        let aabb = AABB::from_corners(env.lower(), env.upper());
        let mut best: Option<(usize, f64, f64)> = None;
        for entry in self.tree.locate_in_envelope_intersecting(&aabb) {
            let other = self.shapes[entry.data];
            let (overlap, iou) = match (shape, other) {
                (Shape::Area(a), Shape::Area(b)) => overlap_share(a, b),
                (Shape::Point(p), Shape::Area(b)) | (Shape::Area(b), Shape::Point(p)) => {
                    if b.contains(p) {
                        (1.0, 0.0)
                    } else {
                        (0.0, 0.0)
                    }
                }
                (Shape::Point(p), Shape::Point(q)) => {
                    if p == q {
                        (1.0, 1.0)
                    } else {
                        (0.0, 0.0)
                    }
                }
            };
            let better = |(i, o, u): (usize, f64, f64)| {
                (iou, overlap) > (u, o) || ((iou, overlap) == (u, o) && entry.data < i)
            };
            if overlap >= MIN_OVERLAP && best.is_none_or(better) {
                best = Some((entry.data, overlap, iou));
            }
        }
        best.map(|(i, o, _)| (i, o))
    }
}

/// Area shared by two footprints over the smaller footprint's area, and over their union (0..1 each).
fn overlap_share(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> (f64, f64) {
    let (area_a, area_b) = (a.unsigned_area(), b.unsigned_area());
    let smaller = area_a.min(area_b);
    if smaller <= 0.0 {
        return (0.0, 0.0);
    }
    let shared = a.intersection(b).unsigned_area();
    let union = area_a + area_b - shared;
    (
        (shared / smaller).min(1.0),
        if union > 0.0 { shared / union } else { 0.0 },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::wkt;

    #[test]
    fn a_shifted_copy_is_a_duplicate_and_a_neighbour_is_not() {
        let a = Shape::Area(wkt!(MULTIPOLYGON(((0. 0., 10. 0., 10. 10., 0. 10., 0. 0.)))));
        let index = FootprintIndex::new(vec![&a]);
        // Shifted by 2 m: shares 8 × 10 = 80 of 100 m².
        let shifted = Shape::Area(wkt!(MULTIPOLYGON(((2. 0., 12. 0., 12. 10., 2. 10., 2. 0.)))));
        let (i, share) = index.duplicate_of(&shifted).unwrap();
        assert_eq!(i, 0);
        assert!((share - 0.8).abs() < 1e-9);
        // Shifted by 6 m: shares 40 %, below the threshold.
        let neighbour = Shape::Area(wkt!(MULTIPOLYGON(((6. 0., 16. 0., 16. 10., 6. 10., 6. 0.)))));
        assert_eq!(index.duplicate_of(&neighbour), None);
    }
}

/// The hash `identical_within` groups footprints by: every coordinate's bits, ring by ring
/// (SipHash with fixed keys: the same in every process of this build); `None` for a point.
/// Equal footprints have equal keys; equal keys are compared coordinate by coordinate.
pub fn footprint_key(shape: &Shape) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let Shape::Area(mp) = shape else { return None };
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for p in &mp.0 {
        for c in p
            .exterior()
            .0
            .iter()
            .chain(p.interiors().iter().flat_map(|r| &r.0))
        {
            c.x.to_bits().hash(&mut h);
            c.y.to_bits().hash(&mut h);
        }
        u64::MAX.hash(&mut h);
    }
    Some(h.finish())
}

/// Footprints of one layer drawn twice: for each polygon whose coordinates are exactly those of
/// an earlier one in `shapes`, `(its index, the earlier one's index)`, in order. Points are
/// left alone: two properties may share one address point (a campus, a block of flats).
pub fn identical_within(shapes: &[&Shape]) -> Vec<(usize, usize)> {
    let mut keyed: Vec<(u64, usize)> = shapes
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((footprint_key(s)?, i)))
        .collect();
    keyed.sort_unstable();
    let mut out = Vec::new();
    for run in keyed.chunk_by(|a, b| a.0 == b.0) {
        // Within one hash, each later polygon against the earlier ones (equal bits, not only
        // equal hashes).
        for (k, &(_, i)) in run.iter().enumerate().skip(1) {
            if let Some(&(_, first)) = run[..k].iter().find(|(_, j)| shapes[*j] == shapes[i]) {
                out.push((i, first));
            }
        }
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod identical_tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn a_footprint_drawn_twice_is_found_and_points_are_left_alone() {
        let a = Shape::Area(MultiPolygon::new(vec![polygon![
            (x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)
        ]]));
        let b = Shape::Area(MultiPolygon::new(vec![polygon![
            (x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.5), (x: 0.0, y: 10.0)
        ]]));
        let p = Shape::Point(geo::Point::new(1.0, 1.0));
        let shapes = [&a, &b, &p, &a, &p, &a];
        assert_eq!(identical_within(&shapes), [(3, 0), (5, 0)]);
    }
}
