//! Point-in-area and clip-to-cell for areas of any detail. `geo`'s tests walk every vertex of
//! the area for each query (a district of 1,000,000 vertices costs a million steps per
//! building); [`AreaLookup`] puts the rings' edges in an R-tree once, so each query reads only
//! the edges near it. Small areas (at most [`INDEXED_FROM_VERTICES`]) are answered by `geo`
//! directly: the same answers, without the cost of an index.

use geo::{
    BooleanOps, BoundingRect, Coord, Intersects, Line, LineString, MultiPolygon, Point, Polygon,
    Rect,
};
use rstar::{RTree, AABB};

use super::shape::{rings, vertices};

/// Areas with more vertices than this are indexed.
pub const INDEXED_FROM_VERTICES: usize = 10_000;

/// An area prepared for many point and cell queries.
pub struct AreaLookup<'a> {
    area: &'a MultiPolygon<f64>,
    edges: Option<RTree<Line<f64>>>,
    /// The area's easternmost x, where a ray may stop.
    max_x: f64,
}

impl<'a> AreaLookup<'a> {
    /// Prepares `area` (indexes it when it is large).
    pub fn new(area: &'a MultiPolygon<f64>) -> AreaLookup<'a> {
        let edges = (vertices(area) > INDEXED_FROM_VERTICES)
            .then(|| RTree::bulk_load(rings(area).flat_map(|r| r.lines()).collect()));
        let max_x = area
            .bounding_rect()
            .map_or(f64::NEG_INFINITY, |b| b.max().x);
        AreaLookup { area, edges, max_x }
    }

    /// Whether `p` lies in the area, boundary included (as `geo`'s `intersects`).
    pub fn contains(&self, p: &Point<f64>) -> bool {
        let Some(edges) = &self.edges else {
            return self.area.intersects(p);
        };
        let (x, y) = (p.x(), p.y());
        // On an edge: in the area.
        let here = AABB::from_point(Point::new(x, y));
        if edges
            .locate_in_envelope_intersecting(&here)
            .any(|e| e.intersects(p))
        {
            return true;
        }
        // A ray to the east crosses the rings an odd number of times from inside (each edge
        // counted half-open in y, so a vertex on the ray counts once).
        let ray = AABB::from_corners(Point::new(x, y), Point::new(self.max_x.max(x), y));
        let crossings = edges
            .locate_in_envelope_intersecting(&ray)
            .filter(|e| {
                let (a, b) = (e.start, e.end);
                if (a.y > y) == (b.y > y) {
                    return false;
                }
                let at = a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y);
                at > x
            })
            .count();
        crossings % 2 == 1
    }

    /// The part of the area in the rectangle `cell`.
    pub fn clip(&self, cell: &Polygon<f64>) -> MultiPolygon<f64> {
        let whole = MultiPolygon::new(vec![cell.clone()]);
        let (Some(edges), Some(rect)) = (&self.edges, cell.bounding_rect()) else {
            return whole.intersection(self.area);
        };
        let envelope = AABB::from_corners(Point::from(rect.min()), Point::from(rect.max()));
        if edges
            .locate_in_envelope_intersecting(&envelope)
            .next()
            .is_none()
        {
            // No edge in the cell: all of it is in the area or none of it is.
            return if self.contains(&rect.center().into()) {
                whole
            } else {
                MultiPolygon::new(vec![])
            };
        }
        // Clip each ring to a slightly larger rectangle first (Sutherland–Hodgman), so the
        // exact intersection works on the edges near the cell only. Inside the cell, the
        // clipped rings enclose exactly what the rings do; what they add runs along the larger
        // rectangle's border, outside the cell.
        let margin = (rect.width() + rect.height()) * 0.01 + 1.0;
        let larger = Rect::new(
            Coord {
                x: rect.min().x - margin,
                y: rect.min().y - margin,
            },
            Coord {
                x: rect.max().x + margin,
                y: rect.max().y + margin,
            },
        );
        let clipped: Vec<Polygon<f64>> = rings(self.area)
            .filter(|r| r.bounding_rect().is_some_and(|b| b.intersects(&larger)))
            .map(|r| clip_ring(&r.0, &larger))
            .filter(|r| r.len() >= 4)
            .map(|r| Polygon::new(LineString(r), vec![]))
            .collect();
        // The rings' parity decides what is inside (a hole's ring inside its shell's).
        let mut inside = MultiPolygon::new(vec![]);
        for ring in clipped {
            inside = inside.xor(&MultiPolygon::new(vec![ring]));
        }
        whole.intersection(&inside)
    }
}

