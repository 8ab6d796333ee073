//! Parsing a site file into a [`SiteConfig`]. Every problem is collected; nothing stops early.

use std::path::{Path, PathBuf};

use super::reader::TableReader;
use super::*;
use crate::files::{Files, PathKind};
use crate::issues::closest;
use crate::kinds::{Carrier, HeatSource, Intervention, Mode, RankBy, Use};

/// Parses site-file text; relative paths are resolved against `base` and checked through `files`.
pub fn parse_site_str(
    text: &str,
    file: &Path,
    base: &Path,
    files: &dyn Files,
) -> crate::Result<SiteConfig> {
    parse_site_str_with(text, file, base, false, files)
}

/// [`parse_site_str`]; `allow_network` accepts GDAL's network file systems (`/vsicurl/`, …)
/// and URLs as layer paths, which are refused otherwise.
pub fn parse_site_str_with(
    text: &str,
    file: &Path,
    base: &Path,
    allow_network: bool,
    files: &dyn Files,
) -> crate::Result<SiteConfig> {
    parse_site_str_set(text, file, base, allow_network, files, &[])
}

/// [`parse_site_str_with`] with `--set KEY=VALUE` settings applied to the file's keys before
/// they are checked; the settings are kept in [`SiteConfig::settings`].
pub fn parse_site_str_set(
    text: &str,
    file: &Path,
    base: &Path,
    allow_network: bool,
    files: &dyn Files,
    sets: &[String],
) -> crate::Result<SiteConfig> {
    let mut issues = ConfigIssues::new(file.to_path_buf());
    let mut table: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            let msg = e.message().to_string();
            let at = e
                .span()
                .map(|s| {
                    let line = text.get(..s.start).unwrap_or(text).matches('\n').count() + 1;
                    format!(" at line {line}")
                })
                .unwrap_or_default();
            issues.push("(syntax)", &format!("TOML syntax error{at}: {msg}"), None);
            return Err(crate::Error::Config(issues));
        }
    };
    let settings: Vec<super::overrides::Setting> = sets
        .iter()
        .filter_map(|s| super::overrides::parse_setting(s, &mut issues))
        .collect();
    super::overrides::apply(&mut table, &settings, &mut issues);
    let ctx = Ctx {
        base,
        file,
        allow_network,
        files,
    };
    let mut top = TableReader::new(&table, "");
    let name = top.string("name", &mut issues).unwrap_or_else(|| {
        file.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "site".into())
    });
    let crs = match top.string("crs", &mut issues).as_deref() {
        None | Some("auto") => CrsChoice::Auto,
        Some(s) => match parse_epsg(s) {
            Some(code) => CrsChoice::Epsg(code),
            None => {
                issues.push(
                    "crs",
                    &format!("`{s}` is not \"auto\" or \"EPSG:<code>\""),
                    Some("e.g. crs = \"EPSG:3067\""),
                );
                CrsChoice::Auto
            }
        },
    };
    let named_preset = top.string("preset", &mut issues);
    let preset_by_location = named_preset.is_none();
    // A placeholder until the district's place names one (`preset_by_location`): the run
    // replaces it or refuses, never runs with it.
    let preset = named_preset.unwrap_or_else(|| "china-north".into());
    let grid_region = top.string("grid_region", &mut issues);

    let district = match top.table("district", &mut issues) {
        Some(t) => district(&ctx, t, &mut issues),
        None => {
            if !table.contains_key("district") {
                issues.push(
                    "district",
                    "is missing",
                    Some("add a [district] table with the path of the boundary layer"),
                );
            }
            None
        }
    };
    let neighbourhoods = top
        .table("neighbourhoods", &mut issues)
        .and_then(|t| neighbourhoods(&ctx, t, &mut issues));
    let buildings = match top.value("buildings") {
        Some(toml::Value::Table(t)) => buildings(&ctx, t, "buildings", &mut issues)
            .into_iter()
            .collect(),
        Some(toml::Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let key = format!("buildings[{i}]");
                match item {
                    toml::Value::Table(t) => buildings(&ctx, t, &key, &mut issues),
                    other => {
                        issues.wrong_type(&key, "a table", other);
                        None
                    }
                }
            })
            .collect(),
        Some(other) => {
            issues.wrong_type("buildings", "a table or an array of tables", other);
            Vec::new()
        }
        None => {
            issues.push(
                "buildings",
                "is missing",
                Some("add a [buildings] table with the path of the buildings layer"),
            );
            Vec::new()
        }
    };
    let stops = top
        .table("stops", &mut issues)
        .and_then(|t| stops(&ctx, t, &mut issues));
    let population = top
        .table("population", &mut issues)
        .and_then(|t| population(&ctx, t, &mut issues));
    let context = top
        .table("context", &mut issues)
        .map(|t| context(&ctx, t, &mut issues))
        .unwrap_or_default();
    let community = community(top.table("community", &mut issues), &mut issues);
    for (key, problem, hint) in community.problems(neighbourhoods.is_some()) {
        issues.push(key, problem, Some(hint));
    }
    let grid = grid(top.table("grid", &mut issues), &mut issues);
    let output = output(top.table("output", &mut issues), &mut issues);
    let uncertainty = top
        .table("uncertainty", &mut issues)
        .map(|t| uncertainty(t, &mut issues))
        .unwrap_or_default();
    let (climate, climate_country) = match top
        .table("climate", &mut issues)
        .and_then(|t| climate(t, &mut issues))
    {
        Some(ClimateGiven::DegreeDays(c)) => (Some(c), None),
        Some(ClimateGiven::Country(code)) => (None, Some(code)),
        None => (None, None),
    };
    let scenarios = scenarios(top.table("scenario", &mut issues), &mut issues);
    let factors = factor_overrides(top.table("factors", &mut issues), &mut issues);
    let offsets = offsets(top.table("offsets", &mut issues), &mut issues);
    top.finish(&mut issues);

    match district {
        Some(district) if issues.is_empty() => Ok(SiteConfig {
            file: file.to_path_buf(),
            name,
            crs,
            preset,
            factors,
            district,
            neighbourhoods,
            buildings,
            stops,
            population,
            community,
            grid,
            climate,
            context,
            output,
            uncertainty,
            scenarios,
            offsets,
            settings: settings
                .iter()
                .map(|s| format!("{}={}", s.key, s.value))
                .collect(),
            preset_by_location,
            grid_region,
            grid_region_picked: None,
            climate_country_picked: climate_country
                .as_ref()
                .map(|_| CLIMATE_COUNTRY_NAMED.to_string()),
            climate_country,
        }),
        _ => {
            super::overrides::blame(&mut issues, &settings);
            Err(crate::Error::Config(issues))
        }
    }
}

