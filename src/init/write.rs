//! The site file `cpgis init` writes: every recognised layer with its mapping, comments where
//! cpgis guessed, and the optional tables commented out with their defaults.

use std::fmt::Write;
use std::path::{Component, Path, PathBuf};

use super::{Layer, Proposal, Role};

/// `path` relative to the folder `base` (both made absolute first).
pub fn relative(path: &Path, base: &Path) -> String {
    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (p, b) = (abs(path), abs(base));
    let pc: Vec<Component> = p.components().collect();
    let bc: Vec<Component> = b.components().collect();
    let common = pc.iter().zip(&bc).take_while(|(a, b)| a == b).count();
    // Sharing only the root: an absolute path reads better than a climb to it.
    if common <= 1 {
        return p.display().to_string();
    }
    let mut out = PathBuf::new();
    for _ in common..bc.len() {
        out.push("..");
    }
    for c in &pc[common..] {
        out.push(c.as_os_str());
    }
    out.display().to_string()
}

fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn list(v: &[String]) -> String {
    match v {
        [one] => q(one),
        many => format!(
            "[{}]",
            many.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn source(out: &mut String, l: &Layer, base: &Path, filter: &Option<String>) {
    let _ = writeln!(out, "path = {}", q(&relative(&l.path, base)));
    if let Some(layer) = &l.layer {
        let _ = writeln!(out, "layer = {}", q(layer));
    }
    if let Some(f) = filter {
        let _ = writeln!(out, "where = {}", q(f));
    }
    if let Some(crs) = &l.crs {
        let _ = writeln!(out, "crs = {}   # guessed: the file declares none", q(crs));
    }
}

/// The site-file text.
pub fn site_file(p: &Proposal, base: &Path, name: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Site file written by `cpgis init`: check it, then `cpgis run` it."
    );
    for g in &p.guesses {
        let _ = writeln!(out, "# guessed: {g}");
    }
    for u in super::unmapped(p) {
        let _ = writeln!(out, "# not mapped: {u}");
    }
    let _ = writeln!(out, "name = {}", q(name));
    let _ = writeln!(
        out,
        "crs = \"auto\"                     # the UTM zone of the district"
    );
    match p.preset {
        Some(preset) => writeln!(
            out,
            "preset = {}                 # `cpgis presets` lists the others",
            q(preset)
        ),
        None => writeln!(
            out,
            "# preset = \"…\"   # no built-in preset describes this place, or its place is unknown: name the closest (`cpgis presets`) and set the place's own factors in [factors]"
        ),
    }
    .ok();
    for l in &p.layers {
        if let Role::District { filter, name } = &l.role {
            let _ = writeln!(out, "\n[district]");
            source(&mut out, l, base, filter);
            if let Some(n) = name {
                let _ = writeln!(out, "name = {}", q(n));
            }
        }
    }
    let mut adjacent = false;
    for l in &p.layers {
        if let Role::Neighbourhoods { filter, id } = &l.role {
            adjacent = filter.is_some();
            let _ = writeln!(out, "\n[neighbourhoods]");
            source(&mut out, l, base, filter);
            if let Some(id) = id {
                let _ = writeln!(out, "id = {}", q(id));
            }
            break;
        }
    }
    for l in &p.layers {
        if let Role::Buildings {
            schema,
            map,
            filter,
        } = &l.role
        {
            match filter {
                // The count is the layer's; the filter keeps some of them.
                Some(f) => writeln!(
                    out,
                    "\n# buildings: those of {} features where {f} ({})",
                    l.features,
                    schema.label()
                ),
                None => writeln!(out, "\n# {} buildings ({})", l.features, schema.label()),
            }
            .ok();
            let _ = writeln!(out, "[[buildings]]");
            source(&mut out, l, base, filter);
            if let Some((table, on)) = &map.join {
                let _ = writeln!(
                    out,
                    "join = {{ path = {}, on = {} }}",
                    q(&relative(table, base)),
                    q(on)
                );
            }
            if !map.id.is_empty() {
                let _ = writeln!(out, "id = {}", list(&map.id));
            }
            match map.uses.as_slice() {
                [] => {}
                [(field, None)] => {
                    let _ = writeln!(out, "use = {}", q(field));
                }
                many => {
                    let parts: Vec<String> = many
                        .iter()
                        .map(|(f, s)| match s {
                            Some(s) if map.use_areas => {
                                format!("{{ field = {}, area = {} }}", q(f), q(s))
                            }
                            Some(s) if map.use_percent => {
                                format!("{{ field = {}, percent = {} }}", q(f), q(s))
                            }
                            Some(s) => format!("{{ field = {}, share = {} }}", q(f), q(s)),
                            None => format!("{{ field = {} }}", q(f)),
                        })
                        .collect();
                    let _ = writeln!(out, "use = [{}]", parts.join(", "));
                }
            }
            for (key, v) in [
                ("floors", &map.floors),
                ("height", &map.height),
                ("year", &map.year),
                ("standard", &map.standard),
            ] {
                if let Some(v) = v {
                    let _ = writeln!(out, "{key} = {}", q(v));
                }
            }
            if map.standard.is_some() {
                out.push_str("# the construction standard decides the era over the year: CEA's STANDARD1-6 by its year\n# bands (to 1920, 1921-1970, 1971-1980, 1981-2000, from 2001); change with\n# standard_map = { STANDARD2 = \"from_1950_to_1979\" }\n");
            }
            if let Some((g, unit)) = &map.gfa {
                let _ = writeln!(out, "gfa = {{ field = {}, unit = {} }}", q(g), q(unit));
            }
            for (carrier, field, unit) in &map.energy {
                let _ = writeln!(
                    out,
                    "energy.{carrier} = {{ field = {}, unit = {} }}",
                    q(field),
                    q(unit)
                );
            }
            let _ = writeln!(out, "# use_map = {{ yes = \"residential\" }}   # raw use value → use type, before the built-in tables");
        }
    }
    for l in &p.layers {
        match &l.role {
            Role::Stops {
                filter,
                id,
                name,
                modes,
            } => {
                let _ = writeln!(out, "\n[stops]");
                source(&mut out, l, base, filter);
                if let Some(id) = id {
                    let _ = writeln!(out, "id = {}", q(id));
                }
                if let Some(n) = name {
                    let _ = writeln!(out, "name = {}", q(n));
                }
                if !modes.is_empty() {
                    let _ = writeln!(
                        out,
                        "mode = {{ field = {}, map = {{ tram_stop = \"tram\", subway_entrance = \"metro\", station = \"rail\", halt = \"rail\", bus_stop = \"bus\" }}, default = \"bus\" }}",
                        list(modes)
                    );
                }
                break;
            }
            Role::Gtfs => {
                let _ = writeln!(out, "\n[stops]\ngtfs = {}", q(&relative(&l.path, base)));
                break;
            }
            _ => {}
        }
    }
    for l in &p.layers {
        if let Role::Population { field } = &l.role {
            let _ = writeln!(out, "\n[population]");
            source(&mut out, l, base, &None);
            let _ = writeln!(out, "value = {}", q(field));
            break;
        }
    }
    for l in &p.layers {
        if let Role::Unused { what } = &l.role {
            let layer = l
                .layer
                .as_deref()
                .map(|n| format!(", layer {n}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "\n# not used: {}{layer}: {what}",
                relative(&l.path, base)
            );
        }
    }
    let context: Vec<&Layer> = p
        .layers
        .iter()
        .filter(|l| matches!(l.role, Role::Context { .. }))
        .collect();
    if !context.is_empty() {
        let _ = writeln!(
            out,
            "\n# Drawn in grey under the report's maps, for orientation only."
        );
        let _ = writeln!(out, "[context]");
        for l in context {
            if let Role::Context { kind, filter } = &l.role {
                let mut one = String::new();
                source(&mut one, l, base, filter);
                let fields: Vec<String> = one
                    .lines()
                    .map(|line| line.split("   #").next().unwrap_or(line).trim().to_string())
                    .collect();
                let _ = writeln!(out, "{kind} = {{ {} }}", fields.join(", "));
            }
        }
    }
    let _ = writeln!(out, "\n[community]");
    if adjacent {
        let _ = writeln!(
            out,
            "method = \"adjacent\"              # the neighbourhoods that touch the district"
        );
        let _ = writeln!(out, "distance_m = 0");
    } else {
        let _ = writeln!(out, "method = \"buffer\"                # or \"adjacent\" (neighbourhoods), \"catchment\" (stops)");
        let _ = writeln!(out, "distance_m = 1000");
    }
    let _ = writeln!(
        out,
        "\n[grid]\ncell_m = 250\nshape = \"square\"                 # or \"hex\""
    );
    let _ = writeln!(
        out,
        "\n# The proposed design's on-site measures (district buildings only):\n# [scenario.proposed]\n# eui_reduction = 0.35\n# heat = \"heat_pump\"\n# rooftop_pv = 0.6\n# car_share = 0.15\n# waste_diversion = 0.65"
    );
    out
}
