//! The OSM driver puts tags without a column of their own into `other_tags`, written as
//! `"key"=>"value","key2"=>"value2"` (PostgreSQL hstore text).

/// The value of one key in an `other_tags` string, unescaping `\"` and `\\`.
pub fn osm_tag(other_tags: &str, key: &str) -> Option<String> {
    let mut rest = other_tags;
    loop {
        let (k, after_k) = quoted(rest.trim_start_matches([',', ' ']))?;
        let after_arrow = after_k.trim_start().strip_prefix("=>")?;
        let (v, after_v) = quoted(after_arrow.trim_start())?;
        if k == key {
            return Some(v);
        }
        rest = after_v;
    }
}

/// Splits a leading `"..."` off a string, returning the unescaped text and the rest.
fn quoted(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, next)) = chars.next() {
                    out.push(next);
                }
            }
            '"' => return Some((out, &body[i + 1..])),
            _ => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_with_colons_and_escapes() {
        let tags = r#""building:levels"=>"5","height"=>"18.5","name:sv"=>"Say \"hi\"""#;
        assert_eq!(osm_tag(tags, "building:levels").as_deref(), Some("5"));
        assert_eq!(osm_tag(tags, "height").as_deref(), Some("18.5"));
        assert_eq!(osm_tag(tags, "name:sv").as_deref(), Some("Say \"hi\""));
        assert_eq!(osm_tag(tags, "start_date"), None);
    }

    #[test]
    fn broken_text_gives_none_not_a_panic() {
        assert_eq!(osm_tag(r#""a"=>"#, "a"), None);
        assert_eq!(osm_tag(r#""a"=>"unterminated"#, "a"), None);
        assert_eq!(osm_tag("", "a"), None);
    }
}

/// All keys of an `other_tags` string, in order.
pub fn osm_tag_keys(other_tags: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut rest = other_tags;
    while let Some((k, after_k)) = quoted(rest.trim_start_matches([',', ' '])) {
        let Some(after_arrow) = after_k.trim_start().strip_prefix("=>") else {
            break;
        };
        let Some((_, after_v)) = quoted(after_arrow.trim_start()) else {
            break;
        };
        keys.push(k);
        rest = after_v;
    }
    keys
}

#[cfg(test)]
mod key_tests {
    use super::*;

    #[test]
    fn lists_every_key() {
        let tags = r#""building:levels"=>"5","height"=>"18.5""#;
        assert_eq!(osm_tag_keys(tags), vec!["building:levels", "height"]);
    }
}
