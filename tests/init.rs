//! `cpgis init` on every fixture: the site file it writes names the mappings a person would
//! choose (asserted field by field, read back through the site-file checker), and `cpgis run`
//! succeeds on it as it is.

mod common;

use std::path::{Path, PathBuf};

use common::{cpgis, fixture, geojson_features};
use cpgis::config::{AreaUnit, SiteConfig};
use cpgis::parse_site_file;

/// `cpgis init ARGS -o DIR/site.toml`: the run and the site file's path.
fn init_run(dir: &Path, args: &[String]) -> (common::Run, PathBuf) {
    let out = dir.join("site.toml");
    let mut all: Vec<&str> = vec!["init"];
    all.extend(args.iter().map(String::as_str));
    all.extend(["-o", out.to_str().unwrap()]);
    (cpgis(&all), out)
}

fn init(dir: &Path, args: &[String]) -> SiteConfig {
    let (r, out) = init_run(dir, args);
    assert_eq!(r.code, 0, "init failed: {}", r.stderr);
    assert!(r.stdout.contains("cpgis run"), "{}", r.stdout);
    parse_site_file(&out)
        .unwrap_or_else(|e| panic!("init wrote a site file that does not check: {e}"))
}

fn run(dir: &Path) -> PathBuf {
    let out = dir.join("out");
    let r = common::cpgis_site("run", &dir.join("site.toml"), &out);
    assert_eq!(r.code, 0, "run on the init site file failed: {}", r.stderr);
    out
}

fn files(folder: &str, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|n| fixture(&format!("{folder}/{n}")).display().to_string())
        .collect()
}

/// A buildings mapping's use fields with their share fields.
fn use_fields(b: &cpgis::config::BuildingsSpec) -> Vec<(&str, Option<&str>)> {
    b.uses
        .iter()
        .map(|u| (u.field.as_str(), u.share.as_deref()))
        .collect()
}

fn name_of(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn kamppi_layers_are_recognised_and_run() {
    let tmp = tempfile::tempdir().unwrap();
    let c = init(
        tmp.path(),
        &files(
            "kamppi",
            &[
                "kamppi_district_boundary.geojson",
                "buildings.geojson",
                "centre_2019_buildings.geojson",
                "centre_2019_transit_stops.geojson",
                "helsinki_boundaries.gpkg",
                "helsinki_population_grid_2020.gpkg",
            ],
        ),
    );
    // The one-polygon Kamppi boundary is the district (the municipality is larger).
    assert_eq!(
        name_of(&c.district.source.path),
        "kamppi_district_boundary.geojson"
    );
    assert_eq!(c.preset, "helsinki");
    let n = c.neighbourhoods.as_ref().unwrap();
    assert_eq!(
        (n.source.layer.as_deref(), n.id.as_slice()),
        (Some("city_districts"), ["name".to_string()].as_slice())
    );
    assert_eq!(c.buildings.len(), 2);
    for b in &c.buildings {
        assert_eq!(b.id, ["osm_way_id", "osm_id"]);
        assert_eq!(b.uses[0].field, "building");
        assert_eq!(b.floors.as_deref(), Some("building_levels"));
        assert_eq!(b.height.as_deref(), Some("height"));
        assert_eq!(b.year.as_deref(), Some("start_date"));
    }
    let s = c.stops.as_ref().unwrap();
    assert_eq!(s.id, ["osm_id"]);
    assert_eq!(s.name.as_deref(), Some("name"));
    assert_eq!(s.mode.fields, ["railway", "public_transport", "highway"]);
    assert_eq!(c.population.as_ref().unwrap().value, "population");
    let out = run(tmp.path());
    assert_eq!(geojson_features(&out.join("buildings.geojson")).len(), 825);
}

#[test]
fn cea_zug_uses_and_shares_are_mapped() {
    let tmp = tempfile::tempdir().unwrap();
    let c = init(
        tmp.path(),
        &files(
            "cea-zug",
            &[
                "site.geojson",
                "zone_with_typology.geojson",
                "surroundings.geojson",
            ],
        ),
    );
    assert_eq!(name_of(&c.district.source.path), "site.geojson");
    // CEA calls every boundary `site`: the site is named by its folder (it had been "site").
    assert_eq!(c.name, "cea-zug");
    assert_eq!(c.preset, "europe");
    let zone = &c.buildings[0];
    assert_eq!(zone.id, ["zone.Name"]);
    assert_eq!(
        use_fields(zone),
        [
            ("use1", Some("use1_r")),
            ("use2", Some("use2_r")),
            ("use3", Some("use3_r"))
        ]
    );
    assert_eq!(zone.floors.as_deref(), Some("zone.floors_ag"));
    assert_eq!(zone.height.as_deref(), Some("zone.height_ag"));
    assert_eq!(zone.year.as_deref(), Some("year"));
    assert_eq!(zone.standard.as_deref(), Some("standard"));
    let sur = &c.buildings[1];
    assert_eq!(
        (sur.id.as_slice(), sur.floors.as_deref()),
        (["Name".to_string()].as_slice(), Some("floors_ag"))
    );
    // The surroundings' OpenStreetMap building value, which CEA keeps in `category`.
    assert_eq!(use_fields(sur), [("category", None)]);
    run(tmp.path());
}

#[test]
fn liechtenstein_from_one_osm_extract_with_a_named_district() {
    let tmp = tempfile::tempdir().unwrap();
    let mut args = files("liechtenstein", &["liechtenstein-2013-08-03.osm.pbf"]);
    args.extend(["--district".to_string(), "Vaduz".to_string()]);
    let c = init(tmp.path(), &args);
    assert_eq!(c.name, "Vaduz");
    assert_eq!(
        c.district.source.filter.as_deref(),
        Some("admin_level = '8' AND name = 'Vaduz'")
    );
    let n = c.neighbourhoods.as_ref().unwrap();
    assert_eq!(
        n.source.filter.as_deref(),
        Some("admin_level = '8' AND boundary = 'administrative'")
    );
    assert_eq!(
        c.buildings[0].source.filter.as_deref(),
        Some("building IS NOT NULL")
    );
    assert_eq!(
        c.buildings[0].source.layer.as_deref(),
        Some("multipolygons")
    );
    assert_eq!(
        c.stops
            .as_ref()
            .unwrap()
            .source
            .as_ref()
            .unwrap()
            .layer
            .as_deref(),
        Some("points")
    );
    assert_eq!(c.community.method, cpgis::config::CommunityMethod::Adjacent);
    // Roads, rail and water of the extract, drawn under the report's maps.
    let filter = |s: &Option<cpgis::config::LayerSource>| {
        s.as_ref()
            .and_then(|s| s.filter.clone())
            .unwrap_or_default()
    };
    assert_eq!(filter(&c.context.roads), "highway IS NOT NULL");
    assert_eq!(filter(&c.context.rail), "railway IS NOT NULL");
    assert_eq!(filter(&c.context.water), "\"natural\" = 'water'");
    let out = run(tmp.path());
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    for kind in ["roads", "rail", "water"] {
        assert_eq!(
            report.matches(&format!("class=\"context {kind}\"")).count(),
            4,
            "{kind} under each of the four maps"
        );
    }
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    // The same 7 neighbours as the hand-written Liechtenstein site file finds.
    assert_eq!(s["community"]["neighbours"].as_array().unwrap().len(), 7);
}

#[test]
fn urbanopt_floor_areas_in_square_feet_run_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let c = init(
        tmp.path(),
        &files(
            "urbanopt",
            &["oak_view_district.geojson", "oak_view_buildings.geojson"],
        ),
    );
    assert_eq!(c.preset, "usa");
    let b = &c.buildings[0];
    assert_eq!(b.id, ["id"]);
    assert_eq!(b.uses[0].field, "building_type");
    assert_eq!(b.floors.as_deref(), Some("number_of_stories"));
    assert_eq!(b.year.as_deref(), Some("year_built"));
    let gfa = b.gfa.as_ref().unwrap();
    assert_eq!(
        (gfa.field.as_str(), gfa.unit),
        ("floor_area", AreaUnit::SquareFoot)
    );
    let energy: Vec<(&str, &str)> = b
        .energy
        .iter()
        .map(|e| (e.carrier.key(), e.field.field.as_str()))
        .collect();
    assert_eq!(
        energy,
        [
            ("electricity", "user_data_electricity_kWh_ft2"),
            ("natural_gas", "user_data_natural_gas_kWh_ft2")
        ]
    );
    let out = run(tmp.path());
    // Building 0 by hand: 4,948 ft² × 0.09290304 m²/ft² = 459.68 m².
    let features = geojson_features(&out.join("buildings.geojson"));
    let b0 = features
        .iter()
        .find(|f| f["properties"]["id"] == "0")
        .unwrap();
    let gfa_m2 = b0["properties"]["gfa_m2"].as_f64().unwrap();
    assert!((gfa_m2 - 4948.0 * 0.092_903_04).abs() < 0.05, "{gfa_m2}");
    assert_eq!(b0["properties"]["use"], "residential");
}

