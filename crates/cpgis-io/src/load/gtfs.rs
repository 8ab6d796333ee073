//! A GTFS feed (a folder or a .zip, read through GDAL's CSV driver and `/vsizip/`) as transit
//! stops with real departures per hour: for every stop and route, the departures in the TfL
//! PTAL window (08:15–09:15) on a weekday (trips whose service runs on Tuesdays in
//! `calendar.txt`), in the busier direction.
//!
//! Required: `stops.txt`, `stop_times.txt`, `trips.txt`, `calendar.txt`. Optional:
//! `routes.txt` (route types give the mode; without it every route counts as bus).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use gdal::vector::LayerAccess;
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};

use cpgis_core::preset::Mode;
use cpgis_core::site::StopRoute;
use cpgis_core::{Error, Result};

/// Start and end of the PTAL window, seconds after midnight (08:15 and 09:15).
pub const WINDOW: (u32, u32) = (8 * 3600 + 15 * 60, 9 * 3600 + 15 * 60);

/// One stop of the feed with the routes that depart from it in the window.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedStop {
    pub id: String,
    pub name: Option<String>,
    pub lon: f64,
    pub lat: f64,
    pub routes: Vec<StopRoute>,
}

/// What the feed held, for the quality report.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    /// Stops with at least one departure in the window.
    pub stops: Vec<FeedStop>,
    /// Stops (location type 0) without departures in the window, by id.
    pub unserved_stops: Vec<String>,
    /// Routes whose type is not a PTAL mode (ferry, cable car, …), left out.
    pub routes_left_out: Vec<String>,
}

/// The mode of a GTFS route type (basic and extended types); `None` for modes PTAL does not count.
pub fn mode_of_route_type(t: u32) -> Option<Mode> {
    match t {
        0 | 5 | 900..=999 => Some(Mode::Tram),
        1 | 12 | 400..=499 => Some(Mode::Metro),
        2 | 7 | 100..=199 | 1400..=1499 => Some(Mode::Rail),
        3 | 11 | 200..=299 | 700..=799 | 800..=899 => Some(Mode::Bus),
        _ => None,
    }
}

/// Seconds after midnight of a GTFS time (`H:MM:SS`, hours may pass 24).
pub fn parse_time(s: &str) -> Option<u32> {
    let mut parts = s.trim().split(':');
    let h: u32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let sec: u32 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || m > 59 || sec > 59 || h > 47 {
        return None;
    }
    Some(h * 3600 + m * 60 + sec)
}

/// One text table of the feed, rows as maps of the named columns.
struct Table {
    file: PathBuf,
    rows: Vec<Vec<Option<String>>>,
}

impl Table {
    fn open(feed: &Path, name: &str, columns: &[&str], required: bool) -> Result<Option<Table>> {
        let (gdal_path, file) = locate(feed, name);
        let exists = if feed.is_dir() { file.exists() } else { true };
        let opened = if exists {
            Dataset::open_ex(
                format!("CSV:{gdal_path}"),
                DatasetOptions {
                    open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
                    ..Default::default()
                },
            )
            .ok()
        } else {
            None
        };
        let Some(ds) = opened else {
            if required {
                return Err(Error::Layer {
                    file: feed.to_path_buf(),
                    problem: format!("the GTFS feed has no readable {name} (stops.txt, stop_times.txt, trips.txt and calendar.txt are required)"),
                });
            }
            return Ok(None);
        };
        let mut layer = ds.layer(0).map_err(|e| Error::Layer {
            file: file.clone(),
            problem: format!("cannot read {name}: {e}"),
        })?;
        let defn_names: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
        let mut idx = Vec::new();
        for c in columns {
            let want = c.trim_end_matches('?');
            match defn_names
                .iter()
                .position(|n| n.trim_start_matches('\u{feff}') == want)
            {
                Some(i) => idx.push(Some(i)),
                None if c.ends_with('?') => idx.push(None),
                None => {
                    return Err(Error::Data {
                        file: file.clone(),
                        layer: name.to_string(),
                        feature: None,
                        problem: format!(
                            "column `{want}` is missing (found: {})",
                            defn_names.join(", ")
                        ),
                    })
                }
            }
        }
        let mut rows = Vec::new();
        for f in layer.features() {
            rows.push(
                idx.iter()
                    .map(|i| i.and_then(|i| f.field_as_string(i).ok().flatten()))
                    .collect(),
            );
        }
        Ok(Some(Table { file, rows }))
    }

    fn bad(&self, row: usize, problem: String) -> Error {
        Error::Data {
            file: self.file.clone(),
            layer: self
                .file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            // Row numbers count the header as line 1.
            feature: Some(format!("line {}", row + 2)),
            problem,
        }
    }
}

/// GDAL path and display path of a file in a feed folder or zip.
fn locate(feed: &Path, name: &str) -> (String, PathBuf) {
    let file = feed.join(name);
    if feed.is_dir() {
        (file.display().to_string(), file)
    } else {
        (format!("/vsizip/{}/{name}", feed.display()), file)
    }
}

fn text(v: &Option<String>) -> &str {
    v.as_deref().map(str::trim).unwrap_or("")
}

/// Whether a file starts as a zip archive does (a local file header, or the end record of an
/// empty archive).
fn is_zip(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && (magic == *b"PK\x03\x04" || magic == *b"PK\x05\x06")
}

