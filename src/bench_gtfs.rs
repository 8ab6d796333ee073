//! The GTFS benchmark (`cpgis bench --gtfs 3400000,10000000`): a synthetic feed (NOT real
//! data) of N stop times, read as `run` reads a feed, against a baseline measured in the same
//! run on the same file: GDAL's CSV driver reading the three columns of `stop_times.txt` into
//! memory, as cpgis did before the streaming reader. Wall time and peak resident memory of each.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gdal::vector::LayerAccess;

use crate::{Error, Result};

/// Stops a trip calls at.
const STOPS_PER_TRIP: usize = 20;
/// Stops in the feed.
const STOPS: usize = 5_000;

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Tool(format!("cannot write {}: {e}", path.display()))
}

/// Writes a feed of `n` stop times under `dir` (once): one weekday service, 200 routes, trips
/// of 20 stops two minutes apart starting every few seconds from 05:00.
pub fn make_feed(n: usize, dir: &Path) -> Result<PathBuf> {
    let feed = dir.join(format!("gtfs-{n}"));
    if feed.join("stop_times.txt").exists() {
        return Ok(feed);
    }
    std::fs::create_dir_all(&feed).map_err(|e| io(&feed, e))?;
    let write = |name: &str, text: &str| {
        let p = feed.join(name);
        std::fs::write(&p, text).map_err(|e| io(&p, e))
    };
    write(
        "calendar.txt",
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,0,0,20260101,20261231\n",
    )?;
    let mut routes = String::from("route_id,route_type\n");
    for r in 0..200 {
        let _ = writeln!(routes, "R{r},{}", if r % 10 == 0 { 2 } else { 3 });
    }
    write("routes.txt", &routes)?;
    let mut stops = String::from("stop_id,stop_name,stop_lat,stop_lon\n");
    for s in 0..STOPS {
        let _ = writeln!(
            stops,
            "S{s},Synthetic stop {s},{:.5},{:.5}",
            47.0 + (s / 100) as f64 * 0.002,
            9.0 + (s % 100) as f64 * 0.003
        );
    }
    write("stops.txt", &stops)?;
    let trips_n = n.div_ceil(STOPS_PER_TRIP);
    let mut trips = String::from("route_id,service_id,trip_id,direction_id\n");
    for t in 0..trips_n {
        let _ = writeln!(trips, "R{},WK,T{t},{}", t % 200, t % 2);
    }
    write("trips.txt", &trips)?;
    let path = feed.join("stop_times.txt");
    let file = std::fs::File::create(&path).map_err(|e| io(&path, e))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    w.write_all(b"trip_id,arrival_time,departure_time,stop_id,stop_sequence\n")
        .map_err(|e| io(&path, e))?;
    // Trips start between 05:00 and 23:00, spread evenly.
    let span = 18 * 3600;
    for i in 0..n {
        let (t, k) = (i / STOPS_PER_TRIP, i % STOPS_PER_TRIP);
        let secs = 5 * 3600 + (t * span / trips_n.max(1)) + k * 120;
        let time = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
        writeln!(
            w,
            "T{t},{time},{time},S{},{}",
            (t * 7 + k * 13) % STOPS,
            k + 1
        )
        .map_err(|e| io(&path, e))?;
    }
    w.flush().map_err(|e| io(&path, e))?;
    Ok(feed)
}

/// One size's figures.
pub struct Measured {
    /// Stop times in the feed.
    pub stop_times: usize,
    /// `read_feed` (what `run` does), wall time and peak MB.
    pub ours: (Duration, Option<f64>),
    /// GDAL's CSV driver reading the three columns into memory, wall time and peak MB.
    pub gdal: (Duration, Option<f64>),
    /// Stops with departures in the window (a check that the feed was read).
    pub served_stops: usize,
}

