//! Loading whole cases from their site files: the local CRS, validation, repair, de-duplication,
//! and the configuration checks that run before any work.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{assert_bad_input, cpgis, fixture, geojson_features, kamppi_site_with, write_site};
use cpgis::load::load;
use cpgis::parse_site_file;
use cpgis::site::Site;
use cpgis::validate::Shape;
use geo::Centroid;

fn load_fixture(rel: &str) -> Site {
    let config = parse_site_file(&fixture(rel)).expect("fixture site file is valid");
    load(&config).expect("fixture loads")
}

fn centroid(shape: &Shape) -> geo::Point<f64> {
    match shape {
        Shape::Area(a) => a.centroid().unwrap(),
        Shape::Point(p) => *p,
    }
}

#[test]
fn kamppi_loads_into_utm_35n_with_both_building_cuts_deduplicated() {
    let site = load_fixture("kamppi/site.toml");
    assert_eq!(
        site.crs.epsg, 32635,
        "Helsinki (24.93 E, 60.17 N) is in UTM zone 35 N"
    );
    assert!(site.crs.auto);
    assert_eq!(site.district.name, "Kamppi");
    assert_eq!(site.neighbourhoods.len(), 8);
    // The 2019 centre cut's 181 and Kamppi's 5 metro entrances (fixtures/README.md).
    assert_eq!(site.stops.len(), 186);
    assert_eq!(site.population.len(), 92);
    // 71,724 residents in the HSY grid (data README).
    assert_eq!(
        site.population.iter().map(|p| p.residents).sum::<f64>(),
        71_724.0
    );

    let first = &site.quality[2];
    assert_eq!(
        (
            first.role.as_str(),
            first.read,
            first.loaded,
            first.repaired
        ),
        ("buildings[0]", 453, 453, 1)
    );
    let second = &site.quality[3];
    assert_eq!(second.read, 494);
    // 12 rings with too few points cannot be repaired; 3 polygons are slivers of 0.009, 0.040
    // and 0.015 m² (SpatiaLite's ST_Area in EPSG:32635 through ogrinfo), under the 0.5 m²
    // minimum: one of them is a self-intersection that repair collapses.
    let reasons = |r: &str| second.skipped.iter().filter(|s| s.reason == r).count();
    assert_eq!((reasons("too few points"), reasons("zero area")), (12, 3));
    assert_eq!(second.skipped.len(), 15);
    assert_eq!(
        second.repaired, 10,
        "the other 10 self-intersections are repaired"
    );
    assert_eq!(second.invalid.values().sum::<usize>(), 25);

    // Every building of the 2019 cut whose OSM id is also in the 2024 cut (counted here from the
    // GeoJSON) and which was not skipped must be found as a duplicate by its footprint.
    let osm_id = |f: &serde_json::Value| {
        let p = &f["properties"];
        p["osm_way_id"]
            .as_str()
            .or(p["osm_id"].as_str())
            .unwrap()
            .to_string()
    };
    let ids_2024: BTreeSet<String> = geojson_features(&fixture("kamppi/buildings.geojson"))
        .iter()
        .map(osm_id)
        .collect();
    let skipped: BTreeSet<&str> = second.skipped.iter().map(|s| s.id.as_str()).collect();
    let shared: BTreeSet<String> =
        geojson_features(&fixture("kamppi/centre_2019_buildings.geojson"))
            .iter()
            .map(osm_id)
            .filter(|id| ids_2024.contains(id) && !skipped.contains(id.as_str()))
            .collect();
    assert_eq!(shared.len(), 105);
    let duplicates: BTreeMap<&str, &str> = second
        .duplicates
        .iter()
        .map(|d| (d.id.as_str(), d.duplicate_of.as_str()))
        .collect();
    for id in &shared {
        assert_eq!(
            duplicates.get(id.as_str()),
            Some(&id.as_str()),
            "{id} should duplicate itself"
        );
    }
    // The rest are footprints redrawn under a new id: nearly the same polygon.
    for d in second.duplicates.iter().filter(|d| !shared.contains(&d.id)) {
        assert!(d.overlap > 0.9, "{d:?}");
    }
    assert_eq!(
        site.buildings.len(),
        453 + 494 - 15 - second.duplicates.len()
    );
    assert_eq!(second.loaded, 494 - 15 - second.duplicates.len());
}

