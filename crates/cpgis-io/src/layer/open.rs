//! Opening layer files.

use std::path::Path;

use gdal::spatial_ref::SpatialRef;
use gdal::vector::{Layer, LayerAccess};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};

use crate::crs;
use cpgis_core::config::GeometryColumns;
use cpgis_core::{Error, Result};

/// Opens a file read-only as a vector dataset. CSV files get open options that find their
/// geometry: the named columns, or GDAL's usual candidates (`WKT`, `lon`/`lat`, `x`/`y`).
pub fn open_dataset(path: &Path, geometry: &GeometryColumns) -> Result<Dataset> {
    let is_csv = path
        .extension()
        .map(|e| e.eq_ignore_ascii_case("csv"))
        .unwrap_or(false);
    let csv_options: Vec<String> = match geometry {
        GeometryColumns::Xy { x, y } => vec![
            format!("X_POSSIBLE_NAMES={x}"),
            format!("Y_POSSIBLE_NAMES={y}"),
            "KEEP_GEOM_COLUMNS=NO".into(),
        ],
        GeometryColumns::Wkt(w) => vec![
            format!("GEOM_POSSIBLE_NAMES={w}"),
            "KEEP_GEOM_COLUMNS=NO".into(),
        ],
        GeometryColumns::Auto => vec![
            "X_POSSIBLE_NAMES=lon,longitude,x,easting".into(),
            "Y_POSSIBLE_NAMES=lat,latitude,y,northing".into(),
            "GEOM_POSSIBLE_NAMES=wkt,geometry,geom,the_geom".into(),
            "KEEP_GEOM_COLUMNS=NO".into(),
        ],
    };
    let option_refs: Vec<&str> = csv_options.iter().map(String::as_str).collect();
    let options = DatasetOptions {
        open_flags: GdalOpenFlags::GDAL_OF_VECTOR
            | GdalOpenFlags::GDAL_OF_READONLY
            | GdalOpenFlags::GDAL_OF_VERBOSE_ERROR,
        open_options: if is_csv { Some(&option_refs) } else { None },
        ..Default::default()
    };
    match std::fs::metadata(path) {
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(Error::Layer {
                file: path.to_path_buf(),
                problem: "is a symbolic link that leads back to itself (a loop); point the link at the layer file, or name the file itself".into(),
            })
        }
        Err(e) => {
            return Err(Error::Layer {
                file: path.to_path_buf(),
                problem: format!("cannot be read ({e}); check the path"),
            })
        }
        Ok(m) if m.is_dir() => {
            return Err(Error::Layer {
                file: path.to_path_buf(),
                problem: "is a directory; name the layer file itself".into(),
            })
        }
        Ok(m) if m.len() == 0 => {
            return Err(Error::Layer {
                file: path.to_path_buf(),
                problem: "is empty (0 bytes); the delivery may be incomplete".into(),
            })
        }
        Ok(_) => {}
    }
    // GeoParquet where this GDAL has no Parquet driver: the GeoPackage it converts to, opened in
    // its place (errors still name the user's file).
    let converted;
    let open_path = if super::geoparquet::needs_conversion(path) {
        converted = super::geoparquet::converted(path)?;
        converted.as_path()
    } else {
        path
    };
    Dataset::open_ex(open_path, options).map_err(|e| {
        let reason = match e {
            gdal::errors::GdalError::NullPointer { msg, .. } if !msg.trim().is_empty() => {
                format!(": {}", msg.trim())
            }
            gdal::errors::GdalError::NullPointer { .. } => String::new(),
            other => format!(": {}", other.to_string().trim()),
        };
        Error::Layer {
            file: path.to_path_buf(),
            problem: format!(
                "GDAL cannot open it as a vector layer{reason}; check that it is complete and in a format `ogrinfo` reads"
            ),
        }
    })
}

/// Names of all layers of a dataset, in order.
pub fn layer_names(ds: &Dataset) -> Vec<String> {
    ds.layers().map(|l| l.name()).collect()
}

