//! Raw use values (OSM `building=*`, CEA `use1`, URBANopt `building_type`, …) → cpgis use
//! types, and a building's use shares out of its use fields.

use std::collections::BTreeMap;

use crate::preset::Use;
use crate::site::UseShare;

/// The vocabularies of OSM, CEA and URBANopt, one table per schema.
pub const VOCABULARIES: &str = include_str!("../../presets/uses.toml");

/// Raw values that mean "no use in this slot" (CEA writes `NONE` in empty use fields).
const EMPTY: &[&str] = &["", "none", "null", "n/a", "-"];

/// A lookup from raw use text to a use type: the site file's `use_map` first, then the
/// schema vocabularies; both match without regard to case or surrounding spaces.
#[derive(Debug, Clone)]
pub struct UseTable {
    map: BTreeMap<String, Use>,
}

impl UseTable {
    /// The built-in vocabularies overlaid with one buildings layer's `use_map`.
    pub fn new(site_map: &[(String, Use)]) -> UseTable {
        let mut map = BTreeMap::new();
        if let Ok(table) = VOCABULARIES.parse::<toml::Table>() {
            for schema in table.values() {
                for (raw, to) in schema.as_table().into_iter().flatten() {
                    if let Some(u) = to.as_str().and_then(Use::from_key) {
                        map.entry(normalise(raw)).or_insert(u);
                    }
                }
            }
        }
        for (raw, to) in site_map {
            map.insert(normalise(raw), *to);
        }
        UseTable { map }
    }

    /// The use type of a raw value; `None` when the value is not in any table.
    pub fn lookup(&self, raw: &str) -> Option<Use> {
        self.map.get(&normalise(raw)).copied()
    }
}

/// Lower case, runs of spaces as one, no spaces around a slash.
fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .replace(" /", "/")
        .replace("/ ", "/")
}

/// A building's uses with shares that add up to 1.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UseMix {
    /// (use, share), largest share first, each use once.
    pub parts: Vec<(Use, f64)>,
    /// Raw values that matched no table (they count as `unknown`).
    pub unmatched: Vec<String>,
}

impl UseMix {
    /// The use with the largest share.
    pub fn primary(&self) -> Use {
        self.parts.first().map(|p| p.0).unwrap_or(Use::Unknown)
    }

