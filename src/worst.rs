//! Worst-case geometries for the benchmark (`cpgis bench --worst`): the shapes that made
//! quadratic algorithms hang, each a site of its own built on a small synthetic city (NOT real
//! data), with the target its load and run must meet.
//!
//! | case | what | target |
//! |---|---|---|
//! | `building-100k` | one building of 100,000 vertices (a finely toothed circle) | run ≤ 1 s |
//! | `district-1m` | a district boundary of 1,000,000 vertices (the synthetic square, toothed 0.5 m deep) | run ≤ 10 s |
//! | `zigzag-12500` | a district boundary of 12,500 vertices, toothed 20 m deep | community ≤ 1 s, ≤ 300 MB |
//! | `coastline-12500` | a district boundary of 12,500 vertices, a random coastline (midpoint displacement) | community ≤ 1 s, ≤ 300 MB |

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::bench::Recorder;
use crate::synth::Pcg;
use crate::{Error, Result};

/// The synthetic district: a 1 km square centred here, EPSG:32632 metres (`synth`'s).
const CENTRE: (f64, f64) = (500_000.0, 5_200_000.0);
const HALF: f64 = 500.0;
/// Buildings in the city each case is built on.
const CITY: usize = 2_000;

/// One worst case: its name, what it is, its targets.
pub struct Case {
    /// Name, also its folder's.
    pub name: &'static str,
    /// What the geometry is.
    pub what: &'static str,
    /// The stage the target is about (`total` for the whole run).
    pub stage: &'static str,
    /// Wall-time target of that stage.
    pub target: Duration,
    /// Peak-memory target of that stage, MB.
    pub target_mb: Option<f64>,
}

/// The cases, in the order they are run.
pub const CASES: [Case; 4] = [
    Case {
        name: "building-100k",
        what: "one building of 100,000 vertices",
        stage: "total",
        target: Duration::from_secs(1),
        target_mb: None,
    },
    Case {
        name: "district-1m",
        what: "a district boundary of 1,000,000 vertices",
        stage: "total",
        target: Duration::from_secs(10),
        target_mb: None,
    },
    Case {
        name: "zigzag-12500",
        what: "a district boundary of 12,500 vertices toothed 20 m deep",
        stage: "community",
        target: Duration::from_secs(1),
        target_mb: Some(300.0),
    },
    Case {
        name: "coastline-12500",
        what: "a district boundary of 12,500 vertices, a random coastline",
        stage: "community",
        target: Duration::from_secs(1),
        target_mb: Some(300.0),
    },
];

/// Within this distance of a corner, m, depths shrink linearly to 0, so the teeth of two sides
/// never cross (depths are at most 60 m: the offset stays under 0.6 × the distance).
const TAPER_M: f64 = 100.0;

/// The square district's boundary, counter-clockwise, with `n` vertices, each moved inwards by
/// `depth(i)` m (teeth or a coastline), a simple polygon.
fn toothed_square(n: usize, depth: impl Fn(usize) -> f64) -> Vec<(f64, f64)> {
    let per_side = n / 4;
    let mut ring = Vec::with_capacity(n + 1);
    // Corners counter-clockwise, and each side's inward normal.
    let corners = [(-HALF, -HALF), (HALF, -HALF), (HALF, HALF), (-HALF, HALF)];
    let inward = [(0.0, 1.0), (-1.0, 0.0), (0.0, -1.0), (1.0, 0.0)];
    for side in 0..4 {
        let (a, b) = (corners[side], corners[(side + 1) % 4]);
        for k in 0..per_side {
            let t = k as f64 / per_side as f64;
            let to_corner = (2.0 * HALF * t).min(2.0 * HALF * (1.0 - t));
            let d = depth(side * per_side + k) * (to_corner / TAPER_M).min(1.0);
            ring.push((
                CENTRE.0 + a.0 + (b.0 - a.0) * t + inward[side].0 * d,
                CENTRE.1 + a.1 + (b.1 - a.1) * t + inward[side].1 * d,
            ));
        }
    }
    ring.push(ring[0]);
    ring
}

/// A random coastline: depths by midpoint displacement (0 to about 60 m), deterministic.
fn coastline_depths(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Pcg::new(seed);
    let mut d = vec![0.0; n + 1];
    let mut step = n.next_power_of_two() / 2;
    let mut amplitude = 30.0;
    // Fill by halving the step; indices beyond n are skipped.
    while step >= 1 {
        let mut i = step;
        while i < n {
            let (l, r) = (i - step, (i + step).min(n));
            d[i] = 0.5 * (d[l] + d[r]) + (rng.f() - 0.5) * amplitude;
            i += 2 * step;
        }
        amplitude *= 0.6;
        step /= 2;
    }
    d.iter().map(|v| v.abs()).collect()
}

/// A finely toothed circle of `n` vertices around `centre`, radius `r` m, counter-clockwise.
fn toothed_circle(n: usize, centre: (f64, f64), r: f64) -> Vec<(f64, f64)> {
    let mut ring: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n as f64;
            let rr = if i % 2 == 0 { r } else { r - 0.05 };
            (centre.0 + rr * a.cos(), centre.1 + rr * a.sin())
        })
        .collect();
    ring.push(ring[0]);
    ring
}

