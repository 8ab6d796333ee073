//! The balance's range: one factor drawn uniformly gives the quantiles and the probability known
//! in closed form (the net is a straight line in the grid factor, its slope from a second run
//! and its zero the break-even factor the run reports), and the same draw moves the on-site emissions and the
//! credits together.

mod common;

use common::{fixture_site_text, write_site};
use serde_json::Value;

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

/// Each neighbourhood's id and proposed t CO2e per year, as a run's neighbourhoods.geojson says.
fn proposed(dir: &std::path::Path) -> Vec<(String, f64)> {
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("neighbourhoods.geojson")).unwrap())
            .unwrap();
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["properties"]["id"].as_str().unwrap().to_string(),
                f(&n["properties"]["proposed_co2e_t_yr"]),
            )
        })
        .collect()
}

/// `site` run without draws with the grid factor set to `grid`, into `out`.
fn run_at_grid(site: &std::path::Path, out: &std::path::Path, grid: f64) -> std::path::PathBuf {
    let r = common::cpgis(&[
        "run",
        site.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--draws",
        "0",
        "--set",
        &format!("factors.carriers.electricity={grid}"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    out.to_path_buf()
}

#[test]
fn one_uniform_factor_matches_its_closed_form() {
    let tmp = tempfile::tempdir().unwrap();
    let (low, high) = (0.20, 0.35);
    let text = fixture_site_text("kamppi", "site.toml")
        + &format!(
            "\n[uncertainty]\ndraws = 20000\nseed = 7\nfactors = [\"carriers.electricity\"]\nranges.\"carriers.electricity\" = {{ low = {low}, high = {high}, distribution = \"uniform\" }}\n"
        );
    let site = write_site(tmp.path(), &text);
    let out = tmp.path().join("out");
    let r = common::cpgis_site("run", &site, &out);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let b = &s["balance"];
    let u = &b["uncertainty"];
    assert_eq!(u["draws"], 20000);
    // The net is net0 + k (g - g0) in the grid factor g, the offsets held: its slope from a run
    // with the grid at `high` (the community falls short of the target in both runs, so every
    // cell is selected in each and the offsets are the same). It crosses zero at the break-even
    // g*, which the run reports to 4 decimals.
    let (net0, g0) = (f(&b["net_t"]), 0.271);
    let high_dir = run_at_grid(&site, &tmp.path().join("out-high"), high);
    let s_high: Value =
        serde_json::from_str(&std::fs::read_to_string(high_dir.join("summary.json")).unwrap())
            .unwrap();
    for (summary, name) in [(&s, "g0"), (&s_high, "high")] {
        let proposed = summary["balance"]["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .find(|sc| sc["scenario"] == "proposed")
            .unwrap();
        assert_eq!(proposed["target_met"], false, "{name}");
    }
    let k = (f(&s_high["balance"]["net_t"]) - net0) / (high - g0);
    let g_star = g0 - net0 / k;
    let reported = f(&b["break_even"]["electricity_kg_kwh"]);
    assert!((g_star - reported).abs() < 1e-4, "{g_star} vs {reported}");
    // Uniform on [low, high]: P(net < 0) = P(g < g*) when k > 0.
    assert!(k > 0.0);
    let p = (g_star - low) / (high - low);
    let n = 20000.0_f64;
    let tolerance = 4.0 * (p * (1.0 - p) / n).sqrt();
    let got = f(&u["probability_climate_positive"]);
    assert!((got - p).abs() < tolerance, "P {got} vs {p} ± {tolerance}");
    // Quantiles of the net: the line at the uniform's quantiles.
    for (q, key) in [(0.05, "p5"), (0.5, "p50"), (0.95, "p95")] {
        let want = net0 + k * (low + q * (high - low) - g0);
        let got = f(&u["net_t"][key]);
        // Monte Carlo error of a quantile of 20,000 uniform draws: a few thousandths of the
        // range; 1 % of the net's range allowed.
        let spread = k * (high - low);
        assert!((got - want).abs() < 0.01 * spread, "{key}: {got} vs {want}");
    }
    // The same draw moves the on-site emissions and the credits together: the net spreads by
    // the difference of their spreads, not by their sum.
    let width = |v: &Value| f(&v["p95"]) - f(&v["p5"]);
    let (on, cr, net) = (
        width(&u["on_site_t"]),
        width(&u["credits_t"]),
        width(&u["net_t"]),
    );
    assert!(on > 0.0 && cr > 0.0, "both depend on the grid factor");
    assert!(
        (net - (on - cr).abs()).abs() < 0.01 * net,
        "{net} vs |{on} - {cr}|"
    );
    // Each is a line in the grid factor, its slope from the run at `high`: its 5-95 % width is
    // that slope × 90 % of the uniform's range (Kamppi's credits barely move: its heat pumps'
    // credits fall with the grid factor as much as its solar panels' rise).
    for (width, key) in [(on, "on_site_t"), (cr, "credits_t")] {
        let slope = (f(&s_high["balance"][key]) - f(&b[key])) / (high - g0);
        let want = slope.abs() * 0.9 * (high - low);
        assert!(
            (width - want).abs() < 0.01 * want + 0.5,
            "{key}: {width} vs {want}"
        );
    }
    // Each zone's credits are a straight line in the grid factor too, so the median draw of
    // each zone is its value at the median grid factor, and they add up to the credits' median.
    let zones = u["zones_t"].as_array().unwrap();
    assert_eq!(zones.len(), s["offsets"]["zones"].as_array().unwrap().len());
    let medians: f64 = zones.iter().map(|z| f(&z["credits_t"]["p50"])).sum();
    assert!(
        (medians - f(&u["credits_t"]["p50"])).abs() < 1e-3,
        "{medians}"
    );
    // One factor: all of the variance is its.
    assert_eq!(u["sensitivity"][0]["key"], "carriers.electricity");
    assert!((f(&u["sensitivity"][0]["share"]) - 1.0).abs() < 1e-9);

    // Each neighbourhood's emissions are a straight line in the grid factor too: its value in
    // this run's neighbourhoods.geojson (g0) and in a run with the grid at `high` give the line,
    // and its quantiles are the line at the uniform's quantiles.
    let at_g0 = proposed(&out);
    let at_high = proposed(&high_dir);
    let spreads = u["neighbourhoods_t"].as_array().unwrap();
    assert_eq!(spreads.len(), at_g0.len());
    let mut moving = 0;
    for ((n, (id, n0)), (_, nh)) in spreads.iter().zip(&at_g0).zip(&at_high) {
        assert_eq!(n["id"], id.as_str());
        let slope = (nh - n0) / (high - g0);
        moving += usize::from(slope > 0.0);
        for (q, key) in [(0.05, "p5"), (0.5, "p50"), (0.95, "p95")] {
            let want = n0 + slope * (low + q * (high - low) - g0);
            let got = f(&n["t"][key]);
            // The same Monte Carlo error as the net's, and the layer's 4 decimals.
            assert!(
                (got - want).abs() < 0.01 * slope.abs() * (high - low) + 1e-3,
                "{id} {key}: {got} vs {want}"
            );
        }
    }
    assert!(
        moving >= 2,
        "{moving} neighbourhoods move with the grid factor"
    );
}

#[test]
fn no_draws_no_range_and_a_bad_range_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let r = common::cpgis(&[
        "run",
        common::fixture("urbanopt/site.toml").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--draws",
        "0",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert!(s["balance"]["uncertainty"].is_null());
    assert!(!r.stdout.contains("with probability"));
    let text = fixture_site_text("urbanopt", "site.toml")
        + "\n[uncertainty]\nranges.\"carriers.electricity\" = { low = 0.5, high = 0.3 }\n";
    let site = write_site(tmp.path(), &text);
    let r = common::cpgis_site("run", &site, &tmp.path().join("bad"));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("uncertainty.ranges.carriers.electricity: low 0.5 is above high 0.3"),
        "{}",
        r.stderr
    );
}

/// A map much larger than its district: the neighbourhoods' buildings outside the district are
/// sampled, and each neighbourhood's range is its sample's change scaled to its total. With the
/// grid factor drawn alone, uniformly, each neighbourhood is a straight line in it, which two
/// runs of every building give exactly: the sampled ranges must lie on it.
#[test]
fn neighbourhood_ranges_of_a_large_map_come_from_a_sample_and_match_every_building() {
    let tmp = tempfile::tempdir().unwrap();
    let city = tmp.path().join("city");
    let r = common::cpgis(&[
        "synth",
        "--buildings",
        "100000",
        "-o",
        city.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (low, high) = (0.05, 0.20);
    let site = city.join("site.toml");
    let text = std::fs::read_to_string(&site).unwrap()
        + &format!(
            "\n[uncertainty]\ndraws = 4000\nseed = 11\nfactors = [\"carriers.electricity\", \"carriers.coal\"]\nranges.\"carriers.electricity\" = {{ low = {low}, high = {high}, distribution = \"uniform\" }}\n"
        );
    std::fs::write(&site, text).unwrap();
    let out = tmp.path().join("out");
    let r = common::cpgis_site("run", &site, &out);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let u = &s["balance"]["uncertainty"];
    let district = s["totals"]["district"]["buildings"].as_u64().unwrap();
    let how = u["neighbourhoods_sampled"].as_str().unwrap();
    assert!(
        how.contains(&format!("their {} buildings outside", 100_000 - district)),
        "{how}"
    );
    assert!(r.stdout.contains("a ratio estimate"), "{}", r.stdout);
    // No building of the synthetic city burns coal: drawn, it moves nothing, and the sentence
    // says what that was judged on.
    assert_eq!(u["unmoved"], serde_json::json!(["carriers.coal"]));
    assert!(
        r.stdout
            .contains("judged on the district, the offsets and the neighbourhoods' sample"),
        "{}",
        r.stdout
    );
    // The line through each neighbourhood's total at the preset's grid factor and at `high`.
    let g0 = s["electricity_grid"]["factor"].as_f64().unwrap();
    let at_g0 = proposed(&out);
    let at_high = proposed(&run_at_grid(&site, &tmp.path().join("out-high"), high));
    let spreads = u["neighbourhoods_t"].as_array().unwrap();
    assert_eq!(spreads.len(), at_g0.len());
    assert!(spreads.len() >= 4);
    for ((n, (_, n0)), (_, nh)) in spreads.iter().zip(&at_g0).zip(&at_high) {
        let slope = (nh - n0) / (high - g0);
        assert!(slope > 0.0, "{n}");
        for (q, key) in [(0.05, "p5"), (0.5, "p50"), (0.95, "p95")] {
            let want = n0 + slope * (low + q * (high - low) - g0);
            let got = f(&n["t"][key]);
            // Monte Carlo error (under 1 % of the line's rise over the range) and the sample's
            // error on the slope (a few per cent of it): 4 % of the rise allowed.
            assert!(
                (got - want).abs() < 0.04 * slope * (high - low),
                "{} {key}: {got} vs {want}",
                n["id"]
            );
        }
    }
}

/// By default each use holding floor area in the district or the community has its electricity
/// and heat drawn (Kamppi's assumed `unknown` mix, 39 % of its floor area, among them); one
/// whose draws move nothing here is left out, unless the site file names it.
#[test]
fn the_intensities_drawn_are_those_of_the_uses_on_the_ground() {
    let tmp = tempfile::tempdir().unwrap();
    let keys = |s: &Value, list: &str| -> Vec<String> {
        s["balance"]["uncertainty"][list]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.get("key").unwrap_or(r).as_str().unwrap().to_string())
            .collect()
    };
    let run = |site: &std::path::Path, name: &str| -> Value {
        let out = tmp.path().join(name);
        let r = common::cpgis_site("run", site, &out);
        assert_eq!(r.code, 0, "{}", r.stderr);
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
    };
    let kamppi = run(&common::fixture("kamppi").join("site.toml"), "kamppi");
    let drawn = keys(&kamppi, "ranges");
    for key in [
        "archetypes.unknown.heat",
        "archetypes.unknown.electricity",
        "archetypes.hotel.heat",
        "archetypes.public.heat",
    ] {
        assert!(drawn.iter().any(|k| k == key), "{key} in {drawn:?}");
    }
    assert!(keys(&kamppi, "sensitivity")
        .iter()
        .any(|k| k == "archetypes.unknown.heat"));
    // No building in Kamppi's district or community is a restaurant.
    assert!(!drawn
        .iter()
        .any(|k| k.starts_with("archetypes.restaurant.")));
    assert!(!keys(&kamppi, "unmoved")
        .iter()
        .any(|k| k.starts_with("archetypes.")));
    // URBANopt's homes move nothing here: left out by default, reported when named.
    let urbanopt = common::fixture("urbanopt").join("site.toml");
    let plain = run(&urbanopt, "urbanopt");
    assert!(!keys(&plain, "ranges")
        .iter()
        .any(|k| k.starts_with("archetypes.residential.")));
    let text = fixture_site_text("urbanopt", "site.toml")
        + "\n[uncertainty]\nfactors = [\"carriers.electricity\", \"archetypes.residential.heat\"]\n";
    let dir = tmp.path().join("named");
    std::fs::create_dir_all(&dir).unwrap();
    let named = run(&write_site(&dir, &text), "named-out");
    assert_eq!(
        keys(&named, "unmoved"),
        vec!["archetypes.residential.heat".to_string()]
    );
}

/// The verdict says how sure it is, so that `--quiet`, which keeps only that line, never shows
/// a coin toss as a plain verdict; without draws it says nothing of it.
#[test]
fn the_verdict_line_carries_its_probability() {
    let tmp = tempfile::tempdir().unwrap();
    let site = common::fixture("kamppi").join("site.toml");
    let out = tmp.path().join("drawn");
    let r = common::run_quietly(&site, &out, &[]);
    let s: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let u = &s["balance"]["uncertainty"];
    let said = format!(
        "; climate positive with probability {:.2} over {} draws)",
        f(&u["probability_climate_positive"]),
        u["draws"]
    );
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(r.stdout.starts_with("Kamppi: "), "{}", r.stdout);
    assert!(r.stdout.contains(&said), "{said} in {}", r.stdout);
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        report.contains(&said[2..said.len() - 1]),
        "the report's verdict box"
    );
    let plain = tmp.path().join("plain");
    let r = common::run_quietly(&site, &plain, &["--draws", "0"]);
    assert!(!r.stdout.contains("probability"), "{}", r.stdout);
}
