//! The stages composed: a checked site configuration → loaded site → profiles → estimates →
//! aggregates (`estimate_site`), then → community → offsets → balance (`run_site`). The preset and the scenarios are checked before any layer is read, so a typo in
//! a factor override fails in milliseconds, not after a long load.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

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
/// The estimate is shared (`Arc`) so that [`run_site_writing`] can write the buildings layer
/// from it on a thread of its own while the offset stage works.
#[derive(Debug, Clone)]
pub struct Ran {
    pub estimated: Arc<Estimated>,
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

/// [`run_site_with`] and every output written into `dir`
/// ([`crate::export::write_run_with`]), with the buildings layer written while the offsets and
/// the balance are worked out: it needs only the estimate and the community, and at a million
/// buildings it is most of the bytes a run writes, so the disk starts on it a stage earlier. Nothing in `dir` is replaced unless the
/// whole run succeeds (the layer waits under its temporary name until the rest is written).
/// The `write` stage reported to `progress` is what remains after the balance.
pub fn run_site_writing(
    config: SiteConfig,
    progress: &mut dyn Progress,
    dir: &Path,
    format: crate::export::Format,
) -> Result<(Ran, Vec<std::path::PathBuf>)> {
    let estimated = Arc::new(estimate_site_with(config, progress)?);
    progress.stage("community");
    let community = delineate_community(&estimated)?;
    let ldir = crate::export::prepare(dir, format)?;
    let buildings = {
        let (estimated, membership, ldir) = (
            Arc::clone(&estimated),
            community.membership.clone(),
            ldir.clone(),
        );
        std::thread::Builder::new()
            .name("cpgis-buildings".into())
            .spawn(move || {
                crate::export::layers::stage_buildings(&ldir, &estimated, Some(&membership))
            })
            .map_err(|e| crate::Error::Tool(format!("cannot start a writing thread: {e}")))?
    };
    let wait = move || crate::export::joined(buildings.join());
    let (plan, balance) = match offsets_and_balance(&estimated, &community, progress) {
        Ok(r) => r,
        Err(e) => {
            // The layer's temporary file is removed when the staged layer is dropped.
            drop(wait());
            return Err(e);
        }
    };
    let ran = Ran {
        estimated,
        community,
        plan,
        balance,
    };
    progress.stage("write");
    let written = crate::export::write_run_with(dir, &ran, format, wait)?;
    Ok((ran, written))
}

/// The community of an estimate, delineated by the site file's method.
fn delineate_community(e: &Estimated) -> Result<Community> {
    delineate(
        &e.site,
        &e.profiles,
        &e.config.community,
        &e.factors,
        &e.config.file,
    )
}

/// The offsets stage and the balance, reported to `progress`.
fn offsets_and_balance(
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
    Ok((plan, balance))
}
