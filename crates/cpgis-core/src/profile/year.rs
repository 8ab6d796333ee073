//! A best construction year out of the text people and OSM put in date fields.
//!
//! Accepted: a year or a date (`1911`, `1911-05-02`, `1911.0`); a range (`1908..1939`,
//! `1908-1939`, `1908/1939`): its middle, rounded down; a qualifier before a year or range
//! (`after 1905..1908`, `before 1950`, `c. 1950`, `~1900`, `early 1920`): ignored, the year or
//! range is kept; a decade (`1950s`): its middle year. Anything else (no year between 1000 and
//! 2100) is unknown: `None`, never a panic.

/// Earliest and latest years taken as construction years.
const YEARS: std::ops::RangeInclusive<i32> = 1000..=2100;

/// The best single construction year in `text`, or `None` when it holds no plausible year.
pub fn parse_year(text: &str) -> Option<i32> {
    let years = four_digit_years(text);
    match years.as_slice() {
        [] => None,
        [(y, decade)] => Some(if *decade { y + 5 } else { *y }),
        [(a, _), (b, _), ..] if is_range(text) => {
            let (lo, hi) = if a <= b { (*a, *b) } else { (*b, *a) };
            Some(lo + (hi - lo) / 2)
        }
        // A date such as 1911-05-02 has one four-digit group; several years with no range
        // marker between them (a list): take the first.
        [(a, _), ..] => Some(*a),
    }
}

/// True when the text joins two years as a range.
fn is_range(text: &str) -> bool {
    text.contains("..") || text.contains('/') || text.contains(" to ") || {
        // `1908-1939`: a dash between two four-digit groups (not a date's month dash).
        let digits: Vec<&str> = text.split('-').map(str::trim).collect();
        digits.len() == 2
            && digits
                .iter()
                .all(|d| d.len() >= 4 && d[d.len() - 4..].chars().all(|c| c.is_ascii_digit()))
    }
}

/// Every standalone group of exactly four digits that is a plausible year, with whether an
/// `s` follows it (a decade: `1950s`).
fn four_digit_years(text: &str) -> Vec<(i32, bool)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i - start != 4 {
            continue;
        }
        let year: i32 = chars[start..i]
            .iter()
            .collect::<String>()
            .parse()
            .unwrap_or(0);
        if YEARS.contains(&year) {
            let decade = chars.get(i) == Some(&'s') && year % 10 == 0;
            out.push((year, decade));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_years_and_dates() {
        assert_eq!(parse_year("1911"), Some(1911));
        assert_eq!(parse_year(" 1911 "), Some(1911));
        assert_eq!(parse_year("1911-05-02"), Some(1911));
        assert_eq!(parse_year("1911.0"), Some(1911));
    }

    #[test]
    fn ranges_give_their_middle() {
        // (1905 + 1908) / 2 = 1906.5, rounded down.
        assert_eq!(parse_year("after 1905..1908"), Some(1906));
        assert_eq!(parse_year("1908..1939"), Some(1923));
        assert_eq!(parse_year("1908-1939"), Some(1923));
        assert_eq!(parse_year("1939/1908"), Some(1923));
    }

    #[test]
    fn qualifiers_and_decades() {
        assert_eq!(parse_year("c. 1950"), Some(1950));
        assert_eq!(parse_year("~1900"), Some(1900));
        assert_eq!(parse_year("before 1950"), Some(1950));
        assert_eq!(parse_year("1950s"), Some(1955));
    }

    #[test]
    fn nonsense_is_unknown() {
        assert_eq!(parse_year(""), None);
        assert_eq!(parse_year("old"), None);
        assert_eq!(parse_year("C19"), None);
        assert_eq!(parse_year("12345"), None);
        assert_eq!(parse_year("0999"), None);
        assert_eq!(parse_year("৩৩৩৩"), None);
    }
}
