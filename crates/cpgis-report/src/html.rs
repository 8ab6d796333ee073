//! `report.html`: one self-contained page a planner can read on a laptop or print. Inline CSS
//! and SVG, and one inline script of ours (the maps' pan, zoom and click, `maps.js`) that the
//! Content-Security-Policy allows by its hash; no font or image from anywhere, and no request of
//! any kind, so it works offline and never phones home. Same run, same bytes.

use std::collections::BTreeMap;
use std::fmt::Write;

use geo::{Area, InteriorPoint, MultiPolygon};

use super::charts::{sector_bars, waterfall};
use super::colour::{
    class_of, fmt_num, quantile_breaks, readable_numbers, BANDS, SEQUENTIAL, ZONES,
};
use super::svg::{esc, extent, legend, Frame};
use cpgis_core::community::Membership;
use cpgis_core::run::Ran;
use cpgis_core::site::Shape;

/// Map width, px.
const MAP_W: f64 = 900.0;

/// Above this many buildings the maps draw grid cells instead of footprints.
pub const MAX_DRAWN_BUILDINGS: usize = 20_000;

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;max-width:980px;margin:0 auto;padding:16px 20px 60px}
h1{font-size:26px;margin:8px 0 2px}h2{font-size:19px;margin:34px 0 8px;border-bottom:2px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.sub{color:#555;margin:0 0 12px}
table{border-collapse:collapse;margin:8px 0;width:100%;font-size:13px}th,td{border-bottom:1px solid #e3e3e3;padding:3px 6px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.verdict{font-size:20px;font-weight:600;padding:10px 14px;border-radius:6px;margin:10px 0}
.pass{background:#e5f5e0;color:#006d2c}.fail{background:#fee0d2;color:#a50f15}
svg{display:block;max-width:100%;height:auto}svg text{font:11px system-ui,sans-serif;fill:#222}
svg .label{font-size:11px}svg .nb-label{font:italic 10px system-ui,sans-serif;fill:#666;stroke:#fff;stroke-width:2.5px;paint-order:stroke}svg .value{font-weight:600}svg .zone-label{font:bold 14px system-ui,sans-serif;fill:#000;stroke:#fff;stroke-width:3px;paint-order:stroke}
.map{border:1px solid #ccc;background:#f7f9fb}.legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin:4px 0 14px;font-size:12px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px;border:1px solid #999}
.note{color:#555;font-size:12px}ul.levers li{margin:2px 0}
@page{margin:12mm}.info{min-height:1.3em;margin:2px 0 6px}
@media print{.info{display:none}body{max-width:none;padding:0}h2,h3{break-after:avoid}svg,.mapfig,.legend{break-inside:avoid}tr{break-inside:avoid}.map{border:none;max-height:205mm;width:auto;margin:0 auto}#assumption-table{font-size:8.5px}#assumption-table td,#assumption-table th{padding:1px 4px}}
"#;

/// The maps' pan, zoom and click script (ours), inline; the page's Content-Security-Policy
/// allows exactly this script by its hash, and nothing else: still no request.
const MAPS_JS: &str = include_str!("maps.js");

/// SHA-256 of [`MAPS_JS`], base64, as the Content-Security-Policy names it (`tests/report.rs`
/// recomputes it from the page).
const MAPS_JS_SHA256: &str = "WnjSJKKutWXY2PzxwMlIRV25eVeslapXAth3JBUbOJo=";

/// The report of a full run.
pub fn render_html(ran: &Ran) -> String {
    let e = &ran.estimated;
    let b = &ran.balance;
    let mut h = String::new();
    let _ = write!(
        h,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{MAPS_JS_SHA256}'"><title>{} – cpgis report</title><style>{STYLE}</style></head><body>"#,
        esc(&e.config.name)
    );
    let _ = write!(
        h,
        r#"<h1>{}: Climate Positive assessment</h1><p class="sub">{} buildings ({} in the district, {} in the neighbouring community) · preset {} {} · local CRS EPSG:{} {} · cpgis {}</p>"#,
        esc(&e.config.name),
        e.census.buildings.map,
        ran.community.count(Membership::District),
        ran.community.count(Membership::Community),
        esc(&e.preset.name),
        esc(&e.preset.version),
        e.site.crs.epsg,
        esc(&e.site.crs.name),
        env!("CARGO_PKG_VERSION")
    );

    // The balance.
    let sure = crate::text::probability_phrase(b)
        .map(|p| format!(" ({p})"))
        .unwrap_or_default();
    let (class, verdict) = if b.climate_positive {
        (
            "pass",
            format!(
                "Climate positive: net {} t CO2e per year{sure}",
                fmt_num(b.net_t)
            ),
        )
    } else {
        (
            "fail",
            format!(
                "Not climate positive: net {} t CO2e per year{sure}",
                fmt_num(b.net_t)
            ),
        )
    };
    let _ = write!(
        h,
        r#"<h2 id="balance">The balance</h2><div class="verdict {class}">{}</div><p>{}. {}: {}.</p>"#,
        esc(&verdict),
        esc(&capitalised(&readable_numbers(
            &crate::text::target_sentence(b)
        ))),
        if b.break_even.is_some() {
            "Break-even grid factor"
        } else {
            "The grid factor does not decide it"
        },
        esc(&crate::text::break_even_sentence(
            b.break_even,
            ran.estimated
                .factors
                .carrier(cpgis_core::kinds::Carrier::Electricity)
        ))
    );
    for c in cpgis_core::summary::cautions(e, Some(&ran.community)) {
        let _ = write!(h, r#"<p class="caution"><b>Caution:</b> {}.</p>"#, esc(&c));
    }
    h.push_str(&waterfall(b));
    let _ = write!(
        h,
        r#"<table id="ledger"><tr><th>t CO2e per year (district)</th>"#
    );
    for s in b.baseline.keys() {
        let _ = write!(h, r#"<th class="n">{}</th>"#, esc(s));
    }
    h.push_str(r#"<th class="n">total</th></tr>"#);
    for (label, m, t) in [
        ("baseline on site", &b.baseline, b.baseline_t),
        ("proposed on site", &b.on_site, b.on_site_t),
    ] {
        let _ = write!(h, "<tr><td>{label}</td>");
        for v in m.values() {
            let _ = write!(h, r#"<td class="n">{}</td>"#, fmt_num(*v));
        }
        let _ = write!(h, r#"<td class="n">{}</td></tr>"#, fmt_num(t));
    }
    let cols = b.baseline.len();
    let _ = write!(
        h,
        r#"<tr><td>target to offset (on site × (1 + margin), or as set)</td><td colspan="{cols}"></td><td class="n">{}</td></tr><tr><td>credits earned in the community</td><td colspan="{cols}" class="note">{}</td><td class="n">{}</td></tr><tr><th>net</th><td colspan="{cols}"></td><th class="n">{}</th></tr></table>"#,
        fmt_num(b.target_t),
        esc(&b
            .credits_by_intervention
            .iter()
            .map(|(k, v)| format!("{k} {}", fmt_num(*v)))
            .collect::<Vec<_>>()
            .join(" · ")),
        // Subtracted: "−" before the credits, none before no credits at all.
        if b.credits_t > 0.0 {
            format!("−{}", fmt_num(b.credits_t))
        } else {
            fmt_num(0.0)
        },
        fmt_num(b.net_t)
    );
    if b.shortfall_t > 0.0 {
        let _ = write!(
            h,
            r#"<p>The community cannot cover the target: <b>{} t CO2e per year short</b>. What would close the gap:</p><ul class="levers">"#,
            fmt_num(b.shortfall_t)
        );
        for l in &b.levers {
            let _ = write!(h, "<li>{}</li>", esc(&readable_numbers(l)));
        }
        h.push_str("</ul>");
    }

    if let Some(u) = &b.uncertainty {
        let _ = write!(
            h,
            r#"<h3 id="uncertainty">How sure: Climate Positive with probability {:.2}</h3><p>{}.</p>"#,
            u.probability_climate_positive,
            esc(&capitalised(&readable_numbers(
                &crate::text::uncertainty_sentence(u)
            )))
        );
        h.push_str(&crate::charts::tornado(&u.sensitivity));
        let _ = write!(
            h,
            r#"<p class="note">Each factor drawn from its range ({} of them; the site file's [uncertainty.ranges], else ±10 % for a value read in its source [V], ±20 % derived [D] or read through a secondary source, ±30 % assumed or recalled [U]), triangular around the value; the same draw wherever the factor enters, so the grid factor moves the on-site emissions and the credits together. Seed {}. The offsets selected and the measures are held: the ranges describe the outcome of that selection.</p>"#,
            u.ranges.len(),
            u.seed
        );
        if let Some(s) = cpgis_core::uncertainty::unmoved_sentence(u) {
            let _ = write!(h, r#"<p class="note">{}.</p>"#, esc(&capitalised(&s)));
        }
        neighbourhood_ranges(u, &mut h);
    }
    designs(ran, &mut h);

    // Emissions by sector.
    h.push_str(r#"<h2 id="sectors">Emissions by sector</h2>"#);
    let d = &e.aggregates.district;
    let scen: Vec<(String, Vec<(String, f64)>)> = e
        .estimates
        .scenarios
        .iter()
        .enumerate()
        .map(|(s, sc)| {
            let parts = e
                .estimates
                .sectors
                .iter()
                .enumerate()
                .map(|(k, sector)| (sector.key().to_string(), d.co2e_t[s][k]))
                .collect();
            (sc.name.clone(), parts)
        })
        .collect();
    // The proposed design's on-site range over the factors' ranges, as an error bar.
    let range = b
        .uncertainty
        .as_ref()
        .map(|u| (e.estimates.proposed, u.on_site_t.p5, u.on_site_t.p95));
    h.push_str(&sector_bars(&scen, range));
    maps(ran, &mut h);
    zones_table(ran, &mut h);
    quality(ran, &mut h);
    assumptions(ran, &mut h);
    let _ = write!(h, "<script>{MAPS_JS}</script>");
    h.push_str("</body></html>\n");
    h
}

/// Everything the maps draw on: the frame, and the outlines of district and community.
struct Base {
    frame: Frame,
    outlines: String,
    /// Roads, railways and water in grey, drawn first on every map.
    context: String,
}

/// The site's context layers as SVG: water filled pale blue (rivers as lines), roads pale
/// grey, railways dashed grey; for orientation only.
fn context_svg(ran: &Ran, f: &Frame) -> String {
    use cpgis_core::site::ContextKind;
    let mut out = String::new();
    for layer in &ran.estimated.site.context {
        let mut areas = String::new();
        let mut lines = String::new();
        for g in &layer.geometries {
            match g {
                geo::Geometry::Polygon(p) => f.polygon_path(p, &mut areas),
                geo::Geometry::MultiPolygon(mp) => {
                    for p in &mp.0 {
                        f.polygon_path(p, &mut areas);
                    }
                }
                geo::Geometry::LineString(l) => f.line_path(l, &mut lines),
                geo::Geometry::MultiLineString(ml) => {
                    for l in &ml.0 {
                        f.line_path(l, &mut lines);
                    }
                }
                _ => {}
            }
        }
        let (fill, stroke, extra) = match layer.kind {
            ContextKind::Water => ("#d4e6f4", "#9ecae1", ""),
            ContextKind::Roads => ("none", "#cfcfcf", ""),
            ContextKind::Rail => ("none", "#9a9a9a", r#" stroke-dasharray="4 2""#),
        };
        let name = format!("{:?}", layer.kind).to_lowercase();
        if !areas.is_empty() {
            let _ = write!(
                out,
                r#"<path class="context {name}" d="{areas}" fill="{fill}" fill-rule="evenodd" stroke="none"/>"#
            );
        }
        if !lines.is_empty() {
            let _ = write!(
                out,
                r#"<path class="context {name}" d="{lines}" fill="none" stroke="{stroke}" stroke-width="1.2"{extra}/>"#
            );
        }
    }
    out
}

fn base(ran: &Ran) -> Base {
    let e = &ran.estimated;
    let areas =
        extent(std::iter::once(&e.site.district.area).chain(std::iter::once(&ran.community.area)));
    let ext = cpgis_core::site::union_of(areas.into_iter().chain(e.census.footprints))
        .unwrap_or_else(|| geo::Rect::new((0.0, 0.0), (1.0, 1.0)));
    let frame = Frame::new(ext, MAP_W);
    // The neighbourhoods the map shows, outlined thin and named, under the community and the
    // district.
    let mut outlines = String::new();
    let mut names = String::new();
    for n in &e.site.neighbourhoods {
        let Some(b) = geo::BoundingRect::bounding_rect(&n.area) else {
            continue;
        };
        let overlaps = b.min().x <= ext.max().x
            && b.max().x >= ext.min().x
            && b.min().y <= ext.max().y
            && b.max().y >= ext.min().y;
        if !overlaps {
            continue;
        }
        let _ = write!(
            outlines,
            r##"<path d="{}" fill="none" stroke="#9a9a9a" stroke-width="0.8"><title>neighbourhood {}</title></path>"##,
            frame.path(&n.area),
            esc(&n.id)
        );
        // Named where it shows: inside its part within the map.
        let shown = geo::BooleanOps::intersection(&n.area, &ext.to_polygon());
        if let Some((x, y)) = label_point(&shown) {
            let (px, py) = frame.px(x, y);
            let _ = write!(
                names,
                r#"<text x="{px:.1}" y="{py:.1}" text-anchor="middle" class="nb-label">{}</text>"#,
                esc(&n.id)
            );
        }
    }
    outlines.push_str(&names);
    let _ = write!(
        outlines,
        r##"<path d="{}" fill="none" stroke="#3f007d" stroke-width="1.5" stroke-dasharray="6 4"><title>neighbouring community</title></path><path d="{}" fill="none" stroke="#000" stroke-width="2.5"><title>district</title></path>"##,
        frame.path(&ran.community.area),
        frame.path(&e.site.district.area)
    );
    let context = context_svg(ran, &frame);
    Base {
        frame,
        outlines,
        context,
    }
}

fn open_map(id: &str, f: &Frame, title: &str) -> String {
    format!(
        r#"<svg id="{id}" class="map" viewBox="0 0 {:.0} {:.0}" role="img" aria-label="{t}"><title>{t}</title>"#,
        f.width,
        f.height,
        t = esc(title)
    )
}

fn close_map(base: &Base, out: &mut String, id: &str) {
    out.push_str(&base.outlines);
    base.frame.scale_bar(out);
    out.push_str("</svg>");
    // The line a click fills with the feature's attributes.
    let _ = write!(
        out,
        r#"<p id="{id}-info" class="info note" aria-live="polite">Drag to pan, scroll to zoom, double-click to reset; click a building or zone for its figures.</p>"#
    );
}

/// Draws every building filled by `fill`, with a hover title.
fn buildings(ran: &Ran, f: &Frame, out: &mut String, fill: &dyn Fn(usize) -> (String, String)) {
    for (i, b) in ran.estimated.site.buildings.iter().enumerate() {
        let (colour, title) = fill(i);
        match &b.shape {
            Shape::Area(mp) => {
                let _ = write!(
                    out,
                    r#"<path d="{}" fill="{colour}"><title>{}</title></path>"#,
                    f.path(mp),
                    esc(&title)
                );
            }
            Shape::Point(p) => {
                let (x, y) = f.px(p.x(), p.y());
                let _ = write!(
                    out,
                    r##"<circle cx="{x:.1}" cy="{y:.1}" r="4" fill="{colour}" stroke="#fff" stroke-width="1"><title>{}</title></circle>"##,
                    esc(&title)
                );
            }
        }
    }
}

fn maps(ran: &Ran, h: &mut String) {
    let e = &ran.estimated;
    let base = base(ran);
    let f = &base.frame;
    // Above the limit, or when the driver of a distributed run holds only some buildings, the
    // grid cells are drawn.
    let many = e.census.buildings.map > MAX_DRAWN_BUILDINGS || e.held.is_some();
    metered_against_modelled(e, h);
    h.push_str(r#"<h2 id="maps">Maps</h2>"#);

    // Emissions per building (or per cell for very large cases).
    let totals: Vec<f64> = e.estimates.buildings.iter().map(|b| b.total(0)).collect();
    // Each map with its title and legends in one section, kept on one printed page.
    h.push_str(r#"<section class="mapfig"><h3>Baseline emissions, t CO2e per year</h3>"#);
    let mut m = open_map("map-emissions", f, "Baseline emissions per building");
    m.push_str(&base.context);
    let breaks = if many {
        let per_cell: Vec<f64> = e
            .aggregates
            .cells
            .iter()
            .map(|c| c.totals.total(0))
            .collect();
        let br = quantile_breaks(&per_cell, 5);
        for c in &e.aggregates.cells {
            let k = class_of(c.totals.total(0), &br);
            let mut d = String::new();
            f.polygon_path(&c.polygon, &mut d);
            let _ = write!(m, r#"<path d="{d}" fill="{}"/>"#, SEQUENTIAL[k.min(4)]);
        }
        br
    } else {
        let br = quantile_breaks(&totals, 5);
        buildings(ran, f, &mut m, &|i| {
            let k = class_of(totals[i], &br);
            (
                SEQUENTIAL[k.min(4)].to_string(),
                format!(
                    "{} · {} · {} m² · baseline energy {}, transport {}, waste {}: {} t CO2e/yr",
                    e.site.buildings[i].id,
                    e.profiles.buildings[i].uses.describe(),
                    fmt_num(e.profiles.buildings[i].floor.gfa_m2),
                    fmt_num(e.estimates.buildings[i].co2e(0, 0)),
                    fmt_num(e.estimates.buildings[i].co2e(0, 1)),
                    fmt_num(e.estimates.buildings[i].co2e(0, 2)),
                    fmt_num(totals[i])
                ),
            )
        });
        br
    };
    close_map(&base, &mut m, "map-emissions");
    h.push_str(&m);
    h.push_str(&class_legend(
        if many {
            "t CO2e/yr per grid cell"
        } else {
            "t CO2e/yr per building"
        },
        &breaks,
    ));
    h.push_str(&legend(
        "outlines",
        &[
            ("district (solid)".to_string(), "#000"),
            ("neighbouring community (dashed)".to_string(), "#3f007d"),
        ],
    ));
    h.push_str("</section>");

    // Grid density.
    let g = &e.aggregates;
    let per_ha = crate::colour::baseline_per_hectare(g);
    let br = quantile_breaks(&per_ha, 5);
    let _ = write!(
        h,
        r#"<section class="mapfig"><h3>Baseline emissions per hectare, {} m {} grid</h3>"#,
        g.grid.cell_m,
        format!("{:?}", g.grid.shape).to_lowercase()
    );
    let mut m = open_map("map-grid", f, "Baseline emissions per hectare of grid cell");
    m.push_str(&base.context);
    for (c, v) in g.cells.iter().zip(&per_ha) {
        let mut d = String::new();
        f.polygon_path(&c.polygon, &mut d);
        let _ = write!(
            m,
            r##"<path d="{d}" fill="{}" stroke="#fff" stroke-width="0.5"><title>cell {}_{}: {} t CO2e/ha·yr, {} buildings</title></path>"##,
            SEQUENTIAL[class_of(*v, &br).min(4)],
            c.key.0,
            c.key.1,
            fmt_num(*v),
            c.totals.buildings
        );
    }
    close_map(&base, &mut m, "map-grid");
    h.push_str(&m);
    h.push_str(&class_legend("t CO2e per hectare and year", &br));
    h.push_str("</section>");

    // Transit access.
    h.push_str(r#"<section class="mapfig"><h3>Transit access (PTAL band)</h3>"#);
    let mut m = open_map("map-access", f, "Transit access band per building");
    m.push_str(&base.context);
    if !many {
        buildings(ran, f, &mut m, &|i| {
            let p = &e.profiles.buildings[i];
            let colour = BANDS
                .iter()
                .find(|b| b.0 == p.access.band())
                .map(|b| b.1)
                .unwrap_or("#999");
            (
                colour.to_string(),
                format!(
                    "{}: access index {:.1}, band {}",
                    e.site.buildings[i].id,
                    p.access.index,
                    p.access.band()
                ),
            )
        });
    }
    for s in &e.site.stops {
        let (x, y) = f.px(s.point.x(), s.point.y());
        let _ = write!(
            m,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="2.5" fill="#fff" stroke="#000" stroke-width="1"><title>{} stop {}</title></circle>"##,
            esc(s.mode.key()),
            esc(&s.id)
        );
    }
    close_map(&base, &mut m, "map-access");
    h.push_str(&m);
    let entries: Vec<(String, &str)> = BANDS.iter().map(|(b, c)| (b.to_string(), *c)).collect();
    h.push_str(&legend("PTAL band (white dots: stops)", &entries));
    h.push_str("</section>");

    // Offset zones.
    h.push_str(r#"<section class="mapfig"><h3>Offset zones, numbered by rank</h3>"#);
    let mut m = open_map("map-zones", f, "Offset zones numbered by rank");
    m.push_str(&base.context);
    if !many {
        buildings(ran, f, &mut m, &|i| {
            ("#d9d9d9".to_string(), e.site.buildings[i].id.to_string())
        });
    }
    let mut labels = String::new();
    for z in &ran.plan.zones {
        let colour = ZONES[(z.rank - 1) % ZONES.len()];
        let _ = write!(
            m,
            r#"<path d="{}" fill="{colour}" fill-opacity="0.55" stroke="{colour}" stroke-width="1.5"><title>zone {}: {} t CO2e/yr</title></path>"#,
            f.path(&z.geometry),
            z.rank,
            fmt_num(z.abatement_t)
        );
        if let Some(p) = label_point(&z.geometry) {
            let (x, y) = f.px(p.0, p.1);
            let _ = write!(
                labels,
                r#"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" class="zone-label">{}</text>"#,
                z.rank
            );
        }
    }
    m.push_str(&labels);
    close_map(&base, &mut m, "map-zones");
    h.push_str(&m);
    h.push_str("</section>");
}

/// A point inside the largest part of a zone, for its number.
fn label_point(mp: &MultiPolygon<f64>) -> Option<(f64, f64)> {
    let largest =
        mp.0.iter()
            .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))?;
    largest.interior_point().map(|p| (p.x(), p.y()))
}

/// The metered buildings against what the archetypes give them, by main use.
fn metered_against_modelled(e: &cpgis_core::run::Estimated, h: &mut String) {
    let checks = e.calibration.checks();
    if checks.is_empty() {
        return;
    }
    h.push_str(r#"<h3 id="metered">Metered buildings against the archetypes</h3><p>Each building metered on every carrier its layer maps, beside what the preset's archetypes (floor area × intensity, heat by the heating mix) would give it: baseline site energy, MWh per year, by main use. A ratio far from 1 says the archetype does not fit this stock; the run uses the meters for these buildings.</p><table id="metered-table"><tr><th>main use</th><th class="n">buildings</th><th class="n">metered</th><th class="n">modelled</th><th class="n">modelled / metered</th><th class="n">electricity metered</th><th class="n">electricity modelled</th></tr>"#);
    for u in &checks {
        let _ = write!(
            h,
            r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            esc(&u.use_key),
            u.buildings,
            fmt_num(u.metered.total_kwh() / 1000.0),
            fmt_num(u.modelled.total_kwh() / 1000.0),
            u.ratio.map_or("n/a".to_string(), |r| format!("{r:.2}")),
            fmt_num(u.metered.electricity_kwh / 1000.0),
            fmt_num(u.modelled.electricity_kwh / 1000.0)
        );
    }
    h.push_str("</table>");
}

fn class_legend(title: &str, breaks: &[f64]) -> String {
    let mut entries = Vec::new();
    let mut lo = 0.0;
    for (k, hi) in breaks.iter().enumerate() {
        entries.push((
            format!("{} – {}", fmt_num(lo), fmt_num(*hi)),
            SEQUENTIAL[k.min(4)],
        ));
        lo = *hi;
    }
    legend(title, &entries)
}

/// Each neighbourhood's proposed emissions with their 90 % range over the draws (those with
/// buildings only).
fn neighbourhood_ranges(u: &cpgis_core::uncertainty::Uncertainty, h: &mut String) {
    if let Some(how) = &u.neighbourhoods_sampled {
        let _ = write!(h, r#"<p class="note">{}.</p>"#, esc(&capitalised(how)));
    }
    let rows: Vec<_> = u
        .neighbourhoods_t
        .iter()
        .filter(|n| n.t.p95 != 0.0 || n.t.p5 != 0.0)
        .collect();
    if rows.is_empty() {
        return;
    }
    h.push_str(r#"<table id="neighbourhood-ranges"><tr><th>neighbourhood</th><th class="n">t CO2e/yr, median</th><th class="n">5th–95th percentile</th></tr>"#);
    for n in rows {
        let _ = write!(
            h,
            r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{} – {}</td></tr>"#,
            esc(&n.id),
            fmt_num(n.t.p50),
            fmt_num(n.t.p5),
            fmt_num(n.t.p95)
        );
    }
    h.push_str(r#"</table><p class="note">Each neighbourhood's proposed emissions (its district buildings under the proposed measures, the rest as they are) over the same draws; neighbourhoods without buildings on the map left out.</p>"#);
}

fn zones_table(ran: &Ran, h: &mut String) {
    let cur = &ran.estimated.factors.currency;
    let _ = write!(
        h,
        r#"<h2 id="zones">Offset zones</h2><p>Community grid cells ranked by {}, selected until the target of {} t CO2e per year is met, touching cells merged. {} opportunities in {} cells offered {} t CO2e per year.</p>"#,
        match ran.plan.rank_by {
            cpgis_core::offsets::RankBy::Cost => "t CO2e per unit of annual cost",
            cpgis_core::offsets::RankBy::Area => "t CO2e per hectare",
        },
        fmt_num(ran.plan.target_t),
        ran.plan.opportunities.len(),
        ran.plan.ranked.len(),
        fmt_num(ran.plan.available_t)
    );
    if ran.plan.zones.is_empty() {
        h.push_str("<p>No zone was selected.</p>");
        return;
    }
    let keys: Vec<&str> = cpgis_core::kinds::Intervention::ALL
        .iter()
        .map(|i| i.key())
        .collect();
    let _ = write!(
        h,
        r#"<table id="zone-table"><tr><th class="n">rank</th><th class="n">cells</th><th class="n">ha</th><th class="n">buildings</th><th class="n">t CO2e/yr</th>"#
    );
    for k in &keys {
        let _ = write!(h, r#"<th class="n">{}</th>"#, esc(&k.replace('_', " ")));
    }
    let ranges = ran.balance.uncertainty.as_ref().map(|u| &u.zones_t);
    let _ = write!(
        h,
        r#"<th class="n">{cur}/yr</th><th class="n">{cur}/t</th>{}</tr>"#,
        if ranges.is_some() {
            r#"<th class="n">t CO2e/yr, 5th–95th percentile</th>"#
        } else {
            ""
        }
    );
    for z in &ran.plan.zones {
        let _ = write!(
            h,
            r#"<tr><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td>"#,
            z.rank,
            z.cells.len(),
            fmt_num(z.area_m2 / 10_000.0),
            z.buildings,
            fmt_num(z.abatement_t)
        );
        for k in &keys {
            let _ = write!(
                h,
                r#"<td class="n">{}</td>"#,
                fmt_num(z.by_intervention.get(k).copied().unwrap_or(0.0))
            );
        }
        let per_t = if z.abatement_t > 0.0 {
            z.annual_cost / z.abatement_t
        } else {
            0.0
        };
        let range = ranges
            .and_then(|r| r.iter().find(|x| x.rank == z.rank))
            .map(|x| {
                format!(
                    r#"<td class="n">{} – {}</td>"#,
                    fmt_num(x.credits_t.p5),
                    fmt_num(x.credits_t.p95)
                )
            })
            .unwrap_or_default();
        let _ = write!(
            h,
            r#"<td class="n">{}</td><td class="n">{}</td>{range}</tr>"#,
            fmt_num(z.annual_cost),
            fmt_num(per_t)
        );
    }
    h.push_str("</table>");
}

fn quality(ran: &Ran, h: &mut String) {
    let e = &ran.estimated;
    h.push_str(r#"<h2 id="quality">Data quality</h2><table id="quality-table"><tr><th>layer</th><th>file</th><th class="n">read</th><th class="n">loaded</th><th class="n">invalid</th><th class="n">repaired</th><th class="n">skipped</th><th class="n">duplicates</th></tr>"#);
    for q in &e.site.quality {
        let invalid: usize = q.invalid.values().sum();
        let file = q
            .file
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = write!(
            h,
            r#"<tr><td>{}</td><td>{} ({})</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            esc(&q.role),
            esc(&file),
            esc(&q.layer),
            q.read,
            q.loaded,
            invalid,
            q.repaired,
            q.skipped.len(),
            q.duplicates.len()
        );
    }
    h.push_str("</table>");
    let layer_notes: Vec<String> = e
        .site
        .quality
        .iter()
        .flat_map(|q| q.notes.iter().map(move |n| format!("{}: {n}", q.role)))
        .collect();
    if !layer_notes.is_empty() {
        h.push_str(r#"<ul class="note">"#);
        for n in layer_notes {
            let _ = write!(h, "<li>{}</li>", esc(&n));
        }
        h.push_str("</ul>");
    }
    let buildings = e.census.buildings.map;
    let n = buildings.max(1) as f64;
    let pct = |k: usize| format!("{:.0} %", 100.0 * k as f64 / n);
    let notes = &e.profiles.notes;
    let count = |m: &BTreeMap<String, usize>, k: &str| m.get(k).copied().unwrap_or(0);
    let with_year = e.census.with_year;
    let known_use = buildings - count(&notes.buildings_by_use, "unknown");
    let _ = write!(
        h,
        r#"<h3>Fill rates of key attributes</h3><table id="fill-rates"><tr><td>use known</td><td class="n">{}</td></tr><tr><td>floors from the attribute (else height, else the use's default)</td><td class="n">{}</td></tr><tr><td>floors from the height</td><td class="n">{}</td></tr><tr><td>construction year readable</td><td class="n">{}</td></tr><tr><td>residents from the population layer (else floor area per resident)</td><td class="n">{}</td></tr></table>"#,
        pct(known_use),
        pct(count(&notes.floors_from, "attribute")),
        pct(count(&notes.floors_from, "height")),
        pct(with_year),
        pct(count(&notes.residents_from, "population_layer"))
    );
    let mut s = cpgis_core::summary::notes(e);
    s.extend(cpgis_core::summary::community_notes(&ran.community));
    if !s.is_empty() {
        h.push_str("<ul class=\"note\">");
        for n in s {
            let _ = write!(h, "<li>{}</li>", esc(&n));
        }
        h.push_str("</ul>");
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Every scenario against the same community, and what the verdict depends on.
fn designs(ran: &Ran, h: &mut String) {
    let b = &ran.balance;
    let e = &ran.estimated;
    let cur = esc(&e.factors.currency);
    let _ = write!(
        h,
        r#"<h3>Designs compared</h3><p class="note">Each scenario against the same community: its own target, offsets selected down the same ranking. A worse design never scores better on these figures.</p><table id="designs"><tr><th>scenario</th><th class="n">on site</th><th class="n">target</th><th class="n">capacity</th><th class="n">× need</th><th class="n">credits</th><th class="n">{cur}/yr</th><th class="n">{cur}/t</th><th>verdict</th></tr>"#
    );
    for s in &b.scenarios {
        let _ = write!(
            h,
            r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td>{}</td></tr>"#,
            esc(&s.scenario),
            fmt_num(s.on_site_t),
            fmt_num(s.target_t),
            fmt_num(s.capacity_t),
            s.capacity_multiple
                .map_or("–".into(), |m| format!("{m:.2}")),
            fmt_num(s.credits_t),
            fmt_num(s.annual_cost),
            s.cost_per_t.map_or("–".into(), fmt_num),
            crate::text::scenario_verdict(s)
        );
    }
    h.push_str("</table>");
    // What the verdict depends on.
    let proposed = &e.estimates.scenarios[e.estimates.proposed];
    let m = &proposed.measures;
    let pct = |v: f64| format!("{} %", crate::text::fmt_share(v));
    let mut measures = Vec::new();
    if m.eui_reduction > 0.0 {
        measures.push(format!("energy use −{}", pct(m.eui_reduction)));
    }
    if let Some(heat) = m.heat {
        measures.push(format!("heat from {}", heat.key()));
    }
    if m.rooftop_pv > 0.0 {
        measures.push(format!("PV on {} of usable roofs", pct(m.rooftop_pv)));
    }
    if let Some(c) = m.car_share {
        measures.push(format!("car share at most {}", pct(c)));
    }
    if let Some(w) = m.waste_diversion {
        measures.push(format!("waste diverted at least {}", pct(w)));
    }
    let grid = e.preset.get("carriers.electricity");
    let c = &ran.community;
    let method = format!("{:?}", c.method).to_lowercase();
    let settings = if e.config.settings.is_empty() {
        None
    } else {
        Some(format!(
            "set on the command line over the site file: {}",
            e.config.settings.join(", ")
        ))
    };
    let items = [
        format!(
            "the proposed measures: {}",
            if measures.is_empty() {
                "none (the proposed scenario is the baseline)".into()
            } else {
                measures.join(", ")
            }
        ),
        match b.margin {
            Some(m) => format!("the target: the on-site residual plus a {} margin", pct(m)),
            None => "the target: the site file's number".into(),
        },
        if method == "catchment" {
            "the community: the catchments of the stops serving the district".into()
        } else {
            format!("the community: {method}, {} m", c.distance_m)
        },
        format!(
            "the transport boundary: {}",
            cpgis_core::estimate::transport::boundary(
                &e.factors.travel,
                e.aggregates.district.jobs
            )
        ),
        format!(
            "the heating climate: {}",
            cpgis_core::summary::climate_phrase(e)
        ),
        format!(
            "the stops mapped: their extent covers {} of the district's area",
            e.profiles
                .notes
                .district_in_stops_extent
                .map_or("none (no stops)".into(), pct)
        ),
        format!(
            "the buildings mapped: their extent covers {} of the district's area and {} of the community's",
            e.profiles
                .notes
                .district_in_buildings_extent
                .map_or("none".into(), pct),
            c.in_buildings_extent.map_or("none".into(), pct)
        ),
        {
            let n = &e.profiles.notes;
            let pc = |s: Option<f64>| s.map_or("none".into(), cpgis_core::site::share_percent);
            format!(
                "the buildings' data: of the district's floor area, {} is footprint × default floors and {} has an assumed use; of the community's, {} and {}",
                pc(n.district_area_default_floors),
                pc(n.district_area_unknown_use),
                pc(c.area_default_floors),
                pc(c.area_unknown_use)
            )
        },
        match grid {
            Some(g) => format!(
                "the grid factor: {} {} ({}; set by {})",
                crate::text::fmt_value(g.value),
                g.unit,
                g.source,
                g.from
            ),
            None => "the grid factor: not in the preset".into(),
        },
    ];
    h.push_str(r#"<h3>What the verdict depends on</h3><ul id="depends">"#);
    for i in settings.into_iter().chain(items) {
        let _ = write!(h, "<li>{}</li>", esc(&i));
    }
    h.push_str("</ul>");
}

fn assumptions(ran: &Ran, h: &mut String) {
    let p = &ran.estimated.preset;
    let _ = write!(
        h,
        r#"<h2 id="assumptions">Every assumption</h2><p>Preset <b>{}</b> {} ({}), costs in {}. Each value with its unit and source; “assumption” marks values no publication gave. Tags in the sources: <b>[V]</b> the value was read in the source named; <b>[D]</b> it was derived (converted, divided, subtracted) from values read there; <b>[U]</b> it is uncertain: recalled or summarised, the source not re-read.</p><table id="assumption-table"><tr><th>value</th><th class="n"></th><th>unit</th><th>source</th></tr>"#,
        esc(&p.name),
        esc(&p.version),
        esc(&p.chain.join(" → ")),
        esc(&p.currency)
    );
    for (k, f) in &p.values {
        let _ = write!(
            h,
            r#"<tr><td>{}</td><td class="n">{}</td><td>{}</td><td>{}{}</td></tr>"#,
            esc(k),
            crate::text::fmt_value(f.value),
            esc(&f.unit),
            esc(&f.source),
            if f.from == p.name {
                String::new()
            } else {
                format!(" <span class=\"note\">({})</span>", esc(&f.from))
            }
        );
    }
    h.push_str("</table>");
}
