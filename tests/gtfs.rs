//! GTFS feeds as stops with real departures per hour. No real feed ships with the shared data,
//! so each test writes a small feed by hand, with departures counted by hand.

mod common;

use std::path::Path;

use common::{assert_bad_input, fixture, geojson_features, write_site};
use cpgis::load::gtfs::read_feed;
use cpgis::preset::Mode;

/// Writes a feed with two stops near the Kamppi shopping centre (24.9315 E, 60.1690 N) and
/// one station row:
/// - route T (tram, type 0): direction 0 departs from stop A at 08:20, 08:30, 08:40, 08:50,
///   09:00, 09:10 (6 in the window) and 09:20 (after it); direction 1 at 08:25 and 08:55 (2).
///   Busier direction: 6 per hour.
/// - route B (bus, type 3): from stop A and B at 08:16 and 09:14 (both in the window, the end
///   is exclusive at 09:15) and at 07:59 (before it): 2 per hour at each stop.
/// - route W (Sunday-only service): 08:30 at stop B, not counted on a weekday.
/// - route F (ferry, type 4) at stop C: not a PTAL mode; stop C has no other departures.
fn write_feed(dir: &Path, stop_times_extra: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let files = [
        ("calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,0,0,20240101,20251231\nSU,0,0,0,0,0,0,1,20240101,20251231\n".to_string()),
        ("routes.txt", "route_id,route_short_name,route_type\nT,7,0\nB,18,3\nW,99,3\nF,ferry,4\n".to_string()),
        ("stops.txt", "stop_id,stop_name,stop_lat,stop_lon,location_type\nA,Kamppi A,60.1690,24.9315,0\nB,Kamppi B,60.1695,24.9330,\nC,Pier,60.1660,24.9300,0\nS,Kamppi station,60.1692,24.9320,1\n".to_string()),
        ("trips.txt", "route_id,service_id,trip_id,direction_id\nT,WK,t1,0\nT,WK,t2,0\nT,WK,t3,0\nT,WK,t4,0\nT,WK,t5,0\nT,WK,t6,0\nT,WK,t7,0\nT,WK,u1,1\nT,WK,u2,1\nB,WK,b1,0\nB,WK,b2,0\nB,WK,b0,0\nW,SU,w1,0\nF,WK,f1,0\n".to_string()),
        ("stop_times.txt", format!("trip_id,arrival_time,departure_time,stop_id,stop_sequence\nt1,08:20:00,08:20:00,A,1\nt2,08:30:00,08:30:00,A,1\nt3,08:40:00,08:40:00,A,1\nt4,08:50:00,08:50:00,A,1\nt5,09:00:00,09:00:00,A,1\nt6,09:10:00,09:10:00,A,1\nt7,09:20:00,09:20:00,A,1\nu1,08:25:00,08:25:00,A,1\nu2,08:55:00,08:55:00,A,1\nb1,08:16:00,08:16:00,A,1\nb1,08:18:00,08:18:00,B,2\nb2,09:14:00,09:14:00,A,1\nb2,09:14:59,09:14:59,B,2\nb0,07:59:00,07:59:00,A,1\nw1,08:30:00,08:30:00,B,1\nf1,08:30:00,08:30:00,C,1\n{stop_times_extra}")),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

#[test]
fn departures_per_hour_are_counted_in_the_peak_window_in_the_busier_direction() {
    let tmp = tempfile::tempdir().unwrap();
    write_feed(tmp.path(), "");
    let feed = read_feed(tmp.path()).unwrap();
    let a = feed.stops.iter().find(|s| s.id == "A").unwrap();
    let dph = |route: &str| {
        a.routes
            .iter()
            .find(|r| r.route == route)
            .map(|r| (r.mode, r.departures_per_hour))
    };
    assert_eq!(dph("T"), Some((Mode::Tram, 6.0)));
    assert_eq!(dph("B"), Some((Mode::Bus, 2.0)));
    let b = feed.stops.iter().find(|s| s.id == "B").unwrap();
    assert_eq!(
        b.routes.len(),
        1,
        "the Sunday route does not count: {:?}",
        b.routes
    );
    assert_eq!(b.routes[0].departures_per_hour, 2.0);
    // C only has a ferry: unserved; S is a station row, not a stop.
    assert_eq!(feed.unserved_stops, ["C"]);
    assert_eq!(feed.routes_left_out, ["F"]);
    assert_eq!(feed.stops.len(), 2);
}

#[test]
fn a_site_with_a_gtfs_feed_estimates_with_its_departures() {
    let tmp = tempfile::tempdir().unwrap();
    write_feed(&tmp.path().join("feed"), "");
    let k = fixture("kamppi");
    let text = format!(
        "preset = \"helsinki\"\n[district]\npath = \"{k}/kamppi_district_boundary.geojson\"\n[buildings]\npath = \"{k}/buildings.geojson\"\nid = [\"osm_way_id\", \"osm_id\"]\nuse = \"building\"\nfloors = \"building_levels\"\n[stops]\ngtfs = \"feed\"\n",
        k = k.display()
    );
    let site = write_site(tmp.path(), &text);
    let out = tmp.path().join("out");
    let run = common::cpgis_site("estimate", &site, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let q = summary["quality"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["role"] == "stops (GTFS)")
        .unwrap();
    assert_eq!(
        (q["read"].as_u64(), q["loaded"].as_u64()),
        (Some(3), Some(2))
    );
    // The day counted is said: the WK service runs Monday to Friday from 2024-01-01, so the
    // first Monday with all 13 weekday trips (t1-t7, u1, u2, b0-b2, f1).
    assert_eq!(
        q["notes"][0],
        "departures counted 08:15-09:15 on Monday 2024-01-01, the weekday with the most trips (13) between 2024-01-01 and 2025-12-31"
    );
    // stops.geojson shows what the access index saw: A with tram 6/h and bus 2/h, B with bus
    // 2/h, from the timetable.
    let stops = geojson_features(&out.join("stops.geojson"));
    let props = |id: &str| {
        stops
            .iter()
            .find(|s| s["properties"]["id"] == id)
            .map(|s| s["properties"].clone())
            .unwrap()
    };
    let a = props("A");
    assert_eq!(a["departures_source"], "gtfs");
    assert_eq!(a["departures_per_hour"].as_f64(), Some(8.0));
    assert_eq!(a["routes"], "B:2;T:6");
    assert_eq!(props("B")["routes"], "B:2");
    assert_eq!(stops.len(), 2);
    // The best-served building can reach stop A (tram 6/h, bus 2/h) and B (bus 2/h, same
    // route as at A, so only the better of the two counts). At the stop itself (walk 0):
    // tram EDF 30 / (5 + 0.75) = 5.217, bus EDF 30 / (15 + 2) = 1.765: AI at most 6.98.
    let buildings = geojson_features(&out.join("buildings.geojson"));
    let best = buildings
        .iter()
        .map(|b| b["properties"]["access_index"].as_f64().unwrap())
        .fold(0.0, f64::max);
    assert!(best > 5.0 && best <= 6.99, "best access index {best}");
    // Kamppi is within 960 m of the tram stop everywhere: every building has at least the
    // tram's EDF at 960 m, 30 / (12 + 5.75) = 1.690.
    let worst = buildings
        .iter()
        .map(|b| b["properties"]["access_index"].as_f64().unwrap())
        .fold(f64::INFINITY, f64::min);
    assert!(worst >= 1.69, "worst access index {worst}");
}

#[test]
fn a_broken_time_or_a_missing_file_is_bad_input_naming_the_line() {
    let tmp = tempfile::tempdir().unwrap();
    let feed = tmp.path().join("feed");
    write_feed(&feed, "t1,08:20:00,8h20,B,2\n");
    let site = write_site(
        tmp.path(),
        &common::kamppi_site_with("[stops]\ngtfs = \"feed\"\n"),
    );
    let run = common::cpgis_site("estimate", &site, &tmp.path().join("o"));
    assert_bad_input(
        &run,
        &[
            "stop_times.txt",
            "line 18",
            "departure_time `8h20` is not a time",
        ],
    );
    std::fs::remove_file(feed.join("calendar.txt")).unwrap();
    let run = common::cpgis_site("estimate", &site, &tmp.path().join("o"));
    assert_bad_input(
        &run,
        &["feed", "neither calendar.txt nor calendar_dates.txt"],
    );
}

/// Writes a feed whose services differ by day, for the representative day (January 2024;
/// the 1st was a Monday):
/// - BUS, Monday to Friday all month: one trip (bus route B) from stop A at 08:20;
/// - WK, Tuesdays and Wednesdays only: two trips of rail route R from stop A at 08:30 and 08:45,
///   removed on Tuesday the 9th and added on Monday the 15th (calendar_dates.txt);
/// - X, on Wednesday the 17th only (calendar_dates.txt): three trips of bus route B at 08:50,
///   08:55 and 09:05.
///
/// Trips per weekday: 1 on Mondays (3 on the 15th), 3 on Tuesdays (1 on the 9th), 3 on
/// Wednesdays (6 on the 17th), 1 on Thursdays and Fridays: the 17th has the most.
fn write_varied_feed(dir: &Path, with_calendar: bool) {
    std::fs::create_dir_all(dir).unwrap();
    if with_calendar {
        std::fs::write(dir.join("calendar.txt"), "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nBUS,1,1,1,1,1,0,0,20240101,20240131\nWK,0,1,1,0,0,0,0,20240101,20240131\n").unwrap();
    }
    std::fs::write(
        dir.join("calendar_dates.txt"),
        "service_id,date,exception_type\nWK,20240109,2\nWK,20240115,1\nX,20240117,1\n",
    )
    .unwrap();
    std::fs::write(dir.join("routes.txt"), "route_id,route_type\nB,3\nR,2\n").unwrap();
    std::fs::write(
        dir.join("stops.txt"),
        "stop_id,stop_name,stop_lat,stop_lon\nA,Kamppi A,60.1690,24.9315\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("trips.txt"),
        "route_id,service_id,trip_id\nB,BUS,b1\nR,WK,r1\nR,WK,r2\nB,X,x1\nB,X,x2\nB,X,x3\n",
    )
    .unwrap();
    std::fs::write(dir.join("stop_times.txt"), "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nb1,08:20:00,08:20:00,A,1\nr1,08:30:00,08:30:00,A,1\nr2,08:45:00,08:45:00,A,1\nx1,08:50:00,08:50:00,A,1\nx2,08:55:00,08:55:00,A,1\nx3,09:05:00,09:05:00,A,1\n").unwrap();
}

#[test]
fn the_weekday_with_the_most_trips_is_counted_with_calendar_exceptions() {
    let tmp = tempfile::tempdir().unwrap();
    write_varied_feed(tmp.path(), true);
    let feed = read_feed(tmp.path()).unwrap();
    assert_eq!(
        feed.day.describe(),
        "Wednesday 2024-01-17, the weekday with the most trips (6) between 2024-01-01 and 2024-01-31"
    );
    let a = &feed.stops[0];
    let dph = |route: &str| {
        a.routes
            .iter()
            .find(|r| r.route == route)
            .map(|r| (r.mode, r.departures_per_hour))
    };
    // Rail twice and bus four times (08:20, 08:50, 08:55, 09:05) in the window that day.
    assert_eq!(dph("R"), Some((Mode::Rail, 2.0)));
    assert_eq!(dph("B"), Some((Mode::Bus, 4.0)));
}

#[test]
fn a_feed_with_calendar_dates_only_runs_on_its_dates() {
    let tmp = tempfile::tempdir().unwrap();
    write_varied_feed(tmp.path(), false);
    // Without calendar.txt only the exceptions add service: WK on Monday the 15th (2 trips)
    // and X on Wednesday the 17th (3 trips).
    let feed = read_feed(tmp.path()).unwrap();
    assert_eq!(
        feed.day.describe(),
        "Wednesday 2024-01-17, the weekday with the most trips (3) between 2024-01-09 and 2024-01-17"
    );
    let b = feed.stops[0]
        .routes
        .iter()
        .find(|r| r.route == "B")
        .unwrap();
    assert_eq!(b.departures_per_hour, 3.0);
    assert!(feed.stops[0].routes.iter().all(|r| r.route != "R"));
}

#[test]
fn dates_count_days_as_the_calendar_does() {
    use cpgis::load::gtfs::{civil_from_days, days_from_civil, parse_date, weekday};
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(weekday(days_from_civil(2024, 1, 1)), 1, "a Monday");
    assert_eq!(weekday(days_from_civil(2000, 2, 29)), 2, "a Tuesday");
    assert_eq!(
        civil_from_days(days_from_civil(2024, 12, 31)),
        (2024, 12, 31)
    );
    assert_eq!(parse_date("20240229"), Some(days_from_civil(2024, 2, 29)));
    assert_eq!(parse_date("2024-02-29"), None);
}

/// The same feed zipped reads the same (stop_times.txt streamed out of the zip through GDAL's
/// virtual file system).
#[test]
fn a_zipped_feed_reads_as_its_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("feed");
    write_varied_feed(&dir, true);
    let names = [
        "calendar.txt",
        "calendar_dates.txt",
        "routes.txt",
        "stops.txt",
        "trips.txt",
        "stop_times.txt",
    ];
    let zip = tmp.path().join("feed.zip");
    let status = std::process::Command::new("python3")
        .args(["-m", "zipfile", "-c"])
        .arg(&zip)
        .args(names)
        .current_dir(&dir)
        .status()
        .unwrap();
    assert!(status.success());
    let (a, b) = (read_feed(&dir).unwrap(), read_feed(&zip).unwrap());
    assert_eq!(a.day, b.day);
    assert_eq!(a.stops, b.stops);
    assert_eq!(b.stops[0].routes.len(), 2);
}

/// `inspect` on a feed folder summarises what `run` would read from it (it had said GDAL cannot
/// open it).
#[test]
fn inspect_summarises_a_feed() {
    let tmp = tempfile::tempdir().unwrap();
    write_varied_feed(tmp.path(), true);
    let r = common::cpgis(&["inspect", tmp.path().to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for line in [
        "a GTFS feed",
        "service day: Wednesday 2024-01-17, the weekday with the most trips (6)",
        "routes by mode: bus 1, rail 1",
        "stops: 1 with departures 08:15-09:15 that day, 0 without",
        // Bus 4 and rail 2 per hour at A.
        "    6.0  A Kamppi A",
    ] {
        assert!(
            r.stdout.contains(line),
            "missing `{line}` in:\n{}",
            r.stdout
        );
    }
}

/// frequencies.txt: a tram trip every 10 minutes from 08:00 to 10:00, its stop times a pattern
/// (stop A at +0, stop B at +5 min). At A it departs 08:20, 08:30, … 09:10 in the window (6);
/// at B 08:15, 08:25, … 09:05 (6; 09:15 is past the window's end).
#[test]
fn a_frequency_based_trip_departs_at_its_headway() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let files = [
        ("calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,0,0,20240101,20240131\n"),
        ("routes.txt", "route_id,route_type\nT,0\n"),
        ("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\nA,Kamppi A,60.1690,24.9315\nB,Kamppi B,60.1695,24.9330\n"),
        ("trips.txt", "route_id,service_id,trip_id\nT,WK,f1\n"),
        ("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nf1,00:00:00,00:00:00,A,1\nf1,00:05:00,00:05:00,B,2\n"),
        ("frequencies.txt", "trip_id,start_time,end_time,headway_secs\nf1,08:00:00,10:00:00,600\n"),
    ];
    for (name, text) in files {
        std::fs::write(d.join(name), text).unwrap();
    }
    let feed = read_feed(d).unwrap();
    for id in ["A", "B"] {
        let s = feed.stops.iter().find(|s| s.id == id).unwrap();
        assert_eq!(s.routes.len(), 1);
        assert_eq!(
            (s.routes[0].mode, s.routes[0].departures_per_hour),
            (Mode::Tram, 6.0),
            "{id}"
        );
    }
    // A headway of 0 is bad input naming the line.
    std::fs::write(
        d.join("frequencies.txt"),
        "trip_id,start_time,end_time,headway_secs\nf1,08:00:00,10:00:00,0\n",
    )
    .unwrap();
    let e = read_feed(d).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(
        e.to_string().contains("frequencies.txt") && e.to_string().contains("line 2"),
        "{e}"
    );
}

/// A zip without a feed's files (here one text file) is asked for its members without a crash:
/// a missing member once closed a null GDAL handle (SIGSEGV).
#[test]
fn a_zip_that_is_not_a_feed_is_refused_without_a_crash() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("readme.txt"), "not a feed\n").unwrap();
    let zip = tmp.path().join("delivery.zip");
    let status = std::process::Command::new("python3")
        .args(["-m", "zipfile", "-c"])
        .arg(&zip)
        .arg("readme.txt")
        .current_dir(tmp.path())
        .status()
        .unwrap();
    assert!(status.success());
    let r = common::cpgis(&["inspect", zip.to_str().unwrap()]);
    assert!(
        matches!(r.code, 1 | 2),
        "exit {} (a signal is a crash): {}",
        r.code,
        r.stderr
    );
    assert!(r.stderr.contains("delivery.zip"), "{}", r.stderr);
    let feed = read_feed(&zip).unwrap_err();
    assert!(feed.to_string().contains("trips.txt"), "{feed}");
}

/// `[stops] gtfs_date` names the day: Tuesday 9 January, when WK was removed, leaves the one
/// BUS trip (08:20 at A, 1 per hour); a Saturday without service, or 30 February, is refused.
#[test]
fn a_service_day_named_in_the_site_file_is_used_and_checked() {
    let tmp = tempfile::tempdir().unwrap();
    write_varied_feed(&tmp.path().join("feed"), true);
    let site_for = |date: &str| {
        write_site(
            tmp.path(),
            &common::kamppi_site_with(&format!(
                "[stops]\ngtfs = \"feed\"\ngtfs_date = \"{date}\"\n"
            )),
        )
    };
    let out = tmp.path().join("out");
    let run = common::cpgis_site("estimate", &site_for("2024-01-09"), &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let stops = geojson_features(&out.join("stops.geojson"));
    assert_eq!(stops.len(), 1);
    assert_eq!(stops[0]["properties"]["routes"], "B:1");
    assert!(
        run.stdout
            .contains("Tuesday 2024-01-09, the day the site file's stops.gtfs_date names (1 trips"),
        "{}",
        run.stdout
    );
    let saturday = common::cpgis_site("estimate", &site_for("2024-01-13"), &out);
    assert_bad_input(
        &saturday,
        &["no trip runs on Saturday 2024-01-13", "gtfs_date"],
    );
    let no_day = common::cpgis_site("estimate", &site_for("2024-02-30"), &out);
    assert_eq!(no_day.code, 2, "{}", no_day.stderr);
    assert!(
        no_day.stderr.contains("2024-02-30") || no_day.stderr.contains("20240230"),
        "{}",
        no_day.stderr
    );
}
