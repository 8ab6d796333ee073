//! The readable rendering of an inspect report.

use std::fmt::Write;

use super::{LayerReport, Report, SiteReport};
use crate::site::LayerQuality;

/// How many ids of invalid or duplicate features are listed before "… and N more".
const LIST_LIMIT: usize = 10;

/// Renders a report as text for a terminal.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    match report {
        Report::File { file, layers } => {
            let _ = writeln!(
                out,
                "{}: {} layer{}",
                file.display(),
                layers.len(),
                plural(layers.len())
            );
            for l in layers {
                out.push('\n');
                layer(&mut out, l);
            }
        }
        Report::Site(s) => site(&mut out, s),
        Report::Gtfs(g) => {
            let _ = writeln!(out, "{}: a GTFS feed", g.feed.display());
            let _ = writeln!(out, "  service day: {}", g.service_day);
            let modes: Vec<String> = g
                .routes_by_mode
                .iter()
                .map(|(m, n)| format!("{m} {n}"))
                .collect();
            let _ = writeln!(out, "  routes by mode: {}", modes.join(", "));
            let _ = writeln!(
                out,
                "  stops: {} with departures 08:15-09:15 that day, {} without",
                g.stops_served, g.stops_unserved
            );
            if !g.busiest_stops.is_empty() {
                let _ = writeln!(out, "  busiest stops, departures per hour (all routes):");
                for (id, name, dph) in &g.busiest_stops {
                    let _ = writeln!(
                        out,
                        "    {dph:>7.1}  {id}{}",
                        name.as_deref().map(|n| format!(" {n}")).unwrap_or_default()
                    );
                }
            }
        }
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn list(items: &[String]) -> String {
    let mut s = items
        .iter()
        .take(LIST_LIMIT)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > LIST_LIMIT {
        let _ = write!(s, " … and {} more", items.len() - LIST_LIMIT);
    }
    s
}

fn layer(out: &mut String, l: &LayerReport) {
    let title = match &l.role {
        Some(role) => format!("[{role}] layer '{}'", l.layer),
        None => format!("layer '{}'", l.layer),
    };
    let _ = writeln!(out, "{title}  ({})", l.file.display());
    let _ = writeln!(out, "  driver      {}", l.driver);
    if let Some(f) = &l.filter {
        let _ = writeln!(out, "  filter      {f}");
    }
    let _ = writeln!(out, "  features    {}", l.features);
    let types: Vec<String> = l
        .geometry_types
        .iter()
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    let _ = writeln!(
        out,
        "  geometry    {}",
        if types.is_empty() {
            "-".into()
        } else {
            types.join(", ")
        }
    );
    let _ = writeln!(
        out,
        "  crs         {}",
        l.crs
            .as_deref()
            .unwrap_or("NONE declared: give `crs = \"EPSG:<code>\"` in the site file")
    );
    if let Some([w, s, e, n]) = l.extent_wgs84 {
        let _ = writeln!(
            out,
            "  extent      {w:.6}, {s:.6} to {e:.6}, {n:.6} (lon/lat, WGS 84)"
        );
    }
    let total: usize = l.invalid.values().sum();
    if total == 0 {
        let _ = writeln!(out, "  invalid     none");
    } else {
        let reasons: Vec<String> = l.invalid.iter().map(|(r, n)| format!("{r} {n}")).collect();
        let _ = writeln!(out, "  invalid     {total} ({})", reasons.join(", "));
        let ids: Vec<String> = l.invalid_features.iter().map(|f| f.id.clone()).collect();
        let _ = writeln!(out, "              {}", list(&ids));
    }
    let id = l
        .id_fields
        .iter()
        .map(|f| format!("'{f}'"))
        .collect::<Vec<_>>()
        .join(" or ");
    if id.is_empty() {
        let _ = writeln!(out, "  ids         no id field found");
    } else if l.duplicate_ids.is_empty() {
        let _ = writeln!(out, "  ids         {id}: no duplicates");
    } else {
        let _ = writeln!(
            out,
            "  ids         {id}: {} duplicated: {}",
            l.duplicate_ids.len(),
            list(&l.duplicate_ids)
        );
    }
    if !l.fields.is_empty() {
        let width = l
            .fields
            .iter()
            .map(|f| f.name.chars().count())
            .max()
            .unwrap_or(0)
            .max(5);
        let _ = writeln!(out, "  fields      {:width$}  {:12} filled", "name", "type");
        for f in &l.fields {
            // Exact counts where not every feature has a value: 3,207 of 3,211 is not 100 %.
            let filled = if f.filled == l.features {
                "100%".to_string()
            } else {
                let pct = (f.fill_rate * 100.0).min(99.0);
                // Under half a per cent is "<1%", not a rounded-up 1% (1 of 8,045).
                let pct = if f.filled > 0 && pct < 0.5 {
                    "<1".to_string()
                } else {
                    format!("{pct:.0}")
                };
                format!("{pct}% ({} of {})", f.filled, l.features)
            };
            let _ = write!(
                out,
                "              {:width$}  {:12} {filled}",
                f.name, f.field_type
            );
            if let Some(n) = &f.numbers {
                let _ = write!(out, "  {n}");
            }
            out.push('\n');
        }
    }
}

