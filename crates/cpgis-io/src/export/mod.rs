//! Stage 8, export: GeoJSON layers (RFC 7946, WGS 84), `summary.json` and the report, each written
//! atomically. With `load`, the only stage that touches files.
//!
//! | module | what it does |
//! |---|---|
//! | `antimeridian` | polygons across 180° split into parts on either side (RFC 7946 §3.1.9) |
//! | `atomic` | temp file + sync + rename; output folder checks |
//! | `generation` | a run's outputs replace the previous run's whole or not at all |
//! | `geojson` | a streaming, deterministic GeoJSON writer |
//! | `gpkg` | every layer copied into one GeoPackage through GDAL |
//! | `layers` | `buildings`, `grid`, `neighbourhoods` layers of an estimate |
//! | `offset_layers` | `community`, `opportunities`, `offset_zones` layers of a full run |
//! | `sink` | the file under an atomic write: 4 MiB blocks written by a helper thread, `O_DIRECT` where possible |
//!
//! `summary.json`'s content is the core's (`cpgis_core::summary`); `report.html` is drawn by
//! `cpgis-report` and handed to [`write_run_with`] as a function, so export and report do not
//! depend on each other.

pub mod antimeridian;
pub mod atomic;
mod csv;
pub mod generation;
pub mod geojson;
pub(crate) mod gpkg;
pub mod layers;
pub mod offset_layers;
pub mod sink;

use std::path::{Path, PathBuf};

use cpgis_core::run::{Estimated, Ran};
use cpgis_core::summary;
use cpgis_core::{Error, Result};

pub use generation::{Committed, Generation};
pub use gpkg::{Format, Style};

/// Where the GeoJSON layers go: the output folder, or (GeoPackage only) a hidden folder in it
/// that is removed once the layers are copied.
fn layer_dir(dir: &Path, format: Format) -> PathBuf {
    match format {
        Format::Gpkg | Format::Csv => dir.join(format!(".cpgis-layers-{}", std::process::id())),
        Format::Geojson | Format::Both => dir.to_path_buf(),
    }
}

/// Copies the layers into a GeoPackage when asked, and removes the temporary GeoJSON.
fn finish_layers(
    dir: &Path,
    format: Format,
    layers: Vec<PathBuf>,
    styles: &[gpkg::Style],
    local_epsg: Option<u32>,
) -> Result<Vec<PathBuf>> {
    match format {
        Format::Geojson => Ok(layers),
        Format::Both => {
            let gpkg = gpkg::write_gpkg(dir, &layers, styles, local_epsg)?;
            Ok(layers.into_iter().chain(std::iter::once(gpkg)).collect())
        }
        Format::Gpkg => {
            let gpkg = gpkg::write_gpkg(dir, &layers, styles, local_epsg);
            if let Some(tmp) = layers.first().and_then(|l| l.parent()) {
                let _ = std::fs::remove_dir_all(tmp);
            }
            Ok(vec![gpkg?])
        }
        Format::Csv => {
            let tables: Result<Vec<Option<PathBuf>>> = layers
                .iter()
                .filter(|l| {
                    l.file_stem()
                        .is_some_and(|s| csv::TABLES.contains(&s.to_string_lossy().as_ref()))
                })
                .map(|l| csv::write_table(dir, l))
                .collect();
            let tables = tables.map(|t| t.into_iter().flatten().collect());
            if let Some(tmp) = layers.first().and_then(|l| l.parent()) {
                let _ = std::fs::remove_dir_all(tmp);
            }
            tables
        }
    }
}

/// Writes every output of an estimate as one generation in `out`; returns the files written
/// and the older outputs removed.
pub fn write_estimate(out: &Path, run: &Estimated, format: Format) -> Result<Committed> {
    let generation = Generation::begin(out)?;
    let dir = generation.dir();
    let ldir = prepare(dir, format)?;
    let to_wgs84 = geojson::to_wgs84(run.site.crs.epsg)?;
    let mut layers = vec![
        layers::write_buildings(&ldir, run, None)?,
        layers::write_grid(&ldir, run, &to_wgs84)?,
        layers::write_neighbourhoods(&ldir, run, &to_wgs84)?,
    ];
    layers.extend(layers::write_stops(&ldir, run, &to_wgs84)?);
    let local = run
        .config
        .output
        .gpkg_local_crs
        .then_some(run.site.crs.epsg);
    finish_layers(dir, format, layers, &[], local)?;
    let s = summary::summary(run, None);
    write_summary(dir, &s)?;
    if format == Format::Csv {
        csv::write_balance(dir, &s)?;
    }
    generation.commit()
}

