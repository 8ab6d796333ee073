//! Short text reports printed at the end of a run.

use std::fmt::Write;

use cpgis_core::aggregate::Totals;
use cpgis_core::breakeven::BreakEven;
use cpgis_core::estimate::Quantity;
use cpgis_core::kinds::Carrier;
use cpgis_core::run::Estimated;

/// Emissions by sector and scenario for the district, the rest of the map and all of it.
pub fn estimate_table(run: &Estimated) -> String {
    let agg = &run.aggregates;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} buildings ({} in the district), preset {} {}, CRS EPSG:{}",
        run.config.name,
        agg.all.buildings,
        agg.district.buildings,
        run.preset.name,
        run.preset.version,
        run.site.crs.epsg
    );
    let _ = writeln!(out, "\nt CO2e per year");
    let mut header = format!("{:<10} {:<10}", "area", "scenario");
    for s in &run.estimates.sectors {
        let _ = write!(header, " {:>12}", s.key());
    }
    let _ = write!(header, " {:>12}", "total");
    let _ = writeln!(out, "{header}");
    let rows: [(&str, &Totals); 3] = [
        ("district", &agg.district),
        ("rest", &agg.rest),
        ("all", &agg.all),
    ];
    for (label, t) in rows {
        for (s, scenario) in run.estimates.scenarios.iter().enumerate() {
            let mut line = format!("{label:<10} {:<10}", scenario.name);
            for v in &t.co2e_t[s] {
                let _ = write!(line, " {v:>12.1}");
            }
            let _ = write!(line, " {:>12.1}", t.total(s));
            let _ = writeln!(out, "{line}");
        }
    }
    let _ = writeln!(
        out,
        "\ndistrict: {:.0} m² floor area, {:.0} residents, {:.0} jobs",
        agg.district.floor_area_m2, agg.district.residents, agg.district.jobs
    );
    out.push_str(&metered_table(run));
    out
}

/// The metered buildings against what the archetypes give them, by main use (nothing when no
/// building is metered on every carrier).
pub fn metered_table(run: &Estimated) -> String {
    let checks = run.calibration.checks();
    let mut out = String::new();
    if checks.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "\nmetered buildings against the archetypes (baseline site energy, MWh per year; electricity apart):"
    );
    let _ = writeln!(
        out,
        "{:<14} {:>9} {:>12} {:>12} {:>9} {:>14} {:>14}",
        "main use", "buildings", "metered", "modelled", "ratio", "el. metered", "el. modelled"
    );
    for u in &checks {
        let ratio = u.ratio.map_or("n/a".to_string(), |r| format!("{r:.2}"));
        let _ = writeln!(
            out,
            "{:<14} {:>9} {:>12.1} {:>12.1} {:>9} {:>14.1} {:>14.1}",
            u.use_key,
            u.buildings,
            u.metered.total_kwh() / 1000.0,
            u.modelled.total_kwh() / 1000.0,
            ratio,
            u.metered.electricity_kwh / 1000.0,
            u.modelled.electricity_kwh / 1000.0
        );
    }
    out
}

/// One line per district building: floor area beside its heat demand, electricity and
/// emissions (baseline), so a reader can judge the intensities.
pub fn district_buildings_table(run: &Estimated) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<14} {:<26} {:>6} {:>10} {:>12} {:>8} {:>12} {:>9}",
        "id", "uses", "floors", "gfa_m2", "heat_kwh_yr", "heat/m2", "elec_kwh_yr", "t_co2e"
    );
    for ((b, p), e) in run
        .site
        .buildings
        .iter()
        .zip(&run.profiles.buildings)
        .zip(&run.estimates.buildings)
    {
        if !p.in_district {
            continue;
        }
        let q = |q: Quantity| e.baseline.get(q).unwrap_or(0.0);
        let heat = q(Quantity::HeatDemandKwh);
        let per_m2 = if p.floor.gfa_m2 > 0.0 {
            heat / p.floor.gfa_m2
        } else {
            0.0
        };
        let _ = writeln!(
            out,
            "{:<14} {:<26} {:>6} {:>10.0} {:>12.0} {:>8.1} {:>12.0} {:>9.1}",
            b.id,
            p.uses.describe(),
            p.floor.floors,
            p.floor.gfa_m2,
            heat,
            per_m2,
            q(Quantity::ElectricityKwh),
            e.total(0)
        );
    }
    out
}

