//! GeoParquet layers where GDAL cannot read them. GDAL reads GeoParquet only when it was built
//! with Arrow (3.8 and later, optionally); Debian's 3.6 has no Parquet driver. There, a
//! GeoParquet file is converted once into a GeoPackage in the user's cache (named by the file's
//! path, size, modification time and Parquet footer, so a changed file is converted again, and
//! the conversion it replaces is deleted), which every later
//! step opens as it opens any layer: the site file's field mapping, `where` filters, joins,
//! `inspect` and `init` work on it unchanged.
//!
//! What the conversion keeps: the primary geometry column (WKB, GeoParquet 1.0 and 1.1), its CRS
//! (`crs` as PROJJSON or an `id` with authority and code; absent means OGC:CRS84, longitude and
//! latitude, as the specification says; `null` means unknown, so the site file must name it),
//! integers as 64-bit integers, floating-point and decimal numbers as reals, booleans as
//! booleans, text as text, and every other column (dates, lists, structs) as its text. A row
//! whose geometry is not WKB keeps its attributes and no geometry, which the loader then counts
//! and lists as a feature without geometry, as it does for any format.

use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_cast::CastOptions;
use arrow_schema::DataType;
use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use gdal::vector::{Geometry, LayerAccess, LayerOptions};
use gdal::DriverManager;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use cpgis_core::{Error, Result};

/// True for a file named `*.parquet` or `*.geoparquet` (any case).
pub fn is_geoparquet(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("geoparquet"))
}

/// True when this GDAL reads (Geo)Parquet itself.
pub fn gdal_reads_parquet() -> bool {
    DriverManager::get_driver_by_name("Parquet").is_ok()
}

/// True when `path` is GeoParquet this GDAL cannot read, so [`converted`] stands in for it.
pub fn needs_conversion(path: &Path) -> bool {
    is_geoparquet(path) && !gdal_reads_parquet()
}

fn bad(path: &Path, problem: String) -> Error {
    Error::Layer {
        file: path.to_path_buf(),
        problem,
    }
}

/// The GeoPackage `path` converts to, converted now unless the cache holds it already.
pub fn converted(path: &Path) -> Result<PathBuf> {
    let meta = std::fs::metadata(path)
        .map_err(|e| bad(path, format!("cannot be read ({e}); check the path")))?;
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let footer =
        footer(path).map_err(|e| bad(path, format!("cannot be read ({e}); check the path")))?;
    let key = format!("{:016x}", cache_key(&canonical, &meta, &footer));
    let name = format!("{key}.gpkg");
    // The user's cache, or, where it cannot be written (a read-only home in a container), the
    // system's temporary folder.
    let fallback = std::env::temp_dir().join("cpgis-geoparquet");
    let dir = [cache_dir(), fallback]
        .into_iter()
        .find(|d| d.join(&name).exists() || std::fs::create_dir_all(d).is_ok())
        .ok_or_else(|| {
            Error::Tool(format!(
                "cannot create a folder for the converted GeoParquet ({} nor the temporary folder)",
                cache_dir().display()
            ))
        })?;
    let out = dir.join(name);
    if out.exists() {
        return Ok(out);
    }
    // Written under a name of its own and renamed whole: a run killed halfway, or another run
    // converting the same file at the same time, never leaves a partial GeoPackage under the
    // name a later run would open.
    let tmp = out.with_extension(format!("{}.tmp.gpkg", std::process::id()));
    let written = caught(|| convert(path, &tmp, None)).unwrap_or_else(|msg| {
        Err(bad(
            path,
            format!(
                "is damaged: the Parquet reader stopped ({msg}); check that the file is complete"
            ),
        ))
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, &out).map_err(|e| {
        Error::Tool(format!(
            "cannot move the converted GeoParquet into {}: {e}",
            out.display()
        ))
    })?;
    // Which file this entry converts, so the next conversion of the same path replaces it.
    let source = canonical.to_string_lossy().into_owned();
    let _ = std::fs::write(dir.join(format!("{key}.source")), &source);
    prune(&dir, &key, &source, std::time::SystemTime::now());
    Ok(out)
}

/// A conversion left halfway (its run killed) is removed once it is this old: no conversion
/// of a file that fits the cache takes a day.
const STALE_TMP: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Removes from the cache folder `dir` the conversions of `source` other than `key` (the file
/// was converted before it changed) and temporary files older than [`STALE_TMP`]. Best effort:
/// a file another run holds open, or removes first, is left to it.
fn prune(dir: &Path, key: &str, source: &str, now: std::time::SystemTime) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".tmp.gpkg") {
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .is_some_and(|age| age > STALE_TMP);
            if old {
                let _ = std::fs::remove_file(&p);
            }
        } else if let Some(other) = name.strip_suffix(".source") {
            if other != key && std::fs::read_to_string(&p).is_ok_and(|s| s == source) {
                let _ = std::fs::remove_file(dir.join(format!("{other}.gpkg")));
                let _ = std::fs::remove_file(&p);
            }
        }
    }
}