/// Parses `EPSG:3067` (any case) or a bare number into an EPSG code.
pub fn parse_epsg(s: &str) -> Option<u32> {
    let s = s.trim();
    let digits = s
        .get(..5)
        .filter(|p| p.eq_ignore_ascii_case("epsg:"))
        .map(|_| &s[5..])
        .unwrap_or(s);
    digits.parse().ok().filter(|c| *c > 0)
}

struct Ctx<'a> {
    base: &'a Path,
    file: &'a Path,
    allow_network: bool,
    files: &'a dyn Files,
}

fn source(
    ctx: &Ctx,
    r: &mut TableReader,
    role: &str,
    issues: &mut ConfigIssues,
) -> Option<LayerSource> {
    let path = r.required_string("path", "the layer file, relative to the site file", issues);
    let layer = r.string("layer", issues);
    let filter = r.string("where", issues);
    let crs = r.string("crs", issues);
    let x = r.string("x", issues);
    let y = r.string("y", issues);
    let wkt = r.string("wkt", issues);
    let geometry = match (x, y, wkt) {
        (None, None, None) => GeometryColumns::Auto,
        (Some(x), Some(y), None) => GeometryColumns::Xy { x, y },
        (None, None, Some(w)) => GeometryColumns::Wkt(w),
        _ => {
            issues.push(
                &r.key_path("x"),
                "give either both `x` and `y` columns, or one `wkt` column",
                None,
            );
            GeometryColumns::Auto
        }
    };
    let join = match r.value("join") {
        None => None,
        Some(toml::Value::Table(t)) => {
            let key = format!("{}.join", r.key_path("").trim_end_matches('.'));
            let mut jr = TableReader::new(t, &key);
            let jpath = jr.required_string("path", "the table to join, e.g. typology.dbf", issues);
            let on = jr.required_string("on", "the key field both share, e.g. Name", issues);
            jr.finish(issues);
            let jpath = jpath.and_then(|p| checked_path(ctx, &format!("{key}.path"), p, issues));
            match (jpath, on) {
                (Some(path), Some(on)) => Some(JoinSpec { path, on }),
                _ => None,
            }
        }
        Some(other) => {
            issues.wrong_type(&r.key_path("join"), "{ path = \"…\", on = \"…\" }", other);
            None
        }
    };
    let path = checked_path(ctx, &r.key_path("path"), path?, issues)?;
    Some(LayerSource {
        join,
        role: role.to_string(),
        path,
        layer,
        filter,
        crs,
        geometry,
    })
}

/// Resolves a path against the site file's folder and checks it names a readable file.
fn checked_path(ctx: &Ctx, key: &str, raw: String, issues: &mut ConfigIssues) -> Option<PathBuf> {
    checked_path_or_dir(ctx, key, raw, false, issues)
}

/// A local path that exists: a file, or (when `dir_ok`) a folder such as an unzipped GTFS feed.
fn checked_path_or_dir(
    ctx: &Ctx,
    key: &str,
    raw: String,
    dir_ok: bool,
    issues: &mut ConfigIssues,
) -> Option<PathBuf> {
    let lower = raw.to_ascii_lowercase();
    if lower.starts_with("/vsi") || lower.contains("://") {
        if ctx.allow_network {
            return Some(PathBuf::from(raw));
        }
        issues.push(
            key,
            &format!("`{raw}` is a network or virtual path"),
            Some("copy the file to a local folder, or pass --allow-network to read it where it is"),
        );
        return None;
    }
    let path = ctx.base.join(&raw);
    match ctx.files.kind(&path) {
        PathKind::File => Some(path),
        PathKind::Dir if dir_ok => Some(path),
        PathKind::Dir => {
            issues.push(
                key,
                &format!("{} is a directory, not a file", path.display()),
                Some("name the layer file itself"),
            );
            None
        }
        PathKind::Other => {
            issues.push(
                key,
                &format!(
                    "{} is not a regular file (a pipe, socket or device)",
                    path.display()
                ),
                Some("copy the data into a file and name that"),
            );
            None
        }
        PathKind::Loop => {
            issues.push(
                key,
                &format!(
                    "{} is a symbolic link that leads back to itself (a loop)",
                    path.display()
                ),
                Some("point the link at the layer file, or name the file itself"),
            );
            None
        }
        PathKind::Missing => {
            issues.push(
                key,
                &format!("file not found: {}", path.display()),
                Some(&format!(
                    "paths are relative to the folder of {}",
                    ctx.file.display()
                )),
            );
            None
        }
    }
}

