//! `cpgis compare OUT_A OUT_B`: what changed between two runs, read from their `summary.json`:
//! the settings that differ (preset, scenario measures, community, offsets, margin, grid,
//! climate, every preset value) and the results (totals by sector and scenario, each scenario's
//! balance, the verdict, zones), printed and written as `compare.csv` and `compare.html`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{Error, Result};

/// One compared quantity: where it belongs, its name, and the two runs' values as text.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// `setting` or `result`.
    pub kind: &'static str,
    /// What it is, e.g. `offsets.margin` or `district proposed transport t CO2e/yr`.
    pub key: String,
    /// Run A's value (empty when A has none).
    pub a: String,
    /// Run B's value.
    pub b: String,
    /// B − A for numbers, else empty.
    pub change: String,
}

/// Two runs compared.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The two summary files.
    pub files: [PathBuf; 2],
    /// The two sites' names.
    pub sites: [String; 2],
    /// Settings that differ, in a fixed order.
    pub settings: Vec<Row>,
    /// Results, every one (changed or not), in a fixed order.
    pub results: Vec<Row>,
    /// `--set` settings each run was given.
    pub command_lines: [Vec<String>; 2],
}

/// The summary of a run: `DIR/summary.json`, or the file itself.
fn read_summary(path: &Path) -> Result<(PathBuf, Value)> {
    let file = if path.is_dir() {
        path.join("summary.json")
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file).map_err(|e| {
        Error::Argument(format!(
            "{}: cannot be read ({e}): give the output folder of a `cpgis run` or its summary.json",
            file.display()
        ))
    })?;
    let v: Value = serde_json::from_str(&text).map_err(|e| {
        Error::Argument(format!(
            "{}: is not a cpgis summary.json ({e})",
            file.display()
        ))
    })?;
    if v.get("totals").is_none() || v.get("cpgis_version").is_none() {
        return Err(Error::Argument(format!(
            "{}: is not a cpgis summary.json (no totals)",
            file.display()
        )));
    }
    Ok((file, v))
}

/// A value as the tables show it: numbers to 4 decimals at most, text as is, null as empty.
fn text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.as_f64().map(number).unwrap_or_default(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| text(Some(i)))
            .collect::<Vec<_>>()
            .join(" "),
        Some(other) => other.to_string(),
    }
}

fn number(x: f64) -> String {
    let s = format!("{:.4}", x);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

fn row(kind: &'static str, key: String, a: Option<&Value>, b: Option<&Value>) -> Row {
    let change = match (a.and_then(Value::as_f64), b.and_then(Value::as_f64)) {
        (Some(x), Some(y)) => number(y - x),
        _ => String::new(),
    };
    Row {
        kind,
        key,
        a: text(a),
        b: text(b),
        change,
    }
}

/// JSON pointer lookup that treats a missing value as absent.
fn at<'v>(v: &'v Value, pointer: &str) -> Option<&'v Value> {
    v.pointer(pointer).filter(|x| !x.is_null())
}

/// The `(name, value)` pairs of an array of objects at `pointer` (scenarios by name, preset
/// values by key).
fn named(v: &Value, pointer: &str, name: &str, value: &str) -> Vec<(String, Value)> {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|x| (text(x.get(name)), x[value].clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Every name of either list, sorted, once.
fn union(a: &[(String, Value)], b: &[(String, Value)]) -> Vec<String> {
    let mut names: Vec<String> = a.iter().chain(b).map(|s| s.0.clone()).collect();
    names.sort();
    names.dedup();
    names
}

fn find<'v>(list: &'v [(String, Value)], name: &str) -> Option<&'v Value> {
    list.iter().find(|s| s.0 == name).map(|s| &s.1)
}

