//! Gross floor area: a mapped floor-area attribute, else footprint × floors, where floors come
//! from the attribute, else height / storey height of the main use, else the archetype default.

use crate::preset::Archetype;

/// Floors above this are not believed (the tallest building has 163): the value is flagged and
/// the next source is used.
pub const MAX_FLOORS: f64 = 163.0;

/// Where a building's floor count came from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum FloorsSource {
    /// The mapped floors attribute.
    Attribute,
    /// Height / the use's storey height.
    Height,
    /// The archetype's default.
    Default,
}

impl FloorsSource {
    /// The snake_case name used in outputs.
    pub fn key(self) -> &'static str {
        match self {
            FloorsSource::Attribute => "attribute",
            FloorsSource::Height => "height",
            FloorsSource::Default => "default",
        }
    }
}

/// Where a building's floor area came from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum AreaSource {
    /// The mapped floor-area attribute.
    Attribute,
    /// Footprint × floors.
    Footprint,
    /// A point without a floor-area attribute: no floor area (listed in the summary).
    Missing,
}

impl AreaSource {
    /// The snake_case name used in outputs.
    pub fn key(self) -> &'static str {
        match self {
            AreaSource::Attribute => "attribute",
            AreaSource::Footprint => "footprint_x_floors",
            AreaSource::Missing => "missing",
        }
    }
}

/// Floors and floor area of one building.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FloorArea {
    /// Floors above ground.
    pub floors: f64,
    /// Where the floor count came from.
    pub floors_source: FloorsSource,
    /// Gross floor area, m².
    pub gfa_m2: f64,
    /// Where the floor area came from.
    pub source: AreaSource,
    /// A floor count that was given but not believed.
    pub rejected_floors: Option<f64>,
}

/// Works out floors and floor area. `footprint_m2` is 0 for a point.
pub fn floor_area(
    footprint_m2: f64,
    is_point: bool,
    floors: Option<f64>,
    height_m: Option<f64>,
    gfa_m2: Option<f64>,
    main: &Archetype,
) -> FloorArea {
    let plausible = |f: &f64| f.is_finite() && *f > 0.0 && *f <= MAX_FLOORS;
    let rejected_floors = floors.filter(|f| !plausible(f));
    let (floors, floors_source) = match floors.filter(plausible) {
        Some(f) => (f, FloorsSource::Attribute),
        None => match height_m.filter(|h| h.is_finite() && *h > 0.0) {
            Some(h) => (
                (h / main.storey_height_m).round().clamp(1.0, MAX_FLOORS),
                FloorsSource::Height,
            ),
            None => (main.floors, FloorsSource::Default),
        },
    };
    let (gfa_m2, source) = match gfa_m2.filter(|g| g.is_finite() && *g > 0.0) {
        Some(g) => (g, AreaSource::Attribute),
        None if is_point => (0.0, AreaSource::Missing),
        None => (footprint_m2 * floors, AreaSource::Footprint),
    };
    FloorArea {
        floors,
        floors_source,
        gfa_m2,
        source,
        rejected_floors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFICE: Archetype = Archetype {
        electricity_kwh_m2: 0.0,
        heat_kwh_m2: 0.0,
        storey_height_m: 3.5,
        floors: 4.0,
        floor_area_per_job_m2: 40.0,
        hot_water_kwh_m2: 0.0,
        visitor_trips_m2_day: 0.0,
    };

    #[test]
    fn floors_come_from_the_attribute_then_the_height_then_the_default() {
        let a = floor_area(100.0, false, Some(3.0), Some(30.0), None, &OFFICE);
        assert_eq!(
            (a.floors, a.floors_source, a.gfa_m2),
            (3.0, FloorsSource::Attribute, 300.0)
        );
        // 16 m / 3.5 m = 4.57 → 5 floors.
        let b = floor_area(100.0, false, None, Some(16.0), None, &OFFICE);
        assert_eq!(
            (b.floors, b.floors_source, b.gfa_m2),
            (5.0, FloorsSource::Height, 500.0)
        );
        let c = floor_area(100.0, false, None, None, None, &OFFICE);
        assert_eq!((c.floors, c.floors_source), (4.0, FloorsSource::Default));
    }

    #[test]
    fn a_500_storey_building_is_not_believed() {
        let a = floor_area(100.0, false, Some(500.0), None, None, &OFFICE);
        assert_eq!(a.rejected_floors, Some(500.0));
        assert_eq!(a.floors_source, FloorsSource::Default);
    }

    #[test]
    fn a_point_needs_a_floor_area_attribute() {
        let a = floor_area(0.0, true, Some(3.0), None, Some(1200.0), &OFFICE);
        assert_eq!((a.gfa_m2, a.source), (1200.0, AreaSource::Attribute));
        let b = floor_area(0.0, true, Some(3.0), None, None, &OFFICE);
        assert_eq!((b.gfa_m2, b.source), (0.0, AreaSource::Missing));
    }
}
