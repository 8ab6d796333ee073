//! A reader over a TOML table that records every problem instead of stopping at the first:
//! wrong types, missing keys, and (when the table is finished) keys nobody asked for, with a
//! "did you mean" hint. This is how the whole site file is checked in one pass.

use std::collections::BTreeSet;

use crate::issues::{closest, ConfigIssues};

/// Reads the keys of one TOML table; `path` is the dotted key path of the table ("" at the top).
pub struct TableReader<'a> {
    table: &'a toml::Table,
    path: String,
    used: BTreeSet<&'a str>,
}

impl<'a> TableReader<'a> {
    /// A reader of `table`, whose keys are reported under the dotted `path`.
    pub fn new(table: &'a toml::Table, path: &str) -> Self {
        TableReader {
            table,
            path: path.to_string(),
            used: BTreeSet::new(),
        }
    }

    /// The dotted path of a key in this table.
    pub fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{}", self.path, key)
        }
    }

    /// The raw value of a key, marking it as known.
    pub fn value(&mut self, key: &'static str) -> Option<&'a toml::Value> {
        self.used.insert(key);
        self.table.get(key)
    }

    /// An optional string.
    pub fn string(&mut self, key: &'static str, issues: &mut ConfigIssues) -> Option<String> {
        match self.value(key)? {
            toml::Value::String(s) => Some(s.clone()),
            other => {
                issues.wrong_type(&self.key_path(key), "a string", other);
                None
            }
        }
    }

    /// A string that must be present.
    pub fn required_string(
        &mut self,
        key: &'static str,
        hint: &str,
        issues: &mut ConfigIssues,
    ) -> Option<String> {
        if !self.table.contains_key(key) {
            issues.push(&self.key_path(key), "is missing", Some(hint));
            self.used.insert(key);
            return None;
        }
        self.string(key, issues)
    }

    /// An optional number (integers are accepted as numbers).
    pub fn number(&mut self, key: &'static str, issues: &mut ConfigIssues) -> Option<f64> {
        match self.value(key)? {
            toml::Value::Float(f) => Some(*f),
            toml::Value::Integer(i) => Some(*i as f64),
            other => {
                issues.wrong_type(&self.key_path(key), "a number", other);
                None
            }
        }
    }

    /// An optional sub-table.
    pub fn table(
        &mut self,
        key: &'static str,
        issues: &mut ConfigIssues,
    ) -> Option<&'a toml::Table> {
        match self.value(key)? {
            toml::Value::Table(t) => Some(t),
            other => {
                issues.wrong_type(&self.key_path(key), "a table", other);
                None
            }
        }
    }

    /// An optional table of string → string.
    pub fn string_map(
        &mut self,
        key: &'static str,
        issues: &mut ConfigIssues,
    ) -> Vec<(String, String)> {
        let Some(table) = self.table(key, issues) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in table {
            match v {
                toml::Value::String(s) => out.push((k.clone(), s.clone())),
                other => {
                    issues.wrong_type(&format!("{}.{}", self.key_path(key), k), "a string", other)
                }
            }
        }
        out
    }

    /// A string or an array of strings; absent gives an empty list.
    pub fn string_or_list(&mut self, key: &'static str, issues: &mut ConfigIssues) -> Vec<String> {
        match self.table.get(key) {
            Some(toml::Value::String(s)) => {
                self.used.insert(key);
                vec![s.clone()]
            }
            _ => self.string_list(key, issues).unwrap_or_default(),
        }
    }

    /// An optional array of strings.
    pub fn string_list(
        &mut self,
        key: &'static str,
        issues: &mut ConfigIssues,
    ) -> Option<Vec<String>> {
        match self.value(key)? {
            toml::Value::Array(items) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item {
                        toml::Value::String(s) => out.push(s.clone()),
                        other => issues.wrong_type(
                            &format!("{}[{i}]", self.key_path(key)),
                            "a string",
                            other,
                        ),
                    }
                }
                Some(out)
            }
            other => {
                issues.wrong_type(&self.key_path(key), "a list of strings", other);
                None
            }
        }
    }

    /// Reports every key of the table that no reader asked for, with the closest known key as a hint.
    pub fn finish(self, issues: &mut ConfigIssues) {
        for key in self.table.keys() {
            if self.used.contains(key.as_str()) {
                continue;
            }
            let hint = closest(key, self.used.iter().copied())
                .map(|k| format!("did you mean `{}`?", self.key_path(k)))
                .unwrap_or_else(|| {
                    let known: Vec<&str> = self.used.iter().copied().collect();
                    format!("known keys here: {}", known.join(", "))
                });
            issues.push(&self.key_path(key), "is not a known key", Some(&hint));
        }
    }
}
