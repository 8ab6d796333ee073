//! The benchmark: the whole `run` on synthetic cities of several sizes, with each stage's wall
//! time and peak resident memory (Linux: `VmHWM` of `/proc/self/status`, reset per stage through
//! `/proc/self/clear_refs`), the scaling exponent between sizes, and, measured in the same run
//! on the same input, the time `ogr2ogr` takes merely to convert the buildings to GeoJSON and
//! the time the disk takes merely to store as many bytes as the run wrote, written and synced
//! the way the run writes them.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::run::Progress;
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

/// CPU time the process has used so far, user and system, on every thread (`getrusage`).
pub fn cpu_time() -> Duration {
    // SAFETY: rusage is plain integers; all zeros is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes only into the struct it is given, which lives on this frame.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Duration::ZERO;
    }
    let t = |tv: libc::timeval| Duration::new(tv.tv_sec as u64, tv.tv_usec as u32 * 1000);
    t(usage.ru_utime) + t(usage.ru_stime)
}

/// One stage's figures.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StageFigures {
    pub name: String,
    /// Wall time.
    pub wall: Duration,
    /// CPU time of every thread of the process (user and system) during the stage: over the
    /// wall time, how many cores the stage kept busy.
    pub cpu: Duration,
    /// Peak resident memory during the stage, MB.
    pub peak_mb: Option<f64>,
}

/// Records each stage's time and peak memory.
#[derive(Default, serde::Serialize, serde::Deserialize)]
pub struct Recorder {
    #[serde(skip)]
    current: Option<(&'static str, Instant, Duration)>,
    pub stages: Vec<StageFigures>,
}

impl Recorder {
    /// The wall time of the stage named `name` (zero when there was none).
    pub fn stage_wall(&self, name: &str) -> Duration {
        self.stages
            .iter()
            .filter(|s| s.name == name)
            .map(|s| s.wall)
            .sum()
    }

    fn end(&mut self) {
        if let Some((name, start, cpu)) = self.current.take() {
            self.stages.push(StageFigures {
                name: name.to_string(),
                wall: start.elapsed(),
                cpu: cpu_time().saturating_sub(cpu),
                peak_mb: peak_mb(),
            });
        }
    }

    pub fn total(&self) -> Duration {
        self.stages.iter().map(|s| s.wall).sum()
    }

    pub fn cpu(&self) -> Duration {
        self.stages.iter().map(|s| s.cpu).sum()
    }

    /// The figures of the stage called `name`, if the run had one.
    pub fn stage_figures(&self, name: &str) -> Option<&StageFigures> {
        self.stages.iter().find(|s| s.name == name)
    }

    pub fn peak(&self) -> Option<f64> {
        self.stages
            .iter()
            .filter_map(|s| s.peak_mb)
            .reduce(f64::max)
    }
}

impl Progress for Recorder {
    fn stage(&mut self, name: &'static str) {
        self.end();
        reset_peak();
        self.current = Some((name, Instant::now(), cpu_time()));
    }

