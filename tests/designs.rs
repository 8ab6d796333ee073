//! The headline planners compare designs by: every scenario's balance against the same
//! community, and figures that no worse design can improve (issue "Local factors…": the verdict
//! "climate positive by X t" grew when the car share rose, since X is what the last cell selected
//! overshoots the target by).

mod common;

use std::path::Path;

use serde_json::Value;

fn run(site_text: &str, dir: &Path) -> (Value, String) {
    let site = common::write_site(dir, site_text);
    let out = dir.join("out");
    let r = common::cpgis(&["run", site.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let summary =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    (summary, r.stdout)
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn scenario<'a>(summary: &'a Value, name: &str) -> &'a Value {
    summary["balance"]["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["scenario"] == name)
        .unwrap_or_else(|| panic!("no scenario {name}"))
}

#[test]
fn every_scenario_has_its_balance_worked_from_the_same_ranking() {
    let tmp = tempfile::tempdir().unwrap();
    let text = common::fixture_site_text("kamppi", "site.toml");
    let (s, stdout) = run(&text, tmp.path());
    let b = &s["balance"];
    assert_eq!(f(&b["margin"]), 0.1);
    // Baseline: its own target, on site × 1.1, from its sectors.
    let base = scenario(&s, "baseline");
    let sectors: f64 = base["on_site"].as_object().unwrap().values().map(f).sum();
    assert!((f(&base["on_site_t"]) - sectors).abs() < 1e-3);
    assert!((f(&base["target_t"]) - 1.1 * f(&base["on_site_t"])).abs() < 1e-3);
    // Proposed: the headline; its credits are the balance's, its cost the zones' (offset_zones.geojson).
    let p = scenario(&s, "proposed");
    assert!((f(&p["credits_t"]) - f(&b["credits_t"])).abs() < 1e-3);
    let zones = common::geojson_features(&tmp.path().join("out/offset_zones.geojson"));
    let zone_cost: f64 = zones
        .iter()
        .map(|z| f(&z["properties"]["annual_cost"]))
        .sum();
    assert!(
        (f(&p["annual_cost"]) - zone_cost).abs() < 1.0,
        "{} vs {zone_cost}",
        p["annual_cost"]
    );
    assert!((f(&p["capacity_multiple"]) - f(&p["capacity_t"]) / f(&p["target_t"])).abs() < 1e-3);
    // Kamppi, with its workers' and visitors' trips: everything the ring offers (25,731 t) is
    // just above the proposed design's residual (25,656 t) but short of the target (28,221 t):
    // climate positive, target not met; the baseline (58,910 t) is neither. Each verdict is what
    // its own figures give.
    for sc in [p, base] {
        let offered = f(&sc["credits_t"]);
        assert_eq!(
            sc["climate_positive"],
            offered > f(&sc["on_site_t"]),
            "{sc}"
        );
        assert_eq!(sc["target_met"], offered >= f(&sc["target_t"]), "{sc}");
    }
    assert_eq!(p["climate_positive"], true);
    assert_eq!(p["target_met"], false);
    assert_eq!(base["climate_positive"], false);
    // The terminal shows the table and never "climate positive by".
    assert!(stdout.contains("Designs compared"), "{stdout}");
    assert!(!stdout.contains("POSITIVE by"), "{stdout}");
    // The shortfall said is the target less the credits.
    let short = f(&p["target_t"]) - f(&p["credits_t"]);
    assert!((f(&b["shortfall_t"]) - short).abs() < 1e-3);
    let said = format!("the target with its 10 % margin is not met ({short:.1} t short)");
    assert!(stdout.contains(&said), "{said} in {stdout}");
}

#[test]
fn a_worse_design_never_gets_a_better_headline_figure() {
    // Kamppi with a community that can cover the better design (a 2 km ring, no margin), the car share
    // at 10 % and then at 30 %.
    let base = common::fixture_site_text("kamppi", "site.toml")
        .replace("distance_m = 1000", "distance_m = 2000")
        + "\n[offsets]\nmargin = 0\n";
    assert!(base.contains("car_share = 0.10"));
    let worse = base.replace("car_share = 0.10", "car_share = 0.30");
    let (tmp_a, tmp_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, _) = run(&base, tmp_a.path());
    let (b, _) = run(&worse, tmp_b.path());
    let (pa, pb) = (scenario(&a, "proposed"), scenario(&b, "proposed"));
    assert!(
        f(&pb["on_site_t"]) > f(&pa["on_site_t"]),
        "the worse design emits more"
    );
    assert!(f(&pb["target_t"]) > f(&pa["target_t"]));
    assert!(f(&pb["capacity_multiple"]) < f(&pa["capacity_multiple"]));
    assert!(f(&pb["annual_cost"]) >= f(&pa["annual_cost"]));
    // Ranked by t per unit cost, best first: going further down the list never lowers the
    // average cost per tonne.
    assert!(f(&pb["cost_per_t"]) >= f(&pa["cost_per_t"]) - 1e-6);
    assert_eq!(
        pa["target_met"], true,
        "a 2 km ring covers the better design: {pa}"
    );
}

#[test]
fn the_grid_factor_taken_from_a_preset_is_said_and_an_own_factor_silences_it() {
    let tmp = tempfile::tempdir().unwrap();
    let text = common::fixture_site_text("kamppi", "site.toml");
    let (s, stdout) = run(&text, tmp.path());
    let note = "is the helsinki preset's (Helen Oy, specific emissions of electricity sold 2023";
    assert!(stdout.contains(note), "{stdout}");
    assert!(s["notes"].to_string().contains(note));
    let own = text + "\n[factors]\ncarriers.electricity = { value = 0.0238, unit = \"kg CO2e/kWh\", source = \"the utility's 2023 disclosure\" }\n";
    let tmp2 = tempfile::tempdir().unwrap();
    let (s2, stdout2) = run(&own, tmp2.path());
    assert!(!stdout2.contains("preset's (Helen Oy"), "{stdout2}");
    assert!(!s2["notes"].to_string().contains("electricity factor"));
}
