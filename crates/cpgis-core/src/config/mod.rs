//! The site file: one TOML file describing a case, parsed once into a checked [`SiteConfig`]
//! before any work starts. Every problem is reported at once with its key path and a hint.
//!
//! | module | what it holds |
//! |---|---|
//! | `reader` | a TOML table reader that records problems instead of stopping |
//! | `site` | the site-file schema: parsing raw TOML into the types below |
//! | `units` | units a mapped attribute may carry (m², ft², kWh, therm, …) |

pub mod overrides;
pub(crate) mod reader;
mod site;
pub mod units;

use std::path::PathBuf;

use crate::kinds::{Carrier, HeatSource, Intervention, Mode, RankBy, Use};

pub use crate::issues::{ConfigIssue, ConfigIssues};
pub use site::{
    parse_epsg, parse_site_str, parse_site_str_set, parse_site_str_with, CLIMATE_COUNTRY_NAMED,
};
pub use units::{AreaUnit, EnergyUnit, MeterUnit};

/// The local metric CRS in which all computation happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum CrsChoice {
    /// The UTM zone of the district centroid, north or south by its latitude.
    Auto,
    /// An EPSG code given by the user.
    Epsg(u32),
}

/// How the geometry of a table without a geometry column (CSV) is found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum GeometryColumns {
    /// GDAL's own detection (a `WKT` column, or `lon`/`lat`, `x`/`y` …).
    Auto,
    /// Coordinates in two columns.
    Xy {
        /// The column with x (longitude, easting).
        x: String,
        /// The column with y (latitude, northing).
        y: String,
    },
    /// Well-known text in one column.
    Wkt(String),
}

/// Where a layer comes from: a file, a layer inside it, a filter, and its CRS if the file lacks one.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LayerSource {
    /// Key of the layer in the site file (`buildings`, `stops`, …), for messages.
    pub role: String,
    /// Absolute or site-relative path resolved against the site file's folder.
    pub path: PathBuf,
    /// Layer name inside the file; `None` takes the only (or first) layer.
    pub layer: Option<String>,
    /// OGR SQL attribute filter, e.g. `admin_level = '8' AND name = 'Vaduz'`.
    pub filter: Option<String>,
    /// CRS to assume when the file declares none (or to override a wrong one), e.g. `EPSG:4326`.
    pub crs: Option<String>,
    /// Geometry columns of a CSV table.
    pub geometry: GeometryColumns,
    /// An attribute table joined by a key field, whose columns can be mapped like the layer's.
    pub join: Option<JoinSpec>,
}

/// `join = { path = "typology.dbf", on = "Name" }`: the table's row whose `on` field equals the
/// layer's `on` field gives the feature more attributes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct JoinSpec {
    /// The table file, resolved against the site file's folder.
    pub path: PathBuf,
    /// The key field, present in both the layer and the table.
    pub on: String,
}

/// A field holding one use type, with an optional field holding its share of the floor area.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UseField {
    /// The field holding the use value.
    pub field: String,
    /// The field holding its share of the floor area (0..1, or 0..100 with `percent`), if any.
    pub share: Option<String>,
    /// The share field is in per cent (0..100), as URBANopt's `mixed_type_N_percentage`
    /// (`percent = "FIELD"` in the site file).
    pub percent: bool,
    /// The field holding its floor area, in the unit of the layer's `gfa`, if any (benchmarking
    /// disclosures give each use's floor area, not its share): the share is this area over the
    /// building's floor area.
    pub area: Option<String>,
}

/// A numeric field with the unit its values are in.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MeasuredField<U> {
    /// The field name.
    pub field: String,
    /// The unit its values are in.
    pub unit: U,
}

/// Metered energy of one carrier (`electricity`, `natural_gas`, `district_heat`, …).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EnergyField {
    /// The carrier.
    pub carrier: Carrier,
    /// The field with its unit.
    pub field: MeasuredField<MeterUnit>,
}

/// The district boundary layer.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DistrictSpec {
    /// The layer.
    pub source: LayerSource,
    /// A field naming the district, if any.
    pub name: Option<String>,
}

/// Neighbourhood polygons (optional).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NeighbourhoodsSpec {
    /// The layer.
    pub source: LayerSource,
    /// Id fields, first non-empty wins (e.g. `osm_way_id`, then `osm_id`).
    pub id: Vec<String>,
    /// A field with the neighbourhood's population, if any.
    pub population: Option<String>,
}

