//! Reading numbers out of attribute text as people type it: `5`, `5.5`, `12 m`, `3;4`, `4,5`.

/// The leading number of an attribute value: `"12 m"` → 12, `"3;4"` → 3 (the first of an OSM
/// list), `"4,5"` → 4.5 (decimal comma). Text with no leading number gives `None`.
pub fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    let first = t.split(';').next()?.trim();
    let normalised = if first.matches(',').count() == 1 && !first.contains('.') {
        first.replace(',', ".")
    } else {
        first.to_string()
    };
    let end = normalised
        .char_indices()
        .take_while(|(i, c)| {
            c.is_ascii_digit() || *c == '.' || (*i == 0 && (*c == '-' || *c == '+'))
        })
        .map(|(i, c)| i + c.len_utf8())
        .last()?;
    let value: f64 = normalised[..end].parse().ok()?;
    value.is_finite().then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_numbers_as_typed_in_osm() {
        assert_eq!(parse_number("5"), Some(5.0));
        assert_eq!(parse_number(" 5.5 "), Some(5.5));
        assert_eq!(parse_number("12 m"), Some(12.0));
        assert_eq!(parse_number("3;4"), Some(3.0));
        assert_eq!(parse_number("4,5"), Some(4.5));
        assert_eq!(parse_number("-2"), Some(-2.0));
    }

    #[test]
    fn text_without_a_number_is_none() {
        assert_eq!(parse_number("many"), None);
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number("."), None);
        assert_eq!(parse_number("-"), None);
    }
}
