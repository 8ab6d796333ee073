//! A deterministic synthetic city for benchmarks and scale tests. It is NOT real data and is
//! never presented as such: every layer is called synthetic and the site file says so.
//!
//! Around a fictitious centre in UTM zone 32N: a 1 km² district at the centre, 4 × 4 square
//! neighbourhoods, N rectangular footprints denser towards the centre (sizes, floors, heights,
//! uses, construction years in the messy forms real data has, and missing values), one transit
//! stop per 50 buildings with a mode and departures per hour, and a 500 m population grid
//! consistent with the housing. Written as one GeoPackage with its site file.

use std::path::{Path, PathBuf};

use gdal::vector::{
    Feature, FieldDefn, FieldValue, Geometry, LayerAccess, LayerOptions, OGRFieldType,
};
use gdal::DriverManager;
use gdal_sys::OGRwkbGeometryType;

use crate::{Error, Result};

/// Centre of the synthetic city, EPSG:32632 metres (a made-up place, not a real city).
const CENTRE: (f64, f64) = (500_000.0, 5_200_000.0);
const EPSG: u32 = 32632;

/// A small, fast, deterministic generator (PCG-XSH-RR 64/32, O'Neill 2014).
pub struct Pcg(u64);

impl Pcg {
    pub fn new(seed: u64) -> Pcg {
        let mut p = Pcg(seed.wrapping_add(0x853c_49e6_748f_ea9b));
        p.next_u32();
        p
    }

    pub fn next_u32(&mut self) -> u32 {
        let old = self.0;
        self.0 = old
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        xorshifted.rotate_right((old >> 59) as u32)
    }

    /// Uniform in [0, 1).
    pub fn f(&mut self) -> f64 {
        self.next_u32() as f64 / 4_294_967_296.0
    }

    pub fn pick<'a, T>(&mut self, weighted: &'a [(T, f64)]) -> &'a T {
        let total: f64 = weighted.iter().map(|w| w.1).sum();
        let mut x = self.f() * total;
        for (v, w) in weighted {
            if x < *w {
                return v;
            }
            x -= w;
        }
        &weighted[weighted.len() - 1].0
    }
}

fn tool(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Tool(format!("synth: {what}: {e}"))
}

/// One synthetic building.
struct Building {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    use_: &'static str,
    levels: Option<u32>,
    height: Option<f64>,
    year: Option<String>,
}

/// The city radius, m, for `n` buildings at an average of 600 m² of land each (the same
/// density at every size, so work per building does not grow with the city).
fn radius(n: usize) -> f64 {
    (n as f64 * 600.0 / std::f64::consts::PI).sqrt().max(800.0)
}

fn buildings(n: usize, rng: &mut Pcg) -> Vec<Building> {
    let r_max = radius(n);
    let uses: [(&str, f64); 7] = [
        ("apartments", 50.0),
        ("house", 8.0),
        ("office", 12.0),
        ("retail", 7.0),
        ("school", 2.0),
        ("industrial", 4.0),
        ("yes", 17.0),
    ];
    (0..n)
        .map(|_| {
            // Denser towards the centre, density falling linearly to the edge (twice the mean at
            // the centre, whatever the size): radius = R (1 − √(1 − u)).
            let r = r_max * (1.0 - (1.0 - rng.f()).sqrt());
            let a = rng.f() * std::f64::consts::TAU;
            let central = 1.0 - r / r_max;
            let use_ = *rng.pick(&uses);
            let floors_typical = 1.0 + central * 9.0 + rng.f() * 3.0;
            let levels = (rng.f() < 0.65).then(|| floors_typical.round().max(1.0) as u32);
            let height = (rng.f() < 0.2).then(|| (floors_typical * 3.2 * 10.0).round() / 10.0);
            let y0 = 1850 + (rng.f() * 174.0) as i32;
            let year = match rng.f() {
                v if v < 0.40 => Some(y0.to_string()),
                v if v < 0.48 => Some(format!("c. {y0}")),
                v if v < 0.53 => Some(format!("{y0}..{}", y0 + 5)),
                v if v < 0.55 => Some("unknown".to_string()),
                _ => None,
            };
            Building {
                x: CENTRE.0 + r * a.cos(),
                y: CENTRE.1 + r * a.sin(),
                w: 8.0 + rng.f() * 22.0,
                h: 8.0 + rng.f() * 22.0,
                use_,
                levels,
                height,
                year,
            }
        })
        .collect()
}

/// The fewest buildings a synthetic city has: with fewer, none may fall in the district and
/// the site file would not run.
pub const MIN_BUILDINGS: usize = 100;
/// The most: 100 million footprints (a country's), far beyond what one machine runs.
pub const MAX_BUILDINGS: usize = 100_000_000;

