//! Facts about one layer, gathered in one pass over its features.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use gdal::vector::{
    field_type_to_name, geometry_type_flatten, geometry_type_to_name, Layer, LayerAccess,
};
use gdal::Dataset;

use crate::layer::{gdal_to_geo, osm_tag_keys};
use crate::load::NumberFormat;
use crate::validate::{self, Expect, Problem};
use crate::{crs, layer, Result};

/// Fill rate of one field.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldReport {
    pub name: String,
    /// OGR field type, or `OSM tag` for keys inside the OSM driver's `other_tags`.
    pub field_type: String,
    /// Features with a non-empty value.
    pub filled: usize,
    /// `filled` / features, 0..1.
    pub fill_rate: f64,
    /// For a text field whose values are mostly numbers: how they are written and how many
    /// read, as `cpgis run` will read them ("numbers with thousands separated by commas, 98 %
    /// of 3,211 values").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numbers: Option<String>,
}

/// One invalid geometry.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InvalidFeature {
    pub id: String,
    pub reason: String,
}

/// What one layer holds and what is wrong with it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LayerReport {
    pub file: PathBuf,
    pub layer: String,
    /// Site-file key when inspected through a site file.
    pub role: Option<String>,
    pub filter: Option<String>,
    pub driver: String,
    pub features: usize,
    /// Geometry type → count (features without geometry count as `None`).
    pub geometry_types: BTreeMap<String, usize>,
    /// CRS the file declares (or the site file gives), `None` when there is none.
    pub crs: Option<String>,
    /// [west, south, east, north] in WGS 84 degrees.
    pub extent_wgs84: Option<[f64; 4]>,
    pub fields: Vec<FieldReport>,
    /// Invalid geometries by reason.
    pub invalid: BTreeMap<String, usize>,
    pub invalid_features: Vec<InvalidFeature>,
    /// The fields used as the feature id, first non-empty wins (mapped, or guessed from common names).
    pub id_fields: Vec<String>,
    /// Ids carried by more than one feature.
    pub duplicate_ids: Vec<String>,
}

/// Field names taken as an id when none is mapped, in order of preference.
const ID_CANDIDATES: &[&str] = &["id", "ID", "osm_id", "osm_way_id", "Name", "name", "fid"];

