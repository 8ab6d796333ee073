//! Modelled against metered: for every building metered on each carrier its layer maps (tier
//! 2), what the archetypes (tier 1) would have given it, summed by its main use (the largest
//! share of its floor area). The check of the preset's intensities on the data at hand: a
//! ratio of 2 says the archetype gives that use twice what its meters read. Baseline, no
//! measures, no PV; kWh delivered (site energy), electricity apart from the rest (fuels and
//! district heat, as delivered: fuel kWh, not heat).

use std::collections::BTreeMap;

use super::energy::{archetype_use, carrier_quantity, ByCarrier};
use super::{Estimates, Quantity};
use crate::kinds::Carrier;
use crate::preset::Factors;
use crate::profile::Profiles;

/// Electricity and every other carrier, kWh per year.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Split {
    /// Electricity.
    pub electricity_kwh: f64,
    /// Every other carrier (fuels, district heat and steam).
    pub other_kwh: f64,
}

impl Split {
    fn add(&mut self, c: &ByCarrier) {
        for (carrier, kwh) in c.iter() {
            if carrier == Carrier::Electricity {
                self.electricity_kwh += kwh;
            } else {
                self.other_kwh += kwh;
            }
        }
    }

    /// Both, kWh per year.
    pub fn total_kwh(&self) -> f64 {
        self.electricity_kwh + self.other_kwh
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

/// Every main use with a metered (tier 2) building, in use order. The metered side is the
/// baseline's energy as the estimate stage stored it (the meters converted to kWh); only the
/// archetypes' side is worked out here, for the metered buildings alone.
pub fn metered_vs_modelled(
    profiles: &Profiles,
    estimates: &Estimates,
    f: &Factors,
) -> Vec<UseCheck> {
    let mut by_use: BTreeMap<crate::kinds::Use, UseCheck> = BTreeMap::new();
    for (p, e) in profiles.buildings.iter().zip(&estimates.buildings) {
        let Some((main, _)) = p.uses.parts.first() else {
            continue;
        };
        if e.baseline.get(Quantity::EnergyTier) != Some(2.0) {
            continue;
        }
        let mut metered = ByCarrier::default();
        for c in Carrier::ALL {
            metered[*c] = e.baseline.get(carrier_quantity(*c)).unwrap_or(0.0);
        }
        let entry = by_use.entry(*main).or_insert_with(|| UseCheck {
            use_key: main.key().to_string(),
            buildings: 0,
            gfa_m2: 0.0,
            metered: Split::default(),
            modelled: Split::default(),
            ratio: None,
        });
        entry.buildings += 1;
        entry.gfa_m2 += p.floor.gfa_m2;
        entry.metered.add(&metered);
        entry.modelled.add(&archetype_use(p, f));
    }
    by_use
        .into_values()
        .map(|mut u| {
            let m = u.metered.total_kwh();
            u.ratio = (m > 0.0).then(|| u.modelled.total_kwh() / m);
            u
        })
        .collect()
}
