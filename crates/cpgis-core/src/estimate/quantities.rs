//! A sector result's activity quantities, stored compactly: which names of [`NAMES`] are
//! present (a bit mask) and their values. A million buildings hold three sets each, so the
//! names are not repeated per building.

/// Declares [`Quantity`] and [`NAMES`] from one list, so that a name cannot be missing from
/// either or sit at a different place in one.
macro_rules! quantities {
    ($($(#[$doc:meta])* $variant:ident = $key:literal),+ $(,)?) => {
        /// An activity quantity a sector model reports, units in its name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u8)]
        pub enum Quantity { $($(#[$doc])* $variant),+ }

        /// Every quantity's output name, in [`Quantity`] order (energy, transport, waste;
        /// carriers and treatments in their enum order).
        pub const NAMES: &[&str] = &[$($key),+];

        impl Quantity {
            /// Every quantity, in order.
            pub const ALL: &'static [Quantity] = &[$(Quantity::$variant),+];

            /// The output name (`electricity_kwh_yr`).
            pub fn key(self) -> &'static str {
                NAMES[self as usize]
            }
        }
    };
}

quantities! {
    /// 1: archetype intensities, 2: metered.
    EnergyTier = "energy_tier",
    /// Heat demand, kWh per year.
    HeatDemandKwh = "heat_demand_kwh_yr",
    /// Grid electricity, kWh per year.
    ElectricityKwh = "electricity_kwh_yr",
    /// District heat, kWh per year.
    DistrictHeatKwh = "district_heat_kwh_yr",
    /// Natural gas, kWh per year.
    NaturalGasKwh = "natural_gas_kwh_yr",
    /// Heating oil, kWh per year.
    OilKwh = "oil_kwh_yr",
    /// Coal, kWh per year.
    CoalKwh = "coal_kwh_yr",
    /// Wood, kWh per year.
    WoodKwh = "wood_kwh_yr",
    /// District steam, kWh per year.
    DistrictSteamKwh = "district_steam_kwh_yr",
    /// Rooftop PV yield, kWh per year.
    PvKwh = "pv_kwh_yr",
    /// PV yield beyond the building's own electricity, kWh per year.
    PvExportKwh = "pv_export_kwh_yr",
    /// Residents' trips counted at the home end, per year.
    Trips = "trips_yr",
    /// Workers' commuting trips counted at the workplace end, per year.
    WorkerTrips = "worker_trips_yr",
    /// Visitors' trips counted at the building's end, per year.
    VisitorTrips = "visitor_trips_yr",
    /// Share of trips by car.
    CarShare = "car_share",
    /// Share of trips by transit.
    TransitShare = "transit_share",
    /// Car passenger-km per year.
    CarPkm = "car_pkm_yr",
    /// Bus passenger-km per year.
    BusPkm = "bus_pkm_yr",
    /// Tram passenger-km per year.
    TramPkm = "tram_pkm_yr",
    /// Metro passenger-km per year.
    MetroPkm = "metro_pkm_yr",
    /// Rail passenger-km per year.
    RailPkm = "rail_pkm_yr",
    /// Waste generated, t per year.
    WasteT = "waste_t_yr",
    /// Waste landfilled, t per year.
    LandfillT = "landfill_t_yr",
    /// Waste incinerated, t per year.
    IncinerationT = "incineration_t_yr",
    /// Waste composted, t per year.
    CompostingT = "composting_t_yr",
    /// Waste recycled, t per year.
    RecyclingT = "recycling_t_yr",
}

// The mask is a u32: one bit per quantity.
const _: () = assert!(NAMES.len() <= 32);

/// Named quantities: a subset of [`Quantity`], in its order, with a value each.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Quantities {
    mask: u32,
    values: Box<[f64]>,
}

impl Quantities {
    /// From `(quantity, value)` pairs in any order (a quantity given twice keeps its last value).
    pub fn new(pairs: &[(Quantity, f64)]) -> Quantities {
        let mut mask = 0u32;
        let mut full = [0.0; NAMES.len()];
        for (q, v) in pairs {
            mask |= 1 << *q as u32;
            full[*q as usize] = *v;
        }
        Quantities::from_mask(mask, &full)
    }

    fn from_mask(mask: u32, full: &[f64; NAMES.len()]) -> Quantities {
        // Sized exactly: a million buildings hold three of these each, and a vector grown by
        // doubling then shrunk into a boxed slice leaves the allocator fragmented.
        let mut values = Vec::with_capacity(mask.count_ones() as usize);
        values.extend(
            (0..NAMES.len())
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| full[i]),
        );
        Quantities {
            mask,
            values: values.into_boxed_slice(),
        }
    }

    /// One set from several (a baseline's sectors); a quantity in two of them keeps the later
    /// one's value.
    pub fn join<'a>(parts: impl Iterator<Item = &'a Quantities>) -> Quantities {
        let mut mask = 0u32;
        let mut full = [0.0; NAMES.len()];
        for q in parts {
            for (i, v) in q.indexed() {
                full[i] = v;
            }
            mask |= q.mask;
        }
        Quantities::from_mask(mask, &full)
    }

    /// Each quantity with its value, in order.
    pub fn iter(&self) -> impl Iterator<Item = (Quantity, f64)> + '_ {
        Quantity::ALL
            .iter()
            .filter(|q| self.mask & (1 << **q as u32) != 0)
            .copied()
            .zip(self.values.iter().copied())
    }

    /// Each quantity's index in [`NAMES`] with its value, in order.
    pub fn indexed(&self) -> impl Iterator<Item = (usize, f64)> + '_ {
        (0..NAMES.len())
            .filter(|i| self.mask & (1 << i) != 0)
            .zip(self.values.iter().copied())
    }

    /// The value of one quantity, if present.
    pub fn get(&self, q: Quantity) -> Option<f64> {
        let bit = 1u32 << q as u32;
        if self.mask & bit == 0 {
            return None;
        }
        Some(self.values[(self.mask & (bit - 1)).count_ones() as usize])
    }

    /// Only the one quantity (or nothing, if absent).
    pub fn only(&self, q: Quantity) -> Quantities {
        match self.get(q) {
            Some(v) => Quantities::new(&[(q, v)]),
            None => Quantities::default(),
        }
    }

    /// True when no quantity is present.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Quantity::*;

    #[test]
    fn pairs_come_back_in_order_whatever_order_they_were_given_in() {
        let q = Quantities::new(&[(RecyclingT, -0.0), (EnergyTier, 1.0), (OilKwh, 2.5)]);
        assert_eq!(
            q.iter().collect::<Vec<_>>(),
            vec![(EnergyTier, 1.0), (OilKwh, 2.5), (RecyclingT, -0.0)]
        );
        assert_eq!(q.get(OilKwh), Some(2.5));
        assert_eq!(q.get(CoalKwh), None);
        assert_eq!(
            q.only(OilKwh).iter().collect::<Vec<_>>(),
            vec![(OilKwh, 2.5)]
        );
        assert!(q.only(PvKwh).is_empty());
    }

    #[test]
    fn joined_sets_read_as_one() {
        let a = Quantities::new(&[(EnergyTier, 2.0), (PvKwh, 3.0)]);
        let b = Quantities::default();
        let c = Quantities::new(&[(Trips, 4.0), (WasteT, 5.0)]);
        let j = Quantities::join([&c, &b, &a].into_iter());
        assert_eq!(
            j.iter().collect::<Vec<_>>(),
            vec![(EnergyTier, 2.0), (PvKwh, 3.0), (Trips, 4.0), (WasteT, 5.0)]
        );
        assert_eq!(j.get(Trips), Some(4.0));
    }

    #[test]
    fn names_are_the_quantities_keys_in_order() {
        assert_eq!(NAMES.len(), Quantity::ALL.len());
        for (i, q) in Quantity::ALL.iter().enumerate() {
            assert_eq!(*q as usize, i);
            assert_eq!(q.key(), NAMES[i]);
        }
        assert_eq!(Quantity::RecyclingT.key(), "recycling_t_yr");
    }
}
