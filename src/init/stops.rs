//! One source of transit stops for the site file: a delivery may hold several (a GTFS feed, a
//! stops layer, an OpenStreetMap extract's points), and a site file takes one `[stops]`. The
//! others are said as not used, never written over in silence (both had been reported "used as
//! transit stops" and the first in the command line's order written).

use std::path::Path;

use gdal::vector::LayerAccess;

use super::{Layer, Role};
use crate::config::GeometryColumns;
use cpgis_core::Result;

/// The preference of a stops source, lower first: a timetable (frequencies), a layer of stops,
/// then points picked from an OpenStreetMap extract by their tags.
fn rank(role: &Role) -> Option<u8> {
    match role {
        Role::Gtfs => Some(0),
        Role::Stops { filter: None, .. } => Some(1),
        Role::Stops {
            filter: Some(_), ..
        } => Some(2),
        _ => None,
    }
}

/// How many features of `layer` in `path` the attribute filter `filter` selects.
fn selected(path: &Path, layer: Option<&str>, filter: &str) -> Result<usize> {
    let ds = crate::layer::open_dataset(path, &GeometryColumns::Auto)?;
    let mut lyr = crate::layer::pick_layer(&ds, path, layer)?;
    lyr.set_attribute_filter(filter).map_err(|e| {
        cpgis_core::Error::Tool(format!(
            "{}: cannot filter with `{filter}`: {e}",
            path.display()
        ))
    })?;
    Ok(lyr.features().count())
}

/// Keeps one stops source in `layers` and marks the others unused with the reason: a filtered
/// layer that selects no point (an extract of buildings whose nodes carry no stop tag), then
/// every source beyond the preferred one.
pub fn settle(layers: &mut [Layer]) -> Result<()> {
    for l in layers.iter_mut() {
        if let Role::Stops {
            filter: Some(f), ..
        } = &l.role
        {
            if selected(&l.path, l.layer.as_deref(), f)? == 0 {
                l.role = Role::Unused {
                    what: "points, none tagged as a transit stop (highway=bus_stop, railway=station, halt or tram_stop)".into(),
                };
            }
        }
    }
    let chosen = layers
        .iter()
        .enumerate()
        .filter_map(|(i, l)| rank(&l.role).map(|r| (r, i)))
        .min()
        .map(|(_, i)| i);
    let Some(chosen) = chosen else {
        return Ok(());
    };
    let at = {
        let c = &layers[chosen];
        match &c.layer {
            Some(l) => format!("{}, layer {l}", c.path.display()),
            None => c.path.display().to_string(),
        }
    };
    for (i, l) in layers.iter_mut().enumerate() {
        if i != chosen && rank(&l.role).is_some() {
            l.role = Role::Unused {
                what: format!(
                    "transit stops again: a site file takes one source of stops, and [stops] is {at} (a timetable first, then a layer of stops, then an extract's tagged points)"
                ),
            };
        }
    }
    Ok(())
}
