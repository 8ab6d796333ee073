//! All layers in one GeoPackage, so a QGIS user opens one file: each GeoJSON layer cpgis wrote
//! is copied through GDAL (fields with their types, geometries, WGS 84) into `cpgis.gpkg`,
//! inside one transaction per layer, into a temporary file renamed when complete. The
//! GeoPackage's modification date is fixed, so the same run writes the same bytes.

use std::path::{Path, PathBuf};

use gdal::vector::{LayerAccess, LayerOptions};
use gdal::{Dataset, DriverManager};

use cpgis_core::{Error, Result};

/// Which files `run` and `estimate` write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One GeoJSON file per layer.
    Geojson,
    /// One GeoPackage with every layer.
    Gpkg,
    /// Both.
    Both,
    /// Attribute tables as CSV files (buildings, grid, neighbourhoods, zones, balance), no
    /// geometry.
    Csv,
}

/// A layer's QGIS style: the layer's name, the style's name, its QML. A layer's first is its
/// default.
pub type Style = (String, String, String);

fn tool(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Tool(format!("GeoPackage export: {what}: {e}"))
}

/// Copies the GeoJSON `layers` into `dir/cpgis.gpkg` (layer names from the file names), with
/// `styles` (layer name, QGIS QML) in its `layer_styles` table, each the layer's default; in
/// WGS 84, or reprojected into `local_epsg` (the run's metric CRS) when given.
pub fn write_gpkg(
    dir: &Path,
    layers: &[PathBuf],
    styles: &[Style],
    local_epsg: Option<u32>,
) -> Result<PathBuf> {
    let path = dir.join("cpgis.gpkg");
    let tmp = dir.join(format!(".cpgis.tmp-{}.gpkg", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let result = copy_all(&tmp, layers, styles, local_epsg).and_then(|()| {
        std::fs::rename(&tmp, &path).map_err(|e| tool("cannot rename the temporary file", e))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map(|()| path)
}

/// The date GDAL writes into `gpkg_contents` instead of now, so that the same input gives the
/// same bytes.
const FIXED_DATE: &str = "2000-01-01T00:00:00.000Z";

/// An OGR geometry type without Z or M.
fn flat(t: gdal_sys::OGRwkbGeometryType::Type) -> gdal_sys::OGRwkbGeometryType::Type {
    // SAFETY: a pure function of an enum value, no pointer involved.
    unsafe { gdal_sys::OGR_GT_Flatten(t) }
}

/// The geometry family of an OGR geometry type, as a layer-name suffix.
fn family(t: gdal_sys::OGRwkbGeometryType::Type) -> &'static str {
    use gdal_sys::OGRwkbGeometryType::*;
    match flat(t) {
        x if x == wkbPoint || x == wkbMultiPoint => "points",
        x if x == wkbLineString || x == wkbMultiLineString => "lines",
        _ => "polygons",
    }
}

/// The multi type of a family (a layer of one family holds its single and multi parts).
fn multi_type(family: &str) -> gdal_sys::OGRwkbGeometryType::Type {
    use gdal_sys::OGRwkbGeometryType::*;
    match family {
        "points" => wkbMultiPoint,
        "lines" => wkbMultiLineString,
        _ => wkbMultiPolygon,
    }
}

/// Adds a field to `layer`, a boolean one with OGR's boolean subtype (GeoPackage stores it as a
/// boolean, so QGIS shows a check box rather than 0 and 1).
pub(crate) fn add_field(
    layer: &gdal::vector::Layer,
    name: &str,
    ty: u32,
    boolean: bool,
) -> Result<()> {
    let c_name = std::ffi::CString::new(name).map_err(|e| tool("field name", e))?;
    // SAFETY: the field definition is created, used to add the field to a live layer (which
    // copies it) and destroyed here; every pointer passed is valid for the call.
    let err = unsafe {
        let defn = gdal_sys::OGR_Fld_Create(c_name.as_ptr(), ty);
        if boolean {
            gdal_sys::OGR_Fld_SetSubType(defn, gdal_sys::OGRFieldSubType::OFSTBoolean);
        }
        let err = gdal_sys::OGR_L_CreateField(layer.c_layer(), defn, 1);
        gdal_sys::OGR_Fld_Destroy(defn);
        err
    };
    if err == gdal_sys::OGRErr::OGRERR_NONE {
        Ok(())
    } else {
        Err(tool(
            &format!("cannot add field {name}"),
            format!("OGR error {err}"),
        ))
    }
}

fn copy_all(
    tmp: &Path,
    layers: &[PathBuf],
    styles: &[Style],
    local_epsg: Option<u32>,
) -> Result<()> {
    gdal::config::set_config_option("OGR_CURRENT_DATE", FIXED_DATE)
        .map_err(|e| tool("cannot fix the GeoPackage date", e))?;
    let driver =
        DriverManager::get_driver_by_name("GPKG").map_err(|e| tool("no GPKG driver", e))?;
    let mut out = driver
        .create_vector_only(tmp)
        .map_err(|e| tool(&format!("cannot create {}", tmp.display()), e))?;
    let wgs84 = crate::crs::wgs84()?;
    let local = local_epsg.map(crate::crs::epsg).transpose()?;
    let to_local = local
        .as_ref()
        .map(|l| crate::crs::transform(&wgs84, l))
        .transpose()?;
    let srs = local.as_ref().unwrap_or(&wgs84);
    for src_path in layers {
        let name = src_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "layer".into());
        let src = Dataset::open(src_path)
            .map_err(|e| tool(&format!("cannot reopen {}", src_path.display()), e))?;
        let mut src_layer = src.layer(0).map_err(|e| tool("no layer", e))?;
        let fields: Vec<(String, u32)> = src_layer
            .defn()
            .fields()
            .map(|f| (f.name(), f.field_type()))
            .collect();
        let booleans = super::csv::boolean_fields(&src_layer, fields.len());
        // One geometry type per layer: a layer holding several families (opportunities of
        // point buildings beside cells) becomes one layer per family, `NAME_points`, ….
        // The layer's geometry types: as GDAL reports them when it holds one (no extra pass),
        // else read from the features.
        let declared = src_layer.defn().geometry_type();
        let mut types: Vec<gdal_sys::OGRwkbGeometryType::Type> =
            if declared != gdal_sys::OGRwkbGeometryType::wkbUnknown {
                vec![flat(declared)]
            } else {
                src_layer
                    .features()
                    .filter_map(|f| f.geometry().map(|g| flat(g.geometry_type())))
                    .collect()
            };
        types.sort_unstable();
        types.dedup();
        let mut families: Vec<&'static str> = types.iter().map(|t| family(*t)).collect();
        families.dedup();
        src_layer.reset_feature_reading();
        let split = families.len() > 1;
        for fam in if families.is_empty() {
            vec!["polygons"]
        } else {
            families
        } {
            let layer_name = if split {
                format!("{name}_{fam}")
            } else {
                name.clone()
            };
            // The family's one type where its features share it (our layers write polygons as
            // MultiPolygon and point buildings as Point), else its multi type.
            let of_family: Vec<_> = types.iter().filter(|t| family(**t) == fam).collect();
            let ty = match of_family.as_slice() {
                [one] => **one,
                _ => multi_type(fam),
            };
            let mut txn = out
                .start_transaction()
                .map_err(|e| tool("cannot start a transaction", e))?;
            {
                let dst = txn
                    .create_layer(LayerOptions {
                        name: &layer_name,
                        srs: Some(srs),
                        ty,
                        options: None,
                    })
                    .map_err(|e| tool(&format!("cannot create layer {layer_name}"), e))?;
                for ((field, ty), boolean) in fields.iter().zip(&booleans) {
                    add_field(&dst, field, *ty, *boolean)?;
                }
                src_layer.reset_feature_reading();
                for f in src_layer.features() {
                    let geom = f.geometry();
                    if split && geom.map(|g| family(g.geometry_type())) != Some(fam) {
                        continue;
                    }
                    let mut g =
                        gdal::vector::Feature::new(dst.defn()).map_err(|e| tool("feature", e))?;
                    for i in 0..fields.len() {
                        if let Ok(Some(v)) = f.field(i) {
                            g.set_field(i, &v).map_err(|e| tool("field value", e))?;
                        }
                    }
                    if let Some(geom) = geom {
                        let geom = match &to_local {
                            Some(t) => geom.transform(t).map_err(|e| tool("reprojection", e))?,
                            None => geom.clone(),
                        };
                        g.set_geometry(geom).map_err(|e| tool("geometry", e))?;
                    }
                    g.create(&dst)
                        .map_err(|e| tool(&format!("cannot write a feature of {layer_name}"), e))?;
                }
            }
            txn.commit().map_err(|e| tool("cannot commit", e))?;
        }
    }
    write_styles(&mut out, layers, styles)?;
    drop(out);
    Ok(())
}

/// The `layer_styles` table QGIS reads a GeoPackage layer's default style from (its columns as
/// QGIS creates them), one row per styled layer that was written; the update time fixed, so the
/// same run writes the same bytes.
fn write_styles(out: &mut Dataset, layers: &[PathBuf], styles: &[Style]) -> Result<()> {
    let written: Vec<String> = layers
        .iter()
        .filter_map(|l| l.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    let rows: Vec<&Style> = styles
        .iter()
        .filter(|(name, _, _)| written.contains(name))
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let mut txn = out
        .start_transaction()
        .map_err(|e| tool("cannot start a transaction", e))?;
    {
        let table = txn
            .create_layer(LayerOptions {
                name: "layer_styles",
                srs: None,
                ty: gdal_sys::OGRwkbGeometryType::wkbNone,
                options: None,
            })
            .map_err(|e| tool("cannot create layer_styles", e))?;
        use gdal_sys::OGRFieldType::{OFTInteger, OFTString};
        let columns = [
            ("f_table_catalog", OFTString, false),
            ("f_table_schema", OFTString, false),
            ("f_table_name", OFTString, false),
            ("f_geometry_column", OFTString, false),
            ("styleName", OFTString, false),
            ("styleQML", OFTString, false),
            ("styleSLD", OFTString, false),
            ("useAsDefault", OFTInteger, true),
            ("description", OFTString, false),
            ("owner", OFTString, false),
            ("ui", OFTString, false),
            ("update_time", OFTString, false),
        ];
        for (name, ty, boolean) in columns {
            add_field(&table, name, ty, boolean)?;
        }
        let mut seen: Vec<&str> = Vec::new();
        for (layer, style, qml) in rows {
            // The first style of a layer is its default.
            let default = !seen.contains(&layer.as_str());
            seen.push(layer);
            let mut f = gdal::vector::Feature::new(table.defn()).map_err(|e| tool("feature", e))?;
            let text = |s: &str| gdal::vector::FieldValue::StringValue(s.to_string());
            let values = [
                (0, text("")),
                (1, text("")),
                (2, text(layer)),
                (3, text("geom")),
                (4, text(&format!("cpgis: {style}"))),
                (5, text(qml)),
                (6, text("")),
                (
                    7,
                    gdal::vector::FieldValue::IntegerValue(i32::from(default)),
                ),
                (8, text("cpgis: the report's classes and colours")),
                (9, text("")),
                (10, text("")),
                (11, text(FIXED_DATE)),
            ];
            for (i, v) in values {
                f.set_field(i, &v).map_err(|e| tool("style value", e))?;
            }
            f.create(&table)
                .map_err(|e| tool("cannot write a style", e))?;
        }
    }
    txn.commit().map_err(|e| tool("cannot commit", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A layer mixing points and polygons (opportunities of point buildings beside grid
    /// cells) becomes one layer per geometry type; booleans stay booleans.
    #[test]
    fn mixed_geometries_are_split_and_booleans_kept() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("opportunities.geojson");
        std::fs::write(
            &src,
            r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"b1","in_district":true},"geometry":{"type":"Point","coordinates":[24.93,60.17]}},
{"type":"Feature","properties":{"id":"c1","in_district":false},"geometry":{"type":"MultiPolygon","coordinates":[[[[24.9,60.1],[25.0,60.1],[25.0,60.2],[24.9,60.1]]]]}},
{"type":"Feature","properties":{"id":"b2","in_district":false},"geometry":{"type":"Point","coordinates":[24.94,60.18]}}]}"#,
        )
        .unwrap();
        let gpkg = write_gpkg(dir.path(), &[src], &[], None).unwrap();
        let ds = Dataset::open(&gpkg).unwrap();
        let mut layers: Vec<(String, u32, u64)> = ds
            .layers()
            .map(|l| (l.name(), l.defn().geometry_type(), l.feature_count()))
            .collect();
        layers.sort();
        use gdal_sys::OGRwkbGeometryType::*;
        assert_eq!(
            layers,
            [
                ("opportunities_points".to_string(), wkbPoint, 2),
                ("opportunities_polygons".to_string(), wkbMultiPolygon, 1),
            ]
        );
        let l = ds.layer_by_name("opportunities_points").unwrap();
        assert_eq!(super::super::csv::boolean_fields(&l, 2), [false, true]);
    }
}
