//! A synthetic city cut into 1, 4 and 16 tiles, each profiled and estimated on its own (as the
//! tasks of a distributed run would), gives every building the figures the whole city gives
//! it: the same floor area and residents bit for bit, and the same access index and t CO2e to
//! 1e-12 relative (the PTAL sum adds a point's candidate stops in the order of the R-tree built
//! from the stops at hand, which a tile's subset of stops changes).

use cpgis::config::SiteConfig;

fn load(n: usize) -> (tempfile::TempDir, SiteConfig, cpgis::site::Site) {
    let tmp = tempfile::tempdir().unwrap();
    let site_file = cpgis::synth::synth(n, 3, tmp.path()).unwrap();
    let config = cpgis::parse_site_file(&site_file).unwrap();
    let site = cpgis::load::load(&config).unwrap();
    (tmp, config, site)
}

fn close(a: f64, b: f64, what: &str, id: &str) {
    assert!(
        a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs()),
        "{what} of {id}: {a} tiled vs {b} whole"
    );
}

#[test]
fn tiles_give_each_building_the_whole_citys_figures() {
    let (_tmp, config, site) = load(20_000);
    let checked = cpgis::run::check(&config, &cpgis::Disk).unwrap();
    let (factors, scenarios) = (&checked.factors, &checked.scenarios);
    let whole = cpgis::profile::profile(&site, factors);
    let whole_est = cpgis::estimate::estimate(&site, &whole, factors, scenarios);
    // The 20,000-building synthetic city spans 3.9 km: tiles of 4 km (1 tile), 2 km (4) and
    // 1 km (16); the halo covers the rail catchment (960 m) and a population cell (250 m).
    for (tile_m, expected) in [(4000.0, 1), (2000.0, 4), (1000.0, 16)] {
        let tiles = cpgis::tiles::split(&site, tile_m, 1300.0);
        assert_eq!(tiles.len(), expected, "{tile_m} m");
        let mut seen = vec![0u32; site.buildings.len()];
        for t in &tiles {
            let p = cpgis::profile::profile(&t.site, factors);
            let e = cpgis::estimate::estimate(&t.site, &p, factors, scenarios);
            for (k, g) in t.global.iter().enumerate() {
                if !t.own[k] {
                    continue;
                }
                seen[*g] += 1;
                let id = &*site.buildings[*g].id;
                let (a, b) = (&p.buildings[k], &whole.buildings[*g]);
                assert_eq!(a.floor.gfa_m2.to_bits(), b.floor.gfa_m2.to_bits(), "{id}");
                assert_eq!(
                    a.residents.to_bits(),
                    b.residents.to_bits(),
                    "residents of {id}"
                );
                assert_eq!(a.in_district, b.in_district);
                close(a.access.index, b.access.index, "access index", id);
                for s in 0..scenarios.len() {
                    for sector in 0..3 {
                        close(
                            e.buildings[k].co2e(s, sector),
                            whole_est.buildings[*g].co2e(s, sector),
                            "t CO2e",
                            id,
                        );
                    }
                }
            }
        }
        // Each building computed exactly once.
        assert!(
            seen.iter().all(|n| *n == 1),
            "{tile_m} m: a building in no tile or two"
        );
    }
}
