//! Stage 6, offsets: what could be cut in the neighbouring community, and where to do it.
//!
//! Each intervention is a small type implementing [`AtBuilding`] or [`InCell`], mapped from its
//! [`Intervention`] by [`model`], with its parameters in the preset's `[offsets.*]` tables. For every
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
use crate::estimate::energy::EnergyModel;
use crate::estimate::{Measures, SectorModel};
use crate::exact::ExactSum;
use crate::kinds::Intervention;
use crate::preset::Factors;
use crate::profile::{Profile, Profiles};
use crate::site::Site;

pub use zones::{plan, CellOffer, OffsetPlan, RankBy, Zone};

/// The figures an opportunity's description needs beyond the preset and the building's
/// profile, named per intervention (the text is written at export, not kept for every
/// opportunity). Which intervention found the opportunity is the variant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Figures {
    /// Deep retrofit: the profile and the preset say it all.
    DeepRetrofit,
    /// Heat pump.
    HeatPump {
        /// Heat supplied, kWh per year.
        heat_kwh: f64,
        /// Heat pump size, kW (heat / full-load hours).
        kw: f64,
    },
    /// Rooftop PV.
    RooftopPv {
        /// Installed peak power, kWp.
        kwp: f64,
        /// Yield, kWh per year.
        kwh: f64,
        /// Grid factor the yield displaces, kg CO2e per kWh.
        grid_kg_kwh: f64,
    },
    /// Waste diversion.
    WasteDiversion {
        /// Waste generated, t per year.
        waste_t: f64,
        /// Waste moved from landfill and incineration to recycling and composting, t per year.
        moved_t: f64,
        /// Share recycled or composted before, 0..1.
        diverted_share: f64,
    },
    /// A new bus service in a grid cell.
    Transit {
        /// Residents of the cell's community buildings.
        residents: f64,
        /// Their resident-weighted access index before.
        access_index: f64,
    },
}

impl Figures {
    /// The intervention these figures belong to.
    pub fn intervention(&self) -> Intervention {
        match self {
            Figures::DeepRetrofit => Intervention::DeepRetrofit,
            Figures::HeatPump { .. } => Intervention::HeatPump,
            Figures::RooftopPv { .. } => Intervention::RooftopPv,
            Figures::WasteDiversion { .. } => Intervention::WasteDiversion,
            Figures::Transit { .. } => Intervention::Transit,
        }
    }
}

/// One intervention at one building (or grid cell).
#[derive(Debug, Clone, PartialEq)]
pub struct Opportunity {
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
    /// What its description needs, and which intervention found it.
    pub figures: Figures,
}

impl Opportunity {
    /// The intervention that found it.
    pub fn intervention(&self) -> Intervention {
        self.figures.intervention()
    }

    /// An opportunity at building `b` (its grid cell looked up).
    pub fn at_building(
        ctx: &OffsetContext,
        b: usize,
        abatement_t: f64,
        capex: f64,
        annual_cost: f64,
        figures: Figures,
    ) -> Opportunity {
        Opportunity {
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
    /// The site.
    pub site: &'a Site,
    /// Every building's profile, with the access model.
    pub profiles: &'a Profiles,
    /// The factors.
    pub factors: &'a Factors,
    /// The community and each building's membership.
    pub community: &'a Community,
    /// The grid cells.
    pub aggregates: &'a Aggregates,
    /// The profile stage's access model (the transit intervention asks it again with a new stop).
    pub access: &'a AccessModel,
    /// Per grid cell (index in `aggregates.cells`), its community buildings (borrowed by a
    /// context [`OffsetContext::with_factors`] made).
    pub community_in_cell: std::borrow::Cow<'a, [Vec<usize>]>,
}

impl<'a> OffsetContext<'a> {
    /// The context of one offsets stage: each grid cell's community buildings listed once.
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
            access: &profiles.access,
            community_in_cell: community_in_cell.into(),
            site,
            profiles,
            factors,
            community,
            aggregates,
        }
    }

