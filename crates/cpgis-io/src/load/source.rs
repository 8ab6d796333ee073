//! Opening every layer a site file names, before any work: a missing layer, a bad filter, an
//! unknown CRS or a mapped field the layer lacks is reported together with all the others.

use gdal::spatial_ref::SpatialRef;
use gdal::vector::{Layer, LayerAccess};
use gdal::Dataset;

use crate::crs;
use crate::layer::{self, FieldAccess, RawFeature};
use cpgis_core::config::{ConfigIssues, LayerSource};
use cpgis_core::site::LayerQuality;
use cpgis_core::{Error, Result};

/// A layer opened and checked against the site file's mapping.
pub struct OpenSource {
    pub source: LayerSource,
    ds: Dataset,
    pub layer_name: String,
    pub srs: SpatialRef,
    /// The CRS the layer itself declares, when the site file's `crs` replaces another one.
    pub replaced_crs: Option<String>,
    /// The fields asked for, resolved, in the order asked.
    pub fields: Vec<FieldAccess>,
}

impl OpenSource {
    /// Opens the layer and resolves `field_names`; problems go to `issues` and give `None`.
    pub fn open(
        source: &LayerSource,
        field_names: &[&str],
        issues: &mut ConfigIssues,
    ) -> Option<OpenSource> {
        let role = &source.role;
        let ds = match layer::open_dataset(&source.path, &source.geometry) {
            Ok(ds) => ds,
            Err(e) => {
                issues.push(&format!("{role}.path"), &e.to_string(), None);
                return None;
            }
        };
        let (layer_name, srs, fields, replaced_crs) = {
            let mut layer = match layer::pick_layer(&ds, &source.path, source.layer.as_deref()) {
                Ok(l) => l,
                Err(e) => {
                    issues.push(&format!("{role}.layer"), &e.to_string(), None);
                    return None;
                }
            };
            let name = layer.name();
            let srs = match layer::layer_srs(&layer, &source.path, source.crs.as_deref()) {
                Ok(s) => Some(s),
                Err(e) => {
                    issues.push(&format!("{role}.crs"), &e.to_string(), None);
                    None
                }
            };
            if let Some(filter) = &source.filter {
                if layer.set_attribute_filter(filter).is_err() {
                    issues.push(
                        &format!("{role}.where"),
                        &format!("`{filter}` is not a valid OGR SQL filter for layer '{name}'"),
                        Some("e.g. where = \"admin_level = '8' AND name = 'Vaduz'\""),
                    );
                }
                layer.clear_attribute_filter();
            }
            let join = match &source.join {
                None => None,
                Some(j) => match layer::JoinTable::read(&j.path, &j.on) {
                    Ok(t) => {
                        if !layer.defn().fields().any(|f| f.name() == j.on) {
                            issues.push(
                                &format!("{role}.join.on"),
                                &format!("layer '{name}' has no field '{}' to join on", j.on),
                                None,
                            );
                        }
                        Some((j.on.as_str(), std::sync::Arc::new(t)))
                    }
                    Err(e) => {
                        issues.push(
                            &format!("{role}.join"),
                            &format!("{}: {e}", j.path.display()),
                            None,
                        );
                        None
                    }
                },
            };
            let fields = match layer::resolve_fields(&layer, field_names, join) {
                Ok(f) => Some(f),
                // A layer without fields or features is simply empty: say that, not which
                // fields it lacks.
                Err(_) if layer.defn().fields().count() == 0 && layer.feature_count() == 0 => {
                    issues.push(
                        role,
                        &format!(
                            "{}, layer '{name}': the layer has no features",
                            source.path.display()
                        ),
                        Some(&format!(
                            "give a layer with data, or remove [{role}] from the site file"
                        )),
                    );
                    None
                }
                Err(missing) => {
                    for (field, hint) in missing {
                        issues.push(
                            role,
                            &format!(
                                "field '{field}' is not in {}, layer '{name}'",
                                source.path.display()
                            ),
                            Some(&hint),
                        );
                    }
                    None
                }
            };
            let replaced_crs = match (&source.crs, layer.spatial_ref(), &srs) {
                (Some(_), Some(declared), Some(given))
                    if crate::crs::describe(&declared) != crate::crs::describe(given) =>
                {
                    Some(crate::crs::describe(&declared))
                }
                _ => None,
            };
            (name, srs, fields, replaced_crs)
        };
        Some(OpenSource {
            source: source.clone(),
            ds,
            layer_name,
            srs: srs?,
            replaced_crs,
            fields: fields?,
        })
    }

