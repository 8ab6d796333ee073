//! Fingerprints of a site's input files, so that `cpgis finish` can tell that the layers it
//! does not read again are still those `cpgis prepare` read: each file's length and the 64-bit
//! FNV-1a hash of its bytes (Fowler, Noll and Vo's function with its published offset basis
//! 14695981039346656037 and prime 1099511628211). Not a cryptographic hash: it guards against
//! a layer edited or replaced since, not against an adversary.
//!
//! A shapefile is its `.shp` and the sidecars beside it (`.shx`, `.dbf`, `.prj`, `.cpg`): an
//! attribute edited in QGIS changes only the `.dbf`. A folder (a GTFS feed unpacked) is every
//! file under it. A path that is not a local file (a GDAL virtual path such as `/vsicurl/…`) is
//! recorded as not checked, with why, and `finish` says so.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// FNV-1a's 64-bit offset basis.
const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a's 64-bit prime.
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// The sidecar extensions of a shapefile, read with it.
const SHAPEFILE_SIDECARS: [&str; 4] = ["shx", "dbf", "prj", "cpg"];

/// One file's fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// The file, as the site file names it (or a sidecar or a file of a named folder).
    pub path: PathBuf,
    /// Its length in bytes, or `None` when it could not be read.
    pub bytes: Option<u64>,
    /// FNV-1a 64 of its bytes, hexadecimal; or why it was not checked.
    pub hash: String,
}

/// The FNV-1a 64 hash of everything `r` gives, and how many bytes it gave.
pub fn fnv1a64(mut r: impl Read) -> std::io::Result<(u64, u64)> {
    let mut h = OFFSET;
    let mut n = 0u64;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let k = match r.read(&mut buf) {
            Ok(0) => return Ok((h, n)),
            Ok(k) => k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        for &b in &buf[..k] {
            h = (h ^ u64::from(b)).wrapping_mul(PRIME);
        }
        n += k as u64;
    }
}

/// The files an input path stands for: itself, a shapefile's sidecars, a folder's files
/// (sorted, any depth).
fn files_of(path: &Path) -> Vec<PathBuf> {
    if path.is_dir() {
        let mut out = Vec::new();
        let mut todo = vec![path.to_path_buf()];
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    todo.push(p);
                } else {
                    out.push(p);
                }
            }
        }
        out.sort();
        return out;
    }
    let mut out = vec![path.to_path_buf()];
    let is_shp = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("shp"));
    if is_shp {
        for ext in SHAPEFILE_SIDECARS {
            // Either case, as GDAL finds them; the lower first.
            if let Some(s) = [ext.to_string(), ext.to_ascii_uppercase()]
                .into_iter()
                .map(|e| path.with_extension(e))
                .find(|s| s.is_file())
            {
                out.push(s);
            }
        }
    }
    out
}

/// A path made absolute against the working folder, without touching the disk (a missing
/// file too): the site file may be named `city/site.toml` by one command and
/// `/data/city/site.toml` by the next, and its layers are the same files.
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The fingerprints of `inputs` (each with its sidecars or files, each path made
/// [`absolute`]), in the order given, each file once (one GeoPackage often holds every layer of
/// a site).
pub fn of(inputs: &[&Path]) -> Vec<Fingerprint> {
    let mut files: Vec<PathBuf> = Vec::new();
    for f in inputs.iter().flat_map(|p| files_of(&absolute(p))) {
        if !files.contains(&f) {
            files.push(f);
        }
    }
    files
        .into_iter()
        .map(|path| {
            match std::fs::File::open(&path).and_then(|f| fnv1a64(std::io::BufReader::new(f))) {
                Ok((h, n)) => Fingerprint {
                    path,
                    bytes: Some(n),
                    hash: format!("{h:016x}"),
                },
                Err(e) => Fingerprint {
                    path,
                    bytes: None,
                    hash: format!("not checked: {e}"),
                },
            }
        })
        .collect()
}

/// What differs between the fingerprints taken then and now: per file, the file and what
/// happened to it, in words; empty when nothing does. A file that cannot be read now is not a change (a driver
/// may run where the inputs are not): [`unchecked`] lists it.
pub fn changes(then: &[Fingerprint], now: &[Fingerprint]) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for t in then {
        match now.iter().find(|n| n.path == t.path) {
            None => out.push((t.path.clone(), "is no longer an input".to_string())),
            Some(n) if n.bytes.is_none() => {}
            Some(n) if n != t => out.push((
                n.path.clone(),
                format!(
                    "has changed ({} bytes, then {})",
                    n.bytes.map_or("?".into(), |b| b.to_string()),
                    t.bytes.map_or("?".into(), |b| b.to_string())
                ),
            )),
            Some(_) => {}
        }
    }
    for n in now {
        if !then.iter().any(|t| t.path == n.path) {
            out.push((
                n.path.clone(),
                format!("{} is a new input", n.path.display()),
            ));
        }
    }
    out
}

