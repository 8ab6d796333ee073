//! Deep retrofit of old stock: buildings built before 1980 lose the preset's share of their
//! heat demand (EU definition of "deep": more than 60 %). Cost per m² of floor area.

use std::fmt::Write as _;

use super::{energy_t, price, AtBuilding, Figures, InterventionModel, OffsetContext, Opportunity};
use crate::decimal::push_fixed;
use crate::estimate::Measures;
use crate::kinds::Intervention;
use crate::preset::{Era, Factors};
use crate::profile::Profile;

/// Deep retrofit of pre-1980 buildings.
pub struct DeepRetrofit;

impl InterventionModel for DeepRetrofit {
    fn intervention(&self) -> Intervention {
        Intervention::DeepRetrofit
    }

    fn reads(&self) -> u32 {
        crate::estimate::energy::READS | crate::preset::parts::OFFSETS
    }

    fn describe(&self, f: &Factors, p: Option<&Profile>, _o: &Opportunity) -> String {
        let Some(p) = p else { return String::new() };
        let o = &f.offsets;
        // "built {year} ({era}): heat demand cut by {saving:.0} %; {gfa:.0} m² at {capex}
        // {currency}/m², {lifetime} years", written piece by piece, factors
        // remembered (the opportunities layer writes it hundreds of thousands of times).
        let mut s = String::with_capacity(96);
        s.push_str("built ");
        if let Some(y) = p.year {
            let _ = write!(s, "{y}");
        }
        s.push_str(" (");
        s.push_str(p.era.key());
        s.push_str("): heat demand cut by ");
        push_fixed(&mut s, o.retrofit_heat_saving * 100.0, 0);
        s.push_str(" %; ");
        push_fixed(&mut s, p.floor.gfa_m2, 0);
        s.push_str(" m² at ");
        price(
            &mut s,
            o.retrofit_capex_m2,
            &f.currency,
            "m²",
            Some(o.retrofit_lifetime_yr),
        );
        s
    }
}

impl AtBuilding for DeepRetrofit {
    fn at_building(
        &self,
        ctx: &OffsetContext,
        b: usize,
        state: &mut Measures,
    ) -> Option<Opportunity> {
        let p = &ctx.profiles.buildings[b];
        if !matches!(p.era, Era::Before1950 | Era::From1950To1979) || p.floor.gfa_m2 <= 0.0 {
            return None;
        }
        let o = &ctx.factors.offsets;
        let before = energy_t(ctx, b, state);
        let mut after_state = state.clone();
        after_state.heat_reduction =
            1.0 - (1.0 - state.heat_reduction) * (1.0 - o.retrofit_heat_saving);
        let after = energy_t(ctx, b, &after_state);
        let abatement_t = before - after;
        if abatement_t <= 0.0 {
            return None;
        }
        *state = after_state;
        let capex = p.floor.gfa_m2 * o.retrofit_capex_m2;
        Some(Opportunity::at_building(
            ctx,
            b,
            abatement_t,
            capex,
            capex / o.retrofit_lifetime_yr,
            Figures::DeepRetrofit,
        ))
    }
}
