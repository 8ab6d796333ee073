//! Offset zones: the community's grid cells ranked by abatement per annual cost (or per
//! hectare), selected in rank order until the target is met, and selected cells that share an
//! edge merged into contiguous zones. A cell's geometry is its part inside the community, so
//! every zone lies in the community and outside the district.

use std::collections::BTreeMap;

use geo::{Area, MultiPolygon};

use super::{OffsetContext, Opportunity};
use crate::aggregate::grid::tiling;

pub use crate::kinds::RankBy;

/// One community cell with what it offers.
#[derive(Debug, Clone)]
pub struct CellOffer {
    /// Index in `aggregates.cells`.
    pub cell: usize,
    /// The cell's column and row (or axial q, r).
    pub key: (i64, i64),
    /// t CO2e per year on offer.
    pub abatement_t: f64,
    /// Capital cost, in the preset's currency.
    pub capex: f64,
    /// Annual cost (capital / lifetime + operating), in the preset's currency.
    pub annual_cost: f64,
    /// t CO2e per year by intervention.
    pub by_intervention: BTreeMap<&'static str, f64>,
    /// Community buildings in the cell.
    pub buildings: usize,
    /// The cell's part inside the community, local CRS.
    pub geometry: MultiPolygon<f64>,
    /// Area of the cell's part inside the community, m².
    pub area_m2: f64,
    /// The ranking score (higher first).
    pub score: f64,
}

/// Selected cells that touch, merged.
#[derive(Debug, Clone)]
pub struct Zone {
    /// 1 = the best zone by the ranking score.
    pub rank: usize,
    /// Indices into `OffsetPlan::ranked`.
    pub cells: Vec<usize>,
    /// The zone's outline, local CRS.
    pub geometry: MultiPolygon<f64>,
    /// t CO2e per year.
    pub abatement_t: f64,
    /// Capital cost, in the preset's currency.
    pub capex: f64,
    /// Annual cost, in the preset's currency.
    pub annual_cost: f64,
    /// t CO2e per year by intervention key.
    pub by_intervention: BTreeMap<&'static str, f64>,
    /// Area, m².
    pub area_m2: f64,
    /// Community buildings in the zone.
    pub buildings: usize,
    /// Abatement per cost (or per hectare), as the cells were ranked.
    pub score: f64,
}

/// The ranked cells, the selection and the zones.
#[derive(Debug, Clone)]
pub struct OffsetPlan {
    /// Every opportunity in the community.
    pub opportunities: Vec<Opportunity>,
    /// What the cells were ranked by.
    pub rank_by: RankBy,
    /// Every community cell with an opportunity, best first.
    pub ranked: Vec<CellOffer>,
    /// How many of `ranked` (from the top) are selected.
    pub selected: usize,
    /// The selected cells merged into contiguous zones, best first.
    pub zones: Vec<Zone>,
    /// Per ranked cell, the rank of its zone (selected cells only).
    pub zone_of: BTreeMap<usize, usize>,
    /// What the credits must cover, t CO2e per year.
    pub target_t: f64,
    /// What the selected cells offer, t CO2e per year.
    pub selected_t: f64,
    /// All the community offers with the enabled interventions.
    pub available_t: f64,
    /// Target − selected, when the community cannot cover the target; else 0.
    pub shortfall_t: f64,
}

fn score(rank_by: RankBy, abatement: f64, annual_cost: f64, area_m2: f64) -> f64 {
    match rank_by {
        RankBy::Cost if annual_cost > 0.0 => abatement / annual_cost,
        RankBy::Cost => f64::INFINITY,
        RankBy::Area if area_m2 > 0.0 => abatement / (area_m2 / 10_000.0),
        RankBy::Area => f64::INFINITY,
    }
}

