//! Numeric attributes of one layer: each column's number format decided once from all its
//! values, each value read under it, and the values that cannot be (a floor area of 1e30 m²)
//! refused with a stated bound. What is not read as given is recorded with the feature's id.

use rayon::prelude::*;

use super::fieldlist::value;
use super::values::{strip_metres, ColumnSurvey, NumberFormat};
use crate::layer::RawFeature;
use cpgis_core::site::{LayerQuality, RejectedValue};

/// The number format of each field slot of a layer.
pub struct Formats(Vec<NumberFormat>);

impl Formats {
    /// Decides the format of each slot in `numeric` from every feature's value; the formats
    /// that are not plain, and the columns that read two ways, are noted in `q`.
    pub fn of<'a>(
        raws: impl Iterator<Item = &'a RawFeature> + Clone + Send,
        names: &[&str],
        numeric: &[usize],
        q: &mut LayerQuality,
    ) -> Formats {
        let raws: Vec<&RawFeature> = raws.collect();
        let surveys: Vec<ColumnSurvey> = numeric
            .iter()
            .map(|&slot| {
                // Most columns (every numeric field GDAL turns into text) read plain: one pass.
                let plain = raws
                    .par_iter()
                    .filter_map(|r| value(&r.values, Some(slot)))
                    .all(|v| NumberFormat::PLAIN.parse(v).is_some());
                if plain {
                    ColumnSurvey::default()
                } else {
                    ColumnSurvey::of(raws.iter().filter_map(|r| value(&r.values, Some(slot))))
                }
            })
            .collect();
        Formats::decided(names, numeric, &surveys, q)
    }

    /// The whole survey of each slot in `numeric` (in its order), for a layer read in parts.
    pub fn survey<'a>(
        raws: impl Iterator<Item = &'a RawFeature> + Clone,
        numeric: &[usize],
    ) -> Vec<ColumnSurvey> {
        numeric
            .iter()
            .map(|&slot| {
                ColumnSurvey::of(raws.clone().filter_map(|r| value(&r.values, Some(slot))))
            })
            .collect()
    }

    /// The formats `surveys` (one per slot of `numeric`, merged over the whole layer) decide;
    /// noted in `q` as [`Formats::of`] notes them.
    pub fn decided(
        names: &[&str],
        numeric: &[usize],
        surveys: &[ColumnSurvey],
        q: &mut LayerQuality,
    ) -> Formats {
        let mut formats = vec![NumberFormat::PLAIN; names.len()];
        for (&slot, survey) in numeric.iter().zip(surveys) {
            if survey.plain {
                continue;
            }
            let Some(column) = survey.decide() else {
                continue;
            };
            formats[slot] = column.format;
            if column.format != NumberFormat::PLAIN || column.ambiguous {
                let mut text = format!(
                    "{} ({} of {} values read)",
                    column.format.describe(),
                    column.read,
                    column.total
                );
                if column.ambiguous {
                    text.push_str(
                        "; ambiguous: the column could also be read another way, check a value",
                    );
                }
                q.number_formats.insert(names[slot].to_string(), text);
            }
        }
        Formats(formats)
    }
}

/// What a feature's numbers left to record: unreadable values and refused ones.
pub trait Notes {
    /// A value of feature `id` that is not a number.
    fn unread(&mut self, field: &str, id: &str, value: &str);
    /// A value refused as impossible.
    fn reject(&mut self, rejected: RejectedValue);
}

impl Notes for LayerQuality {
    fn unread(&mut self, field: &str, id: &str, value: &str) {
        LayerQuality::unread(self, field, id, value);
    }
    fn reject(&mut self, rejected: RejectedValue) {
        self.rejected.push(rejected);
    }
}

/// The notes of one feature worked on in parallel, replayed into its layer's quality in feature
/// order afterwards (so the record is the same as one thread would make).
#[derive(Default)]
pub struct FeatureNotes {
    unread: Vec<(String, String, String)>,
    rejected: Vec<RejectedValue>,
}

impl Notes for FeatureNotes {
    fn unread(&mut self, field: &str, id: &str, value: &str) {
        self.unread
            .push((field.to_string(), id.to_string(), value.to_string()));
    }
    fn reject(&mut self, rejected: RejectedValue) {
        self.rejected.push(rejected);
    }
}

impl FeatureNotes {
    /// Records these notes in the layer's quality.
    pub fn replay(self, q: &mut LayerQuality) {
        for (field, id, value) in &self.unread {
            q.unread(field, id, value);
        }
        q.rejected.extend(self.rejected);
    }
}

/// How a value is read: plain, or a height that may end in `m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// A number.
    Number,
    /// A length in metres, `12 m` allowed.
    Metres,
}

/// Reads the numbers of one feature.
pub struct Reader<'a> {
    /// The feature.
    pub raw: &'a RawFeature,
    /// Its id, for the notes.
    pub id: &'a str,
    /// The layer's field names, by slot.
    pub names: &'a [&'a str],
    /// The layer's formats.
    pub formats: &'a Formats,
}

impl Reader<'_> {
    /// The value in `slot`, read under its column's format; text that is not a number is
    /// noted as unread.
    pub fn number(&self, slot: Option<usize>, how: Reading, notes: &mut impl Notes) -> Option<f64> {
        let slot = slot?;
        let text = value(&self.raw.values, Some(slot))?;
        let format = self.formats.0[slot];
        let read = match how {
            Reading::Number => format.parse(text),
            Reading::Metres => format.parse(strip_metres(text)),
        };
        if read.is_none() {
            notes.unread(self.names[slot], self.id, text);
        }
        read
    }

    /// [`Reader::number`], refused with `reason` when `ok` says the value cannot be.
    pub fn bounded(
        &self,
        slot: Option<usize>,
        how: Reading,
        ok: impl Fn(f64) -> bool,
        reason: &str,
        notes: &mut impl Notes,
    ) -> Option<f64> {
        let v = self.number(slot, how, notes)?;
        if ok(v) {
            return Some(v);
        }
        self.refuse(slot, reason, notes);
        None
    }

    /// Notes the value in `slot` as refused for `reason`.
    pub fn refuse(&self, slot: Option<usize>, reason: &str, notes: &mut impl Notes) {
        let Some(slot) = slot else { return };
        notes.reject(RejectedValue {
            id: self.id.to_string(),
            field: self.names[slot].to_string(),
            value: value(&self.raw.values, Some(slot))
                .unwrap_or_default()
                .to_string(),
            reason: reason.to_string(),
        });
    }
}

/// Bounds on what a building's attributes can be, with their reasons.
pub mod bounds {
    /// Storeys of the tallest building (Burj Khalifa, 163 floors above ground): floor area
    /// per m² of footprint cannot exceed it.
    pub const MAX_STOREYS: f64 = 163.0;
    /// Floor area of one building, m²: above any building's (the largest, about 1.7 million m²).
    pub const MAX_GFA_M2: f64 = 2_000_000.0;
    /// Height of a building, m: above the tallest (828 m).
    pub const MAX_HEIGHT_M: f64 = 1_000.0;
    /// Residents per m² of a population polygon: above the densest place ever recorded
    /// (Kowloon Walled City, about 1.3 per m² at its peak).
    pub const MAX_RESIDENTS_PER_M2: f64 = 2.0;
    /// Residents of one population point: above any 1 km² grid cell's.
    pub const MAX_RESIDENTS_AT_POINT: f64 = 1_000_000.0;
    /// Departures per hour at one stop of one mode: above one a minute in both directions at
    /// every platform of a large interchange.
    pub const MAX_DEPARTURES_PER_HOUR: f64 = 600.0;
}
