//! Scenarios: `baseline` (business as usual: the preset as it is) and the site file's own
//! scenarios (`proposed`, …), whose on-site measures apply to district buildings only.

pub use crate::config::Measures;
use crate::config::ScenarioSpec;

/// A named scenario.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Scenario {
    /// `baseline`, `proposed`, or another name from the site file.
    pub name: String,
    /// Its on-site measures.
    pub measures: Measures,
}

impl Scenario {
    /// Business as usual: no measures.
    pub fn baseline() -> Scenario {
        Scenario {
            name: "baseline".into(),
            measures: Measures::default(),
        }
    }
}

/// The scenarios of a run: `baseline` first, then the site file's in file order, `proposed`
/// always among them (without measures when the site file gives none, which the summary says).
/// The site file's checks refuse a scenario named `baseline`.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenarios {
    list: Vec<Scenario>,
    proposed: usize,
}

impl Scenarios {
    /// The index of `proposed`.
    pub fn proposed(&self) -> usize {
        self.proposed
    }
}

impl std::ops::Deref for Scenarios {
    type Target = [Scenario];
    fn deref(&self) -> &[Scenario] {
        &self.list
    }
}

/// The run's scenarios from the site file's.
pub fn scenarios(specs: &[ScenarioSpec]) -> Scenarios {
    let mut list = vec![Scenario::baseline()];
    list.extend(specs.iter().map(|spec| Scenario {
        name: spec.name.clone(),
        measures: spec.measures.clone(),
    }));
    let proposed = match list.iter().position(|s| s.name == "proposed") {
        Some(i) => i,
        None => {
            list.push(Scenario {
                name: "proposed".into(),
                measures: Measures::default(),
            });
            list.len() - 1
        }
    };
    Scenarios { list, proposed }
}
