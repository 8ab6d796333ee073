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
        size: (usize, usize),
    ) -> Totals {
        let mut sum = TotalsSum::new(size);
        for b in buildings {
            sum.add(&profiles[b], &estimates[b]);
        }
        sum.value()
    }
}

/// [`Totals`] in progress: buildings added one at a time, in any order, every figure an exact
/// sum.
#[derive(Debug, Clone)]
pub struct TotalsSum {
    buildings: usize,
    floor: ExactSum,
    residents: ExactSum,
    jobs: ExactSum,
    /// `[scenario][sector]`.
    co2e: Vec<Vec<ExactSum>>,
}

impl TotalsSum {
    /// No building yet, for `(scenarios, sectors)`.
    pub fn new((scenarios, sectors): (usize, usize)) -> TotalsSum {
        TotalsSum {
            buildings: 0,
            floor: ExactSum::new(),
            residents: ExactSum::new(),
            jobs: ExactSum::new(),
            co2e: vec![vec![ExactSum::new(); sectors]; scenarios],
        }
    }

    /// Adds a building's profile and estimate.
    pub fn add(&mut self, p: &Profile, e: &BuildingEstimate) {
        self.buildings += 1;
        self.floor.add(p.floor.gfa_m2);
        self.residents.add(p.residents);
        self.jobs.add(p.jobs);
        for (s, by_sector) in self.co2e.iter_mut().enumerate() {
            for (k, t) in by_sector.iter_mut().enumerate() {
                t.add(e.co2e(s, k));
            }
        }
    }

    /// The totals, each sum rounded once.
    pub fn value(&self) -> Totals {
        Totals {
            buildings: self.buildings,
            floor_area_m2: self.floor.value(),
            residents: self.residents.value(),
            jobs: self.jobs.value(),
            co2e_t: self
                .co2e
                .iter()
                .map(|by_sector| by_sector.iter().map(ExactSum::value).collect())
                .collect(),
        }
    }
}

/// The sums of every level gathered a building at a time, in any order, as a distributed run's
/// driver reads the tiles' results: what [`aggregate`] adds, bit for bit. Each cell with
/// buildings holds an exact sum per figure (about 5 kB a cell with two scenarios); at a
/// country's scale the engine's tables ([`from_sums`]) take their place.
#[derive(Debug, Clone)]
pub struct SumsBuilder {
    size: (usize, usize),
    cells: std::collections::BTreeMap<(i64, i64), TotalsSum>,
    neighbourhoods: Vec<TotalsSum>,
    outside_neighbourhoods: TotalsSum,
    district: TotalsSum,
    rest: TotalsSum,
    all: TotalsSum,
}

impl SumsBuilder {
    /// No building yet, for a site of `neighbourhoods` neighbourhoods and estimates of
    /// `(scenarios, sectors)`.
    pub fn new(neighbourhoods: usize, size: (usize, usize)) -> SumsBuilder {
        SumsBuilder {
            size,
            cells: Default::default(),
            neighbourhoods: vec![TotalsSum::new(size); neighbourhoods],
            outside_neighbourhoods: TotalsSum::new(size),
            district: TotalsSum::new(size),
            rest: TotalsSum::new(size),
            all: TotalsSum::new(size),
        }
    }

    /// Adds a building in grid cell `cell` and neighbourhood `neighbourhood` (an index the
    /// builder was made for, or `None`).
    pub fn add(
        &mut self,
        cell: (i64, i64),
        neighbourhood: Option<usize>,
        p: &Profile,
        e: &BuildingEstimate,
    ) {
        let size = self.size;
        self.cells
            .entry(cell)
            .or_insert_with(|| TotalsSum::new(size))
            .add(p, e);
        match neighbourhood.and_then(|i| self.neighbourhoods.get_mut(i)) {
            Some(n) => n.add(p, e),
            None => self.outside_neighbourhoods.add(p, e),
        }
        if p.in_district {
            self.district.add(p, e);
        } else {
            self.rest.add(p, e);
        }
        self.all.add(p, e);
    }

