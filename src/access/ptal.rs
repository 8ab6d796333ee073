//! A PTAL-style public transport access index (Transport for London's method, as summarised in
//! DESIGN.md and FACTORS.md §7):
//!
//! - walk time to each service within its catchment (640 m bus, 960 m rail, metro, tram) at
//!   the walking speed (80 m/min);
//! - scheduled wait SWT = 0.5 × 60 / departures per hour, plus a reliability allowance (2 min
//!   bus, 0.75 min rail) = average waiting time AWT;
//! - total access time TAT = walk + AWT; equivalent doorstep frequency EDF = 30 / TAT;
//! - for each route only its nearest stop counts (its best EDF);
//! - per mode, the best route counts fully and every other at half: AI_mode = EDF_max + 0.5 ×
//!   Σ other EDFs; the access index AI = Σ over modes;
//! - bands: 0 (AI = 0), 1a ≤ 2.5, 1b ≤ 5, 2 ≤ 10, 3 ≤ 15, 4 ≤ 20, 5 ≤ 25, 6a ≤ 40, 6b above.
//!
//! Stop lookups go through an `rstar` R-tree.

use std::collections::{BTreeMap, HashMap};

use rstar::primitives::GeomWithData;
use rstar::RTree;

use crate::preset::Access;
use crate::preset::Mode;

/// One route at one stop: where, which mode, how often.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// Stop position in the local metric CRS, m.
    pub point: [f64; 2],
    pub mode: Mode,
    /// Route id; services of one route count once, at their nearest stop. `None`: the stop is
    /// its own route (no timetable known).
    pub route: Option<String>,
    /// Departures per hour in the busier direction.
    pub departures_per_hour: f64,
}

/// The access index at a point, with each mode's part.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AccessIndex {
    pub index: f64,
    pub band: &'static str,
    pub by_mode: BTreeMap<Mode, f64>,
}

/// PTAL band of an access index.
pub fn band(index: f64) -> &'static str {
    const BANDS: &[(f64, &str)] = &[
        (2.5, "1a"),
        (5.0, "1b"),
        (10.0, "2"),
        (15.0, "3"),
        (20.0, "4"),
        (25.0, "5"),
        (40.0, "6a"),
    ];
    if index <= 0.0 {
        return "0";
    }
    BANDS
        .iter()
        .find(|(hi, _)| index <= *hi)
        .map(|b| b.1)
        .unwrap_or("6b")
}

/// Services in an R-tree, ready to answer access questions.
pub struct AccessModel {
    tree: RTree<GeomWithData<[f64; 2], usize>>,
    services: Vec<Service>,
    /// Per service, its route as a number: routes with the same id share one; a stop without a
    /// route id is a route of its own.
    route_keys: Vec<u64>,
    route_ids: HashMap<String, u64>,
    params: Access,
    reach_m: f64,
}

/// Route keys of stops without a route id start here (above any interned route).
const OWN_ROUTE: u64 = 1 << 40;

impl AccessModel {
    pub fn new(services: Vec<Service>, params: &Access) -> AccessModel {
        let items = services
            .iter()
            .enumerate()
            .map(|(i, s)| GeomWithData::new(s.point, i))
            .collect();
        let mut route_ids: HashMap<String, u64> = HashMap::new();
        let route_keys = services
            .iter()
            .enumerate()
            .map(|(i, s)| match &s.route {
                Some(r) => {
                    let next = route_ids.len() as u64;
                    *route_ids.entry(r.clone()).or_insert(next)
                }
                None => OWN_ROUTE + i as u64,
            })
            .collect();
        AccessModel {
            tree: RTree::bulk_load(items),
            reach_m: params.bus_catchment_m.max(params.rail_catchment_m),
            services,
            route_keys,
            route_ids,
            params: params.clone(),
        }
    }

    /// The access index at a point (local CRS, m).
    pub fn at(&self, p: [f64; 2]) -> AccessIndex {
        self.at_with(p, None)
    }

