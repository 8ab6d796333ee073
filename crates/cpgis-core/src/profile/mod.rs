//! Stage 2, profile: what each building is. From the loaded [`Site`] and the preset's
//! [`Factors`]: use mix, floors and floor area, construction era, residents, jobs, its
//! representative point, whether it lies in the district, and its transit access index.
//!
//! | module | what it does |
//! |---|---|
//! | `uses` | raw use values → use types (OSM, CEA, URBANopt vocabularies + the site's `use_map`) |
//! | `floor_area` | floors and gross floor area, with where each came from |
//! | `year` | a best construction year out of messy text (`after 1905..1908`, `c. 1950`) |
//! | `residents` | a population layer spread over housing floor area (dasymetric) |

pub mod floor_area;
pub mod residents;
pub mod tally;
pub mod uses;
pub mod year;

pub use tally::{NotePart, NoteTally};

use std::collections::BTreeMap;

use geo::{Area, Centroid, Contains, InteriorPoint, Point};
use rayon::prelude::*;

use crate::access::{AccessIndex, AccessModel, Service};
use crate::kinds::EraSource;
use crate::preset::{Era, Factors, Use};
use crate::site::Shape;
use crate::site::Site;
pub use floor_area::{AreaSource, FloorArea, FloorsSource};
pub use uses::{use_mix, UseMix, UseTable};
pub use year::parse_year;

/// Where a building's residents came from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ResidentsSource {
    /// The population layer, spread over housing floor area.
    PopulationLayer,
    /// Housing floor area (residential, and the preset's share of unknown use) / floor area
    /// per resident.
    FloorArea,
}

impl ResidentsSource {
    /// The snake_case name used in outputs.
    pub fn key(self) -> &'static str {
        match self {
            ResidentsSource::PopulationLayer => "population_layer",
            ResidentsSource::FloorArea => "floor_area",
        }
    }
}

/// One building as the models see it.
/// Serialisable (a tile worker sends each building's profile to the driver).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Profile {
    /// Use types with their shares of the floor area.
    pub uses: UseMix,
    /// Floors and floor area, with their sources.
    pub floor: FloorArea,
    /// Footprint area, m² (0 for a point); also the roof area.
    pub footprint_m2: f64,
    /// Construction year, if one could be read.
    pub year: Option<i32>,
    /// Where the era came from: the construction standard, the year, or neither.
    pub era_source: EraSource,
    /// Construction era (heat intensity).
    pub era: Era,
    /// Residents.
    pub residents: f64,
    /// Where the residents came from.
    pub residents_source: ResidentsSource,
    /// Jobs (non-residential floor area / m² per job of the use).
    pub jobs: f64,
    /// A point inside the building (its centroid when that lies inside), local CRS.
    pub point: Point<f64>,
    /// True when the representative point lies in the district.
    pub in_district: bool,
    /// Transit access index at the representative point.
    pub access: AccessIndex,
}

impl Profile {
    /// Floor area from the footprint × the use's default floors: the layer gave neither a floor
    /// count nor a height (nor a floor area).
    pub fn floors_defaulted(&self) -> bool {
        self.floor.floors_source == FloorsSource::Default
            && self.floor.source == AreaSource::Footprint
    }

    /// No use type: none given, a generic value (OSM's `yes`) or one no table knows; modelled by
    /// the `unknown` archetype.
    pub fn use_unknown(&self) -> bool {
        self.uses.primary() == Use::Unknown
    }

    /// Neither a readable construction year nor a construction standard: heat at the era
    /// factor of `unknown`.
    pub fn era_unknown(&self) -> bool {
        self.era_source == EraSource::Unknown
    }

    /// Residents worked out from housing floor area per resident (no population cell gave
    /// them), for a building with housing.
    pub fn residents_by_floor_area(&self) -> bool {
        self.residents_source == ResidentsSource::FloorArea && self.residents > 0.0
    }

    /// Housing floor area, m² (residential and unknown use, as residents are spread over).
    pub fn housing_m2(&self) -> f64 {
        residents::housing_m2(&self.uses, self.floor.gfa_m2)
    }

    /// Floor area of use `u`, m².
    pub fn floor_area_of(&self, u: Use) -> f64 {
        self.uses
            .parts
            .iter()
            .filter(|p| p.0 == u)
            .map(|p| p.1 * self.floor.gfa_m2)
            .sum()
    }
}

