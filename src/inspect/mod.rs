//! "Analyse the site map": what is in each layer and what is wrong with it. Runs on a single
//! layer file (every layer in it) or on a site file (every layer it names, with its mapping,
//! plus the result of loading them into the local CRS).
//!
//! | module | what it does |
//! |---|---|
//! | `layer_report` | facts about one layer: driver, counts, types, CRS, extent, fill rates, invalid geometries, duplicate ids |
//! | `text` | the readable rendering |

mod layer_report;
mod text;

use std::path::{Path, PathBuf};

use crate::config::{GeometryColumns, SiteConfig};
use crate::load;
use crate::site::LayerQuality;
use crate::site::LocalCrs;
use crate::validate::Expect;
use crate::{layer, Result};
use gdal::vector::LayerAccess;

pub use layer_report::{inspect_layer, FieldReport, LayerReport};
pub use text::render;

/// Counts of what loading produced.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Loaded {
    pub district: String,
    pub district_area_ha: f64,
    pub neighbourhoods: usize,
    pub buildings: usize,
    pub stops: usize,
    pub population_cells: usize,
    pub residents: f64,
    /// The share of the district's area inside the buildings' extent, 0..1 (`None` without
    /// buildings): well under 1 when the buildings layer was cut short of the district.
    pub district_in_buildings_extent: Option<f64>,
    /// The same for the stops (`None` without stops).
    pub district_in_stops_extent: Option<f64>,
}

/// The report on a site file: each named layer, then what loading made of them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SiteReport {
    pub site_file: PathBuf,
    pub name: String,
    pub crs: LocalCrs,
    /// (site-file key, layer report)
    pub layers: Vec<LayerReport>,
    pub loaded: Loaded,
    pub quality: Vec<LayerQuality>,
}

/// What `cpgis inspect` reports.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Report {
    /// A plain layer file: every layer in it.
    File {
        file: PathBuf,
        layers: Vec<LayerReport>,
    },
    Site(Box<SiteReport>),
    /// A GTFS feed (a folder or a zip): what `run` would read from it.
    Gtfs(GtfsReport),
}

/// A GTFS feed as `run` reads it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GtfsReport {
    pub feed: PathBuf,
    /// The representative weekday, the trips that run on it, and the feed's validity.
    pub service_day: String,
    pub trips_on_day: usize,
    /// Routes by PTAL mode.
    pub routes_by_mode: std::collections::BTreeMap<String, usize>,
    /// Stops with departures 08:15-09:15 that day, and stops without.
    pub stops_served: usize,
    pub stops_unserved: usize,
    /// The ten stops with the most departures per hour in the window: (id, name, departures).
    pub busiest_stops: Vec<(String, Option<String>, f64)>,
}

/// Whether a path is a GTFS feed: a folder or zip that holds `stops.txt` and `stop_times.txt`.
pub fn is_gtfs(path: &Path) -> bool {
    let has = |name: &str| {
        if path.is_dir() {
            path.join(name).is_file()
        } else {
            path.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
                && cpgis_io::load::gtfs::feed_has(path, name)
        }
    };
    has("stops.txt") && has("stop_times.txt")
}

/// A GTFS feed read as `run` reads it, summarised.
pub fn inspect_gtfs(path: &Path) -> Result<Report> {
    let feed = cpgis_io::load::gtfs::read_feed(path)?;
    let mut busiest: Vec<(String, Option<String>, f64)> = feed
        .stops
        .iter()
        .map(|s| {
            (
                s.id.clone(),
                s.name.clone(),
                s.routes.iter().map(|r| r.departures_per_hour).sum(),
            )
        })
        .collect();
    busiest.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    busiest.truncate(10);
    Ok(Report::Gtfs(GtfsReport {
        feed: path.to_path_buf(),
        service_day: feed.day.describe(),
        trips_on_day: feed.day.trips,
        routes_by_mode: feed.routes_by_mode,
        stops_served: feed.stops.len(),
        stops_unserved: feed.unserved_stops.len(),
        busiest_stops: busiest,
    }))
}

