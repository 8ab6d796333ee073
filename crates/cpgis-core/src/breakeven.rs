//! The break-even electricity factor: the grid factor at which the Climate Positive verdict
//! flips, since that one number decides most verdicts. Every emission is affine in the
//! electricity factor once the activity is known (kWh and passenger-km do not depend on it), so
//! the net balance is `net(f) = a + b·f` while the offsets selected and the measures that apply
//! stay as they are. The balance gives the net at the preset's factor; it is evaluated again
//! just above it, and the factor where the line crosses zero is the break-even.

use rayon::prelude::*;

use crate::estimate::{Estimates, SECTORS};
use crate::kinds::{Carrier, Intervention};
use crate::offsets::{credits_in_cells, OffsetContext, OffsetPlan};

/// Where the verdict flips.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct BreakEven {
    /// The electricity factor at which the net balance is zero, kg CO2e per kWh.
    pub electricity_kg_kwh: f64,
    /// True when the district is Climate Positive below that factor (a cleaner grid helps);
    /// false when above it (the credits grow faster with the factor than the on-site
    /// emissions, as rooftop PV's do).
    pub positive_below: bool,
}

/// The proposed on-site emissions of the buildings `district` (indices of the district's
/// buildings, in order), t CO2e per year, under the context's factors: in parallel, then added
/// in building order (the same sum on any number of threads).
pub(crate) fn on_site_of(ctx: &OffsetContext, estimates: &Estimates, district: &[usize]) -> f64 {
    let measures = &estimates.scenarios[estimates.proposed].measures;
    let per_building: Vec<f64> = district
        .par_iter()
        .map(|&i| {
            let (b, p) = (&ctx.site.buildings[i], &ctx.profiles.buildings[i]);
            SECTORS
                .iter()
                .map(|s| s.co2e_t(b, p, measures, ctx.factors))
                .sum::<f64>()
        })
        .collect();
    per_building.iter().sum()
}

/// The indices of the district's buildings, in order.
pub(crate) fn district_buildings(ctx: &OffsetContext) -> Vec<usize> {
    (0..ctx.site.buildings.len())
        .filter(|&i| ctx.profiles.buildings[i].in_district)
        .collect()
}

/// The district's proposed on-site emissions, t CO2e per year, under the context's factors.
fn on_site_t(ctx: &OffsetContext, estimates: &Estimates) -> f64 {
    on_site_of(ctx, estimates, &district_buildings(ctx))
}

/// The break-even electricity factor of a plan, or `None` when the balance does not depend on
/// it (no electricity anywhere) or the crossing lies below zero. `ctx` is the offsets stage's
/// context (the preset's factors), `enabled` the interventions the site file enables, `net_t`
/// the balance's net at the preset's factor (on site − the plan's selected credits).
pub fn break_even(
    ctx: &OffsetContext,
    estimates: &Estimates,
    enabled: &[Intervention],
    plan: &OffsetPlan,
    net_t: f64,
) -> Option<BreakEven> {
    let cells: Vec<usize> = plan.ranked[..plan.selected]
        .iter()
        .map(|c| c.cell)
        .collect();
    let f0 = ctx.factors.carrier(Carrier::Electricity);
    let step = (f0.abs() * 1e-3).max(1e-6);
    let mut higher = ctx.factors.clone();
    higher.carriers.insert(Carrier::Electricity, f0 + step);
    let at_higher = OffsetContext::new(
        ctx.site,
        ctx.profiles,
        &higher,
        ctx.community,
        ctx.aggregates,
    );
    let n1 = on_site_t(&at_higher, estimates) - credits_in_cells(&at_higher, enabled, &cells);
    let slope = (n1 - net_t) / step;
    if !(slope.is_finite() && slope.abs() > 1e-12) {
        return None;
    }
    let f = f0 - net_t / slope;
    (f.is_finite() && f >= 0.0).then_some(BreakEven {
        electricity_kg_kwh: f,
        positive_below: slope > 0.0,
    })
}
