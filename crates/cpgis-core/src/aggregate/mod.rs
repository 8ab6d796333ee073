//! Stage 4, aggregate: building estimates summed per grid cell (square or hexagonal), per
//! neighbourhood, and for the district, the rest of the map and everything. Every building is
//! counted exactly once at every level (by its representative point), so totals agree.
//!
//! | module | what it does |
//! |---|---|
//! | `grid` | square and hexagonal tilings anchored at the CRS origin |

pub mod grid;

use geo::{BoundingRect, Intersects, Polygon};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::RTree;

use crate::config::GridSpec;
use crate::estimate::{BuildingEstimate, Estimates};
use crate::profile::{Profile, Profiles};
use crate::site::Site;

/// Sums over a set of buildings.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Totals {
    /// Number of buildings.
    pub buildings: usize,
    /// Gross floor area, m².
    pub floor_area_m2: f64,
    /// Residents.
    pub residents: f64,
    /// Jobs.
    pub jobs: f64,
    /// t CO2e per year, `[scenario][sector]`.
    pub co2e_t: Vec<Vec<f64>>,
}

impl Totals {
    /// Zero totals for `scenarios` scenarios and `sectors` sectors.
    pub fn new(scenarios: usize, sectors: usize) -> Totals {
        Totals {
            buildings: 0,
            floor_area_m2: 0.0,
            residents: 0.0,
            jobs: 0.0,
            co2e_t: vec![vec![0.0; sectors]; scenarios],
        }
    }

    /// Adds one building's profile and estimate.
    pub fn add(&mut self, p: &Profile, e: &BuildingEstimate) {
        self.buildings += 1;
        self.floor_area_m2 += p.floor.gfa_m2;
        self.residents += p.residents;
        self.jobs += p.jobs;
        for (s, by_sector) in self.co2e_t.iter_mut().enumerate() {
            for (k, t) in by_sector.iter_mut().enumerate() {
                *t += e.co2e(s, k);
            }
        }
    }

    /// t CO2e per year of a scenario, all sectors.
    pub fn total(&self, scenario: usize) -> f64 {
        self.co2e_t[scenario].iter().sum()
    }
}

/// One grid cell with buildings in it.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Column and row (squares) or axial q, r (hexagons).
    pub key: (i64, i64),
    /// The cell's outline, local CRS.
    pub polygon: Polygon<f64>,
    /// Sums over the cell's buildings.
    pub totals: Totals,
}

/// Every level of aggregation.
#[derive(Debug, Clone)]
pub struct Aggregates {
    /// The grid the cells come from.
    pub grid: GridSpec,
    /// Area of one cell, m².
    pub cell_area_m2: f64,
    /// Cells holding at least one building, ordered by key.
    pub cells: Vec<Cell>,
    /// Per building, its cell's index in `cells`.
    pub cell_of: Vec<usize>,
    /// Per neighbourhood (in `site.neighbourhoods` order).
    pub neighbourhoods: Vec<Totals>,
    /// Per building, its neighbourhood's index, if any.
    pub neighbourhood_of: Vec<Option<usize>>,
    /// Buildings in no neighbourhood.
    pub outside_neighbourhoods: Totals,
    /// Buildings in the district.
    pub district: Totals,
    /// Every other building on the map.
    pub rest: Totals,
    /// Every building.
    pub all: Totals,
}

/// Sums the estimates at every level.
pub fn aggregate(site: &Site, profiles: &Profiles, est: &Estimates, spec: &GridSpec) -> Aggregates {
    let (ns, nk) = (est.scenarios.len(), est.sectors.len());
    let tiling = grid::tiling(spec);
    let keys: Vec<(i64, i64)> = profiles
        .buildings
        .par_iter()
        .map(|p| tiling.cell_of(p.point.x(), p.point.y()))
        .collect();
    // The cells with buildings, ordered by key, and each building's cell.
    let mut cell_keys = keys.clone();
    cell_keys.par_sort_unstable();
    cell_keys.dedup();
    let cell_of: Vec<usize> = keys
        .par_iter()
        .map(|k| {
            cell_keys
                .binary_search(k)
                .expect("every key is among the cells")
        })
        .collect();
    drop(keys);
    let neighbourhood_of = neighbourhood_of(site, profiles);
    let buildings = || profiles.buildings.iter().zip(&est.buildings);
    // Two independent passes, each in building order (the sums have the same bits as one
    // pass would give): per cell, and the district, neighbourhood and overall totals.
    let (cell_totals, (district, rest, all, neighbourhoods, outside)) = rayon::join(
        || {
            let mut totals = vec![Totals::new(ns, nk); cell_keys.len()];
            for (c, (p, e)) in cell_of.iter().zip(buildings()) {
                totals[*c].add(p, e);
            }
            totals
        },
        || {
            let mut district = Totals::new(ns, nk);
            let mut rest = Totals::new(ns, nk);
            let mut all = Totals::new(ns, nk);
            let mut neighbourhoods = vec![Totals::new(ns, nk); site.neighbourhoods.len()];
            let mut outside = Totals::new(ns, nk);
            for (n, (p, e)) in neighbourhood_of.iter().zip(buildings()) {
                all.add(p, e);
                if p.in_district {
                    district.add(p, e);
                } else {
                    rest.add(p, e);
                }
                match n {
                    Some(n) => neighbourhoods[*n].add(p, e),
                    None => outside.add(p, e),
                }
            }
            (district, rest, all, neighbourhoods, outside)
        },
    );
    let cells = cell_keys
        .into_iter()
        .zip(cell_totals)
        .map(|(key, totals)| Cell {
            key,
            polygon: tiling.polygon(key),
            totals,
        })
        .collect();
    Aggregates {
        grid: spec.clone(),
        cell_area_m2: tiling.cell_area_m2(),
        cells,
        cell_of,
        neighbourhoods,
        neighbourhood_of,
        outside_neighbourhoods: outside,
        district,
        rest,
        all,
    }
}

/// The neighbourhood holding each building's representative point (the first one in layer
/// order if neighbourhoods overlap), through an R-tree of their bounding boxes.
pub fn neighbourhood_of(site: &Site, profiles: &Profiles) -> Vec<Option<usize>> {
    let tree = RTree::bulk_load(
        site.neighbourhoods
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                let r = n.area.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                ))
            })
            .collect(),
    );
    // Each building on its own: in parallel (rayon keeps the order).
    profiles
        .buildings
        .par_iter()
        .map(|p| {
            tree.locate_all_at_point(&[p.point.x(), p.point.y()])
                .map(|g| g.data)
                .filter(|i| site.neighbourhoods[*i].area.intersects(&p.point))
                .min()
        })
        .collect()
}