fn district(ctx: &Ctx, t: &toml::Table, issues: &mut ConfigIssues) -> Option<DistrictSpec> {
    let mut r = TableReader::new(t, "district");
    let src = source(ctx, &mut r, "district", issues);
    let name = r.string("name", issues);
    r.finish(issues);
    Some(DistrictSpec { source: src?, name })
}

fn neighbourhoods(
    ctx: &Ctx,
    t: &toml::Table,
    issues: &mut ConfigIssues,
) -> Option<NeighbourhoodsSpec> {
    let mut r = TableReader::new(t, "neighbourhoods");
    let src = source(ctx, &mut r, "neighbourhoods", issues);
    let id = r.string_or_list("id", issues);
    let population = r.string("population", issues);
    r.finish(issues);
    Some(NeighbourhoodsSpec {
        source: src?,
        id,
        population,
    })
}

fn buildings(
    ctx: &Ctx,
    t: &toml::Table,
    key: &str,
    issues: &mut ConfigIssues,
) -> Option<BuildingsSpec> {
    let mut r = TableReader::new(t, key);
    let src = source(ctx, &mut r, key, issues);
    let id = r.string_or_list("id", issues);
    let uses = match r.value("use") {
        None => Vec::new(),
        Some(toml::Value::String(s)) => vec![UseField {
            field: s.clone(),
            share: None,
            percent: false,
            area: None,
        }],
        Some(toml::Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| use_field(&format!("{key}.use[{i}]"), item, issues))
            .collect(),
        Some(other) => {
            issues.wrong_type(
                &r.key_path("use"),
                "a field name or a list of { field, share }, { field, percent } or { field, area }",
                other,
            );
            Vec::new()
        }
    };
    let floors = r.string("floors", issues);
    let height = r.string("height", issues);
    let year = r.string("year", issues);
    let gfa = r.table("gfa", issues).and_then(|g| {
        measured(
            &format!("{key}.gfa"),
            g,
            AreaUnit::parse,
            AreaUnit::NAMES,
            issues,
        )
    });
    let mut energy = Vec::new();
    if let Some(e) = r.table("energy", issues) {
        for (carrier, v) in e {
            let k = format!("{key}.energy.{carrier}");
            match v {
                toml::Value::Table(m) => {
                    let known = Carrier::from_key(carrier);
                    if known.is_none() {
                        issues.push(
                            &k,
                            &format!("`{carrier}` is not an energy carrier"),
                            Some(&format!("use one of {}", Carrier::names())),
                        );
                    }
                    let field = measured(&k, m, MeterUnit::parse, MeterUnit::NAMES, issues);
                    if let (Some(carrier), Some(field)) = (known, field) {
                        energy.push(EnergyField { carrier, field });
                    }
                }
                other => issues.wrong_type(&k, "a table { field, unit }", other),
            }
        }
    }
    let standard = r.string("standard", issues);
    let mut standard_map = Vec::new();
    for (raw, to) in r.string_map("standard_map", issues) {
        match crate::kinds::Era::from_key(&to) {
            Some(e) if e != crate::kinds::Era::Unknown => standard_map.push((raw, e)),
            _ => issues.push(
                &format!("{key}.standard_map.{raw}"),
                &format!("`{to}` is not an era"),
                Some("use one of before_1950, from_1950_to_1979, from_1980_to_1999, from_2000"),
            ),
        }
    }
    if standard.is_none() && !standard_map.is_empty() {
        issues.push(
            &format!("{key}.standard_map"),
            "maps standards but the layer maps no `standard` field",
            Some("add standard = \"FIELD\" (CEA: \"standard\" or \"STANDARD\")"),
        );
    }
    let mut use_map = Vec::new();
    for (raw, to) in r.string_map("use_map", issues) {
        match Use::from_key(&to) {
            Some(u) => use_map.push((raw, u)),
            None => issues.push(
                &format!("{key}.use_map.{raw}"),
                &format!("`{to}` is not a use type"),
                Some(&format!("use one of {}", Use::names())),
            ),
        }
    }
    if gfa.is_none() {
        if let Some(i) = uses.iter().position(|u| u.area.is_some()) {
            issues.push(
                &format!("{key}.use[{i}].area"),
                "a use's floor area needs the layer's `gfa`: its unit, and the floor area it is a share of",
                Some("add gfa = { field = \"…\", unit = \"ft2\" } (or \"m2\")"),
            );
        }
    }
    r.finish(issues);
    Some(BuildingsSpec {
        source: src?,
        id,
        uses,
        floors,
        height,
        year,
        gfa,
        energy,
        use_map,
        standard,
        standard_map,
    })
}

