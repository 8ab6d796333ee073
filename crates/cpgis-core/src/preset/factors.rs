//! The checked, typed factors every model reads. Built once from a resolved [`Preset`]: every
//! key the models need is present, in the expected unit, shares lie in 0..1 and the shares
//! that split a whole (heating mix, waste treatment) add up to one.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::Preset;
use crate::issues::ConfigIssues;
use crate::kinds::{Carrier, Era, HeatSource, Mode, Treatment, Use};
use crate::{Error, Result};

/// Intensities and sizes of one use type.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Archetype {
    /// Electricity, kWh per m² of gross floor area per year.
    pub electricity_kwh_m2: f64,
    /// Heat delivered (space heat and hot water), kWh per m² per year, stock average.
    pub heat_kwh_m2: f64,
    /// The part of `heat_kwh_m2` that is hot water (and cooking where the heat figure holds
    /// it), kWh delivered per m² per year: the era's multiplier leaves it alone.
    pub hot_water_kwh_m2: f64,
    /// Floor-to-floor height, m: turns a building height into floors.
    pub storey_height_m: f64,
    /// Floors when neither floors nor height is known.
    pub floors: f64,
    /// Gross floor area per job, m²; 0 means the use holds no jobs.
    pub floor_area_per_job_m2: f64,
    /// Visitors' trips to the use (customers, guests, pupils, patients), per m² of floor area
    /// per day; workers' commuting is counted from the jobs, not here.
    pub visitor_trips_m2_day: f64,
}

/// How heat demand is met in business as usual.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Heating {
    /// Share of heat demand met by each source (sums to 1).
    pub mix: Vec<(HeatSource, f64)>,
    /// Heat delivered per kWh of fuel in an on-site boiler.
    pub boiler_efficiency: f64,
    /// Seasonal coefficient of performance of a heat pump.
    pub heat_pump_cop: f64,
}

impl Heating {
    /// kWh of the source's carrier per kWh of heat delivered.
    pub fn input_per_heat(&self, source: HeatSource) -> f64 {
        match source {
            HeatSource::DistrictHeat | HeatSource::DistrictSteam | HeatSource::Electricity => 1.0,
            HeatSource::HeatPump => 1.0 / self.heat_pump_cop,
            HeatSource::NaturalGas | HeatSource::Oil | HeatSource::Coal | HeatSource::Wood => {
                1.0 / self.boiler_efficiency
            }
        }
    }
}

/// Residents' travel.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Travel {
    /// Trips per resident per day.
    pub trips_per_resident_day: f64,
    /// Days per year the daily trips are made.
    pub days_per_year: f64,
    /// Share of a trip counted at each of its two ends (induced activity: half at the origin,
    /// half at the destination, so a trip within the district counts once).
    pub trip_end_share: f64,
    /// Commuting trips per job per working day (to work and back).
    pub commute_trips_per_job_day: f64,
    /// Working days per year a job is commuted to.
    pub work_days_per_year: f64,
    /// Mean commuting trip length, km (every mode).
    pub commute_trip_km: f64,
    /// Mean visitor trip length, km (every mode).
    pub visitor_trip_km: f64,
    /// Walking and cycling as shares of the trips not made by car (the rest is transit).
    pub walk_of_non_car: f64,
    /// Share of the non-car trips made by bicycle.
    pub bike_of_non_car: f64,
    /// (access index, car share of trips) points; linear in between, flat beyond.
    pub car_share_curve: Vec<(f64, f64)>,
    /// Bus share of transit trips where a home has no stop within reach.
    pub bus_of_transit: f64,
    /// Mean walking trip length, km.
    pub walk_trip_km: f64,
    /// Mean cycling trip length, km.
    pub bike_trip_km: f64,
    /// Mean car trip length, km.
    pub car_trip_km: f64,
    /// Mean transit trip length, km.
    pub transit_trip_km: f64,
    /// Combustion car, kg CO2e per passenger-km.
    pub car_kg_pkm: f64,
    /// Share of car passenger-km driven electrically, and their electricity per passenger-km.
    pub electric_car_share: f64,
    /// Electricity of an electric car, kWh per passenger-km.
    pub electric_car_kwh_pkm: f64,
    /// Bus, kg CO2e per passenger-km.
    pub bus_kg_pkm: f64,
    /// Electric modes, kWh per passenger-km (times the grid factor).
    pub tram_kwh_pkm: f64,
    /// Electricity of a metro, kWh per passenger-km.
    pub metro_kwh_pkm: f64,
    /// Electricity of a train, kWh per passenger-km.
    pub rail_kwh_pkm: f64,
}

