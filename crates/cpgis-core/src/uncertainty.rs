//! Uncertainty: a range on the on-site emissions, the credits and the net balance, and the
//! probability that the district is Climate Positive.
//!
//! Each drawn preset value gets a range: the site file's (`[uncertainty.ranges]`), else one
//! by how its source was read ([`default_range`]). Once the activity is known (kWh, passenger-km,
//! tonnes) every emission is linear in the emission factors, and in the intensities and rates
//! the activity scales with, while the offsets selected and the measures stay as they are. So
//! the net's change per unit of each factor is measured once, by evaluating the district's
//! on-site emissions and the selected cells' credits with that factor nudged (as the
//! break-even factor is found), and the draws combine those slopes: a thousand draws cost a few
//! multiplications each, not a thousand runs. The same draw of a factor is used wherever it
//! enters (the grid factor moves the baseline, the proposed design and every offset together).
//! Draws are seeded (SplitMix64): the same seed gives the same bytes. A value the activity
//! divides by (a boiler's efficiency, a heat pump's COP) is handled through its reciprocal, in
//! which the emissions are linear.

use crate::community::Membership;
use crate::config::{RangeShape, UncertaintySpec};
use crate::estimate::Estimates;
use crate::kinds::{Intervention, Use};
use crate::offsets::{credits_by_cell_under, OffsetContext, OffsetPlan};
use crate::preset::{Factors, Preset};
use crate::profile::Profile;

/// The values drawn unless the site file names others: every emission factor, the rates the
/// largest activities scale with, and, after the heating values, the electricity and heat
/// intensities of every use holding floor area in the district or the community
/// ([`drawn_uses`]). Values only the profile stage reads (floor area per resident or per job,
/// the access parameters) are not among them: the draws hold the profiles, so such a value
/// would move nothing (named in [`Uncertainty::unmoved`] when a site file draws one).
pub const DEFAULT_FACTORS: &[&str] = &[
    "carriers.electricity",
    "carriers.district_heat",
    "carriers.district_steam",
    "carriers.natural_gas",
    "carriers.oil",
    "carriers.coal",
    "carriers.wood",
    "heating.boiler_efficiency",
    "heating.heat_pump_cop",
    "travel.trips_per_resident_day",
    "travel.car_trip_km",
    "travel.commute_trip_km",
    "travel.car",
    "travel.bus",
    "waste.per_resident",
    "waste.landfill",
    "waste.incineration",
    "solar.yield",
];

/// Values the activity divides by (fuel = heat / efficiency, electricity = heat / COP): the
/// emissions are linear in their reciprocal, so the slope is taken, and the draw applied, there.
fn divides(key: &str) -> bool {
    matches!(
        key,
        "heating.heat_pump_cop"
            | "heating.boiler_efficiency"
            | crate::preset::degree_days::REFERENCE_KEY
    )
}

/// The variable the emissions are linear in: the value, or its reciprocal for [`divides`].
fn linear(key: &str, x: f64) -> f64 {
    if divides(key) {
        1.0 / x
    } else {
        x
    }
}

/// A value's range and the distribution drawn from it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Range {
    /// The preset key.
    pub key: String,
    /// Its value (the central estimate).
    pub value: f64,
    /// Lowest and highest values drawn.
    pub low: f64,
    /// Highest value drawn.
    pub high: f64,
    /// `triangular` (mode at the value) or `uniform`.
    pub distribution: &'static str,
    /// Where the range comes from.
    pub from: String,
}

/// The range a value gets when the site file gives none, by how its source was read: ±10 % for
/// a value read in its source ([V]), ±20 % for one derived from read values ([D]) or read
/// through a secondary summary, ±30 % for an assumption or a recalled value ([U]); triangular,
/// the value most likely.
pub fn default_range(source: &str) -> (f64, &'static str) {
    let s = source.to_lowercase();
    if s.contains("assumption") || s.contains("[u") {
        (0.30, "±30 %: an assumption or a value recalled, not read")
    } else if s.contains("[d") || s.contains("via") || s.contains("secondary") {
        (
            0.20,
            "±20 %: derived from read values, or read through a secondary source",
        )
    } else if s.contains("[v") {
        (0.10, "±10 %: read in the source named")
    } else {
        (0.30, "±30 %: the source gives no confidence tag")
    }
}

/// Three quantiles of a drawn quantity, t CO2e per year.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Spread {
    /// 5th percentile.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// An offset zone's credits over the draws.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ZoneSpread {
    /// The zone's rank.
    pub rank: usize,
    /// Its credits, t CO2e per year.
    pub credits_t: Spread,
}

/// A neighbourhood's proposed emissions over the draws (its district buildings under the
/// proposed measures, the rest as they are, as `neighbourhoods.geojson` sums them).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NeighbourhoodSpread {
    /// The neighbourhood's id.
    pub id: String,
    /// Its emissions, t CO2e per year.
    pub t: Spread,
}