/// Compares the runs in `a` and `b` (output folders or summary files).
pub fn compare(a: &Path, b: &Path) -> Result<Comparison> {
    let (fa, va) = read_summary(a)?;
    let (fb, vb) = read_summary(b)?;
    let mut settings = Vec::new();
    let mut setting = |key: &str, pa: &str, pb: &str| {
        let r = row("setting", key.to_string(), at(&va, pa), at(&vb, pb));
        if r.a != r.b {
            settings.push(r);
        }
    };
    for (key, p) in [
        ("preset", "/preset/name"),
        ("preset version", "/preset/version"),
        ("crs", "/crs/epsg"),
        ("community.method", "/community/method"),
        ("community.distance_m", "/community/distance_m"),
        ("offsets.interventions", "/offsets/interventions"),
        ("offsets.rank", "/offsets/rank_by"),
        ("offsets.margin", "/balance/margin"),
        ("grid.cell_m", "/grid/cell_m"),
        ("grid.shape", "/grid/shape"),
        ("climate: space heat ×", "/climate/space_heat_scale"),
    ] {
        setting(key, p, p);
    }
    // A CRS is a code, not a quantity: named, with no difference worked out.
    for r in settings.iter_mut().filter(|r| r.key == "crs") {
        for v in [&mut r.a, &mut r.b] {
            if !v.is_empty() {
                *v = format!("EPSG:{v}");
            }
        }
        r.change.clear();
    }
    // Scenario measures, by scenario name.
    let (sa, sb) = (
        named(&va, "/scenarios", "name", "measures"),
        named(&vb, "/scenarios", "name", "measures"),
    );
    for name in union(&sa, &sb) {
        let (ma, mb) = (find(&sa, &name), find(&sb, &name));
        let fields = |m: Option<&Value>| -> Vec<(String, Value)> {
            m.and_then(Value::as_object)
                .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default()
        };
        let (fa, fb) = (fields(ma), fields(mb));
        for k in union(&fa, &fb) {
            let r = row(
                "setting",
                format!("scenario.{name}.{k}"),
                find(&fa, &k).filter(|x| !x.is_null()),
                find(&fb, &k).filter(|x| !x.is_null()),
            );
            if r.a != r.b {
                settings.push(r);
            }
        }
    }
    // Every preset value, by key.
    let (aa, ab) = (
        named(&va, "/assumptions", "key", "value"),
        named(&vb, "/assumptions", "key", "value"),
    );
    for k in union(&aa, &ab) {
        let r = row(
            "setting",
            format!("factor {k}"),
            find(&aa, &k),
            find(&ab, &k),
        );
        if r.a != r.b {
            settings.push(r);
        }
    }

    let mut results = Vec::new();
    let mut result =
        |key: String, p: &str| results.push(row("result", key, at(&va, p), at(&vb, p)));
    for area in ["district", "rest", "all"] {
        for scenario in ["baseline", "proposed"] {
            for sector in ["energy", "transport", "waste", "total"] {
                result(
                    format!("{area} {scenario} {sector}, t CO2e/yr"),
                    &format!("/totals/{area}/co2e_t_yr/{scenario}/{sector}"),
                );
            }
        }
    }
    for (key, p) in [
        ("on site (proposed), t CO2e/yr", "/balance/on_site_t"),
        ("target, t CO2e/yr", "/balance/target_t"),
        ("credits, t CO2e/yr", "/balance/credits_t"),
        ("net, t CO2e/yr", "/balance/net_t"),
        ("climate positive", "/balance/climate_positive"),
        ("shortfall, t CO2e/yr", "/balance/shortfall_t"),
        (
            "break-even grid factor, kg CO2e/kWh",
            "/balance/break_even/electricity_kg_kwh",
        ),
        (
            "district floor area on default floors, share",
            "/profile/district_area_default_floors",
        ),
        (
            "district floor area of unknown use, share",
            "/profile/district_area_unknown_use",
        ),
        ("community area, ha", "/community/area_ha"),
        (
            "community area inside the buildings' extent, share",
            "/community/in_buildings_extent",
        ),
        ("cells ranked", "/offsets/ranked_cells"),
        ("cells selected", "/offsets/selected_cells"),
    ] {
        result(key.to_string(), p);
    }
    // Counted lists: the zones, and the cautions beside the verdict (a layer cut short, a
    // district modelled on defaults).
    let count = |v: &Value, p: &str| {
        v.pointer(p)
            .and_then(Value::as_array)
            .map(|a| Value::from(a.len()))
    };
    for (key, p) in [
        ("zones", "/offsets/zones"),
        ("cautions beside the verdict", "/cautions"),
    ] {
        results.push(row(
            "result",
            key.into(),
            count(&va, p).as_ref(),
            count(&vb, p).as_ref(),
        ));
    }
    // Each scenario's balance.
    let balances = |v: &Value| -> Vec<Value> {
        v.pointer("/balance/scenarios")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (ba, bb) = (balances(&va), balances(&vb));
    let mut names: Vec<String> = ba
        .iter()
        .chain(&bb)
        .filter_map(|s| s["scenario"].as_str().map(str::to_string))
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        let x = ba.iter().find(|s| s["scenario"] == name.as_str());
        let y = bb.iter().find(|s| s["scenario"] == name.as_str());
        for (field, label) in [
            ("on_site_t", "on site, t CO2e/yr"),
            ("target_t", "target, t CO2e/yr"),
            ("capacity_t", "capacity, t CO2e/yr"),
            ("capacity_multiple", "capacity × need"),
            ("credits_t", "credits, t CO2e/yr"),
            ("annual_cost", "annual cost"),
            ("cost_per_t", "cost per t"),
            ("net_t", "net, t CO2e/yr"),
            ("climate_positive", "climate positive"),
            ("target_met", "target met"),
        ] {
            results.push(row(
                "result",
                format!("{name}: {label}"),
                x.and_then(|s| s.get(field)).filter(|v| !v.is_null()),
                y.and_then(|s| s.get(field)).filter(|v| !v.is_null()),
            ));
        }
    }
    let lines = |v: &Value| -> Vec<String> {
        v["settings"]
            .as_array()
            .map(|s| {
                s.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(Comparison {
        sites: [text(va.get("site")), text(vb.get("site"))],
        command_lines: [lines(&va), lines(&vb)],
        files: [fa, fb],
        settings,
        results,
    })
}

/// The comparison as terminal text: settings that differ, then every result.
pub fn render_text(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "A: {} ({})", c.sites[0], c.files[0].display());
    let _ = writeln!(out, "B: {} ({})", c.sites[1], c.files[1].display());
    for (run, lines) in ["A", "B"].iter().zip(&c.command_lines) {
        if !lines.is_empty() {
            let _ = writeln!(out, "{run} was run with --set {}", lines.join(" --set "));
        }
    }
    let _ = writeln!(out);
    if c.settings.is_empty() {
        let _ = writeln!(out, "Settings: the same.");
    } else {
        let _ = writeln!(out, "Settings that differ ({}):", c.settings.len());
        table(&mut out, &c.settings, false);
    }
    let _ = writeln!(out);
    let changed = c.results.iter().filter(|r| r.a != r.b).count();
    let _ = writeln!(out, "Results ({changed} of {} changed):", c.results.len());
    table(&mut out, &c.results, true);
    out
}

fn table(out: &mut String, rows: &[Row], mark: bool) {
    let w = rows
        .iter()
        .map(|r| r.key.chars().count())
        .max()
        .unwrap_or(0);
    let wa = rows
        .iter()
        .map(|r| r.a.chars().count())
        .max()
        .unwrap_or(1)
        .max(1);
    let wb = rows
        .iter()
        .map(|r| r.b.chars().count())
        .max()
        .unwrap_or(1)
        .max(1);
    let _ = writeln!(out, "  {:w$}  {:>wa$}  {:>wb$}  B − A", "", "A", "B");
    for r in rows {
        let flag = if mark && r.a != r.b { " *" } else { "" };
        let _ = writeln!(
            out,
            "  {:w$}  {:>wa$}  {:>wb$}  {}{flag}",
            r.key, r.a, r.b, r.change
        );
    }
}

/// RFC 4180 CSV: kind, key, a, b, change.
pub fn render_csv(c: &Comparison) -> String {
    let field = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = String::from("kind,key,a,b,change\r\n");
    for r in c.settings.iter().chain(&c.results) {
        let _ = write!(
            out,
            "{},{},{},{},{}\r\n",
            r.kind,
            field(&r.key),
            field(&r.a),
            field(&r.b),
            field(&r.change)
        );
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One offline page in the report's manner: no script, no request.
pub fn render_html(c: &Comparison) -> String {
    let mut h = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
<title>cpgis: two runs compared</title><style>\
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:70em}\
table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:right}\
td:first-child,th:first-child{text-align:left}tr.changed td{background:#fff4d6}\
tr{break-inside:avoid}</style></head><body>",
    );
    let _ = write!(
        h,
        "<h1>Two runs compared</h1><p>A: {} ({})<br>B: {} ({})</p>",
        esc(&c.sites[0]),
        esc(&c.files[0].display().to_string()),
        esc(&c.sites[1]),
        esc(&c.files[1].display().to_string())
    );
    for (run, lines) in ["A", "B"].iter().zip(&c.command_lines) {
        if !lines.is_empty() {
            let _ = write!(
                h,
                "<p>{run} was run with --set {}</p>",
                esc(&lines.join(" --set "))
            );
        }
    }
    let section = |h: &mut String, title: &str, id: &str, rows: &[Row]| {
        let _ = write!(
            h,
            "<h2>{}</h2><table id=\"{id}\"><tr><th></th><th>A</th><th>B</th><th>B − A</th></tr>",
            esc(title)
        );
        for r in rows {
            let class = if r.a != r.b { " class=\"changed\"" } else { "" };
            let _ = write!(
                h,
                "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&r.key),
                esc(&r.a),
                esc(&r.b),
                esc(&r.change)
            );
        }
        h.push_str("</table>");
    };
    if c.settings.is_empty() {
        h.push_str("<h2>Settings that differ</h2><p>None: the same settings.</p>");
    } else {
        section(&mut h, "Settings that differ", "settings", &c.settings);
    }
    section(&mut h, "Results", "results", &c.results);
    h.push_str("</body></html>\n");
    h
}

/// Writes `compare.csv` and `compare.html` into `dir` (created if missing) as one generation:
/// the folder shows the previous pair or the new one, never one of each.
pub fn write(dir: &Path, c: &Comparison) -> Result<Vec<PathBuf>> {
    let generation =
        cpgis_io::export::Generation::begin_for(dir, &cpgis_io::export::atomic::COMPARE_NAMES)?;
    for (name, body) in [
        ("compare.csv", render_csv(c)),
        ("compare.html", render_html(c)),
    ] {
        cpgis_io::export::atomic::write_atomic(&generation.dir().join(name), |w| {
            w.write_all(body.as_bytes())
        })?;
    }
    Ok(generation.commit()?.written)
}
