//! Charts of the report: the balance as a waterfall, and emissions by sector for the baseline
//! and the proposed design as stacked bars. Plain SVG, values written on the bars.

use std::fmt::Write;

use super::colour::fmt_num;
use super::svg::esc;
use cpgis_core::balance::Balance;

const W: f64 = 640.0;
const H: f64 = 280.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 40.0;
const LEFT: f64 = 70.0;

/// Sector colours: energy, transport, waste.
pub const SECTOR_COLOURS: [(&str, &str); 3] = [
    ("energy", "#e6550d"),
    ("transport", "#3182bd"),
    ("waste", "#31a354"),
];

/// A vertical scale from `lo` to `hi` (t CO2e/yr) onto the plot height.
struct Scale {
    lo: f64,
    hi: f64,
}

impl Scale {
    fn y(&self, v: f64) -> f64 {
        let span = (self.hi - self.lo).max(1e-9);
        TOP + (self.hi - v) / span * (H - TOP - BOTTOM)
    }
}

fn axis(out: &mut String, s: &Scale) {
    let _ = write!(
        out,
        r##"<line x1="{LEFT}" x2="{W}" y1="{0:.1}" y2="{0:.1}" stroke="#444"/><text x="{1}" y="{2:.1}" text-anchor="end">0</text><text x="{1}" y="{3:.1}" text-anchor="end">{4}</text>"##,
        s.y(0.0),
        LEFT - 6.0,
        s.y(0.0) + 4.0,
        s.y(s.hi) + 4.0,
        fmt_num(s.hi)
    );
}

/// Baseline → on-site measures → proposed → credits → net.
pub fn waterfall(b: &Balance) -> String {
    let steps: [(&str, f64, f64, &str); 5] = [
        ("baseline", 0.0, b.baseline_t, "#636363"),
        ("on-site measures", b.on_site_t, b.baseline_t, "#74c476"),
        ("proposed", 0.0, b.on_site_t, "#969696"),
        ("credits", b.on_site_t - b.credits_t, b.on_site_t, "#31a354"),
        (
            "net",
            0.0_f64.min(b.net_t),
            0.0_f64.max(b.net_t),
            if b.net_t < 0.0 { "#006d2c" } else { "#de2d26" },
        ),
    ];
    // Where the net must reach for the target to be met: on site less the target (below zero
    // by the margin).
    let goal = b.on_site_t - b.target_t;
    let (range_lo, range_hi) = b
        .uncertainty
        .as_ref()
        .map_or((0.0, 0.0), |u| (u.net_t.p5, u.net_t.p95));
    let lo = steps
        .iter()
        .map(|s| s.1.min(s.2))
        .fold(goal.min(0.0).min(range_lo), f64::min);
    let hi = steps
        .iter()
        .map(|s| s.1.max(s.2))
        .fold(range_hi.max(0.0), f64::max);
    // Room below the lowest bar for the target's label.
    let lo = lo - 0.1 * (hi - lo);
    let s = Scale { lo, hi };
    let mut out = format!(
        r#"<svg id="chart-balance" class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="Climate Positive balance"><title>Balance, t CO2e per year</title>"#
    );
    let slot = (W - LEFT) / steps.len() as f64;
    // The net's value stands above its error bar's top whisker, which would cross it.
    let net_top = b
        .uncertainty
        .as_ref()
        .map_or(f64::INFINITY, |u| s.y(u.net_t.p95));
    for (i, (label, a, z, colour)) in steps.iter().enumerate() {
        let x = LEFT + i as f64 * slot + slot * 0.15;
        let (y0, y1) = (s.y(*z), s.y(*a));
        let value = match i {
            1 => -(b.baseline_t - b.on_site_t),
            3 => -b.credits_t,
            4 => b.net_t,
            _ => z - a,
        };
        let _ = write!(
            out,
            r##"<rect x="{x:.1}" y="{y0:.1}" width="{w:.1}" height="{h:.1}" fill="{colour}"><title>{t}: {v} t CO2e/yr</title></rect><text x="{cx:.1}" y="{ty:.1}" text-anchor="middle" class="value">{v}</text><text x="{cx:.1}" y="{ly:.1}" text-anchor="middle" class="label">{t}</text>"##,
            w = slot * 0.7,
            h = (y1 - y0).max(0.5),
            t = esc(label),
            v = fmt_num(value),
            cx = x + slot * 0.35,
            ty = if i == 4 { y0.min(net_top) } else { y0 } - 4.0,
            ly = H - BOTTOM + 16.0,
        );
    }
    // The net's 90 % range over the factors' ranges, as an error bar on the net.
    if let Some(u) = &b.uncertainty {
        let cx = LEFT + 4.0 * slot + slot * 0.5;
        let (y5, y95) = (s.y(u.net_t.p5), s.y(u.net_t.p95));
        let _ = write!(
            out,
            r##"<g id="net-range"><line x1="{cx:.1}" y1="{y5:.1}" x2="{cx:.1}" y2="{y95:.1}" stroke="#222" stroke-width="1.5"/><line x1="{a:.1}" y1="{y5:.1}" x2="{z:.1}" y2="{y5:.1}" stroke="#222" stroke-width="1.5"/><line x1="{a:.1}" y1="{y95:.1}" x2="{z:.1}" y2="{y95:.1}" stroke="#222" stroke-width="1.5"/><title>net, 5th to 95th percentile over the factors' ranges: {} to {} t CO2e/yr</title></g>"##,
            fmt_num(u.net_t.p5),
            fmt_num(u.net_t.p95),
            a = cx - 8.0,
            z = cx + 8.0,
        );
    }
    // The target line across the credits and the net, dashed. Its label stands left of the line,
    // under the proposed bar's slot, where nothing is drawn below zero (the goal is at most
    // zero): at the line's right end it crossed the net's bar and error bar whenever the net lay
    // near the target.
    let (x0, x1) = (LEFT + 3.0 * slot + slot * 0.05, W - 4.0);
    let y = s.y(goal);
    let _ = write!(
        out,
        r##"<g id="target-line"><line x1="{x0:.1}" y1="{y:.1}" x2="{x1:.1}" y2="{y:.1}" stroke="#3f007d" stroke-width="1.5" stroke-dasharray="5 3"><title>the target: net at most {v} t CO2e/yr</title></line><text x="{tx:.1}" y="{ty:.1}" text-anchor="end" class="label">target: net ≤ {v}</text></g>"##,
        v = fmt_num(goal),
        tx = x0 - 4.0,
        ty = y + 13.0,
    );
    axis(&mut out, &s);
    out.push_str("</svg>");
    out
}

