//! Known schemas of building and stop layers, recognised by their field names, and the
//! site-file mapping each implies: OpenStreetMap, City Energy Analyst, URBANopt, and a generic
//! fallback that looks for the usual names.

/// A recognised building schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    Osm,
    Cea,
    Urbanopt,
    /// A building-energy benchmarking disclosure: one row per property, floor area and
    /// metered energy with their units in the field names.
    Benchmarking,
    Generic,
}

impl Schema {
    pub fn label(self) -> &'static str {
        match self {
            Schema::Osm => "OpenStreetMap",
            Schema::Cea => "City Energy Analyst",
            Schema::Urbanopt => "URBANopt",
            Schema::Benchmarking => "energy benchmarking",
            Schema::Generic => "no known schema",
        }
    }
}

/// The mapping of a buildings layer, as site-file lines.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BuildingMap {
    pub id: Vec<String>,
    /// `use = "field"` or a list of `{ field, share }` (CEA) or `{ field, area }` (benchmarking).
    pub uses: Vec<(String, Option<String>)>,
    /// The second field of each use holds its floor area in `gfa`'s unit, not its share.
    pub use_areas: bool,
    /// The uses' share fields are in per cent (URBANopt's `mixed_type_N_percentage`).
    pub use_percent: bool,
    pub floors: Option<String>,
    pub height: Option<String>,
    pub year: Option<String>,
    /// A construction-standard field (CEA's `standard`), which decides the era over the year.
    pub standard: Option<String>,
    /// The floor-area field and its unit (`ft2` or `m2`).
    pub gfa: Option<(String, String)>,
    /// The floor area's name gives no unit: the country's is used (`country_units`).
    pub gfa_unit_guessed: bool,
    pub energy: Vec<(String, String, String)>,
    /// Fields that had to be guessed, for comments.
    pub guesses: Vec<String>,
    /// An attribute table joined by a key field (CEA's `typology.dbf` by `Name`).
    pub join: Option<(std::path::PathBuf, String)>,
}

/// Completes a CEA buildings mapping from a joined typology table: its uses with shares and
/// its year, when the geometry layer lacks them.
pub fn join_cea_typology(
    m: &mut BuildingMap,
    layer_fields: &[String],
    table: &std::path::Path,
    table_fields: &[String],
) -> bool {
    let key = ["Name", "name"]
        .iter()
        .find(|k| has(layer_fields, k) && has(table_fields, k));
    let Some(key) = key else { return false };
    // OpenStreetMap's `category` gives way to the typology's uses with their shares.
    let category_only = matches!(m.uses.as_slice(), [(f, None)] if f == "category");
    if !(m.uses.is_empty() || category_only)
        || !(has(table_fields, "1ST_USE") || has(table_fields, "use1"))
    {
        return false;
    }
    m.uses.clear();
    for (u, r) in [
        ("1ST_USE", "1ST_USE_R"),
        ("2ND_USE", "2ND_USE_R"),
        ("3RD_USE", "3RD_USE_R"),
        ("use1", "use1_r"),
        ("use2", "use2_r"),
        ("use3", "use3_r"),
    ] {
        if has(table_fields, u) {
            m.uses.push((
                u.into(),
                Some(r.to_string()).filter(|r| has(table_fields, r)),
            ));
        }
    }
    if m.year.is_none() {
        m.year = first(table_fields, &["YEAR", "year"]);
    }
    if m.standard.is_none() {
        m.standard = first(table_fields, &["STANDARD", "standard"]);
    }
    m.join = Some((table.to_path_buf(), key.to_string()));
    true
}

fn has(fields: &[String], name: &str) -> bool {
    fields.iter().any(|f| f == name)
}

/// The first of `names` the layer has.
fn first(fields: &[String], names: &[&str]) -> Option<String> {
    names.iter().find(|n| has(fields, n)).map(|n| n.to_string())
}

