//! Transit improvement for dense, poorly served cells: where a grid cell's community buildings
//! house at least the preset's minimum of residents and their resident-weighted access index is
//! at most the preset's maximum, a new bus service (the preset's departures per hour) stops at
//! their resident-weighted centre. Each building's access index is recomputed with it; the
//! lower car share that follows is the abatement. Cost: the route's operating cost per year.

use super::{Figures, InCell, InterventionModel, OffsetContext, Opportunity};
use crate::access::Service;
use crate::estimate::transport::TransportModel;
use crate::estimate::{Measures, SectorModel};
use crate::kinds::Intervention;
use crate::preset::{Factors, Mode};
use crate::profile::Profile;

/// A new bus service in dense, poorly served cells.
pub struct Transit;

impl InterventionModel for Transit {
    fn intervention(&self) -> Intervention {
        Intervention::Transit
    }

    fn reads(&self) -> u32 {
        crate::estimate::transport::READS | crate::preset::parts::OFFSETS
    }

    fn describe(&self, f: &Factors, _p: Option<&Profile>, o: &Opportunity) -> String {
        let Figures::Transit {
            residents,
            access_index: index,
        } = o.figures
        else {
            return String::new();
        };
        let offsets = &f.offsets;
        format!(
            "{residents:.0} residents at access index {index:.1}: a bus stop with {} departures/h at their centre; {} {}/yr to run",
            offsets.transit_departures_per_hour, offsets.transit_annual_cost, f.currency
        )
    }
}

impl InCell for Transit {
    fn in_cell(&self, ctx: &OffsetContext, cell: usize) -> Option<Opportunity> {
        let f = ctx.factors;
        let o = &f.offsets;
        let members = &ctx.community_in_cell[cell];
        let residents: f64 = members
            .iter()
            .map(|b| ctx.profiles.buildings[*b].residents)
            .sum();
        if residents < o.transit_min_residents || residents <= 0.0 {
            return None;
        }
        let weighted = |g: &dyn Fn(usize) -> f64| {
            members
                .iter()
                .map(|b| g(*b) * ctx.profiles.buildings[*b].residents)
                .sum::<f64>()
                / residents
        };
        let index = weighted(&|b| ctx.profiles.buildings[b].access.index);
        if index > o.transit_max_access_index {
            return None;
        }
        let stop = Service {
            point: [
                weighted(&|b| ctx.profiles.buildings[b].point.x()),
                weighted(&|b| ctx.profiles.buildings[b].point.y()),
            ],
            mode: Mode::Bus,
            route: Some(format!("proposed route in cell {cell}")),
            departures_per_hour: o.transit_departures_per_hour,
        };
        let none = Measures::default();
        let mut abatement_t = 0.0;
        for b in members {
            let p = &ctx.profiles.buildings[*b];
            let mut improved = p.clone();
            improved.access = ctx.access.at_with([p.point.x(), p.point.y()], Some(&stop));
            let building = &ctx.site.buildings[*b];
            abatement_t += TransportModel.co2e_t(building, p, &none, f)
                - TransportModel.co2e_t(building, &improved, &none, f);
        }
        if abatement_t <= 0.0 {
            return None;
        }
        Some(Opportunity {
            building: None,
            cell,
            abatement_t,
            capex: 0.0,
            annual_cost: o.transit_annual_cost,
            figures: Figures::Transit {
                residents,
                access_index: index,
            },
        })
    }
}
