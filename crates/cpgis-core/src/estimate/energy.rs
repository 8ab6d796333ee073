//! Stationary energy. Tier 2: the building's metered energy per carrier (converted to kWh),
//! when every carrier its layer maps has a value; partial (tier code 3) when some have: those
//! metered, the missing ones modelled. Tier 1 with no reading: floor area by use ×
//! the archetype's intensities (electricity; space heat × the era's multiplier, plus hot water), heat met by the
//! preset's heating mix (fuel = heat / boiler efficiency, heat pump electricity = heat / COP).
//! Emissions = Σ carrier kWh × carrier factor.
//!
//! Measures: `eui_reduction` lowers every carrier, `heat_reduction` (deep retrofit) the heat
//! (tier 2: every carrier but electricity); `heat` replaces the heating (tier 2: the
//! heat delivered by fuels and district heat is re-supplied by the new source); `rooftop_pv`
//! covers that share of the usable roof and offsets the building's own electricity (any
//! surplus is reported as export and not credited).

use std::ops::{Index, IndexMut};

use super::{Measures, Quantities, Quantity, Sector, SectorModel, SectorResult};
use crate::preset::{parts, Carrier, Factors, HeatSource};
use crate::profile::Profile;
use crate::site::Building;

/// Stationary energy: tier 1 (archetype intensities) or tier 2 (metered energy) by carrier, PV and a heat-source switch.
pub struct EnergyModel;

/// A value per energy carrier, in `Carrier::ALL` order (no allocation: a building's energy is
/// worked out many times over in the offsets stage).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ByCarrier(pub [f64; Carrier::ALL.len()]);

impl ByCarrier {
    /// Each carrier with its value, in `Carrier::ALL` order.
    pub fn iter(&self) -> impl Iterator<Item = (Carrier, f64)> + '_ {
        Carrier::ALL.iter().copied().zip(self.0)
    }
}

impl Index<Carrier> for ByCarrier {
    type Output = f64;
    fn index(&self, c: Carrier) -> &f64 {
        &self.0[c as usize]
    }
}

impl IndexMut<Carrier> for ByCarrier {
    fn index_mut(&mut self, c: Carrier) -> &mut f64 {
        &mut self.0[c as usize]
    }
}

/// Energy use of one building by carrier, kWh per year, with what it took to get there.
#[derive(Debug, Clone, PartialEq)]
pub struct EnergyUse {
    /// 1: archetype intensities, 2: metered, 3 ([`PARTIAL`]): some carriers metered.
    pub tier: u8,
    /// Energy delivered by carrier, kWh per year.
    pub carriers: ByCarrier,
    /// Heat delivered, kWh per year (tier 2: the part known from fuels and district heat).
    pub heat_kwh: f64,
    /// PV yield, kWh per year, and the part of it beyond the building's own electricity.
    pub pv_kwh: f64,
    /// The part of the PV yield beyond the building's own electricity, kWh per year.
    pub pv_export_kwh: f64,
}

/// Tier 1: no metered carrier; tier 2: every mapped carrier metered; [`PARTIAL`]: some
/// metered, the rest modelled from the archetype.
pub const PARTIAL: u8 = 3;

/// The heat source a heating carrier stands for when its energy is modelled.
fn source_of(c: Carrier) -> Option<HeatSource> {
    match c {
        Carrier::DistrictHeat => Some(HeatSource::DistrictHeat),
        Carrier::NaturalGas => Some(HeatSource::NaturalGas),
        Carrier::Oil => Some(HeatSource::Oil),
        Carrier::Coal => Some(HeatSource::Coal),
        Carrier::Wood => Some(HeatSource::Wood),
        Carrier::DistrictSteam => Some(HeatSource::DistrictSteam),
        Carrier::Electricity => None,
    }
}