    fn layer(&self) -> Result<Layer<'_>> {
        let mut layer = self.ds.layer_by_name(&self.layer_name).map_err(|e| {
            Error::Tool(format!(
                "{}: layer vanished: {e}",
                self.source.path.display()
            ))
        })?;
        match &self.source.filter {
            Some(f) => layer
                .set_attribute_filter(f)
                .map_err(|e| Error::Tool(e.to_string()))?,
            None => layer.clear_attribute_filter(),
        }
        Ok(layer)
    }

    /// Reads all features (after the filter) into `target`.
    ///
    /// A large GeoPackage layer is read in parts by one thread per core, each with its own
    /// connection: part k holds the features whose FID lies in the k-th of equal FID ranges,
    /// read in FID order, which is the order of reading the whole table, so the parts joined
    /// are the same features in the same order. There are a few parts per thread, each taken
    /// by whichever thread is free, so a thread that reads a slower part does not leave the
    /// other cores idle.
    pub fn read(&self, target: &SpatialRef) -> Result<Vec<RawFeature>> {
        if let Some(split) = self.split()? {
            return self.read_in_parts(target, &split);
        }
        let transform = crs::transform(&self.srs, target)?;
        let mut layer = self.layer()?;
        Ok(layer::read_features(
            &mut layer,
            &self.fields,
            Some(&transform),
        ))
    }

    /// How to read the layer in parallel: for a GeoPackage layer of more than [`split_above`]
    /// features, [`PARTS_PER_THREAD`] FID ranges per core; otherwise `None`.
    fn split(&self) -> Result<Option<Split>> {
        let threads = rayon::current_num_threads() as i64;
        let parts = threads * PARTS_PER_THREAD;
        if threads < 2 || self.ds.driver().short_name() != "GPKG" {
            return Ok(None);
        }
        // The user's `where` expression is never combined with ours: one holding `)`, `OR` or
        // a `--` comment would change which features a range reads (each feature read once per
        // range). A filtered layer is read whole, on one connection.
        if self.source.filter.is_some() {
            return Ok(None);
        }
        let layer = self.layer()?;
        if layer.feature_count() < split_above() {
            return Ok(None);
        }
        let Some(fid) = fid_column(&layer) else {
            return Ok(None);
        };
        // Two subqueries: SQLite answers a lone MIN or MAX of the rowid from the B-tree's ends,
        // but both in one select scan the whole table (a third of a second at 1M rows).
        let sql = format!(
            "SELECT (SELECT MIN({q}) FROM {t}), (SELECT MAX({q}) FROM {t})",
            q = quoted(&fid),
            t = quoted(&self.layer_name)
        );
        let Ok(Some(mut rows)) =
            self.ds
                .execute_sql(&sql, None, gdal::vector::sql::Dialect::DEFAULT)
        else {
            return Ok(None);
        };
        let Some(row) = rows.features().next() else {
            return Ok(None);
        };
        let (Ok(Some(lo)), Ok(Some(hi))) = (row.field_as_integer64(0), row.field_as_integer64(1))
        else {
            return Ok(None);
        };
        let step = ((hi - lo) / parts + 1).max(1);
        let ranges: Vec<(i64, i64)> = (0..parts)
            .map(|k| {
                (
                    lo + k * step,
                    if k + 1 == parts {
                        i64::MAX
                    } else {
                        lo + (k + 1) * step
                    },
                )
            })
            .collect();
        Ok(Some(Split {
            fid,
            ranges,
            threads: threads as usize,
        }))
    }

    /// Reads the FID ranges on threads of their own (a GDAL dataset is not shared between
    /// threads: each opens the file again), each thread taking the next range not yet taken,
    /// and joins them in order.
    fn read_in_parts(&self, target: &SpatialRef, split: &Split) -> Result<Vec<RawFeature>> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let from_wkt = self.srs.to_wkt().map_err(|e| Error::Tool(e.to_string()))?;
        let to_wkt = target.to_wkt().map_err(|e| Error::Tool(e.to_string()))?;
        let (source, layer_name, fields) = (&self.source, &self.layer_name, &self.fields);
        let next = AtomicUsize::new(0);
        // Per thread: the parts it read, with their positions among the ranges.
        let per_thread: Vec<Result<Vec<Part>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..split.threads)
                .map(|_| {
                    let (from_wkt, to_wkt, next) = (&from_wkt, &to_wkt, &next);
                    scope.spawn(move || -> Result<Vec<Part>> {
                        let ds = layer::open_dataset(&source.path, &source.geometry)?;
                        let mut layer = ds
                            .layer_by_name(layer_name)
                            .map_err(|e| Error::Tool(format!("{}: {e}", source.path.display())))?;
                        let from_srs = srs_from_wkt(from_wkt)?;
                        let to_srs = srs_from_wkt(to_wkt)?;
                        let transform = crs::transform(&from_srs, &to_srs)?;
                        let mut read = Vec::new();
                        loop {
                            let k = next.fetch_add(1, Ordering::Relaxed);
                            let Some(&(from, to)) = split.ranges.get(k) else {
                                return Ok(read);
                            };
                            let range =
                                format!("{q} >= {from} AND {q} < {to}", q = quoted(&split.fid));
                            layer
                                .set_attribute_filter(&range)
                                .map_err(|e| Error::Tool(e.to_string()))?;
                            read.push((
                                k,
                                layer::read_features(&mut layer, fields, Some(&transform)),
                            ));
                        }
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(Error::Tool("a reading thread failed".into())))
                })
                .collect()
        });
        let mut parts: Vec<Part> = Vec::with_capacity(split.ranges.len());
        for read in per_thread {
            parts.extend(read?);
        }
        parts.sort_unstable_by_key(|(k, _)| *k);
        Ok(joined(parts.into_iter().map(|(_, part)| part).collect()))
    }

    /// An empty load report of this layer.
    pub fn quality(&self) -> LayerQuality {
        LayerQuality::new(
            &self.source.role,
            self.source.path.clone(),
            self.layer_name.clone(),
            self.crs_label(),
        )
    }

    /// A label for the CRS the layer is read from.
    pub fn crs_label(&self) -> String {
        let label = crs::describe(&self.srs);
        if let Some(declared) = &self.replaced_crs {
            format!("{label} (given in the site file, replacing the layer's own {declared})")
        } else if self.source.crs.is_some() {
            format!("{label} (given in the site file)")
        } else {
            label
        }
    }
}

