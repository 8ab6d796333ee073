//! The results table: one row per building a tile owns, what `cpgis-tile` writes.
//!
//! | column | type | what |
//! |---|---|---|
//! | `idx` | uint64 | the building's index in the whole site |
//! | `id` | utf8 | its id |
//! | `wkb` | binary | its geometry, WKB, local CRS (for the per-building GeoParquet) |
//! | `cell_i`, `cell_j` | int64 | its aggregation grid cell (the site file's `[grid]`) |
//! | `neighbourhood` | int64 | index of its neighbourhood, −1 outside every one |
//! | `in_district` | bool | its representative point lies in the district |
//! | `membership` | utf8 | `district`, `community` or `outside`, as `cpgis run` places it |
//! | `gfa_m2`, `residents`, `jobs`, `access_index` | float64 | its profile's figures |
//! | `offer_t_yr` | float64, null in the district and the community | for a building beyond the community: t CO2e per year the enabled building interventions would cut at it (core `offsets::building_offers_t`) |
//! | `{scenario}_{sector}_t` | float64 | t CO2e per year, every scenario (baseline first) and sector |
//! | `profile`, `estimate` | binary | the whole profile and estimate, postcard (serde's fields in order, each f64 its 8 bytes): reads back bit for bit |
//!
//! The flat columns are what the Spark job sums and writes; `profile` and `estimate` are what
//! the driver's `cpgis finish` reads to carry on exactly as `cpgis run` does.

use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, UInt64Builder,
};
use arrow_array::{
    Array, ArrayRef, BinaryArray, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
    UInt64Array,
};
use arrow_schema::{DataType, Field, Schema};
use cpgis_core::aggregate::{Counts, SumsBuilder};
use cpgis_core::census::Census;
use cpgis_core::community::Membership;
use cpgis_core::estimate::calibration::Calibration;
use cpgis_core::estimate::{BuildingEstimate, Scenarios, SECTORS};
use cpgis_core::preset::Factors;
use cpgis_core::profile::residents::Housed;
use cpgis_core::profile::{NotePart, Profile};
use cpgis_core::run::Gathered;
use cpgis_core::site::Site;
use cpgis_core::uncertainty::SamplePlan;

/// The columns of t CO2e, in order: `{scenario}_{sector}_t`.
pub fn emission_columns(scenarios: &Scenarios) -> Vec<String> {
    scenarios
        .iter()
        .flat_map(|s| {
            SECTORS
                .iter()
                .map(move |k| format!("{}_{}_t", s.name, k.sector().key()))
        })
        .collect()
}

/// The results table's schema for these scenarios.
pub fn schema(scenarios: &Scenarios) -> Arc<Schema> {
    let f = |n: &str| Field::new(n, DataType::Float64, false);
    let mut fields = vec![
        Field::new("idx", DataType::UInt64, false),
        Field::new("id", DataType::Utf8, false),
        Field::new("wkb", DataType::Binary, false),
        Field::new("cell_i", DataType::Int64, false),
        Field::new("cell_j", DataType::Int64, false),
        Field::new("neighbourhood", DataType::Int64, false),
        Field::new("in_district", DataType::Boolean, false),
        Field::new("membership", DataType::Utf8, false),
        f("gfa_m2"),
        f("residents"),
        f("jobs"),
        f("access_index"),
        Field::new("offer_t_yr", DataType::Float64, true),
    ];
    fields.extend(emission_columns(scenarios).iter().map(|n| f(n)));
    fields.push(Field::new("profile", DataType::Binary, false));
    fields.push(Field::new("estimate", DataType::Binary, false));
    Arc::new(Schema::new(fields))
}