#[test]
fn kamppi_building_attributes_are_read_as_mapped() {
    let site = load_fixture("kamppi/site.toml");
    // Count, straight from the GeoJSON, the 2024 buildings whose levels are a plain number.
    let numeric = geojson_features(&fixture("kamppi/buildings.geojson"))
        .iter()
        .filter(|f| {
            f["properties"]["building_levels"]
                .as_str()
                .is_some_and(|s| s.trim().parse::<f64>().is_ok())
        })
        .count();
    let with_floors = site
        .buildings
        .iter()
        .filter(|b| b.layer == 0 && b.floors.is_some())
        .count();
    assert_eq!(with_floors, numeric);
    assert!(
        site.buildings.iter().all(|b| b.uses.len() == 1),
        "every OSM building has a `building` value"
    );
}

#[test]
fn cea_zug_geojson_and_original_shapefiles_put_the_same_buildings_in_the_same_place() {
    let from_geojson = load_fixture("cea-zug/site.toml");
    let from_shapefile = load_fixture("cea-zug/site_shapefile.toml");
    assert_eq!(
        from_geojson.crs.epsg, 32632,
        "Zug (8.51 E, 47.18 N) is in UTM zone 32 N"
    );
    assert_eq!(from_shapefile.crs.epsg, 32632);
    // 15 zone buildings and 184 surroundings, three of which are drawn twice under another
    // name (CEA1150 = CEA1146, CEA1152 = CEA1148, CEA1154 = CEA1153: identical coordinates).
    assert_eq!(from_geojson.buildings.len(), 15 + 184 - 3);
    assert_eq!(from_shapefile.buildings.len(), 15 + 184 - 3);
    let twice: Vec<(&str, &str)> = from_geojson.quality[2]
        .duplicates
        .iter()
        .map(|d| (d.id.as_str(), d.duplicate_of.as_str()))
        .collect();
    assert_eq!(
        twice,
        [
            ("CEA1150", "CEA1146"),
            ("CEA1152", "CEA1148"),
            ("CEA1154", "CEA1153")
        ]
    );
    let by_id: BTreeMap<&str, geo::Point<f64>> = from_geojson
        .buildings
        .iter()
        .filter(|b| b.layer == 0)
        .map(|b| (&*b.id, centroid(&b.shape)))
        .collect();
    assert_eq!(by_id.len(), 15);
    for b in from_shapefile.buildings.iter().filter(|b| b.layer == 0) {
        let other = by_id[&*b.id];
        let c = centroid(&b.shape);
        let d = ((c.x() - other.x()).powi(2) + (c.y() - other.y()).powi(2)).sqrt();
        assert!(d < 1.0, "{} is {d} m apart", b.id);
    }
}

#[test]
fn cea_mixed_use_is_read_with_its_shares() {
    let site = load_fixture("cea-zug/site.toml");
    let features = geojson_features(&fixture("cea-zug/zone_with_typology.geojson"));
    for f in &features {
        let p = &f["properties"];
        let b = site
            .buildings
            .iter()
            .find(|b| &*b.id == p["zone.Name"].as_str().unwrap())
            .unwrap();
        let total: f64 = b.uses.iter().filter_map(|u| u.share).sum();
        let expected: f64 = ["use1_r", "use2_r", "use3_r"]
            .iter()
            .filter_map(|k| p[k].as_f64())
            .sum();
        assert!((total - expected).abs() < 1e-9, "{}", b.id);
        assert_eq!(&*b.uses[0].raw, p["use1"].as_str().unwrap());
    }
}

#[test]
fn liechtenstein_has_11_municipalities_at_admin_level_8() {
    let site = load_fixture("liechtenstein/site.toml");
    let mut names: Vec<&str> = site.neighbourhoods.iter().map(|n| n.id.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Balzers",
            "Eschen",
            "Gamprin",
            "Mauren",
            "Planken",
            "Ruggell",
            "Schaan",
            "Schellenberg",
            "Triesen",
            "Triesenberg",
            "Vaduz"
        ]
    );
    assert_eq!(site.district.name, "Vaduz");
    assert_eq!(site.crs.epsg, 32632);
    // 3,723 building polygons, ways 1172 and 1176 with the same coordinates (ogrinfo): one
    // building, the other listed as its duplicate.
    assert_eq!(site.buildings.len(), 3722);
    assert_eq!(site.quality[2].duplicates[0].id, "1176");
    assert_eq!(site.quality[2].duplicates[0].duplicate_of, "1172");
    // Vaduz has 7 parts (data README).
    let vaduz = site
        .neighbourhoods
        .iter()
        .find(|n| n.id == "Vaduz")
        .unwrap();
    assert_eq!(vaduz.area.0.len(), 7);
}