impl Travel {
    /// Car share of trips at an access index, read off the piecewise-linear curve.
    pub fn car_share(&self, index: f64) -> f64 {
        let c = &self.car_share_curve;
        let Some(first) = c.first() else { return 0.0 };
        if index <= first.0 {
            return first.1;
        }
        for w in c.windows(2) {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            if index <= x1 {
                return y0 + (y1 - y0) * (index - x0) / (x1 - x0);
            }
        }
        c[c.len() - 1].1
    }
}

/// The PTAL parameters (TfL method).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Access {
    /// Walking speed, m/min.
    pub walk_speed_m_min: f64,
    /// Walk catchments, m.
    pub bus_catchment_m: f64,
    /// Walk catchment of rail, metro and tram stops, m.
    pub rail_catchment_m: f64,
    /// Reliability allowance added to the scheduled wait, min.
    pub bus_reliability_min: f64,
    /// Reliability allowance of rail, metro and tram, min.
    pub rail_reliability_min: f64,
    /// Default departures per hour by mode, where no GTFS feed gives them.
    pub departures_per_hour: BTreeMap<Mode, f64>,
}

impl Access {
    /// The walk catchment of a mode, m.
    pub fn catchment_m(&self, mode: Mode) -> f64 {
        if mode.is_rail_like() {
            self.rail_catchment_m
        } else {
            self.bus_catchment_m
        }
    }

    /// The reliability allowance of a mode, min.
    pub fn reliability_min(&self, mode: Mode) -> f64 {
        if mode.is_rail_like() {
            self.rail_reliability_min
        } else {
            self.bus_reliability_min
        }
    }
}

/// Municipal solid waste.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Waste {
    /// kg per resident per day.
    pub per_resident_kg_day: f64,
    /// kg per job per day.
    pub per_job_kg_day: f64,
    /// Share of tonnes by treatment (sums to 1).
    pub shares: BTreeMap<Treatment, f64>,
    /// kg CO2e per tonne by treatment.
    pub factors: BTreeMap<Treatment, f64>,
}

/// Rooftop photovoltaics.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Solar {
    /// Share of a roof usable for PV.
    pub usable_roof_share: f64,
    /// Peak power per m² of panel, kWp.
    pub kwp_per_m2: f64,
    /// kWh per kWp per year.
    pub yield_kwh_kwp: f64,
}

impl Solar {
    /// Annual yield, kWh, of PV covering `share` of the usable part of a roof of `roof_m2`.
    pub fn yield_kwh(&self, roof_m2: f64, share: f64) -> f64 {
        roof_m2 * self.usable_roof_share * share * self.kwp_per_m2 * self.yield_kwh_kwp
    }
}

/// Parameters of the offset interventions; costs in [`Factors::currency`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Offsets {
    /// Deep retrofit: share of heat demand saved, capital cost per m² floor area, lifetime (yr).
    pub retrofit_heat_saving: f64,
    /// Deep retrofit: capital cost per m² of floor area.
    pub retrofit_capex_m2: f64,
    /// Deep retrofit: lifetime, years.
    pub retrofit_lifetime_yr: f64,
    /// Heat pump: capital cost per kW of heat, full-load hours (sizing), lifetime.
    pub heat_pump_capex_kw: f64,
    /// Heat pump: full-load hours a year (sizing).
    pub heat_pump_full_load_hours: f64,
    /// Heat pump: lifetime, years.
    pub heat_pump_lifetime_yr: f64,
    /// Rooftop PV: share of the usable roof covered, capital cost per kWp, lifetime.
    pub pv_roof_share: f64,
    /// Rooftop PV: capital cost per kWp.
    pub pv_capex_kwp: f64,
    /// Rooftop PV: lifetime, years.
    pub pv_lifetime_yr: f64,
    /// Transit: cells at or below this access index with at least this many residents get a
    /// new bus service of this frequency, at this operating cost per year.
    pub transit_max_access_index: f64,
    /// Transit: minimum residents of a cell.
    pub transit_min_residents: f64,
    /// Transit: departures per hour of the new service.
    pub transit_departures_per_hour: f64,
    /// Transit: operating cost per year.
    pub transit_annual_cost: f64,
    /// Waste diversion: share recycled or composted reached, cost per tonne diverted.
    pub waste_target: f64,
    /// Waste diversion: cost per tonne moved.
    pub waste_cost_t: f64,
}

