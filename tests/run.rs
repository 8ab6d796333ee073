//! `cpgis run`: the neighbouring community, offset opportunities and zones, and the balance,
//! checked on the real fixtures against facts worked out independently (GDAL's own geometry
//! operations on the source data, hand calculations from the preset tables).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{fixture, geojson_features, write_site};
use gdal::vector::{Geometry, LayerAccess};
use gdal::Dataset;
use serde_json::Value;

fn run(site: &Path, dir: &Path) -> PathBuf {
    let r = common::cpgis_site("run", site, dir);
    assert_eq!(r.code, 0, "run failed: {}", r.stderr);
    dir.to_path_buf()
}

fn summary(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn liechtenstein_neighbours_are_exactly_the_municipalities_that_touch_vaduz() {
    // Independently of cpgis: GDAL reads the 11 municipalities from the .osm.pbf and GEOS says
    // which of them intersect (touch) Vaduz, in WGS 84.
    let ds = Dataset::open(fixture("liechtenstein/liechtenstein-2013-08-03.osm.pbf")).unwrap();
    let mut layer = ds.layer_by_name("multipolygons").unwrap();
    layer
        .set_attribute_filter("admin_level = '8' AND boundary = 'administrative'")
        .unwrap();
    let mut municipalities: Vec<(String, Geometry)> = Vec::new();
    for feature in layer.features() {
        let idx = feature.field_index("name").unwrap();
        let name = feature.field_as_string(idx).unwrap().unwrap();
        municipalities.push((name, feature.geometry().unwrap().clone()));
    }
    assert_eq!(municipalities.len(), 11);
    let vaduz = municipalities
        .iter()
        .find(|m| m.0 == "Vaduz")
        .unwrap()
        .1
        .clone();
    let expected: BTreeSet<String> = municipalities
        .iter()
        .filter(|(n, g)| n != "Vaduz" && g.intersects(&vaduz))
        .map(|(n, _)| n.clone())
        .collect();
    // Gamprin touches Vaduz only through one of Vaduz's exclaves: not its largest part.
    let largest = (0..vaduz.geometry_count())
        .map(|i| vaduz.get_geometry(i).to_owned())
        .max_by(|a, b| a.area().total_cmp(&b.area()))
        .unwrap();
    let gamprin = &municipalities.iter().find(|m| m.0 == "Gamprin").unwrap().1;
    assert!(gamprin.intersects(&vaduz) && !gamprin.intersects(&largest));

    let tmp = tempfile::tempdir().unwrap();
    let out = run(&fixture("liechtenstein/site.toml"), tmp.path());
    let s = summary(&out);
    let found: BTreeSet<String> = s["community"]["neighbours"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(found, expected);
    assert!(found.contains("Gamprin"));
    assert_eq!(
        s["community"]["district_neighbourhoods"],
        serde_json::json!(["Vaduz"])
    );
}

/// A grid cell: column and row (squares) or axial q and r (hexagons).
type Cell = (i64, i64);

/// Grid cells by zone rank.
type ZoneCells = BTreeMap<i64, BTreeSet<Cell>>;

/// Asserts that the cells of each zone are connected through the given neighbours.
fn assert_contiguous(cells_of: &ZoneCells, neighbours: fn(Cell) -> Vec<Cell>) {
    for (rank, cells) in cells_of {
        let start = *cells.iter().next().unwrap();
        let mut seen = BTreeSet::from([start]);
        let mut todo = vec![start];
        while let Some(c) = todo.pop() {
            for n in neighbours(c) {
                if cells.contains(&n) && seen.insert(n) {
                    todo.push(n);
                }
            }
        }
        assert_eq!(&seen, cells, "zone {rank} is not contiguous");
    }
}

fn square_neighbours((a, b): (i64, i64)) -> Vec<(i64, i64)> {
    vec![(a + 1, b), (a - 1, b), (a, b + 1), (a, b - 1)]
}

fn hex_neighbours((q, r): (i64, i64)) -> Vec<(i64, i64)> {
    vec![
        (q + 1, r),
        (q - 1, r),
        (q, r + 1),
        (q, r - 1),
        (q + 1, r - 1),
        (q - 1, r + 1),
    ]
}

/// Reads the single or first geometry of a GeoJSON layer through GDAL.
fn geometries(path: &Path) -> Vec<Geometry> {
    let ds = Dataset::open(path).unwrap();
    let mut layer = ds.layer(0).unwrap();
    layer
        .features()
        .map(|f| f.geometry().unwrap().clone())
        .collect()
}

/// Zone checks on one run: inside the community, outside the district, contiguous, monotone,
/// target met or shortfall reported, balance adding up.
fn check_zones(out: &Path, district: &Geometry) {
    let s = summary(out);
    let zones = geojson_features(&out.join("offset_zones.geojson"));
    let community = geometries(&out.join("community.geojson")).remove(0);
    for (z, g) in zones
        .iter()
        .zip(geometries(&out.join("offset_zones.geojson")))
    {
        let area = g.area();
        let in_district = g.intersection(district).map(|i| i.area()).unwrap_or(0.0);
        let outside_community = g.difference(&community).map(|d| d.area()).unwrap_or(0.0);
        let rank = &z["properties"]["rank"];
        // Coordinates are written to 7 decimals (about 1 cm): slivers along shared edges of a
        // few millionths of the zone's area are rounding, not overlap.
        assert!(
            in_district <= 1e-4 * area,
            "zone {rank} overlaps the district"
        );
        assert!(
            outside_community <= 1e-4 * area,
            "zone {rank} leaves the community"
        );
    }
    // Cells of each zone (from the opportunities it selected) are connected by shared edges.
    let opportunities = geojson_features(&out.join("opportunities.geojson"));
    let mut cells_of: ZoneCells = BTreeMap::new();
    // Per cell: abatement, annual cost, selected, opportunities (for the rounding bounds).
    let mut per_cell: BTreeMap<(i64, i64), (f64, f64, bool, f64)> = BTreeMap::new();
    for o in &opportunities {
        let p = &o["properties"];
        let (a, b) = p["grid_cell"].as_str().unwrap().split_once('_').unwrap();
        let key = (a.parse::<i64>().unwrap(), b.parse::<i64>().unwrap());
        let e = per_cell.entry(key).or_insert((0.0, 0.0, false, 0.0));
        e.0 += f(&p["abatement_co2e_t_yr"]);
        e.1 += f(&p["annual_cost"]);
        e.2 = p["selected"] == true;
        e.3 += 1.0;
        if let Some(rank) = p["zone_rank"].as_i64() {
            cells_of.entry(rank).or_default().insert(key);
        }
    }
    assert_contiguous(&cells_of, square_neighbours);
    // Monotone: every selected cell is at least as good (t per cost) as every cell left out.
    // Written values are rounded (0.0001 t, whole currency units), so compare the best a
    // selected cell can be with the worst a cell left out can be.
    let best_case = |(t, c, _, n): &(f64, f64, bool, f64)| {
        let cost = c - 0.5 * n;
        if cost > 0.0 {
            (t + 5e-5 * n) / cost
        } else {
            f64::INFINITY
        }
    };
    let worst_case = |(t, c, _, n): &(f64, f64, bool, f64)| (t - 5e-5 * n) / (c + 0.5 * n);
    let worst_selected = per_cell
        .values()
        .filter(|c| c.2)
        .map(best_case)
        .fold(f64::INFINITY, f64::min);
    let best_left = per_cell
        .values()
        .filter(|c| !c.2 && c.0 > 0.0)
        .map(worst_case)
        .fold(0.0, f64::max);
    assert!(
        worst_selected >= best_left,
        "selection not monotone: {worst_selected} < {best_left}"
    );
    let per_t: Vec<f64> = zones
        .iter()
        .map(|z| f(&z["properties"]["cost_per_t"]))
        .collect();
    assert!(
        per_t.windows(2).all(|w| w[0] <= w[1] + 0.01),
        "zone ranks not monotone: {per_t:?}"
    );
    // Target met, or the shortfall reported with levers.
    let o = &s["offsets"];
    let (target, selected, shortfall) = (
        f(&o["target_t_yr"]),
        f(&o["selected_t_yr"]),
        f(&o["shortfall_t_yr"]),
    );
    if selected + 1e-3 < target {
        assert!((shortfall - (target - selected)).abs() < 1e-3);
        assert!(!s["balance"]["levers"].as_array().unwrap().is_empty());
    } else {
        assert_eq!(shortfall, 0.0);
    }
    // The balance adds up: net = on-site − credits; credits = Σ zones = Σ selected opportunities.
    let b = &s["balance"];
    let credits = f(&b["credits_t"]);
    assert!((f(&b["net_t"]) - (f(&b["on_site_t"]) - credits)).abs() < 1e-3);
    let by_zone: f64 = zones
        .iter()
        .map(|z| f(&z["properties"]["abatement_co2e_t_yr"]))
        .sum();
    let by_opportunity: f64 = opportunities
        .iter()
        .filter(|o| o["properties"]["selected"] == true)
        .map(|o| f(&o["properties"]["abatement_co2e_t_yr"]))
        .sum();
    let tol = 1e-4 * (opportunities.len() as f64 + 1.0);
    assert!((by_zone - credits).abs() < tol, "{by_zone} vs {credits}");
    assert!(
        (by_opportunity - credits).abs() < tol,
        "{by_opportunity} vs {credits}"
    );
    assert_eq!(b["climate_positive"], f(&b["net_t"]) < 0.0);
    let proposed_district = f(&s["totals"]["district"]["co2e_t_yr"]["proposed"]["total"]);
    assert!((f(&b["on_site_t"]) - proposed_district).abs() < 1e-3);
}

fn district_of(file: &str) -> Geometry {
    geometries(&fixture(file)).remove(0)
}

#[test]
fn zones_lie_in_the_community_are_contiguous_ranked_and_balanced_on_kamppi_and_zug() {
    let tmp = tempfile::tempdir().unwrap();
    let k = run(&fixture("kamppi/site.toml"), &tmp.path().join("kamppi"));
    check_zones(&k, &district_of("kamppi/kamppi_district_boundary.geojson"));
    let z = run(&fixture("cea-zug/site.toml"), &tmp.path().join("zug"));
    check_zones(&z, &district_of("cea-zug/site.geojson"));
}

#[test]
fn zones_on_liechtenstein_and_a_shortfall_on_oak_view() {
    let tmp = tempfile::tempdir().unwrap();
    let l = run(&fixture("liechtenstein/site.toml"), &tmp.path().join("l"));
    let ds = Dataset::open(fixture("liechtenstein/liechtenstein-2013-08-03.osm.pbf")).unwrap();
    let mut layer = ds.layer_by_name("multipolygons").unwrap();
    layer
        .set_attribute_filter("admin_level = '8' AND name = 'Vaduz'")
        .unwrap();
    let vaduz = layer.features().next().unwrap().geometry().unwrap().clone();
    check_zones(&l, &vaduz);
    // Oak View's district is the hull of every building: no community building, no credits;
    // the whole target is the shortfall.
    let o = run(&fixture("urbanopt/site.toml"), &tmp.path().join("o"));
    check_zones(&o, &district_of("urbanopt/oak_view_district.geojson"));
    let s = summary(&o);
    assert_eq!(f(&s["offsets"]["selected_t_yr"]), 0.0);
    assert_eq!(s["offsets"]["shortfall_t_yr"], s["offsets"]["target_t_yr"]);
    assert_eq!(s["balance"]["climate_positive"], false);
}

#[test]
fn rooftop_pv_and_heat_pump_abatement_of_a_zug_building_worked_by_hand() {
    // CEA1000 in Zug's surroundings: 5 floors, no use given (unknown: 105 kWh/m² heat in the
    // europe preset, stock-average era), a courtyard. Footprint by the shoelace formula over its
    // outer ring minus its courtyard, as stored in surroundings.shp.
    let outer = [
        (463_022.811_740_873, 15_224_794.949_972_1),
        (463_058.015_896_44, 15_224_790.873_821_1),
        (463_112.704_425_076, 15_224_785.831_813_1),
        (463_107.799_207_445, 15_224_735.607_674),
        (463_018.058_231_623, 15_224_743.658_065_5),
    ];
    let court = [
        (463_038.802_418_977, 15_224_775.746_198_7),
        (463_037.287_284_479, 15_224_760.041_336_6),
        (463_092.262_647_598, 15_224_754.775_084_4),
        (463_093.777_567_904, 15_224_770.468_846_7),
    ];
    let shoelace = |r: &[(f64, f64)]| {
        let mut twice = 0.0;
        for i in 0..r.len() {
            let (a, b) = (r[i], r[(i + 1) % r.len()]);
            twice += a.0 * b.1 - b.0 * a.1;
        }
        f64::abs(twice) / 2.0
    };
    let footprint = shoelace(&outer) - shoelace(&court);
    // PV: roof × 70 % usable × 0.20 kWp/m² × 946 kWh/kWp × KBOB grid 0.102 kg/kWh.
    let pv_t = footprint * 0.7 * 0.20 * 946.0 * 0.102 / 1000.0;
    // Heat pump: heat = 5 floors × footprint × 105 kWh/m². Today's heat costs, per kWh of heat:
    // district heat 5 % × 0.120, gas 22 % / 0.9 × 0.228, direct electric 5 % × 0.102, oil
    // 40 % / 0.9 × 0.301, wood 10 % / 0.9 × 0.027, heat pumps 18 % / 2.8 × 0.102; all by heat
    // pump: 1 / 2.8 × 0.102.
    let heat = footprint * 5.0 * 105.0;
    let today = 0.05 * 0.120
        + 0.22 / 0.9 * 0.228
        + 0.05 * 0.102
        + 0.40 / 0.9 * 0.301
        + 0.10 / 0.9 * 0.027
        + 0.18 / 2.8 * 0.102;
    let hp_t = heat * (today - 0.102 / 2.8) / 1000.0;

    let tmp = tempfile::tempdir().unwrap();
    let out = run(&fixture("cea-zug/site.toml"), tmp.path());
    let ops = geojson_features(&out.join("opportunities.geojson"));
    let find = |kind: &str| {
        ops.iter()
            .find(|o| {
                o["properties"]["building_id"] == "CEA1000"
                    && o["properties"]["intervention"] == kind
            })
            .map(|o| f(&o["properties"]["abatement_co2e_t_yr"]))
            .unwrap()
    };
    assert!(
        (find("rooftop_pv") - pv_t).abs() < 1e-3 * pv_t,
        "{} vs {pv_t}",
        find("rooftop_pv")
    );
    assert!(
        (find("heat_pump") - hp_t).abs() < 1e-3 * hp_t,
        "{} vs {hp_t}",
        find("heat_pump")
    );
    let b = geojson_features(&out.join("buildings.geojson"));
    let cea1000 = b
        .iter()
        .find(|x| x["properties"]["id"] == "CEA1000")
        .unwrap();
    assert_eq!(cea1000["properties"]["membership"], "community");
}

#[test]
fn run_writes_every_layer_on_every_fixture_and_gdal_opens_them() {
    let layers = [
        "buildings.geojson",
        "grid.geojson",
        "neighbourhoods.geojson",
        "community.geojson",
        "opportunities.geojson",
        "offset_zones.geojson",
    ];
    for site in [
        "kamppi/site.toml",
        "cea-zug/site_shapefile.toml",
        "urbanopt/site.toml",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let out = run(&fixture(site), tmp.path());
        for l in layers {
            let n = geojson_features(&out.join(l)).len();
            let ds = Dataset::open(out.join(l)).unwrap_or_else(|e| panic!("{site} {l}: {e}"));
            assert_eq!(
                ds.layer(0).unwrap().feature_count() as usize,
                n,
                "{site} {l}"
            );
        }
        assert!(out.join("summary.json").exists());
    }
}

#[test]
fn a_catchment_community_is_the_walk_catchment_of_the_stops_serving_the_district() {
    let tmp = tempfile::tempdir().unwrap();
    let k = fixture("kamppi");
    let text = common::fixture_site_text("kamppi", "site.toml")
        .replace("method = \"buffer\"", "method = \"catchment\"");
    let site = write_site(tmp.path(), &text);
    let out = run(&site, &tmp.path().join("out"));
    let s = summary(&out);
    let c = &s["community"];
    assert_eq!(c["method"], "catchment");
    assert!(c["serving_stops"].as_u64().unwrap() > 0);
    // Every community building lies within 960 m (the longest catchment) of a stop: checked
    // with GDAL distances in the local CRS of the run (UTM 35N).
    let stops = geometries(&k.join("centre_2019_transit_stops.geojson"));
    let buildings = geojson_features(&out.join("buildings.geojson"));
    let utm = gdal::spatial_ref::SpatialRef::from_epsg(32635).unwrap();
    let mut wgs = gdal::spatial_ref::SpatialRef::from_epsg(4326).unwrap();
    wgs.set_axis_mapping_strategy(gdal::spatial_ref::AxisMappingStrategy::TraditionalGisOrder);
    let mut utm_t = utm.clone();
    utm_t.set_axis_mapping_strategy(gdal::spatial_ref::AxisMappingStrategy::TraditionalGisOrder);
    let to_utm = gdal::spatial_ref::CoordTransform::new(&wgs, &utm_t).unwrap();
    // Each stop's 960 m reach (plus 1 m for the polygonal circle), in metres.
    let reach: Vec<Geometry> = stops
        .iter()
        .map(|g| g.transform(&to_utm).unwrap().buffer(961.0, 32).unwrap())
        .collect();
    let in_community: Vec<&Value> = buildings
        .iter()
        .filter(|b| b["properties"]["membership"] == "community")
        .collect();
    assert!(!in_community.is_empty());
    let ds = Dataset::open(out.join("buildings.geojson")).unwrap();
    let mut layer = ds.layer(0).unwrap();
    for feature in layer.features() {
        let idx = feature.field_index("membership").unwrap();
        if feature.field_as_string(idx).unwrap().as_deref() != Some("community") {
            continue;
        }
        let g = feature.geometry().unwrap().transform(&to_utm).unwrap();
        assert!(
            reach.iter().any(|r| r.intersects(&g)),
            "a community building beyond 960 m of every stop"
        );
    }
}

#[test]
fn ranking_by_area_on_a_hex_grid_with_a_fixed_target() {
    // Zug on 100 m hexagons, cells ranked by t CO2e per hectare, a fixed target of 1,000 t.
    let tmp = tempfile::tempdir().unwrap();
    let text = common::fixture_site_text("cea-zug", "site.toml")
        + "\n[grid]\ncell_m = 100\nshape = \"hex\"\n[offsets]\ntarget = 1000\nrank = \"area\"\n";
    let site = write_site(tmp.path(), &text);
    let out = run(&site, &tmp.path().join("out"));
    let s = summary(&out);
    assert_eq!(
        f(&s["offsets"]["target_t_yr"]),
        1000.0,
        "a fixed target takes no margin"
    );
    assert!(f(&s["offsets"]["selected_t_yr"]) >= 1000.0);
    let zones = geojson_features(&out.join("offset_zones.geojson"));
    let per_ha: Vec<f64> = zones
        .iter()
        .map(|z| f(&z["properties"]["abatement_co2e_t_yr"]) / f(&z["properties"]["area_ha"]))
        .collect();
    assert!(
        per_ha.windows(2).all(|w| w[0] >= w[1] * (1.0 - 1e-3)),
        "{per_ha:?}"
    );
    // Hexagon cells of one zone are connected through the six axial neighbours.
    let mut cells_of: ZoneCells = BTreeMap::new();
    for o in geojson_features(&out.join("opportunities.geojson")) {
        let p = &o["properties"];
        if let Some(rank) = p["zone_rank"].as_i64() {
            let (a, b) = p["grid_cell"].as_str().unwrap().split_once('_').unwrap();
            cells_of
                .entry(rank)
                .or_default()
                .insert((a.parse().unwrap(), b.parse().unwrap()));
        }
    }
    assert!(!cells_of.is_empty());
    assert_contiguous(&cells_of, hex_neighbours);
}

#[test]
fn an_unknown_intervention_or_ranking_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let site = write_site(
        tmp.path(),
        &common::kamppi_site_with("[offsets]\ninterventions = [\"rooftop_pv\", \"tree_planting\", \"heatpump\"]\nrank = \"votes\"\n"),
    );
    let r = common::cpgis_site("run", &site, &tmp.path().join("o"));
    common::assert_bad_input(
        &r,
        &[
            "`tree_planting` is not an intervention",
            "`heatpump` is not an intervention (did you mean `heat_pump`?)",
            "offsets.rank",
        ],
    );
}

#[test]
fn geopackage_layers_read_in_parts_give_the_same_outputs_as_read_whole() {
    // Kamppi's neighbourhoods and population grid are GeoPackage layers. Read in twelve FID
    // ranges by three threads (the threshold lowered to 0), every output must be the same bytes
    // as when each layer is read whole.
    let site = fixture("kamppi/site.toml");
    let whole = tempfile::tempdir().unwrap();
    let parts = tempfile::tempdir().unwrap();
    run(&site, whole.path());
    let out = common::cpgis_env(
        &[
            "run",
            site.to_str().unwrap(),
            "-o",
            parts.path().to_str().unwrap(),
        ],
        &[("CPGIS_SPLIT_READ_ABOVE", "0"), ("RAYON_NUM_THREADS", "3")],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut compared = 0;
    for entry in std::fs::read_dir(whole.path()).unwrap() {
        let path = entry.unwrap().path();
        let other = parts.path().join(path.file_name().unwrap());
        assert!(
            std::fs::read(&path).unwrap() == std::fs::read(&other).unwrap(),
            "{} differs when read in parts",
            path.display()
        );
        compared += 1;
    }
    // Eight outputs and stops.geojson (Kamppi has stops).
    assert_eq!(compared, 9);
    // The population grid really has features to split: dozens of cells were read.
    let quality = &summary(parts.path())["quality"];
    let population = quality
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["role"] == "population")
        .expect("a population quality entry");
    assert!(f(&population["read"]) > 50.0, "{population}");
}

/// Regression: a `where` filter holding `)`, `OR` or `--` escaped the range filter a large
/// GeoPackage layer is split by, and every feature was read once per range (twelve times).
#[test]
fn a_where_filter_never_changes_how_a_layer_is_split() {
    for filter in [
        "population >= 0 --",
        "population >= 0) OR (1 = 1",
        "population >= 0 OR population < 0",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let text = common::fixture_site_text("kamppi", "site.toml").replace(
            "value = \"population\"",
            &format!(
                "value = \"population\"\nwhere = \"{}\"",
                filter.replace('"', "\\\"")
            ),
        );
        let site = write_site(tmp.path(), &text);
        let out = tmp.path().join("o");
        let r = common::cpgis_env(
            &[
                "estimate",
                site.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "-q",
            ],
            &[("CPGIS_SPLIT_READ_ABOVE", "0"), ("RAYON_NUM_THREADS", "3")],
        );
        if r.code != 0 {
            // A filter OGR refuses, or that matches nothing, is bad input naming the layer and
            // the filter; never a run that reads twelve times.
            common::assert_bad_input(&r, &["population_grid_2020", filter]);
            continue;
        }
        let quality = &summary(&out)["quality"];
        let population = quality
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["role"] == "population")
            .unwrap();
        // The grid has 92 cells (fixtures/README.md); each is read once.
        assert_eq!(population["read"], 92, "{filter}: {population}");
    }
}