/// The first field whose lower-cased name contains one of `parts`.
fn containing(fields: &[String], parts: &[&str]) -> Option<String> {
    fields
        .iter()
        .find(|f| {
            let l = f.to_lowercase();
            parts.iter().any(|p| l.contains(p))
        })
        .cloned()
}

/// Which schema a polygon layer's fields follow, if it holds buildings at all.
pub fn building_schema(fields: &[String], layer: &str) -> Option<Schema> {
    if has(fields, "floors_ag") || has(fields, "zone.floors_ag") {
        return Some(Schema::Cea);
    }
    if has(fields, "building_type")
        && (has(fields, "floor_area") || has(fields, "number_of_stories"))
    {
        return Some(Schema::Urbanopt);
    }
    if has(fields, "building") && (has(fields, "osm_id") || has(fields, "osm_way_id")) {
        return Some(Schema::Osm);
    }
    if benchmarking_map(fields).is_some() {
        return Some(Schema::Benchmarking);
    }
    let l = layer.to_lowercase();
    let named = l.contains("build")
        || l.contains("rakennu")
        || l.contains("gebaeude")
        || l.contains("footprint");
    let attrs = containing(fields, &["floor", "storey", "stories", "levels", "height"]).is_some();
    if named || attrs {
        return Some(Schema::Generic);
    }
    None
}

/// The mapping of a buildings layer of a schema.
pub fn building_map(schema: Schema, fields: &[String]) -> BuildingMap {
    let mut m = BuildingMap::default();
    match schema {
        Schema::Osm => {
            m.id = ["osm_way_id", "osm_id"]
                .iter()
                .filter(|f| has(fields, f))
                .map(|f| f.to_string())
                .collect();
            m.uses = vec![("building".into(), None)];
            m.floors = first(fields, &["building_levels", "building:levels"]);
            m.height = first(fields, &["height", "building:height"]);
            m.year = first(
                fields,
                &["start_date", "building:year", "construction_date"],
            );
        }
        Schema::Cea => {
            let p = if has(fields, "zone.Name") {
                "zone."
            } else {
                ""
            };
            m.id = first(fields, &["zone.Name", "Name", "name"])
                .into_iter()
                .collect();
            for (u, r) in [
                ("use1", "use1_r"),
                ("use2", "use2_r"),
                ("use3", "use3_r"),
                ("1ST_USE", "1ST_USE_R"),
                ("2ND_USE", "2ND_USE_R"),
                ("3RD_USE", "3RD_USE_R"),
            ] {
                if has(fields, u) {
                    m.uses
                        .push((u.into(), Some(r.to_string()).filter(|r| has(fields, r))));
                }
            }
            // CEA's surroundings carry no use fields but keep OpenStreetMap's building value
            // in `category` (house, commercial, yes, …).
            if m.uses.is_empty() && has(fields, "category") {
                m.uses.push(("category".into(), None));
            }
            m.floors = first(fields, &[&format!("{p}floors_ag"), "floors_ag"]);
            m.height = first(fields, &[&format!("{p}height_ag"), "height_ag"]);
            m.year = first(fields, &["year", "YEAR"]);
            m.standard = first(fields, &["standard", "STANDARD"]);
        }
        Schema::Urbanopt => {
            m.id = first(fields, &["id", "name"]).into_iter().collect();
            m.uses = vec![("building_type".into(), None)];
            // A "Mixed use" building's parts with their percentages (shares that add up to
            // more than 1 are normalised); the type's own slot then gets no share.
            for n in 1..=4 {
                let (t, pct) = (
                    format!("mixed_type_{n}"),
                    format!("mixed_type_{n}_percentage"),
                );
                if has(fields, &t) {
                    m.uses.push((t, Some(pct).filter(|p| has(fields, p))));
                }
            }
            m.use_percent = true;
            m.floors = first(
                fields,
                &["number_of_stories_above_ground", "number_of_stories"],
            );
            m.height = first(fields, &["height"]);
            m.year = first(fields, &["year_built"]);
            m.gfa = first(fields, &["floor_area"]).map(|f| (f, "ft2".to_string()));
            for (carrier, field) in [
                ("electricity", "user_data_electricity_kWh_ft2"),
                ("natural_gas", "user_data_natural_gas_kWh_ft2"),
            ] {
                if has(fields, field) {
                    m.energy
                        .push((carrier.into(), field.into(), "kWh/ft2".into()));
                }
            }
        }
        Schema::Benchmarking => {
            m = benchmarking_map(fields).unwrap_or_default();
        }
        Schema::Generic => {
            if let Some(id) = first(fields, &["id", "ID", "fid", "name", "Name"]) {
                m.guesses.push(format!("id: `{id}`"));
                m.id = vec![id];
            }
            if let Some(u) = containing(fields, &["use", "type", "kaytto", "nutzung"]) {
                m.guesses.push(format!("use: `{u}`"));
                m.uses = vec![(u, None)];
            }
            m.floors = containing(
                fields,
                &["floors", "storeys", "stories", "levels", "kerros"],
            );
            m.height = containing(fields, &["height", "korkeus", "hoehe"]);
            m.year = containing(fields, &["year", "vuosi", "baujahr", "built", "date"]);
            for f in [&m.floors, &m.height, &m.year].into_iter().flatten() {
                m.guesses.push(format!("`{f}` by its name"));
            }
        }
    }
    m
}