    /// The same context under other factors, its cells' buildings borrowed, not listed again.
    pub fn with_factors<'b>(&'b self, factors: &'b Factors) -> OffsetContext<'b> {
        OffsetContext {
            site: self.site,
            profiles: self.profiles,
            factors,
            community: self.community,
            aggregates: self.aggregates,
            access: self.access,
            community_in_cell: std::borrow::Cow::Borrowed(&self.community_in_cell),
        }
    }
}

/// A way of cutting emissions in the community: the common part of [`AtBuilding`] and
/// [`InCell`]. Each intervention implements one of those two, and [`model`] maps every
/// [`Intervention`] to its implementation, so one without either cannot compile.
pub trait InterventionModel: Sync {
    /// Which intervention this is.
    fn intervention(&self) -> Intervention;

    /// The quantities and values an opportunity was worked out from, in words, from its
    /// figures, the preset and (for a building) the building's profile.
    fn describe(&self, f: &Factors, p: Option<&Profile>, o: &Opportunity) -> String;

    /// The [`crate::preset::parts`] of the factors its abatement depends on (its text aside):
    /// under factors that differ only elsewhere, on the same state, it finds the same.
    fn reads(&self) -> u32 {
        crate::preset::parts::ALL
    }
}

/// An intervention at single buildings.
pub trait AtBuilding: InterventionModel {
    /// The opportunity at one building, given the measures earlier interventions applied
    /// (`state`), which it updates; `None` where it does not apply or would not cut emissions.
    fn at_building(
        &self,
        ctx: &OffsetContext,
        building: usize,
        state: &mut Measures,
    ) -> Option<Opportunity>;
}

/// An intervention on grid cells (areas).
pub trait InCell: InterventionModel {
    /// The opportunity in one grid cell; `None` where it does not apply.
    fn in_cell(&self, ctx: &OffsetContext, cell: usize) -> Option<Opportunity>;
}

/// An intervention's implementation, by where it works.
#[derive(Clone, Copy)]
pub enum Model {
    /// At single buildings, stacked in [`Intervention::ALL`] order.
    AtBuilding(&'static dyn AtBuilding),
    /// On grid cells.
    InCell(&'static dyn InCell),
}

impl Model {
    /// The common part.
    pub fn common(self) -> &'static dyn InterventionModel {
        match self {
            Model::AtBuilding(m) => m,
            Model::InCell(m) => m,
        }
    }
}

/// The implementation of every intervention.
pub fn model(i: Intervention) -> Model {
    match i {
        Intervention::DeepRetrofit => Model::AtBuilding(&deep_retrofit::DeepRetrofit),
        Intervention::HeatPump => Model::AtBuilding(&heat_pump::HeatPump),
        Intervention::RooftopPv => Model::AtBuilding(&rooftop_pv::RooftopPv),
        Intervention::WasteDiversion => Model::AtBuilding(&waste_diversion::WasteDiversion),
        Intervention::Transit => Model::InCell(&transit::Transit),
    }
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
    model(o.intervention()).common().describe(f, p, o)
}

/// Opportunities of the enabled interventions at the buildings with the given membership
/// (and, for the community, the cell interventions in every cell holding its buildings: they
/// work on a cell's community residents, so for buildings beyond the community they would only
/// find the community's own offer again).
pub fn opportunities(
    ctx: &OffsetContext,
    enabled: &[Intervention],
    members: Membership,
) -> Vec<Opportunity> {
    found(ctx, enabled, members, |o| o)
}

/// What [`opportunities`] would find, in t CO2e per year, without keeping the opportunities:
/// each member building's offer ([`building_offers_t`]) and each cell intervention's abatement,
/// summed exactly ([`crate::exact`]), so a sum of the same offers added elsewhere in another
/// order (the tiles of a distributed run) has the same bits.
pub fn abatement_t(ctx: &OffsetContext, enabled: &[Intervention], members: Membership) -> f64 {
    let on = Enabled::new(enabled);
    let membership = &ctx.community.membership;
    let mut sum = (0..membership.len())
        .into_par_iter()
        .filter(|&b| membership[b] == members)
        .fold(ExactSum::new, |mut s, b| {
            s.add(on.offer_t(ctx, b));
            s
        })
        .reduce(ExactSum::new, |mut a, b| {
            a.merge(&b);
            a
        });
    if members == Membership::Community {
        let mut cells: Vec<usize> = (0..membership.len())
            .filter(|&b| membership[b] == members)
            .map(|b| ctx.aggregates.cell_of[b])
            .collect();
        cells.sort_unstable();
        cells.dedup();
        for cell in cells {
            for o in on.in_cell(ctx, cell) {
                sum.add(o.abatement_t);
            }
        }
    }
    sum.value()
}

/// What the enabled building interventions would cut at each of `buildings` (indices in
/// `site.buildings`), t CO2e per year: each intervention on the state the previous ones left,
/// as [`opportunities`] stacks them, added in that order.
pub fn building_offers_t(
    ctx: &OffsetContext,
    enabled: &[Intervention],
    buildings: &[usize],
) -> Vec<f64> {
    let on = Enabled::new(enabled);
    buildings.par_iter().map(|&b| on.offer_t(ctx, b)).collect()
}

/// The enabled interventions' models, by where they work, in [`Intervention::ALL`] order.
struct Enabled {
    at_building: Vec<&'static dyn AtBuilding>,
    in_cell: Vec<&'static dyn InCell>,
}

impl Enabled {
    fn new(enabled: &[Intervention]) -> Enabled {
        let mut e = Enabled {
            at_building: Vec::new(),
            in_cell: Vec::new(),
        };
        for i in Intervention::ALL.iter().filter(|i| enabled.contains(i)) {
            match model(*i) {
                Model::AtBuilding(m) => e.at_building.push(m),
                Model::InCell(m) => e.in_cell.push(m),
            }
        }
        e
    }

