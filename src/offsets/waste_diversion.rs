//! Waste diversion: the recycled and composted share of a building's waste raised to the
//! preset's target, tonnes taken from landfill first, then incineration. Cost per tonne moved.

use super::{Intervention, OffsetContext, Opportunity};
use crate::estimate::{Measures, SectorModel};
use crate::preset::{Factors, Treatment};
use crate::profile::Profile;

pub struct WasteDiversion;

impl Intervention for WasteDiversion {
    fn key(&self) -> &'static str {
        "waste_diversion"
    }

    fn at_building(
        &self,
        ctx: &OffsetContext,
        b: usize,
        state: &mut Measures,
    ) -> Option<Opportunity> {
        let f = ctx.factors;
        let model = crate::estimate::waste::WasteModel;
        let (building, profile) = (&ctx.site.buildings[b], &ctx.profiles.buildings[b]);
        let before = model.estimate(building, profile, state, f);
        let mut after_state = state.clone();
        after_state.waste_diversion = Some(f.offsets.waste_target);
        let after = model.estimate(building, profile, &after_state, f);
        let abatement_t = before.co2e_t - after.co2e_t;
        if abatement_t <= 1e-12 {
            return None;
        }
        *state = after_state;
        let tonnes = before.quantities.get("waste_t_yr").unwrap_or(0.0);
        let diverted_now =
            f.waste.shares[&Treatment::Composting] + f.waste.shares[&Treatment::Recycling];
        let moved = tonnes * (f.offsets.waste_target - diverted_now).max(0.0);
        Some(Opportunity::at_building(
            ctx,
            self.key(),
            b,
            abatement_t,
            0.0,
            moved * f.offsets.waste_cost_t,
            [tonnes, moved, diverted_now],
        ))
    }

    fn describe(&self, f: &Factors, _p: Option<&Profile>, o: &Opportunity) -> String {
        let [tonnes, moved, diverted_now] = o.figures;
        format!(
            "{tonnes:.1} t/yr of waste, diverted share from {:.0} % to {:.0} %: {moved:.1} t moved at {} {}/t",
            diverted_now * 100.0,
            f.offsets.waste_target * 100.0,
            f.offsets.waste_cost_t,
            f.currency
        )
    }
}