/// The inputs that could not be checked to be unchanged: per file, the file and why, in words
/// (not readable now, or not fingerprinted then).
pub fn unchecked(then: &[Fingerprint], now: &[Fingerprint]) -> Vec<(PathBuf, String)> {
    now.iter()
        .filter(|n| n.bytes.is_none())
        .map(|n| {
            let was = then.iter().find(|t| t.path == n.path);
            let why = match was {
                Some(Fingerprint {
                    bytes: Some(b),
                    hash,
                    ..
                }) => format!(
                    "{} was not found where `cpgis finish` ran ({}): its features are those `cpgis prepare` read ({b} bytes, FNV-1a {hash}), not checked to be unchanged since",
                    n.path.display(),
                    n.hash.trim_start_matches("not checked: ")
                ),
                _ => format!(
                    "{} is not checked to be unchanged since `cpgis prepare` ({})",
                    n.path.display(),
                    n.hash
                ),
            };
            (n.path.clone(), why)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published FNV-1a 64 test vectors (Fowler, Noll and Vo's reference test suite,
    /// `test_fnv.c`): "" → cbf29ce484222325, "a" → af63dc4c8601ec8c, "foobar" →
    /// 85944171f73967e8.
    #[test]
    fn hashes_the_published_test_vectors() {
        for (text, want) in [
            ("", 0xcbf2_9ce4_8422_2325u64),
            ("a", 0xaf63_dc4c_8601_ec8c),
            ("foobar", 0x8594_4171_f739_67e8),
        ] {
            assert_eq!(fnv1a64(text.as_bytes()).unwrap(), (want, text.len() as u64));
        }
    }

    #[test]
    fn a_changed_sidecar_and_a_vanished_file_are_said() {
        let dir = std::env::temp_dir().join(format!("cpgis-fp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let shp = dir.join("b.shp");
        std::fs::write(&shp, b"geometry").unwrap();
        std::fs::write(dir.join("b.dbf"), b"attributes").unwrap();
        let then = of(&[&shp]);
        assert_eq!(then.len(), 2, "{then:?}");
        assert!(changes(&then, &of(&[&shp])).is_empty());
        std::fs::write(dir.join("b.dbf"), b"attributez").unwrap();
        let said = changes(&then, &of(&[&shp]));
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].1.contains("has changed (10 bytes, then 10)"),
            "{said:?}"
        );
        assert_eq!(said[0].0, dir.join("b.dbf"));
        // Gone: not a change, but said as not checked, with what prepare read.
        std::fs::remove_file(&shp).unwrap();
        let now = of(&[&shp]);
        assert_eq!(changes(&then, &now).len(), 1, "only the .dbf's change");
        let gone = unchecked(&then, &now);
        assert_eq!(gone.len(), 1, "{gone:?}");
        assert_eq!(gone[0].0, shp);
        assert!(gone[0].1.contains("b.shp was not found"), "{gone:?}");
        assert!(gone[0].1.contains("8 bytes"), "{gone:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
