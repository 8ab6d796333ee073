//! Residents from a population layer, spread over housing floor area (dasymetric mapping).
//!
//! A polygon cell's residents go to the buildings whose representative point lies in it, in
//! proportion to their housing floor area (residential, plus floor area of unknown use, since
//! most unmapped buildings in inhabited cells are homes). A point count goes to the nearest
//! building with housing floor area within [`POINT_REACH_M`]. Residents that find no home are
//! counted, never dropped silently.

use geo::{BoundingRect, Contains, Point};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::RTree;

use crate::site::PopulationCell;
use crate::site::Shape;

/// How far a population point may be from the building it is given to, m.
pub const POINT_REACH_M: f64 = 250.0;

/// Residents per building from the layer, and what could not be placed.
#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    /// Per building: `Some` when a population cell or point covers it (possibly 0), `None`
    /// when the layer says nothing about it.
    pub residents: Vec<Option<f64>>,
    /// Residents of cells with no housing floor area and points with no building near.
    pub unplaced: f64,
    /// Ids of the cells or points whose residents found no home.
    pub unplaced_cells: Vec<String>,
}

/// Spreads `cells` over buildings at `points` with housing floor area `weights` (m²).
pub fn spread(cells: &[PopulationCell], points: &[Point<f64>], weights: &[f64]) -> Spread {
    let mut residents: Vec<Option<f64>> = vec![None; points.len()];
    let mut unplaced = 0.0;
    let mut unplaced_cells = Vec::new();

    let polygons: Vec<(usize, &geo::MultiPolygon<f64>)> = cells
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match &c.shape {
            Shape::Area(mp) => Some((i, mp)),
            Shape::Point(_) => None,
        })
        .collect();
    if !polygons.is_empty() {
        let tree = RTree::bulk_load(
            polygons
                .iter()
                .filter_map(|(i, mp)| {
                    let r = mp.bounding_rect()?;
                    Some(GeomWithData::new(
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        *i,
                    ))
                })
                .collect(),
        );
        // Which cell holds each building (the lowest-numbered one if cells overlap): each
        // building on its own, in parallel; the weights summed in building order.
        let cell_of: Vec<Option<usize>> = points
            .par_iter()
            .map(|p| {
                tree.locate_all_at_point(&[p.x(), p.y()])
                    .map(|g| g.data)
                    .filter(|i| matches!(&cells[*i].shape, Shape::Area(mp) if mp.contains(p)))
                    .min()
            })
            .collect();
        let mut weight_in = vec![0.0; cells.len()];
        for (b, cell) in cell_of.iter().enumerate() {
            if let Some(c) = cell {
                weight_in[*c] += weights[b];
            }
        }
        for (b, cell) in cell_of.iter().enumerate() {
            if let Some(c) = cell {
                let share = if weight_in[*c] > 0.0 {
                    weights[b] / weight_in[*c]
                } else {
                    0.0
                };
                residents[b] = Some(cells[*c].residents * share);
            }
        }
        for (i, _) in &polygons {
            if weight_in[*i] <= 0.0 && cells[*i].residents > 0.0 {
                unplaced += cells[*i].residents;
                unplaced_cells.push(cells[*i].id.clone());
            }
        }
    }

    if !cells.iter().any(|c| matches!(c.shape, Shape::Point(_))) {
        return Spread {
            residents,
            unplaced,
            unplaced_cells,
        };
    }
    let homes: Vec<GeomWithData<[f64; 2], usize>> = points
        .iter()
        .enumerate()
        .filter(|(b, _)| weights[*b] > 0.0)
        .map(|(b, p)| GeomWithData::new([p.x(), p.y()], b))
        .collect();
    let home_tree = RTree::bulk_load(homes);
    for c in cells {
        let Shape::Point(p) = &c.shape else { continue };
        let nearest = home_tree
            .nearest_neighbor_iter_with_distance_2(&[p.x(), p.y()])
            .next()
            .filter(|(_, d2)| *d2 <= POINT_REACH_M * POINT_REACH_M);
        match nearest {
            Some((home, _)) => {
                *residents[home.data].get_or_insert(0.0) += c.residents;
            }
            None if c.residents > 0.0 => {
                unplaced += c.residents;
                unplaced_cells.push(c.id.clone());
            }
            None => {}
        }
    }
    Spread {
        residents,
        unplaced,
        unplaced_cells,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, MultiPolygon};

    fn square(id: &str, x0: f64, residents: f64) -> PopulationCell {
        let p = polygon![(x: x0, y: 0.0), (x: x0 + 100.0, y: 0.0), (x: x0 + 100.0, y: 100.0), (x: x0, y: 100.0)];
        PopulationCell {
            id: id.into(),
            residents,
            shape: Shape::Area(MultiPolygon(vec![p])),
        }
    }

    #[test]
    fn residents_follow_housing_floor_area_within_each_cell() {
        // Cell A (100 residents) holds buildings of 300 and 100 m²: 75 and 25 residents.
        // Cell B (40 residents) holds only a building without housing: 40 unplaced.
        // The fourth building lies outside every cell: the layer says nothing (None).
        let cells = [square("A", 0.0, 100.0), square("B", 100.0, 40.0)];
        let points = [
            Point::new(10.0, 10.0),
            Point::new(50.0, 50.0),
            Point::new(150.0, 50.0),
            Point::new(500.0, 50.0),
        ];
        let s = spread(&cells, &points, &[300.0, 100.0, 0.0, 80.0]);
        assert_eq!(s.residents, [Some(75.0), Some(25.0), Some(0.0), None]);
        assert_eq!(s.unplaced, 40.0);
        assert_eq!(s.unplaced_cells, ["B"]);
    }

    #[test]
    fn a_population_point_goes_to_the_nearest_home_within_reach() {
        let cells = [
            PopulationCell {
                id: "p1".into(),
                residents: 12.0,
                shape: Shape::Point(Point::new(0.0, 0.0)),
            },
            PopulationCell {
                id: "far".into(),
                residents: 5.0,
                shape: Shape::Point(Point::new(5000.0, 0.0)),
            },
        ];
        let points = [Point::new(30.0, 0.0), Point::new(10.0, 0.0)];
        let s = spread(&cells, &points, &[50.0, 0.0]);
        assert_eq!(s.residents, [Some(12.0), None]);
        assert_eq!(
            (s.unplaced, s.unplaced_cells.as_slice()),
            (5.0, ["far".to_string()].as_slice())
        );
    }
}
