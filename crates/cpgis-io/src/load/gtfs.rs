//! A GTFS feed (a folder or a .zip, read through GDAL's CSV driver and `/vsizip/`) as transit
//! stops with real departures per hour: for every stop and route, the departures in the TfL
//! PTAL window (08:15–09:15) on the feed's representative weekday, in the busier direction.
//!
//! The representative weekday is the Monday-to-Friday date, within the feed's validity, on
//! which the most trips run: services from `calendar.txt` (their weekdays and date range) with
//! the exceptions of `calendar_dates.txt` (service added or removed on a date). A fixed weekday
//! would silently lose a service that runs on other days only.
//!
//! Required: `stops.txt`, `stop_times.txt`, `trips.txt`, and `calendar.txt` or
//! `calendar_dates.txt`. Optional: `routes.txt` (route types give the mode; without it every
//! route counts as bus) and `frequencies.txt` (a trip repeated at a headway: its stop times give
//! the pattern, offsets from its first departure).

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

/// The date departures are counted on, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDay {
    /// Days since 1970-01-01.
    pub day: i64,
    /// Trips that run that day.
    pub trips: usize,
    /// The feed's validity (first and last day with a service), days since 1970-01-01.
    pub from: i64,
    pub to: i64,
    /// The site file named the day (`stops.gtfs_date`).
    pub named: bool,
}

impl ServiceDay {
    /// "Tuesday 2024-03-12, the weekday with the most trips (812) from 2024-01-01 to 2025-12-31".
    pub fn describe(&self) -> String {
        if self.named {
            return format!(
                "{} {}, the day the site file's stops.gtfs_date names ({} trips; the feed runs from {} to {})",
                WEEKDAY_NAMES[weekday(self.day)],
                iso(self.day),
                self.trips,
                iso(self.from),
                iso(self.to)
            );
        }
        format!(
            "{} {}, the weekday with the most trips ({}) between {} and {}",
            WEEKDAY_NAMES[weekday(self.day)],
            iso(self.day),
            self.trips,
            iso(self.from),
            iso(self.to)
        )
    }
}

/// Week day names, Sunday first (`weekday`'s numbering).
pub const WEEKDAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count (the inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday).
pub fn weekday(day: i64) -> usize {
    (day + 4).rem_euclid(7) as usize
}