/// The factors that spread the net balance most: for each, a bar from zero to the net's change
/// between the factor's low and high value, largest share first.
pub fn tornado(items: &[cpgis_core::uncertainty::Contribution]) -> String {
    let row = 22.0;
    let left = 230.0;
    let values = 110.0;
    let h = TOP + row * items.len() as f64 + 10.0;
    let max = items
        .iter()
        .map(|c| c.swing_t.abs())
        .fold(0.0, f64::max)
        .max(1e-9);
    let mid = left + (W - left - values) / 2.0;
    let half = (W - left - values) / 2.0 - 6.0;
    let mut out = format!(
        r#"<svg id="chart-tornado" class="chart" viewBox="0 0 {W} {h:.0}" role="img" aria-label="What spreads the net balance"><title>The net's change from each factor's low to its high value, t CO2e per year</title>"#
    );
    for (i, c) in items.iter().enumerate() {
        let y = TOP + i as f64 * row;
        let w = c.swing_t.abs() / max * half;
        let x = if c.swing_t >= 0.0 { mid } else { mid - w };
        let colour = if c.swing_t >= 0.0 {
            "#de2d26"
        } else {
            "#31a354"
        };
        let _ = write!(
            out,
            r##"<text x="{tx:.1}" y="{ty:.1}" text-anchor="end" class="label">{k}</text><rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{bh:.1}" fill="{colour}"><title>{k}: {v} t CO2e/yr from low to high, {p} % of the variance</title></rect><text x="{vx:.1}" y="{ty:.1}" text-anchor="end" class="value">{v} ({p} %)</text>"##,
            tx = left - 8.0,
            ty = y + row * 0.6,
            k = esc(&c.key),
            bh = row * 0.7,
            v = fmt_num(c.swing_t),
            p = (c.share * 1000.0).round() / 10.0,
            vx = W - 2.0,
        );
    }
    let _ = write!(
        out,
        r##"<line x1="{mid:.1}" y1="{t:.1}" x2="{mid:.1}" y2="{b:.1}" stroke="#444"/></svg>"##,
        t = TOP - 4.0,
        b = h - 6.0
    );
    out
}

