//! A building-energy benchmarking disclosure as a US city publishes it (points, ft², kWh and
//! therms, numbers with thousands separators as a spreadsheet exports them), from
//! `fixtures/benchmarking/`. Regression: such a CSV's "88,434" ft² was read as 88 and
//! "1,156,514.25" kWh as 1, every building kept as metered, nothing listed.

mod common;

use common::{cpgis, fixture, grid_electricity_energy};
use serde_json::Value;

fn run(site: &str, out: &std::path::Path) -> (Vec<serde_json::Map<String, Value>>, Value) {
    let r = cpgis(&[
        "run",
        fixture(site).to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let layer: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("buildings.geojson")).unwrap())
            .unwrap();
    let buildings = layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"].as_object().unwrap().clone())
        .collect();
    let summary =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    (buildings, summary)
}

fn building<'a>(
    all: &'a [serde_json::Map<String, Value>],
    id: &str,
) -> &'a serde_json::Map<String, Value> {
    all.iter().find(|b| b["id"] == id).unwrap()
}

#[test]
fn thousands_separators_read_as_the_plain_numbers_they_are() {
    let tmp = tempfile::tempdir().unwrap();
    let (sep, summary) = run("benchmarking/site.toml", &tmp.path().join("sep"));
    let (plain, _) = run("benchmarking/site_plain.toml", &tmp.path().join("plain"));
    assert_eq!(sep.len(), 10);
    for (a, b) in sep.iter().zip(&plain) {
        let mut a = a.clone();
        let mut b = b.clone();
        a.remove("source");
        b.remove("source");
        assert_eq!(a, b, "the same property read from both files");
    }
    // Worked by hand: 32,264 ft² × 0.09290304 m²/ft² = 2,997.4 m²; 285,859.04 kWh metered;
    // 11,550.24 therms × 29.3071 kWh/therm = 338,504.1 kWh.
    let b1 = building(&sep, "1000001");
    assert_eq!(b1["gfa_m2"], 2997.4);
    assert_eq!(b1["gfa_source"], "attribute");
    assert_eq!(b1["baseline_electricity_kwh_yr"], 285859.0);
    assert_eq!(
        building(&sep, "1000005")["baseline_natural_gas_kwh_yr"],
        338504.1
    );
    // The format is said, and the floor-area column, whose every value is "dd,ddd", is said
    // to read two ways (a decimal comma would give 32.264).
    let formats = &summary["quality"][1]["number_formats"];
    assert_eq!(
        formats["Electricity Use - Grid Purchase (kWh)"],
        "numbers with thousands separated by commas (10 of 10 values read)"
    );
    assert!(formats["Property GFA - Self-Reported (ft²)"]
        .as_str()
        .unwrap()
        .contains("ambiguous"));
}

