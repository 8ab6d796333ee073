//! An attribute table joined to a layer by a key field, as City Energy Analyst keeps building
//! uses and years in `typology.dbf` beside the geometries in `zone.shp`, joined by `Name`.

use std::collections::HashMap;
use std::path::Path;

use gdal::vector::LayerAccess;
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};

/// A table read whole: its columns, and each row by its key value.
#[derive(Debug, Default)]
pub struct JoinTable {
    pub columns: Vec<String>,
    rows: HashMap<String, Vec<Option<String>>>,
    /// Keys that appear more than once (the first row is used).
    pub duplicate_keys: Vec<String>,
}

impl JoinTable {
    /// Reads a table (any vector format GDAL reads; a `.dbf` on its own works) keyed by `key`.
    pub fn read(path: &Path, key: &str) -> Result<JoinTable, String> {
        let ds = Dataset::open_ex(
            path,
            DatasetOptions {
                open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
                ..Default::default()
            },
        )
        .map_err(|e| format!("cannot open the table to join: {e}"))?;
        let mut layer = ds
            .layer(0)
            .map_err(|e| format!("the table to join has no layer: {e}"))?;
        let columns: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
        let k = columns.iter().position(|c| c == key).ok_or_else(|| {
            format!(
                "the table to join has no field '{key}' (its fields are: {})",
                columns.join(", ")
            )
        })?;
        let mut t = JoinTable {
            columns,
            ..Default::default()
        };
        for f in layer.features() {
            let row: Vec<Option<String>> = (0..t.columns.len())
                .map(|i| crate::layer::field_text(&f, i, &mut false))
                .collect();
            let Some(id) = row[k].clone() else { continue };
            let id = id.trim().to_string();
            match t.rows.entry(id) {
                std::collections::hash_map::Entry::Occupied(e) => {
                    t.duplicate_keys.push(e.key().clone())
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(row);
                }
            }
        }
        Ok(t)
    }

    /// The value of `column` in the row of `key`.
    pub fn value(&self, key: &str, column: usize) -> Option<String> {
        self.rows.get(key.trim())?.get(column)?.clone()
    }

    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name).or_else(|| {
            self.columns
                .iter()
                .position(|c| c.eq_ignore_ascii_case(name))
        })
    }
}
