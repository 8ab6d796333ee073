//! Rooftop PV: roof area (the footprint) × usable share × covered share × kWp per m² × yield ×
//! grid factor. All the yield displaces grid electricity, whether used in the building or fed in.

use super::{price, AtBuilding, Figures, InterventionModel, OffsetContext, Opportunity};
use crate::decimal::{push_fixed, push_shortest};
use crate::estimate::Measures;
use crate::kinds::Intervention;
use crate::preset::{Carrier, Factors};
use crate::profile::Profile;

/// Rooftop PV on the usable roof.
pub struct RooftopPv;

impl InterventionModel for RooftopPv {
    fn intervention(&self) -> Intervention {
        Intervention::RooftopPv
    }

    fn reads(&self) -> u32 {
        crate::preset::parts::CARRIERS | crate::preset::parts::SOLAR | crate::preset::parts::OFFSETS
    }

    fn describe(&self, f: &Factors, p: Option<&Profile>, o: &Opportunity) -> String {
        let Some(p) = p else { return String::new() };
        let Figures::RooftopPv {
            kwp,
            kwh,
            grid_kg_kwh: grid,
        } = o.figures
        else {
            return String::new();
        };
        let share = f.offsets.pv_roof_share;
        // "roof {footprint:.0} m² × {usable} usable × {kwp_m2} kWp/m² = {kwp:.1} kWp × {yield}
        // kWh/kWp = {kwh:.0} kWh × grid {grid} kg/kWh; {capex} {currency}/kWp, {lifetime}
        // years", written piece by piece, factors
        // remembered (the opportunities layer writes it hundreds of thousands of times).
        let mut s = String::with_capacity(160);
        s.push_str("roof ");
        push_fixed(&mut s, p.footprint_m2, 0);
        s.push_str(" m² × ");
        push_shortest(&mut s, f.solar.usable_roof_share * share);
        s.push_str(" usable × ");
        push_shortest(&mut s, f.solar.kwp_per_m2);
        s.push_str(" kWp/m² = ");
        push_fixed(&mut s, kwp, 1);
        s.push_str(" kWp × ");
        push_shortest(&mut s, f.solar.yield_kwh_kwp);
        s.push_str(" kWh/kWp = ");
        push_fixed(&mut s, kwh, 0);
        s.push_str(" kWh × grid ");
        push_shortest(&mut s, grid);
        s.push_str(" kg/kWh; ");
        price(
            &mut s,
            f.offsets.pv_capex_kwp,
            &f.currency,
            "kWp",
            Some(f.offsets.pv_lifetime_yr),
        );
        s
    }
}

impl AtBuilding for RooftopPv {
    fn at_building(
        &self,
        ctx: &OffsetContext,
        b: usize,
        state: &mut Measures,
    ) -> Option<Opportunity> {
        let p = &ctx.profiles.buildings[b];
        let f = ctx.factors;
        let share = f.offsets.pv_roof_share;
        if p.footprint_m2 <= 0.0 || share <= 0.0 {
            return None;
        }
        let kwh = f.solar.yield_kwh(p.footprint_m2, share);
        let grid = f.carrier(Carrier::Electricity);
        let abatement_t = kwh * grid / 1000.0;
        if abatement_t <= 0.0 {
            return None;
        }
        state.rooftop_pv = share;
        let kwp = p.footprint_m2 * f.solar.usable_roof_share * share * f.solar.kwp_per_m2;
        let capex = kwp * f.offsets.pv_capex_kwp;
        Some(Opportunity::at_building(
            ctx,
            b,
            abatement_t,
            capex,
            capex / f.offsets.pv_lifetime_yr,
            Figures::RooftopPv {
                kwp,
                kwh,
                grid_kg_kwh: grid,
            },
        ))
    }
}