fn use_field(key: &str, item: &toml::Value, issues: &mut ConfigIssues) -> Option<UseField> {
    match item {
        toml::Value::String(s) => Some(UseField {
            field: s.clone(),
            share: None,
            percent: false,
            area: None,
        }),
        toml::Value::Table(t) => {
            let mut r = TableReader::new(t, key);
            let field = r.required_string("field", "the field holding the use type", issues);
            let share = r.string("share", issues);
            let percent = r.string("percent", issues);
            let area = r.string("area", issues);
            let given: Vec<&str> = [("share", &share), ("percent", &percent), ("area", &area)]
                .iter()
                .filter(|(_, v)| v.is_some())
                .map(|(k, _)| *k)
                .collect();
            if given.len() > 1 {
                issues.push(
                    key,
                    &match given.as_slice() {
                        [a, b] => format!("gives both `{a}` and `{b}`"),
                        _ => "gives `share`, `percent` and `area`".to_string(),
                    },
                    Some("keep one: `share` for a field of shares (0..1), `percent` for one of per cents (0..100), `area` for a field of floor areas"),
                );
            }
            r.finish(issues);
            Some(UseField {
                field: field?,
                percent: share.is_none() && percent.is_some(),
                share: share.or(percent),
                area,
            })
        }
        other => {
            issues.wrong_type(
                key,
                "a field name, { field, share }, { field, percent } or { field, area }",
                other,
            );
            None
        }
    }
}

fn measured<U>(
    key: &str,
    t: &toml::Table,
    parse: fn(&str) -> Option<U>,
    names: &str,
    issues: &mut ConfigIssues,
) -> Option<MeasuredField<U>> {
    let mut r = TableReader::new(t, key);
    let field = r.required_string("field", "the attribute holding the value", issues);
    let unit_raw = r.required_string("unit", &format!("one of {names}"), issues);
    r.finish(issues);
    let unit = match unit_raw {
        Some(u) => match parse(&u) {
            Some(unit) => Some(unit),
            None => {
                issues.push(
                    &format!("{key}.unit"),
                    &format!("`{u}` is not a known unit"),
                    Some(&format!("use one of {names}")),
                );
                None
            }
        },
        None => None,
    };
    Some(MeasuredField {
        field: field?,
        unit: unit?,
    })
}

/// A transit mode by name; an unknown name is an issue (and the site file is refused).
fn mode_name(key: &str, value: &str, issues: &mut ConfigIssues) -> Option<Mode> {
    let mode = Mode::from_key(value);
    if mode.is_none() {
        issues.push(
            key,
            &format!("`{value}` is not a transit mode"),
            Some(&format!("use one of {}", Mode::names())),
        );
    }
    mode
}

fn stops(ctx: &Ctx, t: &toml::Table, issues: &mut ConfigIssues) -> Option<StopsSpec> {
    let mut r = TableReader::new(t, "stops");
    // A GTFS feed replaces the stops layer: give one or the other.
    let src = if t.contains_key("gtfs") && !t.contains_key("path") {
        None
    } else {
        if t.contains_key("gtfs") {
            issues.push(
                "stops",
                "gives both a stops layer (`path`) and a GTFS feed (`gtfs`)",
                Some(
                    "keep one: a feed gives real departures, a layer the mode's default frequency",
                ),
            );
        }
        Some(source(ctx, &mut r, "stops", issues)?)
    };
    let id = r.string_or_list("id", issues);
    let name = r.string("name", issues);
    let departures = r.string("departures", issues);
    let mode = match r.value("mode") {
        None => ModeSpec {
            fields: Vec::new(),
            map: Vec::new(),
            default: Mode::Bus,
        },
        Some(toml::Value::String(s)) => ModeSpec {
            fields: Vec::new(),
            map: Vec::new(),
            // An unknown name is an issue: the site file is refused, so Bus is never used.
            default: mode_name("stops.mode", s, issues).unwrap_or(Mode::Bus),
        },
        Some(toml::Value::Table(m)) => {
            let mut mr = TableReader::new(m, "stops.mode");
            let fields = match mr.value("field") {
                None => Vec::new(),
                Some(toml::Value::String(f)) => vec![f.clone()],
                Some(v) => {
                    let mut single = toml::Table::new();
                    single.insert("field".into(), v.clone());
                    TableReader::new(&single, "stops.mode")
                        .string_list("field", issues)
                        .unwrap_or_default()
                }
            };
            let map = mr
                .string_map("map", issues)
                .into_iter()
                .filter_map(|(k, v)| {
                    let key = format!("stops.mode.map.{k}");
                    mode_name(&key, &v, issues).map(|m| (k, m))
                })
                .collect();
            // Bus when none is given (PTAL's most common mode); an unknown name is an issue
            // and the site file is refused.
            let default = mr
                .string("default", issues)
                .and_then(|d| mode_name("stops.mode.default", &d, issues))
                .unwrap_or(Mode::Bus);
            mr.finish(issues);
            ModeSpec {
                fields,
                map,
                default,
            }
        }
        Some(other) => {
            issues.wrong_type(
                "stops.mode",
                "a mode name or { field, map, default }",
                other,
            );
            ModeSpec {
                fields: Vec::new(),
                map: Vec::new(),
                default: Mode::Bus,
            }
        }
    };
    let gtfs = r
        .string("gtfs", issues)
        .and_then(|g| checked_path_or_dir(ctx, "stops.gtfs", g, true, issues));
    let gtfs_date = r.string("gtfs_date", issues).and_then(|d| {
        let digits: String = d.chars().filter(|c| *c != '-').collect();
        let ok = digits.len() == 8
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (d.len() == 8 || (d.len() == 10 && &d[4..5] == "-" && &d[7..8] == "-"))
            && (1..=12).contains(&digits[4..6].parse::<u32>().unwrap_or(0))
            && (1..=31).contains(&digits[6..8].parse::<u32>().unwrap_or(0));
        if !ok {
            issues.push(
                "stops.gtfs_date",
                &format!("`{d}` is not a date"),
                Some("write it as \"2024-03-12\" (or GTFS's 20240312)"),
            );
            None
        } else if !t.contains_key("gtfs") {
            issues.push(
                "stops.gtfs_date",
                "names a day for a GTFS feed, but [stops] gives no `gtfs`",
                Some("add gtfs = \"feed.zip\", or remove gtfs_date"),
            );
            None
        } else {
            Some(digits)
        }
    });
    r.finish(issues);
    Some(StopsSpec {
        source: src,
        id,
        name,
        mode,
        departures,
        gtfs,
        gtfs_date,
    })
}