/// URBANopt's example project: a `Mixed use` building names its parts in `mixed_type_1..4`
/// with their per cents in `mixed_type_N_percentage`. init maps them as use fields with
/// `percent`, and the run gives each building the mix the file states (it had been refused as
/// shares above 1, and the building modelled as a third each of office, restaurant and the
/// `unknown` mix, 60 % housing).
#[test]
fn urbanopt_mixed_use_takes_the_parts_and_per_cents_the_file_gives() {
    let tmp = tempfile::tempdir().unwrap();
    let mut args = files("urbanopt", &["example_project.json"]);
    args.push("--district-around-buildings".into());
    let c = init(tmp.path(), &args);
    let fields: Vec<(&str, Option<&str>, bool)> = c.buildings[0]
        .uses
        .iter()
        .map(|u| (u.field.as_str(), u.share.as_deref(), u.percent))
        .collect();
    assert_eq!(fields[0], ("building_type", None, false));
    assert_eq!(
        fields[1],
        ("mixed_type_1", Some("mixed_type_1_percentage"), true)
    );
    assert_eq!(fields.len(), 5);
    let out = run(tmp.path());
    let layer = common::geojson_features(&out.join("buildings.geojson"));
    let uses = |id: &str| {
        layer.iter().find(|f| f["properties"]["id"] == id).unwrap()["properties"]["uses"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // Building 1: Office 50, Food service 50, Strip shopping mall 0, Lodging 0.
    assert_eq!(uses("1"), "office:0.5,restaurant:0.5");
    // Building 10: Strip shopping mall 25, Food service 25, Office 15, Lodging 35.
    assert_eq!(
        uses("10"),
        "hotel:0.35,retail:0.25,restaurant:0.25,office:0.15"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert!(
        summary["quality"][1].get("rejected").is_none(),
        "{}",
        summary["quality"]
    );
    assert_eq!(summary["totals"]["district"]["residents"], 0.0);
}

/// An URBANopt feature file with its streets: 13 buildings, 8 roads, a district system and the
/// site origin in one layer, told apart by `type`. The roads are drawn under the maps and the
/// rest is said by type and count (init had said only "those of its 23 features where type =
/// 'Building'").
#[test]
fn urbanopt_roads_are_drawn_and_the_other_types_said() {
    let path = fixture("urbanopt/example_project_with_streets.json");
    let mut counts = std::collections::BTreeMap::new();
    for f in common::geojson_features(&path) {
        *counts
            .entry(f["properties"]["type"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    assert_eq!(counts["Building"], 13);
    assert_eq!(counts["Road"], 8);
    let tmp = tempfile::tempdir().unwrap();
    let args = vec![
        path.display().to_string(),
        "--district-around-buildings".to_string(),
    ];
    let (r, _) = init_run(tmp.path(), &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let c = parse_site_file(&tmp.path().join("site.toml")).unwrap();
    let roads = c.context.roads.as_ref().expect("roads drawn");
    assert_eq!(roads.filter.as_deref(), Some("type = 'Road'"));
    let others: Vec<String> = counts
        .iter()
        .filter(|(t, _)| !matches!(t.as_str(), "Building" | "Road"))
        .map(|(t, n)| format!("{n} {t}"))
        .collect();
    assert_eq!(others.len(), 2);
    let said = format!("its features of type {} (`type`)", others.join(", "));
    assert!(r.stdout.contains(&said), "`{said}` not in:\n{}", r.stdout);
    let out = run(tmp.path());
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["totals"]["district"]["buildings"], 13);
}

#[test]
fn a_gtfs_folder_becomes_the_stops() {
    let tmp = tempfile::tempdir().unwrap();
    let feed = tmp.path().join("feed");
    std::fs::create_dir_all(&feed).unwrap();
    for (name, text) in [
        ("calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,0,0,20240101,20251231\n"),
        ("trips.txt", "route_id,service_id,trip_id\nT,WK,t1\n"),
        ("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\nA,A,60.1690,24.9315\n"),
        ("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nt1,08:20:00,08:20:00,A,1\n"),
    ] {
        std::fs::write(feed.join(name), text).unwrap();
    }
    let mut args = files(
        "kamppi",
        &["kamppi_district_boundary.geojson", "buildings.geojson"],
    );
    args.push(feed.display().to_string());
    let c = init(tmp.path(), &args);
    let s = c.stops.as_ref().unwrap();
    assert!(s.source.is_none());
    assert_eq!(name_of(s.gtfs.as_ref().unwrap()), "feed");
    run(tmp.path());
}

#[test]
fn without_a_district_init_says_how_to_name_one() {
    let tmp = tempfile::tempdir().unwrap();
    let r = cpgis(&[
        "init",
        fixture("kamppi/buildings.geojson").to_str().unwrap(),
        "-o",
        tmp.path().join("s.toml").to_str().unwrap(),
    ]);
    common::assert_bad_input(&r, &["--district"]);
}

#[test]
fn a_delivery_without_a_boundary_takes_the_buildings_outline_as_its_district() {
    let tmp = tempfile::tempdir().unwrap();
    // NREL's campus as an URBANopt feature file: 35 buildings and 10 district systems, no
    // boundary. Without the option, init says how to go on.
    let args = files("urbanopt", &["nrel_stm_footprints.geojson"]);
    let plain = cpgis(&[
        "init",
        &args[0],
        "-o",
        tmp.path().join("plain.toml").to_str().unwrap(),
    ]);
    common::assert_bad_input(&plain, &["--district-around-buildings"]);
    let mut with = args.clone();
    with.push("--district-around-buildings".into());
    let c = init(tmp.path(), &with);
    // The district systems are not buildings.
    assert_eq!(
        c.buildings[0].source.filter.as_deref(),
        Some("type = 'Building'")
    );
    assert_eq!(name_of(&c.district.source.path), "district.geojson");
    assert_eq!(c.name, "nrel_stm_footprints");
    let district = common::geojson_features(&tmp.path().join("district.geojson"));
    assert_eq!(district.len(), 1);
    let ring: Vec<(f64, f64)> = district[0]["geometry"]["coordinates"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    // Counter-clockwise (RFC 7946): a positive shoelace area.
    let twice_area: f64 = ring
        .windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum();
    assert!(twice_area > 0.0, "{twice_area}");
    // It reaches 10 m beyond the buildings' extent on every side. The 35 buildings' extent
    // (ogrinfo -where "type = 'Building'"): -105.183537, 39.738342 to -105.168351, 39.743453.
    // 10 m is 10 / 111,319.49 = 0.0000898° of latitude and, at their mean latitude of about
    // 39.741° (cos 0.76896), 10 / 85,601 = 0.0001168° of longitude; within 0.5 m.
    let (dlon, dlat, tol) = (0.000_116_8, 0.000_089_8, 0.000_005);
    let west = ring.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let east = ring.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let south = ring.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let north = ring.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    assert!((west - (-105.183537 - dlon)).abs() < tol, "{west}");
    assert!((east - (-105.168351 + dlon)).abs() < tol, "{east}");
    assert!((south - (39.738342 - dlat)).abs() < tol, "{south}");
    assert!((north - (39.743453 + dlat)).abs() < tol, "{north}");
    // The run finds every building of type Building in the district.
    let out = run(tmp.path());
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        summary["totals"]["district"]["buildings"], 35,
        "{}",
        summary["totals"]
    );
    // URBANopt's `Vacant` buildings (the campus's parking garage and entrances, by the file's
    // `building_type`) are the parking archetype: no residents, no jobs. As `unknown` (60 %
    // housing) the garage alone had held 483 residents.
    let vacant: Vec<String> =
        common::geojson_features(&fixture("urbanopt/nrel_stm_footprints.geojson"))
            .iter()
            .map(|f| &f["properties"])
            .filter(|p| p["building_type"] == "Vacant")
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect();
    assert_eq!(vacant.len(), 4);
    let layer = common::geojson_features(&out.join("buildings.geojson"));
    for id in &vacant {
        let p = &layer
            .iter()
            .find(|f| f["properties"]["id"] == id.as_str())
            .unwrap()["properties"];
        assert_eq!(p["use"], "parking", "{p}");
        assert_eq!(p["residents"], 0.0, "{p}");
        assert_eq!(p["jobs"], 0.0, "{p}");
    }
    // The outline is not written over one drawn by hand.
    let again = cpgis(&[
        "init",
        &with[0],
        "--district-around-buildings",
        "-o",
        tmp.path().join("other.toml").to_str().unwrap(),
    ]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(
        again.stderr.contains("district.geojson"),
        "{}",
        again.stderr
    );
    // A site file in a folder that does not exist yet: the folder is made, as `run -o` does.
    let deeper = tmp.path().join("new").join("site.toml");
    let r = cpgis(&[
        "init",
        &with[0],
        "--district-around-buildings",
        "-o",
        deeper.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(deeper.exists() && tmp.path().join("new/district.geojson").exists());
}

#[test]
fn cea_shapefiles_get_their_typology_joined_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let c = init(
        tmp.path(),
        &files(
            "cea-zug/shapefile",
            &["site.shp", "zone.shp", "surroundings.shp", "typology.dbf"],
        ),
    );
    let zone = c
        .buildings
        .iter()
        .find(|b| name_of(&b.source.path) == "zone.shp")
        .unwrap();
    let join = zone.source.join.as_ref().unwrap();
    assert_eq!(
        (name_of(&join.path).as_str(), join.on.as_str()),
        ("typology.dbf", "Name")
    );
    assert_eq!(
        use_fields(zone),
        [
            ("1ST_USE", Some("1ST_USE_R")),
            ("2ND_USE", Some("2ND_USE_R")),
            ("3RD_USE", Some("3RD_USE_R"))
        ]
    );
    assert_eq!(zone.year.as_deref(), Some("YEAR"));
    assert_eq!(zone.standard.as_deref(), Some("STANDARD"));
    let out = run(tmp.path());
    // The same uses, years and emissions as CEA's own merged GeoJSON of the zone.
    let geojson = tmp.path().join("geojson");
    let r = common::cpgis_site("run", &fixture("cea-zug/site.toml"), &geojson);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let by_id = |dir: &Path| -> std::collections::BTreeMap<String, serde_json::Value> {
        geojson_features(&dir.join("buildings.geojson"))
            .into_iter()
            .map(|f| {
                (
                    f["properties"]["id"].as_str().unwrap().to_string(),
                    f["properties"].clone(),
                )
            })
            .collect()
    };
    let (a, b) = (by_id(&out), by_id(&geojson));
    for id in ["B1000", "B1011", "B1012", "B1014"] {
        assert_eq!(a[id]["uses"], b[id]["uses"], "{id}");
        assert_eq!(a[id]["year"], b[id]["year"], "{id}");
        let (x, y) = (
            a[id]["baseline_energy_co2e_t_yr"].as_f64().unwrap(),
            b[id]["baseline_energy_co2e_t_yr"].as_f64().unwrap(),
        );
        assert!((x - y).abs() < 1e-3 * y, "{id}: {x} vs {y}");
    }
}

/// Asked for the buildings' outline where a boundary is given too, init takes the outline and
/// names the boundary as not used, with how to use it instead.
#[test]
fn the_outline_asked_for_sets_a_given_boundary_aside_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let mut args = files(
        "kamppi",
        &["kamppi_district_boundary.geojson", "buildings.geojson"],
    );
    args.push("--district-around-buildings".into());
    let (r, out) = init_run(tmp.path(), &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("kamppi_district_boundary.geojson: a single boundary polygon; the district is the buildings' outline (district.geojson)"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("the smallest was taken"), "{}", r.stdout);
    let c = parse_site_file(&out).unwrap();
    assert_eq!(name_of(&c.district.source.path), "district.geojson");
}

/// The buildings' outline of a whole OSM extract: the extract's multipolygons (buildings, lakes,
/// boundaries of every level) are not taken as the neighbourhoods, which only a named
/// district's administrative level gives; they had all been.
#[test]
fn an_osm_extract_outlined_takes_no_neighbourhoods() {
    let tmp = tempfile::tempdir().unwrap();
    let mut args = files("liechtenstein", &["liechtenstein-2013-08-03.osm.pbf"]);
    args.push("--district-around-buildings".into());
    let c = init(tmp.path(), &args);
    assert!(c.neighbourhoods.is_none(), "{:?}", c.neighbourhoods);
    assert_eq!(name_of(&c.district.source.path), "district.geojson");
    assert_eq!(
        c.buildings[0].source.filter.as_deref(),
        Some("building IS NOT NULL")
    );
}

/// Regression: with the files in the shell's order (`*.shp typology.dbf`: site, surroundings,
/// zone), `init` joined CEA's typology to the surroundings, which also have a `Name` (CEA1000…),
/// left the zone's 15 buildings without uses and the verdict "climate positive by 1,349 t"
/// where the hand-written site file gives 359.7 t. The typology goes to the layer whose names
/// it holds.
#[test]
fn cea_typology_joins_the_zone_whatever_the_order_of_the_files() {
    let tmp = tempfile::tempdir().unwrap();
    let c = init(
        tmp.path(),
        &files(
            "cea-zug/shapefile",
            &["site.shp", "surroundings.shp", "zone.shp", "typology.dbf"],
        ),
    );
    let joined: Vec<String> = c
        .buildings
        .iter()
        .filter(|b| b.source.join.is_some())
        .map(|b| name_of(&b.source.path))
        .collect();
    assert_eq!(joined, ["zone.shp"]);
    let out = run(tmp.path());
    let reference = tmp.path().join("reference");
    let r = common::cpgis_site("run", &fixture("cea-zug/site_shapefile.toml"), &reference);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let net = |dir: &Path| {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap())
                .unwrap();
        v["balance"]["net_t"].as_f64().unwrap()
    };
    assert_eq!(net(&out), net(&reference));
}

/// Line layers exported from OpenStreetMap (a `highway` or a `railway` field) are drawn under
/// the report's maps, one of each kind; they had been listed as not used.
#[test]
fn road_and_rail_line_layers_become_the_maps_context() {
    let tmp = tempfile::tempdir().unwrap();
    let mut args = files(
        "kamppi",
        &[
            "kamppi_district_boundary.geojson",
            "buildings.geojson",
            "centre_2019_roads.geojson",
            "centre_2019_rail_lines.geojson",
        ],
    );
    // A second roads layer: the maps draw one, so it is listed as not used.
    let copy = tmp.path().join("more_roads.geojson");
    std::fs::copy(fixture("kamppi/centre_2019_roads.geojson"), &copy).unwrap();
    args.push(copy.display().to_string());
    let (r, out) = init_run(tmp.path(), &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("used as the maps' roads (767 features; drawn only)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("used as the maps' rail (104 features; drawn only)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("more_roads.geojson: roads again"),
        "{}",
        r.stdout
    );
    let c = parse_site_file(&out).unwrap();
    let roads = c.context.roads.as_ref().unwrap();
    assert_eq!(name_of(&roads.path), "centre_2019_roads.geojson");
    let rail = c.context.rail.as_ref().unwrap();
    assert_eq!(name_of(&rail.path), "centre_2019_rail_lines.geojson");
    run(tmp.path());
}

/// Regression: `init` refused a benchmarking disclosure ("none of these layers holds
/// buildings") because its buildings are points in a CSV; it mapped none of floor area,
/// meters or id. It now writes the site file a person would, and its run reads every building
/// exactly as the hand-written `fixtures/benchmarking/site.toml` does.
#[test]
fn a_benchmarking_csv_of_points_becomes_a_site_file_that_reads_like_the_hand_written_one() {
    let tmp = tempfile::tempdir().unwrap();
    let config = init(
        tmp.path(),
        &[
            fixture("benchmarking/properties.csv").display().to_string(),
            fixture("benchmarking/district.geojson")
                .display()
                .to_string(),
        ],
    );
    let b = &config.buildings[0];
    assert_eq!(b.id, ["Property Id"]);
    assert_eq!(b.source.crs.as_deref(), Some("EPSG:4326"));
    let gfa = b.gfa.as_ref().unwrap();
    assert_eq!(
        (gfa.field.as_str(), gfa.unit),
        ("Property GFA - Self-Reported (ft²)", AreaUnit::SquareFoot)
    );
    let energy: Vec<(&str, &str, String)> = b
        .energy
        .iter()
        .map(|e| {
            (
                e.carrier.key(),
                e.field.field.as_str(),
                e.field.unit.to_string(),
            )
        })
        .collect();
    assert_eq!(
        energy,
        [
            (
                "electricity",
                "Electricity Use - Grid Purchase (kWh)",
                "kWh".to_string()
            ),
            (
                "natural_gas",
                "Natural Gas Use (therms)",
                "therm".to_string()
            )
        ]
    );
    let out = run(tmp.path());
    let hand = tmp.path().join("hand");
    let r = common::cpgis_site("run", &fixture("benchmarking/site.toml"), &hand);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        std::fs::read(out.join("buildings.geojson")).unwrap()
            == std::fs::read(hand.join("buildings.geojson")).unwrap(),
        "init's site file reads the buildings as the hand-written one does"
    );
}

/// `--district` ignores case and accents, and the site is named by the district's name.
#[test]
fn a_district_is_found_whatever_its_case_and_accents_and_names_the_site() {
    let tmp = tempfile::tempdir().unwrap();
    let mut args = files("kamppi", &["helsinki_boundaries.gpkg", "buildings.geojson"]);
    args.extend(["--district".to_string(), "ETELAINEN".to_string()]);
    let c = init(tmp.path(), &args);
    assert!(c.name.starts_with("Eteläinen"), "{}", c.name);
    assert_eq!(
        c.district.source.filter.as_deref(),
        Some("name = 'Eteläinen'")
    );
}

/// A name that matches nothing lists the names the layers use and suggests the one meant.
#[test]
fn a_misspelt_district_gets_the_closest_name_and_the_list() {
    let tmp = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = vec!["init".into()];
    args.extend(files(
        "kamppi",
        &["helsinki_boundaries.gpkg", "buildings.geojson"],
    ));
    let out = tmp.path().join("site.toml").display().to_string();
    args.extend(["--district".into(), "Etelainem".into(), "-o".into(), out]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = cpgis(&refs);
    common::assert_bad_input(
        &r,
        &[
            "no boundary feature is called `Etelainem`",
            "did you mean `Eteläinen`?",
            // Each boundary layer searched is named with its names.
            "Searched ",
            "helsinki_boundaries.gpkg, layer city_districts: Eteläinen, Itäinen, Kaakkoinen, Keskinen, Koillinen, Läntinen, Pohjoinen, Östersundom",
        ],
    );
    assert!(!tmp.path().join("site.toml").exists());
}

/// In an OpenStreetMap extract a misspelt district is answered with the boundaries' names
/// alone: the multipolygons layer is mostly buildings, and its first names in the message had
/// been a cider press and a playground. Liechtenstein's extract holds 17 distinct names of
/// features tagged `boundary` or `admin_level` (`ogrinfo -where "(boundary IS NOT NULL OR
/// admin_level IS NOT NULL) AND name IS NOT NULL"`).
#[test]
fn a_misspelt_district_in_an_osm_extract_lists_only_boundaries() {
    let tmp = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = vec!["init".into()];
    args.extend(files(
        "liechtenstein",
        &["liechtenstein-2013-08-03.osm.pbf"],
    ));
    let out = tmp.path().join("site.toml").display().to_string();
    args.extend(["--district".into(), "Vaduzz".into(), "-o".into(), out]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = cpgis(&refs);
    common::assert_bad_input(
        &r,
        &[
            "did you mean `Vaduz`?",
            "liechtenstein-2013-08-03.osm.pbf, layer multipolygons: Alpenmannstreu Gamperdonatal, Balzers,",
            "… (17 in all)",
        ],
    );
    // A basin and a cider press are named polygons, not boundaries.
    assert!(!r.stderr.contains("Badesee"), "{}", r.stderr);
    assert!(!r.stderr.contains("Mosterei"), "{}", r.stderr);
}

/// A named polygon of an OpenStreetMap extract that is no administrative boundary (the
/// `Badesee` basin, landuse=basin, no admin_level) is filtered by its name alone: GDAL gives
/// the unset admin_level as empty text, and the filter had read `admin_level = '' AND name =
/// 'Badesee'`, which selects nothing.
#[test]
fn a_district_without_admin_level_is_filtered_by_name_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let mut args = files("liechtenstein", &["liechtenstein-2013-08-03.osm.pbf"]);
    args.extend(["--district".to_string(), "Badesee".to_string()]);
    let c = init(tmp.path(), &args);
    let filter = c.district.source.filter.clone().unwrap();
    assert_eq!(filter, "name = 'Badesee'");
    // ogrinfo, GDAL's own reader, selects exactly one polygon with it.
    let o = std::process::Command::new("ogrinfo")
        .args(["-ro", "-q", "-where", &filter])
        .arg(fixture("liechtenstein/liechtenstein-2013-08-03.osm.pbf"))
        .arg("multipolygons")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        text.matches("OGRFeature(multipolygons)").count(),
        1,
        "{text}"
    );
    // The basin holds no building: the run says so, naming the layer (it had named the
    // district, "layer 'Badesee'").
    let r = common::cpgis_site(
        "run",
        &tmp.path().join("site.toml"),
        &tmp.path().join("out"),
    );
    common::assert_bad_input(
        &r,
        &["layer 'multipolygons': no building lies in the district"],
    );
}

/// A site file already at -o (perhaps edited by hand) is replaced only with --force.
#[test]
fn init_does_not_overwrite_a_site_file_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site.toml");
    std::fs::write(&site, "# my hand-edited site file\n").unwrap();
    let mut args: Vec<String> = vec!["init".into()];
    args.extend(files(
        "kamppi",
        &["kamppi_district_boundary.geojson", "buildings.geojson"],
    ));
    args.extend(["-o".into(), site.display().to_string()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = cpgis(&refs);
    common::assert_bad_input(&r, &["site.toml", "exists", "--force"]);
    assert_eq!(
        std::fs::read_to_string(&site).unwrap(),
        "# my hand-edited site file\n"
    );
    let mut forced = refs.clone();
    forced.push("--force");
    let r = cpgis(&forced);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(std::fs::read_to_string(&site)
        .unwrap()
        .contains("[district]"));
}

/// Every file and layer given is accounted for on the terminal: used as what, or not used and
/// why. Of two sets of boundaries where the buildings are, the finer is the neighbourhoods and
/// the other is named; a boundary far from the buildings is never taken as the district.
#[test]
fn every_input_is_accounted_for_and_the_district_holds_the_buildings() {
    let tmp = tempfile::tempdir().unwrap();
    // A coarser set of boundaries where the buildings are: three of Helsinki's eight major
    // districts, cut from the same real layer.
    let coarse = tmp.path().join("three_districts.geojson");
    let status = std::process::Command::new("ogr2ogr")
        .args(["-f", "GeoJSON"])
        .arg(&coarse)
        .arg(fixture("kamppi/helsinki_boundaries.gpkg"))
        .args(["city_districts", "-limit", "3"])
        .status()
        .unwrap();
    assert!(status.success());
    let mut args: Vec<String> = vec!["init".into()];
    args.extend(files(
        "kamppi",
        &[
            "kamppi_district_boundary.geojson",
            "helsinki_boundaries.gpkg",
            "buildings.geojson",
        ],
    ));
    args.push(coarse.display().to_string());
    // Zug's site polygon: smaller than Kamppi's, 1,700 km away.
    args.push(fixture("cea-zug/site.geojson").display().to_string());
    let site = tmp.path().join("site.toml");
    args.extend(["-o".into(), site.display().to_string()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = cpgis(&refs);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for line in [
        "used as the district: ",
        "used as the neighbourhoods (8): ",
        "layer municipality: another single boundary polygon",
        "three_districts.geojson: 3 boundaries (census tracts, zip codes, districts…); a site has one [neighbourhoods] layer and ",
        "site.geojson: a boundary polygon away from the buildings",
        "used as buildings (453, Osm schema): ",
    ] {
        assert!(r.stdout.contains(line), "missing `{line}` in:\n{}", r.stdout);
    }
    assert!(
        r.stdout.contains("kamppi_district_boundary.geojson\n"),
        "{}",
        r.stdout
    );
    // Five inputs, six layers, six lines.
    let accounted = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("  used as") || l.starts_with("  not used"))
        .count();
    assert_eq!(accounted, 6, "{}", r.stdout);
    run(tmp.path());
}

/// What decides the result and could not be mapped is said on the terminal and in the file:
/// Kamppi's buildings cut down to their id and use have no floors, height or floor area.
#[test]
fn what_init_cannot_map_is_said() {
    let tmp = tempfile::tempdir().unwrap();
    let bare = tmp.path().join("bare.geojson");
    let status = std::process::Command::new("ogr2ogr")
        .args(["-f", "GeoJSON"])
        .arg(&bare)
        .arg(fixture("kamppi/buildings.geojson"))
        .args(["-select", "osm_way_id,building"])
        .status()
        .unwrap();
    assert!(status.success());
    let site = tmp.path().join("site.toml");
    let mut args: Vec<String> = vec!["init".into()];
    args.extend(files("kamppi", &["kamppi_district_boundary.geojson"]));
    args.extend([
        bare.display().to_string(),
        "-o".into(),
        site.display().to_string(),
    ]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = cpgis(&refs);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let floors = "bare.geojson: no floor-area, floors or height field: floor area is the footprint × the use's default floors";
    let meters =
        "bare.geojson: no meter fields: energy is modelled from the preset's archetypes (tier 1)";
    for line in [floors, meters] {
        assert!(
            r.stdout.contains(line),
            "missing `{line}` in:\n{}",
            r.stdout
        );
    }
    assert_eq!(
        r.stdout.matches("  not mapped: ").count(),
        2,
        "{}",
        r.stdout
    );
    // The use field is there, so nothing is said of uses.
    assert!(!r.stdout.contains("no use field"), "{}", r.stdout);
    let text = std::fs::read_to_string(&site).unwrap();
    assert!(
        text.contains("# not mapped: ") && text.contains("no floor-area, floors or height field")
    );
    run(tmp.path());
}

/// A disclosure whose properties have several uses, each with its floor area in ft², gas in kBtu
/// and Portfolio Manager's property types (fixtures/benchmarking/properties_mixed.csv): init maps
/// them all and the run reads them as written.
#[test]
fn a_mixed_use_disclosure_maps_use_areas_kbtu_and_portfolio_manager_types() {
    let tmp = tempfile::tempdir().unwrap();
    let c = init(
        tmp.path(),
        &files(
            "benchmarking",
            &["properties_mixed.csv", "district_mixed.geojson"],
        ),
    );
    assert_eq!(c.name, "Oak View mixed uses (benchmarking extract)");
    let b = &c.buildings[0];
    assert_eq!(b.id, ["Property Id"]);
    let uses: Vec<(&str, Option<&str>)> = b
        .uses
        .iter()
        .map(|u| (u.field.as_str(), u.area.as_deref()))
        .collect();
    assert_eq!(
        uses,
        [
            (
                "Largest Property Use Type",
                Some("Largest Property Use Type - Gross Floor Area (ft²)")
            ),
            (
                "2nd Largest Property Use Type",
                Some("2nd Largest Property Use - Gross Floor Area (ft²)")
            ),
        ]
    );
    let gfa = b.gfa.as_ref().unwrap();
    assert_eq!(gfa.field, "Property GFA - Self-Reported (ft²)");
    assert_eq!(gfa.unit, AreaUnit::SquareFoot);
    let energy: Vec<(String, String)> = b
        .energy
        .iter()
        .map(|e| (e.carrier.to_string(), e.field.unit.to_string()))
        .collect();
    assert_eq!(
        energy,
        [
            ("electricity".to_string(), "kWh".to_string()),
            ("natural_gas".to_string(), "kBtu".to_string())
        ]
    );
    let out = run(tmp.path());
    let buildings = geojson_features(&out.join("buildings.geojson"));
    let get = |id: &str| {
        buildings
            .iter()
            .find(|b| b["properties"]["id"] == id)
            .map(|b| &b["properties"])
            .unwrap_or_else(|| panic!("no building {id}"))
    };
    // 15,537 of 20,716 ft² office, the other 5,179 retail: 0.75 and 0.25.
    assert_eq!(get("2000005")["uses"], "office:0.75,retail:0.25");
    // 20,716 ft² × 0.09290304 = 1,924.6 m².
    assert_eq!(get("2000005")["gfa_m2"], 1924.6);
    // 457,935.7 kBtu × 0.29307107 kWh/kBtu = 134,207.7 kWh.
    assert_eq!(get("2000006")["baseline_natural_gas_kwh_yr"], 134207.7);
    // Portfolio Manager's types, none unknown.
    for (id, use_) in [
        ("2000001", "retail"),
        ("2000002", "warehouse"),
        ("2000003", "education"),
        ("2000004", "industrial"),
        ("2000006", "residential"),
        ("2000008", "residential"),
    ] {
        assert_eq!(get(id)["use"], use_, "{id}");
    }
}

/// An OSM boundary layer where a municipality shares the country's name and every boundary
/// carries a population tag (Liechtenstein's, Vaduz renamed): the boundaries are not taken for
/// population, and `--district` takes the municipality, which holds the buildings and has
/// neighbours at its level, not the country.
#[test]
fn a_name_shared_by_a_country_and_a_municipality_takes_the_municipality() {
    let tmp = tempfile::tempdir().unwrap();
    let gpkg = tmp.path().join("li.gpkg");
    let pbf = fixture("liechtenstein/liechtenstein-2013-08-03.osm.pbf");
    let ogr = |args: &[&str]| {
        let status = std::process::Command::new("ogr2ogr")
            .args(args)
            .status()
            .unwrap();
        assert!(status.success(), "ogr2ogr {args:?}");
    };
    let (g, p) = (gpkg.display().to_string(), pbf.display().to_string());
    ogr(&[
        "-f",
        "GPKG",
        &g,
        &p,
        "-nln",
        "boundaries",
        "-dialect",
        "SQLite",
        "-sql",
        "SELECT osm_id, CASE WHEN name = 'Vaduz' THEN 'Liechtenstein' ELSE name END AS name, \
         admin_level, boundary, 5000 AS population, geometry FROM multipolygons \
         WHERE boundary = 'administrative'",
    ]);
    ogr(&[
        "-update",
        &g,
        &p,
        "multipolygons",
        "-nln",
        "buildings",
        "-where",
        "building IS NOT NULL",
        "-spat",
        "9.50",
        "47.12",
        "9.54",
        "47.15",
        "-select",
        "osm_way_id,building",
    ]);
    let c = init(
        tmp.path(),
        &[g.clone(), "--district".into(), "liechtenstein".into()],
    );
    assert!(c.population.is_none(), "boundaries taken for population");
    assert_eq!(
        c.district.source.filter.as_deref(),
        Some("admin_level = '8' AND name = 'Liechtenstein'")
    );
    assert_eq!(
        c.neighbourhoods.as_ref().unwrap().source.filter.as_deref(),
        Some("admin_level = '8' AND boundary = 'administrative'")
    );
    let text = std::fs::read_to_string(tmp.path().join("site.toml")).unwrap();
    assert!(
        text.contains("2 boundaries are called `Liechtenstein`; took admin level 8"),
        "{text}"
    );
    let out = run(tmp.path());
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    // Vaduz's neighbours among the 11 municipalities: Schaan, Triesen, Triesenberg, Planken.
    let n = s["community"]["neighbours"].as_array().unwrap();
    assert!(n.len() >= 3, "{n:?}");
}

/// init says which grid factor the run will take: near a listed city, its grid region (Oak
/// View's district centre lies 44 km from Los Angeles: eGRID2022 CAMX, 0.2265 kg CO2e/kWh).
#[test]
fn init_says_which_grid_region_the_run_takes() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site.toml");
    let r = cpgis(&[
        "init",
        fixture("benchmarking/properties.csv").to_str().unwrap(),
        fixture("benchmarking/district.geojson").to_str().unwrap(),
        "-o",
        site.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("the run takes the electricity factor of grid region CAMX (WECC California, 0.2265 kg CO2e/kWh), that of the nearest listed city, Los Angeles, 44 km away"),
        "{}",
        r.stdout
    );
}

/// An OpenStreetMap extract of buildings (Kamppi's 2024 Overpass response, trimmed) carries
/// entrances and addresses on its nodes but no stop: its points had been written as [stops]
/// with a tag filter that selects none (ogrinfo: 0 of its 175 points), so the run of init's own
/// site file failed, and the delivery's 9-stop layer, reported as used too, was left out. The
/// stops layer is now [stops], and the extract's points are said as not used, with why.
#[test]
fn an_extract_without_stop_tags_gives_way_to_the_stops_layer() {
    let tmp = tempfile::tempdir().unwrap();
    let args = files(
        "kamppi",
        &[
            "kamppi_2024_buildings_part.osm",
            "kamppi_district_boundary.geojson",
            "transit_stops_2024_partial.geojson",
        ],
    );
    let (r, _) = init_run(tmp.path(), &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("layer points: points, none tagged as a transit stop"),
        "{}",
        r.stdout
    );
    assert_eq!(
        r.stdout.matches("used as transit stops").count(),
        1,
        "{}",
        r.stdout
    );
    let c = parse_site_file(&tmp.path().join("site.toml")).unwrap();
    let stops = c.stops.as_ref().unwrap().source.as_ref().unwrap();
    assert!(
        stops.path.ends_with("transit_stops_2024_partial.geojson"),
        "{}",
        stops.path.display()
    );
    let out = run(tmp.path());
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    // The 9 stops of the layer (ogrinfo: 9 features).
    let by_mode = summary["profile"]["stops_by_mode"].as_object().unwrap();
    assert_eq!(
        by_mode.values().map(|v| v.as_u64().unwrap()).sum::<u64>(),
        9
    );
}

/// Two layers of stops for one place: the site file takes one (`[stops]` is one source) and
/// the other is said as not used, naming the one taken; both had been reported as used.
#[test]
fn a_second_stops_layer_is_said_not_used() {
    let tmp = tempfile::tempdir().unwrap();
    let args = files(
        "kamppi",
        &[
            "kamppi_district_boundary.geojson",
            "buildings.geojson",
            "centre_2019_transit_stops.geojson",
            "transit_stops_2024_partial.geojson",
        ],
    );
    let (r, _) = init_run(tmp.path(), &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout.matches("used as transit stops").count(),
        1,
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("transit_stops_2024_partial.geojson: transit stops again: a site file takes one source of stops, and [stops] is "),
        "{}",
        r.stdout
    );
    let c = parse_site_file(&tmp.path().join("site.toml")).unwrap();
    let stops = c.stops.as_ref().unwrap().source.as_ref().unwrap();
    assert!(stops.path.ends_with("centre_2019_transit_stops.geojson"));
}

/// A district whose layer declares no CRS (Kamppi's boundary as a CSV with a WKT column,
/// written by ogr2ogr) cannot be placed: init writes no preset and says why. It had written
/// china-north "chosen by the district's location", with no location known.
#[test]
fn a_district_nobody_can_place_gets_no_preset() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("district.csv");
    let o = std::process::Command::new("ogr2ogr")
        .args(["-f", "CSV", csv.to_str().unwrap()])
        .arg(fixture("kamppi/kamppi_district_boundary.geojson"))
        .args(["-lco", "GEOMETRY=AS_WKT"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut args = vec![csv.display().to_string()];
    args.extend(files("kamppi", &["buildings.geojson"]));
    let (r, out) = init_run(tmp.path(), &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("preset: none written: the district's place could not be told"),
        "{}",
        r.stdout
    );
    let text = std::fs::read_to_string(out).unwrap();
    assert!(!text.contains("china-north"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("# preset = ")), "{text}");
    assert!(!text.lines().any(|l| l.starts_with("preset = ")), "{text}");
}
