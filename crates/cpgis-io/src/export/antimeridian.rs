//! Polygons across the antimeridian, split as RFC 7946 §3.1.9 asks: a ring that crosses 180°
//! is cut there into parts on either side, each within −180…180°, instead of a ring that runs
//! the long way round the globe (a 0.001-square-degree district written as a band 360° wide).

use geo::{BooleanOps, BoundingRect, Coord, LineString, MultiPolygon, Polygon, Rect};

/// Whether a ring of longitudes (in order, closing edge included) jumps by more than 180° from
/// one vertex to the next: it crosses the antimeridian.
pub fn crosses(lons: &[f64]) -> bool {
    lons.windows(2).any(|w| (w[1] - w[0]).abs() > 180.0)
        || match (lons.first(), lons.last()) {
            (Some(a), Some(b)) => (a - b).abs() > 180.0,
            _ => false,
        }
}

/// The ring with its longitudes made continuous (±360° where it jumps).
fn unwrapped(ring: &[Coord<f64>]) -> Vec<Coord<f64>> {
    let mut out = Vec::with_capacity(ring.len());
    let mut shift = 0.0;
    for (k, c) in ring.iter().enumerate() {
        if k > 0 {
            let d = c.x - ring[k - 1].x;
            if d > 180.0 {
                shift -= 360.0;
            } else if d < -180.0 {
                shift += 360.0;
            }
        }
        out.push(Coord {
            x: c.x + shift,
            y: c.y,
        });
    }
    out
}

/// Moves a ring by whole turns so that it starts within 180° of `lon`.
fn near(mut ring: Vec<Coord<f64>>, lon: f64) -> Vec<Coord<f64>> {
    if let Some(first) = ring.first() {
        let turns = ((lon - first.x) / 360.0).round() * 360.0;
        for c in &mut ring {
            c.x += turns;
        }
    }
    ring
}

/// Lon/lat polygons made continuous across 180°: each ring unwrapped, each ring and polygon
/// moved by whole turns next to the first polygon's start (a district on both sides of 180°
/// has its centroid there, not at 0°). Longitudes may leave −180…180°.
pub fn contiguous(polygons: &[Polygon<f64>]) -> Vec<Polygon<f64>> {
    let Some(start) = polygons
        .first()
        .and_then(|p| p.exterior().0.first())
        .map(|c| c.x)
    else {
        return Vec::new();
    };
    polygons
        .iter()
        .map(|p| {
            let ring = |r: &LineString<f64>| LineString(near(unwrapped(&r.0), start));
            Polygon::new(ring(p.exterior()), p.interiors().iter().map(ring).collect())
        })
        .collect()
}

/// A longitude in −180…180°.
pub fn wrapped(lon: f64) -> f64 {
    if (-180.0..=180.0).contains(&lon) {
        lon
    } else {
        (lon + 180.0).rem_euclid(360.0) - 180.0
    }
}

/// Splits lon/lat polygons (rings closed, possibly jumping across ±180°) into parts each within
/// −180…180°.
pub fn split(polygons: &[Polygon<f64>]) -> MultiPolygon<f64> {
    let mut parts = Vec::new();
    for p in polygons {
        let exterior = unwrapped(&p.exterior().0);
        let start = exterior.first().map_or(0.0, |c| c.x);
        let holes = p
            .interiors()
            .iter()
            .map(|h| LineString(near(unwrapped(&h.0), start)))
            .collect();
        let whole = MultiPolygon(vec![Polygon::new(LineString(exterior), holes)]);
        let Some(bounds) = whole.bounding_rect() else {
            continue;
        };
        // Each window is cut to the polygon's extent (plus a margin): boolean operations
        // snap to a grid scaled to their inputs' extent, so a whole-globe window would round
        // the parts to about 1e-7°.
        let (lo, hi) = (bounds.min(), bounds.max());
        for turn in [-1.0f64, 0.0, 1.0] {
            let (west, east) = (-180.0 + 360.0 * turn, 180.0 + 360.0 * turn);
            if hi.x <= west || lo.x >= east {
                continue;
            }
            let window = Rect::new(
                Coord {
                    x: west.max(lo.x - 1.0),
                    y: lo.y - 1.0,
                },
                Coord {
                    x: east.min(hi.x + 1.0),
                    y: hi.y + 1.0,
                },
            )
            .to_polygon();
            let piece = whole.intersection(&MultiPolygon(vec![window]));
            for mut q in piece.0 {
                let back = |c: &mut Coord<f64>| c.x -= 360.0 * turn;
                q.exterior_mut(|r| r.0.iter_mut().for_each(back));
                q.interiors_mut(|hs| {
                    for h in hs {
                        h.0.iter_mut().for_each(back);
                    }
                });
                parts.push(q);
            }
        }
    }
    MultiPolygon(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Area};

    #[test]
    fn a_square_across_180_degrees_becomes_two_halves_of_its_area() {
        // 179.99 E to 179.99 W as written after a transform: the ring jumps from 179.99 to
        // -179.99.
        let p = polygon![
            (x: 179.99, y: -16.8), (x: -179.99, y: -16.8), (x: -179.99, y: -16.78),
            (x: 179.99, y: -16.78), (x: 179.99, y: -16.8)
        ];
        assert!(crosses(
            &p.exterior().0.iter().map(|c| c.x).collect::<Vec<_>>()
        ));
        let mp = split(&[p]);
        assert_eq!(mp.0.len(), 2);
        // 0.02° × 0.02°, half on each side.
        assert!(
            (mp.unsigned_area() - 0.0004).abs() < 1e-10,
            "{}",
            mp.unsigned_area()
        );
        for part in &mp.0 {
            let b = part.bounding_rect().unwrap();
            assert!((b.width() - 0.01).abs() < 1e-9, "{b:?}");
            assert!(b.min().x >= -180.0 && b.max().x <= 180.0);
        }
    }

    #[test]
    fn longitudes_wrap_into_the_range() {
        assert_eq!(wrapped(181.0), -179.0);
        assert_eq!(wrapped(-181.0), 179.0);
        assert_eq!(wrapped(24.9), 24.9);
    }

    #[test]
    fn a_ring_that_does_not_jump_does_not_cross() {
        assert!(!crosses(&[179.0, 179.5, 179.9, 179.0]));
        assert!(crosses(&[179.9, -179.9, -179.9, 179.9]));
    }
}