fn population(ctx: &Ctx, t: &toml::Table, issues: &mut ConfigIssues) -> Option<PopulationSpec> {
    let mut r = TableReader::new(t, "population");
    let src = source(ctx, &mut r, "population", issues);
    let value = r.required_string("value", "the field holding the number of residents", issues);
    r.finish(issues);
    Some(PopulationSpec {
        source: src?,
        value: value?,
    })
}

fn positive(key: &str, v: f64, issues: &mut ConfigIssues) -> f64 {
    if !(v.is_finite() && v > 0.0) {
        issues.push(key, &format!("must be a positive number, found {v}"), None);
    }
    v
}

fn share(key: &str, v: f64, issues: &mut ConfigIssues) -> f64 {
    if !(0.0..=1.0).contains(&v) {
        issues.push(
            key,
            &format!("must be a share between 0 and 1, found {v}"),
            Some("write 35 % as 0.35"),
        );
    }
    v
}

fn community(t: Option<&toml::Table>, issues: &mut ConfigIssues) -> CommunitySpec {
    let empty = toml::Table::new();
    let mut r = TableReader::new(t.unwrap_or(&empty), "community");
    let method = match r.string("method", issues).as_deref() {
        None | Some("buffer") => CommunityMethod::Buffer,
        Some("adjacent") => CommunityMethod::Adjacent,
        Some("catchment") => CommunityMethod::Catchment,
        Some(other) => {
            issues.push(
                "community.method",
                &format!("`{other}` is not a method"),
                Some("use buffer, adjacent or catchment"),
            );
            CommunityMethod::Buffer
        }
    };
    let distance_m = r
        .number("distance_m", issues)
        .inspect(|d| {
            if d.is_finite() && *d > MAX_DISTANCE_M {
                issues.push(
                    "community.distance_m",
                    &format!("{d} m reaches beyond any neighbouring community (at most 100,000 m)"),
                    Some("a neighbouring community lies within a few km: e.g. distance_m = 1500"),
                );
            }
            if !(d.is_finite() && *d >= 0.0) {
                issues.push(
                    "community.distance_m",
                    &format!("must be zero or more, found {d}"),
                    Some("0 with method = \"adjacent\" takes the neighbourhoods that touch the district"),
                );
            }
        })
        .unwrap_or(1500.0);
    r.finish(issues);
    CommunitySpec { method, distance_m }
}

/// The largest grid cell, m: beyond this a cell is bigger than a city and the grid says nothing
/// (and 1e12 m made PROJ fail).
const MAX_CELL_M: f64 = 100_000.0;
/// The widest community ring, m: a neighbouring community is within reach of the district.
const MAX_DISTANCE_M: f64 = 100_000.0;

/// At most this many draws: 100,000 already pins the 5th percentile to a few hundredths of the
/// spread.
const MAX_DRAWS: f64 = 100_000.0;

/// `[uncertainty]`: `draws`, `seed`, `factors = ["carriers.electricity", …]`, and
/// `ranges."KEY" = { low, high, distribution = "triangular" | "uniform" }`.
fn uncertainty(t: &toml::Table, issues: &mut ConfigIssues) -> UncertaintySpec {
    let mut spec = UncertaintySpec::default();
    let mut r = TableReader::new(t, "uncertainty");
    if let Some(d) = r.number("draws", issues) {
        if d.fract() == 0.0 && (0.0..=MAX_DRAWS).contains(&d) {
            spec.draws = d as usize;
        } else {
            issues.push(
                "uncertainty.draws",
                &format!("{d} is not a number of draws (a whole number from 0 to 100,000)"),
                Some("draws = 1000; 0 turns the draws off"),
            );
        }
    }
    if let Some(s) = r.number("seed", issues) {
        if s.fract() == 0.0 && (0.0..9.0e15).contains(&s) {
            spec.seed = s as u64;
        } else {
            issues.push(
                "uncertainty.seed",
                &format!("{s} is not a seed (a whole number, 0 or more)"),
                None,
            );
        }
    }
    if let Some(v) = r.value("factors") {
        match v.as_array() {
            Some(items) => {
                spec.factors = Some(
                    items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect(),
                )
            }
            None => issues.wrong_type("uncertainty.factors", "a list of preset keys", v),
        }
    }
    if let Some(ranges) = r.table("ranges", issues) {
        let mut leaves = Vec::new();
        collect_ranges("", ranges, &mut leaves);
        for (key, t) in leaves {
            let k = format!("uncertainty.ranges.{key}");
            let mut rr = TableReader::new(t, &k);
            let low = rr.number("low", issues);
            let high = rr.number("high", issues);
            let shape = match rr.string("distribution", issues).as_deref() {
                None | Some("triangular") => RangeShape::Triangular,
                Some("uniform") => RangeShape::Uniform,
                Some(other) => {
                    issues.push(
                        &format!("{k}.distribution"),
                        &format!("`{other}` is not a distribution"),
                        Some("use triangular (the value most likely) or uniform"),
                    );
                    RangeShape::Triangular
                }
            };
            rr.finish(issues);
            match (low, high) {
                (Some(l), Some(h)) if l.is_finite() && h.is_finite() && l <= h => {
                    spec.ranges.push(RangeSpec {
                        key,
                        low: l,
                        high: h,
                        shape,
                    })
                }
                (Some(l), Some(h)) => issues.push(
                    &k,
                    &format!("low {l} is above high {h}"),
                    Some("low ≤ high, in the value's unit"),
                ),
                _ => issues.push(
                    &k,
                    "needs low and high",
                    Some("e.g. { low = 0.2, high = 0.4 }"),
                ),
            }
        }
    }
    r.finish(issues);
    spec
}

