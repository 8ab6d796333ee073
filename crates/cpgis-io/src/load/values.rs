//! Numbers out of attribute text, read the way spreadsheets and open-data portals write them.
//!
//! A column's format is decided once from all its values ([`NumberFormat::of_column`]): the
//! decimal mark (`.` or `,`), and the digit-group separator if any (`,` `.` `'` `_`, an
//! ordinary, no-break or thin space), with E-notation and surrounding spaces allowed in every
//! format. `"88,434"` and `"1,156,514.25"` in one column are thousands separators; `"4,5"` and
//! `"3"` in one column are a decimal comma. A value is read whole or not at all: `"12 kWh"`,
//! `"4.5.6"` or `"1,23,4"` are unreadable (and listed by the caller), never cut short. Two forms
//! are read on purpose: an OSM list `"3;4"` gives its first value, and a height may end in
//! `m` (`"12 m"`, OSM's convention).

use serde::{Deserialize, Serialize};

/// How a column writes its numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberFormat {
    /// The decimal mark: `.` or `,`.
    pub decimal: char,
    /// The separator between groups of three digits, if the column uses one.
    pub group: Option<char>,
}

/// The formats a column may use, in the order a tie is decided: plain numbers first, then the
/// English-speaking spreadsheet default (comma groups), then decimal commas.
const CANDIDATES: [NumberFormat; 11] = [
    NumberFormat::new('.', None),
    NumberFormat::new('.', Some(',')),
    NumberFormat::new(',', None),
    NumberFormat::new(',', Some('.')),
    NumberFormat::new('.', Some(' ')),
    NumberFormat::new(',', Some(' ')),
    NumberFormat::new('.', Some('\'')),
    NumberFormat::new(',', Some('\'')),
    NumberFormat::new('.', Some('_')),
    NumberFormat::new('.', Some('\u{2009}')),
    NumberFormat::new(',', Some('\u{2009}')),
];

/// Spaces a group separator may be written as (ordinary, no-break, narrow no-break, thin).
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}')
}

impl NumberFormat {
    /// A format with this decimal mark and group separator.
    pub const fn new(decimal: char, group: Option<char>) -> Self {
        NumberFormat { decimal, group }
    }

    /// Plain numbers: `1234.5`, `1.2E+03`.
    pub const PLAIN: NumberFormat = NumberFormat::new('.', None);

    /// The format under which most of `values` read; on a tie, the earlier of the candidates
    /// (plain, comma groups, decimal comma, …). `None` when no value reads under any format.
    pub fn of_column<'a>(values: impl Iterator<Item = &'a str> + Clone) -> Option<ColumnFormat> {
        ColumnSurvey::of(values).decide()
    }

    /// The value of `text` under this format, read whole; `None` if any of it is not part of
    /// the number. An OSM list (`"3;4"`) gives its first value.
    pub fn parse(&self, text: &str) -> Option<f64> {
        let first = text.split(';').next()?.trim_matches(is_space);
        if first.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(first.len());
        let (mantissa, exponent) = match first.find(['e', 'E']) {
            Some(i) => (&first[..i], Some(&first[i + 1..])),
            None => (first, None),
        };
        let (sign, digits) = match mantissa.strip_prefix(['-', '+']) {
            Some(rest) => (&mantissa[..1], rest),
            None => ("", mantissa),
        };
        out.push_str(sign);
        let (int, frac) = match digits.split_once(self.decimal) {
            Some((i, f)) => (i, Some(f)),
            None => (digits, None),
        };
        if !self.int_part(int, &mut out) {
            return None;
        }
        if let Some(f) = frac {
            if !f.chars().all(|c| c.is_ascii_digit()) || (f.is_empty() && int.is_empty()) {
                return None;
            }
            out.push('.');
            out.push_str(f);
        } else if int.is_empty() {
            return None;
        }
        if let Some(e) = exponent {
            let e_digits = e.strip_prefix(['-', '+']).unwrap_or(e);
            if e_digits.is_empty() || !e_digits.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            out.push('e');
            out.push_str(e);
        }
        let v: f64 = out.parse().ok()?;
        v.is_finite().then_some(v)
    }

    /// Appends the digits of an integer part, checking its groups; false if it is not one.
    fn int_part(&self, int: &str, out: &mut String) -> bool {
        let Some(sep) = self.group else {
            if !int.chars().all(|c| c.is_ascii_digit()) {
                return false;
            }
            out.push_str(int);
            return true;
        };
        let is_sep = |c: char| {
            if is_space(sep) {
                is_space(c)
            } else {
                c == sep
            }
        };
        if !int.contains(is_sep) {
            if !int.chars().all(|c| c.is_ascii_digit()) {
                return false;
            }
            out.push_str(int);
            return true;
        }
        for (i, group) in int.split(is_sep).enumerate() {
            let ok = group.chars().all(|c| c.is_ascii_digit())
                && if i == 0 {
                    (1..=3).contains(&group.len())
                } else {
                    group.len() == 3
                };
            if !ok {
                return false;
            }
            out.push_str(group);
        }
        true
    }

    /// In words, for `inspect` and messages: "numbers with thousands separators (1,234.5)".
    pub fn describe(&self) -> String {
        let group = match self.group {
            None => None,
            Some(' ') => Some("spaces"),
            Some('\u{2009}') => Some("thin spaces"),
            Some(',') => Some("commas"),
            Some('.') => Some("dots"),
            Some('\'') => Some("apostrophes"),
            Some('_') => Some("underscores"),
            Some(_) => Some("separators"),
        };
        match (self.decimal, group) {
            ('.', None) => "plain numbers".into(),
            (_, None) => "numbers with a decimal comma".into(),
            ('.', Some(g)) => format!("numbers with thousands separated by {g}"),
            (_, Some(g)) => format!("numbers with a decimal comma and thousands separated by {g}"),
        }
    }
}

