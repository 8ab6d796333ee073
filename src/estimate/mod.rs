//! Stage 3, estimate: per building, sector and scenario, t CO2e per year (activity × factor,
//! GPC sectors). Each sector model is a small type implementing [`SectorModel`], registered in
//! [`SECTORS`].
//!
//! | module | what it does |
//! |---|---|
//! | `scenario` | baseline and the site file's scenarios with their on-site measures |
//! | `energy` | stationary energy: metered (tier 2) or floor area × intensity (tier 1), by carrier |
//! | `transport` | residents' trips, a mode split that follows transit access, passenger-km |
//! | `waste` | generation by residents and jobs, treatment paths, diversion |

pub mod energy;
pub mod quantities;
pub mod scenario;
pub mod transport;
pub mod waste;

use rayon::prelude::*;

use crate::load::{Building, Site};
use crate::preset::Factors;
use crate::profile::{Profile, Profiles};
pub use quantities::Quantities;
pub use scenario::{scenarios, Measures, Scenario};

/// A GPC sector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    Energy,
    Transport,
    Waste,
}

impl Sector {
    pub fn key(self) -> &'static str {
        match self {
            Sector::Energy => "energy",
            Sector::Transport => "transport",
            Sector::Waste => "waste",
        }
    }
}

/// One sector's result for one building and scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct SectorResult {
    /// t CO2e per year.
    pub co2e_t: f64,
    /// Named activity quantities, units in the names (`electricity_kwh_yr`, `car_pkm_yr`).
    pub quantities: Quantities,
}

/// A model of one sector.
pub trait SectorModel: Sync {
    fn sector(&self) -> Sector;
    /// Emissions of one building under one scenario's measures (already limited to district
    /// buildings by the caller).
    fn estimate(&self, b: &Building, p: &Profile, m: &Measures, f: &Factors) -> SectorResult;
}

/// Every sector model, in output order.
pub const SECTORS: &[&dyn SectorModel] = &[
    &energy::EnergyModel,
    &transport::TransportModel,
    &waste::WasteModel,
];

/// Results of one building: `[scenario][sector]`, in the order of [`Estimates::scenarios`] and
/// [`SECTORS`]. The baseline keeps every activity quantity; other scenarios keep their
/// emissions and PV yield.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildingEstimate {
    pub results: Vec<Vec<SectorResult>>,
}

impl BuildingEstimate {
    /// t CO2e per year of one scenario, all sectors.
    pub fn total(&self, scenario: usize) -> f64 {
        self.results[scenario].iter().map(|r| r.co2e_t).sum()
    }
}

/// Every building's estimate.
#[derive(Debug, Clone)]
pub struct Estimates {
    pub scenarios: Vec<Scenario>,
    pub sectors: Vec<Sector>,
    pub buildings: Vec<BuildingEstimate>,
}

/// Estimates every building under every scenario. A scenario's measures apply to district
/// buildings only; the rest of the map stays business as usual.
pub fn estimate(
    site: &Site,
    profiles: &Profiles,
    factors: &Factors,
    scenarios: &[Scenario],
) -> Estimates {
    let none = Measures::default();
    let buildings = site
        .buildings
        .par_iter()
        .zip(&profiles.buildings)
        .map(|(b, p)| BuildingEstimate {
            results: scenarios
                .iter()
                .enumerate()
                .map(|(k, s)| {
                    let m = if p.in_district { &s.measures } else { &none };
                    SECTORS
                        .iter()
                        .map(|model| {
                            let mut r = model.estimate(b, p, m, factors);
                            // Other scenarios keep only what the outputs show of them (their
                            // PV yield): a million buildings would otherwise hold every
                            // quantity twice.
                            if k > 0 {
                                r.quantities = r.quantities.only("pv_kwh_yr");
                            }
                            r
                        })
                        .collect()
                })
                .collect(),
        })
        .collect();
    Estimates {
        scenarios: scenarios.to_vec(),
        sectors: SECTORS.iter().map(|s| s.sector()).collect(),
        buildings,
    }
}
