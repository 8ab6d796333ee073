//! The stages composed: a checked site configuration → loaded site → profiles → estimates →
//! aggregates (`estimate_site`), then → community → offsets → balance (`run_site`). The preset and the scenarios are checked before any layer is read, so a typo in
//! a factor override fails in milliseconds, not after a long load.

use std::collections::BTreeMap;
use std::path::Path;

use crate::aggregate::{aggregate, Aggregates};
use crate::balance::{balance, target_t, Balance};
use crate::community::{delineate, Community, Membership};
use crate::config::SiteConfig;
use crate::estimate::{estimate, scenarios, Estimates, Scenario};
use crate::load::{load, Site};
use crate::offsets::{
    abatement_t, opportunities, plan, OffsetContext, OffsetPlan, RankBy, INTERVENTIONS,
};
use crate::preset::{resolve, Factors, Preset};
use crate::profile::{profile, Profiles};
use crate::Result;

/// Everything an `estimate` run produced, stage by stage.
#[derive(Debug, Clone)]
pub struct Estimated {
    pub config: SiteConfig,
    pub preset: Preset,
    pub factors: Factors,
    pub scenarios: Vec<Scenario>,
    pub site: Site,
    pub profiles: Profiles,
    pub estimates: Estimates,
    pub aggregates: Aggregates,
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

/// The preset of a site file with its overrides, checked.
pub fn preset_of(config: &SiteConfig) -> Result<(Preset, Factors)> {
    let base = config.file.parent().unwrap_or(Path::new("."));
    let preset = resolve(&config.preset, base, &config.factors, &config.file)?;
    let factors = Factors::from_preset(&preset)?;
    Ok((preset, factors))
}

/// A district with no building in it has nothing to assess: most often the layers do not cover
/// the same place (a wrong CRS, a wrong file), so say where each one is.
fn no_building_in_district(config: &SiteConfig, site: &Site, profiles: &Profiles) -> Result<()> {
    if profiles.buildings.iter().any(|p| p.in_district) {
        return Ok(());
    }
    use geo::BoundingRect;
    let d = site.district.area.bounding_rect();
    let b = crate::report::svg::extent(site.buildings.iter().filter_map(|b| match &b.shape {
        crate::validate::Shape::Area(mp) => Some(mp),
        crate::validate::Shape::Point(_) => None,
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
    Err(crate::Error::Data {
        file: config.district.source.path.clone(),
        layer: site.district.name.clone(),
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

/// Runs load → profile → estimate → aggregate.
pub fn estimate_site(config: SiteConfig) -> Result<Estimated> {
    estimate_site_with(config, &mut Silent)
}

/// [`estimate_site`], reporting each stage to `progress`.
pub fn estimate_site_with(config: SiteConfig, progress: &mut dyn Progress) -> Result<Estimated> {
    progress.stage("check preset");
    let (preset, factors) = preset_of(&config)?;
    let scenarios = scenarios(&config.scenarios, &config.file)?;
    progress.stage("load");
    let site = load(&config)?;
    progress.stage("profile");
    let profiles = profile(&site, &factors);
    no_building_in_district(&config, &site, &profiles)?;
    progress.stage("estimate");
    let estimates = estimate(&site, &profiles, &factors, &scenarios);
    progress.stage("aggregate");
    let aggregates = aggregate(&site, &profiles, &estimates, &config.grid);
    Ok(Estimated {
        config,
        preset,
        factors,
        scenarios,
        site,
        profiles,
        estimates,
        aggregates,
    })
}

/// Everything a `run` produced: the estimate, then the community, the offset plan, the balance.
#[derive(Debug, Clone)]
pub struct Ran {
    pub estimated: Estimated,
    pub community: Community,
    pub plan: OffsetPlan,
    pub balance: Balance,
}

/// Runs the whole pipeline: load → profile → estimate → aggregate → community → offsets → balance.
pub fn run_site(config: SiteConfig) -> Result<Ran> {
    run_site_with(config, &mut Silent)
}

/// [`run_site`], reporting each stage to `progress`.
pub fn run_site_with(config: SiteConfig, progress: &mut dyn Progress) -> Result<Ran> {
    let estimated = estimate_site_with(config, progress)?;
    let e = &estimated;
    progress.stage("community");
    let community = delineate(
        &e.site,
        &e.profiles,
        &e.config.community,
        &e.factors,
        &e.config.file,
    )?;
    progress.stage("offsets");
    let ctx = OffsetContext::new(&e.site, &e.profiles, &e.factors, &community, &e.aggregates);
    let enabled = &e.config.offsets.interventions;
    let found = opportunities(&ctx, enabled, Membership::Community);
    // For the levers: what the disabled interventions and the buildings beyond the community
    // offer (only their abatement counts).
    let mut disabled = BTreeMap::new();
    for i in INTERVENTIONS {
        if !enabled.iter().any(|k| k == i.key()) {
            let only = [i.key().to_string()];
            let t = abatement_t(&ctx, &only, Membership::Community);
            disabled.insert(i.key().to_string(), t);
        }
    }
    let outside_t = abatement_t(&ctx, enabled, Membership::Outside);
    let rank_by = if e.config.offsets.rank == "area" {
        RankBy::Area
    } else {
        RankBy::Cost
    };
    let plan = plan(&ctx, found, target_t(e), rank_by);
    progress.stage("balance");
    let balance = balance(e, &plan, outside_t, &disabled);
    drop(ctx);
    Ok(Ran {
        estimated,
        community,
        plan,
        balance,
    })
}
