//! Nothing silent: every default used where a building's data was missing (its floors, its use,
//! its era, its residents) is counted on the terminal and in summary.json's notes, over the map
//! and the district, and listed by id (`profile.*`). These had been counted only as fill rates
//! in the report: the demo's terminal said nothing of the 500 of its 825 buildings whose floor
//! area rests on a default floor count. And a buildings layer that stops short of the district
//! or the community is said.

mod common;

use std::collections::BTreeSet;

use common::{cpgis_site, fixture, geojson_features, kamppi_site_with, write_site};
use serde_json::Value;

/// Ids as the site file takes them: `osm_way_id`, else `osm_id`.
fn id_of(p: &Value) -> String {
    ["osm_way_id", "osm_id"]
        .iter()
        .find_map(|k| p[*k].as_str().filter(|s| !s.is_empty()))
        .unwrap()
        .to_string()
}

fn ids(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn kamppi_2024_defaults_are_counted_and_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let site = write_site(
        tmp.path(),
        &kamppi_site_with(
            "id = [\"osm_way_id\", \"osm_id\"]\nuse = \"building\"\nfloors = \"building_levels\"\nheight = \"height\"\nyear = \"start_date\"\nuse_map = { yes = \"unknown\" }\n",
        ),
    );
    let out = tmp.path().join("out");
    let r = cpgis_site("run", &site, &out);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let profile = &summary["profile"];

    // Worked from the layer's own properties (453 features, none skipped).
    let features = geojson_features(&fixture("kamppi/buildings.geojson"));
    assert_eq!(features.len(), 453);
    let props: Vec<&Value> = features.iter().map(|f| &f["properties"]).collect();
    // No floor count that is believed (missing, or 0) and no height.
    let no_floors: BTreeSet<String> = props
        .iter()
        .filter(|p| {
            let levels = p["building_levels"]
                .as_str()
                .and_then(|s| s.parse::<f64>().ok());
            !levels.is_some_and(|l| l > 0.0) && p["height"].is_null()
        })
        .map(|p| id_of(p))
        .collect();
    assert_eq!(no_floors.len(), 252);
    assert_eq!(ids(&profile["default_floors"]), no_floors);
    // `building=yes` and `=block` (presets/uses.toml's OpenStreetMap values meaning no use) and
    // the values no table knows (counted by value in unmatched_uses).
    let unmatched: BTreeSet<&str> = profile["unmatched_uses"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let no_use: BTreeSet<String> = props
        .iter()
        .filter(|p| {
            let b = p["building"].as_str().unwrap_or("");
            b == "yes" || b == "block" || unmatched.contains(b)
        })
        .map(|p| id_of(p))
        .collect();
    assert!(no_use.len() >= 202, "{}", no_use.len());
    assert_eq!(ids(&profile["unknown_use"]), no_use);
    // No start_date, or one no year is read from (listed as unreadable).
    let unreadable: BTreeSet<String> = profile["unreadable_years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x[0].as_str().unwrap().to_string())
        .collect();
    let no_era: BTreeSet<String> = props
        .iter()
        .filter(|p| p["start_date"].is_null() || unreadable.contains(&id_of(p)))
        .map(|p| id_of(p))
        .collect();
    assert!(no_era.len() >= 403, "{}", no_era.len());
    assert_eq!(ids(&profile["unknown_era"]), no_era);

    // No population layer: every building with residents has them from floor area.
    let layer = geojson_features(&out.join("buildings.geojson"));
    let housed: BTreeSet<String> = layer
        .iter()
        .map(|f| &f["properties"])
        .filter(|p| p["residents"].as_f64().unwrap() > 0.0)
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!housed.is_empty());
    assert_eq!(ids(&profile["residents_by_floor_area"]), housed);

    // The notes, on the terminal and in summary.json, with the district's share from the
    // buildings layer's own `in_district`.
    let in_district = |set: &BTreeSet<String>| {
        layer
            .iter()
            .map(|f| &f["properties"])
            .filter(|p| {
                p["in_district"].as_bool().unwrap() && set.contains(p["id"].as_str().unwrap())
            })
            .count()
    };
    let district = layer
        .iter()
        .filter(|f| f["properties"]["in_district"].as_bool().unwrap())
        .count();
    let pct = |n: usize| format!("{:.0} %", 100.0 * n as f64 / 453.0);
    // The district's floor area in the buildings of `set`, over all of it: each building's
    // floor area as the layer writes it, the sets from the input's own properties.
    let area_share = |set: &BTreeSet<String>| {
        let (all, some) = layer
            .iter()
            .map(|f| &f["properties"])
            .filter(|p| p["in_district"].as_bool().unwrap())
            .fold((0.0, 0.0), |(all, some), p| {
                let a = p["gfa_m2"].as_f64().unwrap();
                let yes = set.contains(p["id"].as_str().unwrap());
                (all + a, if yes { some + a } else { some })
            });
        some / all
    };
    let (floors_area, use_area) = (area_share(&no_floors), area_share(&no_use));
    for (key, share) in [
        ("district_area_default_floors", floors_area),
        ("district_area_unknown_use", use_area),
    ] {
        let written = profile[key].as_f64().unwrap();
        assert!(
            (written - share).abs() <= 5e-5,
            "{key}: {written} vs {share}"
        );
    }
    // Said beside the verdict only when over half of the district's floor area rests on one.
    assert_eq!(
        summary["cautions"].as_array().unwrap().iter().any(|c| c
            .as_str()
            .unwrap()
            .contains("rest mostly on these defaults")),
        floors_area > 0.5 || use_area > 0.5
    );
    let expected = [
        format!(
            "{} of 453 buildings ({}; {} of {district} in the district, {:.0} % of its floor area) have no floor count, height or floor area: footprint × the use's default floors (profile.default_floors)",
            no_floors.len(),
            pct(no_floors.len()),
            in_district(&no_floors),
            100.0 * floors_area
        ),
        format!(
            "{} of 453 buildings ({}; {} of {district} in the district, {:.0} % of its floor area) have no use type",
            no_use.len(),
            pct(no_use.len()),
            in_district(&no_use),
            100.0 * use_area
        ),
        format!(
            "{} of 453 buildings ({}; {} of {district} in the district) have no readable construction year or standard: space heat at the `unknown` era's factor, 1 (profile.unknown_era)",
            no_era.len(),
            pct(no_era.len()),
            in_district(&no_era)
        ),
        // helsinki preset: 36.8 m² of housing a resident.
        format!(
            "{} buildings with housing ({} in the district) take their residents from floor area, 36.8 m² per resident: the site has no population layer (profile.residents_by_floor_area)",
            housed.len(),
            in_district(&housed)
        ),
    ];
    let notes = common::notes(&summary);
    for e in &expected {
        assert!(
            r.stdout.contains(e.as_str()),
            "missing `{e}` in:\n{}",
            r.stdout
        );
        assert!(
            notes.iter().any(|n| n.starts_with(e.as_str())),
            "missing `{e}` in {notes:?}"
        );
    }
}

/// A district modelled mostly on defaults says so beside its verdict. Liechtenstein's 2013
/// extract tags no building with a level count or a height (ogrinfo: none of its 3,723
/// building polygons has `levels` or `height` in its tags), so every floor area in Vaduz is
/// footprint × default floors: the caution is on the terminal (also with `-q`), in the
/// report and in summary.json, where `cpgis run` had said "CLIMATE POSITIVE … with probability
/// 0.97" with only notes below it.
#[test]
fn a_district_modelled_on_defaults_is_cautioned() {
    let pbf = fixture("liechtenstein/liechtenstein-2013-08-03.osm.pbf");
    let count = |filter: &str| -> usize {
        let sql =
            format!("SELECT COUNT(*) AS n FROM multipolygons WHERE building IS NOT NULL{filter}");
        let o = std::process::Command::new("ogrinfo")
            .args(["-ro", "-q", pbf.to_str().unwrap(), "-sql", &sql])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout).to_string();
        text.lines()
            .find_map(|l| l.trim().strip_prefix("n (Integer) = "))
            .unwrap_or_else(|| panic!("no count in {text}"))
            .parse()
            .unwrap()
    };
    assert!(count("") > 3000);
    assert_eq!(
        count(" AND (other_tags LIKE '%levels%' OR other_tags LIKE '%height%')"),
        0
    );
    let tmp = tempfile::tempdir().unwrap();
    let site = fixture("liechtenstein/site.toml");
    let out = tmp.path().join("out");
    let r = cpgis_site("run", &site, &out);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["profile"]["district_area_default_floors"], 1.0);
    let head = "of the district's floor area, 100 % is footprint × default floors";
    let cautions = summary["cautions"].as_array().unwrap();
    // The district's, then the community's: Vaduz's neighbours are mapped no better.
    assert_eq!(cautions.len(), 2, "{cautions:?}");
    assert_eq!(summary["community"]["area_default_floors"], 1.0);
    let theirs = cautions[1].as_str().unwrap();
    assert!(
        theirs.starts_with("of the community's floor area, 100 % is footprint × default floors"),
        "{theirs}"
    );
    assert!(theirs.contains("the credits with it"), "{theirs}");
    assert!(
        r.stdout.contains(&format!("  caution: {theirs}\n")),
        "{}",
        r.stdout
    );
    let caution = cautions[0].as_str().unwrap();
    assert!(caution.starts_with(head), "{caution}");
    assert!(caution.contains("hold fixed"), "{caution}");
    assert!(
        r.stdout.contains(&format!("  caution: {caution}\n")),
        "{}",
        r.stdout
    );
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains(&format!("<b>Caution:</b> {caution}.</p>")));
    // -q keeps it on the one line it leaves.
    let quiet = common::cpgis(&[
        "run",
        site.to_str().unwrap(),
        "-o",
        tmp.path().join("quiet").to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert!(
        quiet.stdout.contains(&format!("; caution: {caution};")),
        "{}",
        quiet.stdout
    );
    // `estimate` says it beside the district's figures.
    let est = cpgis_site("estimate", &site, &tmp.path().join("est"));
    assert_eq!(est.code, 0, "{}", est.stderr);
    assert!(
        est.stdout.contains(&format!("  caution: {caution}\n")),
        "{}",
        est.stdout
    );
}

/// CEA Zug's surroundings are the community: CEA keeps OpenStreetMap's building value in their
/// `category`, and 127 of 184 say only `yes`. The share of the community's floor area of unknown
/// use, worked from those categories and the buildings layer's floor areas, is in summary.json,
/// and over half it stands as a caution beside Zug's "CLIMATE POSITIVE", whose credits come
/// from those buildings.
#[test]
fn a_community_modelled_on_defaults_is_cautioned() {
    let category: std::collections::BTreeMap<String, String> =
        geojson_features(&fixture("cea-zug/surroundings.geojson"))
            .iter()
            .map(|f| {
                let p = &f["properties"];
                (
                    p["Name"].as_str().unwrap().to_string(),
                    p["category"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let r = cpgis_site("run", &fixture("cea-zug/site.toml"), &out);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (mut all, mut generic) = (0.0, 0.0);
    for f in geojson_features(&out.join("buildings.geojson")) {
        let p = &f["properties"];
        if p["membership"] == "community" {
            let a = p["gfa_m2"].as_f64().unwrap();
            all += a;
            if category.get(p["id"].as_str().unwrap()).map(String::as_str) == Some("yes") {
                generic += a;
            }
        }
    }
    let share = generic / all;
    assert!(share > 0.5, "{share}");
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let written = summary["community"]["area_unknown_use"].as_f64().unwrap();
    assert!((written - share).abs() <= 5e-5, "{written} vs {share}");
    let said = format!(
        "caution: of the community's floor area, {:.0} % has an assumed use: its offer, and the credits with it, rest mostly on these defaults",
        100.0 * share
    );
    assert!(r.stdout.contains(&said), "`{said}` not in:\n{}", r.stdout);
    // The report's "what the verdict depends on" gives both: every surrounding building has
    // its `floors_ag`, so none of the community's floor area is on default floors.
    assert!(geojson_features(&fixture("cea-zug/surroundings.geojson"))
        .iter()
        .all(|f| f["properties"]["floors_ag"]
            .as_f64()
            .is_some_and(|x| x > 0.0)));
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    let line = format!("of the community's, 0 % and {:.0} %", 100.0 * share);
    assert!(report.contains(&line), "`{line}` not in the report");
}

/// The share of layer `district`'s area, in EPSG:32635, inside the bounding box of layer
/// `layer` reprojected there: SpatiaLite's answer through ogrinfo's SQLite dialect, a reader
/// and a geometry engine that are not cpgis's.
fn spatialite_share(gpkg: &str, layer: &str) -> f64 {
    let sql = format!(
        "SELECT ST_Area(ST_Intersection(ST_Transform(d.geom, 32635), \
        (SELECT BuildMbr(MbrMinX(e), MbrMinY(e), MbrMaxX(e), MbrMaxY(e), 32635) \
        FROM (SELECT Extent(ST_Transform(geom, 32635)) AS e FROM {layer})))) \
        / ST_Area(ST_Transform(d.geom, 32635)) AS share FROM district d"
    );
    let o = std::process::Command::new("ogrinfo")
        .args(["-ro", "-q", gpkg, "-dialect", "SQLite", "-sql", &sql])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    text.lines()
        .find_map(|l| l.trim().strip_prefix("share (Real) = "))
        .unwrap_or_else(|| panic!("no share in {text}"))
        .parse()
        .unwrap()
}

/// Runs `cpgis COMMAND SITE -o OUT` and checks that summary.json's `profile.KEY` is `share`
/// as written, to 4 decimals.
fn run_with_share(
    command: &str,
    site: &std::path::Path,
    out: &std::path::Path,
    key: &str,
    share: f64,
) -> common::Run {
    let r = cpgis_site(command, site, out);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let ours = summary["profile"][key].as_f64().unwrap();
    assert!(
        (ours - share).abs() <= 5e-5 + 1e-9,
        "{ours} against {share}"
    );
    r
}

/// A buildings layer cut to part of the district is said, not taken as the district's whole:
/// Kamppi's 2024 buildings cut to 24.915–24.930° E (191 of 453, ogr2ogr -spat) leave about
/// half the district outside their extent. The share is worked out independently by SpatiaLite
/// (through ogrinfo's SQLite dialect): the district in EPSG:32635 intersected with the box of
/// the buildings reprojected there, over the district's area.
#[test]
fn buildings_cut_short_of_the_district_are_said() {
    let tmp = tempfile::tempdir().unwrap();
    let gpkg = tmp.path().join("cut.gpkg");
    let ogr2ogr = |args: &[&str]| {
        let o = std::process::Command::new("ogr2ogr")
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let g = gpkg.to_str().unwrap();
    let district = fixture("kamppi/kamppi_district_boundary.geojson");
    let buildings = fixture("kamppi/buildings.geojson");
    ogr2ogr(&[
        "-f",
        "GPKG",
        g,
        district.to_str().unwrap(),
        "-nln",
        "district",
    ]);
    ogr2ogr(&[
        "-update",
        g,
        buildings.to_str().unwrap(),
        "-nln",
        "buildings",
        "-spat",
        "24.915",
        "60.160",
        "24.930",
        "60.175",
    ]);
    let share = spatialite_share(g, "buildings");
    assert!((0.4..0.6).contains(&share), "{share}");

    let site = write_site(
        tmp.path(),
        &format!(
            "[district]\npath = \"{g}\"\nlayer = \"district\"\n[buildings]\npath = \"{g}\"\nlayer = \"buildings\"\nid = [\"osm_way_id\", \"osm_id\"]\nuse = \"building\"\n"
        ),
    );
    let out = tmp.path().join("out");
    let r = run_with_share("run", &site, &out, "district_in_buildings_extent", share);
    let note = format!(
        "the buildings' extent covers {:.0} % of the district's area",
        100.0 * share
    );
    assert!(
        r.stdout.contains(&note),
        "missing `{note}` in:\n{}",
        r.stdout
    );
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains(&note));
    // And beside the verdict, which rests on the buildings mapped.
    let caution = format!(
        "the buildings' extent covers {:.0} % of the district's area: the on-site figures, and the verdict with them, count only the buildings mapped",
        100.0 * share
    );
    assert!(
        r.stdout.contains(&format!("  caution: {caution}\n")),
        "{}",
        r.stdout
    );
    assert!(report.contains(&format!(
        "<p class=\"caution\"><b>Caution:</b> {caution}.</p>"
    )));
    // The uncut layer covers the district (its buildings reach past every side).
    let whole = write_site(
        tmp.path(),
        &kamppi_site_with("id = [\"osm_way_id\", \"osm_id\"]\nuse = \"building\"\n"),
    );
    let r = cpgis_site("run", &whole, &tmp.path().join("whole"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains("of the district's area"), "{}", r.stdout);
    assert!(
        !r.stdout.contains("caution: the buildings' extent"),
        "{}",
        r.stdout
    );
}

/// The demo's stops (Helsinki's 2019 centre extract, cut at 24.935° E, with Kamppi's metro
/// entrances from the 2024 delivery) stop short of Kamppi's west: the share of the district
/// inside their extent, worked out by SpatiaLite as for the buildings, is said, since the
/// access index (and the car shares) beyond it counts only the stops mapped.
#[test]
fn stops_cut_short_of_the_district_are_said() {
    let tmp = tempfile::tempdir().unwrap();
    let gpkg = tmp.path().join("stops.gpkg");
    let g = gpkg.to_str().unwrap();
    for (file, name) in [
        ("kamppi/kamppi_district_boundary.geojson", "district"),
        ("kamppi/transit_stops.geojson", "stops"),
    ] {
        let o = std::process::Command::new("ogr2ogr")
            .args(["-f", "GPKG", "-update", "-append", g])
            .arg(fixture(file))
            .args(["-nln", name])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let share = spatialite_share(g, "stops");
    assert!((0.1..0.5).contains(&share), "{share}");
    let out = tmp.path().join("out");
    let r = run_with_share(
        "estimate",
        &fixture("kamppi/site.toml"),
        &out,
        "district_in_stops_extent",
        share,
    );
    let note = format!(
        "the stops' extent covers {:.0} % of the district's area: if the stops layer was cut to a smaller area than the district, the access index beyond it",
        100.0 * share
    );
    assert!(
        r.stdout.contains(&note),
        "missing `{note}` in:\n{}",
        r.stdout
    );
}
