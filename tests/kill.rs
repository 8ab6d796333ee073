//! Nothing lost: a run killed with SIGKILL, or stopped by a full file system, leaves the output
//! folder holding exactly one complete generation (the previous run's files or the new run's,
//! never a mix and never half a file); a later run cleans up what the killed one left.

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

/// A whole `cpgis run SITE -o OUT FLAGS…`, which must succeed; its stderr.
fn run_whole(site: &Path, out: &Path, flags: &[&str]) -> String {
    let mut args = vec!["run", site.to_str().unwrap(), "-o", out.to_str().unwrap()];
    args.extend(flags);
    let ok = common::cpgis(&args);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    ok.stderr
}

#[test]
fn a_run_killed_at_any_moment_leaves_the_old_generation_or_the_new_one_whole() {
    let tmp = tempfile::tempdir().unwrap();
    // The previous outputs: Liechtenstein as its site file says, GeoJSON and GeoPackage.
    let old = tmp.path().join("old");
    let site = fixture("liechtenstein/site.toml");
    run_whole(&site, &old, &["-q", "--format", "both"]);
    // The new outputs, complete: the same case with another grid factor (every layer differs).
    let text = common::fixture_site_text("liechtenstein", "site.toml")
        + "\n[factors]\ncarriers.electricity = 0.3\n";
    let new_site = common::write_site(tmp.path(), &text);
    let new = tmp.path().join("new");
    let started = Instant::now();
    let timings = run_whole(&new_site, &new, &["--verbose", "--format", "both"]);
    let wall = started.elapsed().as_secs_f64();
    let (old_files, new_files) = (finals(&old), finals(&new));
    assert_eq!(old_files.len(), 10, "{:?}", old_files.keys());
    assert_eq!(
        old_files.keys().collect::<Vec<_>>(),
        new_files.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &old_files {
        // The stops do not depend on the grid factor.
        if !["summary.json", "report.html", "stops.geojson"].contains(&name.as_str()) {
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
    // Kills at ten moments of that window, then (up to three times) a kill as soon as the
    // new generation is being staged beside the folder, however fast or slow this run is.
    let (mut saw_old, mut saw_new, mut saw_staging) = (0, 0, 0);
    for k in 1..=13 {
        if saw_staging > 0 && k > 10 {
            break;
        }
        copy_dir(&old, &out);
        let at = Duration::from_secs_f64(before_write + window * (k as f64) / 10.0);
        let mut child = cpgis()
            .arg("run")
            .arg(&new_site)
            .arg("-o")
            .arg(&out)
            .args(["-q", "--format", "both"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let mut staging_seen;
        loop {
            staging_seen = staging_beside(&out);
            let due = if k <= 10 {
                start.elapsed() >= at
            } else {
                staging_seen
            };
            if due || child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        saw_staging += staging_seen as u32;
        let now = finals(&out);
        if now == old_files {
            saw_old += 1;
        } else if now == new_files {
            saw_new += 1;
        } else {
            let mixed: Vec<_> = now
                .iter()
                .map(|(n, b)| {
                    let from = if old_files.get(n) == Some(b) {
                        "old"
                    } else if new_files.get(n) == Some(b) {
                        "new"
                    } else {
                        "neither"
                    };
                    format!("{n}: {from}")
                })
                .collect();
            panic!("kill {k}: the folder holds no single generation: {mixed:?}");
        }
    }
    assert!(
        saw_staging > 0 && saw_old > 0,
        "no kill landed while the new generation was being written; the test proved nothing"
    );
    eprintln!("kills: {saw_old} left the old generation, {saw_new} the new one");
    // A complete run afterwards leaves nothing of the killed ones, in the folder or beside it.
    run_whole(&new_site, &out, &["-q", "--format", "both"]);
    let hidden: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "left behind: {hidden:?}");
    assert!(!staging_beside(&out), "a staging folder was left beside");
    assert_eq!(finals(&out), new_files);
}

/// Whether a staging folder (`.out.cpgis-new-PID`) is beside `out`.
fn staging_beside(out: &Path) -> bool {
    let prefix = format!(".{}.cpgis-new-", out.file_name().unwrap().to_string_lossy());
    std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().starts_with(&prefix))
}

/// A file system too small for two generations: the previous outputs fit, the new run's do
/// not. The run fails with the file system's error, and the folder is the previous generation,
/// byte for byte, with nothing left beside it. A tmpfs where this process may mount one (CI
/// runs as root); elsewhere a file-size limit (`RLIMIT_FSIZE`) stops the writing instead.
#[test]
fn a_full_file_system_leaves_the_previous_generation_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let site = fixture("liechtenstein/site.toml");
    let reference = tmp.path().join("reference");
    run_whole(&site, &reference, &["-q", "--format", "both"]);
    let old_files = finals(&reference);
    let size: usize = old_files.values().map(|b| b.len()).sum();
    let largest = old_files.values().map(|b| b.len()).max().unwrap();
    let text = common::fixture_site_text("liechtenstein", "site.toml")
        + "\n[factors]\ncarriers.electricity = 0.3\n";
    let new_site = common::write_site(tmp.path(), &text);

    let disk = tmp.path().join("disk");
    std::fs::create_dir(&disk).unwrap();
    // Room for the previous generation and a third of another.
    let room = size + size / 3;
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={room}"), "tmpfs"])
        .arg(&disk)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let out = disk.join("out");
    copy_dir(&reference, &out);
    let mut command = if mounted {
        cpgis()
    } else {
        eprintln!("cannot mount a tmpfs here: limiting the file size instead");
        // SIGXFSZ ignored, so a write past the limit fails with EFBIG instead of killing.
        let mut sh = Command::new("sh");
        sh.arg("-c")
            .arg(format!(
                "trap '' XFSZ; ulimit -f {}; exec \"$0\" \"$@\"",
                largest / 2 / 512
            ))
            .arg(env!("CARGO_BIN_EXE_cpgis"));
        sh
    };
    let failed = command
        .arg("run")
        .arg(&new_site)
        .arg("-o")
        .arg(&out)
        .args(["-q", "--format", "both"])
        .output()
        .unwrap();
    let now = finals(&out);
    let leftovers: Vec<String> = std::fs::read_dir(&disk)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "out")
        .collect();
    let hidden: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    if mounted {
        let _ = Command::new("umount").arg(&disk).status();
    }
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(failed.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("No space left") || stderr.contains("too large"),
        "{stderr}"
    );
    assert!(now == old_files, "the previous generation was changed");
    assert!(leftovers.is_empty(), "left beside: {leftovers:?}");
    assert!(hidden.is_empty(), "left inside: {hidden:?}");
}