/// A column's number format with how well it fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnFormat {
    /// The format most values read under.
    pub format: NumberFormat,
    /// Values that read under it.
    pub read: usize,
    /// Values that are not empty.
    pub total: usize,
    /// True when another format reads as many values with other results (`"1,234"` alone).
    pub ambiguous: bool,
}

/// What a column's values say about its format, in parts that merge: how many read under each
/// candidate, how many are not empty, whether all read as plain numbers, and for each pair of
/// candidates whether some value reads under both with different results. A layer read in parts
/// (row groups on a cluster's workers) decides its columns' formats from the merged parts,
/// exactly as from the whole column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSurvey {
    /// Values read under each of the candidates, in their order.
    pub counts: Vec<usize>,
    /// Values that are not empty.
    pub total: usize,
    /// Every value reads as a plain number.
    pub plain: bool,
    /// For each candidate, a bit for each other candidate under which some value reads
    /// differently.
    pub differ: Vec<u16>,
}

impl Default for ColumnSurvey {
    fn default() -> Self {
        ColumnSurvey {
            counts: vec![0; CANDIDATES.len()],
            total: 0,
            plain: true,
            differ: vec![0; CANDIDATES.len()],
        }
    }
}

impl ColumnSurvey {
    /// The survey of `values`.
    pub fn of<'a>(values: impl Iterator<Item = &'a str>) -> ColumnSurvey {
        let mut s = ColumnSurvey::default();
        for v in values {
            s.add(v);
        }
        s
    }

    /// Adds one value.
    pub fn add(&mut self, v: &str) {
        let read: Vec<Option<f64>> = CANDIDATES.iter().map(|f| f.parse(v)).collect();
        self.plain &= read[0].is_some();
        if !v.trim().is_empty() {
            self.total += 1;
        }
        for (i, a) in read.iter().enumerate() {
            let Some(a) = a else { continue };
            self.counts[i] += 1;
            for (j, b) in read.iter().enumerate() {
                if matches!(b, Some(b) if b != a) {
                    self.differ[i] |= 1 << j;
                }
            }
        }
    }

    /// Adds another part's survey.
    pub fn merge(&mut self, other: &ColumnSurvey) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        for (a, b) in self.differ.iter_mut().zip(&other.differ) {
            *a |= b;
        }
        self.total += other.total;
        self.plain &= other.plain;
    }

    /// The format the column is read under: plain when every value reads plain or none reads
    /// under any format, else the decided one ([`ColumnSurvey::decide`]).
    pub fn format_used(&self) -> NumberFormat {
        if self.plain {
            return NumberFormat::PLAIN;
        }
        self.decide().map_or(NumberFormat::PLAIN, |c| c.format)
    }

    /// The column's format ([`NumberFormat::of_column`]); `None` when no value reads.
    pub fn decide(&self) -> Option<ColumnFormat> {
        let mut best: Option<(usize, usize)> = None;
        for (i, &n) in self.counts.iter().enumerate() {
            if n > best.map_or(0, |b| b.1) {
                best = Some((i, n));
            }
        }
        let (b, read) = best?;
        // Another format reads as many values and gives some of them another value: the column
        // does not say which it is (`"1,234"` alone).
        let ambiguous = self
            .counts
            .iter()
            .enumerate()
            .any(|(i, &n)| n == read && i != b && self.differ[b] & (1 << i) != 0);
        Some(ColumnFormat {
            format: CANDIDATES[b],
            read,
            total: self.total,
            ambiguous,
        })
    }
}