/// The bytes a Parquet file ends with, at most [`FOOTER_BYTES`]: its footer (the schema, the
/// row groups' offsets and statistics), which a rewrite of the file changes even when its size
/// and time stay the same.
fn footer(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let take = len.min(FOOTER_BYTES);
    f.seek(SeekFrom::Start(len - take))?;
    let mut buf = Vec::with_capacity(take as usize);
    f.take(take).read_to_end(&mut buf)?;
    Ok(buf)
}

/// How much of a file's end [`footer`] reads: the footer of a file of a few thousand row
/// groups.
const FOOTER_BYTES: u64 = 64 * 1024;

/// Runs `f`, a panic in it (the Parquet reader panics on some damaged files instead of
/// returning an error) returned as its message, without the panic's report on stderr.
fn caught<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    result.map_err(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "no message".into())
    })
}

/// `$XDG_CACHE_HOME/cpgis/geoparquet`, else `~/.cache/cpgis/geoparquet`, else the system's
/// temporary folder's.
fn cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("cpgis").join("geoparquet")
}

/// FNV-1a over the canonical path, the size, the modification time, the footer's bytes and
/// this converter's version: stable across runs and builds.
fn cache_key(canonical: &Path, meta: &std::fs::Metadata, footer: &[u8]) -> u64 {
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let text = format!(
        "v2\0{}\0{}\0{modified}\0",
        canonical.to_string_lossy(),
        meta.len()
    );
    text.bytes()
        .chain(footer.iter().copied())
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// What the file's `geo` metadata says.
struct GeoMeta {
    /// The primary geometry column.
    column: String,
    /// Its CRS: `None` when `crs` is `null` (unknown).
    crs: Option<String>,
}

fn geo_meta(path: &Path, kv: Option<&Vec<parquet::file::metadata::KeyValue>>) -> Result<GeoMeta> {
    let text = kv
        .and_then(|kv| kv.iter().find(|e| e.key == "geo"))
        .and_then(|e| e.value.clone())
        .ok_or_else(|| {
            bad(
                path,
                "is Parquet without GeoParquet's `geo` metadata, so no column is known to be the geometry; write it as GeoParquet (e.g. GeoPandas' to_parquet) or convert it to a format `ogrinfo` reads".into(),
            )
        })?;
    let geo: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        bad(
            path,
            format!("its GeoParquet `geo` metadata is not JSON: {e}"),
        )
    })?;
    let column = geo["primary_column"]
        .as_str()
        .ok_or_else(|| {
            bad(
                path,
                "its GeoParquet metadata names no primary_column".into(),
            )
        })?
        .to_string();
    let spec = &geo["columns"][&column];
    let encoding = spec["encoding"].as_str().unwrap_or("");
    if !encoding.eq_ignore_ascii_case("wkb") {
        return Err(bad(
            path,
            format!(
                "its geometry column '{column}' is encoded as '{encoding}'; cpgis reads GeoParquet's WKB encoding (GeoPandas: to_parquet(geometry_encoding=\"WKB\"))"
            ),
        ));
    }
    let crs = match spec.get("crs") {
        None => Some("OGC:CRS84".to_string()),
        Some(serde_json::Value::Null) => None,
        Some(c) => match (c["id"]["authority"].as_str(), &c["id"]["code"]) {
            (Some(auth), code) if !code.is_null() => Some(format!(
                "{auth}:{}",
                code.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| code.to_string())
            )),
            _ => Some(c.to_string()),
        },
    };
    Ok(GeoMeta { column, crs })
}

