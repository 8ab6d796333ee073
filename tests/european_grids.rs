//! A European district takes its country's grid factor (Ember 2023, life-cycle, production
//! mix) by its location; a preset with a utility's own factor (helsinki's Helen value) keeps it.
//! Values by hand from Ember's g CO2e/kWh: Finland 79.16, Poland 661.93.

mod common;

use common::{cpgis, grid_electricity_energy, kamppi_site_with, write_site};
use serde_json::Value;

/// `cpgis estimate` of Kamppi under `preset` with `--set` options: the summary's grid block, the
/// buildings' baseline electricity (kWh/yr) and the district's baseline energy emissions (t/yr).
fn kamppi(preset: &str, set: &[&str]) -> (Value, f64, f64) {
    let tmp = tempfile::tempdir().unwrap();
    let site = write_site(
        tmp.path(),
        &format!("preset = \"{preset}\"\n{}", kamppi_site_with("")),
    );
    let out = tmp.path().join("out");
    let mut args = vec![
        "estimate",
        site.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    for s in set {
        args.extend(["--set", s]);
    }
    let r = cpgis(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    grid_electricity_energy(&out)
}

#[test]
fn a_district_in_finland_takes_finlands_grid_and_helsinki_keeps_its_utility() {
    let (fi, kwh, fi_t) = kamppi("europe", &[]);
    assert_eq!(
        (fi["scope"].as_str(), fi["region"].as_str()),
        (Some("region"), Some("FI"))
    );
    assert_eq!(fi["factor"], 0.0792);
    let picked = fi["region_picked_by"].as_str().unwrap();
    assert!(picked.contains("Helsinki, 1 km"), "{picked}");
    assert_eq!(
        fi["regional_spread"],
        serde_json::json!([["AL", 0.0243], ["XK", 0.8947]])
    );

    // Named in the site file: Poland's coal grid. A europe grid region is a country, which
    // would also give the district Poland's heating degree days; the site file's [climate]
    // keeps Finland's (5,536.1 over the preset's 3,128.1, as the location gives them), so only
    // the factor differs and the district's energy emissions move by its electricity times the
    // difference.
    let (pl, kwh_pl, pl_t) = kamppi(
        "europe",
        &[
            "grid_region=\"PL\"",
            "climate.heating_degree_days=5536.1",
            "climate.reference_heating_degree_days=3128.1",
        ],
    );
    assert_eq!(pl["factor"], 0.6619);
    assert_eq!(pl["region_picked_by"], "site file");
    assert!((kwh - kwh_pl).abs() < 1e-6);
    let expected = kwh * (0.66193 - 0.07916) / 1000.0;
    assert!(
        ((pl_t - fi_t) - expected).abs() < 0.01,
        "{pl_t} − {fi_t} vs {expected} ({kwh} kWh)"
    );

    // helsinki extends europe with Helen's own factor: no location pick replaces it.
    let (helen, _, _) = kamppi("helsinki", &[]);
    assert_eq!(
        (helen["scope"].as_str(), helen["factor"].as_f64()),
        (Some("preset"), Some(0.271))
    );
    assert!(helen.get("region").is_none(), "{helen}");
    assert!(helen.get("regional_spread").is_none(), "{helen}");
}