/// One factor's part of the net balance's variance (first order: the factors are drawn
/// independently and the net is linear in them).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Contribution {
    /// The preset key.
    pub key: String,
    /// Its share of the net's variance (0..1).
    pub share: f64,
    /// The net's change, t CO2e per year, from the factor's low to its high value.
    pub swing_t: f64,
}

/// The sentence naming the values drawn that moved nothing, if any.
pub fn unmoved_sentence(u: &Uncertainty) -> Option<String> {
    // On a sampled map the buildings outside the district are judged by their sample only.
    let judged = if u.neighbourhoods_sampled.is_some() {
        "; judged on the district, the offsets and the neighbourhoods' sample"
    } else {
        ""
    };
    (!u.unmoved.is_empty()).then(|| {
        format!(
            "drawn but moving no result here: {} (no building here uses it, or only the profile stage reads it, which the draws hold{judged})",
            u.unmoved.join(", ")
        )
    })
}

/// The outcome of the draws.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Uncertainty {
    /// Number of draws.
    pub draws: usize,
    /// The seed they were drawn with.
    pub seed: u64,
    /// The proposed design's on-site emissions.
    pub on_site_t: Spread,
    /// The selected offsets' credits.
    pub credits_t: Spread,
    /// The net balance (on site − credits).
    pub net_t: Spread,
    /// Each offset zone's credits, by rank.
    pub zones_t: Vec<ZoneSpread>,
    /// Each neighbourhood's proposed emissions, in the site's neighbourhood order.
    pub neighbourhoods_t: Vec<NeighbourhoodSpread>,
    /// How the neighbourhoods' ranges were estimated, when their buildings outside the district
    /// were sampled (a map much larger than its district).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neighbourhoods_sampled: Option<String>,
    /// Values drawn that move no result here (their slopes are all zero): a carrier no building
    /// uses, or a value only the profile stage reads (residents by floor area, jobs), which the
    /// draws hold.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmoved: Vec<String>,
    /// Share of draws with a net below zero.
    pub probability_climate_positive: f64,
    /// The factors contributing most to the net's variance, largest first (ten at most).
    pub sensitivity: Vec<Contribution>,
    /// Every range drawn from.
    pub ranges: Vec<Range>,
}

/// SplitMix64: a small, well-mixed generator; the same seed gives the same sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A draw from a range.
fn draw(r: &Range, u: f64) -> f64 {
    let (a, b, c) = (r.low, r.high, r.value.clamp(r.low, r.high));
    if r.distribution == "uniform" || b <= a {
        return a + u * (b - a);
    }
    // Triangular by its inverse distribution function.
    let split = (c - a) / (b - a);
    if u < split {
        a + (u * (b - a) * (c - a)).sqrt()
    } else {
        b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
    }
}

/// The variance of a range's distribution.
#[cfg(test)]
fn variance(r: &Range) -> f64 {
    let (a, b, c) = (r.low, r.high, r.value.clamp(r.low, r.high));
    if r.distribution == "uniform" {
        (b - a).powi(2) / 12.0
    } else {
        (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0
    }
}

/// Quantile of sorted values by linear interpolation.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (i, f) = (pos.floor() as usize, pos.fract());
    let next = sorted[(i + 1).min(sorted.len() - 1)];
    sorted[i] + f * (next - sorted[i])
}

fn spread(mut v: Vec<f64>) -> Spread {
    v.sort_by(f64::total_cmp);
    Spread {
        p5: quantile(&v, 0.05),
        p50: quantile(&v, 0.5),
        p95: quantile(&v, 0.95),
    }
}

/// A value's slopes per unit of its linear variable: on the on-site emissions, on the selected
/// credits, and on each part (each zone's credits, then each neighbourhood's emissions).
type Slopes = (f64, f64, Vec<f64>);

/// The uses holding floor area in the district or the community, in [`Use::ALL`]'s order:
/// their electricity and heat intensities are drawn by default (a use elsewhere on the map
/// moves neither the on-site emissions nor the credits).
pub fn drawn_uses(ctx: &OffsetContext) -> Vec<Use> {
    let mut held: Vec<Use> = Vec::new();
    for (p, m) in ctx.profiles.buildings.iter().zip(&ctx.community.membership) {
        if *m == Membership::Outside || p.floor.gfa_m2 <= 0.0 {
            continue;
        }
        for (u, share) in &p.uses.parts {
            if *share > 0.0 && !held.contains(u) {
                held.push(*u);
            }
        }
    }
    Use::ALL
        .iter()
        .copied()
        .filter(|u| held.contains(u))
        .collect()
}

/// The keys drawn when the site file names none: [`DEFAULT_FACTORS`] with the intensities of
/// `uses` after the heating values, then the assumed climate where it scales space heat.
fn default_keys(preset: &Preset, uses: &[Use]) -> Vec<String> {
    let (energy, rest) = DEFAULT_FACTORS.split_at(
        DEFAULT_FACTORS
            .iter()
            .position(|k| k.starts_with("travel."))
            .unwrap_or(DEFAULT_FACTORS.len()),
    );
    let intensities = uses
        .iter()
        .flat_map(|u| ["electricity", "heat"].map(|what| format!("archetypes.{u}.{what}")));
    energy
        .iter()
        .map(|k| k.to_string())
        .chain(intensities)
        .chain(rest.iter().map(|k| k.to_string()))
        .chain(climate_drawn(preset).map(str::to_string))
        .collect()
}