/// How a column is written.
#[derive(Clone, Copy)]
enum Kind {
    Integer,
    Real,
    Boolean,
    Text,
}

fn kind_of(t: &DataType) -> Kind {
    use DataType::*;
    match t {
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 => Kind::Integer,
        Float16 | Float32 | Float64 | Decimal128(..) | Decimal256(..) => Kind::Real,
        Boolean => Kind::Boolean,
        _ => Kind::Text,
    }
}

fn tool(path: &Path, what: &str, e: impl std::fmt::Display) -> Error {
    Error::Tool(format!(
        "converting {} from GeoParquet: {what}: {e}",
        path.display()
    ))
}

/// The rows of each row group of the (Geo)Parquet file `path`, in the file's order.
pub fn row_groups(path: &Path) -> Result<Vec<u64>> {
    let file = std::fs::File::open(path)
        .map_err(|e| bad(path, format!("cannot be read ({e}); check the path")))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| bad(path, format!("is not a readable Parquet file: {e}")))?;
    Ok(builder
        .metadata()
        .row_groups()
        .iter()
        .map(|g| g.num_rows().max(0) as u64)
        .collect())
}

/// Writes the rows of row groups `groups` of `path` into a new GeoPackage `out`, as
/// [`converted`] writes the whole file: the same layer name, fields and types, and each row's
/// FID its place in the whole file (counted from 1), so a feature is named as it is when the
/// whole file is read. A part of a large GeoParquet is read this way by a cluster's worker.
pub fn convert_part(path: &Path, groups: std::ops::Range<usize>, out: &Path) -> Result<()> {
    caught(|| convert(path, out, Some(groups))).unwrap_or_else(|msg| {
        Err(bad(
            path,
            format!(
                "is damaged: the Parquet reader stopped ({msg}); check that the file is complete"
            ),
        ))
    })
}

