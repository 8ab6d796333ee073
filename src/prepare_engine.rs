//! `cpgis prepare` with the buildings read on the engine's workers: for a buildings layer too
//! large for one machine (a country's GeoParquet). The driver reads the boundaries, stops and
//! population as `prepare` does; the workers read the buildings' row groups with the loader
//! `cpgis run` uses (cpgis-io's `load::part`), so every building, and the prepared folder, is
//! what `cpgis prepare` writes, bit for bit. The steps, each a command:
//!
//! | step | where | writes (under the prepared folder) |
//! |---|---|---|
//! | `prepare --buildings-on-engine` | driver | `engine/plan.json`: the local CRS, the parts (runs of row groups) |
//! | `prepare-part read N` | a worker per part | `engine/part-N.arrow` (its buildings, numbered within the part, their numbers read under the formats the part's own values decide), `engine/keys-N.arrow` (each one's id and footprint key), `engine/part-N.json` (its load report, count, extent, least point, each numeric field's survey and the format it was read under) |
//! | `prepare --merge-surveys` | driver | `engine/surveys.json`: the surveys merged, which decide the whole layer's formats; prints the parts read under others |
//! | `prepare-part read N` again | a worker per part printed | the part read under the merged surveys (none, when every part's columns read as the whole layer's) |
//! | the engine | cluster | `engine/duplicates.json`: the keys and ids held by more than one building, with their buildings (optional: without it `--complete` groups the keys files itself) |
//! | `prepare --complete` | driver | `features.arrow` (stops, population cells), `model.json`, `driver.json`, `buildings.json` (each part's first index and the footprints drawn twice it drops) |
//! | `prepare-part number N` | a worker per part | `building-parts/part-N.arrow`: the part's buildings with their indices in the whole site |
//!
//! `finish` and the engine then read the buildings from `building-parts/` after
//! `features.arrow`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch, StringArray, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use cpgis_core::config::SiteConfig;
use cpgis_core::run::Progress;
use cpgis_core::site::{DuplicateFeature, LayerQuality, LocalCrs, Shape};
use cpgis_core::{Error, Result};
use cpgis_io::export::atomic::write_atomic;
use cpgis_io::load::part::{self, BuildingsElsewhere, Part};
use cpgis_io::load::values::{ColumnSurvey, NumberFormat};
use cpgis_tile::model::{Model, Tiling};
use cpgis_tile::{features, ipc};
use serde::{Deserialize, Serialize};

/// The engine's folder inside the prepared folder.
pub const ENGINE_DIR: &str = "engine";
/// The numbered parts' folder inside the prepared folder.
pub const PARTS_DIR: &str = "building-parts";
/// The numbering's file in the prepared folder.
pub const NUMBERING: &str = "buildings.json";

/// What `prepare --buildings-on-engine` plans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The site file's layer settings (checked by every later step).
    pub layers: serde_json::Value,
    /// The local CRS the buildings are read into.
    pub local: LocalCrs,
    /// The buildings layer's parts, in the file's order.
    pub parts: Vec<Part>,
    /// Tile side and halo, m, for the model.
    pub tile_m: f64,
    /// Halo, m.
    pub halo_m: f64,
}

/// A part's reading, for `--complete`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartReport {
    /// The part's number.
    pub number: usize,
    /// Its load report (what `LayerQuality::add_part` merges).
    pub quality: LayerQuality,
    /// Its buildings.
    pub buildings: usize,
    /// The box of its buildings: min x, min y, max x, max y.
    pub extent: Option<[f64; 4]>,
    /// The least x and least y of its buildings' representative points (the tiles' origin).
    pub least: Option<[f64; 2]>,
    /// Its own survey of each numeric field.
    pub surveys: Vec<ColumnSurvey>,
    /// The format each numeric field was read under.
    pub formats: Vec<NumberFormat>,
}

/// The keys and ids more than one building holds, with their buildings (part, position in
/// the part), as the engine groups them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Duplicates {
    /// Buildings sharing a footprint key.
    pub footprints: Vec<Vec<(usize, usize)>>,
    /// Buildings sharing an id.
    pub ids: Vec<Vec<(usize, usize)>>,
}

