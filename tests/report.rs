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
    // One script, inline, ours: the maps' pan and zoom, allowed by its hash and nothing else.
    assert_eq!(html.matches("<script").count(), 1);
    let script = html
        .split("<script>")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .unwrap();
    let hash = Command::new("python3")
        .arg("-c")
        .arg("import base64,hashlib,sys; print(base64.b64encode(hashlib.sha256(sys.stdin.buffer.read()).digest()).decode())")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(script.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    let hash = String::from_utf8_lossy(&hash.stdout).trim().to_string();
    assert!(
        html.contains(&format!("script-src 'sha256-{hash}'")),
        "the CSP does not allow the script's hash {hash}"
    );
    // Nothing to fetch: no attribute pointing at a network address.
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
        "net-range",
        "on-site-range",
        "chart-tornado",
    ] {
        assert!(dom.contains(&format!("id=\"{id}\"")), "missing #{id}");
    }
    // The source tags are explained where they are used; sentences from the terminal take the
    // report's number format (2989.2 → 2 989).
    assert!(dom.contains("<b>[V]</b> the value was read in the source named"));
    // The neighbourhoods the maps show are outlined and named (Kamppi's map reaches Keskinen).
    assert!(dom.contains("<title>neighbourhood Keskinen</title>"));
    assert!(dom.contains(r#"class="nb-label">Keskinen</text>"#));
    assert!(
        !dom.contains("2490.6") && dom.contains("2\u{2009}491"),
        "a terminal number format in the report"
    );
    // Kamppi's proposed design: the ring's credits just exceed its residual, short of the
    // target with its margin, and the report says both.
    assert!(
        dom.contains("Climate positive: net -75.0 t CO2e per year")
            && dom.contains("climate positive, target not met"),
        "the verdict is shown"
    );
    // Zone numbers on the zone map: one label per zone.
    let zones = common::geojson_features(&out.join("offset_zones.geojson")).len();
    assert_eq!(dom.matches("class=\"zone-label\"").count(), zones);
}

/// The balance chart (its SVG up to `</svg>`) of Zug's report.
fn zug_balance_chart() -> String {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = common::cpgis_site("run", &fixture("cea-zug/site.toml"), &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let chart = &html[html.find("id=\"chart-balance\"").unwrap()..];
    chart[..chart.find("</svg>").unwrap()].to_string()
}

/// The first number after `key` in `text` (up to the closing quote).
fn number_after(text: &str, key: &str) -> f64 {
    let rest = &text[text.find(key).unwrap_or_else(|| panic!("no {key}")) + key.len()..];
    rest[..rest.find('"').unwrap()].parse().unwrap()
}

#[test]
fn the_nets_value_stands_clear_of_its_error_bar() {
    let chart = zug_balance_chart();
    let chart = chart.as_str();
    // The whisker at the 95th percentile: the range's first line runs from p5 (y1) to p95 (y2).
    let range = &chart[chart.find("id=\"net-range\"").unwrap()..];
    let p95_y = number_after(range, "y2=\"");
    // The net's value: the fifth bar's value label.
    let (at, _) = chart.match_indices("class=\"value\"").nth(4).unwrap();
    let start = chart[..at].rfind("<text").unwrap();
    let text_y = number_after(&chart[start..at], " y=\"");
    // Zug's net is −324 t with p95 at 177 t: the whisker rises above the bar's top, so the label
    // must sit above the whisker (smaller y), not on it.
    assert!(
        text_y < p95_y,
        "net label at y {text_y}, whisker at y {p95_y}"
    );
}

#[test]
fn the_targets_label_stands_clear_of_the_credits_and_the_net() {
    let chart = zug_balance_chart();
    let chart = chart.as_str();
    // The label is right-aligned (its x is its right edge); the credits' and the net's bars are
    // the fourth and fifth rectangles. Zug's net (−324 t) lies near its target (−257 t), where
    // the label had crossed the net's bar.
    let target = &chart[chart.find("id=\"target-line\"").unwrap()..];
    let text = &target[target.find("<text").unwrap()..];
    assert!(text.contains("text-anchor=\"end\""), "{text}");
    let label_right = number_after(text, " x=\"");
    let rects: Vec<f64> = chart
        .match_indices("<rect")
        .map(|(at, _)| number_after(&chart[at..], " x=\""))
        .collect();
    assert_eq!(rects.len(), 5, "{rects:?}");
    assert!(
        label_right < rects[3] && label_right < rects[4],
        "label ends at x {label_right}, credits bar at {}, net bar at {}",
        rects[3],
        rects[4]
    );
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
    // Chromium prints on Letter by default; a copy asks for A4 as a printer set to A4 would.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let a4 = out.join("report-a4.html");
    std::fs::write(
        &a4,
        html.replacen("</head>", "<style>@page{size:A4}</style></head>", 1),
    )
    .unwrap();
    for (page, size) in [("report.html", "(letter)"), ("report-a4.html", "(A4)")] {
        let pdf = tmp.path().join(format!("{page}.pdf"));
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
            .arg(format!("file://{}", out.join(page).display()))
            .output()
            .unwrap();
        assert!(
            o.status.success() && pdf.exists(),
            "chromium could not print"
        );
        let info = Command::new("pdfinfo").arg(&pdf).output().unwrap();
        let info = String::from_utf8_lossy(&info.stdout);
        let paper = info
            .lines()
            .find(|l| l.starts_with("Page size:"))
            .unwrap_or("");
        assert!(paper.ends_with(size), "{paper}");
        check_map_pages(&pdf);
    }
}

/// Every map's page starts with its title and holds its legend; no page ends with a title.
fn check_map_pages(pdf: &Path) {
    let page_text = |p: usize| -> Option<String> {
        let o = Command::new("pdftotext")
            .args(["-f", &p.to_string(), "-l", &p.to_string(), "-layout"])
            .arg(pdf)
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

/// The maps pan and zoom in a real browser: Chromium loads the report in a frame, a wheel event
/// over the emissions map narrows its viewBox, a drag moves it, and a click on a building shows
/// that building's figures below the map.
#[test]
fn the_maps_pan_zoom_and_show_a_buildings_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = common::cpgis_site("run", &fixture("kamppi/site.toml"), &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let harness = out.join("harness.html");
    std::fs::write(
        &harness,
        r#"<!DOCTYPE html><html><body><pre id="out">pending</pre><iframe id="f" src="report.html" style="width:1000px;height:4000px"></iframe><script>
document.getElementById('f').addEventListener('load', function () {
  var d = this.contentDocument, w = this.contentWindow;
  var svg = d.getElementById('map-emissions');
  var before = svg.getAttribute('viewBox');
  var r = svg.getBoundingClientRect(), cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  svg.dispatchEvent(new w.WheelEvent('wheel', {deltaY: -100, clientX: cx, clientY: cy, bubbles: true, cancelable: true}));
  var zoomed = svg.getAttribute('viewBox');
  svg.dispatchEvent(new w.MouseEvent('mousedown', {clientX: cx, clientY: cy, bubbles: true}));
  w.dispatchEvent(new w.MouseEvent('mousemove', {clientX: cx + 50, clientY: cy + 20, bubbles: true}));
  w.dispatchEvent(new w.MouseEvent('mouseup', {clientX: cx + 50, clientY: cy + 20, bubbles: true}));
  var panned = svg.getAttribute('viewBox');
  var path = svg.querySelector('path > title').parentNode;
  path.dispatchEvent(new w.MouseEvent('mousedown', {clientX: 1, clientY: 1, bubbles: true}));
  w.dispatchEvent(new w.MouseEvent('mouseup', {clientX: 1, clientY: 1, bubbles: true}));
  path.dispatchEvent(new w.MouseEvent('click', {bubbles: true}));
  document.getElementById('out').textContent = JSON.stringify({
    before: before, zoomed: zoomed, panned: panned,
    info: d.getElementById('map-emissions-info').textContent,
    title: path.querySelector('title').textContent});
});
</script></body></html>"#,
    )
    .unwrap();
    let o = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--allow-file-access-from-files",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!(
            "--user-data-dir={}",
            tmp.path().join("profile").display()
        ))
        .arg(format!("file://{}", harness.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&o.stdout);
    let json = dom
        .split("<pre id=\"out\">")
        .nth(1)
        .and_then(|s| s.split("</pre>").next())
        .unwrap_or("")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let v: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let nums = |k: &str| -> Vec<f64> {
        v[k].as_str()
            .unwrap()
            .split_whitespace()
            .map(|x| x.parse().unwrap())
            .collect()
    };
    let (before, zoomed, panned) = (nums("before"), nums("zoomed"), nums("panned"));
    // One wheel step in: the view 0.8 as wide and high.
    assert!(
        (zoomed[2] - 0.8 * before[2]).abs() < 0.05,
        "{before:?} → {zoomed:?}"
    );
    assert!(
        (zoomed[3] - 0.8 * before[3]).abs() < 0.05,
        "{before:?} → {zoomed:?}"
    );
    // The drag right and down moves the view left and up, its size kept.
    assert!(
        panned[0] < zoomed[0] && panned[1] < zoomed[1],
        "{zoomed:?} → {panned:?}"
    );
    assert_eq!((panned[2], panned[3]), (zoomed[2], zoomed[3]));
    // The click shows the building's figures: id, use, floor area, t CO2e by sector.
    let info = v["info"].as_str().unwrap();
    assert_eq!(info, v["title"].as_str().unwrap());
    assert!(
        info.contains("m² · baseline energy") && info.contains("t CO2e/yr"),
        "{info}"
    );
}

/// On a terminal each finished stage shows its time once: `✓ load (0.04 s)`, not the running
/// spinner's elapsed counter beside it as well ("(0.60 s)" and "1s" had both shown). The
/// terminal is `script`'s pseudo-terminal (util-linux, in every Debian).
#[test]
fn a_finished_stage_shows_its_time_once_on_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_cpgis");
    let command = format!(
        "{bin} estimate {} -o {}",
        fixture("urbanopt/site.toml").display(),
        tmp.path().join("out").display()
    );
    let o = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    for stage in ["load", "profile", "estimate", "aggregate"] {
        let marker = format!("✓ {stage} (");
        let at = text
            .find(&marker)
            .unwrap_or_else(|| panic!("no finished `{stage}` line in {text:?}"));
        let rest = &text[at + marker.len()..];
        let close = rest.find(')').unwrap();
        let time = &rest[..close];
        assert!(
            time.ends_with(" s") && time.trim_end_matches(" s").parse::<f64>().is_ok(),
            "{time:?}"
        );
        // After the time, padding only, then the next stage's spinner or the end: no counter.
        let after = rest[close + 1..].trim_start_matches(' ');
        assert!(
            !after.starts_with(|c: char| c.is_ascii_digit()),
            "`{stage}`: a second time after its own: {:?}",
            &after[..after.len().min(20)]
        );
    }
}
