//! A run split into tiles as a distributed engine would do it: `cpgis prepare`, each tile's
//! rows through the `cpgis-tile` binary (Arrow IPC stream in and out), `cpgis finish`. On the
//! Kamppi case (real OSM buildings, HSL stops, the population grid) cut into 500 m tiles every
//! output equals `cpgis run`'s byte for byte. Results with a building missing, or twice, or from
//! another version of the case, are refused with exit 2. (The same path on Apache Spark is
//! tested by `spark/test_spark.py`.)

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use arrow_array::{BooleanArray, Float64Array, RecordBatch, StringArray, UInt8Array};
use arrow_schema::{DataType, Field, Schema};
use common::{cpgis, fixture};
use cpgis_tile::ipc;

/// The worker binary, beside `cpgis`. Cargo builds a test's own package's binaries only, so
/// the worker of the `cpgis-tile` package is built here (same profile). The whole workspace's
/// targets are named, as `scripts/test` builds them: `-p cpgis-tile` alone unifies the
/// dependencies' features differently (libc, once_cell, syn), which rebuilt most of them inside
/// this test on a clean checkout (CI: 261 s for a test that takes 15).
fn worker() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let cpgis = Path::new(env!("CARGO_BIN_EXE_cpgis"));
            let path = cpgis.with_file_name("cpgis-tile");
            let release = cpgis
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|p| p == "release");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let mut build = Command::new(cargo);
            build.args(["build", "--quiet", "--workspace", "--all-targets"]);
            if release {
                build.arg("--release");
            }
            let status = build.status().expect("cargo runs");
            assert!(status.success(), "cannot build cpgis-tile");
            assert!(path.exists(), "{} was not built", path.display());
            path
        })
        .clone()
}