fn quality(out: &mut String, q: &LayerQuality) {
    let _ = write!(out, "  [{}] read {}, loaded {}", q.role, q.read, q.loaded);
    if q.repaired > 0 {
        let _ = write!(out, ", repaired {}", q.repaired);
    }
    if !q.skipped.is_empty() {
        let _ = write!(out, ", skipped {}", q.skipped.len());
    }
    if !q.duplicates.is_empty() {
        let _ = write!(out, ", duplicates of earlier layers {}", q.duplicates.len());
    }
    out.push('\n');
    if !q.skipped.is_empty() {
        let items: Vec<String> = q
            .skipped
            .iter()
            .map(|s| format!("{} ({})", s.id, s.reason))
            .collect();
        let _ = writeln!(out, "      skipped: {}", list(&items));
    }
    if !q.duplicate_ids.is_empty() {
        let _ = writeln!(
            out,
            "      ids used more than once: {}",
            list(&q.duplicate_ids)
        );
    }
    for (field, u) in &q.unread_values {
        let _ = writeln!(
            out,
            "      '{field}': {} value{} not a number, e.g. {}",
            u.count,
            plural(u.count),
            u.examples.join(", ")
        );
    }
}

fn site(out: &mut String, s: &SiteReport) {
    let _ = writeln!(out, "site '{}'  ({})", s.name, s.site_file.display());
    let how = if s.crs.auto {
        "auto: UTM zone of the district centroid"
    } else {
        "from the site file"
    };
    let _ = writeln!(
        out,
        "local CRS   EPSG:{} {} ({how})",
        s.crs.epsg, s.crs.name
    );
    for l in &s.layers {
        out.push('\n');
        layer(out, l);
    }
    let d = &s.loaded;
    let _ = writeln!(out, "\nloaded into EPSG:{}", s.crs.epsg);
    let _ = writeln!(
        out,
        "  district '{}': {:.1} ha",
        d.district, d.district_area_ha
    );
    let _ = writeln!(
        out,
        "  {} buildings, {} stops, {} neighbourhoods, {} population cells ({:.0} residents)",
        d.buildings, d.stops, d.neighbourhoods, d.population_cells, d.residents
    );
    for (share, what, whose) in [
        (d.district_in_buildings_extent, "buildings", "figures"),
        (
            d.district_in_stops_extent,
            "stops",
            "access index beyond it",
        ),
    ] {
        let Some(share) = share else { continue };
        let short = if share < cpgis_core::site::COVERED_SHARE {
            format!(": the {what} layer stops short of the district, whose {whose} would count only the {what} mapped")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  the {what}' extent covers {} of the district's area{short}",
            cpgis_core::site::share_percent(share)
        );
    }
    for q in &s.quality {
        quality(out, q);
    }
}