/// Ranks, selects and merges.
pub fn plan(
    ctx: &OffsetContext,
    opportunities: Vec<Opportunity>,
    target_t: f64,
    rank_by: RankBy,
) -> OffsetPlan {
    let mut per_cell: BTreeMap<usize, CellOffer> = BTreeMap::new();
    // Each cell's share of the community, cut once per cell, the cells side by side (rayon
    // keeps the order).
    let community = crate::site::lookup::AreaLookup::new(&ctx.community.area);
    let cells: std::collections::BTreeSet<usize> = opportunities.iter().map(|o| o.cell).collect();
    let mut shares: BTreeMap<usize, MultiPolygon<f64>> = {
        use rayon::prelude::*;
        let cells: Vec<usize> = cells.into_iter().collect();
        let cut: Vec<MultiPolygon<f64>> = cells
            .par_iter()
            .map(|c| community.clip(&ctx.aggregates.cells[*c].polygon))
            .collect();
        cells.into_iter().zip(cut).collect()
    };
    for o in &opportunities {
        let c = per_cell.entry(o.cell).or_insert_with(|| {
            let geometry = shares
                .remove(&o.cell)
                .unwrap_or_else(|| MultiPolygon::new(vec![]));
            CellOffer {
                cell: o.cell,
                key: ctx.aggregates.cells[o.cell].key,
                abatement_t: 0.0,
                capex: 0.0,
                annual_cost: 0.0,
                by_intervention: BTreeMap::new(),
                buildings: ctx.community_in_cell[o.cell].len(),
                area_m2: geometry.unsigned_area(),
                geometry,
                score: 0.0,
            }
        });
        c.abatement_t += o.abatement_t;
        c.capex += o.capex;
        c.annual_cost += o.annual_cost;
        *c.by_intervention.entry(o.intervention().key()).or_default() += o.abatement_t;
    }
    let mut ranked: Vec<CellOffer> = per_cell
        .into_values()
        .filter(|c| c.abatement_t > 0.0 && c.area_m2 > 0.0)
        .map(|mut c| {
            c.score = score(rank_by, c.abatement_t, c.annual_cost, c.area_m2);
            c
        })
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.key.cmp(&b.key)));
    // + 0.0: the sum of no cell is −0.0, which the tables would show as "-0.0".
    let available_t: f64 = ranked.iter().map(|c| c.abatement_t).sum::<f64>() + 0.0;

    let mut selected = 0;
    let mut selected_t = 0.0;
    while selected < ranked.len() && selected_t < target_t {
        selected_t += ranked[selected].abatement_t;
        selected += 1;
    }

    // Union-find over the selected cells by grid adjacency.
    let index: BTreeMap<(i64, i64), usize> = ranked[..selected]
        .iter()
        .enumerate()
        .map(|(i, c)| (c.key, i))
        .collect();
    let mut parent: Vec<usize> = (0..selected).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let tiles = tiling(&ctx.aggregates.grid);
    for (i, c) in ranked[..selected].iter().enumerate() {
        for n in tiles.neighbours(c.key) {
            if let Some(&j) = index.get(&n) {
                let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
                if ri != rj {
                    parent[ri.max(rj)] = ri.min(rj);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..selected {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut zones: Vec<Zone> = groups
        .into_values()
        .map(|cells| {
            let mut z = Zone {
                rank: 0,
                geometry: MultiPolygon::new(vec![]),
                abatement_t: 0.0,
                capex: 0.0,
                annual_cost: 0.0,
                by_intervention: BTreeMap::new(),
                area_m2: 0.0,
                buildings: 0,
                score: 0.0,
                cells: cells.clone(),
            };
            for i in &cells {
                let c = &ranked[*i];
                z.abatement_t += c.abatement_t;
                z.capex += c.capex;
                z.annual_cost += c.annual_cost;
                z.area_m2 += c.area_m2;
                z.buildings += c.buildings;
                for (k, v) in &c.by_intervention {
                    *z.by_intervention.entry(k).or_default() += v;
                }
            }
            z.geometry = geo::unary_union(cells.iter().map(|i| &ranked[*i].geometry));
            z.score = score(rank_by, z.abatement_t, z.annual_cost, z.area_m2);
            z
        })
        .collect();
    zones.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.cells[0].cmp(&b.cells[0]))
    });
    let mut zone_of = BTreeMap::new();
    for (r, z) in zones.iter_mut().enumerate() {
        z.rank = r + 1;
        for c in &z.cells {
            zone_of.insert(*c, z.rank);
        }
    }
    OffsetPlan {
        opportunities,
        rank_by,
        ranked,
        selected,
        zones,
        zone_of,
        target_t,
        selected_t,
        available_t,
        shortfall_t: (target_t - selected_t).max(0.0),
    }
}