/// Reads a feed's stops and their peak-hour departures per route.
pub fn read_feed(feed: &Path) -> Result<Feed> {
    if feed.is_file() && !is_zip(feed) {
        return Err(Error::Layer {
            file: feed.to_path_buf(),
            problem: "is neither a folder nor a zip archive: a GTFS feed is a .zip of its .txt files, or a folder of them".into(),
        });
    }
    let required = |name, cols: &[&str]| -> Result<Table> {
        Table::open(feed, name, cols, true)?
            .ok_or_else(|| Error::Tool(format!("{name} of {} was not read", feed.display())))
    };
    let calendar = required("calendar.txt", &["service_id", "tuesday"])?;
    let weekday: BTreeSet<String> = calendar
        .rows
        .iter()
        .filter(|r| text(&r[1]) == "1")
        .map(|r| text(&r[0]).to_string())
        .collect();
    if weekday.is_empty() {
        return Err(calendar.bad(
            0,
            "no service runs on Tuesdays: cpgis counts departures on a weekday".into(),
        ));
    }
    let routes = Table::open(feed, "routes.txt", &["route_id", "route_type"], false)?;
    let mut route_mode: BTreeMap<String, Option<Mode>> = BTreeMap::new();
    if let Some(routes) = &routes {
        for (i, r) in routes.rows.iter().enumerate() {
            let t: u32 = text(&r[1]).parse().map_err(|_| {
                routes.bad(i, format!("route_type `{}` is not a number", text(&r[1])))
            })?;
            route_mode.insert(text(&r[0]).to_string(), mode_of_route_type(t));
        }
    }
    let trips = required(
        "trips.txt",
        &["trip_id", "route_id", "service_id", "direction_id?"],
    )?;
    // trip → (route, direction), weekday trips only.
    let mut trip_of: BTreeMap<String, (String, String)> = BTreeMap::new();
    for r in &trips.rows {
        if weekday.contains(text(&r[2])) {
            trip_of.insert(
                text(&r[0]).to_string(),
                (text(&r[1]).to_string(), text(&r[3]).to_string()),
            );
        }
    }
    let times = required("stop_times.txt", &["trip_id", "departure_time", "stop_id"])?;
    let mut count: BTreeMap<(String, String, String), u32> = BTreeMap::new();
    for (i, r) in times.rows.iter().enumerate() {
        let Some((route, dir)) = trip_of.get(text(&r[0])) else {
            continue;
        };
        let t = text(&r[1]);
        if t.is_empty() {
            continue; // times may be left empty between timepoints
        }
        let secs = parse_time(t)
            .ok_or_else(|| times.bad(i, format!("departure_time `{t}` is not a time (H:MM:SS)")))?;
        if (WINDOW.0..WINDOW.1).contains(&secs) {
            *count
                .entry((text(&r[2]).to_string(), route.clone(), dir.clone()))
                .or_default() += 1;
        }
    }
    // Busier direction per stop and route.
    let mut per_stop: BTreeMap<String, BTreeMap<String, u32>> = BTreeMap::new();
    for ((stop, route, _dir), n) in count {
        let e = per_stop.entry(stop).or_default().entry(route).or_default();
        *e = (*e).max(n);
    }
    let stops = required(
        "stops.txt",
        &[
            "stop_id",
            "stop_name?",
            "stop_lat",
            "stop_lon",
            "location_type?",
        ],
    )?;
    let mut out = Feed {
        stops: Vec::new(),
        unserved_stops: Vec::new(),
        routes_left_out: route_mode
            .iter()
            .filter(|(_, m)| m.is_none())
            .map(|(r, _)| r.clone())
            .collect(),
    };
    for (i, r) in stops.rows.iter().enumerate() {
        if !matches!(text(&r[4]), "" | "0") {
            continue; // stations, entrances, nodes: departures are at their platforms
        }
        let id = text(&r[0]).to_string();
        let coord = |v: &Option<String>, what: &str, max: f64| -> Result<f64> {
            text(v)
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && x.abs() <= max)
                .ok_or_else(|| {
                    stops.bad(
                        i,
                        format!("stop {id}: {what} `{}` is not a coordinate", text(v)),
                    )
                })
        };
        let lat = coord(&r[2], "stop_lat", 90.0)?;
        let lon = coord(&r[3], "stop_lon", 180.0)?;
        let routes: Vec<StopRoute> = per_stop
            .get(&id)
            .into_iter()
            .flatten()
            .filter_map(|(route, n)| {
                let mode = match route_mode.get(route) {
                    Some(m) => (*m)?,
                    None => Mode::Bus,
                };
                Some(StopRoute {
                    route: route.clone(),
                    mode,
                    departures_per_hour: *n as f64 * 3600.0 / (WINDOW.1 - WINDOW.0) as f64,
                })
            })
            .collect();
        if routes.is_empty() {
            out.unserved_stops.push(id);
            continue;
        }
        out.stops.push(FeedStop {
            name: Some(text(&r[1]).to_string()).filter(|n| !n.is_empty()),
            id,
            lon,
            lat,
            routes,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_past_midnight_are_times_and_garbage_is_not() {
        assert_eq!(parse_time("8:15:00"), Some(29_700));
        assert_eq!(parse_time("25:01:30"), Some(90_090));
        assert_eq!(parse_time("8:61:00"), None);
        assert_eq!(parse_time("soon"), None);
    }

    #[test]
    fn route_types_map_to_ptal_modes() {
        assert_eq!(mode_of_route_type(0), Some(Mode::Tram));
        assert_eq!(mode_of_route_type(1), Some(Mode::Metro));
        assert_eq!(mode_of_route_type(109), Some(Mode::Rail));
        assert_eq!(mode_of_route_type(3), Some(Mode::Bus));
        assert_eq!(mode_of_route_type(4), None);
    }
}