/// A batch's column `name` as its Arrow type.
fn column<'a, T: 'static>(b: &'a RecordBatch, name: &str) -> &'a T {
    b.column_by_name(name)
        .unwrap_or_else(|| panic!("no column `{name}`"))
        .as_any()
        .downcast_ref::<T>()
        .unwrap_or_else(|| panic!("`{name}` is not of the type asked"))
}

/// A feature row (batch, row) and whether it is the tile's own.
type RowRef = (usize, usize, bool);

/// The features cut as an engine cuts them: a building's own tile by its point, and every tile
/// whose square widened by the halo meets a feature's bounding box (stops: `halos[0]`, the
/// rail catchment; buildings and population cells: `halos[1]`, a shared cell's reach).
fn tiles(
    features: &[RecordBatch],
    origin: [f64; 2],
    size: f64,
    halos: [f64; 2],
) -> BTreeMap<(i64, i64), RecordBatch> {
    let schema = {
        let mut f: Vec<Field> = features[0]
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        f.push(Field::new("own", DataType::Boolean, false));
        Arc::new(Schema::new(f))
    };
    let mut rows: BTreeMap<(i64, i64), Vec<RowRef>> = BTreeMap::new();
    let key = |v: f64, o: f64| ((v - o) / size).floor() as i64;
    for (bi, b) in features.iter().enumerate() {
        let kind = column::<UInt8Array>(b, "kind");
        let num = |n: &str| column::<Float64Array>(b, n).clone();
        let (rx, ry, minx, miny, maxx, maxy) = (
            num("rx"),
            num("ry"),
            num("minx"),
            num("miny"),
            num("maxx"),
            num("maxy"),
        );
        for i in 0..b.num_rows() {
            let own = (kind.value(i) == 0)
                .then(|| (key(rx.value(i), origin[0]), key(ry.value(i), origin[1])));
            // Stops by the rail catchment, the rest by the reach of a shared population cell.
            let halo = if kind.value(i) == 1 {
                halos[0]
            } else {
                halos[1]
            };
            let mut keys: Vec<(i64, i64)> = Vec::new();
            for tx in key(minx.value(i) - halo, origin[0])..=key(maxx.value(i) + halo, origin[0]) {
                for ty in
                    key(miny.value(i) - halo, origin[1])..=key(maxy.value(i) + halo, origin[1])
                {
                    keys.push((tx, ty));
                }
            }
            keys.extend(own);
            keys.sort_unstable();
            keys.dedup();
            for k in keys {
                rows.entry(k).or_default().push((bi, i, Some(k) == own));
            }
        }
    }
    rows.into_iter()
        .filter(|(_, r)| r.iter().any(|x| x.2))
        .map(|(k, r)| {
            let parts: Vec<RecordBatch> = r
                .iter()
                .map(|(bi, i, own)| {
                    let mut cols = features[*bi].slice(*i, 1).columns().to_vec();
                    cols.push(Arc::new(BooleanArray::from(vec![*own])));
                    RecordBatch::try_new(schema.clone(), cols).unwrap()
                })
                .collect();
            (
                k,
                arrow_select::concat::concat_batches(&schema, &parts).unwrap(),
            )
        })
        .collect()
}

/// Pipes one tile through the worker; returns its results.
fn run_tile(model: &Path, tile: &RecordBatch) -> RecordBatch {
    let mut child = Command::new(worker())
        .arg(model)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cpgis-tile runs (built with the workspace)");
    let mut input = Vec::new();
    ipc::write_stream(&mut input, tile).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut b = ipc::read_stream(&out.stdout[..]).unwrap();
    assert_eq!(b.len(), 1);
    b.remove(0)
}

fn prepare(site: &Path, dir: &Path) -> (Vec<RecordBatch>, serde_json::Value) {
    let r = cpgis(&[
        "prepare",
        site.to_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
        "--tile-m",
        "500",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let f = std::fs::File::open(dir.join("features.arrow")).unwrap();
    let model =
        serde_json::from_str(&std::fs::read_to_string(dir.join("model.json")).unwrap()).unwrap();
    (ipc::read_file(f).unwrap(), model)
}

/// `cpgis finish -q` of `site` from the prepared folder and the results, into `out`.
fn finish_quietly(site: &Path, prep: &Path, results: &Path, out: &Path) -> common::Run {
    finish_quietly_with(site, prep, results, out, &[])
}

/// [`finish_quietly`] with more arguments.
fn finish_quietly_with(
    site: &Path,
    prep: &Path,
    results: &Path,
    out: &Path,
    more: &[&str],
) -> common::Run {
    let args = [
        "finish",
        site.to_str().unwrap(),
        "--prepared",
        prep.to_str().unwrap(),
        "--results",
        results.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
    ];
    cpgis(&[&args[..], more].concat())
}

/// Asserts that each of `names` has the same bytes in folders `a` and `b`.
fn assert_same_files(a: &Path, b: &Path, names: &[std::ffi::OsString]) {
    for n in names {
        let (x, y) = (
            std::fs::read(a.join(n)).unwrap(),
            std::fs::read(b.join(n)).unwrap(),
        );
        assert!(x == y, "{n:?} differs between run and finish");
    }
}

fn write_results(dir: &Path, name: &str, b: &RecordBatch) {
    std::fs::create_dir_all(dir).unwrap();
    ipc::write_file(
        std::fs::File::create(dir.join(name)).unwrap(),
        std::slice::from_ref(b),
    )
    .unwrap();
}

/// What [`tiled_like_run`] leaves for further checks.
struct Tiled {
    prep: PathBuf,
    results: PathBuf,
    /// The tiles, by their column and row.
    tiles: BTreeMap<(i64, i64), RecordBatch>,
    /// `cpgis run`'s output folder and the names of its files.
    run_dir: PathBuf,
    names: Vec<std::ffi::OsString>,
    /// Each building's place (district, community, outside) as its tile says it.
    placed: BTreeMap<String, String>,
}

/// Prepares a Kamppi `site` into `tmp`, computes its tiles of 500 m with the worker, and checks
/// that `cpgis finish` on their results writes `cpgis run`'s files byte for byte and that the
/// tiles placed every building where the run did.
fn tiled_like_run(site: &Path, tmp: &Path) -> Tiled {
    let prep = tmp.join("prep");
    let (features, model) = prepare(site, &prep);
    let origin = [
        model["tiling"]["origin"][0].as_f64().unwrap(),
        model["tiling"]["origin"][1].as_f64().unwrap(),
    ];
    // Kamppi's population grid is of 250 m squares in ETRS-TM35FIN, a little turned in the
    // case's UTM zone: buildings reach the diagonal of a cell's bounding box, just over 353.6 m.
    let neighbour = model["tiling"]["neighbour_m"].as_f64().unwrap();
    assert!(
        neighbour > 250.0 * 2f64.sqrt() && neighbour < 370.0,
        "{neighbour}"
    );
    let tiles = tiles(&features, origin, 500.0, [1300.0, neighbour]);
    assert!(tiles.len() >= 4, "{} tiles", tiles.len());
    let results = tmp.join("results");
    let mut computed = 0;
    // Each building's place (district, community, outside) as its tile says it.
    let mut placed: BTreeMap<String, String> = BTreeMap::new();
    for ((x, y), t) in &tiles {
        let r = run_tile(&prep.join("model.json"), t);
        computed += r.num_rows();
        let strings = |name: &str| {
            column::<StringArray>(&r, name)
                .iter()
                .map(|v| v.unwrap().to_string())
                .collect::<Vec<_>>()
        };
        placed.extend(strings("id").into_iter().zip(strings("membership")));
        write_results(&results, &format!("tile_{x}_{y}.arrow"), &r);
    }
    let buildings: usize = features
        .iter()
        .map(|b| {
            column::<UInt8Array>(b, "kind")
                .iter()
                .filter(|k| *k == Some(0))
                .count()
        })
        .sum();
    assert_eq!(computed, buildings, "each building computed exactly once");

    let (run_dir, fin_dir) = (tmp.join("run"), tmp.join("fin"));
    let r = common::run_quietly(site, &run_dir, &[]);
    let f = finish_quietly(site, &prep, &results, &fin_dir);
    assert_eq!(f.code, 0, "{}", f.stderr);
    assert_eq!(f.stdout, r.stdout, "the verdict line");
    let mut names: Vec<_> = std::fs::read_dir(&run_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert!(names.len() >= 8, "{names:?}");
    assert_same_files(&run_dir, &fin_dir, &names);
    // The tiles placed every building where `cpgis run` did, from the community's area the
    // prepared model carries: the run's buildings layer against the tiles' column.
    let run_placed: BTreeMap<String, String> =
        common::geojson_features(&run_dir.join("buildings.geojson"))
            .iter()
            .map(|f| {
                let p = &f["properties"];
                (
                    p["id"].as_str().unwrap().to_string(),
                    p["membership"].as_str().unwrap().to_string(),
                )
            })
            .collect();
    assert_eq!(placed, run_placed);
    Tiled {
        prep,
        results,
        tiles,
        run_dir,
        names,
        placed,
    }
}

#[test]
fn kamppi_in_tiles_gives_cpgis_runs_outputs_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let site = fixture("kamppi/site.toml");
    let Tiled {
        prep,
        results,
        tiles,
        run_dir,
        names,
        placed,
    } = tiled_like_run(&site, tmp.path());
    let count = |m: &str| placed.values().filter(|v| *v == m).count();

    // The driver holding only the district's and the community's buildings (`--hold-all-max
    // 0`; no uncertainty drawn, so no building beyond them is walked): every figure the same,
    // the layers but the buildings' byte for byte, no buildings layer, and summary.json the
    // run's but for the note that says so.
    let (run0_dir, held_dir) = (tmp.path().join("run0"), tmp.path().join("held"));
    let no_draws = ["--set", "uncertainty.draws=0"];
    let r0 = cpgis(
        &[
            &[
                "run",
                site.to_str().unwrap(),
                "-o",
                run0_dir.to_str().unwrap(),
                "-q",
            ][..],
            &no_draws,
        ]
        .concat(),
    );
    assert_eq!(r0.code, 0, "{}", r0.stderr);
    let h = finish_quietly_with(
        &site,
        &prep,
        &results,
        &held_dir,
        &[&["--hold-all-max", "0"][..], &no_draws].concat(),
    );
    assert_eq!(h.code, 0, "{}", h.stderr);
    // The verdict line the same, but for one note more (the one that says what was held).
    let notes = |line: &str| -> (String, usize) {
        let (head, tail) = line.rsplit_once("; ").unwrap();
        (
            head.to_string(),
            tail.split(' ').next().unwrap().parse().unwrap(),
        )
    };
    let ((held_line, held_notes), (run_line, run_notes)) = (notes(&h.stdout), notes(&r0.stdout));
    assert_eq!(held_line, run_line, "the verdict line");
    assert_eq!(held_notes, run_notes + 1, "{}", h.stdout);
    let mut held_names: Vec<_> = std::fs::read_dir(&held_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    held_names.sort();
    let without = |n: &str| {
        names
            .iter()
            .filter(|x| *x != n)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(held_names, without("buildings.geojson"));
    let same: Vec<_> = without("buildings.geojson")
        .into_iter()
        .filter(|n| n != "summary.json" && n != "report.html")
        .collect();
    assert!(same.len() >= 5, "{same:?}");
    assert_same_files(&run0_dir, &held_dir, &same);
    let summary = |dir: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
    };
    let (ran, mut held) = (summary(&run0_dir), summary(&held_dir));
    let note = held["notes"].as_array_mut().unwrap().remove(0);
    let note = note.as_str().unwrap().to_string();
    // Kamppi's 451 district and 350 community buildings held, of 825 (worked from the run's
    // layer above: the 24 beyond the community are not held).
    let kept = count("district") + count("community");
    assert!(kept < placed.len());
    assert!(
        note.starts_with(&format!(
            "the driver held {kept} of the map's {} buildings (the district's, the community's;",
            placed.len()
        )),
        "{note}"
    );
    assert_eq!(ran, held, "summary.json but the note");
    // Kamppi's ring of 1,000 m holds buildings of all three kinds.
    assert!(count("district") > 0 && count("community") > 0 && count("outside") > 0);

    // What the buildings beyond the community offer is the tiles' sum of their `offer_t_yr`:
    // the run's lever says the same figure, and a finish on results whose offers are doubled
    // says twice it (doubling each value doubles an exact sum exactly): the driver takes the
    // tiles' figure instead of working out every building beyond the community again.
    let lever = |dir: &Path| -> f64 {
        let s: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap())
                .unwrap();
        let text = s["balance"]["levers"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|l| l.as_str())
            .find(|l| l.contains("outside it offer"))
            .expect("Kamppi's levers say what the buildings beyond the community offer")
            .to_string();
        let figure = text.rsplit("offer ").next().unwrap();
        figure.trim_end_matches(" t/yr").parse().unwrap()
    };
    let (mut outside_sum, mut doubled_results) = (0.0, Vec::new());
    for (x, y) in tiles.keys() {
        let f = std::fs::File::open(results.join(format!("tile_{x}_{y}.arrow"))).unwrap();
        let b = ipc::read_file(f).unwrap().remove(0);
        let places = column::<StringArray>(&b, "membership");
        let offers = column::<Float64Array>(&b, "offer_t_yr");
        for i in 0..b.num_rows() {
            if places.value(i) == "outside" {
                outside_sum += offers.value(i);
            }
        }
        let doubled: Float64Array = offers.iter().map(|v| v.map(|v| 2.0 * v)).collect();
        let mut columns = b.columns().to_vec();
        columns[b.schema().index_of("offer_t_yr").unwrap()] = Arc::new(doubled);
        doubled_results.push((
            format!("tile_{x}_{y}.arrow"),
            RecordBatch::try_new(b.schema(), columns).unwrap(),
        ));
    }
    let said = lever(&run_dir);
    assert!(said > 0.0);
    assert_eq!(format!("{outside_sum:.1}"), format!("{said:.1}"));
    let results2 = tmp.path().join("results2");
    for (name, b) in &doubled_results {
        write_results(&results2, name, b);
    }
    let fin2 = tmp.path().join("fin2");
    let f = finish_quietly(&site, &prep, &results2, &fin2);
    assert_eq!(f.code, 0, "{}", f.stderr);
    assert_eq!(
        format!("{:.1}", lever(&fin2)),
        format!("{:.1}", 2.0 * outside_sum)
    );

    // A tile whose rows come twice (an engine's mistake) is refused by the worker, not read as
    // one: the features are said to come twice.
    let (_, t) = tiles.iter().next().unwrap();
    let doubled = arrow_select::concat::concat_batches(&t.schema(), [t, t]).unwrap();
    let mut child = Command::new(worker())
        .arg(prep.join("model.json"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = Vec::new();
    ipc::write_stream(&mut input, &doubled).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("comes twice in the tile"), "{stderr}");

    // A building missing (one tile's results left out), then one computed twice.
    let (first, _) = tiles.iter().next().unwrap();
    let dropped = results.join(format!("tile_{}_{}.arrow", first.0, first.1));
    let kept = std::fs::read(&dropped).unwrap();
    std::fs::remove_file(&dropped).unwrap();
    let args = |out: &Path| {
        vec![
            "finish".to_string(),
            site.display().to_string(),
            "--prepared".into(),
            prep.display().to_string(),
            "--results".into(),
            results.display().to_string(),
            "-o".into(),
            out.display().to_string(),
        ]
    };
    let run_args = |a: Vec<String>| cpgis(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let missing = run_args(args(&tmp.path().join("x1")));
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing
            .stderr
            .contains("buildings have no result (no tile computed them)"),
        "{}",
        missing.stderr
    );
    std::fs::write(&dropped, &kept).unwrap();
    std::fs::write(results.join("copy.arrow"), &kept).unwrap();
    let twice = run_args(args(&tmp.path().join("x2")));
    assert_eq!(twice.code, 2, "{}", twice.stderr);
    assert!(
        twice.stderr.contains("comes twice: two tiles computed it"),
        "{}",
        twice.stderr
    );
    std::fs::remove_file(results.join("copy.arrow")).unwrap();

    // The profile notes' lists come from the tiles' parts (each tile tallies its own buildings,
    // where their attributes are): a building taken out of one tile's list of default floors is
    // missing from finish's list, and a tile's results without their part are refused.
    let with_meta = |b: &RecordBatch, meta: std::collections::HashMap<String, String>| {
        let schema = Arc::new(b.schema().as_ref().clone().with_metadata(meta));
        RecordBatch::try_new(schema, b.columns().to_vec()).unwrap()
    };
    let b = ipc::read_file(std::fs::File::open(&dropped).unwrap())
        .unwrap()
        .remove(0);
    let mut meta = b.schema().metadata().clone();
    let mut part: serde_json::Value = serde_json::from_str(&meta["cpgis:notes"]).unwrap();
    let list = part["default_floors"].as_array_mut().unwrap();
    assert!(
        !list.is_empty(),
        "the tile has buildings with default floors"
    );
    let gone = list.remove(0)[1].as_str().unwrap().to_string();
    meta.insert("cpgis:notes".into(), part.to_string());
    let tampered = tmp.path().join("results3");
    for (x, y) in tiles.keys() {
        let name = format!("tile_{x}_{y}.arrow");
        let f = std::fs::File::open(results.join(&name)).unwrap();
        let t = ipc::read_file(f).unwrap().remove(0);
        let t = if results.join(&name) == dropped {
            with_meta(&t, meta.clone())
        } else {
            t
        };
        write_results(&tampered, &name, &t);
    }
    let fin3 = tmp.path().join("fin3");
    let f = finish_quietly(&site, &prep, &tampered, &fin3);
    assert_eq!(f.code, 0, "{}", f.stderr);
    let defaults = |dir: &Path| -> Vec<String> {
        let s: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap())
                .unwrap();
        s["profile"]["default_floors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let (ran, finished) = (defaults(&run_dir), defaults(&fin3));
    assert!(ran.contains(&gone) && !finished.contains(&gone), "{gone}");
    assert_eq!(finished.len() + 1, ran.len());
    meta.remove("cpgis:notes");
    write_results(&tampered, "tile_bare.arrow", &with_meta(&b, meta));
    std::fs::remove_file(tampered.join(dropped.file_name().unwrap())).unwrap();
    let bare = finish_quietly(&site, &prep, &tampered, &tmp.path().join("x4"));
    assert_eq!(bare.code, 2, "{}", bare.stderr);
    assert!(
        bare.stderr.contains("tile_bare.arrow") && bare.stderr.contains("carry no profile notes"),
        "{}",
        bare.stderr
    );

    // A building the tiles placed elsewhere than the driver does (one `outside` row relabelled
    // `community`): a fault, refused (exit 1), not averaged into the counts by place.
    let relabelled = tmp.path().join("results4");
    let mut done = false;
    for (x, y) in tiles.keys() {
        let name = format!("tile_{x}_{y}.arrow");
        let t = ipc::read_file(std::fs::File::open(results.join(&name)).unwrap())
            .unwrap()
            .remove(0);
        let places = column::<StringArray>(&t, "membership");
        let t = match (done, places.iter().position(|p| p == Some("outside"))) {
            (false, Some(row)) => {
                done = true;
                let mut values: Vec<String> =
                    places.iter().map(|p| p.unwrap().to_string()).collect();
                values[row] = "community".into();
                let mut columns = t.columns().to_vec();
                columns[t.schema().index_of("membership").unwrap()] =
                    Arc::new(StringArray::from(values));
                RecordBatch::try_new(t.schema(), columns).unwrap()
            }
            _ => t,
        };
        write_results(&relabelled, &name, &t);
    }
    assert!(done, "a tile has a building beyond the community");
    let moved = finish_quietly(&site, &prep, &relabelled, &tmp.path().join("x5"));
    assert_eq!(moved.code, 1, "{}", moved.stderr);
    assert!(
        moved.stderr.contains("the tiles placed")
            && moved
                .stderr
                .contains("in the district, the community and outside"),
        "{}",
        moved.stderr
    );

    // The case changed since it was prepared: another margin is another model.
    let mut changed = args(&tmp.path().join("x3"));
    changed.extend(["--set".into(), "scenario.proposed.car_share=0.05".into()]);
    let stale = run_args(changed);
    assert_eq!(stale.code, 2, "{}", stale.stderr);
    assert!(
        stale.stderr.contains("prepare it again"),
        "{}",
        stale.stderr
    );
}

/// The community's area is worked out by `prepare` (the tiles place buildings by it), so a site
/// file whose community cannot be delineated is refused there, before any tile runs, as
/// `cpgis run` refuses it, and nothing is written.
/// Under the europe preset Kamppi's space heat is × 1.770 by Finland's degree days
/// (`tests/estimate.rs`): the tiles take the scale from the prepared model as the run does.
#[test]
fn kamppi_under_europe_in_tiles_gives_cpgis_runs_outputs_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let text = common::fixture_site_text("kamppi", "site.toml")
        .replace("preset = \"helsinki\"", "preset = \"europe\"");
    assert!(text.contains("preset = \"europe\""));
    let site = common::write_site(tmp.path(), &text);
    let Tiled { placed, .. } = tiled_like_run(&site, tmp.path());
    assert!(placed.len() > 800, "{} buildings", placed.len());
    let run: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("run/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(run["climate"]["from"], "location");
    assert!((run["climate"]["space_heat_scale"].as_f64().unwrap() - 5536.1 / 3128.1).abs() < 1e-12);
}

#[test]
fn prepare_refuses_a_community_that_cannot_be_delineated() {
    let tmp = tempfile::tempdir().unwrap();
    let site = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/bad/adjacent-without-neighbourhoods/site.toml");
    let out = tmp.path().join("prep");
    let r = cpgis(&[
        "prepare",
        site.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    common::assert_bad_input(&r, &["community.method", "`adjacent` needs neighbourhoods"]);
    assert!(!out.join("model.json").exists() && !out.join("features.arrow").exists());
}

/// `cpgis finish` takes the site from the prepared folder, not from the input layers: with the
/// second buildings layer gone from where finish runs, it still writes `cpgis run`'s layers
/// byte for byte (the buildings of that layer come from `features.arrow`), and says in that
/// layer's report that it was not checked, with the bytes prepare read. A layer whose bytes
/// changed since prepare (one newline added to the GeoJSON, its features unchanged) is refused
/// with exit 2 naming it: the inputs are fingerprinted, not parsed again.
#[test]
fn finish_reads_the_prepared_site_not_the_input_layers() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    std::fs::create_dir(&case).unwrap();
    for e in std::fs::read_dir(fixture("kamppi")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, case.join(p.file_name().unwrap())).unwrap();
    }
    let site = case.join("site.toml");
    // Roads and railways for the maps: the driver's part carries them.
    let mut text = std::fs::read_to_string(&site).unwrap();
    text.push_str(
        "\n[context]\nroads = { path = \"centre_2019_roads.geojson\" }\nrail = { path = \"centre_2019_rail_lines.geojson\" }\n",
    );
    std::fs::write(&site, text).unwrap();
    let prep = tmp.path().join("prep");
    let (features, _) = prepare(&site, &prep);
    // One tile of every feature, all its own (a features table without `own`).
    let whole = arrow_select::concat::concat_batches(&features[0].schema(), &features).unwrap();
    let results = tmp.path().join("results");
    write_results(
        &results,
        "all.arrow",
        &run_tile(&prep.join("model.json"), &whole),
    );
    let (run_dir, fin_dir) = (tmp.path().join("run"), tmp.path().join("fin"));
    common::run_quietly(&site, &run_dir, &[]);
    // Every input where it was: every file the run's, the report's roads and railways and the
    // layers' load reports included.
    let whole_dir = tmp.path().join("fin0");
    let f = finish_quietly(&site, &prep, &results, &whole_dir);
    assert_eq!(f.code, 0, "{}", f.stderr);
    let report = std::fs::read_to_string(run_dir.join("report.html")).unwrap();
    assert!(report.contains("context roads") && report.contains("context rail"));
    let names: Vec<_> = std::fs::read_dir(&run_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_same_files(&run_dir, &whole_dir, &names);

    let layer = case.join("centre_2019_buildings.geojson");
    let bytes = std::fs::read(&layer).unwrap();
    std::fs::remove_file(&layer).unwrap();
    let f = finish_quietly(&site, &prep, &results, &fin_dir);
    assert_eq!(f.code, 0, "{}", f.stderr);
    let layers = [
        "buildings.geojson",
        "grid.geojson",
        "neighbourhoods.geojson",
        "community.geojson",
        "offset_zones.geojson",
        "opportunities.geojson",
        "stops.geojson",
    ];
    assert_same_files(&run_dir, &fin_dir, &layers.map(std::ffi::OsString::from));
    let summary = |dir: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
    };
    let (ran, fin) = (summary(&run_dir), summary(&fin_dir));
    assert_eq!(ran["balance"], fin["balance"]);
    let notes = |s: &serde_json::Value| -> Vec<String> {
        s["quality"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| {
                l["file"]
                    .as_str()
                    .is_some_and(|f| f.ends_with("centre_2019_buildings.geojson"))
            })
            .flat_map(|l| l["notes"].as_array().cloned().unwrap_or_default())
            .map(|n| n.as_str().unwrap().to_string())
            .collect()
    };
    assert!(notes(&ran).is_empty(), "{:?}", notes(&ran));
    let said = notes(&fin);
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].contains("was not found where `cpgis finish` ran")
            && said[0].contains(&format!("{} bytes", bytes.len())),
        "{said:?}"
    );

    let mut edited = bytes.clone();
    edited.push(b'\n');
    std::fs::write(&layer, &edited).unwrap();
    let f = finish_quietly(&site, &prep, &results, &tmp.path().join("fin2"));
    common::assert_bad_input(
        &f,
        &[
            "centre_2019_buildings.geojson: has changed",
            "prepare the case again",
        ],
    );
    // Back as it was, finish is content again, with the site file named as another command
    // would name it (relative to the working folder, where prepare had it absolute): the
    // fingerprints are of the same files.
    std::fs::write(&layer, &bytes).unwrap();
    let f = Command::new(env!("CARGO_BIN_EXE_cpgis"))
        .current_dir(tmp.path())
        .args([
            "finish",
            "case/site.toml",
            "--prepared",
            "prep",
            "--results",
            "results",
        ])
        .args(["-o", "fin3", "-q"])
        .output()
        .unwrap();
    assert!(f.status.success(), "{}", String::from_utf8_lossy(&f.stderr));
    assert_same_files(&run_dir, &tmp.path().join("fin3"), &names);

    // A use table edited in the site file after prepare (the layer files unchanged): the
    // prepared features were read by the old one, so finish refuses, naming the section.
    let text = std::fs::read_to_string(&site).unwrap();
    let edited = text.replacen("office = \"office\"", "office = \"retail\"", 1);
    assert_ne!(edited, text);
    std::fs::write(&site, edited).unwrap();
    let f = finish_quietly(&site, &prep, &results, &tmp.path().join("fin5"));
    common::assert_bad_input(&f, &["site.toml", "[buildings]", "prepare the case again"]);
    std::fs::write(&site, text).unwrap();

    // Features whose rows are not in the order prepare wrote them (the second half first) would
    // be another site's order: refused, naming the file.
    let half = whole.num_rows() / 2;
    let swapped = [
        whole.slice(half, whole.num_rows() - half),
        whole.slice(0, half),
    ];
    ipc::write_file(
        std::fs::File::create(prep.join("features.arrow")).unwrap(),
        &swapped,
    )
    .unwrap();
    let f = finish_quietly(&site, &prep, &results, &tmp.path().join("fin4"));
    common::assert_bad_input(&f, &["features.arrow", "comes next"]);
}