/// Writes the synthetic city into `dir`: `city.gpkg` and `site.toml`. The GeoPackage is
/// written under a temporary name and renamed when complete, so a failure leaves no partial
/// `city.gpkg`.
pub fn synth(n: usize, seed: u64, dir: &Path) -> Result<PathBuf> {
    if !(MIN_BUILDINGS..=MAX_BUILDINGS).contains(&n) {
        return Err(Error::Output {
            path: dir.to_path_buf(),
            problem: format!(
                "--buildings {n}: a synthetic city has {MIN_BUILDINGS} to {MAX_BUILDINGS} buildings (with fewer, none may lie in the district)"
            ),
        });
    }
    std::fs::create_dir_all(dir).map_err(|e| tool("cannot create the folder", e))?;
    let final_path = dir.join("city.gpkg");
    let gpkg_path = dir.join(format!(".city.gpkg.tmp-{}", std::process::id()));
    let written = write_city(n, seed, &gpkg_path);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&gpkg_path);
        return Err(e);
    }
    std::fs::rename(&gpkg_path, &final_path).map_err(|e| tool("cannot rename city.gpkg", e))?;
    write_site(n, seed, dir)
}

/// The city's layers, into the GeoPackage at `gpkg_path`.
fn write_city(n: usize, seed: u64, gpkg_path: &Path) -> Result<()> {
    let mut rng = Pcg::new(seed);
    let bs = buildings(n, &mut rng);
    let r_max = radius(n);
    let srs = crate::crs::epsg(EPSG)?;
    let _ = std::fs::remove_file(gpkg_path);
    gdal::config::set_config_option("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z")
        .map_err(|e| tool("config", e))?;
    let driver = DriverManager::get_driver_by_name("GPKG").map_err(|e| tool("GPKG driver", e))?;
    let mut ds = driver
        .create_vector_only(gpkg_path)
        .map_err(|e| tool("cannot create city.gpkg", e))?;

    let rect = |x: f64, y: f64, w: f64, h: f64| {
        Geometry::bbox(x - w / 2.0, y - h / 2.0, x + w / 2.0, y + h / 2.0)
    };
    let point = |x: f64, y: f64| -> Result<Geometry> {
        let mut g = Geometry::empty(OGRwkbGeometryType::wkbPoint).map_err(|e| tool("point", e))?;
        g.add_point_2d((x, y));
        Ok(g)
    };
    type Row = (Geometry, Vec<Option<FieldValue>>);
    let mut write = |name: &str,
                     ty: u32,
                     fields: &[(&str, u32)],
                     rows: &mut dyn Iterator<Item = Result<Row>>|
     -> Result<()> {
        let mut txn = ds.start_transaction().map_err(|e| tool("transaction", e))?;
        let layer = txn
            .create_layer(LayerOptions {
                name,
                srs: Some(&srs),
                ty,
                options: None,
            })
            .map_err(|e| tool(&format!("layer {name}"), e))?;
        for (f, t) in fields {
            FieldDefn::new(f, *t)
                .and_then(|d| d.add_to_layer(&layer))
                .map_err(|e| tool("field", e))?;
        }
        for row in rows {
            let (g, values) = row?;
            let mut feat = Feature::new(layer.defn()).map_err(|e| tool("feature", e))?;
            for (i, v) in values.iter().enumerate() {
                if let Some(v) = v {
                    feat.set_field(i, v).map_err(|e| tool("value", e))?;
                }
            }
            feat.set_geometry(g).map_err(|e| tool("geometry", e))?;
            feat.create(&layer).map_err(|e| tool("write", e))?;
        }
        txn.commit().map_err(|e| tool("commit", e))
    };
    let s = |v: &str| Some(FieldValue::StringValue(v.to_string()));
    write(
        "district",
        OGRwkbGeometryType::wkbPolygon,
        &[("name", OGRFieldType::OFTString)],
        &mut std::iter::once(
            rect(CENTRE.0, CENTRE.1, 1000.0, 1000.0)
                .map(|g| (g, vec![s("Synthetic district")]))
                .map_err(|e| tool("district", e)),
        ),
    )?;
    let cell = 2.0 * r_max / 4.0;
    write(
        "neighbourhoods",
        OGRwkbGeometryType::wkbPolygon,
        &[("name", OGRFieldType::OFTString)],
        &mut (0..16).map(|i| {
            let (cx, cy) = (
                CENTRE.0 - r_max + cell * (i % 4) as f64 + cell / 2.0,
                CENTRE.1 - r_max + cell * (i / 4) as f64 + cell / 2.0,
            );
            rect(cx, cy, cell, cell)
                .map(|g| (g, vec![s(&format!("Synthetic {}", i + 1))]))
                .map_err(|e| tool("neighbourhood", e))
        }),
    )?;
    let building_fields = [
        ("id", OGRFieldType::OFTString),
        ("building", OGRFieldType::OFTString),
        ("building_levels", OGRFieldType::OFTInteger),
        ("height", OGRFieldType::OFTReal),
        ("start_date", OGRFieldType::OFTString),
    ];
    write(
        "buildings",
        OGRwkbGeometryType::wkbPolygon,
        &building_fields,
        &mut bs.iter().enumerate().map(|(i, b)| {
            let values = vec![
                s(&format!("s{i}")),
                s(b.use_),
                b.levels.map(|l| FieldValue::IntegerValue(l as i32)),
                b.height.map(FieldValue::RealValue),
                b.year.as_deref().and_then(s),
            ];
            rect(b.x, b.y, b.w, b.h)
                .map(|g| (g, values))
                .map_err(|e| tool("building", e))
        }),
    )?;
    // Stops: one per 50 buildings, at a building's corner.
    let modes: [(&str, f64); 4] = [("bus", 80.0), ("tram", 10.0), ("metro", 7.0), ("rail", 3.0)];
    let n_stops = (n / 50).max(1);
    let mut stop_rows = Vec::with_capacity(n_stops);
    for i in 0..n_stops {
        let b = &bs[(rng.f() * bs.len() as f64) as usize % bs.len()];
        let mode = *rng.pick(&modes);
        let dph = match mode {
            "bus" => 4.0 + (rng.f() * 8.0).round(),
            "tram" => 6.0 + (rng.f() * 6.0).round(),
            "metro" => 10.0 + (rng.f() * 10.0).round(),
            _ => 2.0 + (rng.f() * 4.0).round(),
        };
        stop_rows.push((
            point(b.x + b.w / 2.0 + 3.0, b.y)?,
            vec![
                s(&format!("t{i}")),
                s(mode),
                Some(FieldValue::RealValue(dph)),
            ],
        ));
    }
    write(
        "stops",
        OGRwkbGeometryType::wkbPoint,
        &[
            ("id", OGRFieldType::OFTString),
            ("mode", OGRFieldType::OFTString),
            ("departures", OGRFieldType::OFTReal),
        ],
        &mut stop_rows.into_iter().map(Ok),
    )?;
    // Population: 500 m cells, 2.3 residents per 40 m² of apartment floor (roughly).
    let g = 500.0;
    let cols = ((2.0 * r_max) / g).ceil() as i64;
    let mut pop = std::collections::BTreeMap::<(i64, i64), f64>::new();
    for b in &bs {
        if b.use_ == "apartments" || b.use_ == "house" {
            let k = (
                ((b.x - CENTRE.0 + r_max) / g).floor() as i64,
                ((b.y - CENTRE.1 + r_max) / g).floor() as i64,
            );
            *pop.entry(k).or_default() += b.w * b.h * b.levels.unwrap_or(3) as f64 / 40.0;
        }
    }
    write(
        "population",
        OGRwkbGeometryType::wkbPolygon,
        &[
            ("id", OGRFieldType::OFTString),
            ("population", OGRFieldType::OFTInteger),
        ],
        &mut pop
            .into_iter()
            .filter(|(k, _)| k.0 >= 0 && k.1 >= 0 && k.0 < cols && k.1 < cols)
            .map(|((i, j), p)| {
                let (x, y) = (
                    CENTRE.0 - r_max + (i as f64 + 0.5) * g,
                    CENTRE.1 - r_max + (j as f64 + 0.5) * g,
                );
                rect(x, y, g, g)
                    .map(|geom| {
                        (
                            geom,
                            vec![
                                s(&format!("c{i}_{j}")),
                                Some(FieldValue::IntegerValue(p.round() as i32)),
                            ],
                        )
                    })
                    .map_err(|e| tool("cell", e))
            }),
    )?;
    drop(ds);
    Ok(())
}