/// Writes `path`'s rows (those of row groups `part`, when given) into a new GeoPackage `out`,
/// one layer named after the file.
fn convert(path: &Path, out: &Path, part: Option<std::ops::Range<usize>>) -> Result<()> {
    let file = std::fs::File::open(path)
        .map_err(|e| bad(path, format!("cannot be read ({e}); check the path")))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| bad(path, format!("is not a readable Parquet file: {e}")))?;
    let meta = geo_meta(
        path,
        builder.metadata().file_metadata().key_value_metadata(),
    )?;
    let schema = builder.schema().clone();
    let geometry = schema.index_of(&meta.column).map_err(|_| {
        bad(
            path,
            format!(
                "its GeoParquet metadata names the geometry column '{}', which the file lacks",
                meta.column
            ),
        )
    })?;
    let geometry_type = schema.field(geometry).data_type();
    if !matches!(
        geometry_type,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView
    ) {
        return Err(bad(
            path,
            format!("its geometry column holds {geometry_type}, not WKB bytes"),
        ));
    }
    let columns: Vec<(usize, String, Kind)> = schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != geometry)
        .map(|(i, f)| (i, f.name().clone(), kind_of(f.data_type())))
        .collect();
    let srs = match &meta.crs {
        None => None,
        Some(def) => {
            let mut s = SpatialRef::from_definition(def).map_err(|e| {
                bad(
                    path,
                    format!("its GeoParquet CRS is not one GDAL knows ({e}): {def}"),
                )
            })?;
            s.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
            Some(s)
        }
    };
    let mut first_row = 0_u64;
    let builder = match part {
        None => builder,
        Some(groups) => {
            let all = builder.metadata().row_groups();
            if groups.end > all.len() || groups.start >= groups.end {
                return Err(bad(
                    path,
                    format!(
                        "has {} row groups; row groups {}..{} were asked for",
                        all.len(),
                        groups.start,
                        groups.end
                    ),
                ));
            }
            first_row = all[..groups.start]
                .iter()
                .map(|g| g.num_rows().max(0) as u64)
                .sum();
            builder.with_row_groups(groups.collect())
        }
    };
    let reader = builder
        .with_batch_size(8192)
        .build()
        .map_err(|e| bad(path, format!("cannot be read as Parquet: {e}")))?;
    let driver = DriverManager::get_driver_by_name("GPKG").map_err(|e| tool(path, "GPKG", e))?;
    let mut ds = driver
        .create_vector_only(out)
        .map_err(|e| tool(path, &format!("cannot create {}", out.display()), e))?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "layer".into());
    let mut txn = ds
        .start_transaction()
        .map_err(|e| tool(path, "transaction", e))?;
    {
        let layer = txn
            .create_layer(LayerOptions {
                name: &name,
                srs: srs.as_ref(),
                ty: gdal_sys::OGRwkbGeometryType::wkbUnknown,
                options: None,
            })
            .map_err(|e| tool(path, "layer", e))?;
        for (_, field, kind) in &columns {
            use gdal_sys::OGRFieldType::{OFTInteger, OFTInteger64, OFTReal, OFTString};
            let (ty, boolean) = match kind {
                Kind::Integer => (OFTInteger64, false),
                Kind::Real => (OFTReal, false),
                Kind::Boolean => (OFTInteger, true),
                Kind::Text => (OFTString, false),
            };
            crate::export::gpkg::add_field(&layer, field, ty, boolean)?;
        }
        let mut row = 0_usize;
        for batch in reader {
            let batch =
                batch.map_err(|e| bad(path, format!("cannot be read from row {row} on: {e}")))?;
            write_batch(
                path,
                &layer,
                &batch,
                geometry,
                &columns,
                first_row + row as u64,
            )?;
            row += batch.num_rows();
        }
    }
    txn.commit().map_err(|e| tool(path, "commit", e))
}

/// One column of a batch as the type it is written as.
enum Column<'a> {
    Integer(ArrayRef),
    Real(ArrayRef),
    Boolean(&'a ArrayRef),
    Text(&'a ArrayRef, ArrayFormatter<'a>),
}

/// `a` as `kind`: numbers cast to 64-bit integers or reals, refusing a value the cast would
/// lose (an unsigned integer past i64's range; the cast would otherwise make it null).
fn prepared<'a>(path: &Path, a: &'a ArrayRef, kind: Kind) -> Result<Column<'a>> {
    let options = CastOptions {
        safe: false,
        ..Default::default()
    };
    let cast = |t: &DataType| {
        arrow_cast::cast_with_options(a, t, &options).map_err(|e| {
            bad(
                path,
                format!("a column's values cannot be read as {t}: {e}"),
            )
        })
    };
    Ok(match kind {
        Kind::Integer => Column::Integer(cast(&DataType::Int64)?),
        Kind::Real => Column::Real(cast(&DataType::Float64)?),
        Kind::Boolean => Column::Boolean(a),
        Kind::Text => Column::Text(
            a,
            ArrayFormatter::try_new(a.as_ref(), &FormatOptions::default())
                .map_err(|e| tool(path, "a column's text", e))?,
        ),
    })
}

