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

/// Rounds to 4 decimals (0.1 kg for tonnes); a negative zero (a sum of nothing is −0.0 in
/// IEEE arithmetic, and so is a tiny negative rounded) is written as 0.
fn r4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4 + 0.0
}

#[derive(Debug, Clone, Serialize)]
/// Totals of one set of buildings, rounded.
pub struct TotalsOut {
    /// Number of buildings.
    pub buildings: usize,
    /// Gross floor area, m².
    pub gfa_m2: f64,
    /// Residents.
    pub residents: f64,
    /// Jobs.
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
/// The preset used.
pub struct PresetOut {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// The presets it was built from, most general first.
    pub chain: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
/// One preset value as used.
pub struct Assumption {
    /// Dotted key (`carriers.electricity`).
    pub key: String,
    /// The value.
    pub value: f64,
    /// Its unit.
    pub unit: String,
    /// Its source.
    pub source: String,
    /// The preset (or site file) that set it.
    pub from: String,
}

#[derive(Debug, Clone, Serialize)]
/// The aggregation grid.
pub struct GridOut {
    /// `square` or `hex`.
    pub shape: String,
    /// Cell size, m.
    pub cell_m: f64,
    /// Cells holding at least one building.
    pub cells_with_buildings: usize,
}

/// Differences between levels that must sum to the same total, t CO2e per year (all scenarios
/// and sectors; before rounding). Each should be 0 up to floating-point noise.
#[derive(Debug, Clone, Serialize)]
pub struct Consistency {
    /// Sum over cells − all, t CO2e per year (0 but for rounding).
    pub grid_minus_all: f64,
    /// District + rest − all, t CO2e per year.
    pub district_plus_rest_minus_all: f64,
    /// Neighbourhoods + outside − all, t CO2e per year.
    pub neighbourhoods_plus_outside_minus_all: f64,
}

#[derive(Debug, Clone, Serialize)]
/// Everything `summary.json` holds.
pub struct Summary {
    /// The version of cpgis that wrote it.
    pub cpgis_version: &'static str,
    /// The case's name.
    pub site: String,
    /// The local metric CRS.
    pub crs: LocalCrs,
    /// The preset used.
    pub preset: PresetOut,
    /// The scenarios with their measures.
    pub scenarios: Vec<Scenario>,
    /// Things a reader should know before trusting the numbers.
    pub notes: Vec<String>,
    /// What the district's figures and the verdict must not be read without (said beside the
    /// verdict on the terminal and in the report): a buildings layer cut short of the district,
    /// a district or a community modelled mostly on default floors or an assumed use.
    pub cautions: Vec<String>,
    /// Site-file keys set on the command line (`--set`), as `key=value`.
    pub settings: Vec<String>,
    /// The transport boundary in one sentence (which trips count, and how much of each).
    pub transport_boundary: String,
    /// The heating climate: the factor space heat is scaled by and where it came from.
    pub climate: ClimateOut,
    /// The electricity factor in use and what it stands for (site, region or preset average).
    pub electricity_grid: ElectricityGridOut,
    /// `district`, `rest` (every other building on the map), `all`, `outside_neighbourhoods`.
    pub totals: BTreeMap<String, TotalsOut>,
    /// The grid.
    pub grid: GridOut,
    /// Checks that the levels add up.
    pub consistency: Consistency,
    /// Buildings by energy tier (`1`: archetype intensities, `2`: metered, `partial`: some
    /// carriers metered, the rest modelled).
    pub energy_tiers: BTreeMap<String, usize>,
    /// The metered (tier 2) buildings against what the archetypes give them, by main use
    /// (absent when no building is metered on every carrier).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metered_vs_modelled: Vec<crate::estimate::calibration::UseCheck>,
    /// Buildings by transit access band.
    pub access_bands: BTreeMap<String, usize>,
    /// What profiling could not do as asked, listed by building id.
    pub profile: ProfileNotes,
    /// Per layer, what loading found wrong.
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
    /// Every preset value with unit and source.
    pub assumptions: Vec<Assumption>,
}

#[derive(Debug, Clone, Serialize)]
/// The electricity factor of the run and what it stands for.
pub struct ElectricityGridOut {
    /// The factor, in `unit`.
    pub factor: f64,
    /// Its unit (`kg CO2e/kWh`).
    pub unit: String,
    /// `site file` (the utility's or the user's own), `region` or `preset` (its average).
    pub scope: &'static str,
    /// The grid region's code, when a region's factor is in use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// How the region was picked (`site file`, or the nearest listed city and its distance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_picked_by: Option<String>,
    /// The lowest and highest regional factors of the preset, kg CO2e/kWh, with their codes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regional_spread: Option<[(String, f64); 2]>,
    /// What to know before trusting it: the sentence the notes carry; none for a site's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// [`ElectricityGridOut`] of a run.
fn electricity_grid(run: &Estimated) -> ElectricityGridOut {
    let grid = run.preset.get("carriers.electricity");
    let region = grid.and_then(|g| g.from.strip_prefix("grid region ").map(str::to_string));
    let scope = match grid {
        Some(g) if g.from == "site file" => "site file",
        _ if region.is_some() => "region",
        _ => "preset",
    };
    ElectricityGridOut {
        factor: grid.map(|g| r4(g.value)).unwrap_or(0.0),
        unit: grid.map(|g| g.unit.clone()).unwrap_or_default(),
        scope,
        region_picked_by: region.as_ref().map(|_| {
            run.config
                .grid_region_picked
                .clone()
                .unwrap_or_else(|| "site file".into())
        }),
        region,
        regional_spread: crate::preset::regions::spread(&crate::preset::regions::grid_chain(
            &run.preset,
        ))
        .map(|(lo, hi)| {
            [
                (lo.code.to_string(), r4(lo.kg_per_kwh)),
                (hi.code.to_string(), r4(hi.kg_per_kwh)),
            ]
        }),
        warning: grid_note(run),
    }
}

#[derive(Debug, Clone, Serialize)]
/// The heating climate of the run.
pub struct ClimateOut {
    /// Space heat × this (1: the preset's intensities as they are).
    pub space_heat_scale: f64,
    /// `site file` when the site file gives degree days or names the country whose compiled
    /// ones stand for the site's (`[climate] country`), `location` when they are those of the
    /// district's country as its place tells ([`crate::preset::degree_days`]), `preset` when a
    /// preset of the user's own gives them, else `none`.
    pub from: &'static str,
    /// The site's heating degree days and the reference climate's, as the site file gives them
    /// or as the location gave them (Kd a year, in the preset's degree-day definition).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub degree_days: Option<crate::config::ClimateSpec>,
    /// The district's country (ISO code) its degree days were looked up for, when the site file
    /// gives none, whether or not the table has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// How the country was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_picked_by: Option<String>,
    /// Heat intensities the preset takes from a preset of its chain that describes another
    /// climate, used as they are (not scaled to the preset's climate).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inherited: Vec<crate::preset::degree_days::Inherited>,
}

/// The site's degree days and the reference climate's when the preset holds both (the site's
/// set from the district's country, or by a preset of the user's own) and the site file gives
/// no `[climate]`, with `location` or `preset` for where the site's came from.
pub fn climate_of_preset(run: &Estimated) -> Option<(crate::config::ClimateSpec, &'static str)> {
    use crate::preset::degree_days::{REFERENCE_KEY, SITE_KEY};
    if run.config.climate.is_some() {
        return None;
    }
    let site = run.preset.get(SITE_KEY)?;
    let reference = run.preset.get(REFERENCE_KEY)?;
    let named =
        run.config.climate_country_picked.as_deref() == Some(crate::config::CLIMATE_COUNTRY_NAMED);
    let from = match (site.from.starts_with("location "), named) {
        (true, true) => "site file",
        (true, false) => "location",
        (false, _) => "preset",
    };
    let spec = crate::config::ClimateSpec {
        heating_degree_days: site.value,
        reference_heating_degree_days: reference.value,
        source: Some(site.source.clone()),
    };
    Some((spec, from))
}

#[derive(Debug, Clone, Serialize)]
/// The neighbouring community.
pub struct CommunityOut {
    /// `buffer`, `adjacent` or `catchment`.
    pub method: String,
    /// Ring width, m.
    pub distance_m: f64,
    /// Area, ha.
    pub area_ha: f64,
    /// Neighbourhood ids (adjacent method).
    pub neighbours: Vec<String>,
    /// Neighbourhoods taken as the district itself (adjacent method).
    pub district_neighbourhoods: Vec<String>,
    /// Stops that serve the district (catchment method).
    pub serving_stops: usize,
    /// How the district boundary was simplified for the buffer (buffer method, detailed
    /// boundaries only): vertices, vertices kept, and the tolerance of the outer edge, m.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simplified: Option<crate::community::outline::Simplified>,
    /// Buildings by membership: district, community, outside.
    pub buildings: BTreeMap<String, usize>,
    /// The share of the community's area inside the buildings' extent, 0..1.
    pub in_buildings_extent: Option<f64>,
    /// The share of its buildings' floor area that is footprint × default floors, 0..1.
    pub area_default_floors: Option<f64>,
    /// The share of its buildings' floor area with no use type, 0..1.
    pub area_unknown_use: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
/// One offset zone.
pub struct ZoneOut {
    /// Rank, 1 = best.
    pub rank: usize,
    /// Cells merged into it.
    pub cells: usize,
    /// t CO2e per year.
    pub abatement_t_yr: f64,
    /// t CO2e per year by intervention.
    pub by_intervention_t_yr: BTreeMap<String, f64>,
    /// Capital cost, in the preset's currency.
    pub capex: f64,
    /// Annual cost, in the preset's currency.
    pub annual_cost: f64,
    /// Area, ha.
    pub area_ha: f64,
    /// Community buildings in it.
    pub buildings: usize,
}

#[derive(Debug, Clone, Serialize)]
/// Offset opportunities and zones.
pub struct OffsetsOut {
    /// Currency of the costs.
    pub currency: String,
    /// The interventions enabled.
    pub interventions: Vec<crate::kinds::Intervention>,
    /// What the cells were ranked by.
    pub rank_by: crate::kinds::RankBy,
    /// Number of opportunities.
    pub opportunities: usize,
    /// t CO2e per year the community offers, by intervention.
    pub available_t_yr: BTreeMap<String, f64>,
    /// Community cells with an opportunity.
    pub ranked_cells: usize,
    /// Cells selected.
    pub selected_cells: usize,
    /// What the credits must cover, t CO2e per year.
    pub target_t_yr: f64,
    /// What the selected cells offer, t CO2e per year.
    pub selected_t_yr: f64,
    /// Target − selected where the community falls short, t CO2e per year.
    pub shortfall_t_yr: f64,
    /// The zones, best first.
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
    let buildings: BTreeMap<String, usize> = crate::community::Membership::ALL
        .iter()
        .filter(|m| c.count(**m) > 0)
        .map(|m| (m.key().to_string(), c.count(*m)))
        .collect();
    CommunityOut {
        method: format!("{:?}", c.method).to_lowercase(),
        distance_m: c.distance_m,
        area_ha: r4(geo::Area::unsigned_area(&c.area) / 10_000.0),
        neighbours: ids(&c.neighbours),
        district_neighbourhoods: ids(&c.district_neighbourhoods),
        serving_stops: c.serving_stops,
        simplified: c.simplified,
        buildings,
        in_buildings_extent: c.in_buildings_extent.map(r4),
        area_default_floors: c.area_default_floors,
        area_unknown_use: c.area_unknown_use,
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

fn rounded_uncertainty(u: &crate::uncertainty::Uncertainty) -> crate::uncertainty::Uncertainty {
    let s = |x: &crate::uncertainty::Spread| crate::uncertainty::Spread {
        p5: r4(x.p5),
        p50: r4(x.p50),
        p95: r4(x.p95),
    };
    crate::uncertainty::Uncertainty {
        on_site_t: s(&u.on_site_t),
        credits_t: s(&u.credits_t),
        net_t: s(&u.net_t),
        zones_t: u
            .zones_t
            .iter()
            .map(|z| crate::uncertainty::ZoneSpread {
                rank: z.rank,
                credits_t: s(&z.credits_t),
            })
            .collect(),
        neighbourhoods_t: u
            .neighbourhoods_t
            .iter()
            .map(|n| crate::uncertainty::NeighbourhoodSpread {
                id: n.id.clone(),
                t: s(&n.t),
            })
            .collect(),
        probability_climate_positive: r4(u.probability_climate_positive),
        sensitivity: u
            .sensitivity
            .iter()
            .map(|c| crate::uncertainty::Contribution {
                key: c.key.clone(),
                share: r4(c.share),
                swing_t: r4(c.swing_t),
            })
            .collect(),
        ranges: u
            .ranges
            .iter()
            .map(|r| crate::uncertainty::Range {
                low: r4(r.low),
                high: r4(r.high),
                ..r.clone()
            })
            .collect(),
        ..u.clone()
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
        break_even: b.break_even.map(|be| crate::breakeven::BreakEven {
            electricity_kg_kwh: r4(be.electricity_kg_kwh),
            ..be
        }),
        margin: b.margin,
        uncertainty: b.uncertainty.as_ref().map(rounded_uncertainty),
        scenarios: b
            .scenarios
            .iter()
            .map(|s| crate::balance::ScenarioBalance {
                scenario: s.scenario.clone(),
                on_site: map(&s.on_site),
                on_site_t: r4(s.on_site_t),
                target_t: r4(s.target_t),
                capacity_t: r4(s.capacity_t),
                capacity_multiple: s.capacity_multiple.map(r4),
                credits_t: r4(s.credits_t),
                cells: s.cells,
                annual_cost: r4(s.annual_cost),
                cost_per_t: s.cost_per_t.map(r4),
                net_t: r4(s.net_t),
                climate_positive: s.climate_positive,
                target_met: s.target_met,
            })
            .collect(),
    }
}

/// The metered buildings against the archetypes ([`Estimated::calibration`]), rounded as the
/// summary rounds.
fn metered_vs_modelled(run: &Estimated) -> Vec<crate::estimate::calibration::UseCheck> {
    use crate::estimate::calibration::{Split, UseCheck};
    let split = |s: Split| Split {
        electricity_kwh: r4(s.electricity_kwh),
        other_kwh: r4(s.other_kwh),
    };
    run.calibration
        .checks()
        .into_iter()
        .map(|u| UseCheck {
            gfa_m2: r4(u.gfa_m2),
            metered: split(u.metered),
            modelled: split(u.modelled),
            ratio: u.ratio.map(r4),
            ..u
        })
        .collect()
}

/// The summary of an estimate (`ran`: and of the rest of a full run).
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
    let energy_tiers = run
        .census
        .energy_tiers
        .iter()
        .map(|(t, n)| {
            let key = match *t {
                crate::estimate::energy::PARTIAL => "partial".to_string(),
                t => t.to_string(),
            };
            (key, *n)
        })
        .collect();
    let access_bands = run
        .census
        .access_bands
        .iter()
        .map(|(b, n)| (b.to_string(), *n))
        .collect();
    Summary {
        settings: run.config.settings.clone(),
        electricity_grid: electricity_grid(run),
        climate: {
            let of_preset = climate_of_preset(run);
            ClimateOut {
                space_heat_scale: run.factors.space_heat_scale,
                from: match (&run.config.climate, &of_preset) {
                    (Some(_), _) => "site file",
                    (None, Some((_, from))) => from,
                    (None, None) => "none",
                },
                degree_days: run.config.climate.clone().or(of_preset.map(|(c, _)| c)),
                country: run.config.climate_country.clone(),
                country_picked_by: run.config.climate_country_picked.clone(),
                inherited: crate::preset::degree_days::inherited(&run.preset),
            }
        },
        transport_boundary: crate::estimate::transport::boundary(
            &run.factors.travel,
            run.aggregates.district.jobs,
        ),
        notes: notes(run)
            .into_iter()
            .chain(
                ran.map(|r| community_notes(&r.community))
                    .unwrap_or_default(),
            )
            .collect(),
        cautions: cautions(run, ran.map(|r| &r.community)),
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
        metered_vs_modelled: metered_vs_modelled(run),
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

/// Notes on how the community was delineated, where it was not exactly as asked.
pub fn community_notes(c: &crate::community::Community) -> Vec<String> {
    let mut out: Vec<String> = c
        .simplified
        .iter()
        .map(|s| {
            format!(
                "the district boundary has {} vertices: for the community buffer it was simplified to {} within {:.1} m, so the community's outer edge is exact to {:.1} m (community.simplified)",
                s.vertices, s.kept, s.tolerance_m, s.tolerance_m
            )
        })
        .collect();
    if let Some(share) = c
        .in_buildings_extent
        .filter(|s| *s < crate::site::COVERED_SHARE)
    {
        out.push(format!(
            "the buildings' extent covers {} of the community's area: the offsets on offer count only the buildings mapped there (give the buildings around the district as far as the community reaches) (community.in_buildings_extent)",
            crate::site::share_percent(share)
        ));
    }
    out
}

/// The heating climate in a phrase, for the list of what a verdict depends on, with the heat
/// intensities taken from a preset of another climate.
pub fn climate_phrase(run: &Estimated) -> String {
    let mut phrase = scale_phrase(run);
    for i in crate::preset::degree_days::inherited(&run.preset) {
        phrase.push_str(&format!(
            "; the heat of {} from {}, at its climate of {:.1}",
            list_and(&i.uses),
            i.from,
            i.reference_heating_degree_days
        ));
    }
    phrase
}

/// How space heat is scaled, in a phrase.
fn scale_phrase(run: &Estimated) -> String {
    use crate::preset::degree_days::REFERENCE_KEY;
    let scale = run.factors.space_heat_scale;
    let assumed = run
        .preset
        .get(REFERENCE_KEY)
        .filter(|r| r.source.starts_with("assumption"))
        .map_or("", |_| ", itself an assumption");
    if let Some(c) = &run.config.climate {
        return format!(
            "space heat × {scale:.3}, the site file's {} heating degree days over the {} of the preset's climate",
            c.heating_degree_days, c.reference_heating_degree_days
        );
    }
    match climate_of_preset(run) {
        Some((c, "location" | "site file")) => {
            let code = run.config.climate_country.as_deref().unwrap_or_default();
            let name = crate::preset::regions::find(&run.preset.chain, code).map_or(code, |r| r.name);
            format!(
                "space heat × {scale:.3}, {name}'s heating degree days (Eurostat, {:.1} a year) over the {:.1} of the {} preset's climate{assumed}",
                c.heating_degree_days, c.reference_heating_degree_days, run.preset.name
            )
        }
        Some((c, _)) => format!(
            "space heat × {scale:.3}, the preset's {:.1} heating degree days over the {:.1} of its climate{assumed}",
            c.heating_degree_days, c.reference_heating_degree_days
        ),
        None => format!(
            "space heat at the {} preset's own climate, not scaled to the district's (no degree days for it: see the notes)",
            run.preset.name
        ),
    }
}

/// Heat intensities the preset takes from a preset that describes another climate: used as
/// they are, and what describing the preset's own climate would multiply their space heat by.
fn inherited_climate_note(run: &Estimated) -> Option<String> {
    use crate::preset::degree_days::{inherited, REFERENCE_KEY};
    let listed = inherited(&run.preset);
    let own = run.preset.get(REFERENCE_KEY)?.value;
    let parts: Vec<String> = listed
        .iter()
        .map(|i| {
            format!(
                "the heat of its {} archetypes from {}, whose intensities describe a climate of {:.1} Kd a year (× {:.3} to describe {own:.1})",
                list_and(&i.uses),
                i.from,
                i.reference_heating_degree_days,
                i.ratio
            )
        })
        .collect();
    (!parts.is_empty()).then(|| {
        format!(
            "the {} preset states a climate of {own:.1} Kd a year for its heat intensities but takes {}: those are used as they are, at their own climate (space heat is scaled by one climate per preset); where the district's buildings of those uses matter, give their heat with [factors] archetypes.USE.heat (climate.inherited)",
            run.preset.name,
            parts.join("; "),
        )
    })
}

/// `a`, `a and b`, `a, b and c`.
fn list_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// What space heat is scaled by when the site file gives no `[climate]`: the district's
/// country's degree days over the preset's climate, or why nothing scales it.
fn climate_note(run: &Estimated) -> String {
    use crate::preset::degree_days::{FIRST_YEAR, LAST_YEAR, REFERENCE_KEY};
    let give = "a district whose own climate differs gives its heating degree days and those of the preset's climate as [climate] heating_degree_days and reference_heating_degree_days, or, across a border, names its country with [climate] country = \"CODE\"";
    let Some(reference) = run.preset.get(REFERENCE_KEY) else {
        return format!(
            "space heat is the preset's intensities at the climate of their source tables: the site file gives no [climate] heating_degree_days and reference_heating_degree_days to scale it by, and the {} preset names no climate of its own to compare the district's country with",
            run.preset.name
        );
    };
    let assumed = if reference.source.starts_with("assumption") {
        ", an assumption"
    } else {
        ""
    };
    let country = run.config.climate_country.as_deref();
    let name = country
        .and_then(|c| crate::preset::regions::find(&run.preset.chain, c))
        .map_or(country.unwrap_or_default(), |r| r.name);
    let how = run
        .config
        .climate_country_picked
        .as_deref()
        .unwrap_or_default();
    match (climate_of_preset(run), country) {
        (Some((c, "preset")), _) => format!(
            "space heat × {:.3}: the site file gives no [climate], so the {} preset's heating degree days, {:.1} a year ({}), over the {:.1} of the climate its heat intensities describe ({REFERENCE_KEY}{assumed}, from {}); {give}",
            c.space_heat_scale(),
            run.preset.name,
            c.heating_degree_days,
            c.source.as_deref().unwrap_or_default(),
            c.reference_heating_degree_days,
            reference.from,
        ),
        (Some((c, _)), Some(code)) => format!(
            "space heat × {:.3}: {}, {name}'s {:.1} a year (Eurostat nrg_chdd_a, mean of {FIRST_YEAR}-{LAST_YEAR}; {code}, {how}), over the {:.1} of the climate the {} preset's heat intensities describe ({REFERENCE_KEY}{assumed}, from {}); {give}",
            c.space_heat_scale(),
            if how == crate::config::CLIMATE_COUNTRY_NAMED {
                "the heating degree days of the country the site file names"
            } else {
                "the site file gives no [climate], so the district's country's heating degree days"
            },
            c.heating_degree_days,
            c.reference_heating_degree_days,
            run.preset.name,
            reference.from,
        ),
        (_, Some(code)) => format!(
            "space heat is the {} preset's intensities at the climate they describe, unscaled ({REFERENCE_KEY}: {}): the site file gives no [climate], and the heating degree days compiled in (Eurostat's, for the EU and Norway) have none for {name} ({code}), the district's country ({how}); {give}",
            run.preset.name,
            reference.source.split(';').next().unwrap_or_default()
        ),
        (_, None) => format!(
            "space heat is the {} preset's intensities at the climate of their source tables: the site file gives no [climate] heating_degree_days and reference_heating_degree_days to scale it by, and degree days by location are compiled for European countries only (Eurostat's, for the EU and Norway), in none of which the location lookup places the district",
            run.preset.name
        ),
    }
}

/// What the electricity factor in use stands for: the site's own, a grid region (and how it was
/// picked), or the preset's average, with how far the preset's regions spread and how to set
/// the utility's own. `None` when the site file gives the factor.
pub fn grid_note(run: &Estimated) -> Option<String> {
    use crate::preset::regions;
    let grid = run.preset.get("carriers.electricity")?;
    if grid.from == "site file" {
        // A region the site file names is not used beside its own factor: said, not dropped.
        return run
            .config
            .grid_region
            .as_ref()
            .filter(|c| run.config.grid_region_picked.is_none() && !c.eq_ignore_ascii_case(regions::NATIONAL))
            .map(|c| {
                format!(
                    "grid_region = \"{c}\" is not used: the site file's [factors] carriers.electricity ({} {}) stands for the district's grid",
                    r4(grid.value),
                    grid.unit
                )
            });
    }
    let set_own = "where the district's utility publishes its own, set it as [factors] carriers.electricity = { value, unit, source }, since the verdict may turn on it (see the break-even factor)";
    if let Some(code) = grid.from.strip_prefix("grid region ") {
        let how = match &run.config.grid_region_picked {
            Some(p) => format!("picked by the district's location: {p} (cities, their centres and their grids recalled, not read from a gazetteer or EPA's ZIP-code table [U]; a district near a border or on a utility's edge should name its region with grid_region = \"CODE\")"),
            None => "named in the site file (grid_region)".to_string(),
        };
        return Some(format!(
            "the grid's electricity factor, {} {}, is that of grid region {code}, {how}; {set_own}",
            r4(grid.value),
            grid.unit
        ));
    }
    let chain = regions::grid_chain(&run.preset);
    let spread = regions::spread(&chain)
        .map(|(lo, hi)| {
            format!(
                "; the {} preset's regions spread from {} ({} {}) to {} ({} {}) kg CO2e/kWh: name the district's with grid_region = \"CODE\" (`cpgis presets show {}` lists them)",
                run.preset.name,
                r4(lo.kg_per_kwh),
                lo.code,
                lo.name,
                r4(hi.kg_per_kwh),
                hi.code,
                hi.name,
                run.preset.name
            )
        })
        .unwrap_or_default();
    let why = match (&run.config.grid_region, regions::spread(&chain)) {
        (Some(_), _) => " (grid_region = \"national\" in the site file)".to_string(),
        (None, Some((r, _))) => format!(
            " (the district lies more than {} km from every city the region lookup lists)",
            regions::pick_within_km(r.preset)
        ),
        (None, None) => String::new(),
    };
    Some(format!(
        "the grid's electricity factor, {} {}, is the {} preset's ({}{}){why}, not one given for this site{spread}{}{set_own}",
        grid.value,
        grid.unit,
        grid.from,
        grid.source,
        crate::preset::grid_scope(&grid.from)
            .map(|s| format!("; {s}"))
            .unwrap_or_default(),
        if spread.is_empty() { ": " } else { "; " }
    ))
}

/// Said beside the verdict: when the buildings layer stops short of the district (its extent
/// covers under 95 % of the district's area), the on-site figures, and the verdict with them,
/// count only the buildings mapped; when over half of the district's floor area rests on
/// default floors or an assumed use, the figures rest mostly on those defaults, which the
/// probability's draws hold fixed (Vaduz's 2013 extract: every floor count a default, 90 % of
/// its floor area of unknown use, had read "climate positive with probability 0.97" bare); the
/// same over half of the community's floor area, whose offer makes the credits (`None` for an
/// estimate, which has no community).
pub fn cautions(e: &Estimated, community: Option<&crate::community::Community>) -> Vec<String> {
    let notes = &e.profiles.notes;
    let mut out = Vec::new();
    if let Some(share) = notes
        .district_in_buildings_extent
        .filter(|s| *s < crate::site::COVERED_SHARE)
    {
        out.push(format!(
            "the buildings' extent covers {} of the district's area: the on-site figures, and the verdict with them, count only the buildings mapped",
            crate::site::share_percent(share)
        ));
    }
    // "100 % is footprint × default floors and 90 % has an assumed use", the shares over half.
    let rests = |floors: Option<f64>, uses: Option<f64>| -> Option<String> {
        let over = |s: Option<f64>| s.filter(|s| *s > crate::profile::DEFAULTED_SHARE);
        let said: Vec<String> = [
            (over(floors), "is footprint × default floors"),
            (over(uses), "has an assumed use"),
        ]
        .into_iter()
        .filter_map(|(s, what)| s.map(|s| format!("{} {what}", crate::site::share_percent(s))))
        .collect();
        (!said.is_empty()).then(|| said.join(" and "))
    };
    if let Some(r) = rests(
        notes.district_area_default_floors,
        notes.district_area_unknown_use,
    ) {
        out.push(format!(
            "of the district's floor area, {r}: the figures and the verdict rest mostly on these defaults, which the draws of the factors' ranges hold fixed; map floor counts or heights and uses before relying on it"
        ));
    }
    if let Some(r) = community.and_then(|c| rests(c.area_default_floors, c.area_unknown_use)) {
        out.push(format!(
            "of the community's floor area, {r}: its offer, and the credits with it, rest mostly on these defaults; map floor counts or heights and uses there before relying on them"
        ));
    }
    out
}

/// "1 building has", "3 buildings have": `n` and the words for one or many.
fn buildings_do(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The defaults used where a building's data was missing (floors, use, era, residents), each
/// counted over the map and the district, its ids in `profile.*`.
fn default_notes(run: &Estimated, out: &mut Vec<String>) {
    use crate::census::DefaultUsed;
    let (n, in_district) = (run.census.buildings.map, run.census.buildings.district);
    let share = |k: usize| {
        format!(
            "{k} of {n} buildings ({:.0} %; ",
            100.0 * k as f64 / n.max(1) as f64
        )
    };
    let have = |k: usize| if k == 1 { "has" } else { "have" };
    let counted = |d: DefaultUsed| {
        let c = run.census.with_default(d);
        (c.map, c.district)
    };
    // The district's floor area that rests on the default, beside the count of its buildings.
    let area = |s: Option<f64>, d: usize| {
        s.filter(|_| d > 0)
            .map(|s| format!(", {} of its floor area", crate::site::share_percent(s)))
            .unwrap_or_default()
    };
    let notes = &run.profiles.notes;
    let (k, d) = counted(DefaultUsed::Floors);
    if k > 0 {
        out.push(format!(
            "{}{d} of {in_district} in the district{}) {} no floor count, height or floor area: footprint × the use's default floors (profile.default_floors)",
            share(k),
            area(notes.district_area_default_floors, d),
            have(k)
        ));
    }
    let (k, d) = counted(DefaultUsed::Use);
    if k > 0 {
        out.push(format!(
            "{}{d} of {in_district} in the district{}) {} no use type (none given, a generic value such as OpenStreetMap's `yes`, or one no table knows): modelled by the `unknown` archetype, an assumed mix with {:.0} % of its floor area housing (profile.unknown_use; map uses with use_map)",
            share(k),
            area(notes.district_area_unknown_use, d),
            have(k),
            100.0 * run.factors.unknown_use_housing_share
        ));
    }
    let (k, d) = counted(DefaultUsed::Era);
    if k > 0 {
        out.push(format!(
            "{}{d} of {in_district} in the district) {} no readable construction year or standard: space heat at the `unknown` era's factor, {} (profile.unknown_era)",
            share(k),
            have(k),
            run.factors.era(crate::preset::Era::Unknown)
        ));
    }
    let (k, d) = counted(DefaultUsed::Residents);
    if k > 0 {
        let why = if run.site.population.is_empty() {
            "the site has no population layer"
        } else {
            "no population cell covers them"
        };
        out.push(format!(
            "{} with housing ({d} in the district) {} their residents from floor area, {} m² per resident: {why} (profile.residents_by_floor_area)",
            buildings_do(k, "building", "buildings"),
            if k == 1 { "takes" } else { "take" },
            run.factors.floor_area_per_resident_m2
        ));
    }
}

/// Plain-language notes on what the run could not do as asked.
pub fn notes(run: &Estimated) -> Vec<String> {
    let mut out = Vec::new();
    let p = &run.profiles.notes;
    if let Some(held) = &run.held {
        let walked = if run.config.uncertainty.draws > 0 {
            " and those the uncertainty walks"
        } else {
            ""
        };
        out.push(format!(
            "the driver held {} of the map's {} buildings (the district's, the community's{walked}; `cpgis finish --hold-all-max`): every figure counts them all, but there is no buildings layer here (the tiles wrote it as GeoParquet, `buildings/` beside their results) and the report's maps draw the grid cells",
            held.len(),
            run.census.buildings.map
        ));
    }
    if run.config.preset_by_location {
        out.push(format!(
            "the site file names no preset: `{}`, chosen by the district's location (name one with preset = \"…\" to choose another)",
            run.preset.name
        ));
    }
    if !run.config.settings.is_empty() {
        out.push(format!(
            "set on the command line over the site file: {}",
            run.config.settings.join(", ")
        ));
    }
    if !run.config.scenarios.iter().any(|s| s.name == "proposed") {
        out.push(
            "the site file has no [scenario.proposed]: the proposed scenario equals the baseline"
                .into(),
        );
    }
    if let Some(note) = grid_note(run) {
        out.push(note);
    }
    if let Some(n) = p.era_from.get("standard") {
        out.push(format!(
            "{n} buildings take their era from their construction standard (CEA's STANDARD1-6 by its year bands, or the site file's standard_map) rather than their year; {} of them an era other than their year's (profile.era_not_year)",
            p.era_not_year.len()
        ));
    }
    if !p.unmatched_standards.is_empty() {
        let listed: Vec<String> = p
            .unmatched_standards
            .iter()
            .map(|(s, n)| format!("{s} ({n})"))
            .collect();
        out.push(format!(
            "construction standards in no table, their era from the year instead: {}; map them with [buildings] standard_map (profile.unmatched_standards)",
            listed.join(", ")
        ));
    }
    out.extend(inherited_climate_note(run));
    match &run.config.climate {
        None => out.push(climate_note(run)),
        Some(c) => out.push(format!(
            "space heat × {:.3}: the site's {} heating degree days over the {} of the preset's climate ([climate] in the site file{})",
            c.space_heat_scale(),
            c.heating_degree_days,
            c.reference_heating_degree_days,
            c.source.as_deref().map(|s| format!(": {s}")).unwrap_or_default()
        )),
    }
    if run.site.stops.is_empty() {
        out.push("no transit stops: the access index is 0 everywhere and car shares are those of the least accessible places".into());
    }
    if !p.no_floor_area.is_empty() {
        out.push(format!(
            "{} no floor-area attribute: kept with no floor area and no emissions (profile.no_floor_area)",
            buildings_do(p.no_floor_area.len(), "point building has", "point buildings have")
        ));
    }
    if !p.rejected_floors.is_empty() {
        out.push(format!(
            "{} a floor count that is not believed (0, negative or above 163): height or the archetype default used instead (profile.rejected_floors)",
            buildings_do(p.rejected_floors.len(), "building has", "buildings have")
        ));
    }
    for (share, what, counts, key) in [
        (
            p.district_in_buildings_extent,
            "buildings",
            "the district's figures count",
            "district_in_buildings_extent",
        ),
        (
            p.district_in_stops_extent,
            "stops",
            "the access index beyond it (and the car shares with it) counts",
            "district_in_stops_extent",
        ),
    ] {
        if let Some(share) = share.filter(|s| *s < crate::site::COVERED_SHARE) {
            out.push(format!(
                "the {what}' extent covers {} of the district's area: if the {what} layer was cut to a smaller area than the district, {counts} only the {what} mapped (profile.{key})",
                crate::site::share_percent(share)
            ));
        }
    }
    default_notes(run, &mut out);
    if p.residents_unplaced > 0.0 {
        out.push(format!(
            "{:.0} residents of the population layer lie in {} cells without mapped housing and are not placed (profile.unplaced_cells)",
            p.residents_unplaced,
            p.unplaced_cells.len()
        ));
    }
    if !p.point_buildings.is_empty() {
        out.push(format!(
            "{} points: no footprint, so no roof for rooftop PV (profile.point_buildings)",
            buildings_do(p.point_buildings.len(), "building is a", "buildings are")
        ));
    }
    if !p.partial_meters.is_empty() {
        out.push(format!(
            "{} some meters read and the others modelled from the archetype (profile.partial_meters)",
            buildings_do(p.partial_meters.len(), "building has", "buildings have")
        ));
    }
    if !p.unmetered.is_empty() {
        out.push(format!(
            "{} no meter reading although the layer maps meters: modelled from the archetype (profile.unmetered)",
            buildings_do(p.unmetered.len(), "building has", "buildings have")
        ));
    }
    if !p.net_export.is_empty() {
        out.push(format!(
            "{} of electricity (negative metered electricity): counted as negative site electricity, so negative emissions, as ENERGY STAR Portfolio Manager does (profile.net_export)",
            buildings_do(p.net_export.len(), "building is a net exporter", "buildings are net exporters")
        ));
    }
    let unmatched: usize = p.unmatched_uses.values().sum();
    if unmatched > 0 {
        out.push(format!(
            "{} use values no table knows, counted as unknown (profile.unmatched_uses; map them with use_map)",
            buildings_do(unmatched, "building carries", "buildings carry")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::r4;

    #[test]
    fn rounding_writes_no_negative_zero() {
        // The sum of no value is −0.0; a tiny negative rounds to −0.0: both are written as 0.
        let empty: f64 = std::iter::empty::<f64>().sum();
        assert!(empty.is_sign_negative());
        assert_eq!(r4(empty).to_bits(), 0.0_f64.to_bits());
        assert_eq!(r4(-0.00004).to_bits(), 0.0_f64.to_bits());
        assert_eq!(r4(1.23456), 1.2346);
        assert_eq!(r4(-2.00005), -2.0001);
    }
}
