//! The list of problems found in a site file, reported together.

use std::fmt;
use std::path::PathBuf;

/// One problem at one key of the site file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ConfigIssue {
    /// Dotted key path, e.g. `buildings.floors`.
    pub key: String,
    /// What is wrong.
    pub problem: String,
    /// What to do about it.
    pub hint: Option<String>,
}

/// All problems found in one site file.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ConfigIssues {
    pub file: PathBuf,
    pub issues: Vec<ConfigIssue>,
}

impl ConfigIssues {
    pub fn new(file: PathBuf) -> Self {
        ConfigIssues {
            file,
            issues: Vec::new(),
        }
    }

    pub fn push(&mut self, key: &str, problem: &str, hint: Option<&str>) {
        self.issues.push(ConfigIssue {
            key: key.to_string(),
            problem: problem.to_string(),
            hint: hint.map(str::to_string),
        });
    }

    /// Records a value of the wrong TOML type.
    pub fn wrong_type(&mut self, key: &str, expected: &str, found: &toml::Value) {
        let problem = format!("expected {expected}, found {} `{found}`", found.type_str());
        self.push(key, &problem, None);
    }

    pub fn is_empty(&self) -> bool {
        self.issues.is_empty()
    }
}

impl fmt::Display for ConfigIssues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.issues.len();
        write!(
            f,
            "site file {} has {n} problem{}:",
            self.file.display(),
            if n == 1 { "" } else { "s" }
        )?;
        for issue in &self.issues {
            write!(f, "\n  - {}: {}", issue.key, issue.problem)?;
            if let Some(hint) = &issue.hint {
                write!(f, " ({hint})")?;
            }
        }
        Ok(())
    }
}