/// The community, the zones and the Climate Positive balance, printed at the end of a run.
pub fn balance_table(ran: &cpgis_core::run::Ran) -> String {
    // Adding +0.0 turns a negative zero into a positive one, so "-0.0" is never printed.
    let z = |v: f64| v + 0.0;
    let e = &ran.estimated;
    let b = &ran.balance;
    let c = &ran.community;
    let plan = &ran.plan;
    let mut out = String::new();
    let method = format!("{:?}", c.method).to_lowercase();
    let _ = writeln!(
        out,
        "community ({method}{}): {} buildings, {:.0} ha; {} opportunities in {} cells, {:.1} t CO2e/yr on offer",
        if method == "catchment" { String::new() } else { format!(", {} m", c.distance_m) },
        c.count(cpgis_core::community::Membership::Community),
        geo::Area::unsigned_area(&c.area) / 10_000.0,
        plan.opportunities.len(),
        plan.ranked.len(),
        z(plan.available_t)
    );
    if !plan.zones.is_empty() {
        let _ = writeln!(
            out,
            "\n{:>4} {:>6} {:>10} {:>14} {:>10} {:>9}",
            "zone",
            "cells",
            "t CO2e/yr",
            format!("{}/yr", e.factors.currency),
            "per t",
            "buildings"
        );
        const SHOWN: usize = 10;
        for z in plan.zones.iter().take(SHOWN) {
            let per_t = if z.abatement_t > 0.0 {
                z.annual_cost / z.abatement_t
            } else {
                0.0
            };
            let _ = writeln!(
                out,
                "{:>4} {:>6} {:>10.1} {:>14.0} {:>10.1} {:>9}",
                z.rank,
                z.cells.len(),
                z.abatement_t,
                z.annual_cost,
                per_t,
                z.buildings
            );
        }
        if plan.zones.len() > SHOWN {
            let _ = writeln!(
                out,
                "  … and {} more zones (offset_zones.geojson)",
                plan.zones.len() - SHOWN
            );
        }
    }
    let _ = writeln!(
        out,
        "\nClimate Positive balance, t CO2e per year (district)"
    );
    let row = |label: &str, m: &std::collections::BTreeMap<String, f64>, total: f64| {
        let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k} {v:.1}")).collect();
        format!("  {label:<22} {total:>12.1}   ({})\n", parts.join(", "))
    };
    out.push_str(&row("baseline on site", &b.baseline, b.baseline_t));
    out.push_str(&row("proposed on site", &b.on_site, b.on_site_t));
    let how = match b.margin {
        Some(m) => format!("   (on site × {:.2}: a {} % margin)", 1.0 + m, fmt_share(m)),
        None => "   (the site file's number)".into(),
    };
    let _ = writeln!(
        out,
        "  {:<22} {:>12.1}{how}",
        "target to offset", b.target_t
    );
    let parts: Vec<String> = b
        .credits_by_intervention
        .iter()
        .map(|(k, v)| format!("{k} {v:.1}"))
        .collect();
    // No zone selected: said, not "()".
    let parts = if parts.is_empty() {
        "no zone selected".to_string()
    } else {
        parts.join(", ")
    };
    let _ = writeln!(
        out,
        "  {:<22} {:>12.1}   ({parts})",
        "credits (zones)",
        z(-b.credits_t),
    );
    let _ = writeln!(out, "  {:<22} {:>12.1}", "net", b.net_t);
    let _ = writeln!(out, "  {}", verdict_sentence(b));
    for c in cpgis_core::summary::cautions(e, Some(&ran.community)) {
        let _ = writeln!(out, "  caution: {c}");
    }
    let grid = ran.estimated.factors.carrier(Carrier::Electricity);
    let _ = writeln!(out, "  {}", break_even_sentence(b.break_even, grid));
    if let Some(u) = &b.uncertainty {
        let _ = writeln!(out, "  {}", uncertainty_sentence(u));
        if let Some(why) = &u.neighbourhoods_sampled {
            let _ = writeln!(out, "  {why}");
        }
        if let Some(s) = cpgis_core::uncertainty::unmoved_sentence(u) {
            let _ = writeln!(out, "  {s}");
        }
    }
    out.push_str(&scenario_table(b, &e.factors.currency));
    if b.shortfall_t > 0.0 {
        let _ = writeln!(
            out,
            "\nThe community cannot cover the target (on-site × (1 + margin), or the site file's number): {:.1} t CO2e/yr short. Levers:",
            b.shortfall_t
        );
        for l in &b.levers {
            let _ = writeln!(out, "  - {l}");
        }
    }
    out
}

