//! The features table: a site's buildings, stops and population cells as Arrow record batches,
//! one row each, the input of `cpgis-tile` (and of the Spark job that tiles them).
//!
//! | column | type | what |
//! |---|---|---|
//! | `kind` | uint8 | 0 building, 1 stop, 2 population cell |
//! | `idx` | uint64 | its index among the site's features of its kind (`cpgis run`'s order) |
//! | `wkb` | binary | its geometry, WKB, local CRS |
//! | `rx`, `ry` | float64 | the point it is tiled by (a building's interior point), local CRS |
//! | `minx` … `maxy` | float64 | its bounding box, for the halo |
//! | `attrs` | utf8 | everything else, JSON (numbers written so they read back bit for bit) |
//! | `own` | bool, optional | set by the tiler: the building is the tile's own (not its halo's) |
//!
//! A tile's rows may come in any order and any number of batches: a worker sorts them by
//! `(kind, idx)` so that every sum adds in `cpgis run`'s order.

use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, Float64Builder, StringBuilder, UInt64Builder, UInt8Builder,
};
use arrow_array::{
    Array, ArrayRef, BinaryArray, BooleanArray, RecordBatch, StringArray, UInt64Array, UInt8Array,
};
use arrow_schema::{DataType, Field, Schema};
use cpgis_core::config::MeterUnit;
use cpgis_core::kinds::{Carrier, Mode};
use cpgis_core::site::{
    Building, Carriers, Metered, PopulationCell, Shape, Site, Stop, StopRoute, UseShare,
};
use geo::BoundingRect;
use serde::{Deserialize, Serialize};

use crate::wkb;

/// `kind` of a building row.
pub const BUILDING: u8 = 0;
/// `kind` of a stop row.
pub const STOP: u8 = 1;
/// `kind` of a population cell row.
pub const CELL: u8 = 2;

/// Rows per record batch written.
pub const BATCH_ROWS: usize = 65_536;

/// The features table's schema (without `own`, which the tiler adds).
pub fn schema() -> Arc<Schema> {
    let f = |n: &str| Field::new(n, DataType::Float64, false);
    Arc::new(Schema::new(vec![
        Field::new("kind", DataType::UInt8, false),
        Field::new("idx", DataType::UInt64, false),
        Field::new("wkb", DataType::Binary, false),
        f("rx"),
        f("ry"),
        f("minx"),
        f("miny"),
        f("maxx"),
        f("maxy"),
        Field::new("attrs", DataType::Utf8, false),
    ]))
}

#[derive(Serialize, Deserialize)]
struct BuildingAttrs {
    id: String,
    layer: usize,
    uses: Vec<(String, Option<f64>)>,
    floors: Option<f64>,
    height_m: Option<f64>,
    year: Option<String>,
    standard: Option<String>,
    gfa_m2: Option<f64>,
    energy: Vec<(Carrier, f64, String)>,
    energy_mapped: Vec<Carrier>,
}

#[derive(Serialize, Deserialize)]
struct StopAttrs {
    id: String,
    name: Option<String>,
    mode: Mode,
    departures_per_hour: Option<f64>,
    routes: Vec<(String, Mode, f64)>,
}

#[derive(Serialize, Deserialize)]
struct CellAttrs {
    id: String,
    residents: f64,
}

/// One row before it is written.
struct Row {
    kind: u8,
    idx: u64,
    wkb: Vec<u8>,
    point: [f64; 2],
    bbox: [f64; 4],
    attrs: String,
}

