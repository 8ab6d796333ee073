//! Heating degree days by country, compiled in: the climate a district's space heat is scaled to
//! when its site file gives none (`[climate]`), where the preset says which climate its heat
//! intensities describe (`climate.reference_heating_degree_days`).
//!
//! The table is Eurostat's `nrg_chdd_a` (heating degree days by country, annual, 1979–2022), its
//! heating-degree-day rows as published: each day whose mean temperature is 15 °C or less adds
//! 18 °C less that mean; a country's figure is the population-weighted mean of its regions'. A
//! country's climate here is the mean of the 30 years [`FIRST_YEAR`]–[`LAST_YEAR`] (the WMO's
//! current normal period). It covers the 27 EU members and Norway: not Switzerland, the United
//! Kingdom or the Balkans, whose districts keep the preset's climate (said in the notes).
//! A district's country is the one the region lookup gives ([`super::regions`]): the grid region
//! the site file names, or the country of the nearest listed city.

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The preset key of the climate a preset's space-heat intensities describe, in this table's
/// definition (Kd/yr).
pub const REFERENCE_KEY: &str = "climate.reference_heating_degree_days";
/// The preset key of the district's own heating degree days (Kd/yr): set from the table by
/// location, or by a preset of the user's own. With [`REFERENCE_KEY`] it scales space heat.
pub const SITE_KEY: &str = "climate.heating_degree_days";
/// The unit of both: kelvin-days a year.
pub const UNIT: &str = "Kd/yr";
/// The built-in preset whose grid regions are the countries this table is keyed by: a district
/// is placed in a country through its regions and cities ([`super::regions`]).
pub const REGIONS_PRESET: &str = "europe";
/// First year of the mean.
pub const FIRST_YEAR: i32 = 1991;
/// Last year of the mean.
pub const LAST_YEAR: i32 = 2020;

/// Where the table comes from.
pub const SOURCE: &str = "Eurostat, cooling and heating degree days by country, annual data (nrg_chdd_a), the release with data to 2022: heating degree days (18 °C less the day's mean temperature on days averaging 15 °C or less, population-weighted), mean of 1991-2020 [D from V: the table's rows as stored in the public repository w-flo/eu-emission-factors, data/degree_days/nrg_chdd_a.tsv, checked against the 1979-2021 means Eurostat published for seven countries]";

/// The table as published (Eurostat's TSV layout: the newest year first).
const TABLE: &str = include_str!("../../presets/eurostat_nrg_chdd_a_hdd.tsv");

/// One country's heating degree days, Kd per year.
#[derive(Debug, Clone, PartialEq)]
pub struct Country {
    /// Eurostat's code (`EL` for Greece; `EU27_2020` for the 27 members together).
    pub code: String,
    /// Each year's figure.
    pub years: BTreeMap<i32, f64>,
}

impl Country {
    /// The mean of the years `first` to `last`, both included; `None` if one is missing.
    pub fn mean(&self, first: i32, last: i32) -> Option<f64> {
        let values: Option<Vec<f64>> = (first..=last)
            .map(|y| self.years.get(&y).copied())
            .collect();
        let values = values?;
        Some(values.iter().sum::<f64>() / values.len() as f64)
    }

    /// The climate used: the mean of [`FIRST_YEAR`]–[`LAST_YEAR`].
    pub fn normal(&self) -> f64 {
        self.mean(FIRST_YEAR, LAST_YEAR)
            .expect("every row of the table spans 1979-2022 (checked by the tests)")
    }
}

/// Every row of the table, by Eurostat's code.
pub fn table() -> &'static BTreeMap<String, Country> {
    static PARSED: OnceLock<BTreeMap<String, Country>> = OnceLock::new();
    PARSED.get_or_init(|| parse(TABLE))
}

/// Reads the TSV: a header of years after the key column, then `NR,HDD,CODE` and a value per
/// year (Eurostat writes a space after each; `:` would be a missing value).
fn parse(text: &str) -> BTreeMap<String, Country> {
    let mut lines = text.lines();
    let years: Vec<i32> = lines
        .next()
        .unwrap_or_default()
        .split('\t')
        .skip(1)
        .filter_map(|y| y.trim().parse().ok())
        .collect();
    lines
        .filter_map(|line| {
            let mut cells = line.split('\t');
            let code = cells.next()?.rsplit(',').next()?.to_string();
            let years = years
                .iter()
                .zip(cells)
                .filter_map(|(y, v)| v.trim().parse().ok().map(|v| (*y, v)))
                .collect();
            Some((code.clone(), Country { code, years }))
        })
        .collect()
}

