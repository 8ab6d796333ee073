//! Stage 4, aggregate: building estimates summed per grid cell (square or hexagonal), per
//! neighbourhood, and for the district, the rest of the map and everything. Every building is
//! counted exactly once at every level (by its representative point), so totals agree. Every
//! figure is an exact sum rounded once (core `exact`): the same bits whatever the buildings'
//! order in the input, and whatever split a distributed run adds them in.
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
use crate::exact::ExactSum;
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
    /// t CO2e per year of a scenario, all sectors.
    pub fn total(&self, scenario: usize) -> f64 {
        self.co2e_t[scenario].iter().sum()
    }

    /// The totals of `buildings` (indices into `profiles` and `estimates`), every figure an exact
    /// sum rounded once ([`crate::exact`]): the same bits whatever the buildings' order, and
    /// whatever split into parts a distributed run adds them in.
    pub fn of(
        buildings: impl IntoIterator<Item = usize>,
        profiles: &[Profile],
        estimates: &[BuildingEstimate],
        (scenarios, sectors): (usize, usize),
    ) -> Totals {
        let mut n = 0;
        let [mut floor, mut residents, mut jobs] = [(); 3].map(|_| ExactSum::new());
        let mut co2e = vec![vec![ExactSum::new(); sectors]; scenarios];
        for b in buildings {
            let (p, e) = (&profiles[b], &estimates[b]);
            n += 1;
            floor.add(p.floor.gfa_m2);
            residents.add(p.residents);
            jobs.add(p.jobs);
            for (s, by_sector) in co2e.iter_mut().enumerate() {
                for (k, t) in by_sector.iter_mut().enumerate() {
                    t.add(e.co2e(s, k));
                }
            }
        }
        Totals {
            buildings: n,
            floor_area_m2: floor.value(),
            residents: residents.value(),
            jobs: jobs.value(),
            co2e_t: co2e
                .iter()
                .map(|by_sector| by_sector.iter().map(ExactSum::value).collect())
                .collect(),
        }
    }
}

/// The buildings of each group (`group_of[b]`, `None`: in none), in building order.
fn members(group_of: impl Iterator<Item = Option<usize>>, groups: usize) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); groups];
    for (b, g) in group_of.enumerate() {
        if let Some(g) = g {
            out[g].push(b);
        }
    }
    out
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
    let Placed {
        cell_keys,
        cell_of,
        neighbourhood_of,
    } = placed(site, profiles, tiling.as_ref());
    // Every figure an exact sum ([`Totals::of`]): the cells and the neighbourhoods each on their
    // own, in parallel; the same bits as any other order of adding would give.
    let (p, e) = (&profiles.buildings[..], &est.buildings[..]);
    let size = (ns, nk);
    let in_cells = members(cell_of.iter().map(|c| Some(*c)), cell_keys.len());
    let cell_totals: Vec<Totals> = in_cells
        .into_par_iter()
        .map(|b| Totals::of(b, p, e, size))
        .collect();
    let in_neighbourhoods = members(neighbourhood_of.iter().copied(), site.neighbourhoods.len());
    let neighbourhoods: Vec<Totals> = in_neighbourhoods
        .into_par_iter()
        .map(|b| Totals::of(b, p, e, size))
        .collect();
    let n = p.len();
    let district_of = |inside: bool| (0..n).filter(move |b| p[*b].in_district == inside);
    let sums = Sums {
        cells: cell_keys.into_iter().zip(cell_totals).collect(),
        neighbourhoods,
        outside_neighbourhoods: Totals::of(
            (0..n).filter(|b| neighbourhood_of[*b].is_none()),
            p,
            e,
            size,
        ),
        district: Totals::of(district_of(true), p, e, size),
        rest: Totals::of(district_of(false), p, e, size),
        all: Totals::of(0..n, p, e, size),
    };
    assembled(spec, tiling.as_ref(), sums, cell_of, neighbourhood_of)
}

/// Each building's cell and neighbourhood.
struct Placed {
    /// The cells with buildings, ordered by key.
    cell_keys: Vec<(i64, i64)>,
    /// Per building, its cell's index in `cell_keys`.
    cell_of: Vec<usize>,
    /// Per building, its neighbourhood's index, if any.
    neighbourhood_of: Vec<Option<usize>>,
}

fn placed(site: &Site, profiles: &Profiles, tiling: &(dyn grid::Tiling + Sync)) -> Placed {
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
    Placed {
        cell_keys,
        cell_of,
        neighbourhood_of: neighbourhood_of(site, profiles),
    }
}