#[test]
fn a_csv_layer_without_a_crs_is_refused_until_the_site_file_gives_one() {
    let dir = tempfile::tempdir().unwrap();
    let base = kamppi_site_with(&format!(
        "[stops]\npath = \"{}\"\nx = \"lon\"\ny = \"lat\"\n",
        fixture("kamppi/centre_2019_transit_stops.csv").display()
    ));
    let site = write_site(dir.path(), &base);
    assert_bad_input(
        &cpgis(&["inspect", site.to_str().unwrap()]),
        &["stops.crs", "declares no coordinate reference system"],
    );

    let site = write_site(dir.path(), &format!("{base}crs = \"EPSG:4326\"\n"));
    let config = parse_site_file(&site).unwrap();
    let loaded = load(&config).unwrap();
    assert_eq!(loaded.stops.len(), 181);
    // The same stops from the GeoJSON land on the same points.
    let reference = load_fixture("kamppi/site.toml");
    let (a, b) = (loaded.stops[0].point, reference.stops[0].point);
    assert!((a.x() - b.x()).abs() < 0.01 && (a.y() - b.y()).abs() < 0.01);
}

#[test]
fn every_site_file_problem_is_reported_at_once_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let site = write_site(
        dir.path(),
        r#"
name = "broken"
crs = "EPSG:abc"
[district]
path = "nowhere.geojson"
[buildings]
path = "missing.geojson"
flors = "building_levels"
gfa = { field = "area", unit = "acres" }
[grid]
cell_m = -5
[scenario.proposed]
eui_reducton = 0.3
"#,
    );
    let run = cpgis(&["inspect", site.to_str().unwrap()]);
    assert_bad_input(
        &run,
        &[
        "has 7 problems",
        "crs: `EPSG:abc` is not",
        "district.path: file not found",
        "buildings.path: file not found",
        "buildings.flors: is not a known key (did you mean `buildings.floors`?)",
        "buildings.gfa.unit: `acres` is not a known unit",
        "grid.cell_m: must be a positive number, found -5",
        "scenario.proposed.eui_reducton: is not a known measure (did you mean `scenario.proposed.eui_reduction`?)",
    ],
    );
}

#[test]
fn fields_the_mapping_names_are_checked_against_every_layer_before_loading() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = fixture("kamppi/helsinki_boundaries.gpkg");
    let site = write_site(
        dir.path(),
        &kamppi_site_with(&format!(
            "floors = \"building_level\"\n[neighbourhoods]\npath = \"{}\"\nlayer = \"districts\"\n",
            gpkg.display()
        )),
    );
    assert_bad_input(
        &cpgis(&["inspect", site.to_str().unwrap()]),
        &[
            "has 2 problems",
            "field 'building_level' is not in",
            "did you mean 'building_levels'?",
            "has no layer 'districts'",
            "city_districts, municipality",
        ],
    );
}

#[test]
fn a_geopackage_with_several_layers_needs_a_layer_name() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = fixture("kamppi/helsinki_boundaries.gpkg");
    let site = write_site(
        dir.path(),
        &kamppi_site_with(&format!(
            "[neighbourhoods]\npath = \"{}\"\n",
            gpkg.display()
        )),
    );
    assert_bad_input(
        &cpgis(&["inspect", site.to_str().unwrap()]),
        &["has 2 layers (city_districts, municipality)"],
    );
}