/// Regression: a `--format geojson` rerun left an earlier run's `cpgis.gpkg` beside its new
/// layers, two generations in one folder.
#[test]
fn a_rerun_leaves_no_output_of_an_earlier_run_beside_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    let site = fixture("urbanopt/site.toml");
    let out = tmp.path().join("out");
    let both = common::cpgis(&[
        "run",
        site.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--format",
        "both",
        "-q",
    ]);
    assert_eq!(both.code, 0, "{}", both.stderr);
    assert!(out.join("cpgis.gpkg").exists());
    std::fs::write(out.join("notes.txt"), "the user's own file").unwrap();
    let geojson = common::cpgis(&["run", site.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(geojson.code, 0, "{}", geojson.stderr);
    assert!(!out.join("cpgis.gpkg").exists());
    assert!(
        geojson.stdout.contains("cpgis.gpkg (an earlier run's"),
        "{}",
        geojson.stdout
    );
    assert!(out.join("buildings.geojson").exists());
    assert!(
        out.join("notes.txt").exists(),
        "a file that is not an output is never touched"
    );
}

/// Regression (issue "Local factors, a full transport boundary…"): a district with 15,079 jobs
/// got no commuter emissions. Now its workers' commuting and its visitors' trips count, half of
/// each trip at the district's end, and the boundary is said in one sentence.
#[test]
fn workers_and_visitors_trips_count_and_the_boundary_is_said() {
    let tmp = tempfile::tempdir().unwrap();
    let r = common::cpgis(&[
        "run",
        fixture("kamppi/site.toml").to_str().unwrap(),
        "-o",
        tmp.path().to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = summary(tmp.path());
    let jobs = s["totals"]["district"]["jobs"].as_f64().unwrap();
    let boundary = s["transport_boundary"].as_str().unwrap();
    assert!(
        boundary.contains(&format!("the commuting of its {jobs:.0} jobs"))
            && boundary.contains("half of each trip at the district's end"),
        "{boundary}"
    );
    // Every district job: 2 commuting trips per working day, 225 working days (europe preset,
    // which helsinki extends), half of each counted here.
    let buildings = common::geojson_features(&tmp.path().join("buildings.geojson"));
    let district = || {
        buildings
            .iter()
            .map(|b| &b["properties"])
            .filter(|p| p["in_district"] == true)
    };
    let worker_trips: f64 = district()
        .map(|p| p["baseline_worker_trips_yr"].as_f64().unwrap())
        .sum();
    let want = jobs * 2.0 * 225.0 * 0.5;
    assert!(
        (worker_trips - want).abs() < 1e-4 * want,
        "{worker_trips} vs {want}"
    );
    // Visitors come to the district's shops, offices and hotels.
    let visitor_trips: f64 = district()
        .map(|p| p["baseline_visitor_trips_yr"].as_f64().unwrap())
        .sum();
    assert!(visitor_trips > 0.0);
    let report = std::fs::read_to_string(tmp.path().join("report.html")).unwrap();
    assert!(report.contains("the transport boundary: transport counts the trips the district"));
    assert!(!r.stdout.contains("residents' trips only"));
}

/// The break-even electricity factor (issue "Local factors…"): checked through whole runs.
/// Kamppi's summary gives it; a run with the grid factor set 0.001 kg/kWh below it is Climate
/// Positive, one 0.001 above it is not (each run selecting its own offsets again).
#[test]
fn the_verdict_flips_at_the_break_even_electricity_factor() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("base");
    let r = common::cpgis(&[
        "run",
        fixture("kamppi/site.toml").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let be = &summary(&out)["balance"]["break_even"];
    assert_eq!(be["positive_below"], true);
    let f = f(&be["electricity_kg_kwh"]);
    assert!((0.2..0.4).contains(&f), "{f}");
    assert!(r.stdout.contains(&format!(
        "climate positive while the grid emits less than {f:.4}"
    )));
    for (factor, positive) in [(f - 0.001, true), (f + 0.001, false)] {
        let text = common::fixture_site_text("kamppi", "site.toml").replacen(
            "[district]",
            &format!("[factors]\ncarriers.electricity = {factor}\n\n[district]"),
            1,
        );
        let site = write_site(tmp.path(), &text);
        let o = tmp.path().join(format!("at{factor}"));
        let r = common::cpgis(&[
            "run",
            site.to_str().unwrap(),
            "-o",
            o.to_str().unwrap(),
            "-q",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(
            summary(&o)["balance"]["climate_positive"],
            positive,
            "at {factor} kg/kWh"
        );
    }
}

/// `--set KEY=VALUE` is the site file with that key changed: the same balance as a file edited
/// by hand, recorded in summary.json and the report; a mistyped key or a wrong type is refused
/// like the file's, saying it came from `--set`.
#[test]
fn set_on_the_command_line_equals_the_edited_file_and_is_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let text = common::fixture_site_text("kamppi", "site.toml");
    // The fixture sets the car share and leaves the margin at its default (0.1).
    let edited =
        text.replace("car_share = 0.10", "car_share = 0.3") + "\n[offsets]\nmargin = 0.2\n";
    assert!(!text.contains("[offsets]"));
    let by_file = common::write_site(tmp.path(), &edited);
    let file_out = tmp.path().join("file");
    let r = common::cpgis_site("run", &by_file, &file_out);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let set_out = tmp.path().join("set");
    let r = common::cpgis(&[
        "run",
        fixture("kamppi/site.toml").to_str().unwrap(),
        "-o",
        set_out.to_str().unwrap(),
        "--set",
        "scenario.proposed.car_share=0.3",
        "--set",
        "offsets.margin=0.2",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (a, b) = (summary(&file_out), summary(&set_out));
    assert_eq!(a["balance"], b["balance"]);
    assert_eq!(a["totals"], b["totals"]);
    assert_eq!(
        b["settings"],
        serde_json::json!(["scenario.proposed.car_share=0.3", "offsets.margin=0.2"])
    );
    assert!(r
        .stdout
        .contains("set on the command line over the site file: scenario.proposed.car_share=0.3, offsets.margin=0.2"));
    let report = std::fs::read_to_string(set_out.join("report.html")).unwrap();
    assert!(report.contains("set on the command line over the site file"));
    let bad = common::cpgis(&[
        "run",
        fixture("kamppi/site.toml").to_str().unwrap(),
        "-o",
        tmp.path().join("bad").to_str().unwrap(),
        "--set",
        "scenario.proposed.car_shar=0.3",
        "--set",
        "offsets.margin=abc",
    ]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains(
        "scenario.proposed.car_shar: is not a known measure (set by --set scenario.proposed.car_shar=0.3)"
    ), "{}", bad.stderr);
    assert!(
        bad.stderr.contains("(set by --set offsets.margin=\"abc\")"),
        "{}",
        bad.stderr
    );
}

/// `-q` leaves only the verdict line on stdout: the run's tables, notes and file list go.
#[test]
fn quiet_leaves_only_the_verdict_line() {
    let tmp = tempfile::tempdir().unwrap();
    let r = common::cpgis(&[
        "run",
        fixture("urbanopt/site.toml").to_str().unwrap(),
        "-o",
        tmp.path().to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", r.stdout);
    let s = summary(tmp.path());
    let verdict = if s["balance"]["climate_positive"] == true {
        "Oak View: CLIMATE POSITIVE"
    } else {
        "Oak View: NOT climate positive"
    };
    assert!(lines[0].starts_with(verdict), "{}", lines[0]);
    // The notes are counted on the quiet line, as many as the full run lists.
    let full = common::cpgis(&[
        "run",
        fixture("urbanopt/site.toml").to_str().unwrap(),
        "-o",
        tmp.path().join("full").to_str().unwrap(),
    ]);
    assert_eq!(full.code, 0, "{}", full.stderr);
    let n: usize = full
        .stdout
        .lines()
        .find_map(|l| l.strip_suffix(" notes (listed by id in summary.json, and in report.html):"))
        .unwrap()
        .parse()
        .unwrap();
    assert!(n > 1);
    assert!(
        lines[0].ends_with(&format!("; {n} notes in summary.json and report.html")),
        "{}",
        lines[0]
    );
}

/// A mistyped subcommand gets the one meant, and `presets show` a name it does not know says so
/// (it had said "site file usaa has 1 problem").
#[test]
fn mistyped_names_on_the_command_line_get_the_one_meant() {
    let r = common::cpgis(&["rnu"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("did you mean `cpgis run`?"),
        "{}",
        r.stderr
    );
    let r = common::cpgis(&["presets", "show", "usaa"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with("error: no preset called `usaa`: did you mean `usa`?"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("site file"), "{}", r.stderr);
}

/// Shell completions and the man page come from the clap definitions: bash completes `cpgis r`
/// to `run` once the script is sourced, and the man page is roff naming every subcommand.
#[test]
fn completions_complete_in_bash_and_the_man_page_lists_the_subcommands() {
    let r = common::cpgis(&["completions", "bash"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("cpgis.bash");
    std::fs::write(&script, &r.stdout).unwrap();
    let complete = |typed: &str| {
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source '{}'; COMP_WORDS=(cpgis {typed}); COMP_CWORD=1; _cpgis cpgis {typed} cpgis; echo \"${{COMPREPLY[@]}}\"",
                script.display()
            ))
            .output()
            .unwrap();
        let mut words: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect();
        words.sort();
        words
    };
    assert_eq!(complete("in"), ["init", "inspect"]);
    assert_eq!(complete("ru"), ["run"]);
    let man = common::cpgis(&["man"]);
    assert_eq!(man.code, 0, "{}", man.stderr);
    assert!(man.stdout.contains(".TH cpgis 1"), "{}", man.stdout);
    for sub in [
        "run",
        "estimate",
        "inspect",
        "init",
        "presets",
        "completions",
    ] {
        assert!(
            man.stdout.contains(&format!("cpgis\\-{sub}(1)")),
            "{sub}: {}",
            man.stdout
        );
    }
}

/// A site file naming no preset gets the one of the district's place, said in the notes (it
/// had got china-north wherever it was): Kamppi's district lies in Helsinki.
#[test]
fn a_site_without_a_preset_gets_the_one_of_its_place() {
    let tmp = tempfile::tempdir().unwrap();
    let text = common::fixture_site_text("kamppi", "site.toml");
    let without = text
        .lines()
        .filter(|l| !l.starts_with("preset"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(text.lines().count(), without.lines().count());
    let site = write_site(tmp.path(), &without);
    let out = tmp.path().join("out");
    let r = common::cpgis_site("estimate", &site, &out);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = summary(&out);
    assert_eq!(s["preset"]["name"], "helsinki");
    assert!(r
        .stdout
        .contains("the site file names no preset: `helsinki`, chosen by the district's location"));
}

/// A site file naming no preset, for a district no built-in preset describes (a made-up block
/// in Ultimo, Sydney): the run refuses to guess, naming the place and the presets' places, where
/// it had taken china-north "by the district's location"; named, the preset runs. `init` writes
/// the preset line commented out with the same reason.
#[test]
fn a_place_no_preset_describes_is_not_given_one_by_guess() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("district.geojson"),
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Ultimo"},"geometry":{"type":"Polygon","coordinates":[[[151.195,-33.885],[151.205,-33.885],[151.205,-33.875],[151.195,-33.875],[151.195,-33.885]]]}}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("buildings.geojson"),
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a","osm_id":"1","building":"apartments","building:levels":6},"geometry":{"type":"Polygon","coordinates":[[[151.199,-33.881],[151.2,-33.881],[151.2,-33.88],[151.199,-33.88],[151.199,-33.881]]]}}]}"#,
    )
    .unwrap();
    let body = "[district]\npath = \"district.geojson\"\n[buildings]\npath = \"buildings.geojson\"\nid = \"id\"\nuse = \"building\"\nfloors = \"building:levels\"\n";
    let site = write_site(dir, &format!("name = \"Ultimo\"\n{body}"));
    let out = dir.join("out");
    let r = common::cpgis_site("run", &site, &out);
    common::assert_bad_input(
        &r,
        &["preset", "151.20° E, 33.88° S", "china-north (China)"],
    );
    assert!(!out.join("summary.json").exists());
    let named = write_site(
        dir,
        &format!("name = \"Ultimo\"\npreset = \"europe\"\n{body}"),
    );
    let r = common::cpgis_site("run", &named, &out);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(summary(&out)["preset"]["name"], "europe");
    // init: the preset line is written commented out, and its site file is refused the same way.
    let init_site = dir.join("init.toml");
    let r = common::cpgis(&[
        "init",
        dir.join("district.geojson").to_str().unwrap(),
        dir.join("buildings.geojson").to_str().unwrap(),
        "-o",
        init_site.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("preset: none written"), "{}", r.stdout);
    let text = std::fs::read_to_string(&init_site).unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("# preset = "))
            && !text.lines().any(|l| l.starts_with("preset")),
        "{text}"
    );
    let r = common::cpgis_site("run", &init_site, &dir.join("out2"));
    common::assert_bad_input(&r, &["preset", "151.20° E, 33.88° S"]);
}
