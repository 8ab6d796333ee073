//! The site file and the files it names, read from disk: [`Disk`] answers the core's
//! [`Files`] questions, [`parse_site_file`] reads and checks a site file.

use std::path::Path;

use cpgis_core::config::{parse_site_str_with, ConfigIssues, SiteConfig};
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
            Err(_) => PathKind::Missing,
        }
    }

    fn read_text(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }
}

/// Reads and checks a site file. All problems are returned together.
pub fn parse_site_file(file: &Path) -> Result<SiteConfig> {
    parse_site_file_with(file, false)
}

/// [`parse_site_file`]; `allow_network` accepts GDAL's network file systems (`/vsicurl/`, …)
/// and URLs as layer paths, which are refused otherwise.
pub fn parse_site_file_with(file: &Path, allow_network: bool) -> Result<SiteConfig> {
    let text = std::fs::read(file).map_err(|e| {
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
    parse_site_str_with(&text, file, base, allow_network, &Disk)
}
