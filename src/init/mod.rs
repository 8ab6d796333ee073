//! `cpgis init`: from a handful of layer files to a site file that runs. Each layer is inspected
//! and recognised (district boundary, neighbourhoods, buildings of a known schema, stops,
//! population, roads) from its geometry, its name and its fields; the mappings follow the
//! schema (`schema`); where cpgis has to guess, the site file says so in a comment and the
//! guess is returned for the terminal.
//!
//! | module | what it does |
//! |---|---|
//! | `schema` | OpenStreetMap, City Energy Analyst, URBANopt and generic field mappings |
//! | `outline` | a district from the buildings' outline, where the delivery has no boundary |
//! | `write` | the commented site file |

pub mod outline;
pub mod schema;
mod stops;
mod urbanopt;
mod write;

use std::path::{Path, PathBuf};

use gdal::vector::LayerAccess;

use crate::config::GeometryColumns;
use crate::inspect::{inspect_file, LayerReport, Report};
use crate::{Error, Result};
use schema::{BuildingMap, Schema};

/// What a layer is for.
#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    District {
        filter: Option<String>,
        name: Option<String>,
    },
    Neighbourhoods {
        filter: Option<String>,
        id: Option<String>,
    },
    Buildings {
        schema: Schema,
        map: Box<BuildingMap>,
        filter: Option<String>,
    },
    Stops {
        filter: Option<String>,
        id: Option<String>,
        name: Option<String>,
        modes: Vec<String>,
    },
    Gtfs,
    Population {
        field: String,
    },
    /// Recognised but not used by cpgis (roads, other polygons).
    Unused {
        what: String,
    },
    /// Drawn under the report's maps: `roads`, `rail` or `water`.
    Context {
        kind: &'static str,
        filter: Option<String>,
    },
}

/// One layer (or feed) with its role.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub path: PathBuf,
    /// Layer name when the file has several.
    pub layer: Option<String>,
    pub role: Role,
    pub features: usize,
    /// The CRS to give a layer that declares none (a CSV of longitude/latitude columns).
    pub crs: Option<String>,
}

/// The proposal: layers with roles, the preset chosen, the guesses made.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub layers: Vec<Layer>,
    /// The preset chosen by the district's place; `None` where no built-in one describes it.
    pub preset: Option<&'static str>,
    pub guesses: Vec<String>,
    /// The district's name, when `--district` found its feature (its name field, not the id
    /// it was found by).
    pub district_name: Option<String>,
    /// The buildings' outline taken as the district (`--district-around-buildings`): `init`
    /// writes it as [`OUTLINE_FILE`] beside the site file.
    pub outline: Option<outline::Outline>,
}

/// The file `init --district-around-buildings` writes the buildings' outline to, beside the
/// site file.
pub const OUTLINE_FILE: &str = "district.geojson";

fn bad(path: &Path, problem: String) -> Error {
    Error::Layer {
        file: path.to_path_buf(),
        problem,
    }
}

/// Whether a CSV's header names a longitude and a latitude column (GDAL takes them as the
/// geometry and drops them from the fields, so the header is read here).
fn csv_has_lon_lat(path: &Path) -> bool {
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut header = String::new();
    let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(file), &mut header);
    let names: Vec<String> = header
        .split([',', ';', '\t'])
        .map(|n| n.trim().trim_matches('"').to_lowercase())
        .collect();
    let named = |candidates: &[&str]| names.iter().any(|n| candidates.contains(&n.as_str()));
    named(&["lon", "longitude"]) && named(&["lat", "latitude"])
}

fn field_names(r: &LayerReport) -> Vec<String> {
    r.fields.iter().map(|f| f.name.clone()).collect()
}

/// The text of `field` in a layer's first feature, if any (a one-polygon district's name).
fn first_value(path: &Path, layer: &str, field: &str) -> Option<String> {
    let ds = crate::layer::open_dataset(path, &GeometryColumns::Auto).ok()?;
    let mut lyr = crate::layer::pick_layer(&ds, path, Some(layer)).ok()?;
    let slot = lyr.defn().fields().position(|f| f.name() == field)?;
    let f = lyr.features().next()?;
    let v = f.field_as_string(slot).ok().flatten()?;
    Some(v.trim().to_string()).filter(|v| !v.is_empty())
}

fn is_polygons(r: &LayerReport) -> bool {
    r.geometry_types.keys().any(|g| g.contains("Polygon"))
}

fn is_points(r: &LayerReport) -> bool {
    r.geometry_types.keys().any(|g| g.contains("Point"))
}

fn is_lines(r: &LayerReport) -> bool {
    r.geometry_types.keys().any(|g| g.contains("Line"))
}

/// A feature of a boundary layer that `--district` names: the field that matched and its value
/// as stored, its OSM `admin_level` if it has one, and where it lies.
struct Found {
    field: String,
    value: String,
    /// Its OSM admin level, if it has one.
    level: Option<String>,
    /// Its name (the layer's name field), for the site's name; else the value matched.
    name: String,
    /// Its bounding box in WGS 84, when the layer's CRS is known.
    extent_wgs84: Option<[f64; 4]>,
    /// Administrative boundaries at its level in the layer: the neighbourhoods it would get.
    peers: usize,
}

/// Text compared for `--district`: lower case, accents dropped (Zürich = zurich), spaces trimmed.
pub fn folded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        let plain = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
            'ç' | 'ć' | 'č' => "c",
            'ď' | 'đ' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
            'ł' | 'ľ' | 'ĺ' => "l",
            'ñ' | 'ń' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
            'ř' | 'ŕ' => "r",
            'ś' | 'š' | 'ş' | 'ș' => "s",
            'ť' | 'ţ' | 'ț' => "t",
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
            'ý' | 'ÿ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            'ß' => "ss",
            'æ' => "ae",
            'œ' => "oe",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(plain);
    }
    out
}