/// The city's site file.
fn write_site(n: usize, seed: u64, dir: &Path) -> Result<PathBuf> {
    let site = dir.join("site.toml");
    let text = format!(
        "# SYNTHETIC CITY for benchmarks: generated by `cpgis synth --buildings {n} --seed {seed}`. Not real data.\n\
         name = \"Synthetic city ({n} buildings, seed {seed})\"\ncrs = \"EPSG:{EPSG}\"\npreset = \"europe\"\n\n\
         [district]\npath = \"city.gpkg\"\nlayer = \"district\"\nname = \"name\"\n\n\
         [neighbourhoods]\npath = \"city.gpkg\"\nlayer = \"neighbourhoods\"\nid = \"name\"\n\n\
         [buildings]\npath = \"city.gpkg\"\nlayer = \"buildings\"\nid = \"id\"\nuse = \"building\"\nfloors = \"building_levels\"\nheight = \"height\"\nyear = \"start_date\"\n\n\
         [stops]\npath = \"city.gpkg\"\nlayer = \"stops\"\nid = \"id\"\nmode = {{ field = \"mode\", map = {{ bus = \"bus\", tram = \"tram\", metro = \"metro\", rail = \"rail\" }}, default = \"bus\" }}\ndepartures = \"departures\"\n\n\
         [population]\npath = \"city.gpkg\"\nlayer = \"population\"\nvalue = \"population\"\n\n\
         [community]\nmethod = \"buffer\"\ndistance_m = 1500\n\n[grid]\ncell_m = 250\n\n\
         [scenario.proposed]\neui_reduction = 0.35\nheat = \"heat_pump\"\nrooftop_pv = 0.6\ncar_share = 0.15\nwaste_diversion = 0.65\n"
    );
    std::fs::write(&site, text).map_err(|e| tool("site file", e))?;
    Ok(site)
}