/// What the profile stage noticed, for the summary: nothing is dropped silently.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ProfileNotes {
    /// Raw use values no table knows, with how many buildings carry them (they count as unknown).
    pub unmatched_uses: BTreeMap<String, usize>,
    /// Buildings by main use type.
    pub buildings_by_use: BTreeMap<String, usize>,
    /// Buildings by where their floors came from (`attribute`, `height`, `default`).
    pub floors_from: BTreeMap<String, usize>,
    /// Buildings whose floor area is the footprint × the use's default floors (no floor count,
    /// height or floor area given), by id.
    pub default_floors: Vec<String>,
    /// Buildings with no use type, modelled by the `unknown` archetype, by id.
    pub unknown_use: Vec<String>,
    /// Buildings with neither a readable year nor a standard (heat at the `unknown` era), by id.
    pub unknown_era: Vec<String>,
    /// Buildings with housing whose residents come from floor area per resident (no
    /// population layer, or no cell of it covers them), by id.
    pub residents_by_floor_area: Vec<String>,
    /// Buildings by where their floor area came from.
    pub floor_area_from: BTreeMap<String, usize>,
    /// Points without a floor-area attribute: kept, with no floor area and no emissions.
    pub no_floor_area: Vec<String>,
    /// Floor counts not believed (above 163 or not positive), by building id.
    pub rejected_floors: Vec<(String, f64)>,
    /// Buildings whose year text holds no year.
    pub unreadable_years: Vec<(String, String)>,
    /// Buildings by where their era came from (`standard`, `year`, `unknown`).
    pub era_from: BTreeMap<String, usize>,
    /// Buildings whose standard gives another era than their year would, with both eras.
    pub era_not_year: Vec<(String, String, String)>,
    /// Construction standards that matched no table, with their building counts (their era
    /// comes from the year).
    pub unmatched_standards: BTreeMap<String, usize>,
    /// Buildings by where their residents came from.
    pub residents_from: BTreeMap<String, usize>,
    /// The share of the district's area inside the buildings' extent (their bounding box), 0..1:
    /// well below 1 when the buildings layer was cut to a smaller area than the district. Set
    /// by the run from its census (`run::Estimated::census`); `None` in a tile's profiles.
    pub district_in_buildings_extent: Option<f64>,
    /// The share of the district's area inside the stops' extent, 0..1 (`None` without stops):
    /// well below 1 when the stops layer was cut short of the district, whose access index
    /// then counts only the stops mapped.
    pub district_in_stops_extent: Option<f64>,
    /// The share of the district's floor area (its buildings' gross floor area, m²) that is
    /// footprint × the use's default floors, 0..1 to 4 decimals (`None` when the district has
    /// no floor area): above [`DEFAULTED_SHARE`], the district's figures rest mostly on it.
    pub district_area_default_floors: Option<f64>,
    /// The share of the district's floor area with no use type (the `unknown` archetype's
    /// assumed mix), 0..1 to 4 decimals.
    pub district_area_unknown_use: Option<f64>,
    /// Residents of the population layer that found no home (cells without housing).
    pub residents_unplaced: f64,
    /// Ids of the population cells whose residents found no home.
    pub unplaced_cells: Vec<String>,
    /// Stops by mode.
    pub stops_by_mode: BTreeMap<String, usize>,
    /// Buildings with some of their mapped meters read and the rest modelled from the
    /// archetype (energy tier `partial`), with the carriers modelled.
    pub partial_meters: Vec<(String, Vec<String>)>,
    /// Buildings mapped as points: no footprint, so no roof for rooftop PV (the measure and
    /// the offset) and no outline on the maps.
    pub point_buildings: Vec<String>,
    /// Buildings whose layer maps meters but which have no reading at all (modelled, tier 1).
    pub unmetered: Vec<String>,
    /// Buildings whose metered electricity is negative (net export), with the kWh per year:
    /// counted as negative site electricity, as ENERGY STAR Portfolio Manager does.
    pub net_export: Vec<(String, f64)>,
}

/// Above this share of the district's (or the community's) floor area resting on a default
/// (floors or use), the figures are said to rest mostly on defaults (a caution beside the
/// verdict): over half.
pub const DEFAULTED_SHARE: f64 = 0.5;

/// The share of the floor area of the buildings `member` takes (by index) that answer `pred`,
/// to 4 decimals; `None` when those buildings have no floor area.
pub fn area_share(
    profiles: &[Profile],
    member: impl Fn(usize, &Profile) -> bool,
    pred: fn(&Profile) -> bool,
) -> Option<f64> {
    let (all, some) = profiles
        .iter()
        .enumerate()
        .filter(|(i, p)| member(*i, p))
        .fold((0.0, 0.0), |(all, some), (_, p)| {
            let a = p.floor.gfa_m2;
            (all + a, if pred(p) { some + a } else { some })
        });
    (all > 0.0).then(|| (some / all * 1e4).round() / 1e4)
}

