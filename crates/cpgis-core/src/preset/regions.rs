//! Regional electricity factors of the built-in presets, and the compiled-in lookup that picks
//! a district's region from its location where the preset can tell.
//!
//! A national average can be far from the grid a district draws on (US eGRID subregions span
//! 0.13 to 0.73 kg CO2e/kWh around a national 0.37), and the grid factor decides most verdicts.
//! A site file names its region with `grid_region = "CODE"` (`"national"` keeps the preset's
//! own value); naming none, the run takes the region of the nearest listed city within
//! the preset's reach ([`pick_within_km`]), and says so. A site file's `[factors] carriers.electricity` (the
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

/// How far from a listed city a district may lie for the lookup to pick that city's region, km:
/// 80 where regions are utilities' grids or provinces' (usa, china-north), 250 where they are
/// countries (europe), whose own factor is a far better guess for a district 150 km from the
/// capital than the preset's Swiss one. A pick beyond [`NEAR_KM`] says the district may lie
/// across a border.
pub fn pick_within_km(preset: &str) -> f64 {
    match preset {
        "europe" => 250.0,
        _ => 80.0,
    }
}

/// Within this distance of a listed city, km, a pick is said without a caution.
pub const NEAR_KM: f64 = 80.0;

/// What is said after a pick's distance: nothing when near, else that the district may lie in
/// another region (across a border from the city).
pub fn far_caution(km: f64) -> &'static str {
    if km > NEAR_KM {
        ", far enough that the district may lie in another region"
    } else {
        ""
    }
}

/// What is said after a pick of `city`, `km` from (lon, lat): [`far_caution`], then, when a
/// listed city of another region lies within [`NEAR_KM`], that the district may be near a
/// border (a district in Kehl is 5 km from Strasbourg, France, and in Germany): the nearest
/// city alone cannot tell which side of a border a district is on.
pub fn pick_caution(chain: &[String], lon: f64, lat: f64, city: &City, km: f64) -> String {
    let mut said = far_caution(km).to_string();
    if let Some((other, d)) = nearest_other_region(chain, lon, lat, city.code) {
        let factor = find(chain, other.code)
            .map(|r| format!(", {:.4} kg CO2e/kWh", r.kg_per_kwh))
            .unwrap_or_default();
        said.push_str(&format!(
            "; {}, of region {}{factor}, lies {d:.0} km away: if the district is across that border, name its region with grid_region",
            other.name, other.code
        ));
    }
    said
}

/// The nearest listed city of the preset whose region is not `code`, if within [`NEAR_KM`].
fn nearest_other_region(
    chain: &[String],
    lon: f64,
    lat: f64,
    code: &str,
) -> Option<(&'static City, f64)> {
    nearest(chain, lon, lat, |c, d| c.code != code && d <= NEAR_KM)
}