/// The ranges of the drawn values: the site file's where it gives one, else the default by
/// source. Keys the preset does not hold, or whose value is 0 with no range given, are left out.
/// `uses` are those whose intensities are drawn when the site file names no values.
pub fn ranges(preset: &Preset, spec: &UncertaintySpec, uses: &[Use]) -> Vec<Range> {
    let keys: Vec<String> = match &spec.factors {
        Some(keys) => keys.clone(),
        None => default_keys(preset, uses),
    };
    keys.into_iter()
        .filter_map(|key| {
            let f = preset.get(&key)?;
            if let Some(given) = spec.ranges.iter().find(|r| r.key == key) {
                return Some(Range {
                    key,
                    value: f.value,
                    low: given.low,
                    high: given.high,
                    distribution: match given.shape {
                        RangeShape::Uniform => "uniform",
                        RangeShape::Triangular => "triangular",
                    },
                    from: "site file".into(),
                });
            }
            if let Some((low, high, why)) = &f.range {
                return Some(Range {
                    key,
                    value: f.value,
                    low: *low,
                    high: *high,
                    distribution: "triangular",
                    from: format!("the {} preset: {why}", f.from),
                });
            }
            if f.value == 0.0 {
                return None;
            }
            let (share, why) = default_range(&f.source);
            Some(Range {
                key,
                value: f.value,
                low: f.value * (1.0 - share),
                high: f.value * (1.0 + share),
                distribution: "triangular",
                from: why.into(),
            })
        })
        .collect()
}

/// The climate the preset's heat intensities describe, drawn by default when the district's
/// country's degree days are divided by it and the preset gives it a range (an assumed climate,
/// as europe's for Switzerland); a climate that is the country's own (helsinki's) is not.
fn climate_drawn(preset: &Preset) -> Option<&'static str> {
    use crate::preset::degree_days::{REFERENCE_KEY, SITE_KEY};
    let reference = preset.get(REFERENCE_KEY)?;
    (preset.get(SITE_KEY).is_some() && reference.range.is_some()).then_some(REFERENCE_KEY)
}

/// What the draws follow, evaluated under some factors: the district's proposed on-site
/// emissions, each zone's credits and each neighbourhood's proposed emissions.
struct Evaluated {
    on_site: f64,
    zones: Vec<f64>,
    neighbourhoods: Vec<f64>,
}

/// A building walked: whether it is in the district, its neighbourhood, and whether it stands
/// for others (a sampled building outside the district).
#[derive(Debug, Clone, Copy)]
struct Role {
    in_district: bool,
    neighbourhood: Option<usize>,
    sampled: bool,
}

/// The buildings walked and where their emissions go: the district's (in order, for the
/// on-site sum) and the buildings in a neighbourhood, every one or a sample of those outside
/// the district.
struct Scope {
    /// Buildings walked, in order.
    buildings: Vec<usize>,
    /// Per entry of `buildings`.
    roles: Vec<Role>,
    neighbourhoods: usize,
    /// When the buildings outside the district are sampled: per neighbourhood, their exact
    /// total under the case's factors (from the estimates), and how many there are and were
    /// taken.
    sample: Option<Sample>,
}

/// The sampled buildings outside the district, per neighbourhood.
struct Sample {
    /// t CO2e per year of all of them, the proposed scenario (as they are: no measures).
    outside_t: Vec<f64>,
    /// How many there are.
    count: Vec<usize>,
    /// How many were taken.
    taken: Vec<usize>,
}

/// The most buildings outside the district walked whole for the neighbourhoods' ranges,
/// beyond as many as the district has; above it they are sampled.
const NEIGHBOURHOODS_FREE: usize = 20_000;
/// Buildings outside the district sampled, all neighbourhoods together (each neighbourhood its
/// share, and at least [`SAMPLE_MIN`] or all it has).
const SAMPLE_TOTAL: usize = 10_000;
/// The fewest buildings sampled in a neighbourhood that has them.
const SAMPLE_MIN: usize = 200;

/// Which buildings outside the district the neighbourhoods' ranges walk: every one, when they
/// are at most the district's count plus [`NEIGHBOURHOODS_FREE`], else a systematic sample of
/// each neighbourhood (every k-th of its buildings outside the district, in building order: the
/// spread over the whole list stratifies it; a random sample was tried and is worse, see
/// `docs/scale-out.md`). Worked out from each building's index, neighbourhood and place alone, in
/// any order ([`SamplePlan::of`]), so a driver that reads the buildings tile by tile picks the
/// sample a run picks.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplePlan {
    /// Per neighbourhood, its buildings outside the district, ascending.
    outside: Vec<Vec<usize>>,
    /// Per neighbourhood, the proposed t CO2e per year of its buildings outside the district,
    /// summed exactly, when summed where the buildings were read ([`SamplePlan::with_totals`]).
    outside_t: Option<Vec<f64>>,
    /// The sampled buildings, ascending, and how many each neighbourhood gave (`None`: every
    /// building walked).
    sampled: Option<(Vec<usize>, Vec<usize>)>,
}

