//! Waste diversion: the recycled and composted share of a building's waste raised to the
//! preset's target, tonnes taken from landfill first, then incineration. Cost per tonne moved.

use super::{price, AtBuilding, Figures, InterventionModel, OffsetContext, Opportunity};
use crate::decimal::push_fixed;
use crate::estimate::{Measures, SectorModel};
use crate::kinds::Intervention;
use crate::preset::{Factors, Treatment};
use crate::profile::Profile;

/// Waste diversion to the preset's recycling and composting target.
pub struct WasteDiversion;

impl InterventionModel for WasteDiversion {
    fn intervention(&self) -> Intervention {
        Intervention::WasteDiversion
    }

    fn reads(&self) -> u32 {
        crate::preset::parts::WASTE | crate::preset::parts::OFFSETS
    }

    fn describe(&self, f: &Factors, _p: Option<&Profile>, o: &Opportunity) -> String {
        let Figures::WasteDiversion {
            waste_t: tonnes,
            moved_t: moved,
            diverted_share: diverted_now,
        } = o.figures
        else {
            return String::new();
        };
        // "{tonnes:.1} t/yr of waste, diverted share from {now:.0} % to {target:.0} %:
        // {moved:.1} t moved at {cost} {currency}/t", written piece by piece, factors
        // remembered (the opportunities layer writes it hundreds of thousands of times).
        let mut s = String::with_capacity(112);
        push_fixed(&mut s, tonnes, 1);
        s.push_str(" t/yr of waste, diverted share from ");
        push_fixed(&mut s, diverted_now * 100.0, 0);
        s.push_str(" % to ");
        push_fixed(&mut s, f.offsets.waste_target * 100.0, 0);
        s.push_str(" %: ");
        push_fixed(&mut s, moved, 1);
        s.push_str(" t moved at ");
        price(&mut s, f.offsets.waste_cost_t, &f.currency, "t", None);
        s
    }
}

impl AtBuilding for WasteDiversion {
    fn at_building(
        &self,
        ctx: &OffsetContext,
        b: usize,
        state: &mut Measures,
    ) -> Option<Opportunity> {
        let f = ctx.factors;
        let model = crate::estimate::waste::WasteModel;
        let (building, profile) = (&ctx.site.buildings[b], &ctx.profiles.buildings[b]);
        let before = model.co2e_t(building, profile, state, f);
        let mut after_state = state.clone();
        after_state.waste_diversion = Some(f.offsets.waste_target);
        let after = model.co2e_t(building, profile, &after_state, f);
        let abatement_t = before - after;
        if abatement_t <= 1e-12 {
            return None;
        }
        *state = after_state;
        let tonnes = crate::estimate::waste::generated_t(profile, f);
        let diverted_now =
            f.waste.shares[&Treatment::Composting] + f.waste.shares[&Treatment::Recycling];
        let moved = tonnes * (f.offsets.waste_target - diverted_now).max(0.0);
        Some(Opportunity::at_building(
            ctx,
            b,
            abatement_t,
            0.0,
            moved * f.offsets.waste_cost_t,
            Figures::WasteDiversion {
                waste_t: tonnes,
                moved_t: moved,
                diverted_share: diverted_now,
            },
        ))
    }
}
