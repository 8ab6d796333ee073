//! A run split over many machines: `cpgis prepare` writes the case for a distributed engine,
//! `cpgis finish` carries on from the per-building results the engine's tiles computed.
//!
//! `prepare` loads the site as `cpgis run` does (the preset and grid region settled by the
//! district's place) and writes `features.arrow` (every building, stop and population cell, one
//! Arrow row each) and `model.json` (the checked case without them). The engine tiles the
//! features and pipes each tile through `cpgis-tile`, which writes each own building's profile
//! and estimate. `prepare` also writes `driver.json` (the layers' load reports, the maps' context,
//! the inputs' fingerprints). `finish` reads the site from those three files, not from the
//! input layers, checks that the prepared model is still the site file's and the inputs are
//! unchanged, reads the results (every building exactly once, ids matching) and runs the rest
//! (notes, aggregate, community, offsets, balance, every output) with `cpgis run`'s code: the
//! same outputs, byte for byte.

use std::path::{Path, PathBuf};

use cpgis_core::run::{self, Estimated, Progress};
use cpgis_core::{Error, Result};
use cpgis_tile::model::Model;
use cpgis_tile::{features, ipc, results};

use crate::config::SiteConfig;

/// What `prepare` wrote.
pub struct Prepared {
    /// The features file.
    pub features: PathBuf,
    /// The model file.
    pub model: PathBuf,
    /// The driver's file.
    pub driver: PathBuf,
    /// Buildings, stops and population cells written.
    pub counts: [usize; 3],
}

fn bad(file: &Path, problem: String) -> Error {
    Error::Layer {
        file: file.to_path_buf(),
        problem,
    }
}

/// Refuses a tile side that is not a positive length, or a halo short of the rail catchment.
pub fn check_tiling(tile_m: f64, halo_m: f64) -> Result<()> {
    if !(tile_m.is_finite() && tile_m > 0.0) {
        return Err(Error::Argument(format!(
            "--tile-m {tile_m}: a tile's side must be a positive number of metres"
        )));
    }
    if !(halo_m >= 960.0 && halo_m.is_finite()) {
        return Err(Error::Argument(format!(
            "--halo-m {halo_m}: the halo must reach at least the rail catchment, 960 m, for every building to see the stops it sees on one machine"
        )));
    }
    Ok(())
}

/// Writes `features.arrow` and `model.json` for `config` into `dir`, tiles of `tile_m` with a
/// halo of `halo_m` (checked: at least the rail catchment of 960 m).
pub fn prepare(
    config: SiteConfig,
    dir: &Path,
    tile_m: f64,
    halo_m: f64,
    progress: &mut dyn Progress,
) -> Result<Prepared> {
    check_tiling(tile_m, halo_m)?;
    let (config, checked, site) = crate::pipeline::load_site_with(config, progress)?;
    let model = Model::of(&config, &checked, &site, tile_m, halo_m)?;
    write_prepared(&config, &site, &model, dir, None, progress)
}

/// Writes the prepared folder: `features.arrow` (the site's features), `model.json`,
/// `driver.json` and, when the buildings were read on the engine (`numbering`; the site then
/// holds none), `buildings.json`, as one generation.
pub fn write_prepared(
    config: &SiteConfig,
    site: &cpgis_core::site::Site,
    model: &Model,
    dir: &Path,
    numbering: Option<&crate::prepare_engine::Numbering>,
    progress: &mut dyn Progress,
) -> Result<Prepared> {
    progress.stage("write features");
    let batches = features::encode(site).map_err(Error::Tool)?;
    let json = serde_json::to_string_pretty(model)
        .map_err(|e| Error::Tool(format!("cannot write the model: {e}")))?;
    progress.stage("fingerprint inputs");
    let driver =
        crate::prepared::DriverPart::of(config, site, &crate::pipeline::input_files(config));
    let driver = serde_json::to_string(&driver)
        .map_err(|e| Error::Tool(format!("cannot write the driver's part: {e}")))?;
    // The files one generation: the folder holds the previous set or this one, never a
    // model beside features it was not made with (they had been renamed in one after the other).
    let generation =
        cpgis_io::export::Generation::begin_for(dir, &cpgis_io::export::atomic::PREPARED_NAMES)?;
    use cpgis_io::export::atomic::write_atomic;
    write_atomic(&generation.dir().join("features.arrow"), |w| {
        ipc::write_file(w, &batches).map_err(std::io::Error::other)
    })?;
    write_atomic(&generation.dir().join("model.json"), |w| {
        w.write_all(json.as_bytes())
    })?;
    write_atomic(&generation.dir().join(crate::prepared::NAME), |w| {
        w.write_all(driver.as_bytes())
    })?;
    if let Some(n) = numbering {
        let text = serde_json::to_string(n)
            .map_err(|e| Error::Tool(format!("cannot write the numbering: {e}")))?;
        write_atomic(
            &generation.dir().join(crate::prepare_engine::NUMBERING),
            |w| w.write_all(text.as_bytes()),
        )?;
    }
    generation.commit()?;
    let (features_path, model_path) = (dir.join("features.arrow"), dir.join("model.json"));
    Ok(Prepared {
        features: features_path,
        model: model_path,
        driver: dir.join(crate::prepared::NAME),
        counts: [
            numbering.map_or(site.buildings.len(), |n| n.buildings),
            site.stops.len(),
            site.population.len(),
        ],
    })
}