/// One own building's result.
pub struct Row<'a> {
    /// Index in the whole site.
    pub idx: u64,
    /// Its id.
    pub id: &'a str,
    /// Its geometry, WKB.
    pub wkb: Vec<u8>,
    /// Its aggregation cell.
    pub cell: (i64, i64),
    /// Its neighbourhood's index.
    pub neighbourhood: Option<usize>,
    /// Where it lies: the district, the community or outside.
    pub membership: cpgis_core::community::Membership,
    /// What the enabled building interventions would cut at it, t CO2e per year, for a building
    /// beyond the community (`None` in the district and the community, whose offers the
    /// driver's offsets stage works out).
    pub offer_t: Option<f64>,
    /// Its profile.
    pub profile: &'a Profile,
    /// Its estimate.
    pub estimate: &'a BuildingEstimate,
}

/// The record batch of some buildings' results.
pub fn batch(rows: &[Row], scenarios: &Scenarios) -> Result<RecordBatch, String> {
    let n = rows.len();
    let mut idx = UInt64Builder::with_capacity(n);
    let mut id = StringBuilder::new();
    let mut wkb = BinaryBuilder::new();
    let (mut ci, mut cj, mut nb) = (
        Int64Builder::with_capacity(n),
        Int64Builder::with_capacity(n),
        Int64Builder::with_capacity(n),
    );
    let mut in_district = BooleanBuilder::with_capacity(n);
    let mut membership = StringBuilder::new();
    let k = scenarios.len() * SECTORS.len();
    let mut nums: Vec<Float64Builder> = (0..5 + k)
        .map(|_| Float64Builder::with_capacity(n))
        .collect();
    let (mut profile, mut estimate) = (BinaryBuilder::new(), BinaryBuilder::new());
    for r in rows {
        idx.append_value(r.idx);
        id.append_value(r.id);
        wkb.append_value(&r.wkb);
        ci.append_value(r.cell.0);
        cj.append_value(r.cell.1);
        nb.append_value(r.neighbourhood.map(|i| i as i64).unwrap_or(-1));
        in_district.append_value(r.profile.in_district);
        membership.append_value(r.membership.key());
        let p = r.profile;
        let figures = [
            Some(p.floor.gfa_m2),
            Some(p.residents),
            Some(p.jobs),
            Some(p.access.index),
            r.offer_t,
        ]
        .into_iter()
        .chain(
            (0..scenarios.len())
                .flat_map(|s| (0..SECTORS.len()).map(move |j| (s, j)))
                .map(|(s, j)| Some(r.estimate.co2e(s, j))),
        );
        for (b, v) in nums.iter_mut().zip(figures) {
            b.append_option(v);
        }
        profile.append_value(postcard::to_allocvec(r.profile).map_err(|e| e.to_string())?);
        estimate.append_value(postcard::to_allocvec(r.estimate).map_err(|e| e.to_string())?);
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(idx.finish()),
        Arc::new(id.finish()),
        Arc::new(wkb.finish()),
        Arc::new(ci.finish()),
        Arc::new(cj.finish()),
        Arc::new(nb.finish()),
        Arc::new(in_district.finish()),
        Arc::new(membership.finish()),
    ];
    columns.extend(nums.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    columns.push(Arc::new(profile.finish()));
    columns.push(Arc::new(estimate.finish()));
    RecordBatch::try_new(schema(scenarios), columns).map_err(|e| e.to_string())
}

/// A results batch's column `name`, of type `T`.
fn column<'a, T: 'static>(b: &'a RecordBatch, name: &str) -> Result<&'a T, String> {
    b.column_by_name(name)
        .ok_or_else(|| format!("the results have no `{name}` column"))?
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| format!("the results' `{name}` column has the wrong type"))
}

/// The key of a results schema's metadata that carries the tile's part of the profile notes
/// (core `profile::NotePart`, as JSON): the lists and counts of the tile's own buildings,
/// tallied where their attributes are, so that the driver need not hold them.
pub const NOTES_KEY: &str = "cpgis:notes";

/// `batch` carrying `notes` (its buildings' part of the profile notes) in its schema's metadata.
pub fn with_notes(batch: RecordBatch, notes: &NotePart) -> Result<RecordBatch, String> {
    let json = serde_json::to_string(notes).map_err(|e| e.to_string())?;
    let mut meta = batch.schema().metadata().clone();
    meta.insert(NOTES_KEY.into(), json);
    let schema = Arc::new(batch.schema().as_ref().clone().with_metadata(meta));
    batch.with_schema(schema).map_err(|e| e.to_string())
}

/// Gathers each building's profile and estimate from results batches, by `idx`, for a site
/// whose buildings have the ids `ids`: every index must come exactly once, with its id. Batches
/// are added one at a time, so the caller can drop each after it is read. What the outputs
/// count over every building is gathered as the rows come, in any order ([`Gathered`]).
pub struct Collector<'a> {
    /// The ids of the buildings whose results are kept, in `out`'s order.
    ids: Vec<&'a str>,
    /// The buildings of the site, all of them.
    total: usize,
    factors: &'a Factors,
    /// The buildings whose profile and estimate are kept (site indices, ascending; `None`:
    /// every one), and theirs, in that order.
    keep: Option<&'a [usize]>,
    out: Vec<Option<(Profile, BuildingEstimate)>>,
    /// Per building of the site: read already.
    seen: Vec<bool>,
    /// The offers of the buildings the tiles placed beyond the community, summed exactly.
    outside_offer: cpgis_core::exact::ExactSum,
    /// The tiles' parts of the profile notes, merged.
    notes: NotePart,
    census: Census,
    calibration: Calibration,
    housed: Housed<'a>,
    counts: Counts,
    /// The sums of every level, when the engine's tables do not give them.
    sums: Option<SumsBuilder>,
    /// Per neighbourhood, its buildings outside the district (for the uncertainty's sample) and
    /// their proposed t CO2e per year, summed exactly.
    outside: Vec<Vec<usize>>,
    outside_t: Vec<cpgis_core::exact::ExactSum>,
    /// The proposed scenario's index.
    proposed: usize,
    /// Buildings the tiles placed in the district, the community and outside.
    memberships: [usize; 3],
}

