//! Golden outputs: every fixture is run through the real binary and every file it writes is
//! compared byte for byte with the one committed under `tests/golden/<case>/` (gzipped; the
//! GeoPackage too, for the cases written with `--format both`). A refactoring that changes one
//! byte of one output fails here, naming the file and the first line that differs.
//!
//! To accept new outputs on purpose: `scripts/bless` (runs this test with `CPGIS_BLESS=1`,
//! which rewrites the golden files), then review `git diff --stat tests/golden` and commit.
//!
//! Every GeoJSON output is also parsed with the `geojson` crate and checked against RFC 7946:
//! a FeatureCollection with no `crs` member, 2D positions, longitude and latitude in range,
//! exterior rings counter-clockwise and holes clockwise, closed rings of four or more positions.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The cases: a name, the site file (relative to the repository, so `summary.json` holds
/// relative paths), and whether the GeoPackage is written and compared too.
const CASES: [(&str, &str, bool); 6] = [
    ("kamppi", "fixtures/kamppi/site.toml", true),
    ("cea-zug", "fixtures/cea-zug/site.toml", true),
    (
        "cea-zug-shapefile",
        "fixtures/cea-zug/site_shapefile.toml",
        true,
    ),
    ("liechtenstein", "fixtures/liechtenstein/site.toml", false),
    ("urbanopt", "fixtures/urbanopt/site.toml", true),
    ("benchmarking", "fixtures/benchmarking/site.toml", false),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn golden_dir(case: &str) -> PathBuf {
    root().join("tests/golden").join(case)
}

fn blessing() -> bool {
    std::env::var_os("CPGIS_BLESS").is_some_and(|v| v == "1")
}

fn gunzip(path: &Path) -> Vec<u8> {
    let file = std::fs::File::open(path)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/bless to create it)", path.display()));
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn gzip(path: &Path, bytes: &[u8]) {
    let file = std::fs::File::create(path).unwrap();
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::best());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap();
}

/// Where two outputs first differ, as a line number and both lines (shortened).
fn first_difference(want: &[u8], got: &[u8]) -> String {
    let at = want
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(want.len().min(got.len()));
    let line = want[..at].iter().filter(|b| **b == b'\n').count() + 1;
    let show = |bytes: &[u8]| {
        let start = bytes[..at.min(bytes.len())]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let text = String::from_utf8_lossy(&bytes[start..]);
        let line = text.lines().next().unwrap_or("").to_string();
        line.chars().take(200).collect::<String>()
    };
    format!(
        "first difference at byte {at}, line {line} ({} bytes expected, {} written)\n  expected: {}\n  written:  {}",
        want.len(),
        got.len(),
        show(want),
        show(got)
    )
}

/// Runs one case and compares (or, blessing, stores) every output.
fn check_case(case: &str, site: &str, gpkg: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let format = if gpkg { "both" } else { "geojson" };
    let status = Command::new(env!("CARGO_BIN_EXE_cpgis"))
        .current_dir(root())
        .args(["run", site, "-o"])
        .arg(&out)
        .args(["--format", format, "-q"])
        .output()
        .expect("the cpgis binary runs");
    assert!(
        status.status.success(),
        "{case}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let mut written: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    let dir = golden_dir(case);
    if blessing() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for name in &written {
            gzip(
                &dir.join(format!("{name}.gz")),
                &std::fs::read(out.join(name)).unwrap(),
            );
        }
        return;
    }
    let mut expected: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/bless)", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".gz").map(str::to_string))
        .collect();
    expected.sort();
    assert_eq!(written, expected, "{case}: the files written");
    let mut differ = Vec::new();
    for name in &written {
        let want = gunzip(&dir.join(format!("{name}.gz")));
        let got = std::fs::read(out.join(name)).unwrap();
        if want != got {
            differ.push(format!("{case}/{name}: {}", first_difference(&want, &got)));
        }
    }
    assert!(
        differ.is_empty(),
        "outputs differ from tests/golden (scripts/bless accepts them on purpose):\n{}",
        differ.join("\n")
    );
    for name in written.iter().filter(|n| n.ends_with(".geojson")) {
        check_rfc7946(&out.join(name));
    }
}

/// Twice the signed area of a ring (shoelace): positive when counter-clockwise.
fn signed_area2(ring: &[geojson::Position]) -> f64 {
    ring.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum()
}

