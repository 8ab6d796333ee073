//! Stage 6, offsets: what could be cut in the neighbouring community, and where to do it.
//!
//! Each intervention is a small type implementing [`Intervention`], registered in
//! [`INTERVENTIONS`], with its parameters in the preset's `[offsets.*]` tables. For every
//! community building, the enabled building interventions are applied one after the other in
//! list order (deep retrofit, heat pump, rooftop PV, waste diversion), each on the state the
//! previous ones left, so their abatements add up without counting a tonne twice. Transit works
//! on grid cells. An opportunity's annual cost is capital cost / lifetime plus operating cost.
//!
//! | module | what it does |
//! |---|---|
//! | `deep_retrofit` | heat demand of pre-1980 buildings cut by the preset's saving share |
//! | `heat_pump` | fossil and district heating replaced by heat pumps at the preset's COP |
//! | `rooftop_pv` | PV on the usable roof: yield × grid factor |
//! | `transit` | a new bus service in dense, poorly served cells: mode shift |
//! | `waste_diversion` | recycling and composting raised to the preset's target |
//! | `zones` | cells ranked, selected until the target is met, merged into zones |

pub mod deep_retrofit;
pub mod heat_pump;
pub mod rooftop_pv;
pub mod transit;
pub mod waste_diversion;
pub mod zones;

use rayon::prelude::*;

use crate::access::AccessModel;
use crate::aggregate::Aggregates;
use crate::community::{Community, Membership};
use crate::estimate::Measures;
use crate::load::Site;
use crate::preset::Factors;
use crate::profile::{services, Profile, Profiles};

pub use zones::{plan, CellOffer, OffsetPlan, RankBy, Zone};

/// One intervention at one building (or grid cell).
#[derive(Debug, Clone, PartialEq)]
pub struct Opportunity {
    pub intervention: &'static str,
    /// Index in `site.buildings`; `None` for a cell-wide intervention.
    pub building: Option<usize>,
    /// Index in `aggregates.cells`.
    pub cell: usize,
    /// t CO2e per year avoided.
    pub abatement_t: f64,
    /// Capital cost, in the preset's currency.
    pub capex: f64,
    /// Capital cost / lifetime + operating cost, per year.
    pub annual_cost: f64,
    /// The figures its description needs beyond the preset and the building's profile (see
    /// [`Intervention::describe`]): the text is written at export, not kept for every
    /// opportunity.
    pub figures: [f64; 3],
}

impl Opportunity {
    /// An opportunity at building `b` (its grid cell looked up).
    pub fn at_building(
        ctx: &OffsetContext,
        intervention: &'static str,
        b: usize,
        abatement_t: f64,
        capex: f64,
        annual_cost: f64,
        figures: [f64; 3],
    ) -> Opportunity {
        Opportunity {
            intervention,
            building: Some(b),
            cell: ctx.aggregates.cell_of[b],
            abatement_t,
            capex,
            annual_cost,
            figures,
        }
    }
}

/// What an intervention may read.
pub struct OffsetContext<'a> {
    pub site: &'a Site,
    pub profiles: &'a Profiles,
    pub factors: &'a Factors,
    pub community: &'a Community,
    pub aggregates: &'a Aggregates,
    pub access: AccessModel,
    /// Per grid cell (index in `aggregates.cells`), its community buildings.
    pub community_in_cell: Vec<Vec<usize>>,
}

impl<'a> OffsetContext<'a> {
    pub fn new(
        site: &'a Site,
        profiles: &'a Profiles,
        factors: &'a Factors,
        community: &'a Community,
        aggregates: &'a Aggregates,
    ) -> Self {
        let mut community_in_cell = vec![Vec::new(); aggregates.cells.len()];
        for (b, m) in community.membership.iter().enumerate() {
            if *m == Membership::Community {
                community_in_cell[aggregates.cell_of[b]].push(b);
            }
        }
        OffsetContext {
            access: AccessModel::new(services(site, factors), &factors.access),
            community_in_cell,
            site,
            profiles,
            factors,
            community,
            aggregates,
        }
    }
}

/// A way of cutting emissions in the community.
pub trait Intervention: Sync {
    /// The name used in site files and outputs.
    fn key(&self) -> &'static str;

    /// The opportunity at one building, given the measures earlier interventions applied
    /// (`state`), which it updates; `None` where it does not apply or would not cut emissions.
    fn at_building(
        &self,
        _ctx: &OffsetContext,
        _building: usize,
        _state: &mut Measures,
    ) -> Option<Opportunity> {
        None
    }

    /// The opportunity in one grid cell (for interventions that work on areas).
    fn in_cell(&self, _ctx: &OffsetContext, _cell: usize) -> Option<Opportunity> {
        None
    }

