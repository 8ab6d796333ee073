//! Helpers shared by the black-box tests: paths to fixtures, running the real binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Absolute path of a file under `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// The stages of a `run`, in order, as `--verbose` and `bench` name them.
pub const STAGES: [&str; 8] = [
    "load",
    "profile",
    "estimate",
    "aggregate",
    "community",
    "offsets",
    "balance",
    "write",
];

/// Output of one run of the `cpgis` binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the `cpgis` binary with arguments.
pub fn cpgis(args: &[&str]) -> Run {
    cpgis_env(args, &[])
}

/// [`cpgis`] with extra environment variables.
pub fn cpgis_env(args: &[&str], envs: &[(&str, &str)]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_cpgis"))
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .expect("the cpgis binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The text of a fixture's site file with its layer paths made absolute, ready to be edited
/// and written elsewhere with [`write_site`].
pub fn fixture_site_text(folder: &str, file: &str) -> String {
    let dir = fixture(folder);
    std::fs::read_to_string(dir.join(file))
        .unwrap()
        .replace("path = \"", &format!("path = \"{}/", dir.display()))
}

/// Runs `cpgis COMMAND SITE -o OUT` (`estimate` or `run`).
pub fn cpgis_site(command: &str, site: &Path, out: &Path) -> Run {
    cpgis(&[command, site.to_str().unwrap(), "-o", out.to_str().unwrap()])
}

/// `cpgis run SITE -o OUT -q` with `extra` arguments, which must succeed.
pub fn run_quietly(site: &Path, out: &Path, extra: &[&str]) -> Run {
    let args = [
        "run",
        site.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
    ];
    let r = cpgis(&[&args[..], extra].concat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    r
}

/// The notes of a run's `summary.json`, as text.
pub fn notes(summary: &serde_json::Value) -> Vec<&str> {
    summary["notes"]
        .as_array()
        .expect("summary.json has notes")
        .iter()
        .map(|n| n.as_str().expect("a note is text"))
        .collect()
}

/// `cpgis inspect --json PATH`, parsed; panics with stderr if it fails.
pub fn inspect_json(path: &Path) -> serde_json::Value {
    let run = cpgis(&["inspect", "--json", path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "inspect failed: {}", run.stderr);
    serde_json::from_str(&run.stdout).expect("inspect --json prints JSON")
}

/// Reads a GeoJSON file with serde_json: the independent view of the data the tests compare with.
pub fn geojson_features(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["features"].as_array().unwrap().clone()
}

/// Writes a site file into `dir` and returns its path.
pub fn write_site(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("site.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The smallest Kamppi site file (district and 2024 buildings, absolute paths) followed by `extra`.
pub fn kamppi_site_with(extra: &str) -> String {
    let k = fixture("kamppi");
    format!(
        "[district]\npath = \"{k}/kamppi_district_boundary.geojson\"\n[buildings]\npath = \"{k}/buildings.geojson\"\n{extra}",
        k = k.display()
    )
}

/// Asserts that a run failed as bad input (exit code 2) and that stderr holds every phrase.
pub fn assert_bad_input(run: &Run, phrases: &[&str]) {
    assert_eq!(run.code, 2, "{}", run.stderr);
    for phrase in phrases {
        assert!(
            run.stderr.contains(phrase),
            "missing `{phrase}` in:\n{}",
            run.stderr
        );
    }
}

/// The rows of a CSV file as Python's csv module reads it (a reader that is not ours), each a
/// map from column to text.
pub fn read_csv(path: &Path) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg("import csv,json,sys; print(json.dumps(list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))))")
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    rows.into_iter()
        .map(|r| r.as_object().unwrap().clone())
        .collect()
}

/// From an `estimate` or `run` output folder: the summary's `electricity_grid` block, the
/// district buildings' baseline electricity (kWh/yr, summed from `buildings.geojson`) and the
/// district's baseline energy emissions (t CO2e/yr) — what a change of grid factor moves.
pub fn grid_electricity_energy(out: &Path) -> (serde_json::Value, f64, f64) {
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(out.join(name)).unwrap()).unwrap()
    };
    let s = read("summary.json");
    let kwh: f64 = read("buildings.geojson")["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["in_district"].as_bool() != Some(false))
        .map(|f| {
            f["properties"]["baseline_electricity_kwh_yr"]
                .as_f64()
                .unwrap()
        })
        .sum();
    let energy_t = s["totals"]["district"]["co2e_t_yr"]["baseline"]["energy"]
        .as_f64()
        .unwrap();
    (s["electricity_grid"].clone(), kwh, energy_t)
}
