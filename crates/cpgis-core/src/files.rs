//! How the core asks about the files a site file names, without touching a disk itself: the
//! site file's checks ask what is at a path, preset resolution reads a user preset's text. The
//! command line answers from the disk (`cpgis_io::Disk`); a library caller or a test can answer
//! from memory.

use std::path::Path;

/// What a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    /// A regular file.
    File,
    /// A folder.
    Dir,
    /// Something else that exists: a pipe, a socket, a device.
    Other,
    /// A symbolic link that leads back to itself.
    Loop,
    /// Nothing, or nothing this process may see.
    Missing,
}

/// The files a case refers to.
pub trait Files {
    /// What `path` names.
    fn kind(&self, path: &Path) -> PathKind;
    /// The whole text of the file at `path` (UTF-8).
    fn read_text(&self, path: &Path) -> std::io::Result<String>;
}

/// No files at all: every path is missing. For callers that build a case in memory and use
/// only the built-in presets.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFiles;

impl Files for NoFiles {
    fn kind(&self, _path: &Path) -> PathKind {
        PathKind::Missing
    }
    fn read_text(&self, path: &Path) -> std::io::Result<String> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} is not available here (no files)", path.display()),
        ))
    }
}

/// Files held in memory by path, e.g. a preset file a test or a caller supplies.
#[derive(Debug, Clone, Default)]
pub struct MemoryFiles {
    files: std::collections::BTreeMap<std::path::PathBuf, String>,
}

impl MemoryFiles {
    /// Adds (or replaces) the text of the file at `path`.
    pub fn insert(&mut self, path: impl Into<std::path::PathBuf>, text: impl Into<String>) {
        self.files.insert(path.into(), text.into());
    }
}

impl Files for MemoryFiles {
    fn kind(&self, path: &Path) -> PathKind {
        if self.files.contains_key(path) {
            PathKind::File
        } else if self.files.keys().any(|p| p.starts_with(path)) {
            PathKind::Dir
        } else {
            PathKind::Missing
        }
    }
    fn read_text(&self, path: &Path) -> std::io::Result<String> {
        self.files.get(path).cloned().ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} not found", path.display()),
            )
        })
    }
}
