//! Scenarios: `baseline` (business as usual: the preset as it is) and the site file's own
//! scenarios (`proposed`, …), whose on-site measures apply to district buildings only.

use std::path::Path;

use crate::config::{ConfigIssues, ScenarioSpec};
use crate::preset::HeatSource;
use crate::{Error, Result};

/// On-site measures of one scenario. `Measures::default()` changes nothing.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Measures {
    /// Share by which electricity and heat demand fall (efficiency), 0..1.
    pub eui_reduction: f64,
    /// Heat source replacing the existing heating, if any.
    pub heat: Option<HeatSource>,
    /// Share of the usable roof area covered with PV, 0..1.
    pub rooftop_pv: f64,
    /// Car share of residents' trips, at most; the trips moved go to walking, cycling and transit.
    pub car_share: Option<f64>,
    /// Share of waste recycled or composted, at least.
    pub waste_diversion: Option<f64>,
    /// Share by which heat demand falls on top of `eui_reduction` (deep retrofit; set by the
    /// offset interventions, not by site files).
    pub heat_reduction: f64,
}

/// A named scenario.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Scenario {
    pub name: String,
    pub measures: Measures,
}

impl Scenario {
    pub fn baseline() -> Scenario {
        Scenario {
            name: "baseline".into(),
            measures: Measures::default(),
        }
    }
}

/// `baseline` first, then the site file's scenarios in file order; `proposed` is always there
/// (without measures when the site file gives none, which the summary says).
pub fn scenarios(specs: &[ScenarioSpec], site_file: &Path) -> Result<Vec<Scenario>> {
    let mut issues = ConfigIssues::new(site_file.to_path_buf());
    let mut out = vec![Scenario::baseline()];
    for spec in specs {
        if spec.name == "baseline" {
            issues.push(
                "scenario.baseline",
                "is business as usual and takes no measures",
                Some("name the scenario with measures `proposed`"),
            );
            continue;
        }
        let mut m = Measures::default();
        for (k, v) in &spec.numbers {
            match k.as_str() {
                "eui_reduction" => m.eui_reduction = *v,
                "rooftop_pv" => m.rooftop_pv = *v,
                "car_share" => m.car_share = Some(*v),
                "waste_diversion" => m.waste_diversion = Some(*v),
                _ => {}
            }
        }
        for (k, v) in &spec.choices {
            if k == "heat" {
                match HeatSource::from_key(v) {
                    Some(h) => m.heat = Some(h),
                    None => issues.push(
                        &format!("scenario.{}.heat", spec.name),
                        &format!("`{v}` is not a heat source"),
                        Some(&format!("use one of {}", HeatSource::names())),
                    ),
                }
            }
        }
        out.push(Scenario {
            name: spec.name.clone(),
            measures: m,
        });
    }
    if !issues.is_empty() {
        return Err(Error::Config(issues));
    }
    if !out.iter().any(|s| s.name == "proposed") {
        out.push(Scenario {
            name: "proposed".into(),
            measures: Measures::default(),
        });
    }
    Ok(out)
}