impl SamplePlan {
    /// The plan for a map whose district holds `district` buildings and whose neighbourhoods
    /// hold, outside the district, the buildings `outside[n]` (indices in the site, any order).
    pub fn of(district: usize, mut outside: Vec<Vec<usize>>) -> SamplePlan {
        for list in &mut outside {
            list.sort_unstable();
        }
        let others: usize = outside.iter().map(Vec::len).sum();
        if others <= district + NEIGHBOURHOODS_FREE {
            return SamplePlan {
                outside,
                outside_t: None,
                sampled: None,
            };
        }
        // Each neighbourhood its share of the total, and at least SAMPLE_MIN or all it has.
        let (mut sampled, mut taken) = (Vec::new(), Vec::new());
        for list in &outside {
            let c = list.len();
            let share = (SAMPLE_TOTAL as f64 * c as f64 / others as f64).round() as usize;
            let k = share.max(SAMPLE_MIN).min(c);
            sampled.extend((0..k).map(|j| list[((j as f64 + 0.5) * c as f64 / k as f64) as usize]));
            taken.push(k);
        }
        sampled.sort_unstable();
        SamplePlan {
            outside,
            outside_t: None,
            sampled: Some((sampled, taken)),
        }
    }

    /// The buildings outside the district the neighbourhoods' ranges walk: every one in a
    /// neighbourhood, or the sample; ascending.
    pub fn walked(&self) -> Vec<usize> {
        match &self.sampled {
            Some((sampled, _)) => sampled.clone(),
            None => {
                let mut all: Vec<usize> = self.outside.concat();
                all.sort_unstable();
                all
            }
        }
    }

    /// The plan with each neighbourhood's proposed t CO2e per year outside the district, summed
    /// where the buildings were read (exactly: [`crate::exact`]), in `outside`'s order.
    pub fn with_totals(mut self, outside_t: Vec<f64>) -> SamplePlan {
        self.outside_t = Some(outside_t);
        self
    }

    /// The plan of profiled buildings in their neighbourhoods (`neighbourhood_of`, per building).
    fn of_profiles(
        profiles: &[Profile],
        neighbourhood_of: &[Option<usize>],
        n: usize,
    ) -> SamplePlan {
        let mut outside: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, p) in profiles.iter().enumerate() {
            if let (false, Some(h)) = (p.in_district, neighbourhood_of.get(i).copied().flatten()) {
                outside[h].push(i);
            }
        }
        let district = profiles.iter().filter(|p| p.in_district).count();
        SamplePlan::of(district, outside)
    }

    /// The plan for buildings held at positions: `held[p]` is the site index of the building at
    /// position `p` (ascending), and every sampled building is held. The sample speaks in
    /// positions afterwards; the counts and totals per neighbourhood are unchanged.
    pub fn in_positions(mut self, held: &[usize]) -> Result<SamplePlan, String> {
        if let Some((sampled, _)) = &mut self.sampled {
            for i in sampled.iter_mut() {
                *i = held
                    .binary_search(i)
                    .map_err(|_| format!("sampled building {i} is not held"))?;
            }
        }
        Ok(self)
    }

    /// Whether building `i` is in the sample (`false` when every building is walked).
    pub fn takes(&self, i: usize) -> bool {
        self.sampled
            .as_ref()
            .is_some_and(|(s, _)| s.binary_search(&i).is_ok())
    }
}

impl Scope {
    /// The district's buildings and the other buildings in a neighbourhood, as `plan` says
    /// (worked out here from the profiles when not given).
    fn new(ctx: &OffsetContext, estimates: &Estimates, plan: Option<&SamplePlan>) -> Scope {
        let of = &ctx.aggregates.neighbourhood_of;
        let nb = |i: usize| of.get(i).copied().flatten();
        let profiles = &ctx.profiles.buildings;
        let n_nb = ctx.site.neighbourhoods.len();
        let own;
        let plan = match plan {
            Some(p) => p,
            None => {
                own = SamplePlan::of_profiles(profiles, of, n_nb);
                &own
            }
        };
        let whole = plan.sampled.is_none();
        let sample = plan.sampled.as_ref().map(|(_, taken)| Sample {
            // Exact sums: the same bits as a driver's, added in the order the tiles come in.
            outside_t: plan.outside_t.clone().unwrap_or_else(|| {
                plan.outside
                    .iter()
                    .map(|list| {
                        let mut t = crate::exact::ExactSum::new();
                        for &i in list {
                            t.add(estimates.buildings[i].total(estimates.proposed));
                        }
                        t.value()
                    })
                    .collect()
            }),
            count: plan.outside.iter().map(Vec::len).collect(),
            taken: taken.clone(),
        });
        let (mut buildings, mut roles) = (Vec::new(), Vec::new());
        for (i, p) in profiles.iter().enumerate() {
            let n = nb(i);
            let sampled = !p.in_district && !whole && plan.takes(i);
            if p.in_district || (n.is_some() && (whole || sampled)) {
                buildings.push(i);
                roles.push(Role {
                    in_district: p.in_district,
                    neighbourhood: n,
                    sampled,
                });
            }
        }
        Scope {
            buildings,
            roles,
            neighbourhoods: n_nb,
            sample,
        }
    }