/// Everything the models read, checked.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Factors {
    /// kg CO2e per kWh delivered, by carrier.
    pub carriers: BTreeMap<Carrier, f64>,
    /// kWh per m³ of natural gas (converts metered m³).
    pub gas_kwh_per_m3: f64,
    /// Heating systems: shares, efficiencies, heat-pump COP.
    pub heating: Heating,
    /// Heat-intensity multiplier by era.
    pub eras: BTreeMap<Era, f64>,
    /// Gross residential floor area per resident, m².
    pub floor_area_per_resident_m2: f64,
    /// Share of the floor area of buildings of unknown use that houses residents (floor-area rule).
    pub unknown_use_housing_share: f64,
    /// Energy-use intensities and densities by use type.
    pub archetypes: BTreeMap<Use, Archetype>,
    /// Residents' travel.
    pub travel: Travel,
    /// PTAL access parameters.
    pub access: Access,
    /// Municipal solid waste.
    pub waste: Waste,
    /// Rooftop photovoltaics.
    pub solar: Solar,
    /// Offset interventions' parameters.
    pub offsets: Offsets,
    /// Currency of the costs.
    pub currency: String,
    /// Space heat × this: the site's heating degree days over the preset climate's, from the
    /// site file's `[climate]` or, by location, from the district's country
    /// ([`super::degree_days`]); 1 when neither tells.
    pub space_heat_scale: f64,
}

/// Parts of [`Factors`], as bit flags: which parts two sets of factors differ in
/// ([`Factors::differing`]) and which a model reads, so that a model reading none of the parts
/// that differ gives the same result under both without being run again.
pub mod parts {
    /// `carriers`: emission factors.
    pub const CARRIERS: u32 = 1;
    /// `heating`, `gas_kwh_per_m3`, `eras` and `space_heat_scale`.
    pub const HEATING: u32 = 1 << 1;
    /// `archetypes`.
    pub const ARCHETYPES: u32 = 1 << 2;
    /// `travel`.
    pub const TRAVEL: u32 = 1 << 3;
    /// `waste`.
    pub const WASTE: u32 = 1 << 4;
    /// `solar`.
    pub const SOLAR: u32 = 1 << 5;
    /// `offsets`.
    pub const OFFSETS: u32 = 1 << 6;
    /// Everything else (`access`, occupancy, `currency`): read by the profile stage and the
    /// texts, counted as read by every model.
    pub const OTHER: u32 = 1 << 7;
    /// Every part: what a model reads unless it says otherwise.
    pub const ALL: u32 = (1 << 8) - 1;
}

impl Factors {
    /// The [`parts`] in which `self` and `other` differ (values compared, not identity).
    pub fn differing(&self, other: &Factors) -> u32 {
        // Every field named, so that a field added to `Factors` must be given a part here.
        let Factors {
            carriers,
            gas_kwh_per_m3,
            heating,
            eras,
            floor_area_per_resident_m2,
            unknown_use_housing_share,
            archetypes,
            travel,
            access,
            waste,
            solar,
            offsets,
            currency,
            space_heat_scale,
        } = self;
        let o = other;
        [
            (*carriers == o.carriers, parts::CARRIERS),
            (
                *heating == o.heating
                    && *gas_kwh_per_m3 == o.gas_kwh_per_m3
                    && *eras == o.eras
                    && *space_heat_scale == o.space_heat_scale,
                parts::HEATING,
            ),
            (*archetypes == o.archetypes, parts::ARCHETYPES),
            (*travel == o.travel, parts::TRAVEL),
            (*waste == o.waste, parts::WASTE),
            (*solar == o.solar, parts::SOLAR),
            (*offsets == o.offsets, parts::OFFSETS),
            (
                *access == o.access
                    && *floor_area_per_resident_m2 == o.floor_area_per_resident_m2
                    && *unknown_use_housing_share == o.unknown_use_housing_share
                    && *currency == o.currency,
                parts::OTHER,
            ),
        ]
        .iter()
        .filter(|(same, _)| !same)
        .fold(0, |d, (_, part)| d | part)
    }

