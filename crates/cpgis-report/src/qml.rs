//! QGIS styles (QML) for the GeoPackage's layers, in the report's classes and colours, so QGIS
//! opens `cpgis.gpkg` styled as the report draws it: buildings and grid cells by baseline
//! emissions in the report's five quantile classes, offset zones by rank, the district's
//! neighbourhoods and the community as outlines.

use std::fmt::Write as _;

use cpgis_core::run::Ran;
use cpgis_core::site::Shape;

use crate::colour::{fmt_num, quantile_breaks, SEQUENTIAL, ZONES};

/// `#rrggbb` → `r,g,b,255`, as QML writes colours.
fn rgba(hex: &str) -> String {
    let h = hex.trim_start_matches('#');
    let c = |i: usize| u8::from_str_radix(h.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0);
    format!("{},{},{},255", c(0), c(2), c(4))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One QML symbol: a filled polygon or a round marker.
fn symbol(name: &str, fill: Option<&str>, outline: &str, marker: bool) -> String {
    let (class, kind) = if marker {
        ("SimpleMarker", "marker")
    } else {
        ("SimpleFill", "fill")
    };
    let colour = fill.map(rgba).unwrap_or_else(|| "0,0,0,0".into());
    let style = if fill.is_some() { "solid" } else { "no" };
    format!(
        r#"<symbol type="{kind}" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0"><layer class="{class}" enabled="1" pass="0" locked="0"><Option type="Map"><Option name="color" type="QString" value="{colour}"/><Option name="outline_color" type="QString" value="{}"/><Option name="outline_width" type="QString" value="{}"/><Option name="style" type="QString" value="{style}"/><Option name="name" type="QString" value="circle"/><Option name="size" type="QString" value="2.4"/></Option><prop k="color" v="{colour}"/><prop k="outline_color" v="{}"/><prop k="outline_width" v="{}"/><prop k="style" v="{style}"/><prop k="name" v="circle"/><prop k="size" v="2.4"/></layer></symbol>"#,
        rgba(outline),
        if fill.is_some() { "0.1" } else { "0.5" },
        rgba(outline),
        if fill.is_some() { "0.1" } else { "0.5" },
    )
}

fn document(renderer: &str) -> String {
    format!(
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.28.0\" styleCategories=\"Symbology\">{renderer}</qgis>\n"
    )
}

/// t CO2e as the layers write them: 4 decimals.
fn as_written(t: f64) -> f64 {
    (t * 10_000.0).round() / 10_000.0
}

/// A graduated renderer over `field` with the upper `breaks` (the report's quantile classes),
/// rounded as the layer's values are, so a feature falls in the class the report gives it.
fn graduated(field: &str, breaks: &[f64], marker: bool) -> String {
    let breaks: Vec<f64> = breaks.iter().map(|b| as_written(*b)).collect();
    let mut ranges = String::new();
    let mut symbols = String::new();
    let mut lower = 0.0;
    for (k, upper) in breaks.iter().enumerate() {
        let upper = *upper;
        let label = format!("{} – {}", fmt_num(lower), fmt_num(upper));
        let _ = write!(
            ranges,
            r#"<range lower="{lower}" upper="{upper}" symbol="{k}" label="{}" render="true"/>"#,
            esc(&label)
        );
        symbols.push_str(&symbol(
            &k.to_string(),
            Some(SEQUENTIAL[k.min(4)]),
            "#787878",
            marker,
        ));
        lower = upper;
    }
    document(&format!(
        r#"<renderer-v2 type="graduatedSymbol" attr="{field}" graduatedMethod="GraduatedColor" symbollevels="0" enableorderby="0" forceraster="0"><ranges>{ranges}</ranges><symbols>{symbols}</symbols></renderer-v2>"#
    ))
}

/// One symbol for every feature.
fn single(fill: Option<&str>, outline: &str) -> String {
    document(&format!(
        r#"<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0"><symbols>{}</symbols></renderer-v2>"#,
        symbol("0", fill, outline, false)
    ))
}

/// Buildings by PTAL band, in the report's band colours.
fn by_band(marker: bool) -> String {
    let mut categories = String::new();
    let mut symbols = String::new();
    for (i, (band, colour)) in crate::colour::BANDS.iter().enumerate() {
        let _ = write!(
            categories,
            r#"<category value="{band}" symbol="{i}" label="PTAL {band}" render="true"/>"#
        );
        symbols.push_str(&symbol(&i.to_string(), Some(colour), "#787878", marker));
    }
    document(&format!(
        r#"<renderer-v2 type="categorizedSymbol" attr="access_band" symbollevels="0" enableorderby="0" forceraster="0"><categories>{categories}</categories><symbols>{symbols}</symbols></renderer-v2>"#
    ))
}

/// Offset zones by rank, in the report's zone colours.
fn by_rank(ranks: usize) -> String {
    let mut categories = String::new();
    let mut symbols = String::new();
    for r in 1..=ranks.max(1) {
        let _ = write!(
            categories,
            r#"<category value="{r}" symbol="{}" label="zone {r}" render="true"/>"#,
            r - 1
        );
        symbols.push_str(&symbol(
            &(r - 1).to_string(),
            Some(ZONES[(r - 1) % ZONES.len()]),
            "#222222",
            false,
        ));
    }
    document(&format!(
        r#"<renderer-v2 type="categorizedSymbol" attr="rank" symbollevels="0" enableorderby="0" forceraster="0"><categories>{categories}</categories><symbols>{symbols}</symbols></renderer-v2>"#
    ))
}

/// The styles of a full run: `(layer name, style name, QML)`, the first of each layer its
/// default: buildings by baseline emissions (default) and by PTAL band, grid cells by emissions
/// per hectare, neighbourhoods and the community as outlines, zones by rank. Without a buildings
/// layer (a distributed run's driver that holds only some buildings), none for it.
pub fn styles(ran: &Ran) -> Vec<(String, String, String)> {
    let e = &ran.estimated;
    let totals: Vec<f64> = e.estimates.buildings.iter().map(|b| b.total(0)).collect();
    let points = e
        .site
        .buildings
        .iter()
        .all(|b| matches!(b.shape, Shape::Point(_)));
    let g = &e.aggregates;
    let per_ha = crate::colour::baseline_per_hectare(g);
    let named = |layer: &str, style: &str, qml: String| (layer.to_string(), style.to_string(), qml);
    let buildings = e.held.is_none().then(|| {
        [
            named(
                "buildings",
                "baseline emissions",
                graduated("baseline_co2e_t_yr", &quantile_breaks(&totals, 5), points),
            ),
            named("buildings", "PTAL band", by_band(points)),
        ]
    });
    let others = [
        named(
            "grid",
            "baseline emissions per hectare",
            graduated(
                "baseline_co2e_t_yr_per_ha",
                &quantile_breaks(&per_ha, 5),
                false,
            ),
        ),
        named("neighbourhoods", "outlines", single(None, "#555555")),
        named("community", "outline", single(None, "#3f007d")),
        named("offset_zones", "by rank", by_rank(ran.plan.zones.len())),
    ];
    buildings.into_iter().flatten().chain(others).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graduated_classes_are_the_breaks_in_the_report_colours() {
        let q = graduated("baseline_co2e_t_yr", &[2.0, 4.0], false);
        assert!(
            q.contains(r#"<range lower="0" upper="2" symbol="0""#),
            "{q}"
        );
        assert!(
            q.contains(r#"<range lower="2" upper="4" symbol="1""#),
            "{q}"
        );
        // #ffffb2 and #fecc5c, the report's first two classes.
        assert!(q.contains(r#"value="255,255,178,255""#), "{q}");
        assert!(q.contains(r#"value="254,204,92,255""#), "{q}");
    }
}
