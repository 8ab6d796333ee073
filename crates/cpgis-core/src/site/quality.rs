//! What loading found wrong with each layer: invalid geometries by reason, repairs, skipped
//! features with their ids, duplicates removed, attribute values that could not be read.
//! Nothing is dropped without an entry here.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// A feature that was not loaded, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SkippedFeature {
    /// The feature's id.
    pub id: String,
    /// Why it was skipped.
    pub reason: String,
}

/// A building dropped because an earlier buildings layer already holds it, or its layer holds
/// the same footprint (the same coordinates) under another id.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DuplicateFeature {
    /// The dropped building's id.
    pub id: String,
    /// Id of the building kept in its place.
    pub duplicate_of: String,
    /// Shared area / the smaller footprint's area.
    pub overlap: f64,
}

/// A value that was read but refused: impossible for what its field means (a floor area of
/// 1e30 m², a negative population). The feature is kept without it, and a default used where
/// the value was needed is counted in the profile notes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RejectedValue {
    /// The feature's id.
    pub id: String,
    /// The field, as the site file maps it.
    pub field: String,
    /// The value as written.
    pub value: String,
    /// Why it cannot be, with the bound and its reason.
    pub reason: String,
}

/// Values of one mapped field that are not numbers where a number was expected.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UnreadValues {
    /// How many values could not be read.
    pub count: usize,
    /// Up to five of them, as written.
    pub examples: Vec<String>,
    /// The ids of the features that hold them, in layer order.
    pub ids: Vec<String>,
}

/// The load report of one layer.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LayerQuality {
    /// Site-file key of the layer (`buildings`, `stops`, …).
    pub role: String,
    /// The layer file.
    pub file: PathBuf,
    /// The layer inside it.
    pub layer: String,
    /// CRS the layer was read from.
    pub crs: String,
    /// Features read (after the site file's `where` filter).
    pub read: usize,
    /// Features loaded (valid or repaired, and not duplicates).
    pub loaded: usize,
    /// Invalid geometries by reason, repaired or not.
    pub invalid: BTreeMap<String, usize>,
    /// Invalid geometries repaired.
    pub repaired: usize,
    /// Features skipped, with why.
    pub skipped: Vec<SkippedFeature>,
    /// Buildings dropped as duplicates: of an earlier layer's, or drawn twice in this one.
    pub duplicates: Vec<DuplicateFeature>,
    /// Ids used by more than one feature (the features are kept; the ids are listed).
    pub duplicate_ids: Vec<String>,
    /// Values that should have been numbers, by field.
    pub unread_values: BTreeMap<String, UnreadValues>,
    /// Values refused as impossible, with the feature's id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rejected: Vec<RejectedValue>,
    /// Fields whose numbers are written in another way than plain (`1,234.5`, `4,5`), in
    /// words, as read; "ambiguous" where the column could be read two ways.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub number_formats: BTreeMap<String, String>,
    /// Features whose text was not UTF-8 and was read as Windows-1252 (Latin-1), by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recoded_text: Vec<String>,
    /// How the layer was read where a choice was made (a GTFS feed's service day), in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl LayerQuality {
    /// An empty report of one layer.
    pub fn new(role: &str, file: PathBuf, layer: String, crs: String) -> Self {
        LayerQuality {
            role: role.to_string(),
            file,
            layer,
            crs,
            read: 0,
            loaded: 0,
            invalid: BTreeMap::new(),
            repaired: 0,
            skipped: Vec::new(),
            duplicates: Vec::new(),
            duplicate_ids: Vec::new(),
            unread_values: BTreeMap::new(),
            rejected: Vec::new(),
            number_formats: BTreeMap::new(),
            recoded_text: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Adds the report of the next part of this layer (a range of its features read on its
    /// own, in the layer's order): counts add, lists follow in order, the unread values' five
    /// examples stay the first five distinct of the whole layer (each part keeps its first five
    /// distinct: enough, since at most as many of them as this report already holds are
    /// repeats). What only the whole layer tells (the features loaded, duplicates, ids used
    /// twice, the number formats decided) is left to the caller.
    pub fn add_part(&mut self, part: &LayerQuality) {
        self.read += part.read;
        for (k, n) in &part.invalid {
            *self.invalid.entry(k.clone()).or_default() += n;
        }
        self.repaired += part.repaired;
        self.skipped.extend(part.skipped.iter().cloned());
        for (field, u) in &part.unread_values {
            let entry = self.unread_values.entry(field.clone()).or_default();
            entry.count += u.count;
            entry.ids.extend(u.ids.iter().cloned());
            for v in &u.examples {
                if entry.examples.len() < 5 && !entry.examples.contains(v) {
                    entry.examples.push(v.clone());
                }
            }
        }
        self.rejected.extend(part.rejected.iter().cloned());
        self.recoded_text.extend(part.recoded_text.iter().cloned());
        self.notes.extend(part.notes.iter().cloned());
    }

    /// Records a value of feature `id` that should have been a number.
    pub fn unread(&mut self, field: &str, id: &str, value: &str) {
        let entry = self.unread_values.entry(field.to_string()).or_default();
        entry.count += 1;
        entry.ids.push(id.to_string());
        if entry.examples.len() < 5 && !entry.examples.iter().any(|e| e == value) {
            entry.examples.push(value.to_string());
        }
    }
}
