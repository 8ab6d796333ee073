//! The uncertainty stage evaluates each building under one set of factors per value drawn, each
//! differing from the case's in that value, and takes a sector's or an intervention's first result where it
//! reads none of the parts of the factors that differ (`reads`). A part read but not declared
//! would make a value's slope silently zero, so here, on real cases (Kamppi: district heat,
//! trams and metro; the benchmarking case: metered US buildings; Zug: CEA's uses and eras),
//! every value the run draws by default (the fixed ones and the intensities of the uses on the
//! ground, as `uncertainty::ranges` lists them) is nudged, and wherever a declaration says "unchanged" the full
//! evaluation is run and must give the same bits.

mod common;

use cpgis::community::Membership;
use cpgis::config::UncertaintySpec;
use cpgis::estimate::{Measures, SECTORS};
use cpgis::offsets::{model, Model, OffsetContext};
use cpgis::uncertainty::{drawn_uses, nudged, ranges};

fn check(folder: &str, file: &str) -> (usize, usize) {
    let config = cpgis::parse_site_file(&common::fixture(folder).join(file)).unwrap();
    let (config, checked, site) =
        cpgis::pipeline::load_site_with(config, &mut cpgis::run::Silent).unwrap();
    let e = cpgis::run::estimate(config, checked, site, &mut cpgis::run::Silent).unwrap();
    let community = cpgis::run::delineate_community(&e).unwrap();
    let ctx = OffsetContext::new(&e.site, &e.profiles, &e.factors, &community, &e.aggregates);
    let proposed = &e.estimates.scenarios[e.estimates.proposed].measures;
    let none = Measures::default();
    let (mut skipped, mut run) = (0, 0);
    let drawn = ranges(&e.preset, &UncertaintySpec::default(), &drawn_uses(&ctx));
    assert!(
        drawn.iter().any(|r| r.key.starts_with("archetypes.")),
        "{folder}: the uses' intensities are drawn"
    );
    for key in drawn.iter().map(|r| r.key.as_str()) {
        let Some((f, _)) = nudged(&e.preset, &e.factors, key) else {
            continue;
        };
        let differ = f.differing(&e.factors);
        assert_ne!(differ, 0, "{folder}: nudging {key} changed no part");
        let at = ctx.with_factors(&f);
        for (i, (b, p)) in e
            .site
            .buildings
            .iter()
            .zip(&e.profiles.buildings)
            .enumerate()
        {
            for s in SECTORS {
                if s.reads() & differ != 0 {
                    run += 1;
                    continue;
                }
                for m in [&none, proposed] {
                    assert_eq!(
                        s.co2e_t(b, p, m, &f).to_bits(),
                        s.co2e_t(b, p, m, &e.factors).to_bits(),
                        "{folder}: {:?} of building {} moved with {key}, which it does not declare",
                        s.sector(),
                        b.id
                    );
                }
                skipped += 1;
            }
            if community.membership[i] != Membership::Community {
                continue;
            }
            // The interventions at the building, each from the state the case's stack leaves.
            let mut state = Measures::default();
            for intervention in cpgis::kinds::Intervention::ALL {
                let Model::AtBuilding(m) = model(*intervention) else {
                    continue;
                };
                let mut theirs = state.clone();
                let here = m.at_building(&ctx, i, &mut state).map(|o| o.abatement_t);
                if m.reads() & differ == 0 {
                    let there = m.at_building(&at, i, &mut theirs).map(|o| o.abatement_t);
                    assert_eq!(
                        there.map(f64::to_bits),
                        here.map(f64::to_bits),
                        "{folder}: {intervention} at {} moved with {key}",
                        b.id
                    );
                    assert_eq!(theirs, state);
                    skipped += 1;
                }
            }
        }
        for (cell, members) in ctx.community_in_cell.iter().enumerate() {
            let Model::InCell(m) = model(cpgis::kinds::Intervention::Transit) else {
                unreachable!()
            };
            if members.is_empty() || m.reads() & differ != 0 {
                continue;
            }
            let a = m.in_cell(&ctx, cell).map(|o| o.abatement_t.to_bits());
            let b = m.in_cell(&at, cell).map(|o| o.abatement_t.to_bits());
            assert_eq!(a, b, "{folder}: transit in cell {cell} moved with {key}");
        }
    }
    (skipped, run)
}

#[test]
fn what_a_model_declares_unread_does_not_move_it() {
    for (folder, file) in [
        ("kamppi", "site.toml"),
        ("benchmarking", "site.toml"),
        ("cea-zug", "site.toml"),
    ] {
        let (skipped, run) = check(folder, file);
        // Both kinds occur: the declarations spare work, and some values do move each sector.
        assert!(
            skipped > 0 && run > 0,
            "{folder}: {skipped} spared, {run} run"
        );
    }
}