/// Energy use of one building under some measures.
///
/// Each metered carrier is kept as metered (converted to kWh). A carrier the site file maps
/// but the building has no reading for is modelled from the archetype: electricity as its
/// intensity × floor area, a heating carrier as the archetype's heat demand less the heat the
/// metered heating carriers deliver, shared equally among the missing heating carriers, at
/// their boiler efficiency. With no reading at all the whole building is modelled (tier 1).
/// Metered electricity may be negative (net export from on-site generation): benchmarking
/// counts it as negative site electricity (ENERGY STAR Portfolio Manager), so it gives
/// negative emissions.
pub fn energy_use(b: &Building, p: &Profile, m: &Measures, f: &Factors) -> EnergyUse {
    let keep = 1.0 - m.eui_reduction;
    let mut carriers = ByCarrier::default();
    let (tier, heat_kwh) = if !b.energy_mapped.is_empty() && !b.energy.is_empty() {
        let mut metered = [false; Carrier::ALL.len()];
        for e in &b.energy {
            let c = e.carrier;
            let kwh = e.unit.to_kwh(e.value, f.gas_kwh_per_m3, p.floor.gfa_m2);
            let heating = !matches!(c, Carrier::Electricity);
            let factor = if heating {
                keep * (1.0 - m.heat_reduction)
            } else {
                keep
            };
            carriers[c] += kwh * factor;
            metered[c as usize] = true;
        }
        // Heat known from the heating carriers (electric heating cannot be told apart).
        let heating = [
            (Carrier::DistrictHeat, 1.0),
            (Carrier::NaturalGas, f.heating.boiler_efficiency),
            (Carrier::Oil, f.heating.boiler_efficiency),
            (Carrier::Coal, f.heating.boiler_efficiency),
            (Carrier::Wood, f.heating.boiler_efficiency),
            (Carrier::DistrictSteam, 1.0),
        ];
        let mut heat: f64 = heating.iter().map(|(c, eff)| carriers[*c] * eff).sum();
        let complete = b.energy.len() >= b.energy_mapped.len();
        if !complete {
            let (archetype_el, archetype_heat) = archetype_demand(p, f);
            if b.energy_mapped.contains(Carrier::Electricity)
                && !metered[Carrier::Electricity as usize]
            {
                carriers[Carrier::Electricity] += archetype_el * keep;
            }
            let missing: Vec<HeatSource> = b
                .energy_mapped
                .iter()
                .filter(|c| !metered[*c as usize])
                .filter_map(source_of)
                .collect();
            if !missing.is_empty() {
                let modelled = (archetype_heat * keep * (1.0 - m.heat_reduction) - heat).max(0.0);
                for source in &missing {
                    carriers[source.carrier()] +=
                        modelled / missing.len() as f64 * f.heating.input_per_heat(*source);
                }
                heat += modelled;
            }
        }
        if let Some(source) = m.heat {
            for (c, _) in heating {
                carriers[c] = 0.0;
            }
            carriers[source.carrier()] += heat * f.heating.input_per_heat(source);
        }
        (if complete { 2 } else { PARTIAL }, heat)
    } else {
        (1, modelled(p, m, f, &mut carriers))
    };
    let pv_kwh = f.solar.yield_kwh(p.footprint_m2, m.rooftop_pv);
    // PV offsets the building's own consumption; a surplus (and all of it where the metered
    // electricity is already a net export) is export, not credited.
    let el = carriers[Carrier::Electricity];
    let used = pv_kwh.min(el.max(0.0));
    let pv_export_kwh = pv_kwh - used;
    carriers[Carrier::Electricity] = el - used;
    EnergyUse {
        tier,
        carriers,
        heat_kwh,
        pv_kwh,
        pv_export_kwh,
    }
}

/// Tier 1: the archetype's electricity and the heat it meets by the preset's heating mix (or
/// the measures' heat source), added to `carriers`; returns the heat delivered, kWh per year.
fn modelled(p: &Profile, m: &Measures, f: &Factors, carriers: &mut ByCarrier) -> f64 {
    let keep = 1.0 - m.eui_reduction;
    let (electricity, heat) = archetype_demand(p, f);
    let electricity = electricity * keep;
    let heat = heat * keep * (1.0 - m.heat_reduction);
    carriers[Carrier::Electricity] += electricity;
    let only;
    let mix: &[(HeatSource, f64)] = match m.heat {
        Some(source) => {
            only = [(source, 1.0)];
            &only
        }
        None => &f.heating.mix,
    };
    for (source, share) in mix {
        carriers[source.carrier()] += heat * share * f.heating.input_per_heat(*source);
    }
    heat
}

