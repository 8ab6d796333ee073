//! The run result and the stages composed on in-memory data: checked configuration → (a loaded
//! [`Site`]) → profiles → estimates → aggregates ([`estimate`]), then → community → offsets →
//! balance ([`finish`]). Loading the site from files is `cpgis-io`'s; writing the outputs is
//! the command line's. The preset and the scenarios are checked ([`check`]) before any layer is
//! read, so a typo in a factor override fails in milliseconds, not after a long load.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use geo::BoundingRect;

use crate::aggregate::{aggregate, Aggregates};
use crate::balance::{balance, target_t, Balance};
use crate::community::{delineate, Community, Membership};
use crate::config::SiteConfig;
use crate::estimate::{estimate as estimate_stage, scenarios, Estimates, Scenarios};
use crate::files::Files;
use crate::offsets::{abatement_t, opportunities, plan, OffsetContext, OffsetPlan};
use crate::preset::{resolve, Factors, Preset};
use crate::profile::{profile, Profiles};
use crate::site::{Shape, Site};
use crate::{Error, Result};

/// Everything an estimate produced, stage by stage.
#[derive(Debug, Clone)]
pub struct Estimated {
    /// The checked site file.
    pub config: SiteConfig,
    /// The resolved preset, every value with unit and source.
    pub preset: Preset,
    /// The preset's values, checked and typed.
    pub factors: Factors,
    /// The baseline and the site file's scenarios.
    pub scenarios: Scenarios,
    /// The loaded site.
    pub site: Site,
    /// Per building: uses, floor area, residents, jobs, access.
    pub profiles: Profiles,
    /// Per building, scenario and sector: t CO2e per year and activity.
    pub estimates: Estimates,
    /// Cells, neighbourhoods and district / rest / all totals.
    pub aggregates: Aggregates,
    /// What the outputs count over every building.
    pub census: crate::census::Census,
    /// The metered buildings against the archetypes, by main use.
    pub calibration: crate::estimate::calibration::Calibration,
    /// The community's outline, when worked out already (by a distributed run's model check,
    /// from the same boundaries and stops): the community stage places the buildings in it
    /// instead of delineating it again.
    pub outline: Option<crate::community::Outline>,
    /// What the buildings beyond the community would offer with the enabled building
    /// interventions, t CO2e per year, when the tiles of a distributed run worked it out (summed
    /// exactly, so the bits of [`abatement_t`]'s); `None`: the offsets stage works it out.
    pub outside_offer_t: Option<f64>,
    /// Which buildings outside the district the neighbourhoods' ranges walk, when a distributed
    /// run's driver worked it out from the tiles' results; `None`: the uncertainty stage works it
    /// out from the profiles.
    pub sample_plan: Option<crate::uncertainty::SamplePlan>,
    /// The buildings a distributed run's tiles placed in the district, the community and
    /// outside (`Membership::ALL`'s order); `None`: the community stage counts its own.
    pub memberships: Option<[usize; 3]>,
    /// The site index of each building held (`site.buildings`, `profiles`, `estimates` hold
    /// these alone, in this order), when a distributed run's driver holds only the district's,
    /// the community's and the buildings the uncertainty walks; `None`: every building is held.
    /// What the outputs say of every building then comes from what was gathered (census, notes,
    /// sums, counts), and the buildings layer is the tiles'.
    pub held: Option<Vec<usize>>,
}

/// Everything a full run produced: the estimate, then the community, the offset plan, the
/// balance. The estimate is shared (`Arc`) so that a caller can write the buildings layer from
/// it on a thread of its own while the offsets stage works.
#[derive(Debug, Clone)]
pub struct Ran {
    /// The estimate the rest was worked out from.
    pub estimated: Arc<Estimated>,
    /// The neighbouring community and each building's membership.
    pub community: Community,
    /// Opportunities, ranked cells and the selected offset zones.
    pub plan: OffsetPlan,
    /// The Climate Positive ledger.
    pub balance: Balance,
}