    /// The access index at a point if one more service existed (a proposed stop or route).
    pub fn at_with(&self, p: [f64; 2], extra: Option<&Service>) -> AccessIndex {
        // Best EDF per (mode, route): its nearest stop. Stops without a route id are routes of
        // their own (no grouping needed); routed services keep their best per route.
        let mut routed: HashMap<(Mode, u64), f64> = HashMap::new();
        // Per mode (in `Mode::ALL` order): the best EDF and the sum of all of them.
        let mut best = [0.0_f64; 4];
        let mut sum = [0.0_f64; 4];
        let mut seen = [false; 4];
        let mut take = |mode: Mode, edf: f64| {
            let m = mode as usize;
            seen[m] = true;
            best[m] = best[m].max(edf);
            sum[m] += edf;
        };
        let near = self
            .tree
            .locate_within_distance(p, self.reach_m * self.reach_m)
            .map(|item| (&self.services[item.data], self.route_keys[item.data]));
        let extra = extra.map(|s| {
            let key = match &s.route {
                Some(r) => self.route_ids.get(r).copied().unwrap_or(u64::MAX - 1),
                None => u64::MAX,
            };
            (s, key)
        });
        for (s, key) in near.chain(extra) {
            let d = ((s.point[0] - p[0]).powi(2) + (s.point[1] - p[1]).powi(2)).sqrt();
            if d > self.params.catchment_m(s.mode) || s.departures_per_hour <= 0.0 {
                continue;
            }
            let walk = d / self.params.walk_speed_m_min;
            let awt = 0.5 * 60.0 / s.departures_per_hour + self.params.reliability_min(s.mode);
            let edf = 30.0 / (walk + awt);
            if key >= OWN_ROUTE {
                take(s.mode, edf);
            } else {
                let e = routed.entry((s.mode, key)).or_insert(0.0);
                *e = e.max(edf);
            }
        }
        let mut routed: Vec<((Mode, u64), f64)> = routed.into_iter().collect();
        routed.sort_unstable_by_key(|r| r.0);
        for ((mode, _), edf) in routed {
            take(mode, edf);
        }
        // AI per mode: the best route fully, every other at half.
        let by_mode: BTreeMap<Mode, f64> = Mode::ALL
            .iter()
            .filter(|m| seen[**m as usize])
            .map(|m| {
                let i = *m as usize;
                (*m, best[i] + 0.5 * (sum[i] - best[i]))
            })
            .collect();
        let index = by_mode.values().sum();
        AccessIndex {
            index,
            band: band(index),
            by_mode,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Access {
        Access {
            walk_speed_m_min: 80.0,
            bus_catchment_m: 640.0,
            rail_catchment_m: 960.0,
            bus_reliability_min: 2.0,
            rail_reliability_min: 0.75,
            departures_per_hour: Mode::ALL.iter().map(|m| (*m, 6.0)).collect(),
        }
    }

    fn svc(x: f64, y: f64, mode: Mode, route: &str, dph: f64) -> Service {
        Service {
            point: [x, y],
            mode,
            route: Some(route.into()),
            departures_per_hour: dph,
        }
    }

    #[test]
    fn bands_follow_the_tfl_thresholds() {
        assert_eq!(band(0.0), "0");
        assert_eq!(band(2.5), "1a");
        assert_eq!(band(2.51), "1b");
        assert_eq!(band(10.0), "2");
        assert_eq!(band(25.01), "6a");
        assert_eq!(band(40.01), "6b");
    }

    #[test]
    fn worked_example_with_two_bus_routes_and_a_tram() {
        // Worked by hand. Point at the origin.
        // Bus route 1: stops at 160 m (12/h) and 400 m (12/h); only the nearer counts.
        //   walk 160/80 = 2 min; SWT 0.5·60/12 = 2.5; AWT 2.5 + 2 = 4.5; TAT 6.5; EDF 30/6.5 = 4.6154.
        // Bus route 2: stop at 320 m, 6/h: walk 4, SWT 5, AWT 7, TAT 11, EDF 2.7273.
        // Bus route 3: stop at 700 m, beyond the 640 m bus catchment: ignored.
        //   AI_bus = 4.6154 + 0.5 · 2.7273 = 5.9790.
        // Tram route T: stop at 800 m (within 960 m), 10/h: walk 10, SWT 3, AWT 3.75,
        //   TAT 13.75, EDF 2.1818 = AI_tram.
        // AI = 8.1608, band 2.
        let services = vec![
            svc(160.0, 0.0, Mode::Bus, "1", 12.0),
            svc(0.0, 400.0, Mode::Bus, "1", 12.0),
            svc(-320.0, 0.0, Mode::Bus, "2", 6.0),
            svc(0.0, -700.0, Mode::Bus, "3", 30.0),
            svc(480.0, 640.0, Mode::Tram, "T", 10.0),
        ];
        let m = AccessModel::new(services, &params());
        let a = m.at([0.0, 0.0]);
        let bus = 30.0 / 6.5 + 0.5 * 30.0 / 11.0;
        let tram = 30.0 / 13.75;
        assert!((a.by_mode[&Mode::Bus] - bus).abs() < 1e-9, "{a:?}");
        assert!((a.by_mode[&Mode::Tram] - tram).abs() < 1e-9);
        assert!((a.index - 8.1608).abs() < 1e-4);
        assert_eq!(a.band, "2");
    }

    #[test]
    fn a_proposed_service_adds_to_the_index() {
        // One bus route at 160 m, 12/h: EDF 4.6154. A new bus route at 80 m, 8/h: walk 1,
        // SWT 3.75, AWT 5.75, TAT 6.75, EDF 4.4444; best stays the old one:
        // AI = 4.6154 + 0.5 × 4.4444 = 6.8376.
        let m = AccessModel::new(vec![svc(160.0, 0.0, Mode::Bus, "1", 12.0)], &params());
        let new = svc(0.0, 80.0, Mode::Bus, "new", 8.0);
        let a = m.at_with([0.0, 0.0], Some(&new));
        assert!((a.index - (30.0 / 6.5 + 0.5 * 30.0 / 6.75)).abs() < 1e-9);
        assert!((m.at([0.0, 0.0]).index - 30.0 / 6.5).abs() < 1e-9);
    }

    #[test]
    fn nothing_within_reach_is_band_zero() {
        let m = AccessModel::new(vec![svc(5000.0, 0.0, Mode::Rail, "R", 4.0)], &params());
        let a = m.at([0.0, 0.0]);
        assert_eq!((a.index, a.band), (0.0, "0"));
    }
}