/// A preset value as a reader wants it: at most six significant digits (a grid factor worked
/// out from lb/MWh reads 0.226498, not 0.22649817481290999), exact values as they are.
pub fn fmt_value(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let d = (5 - v.abs().log10().floor() as i32).clamp(0, 12);
    let scale = 10f64.powi(d);
    format!("{}", (v * scale).round() / scale)
}

/// A share as a percentage without trailing zeros: 0.1 → "10", 0.125 → "12.5".
pub fn fmt_share(m: f64) -> String {
    let p = format!("{:.1}", 100.0 * m);
    p.strip_suffix(".0").map(str::to_string).unwrap_or(p)
}

/// The one line `--quiet` leaves: the site's name, the verdict sentence, its cautions (a quiet
/// verdict had said nothing of a buildings layer cut short or of a district modelled mostly on
/// defaults) and how many notes the run has.
pub fn verdict_line(
    site: &str,
    b: &cpgis_core::balance::Balance,
    cautions: &[String],
    notes: usize,
) -> String {
    let cautions: String = cautions.iter().map(|c| format!("; caution: {c}")).collect();
    let notes = match notes {
        0 => String::new(),
        1 => "; 1 note in summary.json and report.html".to_string(),
        n => format!("; {n} notes in summary.json and report.html"),
    };
    format!("{site}: {}{cautions}{notes}", verdict_sentence(b))
}

/// The verdict in one sentence: whether the credits cover the on-site residual (net < 0), and
/// separately whether the target with its margin is met; never "climate positive by X", since
/// X is what the last cell selected happens to overshoot by (it grew when a design got worse).
/// How sure, where factors were drawn: said in the verdict itself, so that a verdict the draws
/// cannot tell from a coin toss never stands alone (`--quiet` keeps only this line).
pub fn verdict_sentence(b: &cpgis_core::balance::Balance) -> String {
    let sure = probability_phrase(b)
        .map(|p| format!("; {p}"))
        .unwrap_or_default();
    let positive = if b.climate_positive {
        format!(
            "CLIMATE POSITIVE (net {:.1} t CO2e/yr: the credits selected exceed the on-site residual{sure})",
            b.net_t + 0.0
        )
    } else {
        format!(
            "NOT climate positive (net {:.1} t CO2e/yr: the credits fall short of the on-site residual{sure})",
            b.net_t + 0.0
        )
    };
    format!("{positive}; {}", target_sentence(b))
}

/// `climate positive with probability 0.53 over 1000 draws`, when factors were drawn.
pub fn probability_phrase(b: &cpgis_core::balance::Balance) -> Option<String> {
    b.uncertainty.as_ref().map(|u| {
        format!(
            "climate positive with probability {:.2} over {} draws",
            u.probability_climate_positive, u.draws
        )
    })
}

/// Whether the target, margin included, is met, in words.
pub fn target_sentence(b: &cpgis_core::balance::Balance) -> String {
    match (b.margin, b.shortfall_t > 0.0) {
        (Some(m), false) => format!("the target with its {} % margin is met", fmt_share(m)),
        (Some(m), true) => format!(
            "the target with its {} % margin is not met ({:.1} t short)",
            fmt_share(m),
            b.shortfall_t
        ),
        (None, false) => "the site file's target is met".into(),
        (None, true) => format!(
            "the site file's target is not met ({:.1} t short)",
            b.shortfall_t
        ),
    }
}