/// Told when each stage starts, so a terminal can show progress; the library itself prints
/// nothing.
pub trait Progress {
    /// A stage begins (the previous one, if any, has ended).
    fn stage(&mut self, name: &'static str);
    /// The last stage has ended.
    fn done(&mut self) {}
}

/// Progress that shows nothing.
pub struct Silent;

impl Progress for Silent {
    fn stage(&mut self, _name: &'static str) {}
}

/// What is checked before any layer is read: the preset with the site file's overrides, and
/// the scenarios.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The resolved preset.
    pub preset: Preset,
    /// Its values, typed.
    pub factors: Factors,
    /// The baseline and the site file's scenarios.
    pub scenarios: Scenarios,
}

/// The preset of a site file with its overrides, checked; a user preset file is read through
/// `files`.
pub fn preset_of(config: &SiteConfig, files: &dyn Files) -> Result<(Preset, Factors)> {
    let base = config.file.parent().unwrap_or(Path::new("."));
    let mut preset = resolve(&config.preset, base, &config.factors, &config.file, files)?;
    if let Some(code) = &config.grid_region {
        crate::preset::regions::apply(&mut preset, code, &config.file)?;
    }
    if let (None, Some(code)) = (&config.climate, &config.climate_country) {
        use crate::preset::degree_days;
        let named =
            config.climate_country_picked.as_deref() == Some(crate::config::CLIMATE_COUNTRY_NAMED);
        if named && degree_days::of_country(code).is_none() {
            let mut issues = crate::issues::ConfigIssues::new(config.file.clone());
            // No "did you mean": two-letter codes an edit apart are other countries (CH, CY).
            issues.push(
                "climate.country",
                &format!("`{code}` has no heating degree days compiled in"),
                Some(&format!(
                    "countries with degree days compiled in (Eurostat's table, the EU and Norway), by ISO code: {}; for another place give heating_degree_days and reference_heating_degree_days instead",
                    degree_days::countries().join(", ")
                )),
            );
            return Err(crate::Error::Config(issues));
        }
        if named && preset.get(degree_days::REFERENCE_KEY).is_none() {
            let mut issues = crate::issues::ConfigIssues::new(config.file.clone());
            issues.push(
                "climate.country",
                &format!(
                    "the {} preset does not say which climate its heat intensities describe ({}), so a country's degree days have nothing to be compared with",
                    preset.name,
                    degree_days::REFERENCE_KEY
                ),
                Some("give heating_degree_days and reference_heating_degree_days instead, in one definition"),
            );
            return Err(crate::Error::Config(issues));
        }
        let name =
            crate::preset::regions::find(&preset.chain, code).map_or(code.as_str(), |r| r.name);
        degree_days::apply(&mut preset, code, name);
    }
    let factors = factors_of(&preset, config.climate.as_ref())?;
    Ok((preset, factors))
}

/// A resolved preset's typed factors at the site's climate (space heat scaled by its degree
/// days, when the site file gives them).
pub fn factors_of(
    preset: &Preset,
    climate: Option<&crate::config::ClimateSpec>,
) -> Result<Factors> {
    let mut factors = Factors::from_preset(preset)?;
    if let Some(c) = climate {
        factors.space_heat_scale = c.space_heat_scale();
    }
    Ok(factors)
}

/// Checks the preset and the scenarios of a site file.
pub fn check(config: &SiteConfig, files: &dyn Files) -> Result<Checked> {
    let (preset, factors) = preset_of(config, files)?;
    uncertain_keys(config, &preset)?;
    let scenarios = scenarios(&config.scenarios);
    Ok(Checked {
        preset,
        factors,
        scenarios,
    })
}

/// Refuses `[uncertainty]` keys the preset does not hold (a drawn value or a range would
/// otherwise be left out without a word), with the closest key.
fn uncertain_keys(config: &SiteConfig, preset: &Preset) -> Result<()> {
    let u = &config.uncertainty;
    let mut issues = crate::issues::ConfigIssues::new(config.file.clone());
    let named = u
        .factors
        .iter()
        .flatten()
        .map(|k| (k.as_str(), "uncertainty.factors".to_string()))
        .chain(
            u.ranges
                .iter()
                .map(|r| (r.key.as_str(), format!("uncertainty.ranges.{}", r.key))),
        );
    for (key, at) in named {
        if preset.get(key).is_none() {
            let hint = crate::issues::closest(key, preset.values.keys().map(String::as_str))
                .map(|k| format!("did you mean `{k}`?"))
                .unwrap_or_else(|| "`cpgis presets show NAME` lists the keys".into());
            issues.push(
                &at,
                &format!("`{key}` is not a value of the {} preset", preset.name),
                Some(&hint),
            );
        }
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(Error::Config(issues))
    }
}

/// Runs profile → estimate → aggregate on a loaded site.
pub fn estimate(
    config: SiteConfig,
    checked: Checked,
    site: Site,
    progress: &mut dyn Progress,
) -> Result<Estimated> {
    progress.stage("profile");
    let profiles = profile(&site, &checked.factors);
    no_building_in_district(&config, &site, &profiles)?;
    progress.stage("estimate");
    let estimates = estimate_stage(&site, &profiles, &checked.factors, &checked.scenarios);
    aggregated(
        config,
        checked,
        site,
        profiles,
        estimates,
        Elsewhere::default(),
        progress,
    )
}

/// What a distributed run worked out elsewhere, taken instead of worked out again.
#[derive(Default)]
struct Elsewhere {
    /// The sums of every level.
    sums: Option<Tables>,
    /// The census, the calibration and each level's buildings, gathered as the results were
    /// read.
    counted: Option<(
        crate::census::Census,
        crate::estimate::calibration::Calibration,
        crate::aggregate::Counts,
    )>,
}

/// The estimate's last stage, aggregate (from the sums added elsewhere, when given: refused
/// unless they count these buildings), and the whole of it.
fn aggregated(
    config: SiteConfig,
    checked: Checked,
    site: Site,
    profiles: Profiles,
    estimates: Estimates,
    Elsewhere { sums, counted }: Elsewhere,
    progress: &mut dyn Progress,
) -> Result<Estimated> {
    progress.stage("aggregate");
    let aggregates = match (sums, &counted) {
        (None, _) => aggregate(&site, &profiles, &estimates, &config.grid),
        (Some(Tables { sums, file }), Some((_, _, counts))) => {
            crate::aggregate::from_sums(&site, &profiles, &config.grid, sums, counts)
                .map_err(|problem| Error::Layer { file, problem })?
        }
        (Some(_), None) => {
            return Err(Error::Tool(
                "sums of every level without the buildings counted at each".into(),
            ))
        }
    };
    let (census, calibration) = counted.map(|(c, k, _)| (c, k)).unwrap_or_else(|| {
        let mut calibration = crate::estimate::calibration::Calibration::default();
        for (p, e) in profiles.buildings.iter().zip(&estimates.buildings) {
            calibration.add(p, e, &checked.factors);
        }
        let census = crate::census::Census::of(
            site.buildings
                .iter()
                .zip(&profiles.buildings)
                .zip(&estimates.buildings)
                .map(|((b, p), e)| (b, p, e)),
        );
        (census, calibration)
    });
    let mut profiles = profiles;
    profiles.notes.district_in_buildings_extent = census
        .extent
        .and_then(|r| crate::site::share_in(&site.district.area, r))
        .map(|s| (s * 1e4).round() / 1e4);
    let Checked {
        preset,
        factors,
        scenarios,
    } = checked;
    Ok(Estimated {
        config,
        preset,
        factors,
        scenarios,
        site,
        profiles,
        estimates,
        aggregates,
        census,
        calibration,
        outline: None,
        outside_offer_t: None,
        sample_plan: None,
        memberships: None,
        held: None,
    })
}

/// What a distributed run's driver gathers over every building as it reads the tiles' results
/// (in any order: counts add, extents join, sums are exact), so that the outputs count what
/// `cpgis run` counts.
#[derive(Debug, Clone)]
pub struct Gathered {
    /// The outputs' counts.
    pub census: crate::census::Census,
    /// The metered buildings against the archetypes.
    pub calibration: crate::estimate::calibration::Calibration,
    /// The tiles' parts of the profile notes, merged.
    pub notes: crate::profile::NotePart,
    /// The residents that found no home and their population cells' ids.
    pub unplaced: (f64, Vec<String>),
    /// What the buildings beyond the community would offer with the enabled building
    /// interventions, t CO2e per year ([`Estimated::outside_offer_t`]).
    pub outside_offer_t: f64,
    /// The buildings of each grid cell, neighbourhood and level, as the tiles placed them.
    pub counts: crate::aggregate::Counts,
    /// The sums of every level, when gathered (not taken from an engine's tables).
    pub sums: Option<crate::aggregate::Sums>,
    /// Which buildings outside the district the neighbourhoods' ranges walk.
    pub sample_plan: crate::uncertainty::SamplePlan,
    /// The buildings the tiles placed in the district, the community and outside, in
    /// `Membership::ALL`'s order.
    pub memberships: [usize; 3],
}

/// Sums added elsewhere (a distributed run's tables) and where they were read from.
#[derive(Debug, Clone)]
pub struct Tables {
    /// Every level's sums.
    pub sums: crate::aggregate::Sums,
    /// The tables' file or folder, named when they do not count the buildings.
    pub file: std::path::PathBuf,
}

/// [`estimate`] with each building's profile and estimate worked out elsewhere (by the tiles of
/// a distributed run, with the same core functions), in `site.buildings` order, with the notes'
/// parts they tallied: the notes and the access model are gathered here, then aggregate,
/// exactly as [`estimate`] does, or taken from
/// the engine's `sums` when given (checked to count these buildings at every level). The tiles'
/// sum of what the buildings beyond the community offer, when given, is taken by the offsets
/// stage ([`Estimated::outside_offer_t`]).
pub fn estimate_from(
    config: SiteConfig,
    checked: Checked,
    site: Site,
    buildings: Vec<(crate::profile::Profile, crate::estimate::BuildingEstimate)>,
    gathered: Gathered,
    sums: Option<Tables>,
    progress: &mut dyn Progress,
) -> Result<Estimated> {
    if buildings.len() != site.buildings.len() {
        return Err(crate::Error::Tool(format!(
            "{} buildings' results for a site of {} buildings",
            buildings.len(),
            site.buildings.len()
        )));
    }
    progress.stage("profile notes");
    let Gathered {
        census,
        calibration,
        notes,
        unplaced,
        outside_offer_t,
        counts,
        sums: summed,
        sample_plan,
        memberships,
    } = gathered;
    // The engine's sums, or those gathered from the results (which count what they sum).
    let sums = match (sums, summed) {
        (Some(t), _) => t,
        (None, Some(sums)) => Tables {
            sums,
            file: "the tiles' results".into(),
        },
        (None, None) => {
            return Err(Error::Tool(
                "neither the engine's sums nor the results' were gathered".into(),
            ))
        }
    };
    let (profiles, estimates): (Vec<_>, Vec<_>) = buildings.into_iter().unzip();
    let notes = crate::profile::notes_of(&site, notes, unplaced, &profiles, census.buildings.map)
        .map_err(Error::Tool)?;
    let profiles = Profiles {
        buildings: profiles,
        notes,
        access: Arc::new(crate::profile::access_model(&site, &checked.factors)),
    };
    no_building_in_district(&config, &site, &profiles)?;
    let estimates = crate::estimate::assemble(&checked.scenarios, estimates);
    let elsewhere = Elsewhere {
        sums: Some(sums),
        counted: Some((census, calibration, counts)),
    };
    let mut e = aggregated(
        config, checked, site, profiles, estimates, elsewhere, progress,
    )?;
    e.outside_offer_t = Some(outside_offer_t);
    e.sample_plan = Some(sample_plan);
    e.memberships = Some(memberships);
    Ok(e)
}

/// Runs community → offsets → balance on an estimate.
pub fn finish(estimated: Estimated, progress: &mut dyn Progress) -> Result<Ran> {
    progress.stage("community");
    let community = delineate_community(&estimated)?;
    let (plan, balance) = offsets_and_balance(&estimated, &community, progress)?;
    Ok(Ran {
        estimated: Arc::new(estimated),
        community,
        plan,
        balance,
    })
}

/// The community of an estimate, delineated by the site file's method.
pub fn delineate_community(e: &Estimated) -> Result<Community> {
    if let Some(outline) = &e.outline {
        let mut c = Community::placed(
            &e.config.community,
            outline.clone(),
            e.census.extent,
            &e.profiles,
        );
        if let Some(tiles) = e.memberships {
            // The tiles placed the buildings with the same function in the same area: a
            // disagreement is a fault, never averaged away.
            if c.membership.len() == e.census.buildings.map && c.counts != tiles {
                return Err(Error::Tool(format!(
                    "the tiles placed {tiles:?} buildings in the district, the community and outside, the driver {:?}",
                    c.counts
                )));
            }
            c.counts = tiles;
        }
        return Ok(c);
    }
    delineate(
        &e.site,
        &e.profiles,
        &e.config.community,
        &e.factors,
        &e.config.file,
        e.census.extent,
    )
}

/// The offsets stage and the balance, reported to `progress`.
pub fn offsets_and_balance(
    e: &Estimated,
    community: &Community,
    progress: &mut dyn Progress,
) -> Result<(OffsetPlan, Balance)> {
    progress.stage("offsets");
    let ctx = OffsetContext::new(&e.site, &e.profiles, &e.factors, community, &e.aggregates);
    let enabled = &e.config.offsets.interventions;
    let found = opportunities(&ctx, enabled, Membership::Community);
    // For the levers: what the disabled interventions and the buildings beyond the community
    // offer (only their abatement counts).
    let mut disabled = BTreeMap::new();
    for i in crate::kinds::Intervention::ALL {
        if !enabled.contains(i) {
            let t = abatement_t(&ctx, &[*i], Membership::Community);
            disabled.insert(i.key().to_string(), t);
        }
    }
    let outside_t = e
        .outside_offer_t
        .unwrap_or_else(|| abatement_t(&ctx, enabled, Membership::Outside));
    let district = &e.aggregates.district;
    let target = target_t(district, e.estimates.proposed, &e.config.offsets);
    let plan = plan(&ctx, found, target, e.config.offsets.rank);
    progress.stage("balance");
    let mut balance = balance(
        &e.estimates,
        district,
        &plan,
        &e.config.offsets,
        (outside_t, &disabled),
    );
    if let Some(share) = community
        .in_buildings_extent
        .filter(|s| balance.shortfall_t > 0.0 && *s < crate::site::COVERED_SHARE)
    {
        // Said beside the community's offer it qualifies.
        let at = balance.levers.len().min(1);
        balance.levers.insert(
            at,
            format!(
                "map the whole community: the buildings' extent covers {} of its area, so its offer counts only the buildings mapped",
                crate::site::share_percent(share)
            ),
        );
    }
    balance.break_even =
        crate::breakeven::break_even(&ctx, &e.estimates, enabled, &plan, balance.net_t);
    balance.uncertainty = crate::uncertainty::monte_carlo(
        &ctx,
        &e.preset,
        &e.estimates,
        enabled,
        &plan,
        &e.config.uncertainty,
        e.sample_plan.as_ref(),
    );
    Ok((plan, balance))
}

/// A district with no building in it has nothing to assess: most often the layers do not cover
/// the same place (a wrong CRS, a wrong file), so say where each one is.
fn no_building_in_district(config: &SiteConfig, site: &Site, profiles: &Profiles) -> Result<()> {
    if profiles.buildings.iter().any(|p| p.in_district) {
        return Ok(());
    }
    let d = site.district.area.bounding_rect();
    let b = crate::site::extent(site.buildings.iter().filter_map(|b| match &b.shape {
        Shape::Area(mp) => Some(mp),
        Shape::Point(_) => None,
    }));
    let show = |r: Option<geo::Rect<f64>>| {
        r.map(|r| {
            format!(
                "x {:.0}..{:.0}, y {:.0}..{:.0}",
                r.min().x,
                r.max().x,
                r.min().y,
                r.max().y
            )
        })
        .unwrap_or_else(|| "none".into())
    };
    Err(Error::Data {
        file: config.district.source.path.clone(),
        // The district's layer as loaded (it had been the district's name: "layer 'Badesee'"
        // for a lake called so in an OpenStreetMap extract's multipolygons).
        layer: site
            .quality
            .iter()
            .find(|q| q.role == "district")
            .map_or_else(|| site.district.name.clone(), |q| q.layer.clone()),
        feature: None,
        problem: format!(
            "no building lies in the district ({} buildings loaded): district extent {}, buildings extent {} (EPSG:{}); check that the layers cover the same place and that each layer's CRS is right",
            site.buildings.len(),
            show(d),
            show(b),
            site.crs.epsg
        ),
    })
}