/// One ring clipped to `r` (Sutherland–Hodgman, one side of the rectangle at a time), closed.
fn clip_ring(ring: &[Coord<f64>], r: &Rect<f64>) -> Vec<Coord<f64>> {
    let (min, max) = (r.min(), r.max());
    let mut pts: Vec<Coord<f64>> = ring.to_vec();
    if pts.first() == pts.last() {
        pts.pop();
    }
    // Each side: inside test and the crossing of an edge with the side's line.
    type Side = (
        fn(Coord<f64>, f64) -> bool,
        fn(Coord<f64>, Coord<f64>, f64) -> Coord<f64>,
        f64,
    );
    let at_x = |a: Coord<f64>, b: Coord<f64>, x: f64| Coord {
        x,
        y: a.y + (x - a.x) * (b.y - a.y) / (b.x - a.x),
    };
    let at_y = |a: Coord<f64>, b: Coord<f64>, y: f64| Coord {
        x: a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y),
        y,
    };
    let sides: [Side; 4] = [
        (|c, v| c.x >= v, at_x, min.x),
        (|c, v| c.x <= v, at_x, max.x),
        (|c, v| c.y >= v, at_y, min.y),
        (|c, v| c.y <= v, at_y, max.y),
    ];
    for (inside, cross, v) in sides {
        if pts.is_empty() {
            break;
        }
        let mut out = Vec::with_capacity(pts.len());
        let mut prev = pts[pts.len() - 1];
        for &cur in &pts {
            match (inside(prev, v), inside(cur, v)) {
                (true, true) => out.push(cur),
                (true, false) => out.push(cross(prev, cur, v)),
                (false, true) => {
                    out.push(cross(prev, cur, v));
                    out.push(cur);
                }
                (false, false) => {}
            }
            prev = cur;
        }
        pts = out;
    }
    if let Some(first) = pts.first().copied() {
        pts.push(first);
    }
    pts
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Area};

    /// A square of 400 × 400 m with a 200 × 200 m hole, its sides divided into 12,000 vertices
    /// each so that it is indexed.
    fn detailed() -> MultiPolygon<f64> {
        let ring = |x0: f64, y0: f64, s: f64, ccw: bool| {
            let n = 3_000;
            let corners = [(x0, y0), (x0 + s, y0), (x0 + s, y0 + s), (x0, y0 + s)];
            let mut pts = Vec::new();
            for k in 0..4 {
                let (a, b) = (corners[k], corners[(k + 1) % 4]);
                for i in 0..n {
                    let t = i as f64 / n as f64;
                    pts.push(Coord {
                        x: a.0 + (b.0 - a.0) * t,
                        y: a.1 + (b.1 - a.1) * t,
                    });
                }
            }
            pts.push(pts[0]);
            if !ccw {
                pts.reverse();
            }
            LineString(pts)
        };
        MultiPolygon(vec![Polygon::new(
            ring(0.0, 0.0, 400.0, true),
            vec![ring(100.0, 100.0, 200.0, false)],
        )])
    }

    #[test]
    fn indexed_points_are_placed_as_geo_places_them() {
        let area = detailed();
        let lookup = AreaLookup::new(&area);
        assert!(lookup.edges.is_some());
        // Inside, in the hole, outside, on the outer edge, on a vertex, on the hole's edge.
        for (x, y, expect) in [
            (50.0, 50.0, true),
            (200.0, 200.0, false),
            (500.0, 200.0, false),
            (-1.0, 200.0, false),
            (0.0, 200.0, true),
            (400.0, 400.0, true),
            (100.0, 150.0, true),
            (50.0, 100.0, true),
        ] {
            let p = Point::new(x, y);
            assert_eq!(lookup.contains(&p), expect, "({x}, {y})");
            assert_eq!(area.intersects(&p), expect, "geo at ({x}, {y})");
        }
    }

    #[test]
    fn cells_are_clipped_as_the_exact_intersection() {
        let area = detailed();
        let lookup = AreaLookup::new(&area);
        // A cell across the outer edge, one across the hole's corner, one in the hole, one
        // wholly inside, one outside: areas worked out by hand.
        for (x, y, expect) in [
            (-50.0, -50.0, 50.0 * 50.0),
            (50.0, 50.0, 100.0 * 100.0 - 50.0 * 50.0),
            (150.0, 150.0, 0.0),
            (0.0, 200.0, 100.0 * 100.0),
            (600.0, 600.0, 0.0),
        ] {
            let cell = polygon![(x: x, y: y), (x: x + 100.0, y: y), (x: x + 100.0, y: y + 100.0), (x: x, y: y + 100.0)];
            let got = lookup.clip(&cell).unsigned_area();
            assert!(
                (got - expect).abs() < 1e-6,
                "cell at ({x}, {y}): {got} vs {expect}"
            );
        }
    }
}
