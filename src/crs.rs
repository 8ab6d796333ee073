//! Coordinate reference systems: the one local metric CRS all computation happens in, and the
//! transforms into it. Every spatial reference is built with the traditional GIS axis order
//! (longitude/easting first), whatever the authority says, so EPSG:4326 is lon/lat here.

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};

use crate::{Error, Result};

/// The local metric CRS of a case.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LocalCrs {
    pub epsg: u32,
    /// Human-readable name as GDAL reports it, e.g. "WGS 84 / UTM zone 35N".
    pub name: String,
    /// True when chosen automatically from the district centroid.
    pub auto: bool,
}

/// EPSG code of the WGS 84 / UTM zone containing a longitude/latitude (degrees):
/// 326zz north of the equator, 327zz south of it (EPSG registry; zones are 6° wide from 180° W).
pub fn utm_epsg(lon: f64, lat: f64) -> u32 {
    let zone = (((lon + 180.0) / 6.0).floor() as i64).clamp(0, 59) as u32 + 1;
    if lat >= 0.0 {
        32600 + zone
    } else {
        32700 + zone
    }
}

/// A spatial reference from any definition GDAL understands (`EPSG:3067`, WKT, PROJ string),
/// with longitude/easting first.
pub fn spatial_ref(definition: &str) -> std::result::Result<SpatialRef, String> {
    let mut srs = SpatialRef::from_definition(definition).map_err(|e| e.to_string())?;
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    Ok(srs)
}

/// A spatial reference for an EPSG code, longitude/easting first.
pub fn epsg(code: u32) -> Result<SpatialRef> {
    let mut srs = SpatialRef::from_epsg(code)
        .map_err(|e| Error::Tool(format!("GDAL does not know EPSG:{code}: {e}")))?;
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    Ok(srs)
}

/// WGS 84 longitude/latitude, the CRS of every output (RFC 7946).
pub fn wgs84() -> Result<SpatialRef> {
    epsg(4326)
}

/// A transform between two spatial references.
pub fn transform(from: &SpatialRef, to: &SpatialRef) -> Result<CoordTransform> {
    CoordTransform::new(from, to)
        .map_err(|e| Error::Tool(format!("cannot build a coordinate transform: {e}")))
}

/// A short label for a spatial reference: `EPSG:3067 ETRS89 / TM35FIN(E,N)`, or its name.
pub fn describe(srs: &SpatialRef) -> String {
    let name = srs.name().unwrap_or_else(|| "unnamed CRS".into());
    match (srs.auth_name(), srs.auth_code()) {
        (Some(auth), Ok(code)) => format!("{auth}:{code} {name}"),
        _ => name,
    }
}

impl LocalCrs {
    /// Chooses the local CRS: the given EPSG code, or the UTM zone of a WGS 84 lon/lat point.
    pub fn choose(choice: crate::config::CrsChoice, centroid_lon_lat: (f64, f64)) -> Result<Self> {
        let (code, auto) = match choice {
            crate::config::CrsChoice::Epsg(c) => (c, false),
            crate::config::CrsChoice::Auto => {
                (utm_epsg(centroid_lon_lat.0, centroid_lon_lat.1), true)
            }
        };
        let srs = epsg(code).map_err(|_| {
            let mut issues = crate::config::ConfigIssues::default();
            issues.push(
                "crs",
                &format!("EPSG:{code} is not known to GDAL"),
                Some("use \"auto\" or a projected EPSG code"),
            );
            Error::Config(issues)
        })?;
        if !srs.is_projected() {
            let mut issues = crate::config::ConfigIssues::default();
            issues.push(
                "crs",
                &format!(
                    "EPSG:{code} ({}) is not a projected CRS in metres",
                    describe(&srs)
                ),
                Some("use \"auto\" (UTM) or a projected EPSG code such as 3067"),
            );
            return Err(Error::Config(issues));
        }
        Ok(LocalCrs {
            epsg: code,
            name: srs.name().unwrap_or_default(),
            auto,
        })
    }

    pub fn spatial_ref(&self) -> Result<SpatialRef> {
        epsg(self.epsg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utm_zones_follow_the_six_degree_grid() {
        // Helsinki 24.93 E, 60.17 N: zone 35 N. Zug 8.51 E, 47.18 N: zone 32 N.
        assert_eq!(utm_epsg(24.93, 60.17), 32635);
        assert_eq!(utm_epsg(8.51, 47.18), 32632);
        // Sydney 151.2 E, 33.9 S: zone 56 S. The antimeridian stays in zone 60 / 1.
        assert_eq!(utm_epsg(151.2, -33.9), 32756);
        assert_eq!(utm_epsg(180.0, 10.0), 32660);
        assert_eq!(utm_epsg(-180.0, 10.0), 32601);
    }
}
