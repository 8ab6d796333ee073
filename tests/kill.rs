//! Nothing lost: a run killed with SIGKILL while it writes its outputs leaves every file under a
//! final name either as the previous run wrote it or as the new run completes it, never half
//! written; a later run cleans up the temporary files the killed one left.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::fixture;

/// Files under their final names (not hidden) with their bytes.
fn finals(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| {
            !e.file_name().to_string_lossy().starts_with('.') && e.file_type().unwrap().is_file()
        })
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// The inode of every file under a final name: a rename onto a name changes it.
fn inodes(dir: &Path) -> BTreeMap<String, u64> {
    use std::os::unix::fs::MetadataExt;
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(|e| {
            Some((
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().ok()?.ino(),
            ))
        })
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for (name, bytes) in finals(from) {
        std::fs::write(to.join(name), bytes).unwrap();
    }
}

fn cpgis() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cpgis"))
}

/// A whole `cpgis run SITE -o OUT FLAG`, which must succeed; its stderr.
fn run_whole(site: &Path, out: &Path, flag: &str) -> String {
    let ok = common::cpgis(&[
        "run",
        site.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        flag,
    ]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    ok.stderr
}

#[test]
fn a_run_killed_while_writing_leaves_old_or_whole_new_files_only() {
    let tmp = tempfile::tempdir().unwrap();
    // The previous outputs: Liechtenstein as its site file says.
    let old = tmp.path().join("old");
    let site = fixture("liechtenstein/site.toml");
    run_whole(&site, &old, "-q");
    // The new outputs, complete: the same case with another grid factor (every layer differs).
    let text = common::fixture_site_text("liechtenstein", "site.toml")
        + "\n[factors]\ncarriers.electricity = 0.3\n";
    let new_site = common::write_site(tmp.path(), &text);
    let new = tmp.path().join("new");
    let started = Instant::now();
    let timings = run_whole(&new_site, &new, "--verbose");
    let wall = started.elapsed().as_secs_f64();
    let (old_files, new_files) = (finals(&old), finals(&new));
    assert_eq!(
        old_files.keys().collect::<Vec<_>>(),
        new_files.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &old_files {
        if name != "summary.json" && name != "report.html" {
            assert!(
                bytes != &new_files[name],
                "{name} should differ between the runs"
            );
        }
    }
    // When the writing starts and how long it takes, from the stage timings.
    let secs = |stage: &str| -> f64 {
        timings
            .lines()
            .find(|l| l.starts_with(stage))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    let before_write = secs("total") - secs("write");
    // The writing happens somewhere between `before_write` and the whole run's wall time (the
    // stage timings leave out the process starting and ending).
    let window = (wall - before_write).max(0.01);

    let out = tmp.path().join("out");
    // Kills at eight moments of that window, then (up to three times) a kill as soon as the
    // first file is replaced (a new inode under its name), which lands between two files
    // however fast or slow this run is.
    let mut saw_mixed = false;
    for k in 1..=11 {
        if saw_mixed && k > 8 {
            break;
        }
        copy_dir(&old, &out);
        let before = inodes(&out);
        let at = Duration::from_secs_f64(before_write + window * (k as f64) / 8.0);
        let mut child = cpgis()
            .arg("run")
            .arg(&new_site)
            .arg("-o")
            .arg(&out)
            .arg("-q")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        loop {
            let due = if k <= 8 {
                start.elapsed() >= at
            } else {
                inodes(&out) != before
            };
            if due || child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let now = finals(&out);
        assert_eq!(
            now.keys().collect::<Vec<_>>(),
            old_files.keys().collect::<Vec<_>>(),
            "kill {k}: files appeared or vanished"
        );
        let (mut from_old, mut from_new) = (0, 0);
        for (name, bytes) in &now {
            if bytes == &old_files[name] {
                from_old += 1;
            } else if bytes == &new_files[name] {
                from_new += 1;
            } else {
                panic!("kill {k}: {name} is neither the old nor the new file: a partial write");
            }
        }
        saw_mixed |= from_old > 0 && from_new > 0;
    }
    assert!(
        saw_mixed,
        "no kill landed while the files were being replaced; the test proved nothing"
    );
    // A complete run afterwards leaves no temporary file of the killed ones.
    run_whole(&new_site, &out, "-q");
    let hidden: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "left behind: {hidden:?}");
    assert_eq!(finals(&out), new_files);
}