/// The unit written in a field name (`(kWh)`, `therms`, `kBtu`, `ft²`), as a site-file unit.
fn unit_in_name(lower: &str) -> Option<&'static str> {
    // Longest first: `mmbtu` before `kbtu`, `mwh` before `kwh`.
    const UNITS: [(&str, &str); 13] = [
        ("mmbtu", "MMBtu"),
        ("kbtu", "kBtu"),
        ("therm", "therm"),
        ("mwh", "MWh"),
        ("kwh", "kWh"),
        ("gj", "GJ"),
        ("mj", "MJ"),
        ("m³", "m3"),
        ("(m3)", "m3"),
        ("ft²", "ft2"),
        ("ft2", "ft2"),
        ("sq ft", "ft2"),
        ("m²", "m2"),
    ];
    UNITS
        .iter()
        .find(|(k, _)| lower.contains(k))
        .map(|(_, u)| *u)
}

/// The carrier a field name speaks of, if any.
fn carrier_in_name(lower: &str) -> Option<&'static str> {
    if lower.contains("steam") {
        Some("district_steam")
    } else if lower.contains("electric") || lower.contains("kwh_el") {
        Some("electricity")
    } else if lower.contains("natural gas")
        || lower.contains("natural_gas")
        || lower.contains("gas_")
        || lower.starts_with("gas")
    {
        Some("natural_gas")
    } else if lower.contains("district heat")
        || lower.contains("district_heat")
        || lower.contains("heat_gj")
    {
        Some("district_heat")
    } else if lower.contains("fuel oil") || lower.contains("fuel_oil") {
        Some("oil")
    } else {
        None
    }
}