/// Prepares the folder `dir` a generation is staged in (and, for a GeoPackage, the hidden folder its layers are
/// written into first); returns the folder the GeoJSON layers go into.
pub fn prepare(dir: &Path, format: Format) -> Result<PathBuf> {
    atomic::prepare_dir(dir)?;
    let ldir = layer_dir(dir, format);
    atomic::prepare_dir(&ldir)?;
    Ok(ldir)
}

/// What a thread writing a layer returned (its `join()`), or why it stopped.
pub fn joined<T>(thread: std::thread::Result<Result<T>>) -> Result<T> {
    thread.unwrap_or_else(|_| Err(Error::Tool("the thread writing a layer failed".into())))
}

/// Writes every output of a full run into `dir` (a [`Generation`]'s folder, [`prepare`]d
/// already) and returns the files written; `report` draws `report.html`. The buildings layer is written elsewhere, on a thread of its own
/// (`cpgis::pipeline::run_site_writing`): `buildings` waits for it. It is called on this
/// thread once the other outputs are written (never on one of rayon's, which the layer's
/// thread needs), and the layer is renamed into place last.
pub fn write_run_with(
    dir: &Path,
    ran: &Ran,
    format: Format,
    buildings: impl FnOnce() -> Result<Option<atomic::Staged>>,
    report: &(dyn Fn(&Ran) -> String + Sync),
    styles: &dyn Fn(&Ran) -> Vec<gpkg::Style>,
) -> Result<Vec<PathBuf>> {
    let run = &ran.estimated;
    let ldir = layer_dir(dir, format);
    let epsg = run.site.crs.epsg;
    // The small layers, the summary and the report, then side by side with them and with the
    // buildings the opportunities: each large layer renders on every core but leaves gaps
    // (between its batches, while a batch is handed over) that the other work fills. Each file
    // is its own, so the bytes are those of one after the other. The large layers make a GDAL
    // transform per rendering thread; the small ones share one.
    let (rest, opportunities) = rayon::join(
        || -> Result<_> {
            let t = geojson::to_wgs84(epsg)?;
            let small = [
                layers::write_grid(&ldir, run, &t)?,
                layers::write_neighbourhoods(&ldir, run, &t)?,
                offset_layers::write_community(&ldir, ran, &t)?,
                offset_layers::write_zones(&ldir, ran, &t)?,
            ];
            let stops = layers::write_stops(&ldir, run, &t)?;
            let s = summary::summary(run, Some(ran));
            let summary = write_summary(dir, &s)?;
            // The balance table comes from the same summary (written once, beside it).
            let balance = if format == Format::Csv {
                csv::write_balance(dir, &s)?
            } else {
                None
            };
            let html = report(ran);
            let report = dir.join("report.html");
            atomic::write_atomic(&report, |w| w.write_all(html.as_bytes()))?;
            Ok((small, stops, summary, report, balance))
        },
        || offset_layers::write_opportunities(&ldir, ran),
    );
    let buildings = buildings();
    let ([grid, neighbourhoods, community, zones], stops, summary, report, balance) = rest?;
    let opportunities = opportunities?;
    // No buildings layer when a distributed run's driver holds only some buildings: the
    // tiles wrote it (`run::Estimated::held`).
    let mut layers = match buildings? {
        Some(b) => vec![b.commit()?],
        None => Vec::new(),
    };
    layers.extend([grid, neighbourhoods, community, opportunities, zones]);
    layers.extend(stops);
    let styles = if matches!(format, Format::Gpkg | Format::Both) {
        styles(ran)
    } else {
        Vec::new()
    };
    let local = run
        .config
        .output
        .gpkg_local_crs
        .then_some(run.site.crs.epsg);
    let mut written = finish_layers(dir, format, layers, &styles, local)?;
    written.extend(balance);
    written.push(summary);
    written.push(report);
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
