//! The benchmark: the whole `run` on synthetic cities of several sizes, with each stage's wall
//! time and peak resident memory (Linux: `VmHWM` of `/proc/self/status`, reset per stage through
//! `/proc/self/clear_refs`), the scaling exponent between sizes, and, measured in the same run
//! on the same input, the time `ogr2ogr` takes merely to convert the buildings to GeoJSON and
//! the time the disk takes merely to store as many bytes as the run wrote, written and synced
//! the way the run writes them.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::pipeline::Progress;
use crate::{Error, Result};

/// Peak resident memory since the last reset, MB (None where /proc is not Linux's).
pub fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// Resets the peak to the current resident size (Linux ≥ 4.0).
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Records each stage's time and peak memory.
#[derive(Default)]
pub struct Recorder {
    current: Option<(&'static str, Instant)>,
    pub stages: Vec<(&'static str, Duration, Option<f64>)>,
}

impl Recorder {
    fn end(&mut self) {
        if let Some((name, start)) = self.current.take() {
            self.stages.push((name, start.elapsed(), peak_mb()));
        }
    }

    pub fn total(&self) -> Duration {
        self.stages.iter().map(|s| s.1).sum()
    }

    pub fn peak(&self) -> Option<f64> {
        self.stages.iter().filter_map(|s| s.2).reduce(f64::max)
    }
}

impl Progress for Recorder {
    fn stage(&mut self, name: &'static str) {
        self.end();
        reset_peak();
        self.current = Some((name, Instant::now()));
    }

    fn done(&mut self) {
        self.end();
    }
}

/// One size's figures.
pub struct Measured {
    pub buildings: usize,
    pub recorder: Recorder,
    pub ogr2ogr: Option<Duration>,
    /// Bytes of every output the run wrote.
    pub output_bytes: u64,
    /// Time to store that many bytes alone, beside the outputs.
    pub disk: Option<Duration>,
}

/// Times writing `bytes` bytes into a file in `dir` through the writer every output goes
/// through (4 MiB blocks, `O_DIRECT` where the file system takes it, synced at the end): the
/// floor under the write stage on that disk.
fn time_disk(dir: &Path, bytes: u64) -> Option<Duration> {
    use std::io::Write as _;
    let path = dir.join(".cpgis-bench-disk");
    let block = vec![b' '; 1 << 20];
    let start = Instant::now();
    let written = (|| {
        let mut sink = crate::export::sink::Sink::create(&path)?;
        let mut left = bytes;
        while left > 0 {
            let n = left.min(block.len() as u64) as usize;
            sink.write_all(&block[..n])?;
            left -= n as u64;
        }
        sink.finish()
    })();
    let took = start.elapsed();
    let _ = std::fs::remove_file(&path);
    written.ok().map(|()| took)
}

/// Bytes of the files in `dir`.
fn bytes_in(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Times `ogr2ogr -f GeoJSON` of the synthetic buildings layer.
fn time_ogr2ogr(dir: &Path) -> Option<Duration> {
    let out = dir.join("ogr2ogr-buildings.geojson");
    let _ = std::fs::remove_file(&out);
    let start = Instant::now();
    let status = std::process::Command::new("ogr2ogr")
        .args(["-f", "GeoJSON"])
        .arg(&out)
        .arg(dir.join("city.gpkg"))
        .arg("buildings")
        .status()
        .ok()?;
    let took = start.elapsed();
    let _ = std::fs::remove_file(&out);
    status.success().then_some(took)
}

/// Runs the benchmark for each size under `root` (a synthetic city per size, made once).
pub fn bench(sizes: &[usize], root: &Path, seed: u64) -> Result<Vec<Measured>> {
    let mut out = Vec::new();
    for &n in sizes {
        let dir: PathBuf = root.join(format!("city-{n}-{seed}"));
        if !dir.join("site.toml").exists() {
            eprintln!("synthesising {n} buildings in {} …", dir.display());
            crate::synth::synth(n, seed, &dir)?;
        }
        let config = crate::config::parse_site_file(&dir.join("site.toml"))?;
        let mut rec = Recorder::default();
        let (ran, _) = crate::pipeline::run_site_writing(
            config,
            &mut rec,
            &dir.join("out"),
            crate::export::Format::Geojson,
        )?;
        rec.done();
        drop(ran);
        let ogr = time_ogr2ogr(&dir);
        let output_bytes = bytes_in(&dir.join("out"));
        let disk = time_disk(&dir.join("out"), output_bytes);
        eprintln!("{n} buildings: {:.2} s", rec.total().as_secs_f64());
        out.push(Measured {
            buildings: n,
            recorder: rec,
            ogr2ogr: ogr,
            output_bytes,
            disk,
        });
    }
    Ok(out)
}

/// The benchmark's table: per size and stage, seconds and peak MB; totals, the ratio to
/// ogr2ogr, and the scaling exponent between consecutive sizes.
pub fn render(results: &[Measured]) -> String {
    let mut s = String::new();
    let Some(first) = results.first() else {
        return s;
    };
    let stages: Vec<&str> = first.recorder.stages.iter().map(|x| x.0).collect();
    let _ = write!(s, "{:<14}", "stage");
    for r in results {
        let _ = write!(s, " {:>22}", format!("{} bldgs: s / peak MB", r.buildings));
    }
    s.push('\n');
    for (i, stage) in stages.iter().enumerate() {
        row(&mut s, stage, results, |r| {
            let (secs, mb) = r
                .recorder
                .stages
                .get(i)
                .map(|x| (x.1.as_secs_f64(), x.2.unwrap_or(f64::NAN)))
                .unwrap_or((f64::NAN, f64::NAN));
            format!("{secs:.3} / {mb:.0}")
        });
    }
    row(&mut s, "total", results, |r| {
        format!(
            "{:.3} / {:.0}",
            r.recorder.total().as_secs_f64(),
            r.recorder.peak().unwrap_or(f64::NAN)
        )
    });
    let or_na = |d: Option<String>| d.unwrap_or_else(|| "n/a".into());
    row(&mut s, "ogr2ogr", results, |r| {
        or_na(r.ogr2ogr.map(|d| format!("{:.3}", d.as_secs_f64())))
    });
    row(&mut s, "run / ogr2ogr", results, |r| {
        or_na(
            r.ogr2ogr
                .map(|d| format!("{:.2}", r.recorder.total().as_secs_f64() / d.as_secs_f64())),
        )
    });
    row(&mut s, "outputs MB", results, |r| {
        format!("{:.0}", r.output_bytes as f64 / 1_048_576.0)
    });
    row(&mut s, "disk alone", results, |r| {
        or_na(r.disk.map(|d| format!("{:.3}", d.as_secs_f64())))
    });
    for w in results.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let k = (b.recorder.total().as_secs_f64() / a.recorder.total().as_secs_f64()).ln()
            / (b.buildings as f64 / a.buildings as f64).ln();
        let _ = writeln!(
            s,
            "scaling exponent {} → {}: {k:.2}",
            a.buildings, b.buildings
        );
    }
    s
}

/// One line of the table: `label`, then `cell` of each size, right-aligned in its column.
fn row(s: &mut String, label: &str, results: &[Measured], cell: impl Fn(&Measured) -> String) {
    let _ = write!(s, "{label:<14}");
    for r in results {
        let _ = write!(s, " {:>22}", cell(r));
    }
    s.push('\n');
}

/// Parses `10000,100000,1000000`.
pub fn parse_sizes(text: &str) -> Result<Vec<usize>> {
    text.split(',')
        .map(|t| {
            t.trim()
                .replace('_', "")
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    let mut issues = crate::config::ConfigIssues::new(PathBuf::from("--sizes"));
                    issues.push(
                        "sizes",
                        &format!("`{t}` is not a number of buildings"),
                        Some("e.g. --sizes 10000,100000"),
                    );
                    Error::Config(issues)
                })
        })
        .collect()
}