/// Where each part's buildings go in the whole site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Numbering {
    /// Per part in order: its first building's index, its buildings kept, the positions it drops.
    pub parts: Vec<PartNumbers>,
    /// The site's buildings.
    pub buildings: usize,
}

/// One part's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartNumbers {
    /// The part's number.
    pub number: usize,
    /// The index of its first building kept.
    pub first: usize,
    /// Its buildings kept.
    pub kept: usize,
    /// Positions within the part of the buildings dropped (footprints drawn twice), ascending.
    pub dropped: Vec<usize>,
}

fn bad(file: &Path, problem: String) -> Error {
    Error::Layer {
        file: file.to_path_buf(),
        problem,
    }
}

fn engine(dir: &Path) -> PathBuf {
    dir.join(ENGINE_DIR)
}

/// The numbered part `number`'s file in the prepared folder `dir`, as `finish` reads it.
pub fn numbered_part(dir: &Path, number: usize) -> PathBuf {
    dir.join(PARTS_DIR).join(format!("part-{number:06}.arrow"))
}

fn named(dir: &Path, stem: &str, number: usize, ext: &str) -> PathBuf {
    engine(dir).join(format!("{stem}-{number:06}.{ext}"))
}

fn write_json<T: Serialize>(path: &Path, v: &T) -> Result<()> {
    let text = serde_json::to_string(v)
        .map_err(|e| Error::Tool(format!("cannot write {}: {e}", path.display())))?;
    write_atomic(path, |w| w.write_all(text.as_bytes()))
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path, what: &str) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        bad(
            path,
            format!("cannot read {what} ({e}): run the step that writes it"),
        )
    })?;
    serde_json::from_str(&text).map_err(|e| bad(path, format!("not {what}: {e}")))
}

/// Reads the plan and checks the site file still reads its layers as when it was made.
pub fn read_plan(config: &SiteConfig, dir: &Path) -> Result<Plan> {
    let path = engine(dir).join("plan.json");
    let plan: Plan = read_json(&path, "the engine's plan")?;
    let changed =
        crate::prepared::changed_settings(&plan.layers, &crate::prepared::layer_settings(config));
    if !changed.is_empty() {
        return Err(bad(
            &config.file,
            format!(
                "the site file's {} changed since the buildings were planned for the engine; plan again (cpgis prepare --buildings-on-engine)",
                changed.join(", ")
            ),
        ));
    }
    Ok(plan)
}

/// The first step: the parts of the buildings layer and the local CRS, in
/// `dir/engine/plan.json`.
pub fn plan(
    config: &SiteConfig,
    dir: &Path,
    tile_m: f64,
    halo_m: f64,
    rows_per_part: u64,
) -> Result<Plan> {
    crate::distributed::check_tiling(tile_m, halo_m)?;
    let parts = part::plan(config, rows_per_part.max(1))?;
    let plan = Plan {
        layers: crate::prepared::layer_settings(config),
        local: part::local_crs(config)?,
        parts,
        tile_m,
        halo_m,
    };
    // A new plan: the previous one's parts and surveys go.
    let folder = engine(dir);
    if folder.is_dir() {
        std::fs::remove_dir_all(&folder)
            .map_err(|e| bad(&folder, format!("cannot clear the engine's folder: {e}")))?;
    }
    std::fs::create_dir_all(&folder)
        .map_err(|e| bad(&folder, format!("cannot create the engine's folder: {e}")))?;
    write_json(&folder.join("plan.json"), &plan)?;
    Ok(plan)
}

fn part_of(plan: &Plan, number: usize) -> Result<&Part> {
    plan.parts.get(number).ok_or_else(|| {
        Error::Argument(format!(
            "part {number}: the plan has parts 0 to {}",
            plan.parts.len().saturating_sub(1)
        ))
    })
}

/// The merged surveys' file, once written ([`merge`]).
fn merged_path(dir: &Path) -> PathBuf {
    engine(dir).join("surveys.json")
}