fn iso(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A GTFS date (`YYYYMMDD`) as days since 1970-01-01.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (y, m, d) = (
        s[..4].parse().ok()?,
        s[4..6].parse().ok()?,
        s[6..].parse().ok()?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // 20240230 is no day: the count must give the same date back.
    let day = days_from_civil(y, m, d);
    (civil_from_days(day) == (y, m, d)).then_some(day)
}

/// Longest validity searched for the representative day, days (three years).
const MAX_VALIDITY_DAYS: i64 = 3 * 366;

/// What the feed held, for the quality report.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    /// The day departures were counted on.
    pub day: ServiceDay,
    /// Stops with at least one departure in the window.
    pub stops: Vec<FeedStop>,
    /// Stops (location type 0) without departures in the window, by id.
    pub unserved_stops: Vec<String>,
    /// Routes whose type is not a PTAL mode (ferry, cable car, …), left out.
    pub routes_left_out: Vec<String>,
    /// Routes of `routes.txt` by PTAL mode (`bus`, `tram`, `metro`, `rail`, or `not counted`).
    pub routes_by_mode: BTreeMap<String, usize>,
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

/// A period of a frequency-based trip: start, end (exclusive) and headway, seconds.
type Period = (u32, u32, u32);

/// The periods of `frequencies.txt` (optional) for the trips that run, by trip.
fn read_frequencies(
    feed: &Path,
    trip_of: &std::collections::HashMap<String, (u32, bool)>,
) -> Result<BTreeMap<String, Vec<Period>>> {
    let mut out: BTreeMap<String, Vec<Period>> = BTreeMap::new();
    if !feed_has(feed, "frequencies.txt") {
        return Ok(out);
    }
    let file = feed.join("frequencies.txt");
    super::csv_stream::for_each_row(
        feed,
        "frequencies.txt",
        &["trip_id", "start_time", "end_time", "headway_secs"],
        |line, v| {
            if !trip_of.contains_key(v[0]) {
                return Ok(());
            }
            let bad = |problem: String| Error::Data {
                file: file.clone(),
                layer: "frequencies.txt".into(),
                feature: Some(format!("line {line}")),
                problem,
            };
            let time = |t: &str, what: &str| {
                parse_time(t).ok_or_else(|| bad(format!("{what} `{t}` is not a time (H:MM:SS)")))
            };
            let (start, end) = (time(v[1], "start_time")?, time(v[2], "end_time")?);
            let headway: u32 = v[3].parse().ok().filter(|h| *h > 0).ok_or_else(|| {
                bad(format!(
                    "headway_secs `{}` is not a positive number of seconds",
                    v[3]
                ))
            })?;
            out.entry(v[0].to_string())
                .or_default()
                .push((start, end, headway));
            Ok(())
        },
    )?;
    Ok(out)
}

/// Whether a feed (folder or zip) holds `name`.
pub fn feed_has(feed: &Path, name: &str) -> bool {
    super::csv_stream::open(feed, name).is_some()
}

/// Names given small numbers in the order first seen.
#[derive(Default)]
struct Interner {
    index: std::collections::HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(i) = self.index.get(name) {
            return *i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        i
    }
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

/// The representative weekday of a feed and the services that run on it: of the Monday-to-Friday
/// dates within its validity, the one with the most trips (the earliest of equals).
fn service_day(
    feed: &Path,
    trips_of_service: &BTreeMap<String, usize>,
    named: Option<i64>,
) -> Result<(ServiceDay, BTreeSet<String>)> {
    let calendar = Table::open(
        feed,
        "calendar.txt",
        &[
            "service_id",
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "start_date",
            "end_date",
        ],
        false,
    )?;
    let dates = Table::open(
        feed,
        "calendar_dates.txt",
        &["service_id", "date", "exception_type"],
        false,
    )?;
    if calendar.is_none() && dates.is_none() {
        return Err(Error::Layer {
            file: feed.to_path_buf(),
            problem: "the GTFS feed has neither calendar.txt nor calendar_dates.txt, so no service has a day to run on".into(),
        });
    }
    // (service, days Sunday-first, start, end)
    let mut regular: Vec<(String, [bool; 7], i64, i64)> = Vec::new();
    if let Some(c) = &calendar {
        for (i, r) in c.rows.iter().enumerate() {
            let mut days = [false; 7];
            // Columns monday..sunday are 1..=7; Sunday first here.
            for (k, day) in days.iter_mut().enumerate() {
                let col = if k == 0 { 7 } else { k };
                *day = text(&r[col]) == "1";
            }
            let date = |v: &Option<String>, what: &str| {
                parse_date(text(v)).ok_or_else(|| {
                    c.bad(i, format!("{what} `{}` is not a date (YYYYMMDD)", text(v)))
                })
            };
            let (start, end) = (date(&r[8], "start_date")?, date(&r[9], "end_date")?);
            regular.push((text(&r[0]).to_string(), days, start, end));
        }
    }
    // day → (added, removed)
    let mut exceptions: BTreeMap<i64, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    if let Some(d) = &dates {
        for (i, r) in d.rows.iter().enumerate() {
            let day = parse_date(text(&r[1])).ok_or_else(|| {
                d.bad(
                    i,
                    format!("date `{}` is not a date (YYYYMMDD)", text(&r[1])),
                )
            })?;
            let e = exceptions.entry(day).or_default();
            match text(&r[2]) {
                "1" => e.0.insert(text(&r[0]).to_string()),
                "2" => e.1.insert(text(&r[0]).to_string()),
                other => {
                    return Err(d.bad(
                        i,
                        format!("exception_type `{other}` is neither 1 (added) nor 2 (removed)"),
                    ))
                }
            };
        }
    }
    let from = regular
        .iter()
        .map(|r| r.2)
        .chain(exceptions.keys().copied())
        .min()
        .unwrap_or(0);
    let to = regular
        .iter()
        .map(|r| r.3)
        .chain(exceptions.keys().copied())
        .max()
        .unwrap_or(0)
        .min(from + MAX_VALIDITY_DAYS);
    let active = |day: i64| -> BTreeSet<String> {
        let wd = weekday(day);
        let mut on: BTreeSet<String> = regular
            .iter()
            .filter(|r| r.1[wd] && r.2 <= day && day <= r.3)
            .map(|r| r.0.clone())
            .collect();
        if let Some((added, removed)) = exceptions.get(&day) {
            on.extend(added.iter().cloned());
            on.retain(|s| !removed.contains(s));
        }
        on
    };
    let trips_on = |on: &BTreeSet<String>| -> usize {
        on.iter()
            .map(|s| trips_of_service.get(s).copied().unwrap_or(0))
            .sum()
    };
    if let Some(day) = named {
        let on = active(day);
        let trips = trips_on(&on);
        if trips == 0 {
            return Err(Error::Layer {
                file: feed.to_path_buf(),
                problem: format!(
                    "no trip runs on {} {}, the day the site file's stops.gtfs_date names (the feed runs from {} to {}): name a day with service, or remove gtfs_date to take the busiest weekday",
                    WEEKDAY_NAMES[weekday(day)],
                    iso(day),
                    iso(from),
                    iso(to)
                ),
            });
        }
        return Ok((
            ServiceDay {
                day,
                trips,
                from,
                to,
                named: true,
            },
            on,
        ));
    }
    let mut best: Option<(usize, i64)> = None;
    for day in from..=to {
        if !(1..=5).contains(&weekday(day)) {
            continue;
        }
        let n = trips_on(&active(day));
        if n > 0 && best.is_none_or(|(m, _)| n > m) {
            best = Some((n, day));
        }
    }
    let Some((trips, day)) = best else {
        return Err(Error::Layer {
            file: feed.to_path_buf(),
            problem: format!(
                "no trip runs on a weekday (Monday to Friday) between {} and {}: cpgis counts departures on a weekday",
                iso(from),
                iso(to)
            ),
        });
    };
    Ok((
        ServiceDay {
            day,
            trips,
            from,
            to,
            named: false,
        },
        active(day),
    ))
}

/// Reads a feed's stops and their peak-hour departures per route, on its representative
/// weekday.
pub fn read_feed(feed: &Path) -> Result<Feed> {
    read_feed_on(feed, None)
}

/// [`read_feed`] on the day `date` (`YYYYMMDD`) when one is named.
pub fn read_feed_on(feed: &Path, date: Option<&str>) -> Result<Feed> {
    let named = match date {
        Some(d) => Some(parse_date(d).ok_or_else(|| Error::Layer {
            file: feed.to_path_buf(),
            problem: format!("stops.gtfs_date `{d}` is not a date"),
        })?),
        None => None,
    };
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
    // trips.txt streamed: (trip, route, service, direction 1?) with routes and services as
    // small numbers (a metro feed has hundreds of thousands of trips).
    let mut routes_seen = Interner::default();
    let mut services_seen = Interner::default();
    let mut trips: Vec<(String, u32, u32, bool)> = Vec::new();
    super::csv_stream::for_each_row(
        feed,
        "trips.txt",
        &["trip_id", "route_id", "service_id", "direction_id?"],
        |_, v| {
            trips.push((
                v[0].to_string(),
                routes_seen.id(v[1]),
                services_seen.id(v[2]),
                v[3] == "1",
            ));
            Ok(())
        },
    )?;
    let mut trips_of_service: BTreeMap<String, usize> = BTreeMap::new();
    for t in &trips {
        *trips_of_service
            .entry(services_seen.names[t.2 as usize].clone())
            .or_default() += 1;
    }
    let (day, weekday_services) = service_day(feed, &trips_of_service, named)?;
    let running: Vec<bool> = services_seen
        .names
        .iter()
        .map(|s| weekday_services.contains(s))
        .collect();
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
    // trip → (route, direction), trips of the services running on the day only; looked up for
    // each of millions of stop times, so hashed.
    let trip_of: std::collections::HashMap<String, (u32, bool)> = trips
        .into_iter()
        .filter(|t| running[t.2 as usize])
        .map(|(trip, route, _, dir)| (trip, (route, dir)))
        .collect();
    let route_names = routes_seen.names;
    // frequencies.txt: trips run every `headway` seconds from `start` to `end`, their stop
    // times giving the pattern (offsets from the trip's first departure).
    let frequencies = read_frequencies(feed, &trip_of)?;
    // (stop, route, direction) → departures in the window, stops as small numbers.
    let mut stops_seen = Interner::default();
    let mut count: std::collections::HashMap<(u32, u32, bool), u32> = Default::default();
    // The stop times of frequency-based trips: (trip, stop, seconds), counted afterwards.
    let mut patterns: Vec<(String, u32, u32)> = Vec::new();
    let times_file = feed.join("stop_times.txt");
    super::csv_stream::for_each_row(
        feed,
        "stop_times.txt",
        &["trip_id", "departure_time", "stop_id"],
        |line, v| {
            let Some(&(route, dir)) = trip_of.get(v[0]) else {
                return Ok(());
            };
            let t = v[1];
            if t.is_empty() {
                return Ok(()); // times may be left empty between timepoints
            }
            let secs = parse_time(t).ok_or_else(|| Error::Data {
                file: times_file.clone(),
                layer: "stop_times.txt".into(),
                feature: Some(format!("line {line}")),
                problem: format!("departure_time `{t}` is not a time (H:MM:SS)"),
            })?;
            if frequencies.contains_key(v[0]) {
                patterns.push((v[0].to_string(), stops_seen.id(v[2]), secs));
            } else if (WINDOW.0..WINDOW.1).contains(&secs) {
                *count.entry((stops_seen.id(v[2]), route, dir)).or_default() += 1;
            }
            Ok(())
        },
    )?;
    // Each frequency-based trip: its first departure, then every stop's offset from it,
    // repeated at the headway through each period.
    let mut first: BTreeMap<&str, u32> = BTreeMap::new();
    for (trip, _, secs) in &patterns {
        let f = first.entry(trip.as_str()).or_insert(*secs);
        *f = (*f).min(*secs);
    }
    for (trip, stop, secs) in &patterns {
        let (Some(periods), Some(&(route, dir))) = (frequencies.get(trip), trip_of.get(trip))
        else {
            continue;
        };
        let offset = secs - first[trip.as_str()];
        for &(start, end, headway) in periods {
            let mut t = start;
            while t < end {
                if (WINDOW.0..WINDOW.1).contains(&(t + offset)) {
                    *count.entry((*stop, route, dir)).or_default() += 1;
                }
                t += headway;
            }
        }
    }
    let count: BTreeMap<(String, String, bool), u32> = count
        .into_iter()
        .map(|((stop, r, d), n)| {
            (
                (
                    stops_seen.names[stop as usize].clone(),
                    route_names[r as usize].clone(),
                    d,
                ),
                n,
            )
        })
        .collect();
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
    let mut routes_by_mode: BTreeMap<String, usize> = BTreeMap::new();
    for m in route_mode.values() {
        let key = m.map_or("not counted", |m| m.key());
        *routes_by_mode.entry(key.to_string()).or_default() += 1;
    }
    let mut out = Feed {
        day,
        routes_by_mode,
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