/// Where each building of the results lies, from four columns of every file.
fn places_of(files: &[PathBuf], neighbourhoods: usize) -> Result<results::Places> {
    let mut places = results::Places::new(neighbourhoods);
    for f in files {
        let file =
            std::fs::File::open(f).map_err(|e| bad(f, format!("cannot open the results: {e}")))?;
        let batches =
            ipc::read_file_columns(std::io::BufReader::new(file), &results::PLACE_COLUMNS)
                .map_err(|e| bad(f, e))?;
        for b in &batches {
            places.add(b).map_err(|e| bad(f, e))?;
        }
    }
    Ok(places)
}

/// The Arrow IPC files of a results folder (`*.arrow`, any depth), sorted by path.
fn result_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let entries = std::fs::read_dir(&d)
            .map_err(|e| bad(&d, format!("cannot read the results folder: {e}")))?;
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "arrow") {
                out.push(p);
            }
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(bad(dir, "no results (*.arrow files) in this folder".into()));
    }
    Ok(out)
}

/// Reads the site from `prepared` (no input layer is read again), checks it is still the site
/// file's case (its model, and the inputs' fingerprints), and estimates it from the results in
/// `results_dir`, with the sums of the engine's `tables` when given (`crate::tables`). A map of
/// more than `hold_all_max` buildings is estimated holding only the district's, the community's
/// and the buildings the uncertainty walks ([`Estimated::held`]); every figure over the map
/// comes from what was gathered as the results were read.
pub fn estimate_from_results(
    config: SiteConfig,
    prepared: &Path,
    results_dir: &Path,
    tables: Option<&Path>,
    hold_all_max: usize,
    progress: &mut dyn Progress,
) -> Result<Estimated> {
    progress.stage("check preset");
    let checked = run::check(&config, &cpgis_io::Disk)?;
    progress.stage("read prepared");
    // The inputs are fingerprinted on a thread of their own while the prepared site is read:
    // both read every byte of a large file once.
    let files: Vec<PathBuf> = crate::pipeline::input_files(&config)
        .into_iter()
        .map(Path::to_path_buf)
        .collect();
    let results_files = result_files(results_dir)?;
    // The neighbourhoods' ranges walk buildings beyond the district's and the community's only
    // when draws are asked for.
    let walk = config.uncertainty.draws > 0;
    let (read, now) = std::thread::scope(|s| {
        let now = s.spawn(|| {
            let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
            crate::fingerprint::of(&paths)
        });
        let read = || -> Result<_> {
            let p = crate::prepared::read(prepared)?;
            // The buildings' places first (four columns of the results): above the limit, only
            // the district's, the community's and the walked buildings are read and held.
            let places = places_of(&results_files, p.site.neighbourhoods.len())?;
            // (A building the results lack, or hold twice, is said when they are read.)
            let held = (places.buildings() > hold_all_max).then(|| places.held(walk));
            Ok((p.with_features(held.as_deref())?, held))
        };
        let read = read();
        (read, now.join())
    });
    let now = now.map_err(|_| Error::Tool("the inputs' fingerprints failed".into()))?;
    let (
        crate::prepared::PreparedSite {
            model: given,
            mut site,
            buildings: total,
            inputs,
            layers,
            ..
        },
        held,
    ) = read?;
    let sections =
        crate::prepared::changed_settings(&layers, &crate::prepared::layer_settings(&config));
    if !sections.is_empty() {
        return Err(bad(
            &config.file,
            format!(
                "the layer settings of {} differ from those `cpgis prepare` read the layers by (the prepared features are another reading of the site): prepare the case again",
                sections
                    .iter()
                    .map(|s| format!("[{s}]"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let (config, checked) = crate::pipeline::settle(config, checked, &site)?;
    let model_path = prepared.join("model.json");
    // The site is the prepared features', so the tiling (origin, reach) is the model's own; the
    // community's outline, worked out here for the check, is the one the run then places in.
    let outline = cpgis_core::community::outline_of(
        &site,
        &config.community,
        &checked.factors,
        &config.file,
    )?;
    let here = Model::with_outline(&config, &checked, &site, given.tiling, &outline);
    let same = serde_json::to_string(&given).ok() == serde_json::to_string(&here).ok();
    if !same {
        return Err(bad(
            &model_path,
            "the prepared model is not this site file's (its preset, factors, scenarios, grid, community or interventions differ): prepare it again".into(),
        ));
    }
    let changed = crate::fingerprint::changes(&inputs, &now);
    if let Some((file, what)) = changed.first() {
        let also: String = changed[1..]
            .iter()
            .map(|(f, s)| format!("; {} {s}", f.display()))
            .collect();
        return Err(bad(
            file,
            format!(
                "{what}{also} since `cpgis prepare` read the inputs: prepare the case again, so that the tiles and this run read the same site"
            ),
        ));
    }
    // An input not checked (not found here, or not a local file) is said in its layer's report
    // (a shapefile's sidecar in its layer's, a joined table's in the first layer's).
    for (file, why) in crate::fingerprint::unchecked(&inputs, &now) {
        let stem = file.with_extension("");
        let layer = |q: &cpgis_core::site::LayerQuality| crate::fingerprint::absolute(&q.file);
        let at = site
            .quality
            .iter()
            .position(|q| layer(q) == file)
            .or_else(|| {
                site.quality
                    .iter()
                    .position(|q| layer(q).with_extension("") == stem)
            })
            .unwrap_or(0);
        if let Some(q) = site.quality.get_mut(at) {
            q.notes.push(why);
        }
    }
    progress.stage("read results");
    let expected = results::emission_columns(&checked.scenarios);
    // Without the engine's tables, the results' rows are summed as they are read.
    let size = (checked.scenarios.len(), cpgis_core::estimate::SECTORS.len());
    let mut collector = results::Collector::new(
        &site,
        total,
        held.as_deref(),
        &checked.factors,
        checked.scenarios.proposed(),
        tables.is_none().then_some(size),
    );
    for f in results_files {
        let file = std::fs::File::open(&f)
            .map_err(|e| bad(&f, format!("cannot open the results: {e}")))?;
        // One file at a time: a million buildings' results are over half a gigabyte.
        let batches = ipc::read_file(std::io::BufReader::new(file)).map_err(|e| bad(&f, e))?;
        for batch in &batches {
            let names: Vec<&str> = batch
                .schema_ref()
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .filter(|n| n.ends_with("_t"))
                .collect();
            if names != expected {
                return Err(bad(
                    &f,
                    format!(
                        "results for the scenarios' columns {} where this case has {}",
                        names.join(", "),
                        expected.join(", ")
                    ),
                ));
            }
        }
        collector.add_file(&batches).map_err(|e| bad(&f, e))?;
    }
    let (buildings, mut gathered) = collector.finish().map_err(|e| bad(results_dir, e))?;
    if let Some(held) = &held {
        // The sample in the held buildings' positions. (Without draws the plan is never read,
        // and the buildings it names were not held.)
        if walk {
            gathered.sample_plan = gathered
                .sample_plan
                .in_positions(held)
                .map_err(|e| bad(results_dir, e))?;
        }
    }
    let sums = tables
        .map(|dir| crate::tables::read(dir, &checked.scenarios, site.neighbourhoods.len()))
        .transpose()?;
    let mut estimated =
        run::estimate_from(config, checked, site, buildings, gathered, sums, progress)?;
    estimated.outline = Some(outline);
    estimated.held = held;
    Ok(estimated)
}