/// Eurostat's code for a country as the region lookup writes it (ISO 3166: `GR` is Eurostat's
/// `EL`).
fn eurostat_code(iso: &str) -> String {
    match iso.to_ascii_uppercase().as_str() {
        "GR" => "EL".into(),
        other => other.into(),
    }
}

/// The countries of the table as the region lookup codes them (ISO 3166: `GR`, not `EL`), in
/// order.
pub fn countries() -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = table()
        .keys()
        .filter(|c| c.as_str() != "EU27_2020")
        .map(|c| if c == "EL" { "GR" } else { c.as_str() })
        .collect();
    codes.sort_unstable();
    codes
}

/// The heating degree days of the country `iso` (as the region lookup codes it), if the table has it.
pub fn of_country(iso: &str) -> Option<&'static Country> {
    table().get(&eurostat_code(iso))
}

/// The district's country put into a resolved preset as [`SITE_KEY`], when the preset says
/// which climate its heat intensities describe ([`REFERENCE_KEY`]) and the table has the
/// country: `name` is the country's name for the source. Returns whether it was put.
pub fn apply(preset: &mut super::Preset, iso: &str, name: &str) -> bool {
    if preset.get(REFERENCE_KEY).is_none() || preset.get(SITE_KEY).is_some() {
        return false;
    }
    let Some(c) = of_country(iso) else {
        return false;
    };
    preset.values.insert(
        SITE_KEY.into(),
        super::Factor {
            value: round1(c.normal()),
            unit: UNIT.into(),
            source: format!("{name} ({}): {SOURCE}", c.code),
            from: format!("location {}", iso.to_ascii_uppercase()),
            range: None,
        },
    );
    true
}

/// Heat intensities a preset takes from another preset of its chain that says they describe
/// another climate than the resolved preset's ([`REFERENCE_KEY`] in each file): used as they
/// are, and said, since the preset's own climate is not theirs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Inherited {
    /// The preset the values come from.
    pub from: String,
    /// The climate that preset says its heat intensities describe, Kd a year.
    pub reference_heating_degree_days: f64,
    /// The uses whose heat comes from it (`retail`, `hotel`), heated ones only, by name.
    pub uses: Vec<String>,
    /// The resolved preset's climate over that one: what their space heat would be multiplied
    /// by to describe the resolved preset's climate.
    pub ratio: f64,
}

/// The heat values of `preset` that come from a preset of its chain stating another climate
/// than the one the resolved preset states, grouped by that preset (in name order).
pub fn inherited(preset: &super::Preset) -> Vec<Inherited> {
    let Some(own) = preset.get(REFERENCE_KEY).map(|f| f.value) else {
        return Vec::new();
    };
    let mut by_origin: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (key, f) in &preset.values {
        let Some(use_) = key
            .strip_prefix("archetypes.")
            .and_then(|k| k.strip_suffix(".heat"))
        else {
            continue;
        };
        let other = preset.climates.get(&f.from).is_some_and(|c| *c != own);
        if f.value > 0.0 && other {
            by_origin.entry(&f.from).or_default().push(use_.to_string());
        }
    }
    by_origin
        .into_iter()
        .map(|(from, uses)| {
            let reference = preset.climates[from];
            Inherited {
                from: from.to_string(),
                reference_heating_degree_days: reference,
                uses,
                ratio: own / reference,
            }
        })
        .collect()
}

