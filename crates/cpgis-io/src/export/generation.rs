//! One generation of outputs: a run writes every output into a staging folder, and the output
//! folder shows either the previous run's files or this run's, never a mix, whatever happens
//! (a failed stage, a full disk, a SIGKILL).
//!
//! Two ways to replace the previous generation:
//! - **Exchange** (the usual case: the output folder holds nothing but outputs, or does not
//!   exist yet). The staging folder is built beside the output folder and swapped with it in
//!   one `renameat2(RENAME_EXCHANGE)` (or one `rename` when there was no folder): a single
//!   system call, so a kill leaves the old folder or the new one. The old generation, now
//!   under the staging name, is removed afterwards; a kill before that leaves it beside the
//!   output folder, and the next run removes it.
//! - **Journal** (the output folder also holds other files, e.g. `-o` naming a data folder, or
//!   the file system cannot exchange, or the folder is this process's working folder). The
//!   staging folder is made inside the output folder, a journal naming the new files is written
//!   once it is complete, and the files are renamed into place one by one. A kill during those
//!   renames leaves the journal, and the next run that writes into the folder completes them
//!   before anything else (roll forward), so the folder again holds one generation.

use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::atomic::{self, OUTPUT_NAMES, OUTPUT_SETS};
use cpgis_core::{Error, Result};

/// The journal's name in the output folder (journal mode only).
const JOURNAL: &str = ".cpgis-commit";

/// How a generation replaces the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Swap {
    /// The output folder did not exist: one `rename` of the staging folder.
    Create,
    /// The staging folder beside the output folder is exchanged with it in one system call.
    Exchange,
    /// Renamed file by file under a journal (the folder holds other files too).
    Journal,
}

/// What a committed generation wrote and which older outputs it removed.
#[derive(Debug, Default)]
pub struct Committed {
    /// The outputs under their final names, in the order they were written.
    pub written: Vec<PathBuf>,
    /// Outputs of the previous generation that this one does not write (a `cpgis.gpkg` before a
    /// `--format geojson` rerun), now gone.
    pub removed: Vec<PathBuf>,
}

/// A generation being written: outputs go into [`Generation::dir`]; [`Generation::commit`]
/// puts them in place. Dropped uncommitted (the run failed), the staging folder is removed and
/// the output folder is as it was.
#[derive(Debug)]
pub struct Generation {
    /// The names of the outputs of this kind of generation (a run's, a prepare's, …).
    names: &'static [&'static str],
    out: PathBuf,
    staging: PathBuf,
    swap: Swap,
    done: bool,
}

fn output_error(dir: &Path, problem: String) -> Error {
    Error::Output {
        path: dir.to_path_buf(),
        problem,
    }
}

fn pid_alive(pid: u32) -> bool {
    pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists()
}

/// The PID in a name that is `prefix` followed by digits, if it is one.
fn pid_after(name: &str, prefix: &str) -> Option<u32> {
    let rest = name.strip_prefix(prefix)?;
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest.parse().ok()
}

impl Generation {
    /// Checks and tidies the output folder `out` (completing a journal a killed run left,
    /// removing the staging folders of dead runs) and makes the staging folder, for a run's
    /// outputs ([`OUTPUT_NAMES`]).
    pub fn begin(out: &Path) -> Result<Generation> {
        Generation::begin_for(out, &OUTPUT_NAMES)
    }

