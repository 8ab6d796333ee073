//! A district where the delivery has no boundary: the outline of its buildings (`cpgis init
//! --district-around-buildings`), the convex hull of every building's vertices widened by
//! [`MARGIN_M`], written as a GeoJSON file beside the site file for the user to check and
//! replace with the district's real boundary.

use std::path::Path;

use gdal::vector::LayerAccess;
use geo::orient::{Direction, Orient};
use geo::{Buffer, ConvexHull, CoordsIter};

use super::{Layer, Role};
use crate::config::GeometryColumns;
use crate::{Error, Result};

/// How far the outline reaches beyond the outermost building vertex, m: a point building on
/// the hull lies inside the district, not on its edge.
pub const MARGIN_M: f64 = 10.0;

/// Metres per degree of latitude (and of longitude at the equator) on a sphere of the WGS 84
/// equatorial radius, 6,378,137 m × π / 180: the outline's local plane, accurate to well under
/// a metre across a district.
const M_PER_DEGREE: f64 = 111_319.490_793_273_6;

/// The outline of the buildings of a proposal.
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    /// The outline, longitude and latitude (WGS 84), counter-clockwise: one polygon, or its
    /// two parts on either side of 180° where the buildings straddle it (RFC 7946 §3.1.9).
    pub parts: geo::MultiPolygon<f64>,
    /// Buildings whose geometry it encloses.
    pub buildings: usize,
    /// Buildings left out: no geometry, or one that cannot be put in WGS 84.
    pub without_geometry: usize,
    /// Its centre, longitude (−180…180°) and latitude: the middle of its extent, across 180°
    /// half way round the east side.
    pub centre: (f64, f64),
}

fn bad(path: &Path, problem: String) -> Error {
    Error::Layer {
        file: path.to_path_buf(),
        problem,
    }
}

/// The outline of every building of the proposal's buildings layers (their filters applied).
pub fn outline(layers: &[Layer]) -> Result<Outline> {
    let mut lonlat: Vec<geo::Coord<f64>> = Vec::new();
    let (mut buildings, mut without_geometry) = (0, 0);
    let mut first_path = None;
    for l in layers {
        let Role::Buildings { filter, .. } = &l.role else {
            continue;
        };
        first_path.get_or_insert(l.path.clone());
        let ds = crate::layer::open_dataset(&l.path, &GeometryColumns::Auto)?;
        let mut lyr = crate::layer::pick_layer(&ds, &l.path, l.layer.as_deref())?;
        if let Some(f) = filter {
            lyr.set_attribute_filter(f)
                .map_err(|e| bad(&l.path, format!("cannot apply the filter `{f}`: {e}")))?;
        }
        let srs = crate::layer::layer_srs(&lyr, &l.path, l.crs.as_deref())?;
        let to = crate::crs::transform(&srs, &crate::crs::wgs84()?)?;
        for f in lyr.features() {
            let g = f
                .geometry()
                .and_then(|g| crate::layer::gdal_to_geo(g, Some(&to)).ok());
            match g {
                Some(g) if g.coords_count() > 0 => {
                    buildings += 1;
                    lonlat.extend(g.coords_iter());
                }
                _ => without_geometry += 1,
            }
        }
    }
    let at = first_path.unwrap_or_default();
    if lonlat.is_empty() {
        return Err(bad(
            &at,
            "no building has a geometry to outline the district with".into(),
        ));
    }
    // Longitudes made continuous next to the first vertex's: buildings on both sides of 180°
    // are neighbours, not a globe apart.
    let start = lonlat[0].x;
    for c in &mut lonlat {
        c.x += ((start - c.x) / 360.0).round() * 360.0;
    }
    // A local plane: x east and y north in metres about the buildings' mean latitude.
    let lat0 = lonlat.iter().map(|c| c.y).sum::<f64>() / lonlat.len() as f64;
    let k = lat0.to_radians().cos();
    let plane: geo::MultiPoint<f64> = lonlat
        .iter()
        .map(|c| geo::Point::new(c.x * k * M_PER_DEGREE, c.y * M_PER_DEGREE))
        .collect();
    let widened = plane.convex_hull().buffer(MARGIN_M);
    let hull = widened
        .0
        .into_iter()
        .next()
        .ok_or_else(|| Error::Tool("the buildings' outline came out empty".into()))?;
    let back = |c: &geo::Coord<f64>| geo::Coord {
        x: round7(c.x / (k * M_PER_DEGREE)),
        y: round7(c.y / M_PER_DEGREE),
    };
    let exterior: geo::LineString<f64> = hull.exterior().coords().map(back).collect();
    let polygon = geo::Polygon::new(exterior, Vec::new()).orient(Direction::Default);
    let (xs, ys): (Vec<f64>, Vec<f64>) = polygon.exterior().coords().map(|c| (c.x, c.y)).unzip();
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let across = xs.iter().any(|x| !(-180.0..=180.0).contains(x));
    let parts = if across {
        let split = cpgis_io::export::antimeridian::split(&[polygon]);
        geo::MultiPolygon(
            split
                .0
                .into_iter()
                .map(|p| {
                    let ring: geo::LineString<f64> = p
                        .exterior()
                        .coords()
                        .map(|c| geo::Coord {
                            x: round7(c.x),
                            y: round7(c.y),
                        })
                        .collect();
                    geo::Polygon::new(ring, Vec::new()).orient(Direction::Default)
                })
                .collect(),
        )
    } else {
        geo::MultiPolygon(vec![polygon])
    };
    Ok(Outline {
        // The extent of the continuous outline (longitudes may pass 180°), its middle wrapped.
        centre: (
            cpgis_io::export::antimeridian::wrapped((min(&xs) + max(&xs)) / 2.0),
            (min(&ys) + max(&ys)) / 2.0,
        ),
        parts,
        buildings,
        without_geometry,
    })
}

/// Degrees to seven decimals (about 1 cm): the file is written the same way every time.
fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

/// The outline as an RFC 7946 GeoJSON feature collection of one feature named `name`, one
/// position a line: a Polygon, or a MultiPolygon of its parts either side of 180°.
pub fn geojson(o: &Outline, name: &str) -> String {
    let text = |v: &str| serde_json::to_string(v).unwrap_or_else(|_| "\"\"".into());
    let source = format!(
        "cpgis init --district-around-buildings: the convex hull of {} buildings, {MARGIN_M} m around; replace it with the district's boundary",
        o.buildings
    );
    let ring = |p: &geo::Polygon<f64>| {
        let positions: Vec<String> = p
            .exterior()
            .coords()
            .map(|c| format!("        [{}, {}]", c.x, c.y))
            .collect();
        format!("[[\n{}\n    ]]", positions.join(",\n"))
    };
    let geometry = match o.parts.0.as_slice() {
        [one] => format!(
            "{{ \"type\": \"Polygon\", \"coordinates\": {} }}",
            ring(one)
        ),
        parts => format!(
            "{{ \"type\": \"MultiPolygon\", \"coordinates\": [{}] }}",
            parts.iter().map(ring).collect::<Vec<_>>().join(", ")
        ),
    };
    format!(
        "{{\n  \"type\": \"FeatureCollection\",\n  \"features\": [{{\n    \"type\": \"Feature\",\n    \"properties\": {{ \"name\": {}, \"source\": {} }},\n    \"geometry\": {}\n  }}]\n}}\n",
        text(name),
        text(&source),
        geometry
    )
}