    /// The opportunities at building `b`, each intervention on the state the previous ones
    /// left, so their abatements add up without counting a tonne twice.
    fn at_building<'a>(
        &'a self,
        ctx: &'a OffsetContext,
        b: usize,
    ) -> impl Iterator<Item = Opportunity> + 'a {
        let mut state = Measures::default();
        self.at_building
            .iter()
            .filter_map(move |i| i.at_building(ctx, b, &mut state))
    }

    /// What the building interventions would cut at building `b`, t CO2e per year: its
    /// opportunities' abatements added in stack order.
    fn offer_t(&self, ctx: &OffsetContext, b: usize) -> f64 {
        let mut t = 0.0;
        for o in self.at_building(ctx, b) {
            t += o.abatement_t;
        }
        t
    }

    /// The opportunities in grid cell `cell`.
    fn in_cell<'a>(
        &'a self,
        ctx: &'a OffsetContext,
        cell: usize,
    ) -> impl Iterator<Item = Opportunity> + 'a {
        self.in_cell.iter().filter_map(move |i| {
            i.in_cell(ctx, cell).map(|mut o| {
                o.cell = cell;
                o
            })
        })
    }
}

/// What the community buildings of `cells` (indices in `aggregates.cells`) and the cells
/// themselves offer with the enabled interventions, t CO2e per year, stacked as
/// [`opportunities`] stacks them.
pub fn credits_in_cells(ctx: &OffsetContext, enabled: &[Intervention], cells: &[usize]) -> f64 {
    // The cells' totals added in order, so the sum is the same whatever the number of threads.
    credits_by_cell(ctx, enabled, cells).iter().sum()
}

/// [`credits_in_cells`] cell by cell, in the order of `cells`.
pub fn credits_by_cell(ctx: &OffsetContext, enabled: &[Intervention], cells: &[usize]) -> Vec<f64> {
    credits_by_cell_under(std::slice::from_ref(ctx), enabled, cells)
        .into_iter()
        .map(|c| c[0])
        .collect()
}