/// Every feature of a boundary layer with a string field equal to `wanted` (case and accents
/// ignored), and the names the layer uses (for a message when none matches).
fn find_features(path: &Path, layer: &str, wanted: &str) -> Result<(Vec<Found>, Vec<String>)> {
    let ds = crate::layer::open_dataset(path, &GeometryColumns::Auto)?;
    let mut lyr = crate::layer::pick_layer(&ds, path, Some(layer))?;
    let names: Vec<String> = lyr.defn().fields().map(|f| f.name()).collect();
    let order: Vec<usize> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| n.as_str() == "name")
        .chain(
            names
                .iter()
                .enumerate()
                .filter(|(_, n)| n.as_str() != "name"),
        )
        .map(|(i, _)| i)
        .collect();
    let admin = names.iter().position(|n| n == "admin_level");
    let boundary = names.iter().position(|n| n == "boundary");
    let name_slot = schema::name_field(&names).and_then(|n| names.iter().position(|m| *m == n));
    let to_wgs84 = crate::layer::layer_srs(&lyr, path, None)
        .ok()
        .and_then(|srs| crate::crs::transform(&srs, &crate::crs::wgs84().ok()?).ok());
    let want = folded(wanted);
    let mut found = Vec::new();
    let mut seen_names = Vec::new();
    // Administrative boundaries per admin level.
    let mut per_level: std::collections::BTreeMap<String, usize> = Default::default();
    for f in lyr.features() {
        let name = name_slot.and_then(|i| f.field_as_string(i).ok().flatten());
        // GDAL's OSM driver gives an unset tag as an empty text, not as no value: an empty
        // admin_level is none (it had made the district's filter `admin_level = '' AND …`,
        // which selects nothing).
        let text = |i: usize| {
            f.field_as_string(i)
                .ok()
                .flatten()
                .filter(|v| !v.trim().is_empty())
        };
        let level = admin.and_then(text);
        // On an OpenStreetMap layer only boundaries' names are offered (its multipolygons are
        // mostly buildings: Helsinki's listed 179 names of buildings and no district).
        let is_boundary = boundary.is_none_or(|b| level.is_some() || text(b).is_some());
        if let (Some(n), true) = (&name, is_boundary) {
            seen_names.push(n.trim().to_string());
        }
        let administrative = boundary.is_none_or(|b| {
            f.field_as_string(b).ok().flatten().as_deref() == Some("administrative")
        });
        if let (Some(l), true) = (&level, administrative) {
            *per_level.entry(l.clone()).or_default() += 1;
        }
        for i in &order {
            let Ok(Some(v)) = f.field_as_string(*i) else {
                continue;
            };
            if folded(&v) == want {
                let extent_wgs84 = f.geometry().and_then(|g| {
                    let e = g.envelope();
                    to_wgs84
                        .as_ref()?
                        .transform_bounds(&[e.MinX, e.MinY, e.MaxX, e.MaxY], 21)
                        .ok()
                });
                found.push(Found {
                    field: names[*i].clone(),
                    value: v.clone(),
                    level: level.clone(),
                    name: name.clone().unwrap_or_else(|| v.trim().to_string()),
                    extent_wgs84,
                    peers: 0,
                });
                break;
            }
        }
    }
    for f in &mut found {
        f.peers = f
            .level
            .as_ref()
            .map_or(0, |l| per_level.get(l).copied().unwrap_or(0));
    }
    Ok((found, seen_names))
}

/// The feature `--district` means when several share its name (a country and a municipality
/// called alike): one that holds buildings, then an administrative level with other boundaries
/// beside it (the neighbourhoods), then the smallest. With the choice said when there was one.
fn choose_district(found: &[&Found], buildings: &[[f64; 4]]) -> Option<(usize, Option<String>)> {
    let area = |f: &Found| {
        f.extent_wgs84
            .map_or(f64::INFINITY, |e| (e[2] - e[0]).abs() * (e[3] - e[1]).abs())
    };
    let holds = |f: &Found| {
        f.extent_wgs84
            .is_some_and(|e| buildings.iter().any(|b| overlap(&e, b)))
    };
    let key = |f: &Found| (!holds(f), f.level.is_none(), f.peers < 2);
    let best = (0..found.len()).min_by(|&a, &b| {
        let (a, b) = (found[a], found[b]);
        key(a).cmp(&key(b)).then(area(a).total_cmp(&area(b)))
    })?;
    let chosen = found[best];
    let label = |f: &Found| match &f.level {
        Some(l) => format!("admin level {l}"),
        None => format!("`{}` = {}", f.field, f.value),
    };
    let others: Vec<String> = (0..found.len())
        .filter(|&i| i != best)
        .map(|i| label(found[i]))
        .collect();
    let said = (!others.is_empty()).then(|| {
        format!(
            "district: {} boundaries are called `{}`; took {} ({}{}), not {}: edit [district] filter to choose another",
            found.len(),
            chosen.name,
            label(chosen),
            if holds(chosen) { "it holds the buildings" } else { "the smallest" },
            if chosen.peers > 1 {
                format!(", {} boundaries at its level give the neighbourhoods", chosen.peers)
            } else {
                String::new()
            },
            others.join(", ")
        )
    });
    Some((best, said))
}

