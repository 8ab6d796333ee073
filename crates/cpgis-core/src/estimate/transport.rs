//! Transport of the trips a building generates (induced activity): its residents' trips, its
//! workers' commuting and its visitors' trips, each counted at this end by the preset's
//! `trip_end_share` (one half: the other half belongs to the trip's other end, so a trip within
//! the district counts once).
//!
//! residents' trips = residents × trips per day × days per year; workers' = jobs × commuting
//! trips per working day × working days; visitors' = Σ use share × floor area × the use's visitor
//! trips per m² per day × days per year. The car share of trips follows the preset's curve over
//! the building's access index (the district end of every trip); the other trips split into
//! walking, cycling (fixed shares of non-car trips) and transit. Transit splits over modes by
//! each mode's part of the access index (by the preset's bus share where no stop is within
//! reach). Passenger-km = trips × share × trip length (residents': the car or transit trip
//! length; workers': the commuting trip length; visitors': the visitor trip length). Emissions:
//! car pkm × (combustion factor, or electricity × grid factor for the electric part), bus pkm ×
//! bus factor, tram, metro and rail pkm × kWh/pkm × grid factor.

use super::{Measures, Quantities, Quantity, Sector, SectorModel, SectorResult};
use crate::preset::{Carrier, Factors, Mode};
use crate::profile::Profile;
use crate::site::Building;

/// The travel a building generates: trips, mode split from the access index, passenger-km,
/// emissions.
pub struct TransportModel;

/// Annual trips and passenger-km counted at one building.
#[derive(Debug, Clone, PartialEq)]
pub struct Travel {
    /// Residents' trips counted at the home end per year.
    pub trips: f64,
    /// Workers' commuting trips counted at the workplace end per year.
    pub worker_trips: f64,
    /// Visitors' trips counted at the building's end per year.
    pub visitor_trips: f64,
    /// Share of trips by car.
    pub car_share: f64,
    /// Share of trips by transit.
    pub transit_share: f64,
    /// Car passenger-km per year.
    pub car_pkm: f64,
    /// Passenger-km by transit mode, in `Mode::ALL` order.
    pub transit_pkm: [f64; 4],
}

/// Annual trips and passenger-km counted at one building under some measures.
pub fn travel(p: &Profile, m: &Measures, f: &Factors) -> Travel {
    let t = &f.travel;
    let trips = p.residents * t.trips_per_resident_day * t.days_per_year * t.trip_end_share;
    let worker_trips =
        p.jobs * t.commute_trips_per_job_day * t.work_days_per_year * t.trip_end_share;
    let visitors_per_day: f64 = p
        .uses
        .parts
        .iter()
        .map(|(u, share)| share * p.floor.gfa_m2 * f.archetype(*u).visitor_trips_m2_day)
        .sum();
    let visitor_trips = visitors_per_day * t.days_per_year * t.trip_end_share;
    let mut car_share = t.car_share(p.access.index);
    if let Some(cap) = m.car_share {
        car_share = car_share.min(cap);
    }
    let non_car = 1.0 - car_share;
    let transit_share = (non_car * (1.0 - t.walk_of_non_car - t.bike_of_non_car)).max(0.0);
    // Trip-km of the workers' and visitors' trips, by every mode alike.
    let other_km = worker_trips * t.commute_trip_km + visitor_trips * t.visitor_trip_km;
    let transit_pkm_total = (trips * t.transit_trip_km + other_km) * transit_share;
    let mut transit_pkm = [0.0; 4];
    for (i, mode) in Mode::ALL.iter().enumerate() {
        let part = if p.access.index > 0.0 {
            p.access.of_mode(*mode) / p.access.index
        } else if *mode == Mode::Bus {
            t.bus_of_transit
        } else if *mode == Mode::Rail {
            1.0 - t.bus_of_transit
        } else {
            0.0
        };
        transit_pkm[i] = transit_pkm_total * part;
    }
    Travel {
        trips,
        worker_trips,
        visitor_trips,
        car_share,
        transit_share,
        car_pkm: (trips * t.car_trip_km + other_km) * car_share,
        transit_pkm,
    }
}

/// The transport boundary in one sentence, for the summary and the report.
pub fn boundary(t: &crate::preset::Travel, district_jobs: f64) -> String {
    let end = if (t.trip_end_share - 0.5).abs() < 1e-12 {
        "half of each trip at the district's end and half at its other end (induced activity), so a trip within the district counts once".to_string()
    } else {
        format!(
            "{} of each trip at the district's end (the preset's trip_end_share)",
            t.trip_end_share
        )
    };
    format!(
        "transport counts the trips the district's buildings generate: residents' trips, the commuting of its {district_jobs:.0} jobs and visitors' trips, {end}; freight and through traffic are not counted"
    )
}

/// t CO2e per year of one building's residents' travel.
pub fn emissions_t(tr: &Travel, f: &Factors) -> f64 {
    let t = &f.travel;
    let grid = f.carrier(Carrier::Electricity);
    let car = tr.car_pkm
        * ((1.0 - t.electric_car_share) * t.car_kg_pkm
            + t.electric_car_share * t.electric_car_kwh_pkm * grid);
    let transit: f64 = Mode::ALL
        .iter()
        .zip(tr.transit_pkm)
        .map(|(mode, pkm)| {
            pkm * match mode {
                Mode::Bus => t.bus_kg_pkm,
                Mode::Tram => t.tram_kwh_pkm * grid,
                Mode::Metro => t.metro_kwh_pkm * grid,
                Mode::Rail => t.rail_kwh_pkm * grid,
            }
        })
        .sum();
    (car + transit) / 1000.0
}

/// The parts of the factors the transport model reads: trip rates, lengths and mode factors,
/// the archetypes' jobs and visitors, and the carriers electric modes run on.
pub const READS: u32 = crate::preset::parts::TRAVEL
    | crate::preset::parts::ARCHETYPES
    | crate::preset::parts::CARRIERS;

impl SectorModel for TransportModel {
    fn sector(&self) -> Sector {
        Sector::Transport
    }

    fn reads(&self) -> u32 {
        READS
    }

    fn co2e_t(&self, _b: &Building, p: &Profile, m: &Measures, f: &Factors) -> f64 {
        emissions_t(&travel(p, m, f), f)
    }

    fn estimate(&self, _b: &Building, p: &Profile, m: &Measures, f: &Factors) -> SectorResult {
        let tr = travel(p, m, f);
        let co2e_t = emissions_t(&tr, f);
        SectorResult {
            co2e_t,
            quantities: Quantities::new(&[
                (Quantity::Trips, tr.trips),
                (Quantity::WorkerTrips, tr.worker_trips),
                (Quantity::VisitorTrips, tr.visitor_trips),
                (Quantity::CarShare, tr.car_share),
                (Quantity::TransitShare, tr.transit_share),
                (Quantity::CarPkm, tr.car_pkm),
                (Quantity::BusPkm, tr.transit_pkm[0]),
                (Quantity::TramPkm, tr.transit_pkm[1]),
                (Quantity::MetroPkm, tr.transit_pkm[2]),
                (Quantity::RailPkm, tr.transit_pkm[3]),
            ]),
        }
    }
}
