//! Atomic file writes: the content goes to a hidden temporary file beside the target, is synced,
//! and is renamed over the target. A failed or killed run never leaves a half-written file under
//! a final name, and the previous file stays intact until the new one is complete.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::sink::Sink;
use cpgis_core::{Error, Result};

/// Writes `path` atomically with `write`.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
) -> Result<()> {
    write_staged(path, write)?.commit().map(|_| ())
}

/// A file written and synced under its temporary name, waiting to be renamed onto its target
/// by [`Staged::commit`]: for an output written while later stages still work, which must not
/// replace the previous output unless the whole run succeeds. Dropped uncommitted, its
/// temporary file is removed.
#[derive(Debug)]
pub struct Staged {
    tmp: PathBuf,
    path: PathBuf,
    committed: bool,
}

impl Staged {
    /// Renames the temporary file onto the target; returns the target.
    pub fn commit(mut self) -> Result<PathBuf> {
        fs::rename(&self.tmp, &self.path).map_err(|e| {
            Error::Tool(format!(
                "cannot rename the temporary file onto {}: {e}",
                self.path.display()
            ))
        })?;
        self.committed = true;
        Ok(self.path.clone())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Writes the content of `path` with `write` into its temporary file and syncs it; the target
/// is untouched until [`Staged::commit`].
pub fn write_staged(
    path: &Path,
    write: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
) -> Result<Staged> {
    let staged = Staged {
        tmp: temp_path(path),
        path: path.to_path_buf(),
        committed: false,
    };
    let fail = |what: &str, e: std::io::Error| {
        Error::Tool(format!("cannot {what} {}: {e}", path.display()))
    };
    let mut sink = Sink::create(&staged.tmp).map_err(|e| fail("create a temporary file for", e))?;
    write(&mut sink).map_err(|e| fail("write", e))?;
    sink.finish().map_err(|e| fail("write", e))?;
    Ok(staged)
}

/// `.NAME.tmp-PID` in the same folder (so the rename stays on one file system).
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Makes sure the output folder exists and is a folder, and removes what killed runs left
/// behind; never deletes anything else in it.
pub fn prepare_dir(dir: &Path) -> Result<()> {
    check_dir(dir)?;
    fs::create_dir_all(dir).map_err(|e| Error::Output {
        path: dir.to_path_buf(),
        problem: format!("cannot create the output folder: {e}"),
    })?;
    remove_stale_temporaries(dir);
    Ok(())
}

/// Checks, before any work, that the output folder can be written: it is a folder we can write
/// Every file a run may write into its output folder.
/// What `cpgis prepare` writes (a case for a distributed engine).
pub const PREPARED_NAMES: [&str; 4] = [
    "buildings.json",
    "driver.json",
    "features.arrow",
    "model.json",
];

/// What `cpgis compare` writes.
pub const COMPARE_NAMES: [&str; 2] = ["compare.csv", "compare.html"];

/// Every set of outputs a command writes as one generation (disjoint: a journal's names tell
/// which set it belongs to).
pub const OUTPUT_SETS: [&[&str]; 3] = [&OUTPUT_NAMES, &PREPARED_NAMES, &COMPARE_NAMES];

pub const OUTPUT_NAMES: [&str; 15] = [
    "buildings.geojson",
    "grid.geojson",
    "neighbourhoods.geojson",
    "stops.geojson",
    "community.geojson",
    "opportunities.geojson",
    "offset_zones.geojson",
    "cpgis.gpkg",
    "buildings.csv",
    "grid.csv",
    "neighbourhoods.csv",
    "offset_zones.csv",
    "balance.csv",
    "summary.json",
    "report.html",
];

/// Refuses an output folder where a run would replace one of its own inputs (`-o` naming the
/// folder that holds `buildings.geojson`): checked before any work, so no input is lost.
pub fn check_inputs_kept(dir: &Path, inputs: &[&Path]) -> Result<()> {
    let Ok(out) = fs::canonicalize(dir) else {
        return Ok(()); // A folder that does not exist yet holds no input.
    };
    for input in inputs {
        let Ok(input) = fs::canonicalize(input) else {
            continue;
        };
        // A shapefile's .shp and the files beside it: any input whose folder is the output
        // folder and whose name is an output name.
        let clash = input.parent() == Some(out.as_path())
            && input
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| OUTPUT_NAMES.contains(&n));
        if clash {
            return Err(Error::Output {
                path: dir.to_path_buf(),
                problem: format!(
                    "a run would replace its own input {}: write the outputs into another folder (-o)",
                    input.display()
                ),
            });
        }
    }
    Ok(())
}

/// into, or it does not exist yet and its nearest existing parent is one. Creates nothing.
pub fn check_dir(dir: &Path) -> Result<()> {
    let bad = |problem: String| Error::Output {
        path: dir.to_path_buf(),
        problem,
    };
    let mut probe_in = dir;
    while !probe_in.exists() {
        match probe_in.parent() {
            Some(p) if !p.as_os_str().is_empty() => probe_in = p,
            _ => {
                probe_in = Path::new(".");
                break;
            }
        }
    }
    if !probe_in.is_dir() {
        return Err(bad(format!(
            "{} exists and is not a folder: name a folder with -o",
            probe_in.display()
        )));
    }
    let probe = probe_in.join(format!(".cpgis-write-test-{}", std::process::id()));
    fs::write(&probe, b"")
        .map_err(|e| bad(format!("cannot write into {}: {e}", probe_in.display())))?;
    let _ = fs::remove_file(&probe);
    Ok(())
}

/// Removes temporary files a killed run left behind: `.NAME.tmp-PID`, `.cpgis.tmp-PID.gpkg`
/// (and SQLite's journal beside it) and `.cpgis-layers-PID/`, of processes that are gone.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_prefix('.')
            .and_then(|n| {
                n.rsplit_once(".tmp-")
                    .or_else(|| n.rsplit_once("cpgis-layers-"))
            })
            .and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|pid| pid.parse::<u32>().ok());
        let Some(pid) = pid else { continue };
        let alive = Path::new(&format!("/proc/{pid}")).exists();
        if !alive && pid != std::process::id() {
            let _ = if e.path().is_dir() {
                fs::remove_dir_all(e.path())
            } else {
                fs::remove_file(e.path())
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_keeps_the_old_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layer.geojson");
        write_atomic(&path, |w| w.write_all(b"old")).unwrap();
        let e = write_atomic(&path, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(e.is_err());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_staged_file_replaces_the_old_one_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layer.geojson");
        write_atomic(&path, |w| w.write_all(b"old")).unwrap();
        // Staged, then dropped (the run failed later): the old file stays, nothing else.
        let staged = write_staged(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
        assert_eq!(fs::read(&path).unwrap(), b"old");
        drop(staged);
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        // Staged and committed: the new content under the name, no temporary left.
        let staged = write_staged(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(staged.commit().unwrap(), path);
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn temporaries_of_dead_runs_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        // PID 4194304 is above Linux's largest: no such process.
        for name in [
            ".buildings.geojson.tmp-4194304",
            ".cpgis.tmp-4194304.gpkg",
            "keep.txt",
            ".hidden",
        ] {
            fs::write(dir.path().join(name), b"x").unwrap();
        }
        fs::create_dir(dir.path().join(".cpgis-layers-4194304")).unwrap();
        prepare_dir(dir.path()).unwrap();
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".hidden", "keep.txt"]);
    }

    #[test]
    fn an_output_path_that_is_a_file_is_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("out");
        fs::write(&file, b"x").unwrap();
        let e = check_dir(&file.join("sub")).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("exists and is not a folder"), "{e}");
    }
}
