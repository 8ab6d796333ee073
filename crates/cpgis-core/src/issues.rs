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

/// All problems found in one site file (or preset file).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ConfigIssues {
    /// The file the problems are in.
    pub file: PathBuf,
    /// What the file is, for the message: "site file" unless set.
    #[serde(skip)]
    pub kind: &'static str,
    /// The problems, in the order found.
    pub issues: Vec<ConfigIssue>,
}

impl ConfigIssues {
    /// No problems yet, in `file`.
    pub fn new(file: PathBuf) -> Self {
        ConfigIssues {
            file,
            kind: "site file",
            issues: Vec::new(),
        }
    }

    /// No problems yet, in the preset `file` (a path, or a built-in preset's name).
    pub fn preset(file: PathBuf) -> Self {
        ConfigIssues {
            kind: "preset",
            ..ConfigIssues::new(file)
        }
    }

    /// Adds a problem at `key` with an optional hint.
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

    /// True when no problem was found.
    pub fn is_empty(&self) -> bool {
        self.issues.is_empty()
    }
}

impl fmt::Display for ConfigIssues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.issues.len();
        write!(
            f,
            "{} {} has {n} problem{}:",
            if self.kind.is_empty() {
                "site file"
            } else {
                self.kind
            },
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

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
pub fn closest<'b>(word: &str, candidates: impl Iterator<Item = &'b str>) -> Option<&'b str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .map(|c| (edit_distance(&word.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, c.to_string()))
        .map(|(_, c)| c)
}

/// Levenshtein distance between two strings, by characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("floors", "floor"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn closest_finds_typos_but_not_strangers() {
        let keys = ["floors", "height", "year"];
        assert_eq!(closest("flors", keys.iter().copied()), Some("floors"));
        assert_eq!(closest("colour", keys.iter().copied()), None);
    }
}
