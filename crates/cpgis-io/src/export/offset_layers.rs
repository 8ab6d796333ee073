//! The layers of a full run beyond the estimate: `community`, `opportunities`, `offset_zones`.
//! Costs are in the preset's currency, named in a `currency` property.

use std::path::{Path, PathBuf};

use gdal::spatial_ref::CoordTransform;
use geo::{Area, MultiPolygon};

use super::atomic::write_atomic;
use super::geojson::{write_layer, FeatureWriter, Geom, Key, Prop};
use super::layers::cell_id_json;
use cpgis_core::community::Membership;
use cpgis_core::kinds::Intervention;
use cpgis_core::run::Ran;
use cpgis_core::Result;

const T: u8 = 4;

fn cost_per_t(annual_cost: f64, abatement_t: f64) -> Prop {
    if abatement_t > 0.0 {
        Prop::Num(annual_cost / abatement_t, 2)
    } else {
        Prop::Null
    }
}

/// `community.geojson`: the community area (district excluded) with what it holds.
pub fn write_community(dir: &Path, ran: &Ran, to_wgs84: &CoordTransform) -> Result<PathBuf> {
    let e = &ran.estimated;
    let c = &ran.community;
    let neighbours: Vec<&str> = c
        .neighbours
        .iter()
        .map(|i| e.site.neighbourhoods[*i].id.as_str())
        .collect();
    let (mut residents, mut baseline) = (0.0, 0.0);
    for (b, m) in c.membership.iter().enumerate() {
        if *m == Membership::Community {
            residents += e.profiles.buildings[b].residents;
            baseline += e.estimates.buildings[b].total(0);
        }
    }
    let props: Vec<(&str, Prop)> = vec![
        (
            "method",
            Prop::Str(format!("{:?}", c.method).to_lowercase()),
        ),
        ("distance_m", Prop::Num(c.distance_m, 1)),
        ("neighbours", Prop::Str(neighbours.join(";"))),
        ("serving_stops", Prop::Int(c.serving_stops as i64)),
        ("area_ha", Prop::Num(c.area.unsigned_area() / 10_000.0, 2)),
        (
            "buildings",
            Prop::Int(c.count(Membership::Community) as i64),
        ),
        ("residents", Prop::Num(residents, 2)),
        ("baseline_co2e_t_yr", Prop::Num(baseline, T)),
    ];
    write_layer(dir, "community", to_wgs84, |fw| {
        fw.feature(Geom::MultiPolygon(&c.area), &props)
    })
}

/// `opportunities.geojson`: every intervention at every community building (or cell), with its
/// abatement, cost and assumptions, and whether an offset zone selected it.
pub fn write_opportunities(dir: &Path, ran: &Ran) -> Result<PathBuf> {
    let e = &ran.estimated;
    let plan = &ran.plan;
    let ranked_index: std::collections::BTreeMap<usize, usize> = plan
        .ranked
        .iter()
        .enumerate()
        .map(|(i, c)| (c.cell, i))
        .collect();
    // The property names, rendered once.
    let [intervention, building_id, grid_cell, abatement, capex, annual_cost, per_t, currency, selected, zone_rank, assumptions] =
        [
            "intervention",
            "building_id",
            "grid_cell",
            "abatement_co2e_t_yr",
            "capex",
            "annual_cost",
            "cost_per_t",
            "currency",
            "selected",
            "zone_rank",
            "assumptions",
        ]
        .map(|name| Key::new("", name));
    let feature = |i: usize, fw: &mut FeatureWriter| -> std::io::Result<()> {
        let o = &plan.opportunities[i];
        let zone = ranked_index
            .get(&o.cell)
            .and_then(|i| plan.zone_of.get(i))
            .copied();
        let cell = &e.aggregates.cells[o.cell];
        fw.start();
        fw.str_key(&intervention, o.intervention().key());
        match o.building {
            Some(b) => fw.str_key(&building_id, &e.site.buildings[b].id),
            None => fw.null_key(&building_id),
        }
        let mut id = [0u8; 48];
        fw.raw_key(&grid_cell, cell_id_json(&mut id, cell.key.0, cell.key.1));
        fw.num_key(&abatement, o.abatement_t, T);
        fw.num_key(&capex, o.capex, 0);
        fw.num_key(&annual_cost, o.annual_cost, 0);
        match cost_per_t(o.annual_cost, o.abatement_t) {
            Prop::Num(v, d) => fw.num_key(&per_t, v, d),
            _ => fw.null_key(&per_t),
        }
        fw.str_key(&currency, &e.factors.currency);
        fw.bool_key(&selected, zone.is_some());
        match zone {
            Some(z) => fw.int_key(&zone_rank, z as i64),
            None => fw.null_key(&zone_rank),
        }
        let p = o.building.map(|b| &e.profiles.buildings[b]);
        fw.str_key(
            &assumptions,
            &cpgis_core::offsets::describe(&e.factors, p, o),
        );
        match o.building {
            Some(b) => fw.end_shared(b, Geom::from(&e.site.buildings[b].shape)),
            None => fw.end(Geom::MultiPolygon(&MultiPolygon::new(vec![cell
                .polygon
                .clone()]))),
        }
    };
    let path = dir.join("opportunities.geojson");
    write_atomic(&path, |w| {
        super::geojson::write_parallel(
            w,
            "opportunities",
            e.site.crs.epsg,
            plan.opportunities.len(),
            &feature,
        )
    })?;
    Ok(path)
}

/// `offset_zones.geojson`: the selected zones, best first.
pub fn write_zones(dir: &Path, ran: &Ran, to_wgs84: &CoordTransform) -> Result<PathBuf> {
    let e = &ran.estimated;
    write_layer(dir, "offset_zones", to_wgs84, |fw| {
        for z in &ran.plan.zones {
            let mut props: Vec<(String, Prop)> = vec![
                ("rank".into(), Prop::Int(z.rank as i64)),
                ("cells".into(), Prop::Int(z.cells.len() as i64)),
                ("abatement_co2e_t_yr".into(), Prop::Num(z.abatement_t, T)),
            ];
            for i in Intervention::ALL {
                let v = z.by_intervention.get(i.key()).copied().unwrap_or(0.0);
                props.push((format!("{}_co2e_t_yr", i.key()), Prop::Num(v, T)));
            }
            props.extend([
                ("capex".into(), Prop::Num(z.capex, 0)),
                ("annual_cost".into(), Prop::Num(z.annual_cost, 0)),
                (
                    "cost_per_t".into(),
                    cost_per_t(z.annual_cost, z.abatement_t),
                ),
                ("currency".into(), Prop::Str(e.factors.currency.clone())),
                ("area_ha".into(), Prop::Num(z.area_m2 / 10_000.0, 2)),
                ("buildings".into(), Prop::Int(z.buildings as i64)),
            ]);
            let refs: Vec<(&str, Prop)> =
                props.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
            fw.feature(Geom::MultiPolygon(&z.geometry), &refs)?;
        }
        Ok(())
    })
}