/// What the archetypes (tier 1) give a building, by carrier, kWh per year, whatever it has
/// metered: the model's side of a check against meters.
pub fn archetype_use(p: &Profile, f: &Factors) -> ByCarrier {
    let mut carriers = ByCarrier::default();
    modelled(p, &Measures::default(), f, &mut carriers);
    carriers
}

/// The archetype's electricity and heat demand of a building, kWh per year, by its uses.
fn archetype_demand(p: &Profile, f: &Factors) -> (f64, f64) {
    let mut electricity = 0.0;
    let mut heat = 0.0;
    for (u, share) in &p.uses.parts {
        let a = f.archetype(*u);
        let area = share * p.floor.gfa_m2;
        electricity += area * a.electricity_kwh_m2;
        // The era scales space heating only: hot water (and cooking) is what the use draws,
        // however well the building keeps its heat.
        let hot_water = a.hot_water_kwh_m2.min(a.heat_kwh_m2);
        heat += area * ((a.heat_kwh_m2 - hot_water) * f.space_heat(p.era) + hot_water);
    }
    (electricity, heat)
}

/// t CO2e per year of an energy use.
pub fn emissions_t(e: &EnergyUse, f: &Factors) -> f64 {
    e.carriers
        .iter()
        .map(|(c, kwh)| kwh * f.carrier(c))
        .sum::<f64>()
        / 1000.0
}

/// The parts of the factors [`energy_use`] and [`emissions_t`] read.
pub const READS: u32 = parts::CARRIERS | parts::HEATING | parts::ARCHETYPES | parts::SOLAR;

impl EnergyModel {
    /// Energy use of one building by carrier, with its heat demand and PV yield.
    pub fn energy_use(&self, b: &Building, p: &Profile, m: &Measures, f: &Factors) -> EnergyUse {
        energy_use(b, p, m, f)
    }
}

impl SectorModel for EnergyModel {
    fn sector(&self) -> Sector {
        Sector::Energy
    }

    fn reads(&self) -> u32 {
        READS
    }

    fn co2e_t(&self, b: &Building, p: &Profile, m: &Measures, f: &Factors) -> f64 {
        emissions_t(&energy_use(b, p, m, f), f)
    }

    fn estimate(&self, b: &Building, p: &Profile, m: &Measures, f: &Factors) -> SectorResult {
        let e = energy_use(b, p, m, f);
        // Tier, heat demand, each carrier, PV and its export: on the stack, not a vector per call.
        let mut quantities = [(Quantity::EnergyTier, 0.0); 4 + Carrier::ALL.len()];
        quantities[0] = (Quantity::EnergyTier, e.tier as f64);
        quantities[1] = (Quantity::HeatDemandKwh, e.heat_kwh);
        for (slot, (c, kwh)) in quantities[2..].iter_mut().zip(e.carriers.iter()) {
            *slot = (carrier_quantity(c), kwh);
        }
        quantities[2 + Carrier::ALL.len()] = (Quantity::PvKwh, e.pv_kwh);
        quantities[3 + Carrier::ALL.len()] = (Quantity::PvExportKwh, e.pv_export_kwh);
        SectorResult {
            co2e_t: emissions_t(&e, f),
            quantities: Quantities::new(&quantities),
        }
    }
}

/// The quantity of a carrier's annual energy.
pub fn carrier_quantity(c: Carrier) -> Quantity {
    match c {
        Carrier::Electricity => Quantity::ElectricityKwh,
        Carrier::DistrictHeat => Quantity::DistrictHeatKwh,
        Carrier::NaturalGas => Quantity::NaturalGasKwh,
        Carrier::Oil => Quantity::OilKwh,
        Carrier::Coal => Quantity::CoalKwh,
        Carrier::Wood => Quantity::WoodKwh,
        Carrier::DistrictSteam => Quantity::DistrictSteamKwh,
    }
}