/// The range tables under `[uncertainty.ranges]`, by their dotted key: a table holding `low` or
/// `high` is a range, any other table holds more.
fn collect_ranges<'t>(prefix: &str, t: &'t toml::Table, out: &mut Vec<(String, &'t toml::Table)>) {
    for (k, v) in t {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        if let toml::Value::Table(inner) = v {
            if inner.contains_key("low") || inner.contains_key("high") {
                out.push((key, inner));
            } else {
                collect_ranges(&key, inner, out);
            }
        }
    }
}

/// `[output]`: `gpkg_crs = "wgs84"` (the default) or `"local"`.
fn output(t: Option<&toml::Table>, issues: &mut ConfigIssues) -> OutputSpec {
    let empty = toml::Table::new();
    let mut r = TableReader::new(t.unwrap_or(&empty), "output");
    let gpkg_local_crs = match r.string("gpkg_crs", issues).as_deref() {
        None | Some("wgs84") => false,
        Some("local") => true,
        Some(other) => {
            issues.push(
                "output.gpkg_crs",
                &format!("`{other}` is not a CRS choice for the GeoPackage"),
                Some("use \"wgs84\" (longitude/latitude, the default) or \"local\" (the run's metric CRS)"),
            );
            false
        }
    };
    r.finish(issues);
    OutputSpec { gpkg_local_crs }
}

/// `[context]`: `roads`, `rail` and `water`, each a layer (`{ path, layer, where, crs }`).
fn context(ctx: &Ctx, t: &toml::Table, issues: &mut ConfigIssues) -> ContextSpec {
    let mut r = TableReader::new(t, "context");
    let roads = context_layer(ctx, &mut r, "roads", issues);
    let rail = context_layer(ctx, &mut r, "rail", issues);
    let water = context_layer(ctx, &mut r, "water", issues);
    r.finish(issues);
    ContextSpec { roads, rail, water }
}

fn context_layer(
    ctx: &Ctx,
    r: &mut TableReader<'_>,
    key: &'static str,
    issues: &mut ConfigIssues,
) -> Option<LayerSource> {
    let k = format!("context.{key}");
    let t = r.table(key, issues)?;
    let mut tr = TableReader::new(t, &k);
    let s = source(ctx, &mut tr, &k, issues);
    tr.finish(issues);
    s
}

/// Heating degree days a year: a plausible range (0 in the tropics; about 12,000 K·d in the
/// coldest inhabited places; °F·d are 1.8 times as many).
const MAX_DEGREE_DAYS: f64 = 25_000.0;

/// One of `[climate]`'s degree-day figures, checked.
fn degree_days(
    key: &'static str,
    r: &mut TableReader<'_>,
    issues: &mut ConfigIssues,
) -> Option<f64> {
    match r.number(key, issues) {
        None => {
            issues.push(
                &format!("climate.{key}"),
                "is missing: space heat is scaled by the site's heating degree days over those of the preset's climate, so both are needed",
                Some("e.g. heating_degree_days = 3600 and reference_heating_degree_days = 4100, in the same definition (base temperature, °C or °F)"),
            );
            None
        }
        Some(d) if !(0.0..=MAX_DEGREE_DAYS).contains(&d) => {
            issues.push(
                &format!("climate.{key}"),
                &format!("{d} is no year's heating degree days (0 to 25,000)"),
                None,
            );
            None
        }
        Some(d) => Some(d),
    }
}

/// What `[climate]` gives: the site's and the preset climate's degree days, or the country
/// whose compiled degree days stand for the site's (`country = "DE"`, the preset's climate
/// the reference).
enum ClimateGiven {
    DegreeDays(ClimateSpec),
    Country(String),
}

/// How the country of `[climate] country` was found, as the notes say it.
pub const CLIMATE_COUNTRY_NAMED: &str = "named in the site file ([climate] country)";

fn climate(t: &toml::Table, issues: &mut ConfigIssues) -> Option<ClimateGiven> {
    if t.contains_key("country") {
        return climate_country(t, issues).map(ClimateGiven::Country);
    }
    climate_degree_days(t, issues).map(ClimateGiven::DegreeDays)
}

