//! Stage 8, export: GeoJSON layers (RFC 7946, WGS 84) and `summary.json`, each written
//! atomically. With `load`, the only stage that touches files.
//!
//! | module | what it does |
//! |---|---|
//! | `atomic` | temp file + sync + rename; output folder preparation |
//! | `geojson` | a streaming, deterministic GeoJSON writer |
//! | `layers` | `buildings`, `grid`, `neighbourhoods` layers of an estimate |
//! | `offset_layers` | `community`, `opportunities`, `offset_zones` layers of a full run |
//! | `summary` | `summary.json`: totals, consistency, notes, quality, assumptions |
//!
//! `report.html` is drawn by [`crate::report`] and written here.

pub mod atomic;
pub mod geojson;
pub mod layers;
pub mod offset_layers;
pub mod summary;

use std::path::{Path, PathBuf};

use crate::pipeline::{Estimated, Ran};
use crate::{Error, Result};

/// Writes every output of an estimate into `dir`; returns the files written.
pub fn write_estimate(dir: &Path, run: &Estimated) -> Result<Vec<PathBuf>> {
    atomic::prepare_dir(dir)?;
    let to_wgs84 = geojson::to_wgs84(run.site.crs.epsg)?;
    let mut written = vec![
        layers::write_buildings(dir, run, None, &to_wgs84)?,
        layers::write_grid(dir, run, &to_wgs84)?,
        layers::write_neighbourhoods(dir, run, &to_wgs84)?,
    ];
    written.push(write_summary(dir, &summary::summary(run, None))?);
    Ok(written)
}

/// Writes every output of a full run into `dir`; returns the files written.
pub fn write_run(dir: &Path, ran: &Ran) -> Result<Vec<PathBuf>> {
    let run = &ran.estimated;
    atomic::prepare_dir(dir)?;
    let to_wgs84 = geojson::to_wgs84(run.site.crs.epsg)?;
    let mut written = vec![
        layers::write_buildings(dir, run, Some(&ran.community.membership), &to_wgs84)?,
        layers::write_grid(dir, run, &to_wgs84)?,
        layers::write_neighbourhoods(dir, run, &to_wgs84)?,
        offset_layers::write_community(dir, ran, &to_wgs84)?,
        offset_layers::write_opportunities(dir, ran, &to_wgs84)?,
        offset_layers::write_zones(dir, ran, &to_wgs84)?,
    ];
    written.push(write_summary(dir, &summary::summary(run, Some(ran)))?);
    let html = crate::report::render_html(ran);
    let path = dir.join("report.html");
    atomic::write_atomic(&path, |w| w.write_all(html.as_bytes()))?;
    written.push(path);
    Ok(written)
}

fn write_summary(dir: &Path, summary: &summary::Summary) -> Result<PathBuf> {
    let text = serde_json::to_string_pretty(summary)
        .map_err(|e| Error::Tool(format!("cannot write summary.json: {e}")))?;
    let path = dir.join("summary.json");
    atomic::write_atomic(&path, |w| {
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")
    })?;
    Ok(path)
}
