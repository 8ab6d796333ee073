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
    // Per cell: whether its residents found a home.
    let mut housed = vec![false; cells.len()];

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
            housed[*i] = weight_in[*i] > 0.0 || weight_in[*i].is_nan();
        }
    }

    if !cells.iter().any(|c| matches!(c.shape, Shape::Point(_))) {
        let (unplaced, unplaced_cells) = unplaced_of(cells, &housed);
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
    for (i, c) in cells.iter().enumerate() {
        let Shape::Point(p) = &c.shape else { continue };
        let nearest = home_tree
            .nearest_neighbor_iter_with_distance_2(&[p.x(), p.y()])
            .next()
            .filter(|(_, d2)| *d2 <= POINT_REACH_M * POINT_REACH_M);
        if let Some((home, _)) = nearest {
            *residents[home.data].get_or_insert(0.0) += c.residents;
            housed[i] = true;
        }
    }
    let (unplaced, unplaced_cells) = unplaced_of(cells, &housed);
    Spread {
        residents,
        unplaced,
        unplaced_cells,
    }
}

/// The residents of the cells whose residents found no home (`housed[i]` false) and the cells'
/// ids: the polygon cells first, then the points, each in layer order (a cell with no residents
/// is not listed).
fn unplaced_of(cells: &[PopulationCell], housed: &[bool]) -> (f64, Vec<String>) {
    let (mut unplaced, mut ids) = (0.0, Vec::new());
    for points in [false, true] {
        for (c, home) in cells.iter().zip(housed) {
            if matches!(c.shape, Shape::Point(_)) == points && !home && c.residents > 0.0 {
                unplaced += c.residents;
                ids.push(c.id.clone());
            }
        }
    }
    (unplaced, ids)
}

/// Which population cells have a home, gathered one building at a time in any order, and
/// merged part by part: what [`spread`] says of the cells whose residents found no home,
/// without holding every building's point (a distributed run's driver, which receives the
/// buildings' profiles tile by tile).
///
/// A polygon cell has a home when a building whose representative point it holds (the
/// lowest-numbered such cell, as [`spread`] places it) has housing floor area; a population
/// point when a building with housing floor area lies within [`POINT_REACH_M`]. Housing floor
/// area is never negative; a figure that is not a number counts as housing, as it does in
/// [`spread`]'s sums.
pub struct Housed<'a> {
    cells: &'a [PopulationCell],
    areas: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    points: RTree<GeomWithData<[f64; 2], usize>>,
    housed: Vec<bool>,
}

impl<'a> Housed<'a> {
    /// No building yet: every cell without a home.
    pub fn new(cells: &'a [PopulationCell]) -> Housed<'a> {
        let areas = cells
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match &c.shape {
                Shape::Area(mp) => {
                    let r = mp.bounding_rect()?;
                    Some(GeomWithData::new(
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        i,
                    ))
                }
                Shape::Point(_) => None,
            })
            .collect();
        let points = cells
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match &c.shape {
                Shape::Point(p) => Some(GeomWithData::new([p.x(), p.y()], i)),
                Shape::Area(_) => None,
            })
            .collect();
        Housed {
            cells,
            areas: RTree::bulk_load(areas),
            points: RTree::bulk_load(points),
            housed: vec![false; cells.len()],
        }
    }

    /// Adds a building at `point` with `housing_m2` of housing floor area.
    pub fn add(&mut self, point: Point<f64>, housing_m2: f64) {
        if housing_m2 <= 0.0 {
            return;
        }
        let at = [point.x(), point.y()];
        let cells = self.cells;
        let holder = self
            .areas
            .locate_all_at_point(&at)
            .map(|g| g.data)
            .filter(|i| matches!(&cells[*i].shape, Shape::Area(mp) if mp.contains(&point)))
            .min();
        if let Some(i) = holder {
            self.housed[i] = true;
        }
        for g in self
            .points
            .locate_within_distance(at, POINT_REACH_M * POINT_REACH_M)
        {
            self.housed[g.data] = true;
        }
    }

    /// Adds what another part found (a tally of the same cells).
    pub fn merge(&mut self, other: &Housed) {
        for (a, b) in self.housed.iter_mut().zip(&other.housed) {
            *a |= *b;
        }
    }

    /// The residents that found no home and their cells' ids, as [`Spread`] gives them.
    pub fn unplaced(&self) -> (f64, Vec<String>) {
        unplaced_of(self.cells, &self.housed)
    }
}

/// A building's housing floor area, m²: its residential floor area plus that of unknown use
/// (most unmapped buildings in inhabited cells are homes).
pub fn housing_m2(mix: &crate::profile::uses::UseMix, gfa_m2: f64) -> f64 {
    mix.parts
        .iter()
        .filter(|p| {
            matches!(
                p.0,
                crate::preset::Use::Residential | crate::preset::Use::Unknown
            )
        })
        .map(|p| p.1 * gfa_m2)
        .sum()
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
        // A building at a time: the same cell, whatever the order.
        let mut h = Housed::new(&cells);
        for i in [3, 2, 1, 0] {
            h.add(points[i], [300.0, 100.0, 0.0, 80.0][i]);
        }
        assert_eq!(h.unplaced(), (40.0, vec!["B".to_string()]));
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
        // The home 30 m from p1 alone houses it; the one at 10 m has no housing.
        let mut h = Housed::new(&cells);
        h.add(points[1], 0.0);
        assert_eq!(h.unplaced().1, ["p1", "far"]);
        let mut other = Housed::new(&cells);
        other.add(points[0], 50.0);
        h.merge(&other);
        assert_eq!(h.unplaced(), (5.0, vec!["far".to_string()]));
    }
}