/// One buildings layer; later layers are de-duplicated against earlier ones.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BuildingsSpec {
    /// The layer.
    pub source: LayerSource,
    /// Id fields, first non-empty wins (e.g. `osm_way_id`, then `osm_id`).
    pub id: Vec<String>,
    /// Use fields, each with an optional share field (mixed use).
    pub uses: Vec<UseField>,
    /// Field with the number of floors above ground.
    pub floors: Option<String>,
    /// Field with the height, m.
    pub height: Option<String>,
    /// Field with the construction year, as written (`c. 1950`, `1908..1939`).
    pub year: Option<String>,
    /// Field with the gross floor area and its unit.
    pub gfa: Option<MeasuredField<AreaUnit>>,
    /// Fields with metered energy per carrier.
    pub energy: Vec<EnergyField>,
    /// Raw use value → cpgis use type, applied before the preset's own table.
    pub use_map: Vec<(String, Use)>,
    /// Field holding a construction standard (CEA's `standard`), which decides the era where
    /// its value is known (over the year).
    pub standard: Option<String>,
    /// Standard value → era, before CEA's own standards ([`crate::kinds::CEA_STANDARDS`]).
    pub standard_map: Vec<(String, crate::kinds::Era)>,
}

/// How the transit mode of a stop is read.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ModeSpec {
    /// Fields to look at in order; the first whose value is in `map` gives the mode.
    pub fields: Vec<String>,
    /// Field value → mode.
    pub map: Vec<(String, Mode)>,
    /// The mode of stops whose fields hold no mapped value.
    pub default: Mode,
}

/// Transit stops: a layer, or a GTFS feed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StopsSpec {
    /// The stops layer; `None` when the stops come from the GTFS feed.
    pub source: Option<LayerSource>,
    /// Id fields, first non-empty wins (e.g. `osm_way_id`, then `osm_id`).
    pub id: Vec<String>,
    /// Stop or station name field: stops of one mode sharing a name count as one service.
    pub name: Option<String>,
    /// How the mode of each stop is read.
    pub mode: ModeSpec,
    /// A field with departures per hour at the stop (else the mode's default).
    pub departures: Option<String>,
    /// A GTFS feed (folder or .zip) giving real departures per hour.
    pub gtfs: Option<PathBuf>,
    /// The day the feed's departures are counted on (`YYYYMMDD`), when the site file names one
    /// (`gtfs_date = "2024-03-12"`); else the feed's representative weekday.
    pub gtfs_date: Option<String>,
}

/// A population layer (points or polygons with a count).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PopulationSpec {
    /// The layer.
    pub source: LayerSource,
    /// The field with the number of residents.
    pub value: String,
}

/// How the neighbouring community is delineated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CommunityMethod {
    /// A ring `distance_m` wide around the district.
    Buffer,
    /// The neighbourhoods that touch or intersect that ring.
    Adjacent,
    /// The walking catchments of the stops that serve the district.
    Catchment,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
/// How the neighbouring community is delineated.
pub struct CommunitySpec {
    /// The method.
    pub method: CommunityMethod,
    /// Width of the ring around the district, metres.
    pub distance_m: f64,
}

impl CommunitySpec {
    /// What makes this method unusable on a site (`has_neighbourhoods`: the site file maps a
    /// neighbourhoods layer): `(key, problem, hint)`. The site file's checks report these
    /// before any layer is read; the community stage refuses a spec built in memory with them.
    pub fn problems(
        &self,
        has_neighbourhoods: bool,
    ) -> Vec<(&'static str, &'static str, &'static str)> {
        let mut out = Vec::new();
        if self.method == CommunityMethod::Buffer && self.distance_m <= 0.0 {
            out.push((
                "community.distance_m",
                "must be more than 0 for the buffer method",
                "e.g. distance_m = 1500",
            ));
        }
        if self.method == CommunityMethod::Adjacent && !has_neighbourhoods {
            out.push((
                "community.method",
                "`adjacent` needs neighbourhoods, and the site file has none",
                "add a [neighbourhoods] layer, or use method = \"buffer\"",
            ));
        }
        out
    }
}

/// Grid cell shape for aggregation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum GridShape {
    /// Squares.
    Square,
    /// Pointy-top hexagons.
    Hex,
}

