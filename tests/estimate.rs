//! `cpgis estimate` on the real fixtures: per-building results worked out by hand from the data
//! and the preset tables, totals that agree across levels, deterministic and readable outputs.

mod common;

use std::path::{Path, PathBuf};

use common::{assert_bad_input, cpgis, fixture, geojson_features, write_site};
use gdal::vector::LayerAccess;
use serde_json::Value;

/// Runs `cpgis estimate SITE -o DIR` and returns DIR; panics with stderr on failure.
fn estimate(site: &Path, dir: &Path) -> PathBuf {
    let run = common::cpgis_site("estimate", site, dir);
    assert_eq!(run.code, 0, "estimate failed: {}", run.stderr);
    dir.to_path_buf()
}

fn building<'a>(features: &'a [Value], id: &str) -> &'a Value {
    &features
        .iter()
        .find(|f| f["properties"]["id"] == id)
        .unwrap_or_else(|| panic!("building {id} not in the output"))["properties"]
}

fn num(props: &Value, key: &str) -> f64 {
    props[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number: {}", props[key]))
}

/// |a − b| within `rel` of b, or within `abs`.
fn close(a: f64, b: f64, rel: f64, abs: f64, what: &str) {
    assert!(
        (a - b).abs() <= (rel * b.abs()).max(abs),
        "{what}: {a} vs expected {b}"
    );
}

fn summary(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn tier_1_mixed_use_building_of_zug_worked_by_hand() {
    // CEA Zug B1012: use1 OFFICE 0.6, use2 LAB 0.2, use3 INDUSTRIAL 0.2 (LAB → industrial),
    // built 1931, 2 floors above ground. Footprint by the shoelace formula over its four
    // corners as stored in CEA's zone.shp (UTM 32, read with ogrinfo): 2,813.459 m².
    let corners = [
        (463_231.523_695_063, 15_224_907.484_227_3),
        (463_265.093_959_406, 15_224_903.964_006_1),
        (463_256.751_298_046, 15_224_821.021_069_3),
        (463_223.269_771_401, 15_224_824.262_946_1),
    ];
    let mut twice: f64 = 0.0;
    for i in 0..4 {
        let (a, b) = (corners[i], corners[(i + 1) % 4]);
        twice += a.0 * b.1 - b.0 * a.1;
    }
    let footprint = twice.abs() / 2.0;
    let gfa = footprint * 2.0;
    // europe preset: office 70 kWh/m² electricity and 102.9 kWh of fuel per m² for heat (the
    // Swiss stock's 100 kWh/m² final energy for offices' space heat plus 2.6 kWh/m² of hot water
    // over the 0.90 boiler efficiency; × 0.90 = 92.61 kWh/m² of heat delivered), industrial
    // 77.3 kWh/m² of electricity (SIA 2024's standard use as CEA holds it, 10.0 + 10.8 W/m² over
    // 261 weekdays × 12.32 + 104 weekend days × 4.8 = 3,714.7 full-load hours, rounded in the
    // preset) and 81.6 kWh of fuel per m² for heat (the Swiss offices' 100 × Germany's heating
    // value for commercial and industrial buildings over offices', 38.7 / 49.0, = 79.0, plus its
    // 2.4 of hot water over 0.90; × 0.90 = 73.44 delivered); before 1950 space heat × 1.25, hot water as drawn (SIA 2024 as CEA
    // holds it, 10 → 60 °C: offices 3 l a person a day at 14 m² a person, industry 3 l at 15 m²,
    // on 261 weekdays × 0.8: 44.7 and 41.8 l/m², 2.6 and 2.4 kWh/m²).
    let electricity = gfa * (0.6 * 70.0 + 0.4 * 77.3);
    let heat =
        gfa * (0.6 * ((102.9 * 0.9 - 2.6) * 1.25 + 2.6) + 0.4 * ((81.6 * 0.9 - 2.4) * 1.25 + 2.4));
    // Heating mix: district heat 5 %, gas 22 %, direct electric 5 %, oil 40 %, wood 10 %, heat
    // pumps 18 % (COP 2.8); boilers 90 % efficient.
    let el_total = electricity + heat * 0.05 + heat * 0.18 / 2.8;
    let gas = heat * 0.22 / 0.9;
    let oil = heat * 0.40 / 0.9;
    let wood = heat * 0.10 / 0.9;
    let dh = heat * 0.05;
    // KBOB factors, kg CO2e/kWh: grid 0.102, gas 0.228, oil 0.301, wood 0.027; district heat 0.120.
    let t_energy =
        (el_total * 0.102 + gas * 0.228 + oil * 0.301 + wood * 0.027 + dh * 0.120) / 1000.0;
    // Jobs: 40 m² per office job, 100 m² per industrial job; waste 0.20 kg per job and day,
    // treated 1 % landfill (300 kg/t), 46 % incineration (457), 15 % composting (190), 38 % recycling (0).
    let jobs = gfa * 0.6 / 40.0 + gfa * 0.4 / 100.0;
    let waste_t = jobs * 0.20 * 365.0 / 1000.0;
    let t_waste = waste_t * (0.01 * 300.0 + 0.46 * 457.0 + 0.15 * 190.0) / 1000.0;

    let tmp = tempfile::tempdir().unwrap();
    let out = estimate(&fixture("cea-zug/site.toml"), tmp.path());
    let features = geojson_features(&out.join("buildings.geojson"));
    let b = building(&features, "B1012");
    assert_eq!(b["uses"], "office:0.6,industrial:0.4");
    assert_eq!(b["era"], "before_1950");
    assert_eq!(b["baseline_energy_tier"], 1);
    close(num(b, "gfa_m2"), gfa, 1e-4, 0.1, "floor area");
    close(
        num(b, "baseline_heat_demand_kwh_yr"),
        heat,
        1e-4,
        0.1,
        "heat",
    );
    close(
        num(b, "baseline_electricity_kwh_yr"),
        el_total,
        1e-4,
        0.1,
        "electricity",
    );
    close(num(b, "baseline_natural_gas_kwh_yr"), gas, 1e-4, 0.1, "gas");
    close(num(b, "baseline_oil_kwh_yr"), oil, 1e-4, 0.1, "oil");
    close(
        num(b, "baseline_energy_co2e_t_yr"),
        t_energy,
        1e-4,
        1e-4,
        "energy t",
    );
    close(num(b, "jobs"), jobs, 1e-4, 0.01, "jobs");
    close(
        num(b, "baseline_waste_co2e_t_yr"),
        t_waste,
        1e-4,
        1e-4,
        "waste t",
    );
    assert_eq!(num(b, "residents"), 0.0);
    // Transport: no residents, so only its workers' commuting and its visitors count, half of
    // each trip here (the other end is elsewhere). Commuting: 2 trips per job and working day,
    // 225 working days, 10 km; visitors: offices 0.076 trips per m² and day (industry none),
    // 365 days, 5 km. No stops: access index 0, car share 0.55; non-car trips 43.6 % walk, 9 %
    // bike, the rest transit, split 40 % bus (0.091 kg/pkm) and 60 % rail (0.181 kWh/pkm ×
    // 0.102 kg/kWh).
    let worker_trips = jobs * 2.0 * 225.0 * 0.5;
    let visitor_trips = gfa * 0.6 * 0.076 * 365.0 * 0.5;
    close(
        num(b, "baseline_worker_trips_yr"),
        worker_trips,
        1e-4,
        0.1,
        "worker trips",
    );
    close(
        num(b, "baseline_visitor_trips_yr"),
        visitor_trips,
        1e-4,
        0.1,
        "visitor trips",
    );
    assert_eq!(num(b, "baseline_trips_yr"), 0.0);
    let trip_km = worker_trips * 10.0 + visitor_trips * 5.0;
    let car_pkm = trip_km * 0.55;
    let transit_pkm = trip_km * 0.45 * (1.0 - 0.436 - 0.09);
    close(num(b, "baseline_car_pkm_yr"), car_pkm, 1e-4, 0.1, "car pkm");
    let car_kg = car_pkm * (0.95 * 0.186 + 0.05 * 0.18 * 0.102);
    let transit_kg = transit_pkm * (0.40 * 0.091 + 0.60 * 0.181 * 0.102);
    close(
        num(b, "baseline_transport_co2e_t_yr"),
        (car_kg + transit_kg) / 1000.0,
        1e-4,
        1e-4,
        "transport t",
    );
}

/// CEA Zug B1010, a restaurant the typology dates 2000 but builds to STANDARD4 (CEA's 1981-2000
/// band): its era is the standard's, and the era scales its space heat only, not its hot water
/// (it had multiplied everything, hot water and cooking included, by the post-2000 0.6).
#[test]
fn a_restaurant_keeps_its_hot_water_and_takes_its_standards_era() {
    let tmp = tempfile::tempdir().unwrap();
    let out = estimate(&fixture("cea-zug/site.toml"), tmp.path());
    let features = geojson_features(&out.join("buildings.geojson"));
    let b = building(&features, "B1010");
    assert_eq!(b["uses"], "restaurant:1");
    assert_eq!(b["year"], 2000);
    assert_eq!(b["era"], "from_1980_to_1999");
    assert_eq!(b["era_source"], "standard");
    // europe: restaurant 150 kWh/m² of heat, 108.9 of it hot water (SIA 2024 as CEA holds it:
    // 15 l a person a day at 2 m² a person on 313 weekdays and Saturdays × 0.8 = 1,878 l/m²,
    // 10 → 60 °C); 1980-1999 space heat × 0.95.
    let gfa = num(b, "gfa_m2");
    close(
        num(b, "baseline_heat_demand_kwh_yr"),
        gfa * ((150.0 - 108.9) * 0.95 + 108.9),
        1e-4,
        1.0,
        "heat",
    );
    let s = summary(&out);
    let differs = s["profile"]["era_not_year"].as_array().unwrap();
    assert!(differs
        .iter()
        .any(|d| d[0] == "B1010" && d[1] == "from_1980_to_1999" && d[2] == "from_2000"));
    assert_eq!(s["profile"]["era_from"]["standard"], 15);
}

/// `[climate]` scales space heat, not hot water, by the site's heating degree days over the
/// preset climate's: CEA Zug B1012 (office 0.6, industry 0.4, built 1931) in a climate 10 %
/// colder than the preset's, against the same site without it.
#[test]
fn degree_days_scale_space_heat_only_and_are_said() {
    let tmp = tempfile::tempdir().unwrap();
    let text = common::fixture_site_text("cea-zug", "site.toml");
    let colder = format!(
        "{text}\n[climate]\nheating_degree_days = 3300\nreference_heating_degree_days = 3000\nsource = \"a test: 10 % colder\"\n"
    );
    let run_with = |site_text: &str, name: &str| {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let site = write_site(&dir, site_text);
        let out = estimate(&site, &dir.join("out"));
        let features = geojson_features(&out.join("buildings.geojson"));
        let b = building(&features, "B1012").clone();
        (b, summary(&out))
    };
    let (plain, plain_summary) = run_with(&text, "plain");
    let (cold, cold_summary) = run_with(&colder, "cold");
    let gfa = num(&plain, "gfa_m2");
    // europe: office 102.9 kWh fuel × 0.9 = 92.61 delivered, 2.6 of it hot water; industry 81.6
    // × 0.9 = 73.44, 2.4 hot water; before 1950 space heat × 1.25.
    let heat = |scale: f64| {
        gfa * (0.6 * ((102.9 * 0.9 - 2.6) * 1.25 * scale + 2.6)
            + 0.4 * ((81.6 * 0.9 - 2.4) * 1.25 * scale + 2.4))
    };
    close(
        num(&plain, "baseline_heat_demand_kwh_yr"),
        heat(1.0),
        1e-4,
        1.0,
        "heat",
    );
    close(
        num(&cold, "baseline_heat_demand_kwh_yr"),
        heat(1.1),
        1e-4,
        1.0,
        "colder heat",
    );
    assert_eq!(plain_summary["climate"]["from"], "none");
    assert_eq!(cold_summary["climate"]["from"], "site file");
    assert!(
        (cold_summary["climate"]["space_heat_scale"]
            .as_f64()
            .unwrap()
            - 1.1)
            .abs()
            < 1e-12
    );
    let said = |s: &Value, what: &str| common::notes(s).iter().any(|n| n.contains(what));
    assert!(said(&plain_summary, "the site file gives no [climate]"));
    assert!(said(
        &cold_summary,
        "space heat × 1.100: the site's 3300 heating degree days"
    ));
}

/// With no `[climate]`, a district in Finland under the europe preset has its space heat scaled
/// by Finland's heating degree days over the climate the preset's intensities describe: the
/// mean of Eurostat's 1991-2020 figures for Finland, 166,083.0 / 30 = 5,536.1 Kd, over the
/// europe preset's 3,128.1 (its Switzerland, taken as the EU-27 mean): 1.76980 ….
/// Every building's space heat (its heat at a `[climate]` scale of 2 less that at 1) grows by
/// that, its hot water not.
#[test]
fn a_district_in_finland_takes_finlands_degree_days() {
    let tmp = tempfile::tempdir().unwrap();
    let base = format!("preset = \"europe\"\n{}", common::kamppi_site_with(""));
    let run_with = |extra: &str, name: &str| {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let site = write_site(&dir, &format!("{base}{extra}"));
        let out = estimate(&site, &dir.join("out"));
        let heat: Vec<(String, f64)> = geojson_features(&out.join("buildings.geojson"))
            .iter()
            .map(|f| {
                let p = &f["properties"];
                (
                    p["id"].as_str().unwrap().to_string(),
                    num(p, "baseline_heat_demand_kwh_yr"),
                )
            })
            .collect();
        (heat, summary(&out))
    };
    let (by_location, s) = run_with("", "location");
    let (at_1, _) = run_with(
        "[climate]\nheating_degree_days = 1\nreference_heating_degree_days = 1\n",
        "one",
    );
    let (at_2, _) = run_with(
        "[climate]\nheating_degree_days = 2\nreference_heating_degree_days = 1\n",
        "two",
    );
    let scale = 5536.1 / 3128.1;
    assert_eq!(s["climate"]["from"], "location");
    assert_eq!(s["climate"]["country"], "FI");
    assert_eq!(s["climate"]["degree_days"]["heating_degree_days"], 5536.1);
    assert_eq!(
        s["climate"]["degree_days"]["reference_heating_degree_days"],
        3128.1
    );
    assert!((s["climate"]["space_heat_scale"].as_f64().unwrap() - scale).abs() < 1e-12);
    assert_eq!(by_location.len(), at_1.len());
    let mut heated = 0;
    for (((id, h), (_, h1)), (_, h2)) in by_location.iter().zip(&at_1).zip(&at_2) {
        // The layer writes heat to a tenth of a kWh: three roundings of ±0.05.
        let space = h2 - h1;
        close(*h, h1 + (scale - 1.0) * space, 0.0, 0.2, id);
        heated += usize::from(space > 0.0);
    }
    assert!(heated > 400, "{heated} buildings with space heat");
    let notes = common::notes(&s);
    assert!(
        notes.iter().any(|n| n.starts_with("space heat × 1.770: the site file gives no [climate], so the district's country's heating degree days, Finland's 5536.1 a year")),
        "{notes:?}"
    );
}

/// `[climate] country = "se"` names the country whose degree days stand for the site's (a
/// district across a border from the nearest listed city): Sweden's 1991-2020 figures add up to
/// 156,410.97, a mean of 5,213.7 Kd, over the europe preset's 3,128.1.
#[test]
fn a_site_file_names_the_country_of_its_degree_days() {
    let tmp = tempfile::tempdir().unwrap();
    let site = write_site(
        tmp.path(),
        &format!(
            "preset = \"europe\"\n{}[climate]\ncountry = \"se\"\n",
            common::kamppi_site_with("")
        ),
    );
    let s = summary(&estimate(&site, &tmp.path().join("out")));
    assert_eq!(s["climate"]["from"], "site file");
    assert_eq!(s["climate"]["country"], "SE");
    assert_eq!(
        s["climate"]["country_picked_by"],
        "named in the site file ([climate] country)"
    );
    assert_eq!(s["climate"]["degree_days"]["heating_degree_days"], 5213.7);
    let scale = s["climate"]["space_heat_scale"].as_f64().unwrap();
    assert!((scale - 5213.7 / 3128.1).abs() < 1e-12, "{scale}");
    assert!(common::notes(&s).iter().any(|n| n.starts_with(
        "space heat × 1.667: the heating degree days of the country the site file names, Sweden's 5213.7 a year"
    )));
}

/// helsinki states Finland's climate but takes shops' heat from europe, whose values describe
/// the Swiss stock's climate: used as they are, one climate per preset, and said.
#[test]
fn heat_taken_from_a_preset_of_another_climate_is_used_as_it_is_and_said() {
    let tmp = tempfile::tempdir().unwrap();
    let out = estimate(&fixture("kamppi").join("site.toml"), tmp.path());
    let s = summary(&out);
    let inherited = &s["climate"]["inherited"][0];
    assert_eq!(inherited["from"], "europe");
    assert_eq!(inherited["reference_heating_degree_days"], 3128.1);
    assert!((inherited["ratio"].as_f64().unwrap() - 5536.1 / 3128.1).abs() < 1e-12);
    assert!(inherited["uses"]
        .as_array()
        .unwrap()
        .contains(&Value::from("retail")));
    assert_eq!(s["climate"]["space_heat_scale"], 1.0);
    // A shop of 2006 in the district (OSM way 122886629): europe's 101.8 kWh of fuel per m² ×
    // the 0.90 boiler = 91.62 delivered, 3.6 of it hot water; the rest × helsinki's 0.6 for
    // buildings from 2000, and not × 1.770.
    let features = geojson_features(&out.join("buildings.geojson"));
    let b = building(&features, "122886629");
    assert_eq!(b["uses"], "retail:1");
    assert_eq!(b["era"], "from_2000");
    let per_m2 = (101.8 * 0.9 - 3.6) * 0.6 + 3.6;
    close(
        num(b, "baseline_heat_demand_kwh_yr"),
        num(b, "gfa_m2") * per_m2,
        1e-4,
        1.0,
        "heat",
    );
    assert!(common::notes(&s).iter().any(|n| n
        .starts_with("the helsinki preset states a climate of 5536.1 Kd a year for its heat intensities but takes the heat of its health, hotel, industrial, public, restaurant, retail, unknown and warehouse archetypes from europe, whose intensities describe a climate of 3128.1 Kd a year (× 1.770 to describe 5536.1)")));
}

/// Outside the countries Eurostat's table covers, nothing is scaled and the notes say why:
/// Switzerland (CEA Zug), the europe preset's own climate; a US district (URBANopt's), whose
/// grid regions are no countries.
#[test]
fn a_district_without_compiled_degree_days_keeps_the_presets_climate() {
    let tmp = tempfile::tempdir().unwrap();
    for (folder, country, said) in [
        (
            "cea-zug",
            Some("CH"),
            "have none for Switzerland (CH), the district's country",
        ),
        (
            "urbanopt",
            None,
            "degree days by location are compiled for European countries only",
        ),
    ] {
        let dir = tmp.path().join(folder);
        std::fs::create_dir_all(&dir).unwrap();
        let out = estimate(&fixture(folder).join("site.toml"), &dir);
        let s = summary(&out);
        assert_eq!(s["climate"]["from"], "none", "{folder}");
        assert_eq!(s["climate"]["space_heat_scale"], 1.0, "{folder}");
        assert_eq!(s["climate"]["country"].as_str(), country, "{folder}");
        assert!(
            common::notes(&s).iter().any(|n| n.contains(said)),
            "{folder}: {}",
            s["notes"]
        );
    }
}

#[test]
fn tier_2_metered_oak_view_building_worked_by_hand() {
    // URBANopt Oak View building 0: 4,948 ft² multifamily, 2.44 kWh/ft² electricity and
    // 22.11 kWh/ft² natural gas (user_data); usa preset: gas 0.181 kg CO2/kWh. The grid: the
    // district lies 44 km from Los Angeles, so eGRID2022 CAMX, (497.443 lb CO2 + 28 × 0.030 lb
    // CH4 + 265 × 0.004 lb N2O) per MWh, 0.45359237 kg/lb.
    let grid = (497.443 + 28.0 * 0.030 + 265.0 * 0.004) * 0.453_592_37 / 1000.0;
    let electricity = 2.44 * 4948.0;
    let gas = 22.11 * 4948.0;
    let t_energy = (electricity * grid + gas * 0.181) / 1000.0;
    // Residents: 4,948 ft² × 0.09290304 m²/ft² / 74 m² per person. No stops: access index 0,
    // car share 0.90; non-car trips: 69 % walk, 8 % bike, 23 % transit (split 40 % bus, 60 %
    // rail where no stop is within reach).
    let residents = 4948.0 * 0.092_903_04 / 74.0;
    // Half of each trip counts at home (induced activity); homes hold no jobs or visitors.
    let trips = residents * 4.1 * 365.0 * 0.5;
    let car_pkm = trips * 0.90 * 16.0;
    let transit_pkm = trips * 0.10 * (1.0 - 0.69 - 0.08) * 10.0;
    let car_kg = car_pkm * (0.95 * 0.186 + 0.05 * 0.18 * grid);
    let transit_kg = transit_pkm * 0.40 * 0.091 + transit_pkm * 0.60 * 0.181 * grid;
    // Waste: 2.22 kg per resident and day; 50 % landfill (300 kg CO2e/t), 11.8 % incineration
    // (457), 14.6 % composting (190), 23.6 % recycling (0).
    let waste_t = residents * 2.22 * 365.0 / 1000.0;
    let t_waste = waste_t * (0.5 * 300.0 + 0.118 * 457.0 + 0.146 * 190.0) / 1000.0;

    let tmp = tempfile::tempdir().unwrap();
    let out = estimate(&fixture("urbanopt/site.toml"), tmp.path());
    let features = geojson_features(&out.join("buildings.geojson"));
    let b = building(&features, "0");
    assert_eq!(b["baseline_energy_tier"], 2);
    assert_eq!(b["use"], "residential");
    close(
        num(b, "gfa_m2"),
        4948.0 * 0.092_903_04,
        0.0,
        0.05,
        "floor area from ft²",
    );
    close(
        num(b, "baseline_electricity_kwh_yr"),
        electricity,
        1e-6,
        0.05,
        "electricity",
    );
    close(
        num(b, "baseline_natural_gas_kwh_yr"),
        gas,
        1e-6,
        0.05,
        "gas",
    );
    close(
        num(b, "baseline_energy_co2e_t_yr"),
        t_energy,
        1e-5,
        1e-4,
        "energy t",
    );
    close(num(b, "residents"), residents, 1e-3, 0.005, "residents");
    close(
        num(b, "baseline_car_pkm_yr"),
        car_pkm,
        1e-5,
        0.05,
        "car pkm",
    );
    close(
        num(b, "baseline_transport_co2e_t_yr"),
        (car_kg + transit_kg) / 1000.0,
        1e-5,
        1e-4,
        "transport t",
    );
    close(
        num(b, "baseline_waste_co2e_t_yr"),
        t_waste,
        1e-5,
        1e-4,
        "waste t",
    );

    // The 31 non-residential buildings have "N/A" for their intensities: tier 1, counted.
    let s = summary(&out);
    assert_eq!(s["energy_tiers"]["2"], 286);
    assert_eq!(s["energy_tiers"]["1"], 31);
    let q = &s["quality"][1]["unread_values"]["user_data_electricity_kWh_ft2"];
    assert_eq!(q["count"], 31);
}

#[test]
fn proposed_measures_follow_from_the_baseline_of_each_district_building() {
    // Kamppi's proposed scenario: 35 % lower demand, heat pumps (COP 2.5, helsinki preset),
    // PV on 60 % of the usable roof (70 % of the footprint, 0.20 kWp/m², 810 kWh/kWp), at most
    // 10 % of trips by car, 65 % of waste diverted.
    let tmp = tempfile::tempdir().unwrap();
    let out = estimate(&fixture("kamppi/site.toml"), tmp.path());
    let features = geojson_features(&out.join("buildings.geojson"));
    let mut checked = 0;
    for f in &features {
        let b = &f["properties"];
        if b["in_district"] != true || b["baseline_energy_tier"] != 1 {
            assert_eq!(
                b["proposed_co2e_t_yr"], b["baseline_co2e_t_yr"],
                "outside the district nothing changes"
            );
            continue;
        }
        let heat = num(b, "baseline_heat_demand_kwh_yr");
        // Electricity demand without heating: baseline electricity less direct electric (5 %)
        // and heat pumps (2 %, COP 2.5) of the helsinki heating mix.
        let appliances = num(b, "baseline_electricity_kwh_yr") - heat * (0.05 + 0.02 / 2.5);
        let pv = num(b, "footprint_m2") * 0.7 * 0.6 * 0.20 * 810.0;
        // The footprint is written to 0.1 m²: 0.05 m² × 68 kWh/m² = 3.4 kWh of rounding.
        close(num(b, "proposed_pv_kwh_yr"), pv, 1e-4, 3.5, "PV yield");
        let pv = num(b, "proposed_pv_kwh_yr");
        let electricity = (0.65 * appliances + 0.65 * heat / 2.5 - pv).max(0.0);
        close(
            num(b, "proposed_energy_co2e_t_yr"),
            electricity * 0.271 / 1000.0,
            1e-4,
            2e-4,
            "proposed energy t (all-electric, Helen grid 0.271)",
        );
        assert!(
            num(b, "proposed_transport_co2e_t_yr") <= num(b, "baseline_transport_co2e_t_yr") + 1e-4
        );
        checked += 1;
    }
    assert!(checked > 300, "only {checked} district buildings checked");
}

/// Sums a numeric property over the features of a layer.
fn sum(features: &[Value], key: &str) -> f64 {
    features
        .iter()
        .map(|f| f["properties"][key].as_f64().unwrap())
        .sum()
}

/// Building, grid and district + rest totals agree, to rounding, for every scenario.
fn assert_totals_agree(out: &Path) {
    let buildings = geojson_features(&out.join("buildings.geojson"));
    let grid = geojson_features(&out.join("grid.geojson"));
    let s = summary(out);
    for scenario in ["baseline", "proposed"] {
        let key = format!("{scenario}_co2e_t_yr");
        let by_building = sum(&buildings, &key);
        let by_cell = sum(&grid, &key);
        let district = s["totals"]["district"]["co2e_t_yr"][scenario]["total"]
            .as_f64()
            .unwrap();
        let rest = s["totals"]["rest"]["co2e_t_yr"][scenario]["total"]
            .as_f64()
            .unwrap();
        // Each feature is rounded to 0.0001 t.
        let tol = 0.0001 * (buildings.len() as f64);
        close(by_cell, by_building, 0.0, tol, "grid vs buildings");
        close(
            district + rest,
            by_building,
            0.0,
            tol,
            "district + rest vs buildings",
        );
        for sector in ["energy", "transport", "waste"] {
            let k = format!("{scenario}_{sector}_co2e_t_yr");
            close(sum(&grid, &k), sum(&buildings, &k), 0.0, tol, &k);
        }
    }
    // GDAL (what QGIS and ogrinfo use) opens every layer with the feature count written.
    for (name, n) in [
        ("buildings.geojson", buildings.len()),
        ("grid.geojson", grid.len()),
    ] {
        let ds = gdal::Dataset::open(out.join(name)).unwrap();
        assert_eq!(ds.layer(0).unwrap().feature_count() as usize, n, "{name}");
    }
    let n_cells: f64 = sum(&grid, "buildings");
    assert_eq!(
        n_cells as usize,
        buildings.len(),
        "every building in exactly one cell"
    );
    let c = &s["consistency"];
    for k in [
        "grid_minus_all",
        "district_plus_rest_minus_all",
        "neighbourhoods_plus_outside_minus_all",
    ] {
        assert!(c[k].as_f64().unwrap().abs() < 1e-6, "{k}: {}", c[k]);
    }
}

#[test]
fn totals_agree_across_levels_on_every_fixture() {
    for site in [
        "kamppi/site.toml",
        "cea-zug/site.toml",
        "liechtenstein/site.toml",
        "urbanopt/site.toml",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let out = estimate(&fixture(site), tmp.path());
        assert_totals_agree(&out);
    }
}

#[test]
fn neighbourhood_totals_add_up_to_the_map_on_kamppi() {
    let tmp = tempfile::tempdir().unwrap();
    let out = estimate(&fixture("kamppi/site.toml"), tmp.path());
    let buildings = geojson_features(&out.join("buildings.geojson"));
    let hoods = geojson_features(&out.join("neighbourhoods.geojson"));
    assert_eq!(
        hoods.len(),
        8,
        "every neighbourhood is written, with or without buildings"
    );
    let s = summary(&out);
    let outside = s["totals"]["outside_neighbourhoods"]["co2e_t_yr"]["baseline"]["total"]
        .as_f64()
        .unwrap();
    close(
        sum(&hoods, "baseline_co2e_t_yr") + outside,
        sum(&buildings, "baseline_co2e_t_yr"),
        0.0,
        0.1,
        "neighbourhoods + outside vs buildings",
    );
    // Each building names its neighbourhood; the counts match the layer's.
    for h in &hoods {
        let id = h["properties"]["id"].as_str().unwrap();
        let n = buildings
            .iter()
            .filter(|b| b["properties"]["neighbourhood"] == id)
            .count();
        assert_eq!(
            h["properties"]["buildings"].as_u64().unwrap() as usize,
            n,
            "{id}"
        );
    }
}

#[test]
fn hexagonal_grid_totals_agree_too() {
    let tmp = tempfile::tempdir().unwrap();
    let text = common::fixture_site_text("kamppi", "site.toml")
        .replace("shape = \"square\"", "shape = \"hex\"");
    let site = write_site(tmp.path(), &text);
    let out = estimate(&site, &tmp.path().join("out"));
    assert_totals_agree(&out);
    let grid = geojson_features(&out.join("grid.geojson"));
    // A hexagon 250 m across the flats: (√3 / 2) × 250² = 54,126.6 m², 7 vertices closed.
    close(
        num(&grid[0]["properties"], "area_m2"),
        54_126.6,
        0.0,
        0.1,
        "hexagon area",
    );
    assert_eq!(
        grid[0]["geometry"]["coordinates"][0]
            .as_array()
            .unwrap()
            .len(),
        7
    );
}

#[test]
fn outputs_are_rfc7946_deterministic_and_open_in_gdal() {
    let tmp = tempfile::tempdir().unwrap();
    let a = estimate(&fixture("kamppi/site.toml"), &tmp.path().join("a"));
    let b = estimate(&fixture("kamppi/site.toml"), &tmp.path().join("b"));
    for name in [
        "buildings.geojson",
        "grid.geojson",
        "neighbourhoods.geojson",
        "stops.geojson",
        "summary.json",
    ] {
        let (x, y) = (
            std::fs::read(a.join(name)).unwrap(),
            std::fs::read(b.join(name)).unwrap(),
        );
        assert!(x == y, "{name} differs between two runs");
    }
    // No temporary files left behind.
    let names: Vec<String> = std::fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 5, "{names:?}");
    // stops.geojson: the 186 stops of Kamppi's stops layer, each with the departures per hour
    // the access index used: no layer departures and no timetable, so the europe preset's
    // default for its mode (bus 6, tram 8, metro 12, rail 4 per hour).
    let stops = geojson_features(&a.join("stops.geojson"));
    assert_eq!(stops.len(), 186);
    for s in &stops {
        let p = &s["properties"];
        let want = match p["mode"].as_str().unwrap() {
            "bus" => 6.0,
            "tram" => 8.0,
            "metro" => 12.0,
            "rail" => 4.0,
            other => panic!("mode {other}"),
        };
        assert_eq!(p["departures_per_hour"].as_f64(), Some(want), "{p}");
        assert_eq!(p["departures_source"], "mode_default");
        assert!(p["routes"].is_null());
    }
    // WGS 84 lon/lat near Helsinki, at most 7 decimals, exterior rings counter-clockwise.
    let grid = geojson_features(&a.join("grid.geojson"));
    for f in &grid {
        let ring = f["geometry"]["coordinates"][0].as_array().unwrap();
        let pts: Vec<(f64, f64)> = ring
            .iter()
            .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
            .collect();
        assert!(pts
            .iter()
            .all(|(x, y)| (24.8..25.1).contains(x) && (60.1..60.25).contains(y)));
        let signed: f64 = pts
            .windows(2)
            .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
            .sum();
        assert!(signed > 0.0, "exterior ring must be counter-clockwise");
    }
    let text = std::fs::read_to_string(a.join("buildings.geojson")).unwrap();
    let longest_decimals = text
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|n| n.split_once('.').map(|(_, d)| d.len()))
        .max()
        .unwrap();
    assert!(
        longest_decimals <= 7,
        "a number with {longest_decimals} decimals"
    );
    // GDAL opens every layer with the feature count written; so does ogrinfo where installed.
    let counts = [
        // 453 + 494 − 107 duplicates − 12 too-few-points − 3 under 0.5 m² = 825.
        ("buildings.geojson", 825),
        ("grid.geojson", grid.len()),
        ("neighbourhoods.geojson", 8),
    ];
    for (name, n) in counts {
        let ds = gdal::Dataset::open(a.join(name)).unwrap();
        assert_eq!(ds.layer(0).unwrap().feature_count() as usize, n, "{name}");
        if let Ok(o) = std::process::Command::new("ogrinfo")
            .args(["-so", "-al"])
            .arg(a.join(name))
            .output()
        {
            let text = String::from_utf8_lossy(&o.stdout);
            assert!(o.status.success(), "ogrinfo failed on {name}");
            assert!(
                text.contains(&format!("Feature Count: {n}")),
                "{name}: {text}"
            );
        }
    }
}

