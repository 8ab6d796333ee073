//! Reading features: geometry into the target CRS as `geo`, mapped values as text.

use gdal::spatial_ref::CoordTransform;
use gdal::vector::{Geometry, Layer, LayerAccess};

use super::fields::FieldAccess;
use super::osm_tags::osm_tag;
use cpgis_core::site::Problem;

/// One feature as read from a layer, before validation.
#[derive(Debug, Clone)]
pub struct RawFeature {
    /// Position in the layer's reading order (0-based), after any attribute filter.
    pub index: usize,
    /// The driver's feature id, where it has one.
    pub fid: Option<u64>,
    /// The geometry in the target CRS, or why there is none.
    pub geometry: Result<geo::Geometry<f64>, Problem>,
    /// The mapped fields' values, in the order they were asked for; `None` when null or empty.
    pub values: Vec<Option<String>>,
    /// True when some of its text was not UTF-8 and was decoded as Windows-1252 (a Latin-1
    /// shapefile without a `.cpg`, a spreadsheet's CSV export).
    pub recoded: bool,
}

/// A field's value as text: as the driver gives it when that is UTF-8; otherwise its bytes
/// decoded as Windows-1252 (of which Latin-1's printable characters are a part) and
/// `recoded` set, so that "Öland" is not read as "�land". `None` when null or not a field.
pub fn field_text(feature: &gdal::vector::Feature, i: usize, recoded: &mut bool) -> Option<String> {
    if i >= feature.field_count() {
        return None;
    }
    let idx = i32::try_from(i).ok()?;
    // SAFETY: the feature is alive for this call and `idx` is one of its fields (checked
    // above); OGR_F_GetFieldAsString returns a NUL-terminated string owned by the feature,
    // valid until its next call on that feature, and copied here at once.
    let bytes = unsafe {
        if gdal_sys::OGR_F_IsFieldNull(feature.c_feature(), idx) != 0 {
            return None;
        }
        let p = gdal_sys::OGR_F_GetFieldAsString(feature.c_feature(), idx);
        if p.is_null() {
            return None;
        }
        std::ffi::CStr::from_ptr(p).to_bytes().to_vec()
    };
    match String::from_utf8(bytes) {
        Ok(s) => Some(s),
        Err(e) => {
            *recoded = true;
            Some(windows_1252(e.as_bytes()))
        }
    }
}

/// Text in Windows-1252: bytes below 0x80 and from 0xA0 are their Latin-1 code points,
/// 0x80..0x9F the characters the code page puts there (the five it leaves empty: U+FFFD).
pub fn windows_1252(bytes: &[u8]) -> String {
    const HIGH: [char; 32] = [
        '€', '\u{fffd}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{fffd}', 'Ž',
        '\u{fffd}', '\u{fffd}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ',
        '\u{fffd}', 'ž', 'Ÿ',
    ];
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9f => HIGH[(b - 0x80) as usize],
            _ => b as char,
        })
        .collect()
}

/// Reads every feature of a layer (after its attribute filter), transforming geometry with
/// `transform` when given and reading `fields` as text.
pub fn read_features(
    layer: &mut Layer,
    fields: &[FieldAccess],
    transform: Option<&CoordTransform>,
) -> Vec<RawFeature> {
    let mut out = Vec::new();
    for (index, feature) in layer.features().enumerate() {
        let geometry = match feature.geometry() {
            Some(g) => gdal_to_geo(g, transform),
            None => Err(Problem::Empty),
        };
        let mut recoded = false;
        let values = fields
            .iter()
            .map(|access| {
                let raw = match access {
                    FieldAccess::Column(i) => field_text(&feature, *i, &mut recoded),
                    FieldAccess::OsmTag { column, key } => {
                        field_text(&feature, *column, &mut recoded)
                            .and_then(|tags| osm_tag(&tags, key))
                    }
                    FieldAccess::Joined { key, table, column } => {
                        field_text(&feature, *key, &mut recoded)
                            .and_then(|k| table.value(&k, *column))
                    }
                };
                raw.map(trimmed).filter(|s| !s.is_empty())
            })
            .collect();
        out.push(RawFeature {
            index,
            fid: feature.fid(),
            geometry,
            values,
            recoded,
        });
    }
    out
}

/// Text without surrounding whitespace, reusing the string when there is none (the common
/// case: no second allocation per value).
fn trimmed(s: String) -> String {
    let t = s.trim();
    if t.len() == s.len() {
        s
    } else {
        t.to_string()
    }
}

/// Converts an OGR geometry to a 2D linear `geo` geometry, transformed when asked.
/// Curves are approximated by line segments; Z and M are dropped.
pub fn gdal_to_geo(
    g: &Geometry,
    transform: Option<&CoordTransform>,
) -> Result<geo::Geometry<f64>, Problem> {
    if g.is_empty() {
        return Err(Problem::Empty);
    }
    // Linear geometries: one WKB export, parsed and transformed in bulk.
    // SAFETY: OGR_GT_IsNonLinear is a pure function of a geometry type code (an integer).
    if unsafe { gdal_sys::OGR_GT_IsNonLinear(g.geometry_type()) } == 0 {
        if let Ok(bytes) = g.iso_wkb() {
            match super::wkb::to_geo(&bytes, transform) {
                Some(Ok(geometry)) => return Ok(geometry),
                Some(Err(())) => return Err(Problem::Untransformable),
                None => {}
            }
        }
    }
    let mut owned = match transform {
        Some(t) => g.transform(t).map_err(|_| Problem::Untransformable)?,
        None => g.clone(),
    };
    owned.flatten_to_2d();
    // SAFETY: as above, a pure function of an integer type code.
    if unsafe { gdal_sys::OGR_GT_IsNonLinear(owned.geometry_type()) } != 0 {
        owned = linearised(&owned).ok_or(Problem::WrongType("curve geometry".into()))?;
    }
    let name = owned.geometry_name();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| owned.to_geo()))
        .ok()
        .and_then(Result::ok)
        .ok_or(Problem::WrongType(name))
}

/// A curve geometry approximated by straight segments (OGR's default stepping).
fn linearised(g: &Geometry) -> Option<Geometry> {
    // SAFETY: OGR_G_GetLinearGeometry returns a new geometry that we own; it is read once as
    // WKB through a non-owning wrapper and destroyed here before returning.
    unsafe {
        let lin = gdal_sys::OGR_G_GetLinearGeometry(g.c_geometry(), 0.0, std::ptr::null_mut());
        if lin.is_null() {
            return None;
        }
        let wrapper = Geometry::lazy_feature_geometry();
        wrapper.set_c_geometry(lin);
        let wkb = wrapper.wkb();
        drop(wrapper);
        gdal_sys::OGR_G_DestroyGeometry(lin);
        Geometry::from_wkb(&wkb.ok()?).ok()
    }
}