    fn done(&mut self) {
        self.end();
    }
}

/// One size's figures.
pub struct Measured {
    pub buildings: usize,
    /// The run whose total is the median of the repeats (stages, CPU and memory from it).
    pub recorder: Recorder,
    /// Every repeat's total wall time, in the order run.
    pub totals: Vec<Duration>,
    /// Every repeat's total wall time without the uncertainty's draws (`--draws 0`), each run
    /// right after the repeat it pairs with.
    pub totals_no_draws: Vec<Duration>,
    /// Per pair, the balance stage's wall time with the draws and without (the draws run
    /// there and nowhere else): a difference far less exposed to a shared machine's noise in
    /// the other stages than the totals'.
    pub balance_pairs: Vec<(Duration, Duration)>,
    /// The median of the `ogr2ogr` conversions (one per repeat).
    pub ogr2ogr: Option<Duration>,
    /// Bytes of every output the run wrote.
    pub output_bytes: u64,
    /// Time to store that many bytes alone, beside the outputs.
    pub disk: Option<Duration>,
}

/// The median of `values` (the upper one of an even count); `None` when empty.
fn median<T: Ord + Copy>(values: &[T]) -> Option<T> {
    let mut v = values.to_vec();
    v.sort_unstable();
    v.get(v.len() / 2).copied()
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
/// Writes every dirty page to disk, so the next timed run does not pay for the last one's.
fn sync_disk() {
    // SAFETY: sync(2) takes no arguments, touches no memory of ours and cannot fail.
    unsafe { libc::sync() };
}

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

/// One whole `run` of `site` with every output written into `out`, recorded stage by stage:
/// what a process started by [`bench`] does and prints (as JSON, [`Recorder`]).
pub fn run_once(site: &Path, out: &Path, draws: Option<usize>) -> Result<Recorder> {
    let sets: Vec<String> = draws
        .map(|n| vec![format!("uncertainty.draws={n}")])
        .unwrap_or_default();
    let config = cpgis_io::parse_site_file_set(site, false, &sets)?;
    let mut rec = Recorder::default();
    let (ran, _) =
        crate::pipeline::run_site_writing(config, &mut rec, out, crate::export::Format::Geojson)?;
    rec.done();
    // As `cpgis run` does: the process ends next, and the system reclaims the memory.
    std::mem::forget(ran);
    Ok(rec)
}

/// Runs `exe bench-run SITE OUT` (a process of its own, as a user's run is: no memory or
/// caches left by an earlier run) and reads back its [`Recorder`].
pub fn run_in_process(exe: &Path, site: &Path, out: &Path) -> Result<Recorder> {
    run_in_process_with(exe, site, out, None)
}

/// [`run_in_process`] with the uncertainty's draws set (`Some(0)`: none).
fn run_in_process_with(
    exe: &Path,
    site: &Path,
    out: &Path,
    draws: Option<usize>,
) -> Result<Recorder> {
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("bench-run").arg(site).arg(out);
    if let Some(n) = draws {
        cmd.arg("--draws").arg(n.to_string());
    }
    let child = cmd
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| Error::Tool(format!("cannot start {}: {e}", exe.display())))?;
    if !child.status.success() {
        return Err(Error::Tool(format!(
            "the benchmark's run of {} failed ({})",
            site.display(),
            child.status
        )));
    }
    serde_json::from_slice(&child.stdout).map_err(|e| {
        Error::Tool(format!(
            "the benchmark's run of {} printed no figures: {e}",
            site.display()
        ))
    })
}

/// Runs the benchmark for each size under `root` (a synthetic city per size, made once):
/// `repeat` runs per size, each in a fresh process of `exe` (the `cpgis` binary) and each
/// followed by an `ogr2ogr` conversion of the same buildings. On a shared machine a neighbour
/// can slow one run down, so the median run is reported, with the fastest and the slowest.
pub fn bench(
    exe: &Path,
    sizes: &[usize],
    root: &Path,
    seed: u64,
    repeat: usize,
) -> Result<Vec<Measured>> {
    let mut out = Vec::new();
    for &n in sizes {
        let dir: PathBuf = root.join(format!("city-{n}-{seed}"));
        if !dir.join("site.toml").exists() {
            eprintln!("synthesising {n} buildings in {} …", dir.display());
            crate::synth::synth(n, seed, &dir)?;
        }
        let mut runs = Vec::new();
        let mut no_draws = Vec::new();
        let mut balance_pairs = Vec::new();
        let mut ogr = Vec::new();
        for k in 0..repeat.max(1) {
            // Each run paired with the same run without the uncertainty's draws, what they
            // cost; the pair's order alternates and the disk is synced before each run, so
            // that neither side always inherits the other's (or ogr2ogr's) writing.
            let mut pair = [None, None];
            for side in [k % 2, 1 - k % 2] {
                sync_disk();
                pair[side] = Some(if side == 0 {
                    run_in_process(exe, &dir.join("site.toml"), &dir.join("out"))?
                } else {
                    run_in_process_with(
                        exe,
                        &dir.join("site.toml"),
                        &dir.join("out-no-draws"),
                        Some(0),
                    )?
                });
            }
            let [Some(rec), Some(plain)] = pair else {
                unreachable!("both sides of a pair run")
            };
            eprintln!(
                "{n} buildings: {:.2} s ({:.2} s without draws)",
                rec.total().as_secs_f64(),
                plain.total().as_secs_f64()
            );
            no_draws.push(plain.total());
            balance_pairs.push((rec.stage_wall("balance"), plain.stage_wall("balance")));
            runs.push(rec);
            sync_disk();
            ogr.extend(time_ogr2ogr(&dir));
        }
        let output_bytes = bytes_in(&dir.join("out"));
        let disk = time_disk(&dir.join("out"), output_bytes);
        let totals: Vec<Duration> = runs.iter().map(Recorder::total).collect();
        let middle = median(&totals).unwrap_or_default();
        let pick = totals.iter().position(|t| *t == middle).unwrap_or(0);
        out.push(Measured {
            buildings: n,
            recorder: runs.swap_remove(pick),
            totals,
            totals_no_draws: no_draws,
            balance_pairs,
            ogr2ogr: median(&ogr),
            output_bytes,
            disk,
        });
    }
    Ok(out)
}

/// The benchmark's table: per size and stage, wall seconds, CPU seconds (every thread) and peak
/// MB; totals, the spread of the repeats, the ratio to ogr2ogr, and the scaling exponent
/// between consecutive sizes.
pub fn render(results: &[Measured]) -> String {
    let mut s = String::new();
    let Some(first) = results.first() else {
        return s;
    };
    let stages: Vec<&str> = first
        .recorder
        .stages
        .iter()
        .map(|x| x.name.as_str())
        .collect();
    let _ = write!(s, "{:<14}", "stage");
    for r in results {
        let _ = write!(s, " {:>WIDTH$}", format!("{}: s / cpu s / MB", r.buildings));
    }
    s.push('\n');
    let cell = |wall: Duration, cpu: Duration, mb: Option<f64>| {
        let mb = mb.unwrap_or(f64::NAN);
        format!(
            "{:.3} / {:.2} / {mb:.0}",
            wall.as_secs_f64(),
            cpu.as_secs_f64()
        )
    };
    for (i, stage) in stages.iter().enumerate() {
        row(&mut s, stage, results, |r| {
            r.recorder
                .stages
                .get(i)
                .map(|x| cell(x.wall, x.cpu, x.peak_mb))
                .unwrap_or_else(|| "n/a".into())
        });
    }
    row(&mut s, "total", results, |r| {
        cell(r.recorder.total(), r.recorder.cpu(), r.recorder.peak())
    });
    row(&mut s, "runs min..max", results, |r| {
        let secs = |d: Option<&Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64());
        format!(
            "{} x: {:.3}..{:.3}",
            r.totals.len(),
            secs(r.totals.iter().min()),
            secs(r.totals.iter().max())
        )
    });
    let or_na = |d: Option<String>| d.unwrap_or_else(|| "n/a".into());
    row(&mut s, "--draws 0", results, |r| {
        or_na(median(&r.totals_no_draws).map(|d| format!("{:.3}", d.as_secs_f64())))
    });
    // Per pair (a run and the same run without draws, in alternating order), a change in per
    // cent of the run without draws: `centre` of the pairs', with the smallest and the largest.
    let per_cent = |changes: Vec<f64>, centre: &dyn Fn(&[f64]) -> f64| {
        if changes.is_empty() {
            return or_na(None);
        }
        let (lo, hi) = changes
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), c| {
                (lo.min(*c), hi.max(*c))
            });
        format!(
            "{:+.1}% ({:+.1}..{:+.1})",
            centre(&changes) * 100.0,
            lo * 100.0,
            hi * 100.0
        )
    };
    let median_of = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    row(&mut s, "draws add", results, |r| {
        // The whole run's: the geometric mean of the pairs' ratios. On this machine whichever
        // run of a pair comes first is slower (by up to a quarter); the order alternates, so
        // over an even number of repeats that cancels, where a median would pick one side.
        let ratios: Vec<f64> = r
            .totals
            .iter()
            .zip(&r.totals_no_draws)
            .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
            .collect();
        per_cent(ratios.iter().map(|x| x - 1.0).collect(), &|_| {
            (ratios.iter().map(|x| x.ln()).sum::<f64>() / ratios.len() as f64).exp() - 1.0
        })
    });
    row(&mut s, "draws, stage", results, |r| {
        // The balance stage's difference over the total without draws.
        per_cent(
            r.balance_pairs
                .iter()
                .zip(&r.totals_no_draws)
                .map(|((with, without), total)| {
                    (with.as_secs_f64() - without.as_secs_f64()) / total.as_secs_f64()
                })
                .collect(),
            &median_of,
        )
    });
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

/// Characters per size column.
const WIDTH: usize = 26;

/// One line of the table: `label`, then `cell` of each size, right-aligned in its column.
fn row(s: &mut String, label: &str, results: &[Measured], cell: impl Fn(&Measured) -> String) {
    let _ = write!(s, "{label:<14}");
    for r in results {
        let _ = write!(s, " {:>WIDTH$}", cell(r));
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
