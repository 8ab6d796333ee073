//! A large buildings layer read in parts on a cluster's workers: each part is a run of the
//! GeoParquet file's row groups, read and checked by the code that reads the whole layer
//! ([`super::load`]), so every building comes out with the bits it has there.
//!
//! What only the whole layer tells is gathered from the parts and merged: the number format of
//! each numeric field (each part reads under its own values' formats and reports their survey;
//! the surveys merged, [`ColumnSurvey`], decide the whole layer's, and a part read otherwise is
//! read again under them), the footprints drawn twice and the ids used twice (each
//! building's [`footprint_key`] and id, grouped by the engine), the features' order (each part's
//! buildings counted, so the engine numbers them in the file's order) and the layer's report
//! (each part's, merged in order: `LayerQuality::add_part`). The rest of the site is then loaded
//! on the driver with the buildings' report and extent given ([`super::load_with`]).

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::values::{ColumnSurvey, NumberFormat};
use super::{layer_buildings, BuildingSlots, OpenSource};
use crate::layer::geoparquet;
use cpgis_core::config::{ConfigIssues, SiteConfig};
use cpgis_core::site::{Building, LayerQuality, LocalCrs};
use cpgis_core::{Error, Result};

pub use super::dedupe::footprint_key;

/// One part of the buildings layer: row groups `start..end` of its GeoParquet file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// The part's number, from 0, in the file's order.
    pub number: usize,
    /// Its first row group.
    pub start: usize,
    /// The row group after its last.
    pub end: usize,
    /// Its rows (before the site file's filter).
    pub rows: u64,
}

impl Part {
    /// Its row groups.
    pub fn groups(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// The buildings' layer report and extent, for [`super::load_with`] when they were read in
/// parts.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildingsElsewhere {
    /// One report per buildings layer, whole (the features loaded, the duplicates and the ids
    /// used twice included).
    pub quality: Vec<LayerQuality>,
    /// The box of every building's footprint or point, local CRS.
    pub extent: Option<geo::Rect<f64>>,
}

/// The GeoParquet file of `config`'s buildings layer, refused when the case cannot be read in
/// parts: one `[[buildings]]` layer (a later layer's duplicates are found against every earlier
/// building), as (Geo)Parquet.
pub fn source_file(config: &SiteConfig) -> Result<PathBuf> {
    let refuse = |problem: String| Error::Argument(problem);
    let [spec] = config.buildings.as_slice() else {
        return Err(refuse(format!(
            "the buildings are read on the engine from one [[buildings]] layer; {} names {} (a later layer's duplicates are found against every earlier building): merge them into one GeoParquet file, or prepare on one machine",
            config.file.display(),
            config.buildings.len()
        )));
    };
    if !geoparquet::is_geoparquet(&spec.source.path) {
        return Err(refuse(format!(
            "{}: the buildings are read on the engine from a GeoParquet file (*.parquet), by its row groups; convert the layer (ogr2ogr -f Parquet), or prepare on one machine",
            spec.source.path.display()
        )));
    }
    if spec.source.join.is_some() {
        return Err(refuse(format!(
            "{}: a joined table is read whole; join it into the GeoParquet file, or prepare on one machine",
            spec.source.path.display()
        )));
    }
    Ok(spec.source.path.clone())
}

/// The parts of the buildings layer: its row groups in order, as many a part as keep it at
/// `rows_per_part` rows or fewer (one row group alone may hold more).
pub fn plan(config: &SiteConfig, rows_per_part: u64) -> Result<Vec<Part>> {
    let path = source_file(config)?;
    let groups = geoparquet::row_groups(&path)?;
    let mut parts: Vec<Part> = Vec::new();
    for (g, rows) in groups.into_iter().enumerate() {
        match parts.last_mut() {
            Some(p) if p.rows + rows <= rows_per_part => {
                p.end = g + 1;
                p.rows += rows;
            }
            _ => parts.push(Part {
                number: parts.len(),
                start: g,
                end: g + 1,
                rows,
            }),
        }
    }
    Ok(parts)
}

/// The part's rows as a GeoPackage of their own in `scratch`, opened as the site file says to
/// open the layer; removed when dropped.
struct Opened {
    src: OpenSource,
    file: PathBuf,
}

impl Drop for Opened {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.file);
    }
}

fn open(config: &SiteConfig, part: &Part, scratch: &Path, slots: &BuildingSlots) -> Result<Opened> {
    let path = source_file(config)?;
    std::fs::create_dir_all(scratch).map_err(|e| {
        Error::Tool(format!(
            "cannot create the folder {}: {e}",
            scratch.display()
        ))
    })?;
    let file = scratch.join(format!(
        "part-{:06}.{}.gpkg",
        part.number,
        std::process::id()
    ));
    let _ = std::fs::remove_file(&file);
    geoparquet::convert_part(&path, part.groups(), &file)?;
    let mut source = config.buildings[0].source.clone();
    source.path = file.clone();
    let mut issues = ConfigIssues::new(config.file.clone());
    let src = OpenSource::open(&source, slots.fields.names(), &mut issues);
    match src {
        Some(src) if issues.is_empty() => Ok(Opened { src, file }),
        _ => {
            let _ = std::fs::remove_file(&file);
            Err(Error::Config(issues))
        }
    }
}