/// The shape of a range drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum RangeShape {
    /// Every value between low and high equally likely.
    Uniform,
    /// Most likely at the preset's value, falling to nothing at low and high.
    Triangular,
}

/// A range the site file gives a preset value.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RangeSpec {
    /// The preset key (`carriers.electricity`).
    pub key: String,
    /// Lowest value drawn, in the value's unit.
    pub low: f64,
    /// Highest value drawn.
    pub high: f64,
    /// The distribution.
    pub shape: RangeShape,
}

/// `[uncertainty]`: how many draws, the seed, which values, and ranges given by the site file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UncertaintySpec {
    /// Draws (0: none).
    pub draws: usize,
    /// The generator's seed.
    pub seed: u64,
    /// The preset keys drawn; `None`: the built-in list.
    pub factors: Option<Vec<String>>,
    /// Ranges the site file gives.
    pub ranges: Vec<RangeSpec>,
}

impl Default for UncertaintySpec {
    fn default() -> Self {
        UncertaintySpec {
            draws: 1000,
            seed: 1,
            factors: None,
            ranges: Vec::new(),
        }
    }
}

/// `[output]`: how the layers are written.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct OutputSpec {
    /// The GeoPackage's layers in the local metric CRS (`gpkg_crs = "local"`) rather than
    /// WGS 84 longitude/latitude (`"wgs84"`, the default; GeoJSON is always WGS 84, RFC 7946).
    pub gpkg_local_crs: bool,
}

/// Layers drawn in grey under the report's maps, for orientation only (never in a figure):
/// roads, railways and water.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct ContextSpec {
    /// Roads (lines).
    pub roads: Option<LayerSource>,
    /// Railways (lines).
    pub rail: Option<LayerSource>,
    /// Water (polygons, or lines for rivers).
    pub water: Option<LayerSource>,
}

impl ContextSpec {
    /// The layers given, with their kind.
    pub fn layers(&self) -> impl Iterator<Item = (crate::kinds::ContextKind, &LayerSource)> {
        use crate::kinds::ContextKind;
        [
            (ContextKind::Water, &self.water),
            (ContextKind::Roads, &self.roads),
            (ContextKind::Rail, &self.rail),
        ]
        .into_iter()
        .filter_map(|(k, s)| s.as_ref().map(|s| (k, s)))
    }
}

/// The site's heating climate against the climate the preset's heat intensities come from:
/// space heat is scaled by their ratio (the same degree-day definition for both).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClimateSpec {
    /// The site's heating degree days per year.
    pub heating_degree_days: f64,
    /// Heating degree days per year of the climate the preset's intensities describe.
    pub reference_heating_degree_days: f64,
    /// Where the figures come from, as the site file says.
    pub source: Option<String>,
}

impl ClimateSpec {
    /// The factor space heat is multiplied by.
    pub fn space_heat_scale(&self) -> f64 {
        self.heating_degree_days / self.reference_heating_degree_days
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
/// The grid cells emissions are summed in.
pub struct GridSpec {
    /// Cell size, metres (side of a square; flat-to-flat width of a hexagon).
    pub cell_m: f64,
    /// Squares or hexagons.
    pub shape: GridShape,
}

/// One scenario of the site file with its on-site measures (never `baseline`, which is
/// business as usual and takes none).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScenarioSpec {
    /// The scenario's name (`proposed`, …).
    pub name: String,
    /// Its measures; those the site file leaves out change nothing.
    pub measures: Measures,
}

/// On-site measures of one scenario. `Measures::default()` changes nothing.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Measures {
    /// Share by which electricity and heat demand fall (efficiency), 0..1.
    pub eui_reduction: f64,
    /// Heat source replacing the existing heating, if any.
    pub heat: Option<HeatSource>,
    /// Share of the usable roof area covered with PV, 0..1.
    pub rooftop_pv: f64,
    /// Car share of the trips counted at the district's buildings (residents', workers',
    /// visitors'), at most; the trips moved go to walking, cycling and transit.
    pub car_share: Option<f64>,
    /// Share of waste recycled or composted, at least.
    pub waste_diversion: Option<f64>,
    /// Share by which heat demand falls on top of `eui_reduction` (deep retrofit; set by the
    /// offset interventions, not by site files).
    pub heat_reduction: f64,
}

