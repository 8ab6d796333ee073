//! SVG maps drawn from the local metric CRS: a frame that maps metres to the page (north up,
//! the same scale both ways), paths for polygons, a legend and a scale bar.

use std::fmt::Write;

use geo::{MultiPolygon, Polygon, Rect};

use cpgis_core::decimal::push_fixed;

/// Escapes text for HTML and SVG.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Metres of the local CRS → pixels of a map `width` wide.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub min_x: f64,
    pub max_y: f64,
    /// Pixels per metre.
    pub scale: f64,
    pub width: f64,
    pub height: f64,
}

/// Rings of up to this many vertices are drawn vertex by vertex.
pub const DRAWN_EXACTLY_UP_TO: usize = 10_000;

impl Frame {
    /// A frame around `extent` with a 4 % margin, `width` px wide; the height follows.
    pub fn new(extent: Rect<f64>, width: f64) -> Frame {
        let (w, h) = (extent.width().max(1.0), extent.height().max(1.0));
        let margin = 0.04 * w.max(h);
        let scale = width / (w + 2.0 * margin);
        Frame {
            min_x: extent.min().x - margin,
            max_y: extent.max().y + margin,
            scale,
            width,
            height: ((h + 2.0 * margin) * scale).ceil(),
        }
    }

    pub fn px(&self, x: f64, y: f64) -> (f64, f64) {
        ((x - self.min_x) * self.scale, (self.max_y - y) * self.scale)
    }

    /// An SVG path `d` for polygons (even-odd fill keeps holes open).
    pub fn path(&self, mp: &MultiPolygon<f64>) -> String {
        let mut d = String::new();
        for p in &mp.0 {
            self.polygon_path(p, &mut d);
        }
        d
    }

    /// An SVG path `d` for a line, in pixels rounded to a tenth.
    pub fn line_path(&self, line: &geo::LineString<f64>, d: &mut String) {
        for (i, c) in line.0.iter().enumerate() {
            let (x, y) = self.px(c.x, c.y);
            let _ = std::fmt::Write::write_fmt(
                d,
                format_args!("{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" }),
            );
        }
    }

    pub fn polygon_path(&self, p: &Polygon<f64>, d: &mut String) {
        for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
            let mut pixels: Vec<geo::Coord<f64>> = ring
                .0
                .iter()
                .map(|c| {
                    let (x, y) = self.px(c.x, c.y);
                    geo::Coord { x, y }
                })
                .collect();
            // A detailed ring (a 1,000,000-vertex boundary made a 97 MB report) is drawn
            // within a quarter pixel of itself: no difference on screen or paper.
            if pixels.len() > DRAWN_EXACTLY_UP_TO {
                pixels = cpgis_core::community::outline::sleeve(&pixels, 0.25);
            }
            for (i, c) in pixels.iter().enumerate() {
                let (x, y) = (c.x, c.y);
                d.push(if i == 0 { 'M' } else { 'L' });
                push_fixed(d, x, 1);
                d.push(' ');
                push_fixed(d, y, 1);
            }
            d.push('Z');
        }
    }

    /// A scale bar of a round length about a fifth of the map, bottom left.
    pub fn scale_bar(&self, out: &mut String) {
        let target = self.width / 5.0 / self.scale;
        let nice = [
            10.0, 20.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1000.0, 2000.0, 5000.0, 10_000.0,
            20_000.0,
        ];
        let len = nice.iter().copied().rfind(|n| *n <= target).unwrap_or(10.0);
        let px = len * self.scale;
        let (x, y) = (12.0, self.height - 14.0);
        let label = if len >= 1000.0 {
            format!("{} km", len / 1000.0)
        } else {
            format!("{len} m")
        };
        let _ = write!(
            out,
            r##"<g class="scalebar"><rect x="{x}" y="{:.1}" width="{px:.1}" height="4" fill="#222"/><text x="{x}" y="{:.1}">{label}</text></g>"##,
            y,
            y - 4.0
        );
        let _ = write!(
            out,
            r##"<g class="north"><path d="M{0:.1} 30L{1:.1} 14L{2:.1} 30Z" fill="#222"/><text x="{1:.1}" y="44" text-anchor="middle">N</text></g>"##,
            self.width - 26.0,
            self.width - 20.0,
            self.width - 14.0
        );
    }
}

pub use cpgis_core::site::extent;

/// A legend: coloured boxes with labels, one per line.
pub fn legend(title: &str, entries: &[(String, &str)]) -> String {
    let mut out = format!(r#"<div class="legend"><b>{}</b>"#, esc(title));
    for (label, colour) in entries {
        let _ = write!(
            out,
            r#"<span><i style="background:{colour}"></i>{}</span>"#,
            esc(label)
        );
    }
    out.push_str("</div>");
    out
}