    /// kg CO2e per kWh of a carrier.
    pub fn carrier(&self, c: Carrier) -> f64 {
        self.carriers.get(&c).copied().unwrap_or(0.0)
    }

    /// The archetype of a use (every use has one once built).
    pub fn archetype(&self, u: Use) -> &Archetype {
        &self.archetypes[&u]
    }

    /// The multiplier of space heat: the era's, times the site's climate scale.
    pub fn space_heat(&self, e: Era) -> f64 {
        self.era(e) * self.space_heat_scale
    }

    /// Heat multiplier of an era.
    pub fn era(&self, e: Era) -> f64 {
        self.eras.get(&e).copied().unwrap_or(1.0)
    }

    /// Checks a resolved preset and builds the typed factors; every problem is reported at once.
    pub fn from_preset(p: &Preset) -> Result<Factors> {
        let mut t = Take {
            p,
            issues: ConfigIssues::preset(PathBuf::from(&p.name)),
        };
        let carriers = Carrier::ALL
            .iter()
            .map(|c| (*c, t.get(&format!("carriers.{c}"), "kg CO2e/kWh")))
            .collect();
        let gas_kwh_per_m3 = t.get("conversions.natural_gas_kwh_per_m3", "kWh/m3");
        let mix: Vec<(HeatSource, f64)> = HeatSource::ALL
            .iter()
            .map(|s| (*s, t.share(&format!("heating.{s}"))))
            .collect();
        t.sums_to_one("heating", mix.iter().map(|m| m.1));
        let heating = Heating {
            mix,
            boiler_efficiency: t.positive("heating.boiler_efficiency", "share"),
            heat_pump_cop: t.positive("heating.heat_pump_cop", "ratio"),
        };
        let eras = Era::ALL
            .iter()
            .map(|e| (*e, t.get(&format!("eras.{e}"), "ratio")))
            .collect();
        let floor_area_per_resident_m2 =
            t.positive("occupancy.floor_area_per_resident", "m2/person");
        let unknown_use_housing_share = t.share("occupancy.unknown_use_housing_share");
        let archetypes = Use::ALL
            .iter()
            .map(|u| {
                let k = |f: &str| format!("archetypes.{u}.{f}");
                let a = Archetype {
                    electricity_kwh_m2: t.get(&k("electricity"), "kWh/m2/yr"),
                    heat_kwh_m2: t.heat(&k("heat"), heating.boiler_efficiency),
                    hot_water_kwh_m2: t.get(&k("hot_water"), "kWh/m2/yr"),
                    storey_height_m: t.positive(&k("storey_height"), "m"),
                    floors: t.positive(&k("floors"), "floors"),
                    floor_area_per_job_m2: t.get(&k("floor_area_per_job"), "m2/job"),
                    visitor_trips_m2_day: t.get(&k("visitor_trips"), "trips/m2/day"),
                };
                (*u, a)
            })
            .collect();
        let tr = |f: &str| format!("travel.{f}");
        let car_share_curve = [0.0, 10.0, 25.0, 40.0]
            .iter()
            .map(|x| (*x, t.share(&tr(&format!("car_share_at_index_{x}")))))
            .collect::<Vec<_>>();
        let travel = Travel {
            trips_per_resident_day: t.get(&tr("trips_per_resident_day"), "trips/person/day"),
            days_per_year: t.get(&tr("days_per_year"), "days/yr"),
            trip_end_share: t.share(&tr("trip_end_share")),
            commute_trips_per_job_day: t.get(&tr("commute_trips_per_job_day"), "trips/job/day"),
            work_days_per_year: t.get(&tr("work_days_per_year"), "days/yr"),
            commute_trip_km: t.get(&tr("commute_trip_km"), "km"),
            visitor_trip_km: t.get(&tr("visitor_trip_km"), "km"),
            walk_of_non_car: t.share(&tr("walk_of_non_car")),
            bike_of_non_car: t.share(&tr("bike_of_non_car")),
            car_share_curve,
            bus_of_transit: t.share(&tr("bus_of_transit")),
            walk_trip_km: t.get(&tr("walk_trip_km"), "km"),
            bike_trip_km: t.get(&tr("bike_trip_km"), "km"),
            car_trip_km: t.get(&tr("car_trip_km"), "km"),
            transit_trip_km: t.get(&tr("transit_trip_km"), "km"),
            car_kg_pkm: t.get(&tr("car"), "kg CO2e/pkm"),
            electric_car_share: t.share(&tr("electric_car_share")),
            electric_car_kwh_pkm: t.get(&tr("electric_car_kwh_per_pkm"), "kWh/pkm"),
            bus_kg_pkm: t.get(&tr("bus"), "kg CO2e/pkm"),
            tram_kwh_pkm: t.get(&tr("tram_kwh_per_pkm"), "kWh/pkm"),
            metro_kwh_pkm: t.get(&tr("metro_kwh_per_pkm"), "kWh/pkm"),
            rail_kwh_pkm: t.get(&tr("rail_kwh_per_pkm"), "kWh/pkm"),
        };
        if travel.walk_of_non_car + travel.bike_of_non_car > 1.0 + 1e-9 {
            t.issues.push(
                "travel.walk_of_non_car",
                "walk and bike shares of the non-car trips add up to more than 1",
                None,
            );
        }
        let access = Access {
            walk_speed_m_min: t.positive("access.walk_speed", "m/min"),
            bus_catchment_m: t.positive("access.bus_catchment", "m"),
            rail_catchment_m: t.positive("access.rail_catchment", "m"),
            bus_reliability_min: t.get("access.bus_reliability", "min"),
            rail_reliability_min: t.get("access.rail_reliability", "min"),
            departures_per_hour: Mode::ALL
                .iter()
                .map(|m| {
                    (
                        *m,
                        t.positive(&format!("access.{m}_departures_per_hour"), "1/h"),
                    )
                })
                .collect(),
        };
        let shares: BTreeMap<Treatment, f64> = Treatment::ALL
            .iter()
            .map(|k| (*k, t.share(&format!("waste.{k}_share"))))
            .collect();
        t.sums_to_one("waste.*_share", shares.values().copied());
        let waste = Waste {
            per_resident_kg_day: t.get("waste.per_resident", "kg/person/day"),
            per_job_kg_day: t.get("waste.per_job", "kg/job/day"),
            shares,
            factors: Treatment::ALL
                .iter()
                .map(|k| (*k, t.get(&format!("waste.{k}"), "kg CO2e/t")))
                .collect(),
        };
        let solar = Solar {
            usable_roof_share: t.share("solar.usable_roof_share"),
            kwp_per_m2: t.get("solar.kwp_per_m2", "kWp/m2"),
            yield_kwh_kwp: t.get("solar.yield", "kWh/kWp/yr"),
        };
        let o = |k: &str| format!("offsets.{k}");
        let offsets = Offsets {
            retrofit_heat_saving: t.share(&o("deep_retrofit.heat_saving")),
            retrofit_capex_m2: t.get(&o("deep_retrofit.capex"), "currency/m2"),
            retrofit_lifetime_yr: t.positive(&o("deep_retrofit.lifetime"), "yr"),
            heat_pump_capex_kw: t.get(&o("heat_pump.capex"), "currency/kW"),
            heat_pump_full_load_hours: t.positive(&o("heat_pump.full_load_hours"), "h/yr"),
            heat_pump_lifetime_yr: t.positive(&o("heat_pump.lifetime"), "yr"),
            pv_roof_share: t.share(&o("rooftop_pv.roof_share")),
            pv_capex_kwp: t.get(&o("rooftop_pv.capex"), "currency/kWp"),
            pv_lifetime_yr: t.positive(&o("rooftop_pv.lifetime"), "yr"),
            transit_max_access_index: t.get(&o("transit.max_access_index"), "index"),
            transit_min_residents: t.get(&o("transit.min_residents"), "persons"),
            transit_departures_per_hour: t.positive(&o("transit.departures_per_hour"), "1/h"),
            transit_annual_cost: t.get(&o("transit.annual_cost"), "currency/yr"),
            waste_target: t.share(&o("waste_diversion.target")),
            waste_cost_t: t.get(&o("waste_diversion.cost"), "currency/t"),
        };
        // The district's climate over the one the heat intensities describe, when the preset
        // holds both (the district's put in by location, or a user's preset): space heat's
        // scale. A site file's [climate] replaces it (`run::factors_of`).
        let space_heat_scale = {
            use super::degree_days::{REFERENCE_KEY, SITE_KEY, UNIT};
            let reference = p
                .get(REFERENCE_KEY)
                .map(|_| t.positive(REFERENCE_KEY, UNIT));
            let site = p.get(SITE_KEY).map(|_| t.get(SITE_KEY, UNIT));
            match (site, reference) {
                (Some(s), Some(r)) if r > 0.0 => s / r,
                (Some(_), None) => {
                    t.issues.push(
                        SITE_KEY,
                        "is given, but not the climate the heat intensities describe, which it is divided by",
                        Some(&format!("add {REFERENCE_KEY} = {{ value = …, unit = \"{UNIT}\", source = \"…\" }}, in the same degree-day definition")),
                    );
                    1.0
                }
                _ => 1.0,
            }
        };
        if p.currency.trim().is_empty() {
            t.issues.push(
                "preset.currency",
                "is missing",
                Some("e.g. currency = \"EUR\""),
            );
        }
        if !t.issues.is_empty() {
            return Err(Error::Config(t.blamed()));
        }
        Ok(Factors {
            carriers,
            gas_kwh_per_m3,
            heating,
            eras,
            floor_area_per_resident_m2,
            unknown_use_housing_share,
            archetypes,
            travel,
            access,
            waste,
            solar,
            offsets,
            currency: p.currency.clone(),
            space_heat_scale,
        })
    }
}