    /// Shares as text, e.g. `office:0.6,industrial:0.4`.
    pub fn describe(&self) -> String {
        self.parts
            .iter()
            .map(|(u, s)| format!("{u}:{}", (s * 1000.0).round() / 1000.0))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Shares from the use fields: given shares are kept (normalised if they add up to more than
/// 1, or to less when every share is given); slots without a share split what is left equally;
/// empty slots and zero shares are ignored. No use at all is `unknown`.
pub fn use_mix(uses: &[UseShare], table: &UseTable) -> UseMix {
    let slots: Vec<&UseShare> = uses
        .iter()
        .filter(|u| !EMPTY.contains(&normalise(&u.raw).as_str()))
        .filter(|u| u.share.is_none_or(|s| s > 0.0 && s.is_finite()))
        .collect();
    let mut unmatched = Vec::new();
    let mut typed: Vec<(Use, Option<f64>)> = slots
        .iter()
        .map(|u| {
            let t = table.lookup(&u.raw).unwrap_or_else(|| {
                unmatched.push(u.raw.trim().to_string());
                Use::Unknown
            });
            (t, u.share)
        })
        .collect();
    if typed.is_empty() {
        typed.push((Use::Unknown, None));
    }
    let given: f64 = typed.iter().filter_map(|t| t.1).sum();
    let open = typed.iter().filter(|t| t.1.is_none()).count();
    let rest = (1.0 - given).max(0.0);
    let mut shares: Vec<(Use, f64)> = typed
        .iter()
        .map(|(u, s)| {
            (
                *u,
                s.unwrap_or(if open > 0 { rest / open as f64 } else { 0.0 }),
            )
        })
        .collect();
    let total: f64 = shares.iter().map(|s| s.1).sum();
    if total <= 0.0 {
        // Every share given was used up by others: split equally.
        let n = shares.len() as f64;
        shares.iter_mut().for_each(|s| s.1 = 1.0 / n);
    } else {
        shares.iter_mut().for_each(|s| s.1 /= total);
    }
    let mut merged: BTreeMap<Use, f64> = BTreeMap::new();
    for (u, s) in shares {
        *merged.entry(u).or_default() += s;
    }
    let mut parts: Vec<(Use, f64)> = merged.into_iter().filter(|p| p.1 > 0.0).collect();
    parts.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    // Kept for every building: without the room `collect` reserved after a filter.
    parts.shrink_to_fit();
    UseMix { parts, unmatched }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(raw: &str, share: Option<f64>) -> UseShare {
        UseShare {
            raw: raw.into(),
            share,
        }
    }

    /// Issue "init and inspect take real deliveries": 3,050 of 3,376 properties of a US city's
    /// disclosure became `unknown` (and an unknown building is 60 % housing).
    #[test]
    fn portfolio_manager_property_types_have_use_types() {
        let t = UseTable::new(&[]);
        for (raw, want) in [
            ("K-12 School", Use::Education),
            ("Supermarket/Grocery Store", Use::Retail),
            ("Supermarket / Grocery Store", Use::Retail),
            ("Refrigerated Warehouse", Use::Warehouse),
            ("Low-Rise Multifamily", Use::Residential),
            ("Hospital (General Medical & Surgical)", Use::Health),
            ("Small- and Mid-Sized Office", Use::Office),
            ("Worship Facility", Use::Public),
            ("Mixed Use Property", Use::Unknown),
        ] {
            assert_eq!(t.lookup(raw), Some(want), "{raw}");
        }
    }

    #[test]
    fn every_vocabulary_entry_names_a_use_type() {
        let table: toml::Table = VOCABULARIES.parse().unwrap();
        for (schema, entries) in &table {
            for (raw, to) in entries.as_table().unwrap() {
                assert!(
                    to.as_str().and_then(Use::from_key).is_some(),
                    "{schema}.{raw} = {to}"
                );
            }
        }
    }

    #[test]
    fn no_raw_value_means_two_things_in_two_schemas() {
        // The tables are merged into one lookup, so a value shared by two schemas must map to
        // the same use type in both.
        let table: toml::Table = VOCABULARIES.parse().unwrap();
        let mut seen: BTreeMap<String, (String, String)> = BTreeMap::new();
        for (schema, entries) in &table {
            for (raw, to) in entries.as_table().unwrap() {
                let to = to.as_str().unwrap().to_string();
                if let Some((other, was)) =
                    seen.insert(normalise(raw), (schema.clone(), to.clone()))
                {
                    assert_eq!(was, to, "`{raw}` is {was} in {other} but {to} in {schema}");
                }
            }
        }
    }

    #[test]
    fn cea_mixed_use_keeps_its_shares_and_skips_none() {
        // CEA Zug building with use1 OFFICE 0.6, use2 LAB 0.2, use3 INDUSTRIAL 0.2: LAB and
        // INDUSTRIAL both map to industrial.
        let t = UseTable::new(&[]);
        let mix = use_mix(
            &[
                u("OFFICE", Some(0.6)),
                u("LAB", Some(0.2)),
                u("INDUSTRIAL", Some(0.2)),
            ],
            &t,
        );
        assert_eq!(mix.parts.len(), 2);
        assert_eq!(mix.parts[0].0, Use::Office);
        assert!((mix.parts[0].1 - 0.6).abs() < 1e-12);
        assert!((mix.parts[1].1 - 0.4).abs() < 1e-12);
        let single = use_mix(&[u("OFFICE", Some(1.0)), u("NONE", Some(0.0))], &t);
        assert_eq!(single.parts, [(Use::Office, 1.0)]);
    }

    #[test]
    fn site_map_wins_and_unmatched_values_are_kept_as_unknown() {
        let t = UseTable::new(&[("yes".into(), Use::Residential)]);
        assert_eq!(t.lookup(" YES "), Some(Use::Residential));
        let mix = use_mix(&[u("spaceport", None)], &t);
        assert_eq!(mix.parts, [(Use::Unknown, 1.0)]);
        assert_eq!(mix.unmatched, ["spaceport"]);
        assert_eq!(use_mix(&[], &t).primary(), Use::Unknown);
    }

    #[test]
    fn slots_without_a_share_split_the_remainder() {
        let t = UseTable::new(&[]);
        let mix = use_mix(
            &[u("office", Some(0.5)), u("retail", None), u("hotel", None)],
            &t,
        );
        assert_eq!(mix.parts[0], (Use::Office, 0.5));
        assert!(mix.parts[1..].iter().all(|p| (p.1 - 0.25).abs() < 1e-12));
    }
}