/// The named layer, or the only layer of the file. A file with several layers needs a name.
pub fn pick_layer<'a>(ds: &'a Dataset, path: &Path, name: Option<&str>) -> Result<Layer<'a>> {
    let names = layer_names(ds);
    match name {
        Some(n) => ds.layer_by_name(n).map_err(|_| {
            let hint = cpgis_core::issues::closest(n, names.iter().map(String::as_str))
                .map(|c| format!("did you mean '{c}'? "))
                .unwrap_or_default();
            Error::Layer {
                file: path.to_path_buf(),
                problem: format!(
                    "has no layer '{n}'; {hint}its layers are: {}",
                    names.join(", ")
                ),
            }
        }),
        None if names.len() == 1 => ds.layer(0).map_err(|e| Error::Tool(e.to_string())),
        None if names.is_empty() => Err(Error::Layer {
            file: path.to_path_buf(),
            problem: "holds no vector layer".into(),
        }),
        None => Err(Error::Layer {
            file: path.to_path_buf(),
            problem: format!(
                "has {} layers ({}); name one with `layer = \"...\"` in the site file",
                names.len(),
                names.join(", ")
            ),
        }),
    }
}

/// The CRS of a layer: the site file's `crs` for it if given, else the one the file declares.
/// A layer with neither is an error: cpgis never guesses a CRS.
pub fn layer_srs(layer: &Layer, path: &Path, given: Option<&str>) -> Result<SpatialRef> {
    if let Some(def) = given {
        return crs::spatial_ref(def).map_err(|e| Error::Crs {
            file: path.to_path_buf(),
            layer: layer.name(),
            problem: format!("the site file gives crs = \"{def}\", which GDAL does not know ({e})"),
        });
    }
    if let Some(href) = geojson_link_crs(path) {
        return Err(Error::Crs {
            file: path.to_path_buf(),
            layer: layer.name(),
            problem: format!(
                "declares its CRS by a link ({href}), which neither GDAL nor cpgis follows (GDAL would read the coordinates as WGS 84 longitude/latitude without a word); add `crs = \"EPSG:<code>\"` for this layer in the site file"
            ),
        });
    }
    match layer.spatial_ref() {
        Some(mut srs) => {
            srs.set_axis_mapping_strategy(gdal::spatial_ref::AxisMappingStrategy::TraditionalGisOrder);
            Ok(srs)
        }
        None => Err(Error::Crs {
            file: path.to_path_buf(),
            layer: layer.name(),
            problem: "declares no coordinate reference system; add `crs = \"EPSG:<code>\"` for this layer in the site file (e.g. EPSG:4326 for longitude/latitude)".into(),
        }),
    }
}

/// The `href` of a GeoJSON file's `"crs": {"type": "link", …}` member (GeoJSON 2008), found in
/// the first MiB of the file (where writers put it, before the features); `None` for other
/// files and other CRS members.
pub fn geojson_link_crs(path: &Path) -> Option<String> {
    use std::io::Read;
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    if !matches!(ext.as_str(), "geojson" | "json") {
        return None;
    }
    let mut head = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(1 << 20)
        .read_to_end(&mut head)
        .ok()?;
    let text = String::from_utf8_lossy(&head);
    let at = text.find("\"crs\"")?;
    // The crs object: up to its closing brace (the link's properties are one level deeper).
    let rest = &text[at..];
    let end = rest
        .find("}}")
        .or_else(|| rest.find("} }"))
        .unwrap_or(rest.len().min(2000));
    let member: String = rest[..end].chars().filter(|c| !c.is_whitespace()).collect();
    if !member.contains("\"type\":\"link\"") {
        return None;
    }
    let href = member
        .split("\"href\":\"")
        .nth(1)
        .and_then(|h| h.split('"').next())
        .unwrap_or("no href");
    Some(href.to_string())
}
