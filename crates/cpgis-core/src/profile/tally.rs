//! The profile notes gathered one building at a time, in any order, and merged part by part:
//! every list entry carries its building's index in the site, and [`NoteTally::finish`] puts
//! each list in building order. A distributed run's tiles each tally their own buildings (they
//! hold the buildings' attributes) and the driver merges the parts ([`NotePart`], carried with
//! each tile's results), so it writes the lists `cpgis run` writes without the buildings.

use std::collections::BTreeMap;

use super::{era_of, AreaSource, Profile, ProfileNotes};
use crate::kinds::EraSource;
use crate::preset::{Carrier, Era, Factors};
use crate::site::{Building, Shape, Site};

/// A list of the notes, each entry with its building's index in the site.
type Tagged<T> = Vec<(u64, T)>;

/// What a set of buildings adds to the profile notes: the lists by id (each entry tagged with its
/// building's index) and the counts. Serialized with a tile's results.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NotePart {
    /// Buildings tallied.
    pub buildings: u64,
    unmatched_uses: BTreeMap<String, usize>,
    unmatched_standards: BTreeMap<String, usize>,
    /// Buildings by use, floors' source, floor area's source, residents' source, era's source.
    counts: [BTreeMap<String, usize>; 5],
    default_floors: Tagged<String>,
    unknown_use: Tagged<String>,
    unknown_era: Tagged<String>,
    residents_by_floor_area: Tagged<String>,
    no_floor_area: Tagged<String>,
    point_buildings: Tagged<String>,
    unmetered: Tagged<String>,
    rejected_floors: Tagged<(String, f64)>,
    unreadable_years: Tagged<(String, String)>,
    era_not_year: Tagged<(String, String, String)>,
    partial_meters: Tagged<(String, Vec<String>)>,
    net_export: Tagged<(String, f64)>,
}

fn add_counts(into: &mut BTreeMap<String, usize>, from: &BTreeMap<String, usize>) {
    for (k, n) in from {
        *into.entry(k.clone()).or_default() += n;
    }
}

/// In building order, untagged.
fn ordered<T>(mut list: Tagged<T>) -> Vec<T> {
    list.sort_by_key(|(i, _)| *i);
    list.into_iter().map(|(_, t)| t).collect()
}

impl NotePart {
    /// Adds building `b` of `site` (its index `idx` in the site), profiled as `p`.
    pub fn add(&mut self, idx: usize, site: &Site, factors: &Factors, b: &Building, p: &Profile) {
        let at = idx as u64;
        let id = || b.id.to_string();
        self.buildings += 1;
        let (mix, floor, year) = (&p.uses, &p.floor, &p.year);
        for raw in &mix.unmatched {
            *self.unmatched_uses.entry(raw.clone()).or_default() += 1;
        }
        if let Some(f) = floor.rejected_floors {
            self.rejected_floors.push((at, (id(), f)));
        }
        if floor.source == AreaSource::Missing {
            self.no_floor_area.push((at, id()));
        }
        if matches!(b.shape, Shape::Point(_)) {
            self.point_buildings.push((at, id()));
        }
        for (list, yes) in [
            (&mut self.default_floors, p.floors_defaulted()),
            (&mut self.unknown_use, p.use_unknown()),
            (&mut self.unknown_era, p.era_unknown()),
            (
                &mut self.residents_by_floor_area,
                p.residents_by_floor_area(),
            ),
        ] {
            if yes {
                list.push((at, id()));
            }
        }
        if !b.energy_mapped.is_empty() {
            if b.energy.is_empty() {
                self.unmetered.push((at, id()));
            } else if b.energy.len() < b.energy_mapped.len() {
                let missing = b
                    .energy_mapped
                    .iter()
                    .filter(|c| !b.energy.iter().any(|e| e.carrier == *c))
                    .map(|c| c.key().to_string())
                    .collect();
                self.partial_meters.push((at, (id(), missing)));
            }
            for e in b
                .energy
                .iter()
                .filter(|e| e.carrier == Carrier::Electricity)
            {
                let kwh = e.unit.to_kwh(e.value, factors.gas_kwh_per_m3, floor.gfa_m2);
                if kwh < 0.0 {
                    self.net_export.push((at, (id(), kwh)));
                }
            }
        }
        if let Some(s) = b
            .standard
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let map = site
                .standard_maps
                .get(b.layer)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            match era_of(b, None, map) {
                (era, EraSource::Standard) => {
                    let by_year = Era::of_year(*year);
                    if year.is_some() && by_year != era {
                        self.era_not_year
                            .push((at, (id(), era.key().to_string(), by_year.key().to_string())));
                    }
                }
                _ => *self.unmatched_standards.entry(s.to_string()).or_default() += 1,
            }
        }
        if let (None, Some(text)) = (year, &b.year) {
            if !text.trim().is_empty() {
                self.unreadable_years.push((at, (id(), text.to_string())));
            }
        }
        for (count, key) in self.counts.iter_mut().zip([
            p.uses.primary().key(),
            p.floor.floors_source.key(),
            p.floor.source.key(),
            p.residents_source.key(),
            p.era_source.key(),
        ]) {
            *count.entry(key.to_string()).or_default() += 1;
        }
    }

    /// Adds another part's buildings (in any order: the lists are put in building order at the
    /// end).
    pub fn merge(&mut self, o: NotePart) {
        self.buildings += o.buildings;
        add_counts(&mut self.unmatched_uses, &o.unmatched_uses);
        add_counts(&mut self.unmatched_standards, &o.unmatched_standards);
        for (a, b) in self.counts.iter_mut().zip(&o.counts) {
            add_counts(a, b);
        }
        self.default_floors.extend(o.default_floors);
        self.unknown_use.extend(o.unknown_use);
        self.unknown_era.extend(o.unknown_era);
        self.residents_by_floor_area
            .extend(o.residents_by_floor_area);
        self.no_floor_area.extend(o.no_floor_area);
        self.point_buildings.extend(o.point_buildings);
        self.unmetered.extend(o.unmetered);
        self.rejected_floors.extend(o.rejected_floors);
        self.unreadable_years.extend(o.unreadable_years);
        self.era_not_year.extend(o.era_not_year);
        self.partial_meters.extend(o.partial_meters);
        self.net_export.extend(o.net_export);
    }
}