/// The message for a `--district` that matches nothing: the closest name if one is close, and
/// the names each boundary layer searched uses (`layers`: the layer's label and its names).
fn no_such_district(wanted: &str, layers: &[(String, Vec<String>)]) -> String {
    let sorted = |names: &[String]| {
        let mut unique: Vec<String> = names.iter().filter(|n| !n.is_empty()).cloned().collect();
        unique.sort_unstable();
        unique.dedup();
        unique
    };
    let per_layer: Vec<(&String, Vec<String>)> =
        layers.iter().map(|(l, n)| (l, sorted(n))).collect();
    let every: Vec<&String> = per_layer.iter().flat_map(|(_, n)| n).collect();
    let folded_names: Vec<String> = every.iter().map(|n| folded(n)).collect();
    let hint =
        cpgis_core::issues::closest(&folded(wanted), folded_names.iter().map(String::as_str))
            .and_then(|f| folded_names.iter().position(|n| n == f))
            .map(|i| every[i]);
    let mut message =
        format!("no boundary feature is called `{wanted}` (case and accents ignored)");
    match hint {
        Some(h) => message.push_str(&format!("; did you mean `{h}`?")),
        None => message.push('.'),
    }
    const SHOWN: usize = 12;
    let said: Vec<String> = per_layer
        .iter()
        .map(|(label, names)| {
            if names.is_empty() {
                return format!("{label}: no names");
            }
            let listed: Vec<&str> = names.iter().take(SHOWN).map(String::as_str).collect();
            let more = if names.len() > SHOWN {
                format!(", … ({} in all)", names.len())
            } else {
                String::new()
            };
            format!("{label}: {}{more}", listed.join(", "))
        })
        .collect();
    if every.is_empty() {
        message.push_str(" Give the value of its name or id field.");
    }
    message.push_str(&format!(
        " Searched {}",
        if said.is_empty() {
            "no boundary layer".to_string()
        } else {
            said.join("; ")
        }
    ));
    message
}

