//! Known schemas of building and stop layers, recognised by their field names, and the
//! site-file mapping each implies: OpenStreetMap, City Energy Analyst, URBANopt, and a generic
//! fallback that looks for the usual names.

/// A recognised building schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    Osm,
    Cea,
    Urbanopt,
    Generic,
}

impl Schema {
    pub fn label(self) -> &'static str {
        match self {
            Schema::Osm => "OpenStreetMap",
            Schema::Cea => "City Energy Analyst",
            Schema::Urbanopt => "URBANopt",
            Schema::Generic => "no known schema",
        }
    }
}

/// The mapping of a buildings layer, as site-file lines.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BuildingMap {
    pub id: Vec<String>,
    /// `use = "field"` or CEA's list of `{ field, share }`.
    pub uses: Vec<(String, Option<String>)>,
    pub floors: Option<String>,
    pub height: Option<String>,
    pub year: Option<String>,
    pub gfa_ft2: Option<String>,
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
    if !m.uses.is_empty() || !(has(table_fields, "1ST_USE") || has(table_fields, "use1")) {
        return false;
    }
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
            m.floors = first(fields, &[&format!("{p}floors_ag"), "floors_ag"]);
            m.height = first(fields, &[&format!("{p}height_ag"), "height_ag"]);
            m.year = first(fields, &["year", "YEAR"]);
        }
        Schema::Urbanopt => {
            m.id = first(fields, &["id", "name"]).into_iter().collect();
            m.uses = vec![("building_type".into(), None)];
            m.floors = first(
                fields,
                &["number_of_stories_above_ground", "number_of_stories"],
            );
            m.height = first(fields, &["height"]);
            m.year = first(fields, &["year_built"]);
            m.gfa_ft2 = first(fields, &["floor_area"]);
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
            building_map(Schema::Urbanopt, &uo).gfa_ft2.as_deref(),
            Some("floor_area")
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
}
