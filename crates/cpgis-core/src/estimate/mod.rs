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

pub mod calibration;
pub mod energy;
pub mod quantities;
pub mod scenario;
pub mod transport;
pub mod waste;

use rayon::prelude::*;

use crate::preset::Factors;
use crate::profile::{Profile, Profiles};
use crate::site::{Building, Site};
pub use quantities::{Quantities, Quantity};
pub use scenario::{scenarios, Measures, Scenario, Scenarios};

/// A GPC sector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    /// Stationary energy in buildings.
    Energy,
    /// Residents' travel.
    Transport,
    /// Municipal solid waste.
    Waste,
}

impl Sector {
    /// The snake_case name used in outputs.
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
    /// The sector this model covers.
    fn sector(&self) -> Sector;
    /// Emissions and activity of one building under one scenario's measures (already limited
    /// to district buildings by the caller).
    fn estimate(&self, b: &Building, p: &Profile, m: &Measures, f: &Factors) -> SectorResult;
    /// Emissions only, t CO2e per year: the same number as [`SectorModel::estimate`]'s, for
    /// callers that weigh measures (the offset interventions) and need no quantities.
    fn co2e_t(&self, b: &Building, p: &Profile, m: &Measures, f: &Factors) -> f64 {
        self.estimate(b, p, m, f).co2e_t
    }
    /// The [`crate::preset::parts`] of the factors this model reads: under factors that differ
    /// only elsewhere it gives the same result (the uncertainty stage relies on it, and a test
    /// checks it on real cases).
    fn reads(&self) -> u32 {
        crate::preset::parts::ALL
    }
}

/// Every sector model, in output order.
pub const SECTORS: [&dyn SectorModel; 3] = [
    &energy::EnergyModel,
    &transport::TransportModel,
    &waste::WasteModel,
];

/// Results of one building, held compactly (a million buildings hold one each): every
/// scenario's emissions by sector, the baseline's activity quantities of every sector, and the
/// PV yield of the other scenarios (the only activity a measure adds that the outputs show).
/// Serialisable (a tile worker sends each building's estimate to the driver).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BuildingEstimate {
    /// t CO2e per year, `[scenario × sectors + sector]` in the order of [`Estimates::scenarios`]
    /// and [`SECTORS`]; then the PV yield, kWh per year, of scenarios 1, 2, ….
    figures: Box<[f64]>,
    /// The baseline's activity quantities, every sector's, in [`quantities::NAMES`] order.
    pub baseline: Quantities,
}

impl BuildingEstimate {
    /// From every scenario's sector results, `[scenario][sector]`.
    pub fn new(results: &[[SectorResult; SECTORS.len()]]) -> BuildingEstimate {
        let mut figures: Vec<f64> = results.iter().flatten().map(|r| r.co2e_t).collect();
        figures.extend(results.iter().skip(1).map(|r| {
            r.iter()
                .find_map(|r| r.quantities.get(Quantity::PvKwh))
                .unwrap_or(0.0)
        }));
        let baseline = results
            .first()
            .map(|r| Quantities::join(r.iter().map(|r| &r.quantities)))
            .unwrap_or_default();
        BuildingEstimate {
            figures: figures.into_boxed_slice(),
            baseline,
        }
    }

    fn scenarios(&self) -> usize {
        (self.figures.len() + 1) / (SECTORS.len() + 1)
    }

    /// t CO2e per year of one scenario and sector ([`SECTORS`] index).
    pub fn co2e(&self, scenario: usize, sector: usize) -> f64 {
        self.figures[scenario * SECTORS.len() + sector]
    }

    /// t CO2e per year of one scenario, all sectors.
    pub fn total(&self, scenario: usize) -> f64 {
        (0..SECTORS.len()).map(|k| self.co2e(scenario, k)).sum()
    }

    /// PV yield of one scenario, kWh per year.
    pub fn pv_kwh(&self, scenario: usize) -> f64 {
        if scenario == 0 {
            return self.baseline.get(Quantity::PvKwh).unwrap_or(0.0);
        }
        self.figures[self.scenarios() * SECTORS.len() + scenario - 1]
    }
}

/// Every building's estimate.
#[derive(Debug, Clone)]
pub struct Estimates {
    /// The scenarios, baseline first.
    pub scenarios: Vec<Scenario>,
    /// Index of `proposed` in `scenarios`.
    pub proposed: usize,
    /// The sectors, in output order.
    pub sectors: Vec<Sector>,
    /// Per building, in `site.buildings` order.
    pub buildings: Vec<BuildingEstimate>,
}

/// Estimates every building under every scenario. A scenario's measures apply to district
/// buildings only; the rest of the map stays business as usual.
pub fn estimate(
    site: &Site,
    profiles: &Profiles,
    factors: &Factors,
    scenarios: &Scenarios,
) -> Estimates {
    let none = Measures::default();
    let buildings = site
        .buildings
        .par_iter()
        .zip(&profiles.buildings)
        .map(|(b, p)| {
            let results: Vec<[SectorResult; SECTORS.len()]> = scenarios
                .iter()
                .map(|s| {
                    let m = if p.in_district { &s.measures } else { &none };
                    SECTORS.map(|model| model.estimate(b, p, m, factors))
                })
                .collect();
            BuildingEstimate::new(&results)
        })
        .collect();
    assemble(scenarios, buildings)
}

/// Every building's estimate under the run's scenarios, however they were worked out (here, or
/// by the tiles of a distributed run), in `site.buildings` order.
pub fn assemble(scenarios: &Scenarios, buildings: Vec<BuildingEstimate>) -> Estimates {
    Estimates {
        scenarios: scenarios.to_vec(),
        proposed: scenarios.proposed(),
        sectors: SECTORS.iter().map(|s| s.sector()).collect(),
        buildings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two scenarios' results, worked by hand: emissions by index, totals, the baseline's
    /// quantities of all sectors in one set, the other scenario's PV yield.
    #[test]
    fn a_building_estimate_gives_back_what_it_was_made_from() {
        let r = |t: f64, q: &[(Quantity, f64)]| SectorResult {
            co2e_t: t,
            quantities: Quantities::new(q),
        };
        let baseline = [
            r(1.5, &[(Quantity::EnergyTier, 1.0), (Quantity::PvKwh, 10.0)]),
            r(2.25, &[(Quantity::Trips, 300.0)]),
            r(0.25, &[(Quantity::WasteT, 0.5)]),
        ];
        let proposed = [
            r(0.5, &[(Quantity::PvKwh, 40.0)]),
            r(2.0, &[]),
            r(0.125, &[]),
        ];
        let e = BuildingEstimate::new(&[baseline, proposed]);
        assert_eq!(
            (e.co2e(0, 1), e.co2e(1, 0), e.co2e(1, 2)),
            (2.25, 0.5, 0.125)
        );
        assert_eq!((e.total(0), e.total(1)), (4.0, 2.625));
        assert_eq!((e.pv_kwh(0), e.pv_kwh(1)), (10.0, 40.0));
        assert_eq!(
            e.baseline.iter().collect::<Vec<_>>(),
            vec![
                (Quantity::EnergyTier, 1.0),
                (Quantity::PvKwh, 10.0),
                (Quantity::Trips, 300.0),
                (Quantity::WasteT, 0.5)
            ]
        );
    }
}