/// The value of a preset key as the run used it (`summary.json` → `assumptions`).
fn assumption(summary: &Value, key: &str) -> f64 {
    summary["assumptions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == key)
        .unwrap_or_else(|| panic!("{key} in the assumptions"))["value"]
        .as_f64()
        .unwrap()
}

/// Regression: one empty meter dropped the whole building to tier 1 and threw its metered
/// electricity away; a negative reading (net export) became 0 kWh without a word.
#[test]
fn a_missing_meter_is_modelled_alone_and_a_net_export_counts_negative() {
    let tmp = tempfile::tempdir().unwrap();
    let (buildings, summary) = run("benchmarking/site.toml", tmp.path());
    let fk = |k: &str| assumption(&summary, k);
    // 1000004: electricity metered (46,023.28 kWh), gas empty: the archetype's heat demand
    // met at the boiler efficiency.
    let partial = building(&buildings, "1000004");
    assert_eq!(partial["baseline_energy_tier"], 3);
    assert_eq!(partial["baseline_electricity_kwh_yr"], 46023.3);
    let heat = partial["baseline_heat_demand_kwh_yr"].as_f64().unwrap();
    let gas = partial["baseline_natural_gas_kwh_yr"].as_f64().unwrap();
    assert!(heat > 0.0);
    assert!(
        (gas - heat / fk("heating.boiler_efficiency")).abs() < 0.1,
        "{gas} vs {heat}"
    );
    // 1000006: −35,804.56 kWh of electricity and 11,070.43 therms of gas (× 29.3071).
    let export = building(&buildings, "1000006");
    assert_eq!(export["baseline_electricity_kwh_yr"], -35804.6);
    let gas_kwh = 11_070.43 * 29.3071;
    let want =
        (-35_804.56 * fk("carriers.electricity") + gas_kwh * fk("carriers.natural_gas")) / 1000.0;
    let got = export["baseline_energy_co2e_t_yr"].as_f64().unwrap();
    assert!((got - want).abs() < 1e-4, "{got} vs {want}");
    // Counted and listed.
    assert_eq!(summary["energy_tiers"]["partial"], 1);
    assert_eq!(summary["energy_tiers"]["2"], 9);
    assert_eq!(
        summary["profile"]["partial_meters"],
        serde_json::json!([["1000004", ["natural_gas"]]])
    );
    assert_eq!(
        summary["profile"]["net_export"],
        serde_json::json!([["1000006", -35804.56]])
    );
}

/// Regression: warnings reached only summary.json and the report; the terminal printed a
/// verdict and nothing else.
#[test]
fn the_terminal_ends_with_the_notes_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let r = cpgis(&[
        "run",
        fixture("benchmarking/site.toml").to_str().unwrap(),
        "-o",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for phrase in [
        "11 notes (listed by id in summary.json, and in report.html):",
        // Oak View lies 44 km from Los Angeles: eGRID2022 CAMX, not the national average.
        "  - the grid's electricity factor, 0.2265 kg CO2e/kWh, is that of grid region CAMX, picked by the district's location: the nearest listed city, Los Angeles, 44 km from the district's centre",
        "  - 10 buildings are points: no footprint, so no roof for rooftop PV",
        // Ten multifamily properties and no population layer: their residents from floor area
        // at the usa preset's 74 m² a resident.
        "  - 10 buildings with housing (10 in the district) take their residents from floor area, 74 m² per resident: the site has no population layer (profile.residents_by_floor_area)",
        // Singular for one (it had read "1 buildings have").
        "  - 1 building has some meters read and the others modelled",
        "  - 1 building is a net exporter of electricity",
        "`Property GFA - Self-Reported (ft²)` could be read two ways",
        // The community offers nothing: no zone, said (it had printed "()").
        "  credits (zones)                 0.0   (no zone selected)",
    ] {
        assert!(
            r.stdout.contains(phrase),
            "missing `{phrase}` in:\n{}",
            r.stdout
        );
    }
}

/// The grid factor: picked from the district's location where the preset has regions (Oak
/// View lies 44 km from Los Angeles: eGRID2022 CAMX), named in the site file, or the national
/// average kept on request, with the regions' spread said. Values by hand from eGRID2022's
/// CO2, CH4 and N2O rates (lb/MWh) with AR5 GWPs 28 and 265, 0.45359237 kg/lb.
#[test]
fn the_grid_factor_is_the_regions_and_says_so() {
    let egrid =
        |co2: f64, ch4: f64, n2o: f64| (co2 + 28.0 * ch4 + 265.0 * n2o) * 0.453_592_37 / 1000.0;
    let r4 = |v: f64| (v * 1e4).round() / 1e4;
    let site = fixture("benchmarking/site.toml");
    let grid_of = |set: Option<&str>| {
        let tmp = tempfile::tempdir().unwrap();
        let mut args = vec![
            "estimate",
            site.to_str().unwrap(),
            "-o",
            tmp.path().to_str().unwrap(),
        ];
        if let Some(s) = set {
            args.extend(["--set", s]);
        }
        let r = cpgis(&args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        grid_electricity_energy(tmp.path())
    };
    let (auto, kwh, auto_t) = grid_of(None);
    assert_eq!(auto["factor"], r4(egrid(497.443, 0.030, 0.004)));
    assert_eq!(
        (auto["scope"].as_str(), auto["region"].as_str()),
        (Some("region"), Some("CAMX"))
    );
    assert!(
        auto["region_picked_by"]
            .as_str()
            .unwrap()
            .contains("Los Angeles, 44 km"),
        "{auto}"
    );

    let (named, _, named_t) = grid_of(Some("grid_region=\"NYUP\""));
    assert_eq!(named["factor"], r4(egrid(274.559, 0.015, 0.002)));
    assert_eq!(named["region_picked_by"], "site file");
    // Only the grid factor differs: the district's energy emissions move by its electricity
    // (the ten buildings' baseline kWh) times the difference of the two factors.
    let expected = kwh * (egrid(497.443, 0.030, 0.004) - egrid(274.559, 0.015, 0.002)) / 1000.0;
    assert!(
        ((auto_t - named_t) - expected).abs() < 0.01,
        "{auto_t} − {named_t} vs {expected} ({kwh} kWh)"
    );

    let (national, _, _) = grid_of(Some("grid_region=\"national\""));
    assert_eq!(national["factor"], 0.367);
    assert_eq!(national["scope"], "preset");
    assert!(national.get("region").is_none());
    let w = national["warning"].as_str().unwrap();
    for phrase in [
        "is the usa preset's (EIA FAQ 74",
        "(grid_region = \"national\" in the site file)",
        &format!(
            "spread from {} (NYUP NPCC Upstate NY) to {} (PRMS Puerto Rico Miscellaneous)",
            r4(egrid(274.559, 0.015, 0.002)),
            r4(egrid(1593.481, 0.087, 0.014))
        ),
        "[factors] carriers.electricity",
    ] {
        assert!(w.contains(phrase), "missing `{phrase}` in {w}");
    }
    // A region named beside the utility's own factor: the factor stands, and the unused region
    // is said (it had been dropped without a word).
    let tmp = tempfile::tempdir().unwrap();
    let r = cpgis(&[
        "estimate",
        site.to_str().unwrap(),
        "-o",
        tmp.path().to_str().unwrap(),
        "--set",
        "grid_region=\"NYUP\"",
        "--set",
        "factors.carriers.electricity=0.0238",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let own: Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("summary.json")).unwrap())
            .unwrap();
    let g = &own["electricity_grid"];
    assert_eq!(
        (g["factor"].as_f64(), g["scope"].as_str()),
        (Some(0.0238), Some("site file"))
    );
    let w = g["warning"].as_str().unwrap();
    assert!(w.starts_with("grid_region = \"NYUP\" is not used"), "{w}");
    assert!(
        r.stdout
            .contains("is not used: the site file's [factors] carriers.electricity"),
        "{}",
        r.stdout
    );
    assert_eq!(
        national["regional_spread"],
        serde_json::json!([
            ["NYUP", r4(egrid(274.559, 0.015, 0.002))],
            ["PRMS", r4(egrid(1593.481, 0.087, 0.014))]
        ])
    );
}