#[test]
fn site_inspect_prints_the_chosen_crs_and_what_was_loaded() {
    let run = cpgis(&["inspect", fixture("kamppi/site.toml").to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("local CRS   EPSG:32635 WGS 84 / UTM zone 35N (auto"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("[buildings[1]] read 494"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("skipped 15"), "{}", run.stdout);
    // Both cuts of Kamppi's buildings reach past the district on every side but a sliver.
    assert!(
        run.stdout
            .contains("  the buildings' extent covers 100 % of the district's area\n  the stops' extent covers 48 % of the district's area: the stops layer stops short"),
        "{}",
        run.stdout
    );
    // Ten benchmarked properties in a 54.7 ha district: the share the run writes (its SpatiaLite
    // check is tests/nothing_silent.rs), said as stopping short.
    let run = cpgis(&[
        "inspect",
        fixture("benchmarking/site.toml").to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tmp = tempfile::tempdir().unwrap();
    let r = common::cpgis_site("estimate", &fixture("benchmarking/site.toml"), tmp.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("summary.json")).unwrap())
            .unwrap();
    let share = summary["profile"]["district_in_buildings_extent"]
        .as_f64()
        .unwrap();
    let line = format!(
        "  the buildings' extent covers {:.0} % of the district's area: the buildings layer stops short of the district",
        100.0 * share
    );
    assert!(
        share < 0.95 && run.stdout.contains(&line),
        "{line}\n{}",
        run.stdout
    );
}

#[test]
fn every_start_date_in_the_helsinki_cuts_gives_a_year_in_its_stated_span() {
    // Each start_date of both OSM cuts, as written, with the span a reader would give it: the
    // parsed year must fall inside. Dates seen in the data include `13.11.1998`, `1865;1890`,
    // `1890s`, `1908..1939`, `1938-10`, `2012?`, `after 1905..1908`, `before 1943`.
    for rel in [
        "kamppi/buildings.geojson",
        "kamppi/centre_2019_buildings.geojson",
    ] {
        for f in geojson_features(&fixture(rel)) {
            let Some(text) = f["properties"]["start_date"].as_str() else {
                continue;
            };
            let four: Vec<i32> = text
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| s.len() == 4)
                .map(|s| s.parse().unwrap())
                .collect();
            let lo = *four.iter().min().unwrap();
            let hi = four.iter().max().unwrap() + if text.ends_with('s') { 9 } else { 0 };
            let year =
                cpgis::profile::parse_year(text).unwrap_or_else(|| panic!("no year in {text:?}"));
            assert!((lo..=hi).contains(&year), "{text:?} gave {year}");
        }
    }
}

/// Regression: a floor area of 1e30 m² became 1 m², 5e-324 became 4.9 m², 1e9 m² on a small
/// footprint was accepted (91 Mt CO2e), −100 and 0 vanished without a listing. Each is now
/// refused and listed with its id and value; "4,000" in the same column reads as 4,000 m².
#[test]
fn impossible_floor_areas_are_refused_and_listed_with_id_and_value() {
    let tmp = tempfile::tempdir().unwrap();
    let kamppi = geojson_features(&fixture("kamppi/buildings.geojson"));
    let values = ["1e30", "5e-324", "0", "-100", "1e9", "4,000", "12 kWh"];
    // Seven different footprints (one drawn seven times would be one building).
    let features: Vec<serde_json::Value> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::json!({"type": "Feature", "properties": {"id": format!("b{i}"), "gfa": v},
                "geometry": kamppi[i]["geometry"]})
        })
        .collect();
    let layer = tmp.path().join("b.geojson");
    std::fs::write(
        &layer,
        serde_json::json!({"type": "FeatureCollection", "features": features}).to_string(),
    )
    .unwrap();
    let k = fixture("kamppi");
    let site = write_site(
        tmp.path(),
        &format!(
            "[district]\npath = \"{}/kamppi_district_boundary.geojson\"\n[buildings]\npath = \"{}\"\nid = \"id\"\ngfa = {{ field = \"gfa\", unit = \"m2\" }}\n",
            k.display(),
            layer.display()
        ),
    );
    let site = load(&parse_site_file(&site).unwrap()).unwrap();
    let gfa: Vec<Option<f64>> = site.buildings.iter().map(|b| b.gfa_m2).collect();
    assert_eq!(
        gfa,
        [None, None, None, None, None, Some(4000.0), None],
        "only 4,000 m² can be"
    );
    let q = &site.quality[1];
    let rejected: Vec<(&str, &str)> = q
        .rejected
        .iter()
        .map(|r| (r.id.as_str(), r.value.as_str()))
        .collect();
    assert_eq!(
        rejected,
        [
            ("b0", "1e30"),
            ("b1", "5e-324"),
            ("b2", "0"),
            ("b3", "-100"),
            ("b4", "1e9")
        ]
    );
    assert!(q.rejected.iter().all(|r| r.field == "gfa"));
    assert!(q.rejected[4]
        .reason
        .contains("more than any building's floor area"));
    assert!(q.rejected[1].reason.contains("at least 1 m²"));
    let unread = &q.unread_values["gfa"];
    assert_eq!(
        (unread.count, unread.ids.as_slice()),
        (1, ["b6".to_string()].as_slice())
    );
}

/// Regression: a Latin-1 shapefile without `.cpg` turned "Öland", "Äland", "Üland" into
/// "�land" three times and reported them as duplicate ids. Its bytes are now decoded as
/// Windows-1252 and the features listed as recoded.
#[test]
fn latin1_text_without_a_cpg_is_decoded_and_listed() {
    let site = load_fixture("latin1/site.toml");
    let ids: Vec<&str> = site.buildings.iter().map(|b| &*b.id).collect();
    assert_eq!(ids, ["Öland", "Äland", "Üland"]);
    let q = &site.quality[1];
    assert!(q.duplicate_ids.is_empty(), "{:?}", q.duplicate_ids);
    assert_eq!(q.recoded_text, ["Öland", "Äland", "Üland"]);
    assert_eq!(
        cpgis::layer::windows_1252(b"\x80 \xe9t\xe9 \x9f"),
        "€ été Ÿ"
    );
}

/// Regression: ids beyond the 64-bit range were clamped by GDAL to 9223372036854775807 and
/// reported as one duplicate id. They are listed as refused and the features named by their
/// position instead.
#[test]
fn ids_beyond_64_bits_are_listed_not_merged() {
    let tmp = tempfile::tempdir().unwrap();
    let kamppi = geojson_features(&fixture("kamppi/buildings.geojson"));
    let layer = tmp.path().join("b.geojson");
    // Raw JSON text: serde_json would not keep a 20-digit integer.
    let features: Vec<String> = ["99999999999999999999", "99999999999999999998", "12"]
        .iter()
        .enumerate()
        .map(|(i, id)| {
            format!(
                r#"{{"type":"Feature","properties":{{"pid":{id}}},"geometry":{}}}"#,
                kamppi[i]["geometry"]
            )
        })
        .collect();
    std::fs::write(
        &layer,
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        ),
    )
    .unwrap();
    let k = fixture("kamppi");
    let site = write_site(
        tmp.path(),
        &format!(
            "[district]\npath = \"{}/kamppi_district_boundary.geojson\"\n[buildings]\npath = \"{}\"\nid = \"pid\"\n",
            k.display(),
            layer.display()
        ),
    );
    let site = load(&parse_site_file(&site).unwrap()).unwrap();
    let q = &site.quality[1];
    assert!(q.duplicate_ids.is_empty(), "{:?}", q.duplicate_ids);
    let ids: Vec<&str> = site.buildings.iter().map(|b| &*b.id).collect();
    assert_eq!(ids[2], "12");
    assert_ne!(ids[0], ids[1]);
    assert_eq!(q.rejected.len(), 2);
    assert_eq!(q.rejected[0].field, "pid");
    assert_eq!(q.rejected[0].value, "9223372036854775807");
    assert!(q.rejected[0].reason.contains("beyond the 64-bit range"));
}

/// Regression: the site file's `crs` replaced a layer's declared CRS without a word.
#[test]
fn a_site_file_crs_that_replaces_the_layers_own_is_said() {
    let tmp = tempfile::tempdir().unwrap();
    let site = write_site(tmp.path(), &kamppi_site_with("crs = \"OGC:CRS84\"\n"));
    let site = load(&parse_site_file(&site).unwrap()).unwrap();
    let q = &site.quality[1];
    assert!(
        q.crs
            .contains("given in the site file, replacing the layer's own EPSG:4326"),
        "{}",
        q.crs
    );
    // The district layer keeps its own and says nothing.
    assert!(
        !site.quality[0].crs.contains("replacing"),
        "{}",
        site.quality[0].crs
    );
}