/// Reads values out of a preset, recording every missing key or wrong unit.
struct Take<'a> {
    p: &'a Preset,
    issues: ConfigIssues,
}

impl Take<'_> {
    /// The problems, blamed where they were made: a value the site file's `[factors]` set is
    /// the site file's problem (at `factors.KEY`), not the preset's.
    fn blamed(self) -> ConfigIssues {
        let from_site = |key: &str| self.p.get(key).is_some_and(|f| f.from == "site file");
        if !self.issues.issues.iter().any(|i| from_site(&i.key)) {
            return self.issues;
        }
        let mut site = ConfigIssues::new(self.p.site_file.clone());
        for i in &self.issues.issues {
            if from_site(&i.key) {
                site.push(&format!("factors.{}", i.key), &i.problem, i.hint.as_deref());
            }
        }
        site
    }

    fn get(&mut self, key: &str, unit: &str) -> f64 {
        match self.p.get(key) {
            None => {
                self.issues.push(
                    key,
                    "is missing",
                    Some(&format!(
                        "add {{ value = …, unit = \"{unit}\", source = \"…\" }}"
                    )),
                );
                0.0
            }
            Some(f) if f.unit != unit => match super::units::convert(f.value, &f.unit, unit) {
                // An emission factor in a publication's unit (lb CO2e/MWh, kg CO2e/MMBtu, …).
                Some(v) => v,
                None => {
                    self.issues.push(
                        key,
                        &format!("has unit `{}`, expected `{unit}`", f.unit),
                        None,
                    );
                    0.0
                }
            },
            Some(f) => f.value,
        }
    }

    /// A heat intensity as delivered heat: given as the heating fuel's site energy
    /// (`kWh fuel/m2/yr`), it is that times the boiler efficiency (the model divides by the
    /// efficiency again where the heat comes from a boiler).
    fn heat(&mut self, key: &str, boiler_efficiency: f64) -> f64 {
        match self.p.get(key) {
            Some(f) if f.unit == super::units::HEAT_FUEL => f.value * boiler_efficiency,
            _ => self.get(key, super::units::HEAT_DELIVERED),
        }
    }

    fn positive(&mut self, key: &str, unit: &str) -> f64 {
        let v = self.get(key, unit);
        let read = self.p.get(key).is_some_and(|f| {
            f.unit == unit || super::units::convert(f.value, &f.unit, unit).is_some()
        });
        if v <= 0.0 && read {
            self.issues
                .push(key, &format!("must be more than zero, found {v}"), None);
        }
        v
    }

    fn share(&mut self, key: &str) -> f64 {
        let v = self.get(key, "share");
        if v > 1.0 {
            self.issues.push(
                key,
                &format!("is a share and must lie between 0 and 1, found {v}"),
                None,
            );
        }
        v
    }

    fn sums_to_one(&mut self, what: &str, values: impl Iterator<Item = f64>) {
        let sum: f64 = values.sum();
        if (sum - 1.0).abs() > 1e-6 {
            self.issues.push(
                what,
                &format!("shares add up to {sum:.4}, not 1"),
                Some("the shares split a whole; make them add up to 1"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn factors(name: &str) -> Factors {
        let p = super::super::resolve(
            name,
            std::path::Path::new("."),
            &[],
            std::path::Path::new("s.toml"),
            &crate::files::NoFiles,
        )
        .unwrap();
        Factors::from_preset(&p).unwrap()
    }

    /// Issue "Local factors…": CBECS gives the gas an office burns, not the heat it gets; the
    /// model divided it by the boiler efficiency again (about 11 % too much fuel).
    #[test]
    fn heat_given_as_fuel_is_made_delivered_heat_once() {
        let f = factors("usa");
        // 85 kWh fuel/m2 (CBECS 2012 C32) × 0.90 boiler efficiency = 76.5 kWh/m2 delivered.
        let office = f.archetype(crate::kinds::Use::Office);
        assert!(
            (office.heat_kwh_m2 - 76.5).abs() < 1e-9,
            "{}",
            office.heat_kwh_m2
        );
        // The gas a gas-boiler office buys is then the surveyed 85 kWh/m2, not 94.4.
        assert!((office.heat_kwh_m2 / f.heating.boiler_efficiency - 85.0).abs() < 1e-9);
        // Delivered heat stays as given: helsinki's housing, 110 kWh/m2 of space heat and hot
        // water; europe's, the Swiss stock's 115.0 kWh of fuel, is 115.0 × 0.90 delivered.
        let h = factors("helsinki");
        assert_eq!(
            h.archetype(crate::kinds::Use::Residential).heat_kwh_m2,
            110.0
        );
        let e = factors("europe");
        let housing = e.archetype(crate::kinds::Use::Residential).heat_kwh_m2;
        assert!((housing - 115.0 * 0.90).abs() < 1e-9, "{housing}");
    }

    #[test]
    fn car_share_is_linear_between_curve_points_and_flat_beyond() {
        let f = factors("china-north");
        // Curve points 0 → 0.45, 10 → 0.30 (china-north.toml): halfway is 0.375.
        assert!((f.travel.car_share(5.0) - 0.375).abs() < 1e-12);
        assert_eq!(f.travel.car_share(-1.0), 0.45);
        assert_eq!(f.travel.car_share(100.0), 0.15);
    }

    #[test]
    fn heating_shares_that_do_not_add_up_are_refused() {
        let o = crate::config::FactorOverride {
            key: "heating.district_heat".into(),
            value: 0.5,
            unit: None,
            source: None,
        };
        let p = super::super::resolve(
            "china-north",
            std::path::Path::new("."),
            &[o],
            std::path::Path::new("s.toml"),
            &crate::files::NoFiles,
        )
        .unwrap();
        let e = Factors::from_preset(&p).unwrap_err().to_string();
        assert!(e.contains("heating: shares add up to 0.6500, not 1"), "{e}");
    }
}
