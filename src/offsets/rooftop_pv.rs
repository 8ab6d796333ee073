//! Rooftop PV: roof area (the footprint) × usable share × covered share × kWp per m² × yield ×
//! grid factor. All the yield displaces grid electricity, whether used in the building or fed in.

use super::{Intervention, OffsetContext, Opportunity};
use crate::estimate::Measures;
use crate::preset::{Carrier, Factors};
use crate::profile::Profile;

pub struct RooftopPv;

impl Intervention for RooftopPv {
    fn key(&self) -> &'static str {
        "rooftop_pv"
    }

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
            self.key(),
            b,
            abatement_t,
            capex,
            capex / f.offsets.pv_lifetime_yr,
            [kwp, kwh, grid],
        ))
    }

    fn describe(&self, f: &Factors, p: Option<&Profile>, o: &Opportunity) -> String {
        let Some(p) = p else { return String::new() };
        let [kwp, kwh, grid] = o.figures;
        let share = f.offsets.pv_roof_share;
        format!(
            "roof {:.0} m² × {} usable × {} kWp/m² = {kwp:.1} kWp × {} kWh/kWp = {kwh:.0} kWh × grid {grid} kg/kWh; {} {}/kWp, {} years",
            p.footprint_m2,
            f.solar.usable_roof_share * share,
            f.solar.kwp_per_m2,
            f.solar.yield_kwh_kwp,
            f.offsets.pv_capex_kwp,
            f.currency,
            f.offsets.pv_lifetime_yr
        )
    }
}
