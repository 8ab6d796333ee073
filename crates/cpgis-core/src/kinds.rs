//! The closed sets preset values are keyed by. Each has a stable snake_case name used in preset
//! keys, site files and output properties.

use std::fmt;

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $key:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* #[doc = concat!("`", $key, "`")] $variant),+ }

        impl $name {
            /// Every member, in a fixed order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The snake_case name used in preset keys and outputs.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            /// The member with this name (exact, lower case).
            pub fn from_key(s: &str) -> Option<Self> {
                match s { $($key => Some($name::$variant),)+ _ => None }
            }

            /// All names, comma-separated, for messages.
            pub fn names() -> String {
                Self::ALL.iter().map(|v| v.key()).collect::<Vec<_>>().join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.key())
            }
        }
    };
}

named_enum! {
    /// An energy carrier delivered to a building; each has an emission factor per kWh.
    Carrier {
        Electricity = "electricity",
        DistrictHeat = "district_heat",
        NaturalGas = "natural_gas",
        Oil = "oil",
        Coal = "coal",
        Wood = "wood",
        /// Steam from a district network (US benchmarking meters it in kBtu or Mlb).
        DistrictSteam = "district_steam",
    }
}

named_enum! {
    /// A way of meeting a building's heat demand.
    HeatSource {
        DistrictHeat = "district_heat",
        NaturalGas = "natural_gas",
        Oil = "oil",
        Coal = "coal",
        Wood = "wood",
        /// Direct electric resistance heating.
        Electricity = "electricity",
        /// An electric heat pump at the preset's seasonal COP.
        HeatPump = "heat_pump",
        /// Steam from a district network.
        DistrictSteam = "district_steam",
    }
}

impl HeatSource {
    /// The carrier this heat source consumes.
    pub fn carrier(self) -> Carrier {
        match self {
            HeatSource::DistrictHeat => Carrier::DistrictHeat,
            HeatSource::NaturalGas => Carrier::NaturalGas,
            HeatSource::Oil => Carrier::Oil,
            HeatSource::Coal => Carrier::Coal,
            HeatSource::Wood => Carrier::Wood,
            HeatSource::DistrictSteam => Carrier::DistrictSteam,
            HeatSource::Electricity | HeatSource::HeatPump => Carrier::Electricity,
        }
    }
}

named_enum! {
    /// A building use type (archetype).
    Use {
        Residential = "residential",
        Office = "office",
        Retail = "retail",
        Education = "education",
        Health = "health",
        Hotel = "hotel",
        Restaurant = "restaurant",
        Industrial = "industrial",
        Warehouse = "warehouse",
        Public = "public",
        Parking = "parking",
        Unknown = "unknown",
    }
}

named_enum! {
    /// A construction era; heat intensity is scaled per era.
    Era {
        Before1950 = "before_1950",
        From1950To1979 = "from_1950_to_1979",
        From1980To1999 = "from_1980_to_1999",
        From2000 = "from_2000",
        Unknown = "unknown",
    }
}

named_enum! {
    /// Where a building's era came from.
    EraSource {
        Standard = "standard",
        Year = "year",
        Unknown = "unknown",
    }
}

/// City Energy Analyst's construction standards (`STANDARD` / `standard` in its typology) as
/// eras, used where a layer maps `standard` and its site file gives no `standard_map` entry for
/// a value. CEA's Swiss database ties each standard to a band of construction years; the bands
/// taken here (1: to 1920, 2: 1921-1970, 3: 1971-1980, 4: 1981-2000, 5 and 6: from 2001) are as
/// recalled, not re-read, and agree with CEA's Zug reference case (standard 2 on buildings of
/// 1931-1968, 4 on one of 2000, 5 on 2001-2010). Standard 2's band lies mostly before 1950.
pub const CEA_STANDARDS: &[(&str, Era)] = &[
    ("STANDARD1", Era::Before1950),
    ("STANDARD2", Era::Before1950),
    ("STANDARD3", Era::From1950To1979),
    ("STANDARD4", Era::From1980To1999),
    ("STANDARD5", Era::From2000),
    ("STANDARD6", Era::From2000),
];

impl Era {
    /// The era of a construction year; `None` is unknown.
    pub fn of_year(year: Option<i32>) -> Era {
        match year {
            None => Era::Unknown,
            Some(y) if y < 1950 => Era::Before1950,
            Some(y) if y < 1980 => Era::From1950To1979,
            Some(y) if y < 2000 => Era::From1980To1999,
            Some(_) => Era::From2000,
        }
    }
}

named_enum! {
    /// A transit mode, as PTAL distinguishes them.
    Mode {
        Bus = "bus",
        Tram = "tram",
        Metro = "metro",
        Rail = "rail",
    }
}

impl Mode {
    /// True for the modes that PTAL walks to over the longer rail catchment (960 m).
    pub fn is_rail_like(self) -> bool {
        !matches!(self, Mode::Bus)
    }
}

named_enum! {
    /// A treatment path of municipal solid waste.
    Treatment {
        Landfill = "landfill",
        Incineration = "incineration",
        Composting = "composting",
        Recycling = "recycling",
    }
}

named_enum! {
    /// A way of cutting emissions in the neighbouring community (an offset intervention).
    /// At a building they stack in this order, each on the state the previous ones left.
    Intervention {
        /// Heat demand of old stock cut by a saving share.
        DeepRetrofit = "deep_retrofit",
        /// Fossil and district heating replaced by heat pumps.
        HeatPump = "heat_pump",
        /// PV on the usable roof.
        RooftopPv = "rooftop_pv",
        /// Recycling and composting raised to a target.
        WasteDiversion = "waste_diversion",
        /// A new bus service in dense, poorly served grid cells.
        Transit = "transit",
    }
}

named_enum! {
    /// What community grid cells are ranked by when offset zones are selected.
    RankBy {
        /// t CO2e per year per unit of annual cost: the cheapest tonnes first.
        Cost = "cost",
        /// t CO2e per year per hectare of community: the densest abatement first.
        Area = "area",
    }
}

/// What a context layer shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ContextKind {
    /// Roads.
    Roads,
    /// Railways.
    Rail,
    /// Water.
    Water,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for u in Use::ALL {
            assert_eq!(Use::from_key(u.key()), Some(*u));
        }
        assert_eq!(Mode::from_key("ferry"), None);
    }

    #[test]
    fn eras_split_at_1950_1980_2000() {
        assert_eq!(Era::of_year(Some(1949)), Era::Before1950);
        assert_eq!(Era::of_year(Some(1950)), Era::From1950To1979);
        assert_eq!(Era::of_year(Some(1999)), Era::From1980To1999);
        assert_eq!(Era::of_year(Some(2000)), Era::From2000);
        assert_eq!(Era::of_year(None), Era::Unknown);
    }
}
