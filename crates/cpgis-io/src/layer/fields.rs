//! Resolving the field names a site file maps to column indices, once per layer.

use std::sync::Arc;

use gdal::vector::{Layer, LayerAccess};

use super::join::JoinTable;

/// How one mapped field is read from a feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldAccess {
    /// A column of the layer.
    Column(usize),
    /// A key inside the OSM driver's `other_tags` column (e.g. `building:levels`).
    OsmTag { column: usize, key: String },
    /// A column of a joined table, in the row whose key equals the feature's `key` column.
    Joined {
        key: usize,
        table: Arc<JoinTable>,
        column: usize,
    },
}

impl PartialEq for JoinTable {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for JoinTable {}

/// Resolves each name to a column, or to an OSM tag when the layer has `other_tags`.
/// Names that match nothing come back as `Err` with a hint naming the closest column.
pub fn resolve_fields(
    layer: &Layer,
    names: &[&str],
    join: Option<(&str, Arc<JoinTable>)>,
) -> Result<Vec<FieldAccess>, Vec<(String, String)>> {
    let columns: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    let other_tags = columns.iter().position(|c| c == "other_tags");
    let join_key = join
        .as_ref()
        .and_then(|(k, t)| Some((columns.iter().position(|c| c == k)?, t.clone())));
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for name in names {
        if let Some(i) = columns.iter().position(|c| c == name) {
            out.push(FieldAccess::Column(i));
        } else if let Some(i) = columns.iter().position(|c| c.eq_ignore_ascii_case(name)) {
            out.push(FieldAccess::Column(i));
        } else if let Some((key, table, column)) = join_key
            .as_ref()
            .and_then(|(k, t)| Some((*k, t.clone(), t.column(name)?)))
        {
            out.push(FieldAccess::Joined { key, table, column });
        } else if let Some(column) = other_tags {
            out.push(FieldAccess::OsmTag {
                column,
                key: name.to_string(),
            });
        } else {
            let hint = cpgis_core::issues::closest(name, columns.iter().map(String::as_str))
                .map(|c| format!("did you mean '{c}'?"))
                .unwrap_or_else(|| format!("its fields are: {}", columns.join(", ")));
            missing.push((name.to_string(), hint));
        }
    }
    if missing.is_empty() {
        Ok(out)
    } else {
        Err(missing)
    }
}