/// GDAL's CSV driver reading `trip_id`, `departure_time`, `stop_id` of every row into memory.
fn gdal_baseline(feed: &Path) -> Result<usize> {
    let path = feed.join("stop_times.txt");
    let ds = gdal::Dataset::open_ex(
        format!("CSV:{}", path.display()),
        gdal::DatasetOptions {
            open_flags: gdal::GdalOpenFlags::GDAL_OF_VECTOR | gdal::GdalOpenFlags::GDAL_OF_READONLY,
            ..Default::default()
        },
    )
    .map_err(|e| Error::Tool(format!("GDAL cannot open {}: {e}", path.display())))?;
    let mut layer = ds
        .layer(0)
        .map_err(|e| Error::Tool(format!("GDAL cannot read {}: {e}", path.display())))?;
    let mut rows: Vec<[Option<String>; 3]> = Vec::new();
    for f in layer.features() {
        rows.push([0, 2, 3].map(|i| f.field_as_string(i).ok().flatten()));
    }
    Ok(rows.len())
}

/// One measurement, in this process (`cpgis bench-gtfs-run FEED [--baseline]`, a fresh
/// process each, so no memory is left by an earlier one): wall time, peak MB, stops served.
pub fn run_once(feed: &Path, baseline: bool) -> Result<(f64, Option<f64>, usize)> {
    crate::bench::reset_peak();
    let start = Instant::now();
    let n = if baseline {
        gdal_baseline(feed)?
    } else {
        cpgis_io::load::gtfs::read_feed(feed)?.stops.len()
    };
    Ok((start.elapsed().as_secs_f64(), crate::bench::peak_mb(), n))
}

fn in_process(exe: &Path, feed: &Path, baseline: bool) -> Result<(Duration, Option<f64>, usize)> {
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("bench-gtfs-run").arg(feed);
    if baseline {
        cmd.arg("--baseline");
    }
    let out = cmd
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| Error::Tool(format!("cannot start {}: {e}", exe.display())))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let parts: Vec<&str> = text.split_whitespace().collect();
    match (out.status.success(), parts.as_slice()) {
        (true, [secs, peak, n]) => Ok((
            Duration::from_secs_f64(secs.parse().unwrap_or(0.0)),
            peak.parse().ok(),
            n.parse().unwrap_or(0),
        )),
        _ => Err(Error::Tool(format!(
            "the GTFS benchmark's run on {} failed: {text}",
            feed.display()
        ))),
    }
}

/// Measures each size, generating its feed under `dir` first; each read in a process of its
/// own.
pub fn bench(exe: &Path, sizes: &[usize], dir: &Path) -> Result<Vec<Measured>> {
    let mut out = Vec::new();
    for &n in sizes {
        eprintln!("synthetic feed of {n} stop times …");
        let feed = make_feed(n, dir)?;
        let (t, peak, served_stops) = in_process(exe, &feed, false)?;
        let (bt, bpeak, rows) = in_process(exe, &feed, true)?;
        if rows != n {
            return Err(Error::Tool(format!(
                "the baseline read {rows} stop times of {n}"
            )));
        }
        out.push(Measured {
            stop_times: n,
            ours: (t, peak),
            gdal: (bt, bpeak),
            served_stops,
        });
    }
    Ok(out)
}

/// The table.
pub fn render(results: &[Measured]) -> String {
    let mb = |m: Option<f64>| m.map_or("-".into(), |m| format!("{m:.0}"));
    let mut s = String::from(
        "GTFS feed read (synthetic, NOT real data): read_feed against GDAL's CSV driver reading the same stop_times.txt\n\
         stop times    read_feed s   peak MB    GDAL alone s   peak MB   ratio   stops served\n",
    );
    for m in results {
        let _ = writeln!(
            s,
            "{:>10}    {:>11.2}   {:>7}    {:>12.2}   {:>7}   {:>5.2}   {:>12}",
            m.stop_times,
            m.ours.0.as_secs_f64(),
            mb(m.ours.1),
            m.gdal.0.as_secs_f64(),
            mb(m.gdal.1),
            m.ours.0.as_secs_f64() / m.gdal.0.as_secs_f64().max(1e-9),
            m.served_stops
        );
    }
    s
}