    /// [`Generation::begin`] for another set of outputs (one of [`OUTPUT_SETS`]): the previous
    /// generation is the files of that set; other files in the folder are left alone.
    pub fn begin_for(out: &Path, names: &'static [&'static str]) -> Result<Generation> {
        atomic::check_dir(out)?;
        if out.is_dir() {
            roll_forward(out)?;
            atomic::prepare_dir(out)?;
        }
        let sibling = sibling_prefix(out);
        if let Some((parent, prefix)) = &sibling {
            remove_dead_siblings(parent, prefix);
        }
        let exchangeable = |prefix: &Option<(PathBuf, String)>| -> Option<PathBuf> {
            let (parent, prefix) = prefix.as_ref()?;
            Some(parent.join(format!("{prefix}{}", std::process::id())))
        };
        let (swap, staging) = if !out.exists() {
            let Some(staging) = exchangeable(&sibling) else {
                return Err(output_error(out, "cannot name a folder beside it".into()));
            };
            if let Some(parent) = staging.parent() {
                fs::create_dir_all(parent).map_err(|e| {
                    output_error(out, format!("cannot create {}: {e}", parent.display()))
                })?;
            }
            (Swap::Create, staging)
        } else {
            match exchangeable(&sibling) {
                Some(staging) if holds_only(out, names) && !is_working_dir(out) => {
                    (Swap::Exchange, staging)
                }
                _ => (
                    Swap::Journal,
                    out.join(format!(".cpgis-new-{}", std::process::id())),
                ),
            }
        };
        let _ = fs::remove_dir_all(&staging);
        let made = fs::create_dir(&staging);
        let (swap, staging) = match made {
            Ok(()) => (swap, staging),
            // The folder's parent cannot be written: stage inside the folder itself.
            Err(_) if swap == Swap::Exchange => {
                let inside = out.join(format!(".cpgis-new-{}", std::process::id()));
                fs::create_dir(&inside).map_err(|e| {
                    output_error(out, format!("cannot create {}: {e}", inside.display()))
                })?;
                (Swap::Journal, inside)
            }
            Err(e) => {
                return Err(output_error(
                    out,
                    format!("cannot create {}: {e}", staging.display()),
                ))
            }
        };
        Ok(Generation {
            names,
            out: out.to_path_buf(),
            staging,
            swap,
            done: false,
        })
    }

    /// The folder the outputs are written into.
    pub fn dir(&self) -> &Path {
        &self.staging
    }

    /// How this generation replaces the previous one.
    pub fn swap(&self) -> Swap {
        self.swap
    }

    /// Puts the generation in place: the staging folder must hold exactly the new outputs.
    pub fn commit(mut self) -> Result<Committed> {
        let mut names: Vec<String> = Vec::new();
        let entries = fs::read_dir(&self.staging)
            .map_err(|e| Error::Tool(format!("cannot list {}: {e}", self.staging.display())))?;
        for e in entries.flatten() {
            names.push(e.file_name().to_string_lossy().into_owned());
        }
        // Written order: the order of the set's names.
        names.sort_by_key(|n| self.names.iter().position(|o| o == n));
        sync_dir(&self.staging);
        let removed: Vec<PathBuf> = self
            .names
            .iter()
            .filter(|n| !names.iter().any(|m| m == *n) && self.out.join(n).is_file())
            .map(|n| self.out.join(n))
            .collect();
        match self.swap {
            Swap::Create => {
                fs::rename(&self.staging, &self.out).map_err(|e| {
                    output_error(&self.out, format!("cannot move the new outputs in: {e}"))
                })?;
                self.done = true;
            }
            Swap::Exchange => match exchange(&self.staging, &self.out) {
                Ok(()) => {
                    self.done = true;
                    // The staging name now holds the previous generation.
                    let _ = fs::remove_dir_all(&self.staging);
                }
                Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) => {
                    // The file system cannot exchange: move the staged files into the folder.
                    let inside = self.out.join(format!(".cpgis-new-{}", std::process::id()));
                    fs::rename(&self.staging, &inside).map_err(|e| {
                        output_error(&self.out, format!("cannot move the new outputs in: {e}"))
                    })?;
                    self.staging = inside;
                    self.swap = Swap::Journal;
                    return self.commit();
                }
                Err(e) => {
                    return Err(output_error(
                        &self.out,
                        format!("cannot swap the new outputs in: {e}"),
                    ))
                }
            },
            Swap::Journal => {
                let staging_name = self
                    .staging
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let journal = format!("{staging_name}\n{}\n", names.join("\n"));
                atomic::write_atomic(&self.out.join(JOURNAL), |w| w.write_all(journal.as_bytes()))?;
                self.done = true;
                roll_forward(&self.out)?;
            }
        }
        if let Some(parent) = self.out.parent() {
            sync_dir(if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            });
        }
        Ok(Committed {
            written: names.iter().map(|n| self.out.join(n)).collect(),
            removed,
        })
    }
}