/// One word or three for a scenario's standing.
pub fn scenario_verdict(s: &cpgis_core::balance::ScenarioBalance) -> &'static str {
    match (s.climate_positive, s.target_met) {
        (true, true) => "climate positive, target met",
        (true, false) => "climate positive, target not met",
        (false, _) => "NOT climate positive",
    }
}

/// Every scenario against the same community: the figures designs are compared by.
fn scenario_table(b: &cpgis_core::balance::Balance, currency: &str) -> String {
    let mut out = String::from(
        "\nDesigns compared, t CO2e per year (each scenario's own target; offsets selected down the same ranking):\n",
    );
    let _ = writeln!(
        out,
        "  {:<12} {:>10} {:>10} {:>10} {:>7} {:>10} {:>13} {:>9}  verdict",
        "scenario",
        "on site",
        "target",
        "capacity",
        "× need",
        "credits",
        format!("{currency}/yr"),
        format!("{currency}/t")
    );
    for s in &b.scenarios {
        let _ = writeln!(
            out,
            "  {:<12} {:>10.1} {:>10.1} {:>10.1} {:>7} {:>10.1} {:>13.0} {:>9}  {}",
            s.scenario,
            s.on_site_t,
            s.target_t,
            s.capacity_t + 0.0,
            s.capacity_multiple
                .map_or("-".into(), |m| format!("{m:.2}")),
            s.credits_t + 0.0,
            s.annual_cost + 0.0,
            s.cost_per_t.map_or("-".into(), |c| format!("{c:.1}")),
            scenario_verdict(s)
        );
    }
    out
}

/// The balance's range in one sentence: the probability, the net's 90 % range and what
/// spreads it most.
pub fn uncertainty_sentence(u: &cpgis_core::uncertainty::Uncertainty) -> String {
    let most: Vec<String> = u
        .sensitivity
        .iter()
        .take(3)
        .map(|c| format!("{} {:.0} %", c.key, c.share * 100.0))
        .collect();
    format!(
        "climate positive with probability {:.2} over {} draws of the factors' ranges (net {:.1} to {:.1} t CO2e/yr, 5th to 95th percentile; most of the spread: {})",
        u.probability_climate_positive,
        u.draws,
        u.net_t.p5,
        u.net_t.p95,
        most.join(", ")
    )
}

/// The electricity factor at which the verdict flips, in one sentence: the number most
/// verdicts depend on (`grid`: the factor in use, kg CO2e/kWh).
pub fn break_even_sentence(be: Option<BreakEven>, grid: f64) -> String {
    let grid = factor_text(grid);
    match be {
        Some(be) => format!(
            "climate positive while the grid emits {} than {:.4} kg CO2e/kWh (now {grid}; the offsets selected held)",
            if be.positive_below { "less" } else { "more" },
            be.electricity_kg_kwh
        ),
        None => format!(
            "the verdict is the same at every electricity factor of 0 or more (now {grid} kg CO2e/kWh)"
        ),
    }
}

