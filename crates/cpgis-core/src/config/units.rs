//! Units a site file may attach to a mapped attribute.

use std::fmt;

/// Unit of a floor-area attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum AreaUnit {
    /// m².
    SquareMetre,
    /// ft² (0.09290304 m²).
    SquareFoot,
}

impl AreaUnit {
    /// The units' names, for messages.
    pub const NAMES: &'static str = "m2, ft2";

    /// The unit named `s` (`m2`, `sqm`, `ft2`, `sqft`, …).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "m2" | "m²" | "sqm" => Some(AreaUnit::SquareMetre),
            "ft2" | "ft²" | "sqft" => Some(AreaUnit::SquareFoot),
            _ => None,
        }
    }

    /// Square metres per unit: 1 ft = 0.3048 m exactly (international yard and pound agreement, 1959).
    pub fn to_m2(self) -> f64 {
        match self {
            AreaUnit::SquareMetre => 1.0,
            AreaUnit::SquareFoot => 0.3048 * 0.3048,
        }
    }
}

/// Unit of a metered-energy attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum EnergyUnit {
    /// kWh.
    KilowattHour,
    /// MWh (1,000 kWh).
    MegawattHour,
    /// GJ (277.78 kWh).
    Gigajoule,
    /// MJ (0.27778 kWh).
    Megajoule,
    /// Therm (29.3071 kWh).
    Therm,
    /// kBtu (0.293071 kWh).
    KiloBtu,
    /// MMBtu (293.071 kWh).
    MegaBtu,
    /// Cubic metres of natural gas: converted with the preset's calorific value.
    CubicMetreGas,
}

impl EnergyUnit {
    /// The units' names, for messages.
    pub const NAMES: &'static str = "kWh, MWh, GJ, MJ, therm, kBtu, MMBtu, m3";

    /// The unit named `s` (case and spelling variants accepted).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "kwh" => Some(EnergyUnit::KilowattHour),
            "mwh" => Some(EnergyUnit::MegawattHour),
            "gj" => Some(EnergyUnit::Gigajoule),
            "mj" => Some(EnergyUnit::Megajoule),
            "therm" | "therms" => Some(EnergyUnit::Therm),
            "kbtu" => Some(EnergyUnit::KiloBtu),
            "mmbtu" => Some(EnergyUnit::MegaBtu),
            "m3" | "m³" => Some(EnergyUnit::CubicMetreGas),
            _ => None,
        }
    }
}

/// Joules in one British thermal unit (International Table): 1055.05585262 J exactly (NIST SP 811, B.8).
pub const JOULES_PER_BTU: f64 = 1_055.055_852_62;
/// Joules in one kilowatt-hour: 3.6 MJ exactly.
pub const JOULES_PER_KWH: f64 = 3.6e6;

impl EnergyUnit {
    /// kWh in one unit. Cubic metres of gas need the calorific value, kWh per m³.
    pub fn kwh_per_unit(self, gas_kwh_per_m3: f64) -> f64 {
        match self {
            EnergyUnit::KilowattHour => 1.0,
            EnergyUnit::MegawattHour => 1000.0,
            EnergyUnit::Gigajoule => 1e9 / JOULES_PER_KWH,
            EnergyUnit::Megajoule => 1e6 / JOULES_PER_KWH,
            // US therm: 100,000 Btu (IT).
            EnergyUnit::Therm => 1e5 * JOULES_PER_BTU / JOULES_PER_KWH,
            EnergyUnit::KiloBtu => 1e3 * JOULES_PER_BTU / JOULES_PER_KWH,
            EnergyUnit::MegaBtu => 1e6 * JOULES_PER_BTU / JOULES_PER_KWH,
            EnergyUnit::CubicMetreGas => gas_kwh_per_m3,
        }
    }
}

/// Unit of a metered-energy attribute: an amount per year (`kWh`), or an intensity per floor
/// area (`kWh/ft2`, `kWh/m2`), which is multiplied by the building's floor area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct MeterUnit {
    /// The energy unit.
    pub energy: EnergyUnit,
    /// The floor area the energy is per, for an intensity.
    pub per_area: Option<AreaUnit>,
}

impl MeterUnit {
    /// The units' names, for messages.
    pub const NAMES: &'static str =
        "kWh, MWh, GJ, MJ, therm, kBtu, MMBtu, m3, or one of them per m2 or ft2 (e.g. kWh/ft2)";

