//! The site model: everything a case holds once loaded, in one local metric CRS. The load stage
//! (in `cpgis-io`) builds it from files; a library caller or a tile of a distributed job can
//! build it in memory.

use geo::{MultiPolygon, Point};

use super::{LayerQuality, LocalCrs, Shape};

/// The district boundary, in the local CRS.
#[derive(Debug, Clone)]
pub struct District {
    /// The district's name.
    pub name: String,
    /// Its area.
    pub area: MultiPolygon<f64>,
}

/// One neighbourhood polygon.
#[derive(Debug, Clone)]
pub struct Neighbourhood {
    /// The neighbourhood's id.
    pub id: String,
    /// Its population, if mapped.
    pub population: Option<f64>,
    /// Its area.
    pub area: MultiPolygon<f64>,
}

/// One use type of a building with its share of the floor area (`None`: not given).
#[derive(Debug, Clone, PartialEq)]
pub struct UseShare {
    /// The use value as written in the layer.
    pub raw: Box<str>,
    /// Its share of the floor area (0..1).
    pub share: Option<f64>,
}

/// Metered energy of one carrier, in the unit of the data.
#[derive(Debug, Clone, PartialEq)]
pub struct Metered {
    /// The carrier.
    pub carrier: crate::kinds::Carrier,
    /// The amount, in `unit`.
    pub value: f64,
    /// The unit of the data.
    pub unit: crate::config::MeterUnit,
}

/// A building as mapped from its layer; interpretation (floor area, archetype) is the profile stage's.
#[derive(Debug, Clone)]
pub struct Building {
    /// The building's id (`fid N` when the layer maps none).
    pub id: Box<str>,
    /// Index of the buildings layer in the site file it came from.
    pub layer: usize,
    /// Its footprint or point, local CRS.
    pub shape: Shape,
    /// Its use types as written, with shares.
    pub uses: Box<[UseShare]>,
    /// Floors above ground, if mapped.
    pub floors: Option<f64>,
    /// Height, m, if mapped.
    pub height_m: Option<f64>,
    /// Construction year as written (`after 1905..1908`, `c. 1950`).
    pub year: Option<Box<str>>,
    /// Construction standard as written (CEA's `STANDARD2`), if mapped.
    pub standard: Option<Box<str>>,
    /// Gross floor area from an attribute, m² (converted from the mapped unit).
    pub gfa_m2: Option<f64>,
    /// Metered values present (carriers whose field is empty are left out).
    pub energy: Vec<Metered>,
    /// The carriers the site file maps for this building's layer: metering is complete when
    /// each has a value, partial when some have.
    pub energy_mapped: Carriers,
}

/// A transit stop.
#[derive(Debug, Clone)]
pub struct Stop {
    /// The stop's id.
    pub id: String,
    /// Stop or station name, if mapped: without a timetable, stops of one mode that share a
    /// name (platforms in both directions, station entrances) count as one service.
    pub name: Option<String>,
    /// Its mode (without a timetable: from the site file's mode map).
    pub mode: crate::kinds::Mode,
    /// Its position, local CRS.
    pub point: Point<f64>,
    /// Departures per hour from the stops layer, if mapped.
    pub departures_per_hour: Option<f64>,
    /// Routes serving the stop with their departures per hour, from a timetable (GTFS);
    /// empty when none is known (the mode's default frequency is used).
    pub routes: Vec<StopRoute>,
}

/// One route at a stop, from a timetable.
#[derive(Debug, Clone, PartialEq)]
pub struct StopRoute {
    /// The route's id.
    pub route: String,
    /// The route's mode.
    pub mode: crate::kinds::Mode,
    /// Departures per hour in the busier direction, in the morning peak hour.
    pub departures_per_hour: f64,
}

/// A population count on a polygon or a point.
#[derive(Debug, Clone)]
pub struct PopulationCell {
    /// The cell's id.
    pub id: String,
    /// Residents.
    pub residents: f64,
    /// Its polygon or point, local CRS.
    pub shape: Shape,
}

/// Everything a case holds, in one local metric CRS.
#[derive(Debug, Clone)]
pub struct Site {
    /// The case's name.
    pub name: String,
    /// The local metric CRS everything is in.
    pub crs: LocalCrs,
    /// The district.
    pub district: District,
    /// Neighbourhood polygons (empty when none).
    pub neighbourhoods: Vec<Neighbourhood>,
    /// Buildings, from every buildings layer, de-duplicated.
    pub buildings: Vec<Building>,
    /// Transit stops.
    pub stops: Vec<Stop>,
    /// Population counts.
    pub population: Vec<PopulationCell>,
    /// One report per layer read, in site-file order.
    pub quality: Vec<LayerQuality>,
    /// Per buildings layer, the site file's raw use value → use type table.
    pub use_maps: Vec<Vec<(String, crate::kinds::Use)>>,
    /// Roads, railways and water for the report's maps.
    pub context: Vec<ContextLayer>,
    /// Per buildings layer, the site file's standard → era table.
    pub standard_maps: Vec<Vec<(String, crate::kinds::Era)>>,
}

/// A context layer's geometries in the local CRS, those within reach of the map.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ContextLayer {
    /// What it shows.
    pub kind: crate::kinds::ContextKind,
    /// Its lines and polygons.
    pub geometries: Vec<geo::Geometry<f64>>,
}

/// A set of energy carriers, a bit each (a million buildings hold one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Carriers(u8);

impl Carriers {
    /// The set of these carriers.
    pub fn of(carriers: impl IntoIterator<Item = crate::kinds::Carrier>) -> Carriers {
        Carriers(carriers.into_iter().fold(0, |m, c| m | 1 << c as u8))
    }

    /// True when `c` is in the set.
    pub fn contains(self, c: crate::kinds::Carrier) -> bool {
        self.0 & (1 << c as u8) != 0
    }

    /// How many carriers the set holds.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// True when the set holds none.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The carriers in the set, in `Carrier::ALL` order.
    pub fn iter(self) -> impl Iterator<Item = crate::kinds::Carrier> {
        crate::kinds::Carrier::ALL
            .iter()
            .copied()
            .filter(move |c| self.contains(*c))
    }
}