/// A benchmarking disclosure's mapping, recognised by the units written in its field names:
/// the floor area (`Property GFA - Self-Reported (ft²)`, `GrossFloorArea`, `GFA_m2`) and
/// metered energy per carrier (`Electricity Use - Grid Purchase (kWh)`, `Natural Gas Use
/// (therms)`, `District Steam Use (kBtu)`). Intensities, costs, emissions and weather-normalised
/// values are not meters and are left out. `None` without a floor area or a meter.
pub fn benchmarking_map(fields: &[String]) -> Option<BuildingMap> {
    let mut m = BuildingMap::default();
    let not_a_meter = |l: &str| {
        [
            "eui",
            "intensity",
            "/ft",
            "/m2",
            "per ",
            "cost",
            "emission",
            "ghg",
            "normalized",
            "normalised",
            "score",
            "generation",
            "export",
            "demand",
        ]
        .iter()
        .any(|w| l.contains(w))
    };
    for f in fields {
        let l = f.to_lowercase();
        let area = l.contains("gfa")
            || l.contains("floor area")
            || l.contains("floor_area")
            || l.contains("floorarea");
        if area && use_rank(&squeeze(f)).is_some() {
            continue; // a use's floor area (ranked_uses), not the property's
        }
        if area && m.gfa.is_none() && !not_a_meter(&l.replace("(ft²)", "").replace("(ft2)", "")) {
            match unit_in_name(&l) {
                Some(u @ ("ft2" | "m2")) => m.gfa = Some((f.clone(), u.to_string())),
                _ if l.contains("ft") => m.gfa = Some((f.clone(), "ft2".to_string())),
                _ => {
                    // The unit is the country's (`country_units`), once the preset is known.
                    m.gfa_unit_guessed = true;
                    m.gfa = Some((f.clone(), "m2".to_string()));
                }
            }
            continue;
        }
        if not_a_meter(&l) {
            continue;
        }
        if let (Some(carrier), Some(unit)) = (carrier_in_name(&l), unit_in_name(&l)) {
            if matches!(unit, "ft2" | "m2") {
                continue;
            }
            if m.energy.iter().any(|(c, _, _)| c == carrier) {
                m.guesses
                    .push(format!("`{f}`: another {carrier} field, left out"));
                continue;
            }
            m.energy
                .push((carrier.to_string(), f.clone(), unit.to_string()));
        }
    }
    if m.gfa.is_none() && m.energy.is_empty() {
        return None;
    }
    let id_names = [
        "Property Id",
        "Property ID",
        "PropertyId",
        "BBL",
        "UPRN",
        "BuildingID",
        "Building ID",
        "OSEBuildingID",
        "id",
        "ID",
    ];
    m.id = first(fields, &id_names)
        .or_else(|| {
            fields
                .iter()
                .find(|f| f.to_lowercase().ends_with("buildingid"))
                .cloned()
        })
        .into_iter()
        .collect();
    m.uses = ranked_uses(fields);
    m.use_areas = m.uses.iter().any(|u| u.1.is_some());
    if m.uses.is_empty() {
        let use_names = [
            "Primary Property Type - Self Selected",
            "Primary Property Type",
            "PrimaryPropertyType",
            "Property Type",
        ];
        if let Some(u) = first(fields, &use_names) {
            m.uses = vec![(u, None)];
        }
    }
    m.year = first(fields, &["Year Built", "YearBuilt", "year_built"]);
    m.floors = first(
        fields,
        &["Number of Floors", "NumberofFloors", "Number Of Floors"],
    );
    Some(m)
}

/// Gives a floor-area field without a unit in its name the unit of the preset's country: ft²
/// for the `usa` preset (US disclosures report ft²), m² elsewhere. Returns the guess made.
pub fn country_units(m: &mut BuildingMap, preset: &str) -> Option<String> {
    let (field, unit) = m.gfa.as_mut().filter(|_| m.gfa_unit_guessed)?;
    let (u, text) = if preset == "usa" {
        (
            "ft2",
            "ft² (no unit in its name; US disclosures report ft²)",
        )
    } else {
        ("m2", "m² (no unit in its name)")
    };
    *unit = u.to_string();
    Some(format!("`{field}`: floor area in {text}"))
}

