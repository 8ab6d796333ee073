//! Municipal solid waste: tonnes = (residents × kg per resident per day + jobs × kg per job per
//! day) × 365 / 1000, split over treatment paths by the preset's shares, × each path's factor.
//!
//! `waste_diversion` raises the share recycled or composted to at least that value, taking the
//! tonnes from landfill first, then incineration, and adding them to composting and recycling
//! in proportion to their present shares (all to recycling when both are zero).

use std::collections::BTreeMap;

use super::{Measures, Quantities, Quantity, Sector, SectorModel, SectorResult};
use crate::preset::{Factors, Treatment};
use crate::profile::Profile;
use crate::site::Building;

/// Municipal solid waste: tonnes from residents and jobs, split by treatment, diversion.
pub struct WasteModel;

/// Days in a year: the per-day generation rates are annual tonnages divided by 365.
const DAYS: f64 = 365.0;

/// Treatment shares after a diversion target.
pub fn shares(base: &BTreeMap<Treatment, f64>, diversion: Option<f64>) -> BTreeMap<Treatment, f64> {
    let mut s = base.clone();
    let Some(target) = diversion else { return s };
    let diverted = s[&Treatment::Composting] + s[&Treatment::Recycling];
    let mut need = (target - diverted).max(0.0);
    let moved_total = need;
    for from in [Treatment::Landfill, Treatment::Incineration] {
        let take = need.min(s[&from]);
        *s.get_mut(&from).unwrap_or(&mut 0.0) -= take;
        need -= take;
    }
    let moved = moved_total - need;
    let (c, r) = (s[&Treatment::Composting], s[&Treatment::Recycling]);
    let (to_c, to_r) = if c + r > 0.0 {
        (moved * c / (c + r), moved * r / (c + r))
    } else {
        (0.0, moved)
    };
    *s.entry(Treatment::Composting).or_default() += to_c;
    *s.entry(Treatment::Recycling).or_default() += to_r;
    s
}

impl SectorModel for WasteModel {
    fn sector(&self) -> Sector {
        Sector::Waste
    }

    fn estimate(&self, _b: &Building, p: &Profile, m: &Measures, f: &Factors) -> SectorResult {
        let w = &f.waste;
        let tonnes =
            (p.residents * w.per_resident_kg_day + p.jobs * w.per_job_kg_day) * DAYS / 1000.0;
        let shares = shares(&w.shares, m.waste_diversion);
        // The total, then each treatment: on the stack, not a growing vector per call.
        let mut quantities = [(Quantity::WasteT, 0.0); 1 + Treatment::ALL.len()];
        quantities[0] = (Quantity::WasteT, tonnes);
        let mut n = 1;
        let mut kg = 0.0;
        for (t, share) in &shares {
            let tt = tonnes * share;
            kg += tt * w.factors[t];
            quantities[n] = (column(*t), tt);
            n += 1;
        }
        let quantities = &quantities[..n];
        SectorResult {
            co2e_t: kg / 1000.0,
            quantities: Quantities::new(quantities),
        }
    }
}

fn column(t: Treatment) -> Quantity {
    match t {
        Treatment::Landfill => Quantity::LandfillT,
        Treatment::Incineration => Quantity::IncinerationT,
        Treatment::Composting => Quantity::CompostingT,
        Treatment::Recycling => Quantity::RecyclingT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diversion_takes_from_landfill_then_incineration() {
        // Beijing shares (china-north): landfill 0.06, incineration 0.66, composting 0.28,
        // recycling 0. Target 0.65: move 0.37 = all 0.06 of landfill + 0.31 of incineration,
        // all of it to composting (recycling has no share to be proportional to).
        let base: BTreeMap<Treatment, f64> = [
            (Treatment::Landfill, 0.06),
            (Treatment::Incineration, 0.66),
            (Treatment::Composting, 0.28),
            (Treatment::Recycling, 0.0),
        ]
        .into();
        let s = shares(&base, Some(0.65));
        assert!(s[&Treatment::Landfill].abs() < 1e-12);
        assert!((s[&Treatment::Incineration] - 0.35).abs() < 1e-12);
        assert!((s[&Treatment::Composting] - 0.65).abs() < 1e-12);
        assert_eq!(s[&Treatment::Recycling], 0.0);
        assert!((s.values().sum::<f64>() - 1.0).abs() < 1e-12);
        // A target already met changes nothing.
        assert_eq!(shares(&base, Some(0.2)), base);
    }
}
