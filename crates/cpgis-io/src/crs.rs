//! Coordinate reference systems: the one local metric CRS all computation happens in, and the
//! transforms into it. Every spatial reference is built with the traditional GIS axis order
//! (longitude/easting first), whatever the authority says, so EPSG:4326 is lon/lat here.

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};

use cpgis_core::config::{ConfigIssues, CrsChoice};
use cpgis_core::site::{utm_epsg, LocalCrs};
use cpgis_core::{Error, Result};

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

/// Chooses the local CRS: the given EPSG code, or the UTM zone of a WGS 84 lon/lat point.
pub fn choose_local(choice: CrsChoice, centroid_lon_lat: (f64, f64)) -> Result<LocalCrs> {
    let (code, auto) = match choice {
        CrsChoice::Epsg(c) => (c, false),
        CrsChoice::Auto => (utm_epsg(centroid_lon_lat.0, centroid_lon_lat.1), true),
    };
    let srs = epsg(code).map_err(|_| {
        let mut issues = ConfigIssues::default();
        issues.push(
            "crs",
            &format!("EPSG:{code} is not known to GDAL"),
            Some("use \"auto\" or a projected EPSG code"),
        );
        Error::Config(issues)
    })?;
    if !srs.is_projected() {
        let mut issues = ConfigIssues::default();
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
