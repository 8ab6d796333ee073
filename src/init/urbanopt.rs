//! An URBANopt feature file holds more than buildings: its roads, district systems and site
//! origin stand beside them, told apart by `type`. init takes the buildings, draws the roads
//! under the report's maps, and says what it leaves, by type and count (it had said only "those
//! of its 23 features where type = 'Building'", the other ten left unnamed).

use std::collections::BTreeMap;
use std::path::Path;

use gdal::vector::LayerAccess;

use super::Role;
use crate::config::GeometryColumns;
use cpgis_core::Result;

/// Features of `layer` in `path` by their `type` value (`(none)` where it is empty).
pub fn feature_types(path: &Path, layer: Option<&str>) -> Result<BTreeMap<String, usize>> {
    let ds = crate::layer::open_dataset(path, &GeometryColumns::Auto)?;
    let mut lyr = crate::layer::pick_layer(&ds, path, layer)?;
    let slot = lyr.defn().fields().position(|f| f.name() == "type");
    let mut out = BTreeMap::new();
    for f in lyr.features() {
        let t = slot
            .and_then(|i| f.field_as_string(i).ok().flatten())
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| "(none)".into());
        *out.entry(t).or_default() += 1;
    }
    Ok(out)
}

/// The roles of an URBANopt layer beside its buildings: its roads as the maps' context, and
/// the features of other types as not used, counted by type.
pub fn other_roles(types: &BTreeMap<String, usize>) -> Vec<Role> {
    let mut roles = Vec::new();
    if types.contains_key("Road") {
        roles.push(Role::Context {
            kind: "roads",
            filter: Some("type = 'Road'".into()),
        });
    }
    let left: Vec<String> = types
        .iter()
        .filter(|(t, _)| !matches!(t.as_str(), "Building" | "Road"))
        .map(|(t, n)| format!("{n} {t}"))
        .collect();
    if !left.is_empty() {
        roles.push(Role::Unused {
            what: format!(
                "its features of type {} (`type`): neither buildings nor roads, and cpgis models no district system",
                left.join(", ")
            ),
        });
    }
    roles
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roads_are_drawn_and_the_rest_said_by_type() {
        let types: BTreeMap<String, usize> = [("Building", 13), ("Road", 8), ("Site Origin", 1)]
            .into_iter()
            .map(|(t, n)| (t.to_string(), n))
            .collect();
        let roles = other_roles(&types);
        assert_eq!(roles.len(), 2);
        assert!(
            matches!(&roles[0], Role::Context { kind: "roads", filter: Some(f) } if f == "type = 'Road'")
        );
        assert!(
            matches!(&roles[1], Role::Unused { what } if what.contains("of type 1 Site Origin (`type`)"))
        );
        let only: BTreeMap<String, usize> = [("Building".to_string(), 3)].into_iter().collect();
        assert!(other_roles(&only).is_empty());
    }
}