/// `[climate] country = "CODE"`, given alone; whether the country has degree days compiled in
/// is checked with the preset (`run::preset_of`).
fn climate_country(t: &toml::Table, issues: &mut ConfigIssues) -> Option<String> {
    let mut r = TableReader::new(t, "climate");
    let code = r.string("country", issues);
    for key in [
        "heating_degree_days",
        "reference_heating_degree_days",
        "source",
    ] {
        if t.contains_key(key) {
            r.value(key);
            issues.push(
                &format!("climate.{key}"),
                "is given beside climate.country: give the country (its compiled degree days over the preset's climate) or the two degree-day figures, not both",
                None,
            );
        }
    }
    r.finish(issues);
    code.map(|c| c.trim().to_ascii_uppercase())
}

fn climate_degree_days(t: &toml::Table, issues: &mut ConfigIssues) -> Option<ClimateSpec> {
    let mut r = TableReader::new(t, "climate");
    let hdd = degree_days("heating_degree_days", &mut r, issues);
    let reference = degree_days("reference_heating_degree_days", &mut r, issues);
    if reference == Some(0.0) {
        issues.push(
            "climate.reference_heating_degree_days",
            "cannot be 0: space heat is scaled by the ratio to it",
            None,
        );
    }
    let source = r.string("source", issues);
    r.finish(issues);
    Some(ClimateSpec {
        heating_degree_days: hdd?,
        reference_heating_degree_days: reference.filter(|d| *d > 0.0)?,
        source,
    })
}

fn grid(t: Option<&toml::Table>, issues: &mut ConfigIssues) -> GridSpec {
    let empty = toml::Table::new();
    let mut r = TableReader::new(t.unwrap_or(&empty), "grid");
    let cell_m = r
        .number("cell_m", issues)
        .map(|d| positive("grid.cell_m", d, issues))
        .inspect(|d| {
            if *d > MAX_CELL_M {
                issues.push(
                    "grid.cell_m",
                    &format!("{d} m is more than a grid of a district can use (at most 100,000 m)"),
                    Some("cells of 100 to 500 m show where emissions are; e.g. cell_m = 250"),
                );
            }
        })
        .unwrap_or(250.0);
    let shape = match r.string("shape", issues).as_deref() {
        None | Some("square") => GridShape::Square,
        Some("hex") => GridShape::Hex,
        Some(other) => {
            issues.push(
                "grid.shape",
                &format!("`{other}` is not a cell shape"),
                Some("use square or hex"),
            );
            GridShape::Square
        }
    };
    r.finish(issues);
    GridSpec { cell_m, shape }
}

/// Scenario measures that are shares between 0 and 1.
const SCENARIO_SHARES: &[&str] = &[
    "eui_reduction",
    "rooftop_pv",
    "car_share",
    "waste_diversion",
];
/// Scenario measures that name a choice.
const SCENARIO_CHOICES: &[&str] = &["heat"];

fn scenarios(t: Option<&toml::Table>, issues: &mut ConfigIssues) -> Vec<ScenarioSpec> {
    let Some(t) = t else { return Vec::new() };
    let mut out = Vec::new();
    for (name, v) in t {
        let key = format!("scenario.{name}");
        let toml::Value::Table(st) = v else {
            issues.wrong_type(&key, "a table of measures", v);
            continue;
        };
        if name == "baseline" {
            issues.push(
                "scenario.baseline",
                "is business as usual and takes no measures",
                Some("name the scenario with measures `proposed`"),
            );
            continue;
        }
        let mut m = Measures::default();
        for (measure, value) in st {
            let mk = format!("{key}.{measure}");
            if SCENARIO_SHARES.contains(&measure.as_str()) {
                let v = match value {
                    toml::Value::Float(f) => share(&mk, *f, issues),
                    toml::Value::Integer(i) => share(&mk, *i as f64, issues),
                    other => {
                        issues.wrong_type(&mk, "a share between 0 and 1", other);
                        continue;
                    }
                };
                match measure.as_str() {
                    "eui_reduction" => m.eui_reduction = v,
                    "rooftop_pv" => m.rooftop_pv = v,
                    "car_share" => m.car_share = Some(v),
                    _ => m.waste_diversion = Some(v),
                }
            } else if SCENARIO_CHOICES.contains(&measure.as_str()) {
                match value {
                    toml::Value::String(v) => match HeatSource::from_key(v) {
                        Some(h) => m.heat = Some(h),
                        None => issues.push(
                            &mk,
                            &format!("`{v}` is not a heat source"),
                            Some(&format!("use one of {}", HeatSource::names())),
                        ),
                    },
                    other => issues.wrong_type(&mk, "a string", other),
                }
            } else {
                let known = SCENARIO_SHARES.iter().chain(SCENARIO_CHOICES).copied();
                let hint = closest(measure, known)
                    .map(|k| format!("did you mean `{key}.{k}`?"))
                    .unwrap_or_else(|| {
                        format!(
                            "known measures: {}, {}",
                            SCENARIO_SHARES.join(", "),
                            SCENARIO_CHOICES.join(", ")
                        )
                    });
                issues.push(&mk, "is not a known measure", Some(&hint));
            }
        }
        out.push(ScenarioSpec {
            name: name.clone(),
            measures: m,
        });
    }
    out
}