/// The report of the part, naming the user's file (not the part's GeoPackage).
fn report(config: &SiteConfig, opened: &Opened) -> LayerQuality {
    let mut q = opened.src.quality();
    q.file = config.buildings[0].source.path.clone();
    q
}

/// Merges the parts' surveys (each a list in the field slots' order).
pub fn merge_surveys(parts: &[Vec<ColumnSurvey>]) -> Vec<ColumnSurvey> {
    let mut out: Vec<ColumnSurvey> = Vec::new();
    for p in parts {
        if out.is_empty() {
            out = p.clone();
        } else {
            for (a, b) in out.iter_mut().zip(p) {
                a.merge(b);
            }
        }
    }
    out
}

/// A part read: its buildings, its report (what [`LayerQuality::add_part`] merges), its own
/// survey of each numeric field (over its usable buildings, as the whole layer's formats are
/// decided), and the formats its numbers were read under.
pub struct ReadPart {
    /// The part's buildings, in order.
    pub buildings: Vec<Building>,
    /// Its load report.
    pub quality: LayerQuality,
    /// Its own survey of each numeric field, in the field slots' order.
    pub surveys: Vec<ColumnSurvey>,
    /// The format each numeric field was read under.
    pub formats: Vec<NumberFormat>,
}

/// Reads a part: under the formats the whole layer's merged `surveys` decide, or, before they
/// are known, under those its own values decide (the common case, every part reading its
/// columns as the whole layer does, needs no second reading: [`formats_of`] tells which parts
/// were read otherwise).
pub fn read(
    config: &SiteConfig,
    local: &LocalCrs,
    part: &Part,
    surveys: Option<&[ColumnSurvey]>,
    scratch: &Path,
) -> Result<ReadPart> {
    let slots = BuildingSlots::new(&config.buildings[0]);
    let numeric = slots.numeric();
    if surveys.is_some_and(|s| s.len() != numeric.len()) {
        return Err(Error::Tool(format!(
            "the merged surveys hold {} numeric fields, the buildings layer maps {}: read every part with this site file again",
            surveys.map_or(0, <[_]>::len),
            numeric.len()
        )));
    }
    let opened = open(config, part, scratch, &slots)?;
    let target = crate::crs::epsg(local.epsg)?;
    let mut q = report(config, &opened);
    let mut own = Vec::new();
    let buildings = layer_buildings(
        &opened.src,
        &slots,
        &config.buildings[0],
        0,
        &target,
        Some(&mut |features: &[&crate::layer::RawFeature]| {
            own = super::numbers::Formats::survey(features.iter().copied(), &numeric);
            surveys.map_or_else(|| own.clone(), <[_]>::to_vec)
        }),
        &mut q,
    )?;
    // The notes of the formats are the whole layer's, written once the surveys are merged.
    q.number_formats.clear();
    let formats = formats_of(surveys.unwrap_or(&own));
    Ok(ReadPart {
        buildings,
        quality: q,
        surveys: own,
        formats,
    })
}

/// The format each numeric field is read under, by the surveys given.
pub fn formats_of(surveys: &[ColumnSurvey]) -> Vec<NumberFormat> {
    surveys.iter().map(ColumnSurvey::format_used).collect()
}

/// The notes the whole layer's formats leave in its report ([`LayerQuality::number_formats`]),
/// by the merged surveys.
pub fn format_notes(
    config: &SiteConfig,
    merged: &[ColumnSurvey],
) -> std::collections::BTreeMap<String, String> {
    let slots = BuildingSlots::new(&config.buildings[0]);
    let mut q = LayerQuality::new("", PathBuf::new(), String::new(), String::new());
    super::numbers::Formats::decided(slots.fields.names(), &slots.numeric(), merged, &mut q);
    q.number_formats
}

/// The local CRS the site is read into (`crs` in the site file, or the UTM zone of the
/// district's centroid), as [`super::load`] chooses it: from the district layer alone.
pub fn local_crs(config: &SiteConfig) -> Result<LocalCrs> {
    let mut issues = ConfigIssues::new(config.file.clone());
    let mut fields = super::FieldList::default();
    fields.add(config.district.name.as_deref());
    let src = OpenSource::open(&config.district.source, fields.names(), &mut issues);
    let Some(src) = src.filter(|_| issues.is_empty()) else {
        return Err(Error::Config(issues));
    };
    let wgs84 = crate::crs::wgs84()?;
    let centroid = super::district_centroid(&src, &wgs84)?;
    crate::crs::choose_local(config.crs, centroid).map_err(|e| super::with_file(e, config))
}
