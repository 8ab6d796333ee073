//! The site file and the files it names, read from disk: [`Disk`] answers the core's
//! [`Files`] questions, [`parse_site_file`] reads and checks a site file.

use std::path::Path;

use cpgis_core::config::{parse_site_str_set, ConfigIssues, SiteConfig};
use cpgis_core::files::{Files, PathKind};
use cpgis_core::{Error, Result};

/// The local file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct Disk;

impl Files for Disk {
    fn kind(&self, path: &Path) -> PathKind {
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() => PathKind::File,
            Ok(m) if m.is_dir() => PathKind::Dir,
            Ok(_) => PathKind::Other,
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => PathKind::Loop,
            Err(_) => PathKind::Missing,
        }
    }

    fn read_text(&self, path: &Path) -> std::io::Result<String> {
        let bytes = read_regular(path)?;
        String::from_utf8(bytes).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "is not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            )
        })
    }
}

/// The largest site or preset file read, bytes: a site file is a few kilobytes; anything
/// near this is not one (`/dev/zero` named as a site file once took 16 GB).
pub const MAX_TOML_BYTES: u64 = 16 << 20;

/// The bytes of a regular file of at most [`MAX_TOML_BYTES`]; a pipe, device or folder, or a
/// larger file, is refused before reading.
fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "is not a regular file (a folder, pipe or device): name the TOML file itself",
        ));
    }
    if meta.len() > MAX_TOML_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "is {} bytes, more than a site or preset file can be (at most {MAX_TOML_BYTES})",
                meta.len()
            ),
        ));
    }
    let mut bytes = Vec::new();
    // Read at most one byte past the limit, in case the file grows while it is read.
    std::fs::File::open(path)?
        .take(MAX_TOML_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_TOML_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "grew beyond the largest site or preset file while it was read",
        ));
    }
    Ok(bytes)
}

/// Reads and checks a site file. All problems are returned together.
pub fn parse_site_file(file: &Path) -> Result<SiteConfig> {
    parse_site_file_with(file, false)
}

/// [`parse_site_file`]; `allow_network` accepts GDAL's network file systems (`/vsicurl/`, …)
/// and URLs as layer paths, which are refused otherwise.
pub fn parse_site_file_with(file: &Path, allow_network: bool) -> Result<SiteConfig> {
    parse_site_file_set(file, allow_network, &[])
}

/// [`parse_site_file_with`] with `--set KEY=VALUE` settings applied over the file's keys.
pub fn parse_site_file_set(
    file: &Path,
    allow_network: bool,
    sets: &[String],
) -> Result<SiteConfig> {
    parse_site_file_files(file, allow_network, sets, &Disk)
}

/// [`parse_site_file_set`] with the paths it names looked up through `files`.
pub fn parse_site_file_files(
    file: &Path,
    allow_network: bool,
    sets: &[String],
    files: &dyn Files,
) -> Result<SiteConfig> {
    let text = read_regular(file).map_err(|e| {
        let mut issues = ConfigIssues::new(file.to_path_buf());
        issues.push(
            "(file)",
            &format!("cannot be read: {e}"),
            Some("check the path"),
        );
        Error::Config(issues)
    })?;
    let text = String::from_utf8(text).map_err(|e| {
        let mut issues = ConfigIssues::new(file.to_path_buf());
        let at = e.utf8_error().valid_up_to();
        issues.push(
            "(file)",
            &format!("is not UTF-8 text (invalid byte at offset {at})"),
            Some("save the site file as UTF-8"),
        );
        Error::Config(issues)
    })?;
    let base = file.parent().unwrap_or(Path::new("."));
    parse_site_str_set(&text, file, base, allow_network, files, sets)
}

/// The disk, for a site file whose layers were read elsewhere (`cpgis finish` reads them from
/// the prepared folder): a layer path that is missing here is taken as a file, so the site
/// file parses where the layers are not; every other path, and every text read (a preset
/// file), is the disk's.
#[derive(Debug, Clone, Copy, Default)]
pub struct LayersElsewhere;

impl Files for LayersElsewhere {
    fn kind(&self, path: &Path) -> PathKind {
        match Disk.kind(path) {
            PathKind::Missing => PathKind::File,
            k => k,
        }
    }
    fn read_text(&self, path: &Path) -> std::io::Result<String> {
        Disk.read_text(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_file_larger_than_any_site_file_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("site.toml");
        let file = std::fs::File::create(&big).unwrap();
        file.set_len(MAX_TOML_BYTES + 1).unwrap();
        let e = parse_site_file(&big).unwrap_err().to_string();
        assert!(e.contains("more than a site or preset file can be"), "{e}");
        let e = Disk.read_text(&big).unwrap_err().to_string();
        assert!(e.contains("more than a site or preset file can be"), "{e}");
        assert!(Disk
            .read_text(Path::new("/dev/zero"))
            .unwrap_err()
            .to_string()
            .contains("not a regular file"));
    }
}
