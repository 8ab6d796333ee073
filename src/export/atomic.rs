//! Atomic file writes: the content goes to a hidden temporary file beside the target, is synced,
//! and is renamed over the target. A failed or killed run never leaves a half-written file under
//! a final name, and the previous file stays intact until the new one is complete.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Writes `path` atomically with `write`.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let tmp = temp_path(path);
    let fail = |what: &str, e: std::io::Error| {
        Error::Tool(format!("cannot {what} {}: {e}", path.display()))
    };
    let result = (|| {
        let file = File::create(&tmp).map_err(|e| fail("create a temporary file for", e))?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        write(&mut w).map_err(|e| fail("write", e))?;
        let file = w.into_inner().map_err(|e| fail("write", e.into_error()))?;
        file.sync_all().map_err(|e| fail("sync", e))?;
        fs::rename(&tmp, path).map_err(|e| fail("rename the temporary file onto", e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// `.NAME.tmp-PID` in the same folder (so the rename stays on one file system).
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Makes sure the output folder exists and is a folder; never deletes anything in it.
pub fn prepare_dir(dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Tool(format!(
            "{}: the output path exists and is not a folder",
            dir.display()
        )));
    }
    fs::create_dir_all(dir).map_err(|e| {
        Error::Tool(format!(
            "cannot create the output folder {}: {e}",
            dir.display()
        ))
    })
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
}