/// An emission factor, kg CO2e/kWh, to 4 decimals without trailing zeros: 0.271 stays
/// 0.271, and a factor converted from lb/MWh (0.51320574722725) reads 0.5132, not 14 digits.
fn factor_text(v: f64) -> String {
    let s = format!("{:.4}", v + 0.0);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `n` things, singular or plural: "1 geometry", "10 geometries".
fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What the run could not read or do as given, counted, every line in full (a count hidden
/// behind "and N more" had hidden the skipped features of the demo's own layers): the
/// notes (unknown uses, meters, fallbacks, unplaced residents) and, per layer, the features
/// skipped or repaired and the values refused or unreadable. Every item is listed by id in
/// `summary.json`. Empty when there is nothing to say.
pub fn warnings(run: &Estimated, community: Option<&cpgis_core::community::Community>) -> String {
    let lines = note_lines(run, community);
    if lines.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "{} {} (listed by id in summary.json, and in report.html):\n",
        lines.len(),
        if lines.len() == 1 { "note" } else { "notes" }
    );
    for line in &lines {
        let _ = writeln!(out, "  - {line}");
    }
    out
}

/// The notes [`warnings`] prints, one line each.
pub fn note_lines(
    run: &Estimated,
    community: Option<&cpgis_core::community::Community>,
) -> Vec<String> {
    let mut lines = cpgis_core::summary::notes(run);
    lines.extend(
        community
            .map(cpgis_core::summary::community_notes)
            .unwrap_or_default(),
    );
    for (i, q) in run.site.quality.iter().enumerate() {
        let mut parts = Vec::new();
        if !q.skipped.is_empty() {
            parts.push(format!(
                "{} skipped (quality[{i}].skipped)",
                counted(q.skipped.len(), "feature", "features")
            ));
        }
        if q.repaired > 0 {
            parts.push(format!(
                "{} repaired",
                counted(q.repaired, "geometry", "geometries")
            ));
        }
        if !q.duplicates.is_empty() {
            parts.push(format!(
                "{} dropped as duplicates, drawn twice or in an earlier layer (quality[{i}].duplicates)",
                counted(q.duplicates.len(), "building", "buildings")
            ));
        }
        if !q.duplicate_ids.is_empty() {
            parts.push(format!(
                "{} used twice (quality[{i}].duplicate_ids)",
                counted(q.duplicate_ids.len(), "id", "ids")
            ));
        }
        let unread: usize = q.unread_values.values().map(|u| u.count).sum();
        if unread > 0 {
            let fields: Vec<&str> = q.unread_values.keys().map(String::as_str).collect();
            parts.push(format!(
                "{} in {} (quality[{i}].unread_values)",
                counted(
                    unread,
                    "value that is not a number",
                    "values that are not numbers"
                ),
                fields.join(", ")
            ));
        }
        if !q.rejected.is_empty() {
            parts.push(format!(
                "{} refused as impossible (quality[{i}].rejected)",
                counted(q.rejected.len(), "value", "values")
            ));
        }
        if q.crs.contains("replacing the layer's own") {
            parts.push(format!(
                "the site file's crs replaces the layer's own: {}",
                q.crs
            ));
        }
        if !q.recoded_text.is_empty() {
            parts.push(format!(
                "{} features' text was not UTF-8 and was read as Windows-1252 (Latin-1) (quality[{i}].recoded_text)",
                q.recoded_text.len()
            ));
        }
        parts.extend(q.notes.iter().cloned());
        for (field, format) in &q.number_formats {
            if format.contains("ambiguous") {
                parts.push(format!("`{field}` could be read two ways: check a value"));
            }
        }
        if !parts.is_empty() {
            lines.push(format!("{} ({}): {}", q.role, q.layer, parts.join("; ")));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preset_values_read_at_six_significant_digits() {
        assert_eq!(fmt_value(0.226_498_174_812_909_99), "0.226498");
        assert_eq!(fmt_value(0.367), "0.367");
        assert_eq!(fmt_value(1300.0), "1300");
        assert_eq!(fmt_value(52.7), "52.7");
        assert_eq!(fmt_value(0.0), "0");
        assert_eq!(fmt_value(-0.000_123_456_78), "-0.000123457");
    }

    #[test]
    fn counts_take_the_singular_for_one() {
        assert_eq!(counted(1, "geometry", "geometries"), "1 geometry");
        assert_eq!(counted(10, "geometry", "geometries"), "10 geometries");
        assert_eq!(counted(0, "feature", "features"), "0 features");
    }

    #[test]
    fn the_grid_factor_in_force_reads_at_four_decimals() {
        // RMPA's eGRID rate through lb/MWh, as the NREL campus run printed it.
        assert_eq!(factor_text(0.513_205_747_227_25), "0.5132");
        assert_eq!(factor_text(0.271), "0.271");
        assert_eq!(factor_text(0.0), "0");
        assert_eq!(factor_text(-0.0), "0");
        let s = break_even_sentence(None, 0.513_205_747_227_25);
        assert!(s.ends_with("(now 0.5132 kg CO2e/kWh)"), "{s}");
    }
}