/// The nearest listed city of the preset's chain to (lon, lat) that `keep` accepts at its
/// distance, km.
fn nearest(
    chain: &[String],
    lon: f64,
    lat: f64,
    keep: impl Fn(&City, f64) -> bool,
) -> Option<(&'static City, f64)> {
    CITIES
        .iter()
        .filter(|c| chain.iter().any(|p| p == c.preset))
        .map(|c| (c, km_between(lon, lat, c.lon, c.lat)))
        .filter(|(c, d)| keep(c, *d))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

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
const EMBER: &str = "Ember, Yearly Electricity Data, 2023: life-cycle emissions intensity of the country's electricity generation, g CO2e/kWh (all gases, 100-year GWPs, upstream included; the production mix, imports left out) [V via secondary: compiled in the Green Web Foundation's co2.js, data/output/average-intensities.json, CC BY 4.0]";
const EMBER_2022: &str = "Ember, Yearly Electricity Data, 2022 (the latest year compiled for this country): life-cycle emissions intensity of the country's electricity generation, g CO2e/kWh (all gases, 100-year GWPs, upstream included; the production mix, imports left out) [V via secondary: compiled in the Green Web Foundation's co2.js, data/output/average-intensities.json, CC BY 4.0]";
const KBOB: &str = "KBOB factors as used by City Energy Analyst, Swiss consumption mix 102 g CO2e/kWh (imports included; the europe preset's own value) [V via a secondary summary; the original not read]; Ember's production mix for 2023, 35 g CO2e/kWh, leaves out the winter imports";

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
    eu("AT", "Austria", 110.81),
    eu("BE", "Belgium", 138.11),
    eu("BG", "Bulgaria", 335.33),
    eu("HR", "Croatia", 204.96),
    eu("CY", "Cyprus", 534.32),
    eu("CZ", "Czechia", 449.72),
    eu("DK", "Denmark", 151.65),
    eu("EE", "Estonia", 416.67),
    eu("FI", "Finland", 79.16),
    eu("FR", "France", 56.04),
    eu("DE", "Germany", 380.95),
    eu("GR", "Greece", 336.57),
    eu("HU", "Hungary", 204.19),
    eu("IE", "Ireland", 290.81),
    eu("IT", "Italy", 330.72),
    eu("LV", "Latvia", 123.2),
    eu("LT", "Lithuania", 160.07),
    eu("LU", "Luxembourg", 105.26),
    eu("MT", "Malta", 459.14),
    eu("NL", "Netherlands", 267.62),
    eu("PL", "Poland", 661.93),
    eu("PT", "Portugal", 165.55),
    eu("RO", "Romania", 240.58),
    eu("SK", "Slovakia", 116.77),
    eu("SI", "Slovenia", 231.28),
    eu("ES", "Spain", 174.05),
    eu("SE", "Sweden", 40.7),
    eu("NO", "Norway", 30.08),
    eu("GB", "United Kingdom", 237.59),
    eu("RS", "Serbia", 636.06),
    eu("BA", "Bosnia and Herzegovina", 600.0),
    eu("ME", "Montenegro", 417.07),
    eu("MK", "North Macedonia", 565.35),
    eu("XK", "Kosovo", 894.65),
    eu("TR", "Türkiye", 464.59),
    eu22("AL", "Albania", 24.29),
    eu22("IS", "Iceland", 27.68),
    eu22("UA", "Ukraine", 259.69),
    eu22("MD", "Moldova", 648.5),
    eu22("BY", "Belarus", 441.74),
    Region {
        preset: "europe",
        code: "CH",
        name: "Switzerland",
        kg_per_kwh: 0.102,
        source: KBOB,
    },
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

/// A European country's factor from Ember's g CO2e/kWh.
const fn eu(code: &'static str, name: &'static str, g_per_kwh: f64) -> Region {
    Region {
        preset: "europe",
        code,
        name,
        kg_per_kwh: g_per_kwh / 1000.0,
        source: EMBER,
    }
}

/// A European country's factor from Ember's g CO2e/kWh of 2022.
const fn eu22(code: &'static str, name: &'static str, g_per_kwh: f64) -> Region {
    Region {
        source: EMBER_2022,
        ..eu(code, name, g_per_kwh)
    }
}

/// Where the city list comes from, said with every pick.
pub const CITIES_SOURCE: &str = "cpgis's list of large cities with the grid region of their predominant utility (US: the eGRID subregion; China: the regional grid of the province, as the MEE groups provinces; Europe: the country), with their centres' coordinates, recalled, not read from a gazetteer or EPA's ZIP-code table [U]";

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
    c("Vienna", 16.37, 48.21, "europe", "AT"),
    c("Graz", 15.44, 47.07, "europe", "AT"),
    c("Linz", 14.29, 48.31, "europe", "AT"),
    c("Salzburg", 13.04, 47.81, "europe", "AT"),
    c("Innsbruck", 11.39, 47.27, "europe", "AT"),
    c("Bregenz", 9.75, 47.50, "europe", "AT"),
    c("Brussels", 4.35, 50.85, "europe", "BE"),
    c("Antwerp", 4.40, 51.22, "europe", "BE"),
    c("Liège", 5.57, 50.63, "europe", "BE"),
    c("Sofia", 23.32, 42.70, "europe", "BG"),
    c("Plovdiv", 24.75, 42.14, "europe", "BG"),
    c("Varna", 27.91, 43.21, "europe", "BG"),
    c("Zagreb", 15.98, 45.81, "europe", "HR"),
    c("Split", 16.44, 43.51, "europe", "HR"),
    c("Nicosia", 33.38, 35.17, "europe", "CY"),
    c("Limassol", 33.04, 34.68, "europe", "CY"),
    c("Prague", 14.42, 50.08, "europe", "CZ"),
    c("Brno", 16.61, 49.20, "europe", "CZ"),
    c("Ostrava", 18.29, 49.83, "europe", "CZ"),
    c("Copenhagen", 12.57, 55.68, "europe", "DK"),
    c("Aarhus", 10.20, 56.16, "europe", "DK"),
    c("Odense", 10.39, 55.40, "europe", "DK"),
    c("Tallinn", 24.75, 59.44, "europe", "EE"),
    c("Tartu", 26.72, 58.38, "europe", "EE"),
    c("Helsinki", 24.94, 60.17, "europe", "FI"),
    c("Tampere", 23.76, 61.50, "europe", "FI"),
    c("Turku", 22.27, 60.45, "europe", "FI"),
    c("Oulu", 25.47, 65.01, "europe", "FI"),
    c("Paris", 2.35, 48.86, "europe", "FR"),
    c("Lyon", 4.84, 45.76, "europe", "FR"),
    c("Marseille", 5.37, 43.30, "europe", "FR"),
    c("Toulouse", 1.44, 43.60, "europe", "FR"),
    c("Bordeaux", -0.58, 44.84, "europe", "FR"),
    c("Nantes", -1.55, 47.22, "europe", "FR"),
    c("Lille", 3.06, 50.63, "europe", "FR"),
    c("Strasbourg", 7.75, 48.58, "europe", "FR"),
    c("Nice", 7.26, 43.70, "europe", "FR"),
    c("Berlin", 13.40, 52.52, "europe", "DE"),
    c("Hamburg", 9.99, 53.55, "europe", "DE"),
    c("Munich", 11.58, 48.14, "europe", "DE"),
    c("Cologne", 6.96, 50.94, "europe", "DE"),
    c("Frankfurt", 8.68, 50.11, "europe", "DE"),
    c("Stuttgart", 9.18, 48.78, "europe", "DE"),
    c("Karlsruhe", 8.40, 49.01, "europe", "DE"),
    c("Freiburg im Breisgau", 7.85, 48.00, "europe", "DE"),
    c("Düsseldorf", 6.77, 51.23, "europe", "DE"),
    c("Leipzig", 12.37, 51.34, "europe", "DE"),
    c("Dresden", 13.74, 51.05, "europe", "DE"),
    c("Hanover", 9.73, 52.37, "europe", "DE"),
    c("Nuremberg", 11.08, 49.45, "europe", "DE"),
    c("Bremen", 8.80, 53.08, "europe", "DE"),
    c("Athens", 23.73, 37.98, "europe", "GR"),
    c("Thessaloniki", 22.94, 40.64, "europe", "GR"),
    c("Budapest", 19.04, 47.50, "europe", "HU"),
    c("Debrecen", 21.63, 47.53, "europe", "HU"),
    c("Dublin", -6.26, 53.35, "europe", "IE"),
    c("Cork", -8.47, 51.90, "europe", "IE"),
    c("Rome", 12.50, 41.90, "europe", "IT"),
    c("Milan", 9.19, 45.46, "europe", "IT"),
    c("Naples", 14.27, 40.85, "europe", "IT"),
    c("Turin", 7.69, 45.07, "europe", "IT"),
    c("Bologna", 11.34, 44.49, "europe", "IT"),
    c("Florence", 11.26, 43.77, "europe", "IT"),
    c("Venice", 12.32, 45.44, "europe", "IT"),
    c("Palermo", 13.36, 38.12, "europe", "IT"),
    c("Bari", 16.87, 41.12, "europe", "IT"),
    c("Riga", 24.11, 56.95, "europe", "LV"),
    c("Vilnius", 25.28, 54.69, "europe", "LT"),
    c("Kaunas", 23.90, 54.90, "europe", "LT"),
    c("Luxembourg", 6.13, 49.61, "europe", "LU"),
    c("Valletta", 14.51, 35.90, "europe", "MT"),
    c("Amsterdam", 4.90, 52.37, "europe", "NL"),
    c("Rotterdam", 4.48, 51.92, "europe", "NL"),
    c("Utrecht", 5.12, 52.09, "europe", "NL"),
    c("Eindhoven", 5.47, 51.44, "europe", "NL"),
    c("Groningen", 6.57, 53.22, "europe", "NL"),
    c("Warsaw", 21.01, 52.23, "europe", "PL"),
    c("Kraków", 19.94, 50.06, "europe", "PL"),
    c("Łódź", 19.46, 51.76, "europe", "PL"),
    c("Wrocław", 17.04, 51.11, "europe", "PL"),
    c("Poznań", 16.93, 52.41, "europe", "PL"),
    c("Gdańsk", 18.65, 54.35, "europe", "PL"),
    c("Katowice", 19.02, 50.26, "europe", "PL"),
    c("Lisbon", -9.14, 38.72, "europe", "PT"),
    c("Porto", -8.61, 41.15, "europe", "PT"),
    c("Bucharest", 26.10, 44.43, "europe", "RO"),
    c("Cluj-Napoca", 23.59, 46.77, "europe", "RO"),
    c("Iași", 27.60, 47.16, "europe", "RO"),
    c("Timișoara", 21.23, 45.76, "europe", "RO"),
    c("Bratislava", 17.11, 48.15, "europe", "SK"),
    c("Košice", 21.26, 48.72, "europe", "SK"),
    c("Ljubljana", 14.51, 46.06, "europe", "SI"),
    c("Madrid", -3.70, 40.42, "europe", "ES"),
    c("Barcelona", 2.17, 41.39, "europe", "ES"),
    c("Valencia", -0.38, 39.47, "europe", "ES"),
    c("Seville", -5.98, 37.39, "europe", "ES"),
    c("Bilbao", -2.93, 43.26, "europe", "ES"),
    c("Zaragoza", -0.88, 41.65, "europe", "ES"),
    c("Málaga", -4.42, 36.72, "europe", "ES"),
    c("Stockholm", 18.07, 59.33, "europe", "SE"),
    c("Gothenburg", 11.97, 57.71, "europe", "SE"),
    c("Malmö", 13.00, 55.60, "europe", "SE"),
    c("Uppsala", 17.64, 59.86, "europe", "SE"),
    c("Oslo", 10.75, 59.91, "europe", "NO"),
    c("Bergen", 5.32, 60.39, "europe", "NO"),
    c("Trondheim", 10.40, 63.43, "europe", "NO"),
    c("London", -0.13, 51.51, "europe", "GB"),
    c("Birmingham (UK)", -1.90, 52.49, "europe", "GB"),
    c("Manchester", -2.24, 53.48, "europe", "GB"),
    c("Leeds", -1.55, 53.80, "europe", "GB"),
    c("Glasgow", -4.25, 55.86, "europe", "GB"),
    c("Edinburgh", -3.19, 55.95, "europe", "GB"),
    c("Bristol", -2.59, 51.45, "europe", "GB"),
    c("Cardiff", -3.18, 51.48, "europe", "GB"),
    c("Belfast", -5.93, 54.60, "europe", "GB"),
    c("Zurich", 8.54, 47.37, "europe", "CH"),
    c("Geneva", 6.14, 46.20, "europe", "CH"),
    c("Basel", 7.59, 47.56, "europe", "CH"),
    c("Bern", 7.45, 46.95, "europe", "CH"),
    c("Lausanne", 6.63, 46.52, "europe", "CH"),
    c("Lugano", 8.95, 46.00, "europe", "CH"),
    c("St. Gallen", 9.37, 47.42, "europe", "CH"),
    c("Belgrade", 20.46, 44.82, "europe", "RS"),
    c("Novi Sad", 19.85, 45.27, "europe", "RS"),
    c("Niš", 21.90, 43.32, "europe", "RS"),
    c("Sarajevo", 18.41, 43.86, "europe", "BA"),
    c("Banja Luka", 17.19, 44.77, "europe", "BA"),
    c("Podgorica", 19.26, 42.44, "europe", "ME"),
    c("Skopje", 21.43, 42.00, "europe", "MK"),
    c("Pristina", 21.17, 42.66, "europe", "XK"),
    c("Istanbul", 28.98, 41.01, "europe", "TR"),
    c("Ankara", 32.85, 39.93, "europe", "TR"),
    c("Izmir", 27.14, 38.42, "europe", "TR"),
    c("Tirana", 19.82, 41.33, "europe", "AL"),
    c("Reykjavík", -21.94, 64.15, "europe", "IS"),
    c("Kyiv", 30.52, 50.45, "europe", "UA"),
    c("Lviv", 24.03, 49.84, "europe", "UA"),
    c("Odesa", 30.73, 46.48, "europe", "UA"),
    c("Kharkiv", 36.23, 49.99, "europe", "UA"),
    c("Chișinău", 28.86, 47.01, "europe", "MD"),
    c("Minsk", 27.56, 53.90, "europe", "BY"),
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
    // The regions that may stand for the preset's factor (none for helsinki's utility value);
    // beside the site file's own factor, any region of the chain is accepted and left unused.
    let own = preset
        .values
        .get("carriers.electricity")
        .is_some_and(|f| f.from == "site file");
    let chain = if own {
        preset.chain.clone()
    } else {
        grid_chain(preset)
    };
    let Some(region) = find(&chain, code) else {
        let mut issues = crate::issues::ConfigIssues::new(site_file.to_path_buf());
        let codes: Vec<&str> = of_preset(&chain).map(|r| r.code).collect();
        let hint = match crate::issues::closest(code, codes.iter().copied()) {
            Some(c) => format!("did you mean `{c}`?"),
            None if codes.is_empty() && of_preset(&preset.chain).next().is_some() => format!(
                "the {} preset sets its own carriers.electricity, which no region of the preset it extends replaces: remove grid_region, or set the utility's factor as [factors] carriers.electricity = {{ value, unit, source }}",
                preset.name
            ),
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

/// The built-in presets whose regions stand for `preset`'s electricity factor: the one that set
/// it (or whose region replaced it). A preset that extends another with a factor of its own
/// (helsinki's utility value over europe's) and a site file's own factor have none, so no
/// location pick replaces them; a site file may still name a region of the chain.
pub fn grid_chain(preset: &super::Preset) -> Vec<String> {
    let Some(f) = preset.values.get("carriers.electricity") else {
        return Vec::new();
    };
    if preset.chain.contains(&f.from) {
        return vec![f.from.clone()];
    }
    f.from
        .strip_prefix("grid region ")
        .and_then(|code| find(&preset.chain, code))
        .map(|r| vec![r.preset.to_string()])
        .unwrap_or_default()
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

/// The nearest listed city of the preset within its reach ([`pick_within_km`]) of (lon, lat), with its
/// distance in km: the great-circle distance on a sphere of radius 6,371 km.
pub fn nearest_city(chain: &[String], lon: f64, lat: f64) -> Option<(&'static City, f64)> {
    nearest(chain, lon, lat, |c, d| d <= pick_within_km(c.preset))
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
            assert!(r.kg_per_kwh > 0.02 && r.kg_per_kwh < 0.9, "{}", r.code);
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
    fn a_european_district_takes_its_country() {
        let europe = chain("europe");
        // Zug, 22 km from Zurich (Switzerland keeps the preset's KBOB consumption mix).
        let (c, km) = nearest_city(&europe, 8.517, 47.166).unwrap();
        assert_eq!((c.name, c.code), ("Zurich", "CH"));
        assert!((km - 22.5).abs() < 2.0, "{km}");
        assert_eq!(find(&europe, "ch").unwrap().kg_per_kwh, 0.102);
        // Espoo, outside the helsinki preset's box, 16 km west of Helsinki: Finland.
        let (c, _) = nearest_city(&europe, 24.66, 60.205).unwrap();
        assert_eq!(c.code, "FI");
        // Nowa Huta, Kraków's east: Poland at 0.662 kg/kWh, six times the Swiss value.
        let (c, _) = nearest_city(&europe, 20.03, 50.07).unwrap();
        assert_eq!(c.code, "PL");
        // Every EU member state has a region.
        let eu27 = [
            "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
            "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
        ];
        for code in eu27 {
            let r = find(&europe, code).unwrap();
            assert!(CITIES.iter().any(|c| c.code == code), "{code} has no city");
            assert!(r.source.starts_with("Ember"), "{code}");
        }
        // Albacete, 138 km from Valencia: Spain, beyond the 80 km a US utility's grid gets.
        let (c, km) = nearest_city(&europe, -1.86, 38.99).unwrap();
        assert_eq!((c.name, c.code), ("Valencia", "ES"));
        assert!(km > NEAR_KM && km < 150.0, "{km}");
        assert!(far_caution(km).contains("may lie in another region"));
        assert_eq!(far_caution(22.5), "");
        // Rovaniemi, 166 km north of Oulu: Finland.
        assert_eq!(nearest_city(&europe, 25.73, 66.50).unwrap().0.code, "FI");
        // Belgrade is Serbia's (636 g/kWh), not Romania's from Timișoara, 120 km away.
        assert_eq!(nearest_city(&europe, 20.46, 44.80).unwrap().0.code, "RS");
        // Zug: no other country's listed city within 80 km, so no border caution.
        let zurich = nearest_city(&europe, 8.517, 47.166).unwrap().0;
        assert_eq!(pick_caution(&europe, 8.517, 47.166, zurich, 22.5), "");
        // Kehl, across the Rhine from Strasbourg: France is picked (5 km), and the note names
        // Freiburg, Germany, 64 km away (worked out: haversine from 7.815 E 48.573 N; Karlsruhe
        // is 65 km).
        let (strasbourg, km) = nearest_city(&europe, 7.815, 48.573).unwrap();
        assert_eq!((strasbourg.code, km.round()), ("FR", 5.0));
        let note = pick_caution(&europe, 7.815, 48.573, strasbourg, km);
        assert!(
            note.starts_with(
                "; Freiburg im Breisgau, of region DE, 0.3810 kg CO2e/kWh, lies 64 km away"
            ),
            "{note}"
        );
        // Vaduz, Liechtenstein (no region of its own): Switzerland from St. Gallen, 33 km, and
        // the note names Bregenz, Austria, 43 km away (haversine from 9.521 E 47.141 N). A
        // district in Dornbirn, Vorarlberg (9.741 E 47.414 N), takes Austria from Bregenz
        // (10 km), not Switzerland from St. Gallen (28 km) as before Bregenz was listed.
        let (gallen, km) = nearest_city(&europe, 9.521, 47.141).unwrap();
        assert_eq!(
            (gallen.name, gallen.code, km.round()),
            ("St. Gallen", "CH", 33.0)
        );
        let note = pick_caution(&europe, 9.521, 47.141, gallen, km);
        assert!(note.starts_with("; Bregenz, of region AT"), "{note}");
        assert!(note.contains("lies 43 km away"), "{note}");
        let (bregenz, km) = nearest_city(&europe, 9.741, 47.414).unwrap();
        assert_eq!(
            (bregenz.name, bregenz.code, km.round()),
            ("Bregenz", "AT", 10.0)
        );
        // Vienna: Bratislava, Slovakia, 55 km east.
        let (vienna, km) = nearest_city(&europe, 16.37, 48.21).unwrap();
        let note = pick_caution(&europe, 16.37, 48.21, vienna, km);
        assert!(note.contains("Bratislava, of region SK"), "{note}");
        // Mid-Atlantic, 1,000 km from any city: no pick.
        assert!(nearest_city(&europe, -20.0, 45.0).is_none());
    }

    #[test]
    fn the_spread_runs_from_upstate_new_york_to_puerto_rico() {
        let (lo, hi) = spread(&chain("usa")).unwrap();
        assert_eq!((lo.code, hi.code), ("NYUP", "PRMS"));
        let (lo, hi) = spread(&chain("china-north")).unwrap();
        assert_eq!((lo.code, hi.code), ("southwest", "north"));
        // Europe: Albania's hydro (Ember 2022, 24.29 g/kWh) to Kosovo's lignite (894.65 g/kWh).
        let (lo, hi) = spread(&chain("europe")).unwrap();
        assert_eq!((lo.code, hi.code), ("AL", "XK"));
        assert!((lo.kg_per_kwh - 0.02429).abs() < 1e-12 && (hi.kg_per_kwh - 0.89465).abs() < 1e-12);
        assert!(spread(&chain("helsinki")).is_none());
    }
}
