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
    /// The balance's range over the factors' ranges, when drawn.
    pub uncertainty: Option<crate::uncertainty::Uncertainty>,
    /// The margin added to the on-site residual to make the target (0.10 = 10 %); `None`
    /// when the site file gives the target as a number.
    pub margin: Option<f64>,
    /// Every scenario against the same community, offsets selected for its own target, in
    /// the scenarios' order: the figures designs are compared by. The proposed scenario's is
    /// the headline.
    pub scenarios: Vec<ScenarioBalance>,
}

/// One scenario's balance: what planners compare designs by. None of these figures can improve
/// when the design gets worse: a larger residual needs more offsets, leaves the community's
/// capacity a smaller multiple of the need, and selects further down the same ranking, at the
/// same or a higher cost. (The net can: the last cell selected overshoots the target by
/// whatever it holds, so "climate positive by X t" grew when a design got worse.)
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScenarioBalance {
    /// The scenario's name.
    pub scenario: String,
    /// District on site, by sector, t CO2e/yr.
    pub on_site: BTreeMap<String, f64>,
    /// District on site, all sectors: the residual, t CO2e/yr.
    pub on_site_t: f64,
    /// The offsets needed: on site × (1 + margin), or the site file's number, t CO2e/yr.
    pub target_t: f64,
    /// All the community offers with the enabled interventions, t CO2e/yr.
    pub capacity_t: f64,
    /// Capacity over the need (`None` when nothing is needed).
    pub capacity_multiple: Option<f64>,
    /// Credits of the cells selected for this target (best ranked first), t CO2e/yr.
    pub credits_t: f64,
    /// Cells selected.
    pub cells: usize,
    /// Annual cost of the selected offsets, in the preset's currency.
    pub annual_cost: f64,
    /// Annual cost per tonne of credit (`None` without credits).
    pub cost_per_t: Option<f64>,
    /// on site − credits, t CO2e/yr.
    pub net_t: f64,
    /// net < 0.
    pub climate_positive: bool,
    /// The credits cover the target (margin included).
    pub target_met: bool,
}

/// Every scenario's balance against the ranked cells of `plan` (their order does not depend on
/// the scenario: each scenario selects down the same list until its own target is met).
pub fn scenario_balances(
    estimates: &Estimates,
    d: &Totals,
    plan: &OffsetPlan,
    offsets: &OffsetsSpec,
) -> Vec<ScenarioBalance> {
    estimates
        .scenarios
        .iter()
        .enumerate()
        .map(|(s, scenario)| {
            let on_site_t = d.total(s);
            let target_t = target_t(d, s, offsets);
            let (mut credits_t, mut annual_cost, mut cells) = (0.0, 0.0, 0);
            for c in &plan.ranked {
                if credits_t >= target_t {
                    break;
                }
                credits_t += c.abatement_t;
                annual_cost += c.annual_cost;
                cells += 1;
            }
            let net_t = on_site_t - credits_t;
            ScenarioBalance {
                scenario: scenario.name.clone(),
                on_site: estimates
                    .sectors
                    .iter()
                    .enumerate()
                    .map(|(k, sector)| (sector.key().to_string(), d.co2e_t[s][k]))
                    .collect(),
                on_site_t,
                target_t,
                capacity_t: plan.available_t,
                capacity_multiple: (target_t > 0.0).then(|| plan.available_t / target_t),
                credits_t,
                cells,
                annual_cost,
                cost_per_t: (credits_t > 0.0).then(|| annual_cost / credits_t),
                net_t,
                climate_positive: net_t < 0.0,
                target_met: credits_t >= target_t,
            }
        })
        .collect()
}

/// The target for a district's on-site emissions under scenario `s` (an index).
pub fn target_t(district: &Totals, s: usize, offsets: &OffsetsSpec) -> f64 {
    match offsets.target {
        Target::Fixed(fixed) => fixed,
        Target::Residual => district.total(s).max(0.0) * (1.0 + offsets.margin),
    }
}

/// Draws up the ledger. `outside_t` is what the enabled building interventions would offer in
/// buildings beyond the community, `disabled` what the interventions the site file leaves out
/// would offer inside it (both for the levers).
pub fn balance(
    estimates: &Estimates,
    d: &Totals,
    plan: &OffsetPlan,
    offsets: &OffsetsSpec,
    (outside_t, disabled): (f64, &BTreeMap<String, f64>),
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
        uncertainty: None,
        margin: match offsets.target {
            Target::Residual => Some(offsets.margin),
            Target::Fixed(_) => None,
        },
        scenarios: scenario_balances(estimates, d, plan, offsets),
    }
}
