//! The report a person reads: `report.html` rendered by a real browser (headless Chromium, which
//! `scripts/test` installs), the GeoPackage export checked with `ogrinfo`, `cpgis demo`, and
//! progress output that stays off a non-terminal.

mod common;

use std::path::Path;
use std::process::Command;

use common::{cpgis, fixture};

/// Headless Chromium: the binary Debian installs.
fn chromium() -> &'static str {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return name;
        }
    }
    panic!("headless Chromium is needed for this test: `apt-get install chromium` (scripts/test installs it)");
}

#[test]
fn the_report_loads_in_chromium_without_console_errors_or_requests() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = common::cpgis_site("run", &fixture("kamppi/site.toml"), &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = out.join("report.html");
    let html = std::fs::read_to_string(&report).unwrap();
    // Nothing to fetch: no script, and no attribute pointing at a network address.
    assert!(!html.contains("<script"), "the report carries no script");
    for attr in ["src=\"http", "href=\"http", "url(http", "@import"] {
        assert!(
            !html.contains(attr),
            "the report refers to the network: {attr}"
        );
    }
    let profile = tmp.path().join("chromium-profile");
    let o = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            // Any name lookup fails: a request could not leave the machine even if one were made.
            "--host-resolver-rules=MAP * ~NOTFOUND",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", report.display()))
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let dom = String::from_utf8_lossy(&o.stdout);
    let log = String::from_utf8_lossy(&o.stderr);
    // Console messages (errors, blocked requests under the page's Content-Security-Policy)
    // appear in Chromium's log as `INFO:CONSOLE`.
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
    // The page as the browser built it: the balance, its chart and every map.
    for id in [
        "chart-balance",
        "chart-sectors",
        "ledger",
        "map-emissions",
        "map-grid",
        "map-access",
        "map-zones",
        "zone-table",
        "quality-table",
        "assumption-table",
        "target-line",
    ] {
        assert!(dom.contains(&format!("id=\"{id}\"")), "missing #{id}");
    }
    // The source tags are explained where they are used; sentences from the terminal take the
    // report's number format (2989.2 → 2 989).
    assert!(dom.contains("<b>[V]</b> the value was read in the source named"));
    assert!(
        !dom.contains("2989.2"),
        "a terminal number format in the report"
    );
    // Kamppi's proposed design falls short once its workers' and visitors' trips count.
    assert!(
        dom.contains("Not climate positive: net "),
        "the verdict is shown"
    );
    // Zone numbers on the zone map: one label per zone.
    let zones = common::geojson_features(&out.join("offset_zones.geojson")).len();
    assert_eq!(dom.matches("class=\"zone-label\"").count(), zones);
}