/// Whether two WGS 84 extents `[min_lon, min_lat, max_lon, max_lat]` overlap.
fn overlap(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

fn quote(v: &str) -> String {
    v.replace('\'', "''")
}

/// The distinct non-empty texts of `field` in a layer (a join key's values), trimmed.
fn key_values(
    path: &Path,
    layer: Option<&str>,
    field: &str,
) -> Result<std::collections::BTreeSet<String>> {
    let ds = crate::layer::open_dataset(path, &GeometryColumns::Auto)?;
    let mut lyr = crate::layer::pick_layer(&ds, path, layer)?;
    let Some(slot) = lyr.defn().fields().position(|f| f.name() == field) else {
        return Ok(Default::default());
    };
    Ok(lyr
        .features()
        .filter_map(|f| f.field_as_string(slot).ok().flatten())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect())
}

/// The middle of a [west, south, east, north] extent, longitude and latitude.
fn middle(e: [f64; 4]) -> (f64, f64) {
    ((e[0] + e[2]) / 2.0, (e[1] + e[3]) / 2.0)
}

/// The field names of a one-layer file.
fn inspect_fields(path: &Path) -> Result<Vec<String>> {
    let ds = crate::layer::open_dataset(path, &GeometryColumns::Auto)?;
    let lyr = crate::layer::pick_layer(&ds, path, None)?;
    Ok(lyr.defn().fields().map(|f| f.name()).collect())
}

/// How `init` finds the district.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DistrictFrom<'a> {
    /// The single boundary polygon among the layers (the smallest of several).
    Boundary,
    /// The feature of a boundary layer with this name or id.
    Named(&'a str),
    /// The outline of the buildings (the delivery has no boundary).
    AroundBuildings,
}

/// Recognises every layer of `paths` and chooses the district.
pub fn propose(paths: &[PathBuf], from: DistrictFrom) -> Result<Proposal> {
    let district = match from {
        DistrictFrom::Named(n) => Some(n),
        _ => None,
    };
    let mut layers = Vec::new();
    let mut guesses = Vec::new();
    // Boundary candidates: (path, layer name, features, bbox area, report).
    let mut boundaries: Vec<(PathBuf, String, usize, f64, LayerReport)> = Vec::new();
    // Files with several layers: their layers are named in the site file.
    let mut multi_layer: Vec<PathBuf> = Vec::new();
    // Where the buildings are (WGS 84 extents of the building layers), to choose boundaries
    // that hold them.
    let mut building_extents: Vec<[f64; 4]> = Vec::new();
    // Tables without geometry (CEA's typology.dbf), to join to buildings.
    let mut tables: Vec<(PathBuf, Vec<String>)> = Vec::new();
    for path in paths {
        let feed = path.is_dir() && path.join("stops.txt").exists()
            || path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
        if feed {
            layers.push(Layer {
                path: path.clone(),
                layer: None,
                role: Role::Gtfs,
                features: 0,
                crs: None,
            });
            continue;
        }
        let Report::File {
            layers: reports, ..
        } = inspect_file(path)?
        else {
            return Err(bad(path, "is not a layer file".into()));
        };
        let several = reports.len() > 1;
        if several {
            multi_layer.push(path.clone());
        }
        let osm = reports.iter().any(|r| r.driver == "OSM");
        for r in reports {
            let fields = field_names(&r);
            let layer_name = several.then(|| r.layer.clone());
            // A CSV whose coordinate columns are named longitude and latitude, with no CRS:
            // WGS 84. (Columns named x/y or a WKT column may hold metres: no guess.)
            let lonlat = (r.crs.is_none() && r.driver == "CSV" && csv_has_lon_lat(path))
                .then(|| "EPSG:4326".to_string());
            let push = |layers: &mut Vec<Layer>, role| {
                layers.push(Layer {
                    path: path.clone(),
                    layer: layer_name.clone(),
                    role,
                    features: r.features,
                    crs: lonlat.clone(),
                })
            };
            if r.features == 0 {
                continue;
            }
            if r.geometry_types.is_empty()
                || r.geometry_types.keys().all(|g| g == "None" || g.is_empty())
            {
                tables.push((path.clone(), fields));
                continue;
            }
            if osm {
                match r.layer.as_str() {
                    "multipolygons" => {
                        // GDAL's OSM driver keeps most tags in `other_tags`, which cpgis reads
                        // as fields by tag name: the building tags that decide floor area and
                        // age are mapped whether or not the first features carry them.
                        let mut tags = fields.clone();
                        tags.extend(["building:levels", "height", "start_date"].map(String::from));
                        let map = schema::building_map(Schema::Osm, &tags);
                        push(&mut layers, Role::Buildings { schema: Schema::Osm, map: Box::new(map), filter: Some("building IS NOT NULL".into()) });
                        push(&mut layers, Role::Context { kind: "water", filter: Some("\"natural\" = 'water'".into()) });
                        boundaries.push((path.clone(), r.layer.clone(), r.features, f64::INFINITY, r.clone()));
                    }
                    "points" => push(
                        &mut layers,
                        Role::Stops {
                            filter: Some("highway = 'bus_stop' OR other_tags LIKE '%\"railway\"=>\"station\"%' OR other_tags LIKE '%\"railway\"=>\"halt\"%' OR other_tags LIKE '%\"railway\"=>\"tram_stop\"%'".into()),
                            id: Some("osm_id".into()),
                            name: Some("name".into()),
                            modes: vec!["railway".into(), "highway".into()],
                        },
                    ),
                    "lines" => {
                        push(&mut layers, Role::Context { kind: "roads", filter: Some("highway IS NOT NULL".into()) });
                        push(&mut layers, Role::Context { kind: "rail", filter: Some("railway IS NOT NULL".into()) });
                    }
                    other => push(&mut layers, Role::Unused { what: format!("OpenStreetMap {other}") }),
                }
                continue;
            }
            if is_polygons(&r) {
                if let Some(schema) = schema::building_schema(&fields, &r.layer) {
                    let map = schema::building_map(schema, &fields);
                    guesses.extend(
                        map.guesses
                            .iter()
                            .map(|g| format!("{}: {g}", path.display())),
                    );
                    building_extents.extend(r.extent_wgs84);
                    // An URBANopt feature file holds its district systems and site origin
                    // beside the buildings, told apart by `type`.
                    let typed = schema == Schema::Urbanopt && fields.iter().any(|f| f == "type");
                    let filter = typed.then(|| "type = 'Building'".to_string());
                    push(
                        &mut layers,
                        Role::Buildings {
                            schema,
                            map: Box::new(map),
                            filter,
                        },
                    );
                    if typed {
                        let types = urbanopt::feature_types(path, Some(&r.layer))?;
                        for role in urbanopt::other_roles(&types) {
                            push(&mut layers, role);
                        }
                    }
                } else if let Some(field) =
                    schema::population_field(&fields).filter(|_| !schema::is_boundary(&fields))
                {
                    push(&mut layers, Role::Population { field });
                } else {
                    let area = r
                        .extent_wgs84
                        .map(|e| (e[2] - e[0]).abs() * (e[3] - e[1]).abs())
                        .unwrap_or(f64::INFINITY);
                    boundaries.push((path.clone(), r.layer.clone(), r.features, area, r.clone()));
                }
            } else if is_points(&r) {
                if let Some(map) = schema::benchmarking_map(&fields) {
                    // Point buildings: a benchmarking disclosure's properties.
                    guesses.extend(
                        map.guesses
                            .iter()
                            .map(|g| format!("{}: {g}", path.display())),
                    );
                    if lonlat.is_some() {
                        guesses.push(format!(
                            "{}: longitude/latitude columns in WGS 84 (crs = \"EPSG:4326\")",
                            path.display()
                        ));
                    }
                    push(
                        &mut layers,
                        Role::Buildings {
                            schema: Schema::Benchmarking,
                            map: Box::new(map),
                            filter: None,
                        },
                    );
                } else if let Some(field) =
                    schema::population_field(&fields).filter(|_| !schema::is_boundary(&fields))
                {
                    push(&mut layers, Role::Population { field });
                } else if schema::is_stops(&fields, &r.layer) {
                    push(
                        &mut layers,
                        Role::Stops {
                            filter: None,
                            id: if fields.iter().any(|f| f == "osm_id") {
                                Some("osm_id".to_string())
                            } else {
                                schema::name_field(&fields)
                            },
                            name: fields.iter().find(|f| *f == "name").cloned(),
                            modes: schema::stop_mode_fields(&fields),
                        },
                    );
                } else {
                    push(
                        &mut layers,
                        Role::Unused {
                            what: "points of no known kind".into(),
                        },
                    );
                }
            } else if is_lines(&r) {
                // Roads and rails are drawn under the report's maps ([context], one layer of
                // each kind): by their OSM tag field, else by the layer's or file's name.
                let named = |parts: &[&str]| {
                    let stem = path
                        .file_stem()
                        .map(|s| s.to_string_lossy().to_lowercase())
                        .unwrap_or_default();
                    let layer = r.layer.to_lowercase();
                    parts.iter().any(|p| stem.contains(p) || layer.contains(p))
                };
                let has_field = |f: &str| fields.iter().any(|x| x == f);
                let both = has_field("highway") && has_field("railway");
                let mut kinds: Vec<(&'static str, Option<String>)> = Vec::new();
                if has_field("highway") || (!has_field("railway") && named(&["road", "street"])) {
                    kinds.push(("roads", both.then(|| "highway IS NOT NULL".to_string())));
                }
                if has_field("railway") || (!has_field("highway") && named(&["rail"])) {
                    kinds.push(("rail", both.then(|| "railway IS NOT NULL".to_string())));
                }
                if kinds.is_empty() {
                    push(
                        &mut layers,
                        Role::Unused {
                            what: "lines of no known kind (roads and rails are told by a `highway` or `railway` field, or by the name): not used".into(),
                        },
                    );
                }
                for (kind, filter) in kinds {
                    let taken = layers
                        .iter()
                        .any(|l| matches!(&l.role, Role::Context { kind: k, .. } if *k == kind));
                    if taken {
                        push(
                            &mut layers,
                            Role::Unused {
                                what: format!("{kind} again: the report's maps draw one {kind} layer ([context] {kind})"),
                            },
                        );
                    } else {
                        push(&mut layers, Role::Context { kind, filter });
                    }
                }
            }
        }
    }

    // Join attribute tables to the CEA buildings layers that lack uses: each to the layer whose
    // key values it names most (CEA's typology describes the zone, not the surroundings, and
    // both have a `Name`; the first in the command line's order had been taken).
    for (tpath, tfields) in &tables {
        let mut best: Option<(usize, usize, usize, Vec<String>)> = None;
        // The table's key values, read once per key field.
        let mut table_keys: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
            Default::default();
        for (i, l) in layers.iter().enumerate() {
            let Role::Buildings {
                schema: Schema::Cea,
                map,
                ..
            } = &l.role
            else {
                continue;
            };
            let report_fields: Vec<String> = inspect_fields(&l.path)?;
            let mut probe = (**map).clone();
            if !schema::join_cea_typology(&mut probe, &report_fields, tpath, tfields) {
                continue;
            }
            let key = probe.join.as_ref().map(|j| j.1.clone()).unwrap_or_default();
            if !table_keys.contains_key(&key) {
                let values = key_values(tpath, None, &key)?;
                table_keys.insert(key.clone(), values);
            }
            let keys = &table_keys[&key];
            let layer_keys = key_values(&l.path, l.layer.as_deref(), &key)?;
            let matches = keys.intersection(&layer_keys).count();
            if matches > 0 && best.as_ref().is_none_or(|b| matches > b.1) {
                best = Some((i, matches, keys.len(), report_fields));
            }
        }
        if let Some((i, matches, rows, report_fields)) = best {
            let l = &mut layers[i];
            if let Role::Buildings { map, .. } = &mut l.role {
                schema::join_cea_typology(map, &report_fields, tpath, tfields);
                guesses.push(format!(
                    "{}: joined to {} by `{}` ({matches} of its {rows} names are buildings there)",
                    tpath.display(),
                    l.path.display(),
                    map.join.as_ref().map(|j| j.1.as_str()).unwrap_or("")
                ));
            }
        } else {
            layers.push(Layer {
                path: tpath.clone(),
                layer: None,
                role: Role::Unused {
                    what: "a table without geometry (no buildings layer without uses shares its key values)".into(),
                },
                features: 0,
                crs: None,
            });
        }
    }

    stops::settle(&mut layers)?;

    // The district: the named feature (--district), the buildings' outline
    // (--district-around-buildings), else the smallest single-polygon layer.
    let several_file = |p: &Path| multi_layer.iter().any(|m| m == p);
    let outlined = match from {
        DistrictFrom::AroundBuildings => Some(outline::outline(&layers)?),
        _ => None,
    };
    // The district's centre, longitude and latitude: the preset and grid region are chosen by it.
    let mut center: Option<(f64, f64)> = None;
    let mut chosen_name: Option<String> = None;
    if let Some(wanted) = district {
        let mut all_names = Vec::new();
        let mut hits = Vec::new();
        for (path, layer, _, _, report) in &boundaries {
            let (found, names) = find_features(path, layer, wanted)?;
            let label = if several_file(path) || report.driver == "OSM" {
                format!("{}, layer {layer}", path.display())
            } else {
                path.display().to_string()
            };
            all_names.push((label, names));
            hits.extend(
                found
                    .into_iter()
                    .map(|f| (path.clone(), layer.clone(), f, report.clone())),
            );
        }
        let found = choose_district(
            &hits.iter().map(|h| &h.2).collect::<Vec<_>>(),
            &building_extents,
        )
        .map(|(i, said)| {
            guesses.extend(said);
            hits.swap_remove(i)
        });
        let Some((path, layer, hit, report)) = found else {
            // Named by the first boundary layer searched (it had been the first file given,
            // a buildings layer as often as not).
            let file = boundaries
                .first()
                .map(|b| b.0.as_path())
                .or(paths.first().map(PathBuf::as_path))
                .unwrap_or(Path::new("."));
            return Err(bad(file, no_such_district(wanted, &all_names)));
        };
        let Found {
            field,
            value,
            level,
            name: district_name,
            ..
        } = hit;
        chosen_name = Some(district_name);
        let layer_opt = (several_file(&path) || report.driver == "OSM").then(|| layer.clone());
        let filter = match &level {
            Some(l) => format!(
                "admin_level = '{}' AND {field} = '{}'",
                quote(l),
                quote(&value)
            ),
            None => format!("{field} = '{}'", quote(&value)),
        };
        center = report.extent_wgs84.map(middle);
        layers.push(Layer {
            path: path.clone(),
            layer: layer_opt.clone(),
            role: Role::District {
                filter: Some(filter),
                name: Some(field.clone()),
            },
            features: 1,
            crs: None,
        });
        let (nb_filter, nb_count) = match &level {
            Some(l) => (
                Some(format!(
                    "admin_level = '{}' AND boundary = 'administrative'",
                    quote(l)
                )),
                0,
            ),
            None => (None, report.features),
        };
        for (other, other_layer, n, _, _) in &boundaries {
            let same = *other == path && *other_layer == layer;
            let is_buildings = layers.iter().any(|l| {
                l.path == *other
                    && matches!(l.role, Role::Buildings { .. })
                    && l.layer.as_deref().is_none_or(|x| x == other_layer)
            });
            if !same && !is_buildings {
                layers.push(Layer {
                    path: other.clone(),
                    layer: several_file(other).then(|| other_layer.clone()),
                    role: Role::Unused {
                        what: format!("{n} boundaries; the district and neighbourhoods come from the layer `{}` was found in", wanted),
                    },
                    features: *n,
                    crs: None,
                });
            }
        }
        layers.push(Layer {
            path,
            layer: layer_opt,
            role: Role::Neighbourhoods {
                filter: nb_filter,
                id: Some(field),
            },
            features: nb_count,
            crs: None,
        });
    } else {
        // Whether a boundary layer lies where the buildings are.
        let near_buildings = |r: &LayerReport| {
            r.extent_wgs84
                .is_some_and(|e| building_extents.iter().any(|x| overlap(&e, x)))
        };
        let holds_buildings =
            |b: &&(PathBuf, String, usize, f64, LayerReport)| near_buildings(&b.4);
        let all_singles: Vec<&(PathBuf, String, usize, f64, LayerReport)> =
            boundaries.iter().filter(|b| b.2 == 1).collect();
        // A district without buildings in it cannot be assessed: prefer those that hold some.
        let with_buildings: Vec<&(PathBuf, String, usize, f64, LayerReport)> = all_singles
            .iter()
            .copied()
            .filter(holds_buildings)
            .collect();
        let singles = if with_buildings.is_empty() {
            if !all_singles.is_empty() && !building_extents.is_empty() && outlined.is_none() {
                guesses.push("district: no single-polygon layer lies where the buildings are; the smallest was taken, so the run will find no building in it".into());
            }
            all_singles
        } else {
            with_buildings
        };
        // The smallest single polygon, unless the buildings' outline is the district.
        let d = singles
            .iter()
            .min_by(|a, b| a.3.total_cmp(&b.3))
            .filter(|_| outlined.is_none());
        if let Some(o) = &outlined {
            center = Some(o.centre);
            layers.push(Layer {
                path: PathBuf::from(OUTLINE_FILE),
                layer: None,
                role: Role::District {
                    filter: None,
                    name: Some("name".into()),
                },
                features: 1,
                crs: None,
            });
            chosen_name = None;
            let left_out = if o.without_geometry > 0 {
                format!(
                    " ({} buildings without a usable geometry left out)",
                    o.without_geometry
                )
            } else {
                String::new()
            };
            guesses.push(format!(
                "district: the outline of the {} buildings (their convex hull, {} m around){left_out}, written to {OUTLINE_FILE}: replace it with the district's boundary",
                o.buildings,
                outline::MARGIN_M
            ));
        } else if d.is_none() {
            return Err(bad(
                paths.first().map(PathBuf::as_path).unwrap_or(Path::new(".")),
                "no layer holds a single boundary polygon to take as the district: pass --district NAME_OR_ID to pick one from a boundary layer, or --district-around-buildings to take the buildings' outline (written beside the site file for you to check)".into(),
            ));
        }
        if let Some(d) = d {
            if singles.len() > 1 {
                guesses.push(format!(
                    "district: the smallest of {} single-polygon layers, {} (pass --district to choose)",
                    singles.len(),
                    d.0.display()
                ));
            }
            center = d.4.extent_wgs84.map(middle);
            layers.push(Layer {
                path: d.0.clone(),
                layer: several_file(&d.0).then(|| d.1.clone()),
                role: Role::District {
                    filter: None,
                    name: schema::name_field(&field_names(&d.4)),
                },
                features: 1,
                crs: None,
            });
            chosen_name = schema::name_field(&field_names(&d.4))
                .and_then(|field| first_value(&d.0, &d.1, &field));
        }
        // One neighbourhoods layer: of the boundary layers with several polygons where the
        // buildings are, the finest (most polygons).
        // An OSM extract's multipolygons are every area (buildings, lakes, boundaries of every
        // level): its neighbourhoods are an administrative level, which only a named district
        // (--district) gives. Here they are no boundary set.
        let osm_areas = |b: &(PathBuf, String, usize, f64, LayerReport)| b.4.driver == "OSM";
        let sets: Vec<&(PathBuf, String, usize, f64, LayerReport)> = boundaries
            .iter()
            .filter(|b| b.2 > 1 && !osm_areas(b))
            .collect();
        let near: Vec<&(PathBuf, String, usize, f64, LayerReport)> =
            sets.iter().copied().filter(holds_buildings).collect();
        let chosen_nb = (if near.is_empty() { &sets } else { &near })
            .iter()
            .max_by_key(|b| b.2)
            .map(|b| (b.0.clone(), b.1.clone()));
        for b @ (path, layer, n, _, report) in &boundaries {
            if osm_areas(b) {
                continue;
            }
            if *n > 1 && chosen_nb.as_ref() == Some(&(path.clone(), layer.clone())) {
                layers.push(Layer {
                    path: path.clone(),
                    layer: several_file(path).then(|| layer.clone()),
                    role: Role::Neighbourhoods {
                        filter: None,
                        id: schema::name_field(&field_names(report)),
                    },
                    features: *n,
                    crs: None,
                });
            } else if *n > 1 {
                let (cp, cl) = chosen_nb.clone().unwrap_or_default();
                let chosen = if several_file(&cp) {
                    format!("{}, layer {cl}", cp.display())
                } else {
                    cp.display().to_string()
                };
                let away = !near_buildings(report);
                layers.push(Layer {
                    path: path.clone(),
                    layer: several_file(path).then(|| layer.clone()),
                    role: Role::Unused {
                        what: if away && !building_extents.is_empty() {
                            format!("{n} boundaries away from the buildings")
                        } else {
                            format!("{n} boundaries (census tracts, zip codes, districts…); a site has one [neighbourhoods] layer and {chosen} (finer) was taken: put this one's path there to use it instead")
                        },
                    },
                    features: *n,
                    crs: None,
                });
            } else if d.is_none_or(|d| path != &d.0 || layer != &d.1) {
                layers.push(Layer {
                    path: path.clone(),
                    layer: several_file(path).then(|| layer.clone()),
                    role: Role::Unused {
                        what: if !near_buildings(report) && !building_extents.is_empty()
                        {
                            "a boundary polygon away from the buildings".into()
                        } else if d.is_none() {
                            format!("a single boundary polygon; the district is the buildings' outline ({OUTLINE_FILE}): put this one's path in [district] to use it instead")
                        } else {
                            "another single boundary polygon; the smaller one was taken as the district: put this one's path in [district] to use it instead".into()
                        },
                    },
                    features: *n,
                    crs: None,
                });
            }
        }
    }
    if !layers
        .iter()
        .any(|l| matches!(l.role, Role::Buildings { .. }))
    {
        return Err(bad(
            paths
                .first()
                .map(PathBuf::as_path)
                .unwrap_or(Path::new(".")),
            "none of these layers holds buildings (polygons with building attributes)".into(),
        ));
    }
    // The preset of the district's place. A place no built-in preset describes, or no place
    // known: none, and the site file says to name one (the run refuses to guess; a place unknown
    // had been given china-north "chosen by the district's location").
    let preset = center.and_then(|(lon, lat)| cpgis_core::preset::for_location(lon, lat));
    match (preset, center) {
        (Some(p), _) => guesses.push(format!(
            "preset: `{p}`, chosen by the district's location{}{}",
            grid_guess(p, center),
            climate_guess(p, center)
        )),
        (None, Some((lon, lat))) => guesses.push(format!(
            "preset: none written: no built-in preset describes a district at {} (the built-in ones are {}); name the closest in climate, grid and travel with preset = \"…\" and set the place's own factors in [factors], at least carriers.electricity: `cpgis run` refuses to guess",
            cpgis_core::preset::place_text(lon, lat),
            cpgis_core::preset::PRESET_PLACES
        )),
        (None, None) => guesses.push(
            "preset: none written: the district's place could not be told (its layer declares no CRS, or one GDAL cannot place on the globe); name one with preset = \"…\" (`cpgis presets` lists them)".into(),
        ),
    }
    for l in &mut layers {
        if let Role::Buildings { map, .. } = &mut l.role {
            if let Some(g) = schema::country_units(map, preset.unwrap_or("")) {
                guesses.push(format!("{}: {g}", l.path.display()));
            }
        }
    }
    Ok(Proposal {
        layers,
        preset,
        guesses,
        district_name: chosen_name,
        outline: outlined,
    })
}

/// What the run will take for the grid's electricity factor, for init's guesses: the region of
/// the nearest listed city, else the preset's own with what it stands for.
/// A site's name from its boundary file: the file's stem, or where that is a generic word
/// (CEA's `site.shp`, a `district.geojson`) the nearest folder whose name is not (CEA's
/// `scenario/inputs/building-geometry/site.shp` → `scenario`; `cea-zug/site.geojson` →
/// `cea-zug`): the site had been called "site".
fn name_of_path(path: &Path) -> Option<String> {
    const GENERIC: [&str; 16] = [
        "site",
        "district",
        "boundary",
        "boundaries",
        "zone",
        "area",
        "aoi",
        "study_area",
        "shapefile",
        "shapefiles",
        "inputs",
        "input",
        "data",
        "layers",
        "building-geometry",
        ".",
    ];
    let generic = |s: &str| GENERIC.contains(&s.to_lowercase().as_str());
    let stem = path.file_stem()?.to_string_lossy().into_owned();
    if !generic(&stem) {
        return Some(stem);
    }
    let folder = path
        .canonicalize()
        .ok()
        .unwrap_or_else(|| path.to_path_buf())
        .ancestors()
        .skip(1)
        .take(4)
        .filter_map(|a| a.file_name().map(|n| n.to_string_lossy().into_owned()))
        .find(|n| !generic(n));
    Some(folder.unwrap_or(stem))
}

fn grid_guess(preset: &str, center: Option<(f64, f64)>) -> String {
    use cpgis_core::preset::regions;
    let chain = [preset.to_string()];
    let own = "set the district's utility's own as [factors] carriers.electricity = { value, unit, source }";
    let picked = center.and_then(|(lon, lat)| {
        let (city, km) = regions::nearest_city(&chain, lon, lat)?;
        let caution = regions::pick_caution(&chain, lon, lat, city, km);
        Some((city, km, regions::find(&chain, city.code)?, caution))
    });
    if let Some((city, km, r, caution)) = picked {
        return format!(
            "; the run takes the electricity factor of grid region {} ({}, {:.4} kg CO2e/kWh), that of the nearest listed city, {}, {km:.0} km away{caution} (name another with grid_region = \"CODE\", or {own})",
            r.code, r.name, r.kg_per_kwh, city.name
        );
    }
    let spread = regions::spread(&chain)
        .map(|(lo, hi)| format!(" (its regions spread from {:.4} ({}) to {:.4} ({}) kg CO2e/kWh: name one with grid_region = \"CODE\")", lo.kg_per_kwh, lo.code, hi.kg_per_kwh, hi.code))
        .unwrap_or_default();
    cpgis_core::preset::grid_scope(preset)
        .map(|s| format!("; its electricity factor is {s}{spread}: {own}"))
        .unwrap_or_default()
}

/// What the run will scale space heat by, where the preset describes a climate and the
/// district's country has degree days compiled in (as `cpgis run` settles it).
fn climate_guess(preset: &str, center: Option<(f64, f64)>) -> String {
    use cpgis_core::preset::{degree_days, regions};
    let Some((lon, lat)) = center else {
        return String::new();
    };
    let Ok(p) = cpgis_core::preset::resolve(
        preset,
        Path::new("."),
        &[],
        Path::new("site.toml"),
        &cpgis_io::Disk,
    ) else {
        return String::new();
    };
    let Some(reference) = p.get(degree_days::REFERENCE_KEY) else {
        return String::new();
    };
    let found = regions::nearest_city(&p.chain, lon, lat).and_then(|(city, _)| {
        let r = regions::find(&p.chain, city.code)
            .filter(|r| r.preset == degree_days::REGIONS_PRESET)?;
        Some((r, degree_days::of_country(r.code)?))
    });
    match found {
        Some((r, c)) => format!(
            "; space heat is scaled by {}'s heating degree days, {:.1} a year (Eurostat, {}-{}), over the {:.1} of the {preset} preset's climate: × {:.3} (give the site's own as [climate] heating_degree_days and reference_heating_degree_days)",
            r.name,
            c.normal(),
            degree_days::FIRST_YEAR,
            degree_days::LAST_YEAR,
            reference.value,
            (c.normal() * 10.0).round() / 10.0 / reference.value
        ),
        None => String::new(),
    }
}

/// Writes the site file for `paths` to `out` (atomically) and returns the guesses made; with
/// [`DistrictFrom::AroundBuildings`], the buildings' outline first, as [`OUTLINE_FILE`] beside
/// it.
pub fn init(
    paths: &[PathBuf],
    from: DistrictFrom,
    out: &Path,
    force: bool,
) -> Result<(Vec<String>, Vec<String>)> {
    if out.exists() && !force {
        return Err(Error::Output {
            path: out.to_path_buf(),
            problem: "exists, and may be a site file edited by hand: write the new one elsewhere with -o, or pass --force to replace it".into(),
        });
    }
    let mut proposal = propose(paths, from)?;
    let base = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    // `-o new/site.toml` makes the folder, as `run -o` does.
    std::fs::create_dir_all(&base).map_err(|e| Error::Output {
        path: base.clone(),
        problem: format!("cannot create the folder for the site file: {e}"),
    })?;
    let buildings_stem = proposal
        .layers
        .iter()
        .find(|l| matches!(l.role, Role::Buildings { .. }))
        .and_then(|l| l.path.file_stem())
        .map(|s| s.to_string_lossy().into_owned());
    // Both files are written in full before either is renamed into place, the district first:
    // a failed write leaves the previous pair; only a kill between the two renames could leave
    // a new outline beside the previous site file.
    let mut district_file = None;
    if let Some(o) = &proposal.outline {
        let file = base.join(OUTLINE_FILE);
        if file.exists() && !force {
            return Err(Error::Output {
                path: file,
                problem: "exists, and may be a district drawn by hand: write the site file elsewhere with -o, or pass --force to replace both".into(),
            });
        }
        let name = buildings_stem.clone().unwrap_or_else(|| "site".into());
        let text = outline::geojson(o, &name);
        district_file = Some(crate::export::atomic::write_staged(&file, |w| {
            w.write_all(text.as_bytes())
        })?);
        for l in &mut proposal.layers {
            if matches!(l.role, Role::District { .. }) {
                l.path = file.clone();
            }
        }
    }
    let district = match from {
        DistrictFrom::Named(n) => Some(n.to_string()),
        DistrictFrom::AroundBuildings => buildings_stem,
        DistrictFrom::Boundary => None,
    };
    let name = proposal
        .district_name
        .clone()
        .or(district)
        .unwrap_or_else(|| {
            proposal
                .layers
                .iter()
                .find(|l| matches!(l.role, Role::District { .. }))
                .and_then(|l| name_of_path(&l.path))
                .unwrap_or_else(|| "site".into())
        });
    let text = write::site_file(&proposal, &base, &name);
    let site = crate::export::atomic::write_staged(out, |w| w.write_all(text.as_bytes()))?;
    if let Some(d) = district_file {
        d.commit()?;
    }
    site.commit()?;
    let mut accounted = accounts(&proposal);
    accounted.extend(
        unmapped(&proposal)
            .into_iter()
            .map(|u| format!("not mapped: {u}")),
    );
    Ok((accounted, proposal.guesses))
}

/// What decides the result and could not be mapped for a buildings layer, in words: no
/// floor area (nor floors or height), no use, no meters.
pub fn unmapped(p: &Proposal) -> Vec<String> {
    let mut out = Vec::new();
    for l in &p.layers {
        let Role::Buildings { map, .. } = &l.role else {
            continue;
        };
        let at = match &l.layer {
            Some(n) => format!("{}, layer {n}", l.path.display()),
            None => l.path.display().to_string(),
        };
        if map.gfa.is_none() && map.floors.is_none() && map.height.is_none() {
            out.push(format!("{at}: no floor-area, floors or height field: floor area is the footprint × the use's default floors (a point building gets none); map one in [buildings] if the layer has it"));
        }
        if map.uses.is_empty() {
            out.push(format!("{at}: no use field: every building is `unknown` (modelled as partly housing); map one as `use` in [buildings]"));
        }
        if map.energy.is_empty() {
            out.push(format!("{at}: no meter fields: energy is modelled from the preset's archetypes (tier 1); map metered energy as energy.<carrier> = {{ field, unit }} if the data has it"));
        }
    }
    out
}

/// One line per file and layer given: what it is used as, or why it is not used.
pub fn accounts(p: &Proposal) -> Vec<String> {
    p.layers
        .iter()
        .map(|l| {
            let at = match &l.layer {
                Some(n) => format!("{}, layer {n}", l.path.display()),
                None => l.path.display().to_string(),
            };
            let n = l.features;
            match &l.role {
                Role::District { .. } => format!("used as the district: {at}"),
                Role::Neighbourhoods { .. } if n > 0 => {
                    format!("used as the neighbourhoods ({n}): {at}")
                }
                Role::Neighbourhoods { .. } => format!("used as the neighbourhoods: {at}"),
                Role::Buildings {
                    schema,
                    filter: None,
                    ..
                } => format!("used as buildings ({n}, {schema:?} schema): {at}"),
                Role::Buildings {
                    schema,
                    filter: Some(f),
                    ..
                } => format!(
                    "used as buildings (those of its {n} features where {f}, {schema:?} schema): {at}"
                ),
                Role::Stops { filter: None, .. } => {
                    format!("used as transit stops ({n}): {at}")
                }
                Role::Stops { filter: Some(_), .. } => format!(
                    "used as transit stops (those of its {n} points the site file's filter picks): {at}"
                ),
                Role::Gtfs => format!("used as the transit timetable (GTFS): {at}"),
                Role::Population { field } => {
                    format!("used as the population (`{field}`, {n} features): {at}")
                }
                Role::Unused { what } => format!("not used: {at}: {what}"),
                Role::Context {
                    kind,
                    filter: Some(f),
                } => format!(
                    "used as the maps' {kind} (those of its {n} features where {f}; drawn only): {at}"
                ),
                Role::Context { kind, filter: None } => {
                    format!("used as the maps' {kind} ({n} features; drawn only): {at}")
                }
            }
        })
        .collect()
}