/// Scans a layer. `id_fields` name the id (else a common id field is guessed); `expect` says
/// what geometry the layer should hold (else any polygon or point is checked for validity);
/// `given_crs` is the site file's CRS for the layer, if any.
pub fn inspect_layer(
    ds: &Dataset,
    lyr: &mut Layer,
    path: &Path,
    id_fields: &[&str],
    expect: Option<Expect>,
    given_crs: Option<&str>,
) -> Result<LayerReport> {
    let name = lyr.name();
    let columns: Vec<(String, String)> = lyr
        .defn()
        .fields()
        .map(|f| (f.name(), field_type_to_name(f.field_type())))
        .collect();
    let other_tags = columns.iter().position(|(n, _)| n == "other_tags");
    let id_fields: Vec<String> = if id_fields.is_empty() {
        ID_CANDIDATES
            .iter()
            .find(|c| columns.iter().any(|(n, _)| n == *c))
            .map(|c| vec![c.to_string()])
            .unwrap_or_default()
    } else {
        id_fields.iter().map(|s| s.to_string()).collect()
    };
    let id_indices: Vec<usize> = id_fields
        .iter()
        .filter_map(|id| columns.iter().position(|(n, _)| n == id))
        .collect();

    let srs = layer::layer_srs(lyr, path, given_crs).ok();
    let mut filled = vec![0usize; columns.len()];
    // Text fields' values (up to TEXT_SAMPLE each), to tell how their numbers are written.
    let is_text: Vec<bool> = columns
        .iter()
        .enumerate()
        .map(|(i, (_, t))| t == "String" && Some(i) != other_tags)
        .collect();
    let mut texts: Vec<Vec<String>> = vec![Vec::new(); columns.len()];
    let mut tag_counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut geometry_types: BTreeMap<String, usize> = BTreeMap::new();
    let mut invalid: BTreeMap<String, usize> = BTreeMap::new();
    let mut invalid_features = Vec::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut features = 0usize;
    let mut bounds: Option<[f64; 4]> = None;
    for (index, feature) in lyr.features().enumerate() {
        features += 1;
        let mut id_values: Vec<(usize, String)> = Vec::new();
        for (i, count) in filled.iter_mut().enumerate() {
            if let Ok(Some(v)) = feature.field_as_string(i) {
                if v.trim().is_empty() {
                    continue;
                }
                *count += 1;
                if is_text[i] && texts[i].len() < TEXT_SAMPLE {
                    texts[i].push(v.clone());
                }
                if Some(i) == other_tags {
                    for key in osm_tag_keys(&v) {
                        *tag_counts.entry(key).or_default() += 1;
                    }
                }
                if let Some(rank) = id_indices.iter().position(|c| *c == i) {
                    id_values.push((rank, v.trim().to_string()));
                }
            }
        }
        let id = id_values.into_iter().min().map(|(_, v)| v);
        let label = id.clone().unwrap_or_else(|| match feature.fid() {
            Some(fid) => format!("fid {fid}"),
            None => format!("#{}", index + 1),
        });
        if let Some(id) = id {
            *ids.entry(id).or_default() += 1;
        }
        let problem = match feature.geometry() {
            None => {
                *geometry_types.entry("None".into()).or_default() += 1;
                expect.map(|_| Problem::Empty)
            }
            Some(g) => {
                let t = geometry_type_to_name(geometry_type_flatten(g.geometry_type()));
                if !g.is_empty() {
                    let e = g.envelope();
                    if [e.MinX, e.MinY, e.MaxX, e.MaxY]
                        .iter()
                        .all(|v| v.is_finite())
                    {
                        bounds = Some(match bounds {
                            None => [e.MinX, e.MinY, e.MaxX, e.MaxY],
                            Some([w, s, east, n]) => [
                                w.min(e.MinX),
                                s.min(e.MinY),
                                east.max(e.MaxX),
                                n.max(e.MaxY),
                            ],
                        });
                    }
                }
                *geometry_types.entry(t).or_default() += 1;
                match gdal_to_geo(g, None) {
                    Err(p) => Some(p),
                    Ok(geom) => {
                        let is_line = matches!(
                            geom,
                            geo::Geometry::LineString(_) | geo::Geometry::MultiLineString(_)
                        );
                        match expect {
                            None if is_line => None,
                            None => validate::check(geom, Expect::AreasOrPoints)
                                .problem()
                                .cloned(),
                            Some(e) => validate::check(geom, e).problem().cloned(),
                        }
                    }
                }
            }
        };
        if let Some(p) = problem {
            *invalid.entry(p.to_string()).or_default() += 1;
            invalid_features.push(InvalidFeature {
                id: label,
                reason: p.to_string(),
            });
        }
    }

    let rate = |n: usize| {
        if features == 0 {
            0.0
        } else {
            n as f64 / features as f64
        }
    };
    let mut fields: Vec<FieldReport> = columns
        .iter()
        .zip(&filled)
        .zip(&texts)
        .map(|(((n, t), f), values)| FieldReport {
            name: n.clone(),
            field_type: t.clone(),
            filled: *f,
            fill_rate: rate(*f),
            numbers: numbers_in(values),
        })
        .collect();
    fields.extend(tag_counts.into_iter().map(|(k, n)| FieldReport {
        name: k,
        field_type: "OSM tag".into(),
        filled: n,
        fill_rate: rate(n),
        numbers: None,
    }));
    let mut duplicate_ids: Vec<String> = ids
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(id, _)| id)
        .collect();
    duplicate_ids.sort();

    // The extent of the features read (an attribute filter applies), not the file's header.
    let extent_wgs84 = match (&srs, bounds) {
        (Some(srs), Some(b)) => {
            let to = crs::wgs84()?;
            crs::transform(srs, &to)?.transform_bounds(&b, 21).ok()
        }
        _ => None,
    };
    Ok(LayerReport {
        file: path.to_path_buf(),
        layer: name,
        role: None,
        filter: None,
        driver: driver_name(path, ds),
        features,
        geometry_types,
        crs: srs.as_ref().map(crs::describe),
        extent_wgs84,
        fields,
        invalid,
        invalid_features,
        id_fields,
        duplicate_ids,
    })
}

/// Text values looked at per field to tell how its numbers are written.
const TEXT_SAMPLE: usize = 100_000;

/// How a text field's numbers are written, when at least half its values are numbers.
fn numbers_in(values: &[String]) -> Option<String> {
    let column = NumberFormat::of_column(values.iter().map(String::as_str))?;
    if column.total == 0 || column.read * 2 < column.total {
        return None;
    }
    let share = column.read as f64 / column.total as f64 * 100.0;
    let mut text = format!(
        "{}, {} of {} values ({:.0} %)",
        column.format.describe(),
        column.read,
        column.total,
        if column.read < column.total {
            share.min(99.0)
        } else {
            100.0
        }
    );
    if column.ambiguous {
        text.push_str("; ambiguous");
    }
    if values.len() == TEXT_SAMPLE {
        text.push_str(&format!(" (the first {TEXT_SAMPLE})"));
    }
    Some(text)
}

/// The driver that reads `path`: GDAL's, or, for GeoParquet this GDAL cannot read, what cpgis
/// converted it to.
fn driver_name(path: &Path, ds: &gdal::Dataset) -> String {
    use cpgis_io::layer::geoparquet;
    if geoparquet::needs_conversion(path) {
        format!(
            "GeoParquet, read by cpgis (this GDAL has no Parquet driver) into a cached {}",
            ds.driver().short_name()
        )
    } else {
        ds.driver().short_name()
    }
}
