//! One preset file: a `[preset]` table (name, version, description, optional `extends`) and
//! nested tables whose leaves are `{ value, unit, source }`.

use std::path::Path;

use crate::issues::ConfigIssues;
use crate::{Error, Result};

/// A value as written in a preset file.
#[derive(Debug, Clone, PartialEq)]
pub struct RawFactor {
    pub value: f64,
    pub unit: String,
    pub source: String,
    /// `low`, `high` and `range_source`, when the preset gives the value a range.
    pub range: Option<(f64, f64, String)>,
}

/// A parsed preset file, before its `extends` chain is followed.
#[derive(Debug, Clone)]
pub struct PresetFile {
    pub name: String,
    pub version: String,
    pub description: String,
    pub extends: Option<String>,
    /// Currency of the `currency/…` costs, e.g. `EUR`.
    pub currency: Option<String>,
    /// Values by dotted key, in file order.
    pub values: Vec<(String, RawFactor)>,
}

pub fn parse(text: &str, file: &Path) -> Result<PresetFile> {
    let mut issues = ConfigIssues::preset(file.to_path_buf());
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let mut issues = ConfigIssues::preset(file.to_path_buf());
        issues.push(
            "(syntax)",
            &format!("TOML syntax error: {}", e.message()),
            None,
        );
        Error::Config(issues)
    })?;
    let mut out = PresetFile {
        name: String::new(),
        version: String::new(),
        description: String::new(),
        extends: None,
        currency: None,
        values: Vec::new(),
    };
    match table.get("preset") {
        Some(toml::Value::Table(meta)) => {
            for (k, v) in meta {
                let key = format!("preset.{k}");
                let Some(s) = v.as_str() else {
                    issues.wrong_type(&key, "a string", v);
                    continue;
                };
                match k.as_str() {
                    "name" => out.name = s.to_string(),
                    "version" => out.version = s.to_string(),
                    "description" => out.description = s.to_string(),
                    "extends" => out.extends = Some(s.to_string()),
                    "currency" => out.currency = Some(s.to_string()),
                    _ => issues.push(
                        &key,
                        "is not a known key",
                        Some("known: name, version, description, extends, currency"),
                    ),
                }
            }
            if out.name.is_empty() {
                issues.push("preset.name", "is missing", Some("every preset has a name"));
            }
            if out.version.is_empty() {
                issues.push(
                    "preset.version",
                    "is missing",
                    Some("e.g. version = \"2026.11\""),
                );
            }
        }
        _ => issues.push(
            "preset",
            "is missing",
            Some("a preset file starts with [preset] name = \"…\", version = \"…\""),
        ),
    }
    for (k, v) in &table {
        if k != "preset" {
            walk(k, v, &mut out.values, &mut issues);
        }
    }
    if issues.is_empty() {
        Ok(out)
    } else {
        Err(Error::Config(issues))
    }
}

/// Collects the leaves under `key`; a leaf is a table with a `value`.
fn walk(key: &str, v: &toml::Value, out: &mut Vec<(String, RawFactor)>, issues: &mut ConfigIssues) {
    let toml::Value::Table(t) = v else {
        issues.wrong_type(
            key,
            "{ value = …, unit = \"…\", source = \"…\" } or a table of them",
            v,
        );
        return;
    };
    if !t.contains_key("value") {
        for (k, child) in t {
            walk(&format!("{key}.{k}"), child, out, issues);
        }
        return;
    }
    if let Some(f) = leaf(key, t, issues) {
        out.push((key.to_string(), f));
    }
}

fn leaf(key: &str, t: &toml::Table, issues: &mut ConfigIssues) -> Option<RawFactor> {
    let mut ok = true;
    for k in t.keys() {
        if !matches!(
            k.as_str(),
            "value" | "unit" | "source" | "low" | "high" | "range_source"
        ) {
            issues.push(
                &format!("{key}.{k}"),
                "is not a known key",
                Some(
                    "a value has value, unit and source (and may have low, high and range_source)",
                ),
            );
            ok = false;
        }
    }
    let value = match t.get("value") {
        Some(toml::Value::Float(f)) => Some(*f),
        Some(toml::Value::Integer(i)) => Some(*i as f64),
        Some(other) => {
            issues.wrong_type(&format!("{key}.value"), "a number", other);
            None
        }
        None => None,
    };
    let text = |field: &str, issues: &mut ConfigIssues| match t.get(field) {
        Some(toml::Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(toml::Value::String(_)) | None => {
            let hint = if field == "source" {
                "name the publication and year, or write \"assumption\""
            } else {
                "e.g. unit = \"kg CO2e/kWh\""
            };
            issues.push(&format!("{key}.{field}"), "is missing", Some(hint));
            None
        }
        Some(other) => {
            issues.wrong_type(&format!("{key}.{field}"), "a string", other);
            None
        }
    };
    let unit = text("unit", issues);
    let source = text("source", issues);
    let value = value?;
    if !value.is_finite() || value < 0.0 {
        issues.push(
            &format!("{key}.value"),
            &format!("must be a finite number of zero or more, found {value}"),
            None,
        );
        return None;
    }
    if !ok {
        return None;
    }
    let number = |k: &str| {
        t.get(k)
            .and_then(|v| v.as_float().or(v.as_integer().map(|i| i as f64)))
    };
    let range = match (
        number("low"),
        number("high"),
        t.get("range_source").and_then(|v| v.as_str()),
    ) {
        (None, None, None) => None,
        (Some(l), Some(h), Some(why)) if l <= value && value <= h => Some((l, h, why.to_string())),
        _ => {
            issues.push(
                key,
                "has an incomplete range",
                Some("give low ≤ value ≤ high and range_source (where the spread comes from)"),
            );
            return None;
        }
    };
    Some(RawFactor {
        value,
        unit: unit?,
        source: source?,
        range,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_needs_low_high_and_its_source_around_the_value() {
        let ok = "[preset]\nname = \"x\"\nversion = \"1\"\n[carriers]\nelectricity = { value = 0.5, unit = \"kg CO2e/kWh\", source = \"assumption\", low = 0.4, high = 0.7, range_source = \"two utilities\" }\n";
        let p = parse(ok, Path::new("x.toml")).unwrap();
        assert_eq!(
            p.values[0].1.range,
            Some((0.4, 0.7, "two utilities".to_string()))
        );
        let bad = ok.replace("low = 0.4", "low = 0.6");
        let e = parse(&bad, Path::new("x.toml")).unwrap_err().to_string();
        assert!(
            e.contains("carriers.electricity: has an incomplete range"),
            "{e}"
        );
        let no_source = ok.replace(", range_source = \"two utilities\"", "");
        assert!(parse(&no_source, Path::new("x.toml")).is_err());
    }

    #[test]
    fn a_value_without_a_source_or_with_a_negative_number_is_refused() {
        let text = "[preset]\nname = \"x\"\nversion = \"1\"\n[carriers]\nelectricity = { value = 0.5, unit = \"kg CO2e/kWh\" }\ncoal = { value = -1, unit = \"kg CO2e/kWh\", source = \"assumption\" }\n";
        let e = parse(text, Path::new("x.toml")).unwrap_err().to_string();
        assert!(e.contains("carriers.electricity.source: is missing"), "{e}");
        assert!(
            e.contains("carriers.coal.value: must be a finite number of zero or more"),
            "{e}"
        );
    }
}
