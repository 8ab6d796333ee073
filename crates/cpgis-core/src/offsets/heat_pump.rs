//! Heat pumps replacing the existing heating: abatement = emissions of the heating it replaces
//! − electricity for the same heat at the preset's COP × grid factor. Applies where that is a
//! cut (on a coal-heavy grid it may not be). Sized at annual heat / full-load hours.

use super::{energy_t, price, AtBuilding, Figures, InterventionModel, OffsetContext, Opportunity};
use crate::decimal::{push_fixed, push_shortest};
use crate::estimate::energy::EnergyModel;
use crate::estimate::Measures;
use crate::kinds::Intervention;
use crate::preset::{Factors, HeatSource};
use crate::profile::Profile;

/// Heat pumps replacing the existing heating.
pub struct HeatPump;

impl InterventionModel for HeatPump {
    fn intervention(&self) -> Intervention {
        Intervention::HeatPump
    }

    fn reads(&self) -> u32 {
        crate::estimate::energy::READS | crate::preset::parts::OFFSETS
    }

    fn describe(&self, f: &Factors, _p: Option<&Profile>, o: &Opportunity) -> String {
        let Figures::HeatPump { heat_kwh, kw } = o.figures else {
            return String::new();
        };
        // "{heat_kwh:.0} kWh of heat a year by heat pump at COP {cop}, grid {factor} kg
        // CO2e/kWh; {kw:.1} kW at {capex} {currency}/kW, {lifetime} years", written piece by
        // piece, factors remembered (the opportunities layer writes it hundreds of thousands of
        // times).
        let mut s = String::with_capacity(128);
        push_fixed(&mut s, heat_kwh, 0);
        s.push_str(" kWh of heat a year by heat pump at COP ");
        push_shortest(&mut s, f.heating.heat_pump_cop);
        s.push_str(", grid ");
        push_shortest(&mut s, f.carrier(crate::kinds::Carrier::Electricity));
        s.push_str(" kg CO2e/kWh; ");
        push_fixed(&mut s, kw, 1);
        s.push_str(" kW at ");
        price(
            &mut s,
            f.offsets.heat_pump_capex_kw,
            &f.currency,
            "kW",
            Some(f.offsets.heat_pump_lifetime_yr),
        );
        s
    }
}

impl AtBuilding for HeatPump {
    fn at_building(
        &self,
        ctx: &OffsetContext,
        b: usize,
        state: &mut Measures,
    ) -> Option<Opportunity> {
        if state.heat == Some(HeatSource::HeatPump) {
            return None;
        }
        let f = ctx.factors;
        let (building, profile) = (&ctx.site.buildings[b], &ctx.profiles.buildings[b]);
        let now = EnergyModel.energy_use(building, profile, state, f);
        let heat_kwh = now.heat_kwh;
        if heat_kwh <= 0.0 {
            return None;
        }
        let before = crate::estimate::energy::emissions_t(&now, f);
        let mut after_state = state.clone();
        after_state.heat = Some(HeatSource::HeatPump);
        let after = energy_t(ctx, b, &after_state);
        let abatement_t = before - after;
        if abatement_t <= 1e-9 {
            return None;
        }
        *state = after_state;
        let kw = heat_kwh / f.offsets.heat_pump_full_load_hours;
        let capex = kw * f.offsets.heat_pump_capex_kw;
        Some(Opportunity::at_building(
            ctx,
            b,
            abatement_t,
            capex,
            capex / f.offsets.heat_pump_lifetime_yr,
            Figures::HeatPump { heat_kwh, kw },
        ))
    }
}
