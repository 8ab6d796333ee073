//! Presets as text for `cpgis presets` and `cpgis presets show NAME`.

use std::fmt::Write;
use std::path::Path;

use super::{resolve, Preset, BUILTIN, PRESET_PLACES};

/// One line per built-in preset: name, version, description.
pub fn render_list() -> String {
    let mut out = String::new();
    for (name, _) in BUILTIN {
        let line = match resolve(
            name,
            Path::new("."),
            &[],
            Path::new("-"),
            &crate::files::NoFiles,
        ) {
            Ok(p) => format!("{name:<12} {}  {}", p.version, p.description),
            Err(e) => format!("{name:<12} (broken: {e})"),
        };
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(
        out,
        "\n`cpgis presets show NAME` prints every value with its unit and source; a site file may name\n\
         a preset file of its own (preset = \"my_preset.toml\", which may `extends` one of these) and\n\
         override single values in a [factors] table. A site file naming none gets the preset of the\n\
         district's place: {PRESET_PLACES}; elsewhere the run asks for one."
    );
    out
}

/// Every value of a preset: key, value, unit, source (and which preset set it).
pub fn render_preset(p: &Preset) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "preset {} (version {})", p.name, p.version);
    if !p.description.is_empty() {
        let _ = writeln!(out, "{}", p.description);
    }
    if p.chain.len() > 1 {
        let _ = writeln!(out, "built from: {}", p.chain.join(" → "));
    }
    let key_w = p.values.keys().map(|k| k.len()).max().unwrap_or(0);
    let mut section = "";
    for (key, f) in &p.values {
        let top = key.split('.').next().unwrap_or("");
        if top != section {
            let _ = writeln!(out, "\n[{top}]");
            section = top;
        }
        let from = if f.from == p.name {
            String::new()
        } else {
            format!(" (from {})", f.from)
        };
        let _ = writeln!(
            out,
            "  {key:<key_w$}  {value:>9} {unit:<17} {source}{from}",
            value = f.value,
            unit = f.unit,
            source = f.source
        );
    }
    let chain = super::regions::grid_chain(p);
    let regions: Vec<_> = super::regions::of_preset(&chain).collect();
    if !regions.is_empty() {
        let _ = writeln!(
            out,
            "\n[grid regions]  a site file names one with grid_region = \"CODE\"; naming none, the run takes\n  the region of the nearest listed city within {} km, else the preset's carriers.electricity.",
            super::regions::pick_within_km(&chain[0]),
        );
        let mut sources: Vec<&str> = Vec::new();
        for r in &regions {
            if !sources.contains(&r.source) {
                sources.push(r.source);
            }
        }
        for (i, s) in sources.iter().enumerate() {
            let _ = writeln!(out, "  [{}] {s}", i + 1);
        }
        for r in regions {
            let cities: Vec<&str> = super::regions::CITIES
                .iter()
                .filter(|c| c.preset == r.preset && c.code == r.code)
                .map(|c| c.name)
                .collect();
            let _ = writeln!(
                out,
                "  {:<10} {:>7.4} kg CO2e/kWh [{}] {}{}",
                r.code,
                r.kg_per_kwh,
                sources.iter().position(|s| *s == r.source).unwrap_or(0) + 1,
                r.name,
                if cities.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", cities.join(", "))
                }
            );
        }
        let _ = writeln!(out, "  Cities: {}", super::regions::CITIES_SOURCE);
    }
    out
}