/// A layer's FID column, the FID ranges (`[from, to)`) its parts are read by, and how many
/// threads read them.
struct Split {
    fid: String,
    ranges: Vec<(i64, i64)>,
    threads: usize,
}

/// The parts joined in order into one list sized once, each feature's position shifted by the
/// features before its part. The parts are moved in side by side, each into its own stretch of
/// the list: at a million features one thread alone took a third of a second (moving 100 MB
/// into memory touched for the first time).
fn joined(parts: Vec<Vec<RawFeature>>) -> Vec<RawFeature> {
    use rayon::prelude::*;
    let total: usize = parts.iter().map(Vec::len).sum();
    let mut all: Vec<RawFeature> = Vec::with_capacity(total);
    let mut rest = &mut all.spare_capacity_mut()[..total];
    let mut jobs = Vec::with_capacity(parts.len());
    let mut offset = 0;
    for part in parts {
        let len = part.len();
        let (stretch, tail) = std::mem::take(&mut rest).split_at_mut(len);
        jobs.push((stretch, offset, part));
        offset += len;
        rest = tail;
    }
    jobs.into_par_iter().for_each(|(stretch, offset, part)| {
        for (slot, mut f) in stretch.iter_mut().zip(part) {
            f.index += offset;
            slot.write(f);
        }
    });
    // SAFETY: the stretches cover the first `total` slots exactly (their lengths are the
    // parts' lengths, which sum to `total`), and every slot of a stretch was written above
    // (a part has as many features as its stretch has slots). Had a thread panicked, the
    // panic would have reached us through rayon before this line, leaking only what was
    // written.
    unsafe { all.set_len(total) };
    all
}

/// One FID range's features, with the range's position among the ranges.
type Part = (usize, Vec<RawFeature>);

/// FID ranges per reading thread: enough that the threads finish close together, few enough
/// that each range is a long sequential read.
const PARTS_PER_THREAD: i64 = 4;

/// Layers with more features than this are read in parts (GeoPackage only).
const SPLIT_ABOVE: u64 = 50_000;

/// [`SPLIT_ABOVE`], or the environment's `CPGIS_SPLIT_READ_ABOVE` (for tests that read small
/// layers in parts).
fn split_above() -> u64 {
    std::env::var("CPGIS_SPLIT_READ_ABOVE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(SPLIT_ABOVE)
}

/// The layer's FID column, where the driver names one.
fn fid_column(layer: &Layer) -> Option<String> {
    // SAFETY: OGR_L_GetFIDColumn returns a string owned by the layer, valid while it lives;
    // it is copied at once.
    let name = unsafe {
        let p = gdal_sys::OGR_L_GetFIDColumn(layer.c_layer());
        if p.is_null() {
            return None;
        }
        std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
    };
    (!name.is_empty()).then_some(name)
}

/// An SQL identifier in double quotes.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A spatial reference from WKT, in longitude/latitude (x/y) order.
fn srs_from_wkt(wkt: &str) -> Result<SpatialRef> {
    let mut srs = SpatialRef::from_wkt(wkt).map_err(|e| Error::Tool(e.to_string()))?;
    srs.set_axis_mapping_strategy(gdal::spatial_ref::AxisMappingStrategy::TraditionalGisOrder);
    Ok(srs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parts of 0, 3, 0 and 2 features: five features in part order, positions running on.
    #[test]
    fn parts_are_joined_in_order_with_positions_shifted() {
        let part = |fids: &[u64]| -> Vec<RawFeature> {
            fids.iter()
                .enumerate()
                .map(|(index, fid)| RawFeature {
                    index,
                    fid: Some(*fid),
                    geometry: Err(cpgis_core::site::Problem::Empty),
                    values: vec![Some(format!("v{fid}"))],
                    recoded: false,
                })
                .collect()
        };
        let all = joined(vec![
            part(&[]),
            part(&[10, 11, 12]),
            part(&[]),
            part(&[20, 21]),
        ]);
        let got: Vec<(usize, Option<u64>)> = all.iter().map(|f| (f.index, f.fid)).collect();
        let want = [(0, 10), (1, 11), (2, 12), (3, 20), (4, 21)].map(|(i, f)| (i, Some(f)));
        assert_eq!(got, want);
        assert_eq!(all[4].values, vec![Some("v21".to_string())]);
        assert!(joined(Vec::new()).is_empty());
    }
}
