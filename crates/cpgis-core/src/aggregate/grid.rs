//! Regular tilings of the local metric CRS for aggregation: squares and pointy-top hexagons,
//! anchored at the CRS origin so a cell's position never depends on the data. A point's cell is
//! found by arithmetic, not by search.

use geo::{LineString, Polygon};

use crate::config::{GridShape, GridSpec};

/// A tiling: which cell holds a point, and the cell's outline.
pub trait Tiling {
    /// Column and row (squares) or axial q and r (hexagons) of the cell holding a point.
    fn cell_of(&self, x: f64, y: f64) -> (i64, i64);
    /// The cell's outline, counter-clockwise, in the local CRS.
    fn polygon(&self, cell: (i64, i64)) -> Polygon<f64>;
    /// Area of one cell, m².
    fn cell_area_m2(&self) -> f64;
    /// The cells that share an edge with a cell.
    fn neighbours(&self, cell: (i64, i64)) -> Vec<(i64, i64)>;
}

/// Squares of side `size` m.
pub struct Squares {
    /// Side of a square, m.
    pub size: f64,
}

impl Tiling for Squares {
    fn cell_of(&self, x: f64, y: f64) -> (i64, i64) {
        (
            (x / self.size).floor() as i64,
            (y / self.size).floor() as i64,
        )
    }

    fn polygon(&self, (c, r): (i64, i64)) -> Polygon<f64> {
        let (x0, y0) = (c as f64 * self.size, r as f64 * self.size);
        let (x1, y1) = (x0 + self.size, y0 + self.size);
        Polygon::new(
            LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
            vec![],
        )
    }

    fn cell_area_m2(&self) -> f64 {
        self.size * self.size
    }

    fn neighbours(&self, (a, b): (i64, i64)) -> Vec<(i64, i64)> {
        vec![(a + 1, b), (a - 1, b), (a, b + 1), (a, b - 1)]
    }
}

/// Pointy-top hexagons `width` m across the flats (circumradius width / √3), axial coordinates.
pub struct Hexagons {
    /// Width across the flats, m.
    pub width: f64,
}

impl Hexagons {
    fn radius(&self) -> f64 {
        self.width / 3f64.sqrt()
    }

    /// Centre of an axial cell.
    pub fn centre(&self, (q, r): (i64, i64)) -> (f64, f64) {
        let s = self.radius();
        (
            s * 3f64.sqrt() * (q as f64 + r as f64 / 2.0),
            s * 1.5 * r as f64,
        )
    }
}

impl Tiling for Hexagons {
    fn cell_of(&self, x: f64, y: f64) -> (i64, i64) {
        let s = self.radius();
        let q = (3f64.sqrt() / 3.0 * x - y / 3.0) / s;
        let r = (2.0 / 3.0 * y) / s;
        // Cube rounding: round all three, fix the one that moved most.
        let (cx, cz) = (q, r);
        let cy = -cx - cz;
        let (mut rx, ry, mut rz) = (cx.round(), cy.round(), cz.round());
        let (dx, dy, dz) = ((rx - cx).abs(), (ry - cy).abs(), (rz - cz).abs());
        if dx > dy && dx > dz {
            rx = -ry - rz;
        } else if dy <= dz {
            rz = -rx - ry;
        }
        (rx as i64, rz as i64)
    }

    fn polygon(&self, cell: (i64, i64)) -> Polygon<f64> {
        let (cx, cy) = self.centre(cell);
        let s = self.radius();
        let mut pts: Vec<(f64, f64)> = (0..6)
            .map(|i| {
                let a = (30.0 + 60.0 * i as f64).to_radians();
                (cx + s * a.cos(), cy + s * a.sin())
            })
            .collect();
        pts.push(pts[0]);
        Polygon::new(LineString::from(pts), vec![])
    }

    fn cell_area_m2(&self) -> f64 {
        // Regular hexagon: (3√3 / 2) s².
        1.5 * 3f64.sqrt() * self.radius().powi(2)
    }

    fn neighbours(&self, (a, b): (i64, i64)) -> Vec<(i64, i64)> {
        vec![
            (a + 1, b),
            (a - 1, b),
            (a, b + 1),
            (a, b - 1),
            (a + 1, b - 1),
            (a - 1, b + 1),
        ]
    }
}

/// The tiling a grid spec asks for.
pub fn tiling(spec: &GridSpec) -> Box<dyn Tiling + Sync> {
    match spec.shape {
        GridShape::Square => Box::new(Squares { size: spec.cell_m }),
        GridShape::Hex => Box::new(Hexagons { width: spec.cell_m }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Contains, Point};

    #[test]
    fn squares_are_anchored_at_the_origin() {
        let g = Squares { size: 250.0 };
        assert_eq!(g.cell_of(10.0, 10.0), (0, 0));
        assert_eq!(g.cell_of(-0.1, 250.0), (-1, 1));
        assert_eq!(g.polygon((2, 3)).unsigned_area(), 62_500.0);
    }

    #[test]
    fn every_point_lies_in_the_hexagon_it_is_given() {
        let g = Hexagons { width: 250.0 };
        // Area of a hexagon 250 m across the flats: (√3 / 2) × 250² = 54,126.6 m².
        assert!((g.polygon((0, 0)).unsigned_area() - 54_126.59).abs() < 0.01);
        assert!((g.cell_area_m2() - 54_126.59).abs() < 0.01);
        for i in 0..400 {
            let (x, y) = (
                (i * 37 % 1000) as f64 - 500.3,
                (i * 91 % 1000) as f64 - 499.7,
            );
            let cell = g.cell_of(x, y);
            assert!(
                g.polygon(cell).contains(&Point::new(x, y)),
                "{x},{y} → {cell:?}"
            );
        }
    }
}
