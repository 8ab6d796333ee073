//! The synthetic city for benchmarks: deterministic for a seed, the sizes asked for, and a site
//! file that runs. (Never real data; the speed itself is measured by `cpgis bench`, not here.)

mod common;

use gdal::vector::LayerAccess;

#[test]
fn a_seed_gives_the_same_city_and_the_city_runs() {
    let tmp = tempfile::tempdir().unwrap();
    for d in ["a", "b"] {
        let r = common::cpgis(&[
            "synth",
            "--buildings",
            "3000",
            "--seed",
            "7",
            "-o",
            tmp.path().join(d).to_str().unwrap(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let read = |d: &str| std::fs::read(tmp.path().join(d).join("city.gpkg")).unwrap();
    assert!(
        read("a") == read("b"),
        "the same seed must give the same bytes"
    );
    let ds = gdal::Dataset::open(tmp.path().join("a/city.gpkg")).unwrap();
    let count = |l: &str| ds.layer_by_name(l).unwrap().feature_count();
    assert_eq!(count("buildings"), 3000);
    assert_eq!(count("stops"), 3000 / 50);
    assert_eq!(count("district"), 1);
    assert_eq!(count("neighbourhoods"), 16);
    let site = std::fs::read_to_string(tmp.path().join("a/site.toml")).unwrap();
    assert!(
        site.starts_with("# SYNTHETIC CITY"),
        "the site file says it is not real data"
    );
    let r = common::cpgis_site(
        "run",
        &tmp.path().join("a/site.toml"),
        &tmp.path().join("out"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("3000 buildings"), "{}", r.stdout);
    let other = common::cpgis(&[
        "synth",
        "--buildings",
        "3000",
        "--seed",
        "8",
        "-o",
        tmp.path().join("c").to_str().unwrap(),
    ]);
    assert_eq!(other.code, 0);
    assert!(
        std::fs::read(tmp.path().join("c/city.gpkg")).unwrap() != read("a"),
        "another seed, another city"
    );
}

/// The benchmark on two small cities, two runs each: its table holds every stage, the
/// repeats, and figures that follow from each other (the ratio to ogr2ogr and the scaling
/// exponent worked out here again from the printed totals).
#[test]
fn the_benchmark_prints_figures_that_agree_with_each_other() {
    let tmp = tempfile::tempdir().unwrap();
    let r = common::cpgis(&[
        "bench",
        "--sizes",
        "1000,2000",
        "--repeat",
        "2",
        "--dir",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = |label: &str| -> Vec<String> {
        let l = r
            .stdout
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no `{label}` row in\n{}", r.stdout));
        l[label.len()..]
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect()
    };
    for stage in common::STAGES {
        assert_eq!(line(stage).len(), 2, "{stage}: {}", r.stdout);
    }
    // `total` cells are `wall / cpu / MB`.
    let totals: Vec<f64> = line("total")
        .iter()
        .map(|c| c.split(" / ").next().unwrap().parse().unwrap())
        .collect();
    let runs = line("runs min..max");
    for (cell, total) in runs.iter().zip(&totals) {
        let (count, range) = cell.split_once(": ").unwrap();
        assert_eq!(count, "2 x");
        let (lo, hi) = range.split_once("..").unwrap();
        let (lo, hi): (f64, f64) = (lo.parse().unwrap(), hi.parse().unwrap());
        assert!(lo <= *total && *total <= hi, "{cell} around {total}");
    }
    let ogr: Vec<f64> = line("ogr2ogr").iter().map(|c| c.parse().unwrap()).collect();
    let ratio: Vec<f64> = line("run / ogr2ogr")
        .iter()
        .map(|c| c.parse().unwrap())
        .collect();
    for i in 0..2 {
        assert!((ratio[i] - totals[i] / ogr[i]).abs() <= 0.01 + 0.01 * ratio[i]);
    }
    // What the uncertainty's 1,000 draws cost: each repeat paired with a run at --draws 0;
    // the median pair's change, then the smallest and largest pair's, in per cent.
    let plain: Vec<f64> = line("--draws 0")
        .iter()
        .map(|c| c.parse().unwrap())
        .collect();
    assert_eq!(plain.len(), 2);
    assert!(plain.iter().all(|p| *p > 0.0));
    // The same, from the balance stage alone (where the draws run) over the total without.
    for cell in line("draws add").into_iter().chain(line("draws, stage")) {
        let (median, pairs) = cell.split_once("% (").unwrap();
        let (lo, hi) = pairs.trim_end_matches(')').split_once("..").unwrap();
        let (m, lo, hi): (f64, f64, f64) = (
            median.parse().unwrap(),
            lo.parse().unwrap(),
            hi.parse().unwrap(),
        );
        assert!(lo <= m && m <= hi, "{cell}");
    }
    let exponent: f64 = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("scaling exponent 1000 → 2000: "))
        .unwrap()
        .parse()
        .unwrap();
    let expected = (totals[1] / totals[0]).ln() / 2f64.ln();
    assert!(
        (exponent - expected).abs() < 0.03,
        "{exponent} vs {expected}"
    );
}

/// Regression: `synth --buildings 0` panicked (remainder by zero) leaving a partial city.gpkg,
/// 18446744073709551615 panicked (capacity overflow), and 1 wrote a site file that did not run.
#[test]
fn synth_refuses_sizes_it_cannot_make_and_its_smallest_city_runs() {
    let tmp = tempfile::tempdir().unwrap();
    for n in ["0", "1", "18446744073709551615"] {
        let out = tmp.path().join(format!("s{n}"));
        let r = common::cpgis(&["synth", "--buildings", n, "-o", out.to_str().unwrap(), "-q"]);
        assert_eq!(r.code, 2, "{n}: {}", r.stderr);
        assert!(
            r.stderr
                .contains("a synthetic city has 100 to 100000000 buildings"),
            "{}",
            r.stderr
        );
        assert!(!out.join("city.gpkg").exists());
    }
    let out = tmp.path().join("s100");
    let r = common::cpgis(&[
        "synth",
        "--buildings",
        "100",
        "-o",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let run = common::cpgis(&[
        "run",
        out.join("site.toml").to_str().unwrap(),
        "-o",
        out.join("out").to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("100 buildings"), "{}", run.stdout);
}
