//! The list of fields one layer is read with, and where each mapped value sits in it.

/// Collects field names; each `add` returns the slot its value will have in a feature's values.
#[derive(Debug, Default)]
pub struct FieldList<'a> {
    names: Vec<&'a str>,
}

impl<'a> FieldList<'a> {
    pub fn add(&mut self, name: Option<&'a str>) -> Option<usize> {
        let name = name?;
        if let Some(i) = self.names.iter().position(|n| *n == name) {
            return Some(i);
        }
        self.names.push(name);
        Some(self.names.len() - 1)
    }

    pub fn names(&self) -> &[&'a str] {
        &self.names
    }
}

/// The value in `slot` of a feature's values, if the slot exists and is filled.
pub fn value(values: &[Option<String>], slot: Option<usize>) -> Option<&str> {
    values.get(slot?)?.as_deref()
}