/// The driver's step once every part is read: the parts' surveys merged into
/// `engine/surveys.json`; the parts whose numbers were read under other formats than the whole
/// layer's, which must be read again (under the merged surveys, which `read` then takes).
pub fn merge(config: &SiteConfig, dir: &Path) -> Result<Vec<usize>> {
    let plan = read_plan(config, dir)?;
    let reports = reports_of(dir, &plan)?;
    let merged = part::merge_surveys(
        &reports
            .iter()
            .map(|r| r.surveys.clone())
            .collect::<Vec<_>>(),
    );
    write_json(&merged_path(dir), &merged)?;
    let formats = part::formats_of(&merged);
    Ok(reports
        .iter()
        .filter(|r| r.formats != formats)
        .map(|r| r.number)
        .collect())
}

fn reports_of(dir: &Path, plan: &Plan) -> Result<Vec<PartReport>> {
    plan.parts
        .iter()
        .map(|p| read_json(&named(dir, "part", p.number, "json"), "a part's report"))
        .collect()
}

fn keys_schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("part", DataType::Int64, false),
        Field::new("local", DataType::Int64, false),
        Field::new("id", DataType::Utf8, false),
        Field::new("key", DataType::Int64, true),
    ]))
}

/// A worker's reading of part `number`: its buildings, keys and report, under the merged surveys
/// once they are written, else under the part's own.
pub fn read(config: &SiteConfig, dir: &Path, number: usize) -> Result<PartReport> {
    let plan = read_plan(config, dir)?;
    let p = part_of(&plan, number)?;
    // Under the whole layer's formats once they are merged, else under the part's own.
    let merged: Option<Vec<ColumnSurvey>> = match merged_path(dir).exists() {
        true => Some(read_json(&merged_path(dir), "the merged surveys")?),
        false => None,
    };
    let part::ReadPart {
        buildings,
        quality,
        surveys,
        formats,
    } = part::read(config, &plan.local, p, merged.as_deref(), &engine(dir))?;
    let batches = features::encode_buildings(&buildings, 0).map_err(Error::Tool)?;
    write_atomic(&named(dir, "part", number, "arrow"), |w| {
        ipc::write_file(w, &batches).map_err(std::io::Error::other)
    })?;
    let n = buildings.len() as i64;
    let keys = RecordBatch::try_new(
        keys_schema(),
        vec![
            Arc::new(Int64Array::from(vec![number as i64; buildings.len()])) as ArrayRef,
            Arc::new(Int64Array::from_iter_values(0..n)),
            Arc::new(StringArray::from_iter_values(
                buildings.iter().map(|b| &*b.id),
            )),
            // The key's bits as a signed integer (Spark has no unsigned 64-bit type).
            Arc::new(Int64Array::from_iter(
                buildings
                    .iter()
                    .map(|b| part::footprint_key(&b.shape).map(|k| k as i64)),
            )),
        ],
    )
    .map_err(|e| Error::Tool(e.to_string()))?;
    write_atomic(&named(dir, "keys", number, "arrow"), |w| {
        ipc::write_file(w, &[keys]).map_err(std::io::Error::other)
    })?;
    let extent = cpgis_io::load::rect_of_buildings(&buildings)
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]);
    let least = buildings
        .iter()
        .filter_map(cpgis_core::tiles::point_of)
        .map(|p| [p.x(), p.y()])
        .reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1])]);
    let report = PartReport {
        number,
        quality,
        buildings: buildings.len(),
        extent,
        least,
        surveys,
        formats,
    };
    write_json(&named(dir, "part", number, "json"), &report)?;
    Ok(report)
}

/// Groups the keys files when the engine gave no duplicates: every building's key and id on
/// this machine (a city's; a country's are grouped by the engine).
fn duplicates_here(dir: &Path, plan: &Plan) -> Result<Duplicates> {
    let mut by_key: BTreeMap<i64, Vec<At>> = BTreeMap::new();
    let mut by_id: BTreeMap<String, Vec<At>> = BTreeMap::new();
    for p in &plan.parts {
        each_key(dir, p.number, |local, id, key| {
            let at = (p.number, local);
            if let Some(key) = key {
                by_key.entry(key).or_default().push(at);
            }
            by_id.entry(id.to_string()).or_default().push(at);
        })?;
    }
    let many = |v: Vec<Vec<At>>| v.into_iter().filter(|g| g.len() > 1).collect();
    Ok(Duplicates {
        footprints: many(by_key.into_values().collect()),
        ids: many(by_id.into_values().collect()),
    })
}

