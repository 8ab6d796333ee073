//! Stage 8, export: GeoJSON layers (RFC 7946, WGS 84) and `summary.json`, each written
//! atomically. With `load`, the only stage that touches files.
//!
//! | module | what it does |
//! |---|---|
//! | `atomic` | temp file + sync + rename; output folder preparation |
//! | `geojson` | a streaming, deterministic GeoJSON writer |
//! | `layers` | `buildings`, `grid`, `neighbourhoods` layers of an estimate |
//! | `summary` | `summary.json`: totals, consistency, notes, quality, assumptions |

pub mod atomic;
pub mod geojson;
pub mod layers;
pub mod summary;

use std::path::{Path, PathBuf};

use crate::pipeline::Estimated;
use crate::{Error, Result};

/// Writes every output of an estimate into `dir`; returns the files written.
pub fn write_estimate(dir: &Path, run: &Estimated) -> Result<Vec<PathBuf>> {
    atomic::prepare_dir(dir)?;
    let to_wgs84 = geojson::to_wgs84(run.site.crs.epsg)?;
    let mut written = vec![
        layers::write_buildings(dir, run, &to_wgs84)?,
        layers::write_grid(dir, run, &to_wgs84)?,
        layers::write_neighbourhoods(dir, run, &to_wgs84)?,
    ];
    let summary = summary::summary(run);
    let text = serde_json::to_string_pretty(&summary)
        .map_err(|e| Error::Tool(format!("cannot write summary.json: {e}")))?;
    let path = dir.join("summary.json");
    atomic::write_atomic(&path, |w| {
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")
    })?;
    written.push(path);
    Ok(written)
}
