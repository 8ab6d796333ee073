//! The stages composed: a checked site configuration → loaded site → profiles → estimates →
//! aggregates. The preset and the scenarios are checked before any layer is read, so a typo in
//! a factor override fails in milliseconds, not after a long load.

use std::path::Path;

use crate::aggregate::{aggregate, Aggregates};
use crate::config::SiteConfig;
use crate::estimate::{estimate, scenarios, Estimates, Scenario};
use crate::load::{load, Site};
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

/// The preset of a site file with its overrides, checked.
pub fn preset_of(config: &SiteConfig) -> Result<(Preset, Factors)> {
    let base = config.file.parent().unwrap_or(Path::new("."));
    let preset = resolve(&config.preset, base, &config.factors, &config.file)?;
    let factors = Factors::from_preset(&preset)?;
    Ok((preset, factors))
}

/// Runs load → profile → estimate → aggregate.
pub fn estimate_site(config: SiteConfig) -> Result<Estimated> {
    let (preset, factors) = preset_of(&config)?;
    let scenarios = scenarios(&config.scenarios, &config.file)?;
    let site = load(&config)?;
    let profiles = profile(&site, &factors);
    let estimates = estimate(&site, &profiles, &factors, &scenarios);
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