/// A GeoJSON FeatureCollection of polygons in EPSG:32632 (the legacy `crs` member GDAL reads).
fn feature_collection(features: &[(String, Vec<(f64, f64)>)], props: &str) -> String {
    let mut s = String::from(
        "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::32632\"}},\"features\":[\n",
    );
    for (k, (id, ring)) in features.iter().enumerate() {
        if k > 0 {
            s.push_str(",\n");
        }
        let _ = write!(
            s,
            "{{\"type\":\"Feature\",\"properties\":{{\"id\":\"{id}\",\"name\":\"{id}\"{props}}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[["
        );
        for (i, (x, y)) in ring.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let _ = write!(s, "[{x:.3},{y:.3}]");
        }
        s.push_str("]]}}");
    }
    s.push_str("\n]}\n");
    s
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text)
        .map_err(|e| Error::Tool(format!("cannot write {}: {e}", path.display())))
}

/// Makes the case's folder under `root` (once): the synthetic city, the case's layer, and a
/// site file using it. Returns the site file.
pub fn make(case: &Case, root: &Path) -> Result<PathBuf> {
    let dir = root.join(format!("worst-{}", case.name));
    let site = dir.join("site.toml");
    if site.exists() {
        return Ok(site);
    }
    let city = crate::synth::synth(CITY, 1, &dir)?;
    let mut text = std::fs::read_to_string(&city)
        .map_err(|e| Error::Tool(format!("cannot read {}: {e}", city.display())))?;
    let district = |ring: Vec<(f64, f64)>| {
        feature_collection(&[("Synthetic toothed district".into(), ring)], "")
    };
    match case.name {
        "building-100k" => {
            let buildings: Vec<(String, Vec<(f64, f64)>)> =
                std::iter::once(("worst-100k".into(), toothed_circle(100_000, CENTRE, 40.0)))
                    .chain((0..20).map(|i| {
                        let (x, y) = (CENTRE.0 - 400.0 + 40.0 * i as f64, CENTRE.1 - 300.0);
                        let sq = vec![
                            (x, y),
                            (x + 20.0, y),
                            (x + 20.0, y + 20.0),
                            (x, y + 20.0),
                            (x, y),
                        ];
                        (format!("b{i}"), sq)
                    }))
                    .collect();
            write(
                &dir.join("buildings.geojson"),
                &feature_collection(
                    &buildings,
                    ",\"building\":\"apartments\",\"building_levels\":4",
                ),
            )?;
            text = text.replace(
                "[buildings]\npath = \"city.gpkg\"\nlayer = \"buildings\"\nid = \"id\"\nuse = \"building\"\nfloors = \"building_levels\"\nheight = \"height\"\nyear = \"start_date\"",
                "[buildings]\npath = \"buildings.geojson\"\nid = \"id\"\nuse = \"building\"\nfloors = \"building_levels\"",
            );
        }
        "district-1m" => write(
            &dir.join("district.geojson"),
            &district(toothed_square(1_000_000, |i| (i % 2) as f64 * 0.5)),
        )?,
        "zigzag-12500" => write(
            &dir.join("district.geojson"),
            &district(toothed_square(12_500, |i| (i % 2) as f64 * 20.0)),
        )?,
        _ => {
            let depths = coastline_depths(12_500, 7);
            write(
                &dir.join("district.geojson"),
                &district(toothed_square(12_500, |i| depths[i])),
            )?
        }
    }
    if case.name != "building-100k" {
        text = text.replace(
            "[district]\npath = \"city.gpkg\"\nlayer = \"district\"",
            "[district]\npath = \"district.geojson\"",
        );
    }
    write(&site, &text)?;
    Ok(site)
}

/// The figures of one case: the run's stages and whether the targets were met.
pub struct Measured {
    /// The case.
    pub case: &'static Case,
    /// Its run.
    pub recorder: Recorder,
}

/// Runs every case once, each in a process of its own.
pub fn bench(exe: &Path, root: &Path) -> Result<Vec<Measured>> {
    CASES
        .iter()
        .map(|case| {
            let site = make(case, root)?;
            let out = site.with_file_name("out");
            let recorder = crate::bench::run_in_process(exe, &site, &out)?;
            eprintln!("{}: {:.2} s", case.name, recorder.total().as_secs_f64());
            Ok(Measured { case, recorder })
        })
        .collect()
}

/// The table of the worst cases: each case's stage against its target.
pub fn render(results: &[Measured]) -> String {
    let mut s = String::from(
        "worst-case geometries (on a synthetic city of 2,000 buildings; NOT real data)\n\
         case               stage       wall s  peak MB  target            met\n",
    );
    for m in results {
        let stage = m.recorder.stage_figures(m.case.stage);
        let (wall, peak) = stage
            .map(|f| (f.wall, f.peak_mb))
            .unwrap_or((m.recorder.total(), m.recorder.peak()));
        let met_time = wall <= m.case.target;
        let met_mb = match (m.case.target_mb, peak) {
            (Some(t), Some(p)) => p <= t,
            _ => true,
        };
        let target = match m.case.target_mb {
            Some(mb) => format!("≤ {} s, ≤ {mb:.0} MB", m.case.target.as_secs()),
            None => format!("≤ {} s", m.case.target.as_secs()),
        };
        let _ = writeln!(
            s,
            "{:<18} {:<10} {:>7.2} {:>8} {:<17} {}",
            m.case.name,
            m.case.stage,
            wall.as_secs_f64(),
            peak.map_or("-".into(), |p| format!("{p:.0}")),
            target,
            if met_time && met_mb { "yes" } else { "NO" }
        );
    }
    s
}
