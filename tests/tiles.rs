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

/// The tiles' buildings put back in the city's order, aggregated, and carried through the
/// community, offsets and balance as one machine does: the same totals, zones and verdict as
/// the whole city's run, bit for bit (the driver's part of a distributed run).
#[test]
fn tiled_buildings_give_the_whole_runs_totals_zones_and_verdict() {
    use cpgis::run;
    let (_tmp, config, site) = load(10_000);
    let checked = run::check(&config, &cpgis::Disk).unwrap();
    let whole_est = run::estimate(
        config.clone(),
        checked.clone(),
        site.clone(),
        &mut run::Silent,
    )
    .unwrap();
    let (factors, scenarios) = (checked.factors.clone(), checked.scenarios.clone());
    let mut profiles = vec![None; site.buildings.len()];
    let mut estimates = vec![None; site.buildings.len()];
    // Each tile counts its own buildings; the parts merged are the whole map's census.
    let mut census = cpgis::census::Census::default();
    // And the sums of every level, added a building at a time in the tiles' order (not the
    // buildings'), as `cpgis finish` adds the results' rows.
    let size = (scenarios.len(), cpgis::estimate::SECTORS.len());
    let mut sums = cpgis::aggregate::SumsBuilder::new(site.neighbourhoods.len(), size);
    let tiling = cpgis::aggregate::grid::tiling(&config.grid);
    let mut tiles = 0;
    for t in cpgis::tiles::split(&site, 1000.0, 1300.0) {
        let p = cpgis::profile::profile(&t.site, &factors);
        let e = cpgis::estimate::estimate(&t.site, &p, &factors, &scenarios);
        let hoods = cpgis::aggregate::neighbourhood_of(&t.site, &p);
        let mut part = cpgis::census::Census::default();
        for (k, g) in t.global.iter().enumerate() {
            if t.own[k] {
                let (b, e) = (&p.buildings[k], &e.buildings[k]);
                profiles[*g] = Some(b.clone());
                estimates[*g] = Some(e.clone());
                part.add(&t.site.buildings[k], b, e);
                sums.add(tiling.cell_of(b.point.x(), b.point.y()), hoods[k], b, e);
            }
        }
        census.merge(&part);
        tiles += 1;
    }
    assert!(tiles > 4, "{tiles} tiles");
    assert_eq!(census, whole_est.census, "the tiles' census merged");
    let (sums, whole) = (sums.finish(), &whole_est.aggregates);
    assert_eq!(sums.cells.len(), whole.cells.len());
    for ((key, t), cell) in sums.cells.iter().zip(&whole.cells) {
        assert_eq!(*key, cell.key);
        assert_eq!(
            format!("{t:?}"),
            format!("{:?}", cell.totals),
            "cell {key:?}"
        );
    }
    assert_eq!(
        format!("{:?}", sums.neighbourhoods),
        format!("{:?}", whole.neighbourhoods)
    );
    assert!(sums.neighbourhoods.iter().any(|n| n.buildings > 0));
    for (a, b) in [
        (&sums.outside_neighbourhoods, &whole.outside_neighbourhoods),
        (&sums.district, &whole.district),
        (&sums.rest, &whole.rest),
        (&sums.all, &whole.all),
    ] {
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }
    assert_eq!(census.buildings.map, site.buildings.len());
    let profiles = cpgis::profile::Profiles {
        buildings: profiles.into_iter().map(Option::unwrap).collect(),
        // What the driver holds for the whole site: the notes and the stops' access model.
        notes: whole_est.profiles.notes.clone(),
        access: whole_est.profiles.access.clone(),
    };
    let estimates = cpgis::estimate::Estimates {
        buildings: estimates.into_iter().map(Option::unwrap).collect(),
        ..whole_est.estimates.clone()
    };
    let aggregates = cpgis::aggregate::aggregate(&site, &profiles, &estimates, &config.grid);
    let tiled = run::Estimated {
        config: config.clone(),
        preset: checked.preset.clone(),
        factors,
        scenarios,
        site: site.clone(),
        profiles,
        estimates,
        aggregates,
        census,
        calibration: whole_est.calibration.clone(),
        outline: None,
        outside_offer_t: None,
        sample_plan: None,
        memberships: None,
        held: None,
    };
    let a = run::finish(tiled, &mut run::Silent).unwrap();
    let b = run::finish(whole_est, &mut run::Silent).unwrap();
    let (x, y) = (
        &a.estimated.aggregates.district,
        &b.estimated.aggregates.district,
    );
    assert_eq!(format!("{x:?}"), format!("{y:?}"), "district totals");
    assert_eq!(a.plan.zones.len(), b.plan.zones.len());
    for (z, w) in a.plan.zones.iter().zip(&b.plan.zones) {
        assert_eq!(z.abatement_t.to_bits(), w.abatement_t.to_bits());
        assert_eq!(z.cells, w.cells);
    }
    assert_eq!(a.balance.net_t.to_bits(), b.balance.net_t.to_bits());
    assert_eq!(a.balance.climate_positive, b.balance.climate_positive);
}
