//! Regional electricity factors of the built-in presets, and the compiled-in lookup that picks
//! a district's region from its location where the preset can tell.
//!
//! A national average can be far from the grid a district draws on (US eGRID subregions span
//! 0.13 to 0.73 kg CO2e/kWh around a national 0.37), and the grid factor decides most verdicts.
//! A site file names its region with `grid_region = "CODE"` (`"national"` keeps the preset's
//! own value); naming none, the run takes the region of the nearest listed city within
//! [`PICK_WITHIN_KM`], and says so. A site file's `[factors] carriers.electricity` (the
//! utility's own factor) overrides either.

/// One grid region's electricity factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    /// The built-in preset the region belongs to (`usa`, `china-north`).
    pub preset: &'static str,
    /// Its code as the publisher writes it (`NWPP`, `east`).
    pub code: &'static str,
    /// Its name.
    pub name: &'static str,
    /// The factor, kg CO2e/kWh.
    pub kg_per_kwh: f64,
    /// Publication, year and how it was read.
    pub source: &'static str,
}

/// A city the location lookup knows, with the region its grid is in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct City {
    /// The city's name.
    pub name: &'static str,
    /// Longitude of its centre, degrees (WGS 84).
    pub lon: f64,
    /// Latitude of its centre, degrees (WGS 84).
    pub lat: f64,
    /// The built-in preset whose regions it is listed for.
    pub preset: &'static str,
    /// The code of its region.
    pub code: &'static str,
}

/// How far from a listed city a district may lie for the lookup to pick that city's region, km.
pub const PICK_WITHIN_KM: f64 = 80.0;

/// Global warming potentials the CO2e of the eGRID rates is formed with: IPCC AR5, 100 years
/// (the GWPs of the US EPA GHG Emission Factors Hub since 2024).
const GWP_CH4: f64 = 28.0;
const GWP_N2O: f64 = 265.0;

/// kg CO2e/kWh from eGRID's CO2, CH4 and N2O total output emission rates, lb/MWh.
const fn egrid(co2: f64, ch4: f64, n2o: f64) -> f64 {
    (co2 + GWP_CH4 * ch4 + GWP_N2O * n2o) * 0.453_592_37 / 1000.0
}

const EGRID: &str = "US EPA eGRID2022 subregion total output emission rates (CO2, CH4, N2O lb/MWh, as tabulated in the EPA GHG Emission Factors Hub 2024, Table 6), CO2e with AR5 GWPs [V via secondary]";
const MEE: &str =
    "MEE & NBS 2023 power CO2 factors, regional grid average (published Dec 2024) [V via press]";