impl<'a> Collector<'a> {
    /// A collector for a site of `total` buildings, of which `site` holds those whose results
    /// are kept (every one, or those of `keep`: site indices, ascending), estimated with these
    /// factors and `proposed` the proposed scenario's index; it sums every level when `sums`
    /// gives the estimates' `(scenarios, sectors)`.
    pub fn new(
        site: &'a Site,
        total: usize,
        keep: Option<&'a [usize]>,
        factors: &'a Factors,
        proposed: usize,
        sums: Option<(usize, usize)>,
    ) -> Collector<'a> {
        let (population, neighbourhoods) = (&site.population, site.neighbourhoods.len());
        let ids: Vec<&str> = site.buildings.iter().map(|b| &*b.id).collect();
        Collector {
            out: vec![None; ids.len()],
            ids,
            total,
            factors,
            keep,
            seen: vec![false; total],
            outside_offer: cpgis_core::exact::ExactSum::new(),
            notes: NotePart::default(),
            census: Census::default(),
            calibration: Calibration::default(),
            housed: Housed::new(population),
            counts: Counts::new(neighbourhoods),
            sums: sums.map(|size| SumsBuilder::new(neighbourhoods, size)),
            outside: vec![Vec::new(); neighbourhoods],
            outside_t: vec![cpgis_core::exact::ExactSum::new(); neighbourhoods],
            proposed,
            memberships: [0; 3],
        }
    }

    /// Reads one results file's batches (one tile's, or several tiles' with their parts
    /// merged): its part of the profile notes, which must count its rows, then every row.
    pub fn add_file(&mut self, batches: &[RecordBatch]) -> Result<(), String> {
        let Some(first) = batches.first() else {
            return Ok(());
        };
        let json = first.schema().metadata().get(NOTES_KEY).cloned().ok_or(
            "the results carry no profile notes (results of an older cpgis-tile?): run the tiles again",
        )?;
        let part: NotePart =
            serde_json::from_str(&json).map_err(|e| format!("the results' profile notes: {e}"))?;
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        if part.buildings != rows as u64 {
            return Err(format!(
                "the results' profile notes count {} buildings, the file {rows}",
                part.buildings
            ));
        }
        self.notes.merge(part);
        batches.iter().try_for_each(|b| self.add(b))
    }

    /// Reads one batch of results.
    pub fn add(&mut self, b: &RecordBatch) -> Result<(), String> {
        let idx = column::<UInt64Array>(b, "idx")?;
        let id = column::<StringArray>(b, "id")?;
        let membership = column::<StringArray>(b, "membership")?;
        let profile = column::<BinaryArray>(b, "profile")?;
        let estimate = column::<BinaryArray>(b, "estimate")?;
        let wkb = column::<BinaryArray>(b, "wkb")?;
        let cell_i = column::<Int64Array>(b, "cell_i")?;
        let cell_j = column::<Int64Array>(b, "cell_j")?;
        let neighbourhood = column::<Int64Array>(b, "neighbourhood")?;
        let in_district = column::<BooleanArray>(b, "in_district")?;
        let offer = column::<Float64Array>(b, "offer_t_yr")?;
        for i in 0..b.num_rows() {
            if idx.is_null(i) || profile.is_null(i) || estimate.is_null(i) {
                return Err(format!(
                    "a results row has an empty idx, profile or estimate (row {i})"
                ));
            }
            let k = idx.value(i) as usize;
            if k >= self.total {
                return Err(format!(
                    "building index {k} is beyond the site's {} buildings",
                    self.total
                ));
            }
            let slot = match self.keep {
                None => Some(k),
                Some(keep) => keep.binary_search(&k).ok(),
            };
            let given = id.value(i);
            // The ids of the buildings kept are checked against the site's (every building's
            // when every building is kept).
            if let Some(expected) = slot.and_then(|s| self.ids.get(s)) {
                if given != *expected {
                    return Err(format!(
                        "building {k} is `{given}` in the results, `{expected}` in the site"
                    ));
                }
            }
            if self.seen[k] {
                return Err(format!(
                    "building {k} (`{given}`) comes twice: two tiles computed it"
                ));
            }
            self.seen[k] = true;
            let p: Profile = postcard::from_bytes(profile.value(i))
                .map_err(|e| format!("building {k}'s profile: {e}"))?;
            let e: BuildingEstimate = postcard::from_bytes(estimate.value(i))
                .map_err(|e| format!("building {k}'s estimate: {e}"))?;
            let shape = crate::wkb::to_shape(wkb.value(i))
                .map_err(|e| format!("building {k}'s geometry: {e}"))?;
            self.census.add_shape(&shape, &p, &e);
            self.calibration.add(&p, &e, self.factors);
            self.housed.add(p.point, p.housing_m2());
            let hood = usize::try_from(neighbourhood.value(i)).ok();
            let cell = (cell_i.value(i), cell_j.value(i));
            self.counts
                .add(cell, hood, in_district.value(i))
                .map_err(|e| format!("building {k}: {e}"))?;
            if let Some(sums) = &mut self.sums {
                sums.add(cell, hood, &p, &e);
            }
            if let (false, Some(h)) = (in_district.value(i), hood) {
                self.outside[h].push(k);
                self.outside_t[h].add(e.total(self.proposed));
            }
            let place = Membership::ALL
                .into_iter()
                .find(|m| m.key() == membership.value(i))
                .ok_or_else(|| {
                    format!(
                        "building {k}'s membership `{}` is none of district, community, outside",
                        membership.value(i)
                    )
                })?;
            self.memberships[place as usize] += 1;
            if place == Membership::Outside {
                if offer.is_null(i) {
                    return Err(format!(
                        "building {k} (`{given}`) lies beyond the community and has no offer"
                    ));
                }
                self.outside_offer.add(offer.value(i));
            }
            if let Some(s) = slot {
                self.out[s] = Some((p, e));
            }
        }
        Ok(())
    }

    /// The kept buildings' profiles and estimates (every building's, or those of `keep`), in
    /// index order, and what was gathered over all of them; an error when some have none.
    pub fn finish(self) -> Result<(Vec<(Profile, BuildingEstimate)>, Gathered), String> {
        let missing: Vec<String> = self
            .seen
            .iter()
            .enumerate()
            .filter(|(_, seen)| !**seen)
            .map(|(k, _)| match self.keep {
                None => self.ids[k].to_string(),
                Some(_) => format!("index {k}"),
            })
            .take(5)
            .collect();
        if !missing.is_empty() {
            let n = self.seen.iter().filter(|s| !**s).count();
            return Err(format!(
                "{n} buildings have no result (no tile computed them), e.g. {}",
                missing.join(", ")
            ));
        }
        let gathered = Gathered {
            census: self.census,
            calibration: self.calibration,
            notes: self.notes,
            unplaced: self.housed.unplaced(),
            // The offers of the buildings placed beyond the community, summed exactly: the
            // same bits as `cpgis run`'s sum in building order (core `offsets::abatement_t`).
            outside_offer_t: self.outside_offer.value(),
            sums: self.sums.map(SumsBuilder::finish),
            sample_plan: SamplePlan::of(self.counts.district, self.outside)
                .with_totals(self.outside_t.iter().map(|t| t.value()).collect()),
            counts: self.counts,
            memberships: self.memberships,
        };
        Ok((self.out.into_iter().flatten().collect(), gathered))
    }
}

