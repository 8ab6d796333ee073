//! A PTAL-style public transport access index (Transport for London 2015, "Assessing transport
//! connectivity in London"):
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

use std::collections::HashMap;

use rstar::primitives::GeomWithData;
use rstar::RTree;

use crate::preset::Access;
use crate::preset::Mode;

/// One route at one stop: where, which mode, how often.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// Stop position in the local metric CRS, m.
    pub point: [f64; 2],
    /// Its transit mode (PTAL catchment and reliability allowance).
    pub mode: Mode,
    /// Route id; services of one route count once, at their nearest stop. `None`: the stop is
    /// its own route (no timetable known).
    pub route: Option<String>,
    /// Departures per hour in the busier direction.
    pub departures_per_hour: f64,
}

/// The access index at a point, with each mode's part.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AccessIndex {
    /// The access index: the best EDF plus half of the others, summed over modes.
    pub index: f64,
    /// Each mode's part of the index, in `Mode::ALL` order (0 where no service of the mode is
    /// within reach).
    pub by_mode: [f64; 4],
}

impl AccessIndex {
    /// The PTAL band of the index (worked out from it, not stored: a million buildings hold
    /// one index each).
    pub fn band(&self) -> &'static str {
        band(self.index)
    }

    /// The part of the index one mode gives.
    pub fn of_mode(&self, mode: Mode) -> f64 {
        self.by_mode[mode as usize]
    }
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

/// One service as the inner loop needs it: flat, with what depends only on the service worked
/// out once.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    x: f64,
    y: f64,
    /// The mode's catchment, m.
    catchment_m: f64,
    /// Average waiting time, min.
    awt_min: f64,
    mode: Mode,
    /// `Some(slot)` for a routed service (slot = mode × routes + route), `None` for a service
    /// that is a route of its own.
    slot: Option<u32>,
}

/// Candidate services as columns, in the order the index adds them up, for the evaluation's
/// vectorised first pass.
///
/// The index of a mode is a sum, and a sum of floating-point numbers depends on their order:
/// each mode adds its services that are routes of their own in the order the candidates came
/// (R-tree order), then its routes (each at its best stop) in route order. The columns hold
/// the candidates sorted into exactly that order (a stable sort by mode, then own services
/// first, then routes by route id), so the evaluation adds each mode's part in one pass over a
/// contiguous run, with no per-route table and no sorting per point.
#[derive(Default)]
struct Cands {
    x: Vec<f64>,
    y: Vec<f64>,
    catchment_m: Vec<f64>,
    awt_min: Vec<f64>,
    /// Candidates `mode_start[m]..mode_start[m + 1]` are those of mode `m` (`Mode::ALL`
    /// order).
    mode_start: [usize; 5],
    /// The lengths of the runs that count as one (a route's stops: only the best counts), in
    /// order, when some route has more than one stop here; `None` when every candidate is a
    /// run of its own (each route has one stop within reach, the common case).
    runs: Option<Vec<u32>>,
}

impl Cands {
    fn from(cands: impl Iterator<Item = Candidate>) -> Cands {
        // (mode, 0 for a route of its own, else 1 + route slot); the sort is stable, so own
        // services stay in their order and a route's stops too.
        let mut sorted: Vec<(u64, Candidate)> = cands
            .map(|k| {
                let kind = k.slot.map_or(0, |slot| 1 + u64::from(slot));
                (((k.mode as u64) << 40) | kind, k)
            })
            .collect();
        sorted.sort_by_key(|(key, _)| *key);
        let mut c = Cands::default();
        let mut run_lengths = Vec::new();
        let mut shared = false;
        let mut previous: Option<u64> = None;
        for (key, k) in &sorted {
            c.x.push(k.x);
            c.y.push(k.y);
            c.catchment_m.push(k.catchment_m);
            c.awt_min.push(k.awt_min);
            c.mode_start[k.mode as usize + 1] += 1;
            // A routed candidate of the same slot as the one before joins its run.
            let routed = (key & ((1 << 40) - 1)) != 0;
            if routed && previous == Some(*key) {
                if let Some(last) = run_lengths.last_mut() {
                    *last += 1;
                }
                shared = true;
            } else {
                run_lengths.push(1u32);
            }
            previous = Some(*key);
        }
        for m in 0..4 {
            c.mode_start[m + 1] += c.mode_start[m];
        }
        c.runs = shared.then_some(run_lengths);
        c
    }
}

