//! A sector result's activity quantities, stored compactly: which names of [`NAMES`] are
//! present (a bit mask) and their values. A million buildings hold three sets each, so the
//! names are not repeated per building.

/// Every activity quantity a sector model reports, units in the names, in the order the models
/// report them (energy, transport, waste; carriers and treatments in their enum order).
pub const NAMES: [&str; 23] = [
    "energy_tier",
    "heat_demand_kwh_yr",
    "electricity_kwh_yr",
    "district_heat_kwh_yr",
    "natural_gas_kwh_yr",
    "oil_kwh_yr",
    "coal_kwh_yr",
    "wood_kwh_yr",
    "pv_kwh_yr",
    "pv_export_kwh_yr",
    "trips_yr",
    "car_share",
    "transit_share",
    "car_pkm_yr",
    "bus_pkm_yr",
    "tram_pkm_yr",
    "metro_pkm_yr",
    "rail_pkm_yr",
    "waste_t_yr",
    "landfill_t_yr",
    "incineration_t_yr",
    "composting_t_yr",
    "recycling_t_yr",
];

/// Whether two names are equal; at once when both are the same literal (rustc stores equal
/// string literals once, so the models' names are usually [`NAMES`]'s own), else byte by byte.
#[inline]
fn same(a: &str, b: &str) -> bool {
    (std::ptr::eq(a.as_ptr(), b.as_ptr()) && a.len() == b.len()) || a == b
}

/// Named quantities: a subset of [`NAMES`], in its order, with a value each.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Quantities {
    mask: u32,
    values: Box<[f64]>,
}

impl Quantities {
    /// From `(name, value)` pairs whose names come from [`NAMES`], in its order (each sector
    /// model reports them so; a debug assertion checks it in every test run of the models).
    pub fn new(pairs: &[(&str, f64)]) -> Quantities {
        let mut mask = 0u32;
        let mut values = Vec::with_capacity(pairs.len());
        let mut from = 0;
        for (name, v) in pairs {
            let Some(i) = NAMES[from..].iter().position(|n| same(n, name)) else {
                debug_assert!(false, "quantity {name} unknown or out of order");
                continue;
            };
            mask |= 1 << (from + i);
            values.push(*v);
            from += i + 1;
        }
        Quantities {
            mask,
            values: values.into_boxed_slice(),
        }
    }

    /// One set from several whose names follow each other in [`NAMES`] order (a baseline's
    /// sectors, in [`super::SECTORS`] order).
    pub fn join<'a>(parts: impl Iterator<Item = &'a Quantities> + Clone) -> Quantities {
        let mut mask = 0u32;
        let mut values = Vec::with_capacity(parts.clone().map(|q| q.values.len()).sum());
        for q in parts {
            debug_assert!(
                q.mask == 0 || mask < (1 << q.mask.trailing_zeros()),
                "quantities joined out of order"
            );
            mask |= q.mask;
            values.extend_from_slice(&q.values);
        }
        Quantities {
            mask,
            values: values.into_boxed_slice(),
        }
    }

    /// Each name with its value, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.mask & (1 << i) != 0)
            .map(|(_, n)| *n)
            .zip(self.values.iter().copied())
    }

    /// Each quantity's index in [`NAMES`] with its value, in order.
    pub fn indexed(&self) -> impl Iterator<Item = (usize, f64)> + '_ {
        (0..NAMES.len())
            .filter(|i| self.mask & (1 << i) != 0)
            .zip(self.values.iter().copied())
    }

    /// The value of one quantity, if present.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.iter().find(|q| same(q.0, name)).map(|q| q.1)
    }

    /// Only the named quantity (or nothing, if absent).
    pub fn only(&self, name: &str) -> Quantities {
        match self.get(name) {
            Some(v) => Quantities::new(&[(name, v)]),
            None => Quantities::default(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_in_order_come_back_as_given() {
        let pairs = [
            ("energy_tier", 1.0),
            ("oil_kwh_yr", 2.5),
            ("recycling_t_yr", -0.0),
        ];
        let q = Quantities::new(&pairs);
        assert_eq!(q.iter().collect::<Vec<_>>(), pairs.to_vec());
        assert_eq!(q.get("oil_kwh_yr"), Some(2.5));
        assert_eq!(q.get("coal_kwh_yr"), None);
        assert_eq!(
            q.only("oil_kwh_yr").iter().collect::<Vec<_>>(),
            vec![("oil_kwh_yr", 2.5)]
        );
        assert!(q.only("pv_kwh_yr").is_empty());
    }

    #[test]
    fn joined_sets_read_as_one() {
        let a = Quantities::new(&[("energy_tier", 2.0), ("pv_kwh_yr", 3.0)]);
        let b = Quantities::default();
        let c = Quantities::new(&[("trips_yr", 4.0), ("waste_t_yr", 5.0)]);
        let j = Quantities::join([&a, &b, &c].into_iter());
        assert_eq!(
            j.iter().collect::<Vec<_>>(),
            vec![
                ("energy_tier", 2.0),
                ("pv_kwh_yr", 3.0),
                ("trips_yr", 4.0),
                ("waste_t_yr", 5.0)
            ]
        );
        assert_eq!(j.get("trips_yr"), Some(4.0));
    }
}