/// Rounded to a tenth, as the presets carry it.
fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_spans_1979_to_2022() {
        let t = table();
        // The 27 members, Norway and the EU-27 together.
        assert_eq!(t.len(), 29);
        for c in t.values() {
            assert_eq!(c.years.len(), 44, "{}", c.code);
            assert_eq!(c.years.keys().next(), Some(&1979), "{}", c.code);
            assert_eq!(c.years.keys().last(), Some(&2022), "{}", c.code);
            assert!(
                c.years.values().all(|v| (0.0..8000.0).contains(v)),
                "{}",
                c.code
            );
        }
    }

    /// Eurostat's news release of 31 May 2022 ("Heating and cooling degree days", ddn-20220531-1)
    /// gives the 1979-2021 means of seven countries and the EU's first and last years; the
    /// table read here gives the same, so its rows were copied whole.
    #[test]
    fn the_table_gives_the_means_eurostat_published() {
        let published = [
            ("FI", 5665.0),
            ("SE", 5325.0),
            ("EE", 4343.0),
            ("LV", 4160.0),
            ("MT", 534.0),
            ("CY", 780.0),
            ("PT", 1239.0),
        ];
        for (code, mean) in published {
            let m = of_country(code).unwrap().mean(1979, 2021).unwrap();
            assert_eq!(m.round(), mean, "{code}: {m}");
        }
        let eu = &table()["EU27_2020"];
        // "3 510 degree days" in 1979, 3 126 in 2021; 2 858 in 2022 (Eurostat's 2023 release).
        assert_eq!(eu.years[&1979].round(), 3510.0);
        assert_eq!(eu.years[&2021].round(), 3126.0);
        assert_eq!(eu.years[&2022].round(), 2858.0);
    }

    #[test]
    fn a_countrys_climate_is_its_1991_to_2020_mean() {
        // Malta's 30 figures of 1991-2020 (624.62 in 1991, 628.30, 638.40, … 515.23, 401.93 in
        // 2020) add up to 15,117.75.
        let mt = of_country("MT").unwrap();
        assert!(
            (mt.normal() - 15_117.75 / 30.0).abs() < 1e-9,
            "{}",
            mt.normal()
        );
        // Greece is `GR` to the region lookup and `EL` to Eurostat.
        assert_eq!(of_country("GR").unwrap().code, "EL");
        assert_eq!(of_country("gr").unwrap().code, "EL");
        // Not in Eurostat's table: Switzerland, the United Kingdom.
        assert!(of_country("CH").is_none());
        assert!(of_country("GB").is_none());
    }

    #[test]
    fn every_european_region_of_the_table_is_a_region_the_lookup_knows() {
        // A district is placed in a country by the region lookup: each country of the table
        // must be one of its codes, or its degree days would never be found.
        let europe = vec!["europe".to_string()];
        for code in table().keys().filter(|c| c.as_str() != "EU27_2020") {
            let iso = if code == "EL" { "GR" } else { code.as_str() };
            assert!(
                super::super::regions::find(&europe, iso).is_some(),
                "{code}"
            );
        }
    }

    #[test]
    fn heat_taken_from_a_preset_of_another_climate_is_listed() {
        use crate::files::{MemoryFiles, NoFiles};
        use std::path::Path;
        let resolve = |name: &str, files: &dyn crate::files::Files| {
            super::super::resolve(name, Path::new("."), &[], Path::new("s.toml"), files).unwrap()
        };
        // helsinki states Finland's climate and sets its own housing, office and school heat;
        // every other heated use comes from europe, which states 3,128.1.
        let h = resolve("helsinki", &NoFiles);
        assert_eq!(h.climates.get("europe"), Some(&3128.1));
        assert_eq!(h.climates.get("helsinki"), Some(&5536.1));
        let listed = inherited(&h);
        assert_eq!(listed.len(), 1);
        let l = &listed[0];
        assert_eq!(l.from, "europe");
        assert_eq!(l.reference_heating_degree_days, 3128.1);
        assert_eq!(l.ratio, 5536.1 / 3128.1);
        let uses = [
            "health",
            "hotel",
            "industrial",
            "public",
            "restaurant",
            "retail",
            "unknown",
            "warehouse",
        ];
        assert_eq!(l.uses, uses);
        // Parking (no heat) and helsinki's own uses are not listed.
        for own in ["residential", "office", "education", "parking"] {
            assert!(!l.uses.iter().any(|u| u == own), "{own}");
        }
        // europe itself, and usa, which states no climate of its own (its values and the ones
        // it takes from europe stand at europe's), list nothing.
        assert!(inherited(&resolve("europe", &NoFiles)).is_empty());
        assert!(inherited(&resolve("usa", &NoFiles)).is_empty());
        // A user's preset restating the climate lists what it does not restate.
        let text = "[preset]\nname = \"oslo\"\nversion = \"1\"\nextends = \"europe\"\n[climate]\nreference_heating_degree_days = { value = 4300, unit = \"Kd/yr\", source = \"assumption\" }\n[archetypes.retail]\nheat = { value = 150, unit = \"kWh fuel/m2/yr\", source = \"assumption\" }\n";
        let mut files = MemoryFiles::default();
        files.insert("./oslo.toml", text);
        let o = resolve("oslo.toml", &files);
        let listed = inherited(&o);
        assert_eq!(listed.len(), 1);
        assert!(!listed[0].uses.iter().any(|u| u == "retail"));
        assert!(listed[0].uses.iter().any(|u| u == "office"));
        assert_eq!(listed[0].ratio, 4300.0 / 3128.1);
    }
}