impl std::fmt::Debug for AccessModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessModel")
            .field("services", &self.candidates.len())
            .field("reach_m", &self.reach_m)
            .finish_non_exhaustive()
    }
}

/// Services in an R-tree, ready to answer access questions.
pub struct AccessModel {
    tree: RTree<GeomWithData<[f64; 2], usize>>,
    /// Per service, in the order given; `None` for a service that never counts (no departures).
    candidates: Vec<Option<Candidate>>,
    /// Per service, its position in the R-tree's own traversal order. Every R-tree query walks
    /// the tree depth-first in one fixed child order, so any query returns services in this
    /// order: candidates taken in it give the same bits however they were found.
    rank: Vec<u32>,
    route_ids: HashMap<String, u32>,
    params: Access,
    reach_m: f64,
}

/// Side of the square buckets points are grouped in for [`AccessModel::at_many`], m: one R-tree
/// query per bucket, not per point.
const BUCKET_M: f64 = 100.0;

/// Per-thread scratch of the evaluation: each candidate's EDF at the point (-1 beyond its
/// catchment).
#[derive(Default)]
struct Scratch {
    edf: Vec<f64>,
}

impl AccessModel {
    /// An access model of `services` with the PTAL parameters `params`.
    pub fn new(services: Vec<Service>, params: &Access) -> AccessModel {
        let items = services
            .iter()
            .enumerate()
            .map(|(i, s)| GeomWithData::new(s.point, i))
            .collect();
        // Routes numbered in the order of their names, and services ranked by where they are
        // and what they are: orders of the services themselves, so a subset of them (a tile's
        // stops) adds a point's candidates in the same order as the whole set does.
        let mut names: Vec<&String> = services.iter().filter_map(|s| s.route.as_ref()).collect();
        names.sort_unstable();
        names.dedup();
        let route_ids: HashMap<String, u32> = names
            .iter()
            .enumerate()
            .map(|(i, n)| ((*n).clone(), i as u32))
            .collect();
        let keys: Vec<Option<u32>> = services
            .iter()
            .map(|s| s.route.as_ref().map(|r| route_ids[r]))
            .collect();
        let routes = route_ids.len() as u32;
        let candidates = services
            .iter()
            .zip(keys)
            .map(|(s, key)| Self::candidate(s, key, routes, params))
            .collect();
        let tree = RTree::bulk_load(items);
        let mut order: Vec<usize> = (0..services.len()).collect();
        order.sort_by(|&a, &b| {
            let (s, t) = (&services[a], &services[b]);
            s.point[0]
                .total_cmp(&t.point[0])
                .then(s.point[1].total_cmp(&t.point[1]))
                .then((s.mode as u8).cmp(&(t.mode as u8)))
                .then(s.route.cmp(&t.route))
                .then(s.departures_per_hour.total_cmp(&t.departures_per_hour))
        });
        let mut rank = vec![0; services.len()];
        for (pos, i) in order.into_iter().enumerate() {
            rank[i] = pos as u32;
        }
        AccessModel {
            tree,
            rank,
            reach_m: params.bus_catchment_m.max(params.rail_catchment_m),
            candidates,
            route_ids,
            params: params.clone(),
        }
    }

    fn candidate(s: &Service, key: Option<u32>, routes: u32, params: &Access) -> Option<Candidate> {
        if s.departures_per_hour <= 0.0 || s.departures_per_hour.is_nan() {
            return None;
        }
        Some(Candidate {
            x: s.point[0],
            y: s.point[1],
            catchment_m: params.catchment_m(s.mode),
            awt_min: 0.5 * 60.0 / s.departures_per_hour + params.reliability_min(s.mode),
            mode: s.mode,
            slot: key.map(|k| s.mode as u32 * routes + k),
        })
    }

    /// The access index at a point (local CRS, m).
    pub fn at(&self, p: [f64; 2]) -> AccessIndex {
        self.at_with(p, None)
    }