/// Every built-in region. eGRID2022 rates as (CO2, CH4, N2O) lb/MWh; China's regional grid
/// averages 2023 in kg CO2/kWh.
pub const REGIONS: &[Region] = &[
    us("AKGD", "ASCC Alaska Grid", egrid(1052.114, 0.088, 0.012)),
    us("AKMS", "ASCC Miscellaneous", egrid(495.772, 0.023, 0.004)),
    us("AZNM", "WECC Southwest", egrid(776.036, 0.051, 0.007)),
    us("CAMX", "WECC California", egrid(497.443, 0.030, 0.004)),
    us("ERCT", "ERCOT All", egrid(771.083, 0.049, 0.007)),
    us("FRCC", "FRCC All", egrid(813.846, 0.048, 0.006)),
    us("HIMS", "HICC Miscellaneous", egrid(1155.486, 0.124, 0.019)),
    us("HIOA", "HICC Oahu", egrid(1575.407, 0.163, 0.025)),
    us("MROE", "MRO East", egrid(1479.621, 0.133, 0.019)),
    us("MROW", "MRO West", egrid(936.485, 0.102, 0.015)),
    us("NEWE", "NPCC New England", egrid(536.428, 0.063, 0.008)),
    us("NWPP", "WECC Northwest", egrid(602.088, 0.056, 0.008)),
    us("NYCW", "NPCC NYC/Westchester", egrid(885.233, 0.023, 0.003)),
    us("NYLI", "NPCC Long Island", egrid(1200.708, 0.135, 0.018)),
    us("NYUP", "NPCC Upstate NY", egrid(274.559, 0.015, 0.002)),
    us(
        "PRMS",
        "Puerto Rico Miscellaneous",
        egrid(1593.481, 0.087, 0.014),
    ),
    us("RFCE", "RFC East", egrid(657.386, 0.045, 0.006)),
    us("RFCM", "RFC Michigan", egrid(1216.404, 0.116, 0.016)),
    us("RFCW", "RFC West", egrid(1000.053, 0.087, 0.012)),
    us("RMPA", "WECC Rockies", egrid(1124.887, 0.101, 0.014)),
    us("SPNO", "SPP North", egrid(952.575, 0.100, 0.014)),
    us("SPSO", "SPP South", egrid(970.398, 0.072, 0.010)),
    us(
        "SRMV",
        "SERC Mississippi Valley",
        egrid(801.015, 0.040, 0.006),
    ),
    us("SRMW", "SERC Midwest", egrid(1369.887, 0.151, 0.022)),
    us("SRSO", "SERC South", egrid(893.290, 0.064, 0.009)),
    us(
        "SRTV",
        "SERC Tennessee Valley",
        egrid(933.067, 0.082, 0.012),
    ),
    us(
        "SRVC",
        "SERC Virginia/Carolina",
        egrid(622.987, 0.047, 0.007),
    ),
    cn("north", "North China grid", 0.6361),
    cn("northeast", "Northeast China grid", 0.5122),
    cn("east", "East China grid", 0.5500),
    cn("central", "Central China grid", 0.5271),
    cn("northwest", "Northwest China grid", 0.5543),
    cn("south", "China Southern grid", 0.4042),
    cn("southwest", "Southwest China grid", 0.2472),
];

const fn us(code: &'static str, name: &'static str, kg_per_kwh: f64) -> Region {
    Region {
        preset: "usa",
        code,
        name,
        kg_per_kwh,
        source: EGRID,
    }
}

const fn cn(code: &'static str, name: &'static str, kg_per_kwh: f64) -> Region {
    Region {
        preset: "china-north",
        code,
        name,
        kg_per_kwh,
        source: MEE,
    }
}

/// Where the city list comes from, said with every pick.
pub const CITIES_SOURCE: &str = "cpgis's list of large cities with the grid region of their predominant utility (US: the eGRID subregion; China: the regional grid of the province, as the MEE groups provinces), recalled, not read from EPA's ZIP-code table [U]";

