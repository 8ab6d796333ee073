//! One tile's work: its features in, its own buildings' results out, by the core functions
//! `cpgis run` uses (profile, estimate, the aggregation grid's cell, the neighbourhood, the place
//! in the district, the community or outside).

use arrow_array::RecordBatch;
use cpgis_core::estimate::Scenarios;
use cpgis_core::preset::Factors;

use cpgis_core::community::{Community, Membership, Outline};
use cpgis_core::offsets::{building_offers_t, OffsetContext};

use crate::model::Model;
use crate::{features, results, wkb};

/// What a worker holds for every tile it runs: the model, checked once.
pub struct Worker {
    model: Model,
    factors: Factors,
    scenarios: Scenarios,
    community: geo::MultiPolygon<f64>,
}

impl Worker {
    /// A worker for `model`.
    pub fn new(model: Model) -> Result<Worker, String> {
        let (factors, scenarios) = model.checked()?;
        let community = model.community_area()?;
        Ok(Worker {
            model,
            factors,
            scenarios,
            community,
        })
    }

    /// The results' schema.
    pub fn schema(&self) -> std::sync::Arc<arrow_schema::Schema> {
        results::schema(&self.scenarios)
    }

    /// One tile: profiles and estimates its buildings (the halo's too, for its own to see
    /// their whole population cells), returns the own buildings' results in index order.
    pub fn run(&self, batches: &[RecordBatch]) -> Result<RecordBatch, String> {
        let d = features::decode(batches, self.model.site()?)?;
        let profiles = cpgis_core::profile::profile(&d.site, &self.factors);
        let estimates =
            cpgis_core::estimate::estimate(&d.site, &profiles, &self.factors, &self.scenarios);
        let tiling = cpgis_core::aggregate::grid::tiling(&self.model.grid);
        let neighbourhood = cpgis_core::aggregate::neighbourhood_of(&d.site, &profiles);
        // The community by the driver's area: each building placed as `cpgis run` places it,
        // and what each own building beyond it would offer with the enabled building
        // interventions (the driver adds them, exactly; the community's offers are its own).
        // (Its share inside the map's buildings' extent is the driver's: not measured here.)
        let community = Community::placed(
            &self.model.community_spec,
            Outline::of_area(self.community.clone()),
            None,
            &profiles,
        );
        let aggregates =
            cpgis_core::aggregate::aggregate(&d.site, &profiles, &estimates, &self.model.grid);
        let ctx = OffsetContext::new(&d.site, &profiles, &self.factors, &community, &aggregates);
        let own: Vec<usize> = (0..d.site.buildings.len()).filter(|k| d.own[*k]).collect();
        let outside: Vec<usize> = own
            .iter()
            .copied()
            .filter(|k| community.membership[*k] == Membership::Outside)
            .collect();
        let mut offers = building_offers_t(&ctx, &self.model.interventions, &outside)
            .into_iter()
            .zip(&outside)
            .map(|(t, k)| (*k, t))
            .peekable();
        let rows: Vec<results::Row> = own
            .iter()
            .map(|&k| {
                let offer_t = offers.next_if(|(b, _)| *b == k).map(|(_, t)| t);
                let p = &profiles.buildings[k];
                results::Row {
                    idx: d.global[k],
                    id: &d.site.buildings[k].id,
                    wkb: wkb::of_shape(&d.site.buildings[k].shape),
                    cell: tiling.cell_of(p.point.x(), p.point.y()),
                    neighbourhood: neighbourhood[k],
                    membership: community.membership[k],
                    offer_t,
                    profile: p,
                    estimate: &estimates.buildings[k],
                }
            })
            .collect();
        // The own buildings' part of the profile notes, tallied here, where their attributes
        // are: the driver merges the parts instead of holding the buildings.
        let mut notes = cpgis_core::profile::NotePart::default();
        for &k in &own {
            let (b, p) = (&d.site.buildings[k], &profiles.buildings[k]);
            notes.add(d.global[k] as usize, &d.site, &self.factors, b, p);
        }
        results::with_notes(results::batch(&rows, &self.scenarios)?, &notes)
    }
}