/// The columns [`Places`] reads: 17 bytes a building and the place's name.
pub const PLACE_COLUMNS: [&str; 4] = ["idx", "in_district", "neighbourhood", "membership"];

/// Where each building of the results lies (district, community, neighbourhood), read first
/// and alone ([`PLACE_COLUMNS`]), so the driver knows which buildings to hold before it decodes
/// any profile: the district's, the community's, and those the neighbourhoods' ranges walk
/// (core `uncertainty::SamplePlan`).
pub struct Places {
    buildings: usize,
    held: Vec<usize>,
    outside: Vec<Vec<usize>>,
    district: usize,
}

impl Places {
    /// No building yet, for a site of `neighbourhoods` neighbourhoods.
    pub fn new(neighbourhoods: usize) -> Places {
        Places {
            buildings: 0,
            held: Vec::new(),
            outside: vec![Vec::new(); neighbourhoods],
            district: 0,
        }
    }

    /// Reads a batch of [`PLACE_COLUMNS`].
    pub fn add(&mut self, b: &RecordBatch) -> Result<(), String> {
        let idx = column::<UInt64Array>(b, "idx")?;
        let in_district = column::<BooleanArray>(b, "in_district")?;
        let hood = column::<Int64Array>(b, "neighbourhood")?;
        let place = column::<StringArray>(b, "membership")?;
        self.buildings += b.num_rows();
        for i in 0..b.num_rows() {
            let k = idx.value(i) as usize;
            if place.value(i) != Membership::Outside.key() {
                self.held.push(k);
            }
            if in_district.value(i) {
                self.district += 1;
            } else if let Ok(h) = usize::try_from(hood.value(i)) {
                let n = self.outside.len();
                self.outside
                    .get_mut(h)
                    .ok_or_else(|| {
                        format!("building {k}: neighbourhood {h} where the site has {n}")
                    })?
                    .push(k);
            }
        }
        Ok(())
    }

    /// The buildings read (rows).
    pub fn buildings(&self) -> usize {
        self.buildings
    }

    /// The buildings to hold, ascending: the district's, the community's and, when the
    /// uncertainty is drawn (`walk`), those its neighbourhoods' ranges walk.
    pub fn held(self, walk: bool) -> Vec<usize> {
        let mut held = self.held;
        if walk {
            held.extend(SamplePlan::of(self.district, self.outside).walked());
        }
        held.sort_unstable();
        held.dedup();
        held
    }
}
