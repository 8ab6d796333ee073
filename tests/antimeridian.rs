//! A district across the antimeridian (a made-up 2 km square on Taveuni, Fiji, where 180°
//! crosses land): computed in UTM zone 60 S, and written as RFC 7946 §3.1.9 asks, every
//! polygon that crosses 180° split into parts on either side, none running round the globe.

mod common;

use std::path::Path;

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use geo::{Area, Coord, LineString, MultiPolygon, Polygon};
use serde_json::Value;

/// The square's centre on 180° at 16.8° S, in EPSG:32760 metres (gdaltransform).
const CENTRE: (f64, f64) = (819_789.0, 8_140_148.4);

fn square(x: f64, y: f64, half: f64) -> String {
    format!(
        "[[[{},{}],[{},{}],[{},{}],[{},{}],[{},{}]]]",
        x - half,
        y - half,
        x + half,
        y - half,
        x + half,
        y + half,
        x - half,
        y + half,
        x - half,
        y - half
    )
}

fn collection(features: &[(String, String)]) -> String {
    let crs = r#""crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32760"}}"#;
    let body: Vec<String> = features
        .iter()
        .map(|(id, coords)| {
            format!(
                r#"{{"type":"Feature","properties":{{"id":"{id}","building":"apartments","building_levels":3}},"geometry":{{"type":"Polygon","coordinates":{coords}}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"type":"FeatureCollection",{crs},"features":[{}]}}"#,
        body.join(",")
    )
}

/// Every polygon ring of a GeoJSON geometry, as lon/lat coordinates.
fn polygons(geometry: &Value) -> Vec<Vec<Vec<(f64, f64)>>> {
    let ring = |r: &Value| -> Vec<(f64, f64)> {
        r.as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
            .collect()
    };
    let polygon = |p: &Value| p.as_array().unwrap().iter().map(ring).collect();
    match geometry["type"].as_str().unwrap() {
        "Polygon" => vec![polygon(&geometry["coordinates"])],
        "MultiPolygon" => geometry["coordinates"]
            .as_array()
            .unwrap()
            .iter()
            .map(polygon)
            .collect(),
        other => panic!("unexpected {other}"),
    }
}

/// The area in m² of lon/lat polygons, projected back into UTM 60 S.
fn area_m2(parts: &[Vec<Vec<(f64, f64)>>]) -> f64 {
    let srs = |code| {
        let mut s = SpatialRef::from_epsg(code).unwrap();
        s.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        s
    };
    let t = CoordTransform::new(&srs(4326), &srs(32760)).unwrap();
    let mp = MultiPolygon(
        parts
            .iter()
            .map(|rings| {
                let mut projected: Vec<LineString<f64>> = rings
                    .iter()
                    .map(|r| {
                        let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = r.iter().copied().unzip();
                        let mut zs = vec![0.0; xs.len()];
                        t.transform_coords(&mut xs, &mut ys, &mut zs).unwrap();
                        LineString(
                            xs.into_iter()
                                .zip(ys)
                                .map(|(x, y)| Coord { x, y })
                                .collect(),
                        )
                    })
                    .collect();
                let exterior = projected.remove(0);
                Polygon::new(exterior, projected)
            })
            .collect(),
    );
    mp.unsigned_area()
}

/// Runs the site file into `dir/out`: the folder and its summary.
fn run_site(dir: &Path, site: &Path) -> (std::path::PathBuf, Value) {
    let out = dir.join("out");
    let run = common::cpgis_site("run", site, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    (out, summary)
}

fn check_split(path: &Path) -> (usize, usize) {
    let (mut crossing, mut total) = (0, 0);
    for f in common::geojson_features(path) {
        let parts = polygons(&f["geometry"]);
        total += 1;
        let mut east = false;
        let mut west = false;
        for rings in &parts {
            for r in rings {
                let (lo, hi) = r.iter().fold((f64::MAX, f64::MIN), |(lo, hi), (x, _)| {
                    (lo.min(*x), hi.max(*x))
                });
                assert!(
                    lo >= -180.0 && hi <= 180.0,
                    "{}: a ring outside ±180°",
                    path.display()
                );
                assert!(
                    hi - lo < 0.1,
                    "{}: a ring spans {:.2}° of longitude",
                    path.display(),
                    hi - lo
                );
                east |= hi == 180.0;
                west |= lo == -180.0;
            }
        }
        if east && west {
            crossing += 1;
        }
    }
    (crossing, total)
}

#[test]
fn a_district_across_180_degrees_is_written_split_with_its_true_area() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (x, y) = CENTRE;
    std::fs::write(
        dir.join("district.geojson"),
        collection(&[("Taveuni".into(), square(x, y, 1000.0))]),
    )
    .unwrap();
    // Four buildings in the district (one across 180°) and one in the community ring.
    let buildings: Vec<(String, String)> = [
        (0.0, 0.0),
        (-500.0, 300.0),
        (400.0, -400.0),
        (300.0, 500.0),
        (1300.0, 0.0),
    ]
    .iter()
    .enumerate()
    .map(|(i, (dx, dy))| (format!("b{i}"), square(x + dx, y + dy, 10.0)))
    .collect();
    std::fs::write(dir.join("buildings.geojson"), collection(&buildings)).unwrap();
    let site = common::write_site(
        dir,
        // No built-in preset describes Fiji: one is named (the geometry is what is tested).
        "name = \"Across the antimeridian (made-up)\"\npreset = \"europe\"\n\n[district]\npath = \"district.geojson\"\nname = \"id\"\n\n[buildings]\npath = \"buildings.geojson\"\nid = \"id\"\nuse = \"building\"\nfloors = \"building_levels\"\n\n[community]\nmethod = \"buffer\"\ndistance_m = 500\n\n[grid]\ncell_m = 250\n",
    );
    let (out, summary) = run_site(dir, &site);
    assert_eq!(
        summary["crs"]["epsg"], 32760,
        "UTM zone 60 S by the district's centroid"
    );

    // The community: a 500 m ring around the 2 km square, split at 180° into two parts whose
    // area is the ring's: 4·2000·500 + π·500² = 4,785,398 m² (round joins drawn as polygons
    // cover a little less).
    let (crossing, _) = check_split(&out.join("community.geojson"));
    assert_eq!(crossing, 1, "the community is split at 180°");
    let community = &common::geojson_features(&out.join("community.geojson"))[0];
    let parts = polygons(&community["geometry"]);
    assert!(parts.len() >= 2);
    let area = area_m2(&parts);
    let expect = 4.0 * 2000.0 * 500.0 + std::f64::consts::PI * 500.0f64.powi(2);
    assert!(
        (area - expect).abs() / expect < 0.005,
        "community {area:.0} m² vs {expect:.0}"
    );

    // Grid cells and buildings: every ring within ±180° and less than 0.1° wide; the cells on
    // 180° and the building across it are split.
    let (cells_split, cells) = check_split(&out.join("grid.geojson"));
    assert!(
        cells > 0 && cells_split > 0,
        "{cells_split} of {cells} cells split"
    );
    let (buildings_split, _) = check_split(&out.join("buildings.geojson"));
    assert_eq!(buildings_split, 1);
    // The building across 180° keeps its 400 m².
    let b0 = common::geojson_features(&out.join("buildings.geojson"))
        .into_iter()
        .find(|f| f["properties"]["id"] == "b0")
        .unwrap();
    let a = area_m2(&polygons(&b0["geometry"]));
    assert!((a - 400.0).abs() < 0.5, "{a}");
}

/// `init --district-around-buildings` on buildings either side of 180°: the outline is the
/// hull of their neighbours, not of a band round the globe, written in its two parts within
/// ±180°, and the run finds every building in it.
#[test]
fn the_buildings_outline_across_180_degrees_is_split_and_holds_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (x, y) = CENTRE;
    // Nine 20 m buildings 200 m apart on a 3 × 3 grid centred on 180°.
    let mut features = Vec::new();
    for (i, dx) in [-200.0, 0.0, 200.0].iter().enumerate() {
        for (j, dy) in [-200.0, 0.0, 200.0].iter().enumerate() {
            features.push((format!("b{i}{j}"), square(x + dx, y + dy, 10.0)));
        }
    }
    let osm = collection(&features).replace(r#""properties":{"#, r#""properties":{"osm_id":"1","#);
    let buildings = dir.join("buildings.geojson");
    std::fs::write(&buildings, osm).unwrap();
    let site = dir.join("site.toml");
    let r = common::cpgis(&[
        "init",
        buildings.to_str().unwrap(),
        "--district-around-buildings",
        "-o",
        site.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let district = &common::geojson_features(&dir.join("district.geojson"))[0];
    assert_eq!(district["geometry"]["type"], "MultiPolygon", "{district}");
    let (crossing, _) = check_split(&dir.join("district.geojson"));
    assert_eq!(crossing, 1, "the outline is split at 180°");
    // Its area: the 420 m square the buildings span, widened by 10 m with round corners,
    // 420² + 4·420·10 + π·10² = 193,514 m² (the outline's plane is a sphere's, within 1 %).
    let area = area_m2(&polygons(&district["geometry"]));
    let expect = 420.0f64.powi(2) + 4.0 * 420.0 * 10.0 + std::f64::consts::PI * 100.0;
    assert!(
        (area - expect).abs() / expect < 0.01,
        "outline {area:.0} m² vs {expect:.0}"
    );
    // No built-in preset describes Fiji: init leaves the preset to name, and one is named here.
    let text = std::fs::read_to_string(&site).unwrap();
    assert!(r.stdout.contains("preset: none written"), "{}", r.stdout);
    std::fs::write(&site, format!("preset = \"europe\"\n{text}")).unwrap();
    let (_, summary) = run_site(dir, &site);
    assert_eq!(
        summary["totals"]["district"]["buildings"], 9,
        "{}",
        summary["totals"]
    );
}
