//! `summary.json`: the totals at every level, what the run assumed (every preset value with its
//! unit and source), and everything noticed on the way (load quality, profile notes), so that
//! nothing is dropped silently. Maps are ordered and numbers rounded: same input, same bytes.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::aggregate::Totals;
use crate::balance::Balance;
use crate::estimate::Scenario;
use crate::profile::ProfileNotes;
use crate::run::{Estimated, Ran};
use crate::site::LayerQuality;
use crate::site::LocalCrs;

/// Rounds to 4 decimals (0.1 kg for tonnes).
fn r4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

#[derive(Debug, Clone, Serialize)]
pub struct TotalsOut {
    pub buildings: usize,
    pub gfa_m2: f64,
    pub residents: f64,
    pub jobs: f64,
    /// scenario → sector (and `total`) → t CO2e per year.
    pub co2e_t_yr: BTreeMap<String, BTreeMap<String, f64>>,
}

impl TotalsOut {
    fn new(run: &Estimated, t: &Totals) -> TotalsOut {
        let co2e_t_yr = run
            .estimates
            .scenarios
            .iter()
            .enumerate()
            .map(|(s, sc)| {
                let mut m: BTreeMap<String, f64> = run
                    .estimates
                    .sectors
                    .iter()
                    .enumerate()
                    .map(|(k, sector)| (sector.key().to_string(), r4(t.co2e_t[s][k])))
                    .collect();
                m.insert("total".into(), r4(t.total(s)));
                (sc.name.clone(), m)
            })
            .collect();
        TotalsOut {
            buildings: t.buildings,
            gfa_m2: r4(t.floor_area_m2),
            residents: r4(t.residents),
            jobs: r4(t.jobs),
            co2e_t_yr,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PresetOut {
    pub name: String,
    pub version: String,
    pub chain: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Assumption {
    pub key: String,
    pub value: f64,
    pub unit: String,
    pub source: String,
    pub from: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GridOut {
    pub shape: String,
    pub cell_m: f64,
    pub cells_with_buildings: usize,
}

/// Differences between levels that must sum to the same total, t CO2e per year (all scenarios
/// and sectors; before rounding). Each should be 0 up to floating-point noise.
#[derive(Debug, Clone, Serialize)]
pub struct Consistency {
    pub grid_minus_all: f64,
    pub district_plus_rest_minus_all: f64,
    pub neighbourhoods_plus_outside_minus_all: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub cpgis_version: &'static str,
    pub site: String,
    pub crs: LocalCrs,
    pub preset: PresetOut,
    pub scenarios: Vec<Scenario>,
    /// Things a reader should know before trusting the numbers.
    pub notes: Vec<String>,
    /// `district`, `rest` (every other building on the map), `all`, `outside_neighbourhoods`.
    pub totals: BTreeMap<String, TotalsOut>,
    pub grid: GridOut,
    pub consistency: Consistency,
    /// Buildings by energy tier (`1`: archetype intensities, `2`: metered).
    pub energy_tiers: BTreeMap<String, usize>,
    /// Buildings by transit access band.
    pub access_bands: BTreeMap<String, usize>,
    pub profile: ProfileNotes,
    pub quality: Vec<LayerQuality>,
    /// The neighbouring community (full runs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community: Option<CommunityOut>,
    /// Offset opportunities and zones (full runs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offsets: Option<OffsetsOut>,
    /// The Climate Positive ledger (full runs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance: Option<Balance>,
    pub assumptions: Vec<Assumption>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommunityOut {
    pub method: String,
    pub distance_m: f64,
    pub area_ha: f64,
    /// Neighbourhood ids (adjacent method).
    pub neighbours: Vec<String>,
    /// Neighbourhoods taken as the district itself (adjacent method).
    pub district_neighbourhoods: Vec<String>,
    pub serving_stops: usize,
    /// Buildings by membership: district, community, outside.
    pub buildings: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ZoneOut {
    pub rank: usize,
    pub cells: usize,
    pub abatement_t_yr: f64,
    pub by_intervention_t_yr: BTreeMap<String, f64>,
    pub capex: f64,
    pub annual_cost: f64,
    pub area_ha: f64,
    pub buildings: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct OffsetsOut {
    pub currency: String,
    pub interventions: Vec<crate::kinds::Intervention>,
    pub rank_by: crate::kinds::RankBy,
    pub opportunities: usize,
    /// t CO2e per year the community offers, by intervention.
    pub available_t_yr: BTreeMap<String, f64>,
    pub ranked_cells: usize,
    pub selected_cells: usize,
    pub target_t_yr: f64,
    pub selected_t_yr: f64,
    pub shortfall_t_yr: f64,
    pub zones: Vec<ZoneOut>,
}

fn grand(t: &Totals) -> f64 {
    (0..t.co2e_t.len()).map(|s| t.total(s)).sum()
}

fn community_out(ran: &Ran) -> CommunityOut {
    let c = &ran.community;
    let ids = |v: &[usize]| -> Vec<String> {
        v.iter()
            .map(|i| ran.estimated.site.neighbourhoods[*i].id.clone())
            .collect()
    };
    let mut buildings = BTreeMap::new();
    for m in &c.membership {
        *buildings.entry(m.key().to_string()).or_default() += 1;
    }
    CommunityOut {
        method: format!("{:?}", c.method).to_lowercase(),
        distance_m: c.distance_m,
        area_ha: r4(geo::Area::unsigned_area(&c.area) / 10_000.0),
        neighbours: ids(&c.neighbours),
        district_neighbourhoods: ids(&c.district_neighbourhoods),
        serving_stops: c.serving_stops,
        buildings,
    }
}

fn offsets_out(ran: &Ran) -> OffsetsOut {
    let p = &ran.plan;
    let mut available: BTreeMap<String, f64> = BTreeMap::new();
    for o in &p.opportunities {
        *available
            .entry(o.intervention().key().to_string())
            .or_default() += o.abatement_t;
    }
    OffsetsOut {
        currency: ran.estimated.factors.currency.clone(),
        interventions: ran.estimated.config.offsets.interventions.clone(),
        rank_by: p.rank_by,
        opportunities: p.opportunities.len(),
        available_t_yr: available.into_iter().map(|(k, v)| (k, r4(v))).collect(),
        ranked_cells: p.ranked.len(),
        selected_cells: p.selected,
        target_t_yr: r4(p.target_t),
        selected_t_yr: r4(p.selected_t),
        shortfall_t_yr: r4(p.shortfall_t),
        zones: p
            .zones
            .iter()
            .map(|z| ZoneOut {
                rank: z.rank,
                cells: z.cells.len(),
                abatement_t_yr: r4(z.abatement_t),
                by_intervention_t_yr: z
                    .by_intervention
                    .iter()
                    .map(|(k, v)| (k.to_string(), r4(*v)))
                    .collect(),
                capex: z.capex.round(),
                annual_cost: z.annual_cost.round(),
                area_ha: r4(z.area_m2 / 10_000.0),
                buildings: z.buildings,
            })
            .collect(),
    }
}

fn rounded(b: &Balance) -> Balance {
    let map = |m: &BTreeMap<String, f64>| m.iter().map(|(k, v)| (k.clone(), r4(*v))).collect();
    Balance {
        baseline: map(&b.baseline),
        baseline_t: r4(b.baseline_t),
        on_site: map(&b.on_site),
        on_site_t: r4(b.on_site_t),
        target_t: r4(b.target_t),
        credits_by_zone: b
            .credits_by_zone
            .iter()
            .map(|(k, v)| (*k, r4(*v)))
            .collect(),
        credits_by_intervention: map(&b.credits_by_intervention),
        credits_t: r4(b.credits_t),
        net_t: r4(b.net_t),
        climate_positive: b.climate_positive,
        margin_t: r4(b.margin_t),
        shortfall_t: r4(b.shortfall_t),
        levers: b.levers.clone(),
    }
}

pub fn summary(run: &Estimated, ran: Option<&Ran>) -> Summary {
    let agg = &run.aggregates;
    let mut totals = BTreeMap::new();
    totals.insert("district".to_string(), TotalsOut::new(run, &agg.district));
    totals.insert("rest".to_string(), TotalsOut::new(run, &agg.rest));
    totals.insert("all".to_string(), TotalsOut::new(run, &agg.all));
    totals.insert(
        "outside_neighbourhoods".to_string(),
        TotalsOut::new(run, &agg.outside_neighbourhoods),
    );
    let all = grand(&agg.all);
    let consistency = Consistency {
        grid_minus_all: agg.cells.iter().map(|c| grand(&c.totals)).sum::<f64>() - all,
        district_plus_rest_minus_all: grand(&agg.district) + grand(&agg.rest) - all,
        neighbourhoods_plus_outside_minus_all: agg.neighbourhoods.iter().map(grand).sum::<f64>()
            + grand(&agg.outside_neighbourhoods)
            - all,
    };
    // Counted under small keys, named once (no text per building).
    let mut tiers: BTreeMap<u8, usize> = BTreeMap::new();
    for e in &run.estimates.buildings {
        let tier = e
            .baseline
            .get(crate::estimate::Quantity::EnergyTier)
            .map(|t| t as u8)
            .unwrap_or(1);
        *tiers.entry(tier).or_default() += 1;
    }
    let energy_tiers = tiers.iter().map(|(t, n)| (t.to_string(), *n)).collect();
    let mut bands: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &run.profiles.buildings {
        *bands.entry(p.access.band()).or_default() += 1;
    }
    let access_bands = bands.iter().map(|(b, n)| (b.to_string(), *n)).collect();
    Summary {
        notes: notes(run),
        cpgis_version: env!("CARGO_PKG_VERSION"),
        site: run.config.name.clone(),
        crs: run.site.crs.clone(),
        preset: PresetOut {
            name: run.preset.name.clone(),
            version: run.preset.version.clone(),
            chain: run.preset.chain.clone(),
        },
        scenarios: run.estimates.scenarios.clone(),
        totals,
        grid: GridOut {
            shape: format!("{:?}", agg.grid.shape).to_lowercase(),
            cell_m: agg.grid.cell_m,
            cells_with_buildings: agg.cells.len(),
        },
        consistency,
        energy_tiers,
        access_bands,
        profile: run.profiles.notes.clone(),
        quality: run.site.quality.clone(),
        community: ran.map(community_out),
        offsets: ran.map(offsets_out),
        balance: ran.map(|r| rounded(&r.balance)),
        assumptions: run
            .preset
            .values
            .iter()
            .map(|(k, f)| Assumption {
                key: k.clone(),
                value: f.value,
                unit: f.unit.clone(),
                source: f.source.clone(),
                from: f.from.clone(),
            })
            .collect(),
    }
}

/// Plain-language notes on what the run could not do as asked.
pub fn notes(run: &Estimated) -> Vec<String> {
    let mut out = Vec::new();
    let p = &run.profiles.notes;
    if !run.config.scenarios.iter().any(|s| s.name == "proposed") {
        out.push(
            "the site file has no [scenario.proposed]: the proposed scenario equals the baseline"
                .into(),
        );
    }
    if run.site.stops.is_empty() {
        out.push("no transit stops: the access index is 0 everywhere and car shares are those of the least accessible places".into());
    }
    if !p.no_floor_area.is_empty() {
        out.push(format!(
            "{} point buildings have no floor-area attribute: kept with no floor area and no emissions (profile.no_floor_area)",
            p.no_floor_area.len()
        ));
    }
    if !p.rejected_floors.is_empty() {
        out.push(format!(
            "{} buildings have a floor count that is not believed (0, negative or above 163): height or the archetype default used instead (profile.rejected_floors)",
            p.rejected_floors.len()
        ));
    }
    if p.residents_unplaced > 0.0 {
        out.push(format!(
            "{:.0} residents of the population layer lie in {} cells without mapped housing and are not placed (profile.unplaced_cells)",
            p.residents_unplaced,
            p.unplaced_cells.len()
        ));
    }
    let unmatched: usize = p.unmatched_uses.values().sum();
    if unmatched > 0 {
        out.push(format!(
            "{unmatched} buildings carry use values no table knows, counted as unknown (profile.unmatched_uses; map them with use_map)"
        ));
    }
    out
}