    /// What the outputs say about the sample, when there is one.
    fn sampled_sentence(&self) -> Option<String> {
        let s = self.sample.as_ref()?;
        let (taken, count): (usize, usize) = (s.taken.iter().sum(), s.count.iter().sum());
        Some(format!(
            "the neighbourhoods' ranges come from their district buildings and a sample of {taken} of their {count} buildings outside the district (every k-th in each neighbourhood, at least {SAMPLE_MIN} or all it has): each value's change on the sample, scaled to the neighbourhood's total outside the district (a ratio estimate); the district's, the credits' and the zones' ranges take every building"
        ))
    }
}

/// Buildings per block of the walk in [`evaluate_all`].
const BLOCK: usize = 2_048;

/// [`Evaluated`] under each of `sets` (`zones`: each zone's cells, indices in
/// `aggregates.cells`). Each building is visited once and evaluated under every set while its
/// data is at hand (26 walks of a large district cost their memory traffic 26 times); each
/// set's sums are added in building order, as the on-site total is everywhere.
fn evaluate_all(
    ctx: &OffsetContext,
    sets: &[Factors],
    estimates: &Estimates,
    enabled: &[Intervention],
    (scope, zones): (&Scope, &[Vec<usize>]),
) -> Vec<Evaluated> {
    use rayon::prelude::*;
    let n = sets.len();
    let contexts: Vec<OffsetContext> = sets.iter().map(|f| ctx.with_factors(f)).collect();
    // Every selected cell in one parallel pass, then each zone's cells added in its order.
    let cells: Vec<usize> = zones.iter().flatten().copied().collect();
    let per_cell = credits_by_cell_under(&contexts, enabled, &cells);
    // Each building once: the district's under the proposed measures, the rest as they are;
    // `[building × set]`.
    let measures = &estimates.scenarios[estimates.proposed].measures;
    let none = crate::config::Measures::default();
    // A sector that reads none of the parts in which a set differs from the first gives the
    // first's result: taken, not worked out again.
    let differ: Vec<u32> = sets.iter().map(|f| f.differing(&sets[0])).collect();
    let sectors = crate::estimate::SECTORS;
    let per_building: Vec<f64> = scope
        .buildings
        .par_chunks(BLOCK)
        .zip(scope.roles.par_chunks(BLOCK))
        .flat_map_iter(|(buildings, roles)| {
            let mut out = Vec::with_capacity(buildings.len() * n);
            for (&i, role) in buildings.iter().zip(roles) {
                let m = if role.in_district { measures } else { &none };
                let (b, p) = (&ctx.site.buildings[i], &ctx.profiles.buildings[i]);
                let first = sectors.map(|s| s.co2e_t(b, p, m, &sets[0]));
                out.extend(sets.iter().zip(&differ).map(|(f, d)| {
                    sectors
                        .iter()
                        .zip(first)
                        .map(|(s, v)| {
                            if s.reads() & d == 0 {
                                v
                            } else {
                                s.co2e_t(b, p, m, f)
                            }
                        })
                        .sum::<f64>()
                }));
            }
            out
        })
        .collect();
    // Per set and neighbourhood, the sampled buildings' sum (when sampled).
    let sums = |k: usize| {
        let mut exact = vec![0.0; scope.neighbourhoods];
        let mut sampled = vec![0.0; scope.neighbourhoods];
        let values = per_building.iter().skip(k).step_by(n);
        for (v, role) in values.zip(&scope.roles) {
            if let Some(nb) = role.neighbourhood {
                if role.sampled {
                    sampled[nb] += v;
                } else {
                    exact[nb] += v;
                }
            }
        }
        (exact, sampled)
    };
    // The sample's sums under the case's factors, the base its changes are taken from (a map
    // walked whole needs none).
    let sample0 = match &scope.sample {
        Some(_) => sums(0).1,
        None => Vec::new(),
    };
    (0..n)
        .map(|k| {
            let mut at_cell = per_cell.iter().map(|c| c[k]);
            let zones = zones
                .iter()
                .map(|z| at_cell.by_ref().take(z.len()).sum())
                .collect();
            let values = per_building.iter().skip(k).step_by(n);
            let on_site = values
                .zip(&scope.roles)
                .filter(|(_, r)| r.in_district)
                .map(|(v, _)| *v)
                .sum();
            let (mut neighbourhoods, sampled) = sums(k);
            if let Some(s) = &scope.sample {
                // The sample's change scaled to the neighbourhood's whole total outside the
                // district: by its ratio to the sample's total, or by the count where the
                // sample emits nothing.
                for (nb, total) in neighbourhoods.iter_mut().enumerate() {
                    let scale = if sample0[nb] != 0.0 {
                        s.outside_t[nb] / sample0[nb]
                    } else if s.taken[nb] > 0 {
                        s.count[nb] as f64 / s.taken[nb] as f64
                    } else {
                        0.0
                    };
                    *total += s.outside_t[nb] + scale * (sampled[nb] - sample0[nb]);
                }
            }
            Evaluated {
                on_site,
                zones,
                neighbourhoods,
            }
        })
        .collect()
}