/// Stacked bars of emissions by sector, one bar per scenario (district).
/// `range`: a scenario's index and the 5th and 95th percentiles of its total, drawn as an error
/// bar on its bar.
pub fn sector_bars(
    scenarios: &[(String, Vec<(String, f64)>)],
    range: Option<(usize, f64, f64)>,
) -> String {
    let hi = scenarios
        .iter()
        .map(|(_, v)| v.iter().map(|x| x.1.max(0.0)).sum::<f64>())
        .fold(0.0, f64::max)
        .max(range.map_or(0.0, |r| r.2));
    let s = Scale { lo: 0.0, hi };
    let mut out = format!(
        r#"<svg id="chart-sectors" class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="Emissions by sector"><title>District emissions by sector, t CO2e per year</title>"#
    );
    let slot = (W - LEFT - 160.0) / scenarios.len().max(1) as f64;
    for (i, (name, parts)) in scenarios.iter().enumerate() {
        let x = LEFT + i as f64 * slot + slot * 0.2;
        let mut base = 0.0;
        for (sector, v) in parts {
            let colour = SECTOR_COLOURS
                .iter()
                .find(|c| c.0 == sector)
                .map(|c| c.1)
                .unwrap_or("#999");
            let (y0, y1) = (s.y(base + v.max(0.0)), s.y(base));
            let _ = write!(
                out,
                r##"<rect x="{x:.1}" y="{y0:.1}" width="{w:.1}" height="{h:.1}" fill="{colour}"><title>{n} {sec}: {val} t CO2e/yr</title></rect>"##,
                w = slot * 0.6,
                h = (y1 - y0).max(0.0),
                n = esc(name),
                sec = esc(sector),
                val = fmt_num(*v)
            );
            base += v.max(0.0);
        }
        let _ = write!(
            out,
            r##"<text x="{cx:.1}" y="{ty:.1}" text-anchor="middle" class="value">{t}</text><text x="{cx:.1}" y="{ly:.1}" text-anchor="middle" class="label">{n}</text>"##,
            cx = x + slot * 0.3,
            ty = s.y(base) - 4.0,
            t = fmt_num(base),
            ly = H - BOTTOM + 16.0,
            n = esc(name)
        );
    }
    if let Some((i, p5, p95)) = range {
        let cx = LEFT + i as f64 * slot + slot * 0.2 + slot * 0.3;
        let (y5, y95) = (s.y(p5), s.y(p95));
        let _ = write!(
            out,
            r##"<g id="on-site-range"><line x1="{cx:.1}" y1="{y5:.1}" x2="{cx:.1}" y2="{y95:.1}" stroke="#222" stroke-width="1.5"/><line x1="{a:.1}" y1="{y5:.1}" x2="{z:.1}" y2="{y5:.1}" stroke="#222" stroke-width="1.5"/><line x1="{a:.1}" y1="{y95:.1}" x2="{z:.1}" y2="{y95:.1}" stroke="#222" stroke-width="1.5"/><title>on site, 5th to 95th percentile over the factors' ranges: {} to {} t CO2e/yr</title></g>"##,
            fmt_num(p5),
            fmt_num(p95),
            a = cx - 8.0,
            z = cx + 8.0,
        );
    }
    for (i, (sector, colour)) in SECTOR_COLOURS.iter().enumerate() {
        let y = TOP + 10.0 + i as f64 * 20.0;
        let _ = write!(
            out,
            r##"<rect x="{x}" y="{y0}" width="12" height="12" fill="{colour}"/><text x="{tx}" y="{y}">{sector}</text>"##,
            x = W - 140.0,
            y0 = y - 10.0,
            tx = W - 122.0
        );
    }
    axis(&mut out, &s);
    out.push_str("</svg>");
    out
}