/// The cities the lookup knows.
pub const CITIES: &[City] = &[
    c("Seattle", -122.33, 47.61, "usa", "NWPP"),
    c("Portland", -122.68, 45.52, "usa", "NWPP"),
    c("Spokane", -117.43, 47.66, "usa", "NWPP"),
    c("Boise", -116.20, 43.62, "usa", "NWPP"),
    c("Salt Lake City", -111.89, 40.76, "usa", "NWPP"),
    c("San Francisco", -122.42, 37.77, "usa", "CAMX"),
    c("Sacramento", -121.49, 38.58, "usa", "CAMX"),
    c("Los Angeles", -118.24, 34.05, "usa", "CAMX"),
    c("San Diego", -117.16, 32.72, "usa", "CAMX"),
    c("Phoenix", -112.07, 33.45, "usa", "AZNM"),
    c("Tucson", -110.97, 32.22, "usa", "AZNM"),
    c("Albuquerque", -106.65, 35.08, "usa", "AZNM"),
    c("El Paso", -106.49, 31.76, "usa", "AZNM"),
    c("Denver", -104.99, 39.74, "usa", "RMPA"),
    c("Dallas", -96.80, 32.78, "usa", "ERCT"),
    c("Houston", -95.37, 29.76, "usa", "ERCT"),
    c("Austin", -97.74, 30.27, "usa", "ERCT"),
    c("San Antonio", -98.49, 29.42, "usa", "ERCT"),
    c("Oklahoma City", -97.52, 35.47, "usa", "SPSO"),
    c("Kansas City", -94.58, 39.10, "usa", "SPNO"),
    c("Omaha", -95.94, 41.26, "usa", "MROW"),
    c("Minneapolis", -93.27, 44.98, "usa", "MROW"),
    c("Milwaukee", -87.91, 43.04, "usa", "MROE"),
    c("St. Louis", -90.20, 38.63, "usa", "SRMW"),
    c("New Orleans", -90.07, 29.95, "usa", "SRMV"),
    c("Memphis", -90.05, 35.15, "usa", "SRTV"),
    c("Nashville", -86.78, 36.16, "usa", "SRTV"),
    c("Atlanta", -84.39, 33.75, "usa", "SRSO"),
    c("Birmingham", -86.80, 33.52, "usa", "SRSO"),
    c("Miami", -80.19, 25.76, "usa", "FRCC"),
    c("Orlando", -81.38, 28.54, "usa", "FRCC"),
    c("Tampa", -82.46, 27.95, "usa", "FRCC"),
    c("Jacksonville", -81.66, 30.33, "usa", "FRCC"),
    c("Charlotte", -80.84, 35.23, "usa", "SRVC"),
    c("Raleigh", -78.64, 35.78, "usa", "SRVC"),
    c("Richmond", -77.44, 37.54, "usa", "SRVC"),
    c("Washington", -77.04, 38.91, "usa", "RFCE"),
    c("Baltimore", -76.61, 39.29, "usa", "RFCE"),
    c("Philadelphia", -75.17, 39.95, "usa", "RFCE"),
    c("New York", -74.01, 40.71, "usa", "NYCW"),
    c("Buffalo", -78.88, 42.89, "usa", "NYUP"),
    c("Boston", -71.06, 42.36, "usa", "NEWE"),
    c("Pittsburgh", -80.00, 40.44, "usa", "RFCW"),
    c("Cleveland", -81.69, 41.50, "usa", "RFCW"),
    c("Columbus", -83.00, 39.96, "usa", "RFCW"),
    c("Cincinnati", -84.51, 39.10, "usa", "RFCW"),
    c("Chicago", -87.63, 41.88, "usa", "RFCW"),
    c("Detroit", -83.05, 42.33, "usa", "RFCM"),
    c("Honolulu", -157.86, 21.31, "usa", "HIOA"),
    c("Anchorage", -149.90, 61.22, "usa", "AKGD"),
    c("San Juan", -66.11, 18.47, "usa", "PRMS"),
    c("Beijing", 116.40, 39.90, "china-north", "north"),
    c("Tianjin", 117.20, 39.13, "china-north", "north"),
    c("Shijiazhuang", 114.51, 38.04, "china-north", "north"),
    c("Taiyuan", 112.55, 37.87, "china-north", "north"),
    c("Jinan", 117.00, 36.65, "china-north", "north"),
    c("Qingdao", 120.38, 36.07, "china-north", "north"),
    c("Hohhot", 111.75, 40.84, "china-north", "north"),
    c("Shenyang", 123.43, 41.80, "china-north", "northeast"),
    c("Dalian", 121.61, 38.91, "china-north", "northeast"),
    c("Changchun", 125.32, 43.82, "china-north", "northeast"),
    c("Harbin", 126.63, 45.75, "china-north", "northeast"),
    c("Shanghai", 121.47, 31.23, "china-north", "east"),
    c("Nanjing", 118.80, 32.06, "china-north", "east"),
    c("Suzhou", 120.58, 31.30, "china-north", "east"),
    c("Hangzhou", 120.16, 30.27, "china-north", "east"),
    c("Hefei", 117.23, 31.82, "china-north", "east"),
    c("Fuzhou", 119.30, 26.08, "china-north", "east"),
    c("Xiamen", 118.09, 24.48, "china-north", "east"),
    c("Zhengzhou", 113.62, 34.75, "china-north", "central"),
    c("Wuhan", 114.31, 30.59, "china-north", "central"),
    c("Changsha", 112.94, 28.23, "china-north", "central"),
    c("Nanchang", 115.86, 28.68, "china-north", "central"),
    c("Xi'an", 108.94, 34.34, "china-north", "northwest"),
    c("Lanzhou", 103.83, 36.06, "china-north", "northwest"),
    c("Xining", 101.78, 36.62, "china-north", "northwest"),
    c("Yinchuan", 106.23, 38.49, "china-north", "northwest"),
    c("Urumqi", 87.62, 43.83, "china-north", "northwest"),
    c("Guangzhou", 113.26, 23.13, "china-north", "south"),
    c("Shenzhen", 114.06, 22.54, "china-north", "south"),
    c("Nanning", 108.37, 22.82, "china-north", "south"),
    c("Kunming", 102.83, 24.88, "china-north", "south"),
    c("Guiyang", 106.63, 26.65, "china-north", "south"),
    c("Haikou", 110.35, 20.02, "china-north", "south"),
    c("Chengdu", 104.07, 30.57, "china-north", "southwest"),
    c("Chongqing", 106.55, 29.56, "china-north", "southwest"),
    c("Lhasa", 91.11, 29.65, "china-north", "southwest"),
];