/// [`credits_by_cell`] under each of several contexts (the same site under other factors):
/// `[cell][context]`. Each building is visited once and evaluated under every context while
/// its data is at hand; each context's sum is added in [`credits_by_cell`]'s order. The first
/// context is the reference: under another, an intervention that reads none of the parts
/// where its factors differ from the first's ([`InterventionModel::reads`]), met in the same
/// state, takes the first's result instead of being run again.
pub fn credits_by_cell_under(
    contexts: &[OffsetContext],
    enabled: &[Intervention],
    cells: &[usize],
) -> Vec<Vec<f64>> {
    let on = Enabled::new(enabled);
    let Some(first) = contexts.first() else {
        return vec![Vec::new(); cells.len()];
    };
    let differ: Vec<u32> = contexts
        .iter()
        .map(|c| c.factors.differing(first.factors))
        .collect();
    // Each cell on its own, in parallel.
    cells
        .par_iter()
        .map(|&cell| {
            // -0.0: the neutral element `Sum` starts from, so an empty cell sums as before.
            let mut sums = vec![-0.0; contexts.len()];
            // Per intervention at the building, under the first context: its abatement, if it
            // applies, and the state it leaves.
            let mut reference: Vec<(Option<f64>, Measures)> = Vec::new();
            for &b in first.community_in_cell[cell].iter() {
                reference.clear();
                let mut state = Measures::default();
                for i in &on.at_building {
                    let found = i.at_building(first, b, &mut state).map(|o| o.abatement_t);
                    reference.push((found, state.clone()));
                }
                for (k, (sum, ctx)) in sums.iter_mut().zip(contexts).enumerate() {
                    let mut state = Measures::default();
                    // Whether `state` is still the reference's at this point of the stack.
                    let mut same = true;
                    for (i, (found, after)) in on.at_building.iter().zip(&reference) {
                        let abatement = if same && i.reads() & differ[k] == 0 {
                            state.clone_from(after);
                            *found
                        } else {
                            let a = i.at_building(ctx, b, &mut state).map(|o| o.abatement_t);
                            same = same && state == *after;
                            a
                        };
                        if let Some(a) = abatement {
                            *sum += a;
                        }
                    }
                }
            }
            let reference: Vec<Option<f64>> = on
                .in_cell
                .iter()
                .map(|i| i.in_cell(first, cell).map(|o| o.abatement_t))
                .collect();
            for (k, (sum, ctx)) in sums.iter_mut().zip(contexts).enumerate() {
                for (i, found) in on.in_cell.iter().zip(&reference) {
                    let abatement = if i.reads() & differ[k] == 0 {
                        *found
                    } else {
                        i.in_cell(ctx, cell).map(|o| o.abatement_t)
                    };
                    if let Some(a) = abatement {
                        *sum += a;
                    }
                }
            }
            sums
        })
        .collect()
}

/// Buildings per block of the parallel search for opportunities.
const BLOCK: usize = 16_384;

/// The opportunities, each passed through `keep` as soon as it is found.
fn found<T: Send>(
    ctx: &OffsetContext,
    enabled: &[Intervention],
    members: Membership,
    keep: impl Fn(Opportunity) -> T + Sync,
) -> Vec<T> {
    let on = Enabled::new(enabled);
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
    let mut out: Vec<T> =
        Vec::with_capacity(on.at_building.len() * members_n + on.in_cell.len() * cells.len());
    let starts: Vec<usize> = (0..membership.len()).step_by(BLOCK).collect();
    let per_round = rayon::current_num_threads().max(1) * 4;
    for round in starts.chunks(per_round) {
        let blocks: Vec<Vec<T>> = round
            .par_iter()
            .map(|&start| {
                let end = (start + BLOCK).min(membership.len());
                (start..end)
                    .filter(|&b| membership[b] == members)
                    .flat_map(|b| on.at_building(ctx, b))
                    .map(&keep)
                    .collect()
            })
            .collect();
        for block in blocks {
            out.extend(block);
        }
    }
    if members == Membership::Community {
        for cell in cells {
            out.extend(on.in_cell(ctx, cell).map(&keep));
        }
    }
    out
}

/// Energy emissions of a building under some measures, t CO2e per year (the energy model's).
pub fn energy_t(ctx: &OffsetContext, b: usize, m: &Measures) -> f64 {
    EnergyModel.co2e_t(
        &ctx.site.buildings[b],
        &ctx.profiles.buildings[b],
        m,
        ctx.factors,
    )
}