/// The profile notes of a site's buildings, gathered from [`NotePart`]s. What needs the whole
/// map at once (the district's share inside the buildings' extent, the population cells whose
/// residents found no home) and what needs the district's buildings (their floor area's
/// shares) are the caller's.
pub struct NoteTally {
    notes: ProfileNotes,
    part: NotePart,
}

impl NoteTally {
    /// The tally of a site before any building: its stops counted by mode, the district's share
    /// inside their extent.
    pub fn new(site: &Site) -> NoteTally {
        let mut notes = ProfileNotes {
            district_in_stops_extent: crate::site::share_in_stops_extent(site, &site.district.area)
                .map(|s| (s * 1e4).round() / 1e4),
            ..Default::default()
        };
        for s in &site.stops {
            *notes
                .stops_by_mode
                .entry(s.mode.key().to_string())
                .or_default() += 1;
        }
        NoteTally {
            notes,
            part: NotePart::default(),
        }
    }

    /// Adds building `idx` of `site`, profiled as `p`.
    pub fn add(&mut self, idx: usize, site: &Site, factors: &Factors, p: &Profile) {
        self.part.add(idx, site, factors, &site.buildings[idx], p);
    }

    /// Adds a part tallied elsewhere (a tile's).
    pub fn merge(&mut self, part: NotePart) {
        self.part.merge(part);
    }

    /// Buildings tallied so far.
    pub fn buildings(&self) -> u64 {
        self.part.buildings
    }

    /// The notes of the buildings added, each list in building order.
    pub fn finish(self) -> ProfileNotes {
        let NoteTally { mut notes, part } = self;
        let [by_use, floors, area, residents, era] = part.counts;
        notes.buildings_by_use = by_use;
        notes.floors_from = floors;
        notes.floor_area_from = area;
        notes.residents_from = residents;
        notes.era_from = era;
        notes.unmatched_uses = part.unmatched_uses;
        notes.unmatched_standards = part.unmatched_standards;
        notes.default_floors = ordered(part.default_floors);
        notes.unknown_use = ordered(part.unknown_use);
        notes.unknown_era = ordered(part.unknown_era);
        notes.residents_by_floor_area = ordered(part.residents_by_floor_area);
        notes.no_floor_area = ordered(part.no_floor_area);
        notes.point_buildings = ordered(part.point_buildings);
        notes.unmetered = ordered(part.unmetered);
        notes.rejected_floors = ordered(part.rejected_floors);
        notes.unreadable_years = ordered(part.unreadable_years);
        notes.era_not_year = ordered(part.era_not_year);
        notes.partial_meters = ordered(part.partial_meters);
        notes.net_export = ordered(part.net_export);
        notes
    }
}