const fn c(
    name: &'static str,
    lon: f64,
    lat: f64,
    preset: &'static str,
    code: &'static str,
) -> City {
    City {
        name,
        lon,
        lat,
        preset,
        code,
    }
}

/// What `grid_region = "national"` means: the preset's own electricity factor.
pub const NATIONAL: &str = "national";

/// Replaces the preset's electricity factor by region `code`'s (in the preset's unit), unless
/// the site file gives its own (`[factors] carriers.electricity`, which stands). An unknown
/// code is the site file's `grid_region` error, with the closest code.
pub fn apply(
    preset: &mut super::Preset,
    code: &str,
    site_file: &std::path::Path,
) -> crate::Result<()> {
    if code.eq_ignore_ascii_case(NATIONAL) {
        return Ok(());
    }
    let Some(region) = find(&preset.chain, code) else {
        let mut issues = crate::issues::ConfigIssues::new(site_file.to_path_buf());
        let codes: Vec<&str> = of_preset(&preset.chain).map(|r| r.code).collect();
        let hint = match crate::issues::closest(code, codes.iter().copied()) {
            Some(c) => format!("did you mean `{c}`?"),
            None if codes.is_empty() => format!(
                "the {} preset has no regions: set the utility's factor as [factors] carriers.electricity = {{ value, unit, source }}",
                preset.name
            ),
            None => format!("regions of the {} preset: {}, or \"{NATIONAL}\"", preset.name, codes.join(", ")),
        };
        issues.push(
            "grid_region",
            &format!(
                "`{code}` is not a grid region of the {} preset",
                preset.name
            ),
            Some(&hint),
        );
        return Err(crate::Error::Config(issues));
    };
    let Some(old) = preset.values.get("carriers.electricity") else {
        return Ok(());
    };
    if old.from == "site file" {
        return Ok(());
    }
    let Some(value) = super::units::convert(region.kg_per_kwh, "kg CO2e/kWh", &old.unit) else {
        let mut issues = crate::issues::ConfigIssues::new(site_file.to_path_buf());
        issues.push(
            "grid_region",
            &format!(
                "region {} is in kg CO2e/kWh, which does not convert to the preset's carriers.electricity unit `{}`",
                region.code, old.unit
            ),
            Some("give the utility's factor as [factors] carriers.electricity instead"),
        );
        return Err(crate::Error::Config(issues));
    };
    let unit = old.unit.clone();
    preset.values.insert(
        "carriers.electricity".into(),
        super::Factor {
            value,
            unit,
            source: format!(
                "{} {} ({}): {}",
                region.preset, region.code, region.name, region.source
            ),
            from: format!("grid region {}", region.code),
            range: None,
        },
    );
    Ok(())
}