/// A height as OSM writes it: a number, optionally followed by `m` (`"12 m"`, `"12m"`).
pub fn strip_metres(text: &str) -> &str {
    let t = text.trim_end_matches(is_space);
    match t.strip_suffix('m') {
        Some(rest) if rest.ends_with(|c: char| c.is_ascii_digit() || is_space(c)) => rest,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(values: &[&str]) -> ColumnFormat {
        NumberFormat::of_column(values.iter().copied()).unwrap()
    }

    #[test]
    fn spreadsheet_thousands_are_read_whole() {
        // Regression: a US benchmarking CSV's "88,434" ft² was read as 88, "1,156,514.25" kWh as 1.
        let c = column(&["88,434", "1,156,514.25", "5,000"]);
        assert_eq!(c.format, NumberFormat::new('.', Some(',')));
        assert_eq!((c.read, c.total, c.ambiguous), (3, 3, false));
        assert_eq!(c.format.parse("88,434"), Some(88_434.0));
        assert_eq!(c.format.parse("1,156,514.25"), Some(1_156_514.25));
        assert_eq!(c.format.parse(" 12 "), Some(12.0));
    }

    #[test]
    fn a_column_with_decimal_commas_reads_them_as_decimals() {
        let c = column(&["4,5", "3", "2,25"]);
        assert_eq!(c.format, NumberFormat::new(',', None));
        assert_eq!(c.format.parse("4,5"), Some(4.5));
        assert_eq!(c.format.parse("2,25"), Some(2.25));
        let eu = column(&["1.234.567,8", "12,5"]);
        assert_eq!(eu.format, NumberFormat::new(',', Some('.')));
        assert_eq!(eu.format.parse("1.234.567,8"), Some(1_234_567.8));
    }

    #[test]
    fn spaces_apostrophes_and_underscores_separate_thousands() {
        for (text, want) in [
            ("1 234 567", 1_234_567.0),
            ("1\u{a0}234,5", 1234.5),
            ("1\u{2009}234", 1234.0),
            ("1'234'567.5", 1_234_567.5),
            ("1_000", 1000.0),
        ] {
            let c = column(&[text]);
            assert_eq!(c.format.parse(text), Some(want), "{text}");
        }
    }

    #[test]
    fn e_notation_and_signs() {
        let c = column(&["1.2E+03", "5E2", "1.0E+01", "-3.5e-1", "+2"]);
        assert_eq!(c.format, NumberFormat::PLAIN);
        let read: Vec<f64> = ["1.2E+03", "5E2", "1.0E+01", "-3.5e-1", "+2"]
            .iter()
            .map(|t| c.format.parse(t).unwrap())
            .collect();
        assert_eq!(read, [1200.0, 500.0, 10.0, -0.35, 2.0]);
    }

    #[test]
    fn a_value_that_reads_only_in_part_is_unreadable() {
        let f = NumberFormat::PLAIN;
        for text in [
            "12 kWh", "4.5.6", "1,23,4", "three", "", ".", "-", "1e", "e5", "12m",
        ] {
            assert_eq!(f.parse(text), None, "{text}");
        }
        let us = NumberFormat::new('.', Some(','));
        assert_eq!(us.parse("1,23,4"), None);
        assert_eq!(us.parse("12,34"), None);
        assert_eq!(us.parse("1234,567"), None);
    }

    #[test]
    fn an_osm_list_gives_its_first_value_and_heights_may_end_in_metres() {
        let plain = NumberFormat::PLAIN;
        assert_eq!(plain.parse("3;4"), Some(3.0));
        assert_eq!(NumberFormat::new(',', None).parse("4,5"), Some(4.5));
        assert_eq!(plain.parse(strip_metres("12 m")), Some(12.0));
        assert_eq!(plain.parse(strip_metres("12.5m")), Some(12.5));
        assert_eq!(plain.parse(strip_metres("12 km")), None);
    }

    #[test]
    fn a_lone_three_digit_group_is_ambiguous_and_read_as_thousands() {
        let c = column(&["1,234"]);
        assert_eq!(c.format, NumberFormat::new('.', Some(',')));
        assert!(c.ambiguous);
        assert_eq!(c.format.parse("1,234"), Some(1234.0));
        assert!(!column(&["1,234", "5.5"]).ambiguous);
    }

    #[test]
    fn describes_the_format_in_words() {
        assert_eq!(
            NumberFormat::new('.', Some(',')).describe(),
            "numbers with thousands separated by commas"
        );
        assert_eq!(NumberFormat::PLAIN.describe(), "plain numbers");
    }
}