/// Every building's profile, in `site.buildings` order, and the notes.
#[derive(Debug, Clone)]
pub struct Profiles {
    /// Per building, in `site.buildings` order.
    pub buildings: Vec<Profile>,
    /// What profiling could not do as asked.
    pub notes: ProfileNotes,
    /// The stops' services in an R-tree: the access index of any point (offsets ask it again
    /// with a proposed stop).
    pub access: std::sync::Arc<AccessModel>,
}

/// The first vertex of a shape, if it has one.
fn first_vertex(shape: &Shape) -> Option<Point<f64>> {
    match shape {
        Shape::Point(p) => Some(*p),
        Shape::Area(mp) => {
            mp.0.first()
                .and_then(|p| p.exterior().0.first())
                .map(|c| Point::from(*c))
        }
    }
}

/// A point inside a building: its centroid if that lies inside, else an interior point.
pub fn representative_point(shape: &Shape) -> Option<Point<f64>> {
    match shape {
        Shape::Point(p) => Some(*p),
        Shape::Area(mp) => mp
            .centroid()
            .filter(|c| mp.contains(c))
            .or_else(|| mp.interior_point()),
    }
}

/// Transit services from the site's stops, with the mode's default departures per hour unless
/// the stop carries timetable departures. Without a timetable, stops of one mode that share a
/// name are one route (PTAL counts a route once, in its busier direction); a stop without a
/// name is a route of its own.
pub fn services(site: &Site, factors: &Factors) -> Vec<Service> {
    site.stops
        .iter()
        .flat_map(|s| {
            let mode = s.mode;
            let point = [s.point.x(), s.point.y()];
            if s.routes.is_empty() {
                vec![Service {
                    point,
                    mode,
                    route: s.name.as_ref().map(|n| format!("name:{n}")),
                    departures_per_hour: s
                        .departures_per_hour
                        .unwrap_or(factors.access.departures_per_hour[&mode]),
                }]
            } else {
                s.routes
                    .iter()
                    .map(|r| Service {
                        point,
                        mode: r.mode,
                        route: Some(r.route.clone()),
                        departures_per_hour: r.departures_per_hour,
                    })
                    .collect()
            }
        })
        .collect()
}

/// What is known of a building before residents are spread: use mix, floor area, footprint
/// (m²), year and representative point.
type Partial = (UseMix, FloorArea, f64, Option<i32>, Point<f64>);

/// A building's era: its construction standard's where the layer's table (the site file's
/// `standard_map`, then CEA's standards) knows the value, else its year's.
fn era_of(b: &crate::site::Building, year: Option<i32>, map: &[(String, Era)]) -> (Era, EraSource) {
    let known = b.standard.as_deref().map(str::trim).and_then(|s| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(s))
            .map(|(_, e)| *e)
            .or_else(|| {
                crate::kinds::CEA_STANDARDS
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(s))
                    .map(|(_, e)| *e)
            })
    });
    match (known, year) {
        (Some(e), _) => (e, EraSource::Standard),
        (None, Some(_)) => (Era::of_year(year), EraSource::Year),
        (None, None) => (Era::Unknown, EraSource::Unknown),
    }
}

