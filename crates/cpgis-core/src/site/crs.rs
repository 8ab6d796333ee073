//! The local metric CRS a case is computed in (chosen and built by `cpgis-io`).

/// The local metric CRS of a case.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LocalCrs {
    /// Its EPSG code.
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
