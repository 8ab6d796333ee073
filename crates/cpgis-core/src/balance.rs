//! Stage 7, balance: the Climate Positive ledger. On-site emissions of the district (baseline
//! and proposed, by sector), credits earned in the community (by zone and intervention), net =
//! proposed on-site − credits, `climate_positive = net < 0`, and the margin either way. When the
//! community cannot cover the target, the shortfall and the levers that would close it.

use std::collections::BTreeMap;

use crate::aggregate::Totals;
use crate::config::{OffsetsSpec, Target};
use crate::estimate::Estimates;
use crate::offsets::OffsetPlan;

/// The ledger, t CO2e per year.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Balance {
    /// District, business as usual, by sector.
    pub baseline: BTreeMap<String, f64>,
    /// District, business as usual, all sectors.
    pub baseline_t: f64,
    /// District, proposed design, by sector.
    pub on_site: BTreeMap<String, f64>,
    /// District, proposed design, all sectors.
    pub on_site_t: f64,
    /// What the credits must cover: on-site × (1 + margin), or the site file's number.
    pub target_t: f64,
    /// Credits of the selected zones, by zone rank and by intervention.
    pub credits_by_zone: BTreeMap<usize, f64>,
    /// Credits of the selected zones by intervention key.
    pub credits_by_intervention: BTreeMap<String, f64>,
    /// Credits of the selected zones, all of them.
    pub credits_t: f64,
    /// on-site − credits.
    pub net_t: f64,
    /// True when the net is below zero.
    pub climate_positive: bool,
    /// How far below zero the net is (negative: how far above).
    pub margin_t: f64,
    /// Target − credits when the community cannot cover it; else 0.
    pub shortfall_t: f64,
    /// What would close a shortfall, in words with figures.
    pub levers: Vec<String>,
    /// The electricity factor at which the verdict flips, with the offsets selected held.
    pub break_even: Option<crate::breakeven::BreakEven>,
}

/// The target for a district's proposed on-site emissions (`proposed`: the scenario index).
pub fn target_t(district: &Totals, proposed: usize, offsets: &OffsetsSpec) -> f64 {
    match offsets.target {
        Target::Fixed(fixed) => fixed,
        Target::Residual => district.total(proposed).max(0.0) * (1.0 + offsets.margin),
    }
}

/// Draws up the ledger. `outside_t` is what the enabled building interventions would offer in
/// buildings beyond the community, `disabled` what the interventions the site file leaves out
/// would offer inside it (both for the levers).
pub fn balance(
    estimates: &Estimates,
    d: &Totals,
    plan: &OffsetPlan,
    outside_t: f64,
    disabled: &BTreeMap<String, f64>,
) -> Balance {
    let s = estimates.proposed;
    let by_sector = |scenario: usize| -> BTreeMap<String, f64> {
        estimates
            .sectors
            .iter()
            .enumerate()
            .map(|(k, sector)| (sector.key().to_string(), d.co2e_t[scenario][k]))
            .collect()
    };
    let mut credits_by_zone = BTreeMap::new();
    let mut credits_by_intervention: BTreeMap<String, f64> = BTreeMap::new();
    for z in &plan.zones {
        credits_by_zone.insert(z.rank, z.abatement_t);
        for (k, v) in &z.by_intervention {
            *credits_by_intervention.entry(k.to_string()).or_default() += v;
        }
    }
    let credits_t = plan.selected_t;
    let on_site_t = d.total(s);
    let net_t = on_site_t - credits_t;
    let mut levers = Vec::new();
    if plan.shortfall_t > 0.0 {
        levers.push(format!(
            "the community offers {:.1} t/yr with the enabled interventions, {:.1} short of the target",
            plan.available_t + 0.0,
            plan.shortfall_t
        ));
        for (k, v) in disabled {
            if *v > 0.0 {
                levers.push(format!(
                    "enable `{k}` in [offsets] interventions: {v:.1} t/yr more in the community"
                ));
            }
        }
        if outside_t > 0.0 {
            levers.push(format!(
                "widen the community (a larger distance_m or another method): buildings on the map outside it offer {outside_t:.1} t/yr"
            ));
        }
        let on_site = by_sector(s);
        if let Some((sector, t)) = on_site.iter().max_by(|a, b| a.1.total_cmp(b.1)) {
            levers.push(format!(
                "cut more on site: the proposed design leaves {on_site_t:.1} t/yr, most of it {sector} ({t:.1} t/yr)"
            ));
        }
    }
    Balance {
        baseline: by_sector(0),
        baseline_t: d.total(0),
        on_site: by_sector(s),
        on_site_t,
        target_t: plan.target_t,
        credits_by_zone,
        credits_by_intervention,
        credits_t,
        net_t,
        climate_positive: net_t < 0.0,
        margin_t: -net_t,
        shortfall_t: plan.shortfall_t,
        levers,
        break_even: None,
    }
}
