//! `--set KEY=VALUE`: a site-file key set from the command line, applied to the site file's
//! TOML before it is checked, so a value set there is checked exactly like one in the file.
//!
//! KEY is a dotted path (`scenario.proposed.car_share`, `offsets.margin`); missing tables on the
//! way are created. VALUE is read as a TOML value (`0.3`, `true`, `"hex"`, `["a", "b"]`,
//! `{ value = 0.02, unit = "kg CO2e/kWh", source = "utility" }`), and as text when it is not one
//! (`grid.shape=hex`).

use super::ConfigIssues;

/// One `--set`, split and parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The dotted key as given.
    pub key: String,
    /// Its parts.
    pub path: Vec<String>,
    /// The value.
    pub value: toml::Value,
}

/// Splits and parses `KEY=VALUE`; a problem is recorded under `--set` with the text given.
pub fn parse_setting(text: &str, issues: &mut ConfigIssues) -> Option<Setting> {
    let Some((key, value)) = text.split_once('=') else {
        issues.push(
            &format!("--set {text}"),
            "is not KEY=VALUE",
            Some("e.g. --set scenario.proposed.car_share=0.3"),
        );
        return None;
    };
    let key = key.trim();
    let path: Vec<String> = key.split('.').map(|p| p.trim().to_string()).collect();
    if path.iter().any(|p| p.is_empty()) {
        issues.push(
            &format!("--set {text}"),
            "has an empty part in its key",
            Some("a dotted site-file key, e.g. offsets.margin"),
        );
        return None;
    }
    let value = value.trim();
    let value = format!("v = {value}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_string()));
    Some(Setting {
        key: key.to_string(),
        path,
        value,
    })
}

/// Sets each setting into `table`, in order (a later one wins).
pub fn apply(table: &mut toml::Table, settings: &[Setting], issues: &mut ConfigIssues) {
    for s in settings {
        if let Err((depth, kind)) = set_in(table, &s.path, s.value.clone()) {
            issues.push(
                &format!("--set {}", s.key),
                &format!(
                    "`{}` is {kind} in the site file, not a table",
                    s.path[..=depth].join(".")
                ),
                None,
            );
        }
    }
}

/// Marks the problems under a key set on the command line as coming from `--set`, since the
/// file does not hold that value.
pub fn blame(issues: &mut ConfigIssues, settings: &[Setting]) {
    for i in &mut issues.issues {
        let set = settings.iter().rev().find(|s| {
            i.key == s.key
                || i.key.starts_with(&format!("{}.", s.key))
                || s.key.starts_with(&format!("{}.", i.key))
        });
        if let Some(s) = set {
            i.problem
                .push_str(&format!(" (set by --set {}={})", s.key, s.value));
        }
    }
}

/// Sets `value` at `path` below `table`, making tables on the way; on a value in the way, its
/// depth in the path and its TOML type.
fn set_in(
    table: &mut toml::Table,
    path: &[String],
    value: toml::Value,
) -> Result<(), (usize, &'static str)> {
    match path {
        [] => Ok(()),
        [last] => {
            table.insert(last.clone(), value);
            Ok(())
        }
        [first, rest @ ..] => match table
            .entry(first.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
        {
            toml::Value::Table(t) => set_in(t, rest, value).map_err(|(d, k)| (d + 1, k)),
            other => Err((0, other.type_str())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issues() -> ConfigIssues {
        ConfigIssues::new("site.toml".into())
    }

    #[test]
    fn values_are_toml_or_else_text_and_tables_are_made_on_the_way() {
        let mut i = issues();
        let mut t: toml::Table = "[offsets]\nmargin = 0.1\n".parse().unwrap();
        let sets: Vec<Setting> = [
            "offsets.margin=0.2",
            "scenario.proposed.car_share = 0.3",
            "grid.shape=hex",
            "offsets.interventions=[\"heat_pump\"]",
        ]
        .iter()
        .filter_map(|s| parse_setting(s, &mut i))
        .collect();
        apply(&mut t, &sets, &mut i);
        assert!(i.is_empty());
        assert_eq!(t["offsets"]["margin"].as_float(), Some(0.2));
        assert_eq!(t["scenario"]["proposed"]["car_share"].as_float(), Some(0.3));
        assert_eq!(t["grid"]["shape"].as_str(), Some("hex"));
        assert_eq!(
            t["offsets"]["interventions"].as_array().unwrap()[0].as_str(),
            Some("heat_pump")
        );
    }

    #[test]
    fn a_setting_without_a_value_or_through_a_value_is_refused() {
        let mut i = issues();
        assert!(parse_setting("offsets.margin", &mut i).is_none());
        assert!(parse_setting("offsets..margin=1", &mut i).is_none());
        let mut t: toml::Table = "preset = \"usa\"\n".parse().unwrap();
        let s = parse_setting("preset.name=x", &mut i).unwrap();
        apply(&mut t, &[s], &mut i);
        let text = format!("{}", crate::Error::Config(i));
        assert!(
            text.contains("--set offsets.margin: is not KEY=VALUE"),
            "{text}"
        );
        assert!(text.contains("has an empty part"), "{text}");
        assert!(
            text.contains("`preset` is string in the site file, not a table"),
            "{text}"
        );
    }
}
