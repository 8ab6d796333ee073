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
