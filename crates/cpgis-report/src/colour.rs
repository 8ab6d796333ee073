//! Class breaks and palettes for the report's maps.

/// Five sequential classes, light to dark (yellow to deep red), for emissions.
pub const SEQUENTIAL: [&str; 5] = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];

/// PTAL bands 0 … 6b, poor (dark blue) to excellent (dark red), in the order and hues of TfL's
/// maps; every band saturated enough to show on the map's pale ground (3 and 4 had been nearly
/// white). The hex values are ours: TfL's published palette was not found to copy.
pub const BANDS: [(&str, &str); 9] = [
    ("0", "#08306b"),
    ("1a", "#2171b5"),
    ("1b", "#6baed6"),
    ("2", "#238b45"),
    ("3", "#74c476"),
    ("4", "#e6c800"),
    ("5", "#fd8d3c"),
    ("6a", "#e31a1c"),
    ("6b", "#800026"),
];

/// Distinct fills for offset zones, cycled by rank.
pub const ZONES: [&str; 8] = [
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666",
];

/// Each grid cell's baseline emissions per hectare, t CO2e per year: what the report's grid map
/// and the GeoPackage's grid style class.
pub fn baseline_per_hectare(g: &cpgis_core::aggregate::Aggregates) -> Vec<f64> {
    g.cells
        .iter()
        .map(|c| c.totals.total(0) / (g.cell_area_m2 / 10_000.0))
        .collect()
}

/// Upper bounds of `classes` quantile classes of the positive values (the last is the maximum).
/// Fewer distinct bounds are returned when the values do not spread over that many classes.
pub fn quantile_breaks(values: &[f64], classes: usize) -> Vec<f64> {
    let mut v: Vec<f64> = values
        .iter()
        .copied()
        .filter(|x| x.is_finite() && *x > 0.0)
        .collect();
    if v.is_empty() || classes == 0 {
        return Vec::new();
    }
    v.sort_by(f64::total_cmp);
    let mut breaks: Vec<f64> = (1..=classes)
        .map(|k| {
            v[((k * v.len()).div_ceil(classes))
                .saturating_sub(1)
                .min(v.len() - 1)]
        })
        .collect();
    breaks.dedup();
    breaks
}

/// The class of a value given upper bounds (0 for zero and below the first bound).
pub fn class_of(value: f64, breaks: &[f64]) -> usize {
    breaks
        .iter()
        .position(|b| value <= *b)
        .unwrap_or(breaks.len().saturating_sub(1))
}

/// A sentence written for the terminal (`2989.2 t short`) with its one-decimal quantities in
/// the report's number format (`2 989`), so the page shows one format. Other numbers (years,
/// factors with more decimals, integers) are left as written.
pub fn readable_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit()
            && (i == 0 || !(chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '.'));
        if starts {
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            let one_decimal = j + 1 < chars.len()
                && chars[j] == '.'
                && chars[j + 1].is_ascii_digit()
                && (j + 2 >= chars.len() || !chars[j + 2].is_ascii_alphanumeric());
            if one_decimal {
                let token: String = chars[i..j + 2].iter().collect();
                out.push_str(&fmt_num(token.parse().unwrap_or(0.0)));
                i = j + 2;
                continue;
            }
            out.extend(&chars[i..j]);
            i = j;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// A readable number: 3 significant figures, thousands separated by thin spaces.
pub fn fmt_num(v: f64) -> String {
    let a = v.abs();
    let s = if a >= 100.0 {
        format!("{:.0}", v)
    } else if a >= 10.0 {
        format!("{:.1}", v)
    } else {
        format!("{:.2}", v)
    };
    let (int, frac) = s
        .split_once('.')
        .map(|(i, f)| (i, Some(f)))
        .unwrap_or((&s, None));
    let (sign, digits) = int.strip_prefix('-').map(|d| ("-", d)).unwrap_or(("", int));
    // A value that rounds to zero has no sign: -0.0 (no credits, negated) is "0.00".
    let zero = digits
        .chars()
        .chain(frac.unwrap_or("").chars())
        .all(|c| c == '0');
    let sign = if zero { "" } else { sign };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('\u{2009}');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_take_the_reports_number_format() {
        assert_eq!(
            readable_numbers(
                "the target is not met (2989.2 t short); 54.5 t and 0.2646 kg in 2023"
            ),
            "the target is not met (2\u{2009}989 t short); 54.5 t and 0.2646 kg in 2023"
        );
        assert_eq!(readable_numbers("net -1698.2 t"), "net -1\u{2009}698 t");
    }

    #[test]
    fn ptal_bands_all_show_on_the_pale_map_ground() {
        // Relative luminance (sRGB, WCAG) of each band: none as light as the ground (#f7f9fb,
        // 0.95); a band as light as 4 had been (#ffffb2, 0.96) vanished.
        let lum = |hex: &str| {
            let c = |i: usize| {
                let v = u8::from_str_radix(&hex[i..i + 2], 16).unwrap() as f64 / 255.0;
                if v <= 0.04045 {
                    v / 12.92
                } else {
                    ((v + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * c(1) + 0.7152 * c(3) + 0.0722 * c(5)
        };
        for (band, colour) in BANDS {
            assert!(lum(colour) < 0.65, "band {band} {colour}: {}", lum(colour));
        }
    }

    #[test]
    fn quantile_breaks_split_values_into_equal_counts() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(quantile_breaks(&v, 5), [2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(class_of(3.0, &[2.0, 4.0, 6.0]), 1);
        assert_eq!(quantile_breaks(&[5.0, 5.0, 5.0], 5), [5.0]);
        assert!(quantile_breaks(&[0.0], 5).is_empty());
    }

    #[test]
    fn numbers_are_grouped_and_rounded() {
        assert_eq!(fmt_num(59_080.7), "59\u{2009}081");
        assert_eq!(fmt_num(-452.2), "-452");
        assert_eq!(fmt_num(12.34), "12.3");
        assert_eq!(fmt_num(0.456), "0.46");
        // Regression: a report with no credits labelled them "-0.00".
        assert_eq!(fmt_num(-0.0), "0.00");
        assert_eq!(fmt_num(-0.001), "0.00");
        assert_eq!(fmt_num(-0.01), "-0.01");
    }
}