fn write_batch(
    path: &Path,
    layer: &gdal::vector::Layer,
    batch: &RecordBatch,
    geometry: usize,
    columns: &[(usize, String, Kind)],
    first_row: u64,
) -> Result<()> {
    let cols: Vec<Column> = columns
        .iter()
        .map(|(i, _, k)| prepared(path, batch.column(*i), *k))
        .collect::<Result<_>>()?;
    // The geometry column's type was checked to be one of these when the file was opened.
    let geoms = batch.column(geometry);
    let wkb = |r: usize| -> Option<&[u8]> {
        match geoms.data_type() {
            _ if geoms.is_null(r) => None,
            DataType::Binary => Some(geoms.as_binary::<i32>().value(r)),
            DataType::LargeBinary => Some(geoms.as_binary::<i64>().value(r)),
            _ => Some(geoms.as_binary_view().value(r)),
        }
    };
    for r in 0..batch.num_rows() {
        let mut f =
            gdal::vector::Feature::new(layer.defn()).map_err(|e| tool(path, "feature", e))?;
        for (k, col) in cols.iter().enumerate() {
            let set = match col {
                Column::Integer(a) if !a.is_null(r) => {
                    f.set_field_integer64(k, a.as_primitive::<Int64Type>().value(r))
                }
                Column::Real(a) if !a.is_null(r) => {
                    f.set_field_double(k, a.as_primitive::<Float64Type>().value(r))
                }
                Column::Boolean(a) if !a.is_null(r) => {
                    f.set_field_integer(k, i32::from(a.as_boolean().value(r)))
                }
                Column::Text(a, text) if !a.is_null(r) => {
                    f.set_field_string(k, &text.value(r).to_string())
                }
                _ => Ok(()),
            };
            set.map_err(|e| tool(path, "a value", e))?;
        }
        if let Some(g) = wkb(r).and_then(|b| Geometry::from_wkb(b).ok()) {
            f.set_geometry(g).map_err(|e| tool(path, "geometry", e))?;
        }
        // The row's place in the whole file, from 1 (what GeoPackage numbers a whole file's rows).
        let fid = i64::try_from(first_row + r as u64 + 1).unwrap_or(i64::MAX);
        // SAFETY: the feature is alive for this call; OGR_F_SetFID only stores the number.
        unsafe { gdal_sys::OGR_F_SetFID(f.c_feature(), fid) };
        f.create(layer)
            .map_err(|e| tool(path, "cannot write a row", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    /// A file of `bytes`, modified at `when`.
    fn file_at(path: &Path, bytes: &[u8], when: SystemTime) -> std::fs::Metadata {
        std::fs::write(path, bytes).unwrap();
        let f = std::fs::File::options().write(true).open(path).unwrap();
        f.set_modified(when).unwrap();
        std::fs::metadata(path).unwrap()
    }

    #[test]
    fn a_rewritten_file_of_the_same_size_and_time_gets_a_new_key() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("a.parquet");
        let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let key = |bytes: &[u8]| {
            let meta = file_at(&p, bytes, when);
            cache_key(&p, &meta, &footer(&p).unwrap())
        };
        let first = key(b"PAR1 rows 1..10 footer-A PAR1");
        assert_eq!(
            first,
            key(b"PAR1 rows 1..10 footer-A PAR1"),
            "same file, same key"
        );
        // Same length, same time: only the footer tells them apart.
        assert_ne!(first, key(b"PAR1 rows 1..10 footer-B PAR1"));
    }

    #[test]
    fn the_footer_is_the_files_last_64_kib() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("big.parquet");
        let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&p, &bytes).unwrap();
        assert_eq!(footer(&p).unwrap(), bytes[100_000 - 65_536..]);
        std::fs::write(&p, b"short").unwrap();
        assert_eq!(footer(&p).unwrap(), b"short");
    }

    #[test]
    fn pruning_removes_the_same_files_older_conversions_and_stale_temporaries() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let entry = |key: &str, source: &str| {
            file_at(&d.join(format!("{key}.gpkg")), b"gpkg", now);
            std::fs::write(d.join(format!("{key}.source")), source).unwrap();
        };
        entry("aaaa", "/data/buildings.parquet"); // the same file before it changed
        entry("bbbb", "/data/buildings.parquet"); // the conversion just written
        entry("cccc", "/data/buildings.parquet.bak"); // another file
        file_at(
            &d.join("dddd.4242.tmp.gpkg"),
            b"half",
            now - Duration::from_secs(25 * 3600),
        );
        file_at(
            &d.join("eeee.4243.tmp.gpkg"),
            b"half",
            now - Duration::from_secs(3600),
        );
        prune(d, "bbbb", "/data/buildings.parquet", now);
        let mut left: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "bbbb.gpkg",
                "bbbb.source",
                "cccc.gpkg",
                "cccc.source",
                "eeee.4243.tmp.gpkg"
            ]
        );
    }
}