/// The sums of every level: what [`aggregate`] adds from the buildings, or what a distributed
/// run's engine added exactly (the same bits), taken by [`from_sums`].
#[derive(Debug, Clone, PartialEq)]
pub struct Sums {
    /// Per cell with buildings, by key.
    pub cells: Vec<((i64, i64), Totals)>,
    /// Per neighbourhood, in `site.neighbourhoods` order.
    pub neighbourhoods: Vec<Totals>,
    /// Buildings in no neighbourhood.
    pub outside_neighbourhoods: Totals,
    /// Buildings in the district.
    pub district: Totals,
    /// Every other building.
    pub rest: Totals,
    /// Every building.
    pub all: Totals,
}

fn assembled(
    spec: &GridSpec,
    tiling: &(dyn grid::Tiling + Sync),
    sums: Sums,
    cell_of: Vec<usize>,
    neighbourhood_of: Vec<Option<usize>>,
) -> Aggregates {
    let cells = sums
        .cells
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
        cell_of,
        neighbourhoods: sums.neighbourhoods,
        neighbourhood_of,
        outside_neighbourhoods: sums.outside_neighbourhoods,
        district: sums.district,
        rest: sums.rest,
        all: sums.all,
    }
}

/// The aggregates of `site` from sums added elsewhere (a distributed run's cell, neighbourhood
/// and level tables), each building placed in its cell and neighbourhood here. Refused, with
/// the first disagreement said, unless the tables count the buildings these profiles place at
/// every level: the same cells, each with its buildings, the same neighbourhoods, the district,
/// the rest and all.
pub fn from_sums(
    site: &Site,
    profiles: &Profiles,
    spec: &GridSpec,
    mut sums: Sums,
) -> Result<Aggregates, String> {
    let tiling = grid::tiling(spec);
    let Placed {
        cell_keys,
        cell_of,
        neighbourhood_of,
    } = placed(site, profiles, tiling.as_ref());
    sums.cells.sort_by_key(|c| c.0);
    let counted = |what: &str, table: usize, here: usize| {
        if table == here {
            Ok(())
        } else {
            Err(format!(
                "{what}: the tables count {table} buildings where the results place {here}"
            ))
        }
    };
    if let Some(w) = sums.cells.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(format!("cell {:?} comes twice in the cell table", w[0].0));
    }
    for key in &cell_keys {
        if sums.cells.binary_search_by_key(key, |c| c.0).is_err() {
            return Err(format!(
                "cell {key:?} holds buildings but is not in the cell table"
            ));
        }
    }
    if let Some((key, _)) = sums
        .cells
        .iter()
        .find(|c| cell_keys.binary_search(&c.0).is_err())
    {
        return Err(format!(
            "cell {key:?} is in the cell table but holds no building"
        ));
    }
    let mut per_cell = vec![0usize; cell_keys.len()];
    for c in &cell_of {
        per_cell[*c] += 1;
    }
    for ((key, totals), here) in sums.cells.iter().zip(&per_cell) {
        counted(&format!("cell {key:?}"), totals.buildings, *here)?;
    }
    if sums.neighbourhoods.len() != site.neighbourhoods.len() {
        return Err(format!(
            "the neighbourhood table has {} neighbourhoods where the site has {}",
            sums.neighbourhoods.len(),
            site.neighbourhoods.len()
        ));
    }
    let mut per_hood = vec![0usize; site.neighbourhoods.len()];
    let mut outside = 0;
    for h in &neighbourhood_of {
        match h {
            Some(i) => per_hood[*i] += 1,
            None => outside += 1,
        }
    }
    for ((i, totals), here) in sums.neighbourhoods.iter().enumerate().zip(&per_hood) {
        counted(
            &format!("neighbourhood {}", site.neighbourhoods[i].id),
            totals.buildings,
            *here,
        )?;
    }
    counted(
        "outside every neighbourhood",
        sums.outside_neighbourhoods.buildings,
        outside,
    )?;
    let n = profiles.buildings.len();
    let district = profiles.buildings.iter().filter(|p| p.in_district).count();
    counted("the district", sums.district.buildings, district)?;
    counted("the rest of the map", sums.rest.buildings, n - district)?;
    counted("the whole map", sums.all.buildings, n)?;
    Ok(assembled(
        spec,
        tiling.as_ref(),
        sums,
        cell_of,
        neighbourhood_of,
    ))
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