    /// The sums of every level.
    pub fn finish(self) -> Sums {
        Sums {
            cells: self.cells.iter().map(|(k, t)| (*k, t.value())).collect(),
            neighbourhoods: self.neighbourhoods.iter().map(TotalsSum::value).collect(),
            outside_neighbourhoods: self.outside_neighbourhoods.value(),
            district: self.district.value(),
            rest: self.rest.value(),
            all: self.all.value(),
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

/// How many buildings each level holds, counted where the buildings are read (a distributed
/// run's results, a row at a time, in any order): what [`from_sums`] checks the engine's tables
/// against, without the driver holding every building.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Per grid cell with buildings, by key.
    pub cells: std::collections::BTreeMap<(i64, i64), usize>,
    /// Per neighbourhood, in `site.neighbourhoods` order.
    pub neighbourhoods: Vec<usize>,
    /// Buildings in no neighbourhood.
    pub outside_neighbourhoods: usize,
    /// Buildings in the district.
    pub district: usize,
    /// Every building.
    pub all: usize,
}

impl Counts {
    /// No building yet, for a site of `neighbourhoods` neighbourhoods.
    pub fn new(neighbourhoods: usize) -> Counts {
        Counts {
            neighbourhoods: vec![0; neighbourhoods],
            ..Default::default()
        }
    }

    /// Counts a building in grid cell `cell`, neighbourhood `neighbourhood`, in the district or
    /// not; an error for a neighbourhood the site does not have.
    pub fn add(
        &mut self,
        cell: (i64, i64),
        neighbourhood: Option<usize>,
        in_district: bool,
    ) -> Result<(), String> {
        match neighbourhood {
            Some(i) => {
                let of = self.neighbourhoods.len();
                *self.neighbourhoods.get_mut(i).ok_or_else(|| {
                    format!("neighbourhood {i} where the site has {of} neighbourhoods")
                })? += 1;
            }
            None => self.outside_neighbourhoods += 1,
        }
        *self.cells.entry(cell).or_default() += 1;
        self.district += usize::from(in_district);
        self.all += 1;
        Ok(())
    }
}

/// The aggregates of `site` from sums added elsewhere (a distributed run's cell, neighbourhood
/// and level tables), each of the buildings held (`profiles`: every building, or some of them)
/// placed in its cell and neighbourhood here. Refused, with the first disagreement said, unless
/// the tables count the buildings `counts` counted where they were read, at every level: the
/// same cells, each with its buildings, the same neighbourhoods, the district, the rest and all.
pub fn from_sums(
    site: &Site,
    profiles: &Profiles,
    spec: &GridSpec,
    mut sums: Sums,
    counts: &Counts,
) -> Result<Aggregates, String> {
    let tiling = grid::tiling(spec);
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
    for key in counts.cells.keys() {
        if sums.cells.binary_search_by_key(key, |c| c.0).is_err() {
            return Err(format!(
                "cell {key:?} holds buildings but is not in the cell table"
            ));
        }
    }
    for (key, totals) in &sums.cells {
        let here = counts.cells.get(key).copied().unwrap_or(0);
        if here == 0 {
            return Err(format!(
                "cell {key:?} is in the cell table but holds no building"
            ));
        }
        counted(&format!("cell {key:?}"), totals.buildings, here)?;
    }
    if sums.neighbourhoods.len() != site.neighbourhoods.len()
        || counts.neighbourhoods.len() != site.neighbourhoods.len()
    {
        return Err(format!(
            "the neighbourhood table has {} neighbourhoods where the site has {}",
            sums.neighbourhoods.len(),
            site.neighbourhoods.len()
        ));
    }
    for ((i, totals), here) in sums
        .neighbourhoods
        .iter()
        .enumerate()
        .zip(&counts.neighbourhoods)
    {
        counted(
            &format!("neighbourhood {}", site.neighbourhoods[i].id),
            totals.buildings,
            *here,
        )?;
    }
    counted(
        "outside every neighbourhood",
        sums.outside_neighbourhoods.buildings,
        counts.outside_neighbourhoods,
    )?;
    counted("the district", sums.district.buildings, counts.district)?;
    counted(
        "the rest of the map",
        sums.rest.buildings,
        counts.all - counts.district,
    )?;
    counted("the whole map", sums.all.buildings, counts.all)?;
    // The buildings held, each in its cell of the table.
    let cell_of = profiles
        .buildings
        .iter()
        .map(|p| {
            let key = tiling.cell_of(p.point.x(), p.point.y());
            sums.cells
                .binary_search_by_key(&key, |c| c.0)
                .map_err(|_| format!("cell {key:?} holds a building but is not in the cell table"))
        })
        .collect::<Result<Vec<usize>, String>>()?;
    let neighbourhood_of = neighbourhood_of(site, profiles);
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
