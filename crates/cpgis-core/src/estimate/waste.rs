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

/// Treatment shares after a diversion target, in [`Treatment::ALL`] order, on the stack (every
/// building's waste is split this way, under every scenario and every factor drawn). A
/// treatment the base lacks has share 0; a built preset gives every treatment one.
pub fn shares_by_treatment(
    base: &BTreeMap<Treatment, f64>,
    diversion: Option<f64>,
) -> [f64; Treatment::ALL.len()] {
    let at = |t: Treatment| t as usize;
    let mut s = [0.0; Treatment::ALL.len()];
    for (t, v) in base {
        s[at(*t)] = *v;
    }
    let Some(target) = diversion else { return s };
    let diverted = s[at(Treatment::Composting)] + s[at(Treatment::Recycling)];
    let mut need = (target - diverted).max(0.0);
    let moved_total = need;
    for from in [Treatment::Landfill, Treatment::Incineration] {
        let take = need.min(s[at(from)]);
        s[at(from)] -= take;
        need -= take;
    }
    let moved = moved_total - need;
    let (c, r) = (s[at(Treatment::Composting)], s[at(Treatment::Recycling)]);
    let (to_c, to_r) = if c + r > 0.0 {
        (moved * c / (c + r), moved * r / (c + r))
    } else {
        (0.0, moved)
    };
    s[at(Treatment::Composting)] += to_c;
    s[at(Treatment::Recycling)] += to_r;
    s
}

/// Waste generated, t per year: residents' and jobs' daily rates over a year.
pub fn generated_t(p: &Profile, f: &Factors) -> f64 {
    let w = &f.waste;
    (p.residents * w.per_resident_kg_day + p.jobs * w.per_job_kg_day) * DAYS / 1000.0
}

/// Tonnes by treatment, in [`Treatment::ALL`] order, and their kg CO2e.
fn treated(p: &Profile, m: &Measures, f: &Factors) -> ([f64; Treatment::ALL.len()], f64) {
    let tonnes = generated_t(p, f);
    let shares = shares_by_treatment(&f.waste.shares, m.waste_diversion);
    let mut kg = 0.0;
    let mut by = [0.0; Treatment::ALL.len()];
    for ((t, share), tt) in Treatment::ALL.iter().zip(shares).zip(&mut by) {
        *tt = tonnes * share;
        kg += *tt * f.waste.factors[t];
    }
    (by, kg)
}

impl SectorModel for WasteModel {
    fn sector(&self) -> Sector {
        Sector::Waste
    }

    fn reads(&self) -> u32 {
        crate::preset::parts::WASTE
    }

    fn co2e_t(&self, _b: &Building, p: &Profile, m: &Measures, f: &Factors) -> f64 {
        treated(p, m, f).1 / 1000.0
    }

    fn estimate(&self, _b: &Building, p: &Profile, m: &Measures, f: &Factors) -> SectorResult {
        let (by, kg) = treated(p, m, f);
        // The total, then each treatment: on the stack, not a growing vector per call.
        let mut quantities = [(Quantity::WasteT, generated_t(p, f)); 1 + Treatment::ALL.len()];
        for ((slot, t), tt) in quantities[1..].iter_mut().zip(Treatment::ALL).zip(by) {
            *slot = (column(*t), tt);
        }
        SectorResult {
            co2e_t: kg / 1000.0,
            quantities: Quantities::new(&quantities),
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
        let s = shares_by_treatment(&base, Some(0.65));
        let at = |t: Treatment| s[t as usize];
        assert!(at(Treatment::Landfill).abs() < 1e-12);
        assert!((at(Treatment::Incineration) - 0.35).abs() < 1e-12);
        assert!((at(Treatment::Composting) - 0.65).abs() < 1e-12);
        assert_eq!(at(Treatment::Recycling), 0.0);
        assert!((s.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // A target already met changes nothing.
        assert_eq!(
            shares_by_treatment(&base, Some(0.2)),
            [0.06, 0.66, 0.28, 0.0]
        );
    }
}