/// The regions of a preset (by the name of the built-in preset it is or extends).
pub fn of_preset<'a>(chain: &'a [String]) -> impl Iterator<Item = &'static Region> + 'a {
    REGIONS
        .iter()
        .filter(move |r| chain.iter().any(|p| p == r.preset))
}

/// The region `code` (any case) of a preset whose chain is `chain`.
pub fn find(chain: &[String], code: &str) -> Option<&'static Region> {
    of_preset(chain).find(|r| r.code.eq_ignore_ascii_case(code))
}

/// The lowest and highest regional factors of a preset, for saying how far they spread.
pub fn spread(chain: &[String]) -> Option<(&'static Region, &'static Region)> {
    let mut it = of_preset(chain);
    let first = it.next()?;
    Some(it.fold((first, first), |(lo, hi), r| {
        (
            if r.kg_per_kwh < lo.kg_per_kwh { r } else { lo },
            if r.kg_per_kwh > hi.kg_per_kwh { r } else { hi },
        )
    }))
}

/// The nearest listed city of the preset within [`PICK_WITHIN_KM`] of (lon, lat), with its
/// distance in km: the great-circle distance on a sphere of radius 6,371 km.
pub fn nearest_city(chain: &[String], lon: f64, lat: f64) -> Option<(&'static City, f64)> {
    CITIES
        .iter()
        .filter(|c| chain.iter().any(|p| p == c.preset))
        .map(|c| (c, km_between(lon, lat, c.lon, c.lat)))
        .filter(|(_, d)| *d <= PICK_WITHIN_KM)
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// Great-circle distance, km (haversine, mean Earth radius 6,371 km).
fn km_between(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * a.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(p: &str) -> Vec<String> {
        vec![p.to_string()]
    }

    #[test]
    fn egrid_co2e_is_formed_from_the_three_gases() {
        // NWPP: (602.088 + 28 × 0.056 + 265 × 0.008) lb/MWh = 605.776 lb/MWh;
        // × 0.45359237 kg/lb ÷ 1000 = 0.274775 kg/kWh.
        let r = find(&chain("usa"), "nwpp").unwrap();
        assert!((r.kg_per_kwh - 0.274_775).abs() < 1e-6, "{}", r.kg_per_kwh);
    }

    #[test]
    fn every_city_names_a_region_of_its_preset() {
        for c in CITIES {
            assert!(find(&chain(c.preset), c.code).is_some(), "{}", c.name);
        }
        for r in REGIONS {
            assert!(r.kg_per_kwh > 0.1 && r.kg_per_kwh < 0.8, "{}", r.code);
        }
    }

    #[test]
    fn a_district_takes_the_nearest_city_within_reach() {
        // Seattle's Denny Triangle, about 1.4 km from the city centre listed.
        let (c, km) = nearest_city(&chain("usa"), -122.338, 47.618).unwrap();
        assert_eq!(c.code, "NWPP");
        assert!(km < 2.0, "{km}");
        // Golden, Colorado (URBANopt's home), 20 km west of Denver.
        let (c, km) = nearest_city(&chain("usa"), -105.22, 39.755).unwrap();
        assert_eq!((c.name, c.code), ("Denver", "RMPA"));
        assert!((km - 19.7).abs() < 1.0, "{km}");
        // Rural Nevada is in reach of no listed city.
        assert!(nearest_city(&chain("usa"), -116.5, 39.5).is_none());
        // A US city is not looked up for a Chinese preset.
        assert!(nearest_city(&chain("china-north"), -122.33, 47.61).is_none());
    }

    #[test]
    fn the_spread_runs_from_upstate_new_york_to_puerto_rico() {
        let (lo, hi) = spread(&chain("usa")).unwrap();
        assert_eq!((lo.code, hi.code), ("NYUP", "PRMS"));
        let (lo, hi) = spread(&chain("china-north")).unwrap();
        assert_eq!((lo.code, hi.code), ("southwest", "north"));
        assert!(spread(&chain("europe")).is_none());
    }
}
