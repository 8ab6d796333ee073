//! All layers in one GeoPackage, so a QGIS user opens one file: each GeoJSON layer cpgis wrote
//! is copied through GDAL (fields with their types, geometries, WGS 84) into `cpgis.gpkg`,
//! inside one transaction per layer, into a temporary file renamed when complete. The
//! GeoPackage's modification date is fixed, so the same run writes the same bytes.

use std::path::{Path, PathBuf};

use gdal::vector::{FieldDefn, LayerAccess, LayerOptions};
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

fn tool(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Tool(format!("GeoPackage export: {what}: {e}"))
}

/// Copies the GeoJSON `layers` into `dir/cpgis.gpkg` (layer names from the file names).
pub fn write_gpkg(dir: &Path, layers: &[PathBuf]) -> Result<PathBuf> {
    let path = dir.join("cpgis.gpkg");
    let tmp = dir.join(format!(".cpgis.tmp-{}.gpkg", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let result = copy_all(&tmp, layers).and_then(|()| {
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

fn copy_all(tmp: &Path, layers: &[PathBuf]) -> Result<()> {
    gdal::config::set_config_option("OGR_CURRENT_DATE", FIXED_DATE)
        .map_err(|e| tool("cannot fix the GeoPackage date", e))?;
    let driver =
        DriverManager::get_driver_by_name("GPKG").map_err(|e| tool("no GPKG driver", e))?;
    let mut out = driver
        .create_vector_only(tmp)
        .map_err(|e| tool(&format!("cannot create {}", tmp.display()), e))?;
    let wgs84 = crate::crs::wgs84()?;
    for src_path in layers {
        let name = src_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "layer".into());
        let src = Dataset::open(src_path)
            .map_err(|e| tool(&format!("cannot reopen {}", src_path.display()), e))?;
        let mut src_layer = src.layer(0).map_err(|e| tool("no layer", e))?;
        let geom_type = src_layer
            .defn()
            .geom_fields()
            .next()
            .map(|g| g.field_type())
            .unwrap_or(gdal_sys::OGRwkbGeometryType::wkbUnknown);
        let fields: Vec<(String, u32)> = src_layer
            .defn()
            .fields()
            .map(|f| (f.name(), f.field_type()))
            .collect();
        let mut txn = out
            .start_transaction()
            .map_err(|e| tool("cannot start a transaction", e))?;
        {
            let dst = txn
                .create_layer(LayerOptions {
                    name: &name,
                    srs: Some(&wgs84),
                    ty: geom_type,
                    options: None,
                })
                .map_err(|e| tool(&format!("cannot create layer {name}"), e))?;
            for (field, ty) in &fields {
                FieldDefn::new(field, *ty)
                    .and_then(|d| d.add_to_layer(&dst))
                    .map_err(|e| tool(&format!("cannot add field {field}"), e))?;
            }
            for f in src_layer.features() {
                let mut g =
                    gdal::vector::Feature::new(dst.defn()).map_err(|e| tool("feature", e))?;
                for i in 0..fields.len() {
                    if let Ok(Some(v)) = f.field(i) {
                        g.set_field(i, &v).map_err(|e| tool("field value", e))?;
                    }
                }
                if let Some(geom) = f.geometry() {
                    g.set_geometry(geom.clone())
                        .map_err(|e| tool("geometry", e))?;
                }
                g.create(&dst)
                    .map_err(|e| tool(&format!("cannot write a feature of {name}"), e))?;
            }
        }
        txn.commit().map_err(|e| tool("cannot commit", e))?;
    }
    drop(out);
    Ok(())
}