#[test]
fn the_report_is_the_same_bytes_for_the_same_input() {
    let tmp = tempfile::tempdir().unwrap();
    for d in ["a", "b"] {
        let r = common::cpgis_site("run", &fixture("cea-zug/site.toml"), &tmp.path().join(d));
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let read = |d: &str, f: &str| std::fs::read(tmp.path().join(d).join(f)).unwrap();
    assert!(read("a", "report.html") == read("b", "report.html"));
}

/// Feature count of a layer as `ogrinfo -so` reports it.
fn ogrinfo_count(file: &Path, layer: &str) -> usize {
    let o = Command::new("ogrinfo")
        .arg("-so")
        .arg(file)
        .arg(layer)
        .output()
        .expect("ogrinfo runs (gdal-bin)");
    let text = String::from_utf8_lossy(&o.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("Feature Count: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no feature count for {layer} in: {text}"))
}

#[test]
fn the_geopackage_holds_every_layer_with_the_geojson_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let r = cpgis(&[
        "run",
        fixture("kamppi/site.toml").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--format",
        "both",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let gpkg = out.join("cpgis.gpkg");
    let listing = Command::new("ogrinfo")
        .arg("-so")
        .arg(&gpkg)
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    for layer in [
        "buildings",
        "grid",
        "neighbourhoods",
        "community",
        "opportunities",
        "offset_zones",
    ] {
        assert!(
            listing.contains(&format!(": {layer} (")),
            "{layer} not listed:\n{listing}"
        );
        let geojson = out.join(format!("{layer}.geojson"));
        assert_eq!(
            ogrinfo_count(&gpkg, layer),
            ogrinfo_count(&geojson, layer),
            "{layer}"
        );
    }
    // GeoPackage only: no GeoJSON is left behind, and a second run writes the same bytes.
    let only = tmp.path().join("only");
    let run_gpkg = || {
        let r = cpgis(&[
            "run",
            fixture("cea-zug/site.toml").to_str().unwrap(),
            "-o",
            only.to_str().unwrap(),
            "--format",
            "gpkg",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        std::fs::read(only.join("cpgis.gpkg")).unwrap()
    };
    let (first, second) = (run_gpkg(), run_gpkg());
    assert!(first == second, "two runs wrote different GeoPackages");
    let mut names: Vec<String> = std::fs::read_dir(&only)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["cpgis.gpkg", "report.html", "summary.json"]);
}

#[test]
fn demo_runs_with_no_argument_and_says_where_the_report_is() {
    let tmp = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_cpgis"))
        .arg("demo")
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("open the report: cpgis-demo/report.html"),
        "{stdout}"
    );
    assert!(stdout.contains("Climate Positive balance"));
    assert!(tmp.path().join("cpgis-demo/report.html").exists());
    // Not a terminal: no progress bar on stderr.
    assert!(
        o.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn verbose_prints_the_time_of_every_stage() {
    let tmp = tempfile::tempdir().unwrap();
    let r = cpgis(&[
        "run",
        fixture("cea-zug/site.toml").to_str().unwrap(),
        "-o",
        tmp.path().to_str().unwrap(),
        "--verbose",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for stage in common::STAGES.iter().chain(&["total"]) {
        assert!(
            r.stderr
                .lines()
                .any(|l| l.starts_with(stage) && l.ends_with(" s")),
            "no {stage} timing in:\n{}",
            r.stderr
        );
    }
}

/// Printed by Chromium, every map starts its page with its title and keeps its legend on that
/// page (titles had ended a page and their maps started the next), and no page ends with a
/// map's title. Read page by page with pdftotext (`scripts/test` installs poppler-utils).
#[test]
fn printed_each_map_stays_on_one_page_with_its_title() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = common::cpgis_site("run", &fixture("kamppi/site.toml"), &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let pdf = tmp.path().join("report.pdf");
    let o = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
        ])
        .arg(format!(
            "--user-data-dir={}",
            tmp.path().join("profile").display()
        ))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", out.join("report.html").display()))
        .output()
        .unwrap();
    assert!(
        o.status.success() && pdf.exists(),
        "chromium could not print"
    );
    let page_text = |p: usize| -> Option<String> {
        let o = Command::new("pdftotext")
            .args(["-f", &p.to_string(), "-l", &p.to_string(), "-layout"])
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        let t = String::from_utf8_lossy(&o.stdout).into_owned();
        (o.status.success() && !t.trim().is_empty()).then_some(t)
    };
    let pages: Vec<String> = (1..=40).map_while(page_text).collect();
    assert!(pages.len() >= 5, "{} pages", pages.len());
    for (title, legend) in [
        (
            "Baseline emissions, t CO2e per year",
            "t CO2e/yr per building",
        ),
        (
            "Baseline emissions per hectare",
            "t CO2e per hectare and year",
        ),
        (
            "Transit access (PTAL band)",
            "PTAL band (white dots: stops)",
        ),
        (
            "Offset zones, numbered by rank",
            "Offset zones, numbered by rank",
        ),
    ] {
        let page = pages
            .iter()
            .find(|p| p.contains(title))
            .unwrap_or_else(|| panic!("no page holds `{title}`"));
        assert!(
            page.contains(legend),
            "`{title}` without `{legend}` on its page"
        );
        let last = page.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
        assert!(
            !last.contains(title),
            "a page ends with the title `{title}`"
        );
    }
}
