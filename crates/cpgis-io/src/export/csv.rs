//! `--format csv`: the attribute tables a spreadsheet opens, without geometry: buildings, grid
//! cells, neighbourhoods, offset zones (each from its GeoJSON layer, read back through GDAL),
//! and `balance.csv`, one row per scenario. Numbers are written plain (decimal point, no
//! thousands separator), booleans as `true`/`false`, nulls as empty cells, text quoted when it
//! holds a comma, a quote or a line end (RFC 4180, CRLF line ends); a column empty in every row
//! (a mapping the site file does not make) is left out.

use std::path::{Path, PathBuf};

use gdal::vector::{FieldValue, LayerAccess};
use gdal::Dataset;

use cpgis_core::summary::Summary;
use cpgis_core::{Error, Result};

use super::atomic;

/// The layers written as tables, by their GeoJSON file stem.
pub const TABLES: &[&str] = &["buildings", "grid", "neighbourhoods", "offset_zones"];

fn tool(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Tool(format!("CSV export: {what}: {e}"))
}

/// One cell, RFC 4180.
fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A field value as a spreadsheet reads it.
fn value(v: &FieldValue, boolean: bool) -> String {
    match v {
        FieldValue::IntegerValue(i) if boolean => (*i != 0).to_string(),
        FieldValue::IntegerValue(i) => i.to_string(),
        FieldValue::Integer64Value(i) => i.to_string(),
        FieldValue::RealValue(x) => {
            if x.is_finite() {
                format!("{x}")
            } else {
                String::new()
            }
        }
        FieldValue::StringValue(s) => cell(s),
        FieldValue::IntegerListValue(l) => cell(
            &l.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(";"),
        ),
        FieldValue::RealListValue(l) => cell(
            &l.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(";"),
        ),
        FieldValue::StringListValue(l) => cell(&l.join(";")),
        other => cell(&format!("{other:?}")),
    }
}

/// For each of a layer's `count` fields, whether it is a boolean (GeoJSON booleans come back
/// from GDAL as integers of subtype boolean).
pub(super) fn boolean_fields(lyr: &gdal::vector::Layer, count: usize) -> Vec<bool> {
    // SAFETY: `lyr` is a live layer; its definition and field definitions are owned by it and
    // only read here, by index within the field count.
    unsafe {
        let defn = gdal_sys::OGR_L_GetLayerDefn(lyr.c_layer());
        (0..count)
            .map(|i| {
                let field = gdal_sys::OGR_FD_GetFieldDefn(defn, i as i32);
                !field.is_null()
                    && gdal_sys::OGR_Fld_GetSubType(field) == gdal_sys::OGRFieldSubType::OFSTBoolean
            })
            .collect()
    }
}

/// Writes `dir/NAME.csv` from the GeoJSON layer `layer` (attributes only), dropping columns
/// that are null in every feature; nothing for a layer without features or fields (a site
/// without neighbourhoods).
pub fn write_table(dir: &Path, layer: &Path) -> Result<Option<PathBuf>> {
    let name = layer
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "layer".into());
    let ds =
        Dataset::open(layer).map_err(|e| tool(&format!("cannot reopen {}", layer.display()), e))?;
    let mut lyr = ds.layer(0).map_err(|e| tool("no layer", e))?;
    let names: Vec<String> = lyr.defn().fields().map(|f| f.name()).collect();
    let booleans = boolean_fields(&lyr, names.len());
    let fields: Vec<(String, bool)> = names.into_iter().zip(booleans).collect();
    // Which columns hold anything.
    let mut filled = vec![false; fields.len()];
    let mut rows = 0usize;
    for f in lyr.features() {
        rows += 1;
        for (i, slot) in filled.iter_mut().enumerate() {
            if !*slot && f.field(i).ok().flatten().is_some() {
                *slot = true;
            }
        }
    }
    if rows == 0 && fields.is_empty() {
        return Ok(None);
    }
    // A table without rows keeps its header whole.
    let kept: Vec<usize> = (0..fields.len())
        .filter(|i| rows == 0 || filled[*i])
        .collect();
    let path = dir.join(format!("{name}.csv"));
    lyr.reset_feature_reading();
    atomic::write_atomic(&path, |w| {
        let header: Vec<String> = kept.iter().map(|i| cell(&fields[*i].0)).collect();
        w.write_all(header.join(",").as_bytes())?;
        w.write_all(b"\r\n")?;
        let mut line = String::new();
        for f in lyr.features() {
            line.clear();
            for (n, i) in kept.iter().enumerate() {
                if n > 0 {
                    line.push(',');
                }
                if let Some(v) = f.field(*i).ok().flatten() {
                    line.push_str(&value(&v, fields[*i].1));
                }
            }
            line.push_str("\r\n");
            w.write_all(line.as_bytes())?;
        }
        Ok(())
    })?;
    Ok(Some(path))
}

/// `dir/balance.csv`: one row per scenario, as `balance.scenarios` of the summary.
pub fn write_balance(dir: &Path, summary: &Summary) -> Result<Option<PathBuf>> {
    let Some(b) = &summary.balance else {
        return Ok(None);
    };
    let rows = serde_json::to_value(&b.scenarios)
        .map_err(|e| tool("cannot serialise the scenarios", e))?;
    let Some(rows) = rows.as_array() else {
        return Ok(None);
    };
    // Columns in the summary's order, the per-sector on-site values spread into their own.
    let mut columns: Vec<String> = Vec::new();
    let flat: Vec<Vec<(String, serde_json::Value)>> = rows
        .iter()
        .map(|r| {
            let mut out = Vec::new();
            for (k, v) in r.as_object().into_iter().flatten() {
                match v {
                    serde_json::Value::Object(parts) => {
                        for (p, x) in parts {
                            out.push((format!("{k}_{p}"), x.clone()));
                        }
                    }
                    other => out.push((k.clone(), other.clone())),
                }
            }
            out
        })
        .collect();
    for r in &flat {
        for (k, _) in r {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
    }
    // The scenario's name first, as a spreadsheet's row label.
    if let Some(i) = columns.iter().position(|c| c == "scenario") {
        let c = columns.remove(i);
        columns.insert(0, c);
    }
    let path = dir.join("balance.csv");
    atomic::write_atomic(&path, |w| {
        let header: Vec<String> = columns.iter().map(|c| cell(c)).collect();
        w.write_all(header.join(",").as_bytes())?;
        w.write_all(b"\r\n")?;
        for r in &flat {
            let cells: Vec<String> = columns
                .iter()
                .map(|c| match r.iter().find(|(k, _)| k == c).map(|(_, v)| v) {
                    None | Some(serde_json::Value::Null) => String::new(),
                    Some(serde_json::Value::String(s)) => cell(s),
                    Some(other) => other.to_string(),
                })
                .collect();
            w.write_all(cells.join(",").as_bytes())?;
            w.write_all(b"\r\n")?;
        }
        Ok(())
    })?;
    Ok(Some(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_only_when_they_must_be() {
        assert_eq!(cell("Kamppi"), "Kamppi");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(value(&FieldValue::IntegerValue(1), true), "true");
        assert_eq!(value(&FieldValue::IntegerValue(0), true), "false");
        assert_eq!(value(&FieldValue::RealValue(1234567.5), false), "1234567.5");
    }
}