fn bbox(shape: &Shape) -> [f64; 4] {
    let r = match shape {
        Shape::Point(p) => Some(geo::Rect::new(p.0, p.0)),
        Shape::Area(mp) => mp.bounding_rect(),
    };
    r.map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
        .unwrap_or([f64::NAN; 4])
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn building_row(i: usize, b: &Building) -> Row {
    let p = cpgis_core::tiles::point_of(b)
        .map(|p| [p.x(), p.y()])
        .unwrap_or([f64::NAN; 2]);
    Row {
        kind: BUILDING,
        idx: i as u64,
        wkb: wkb::of_shape(&b.shape),
        point: p,
        bbox: bbox(&b.shape),
        attrs: json(&BuildingAttrs {
            id: b.id.to_string(),
            layer: b.layer,
            uses: b
                .uses
                .iter()
                .map(|u| (u.raw.to_string(), u.share))
                .collect(),
            floors: b.floors,
            height_m: b.height_m,
            year: b.year.as_deref().map(str::to_string),
            standard: b.standard.as_deref().map(str::to_string),
            gfa_m2: b.gfa_m2,
            energy: b
                .energy
                .iter()
                .map(|e| (e.carrier, e.value, e.unit.to_string()))
                .collect(),
            energy_mapped: b.energy_mapped.iter().collect(),
        }),
    }
}

fn stop_row(i: usize, s: &Stop) -> Row {
    Row {
        kind: STOP,
        idx: i as u64,
        wkb: wkb::of_point(&s.point),
        point: [s.point.x(), s.point.y()],
        bbox: [s.point.x(), s.point.y(), s.point.x(), s.point.y()],
        attrs: json(&StopAttrs {
            id: s.id.clone(),
            name: s.name.clone(),
            mode: s.mode,
            departures_per_hour: s.departures_per_hour,
            routes: s
                .routes
                .iter()
                .map(|r| (r.route.clone(), r.mode, r.departures_per_hour))
                .collect(),
        }),
    }
}

fn cell_row(i: usize, c: &PopulationCell) -> Row {
    let p = cpgis_core::profile::representative_point(&c.shape)
        .map(|p| [p.x(), p.y()])
        .unwrap_or([f64::NAN; 2]);
    Row {
        kind: CELL,
        idx: i as u64,
        wkb: wkb::of_shape(&c.shape),
        point: p,
        bbox: bbox(&c.shape),
        attrs: json(&CellAttrs {
            id: c.id.clone(),
            residents: c.residents,
        }),
    }
}

fn batch(rows: &[Row]) -> Result<RecordBatch, String> {
    let mut kind = UInt8Builder::with_capacity(rows.len());
    let mut idx = UInt64Builder::with_capacity(rows.len());
    let mut wkb = BinaryBuilder::new();
    let mut nums: Vec<Float64Builder> = (0..6)
        .map(|_| Float64Builder::with_capacity(rows.len()))
        .collect();
    let mut attrs = StringBuilder::new();
    for r in rows {
        kind.append_value(r.kind);
        idx.append_value(r.idx);
        wkb.append_value(&r.wkb);
        for (b, v) in nums.iter_mut().zip(r.point.iter().chain(&r.bbox)) {
            b.append_value(*v);
        }
        attrs.append_value(&r.attrs);
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(kind.finish()),
        Arc::new(idx.finish()),
        Arc::new(wkb.finish()),
    ];
    columns.extend(nums.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    columns.push(Arc::new(attrs.finish()));
    RecordBatch::try_new(schema(), columns).map_err(|e| e.to_string())
}

/// Every building, stop and population cell of a site, in record batches of [`BATCH_ROWS`].
pub fn encode(site: &Site) -> Result<Vec<RecordBatch>, String> {
    let rows = site
        .buildings
        .iter()
        .enumerate()
        .map(|(i, b)| building_row(i, b))
        .chain(site.stops.iter().enumerate().map(|(i, s)| stop_row(i, s)))
        .chain(
            site.population
                .iter()
                .enumerate()
                .map(|(i, c)| cell_row(i, c)),
        );
    batches(rows)
}

/// Buildings as [`encode`] writes them, numbered from `first` (a part of a buildings layer read
/// on its own: numbered within the part, renumbered once every part is counted).
pub fn encode_buildings(buildings: &[Building], first: usize) -> Result<Vec<RecordBatch>, String> {
    batches(
        buildings
            .iter()
            .enumerate()
            .map(|(i, b)| building_row(first + i, b)),
    )
}

fn batches(rows: impl Iterator<Item = Row>) -> Result<Vec<RecordBatch>, String> {
    let mut out = Vec::new();
    let mut chunk = Vec::with_capacity(BATCH_ROWS);
    for r in rows {
        chunk.push(r);
        if chunk.len() == BATCH_ROWS {
            out.push(batch(&chunk)?);
            chunk.clear();
        }
    }
    if !chunk.is_empty() || out.is_empty() {
        out.push(batch(&chunk)?);
    }
    Ok(out)
}

/// The site of a features file (`features.arrow`, as `cpgis prepare` wrote it) read back onto
/// `shared` (the model's site without features), and how many buildings the file holds: every
/// row must come in its kind's order (`idx` 0, 1, 2, … per kind), so that the site's features
/// are `cpgis run`'s, in its order. Every stop and population cell, and the buildings of `keep`
/// (site indices, ascending; `None`: every building): the others are counted, not decoded.
/// Batches are read a few at a time and decoded in parallel (the attributes' JSON is most of
/// the work), then appended in file order.
pub fn read_site<R: std::io::Read + std::io::Seek>(
    input: R,
    shared: Site,
    keep: Option<&[usize]>,
) -> Result<(Site, usize), String> {
    let mut reading = SiteReading::new(shared);
    reading.add(input, keep)?;
    Ok(reading.finish())
}

/// A site read from several features files in turn (`features.arrow`, then the buildings'
/// parts when they were read on the engine): each kind's rows continue their order from one
/// file to the next.
pub struct SiteReading {
    site: Site,
    next: [u64; 3],
}

impl SiteReading {
    /// Reading onto `shared` (the model's site without features).
    pub fn new(shared: Site) -> SiteReading {
        SiteReading {
            site: shared,
            next: [0; 3],
        }
    }

    /// The buildings the files read so far held.
    pub fn buildings(&self) -> usize {
        self.next[BUILDING as usize] as usize
    }

    /// The site, and how many buildings the files held.
    pub fn finish(self) -> (Site, usize) {
        (self.site, self.next[BUILDING as usize] as usize)
    }

    /// Adds the rows of one file ([`read_site`]).
    pub fn add<R: std::io::Read + std::io::Seek>(
        &mut self,
        input: R,
        keep: Option<&[usize]>,
    ) -> Result<(), String> {
        read_into(input, &mut self.site, &mut self.next, keep)
    }
}

fn read_into<R: std::io::Read + std::io::Seek>(
    input: R,
    site: &mut Site,
    next: &mut [u64; 3],
    keep: Option<&[usize]>,
) -> Result<(), String> {
    use rayon::prelude::*;
    let mut reader = arrow_ipc::reader::FileReader::try_new(input, None)
        .map_err(|e| format!("not an Arrow IPC file: {e}"))?;
    let group = 2 * rayon::current_num_threads();
    loop {
        let batches: Vec<RecordBatch> = reader
            .by_ref()
            .take(group)
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        if batches.is_empty() {
            return Ok(());
        }
        for batch in &batches {
            in_order(batch, next)?;
        }
        let parts: Vec<Site> = batches
            .par_iter()
            .map(|b| {
                decode_keeping(std::slice::from_ref(b), empty_like(site), keep).map(|d| d.site)
            })
            .collect::<Result<_, String>>()?;
        for p in parts {
            site.buildings.extend(p.buildings);
            site.stops.extend(p.stops);
            site.population.extend(p.population);
        }
    }
}

/// Checks that each row of `batch` is the next of its kind (`next`: the index each kind is at).
fn in_order(batch: &RecordBatch, next: &mut [u64; 3]) -> Result<(), String> {
    let kind = column::<UInt8Array>(batch, "kind")?;
    let idx = column::<UInt64Array>(batch, "idx")?;
    for i in 0..batch.num_rows() {
        if kind.is_null(i) || idx.is_null(i) {
            return Err(format!("row {i} of a batch has an empty kind or idx"));
        }
        let (k, x) = (kind.value(i), idx.value(i));
        let Some(want) = next.get_mut(k as usize) else {
            return Err(format!(
                "kind {k} is not 0 (building), 1 (stop) or 2 (population cell)"
            ));
        };
        if x != *want {
            return Err(format!(
                "feature of kind {k} and index {x} where index {want} comes next: not the file `cpgis prepare` wrote"
            ));
        }
        *want += 1;
    }
    Ok(())
}

/// A site with `site`'s CRS and tables and nothing else, to decode a batch onto.
fn empty_like(site: &Site) -> Site {
    Site {
        name: String::new(),
        crs: site.crs.clone(),
        district: cpgis_core::site::District {
            name: String::new(),
            area: geo::MultiPolygon(Vec::new()),
        },
        neighbourhoods: Vec::new(),
        buildings: Vec::new(),
        stops: Vec::new(),
        population: Vec::new(),
        quality: Vec::new(),
        use_maps: Vec::new(),
        context: Vec::new(),
        standard_maps: Vec::new(),
    }
}

/// A tile's features read back: its site (on the model's shared part) and, per building, its
/// index in the whole site and whether it is the tile's own.
pub struct Decoded {
    /// The tile's site.
    pub site: Site,
    /// Per building of `site`, its `idx`.
    pub global: Vec<u64>,
    /// Per building of `site`, whether it is the tile's own (every building when the table has
    /// no `own` column).
    pub own: Vec<bool>,
}

fn column<'a, T: 'static>(b: &'a RecordBatch, name: &str) -> Result<&'a T, String> {
    b.column_by_name(name)
        .ok_or_else(|| format!("the features have no `{name}` column"))?
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| format!("the features' `{name}` column has the wrong type"))
}

/// Decodes a tile's record batches onto `shared` (the model's site without features). Rows
/// are sorted by kind and index first; a row that does not decode is an error naming its kind
/// and index.
pub fn decode(batches: &[RecordBatch], shared: Site) -> Result<Decoded, String> {
    decode_keeping(batches, shared, None)
}

/// [`decode`], of the buildings only those of `keep` (site indices, ascending; `None`: all).
fn decode_keeping(
    batches: &[RecordBatch],
    shared: Site,
    keep: Option<&[usize]>,
) -> Result<Decoded, String> {
    struct In<'a> {
        kind: u8,
        idx: u64,
        own: bool,
        wkb: &'a [u8],
        attrs: &'a str,
    }
    let mut rows = Vec::new();
    for b in batches {
        let kind = column::<UInt8Array>(b, "kind")?;
        let idx = column::<UInt64Array>(b, "idx")?;
        let wkb = column::<BinaryArray>(b, "wkb")?;
        let attrs = column::<StringArray>(b, "attrs")?;
        let own = b
            .column_by_name("own")
            .and_then(|c| c.as_any().downcast_ref::<BooleanArray>());
        for i in 0..b.num_rows() {
            if kind.is_null(i) || idx.is_null(i) || wkb.is_null(i) || attrs.is_null(i) {
                return Err(format!(
                    "row {i} of a batch has an empty kind, idx, wkb or attrs"
                ));
            }
            let held = |k: &[usize]| k.binary_search(&(idx.value(i) as usize)).is_ok();
            if kind.value(i) == BUILDING && keep.is_some_and(|k| !held(k)) {
                continue;
            }
            rows.push(In {
                kind: kind.value(i),
                idx: idx.value(i),
                own: own.is_none_or(|o| o.is_valid(i) && o.value(i)),
                wkb: wkb.value(i),
                attrs: attrs.value(i),
            });
        }
    }
    rows.sort_by_key(|r| (r.kind, r.idx));
    // A feature twice in one tile is the tiler's mistake: said, never dropped.
    if let Some(w) = rows
        .windows(2)
        .find(|w| (w[0].kind, w[0].idx) == (w[1].kind, w[1].idx))
    {
        return Err(format!(
            "feature of kind {} and index {} comes twice in the tile",
            w[0].kind, w[0].idx
        ));
    }
    let mut d = Decoded {
        site: shared,
        global: Vec::new(),
        own: Vec::new(),
    };
    for r in rows {
        let what = |e: String| {
            let k = ["building", "stop", "population cell"]
                .get(r.kind as usize)
                .copied()
                .unwrap_or("feature");
            format!("{k} {}: {e}", r.idx)
        };
        let shape = wkb::to_shape(r.wkb).map_err(what)?;
        match r.kind {
            BUILDING => {
                let a: BuildingAttrs =
                    serde_json::from_str(r.attrs).map_err(|e| what(e.to_string()))?;
                let energy = a
                    .energy
                    .into_iter()
                    .map(|(carrier, value, unit)| {
                        MeterUnit::parse(&unit)
                            .map(|unit| Metered {
                                carrier,
                                value,
                                unit,
                            })
                            .ok_or_else(|| what(format!("`{unit}` is not a meter unit")))
                    })
                    .collect::<Result<_, _>>()?;
                d.site.buildings.push(Building {
                    id: a.id.into(),
                    layer: a.layer,
                    shape,
                    uses: a
                        .uses
                        .into_iter()
                        .map(|(raw, share)| UseShare {
                            raw: raw.into(),
                            share,
                        })
                        .collect(),
                    floors: a.floors,
                    height_m: a.height_m,
                    year: a.year.map(Into::into),
                    standard: a.standard.map(Into::into),
                    gfa_m2: a.gfa_m2,
                    energy,
                    energy_mapped: Carriers::of(a.energy_mapped),
                });
                d.global.push(r.idx);
                d.own.push(r.own);
            }
            STOP => {
                let a: StopAttrs =
                    serde_json::from_str(r.attrs).map_err(|e| what(e.to_string()))?;
                let Shape::Point(point) = shape else {
                    return Err(what("a stop that is not a point".into()));
                };
                d.site.stops.push(Stop {
                    id: a.id,
                    name: a.name,
                    mode: a.mode,
                    point,
                    departures_per_hour: a.departures_per_hour,
                    routes: a
                        .routes
                        .into_iter()
                        .map(|(route, mode, departures_per_hour)| StopRoute {
                            route,
                            mode,
                            departures_per_hour,
                        })
                        .collect(),
                });
            }
            CELL => {
                let a: CellAttrs =
                    serde_json::from_str(r.attrs).map_err(|e| what(e.to_string()))?;
                d.site.population.push(PopulationCell {
                    id: a.id,
                    residents: a.residents,
                    shape,
                });
            }
            k => {
                return Err(format!(
                    "kind {k} is not 0 (building), 1 (stop) or 2 (population cell)"
                ))
            }
        }
    }
    Ok(d)
}