/// A field name in lower case without spaces or punctuation: `2nd Largest Property Use -
/// Gross Floor Area (ft²)` → `2ndlargestpropertyusegrossfloorareaft`.
fn squeeze(f: &str) -> String {
    f.to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// The rank (0, 1, 2) of a benchmarking field about the largest, second or third property use
/// (Portfolio Manager's names as NYC and Seattle publish them), and the rest of its name.
fn use_rank(squeezed: &str) -> Option<(usize, &str)> {
    for (rank, prefixes) in [
        (1, &["2nd", "second"][..]),
        (2, &["3rd", "third"][..]),
        (0, &[""][..]),
    ] {
        for p in prefixes {
            if let Some(rest) = squeezed
                .strip_prefix(p)
                .and_then(|r| r.strip_prefix("largestpropertyuse"))
            {
                return Some((rank, rest));
            }
        }
    }
    None
}

/// The largest, second and third property uses of a benchmarking layer, each with the field of
/// its floor area when there is one (`Largest Property Use Type - Gross Floor Area (ft²)`,
/// `SecondLargestPropertyUseTypeGFA`).
fn ranked_uses(fields: &[String]) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for want in 0..3 {
        let mut kind = None;
        let mut area = None;
        for f in fields {
            let s = squeeze(f);
            match use_rank(&s) {
                Some((rank, "type")) if rank == want => kind = Some(f.clone()),
                Some((rank, rest))
                    if rank == want && (rest.contains("gfa") || rest.contains("floorarea")) =>
                {
                    area = Some(f.clone())
                }
                _ => {}
            }
        }
        if let Some(k) = kind {
            out.push((k, area));
        }
    }
    out
}

/// True for a layer of administrative or other boundaries (OSM's `admin_level` or `boundary`
/// field): never a population layer, even when its features carry a `population` tag.
pub fn is_boundary(fields: &[String]) -> bool {
    has(fields, "admin_level") || has(fields, "boundary")
}

/// Field holding residents in a population layer, if any.
pub fn population_field(fields: &[String]) -> Option<String> {
    fields
        .iter()
        .find(|f| {
            let l = f.to_lowercase();
            [
                "population",
                "pop",
                "residents",
                "inhabitants",
                "asukkaat",
                "vaesto",
                "einwohner",
            ]
            .iter()
            .any(|p| l == *p || l.starts_with(&format!("{p}_")) || l.ends_with(&format!("_{p}")))
        })
        .cloned()
}

/// True when a point layer holds transit stops by its fields or name.
pub fn is_stops(fields: &[String], layer: &str) -> bool {
    [
        "public_transport",
        "railway",
        "highway",
        "stop_id",
        "stop_name",
    ]
    .iter()
    .any(|f| has(fields, f))
        || layer.to_lowercase().contains("stop")
}

/// The mode mapping of an OSM-like stops layer: the fields to look at, in order.
pub fn stop_mode_fields(fields: &[String]) -> Vec<String> {
    ["railway", "public_transport", "highway"]
        .iter()
        .filter(|f| has(fields, f))
        .map(|f| f.to_string())
        .collect()
}

