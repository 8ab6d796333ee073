//! Emission factors in the units publications use: a mass of CO2e (or CO2) per energy, such as
//! `kg CO2e/kWh`, `g CO2e/kWh`, `t CO2e/MWh`, `lb CO2e/MWh` (US eGRID), `kg CO2e/MMBtu` and
//! `lb CO2e/MMBtu` (US EPA), `kg CO2e/GJ` (IPCC), `kg CO2e/therm`. Converted with exact
//! definitions: 1 lb = 0.45359237 kg (international pound, 1959), 1 kWh = 3.6 MJ,
//! 1 Btu = 1,055.05585262 J (International Table Btu), 1 therm = 100,000 Btu.

/// Kilograms in one unit of mass.
fn kg(unit: &str) -> Option<f64> {
    match unit {
        "g" => Some(1e-3),
        "kg" => Some(1.0),
        "t" | "tonne" | "tonnes" => Some(1e3),
        "lb" | "lbs" => Some(0.453_592_37),
        _ => None,
    }
}

/// Joules in one unit of energy.
fn joules(unit: &str) -> Option<f64> {
    const BTU: f64 = 1_055.055_852_62;
    match unit {
        "Wh" => Some(3.6e3),
        "kWh" => Some(3.6e6),
        "MWh" => Some(3.6e9),
        "GWh" => Some(3.6e12),
        "MJ" => Some(1e6),
        "GJ" => Some(1e9),
        "TJ" => Some(1e12),
        "Btu" => Some(BTU),
        "kBtu" => Some(BTU * 1e3),
        "MMBtu" | "mmBtu" => Some(BTU * 1e6),
        "therm" => Some(BTU * 1e5),
        _ => None,
    }
}

/// A unit `MASS GAS/ENERGY` (`lb CO2e/MWh`): kg per J, and the gas.
fn parse(unit: &str) -> Option<(f64, &str)> {
    let (top, energy) = unit.split_once('/')?;
    let (mass, gas) = top.trim().split_once(' ')?;
    let gas = gas.trim();
    if !matches!(gas, "CO2e" | "CO2") {
        return None;
    }
    Some((kg(mass.trim())? / joules(energy.trim())?, gas))
}

/// A heat intensity as delivered heat, the archetypes' model unit.
pub const HEAT_DELIVERED: &str = "kWh/m2/yr";
/// A heat intensity as the heating fuel's site energy (consumption surveys: CBECS gas use,
/// ENERGY STAR site energy): the model turns it into delivered heat with the preset's boiler
/// efficiency, so that efficiency is applied once, not twice.
pub const HEAT_FUEL: &str = "kWh fuel/m2/yr";

/// Whether one unit may restate a value given in the other in an extending preset or a site
/// file: delivered heat and fuel for heat.
pub fn interchangeable(a: &str, b: &str) -> bool {
    let heat = [HEAT_DELIVERED, HEAT_FUEL];
    heat.contains(&a) && heat.contains(&b)
}

/// `value` in `from` converted to `to`, both a mass of the same gas per energy; `None` when
/// either is not such a unit or the gases differ.
pub fn convert(value: f64, from: &str, to: &str) -> Option<f64> {
    let (a, gas_a) = parse(from)?;
    let (b, gas_b) = parse(to)?;
    (gas_a == gas_b).then(|| value * (a / b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        ((a - b) / b).abs() < 1e-12
    }

    /// Each conversion against the factor worked out by hand from the definitions.
    #[test]
    fn publications_units_convert_to_kg_per_kwh_exactly() {
        let to = "kg CO2e/kWh";
        let cases = [
            (102.0, "g CO2e/kWh", 0.102),
            (0.6361, "t CO2e/MWh", 0.6361),
            // eGRID: 1 lb/MWh = 0.45359237 / 1000 kg/kWh.
            (52.47, "lb CO2e/MWh", 52.47 * 0.453_592_37 / 1000.0),
            // 1 MMBtu = 293.07107017222 kWh.
            (53.06, "kg CO2e/MMBtu", 53.06 / 293.071_070_172_22),
            (
                116.9,
                "lb CO2e/MMBtu",
                116.9 * 0.453_592_37 / 293.071_070_172_22,
            ),
            // 1 GJ = 277.777… kWh.
            (56.1, "kg CO2e/GJ", 56.1 / (1e9 / 3.6e6)),
            // 1 therm = 29.3071070172222 kWh.
            (5.3, "kg CO2e/therm", 5.3 / 29.307_107_017_222_2),
        ];
        for (v, unit, want) in cases {
            let got = convert(v, unit, to).unwrap();
            assert!(close(got, want), "{v} {unit}: {got} vs {want}");
        }
        // Round trips lose nothing beyond 1e-12.
        let back = convert(
            convert(850.0, "lb CO2e/MWh", to).unwrap(),
            to,
            "lb CO2e/MWh",
        );
        assert!(close(back.unwrap(), 850.0));
    }

    #[test]
    fn other_gases_and_other_quantities_do_not_convert() {
        assert_eq!(convert(1.0, "kg CO2/kWh", "kg CO2e/kWh"), None);
        assert_eq!(convert(1.0, "kWh/m2", "kg CO2e/kWh"), None);
        assert_eq!(convert(1.0, "kg CO2e/pkm", "kg CO2e/kWh"), None);
        assert_eq!(convert(1.0, "share", "kg CO2e/kWh"), None);
    }
}
