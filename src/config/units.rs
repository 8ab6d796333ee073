//! Units a site file may attach to a mapped attribute.

use std::fmt;

/// Unit of a floor-area attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum AreaUnit {
    SquareMetre,
    SquareFoot,
}

impl AreaUnit {
    pub const NAMES: &'static str = "m2, ft2";

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
    KilowattHour,
    MegawattHour,
    Gigajoule,
    Megajoule,
    Therm,
    KiloBtu,
    MegaBtu,
    /// Cubic metres of natural gas: converted with the preset's calorific value.
    CubicMetreGas,
}

impl EnergyUnit {
    pub const NAMES: &'static str = "kWh, MWh, GJ, MJ, therm, kBtu, MMBtu, m3";

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
    fn unit_names_parse_case_insensitively() {
        assert_eq!(EnergyUnit::parse("MMBtu"), Some(EnergyUnit::MegaBtu));
        assert_eq!(EnergyUnit::parse("Therms"), Some(EnergyUnit::Therm));
        assert_eq!(AreaUnit::parse("FT2"), Some(AreaUnit::SquareFoot));
        assert_eq!(EnergyUnit::parse("barrels"), None);
    }
}