/// Inspects a path: a `.toml` file is a site file, anything else a layer file.
pub fn inspect_path(path: &Path) -> Result<Report> {
    let is_site = path
        .extension()
        .map(|e| e.eq_ignore_ascii_case("toml"))
        .unwrap_or(false);
    if is_site {
        let config = cpgis_io::parse_site_file(path)?;
        Ok(Report::Site(Box::new(inspect_site(&config)?)))
    } else if is_gtfs(path) {
        inspect_gtfs(path)
    } else {
        inspect_file(path)
    }
}

/// Every layer of a layer file.
pub fn inspect_file(path: &Path) -> Result<Report> {
    let ds = layer::open_dataset(path, &GeometryColumns::Auto)?;
    let mut layers = Vec::new();
    for name in layer::layer_names(&ds) {
        let mut lyr = layer::pick_layer(&ds, path, Some(&name))?;
        layers.push(inspect_layer(&ds, &mut lyr, path, &[], None, None)?);
    }
    Ok(Report::File {
        file: path.to_path_buf(),
        layers,
    })
}

/// Every layer a site file names, with its mapping, then the load.
pub fn inspect_site(config: &SiteConfig) -> Result<SiteReport> {
    // Loading first reports every configuration problem at once, before any layer is scanned.
    let site = load::load(config)?;
    let mut layers = Vec::new();
    for source in config.layer_sources() {
        let ds = layer::open_dataset(&source.path, &source.geometry)?;
        let mut lyr = layer::pick_layer(&ds, &source.path, source.layer.as_deref())?;
        if let Some(f) = &source.filter {
            lyr.set_attribute_filter(f)
                .map_err(|e| crate::Error::Tool(e.to_string()))?;
        }
        let (id, expect) = role_mapping(config, &source.role);
        let mut report = inspect_layer(
            &ds,
            &mut lyr,
            &source.path,
            &id,
            Some(expect),
            source.crs.as_deref(),
        )?;
        report.role = Some(source.role.clone());
        report.filter = source.filter.clone();
        layers.push(report);
    }
    let loaded = Loaded {
        district: site.district.name.clone(),
        district_area_ha: geo::Area::unsigned_area(&site.district.area) / 10_000.0,
        neighbourhoods: site.neighbourhoods.len(),
        buildings: site.buildings.len(),
        stops: site.stops.len(),
        population_cells: site.population.len(),
        residents: site.population.iter().map(|p| p.residents).sum::<f64>() + 0.0,
        district_in_buildings_extent: cpgis_core::site::share_in_buildings_extent(
            &site,
            &site.district.area,
        ),
        district_in_stops_extent: cpgis_core::site::share_in_stops_extent(
            &site,
            &site.district.area,
        ),
    };
    Ok(SiteReport {
        site_file: config.file.clone(),
        name: site.name,
        crs: site.crs,
        layers,
        loaded,
        quality: site.quality,
    })
}

/// The id fields and expected geometry of a layer by its site-file key.
fn role_mapping<'a>(config: &'a SiteConfig, role: &str) -> (Vec<&'a str>, Expect) {
    let strs = |ids: &'a [String]| ids.iter().map(String::as_str).collect::<Vec<_>>();
    match role {
        "district" => (Vec::new(), Expect::Areas),
        "neighbourhoods" => (
            config
                .neighbourhoods
                .as_ref()
                .map(|n| strs(&n.id))
                .unwrap_or_default(),
            Expect::Areas,
        ),
        "stops" => (
            config
                .stops
                .as_ref()
                .map(|s| strs(&s.id))
                .unwrap_or_default(),
            Expect::Points,
        ),
        "population" => (Vec::new(), Expect::AreasOrPoints),
        _ => (
            config
                .buildings
                .iter()
                .find(|b| b.source.role == role)
                .map(|b| strs(&b.id))
                .unwrap_or_default(),
            Expect::AreasOrPoints,
        ),
    }
}