/// Profiles every building of the site.
pub fn profile(site: &Site, factors: &Factors) -> Profiles {
    let tables: Vec<UseTable> = site.use_maps.iter().map(|m| UseTable::new(m)).collect();
    let fallback = UseTable::new(&[]);
    let access = AccessModel::new(services(site, factors), &factors.access);
    let district = crate::site::lookup::AreaLookup::new(&site.district.area);

    // Each building on its own, in parallel; the notes are gathered afterwards, in order.
    let partial: Vec<Partial> = site
        .buildings
        .par_iter()
        .map(|b| {
            let table = tables.get(b.layer).unwrap_or(&fallback);
            let mix = use_mix(&b.uses, table);
            let (footprint, is_point) = match &b.shape {
                Shape::Area(mp) => (mp.unsigned_area(), false),
                Shape::Point(_) => (0.0, true),
            };
            let floor = floor_area::floor_area(
                footprint,
                is_point,
                b.floors,
                b.height_m,
                b.gfa_m2,
                factors.archetype(mix.primary()),
            );
            let year = b.year.as_deref().and_then(parse_year);
            // Loading keeps only non-empty, valid shapes, which always have a representative
            // point; a shape without one (built in memory) is placed at its first vertex.
            let point = representative_point(&b.shape)
                .or_else(|| first_vertex(&b.shape))
                .unwrap_or_else(|| Point::new(f64::NAN, f64::NAN));
            (mix, floor, footprint, year, point)
        })
        .collect();
    let points: Vec<Point<f64>> = partial.iter().map(|p| p.4).collect();
    let housing: Vec<f64> = partial
        .iter()
        .map(|(mix, floor, ..)| residents::housing_m2(mix, floor.gfa_m2))
        .collect();
    let spread = residents::spread(&site.population, &points, &housing);

    let coords: Vec<[f64; 2]> = points.iter().map(|p| [p.x(), p.y()]).collect();
    let accesses = access.at_many(&coords);

    // Per building and independent: in parallel (rayon keeps the order).
    let buildings: Vec<Profile> = partial
        .into_par_iter()
        .zip(accesses)
        .enumerate()
        .map(|(i, ((mix, floor, footprint, year, point), access))| {
            let by_floor_area = || {
                let housing: f64 = mix
                    .parts
                    .iter()
                    .map(|p| match p.0 {
                        Use::Residential => p.1,
                        Use::Unknown => p.1 * factors.unknown_use_housing_share,
                        _ => 0.0,
                    })
                    .sum::<f64>()
                    * floor.gfa_m2;
                housing / factors.floor_area_per_resident_m2
            };
            let (residents, residents_source) = match spread.residents[i] {
                Some(r) => (r, ResidentsSource::PopulationLayer),
                None => (by_floor_area(), ResidentsSource::FloorArea),
            };
            let jobs = mix
                .parts
                .iter()
                .map(|(u, s)| {
                    let per_job = factors.archetype(*u).floor_area_per_job_m2;
                    if per_job > 0.0 {
                        s * floor.gfa_m2 / per_job
                    } else {
                        0.0
                    }
                })
                .sum();
            let (era, era_source) = era_of(
                &site.buildings[i],
                year,
                site.standard_maps
                    .get(site.buildings[i].layer)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]),
            );
            // In the district when its representative point lies in it (boundary included).
            let in_district = district.contains(&point);
            Profile {
                era,
                era_source,
                uses: mix,
                floor,
                footprint_m2: footprint,
                year,
                residents,
                residents_source,
                jobs,
                point,
                in_district,
                access,
            }
        })
        .collect();
    let mut notes = gather_notes(site, factors, &buildings);
    notes.residents_unplaced = spread.unplaced;
    notes.unplaced_cells = spread.unplaced_cells;
    Profiles {
        buildings,
        notes,
        access: std::sync::Arc::new(access),
    }
}

/// The notes of profiled buildings, in building order: everything but the population cells
/// whose residents found no home (the spread's, added by the caller) and the district's share
/// inside the buildings' extent (the run's, from its census).
fn gather_notes(site: &Site, factors: &Factors, profiles: &[Profile]) -> ProfileNotes {
    let mut tally = NoteTally::new(site);
    for (i, p) in profiles.iter().enumerate() {
        tally.add(i, site, factors, p);
    }
    with_district_shares(tally.finish(), profiles)
}

/// `notes` with the shares of the district's floor area resting on default floors and on no
/// use type.
fn with_district_shares(mut notes: ProfileNotes, profiles: &[Profile]) -> ProfileNotes {
    notes.district_area_default_floors =
        area_share(profiles, |_, p| p.in_district, Profile::floors_defaulted);
    notes.district_area_unknown_use =
        area_share(profiles, |_, p| p.in_district, Profile::use_unknown);
    notes
}

/// The notes of profiles worked out elsewhere (by the tiles of a distributed run), as
/// [`profile`] gives them: the lists and counts from the tiles' parts (`parts`, tallied where
/// the buildings' attributes are), the population cells whose residents found no home
/// (`unplaced`, gathered a building at a time: [`residents::Housed`]), the district's floor area
/// shares from `district` (its buildings' profiles, or more). An error when the parts do not
/// count the `buildings` of the map.
pub fn notes_of(
    site: &Site,
    parts: NotePart,
    unplaced: (f64, Vec<String>),
    district: &[Profile],
    buildings: usize,
) -> std::result::Result<ProfileNotes, String> {
    let mut tally = NoteTally::new(site);
    tally.merge(parts);
    if tally.buildings() != buildings as u64 {
        return Err(format!(
            "the tiles' notes count {} buildings, their results {buildings}",
            tally.buildings(),
        ));
    }
    let mut notes = with_district_shares(tally.finish(), district);
    (notes.residents_unplaced, notes.unplaced_cells) = unplaced;
    Ok(notes)
}

/// The stops' services in an R-tree, for the access index of any point.
pub fn access_model(site: &Site, factors: &Factors) -> AccessModel {
    AccessModel::new(services(site, factors), &factors.access)
}