/// What the community's credits must cover.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// The district's proposed on-site emissions × (1 + margin).
    Residual,
    /// A fixed number of t CO2e per year.
    Fixed(f64),
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
/// What the offsets must cover and how they are chosen.
pub struct OffsetsSpec {
    /// What the credits must cover.
    pub target: Target,
    /// Share added on top of the target (0.10 = 10 %).
    pub margin: f64,
    /// The interventions enabled, in the site file's order.
    pub interventions: Vec<Intervention>,
    /// Rank cells by abatement per cost or per hectare.
    pub rank: RankBy,
}

/// One preset value replaced in the site file's `[factors]` table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FactorOverride {
    /// Dotted key of the preset value, e.g. `carriers.electricity`.
    pub key: String,
    /// The new value, in the preset's unit.
    pub value: f64,
    /// Unit, if the site file gives one (it must then match the preset's).
    pub unit: Option<String>,
    /// Source, if the site file gives one; otherwise "site file override".
    pub source: Option<String>,
}

/// A checked site file: every path exists, every value has the right type and range.
/// Field names are checked against the layers' schemas when the layers are opened.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SiteConfig {
    /// The site file itself.
    pub file: PathBuf,
    /// The case's name, for titles.
    pub name: String,
    /// The local metric CRS.
    pub crs: CrsChoice,
    /// Preset name or path (relative to the site file).
    pub preset: String,
    /// Single preset values replaced by the site file.
    pub factors: Vec<FactorOverride>,
    /// The district boundary.
    pub district: DistrictSpec,
    /// Neighbourhood polygons, if any.
    pub neighbourhoods: Option<NeighbourhoodsSpec>,
    /// Buildings layers; later ones are de-duplicated against earlier ones.
    pub buildings: Vec<BuildingsSpec>,
    /// Transit stops, if any.
    pub stops: Option<StopsSpec>,
    /// A population layer, if any.
    pub population: Option<PopulationSpec>,
    /// How the community is delineated.
    pub community: CommunitySpec,
    /// The aggregation grid.
    pub grid: GridSpec,
    /// How the outputs are written (`[output]`).
    pub output: OutputSpec,
    /// The draws of the balance's range (`[uncertainty]`).
    pub uncertainty: UncertaintySpec,
    /// The heating climate, when the site file gives its degree days.
    pub climate: Option<ClimateSpec>,
    /// Roads, railways and water drawn under the report's maps.
    pub context: ContextSpec,
    /// `--set KEY=VALUE` settings applied over the file, as `key=value` (TOML value).
    pub settings: Vec<String>,
    /// The file names no preset: the run picks one by the district's location and says so.
    pub preset_by_location: bool,
    /// The grid region whose electricity factor replaces the preset's (`grid_region = "NWPP"`;
    /// `national` keeps the preset's own). `None`: picked by the district's location where the
    /// preset has regions ([`crate::preset::regions`]).
    pub grid_region: Option<String>,
    /// How the run picked `grid_region` when the site file names none (`nearest listed city:
    /// Seattle, 1 km`); `None` when the site file names it or nothing was picked.
    pub grid_region_picked: Option<String>,
    /// The district's country for its heating degree days, when the site file gives no
    /// `[climate]` (ISO code, as the region lookup writes it): the grid region named or picked
    /// where it is a country, else the country of the nearest listed city
    /// ([`crate::preset::degree_days`]). `None` when nothing placed the district.
    pub climate_country: Option<String>,
    /// How `climate_country` was found (`the grid region named in the site file`, or the
    /// nearest listed city and its distance).
    pub climate_country_picked: Option<String>,
    /// The site file's scenarios (never `baseline`).
    pub scenarios: Vec<ScenarioSpec>,
    /// Offset target, margin, interventions and ranking.
    pub offsets: OffsetsSpec,
}

impl SiteConfig {
    /// Every layer source of the site, in load order.
    pub fn layer_sources(&self) -> Vec<&LayerSource> {
        let mut out = vec![&self.district.source];
        out.extend(self.neighbourhoods.iter().map(|n| &n.source));
        out.extend(self.buildings.iter().map(|b| &b.source));
        out.extend(self.stops.iter().filter_map(|s| s.source.as_ref()));
        out.extend(self.population.iter().map(|p| &p.source));
        out.extend(self.context.layers().map(|(_, s)| s));
        out
    }
}