#[test]
fn a_point_building_needs_a_floor_area_attribute() {
    // Two Oak View buildings as points at their first corner: one keeps its floor area, one
    // loses it and must be kept, flagged and listed.
    let tmp = tempfile::tempdir().unwrap();
    let src = geojson_features(&fixture("urbanopt/oak_view_buildings.geojson"));
    let mut points = Vec::new();
    for (i, f) in src.iter().take(2).enumerate() {
        let corner = f["geometry"]["coordinates"][0][0].clone();
        let mut props = f["properties"].clone();
        if i == 1 {
            props["floor_area"] = Value::Null;
        }
        points.push(serde_json::json!({"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": corner}}));
    }
    let fc = serde_json::json!({"type": "FeatureCollection", "features": points});
    std::fs::write(tmp.path().join("points.geojson"), fc.to_string()).unwrap();
    let text = format!(
        "preset = \"usa\"\n[district]\npath = \"{}\"\n[buildings]\npath = \"points.geojson\"\nid = \"id\"\nuse = \"building_type\"\nfloors = \"number_of_stories\"\ngfa = {{ field = \"floor_area\", unit = \"ft2\" }}\n",
        fixture("urbanopt/oak_view_district.geojson").display()
    );
    let site = write_site(tmp.path(), &text);
    let out = estimate(&site, &tmp.path().join("out"));
    let features = geojson_features(&out.join("buildings.geojson"));
    let first_id = src[0]["properties"]["id"].as_str().unwrap();
    let second_id = src[1]["properties"]["id"].as_str().unwrap();
    let with = building(&features, first_id);
    let gfa_ft2 = src[0]["properties"]["floor_area"].as_f64().unwrap();
    close(
        num(with, "gfa_m2"),
        gfa_ft2 * 0.092_903_04,
        0.0,
        0.05,
        "point floor area",
    );
    assert!(num(with, "baseline_co2e_t_yr") > 0.0);
    let without = building(&features, second_id);
    assert_eq!(without["gfa_source"], "missing");
    assert_eq!(num(without, "baseline_energy_co2e_t_yr"), 0.0);
    let s = summary(&out);
    assert_eq!(
        s["profile"]["no_floor_area"],
        serde_json::json!([second_id])
    );
}

