//! The malformed and hostile input corpus under `tests/bad/`: each case is a folder with a
//! `site.toml`, its (broken) layer files and an `expect.toml` naming the exit code and the
//! phrases the error (on stderr) or the summary (for a warning with the feature skipped and
//! counted) must hold. Every case must end in time, without a panic.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// No case may take longer than this (a hang is a failure).
const LIMIT: Duration = Duration::from_secs(60);

/// Copies a case folder, making the paths to the shared fixtures absolute.
fn copy_case(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_case(&e.path(), &target);
        } else if e.file_name() == "site.toml" {
            let bytes = std::fs::read(e.path()).unwrap();
            let fixtures = common::fixture("").display().to_string();
            let text = String::from_utf8_lossy(&bytes).replace("../../../fixtures/", &fixtures);
            // Keep non-UTF-8 site files as they are.
            let out = if std::str::from_utf8(&bytes).is_ok() {
                text.into_bytes()
            } else {
                bytes
            };
            std::fs::write(target, out).unwrap();
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

struct Expect {
    exit: i32,
    stderr: Vec<String>,
    summary: Vec<String>,
    setup: Option<String>,
}

fn expect(dir: &Path) -> Expect {
    let t: toml::Table = std::fs::read_to_string(dir.join("expect.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let list = |k: &str| -> Vec<String> {
        t.get(k)
            .and_then(|v| v.as_array())
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    Expect {
        exit: t["exit"].as_integer().unwrap() as i32,
        stderr: list("stderr"),
        summary: list("summary"),
        setup: t.get("setup").and_then(|v| v.as_str()).map(str::to_string),
    }
}

/// Runs one case; returns what went wrong, if anything.
fn run_case(case: &Path) -> Result<(), String> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("case");
    copy_case(case, &dir);
    std::fs::create_dir_all(&dir).unwrap();
    let e = expect(case);
    let mut out: PathBuf = tmp.path().join("out");
    match e.setup.as_deref() {
        Some("out_is_case") => out = dir.clone(),
        Some(s) if s.starts_with("mkfifo:") => {
            let status = Command::new("mkfifo")
                .arg(dir.join(&s[7..]))
                .status()
                .unwrap();
            assert!(status.success());
        }
        Some(s) if s.starts_with("symlink-loop:") => {
            let link = dir.join(&s["symlink-loop:".len()..]);
            std::os::unix::fs::symlink(&link, &link).unwrap();
        }
        Some(s) if s.starts_with("symlink:") => {
            // `symlink:NAME=TARGET`: NAME in the case folder links to TARGET (e.g. /dev/zero).
            let (name, target) = s["symlink:".len()..].split_once('=').unwrap();
            std::os::unix::fs::symlink(target, dir.join(name)).unwrap();
        }
        Some("out_is_file") => std::fs::write(&out, b"a file, not a folder").unwrap(),
        Some(other) => return Err(format!("unknown setup {other}")),
        None => {}
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_cpgis"))
        .arg("run")
        .arg(dir.join("site.toml"))
        .arg("-o")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            return Err(format!("did not finish in {} s", LIMIT.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    if stderr.contains("panicked") {
        return Err(format!("panicked: {stderr}"));
    }
    let code = status.code().unwrap_or(-1);
    if code != e.exit {
        return Err(format!("exit code {code}, expected {}: {stderr}", e.exit));
    }
    for p in &e.stderr {
        if !stderr.contains(p.as_str()) {
            return Err(format!("stderr lacks `{p}`: {stderr}"));
        }
    }
    if !e.summary.is_empty() {
        let summary = std::fs::read_to_string(out.join("summary.json"))
            .map_err(|x| format!("no summary.json: {x}"))?;
        for p in &e.summary {
            if !summary.contains(p.as_str()) {
                return Err(format!("summary.json lacks `{p}`"));
            }
        }
    }
    Ok(())
}

#[test]
fn every_case_of_the_bad_input_corpus_ends_as_expected() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expect.toml").exists())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 90,
        "the corpus holds {} cases, fewer than 90",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(why) = run_case(case) {
            failures.push(format!(
                "{}: {why}",
                case.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    println!(
        "bad-input corpus: {} cases, {} passed",
        cases.len(),
        cases.len() - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
