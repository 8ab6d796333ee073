//! A synthetic city cut into 1, 4 and 16 tiles, each profiled and estimated on its own (as the
//! tasks of a distributed run would), gives every building the figures the whole city gives
//! it, bit for bit: floor area, residents, access index and t CO2e per scenario and sector.
//! (The access index had differed in the last bits: a point's stops were added in the order of
//! the R-tree built from the stops at hand; they are now ranked by the stops themselves.)

use cpgis::config::SiteConfig;

fn load(n: usize) -> (tempfile::TempDir, SiteConfig, cpgis::site::Site) {
    let tmp = tempfile::tempdir().unwrap();
    let site_file = cpgis::synth::synth(n, 3, tmp.path()).unwrap();
    let config = cpgis::parse_site_file(&site_file).unwrap();
    let site = cpgis::load::load(&config).unwrap();
    (tmp, config, site)
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
                assert_eq!(
                    a.access.index.to_bits(),
                    b.access.index.to_bits(),
                    "access of {id}"
                );
                for s in 0..scenarios.len() {
                    for sector in 0..3 {
                        assert_eq!(
                            e.buildings[k].co2e(s, sector).to_bits(),
                            whole_est.buildings[*g].co2e(s, sector).to_bits(),
                            "t CO2e of {id}"
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