fn check_position(file: &str, p: &geojson::Position) {
    assert_eq!(p.len(), 2, "{file}: a position with {} values", p.len());
    assert!(
        (-180.0..=180.0).contains(&p[0]) && (-90.0..=90.0).contains(&p[1]),
        "{file}: position {p:?} is not longitude, latitude"
    );
}

fn check_polygon(file: &str, rings: &[Vec<geojson::Position>]) {
    for (i, ring) in rings.iter().enumerate() {
        assert!(
            ring.len() >= 4,
            "{file}: a ring of {} positions",
            ring.len()
        );
        assert_eq!(ring.first(), ring.last(), "{file}: an open ring");
        ring.iter().for_each(|p| check_position(file, p));
        let a = signed_area2(ring);
        if i == 0 {
            assert!(a > 0.0, "{file}: an exterior ring is clockwise ({a})");
        } else {
            assert!(a < 0.0, "{file}: a hole is counter-clockwise ({a})");
        }
    }
}

fn check_geometry(file: &str, g: &geojson::Geometry) {
    use geojson::GeometryValue as V;
    match &g.value {
        V::Point { coordinates } => check_position(file, coordinates),
        V::MultiPoint { coordinates } | V::LineString { coordinates } => {
            coordinates.iter().for_each(|p| check_position(file, p))
        }
        V::MultiLineString { coordinates } => coordinates
            .iter()
            .flatten()
            .for_each(|p| check_position(file, p)),
        V::Polygon { coordinates } => check_polygon(file, coordinates),
        V::MultiPolygon { coordinates } => coordinates.iter().for_each(|p| check_polygon(file, p)),
        V::GeometryCollection { geometries } => {
            geometries.iter().for_each(|g| check_geometry(file, g))
        }
    }
}

/// Parses a GeoJSON file with the `geojson` crate and checks RFC 7946's rules.
fn check_rfc7946(path: &Path) {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(
        json.get("crs").is_none(),
        "{file}: a `crs` member (RFC 7946 §4 has none)"
    );
    let fc: geojson::FeatureCollection = text
        .parse::<geojson::GeoJson>()
        .unwrap_or_else(|e| panic!("{file}: not GeoJSON: {e}"))
        .try_into()
        .unwrap_or_else(|e| panic!("{file}: not a FeatureCollection: {e}"));
    for f in &fc.features {
        if let Some(g) = &f.geometry {
            check_geometry(&file, g);
        }
    }
}

#[test]
fn kamppi_outputs_are_the_golden_ones() {
    let (c, s, g) = CASES[0];
    check_case(c, s, g);
}

#[test]
fn cea_zug_outputs_are_the_golden_ones() {
    let (c, s, g) = CASES[1];
    check_case(c, s, g);
}

#[test]
fn cea_zug_shapefile_outputs_are_the_golden_ones() {
    let (c, s, g) = CASES[2];
    check_case(c, s, g);
}

#[test]
fn liechtenstein_outputs_are_the_golden_ones() {
    let (c, s, g) = CASES[3];
    check_case(c, s, g);
}

#[test]
fn urbanopt_outputs_are_the_golden_ones() {
    let (c, s, g) = CASES[4];
    check_case(c, s, g);
}

#[test]
fn benchmarking_outputs_are_the_golden_ones() {
    let (c, s, g) = CASES[5];
    check_case(c, s, g);
}

/// The checker itself: a clockwise exterior ring and a `crs` member are caught.
#[test]
fn the_rfc7946_check_catches_a_clockwise_ring_and_a_crs_member() {
    let tmp = tempfile::tempdir().unwrap();
    let cw = tmp.path().join("cw.geojson");
    std::fs::write(
        &cw,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[0,1],[1,1],[0,0]]]}}]}"#,
    )
    .unwrap();
    assert!(std::panic::catch_unwind(|| check_rfc7946(&cw)).is_err());
    let crs = tmp.path().join("crs.geojson");
    std::fs::write(
        &crs,
        r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:4326"}},"features":[]}"#,
    )
    .unwrap();
    assert!(std::panic::catch_unwind(|| check_rfc7946(&crs)).is_err());
    let ccw = tmp.path().join("ccw.geojson");
    std::fs::write(
        &ccw,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#,
    )
    .unwrap();
    check_rfc7946(&ccw);
}
