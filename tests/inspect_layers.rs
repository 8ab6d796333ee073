//! `cpgis inspect` on real layer files of every format the site maps arrive in.

mod common;

use common::{cpgis, fixture, geojson_features, inspect_json};
use serde_json::Value;

fn only_layer(report: &Value) -> &Value {
    let layers = report["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "expected one layer");
    &layers[0]
}

fn field<'a>(layer: &'a Value, name: &str) -> &'a Value {
    layer["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no field {name}"))
}

#[test]
fn kamppi_geojson_has_453_buildings_and_the_fill_rate_of_its_levels() {
    let path = fixture("kamppi/buildings.geojson");
    let report = inspect_json(&path);
    let layer = only_layer(&report);
    assert_eq!(layer["driver"], "GeoJSON");
    assert_eq!(layer["features"], 453);
    assert_eq!(layer["crs"], "EPSG:4326 WGS 84");
    // Fill rate of building_levels, counted here straight from the GeoJSON text.
    let features = geojson_features(&path);
    let filled = features
        .iter()
        .filter(|f| {
            f["properties"]["building_levels"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        })
        .count();
    let levels = field(layer, "building_levels");
    assert_eq!(levels["filled"], filled);
    assert!((levels["fill_rate"].as_f64().unwrap() - filled as f64 / 453.0).abs() < 1e-12);
    assert!((0.40..0.50).contains(&levels["fill_rate"].as_f64().unwrap()));
    // One self-intersecting multipolygon (parts touching along a line).
    assert_eq!(layer["invalid"]["self-intersection"], 1);
}

#[test]
fn helsinki_centre_has_23_invalid_buildings_by_reason() {
    let report = inspect_json(&fixture("kamppi/centre_2019_buildings.geojson"));
    let layer = only_layer(&report);
    assert_eq!(layer["features"], 494);
    let invalid = layer["invalid"].as_object().unwrap();
    assert_eq!(invalid.len(), 2, "{invalid:?}");
    assert_eq!(invalid["too few points"], 12);
    assert_eq!(invalid["self-intersection"], 11);
    assert_eq!(layer["invalid_features"].as_array().unwrap().len(), 23);
}

#[test]
fn helsinki_centre_has_181_stops() {
    let report = inspect_json(&fixture("kamppi/centre_2019_transit_stops.geojson"));
    let layer = only_layer(&report);
    assert_eq!(layer["features"], 181);
    assert_eq!(layer["geometry_types"]["Point"], 181);
    assert_eq!(layer["id_fields"], serde_json::json!(["osm_id"]));
    assert_eq!(layer["duplicate_ids"].as_array().unwrap().len(), 0);
}

#[test]
fn geopackage_lists_each_layer_with_its_own_crs_and_a_wgs84_extent() {
    let report = inspect_json(&fixture("kamppi/helsinki_boundaries.gpkg"));
    let layers = report["layers"].as_array().unwrap();
    let names: Vec<&str> = layers
        .iter()
        .map(|l| l["layer"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["city_districts", "municipality"]);
    assert_eq!(layers[0]["features"], 8);
    assert_eq!(layers[1]["features"], 1);
    assert!(layers[1]["crs"].as_str().unwrap().starts_with("EPSG:3067"));
    // The municipality's TM35FIN bounding box (376718.774, 6644567.216)-(403516.213, 6685895.062)
    // (ogrinfo); its corners through `gdaltransform -s_srs EPSG:3067 -t_srs EPSG:4326` span
    // 24.76988-25.27387 E, 59.92011-60.29817 N.
    let e: Vec<f64> = layers[1]["extent_wgs84"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(
        (e[0] - 24.76988).abs() < 1e-4 && (e[2] - 25.27387).abs() < 1e-4,
        "{e:?}"
    );
    assert!(
        (e[1] - 59.92011).abs() < 1e-4 && (e[3] - 60.29817).abs() < 1e-4,
        "{e:?}"
    );
}

#[test]
fn cea_shapefile_read_through_its_prj_lands_in_zug() {
    // The .prj says UTM 32S; the northings carry the 10,000 km false northing of a southern zone.
    let report = inspect_json(&fixture("cea-zug/shapefile/zone.shp"));
    let layer = only_layer(&report);
    assert_eq!(layer["driver"], "ESRI Shapefile");
    assert_eq!(layer["features"], 15);
    assert!(layer["crs"].as_str().unwrap().contains("UTM zone 32S"));
    let e: Vec<f64> = layer["extent_wgs84"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let (lon, lat) = ((e[0] + e[2]) / 2.0, (e[1] + e[3]) / 2.0);
    assert!(
        (lat - 47.18).abs() < 0.01 && (lon - 8.51).abs() < 0.01,
        "centre {lon}, {lat}"
    );
}

#[test]
fn cea_zug_has_15_zone_and_184_surrounding_buildings() {
    assert_eq!(
        only_layer(&inspect_json(&fixture(
            "cea-zug/zone_with_typology.geojson"
        )))["features"],
        15
    );
    assert_eq!(
        only_layer(&inspect_json(&fixture("cea-zug/surroundings.geojson")))["features"],
        184
    );
    assert_eq!(
        only_layer(&inspect_json(&fixture(
            "cea-zug/shapefile/surroundings.shp"
        )))["features"],
        184
    );
}

#[test]
fn flatgeobuf_reads_like_its_geojson_source() {
    let fgb = inspect_json(&fixture("cea-zug/zone.fgb"));
    let layer = only_layer(&fgb);
    assert_eq!(layer["driver"], "FlatGeobuf");
    assert_eq!(layer["features"], 15);
    let src = inspect_json(&fixture("cea-zug/zone_with_typology.geojson"));
    assert_eq!(layer["extent_wgs84"], only_layer(&src)["extent_wgs84"]);
}

#[test]
fn csv_with_lon_lat_columns_reads_points_and_declares_no_crs() {
    let report = inspect_json(&fixture("kamppi/centre_2019_transit_stops.csv"));
    let layer = only_layer(&report);
    assert_eq!(layer["driver"], "CSV");
    assert_eq!(layer["features"], 181);
    assert_eq!(layer["geometry_types"]["Point"], 181);
    assert!(layer["crs"].is_null());
    let text = cpgis(&[
        "inspect",
        fixture("kamppi/centre_2019_transit_stops.csv")
            .to_str()
            .unwrap(),
    ])
    .stdout;
    assert!(text.contains("NONE declared"), "{text}");
}

#[test]
fn csv_with_a_wkt_column_reads_polygons() {
    let layer_report = inspect_json(&fixture("kamppi/population_grid_wkt.csv"));
    let layer = only_layer(&layer_report);
    assert_eq!(layer["features"], 92);
    assert_eq!(layer["geometry_types"]["Polygon"], 92);
}

#[test]
fn osm_pbf_lists_the_osm_driver_layers_and_its_tags() {
    let report = inspect_json(&fixture("liechtenstein/liechtenstein-2013-08-03.osm.pbf"));
    let layers: Vec<&str> = report["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["layer"].as_str().unwrap())
        .collect();
    assert_eq!(
        layers,
        [
            "points",
            "lines",
            "multilinestrings",
            "multipolygons",
            "other_relations"
        ]
    );
    let mp = &report["layers"][3];
    assert_eq!(mp["driver"], "OSM");
    // Tags without a column of their own are reported from other_tags.
    assert!(mp["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["field_type"] == "OSM tag"));
    // A sparse field is "<1%" with its exact count (ogrinfo: 3 of the 1,359 points have
    // man_made), not a rounded-up "1%".
    let run = cpgis(&[
        "inspect",
        fixture("liechtenstein/liechtenstein-2013-08-03.osm.pbf")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("man_made "))
        .unwrap();
    assert!(line.ends_with("<1% (3 of 1359)"), "{line}");
}

#[test]
fn text_report_names_driver_counts_and_invalid_reasons() {
    let run = cpgis(&[
        "inspect",
        fixture("kamppi/centre_2019_buildings.geojson")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("features    494"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("invalid     23 (self-intersection 11, too few points 12)"),
        "{}",
        run.stdout
    );
    // GEOS warnings are not echoed to the terminal; cpgis reports them itself.
    assert!(
        !run.stderr.contains("Self-intersection at or near"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_file_gdal_cannot_read_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.geojson");
    std::fs::write(&path, "{\"type\": \"FeatureCollection\", \"features\": [").unwrap();
    let run = cpgis(&["inspect", path.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("broken.geojson"), "{}", run.stderr);
}

/// Regression: a fill rate of 3,207 of 3,211 printed as 100 %, and a text column of
/// spreadsheet numbers said nothing about them.
#[test]
fn inspect_counts_exactly_and_says_how_text_numbers_are_written() {
    let csv = fixture("benchmarking/properties.csv");
    let json = inspect_json(&csv);
    let fields = json["layers"][0]["fields"].as_array().unwrap();
    let field = |name: &str| fields.iter().find(|f| f["name"] == name).unwrap();
    assert_eq!(
        field("Electricity Use - Grid Purchase (kWh)")["numbers"],
        "numbers with thousands separated by commas, 10 of 10 values (100 %)"
    );
    assert!(field("Property Name").get("numbers").is_none());
    let gas = field("Natural Gas Use (therms)");
    assert_eq!(
        (gas["filled"].as_u64(), gas["fill_rate"].as_f64()),
        (Some(9), Some(0.9))
    );
    let text = cpgis(&["inspect", csv.to_str().unwrap()]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(text.stdout.contains("90% (9 of 10)"), "{}", text.stdout);
}