/// The factors with one preset value nudged up by a thousandth of itself (at least 1e-9), as
/// the slopes are measured, and how far that moved the variable the emissions are linear in
/// ([`linear`]); `None` when the preset lacks the key or the nudged preset does not build.
/// The site file's own climate scale is kept; one the preset's degree days make (by the
/// district's country) follows the nudged value.
pub fn nudged(preset: &Preset, factors: &Factors, key: &str) -> Option<(Factors, f64)> {
    let value = preset.get(key)?.value;
    let step = (value.abs() * 1e-3).max(1e-9);
    let mut p = preset.clone();
    p.values.get_mut(key)?.value = value + step;
    let mut f = Factors::from_preset(&p).ok()?;
    if Factors::from_preset(preset).ok()?.space_heat_scale != factors.space_heat_scale {
        f.space_heat_scale = factors.space_heat_scale;
    }
    Some((f, linear(key, value + step) - linear(key, value)))
}

/// Draws the ranges `spec` asks for and returns the spread of the balance; `None` when no draw
/// is asked for (`draws = 0`) or no range applies.
pub fn monte_carlo(
    ctx: &OffsetContext,
    preset: &Preset,
    estimates: &Estimates,
    enabled: &[Intervention],
    plan: &OffsetPlan,
    spec: &UncertaintySpec,
    sample: Option<&SamplePlan>,
) -> Option<Uncertainty> {
    if spec.draws == 0 {
        return None;
    }
    let ranges = ranges(preset, spec, &drawn_uses(ctx));
    if ranges.is_empty() {
        return None;
    }
    // The selected cells, zone by zone (every selected cell lies in one zone).
    let zones: Vec<Vec<usize>> = plan
        .zones
        .iter()
        .map(|z| z.cells.iter().map(|i| plan.ranked[*i].cell).collect())
        .collect();
    // The district's buildings and those in a neighbourhood, each walked once per evaluation.
    let scope = Scope::new(ctx, estimates, sample);
    // The factors as they are, then each value nudged: every set evaluated in one walk.
    let mut sets = vec![ctx.factors.clone()];
    let nudged: Vec<Option<(usize, f64)>> = ranges
        .iter()
        .map(|r| {
            let (f, moved) = nudged(preset, ctx.factors, &r.key)?;
            sets.push(f);
            Some((sets.len() - 1, moved))
        })
        .collect();
    let evaluated = evaluate_all(ctx, &sets, estimates, enabled, (&scope, &zones));
    let e0 = &evaluated[0];
    let (on0, cr0): (f64, f64) = (e0.on_site, e0.zones.iter().sum());
    // Each zone's credits, then each neighbourhood's emissions: drawn alike.
    let parts0: Vec<f64> = e0.zones.iter().chain(&e0.neighbourhoods).copied().collect();
    // The slope of on-site emissions, credits and each part per unit of each value.
    let slopes: Vec<Slopes> = nudged
        .iter()
        .map(|at| match at {
            Some((k, moved)) => {
                let e = &evaluated[*k];
                let parts: Vec<f64> = e
                    .zones
                    .iter()
                    .chain(&e.neighbourhoods)
                    .zip(&parts0)
                    .map(|(a, b)| (a - b) / moved)
                    .collect();
                let cr: f64 = e.zones.iter().sum();
                ((e.on_site - on0) / moved, (cr - cr0) / moved, parts)
            }
            None => (0.0, 0.0, vec![0.0; parts0.len()]),
        })
        .collect();
    // A use's intensities drawn by default that move nothing here (its buildings all metered,
    // or all in community cells not selected and in no neighbourhood) are left out: only a
    // value the site file or the fixed defaults name is reported as drawn but unmoved.
    let (ranges, slopes): (Vec<Range>, Vec<Slopes>) = ranges
        .into_iter()
        .zip(slopes)
        .filter(|(r, (so, sc, sz))| {
            let moves = *so != 0.0 || *sc != 0.0 || sz.iter().any(|s| *s != 0.0);
            moves || spec.factors.is_some() || !r.key.starts_with("archetypes.")
        })
        .unzip();
    let mut rng = Rng(spec.seed);
    let (mut on, mut cr, mut net) = (
        Vec::with_capacity(spec.draws),
        Vec::with_capacity(spec.draws),
        Vec::with_capacity(spec.draws),
    );
    // Per value, the sum and sum of squares of its drawn change (in the variable the emissions
    // are linear in), for its share of the variance.
    let mut moments = vec![(0.0_f64, 0.0_f64); ranges.len()];
    let mut per_part: Vec<Vec<f64>> = vec![Vec::with_capacity(spec.draws); parts0.len()];
    let mut part_now = vec![0.0; parts0.len()];
    for _ in 0..spec.draws {
        let (mut o, mut c) = (on0, cr0);
        part_now.copy_from_slice(&parts0);
        for ((r, (so, sc, sz)), m) in ranges.iter().zip(&slopes).zip(&mut moments) {
            let d = linear(&r.key, draw(r, rng.unit())) - linear(&r.key, r.value);
            o += so * d;
            c += sc * d;
            for (z, s) in part_now.iter_mut().zip(sz) {
                *z += s * d;
            }
            m.0 += d;
            m.1 += d * d;
        }
        on.push(o);
        cr.push(c);
        net.push(o - c);
        for (v, z) in per_part.iter_mut().zip(&part_now) {
            v.push(*z);
        }
    }
    let per_neighbourhood = per_part.split_off(zones.len());
    let per_zone = per_part;
    let positive = net.iter().filter(|n| **n < 0.0).count() as f64 / spec.draws as f64;
    // First-order variance shares: slope² × the drawn change's variance over their sum.
    let n = spec.draws as f64;
    let parts: Vec<f64> = slopes
        .iter()
        .zip(&moments)
        .map(|((so, sc, _), (s1, s2))| (so - sc).powi(2) * (s2 / n - (s1 / n).powi(2)).max(0.0))
        .collect();
    let total: f64 = parts.iter().sum();
    let mut sensitivity: Vec<Contribution> = ranges
        .iter()
        .zip(&slopes)
        .zip(&parts)
        .filter(|(_, p)| **p > 0.0)
        .map(|((r, (so, sc, _)), p)| Contribution {
            key: r.key.clone(),
            share: if total > 0.0 { p / total } else { 0.0 },
            swing_t: (so - sc) * (linear(&r.key, r.high) - linear(&r.key, r.low)),
        })
        .collect();
    sensitivity.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.key.cmp(&b.key)));
    sensitivity.truncate(10);
    Some(Uncertainty {
        draws: spec.draws,
        seed: spec.seed,
        on_site_t: spread(on),
        credits_t: spread(cr),
        net_t: spread(net),
        zones_t: plan
            .zones
            .iter()
            .zip(per_zone)
            .map(|(z, v)| ZoneSpread {
                rank: z.rank,
                credits_t: spread(v),
            })
            .collect(),
        neighbourhoods_sampled: scope.sampled_sentence(),
        neighbourhoods_t: ctx
            .site
            .neighbourhoods
            .iter()
            .take(scope.neighbourhoods)
            .zip(per_neighbourhood)
            .map(|(n, v)| NeighbourhoodSpread {
                id: n.id.clone(),
                t: spread(v),
            })
            .collect(),
        probability_climate_positive: positive,
        unmoved: ranges
            .iter()
            .zip(&slopes)
            .filter(|(_, (so, sc, sz))| *so == 0.0 && *sc == 0.0 && sz.iter().all(|s| *s == 0.0))
            .map(|(r, _)| r.key.clone())
            .collect(),
        sensitivity,
        ranges,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_follow_their_distributions() {
        let r = Range {
            key: "k".into(),
            value: 2.0,
            low: 1.0,
            high: 4.0,
            distribution: "triangular",
            from: String::new(),
        };
        let mut rng = Rng(7);
        let n = 200_000;
        let v: Vec<f64> = (0..n).map(|_| draw(&r, rng.unit())).collect();
        let mean = v.iter().sum::<f64>() / n as f64;
        // Triangular(1, 2, 4): mean (1 + 2 + 4) / 3, variance (1 + 16 + 4 − 4 − 2 − 8) / 18.
        assert!((mean - 7.0 / 3.0).abs() < 0.01, "{mean}");
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!((var - variance(&r)).abs() < 0.01, "{var}");
        assert!((variance(&r) - 7.0 / 18.0).abs() < 1e-12);
        assert!(v.iter().all(|x| (1.0..=4.0).contains(x)));
    }

    #[test]
    fn the_sample_is_every_other_building_whatever_order_they_come_in() {
        // No district building and one neighbourhood of 20,001 buildings outside it: one more
        // than are walked whole, so 10,000 are sampled, at positions ⌊(j + ½) × 20,001 / 10,000⌋:
        // 1, 3, 5, … 19,999 (j = 9,999: ⌊19,999.99995⌋), the odd ones.
        let list: Vec<usize> = (0..20_001).collect();
        let plan = SamplePlan::of(0, vec![list.clone()]);
        let odd: Vec<usize> = (0..10_000).map(|j| 2 * j + 1).collect();
        assert_eq!(plan.sampled, Some((odd, vec![10_000])));
        assert!(plan.takes(19_999) && !plan.takes(20_000) && !plan.takes(0));
        // The same buildings read backwards, or in two parts (two tiles), give the same plan.
        let mut backwards = list.clone();
        backwards.reverse();
        assert_eq!(SamplePlan::of(0, vec![backwards]), plan);
        let mut parts: Vec<usize> = list.iter().copied().filter(|i| i % 3 == 0).collect();
        parts.extend(list.iter().copied().filter(|i| i % 3 != 0));
        assert_eq!(SamplePlan::of(0, vec![parts]), plan);
        // One district building more: all 20,001 are walked.
        let whole = SamplePlan::of(1, vec![list]);
        assert!(whole.sampled.is_none() && !whole.takes(1));
        // Two neighbourhoods of 15,000 and 6,000: their shares of 10,000, 7,143 and 2,857.
        let two = SamplePlan::of(0, vec![(0..15_000).collect(), (15_000..21_000).collect()]);
        let (sampled, taken) = two.sampled.unwrap();
        assert_eq!(taken, [7_143, 2_857]);
        assert_eq!(sampled.len(), 10_000);
    }

    #[test]
    fn the_same_seed_gives_the_same_draws() {
        let (mut a, mut b) = (Rng(42), Rng(42));
        assert!((0..100).all(|_| a.next() == b.next()));
    }

    /// A built-in preset, resolved as a site file naming it would.
    fn builtin(name: &str) -> Preset {
        crate::preset::resolve(
            name,
            std::path::Path::new("."),
            &[],
            std::path::Path::new("site.toml"),
            &crate::files::MemoryFiles::default(),
        )
        .unwrap()
    }

    #[test]
    fn a_presets_own_range_comes_before_the_default() {
        let preset = builtin("china-north");
        let r = ranges(&preset, &UncertaintySpec::default(), Use::ALL);
        let grid = r.iter().find(|r| r.key == "carriers.electricity").unwrap();
        assert_eq!((grid.low, grid.high), (0.5306, 0.6776));
        assert!(
            grid.from.starts_with("the china-north preset: MEE & NBS"),
            "{}",
            grid.from
        );
        // A value without its own range: ±20 % for one read through a secondary source.
        let gas = r.iter().find(|r| r.key == "carriers.natural_gas").unwrap();
        let f = preset.get("carriers.natural_gas").unwrap();
        assert!((gas.high / gas.value - 1.0 - default_range(&f.source).0).abs() < 1e-9);
    }

    /// The climate europe's intensities describe (its Switzerland, taken as the EU-27 mean of
    /// Eurostat's table, 3,128.1 Kd) is drawn from its range when a district's country divides
    /// by it; a district nowhere placed, or helsinki's own (Finland's) climate, draws nothing.
    /// The nudge moves space heat's scale: 5,536.1 / (3,128.1 + 3.1281).
    #[test]
    fn the_assumed_climate_is_drawn_where_it_scales_space_heat() {
        use crate::preset::degree_days::{self, REFERENCE_KEY};
        let drawn = |p: &Preset| {
            ranges(p, &UncertaintySpec::default(), &[])
                .into_iter()
                .find(|r| r.key == REFERENCE_KEY)
        };
        let mut europe = builtin("europe");
        assert!(drawn(&europe).is_none());
        assert!(degree_days::apply(&mut europe, "FI", "Finland"));
        let r = drawn(&europe).unwrap();
        assert_eq!((r.value, r.low, r.high), (3128.1, 2815.3, 3576.0));
        let factors = Factors::from_preset(&europe).unwrap();
        assert!((factors.space_heat_scale - 5536.1 / 3128.1).abs() < 1e-15);
        let (f, moved) = nudged(&europe, &factors, REFERENCE_KEY).unwrap();
        assert!((f.space_heat_scale - 5536.1 / (3128.1 + 3.1281)).abs() < 1e-12);
        assert!((moved - (1.0 / 3131.2281 - 1.0 / 3128.1)).abs() < 1e-15);
        let mut helsinki = builtin("helsinki");
        assert!(degree_days::apply(&mut helsinki, "FI", "Finland"));
        assert!(drawn(&helsinki).is_none());
        assert_eq!(
            Factors::from_preset(&helsinki).unwrap().space_heat_scale,
            1.0
        );
    }

    /// The usa retail intensity's range is CBECS 2012 table C14's interquartile range of
    /// building intensities, 4.9 to 18.8 kWh/ft², converted at 10.7639 ft²/m².
    #[test]
    fn usa_retail_electricity_ranges_over_cbecs_quartiles() {
        let preset = builtin("usa");
        let r = ranges(&preset, &UncertaintySpec::default(), Use::ALL);
        let retail = r
            .iter()
            .find(|r| r.key == "archetypes.retail.electricity")
            .unwrap();
        assert!((retail.low - 4.9 * 10.7639).abs() < 0.05, "{}", retail.low);
        assert!(
            (retail.high - 18.8 * 10.7639).abs() < 0.05,
            "{}",
            retail.high
        );
        assert!(retail.from.contains("table C14"), "{}", retail.from);
    }

    #[test]
    fn default_ranges_follow_the_source_tags() {
        assert_eq!(default_range("EIA FAQ 74, 2023 [V]").0, 0.10);
        assert_eq!(default_range("CBECS table C32 [D]").0, 0.20);
        assert_eq!(default_range("KBOB [V via a secondary summary]").0, 0.20);
        assert_eq!(default_range("assumption: …").0, 0.30);
        assert_eq!(default_range("SIA 380/1 [U: as recalled]").0, 0.30);
    }
}