/// Calls `f` with each row of part `number`'s keys file: the building's position in the part,
/// its id and its footprint key.
fn each_key(dir: &Path, number: usize, mut f: impl FnMut(usize, &str, Option<i64>)) -> Result<()> {
    let path = named(dir, "keys", number, "arrow");
    let file = std::fs::File::open(&path).map_err(|e| {
        bad(
            &path,
            format!("cannot open a part's keys ({e}): read the part"),
        )
    })?;
    for b in ipc::read_file(std::io::BufReader::new(file)).map_err(|e| bad(&path, e))? {
        let col = |n: &str| b.column_by_name(n).cloned();
        let (Some(local), Some(id), Some(key)) = (col("local"), col("id"), col("key")) else {
            return Err(bad(&path, "not a keys file".into()));
        };
        let (Some(local), Some(id), Some(key)) = (
            local.as_any().downcast_ref::<Int64Array>(),
            id.as_any().downcast_ref::<StringArray>(),
            key.as_any().downcast_ref::<Int64Array>(),
        ) else {
            return Err(bad(&path, "not a keys file".into()));
        };
        for i in 0..b.num_rows() {
            f(
                local.value(i) as usize,
                id.value(i),
                key.is_valid(i).then(|| key.value(i)),
            );
        }
    }
    Ok(())
}

/// A building of a part: (the part's number, its position in the part).
type At = (usize, usize);

/// The footprints of some buildings of one part, by position.
fn shapes_of(dir: &Path, number: usize, wanted: &[usize]) -> Result<BTreeMap<usize, Shape>> {
    let path = named(dir, "part", number, "arrow");
    let file = std::fs::File::open(&path)
        .map_err(|e| bad(&path, format!("cannot open a part ({e}): read the part")))?;
    let batches = ipc::read_file(std::io::BufReader::new(file)).map_err(|e| bad(&path, e))?;
    let mut out = BTreeMap::new();
    for b in batches {
        let idx = b
            .column_by_name("idx")
            .and_then(|c| c.as_any().downcast_ref::<UInt64Array>())
            .ok_or_else(|| bad(&path, "not a part's buildings".into()))?;
        let wkb = b
            .column_by_name("wkb")
            .and_then(|c| c.as_any().downcast_ref::<arrow_array::BinaryArray>())
            .ok_or_else(|| bad(&path, "not a part's buildings".into()))?;
        for i in 0..b.num_rows() {
            let at = idx.value(i) as usize;
            if wanted.binary_search(&at).is_ok() {
                let shape = cpgis_tile::wkb::to_shape(wkb.value(i)).map_err(|e| bad(&path, e))?;
                out.insert(at, shape);
            }
        }
    }
    Ok(out)
}

