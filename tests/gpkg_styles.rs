//! `--format gpkg` for QGIS: a `layer_styles` table holding each layer's default style in the
//! report's classes (read back with GDAL and its QML parsed as XML by Python), booleans stored
//! as booleans, one geometry type per layer.

mod common;

use common::fixture;
use gdal::vector::LayerAccess;

/// Runs the Kamppi case into a GeoPackage with `extra` arguments; returns the temporary folder
/// and the output folder.
fn run_gpkg(extra: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let site = fixture("kamppi/site.toml");
    let mut args = vec!["run", site.to_str().unwrap(), "-o", out.to_str().unwrap()];
    args.extend(["--format", "gpkg", "-q"]);
    args.extend(extra);
    let r = common::cpgis(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    (tmp, out)
}

#[test]
fn the_geopackage_carries_the_report_styles_and_boolean_fields() {
    let (_tmp, out) = run_gpkg(&[]);
    let ds = gdal::Dataset::open(out.join("cpgis.gpkg")).unwrap();
    // Every layer of one geometry type; in_district a boolean.
    for l in ds.layers() {
        let t = l.defn().geometry_type();
        assert_ne!(t, gdal_sys::OGRwkbGeometryType::wkbUnknown, "{}", l.name());
    }
    let buildings = ds.layer_by_name("buildings").unwrap();
    let out_txt = std::process::Command::new("ogrinfo")
        .args(["-so"])
        .arg(out.join("cpgis.gpkg"))
        .arg("buildings")
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&out_txt.stdout);
    assert!(info.contains("in_district: Integer(Boolean)"), "{info}");
    // The buildings' largest positive baseline emissions: the top of the last class.
    let field = buildings.defn().field_index("baseline_co2e_t_yr").unwrap();
    let mut layer = ds.layer_by_name("buildings").unwrap();
    let max = layer
        .features()
        .filter_map(|f| f.field_as_double(field).ok().flatten())
        .fold(f64::MIN, f64::max);
    let mut styles = ds.layer_by_name("layer_styles").unwrap();
    let column = |name: &str| styles.defn().field_index(name).unwrap();
    let (table, qml_at, default) = (
        column("f_table_name"),
        column("styleQML"),
        column("useAsDefault"),
    );
    let rows: Vec<(String, String, i32)> = styles
        .features()
        .map(|f| {
            (
                f.field_as_string(table).unwrap().unwrap(),
                f.field_as_string(qml_at).unwrap().unwrap(),
                f.field_as_integer(default).unwrap().unwrap(),
            )
        })
        .collect();
    let names: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "buildings",
            "buildings",
            "grid",
            "neighbourhoods",
            "community",
            "offset_zones"
        ]
    );
    // Each layer's first style is its default; buildings also carry the PTAL bands.
    let defaults: Vec<i32> = rows.iter().map(|r| r.2).collect();
    assert_eq!(defaults, [1, 0, 1, 1, 1, 1]);
    assert_eq!(rows[1].1.matches("<category ").count(), 9, "PTAL 0 … 6b");
    assert!(rows[1].1.contains(r#"attr="access_band""#));
    let qml = &rows[0].1;
    assert_eq!(qml.matches("<range ").count(), 5, "{qml}");
    assert!(
        qml.contains(&format!("upper=\"{max}\"")),
        "max {max} in {qml}"
    );
    // Offset zones by rank: one category per zone written.
    let zones = ds.layer_by_name("offset_zones").unwrap().feature_count();
    assert_eq!(rows[5].1.matches("<category ").count() as u64, zones);
    // Each QML is XML (Python's parser, after the doctype line).
    for (name, qml, _) in &rows {
        let parsed = std::process::Command::new("python3")
            .arg("-c")
            .arg("import sys, xml.dom.minidom as m; m.parseString(sys.stdin.read().split('\\n', 1)[1])")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(qml.as_bytes())?;
                c.wait()
            })
            .unwrap();
        assert!(parsed.success(), "{name}: not XML");
    }
}

/// `[output] gpkg_crs = "local"` (here by `--set`) stores the GeoPackage in the run's metric CRS:
/// EPSG:32635 for Kamppi, and a footprint measured there is the `footprint_m2` the run reports
/// (it is measured in the same CRS).
#[test]
fn the_geopackage_can_hold_the_local_metric_crs() {
    let (_tmp, out) = run_gpkg(&["--set", "output.gpkg_crs=local"]);
    let ds = gdal::Dataset::open(out.join("cpgis.gpkg")).unwrap();
    let mut layer = ds.layer_by_name("buildings").unwrap();
    let srs = layer.spatial_ref().unwrap();
    assert_eq!(srs.auth_code().unwrap(), 32635);
    let (id_at, fp_at) = (
        layer.defn().field_index("id").unwrap(),
        layer.defn().field_index("footprint_m2").unwrap(),
    );
    let f = layer
        .features()
        .find(|f| f.field_as_string(id_at).unwrap().as_deref() == Some("123702502"))
        .unwrap();
    let area = f.geometry().unwrap().area();
    let reported = f.field_as_double(fp_at).unwrap().unwrap();
    // footprint_m2 is written to 1 decimal; the WGS 84 → UTM round trip moves vertices by
    // well under a millimetre.
    assert!((area - reported).abs() < 0.1, "{area} vs {reported}");
}