#[test]
fn a_factor_override_in_the_site_file_changes_exactly_that_factor() {
    // Zug with the grid factor raised from 0.102 to 0.5 kg/kWh: each building's energy
    // emissions rise by its electricity × 0.398 kg/kWh.
    let tmp = tempfile::tempdir().unwrap();
    let text = common::fixture_site_text("cea-zug", "site.toml")
        + "\n[factors]\ncarriers.electricity = { value = 0.5, source = \"test: a coal-heavy grid\" }\n";
    let site = write_site(tmp.path(), &text);
    let high = estimate(&site, &tmp.path().join("high"));
    let base = estimate(&fixture("cea-zug/site.toml"), &tmp.path().join("base"));
    let (h, b) = (
        geojson_features(&high.join("buildings.geojson")),
        geojson_features(&base.join("buildings.geojson")),
    );
    for (fh, fb) in h.iter().zip(&b).take(15) {
        let (ph, pb) = (&fh["properties"], &fb["properties"]);
        let expected = num(pb, "baseline_energy_co2e_t_yr")
            + num(pb, "baseline_electricity_kwh_yr") * 0.398 / 1000.0;
        close(
            num(ph, "baseline_energy_co2e_t_yr"),
            expected,
            1e-5,
            2e-4,
            "overridden grid factor",
        );
    }
    let s = summary(&high);
    let a = s["assumptions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == "carriers.electricity")
        .unwrap();
    assert_eq!(a["value"], 0.5);
    assert_eq!(a["source"], "test: a coal-heavy grid");
}

#[test]
fn a_bad_override_or_preset_is_refused_before_any_layer_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let site = write_site(
        tmp.path(),
        &common::kamppi_site_with("[factors]\ncarriers.electricity = { value = 0.5, unit = \"kg/MWh\" }\nheating.oil = 2.0\n"),
    );
    let run = common::cpgis_site("estimate", &site, &tmp.path().join("o"));
    assert_bad_input(
        &run,
        &[
            "factors.carriers.electricity",
            "unit `kg/MWh` differs from the preset's `kg CO2e/kWh`",
        ],
    );
    let site = write_site(
        tmp.path(),
        &format!("preset = \"europa\"\n{}", common::kamppi_site_with("")),
    );
    let run = common::cpgis_site("estimate", &site, &tmp.path().join("o"));
    assert_bad_input(
        &run,
        &["`europa` is not a known preset", "did you mean `europe`?"],
    );
    let site = write_site(
        tmp.path(),
        &common::kamppi_site_with("[scenario.proposed]\nheat = \"fusion\"\n"),
    );
    let run = common::cpgis_site("estimate", &site, &tmp.path().join("o"));
    assert_bad_input(
        &run,
        &["scenario.proposed.heat", "`fusion` is not a heat source"],
    );
    assert!(
        !tmp.path().join("o").exists(),
        "nothing is written for bad input"
    );
}

#[test]
fn presets_are_listed_and_shown_with_units_and_sources() {
    let run = cpgis(&["presets"]);
    assert_eq!(run.code, 0);
    for name in ["china-north", "europe", "helsinki", "usa"] {
        assert!(run.stdout.contains(name), "{}", run.stdout);
    }
    // No preset is "the default": a site file naming none gets its place's, or is refused.
    assert!(!run.stdout.contains("(default)"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("A site file naming none gets the preset of the\ndistrict's place"),
        "{}",
        run.stdout
    );
    let run = cpgis(&["presets", "show", "china-north"]);
    assert_eq!(run.code, 0);
    let line = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("carriers.electricity "))
        .unwrap();
    // The 2023 North China regional grid factor (MEE & NBS).
    assert!(
        line.contains("0.6361") && line.contains("kg CO2e/kWh") && line.contains("MEE & NBS"),
        "{line}"
    );
    // Every value line has a source.
    let values = run.stdout.lines().filter(|l| l.starts_with("  ")).count();
    assert!(values > 100, "{values} values");
}