/// The footprints drawn twice among `groups` (buildings sharing a key): for each building
/// whose footprint equals an earlier one's, (it, the first equal), ordered by the later one,
/// as the whole layer's reading finds them.
fn identical(dir: &Path, groups: &[Vec<(usize, usize)>]) -> Result<Vec<(At, At)>> {
    let mut wanted: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for g in groups {
        for &(p, l) in g {
            wanted.entry(p).or_default().push(l);
        }
    }
    let mut shapes: BTreeMap<(usize, usize), Shape> = BTreeMap::new();
    for (p, mut ls) in wanted {
        ls.sort_unstable();
        for (l, s) in shapes_of(dir, p, &ls)? {
            shapes.insert((p, l), s);
        }
    }
    let mut out = Vec::new();
    for g in groups {
        let mut g = g.clone();
        g.sort_unstable();
        for (k, at) in g.iter().enumerate().skip(1) {
            if let Some(first) = g[..k].iter().find(|e| shapes.get(e) == shapes.get(at)) {
                out.push((*at, *first));
            }
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// The driver's step once every part is read: the rest of the site loaded as `prepare` loads
/// it with the buildings' report and extent merged from the parts, and the prepared folder
/// written (`features.arrow` without buildings, `model.json`, `driver.json`, `buildings.json`).
pub fn complete(
    config: SiteConfig,
    dir: &Path,
    duplicates: Option<&Path>,
    progress: &mut dyn Progress,
) -> Result<crate::distributed::Prepared> {
    let plan = read_plan(&config, dir)?;
    progress.stage("merge parts");
    if !merged_path(dir).exists() {
        merge(&config, dir)?;
    }
    let merged: Vec<ColumnSurvey> = read_json(&merged_path(dir), "the merged surveys")?;
    let reports = reports_of(dir, &plan)?;
    // Every part read under the whole layer's formats (its own were the same, or it was read
    // again under them).
    let formats = part::formats_of(&merged);
    let otherwise: Vec<String> = reports
        .iter()
        .filter(|r| r.formats != formats)
        .map(|r| r.number.to_string())
        .collect();
    if !otherwise.is_empty() {
        return Err(Error::Argument(format!(
            "parts {} were read under other number formats than the whole buildings layer's: read them again (cpgis prepare-part --step read), then --complete",
            otherwise.join(", ")
        )));
    }
    let dups = match duplicates {
        Some(f) => read_json(f, "the engine's duplicates")?,
        None => duplicates_here(dir, &plan)?,
    };
    let twice = identical(dir, &dups.footprints)?;
    let wanted: std::collections::BTreeSet<(usize, usize)> = dups
        .footprints
        .iter()
        .chain(&dups.ids)
        .flatten()
        .copied()
        .collect();
    let ids = ids_of(dir, &reports, &wanted)?;
    let Some(first) = reports.first() else {
        return Err(Error::Argument(
            "the buildings layer has no row groups to read".into(),
        ));
    };
    let mut q = LayerQuality::new(
        &first.quality.role,
        first.quality.file.clone(),
        first.quality.layer.clone(),
        first.quality.crs.clone(),
    );
    for r in &reports {
        q.add_part(&r.quality);
    }
    q.number_formats = part::format_notes(&config, &merged);
    // Every building of a group is in the keys files (a group naming one that is not is the
    // engine's mistake, said, never written as an empty id).
    let id_of = |at: &At| -> Result<String> {
        ids.get(at).cloned().ok_or_else(|| {
            Error::Tool(format!(
                "the duplicates name building {} of part {}, which the part's keys do not hold: group the keys again",
                at.1, at.0
            ))
        })
    };
    for (later, earlier) in &twice {
        q.duplicates.push(DuplicateFeature {
            id: id_of(later)?,
            duplicate_of: id_of(earlier)?,
            overlap: 1.0,
        });
    }
    let dropped: std::collections::BTreeSet<(usize, usize)> =
        twice.iter().map(|(l, _)| *l).collect();
    // Ids more than one kept building holds, sorted (as the whole layer lists them).
    let mut repeated: Vec<String> = dups
        .ids
        .iter()
        .filter(|g| g.iter().filter(|at| !dropped.contains(at)).count() > 1)
        .map(|g| id_of(&g[0]))
        .collect::<Result<_>>()?;
    repeated.sort_unstable();
    repeated.dedup();
    q.duplicate_ids = repeated;
    let mut numbering = Numbering {
        parts: Vec::new(),
        buildings: 0,
    };
    for r in &reports {
        let gone: Vec<usize> = dropped
            .range((r.number, 0)..(r.number + 1, 0))
            .map(|(_, l)| *l)
            .collect();
        let kept = r.buildings - gone.len();
        numbering.parts.push(PartNumbers {
            number: r.number,
            first: numbering.buildings,
            kept,
            dropped: gone,
        });
        numbering.buildings += kept;
    }
    q.loaded = numbering.buildings;
    let rect = |e: &[f64; 4]| geo::Rect::new((e[0], e[1]), (e[2], e[3]));
    let elsewhere = BuildingsElsewhere {
        quality: vec![q],
        extent: reports
            .iter()
            .filter_map(|r| r.extent.as_ref().map(rect))
            .fold(None, |a, b| cpgis_io::load::joined(a, Some(b))),
    };
    let least = reports
        .iter()
        .filter_map(|r| r.least)
        .fold((f64::MAX, f64::MAX), |a, b| (a.0.min(b[0]), a.1.min(b[1])));
    progress.stage("check preset");
    let checked = cpgis_core::run::check(&config, &cpgis_io::Disk)?;
    progress.stage("load");
    let site = cpgis_io::load::load_with(&config, Some(&elsewhere))?;
    let (config, checked) = crate::pipeline::settle(config, checked, &site)?;
    let tiling = Tiling {
        origin: [least.0, least.1],
        size_m: plan.tile_m,
        halo_m: plan.halo_m,
        neighbour_m: cpgis_tile::model::neighbour_reach(&site),
    };
    let model = Model::of_tiled(&config, &checked, &site, tiling)?;
    // The previous numbering's parts go before the new numbering is written: a part of another
    // reading never stands beside it (until `number` writes them, reading the site says a part
    // is missing).
    let parts_dir = dir.join(PARTS_DIR);
    if parts_dir.is_dir() {
        std::fs::remove_dir_all(&parts_dir)
            .map_err(|e| bad(&parts_dir, format!("cannot clear the numbered parts: {e}")))?;
    }
    crate::distributed::write_prepared(&config, &site, &model, dir, Some(&numbering), progress)
}

/// The ids of the buildings `wanted` (part, position), from the keys files.
fn ids_of(
    dir: &Path,
    reports: &[PartReport],
    wanted: &std::collections::BTreeSet<(usize, usize)>,
) -> Result<BTreeMap<(usize, usize), String>> {
    let mut out = BTreeMap::new();
    // Only the parts that hold one of them are read.
    let parts: std::collections::BTreeSet<usize> = wanted.iter().map(|(p, _)| *p).collect();
    for r in reports.iter().filter(|r| parts.contains(&r.number)) {
        each_key(dir, r.number, |local, id, _| {
            if wanted.contains(&(r.number, local)) {
                out.insert((r.number, local), id.to_string());
            }
        })?;
    }
    Ok(out)
}

/// A worker's last step: part `number`'s buildings, the dropped ones left out, numbered in the
/// whole site (`building-parts/part-N.arrow`).
pub fn number(dir: &Path, number: usize) -> Result<usize> {
    let numbering: Numbering = read_json(&dir.join(NUMBERING), "the buildings' numbering")?;
    let n = numbering
        .parts
        .iter()
        .find(|p| p.number == number)
        .ok_or_else(|| Error::Argument(format!("part {number} is not in the numbering")))?;
    let path = named(dir, "part", number, "arrow");
    let file = std::fs::File::open(&path)
        .map_err(|e| bad(&path, format!("cannot open a part ({e}): read the part")))?;
    let batches = ipc::read_file(std::io::BufReader::new(file)).map_err(|e| bad(&path, e))?;
    let mut out = Vec::new();
    let mut next = n.first as u64;
    for b in batches {
        let idx = b
            .column_by_name("idx")
            .and_then(|c| c.as_any().downcast_ref::<UInt64Array>())
            .ok_or_else(|| bad(&path, "not a part's buildings".into()))?;
        let keep: arrow_array::BooleanArray = (0..b.num_rows())
            .map(|i| Some(n.dropped.binary_search(&(idx.value(i) as usize)).is_err()))
            .collect();
        let b = arrow_select::filter::filter_record_batch(&b, &keep)
            .map_err(|e| Error::Tool(e.to_string()))?;
        let renumbered = UInt64Array::from_iter_values(next..next + b.num_rows() as u64);
        next += b.num_rows() as u64;
        let mut columns = b.columns().to_vec();
        let at = b
            .schema()
            .index_of("idx")
            .map_err(|e| Error::Tool(e.to_string()))?;
        columns[at] = Arc::new(renumbered);
        out.push(
            RecordBatch::try_new(b.schema(), columns).map_err(|e| Error::Tool(e.to_string()))?,
        );
    }
    let kept = (next - n.first as u64) as usize;
    if kept != n.kept {
        return Err(bad(
            &path,
            format!(
                "holds {kept} buildings to keep where the numbering counts {}: read the part again",
                n.kept
            ),
        ));
    }
    let folder = dir.join(PARTS_DIR);
    std::fs::create_dir_all(&folder)
        .map_err(|e| bad(&folder, format!("cannot create the parts' folder: {e}")))?;
    write_atomic(&numbered_part(dir, number), |w| {
        ipc::write_file(w, &out).map_err(std::io::Error::other)
    })?;
    Ok(kept)
}
