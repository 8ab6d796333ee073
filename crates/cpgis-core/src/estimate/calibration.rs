//! Modelled against metered: for every building metered on each carrier its layer maps (tier
//! 2), what the archetypes (tier 1) would have given it, summed by its main use (the largest
//! share of its floor area). The check of the preset's intensities on the data at hand: a
//! ratio of 2 says the archetype gives that use twice what its meters read. Baseline, no
//! measures, no PV; kWh delivered (site energy), electricity apart from the rest (fuels and
//! district heat, as delivered: fuel kWh, not heat).

use std::collections::BTreeMap;

use super::energy::{archetype_use, carrier_quantity, ByCarrier};
use super::{BuildingEstimate, Estimates, Quantity};
use crate::exact::ExactSum;
use crate::kinds::Carrier;
use crate::preset::Factors;
use crate::profile::{Profile, Profiles};

/// Electricity and every other carrier, kWh per year.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Split {
    /// Electricity.
    pub electricity_kwh: f64,
    /// Every other carrier (fuels, district heat and steam).
    pub other_kwh: f64,
}

impl Split {
    /// Both, kWh per year.
    pub fn total_kwh(&self) -> f64 {
        self.electricity_kwh + self.other_kwh
    }
}

/// [`Split`] added exactly (core `exact`): the same bits in any order or split.
#[derive(Debug, Clone, Default)]
struct SplitSum {
    electricity: ExactSum,
    other: ExactSum,
}

impl SplitSum {
    fn add(&mut self, c: &ByCarrier) {
        for (carrier, kwh) in c.iter() {
            if carrier == Carrier::Electricity {
                self.electricity.add(kwh);
            } else {
                self.other.add(kwh);
            }
        }
    }

    fn merge(&mut self, o: &SplitSum) {
        self.electricity.merge(&o.electricity);
        self.other.merge(&o.other);
    }

    fn value(&self) -> Split {
        Split {
            electricity_kwh: self.electricity.value(),
            other_kwh: self.other.value(),
        }
    }
}

/// One use's metered buildings against the archetypes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UseCheck {
    /// The main use (`residential`, `office`, …).
    #[serde(rename = "use")]
    pub use_key: String,
    /// Metered buildings of that main use.
    pub buildings: usize,
    /// Their floor area, m².
    pub gfa_m2: f64,
    /// What their meters read.
    pub metered: Split,
    /// What the archetypes give them.
    pub modelled: Split,
    /// Modelled over metered site energy (`None` when the meters read 0 or less: net export).
    pub ratio: Option<f64>,
}

/// One main use's metered buildings, added so far.
#[derive(Debug, Clone, Default)]
struct UseSum {
    buildings: usize,
    gfa_m2: ExactSum,
    metered: SplitSum,
    modelled: SplitSum,
}

/// The metered buildings against the archetypes, gathered one building at a time
/// ([`Calibration::add`]) and merged part by part ([`Calibration::merge`]): every figure an
/// exact sum, so a run that does not hold every building at once (a distributed run's tiles)
/// gets `cpgis run`'s bits.
#[derive(Debug, Clone, Default)]
pub struct Calibration {
    by_use: BTreeMap<crate::kinds::Use, UseSum>,
}

impl Calibration {
    /// Adds a building (counted only when metered on every carrier its layer maps, tier 2).
    /// The metered side is the baseline's energy as the estimate stage stored it (the meters
    /// converted to kWh); the archetypes' side is worked out here.
    pub fn add(&mut self, p: &Profile, e: &BuildingEstimate, f: &Factors) {
        let Some((main, _)) = p.uses.parts.first() else {
            return;
        };
        if e.baseline.get(Quantity::EnergyTier) != Some(2.0) {
            return;
        }
        let mut metered = ByCarrier::default();
        for c in Carrier::ALL {
            metered[*c] = e.baseline.get(carrier_quantity(*c)).unwrap_or(0.0);
        }
        let entry = self.by_use.entry(*main).or_default();
        entry.buildings += 1;
        entry.gfa_m2.add(p.floor.gfa_m2);
        entry.metered.add(&metered);
        entry.modelled.add(&archetype_use(p, f));
    }

    /// Adds another part's buildings.
    pub fn merge(&mut self, other: &Calibration) {
        for (u, o) in &other.by_use {
            let e = self.by_use.entry(*u).or_default();
            e.buildings += o.buildings;
            e.gfa_m2.merge(&o.gfa_m2);
            e.metered.merge(&o.metered);
            e.modelled.merge(&o.modelled);
        }
    }

    /// Every main use with a metered building, in use order.
    pub fn checks(&self) -> Vec<UseCheck> {
        self.by_use
            .iter()
            .map(|(u, s)| {
                let (metered, modelled) = (s.metered.value(), s.modelled.value());
                let m = metered.total_kwh();
                UseCheck {
                    use_key: u.key().to_string(),
                    buildings: s.buildings,
                    gfa_m2: s.gfa_m2.value(),
                    metered,
                    modelled,
                    ratio: (m > 0.0).then(|| modelled.total_kwh() / m),
                }
            })
            .collect()
    }
}

/// Every main use with a metered (tier 2) building, in use order ([`Calibration`] over every
/// building).
pub fn metered_vs_modelled(
    profiles: &Profiles,
    estimates: &Estimates,
    f: &Factors,
) -> Vec<UseCheck> {
    let mut c = Calibration::default();
    for (p, e) in profiles.buildings.iter().zip(&estimates.buildings) {
        c.add(p, e, f);
    }
    c.checks()
}