    /// The access index at a point if one more service existed (a proposed stop or route).
    pub fn at_with(&self, p: [f64; 2], extra: Option<&Service>) -> AccessIndex {
        let mut near: Vec<usize> = self
            .tree
            .locate_within_distance(p, self.reach_m * self.reach_m)
            .map(|item| item.data)
            .collect();
        near.sort_unstable_by_key(|i| self.rank[*i]);
        let mut cands: Vec<Candidate> = near.iter().filter_map(|i| self.candidates[*i]).collect();
        // A proposed service on a route the model knows joins that route; any other is a route
        // of its own.
        if let Some(s) = extra {
            let key = s
                .route
                .as_ref()
                .and_then(|r| self.route_ids.get(r))
                .copied();
            let routes = self.route_ids.len() as u32;
            cands.extend(Self::candidate(s, key, routes, &self.params));
        }
        self.evaluate(p, &Cands::from(cands.into_iter()), &mut Scratch::default())
    }

    /// The access index at many points, in their order: points are grouped in square buckets,
    /// each bucket asks the R-tree once for the services any of its points can reach, and the
    /// buckets are worked on every core. Gives exactly what [`AccessModel::at`] gives.
    pub fn at_many(&self, points: &[[f64; 2]]) -> Vec<AccessIndex> {
        use rayon::prelude::*;
        // Each point's bucket, worked out once; points sorted by bucket, then by index.
        let mut keyed: Vec<(i64, i64, u32)> = points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let k = |v: f64| (v / BUCKET_M).floor() as i64;
                (k(p[0]), k(p[1]), i as u32)
            })
            .collect();
        keyed.par_sort_unstable();
        let order: Vec<u32> = keyed.iter().map(|k| k.2).collect();
        let mut groups: Vec<&[u32]> = Vec::new();
        let mut start = 0;
        for run in keyed.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            groups.push(&order[start..start + run.len()]);
            start += run.len();
        }
        let done: Vec<Vec<(u32, AccessIndex)>> = groups
            .par_iter()
            .map_init(Scratch::default, |scratch, group| {
                let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
                for i in group.iter() {
                    let p = points[*i as usize];
                    for k in 0..2 {
                        lo[k] = lo[k].min(p[k]);
                        hi[k] = hi[k].max(p[k]);
                    }
                }
                let cands = self.candidates_near(lo, hi);
                group
                    .iter()
                    .map(|i| (*i, self.evaluate(points[*i as usize], &cands, scratch)))
                    .collect()
            })
            .collect();
        let mut out: Vec<Option<AccessIndex>> = vec![None; points.len()];
        for (i, a) in done.into_iter().flatten() {
            out[i as usize] = Some(a);
        }
        out.into_iter()
            .map(|a| a.expect("every point is in one bucket"))
            .collect()
    }

    /// The services within reach of any point of the box `lo`..`hi`, in R-tree order (the
    /// order [`AccessModel::at_with`] takes them in, so both give the same bits).
    fn candidates_near(&self, lo: [f64; 2], hi: [f64; 2]) -> Cands {
        let r = self.reach_m;
        let env = rstar::AABB::from_corners([lo[0] - r, lo[1] - r], [hi[0] + r, hi[1] + r]);
        let mut near: Vec<usize> = self
            .tree
            .locate_in_envelope(&env)
            .filter(|item| {
                // Within its own catchment (640 m for a bus, 960 m for rail) of the box: the
                // distance to the box, not to the envelope's corners. A service beyond it is
                // beyond its catchment from every point of the box and would count for none.
                let Some(c) = &self.candidates[item.data] else {
                    return false;
                };
                let q = item.geom();
                let dx = (lo[0] - q[0]).max(q[0] - hi[0]).max(0.0);
                let dy = (lo[1] - q[1]).max(q[1] - hi[1]).max(0.0);
                dx * dx + dy * dy <= c.catchment_m * c.catchment_m * (1.0 + 1e-9)
            })
            .map(|item| item.data)
            .collect();
        near.sort_unstable_by_key(|i| self.rank[*i]);
        Cands::from(near.iter().filter_map(|i| self.candidates[*i]))
    }

    /// The index at `p` from the candidate services, in the order [`Cands`] holds them. Per
    /// route only its nearest stop counts (its best EDF); per mode, services without a route
    /// count each in R-tree order, then the routes in route order.
    ///
    /// On an x86-64 processor with AVX2 the same code is compiled for it too and chosen at run
    /// time: its first pass then works out four EDFs per instruction instead of two. The
    /// square roots and divisions are IEEE-exact in both, and nothing is fused or reordered,
    /// so both give the same bits (tested).
    fn evaluate(&self, p: [f64; 2], cands: &Cands, scratch: &mut Scratch) -> AccessIndex {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, checked just above.
            return unsafe { self.evaluate_avx2(p, cands, scratch) };
        }
        self.evaluate_portable(p, cands, scratch)
    }

    /// [`AccessModel::evaluate`] compiled for AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn evaluate_avx2(
        &self,
        p: [f64; 2],
        cands: &Cands,
        scratch: &mut Scratch,
    ) -> AccessIndex {
        self.evaluate_portable(p, cands, scratch)
    }

    /// [`AccessModel::evaluate`] for any processor (inlined into the AVX2 version).
    #[inline(always)]
    fn evaluate_portable(&self, p: [f64; 2], cands: &Cands, scratch: &mut Scratch) -> AccessIndex {
        // First every candidate's EDF, branch-free so the compiler can use vector square roots
        // and divisions; a service beyond its catchment gets -1.
        let speed = self.params.walk_speed_m_min;
        // A plain indexed loop over slices of one length (no iterator adapters, which would
        // stay functions of their own outside the AVX2 version).
        let n = cands.x.len();
        scratch.edf.clear();
        scratch.edf.resize(n, 0.0);
        let (xs, ys) = (&cands.x[..n], &cands.y[..n]);
        let (catchments, awts) = (&cands.catchment_m[..n], &cands.awt_min[..n]);
        let edfs = &mut scratch.edf[..n];
        for i in 0..n {
            let (dx, dy) = (xs[i] - p[0], ys[i] - p[1]);
            let d = (dx * dx + dy * dy).sqrt();
            let edf = 30.0 / (d / speed + awts[i]);
            edfs[i] = if d > catchments[i] { -1.0 } else { edf };
        }
        // Then per mode, in the order of the sum: the best EDF, the sum of all that count, and
        // whether any does. An EDF is positive, so one beyond reach adds +0.0 instead, which
        // leaves a sum that started at +0.0 bit for bit unchanged: the same sum as skipping it.
        let mut by_mode = [0.0; 4];
        let mut seen = [false; 4];
        let mut runs = cands.runs.as_deref().map(|r| r.iter());
        for m in 0..4 {
            let part = &edfs[cands.mode_start[m]..cands.mode_start[m + 1]];
            let (mut best, mut sum, mut any) = (0.0_f64, 0.0_f64, false);
            let mut take = |edf: f64| {
                any |= edf >= 0.0;
                let v = if edf >= 0.0 { edf } else { 0.0 };
                // `max` without its NaN handling: no EDF is NaN.
                best = if v > best { v } else { best };
                sum += v;
            };
            match runs.as_mut() {
                None => part.iter().for_each(|e| take(*e)),
                Some(lengths) => {
                    // A route's stops: its best counts (-1 when none is within reach).
                    let mut rest = part;
                    while !rest.is_empty() {
                        let len = lengths.next().map_or(1, |l| *l as usize).min(rest.len());
                        let (run, tail) = rest.split_at(len);
                        take(run.iter().fold(-1.0_f64, |a, e| a.max(*e)));
                        rest = tail;
                    }
                }
            }
            // AI per mode: the best route fully, every other at half.
            if any {
                by_mode[m] = best + 0.5 * (sum - best);
                seen[m] = true;
            }
        }
        let index = (0..4).filter(|m| seen[*m]).map(|m| by_mode[m]).sum();
        AccessIndex { index, by_mode }
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
        assert!((a.of_mode(Mode::Bus) - bus).abs() < 1e-9, "{a:?}");
        assert!((a.of_mode(Mode::Tram) - tram).abs() < 1e-9);
        assert!((a.index - 8.1608).abs() < 1e-4);
        assert_eq!(a.band(), "2");
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

    /// 400 services (a quarter without a route, the rest on 30 routes of four modes, so
    /// most routes have several stops within reach of a point) and 2,000 points over 6 km,
    /// some far from everything; a small PCG-style generator.
    fn random_model_and_points() -> (AccessModel, Vec<[f64; 2]>) {
        let mut state = 0x853c_49e6_748f_ea9b_u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let services: Vec<Service> = (0..400)
            .map(|i| Service {
                point: [next() * 4000.0, next() * 4000.0],
                mode: Mode::ALL[i % 4],
                route: (i % 4 != 0).then(|| format!("r{}", i % 30)),
                departures_per_hour: 1.0 + next() * 20.0,
            })
            .collect();
        let m = AccessModel::new(services, &params());
        let points: Vec<[f64; 2]> = (0..2000)
            .map(|_| [next() * 6000.0 - 1000.0, next() * 6000.0 - 1000.0])
            .collect();
        (m, points)
    }

    #[test]
    fn many_points_at_once_give_the_same_bits_as_one_at_a_time() {
        let (m, points) = random_model_and_points();
        let many = m.at_many(&points);
        assert_eq!(many.len(), points.len());
        let mut reached = 0;
        for (p, a) in points.iter().zip(&many) {
            let one = m.at(*p);
            assert_eq!(a.index.to_bits(), one.index.to_bits(), "{p:?}");
            assert_eq!(a.by_mode.map(f64::to_bits), one.by_mode.map(f64::to_bits));
            assert_eq!(a.band(), one.band());
            reached += usize::from(a.index > 0.0);
        }
        // Both kinds of point occur: served and beyond every catchment.
        assert!(reached > 1000 && reached < 2000, "{reached}");
    }

    /// The method as written, one service at a time: every service in R-tree order, those
    /// without a route added as they come, each route's best stop kept in a map and the
    /// routes added after them in (mode, route) order.
    fn plain(m: &AccessModel, p: [f64; 2]) -> AccessIndex {
        let mut order: Vec<usize> = (0..m.candidates.len()).collect();
        order.sort_by_key(|i| m.rank[*i]);
        let (mut best, mut sum, mut seen) = ([0.0_f64; 4], [0.0_f64; 4], [false; 4]);
        let mut take = |mode: usize, edf: f64| {
            seen[mode] = true;
            best[mode] = best[mode].max(edf);
            sum[mode] += edf;
        };
        let mut routes: std::collections::BTreeMap<u32, (usize, f64)> = Default::default();
        for c in order.iter().filter_map(|i| m.candidates[*i]) {
            let (dx, dy) = (c.x - p[0], c.y - p[1]);
            let d = (dx * dx + dy * dy).sqrt();
            if d > c.catchment_m {
                continue;
            }
            let edf = 30.0 / (d / m.params.walk_speed_m_min + c.awt_min);
            match c.slot {
                None => take(c.mode as usize, edf),
                Some(slot) => {
                    let e = routes.entry(slot).or_insert((c.mode as usize, edf));
                    e.1 = e.1.max(edf);
                }
            }
        }
        for (mode, edf) in routes.into_values() {
            take(mode, edf);
        }
        let mut by_mode = [0.0; 4];
        for k in 0..4 {
            if seen[k] {
                by_mode[k] = best[k] + 0.5 * (sum[k] - best[k]);
            }
        }
        let index = (0..4).filter(|k| seen[*k]).map(|k| by_mode[k]).sum();
        AccessIndex { index, by_mode }
    }

    #[test]
    fn the_sorted_evaluation_gives_the_bits_of_the_plain_method() {
        let (m, points) = random_model_and_points();
        let mut shared_routes = 0;
        for (p, a) in points.iter().zip(m.at_many(&points)) {
            let want = plain(&m, *p);
            assert_eq!(a.index.to_bits(), want.index.to_bits(), "{p:?}");
            assert_eq!(a.by_mode.map(f64::to_bits), want.by_mode.map(f64::to_bits));
            let near = m.candidates_near(*p, *p);
            shared_routes += usize::from(near.runs.is_some());
        }
        // Most points see a route by more than one stop (its best counts).
        assert!(shared_routes > 1000, "{shared_routes}");
    }

    #[test]
    fn nothing_within_reach_is_band_zero() {
        let m = AccessModel::new(vec![svc(5000.0, 0.0, Mode::Rail, "R", 4.0)], &params());
        let a = m.at([0.0, 0.0]);
        assert_eq!((a.index, a.band()), (0.0, "0"));
    }
}