    /// The unit named `s`: an energy unit, or one per area (`kWh/ft2`).
    pub fn parse(s: &str) -> Option<Self> {
        match s.split_once('/') {
            None => Some(MeterUnit {
                energy: EnergyUnit::parse(s)?,
                per_area: None,
            }),
            Some((e, a)) => Some(MeterUnit {
                energy: EnergyUnit::parse(e)?,
                per_area: Some(AreaUnit::parse(a)?),
            }),
        }
    }

    /// kWh per year of a metered value; an intensity needs the floor area in m².
    pub fn to_kwh(self, value: f64, gas_kwh_per_m3: f64, floor_area_m2: f64) -> f64 {
        let kwh = value * self.energy.kwh_per_unit(gas_kwh_per_m3);
        match self.per_area {
            None => kwh,
            Some(a) => kwh * floor_area_m2 / a.to_m2(),
        }
    }
}

impl fmt::Display for MeterUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.per_area {
            None => write!(f, "{}", self.energy),
            Some(AreaUnit::SquareMetre) => write!(f, "{}/m2", self.energy),
            Some(AreaUnit::SquareFoot) => write!(f, "{}/ft2", self.energy),
        }
    }
}

impl fmt::Display for EnergyUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            EnergyUnit::KilowattHour => "kWh",
            EnergyUnit::MegawattHour => "MWh",
            EnergyUnit::Gigajoule => "GJ",
            EnergyUnit::Megajoule => "MJ",
            EnergyUnit::Therm => "therm",
            EnergyUnit::KiloBtu => "kBtu",
            EnergyUnit::MegaBtu => "MMBtu",
            EnergyUnit::CubicMetreGas => "m3",
        };
        f.write_str(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_foot_is_the_international_foot_squared() {
        // 1 ft² = 0.09290304 m² (NIST SP 811, appendix B).
        assert!((AreaUnit::SquareFoot.to_m2() - 0.092_903_04).abs() < 1e-12);
    }

    #[test]
    fn energy_units_convert_to_published_kwh() {
        // Definitions: 1 GJ = 277.78 kWh; US therm = 29.3071 kWh; 1 MMBtu = 293.071 kWh
        // (EIA energy conversion table: 1 kWh = 3,412 Btu).
        let close = |a: f64, b: f64, tol: f64| assert!((a - b).abs() <= tol, "{a} vs {b}");
        close(EnergyUnit::Gigajoule.kwh_per_unit(0.0), 277.7778, 1e-4);
        close(EnergyUnit::Megajoule.kwh_per_unit(0.0), 0.277_778, 1e-6);
        close(EnergyUnit::Therm.kwh_per_unit(0.0), 29.3071, 1e-4);
        close(EnergyUnit::KiloBtu.kwh_per_unit(0.0), 1.0 / 3.412_14, 1e-6);
        close(EnergyUnit::MegaBtu.kwh_per_unit(0.0), 293.071, 1e-3);
        close(EnergyUnit::MegawattHour.kwh_per_unit(0.0), 1000.0, 0.0);
        close(EnergyUnit::CubicMetreGas.kwh_per_unit(10.7), 10.7, 0.0);
    }

    #[test]
    fn an_intensity_per_square_foot_scales_with_floor_area() {
        let u = MeterUnit::parse("kWh/ft2").unwrap();
        // 2.44 kWh/ft² over 4,948 ft² (Oak View building 0) = 12,073 kWh.
        let kwh = u.to_kwh(2.44, 0.0, 4948.0 * AreaUnit::SquareFoot.to_m2());
        assert!((kwh - 12_073.12).abs() < 0.01, "{kwh}");
        assert_eq!(MeterUnit::parse("kWh").unwrap().per_area, None);
        assert_eq!(MeterUnit::parse("kWh/acre"), None);
    }

    #[test]
    fn unit_names_parse_case_insensitively() {
        assert_eq!(EnergyUnit::parse("MMBtu"), Some(EnergyUnit::MegaBtu));
        assert_eq!(EnergyUnit::parse("Therms"), Some(EnergyUnit::Therm));
        assert_eq!(AreaUnit::parse("FT2"), Some(AreaUnit::SquareFoot));
        assert_eq!(EnergyUnit::parse("barrels"), None);
    }
}