impl Drop for Generation {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// The parent of `out` (made absolute) and the staging name prefix beside it:
/// `.NAME.cpgis-new-`.
fn sibling_prefix(out: &Path) -> Option<(PathBuf, String)> {
    let absolute = if out.is_absolute() {
        out.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(out)
    };
    // A folder given through a symlink is swapped where it really is.
    let real = fs::canonicalize(&absolute).unwrap_or(absolute);
    let name = real.file_name()?.to_string_lossy().into_owned();
    let parent = real.parent()?.to_path_buf();
    Some((parent, format!(".{name}.cpgis-new-")))
}

/// Removes the staging folders (or previous generations awaiting removal) of runs that are gone.
fn remove_dead_siblings(parent: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = pid_after(&name, prefix) {
            if !pid_alive(pid) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Whether every entry of `dir` is one of `names` (the temporaries of dead runs are removed
/// before): then the whole folder can be exchanged without moving anything of the user's.
fn holds_only(dir: &Path, names: &[&str]) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().all(|e| {
        let name = e.file_name().to_string_lossy().into_owned();
        names.contains(&name.as_str()) && e.file_type().is_ok_and(|t| t.is_file())
    })
}

fn is_working_dir(dir: &Path) -> bool {
    match (fs::canonicalize(dir), std::env::current_dir()) {
        (Ok(a), Ok(b)) => a == b,
        _ => true,
    }
}

fn cstring(p: &Path) -> std::io::Result<CString> {
    CString::new(p.as_os_str().as_bytes()).map_err(std::io::Error::other)
}

/// Swaps two folders atomically (Linux `renameat2(2)` with `RENAME_EXCHANGE`).
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    let (a, b) = (cstring(a)?, cstring(b)?);
    // SAFETY: both pointers are valid NUL-terminated strings that outlive the call; the
    // directory descriptors are AT_FDCWD, and the call does not keep the pointers.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Flushes a folder's entries to disk (best effort: a rename is durable once its folder is).
fn sync_dir(dir: &Path) {
    if let Ok(f) = fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

/// Completes a journal left in `out`: every file it names is moved from the staging folder into
/// `out`, outputs it does not name are removed, then the staging folder and the journal. Safe
/// to repeat after a kill at any point.
fn roll_forward(out: &Path) -> Result<()> {
    let journal = out.join(JOURNAL);
    let Ok(text) = fs::read_to_string(&journal) else {
        return Ok(());
    };
    let mut lines = text.lines();
    let staging_name = lines.next().unwrap_or_default();
    let names: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
    let staged_ok =
        !staging_name.is_empty() && !staging_name.contains('/') && staging_name.starts_with('.');
    // The set of outputs the journal's names belong to (all of them in one).
    let set = OUTPUT_SETS
        .iter()
        .find(|set| names.iter().all(|n| set.contains(n)));
    let (true, Some(set)) = (staged_ok, set) else {
        return Err(output_error(
            out,
            format!(
                "{} is not a journal this tool wrote: remove it and run again",
                journal.display()
            ),
        ));
    };
    let staging = out.join(staging_name);
    for name in &names {
        let from = staging.join(name);
        if from.exists() {
            fs::rename(&from, out.join(name)).map_err(|e| {
                output_error(
                    out,
                    format!("cannot move {} into place: {e}", from.display()),
                )
            })?;
        }
    }
    for name in set.iter() {
        if !names.contains(name) {
            let _ = fs::remove_file(out.join(name));
        }
    }
    let _ = fs::remove_dir_all(&staging);
    sync_dir(out);
    fs::remove_file(&journal)
        .map_err(|e| output_error(out, format!("cannot remove {}: {e}", journal.display())))?;
    sync_dir(out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_folder_of_outputs_is_exchanged_whole_and_older_outputs_go_with_it() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("cpgis.gpkg"), b"old").unwrap();
        fs::write(out.join("summary.json"), b"old").unwrap();
        let g = Generation::begin(&out).unwrap();
        assert_eq!(g.swap(), Swap::Exchange);
        fs::write(g.dir().join("summary.json"), b"new").unwrap();
        // Until the commit, the folder is the previous generation.
        assert_eq!(fs::read(out.join("summary.json")).unwrap(), b"old");
        let c = g.commit().unwrap();
        assert_eq!(listing(&out), ["summary.json"]);
        assert_eq!(fs::read(out.join("summary.json")).unwrap(), b"new");
        assert_eq!(c.written, [out.join("summary.json")]);
        assert_eq!(c.removed, [out.join("cpgis.gpkg")]);
        // Nothing left beside the folder.
        assert_eq!(listing(tmp.path()), ["out"]);
    }

    #[test]
    fn a_new_folder_appears_whole_and_a_failed_run_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("a/out");
        let g = Generation::begin(&out).unwrap();
        assert_eq!(g.swap(), Swap::Create);
        fs::write(g.dir().join("report.html"), b"new").unwrap();
        assert!(!out.exists());
        drop(g); // The run failed.
        assert!(!out.exists());
        assert!(listing(&tmp.path().join("a")).is_empty());
        let g = Generation::begin(&out).unwrap();
        fs::write(g.dir().join("report.html"), b"new").unwrap();
        g.commit().unwrap();
        assert_eq!(listing(&out), ["report.html"]);
    }

    #[test]
    fn a_folder_with_other_files_is_replaced_under_a_journal_that_a_killed_run_leaves_completable()
    {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("data");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("site.toml"), b"mine").unwrap();
        fs::write(out.join("cpgis.gpkg"), b"old").unwrap();
        fs::write(out.join("summary.json"), b"old").unwrap();
        // A run killed after writing its journal and moving one of two files in.
        let staging = out.join(".cpgis-new-4194304");
        fs::create_dir(&staging).unwrap();
        fs::write(staging.join("report.html"), b"new").unwrap();
        fs::write(out.join("summary.json"), b"new").unwrap();
        fs::write(
            out.join(JOURNAL),
            b".cpgis-new-4194304\nsummary.json\nreport.html\n",
        )
        .unwrap();
        // The next run completes it first, then stages its own generation inside the folder.
        let g = Generation::begin(&out).unwrap();
        assert_eq!(g.swap(), Swap::Journal);
        assert_eq!(
            listing(&out),
            [
                format!(".cpgis-new-{}", std::process::id()),
                "report.html".into(),
                "site.toml".into(),
                "summary.json".into()
            ]
        );
        assert_eq!(fs::read(out.join("report.html")).unwrap(), b"new");
        fs::write(g.dir().join("summary.json"), b"newer").unwrap();
        let c = g.commit().unwrap();
        assert_eq!(listing(&out), ["site.toml", "summary.json"]);
        assert_eq!(fs::read(out.join("summary.json")).unwrap(), b"newer");
        assert_eq!(fs::read(out.join("site.toml")).unwrap(), b"mine");
        assert_eq!(c.removed, [out.join("report.html")]);
    }

    #[test]
    fn a_journal_naming_anything_but_outputs_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join(JOURNAL), b".x\n../../etc/passwd\n").unwrap();
        let e = Generation::begin(tmp.path()).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("not a journal"), "{e}");
    }

    #[test]
    fn a_prepared_case_replaces_only_its_own_files_and_its_journal_completes() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("case");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("summary.json"), b"a run's").unwrap();
        fs::write(out.join("model.json"), b"old").unwrap();
        fs::write(out.join("features.arrow"), b"old").unwrap();
        // A prepare killed after moving its model in, not yet its features.
        let staging = out.join(".cpgis-new-4194304");
        fs::create_dir(&staging).unwrap();
        fs::write(staging.join("features.arrow"), b"new").unwrap();
        fs::write(out.join("model.json"), b"new").unwrap();
        fs::write(
            out.join(JOURNAL),
            b".cpgis-new-4194304\nfeatures.arrow\nmodel.json\n",
        )
        .unwrap();
        // The next prepare completes it (the pair is again one generation), then writes its own.
        let g = Generation::begin_for(&out, &atomic::PREPARED_NAMES).unwrap();
        assert_eq!(g.swap(), Swap::Journal);
        assert_eq!(fs::read(out.join("features.arrow")).unwrap(), b"new");
        assert_eq!(fs::read(out.join("model.json")).unwrap(), b"new");
        fs::write(g.dir().join("model.json"), b"newer").unwrap();
        fs::write(g.dir().join("features.arrow"), b"newer").unwrap();
        let c = g.commit().unwrap();
        assert_eq!(
            c.written,
            [out.join("features.arrow"), out.join("model.json")]
        );
        assert!(c.removed.is_empty());
        // The run's output is not the prepare's to replace.
        assert_eq!(
            listing(&out),
            ["features.arrow", "model.json", "summary.json"]
        );
        assert_eq!(fs::read(out.join("summary.json")).unwrap(), b"a run's");
        // A journal mixing two sets is not one this tool wrote.
        fs::write(out.join(JOURNAL), b".x\nmodel.json\nsummary.json\n").unwrap();
        let e = Generation::begin_for(&out, &atomic::PREPARED_NAMES).unwrap_err();
        assert!(e.to_string().contains("not a journal"), "{e}");
    }
}