/// A field naming features (neighbourhoods, stops), if any.
pub fn name_field(fields: &[String]) -> Option<String> {
    first(
        fields,
        &["name", "Name", "NAME", "nimi", "namn", "id", "ID"],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn schemas_are_recognised_by_their_fields() {
        let cea = f(&[
            "zone.Name",
            "zone.floors_ag",
            "zone.height_ag",
            "use1",
            "use1_r",
            "use2",
            "use2_r",
            "year",
        ]);
        assert_eq!(building_schema(&cea, "zone"), Some(Schema::Cea));
        let m = building_map(Schema::Cea, &cea);
        assert_eq!(m.id, ["zone.Name"]);
        assert_eq!(m.floors.as_deref(), Some("zone.floors_ag"));
        assert_eq!(
            m.uses,
            [
                ("use1".to_string(), Some("use1_r".to_string())),
                ("use2".to_string(), Some("use2_r".to_string()))
            ]
        );
        let uo = f(&[
            "id",
            "building_type",
            "floor_area",
            "number_of_stories",
            "year_built",
        ]);
        assert_eq!(building_schema(&uo, "x"), Some(Schema::Urbanopt));
        assert_eq!(
            building_map(Schema::Urbanopt, &uo).gfa,
            Some(("floor_area".to_string(), "ft2".to_string()))
        );
        let osm = f(&[
            "osm_id",
            "osm_way_id",
            "building",
            "building_levels",
            "start_date",
        ]);
        assert_eq!(building_schema(&osm, "buildings"), Some(Schema::Osm));
        assert_eq!(building_map(Schema::Osm, &osm).id, ["osm_way_id", "osm_id"]);
        assert_eq!(
            building_schema(&f(&["name", "admin_level"]), "districts"),
            None
        );
        assert_eq!(
            population_field(&f(&["id", "population"])).as_deref(),
            Some("population")
        );
    }

    /// Field names of a US benchmarking disclosure (NYC and Seattle publish these): the meters
    /// and the floor area found by carrier and unit, the intensities, costs, emissions and
    /// weather-normalised values left out, a second field of one carrier noted.
    #[test]
    fn benchmarking_fields_are_found_by_carrier_and_unit() {
        let fields = f(&[
            "Property Id",
            "Largest Property Use Type - Gross Floor Area (ft²)",
            "Property GFA - Self-Reported (ft²)",
            "Site EUI (kBtu/ft²)",
            "Electricity Use - Grid Purchase (kWh)",
            "Electricity Use - Grid Purchase (kBtu)",
            "Weather Normalized Site Electricity (kWh)",
            "Natural Gas Use (therms)",
            "District Steam Use (kBtu)",
            "Fuel Oil #2 Use (kBtu)",
            "Total GHG Emissions (Metric Tons CO2e)",
            "Largest Property Use Type",
            "3rd Largest Property Use Type",
            "2nd Largest Property Use Type",
            "2nd Largest Property Use - Gross Floor Area (ft²)",
            "Year Built",
        ]);
        let m = benchmarking_map(&fields).unwrap();
        assert_eq!(m.id, ["Property Id"]);
        assert_eq!(
            m.gfa,
            Some((
                "Property GFA - Self-Reported (ft²)".to_string(),
                "ft2".to_string()
            ))
        );
        let energy: Vec<(&str, &str, &str)> = m
            .energy
            .iter()
            .map(|(c, f, u)| (c.as_str(), f.as_str(), u.as_str()))
            .collect();
        assert_eq!(
            energy,
            [
                (
                    "electricity",
                    "Electricity Use - Grid Purchase (kWh)",
                    "kWh"
                ),
                ("natural_gas", "Natural Gas Use (therms)", "therm"),
                ("district_steam", "District Steam Use (kBtu)", "kBtu"),
                ("oil", "Fuel Oil #2 Use (kBtu)", "kBtu"),
            ]
        );
        assert!(m
            .guesses
            .iter()
            .any(|g| g.contains("(kBtu)`: another electricity field")));
        // Ranked, each with its floor area where the layer has one; the largest use's floor
        // area is not taken for the property's.
        let s = |v: &str| v.to_string();
        assert_eq!(
            m.uses,
            [
                (
                    s("Largest Property Use Type"),
                    Some(s("Largest Property Use Type - Gross Floor Area (ft²)"))
                ),
                (
                    s("2nd Largest Property Use Type"),
                    Some(s("2nd Largest Property Use - Gross Floor Area (ft²)"))
                ),
                (s("3rd Largest Property Use Type"), None),
            ]
        );
        assert!(m.use_areas);
        // Seattle's spelling.
        let seattle = f(&[
            "OSEBuildingID",
            "PropertyGFATotal",
            "LargestPropertyUseType",
            "LargestPropertyUseTypeGFA",
            "SecondLargestPropertyUseType",
            "SecondLargestPropertyUseTypeGFA",
            "Electricity(kWh)",
        ]);
        let mut m2 = benchmarking_map(&seattle).unwrap();
        assert_eq!(m2.gfa, Some((s("PropertyGFATotal"), s("m2"))));
        assert!(country_units(&mut m2, "usa").unwrap().contains("ft²"));
        assert_eq!(m2.gfa, Some((s("PropertyGFATotal"), s("ft2"))));
        assert_eq!(m2.uses.len(), 2);
        assert_eq!(
            m2.uses[1].1.as_deref(),
            Some("SecondLargestPropertyUseTypeGFA")
        );
        assert_eq!(m.year.as_deref(), Some("Year Built"));
        assert_eq!(benchmarking_map(&f(&["name", "population"])), None);
    }
}