/// The `[factors]` table: preset values replaced for this site, nested tables or dotted keys;
/// a leaf is a number or `{ value, unit, source }`.
fn factor_overrides(t: Option<&toml::Table>, issues: &mut ConfigIssues) -> Vec<FactorOverride> {
    fn walk(key: &str, v: &toml::Value, out: &mut Vec<FactorOverride>, issues: &mut ConfigIssues) {
        let number = |v: &toml::Value| match v {
            toml::Value::Float(f) => Some(*f),
            toml::Value::Integer(i) => Some(*i as f64),
            _ => None,
        };
        let full = format!("factors.{key}");
        let (value, unit, source) = match v {
            toml::Value::Table(t) if t.contains_key("value") => {
                let mut r = TableReader::new(t, &full);
                let value = r.number("value", issues);
                let unit = r.string("unit", issues);
                let source = r.string("source", issues);
                r.finish(issues);
                match value {
                    Some(x) => (x, unit, source),
                    None => return,
                }
            }
            toml::Value::Table(t) => {
                for (k, child) in t {
                    walk(&format!("{key}.{k}"), child, out, issues);
                }
                return;
            }
            other => match number(other) {
                Some(x) => (x, None, None),
                None => {
                    issues.wrong_type(&full, "a number or { value, unit, source }", other);
                    return;
                }
            },
        };
        if !value.is_finite() || value < 0.0 {
            issues.push(
                &full,
                &format!("must be a finite number of zero or more, found {value}"),
                None,
            );
            return;
        }
        out.push(FactorOverride {
            key: key.to_string(),
            value,
            unit,
            source,
        });
    }
    let mut out = Vec::new();
    for (k, v) in t.into_iter().flatten() {
        walk(k, v, &mut out, issues);
    }
    out
}

fn offsets(t: Option<&toml::Table>, issues: &mut ConfigIssues) -> OffsetsSpec {
    let empty = toml::Table::new();
    let mut r = TableReader::new(t.unwrap_or(&empty), "offsets");
    let target = match r.value("target") {
        None => Target::Residual,
        Some(toml::Value::String(s)) if s == "residual" => Target::Residual,
        Some(toml::Value::Float(f)) => Target::Fixed(positive("offsets.target", *f, issues)),
        Some(toml::Value::Integer(i)) => {
            Target::Fixed(positive("offsets.target", *i as f64, issues))
        }
        Some(other) => {
            issues.wrong_type(
                "offsets.target",
                "\"residual\" or a number of t CO2e per year",
                other,
            );
            Target::Residual
        }
    };
    let margin = r
        .number("margin", issues)
        .inspect(|m| {
            if !(m.is_finite() && *m >= 0.0) {
                issues.push(
                    "offsets.margin",
                    &format!("must be zero or more, found {m}"),
                    None,
                );
            }
        })
        .unwrap_or(0.10);
    let interventions = match r.string_list("interventions", issues) {
        None => Intervention::ALL.to_vec(),
        Some(names) => names
            .iter()
            .filter_map(|i| {
                let known = Intervention::from_key(i);
                if known.is_none() {
                    let keys = Intervention::ALL.iter().map(|k| k.key());
                    let hint = closest(i, keys)
                        .map(|k| format!("did you mean `{k}`?"))
                        .unwrap_or_else(|| format!("known: {}", Intervention::names()));
                    issues.push(
                        "offsets.interventions",
                        &format!("`{i}` is not an intervention"),
                        Some(&hint),
                    );
                }
                known
            })
            .collect(),
    };
    let rank = match r.string("rank", issues) {
        None => RankBy::Cost,
        Some(rank) => RankBy::from_key(&rank).unwrap_or_else(|| {
            issues.push(
                "offsets.rank",
                &format!("`{rank}` is not \"cost\" or \"area\""),
                Some("rank = \"cost\" ranks by t CO2e per unit cost, \"area\" per hectare"),
            );
            RankBy::Cost
        }),
    };
    r.finish(issues);
    OffsetsSpec {
        target,
        margin,
        interventions,
        rank,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epsg_codes_parse_with_or_without_prefix() {
        assert_eq!(parse_epsg("EPSG:3067"), Some(3067));
        assert_eq!(parse_epsg("epsg:32635"), Some(32635));
        assert_eq!(parse_epsg("3067"), Some(3067));
        assert_eq!(parse_epsg("EPSG:"), None);
        assert_eq!(parse_epsg("EPSG:0"), None);
        assert_eq!(parse_epsg("ÉPSG:1"), None);
    }

    #[test]
    fn ids_and_mode_fields_take_a_string_or_a_list() {
        let dir = std::path::PathBuf::from("/case");
        let file = dir.join("layer.geojson");
        let mut files = crate::files::MemoryFiles::default();
        files.insert(&file, "");
        let text = format!(
            "[district]\npath = \"{f}\"\n[buildings]\npath = \"{f}\"\nid = [\"osm_way_id\", \"osm_id\"]\n[stops]\npath = \"{f}\"\nid = \"osm_id\"\nmode = {{ field = [\"railway\", \"highway\"], map = {{ tram_stop = \"tram\" }}, default = \"bus\" }}\n",
            f = file.display()
        );
        let config = parse_site_str(&text, Path::new("site.toml"), &dir, &files).unwrap();
        assert_eq!(config.buildings[0].id, ["osm_way_id", "osm_id"]);
        let stops = config.stops.unwrap();
        assert_eq!(stops.id, ["osm_id"]);
        assert_eq!(stops.mode.fields, ["railway", "highway"]);
        assert_eq!(stops.mode.map, [("tram_stop".to_string(), Mode::Tram)]);
        assert_eq!(config.crs, CrsChoice::Auto);
        assert_eq!(config.community.distance_m, 1500.0);
    }
}
