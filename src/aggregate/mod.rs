//! Stage 4, aggregate: building estimates summed per grid cell (square or hexagonal), per
//! neighbourhood, and for the district, the rest of the map and everything. Every building is
//! counted exactly once at every level (by its representative point), so totals agree.
//!
//! | module | what it does |
//! |---|---|
//! | `grid` | square and hexagonal tilings anchored at the CRS origin |

pub mod grid;

use std::collections::BTreeMap;

use geo::{BoundingRect, Intersects, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::RTree;

use crate::config::GridSpec;
use crate::estimate::{BuildingEstimate, Estimates};
use crate::load::Site;
use crate::profile::{Profile, Profiles};

/// Sums over a set of buildings.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Totals {
    pub buildings: usize,
    pub floor_area_m2: f64,
    pub residents: f64,
    pub jobs: f64,
    /// t CO2e per year, `[scenario][sector]`.
    pub co2e_t: Vec<Vec<f64>>,
}

impl Totals {
    pub fn new(scenarios: usize, sectors: usize) -> Totals {
        Totals {
            buildings: 0,
            floor_area_m2: 0.0,
            residents: 0.0,
            jobs: 0.0,
            co2e_t: vec![vec![0.0; sectors]; scenarios],
        }
    }

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
    pub polygon: Polygon<f64>,
    pub totals: Totals,
}

/// Every level of aggregation.
#[derive(Debug, Clone)]
pub struct Aggregates {
    pub grid: GridSpec,
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
    pub district: Totals,
    pub rest: Totals,
    pub all: Totals,
}

/// Sums the estimates at every level.
pub fn aggregate(site: &Site, profiles: &Profiles, est: &Estimates, spec: &GridSpec) -> Aggregates {
    let (ns, nk) = (est.scenarios.len(), est.sectors.len());
    let tiling = grid::tiling(spec);
    let mut by_cell: BTreeMap<(i64, i64), Totals> = BTreeMap::new();
    let keys: Vec<(i64, i64)> = profiles
        .buildings
        .iter()
        .map(|p| tiling.cell_of(p.point.x(), p.point.y()))
        .collect();
    let mut district = Totals::new(ns, nk);
    let mut rest = Totals::new(ns, nk);
    let mut all = Totals::new(ns, nk);
    let neighbourhood_of = neighbourhood_of(site, profiles);
    let mut neighbourhoods = vec![Totals::new(ns, nk); site.neighbourhoods.len()];
    let mut outside = Totals::new(ns, nk);
    for (i, (p, e)) in profiles.buildings.iter().zip(&est.buildings).enumerate() {
        by_cell
            .entry(keys[i])
            .or_insert_with(|| Totals::new(ns, nk))
            .add(p, e);
        all.add(p, e);
        if p.in_district {
            district.add(p, e);
        } else {
            rest.add(p, e);
        }
        match neighbourhood_of[i] {
            Some(n) => neighbourhoods[n].add(p, e),
            None => outside.add(p, e),
        }
    }
    let index: BTreeMap<(i64, i64), usize> =
        by_cell.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let cells = by_cell
        .into_iter()
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
        cell_of: keys.iter().map(|k| index[k]).collect(),
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
fn neighbourhood_of(site: &Site, profiles: &Profiles) -> Vec<Option<usize>> {
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
    profiles
        .buildings
        .iter()
        .map(|p| {
            tree.locate_all_at_point(&[p.point.x(), p.point.y()])
                .map(|g| g.data)
                .filter(|i| site.neighbourhoods[*i].area.intersects(&p.point))
                .min()
        })
        .collect()
}