    /// The quantities and values an opportunity was worked out from, in words, from its
    /// figures, the preset and (for a building) the building's profile.
    fn describe(&self, f: &Factors, p: Option<&Profile>, o: &Opportunity) -> String;
}

/// Appends `{cost} {currency}/{unit}` and, for an investment, `, {lifetime} years`: how each
/// intervention's assumption text ends.
fn price(s: &mut String, cost: f64, currency: &str, unit: &str, lifetime_yr: Option<f64>) {
    crate::decimal::push_shortest(s, cost);
    s.push(' ');
    s.push_str(currency);
    s.push('/');
    s.push_str(unit);
    if let Some(years) = lifetime_yr {
        s.push_str(", ");
        crate::decimal::push_shortest(s, years);
        s.push_str(" years");
    }
}

/// The description of an opportunity by the intervention that found it.
pub fn describe(f: &Factors, p: Option<&Profile>, o: &Opportunity) -> String {
    INTERVENTIONS
        .iter()
        .find(|i| i.key() == o.intervention)
        .map(|i| i.describe(f, p, o))
        .unwrap_or_default()
}

/// Every intervention, in the order they stack at a building.
pub const INTERVENTIONS: &[&dyn Intervention] = &[
    &deep_retrofit::DeepRetrofit,
    &heat_pump::HeatPump,
    &rooftop_pv::RooftopPv,
    &waste_diversion::WasteDiversion,
    &transit::Transit,
];

/// The names of every intervention, for messages.
pub fn names() -> String {
    INTERVENTIONS
        .iter()
        .map(|i| i.key())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Opportunities of the enabled interventions at the buildings with the given membership
/// (and, for cell interventions, in every cell holding such buildings).
pub fn opportunities(
    ctx: &OffsetContext,
    enabled: &[String],
    members: Membership,
) -> Vec<Opportunity> {
    found(ctx, enabled, members, |o| o)
}

/// What [`opportunities`] would find, in t CO2e per year: their abatements summed in the same
/// order, without keeping the opportunities.
pub fn abatement_t(ctx: &OffsetContext, enabled: &[String], members: Membership) -> f64 {
    found(ctx, enabled, members, |o| o.abatement_t).iter().sum()
}

/// Buildings per block of the parallel search for opportunities.
const BLOCK: usize = 16_384;

/// The opportunities, each passed through `keep` as soon as it is found.
fn found<T: Send>(
    ctx: &OffsetContext,
    enabled: &[String],
    members: Membership,
    keep: impl Fn(Opportunity) -> T + Sync,
) -> Vec<T> {
    let on: Vec<&dyn Intervention> = INTERVENTIONS
        .iter()
        .copied()
        .filter(|i| enabled.iter().any(|e| e == i.key()))
        .collect();
    // Buildings are independent: searched in parallel in blocks, a few blocks at a time, each
    // round's lists moved in building order into one list reserved up front for every
    // opportunity there could be (untouched capacity costs address space, not memory). Neither
    // the whole search's blocks nor a growing copy of the list are ever held beside it.
    let membership = &ctx.community.membership;
    let mut cells: Vec<usize> = membership
        .iter()
        .enumerate()
        .filter(|(_, m)| **m == members)
        .map(|(b, _)| ctx.aggregates.cell_of[b])
        .collect();
    let members_n = cells.len();
    cells.sort_unstable();
    cells.dedup();
    let mut out: Vec<T> = Vec::with_capacity(on.len() * (members_n + cells.len()));
    let starts: Vec<usize> = (0..membership.len()).step_by(BLOCK).collect();
    let per_round = rayon::current_num_threads().max(1) * 4;
    for round in starts.chunks(per_round) {
        let blocks: Vec<Vec<T>> = round
            .par_iter()
            .map(|&start| {
                let mut found = Vec::new();
                let end = (start + BLOCK).min(membership.len());
                for (b, m) in membership[start..end].iter().enumerate() {
                    let b = start + b;
                    if *m != members {
                        continue;
                    }
                    let mut state = Measures::default();
                    found.extend(
                        on.iter()
                            .filter_map(|i| i.at_building(ctx, b, &mut state))
                            .map(&keep),
                    );
                }
                found
            })
            .collect();
        for block in blocks {
            out.extend(block);
        }
    }
    for cell in cells {
        for i in &on {
            if let Some(mut o) = i.in_cell(ctx, cell) {
                o.cell = cell;
                out.push(keep(o));
            }
        }
    }
    out
}

/// Energy emissions of a building under some measures, t CO2e per year.
pub fn energy_t(ctx: &OffsetContext, b: usize, m: &Measures) -> f64 {
    let e = crate::estimate::energy::energy_use(
        &ctx.site.buildings[b],
        &ctx.profiles.buildings[b],
        m,
        ctx.factors,
    );
    crate::estimate::energy::emissions_t(&e, ctx.factors)
}
