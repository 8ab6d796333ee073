//! The GeoJSON layers of an estimate: `buildings`, `grid`, `neighbourhoods`. Property names
//! are snake_case with the unit in the name; emissions are `{scenario}_{sector}_co2e_t_yr` and
//! `{scenario}_co2e_t_yr`.

use std::io::Write;
use std::path::Path;

use gdal::spatial_ref::CoordTransform;

use super::atomic::write_atomic;
use super::geojson::{FeatureWriter, Geom, Prop};
use crate::aggregate::Totals;
use crate::estimate::BuildingEstimate;
use crate::pipeline::Estimated;
use crate::validate::Shape;
use crate::Result;

/// Decimals kept per kind of number.
const T: u8 = 4; // t CO2e: 0.1 kg
const KWH: u8 = 1;
const M2: u8 = 1;
const PEOPLE: u8 = 2;

/// Emission columns of one set of totals, in scenario then sector order.
fn emission_props(run: &Estimated, co2e: &[Vec<f64>], out: &mut Vec<(String, Prop)>) {
    for (s, scenario) in run.estimates.scenarios.iter().enumerate() {
        for (k, sector) in run.estimates.sectors.iter().enumerate() {
            out.push((
                format!("{}_{}_co2e_t_yr", scenario.name, sector.key()),
                Prop::Num(co2e[s][k], T),
            ));
        }
        out.push((
            format!("{}_co2e_t_yr", scenario.name),
            Prop::Num(co2e[s].iter().sum(), T),
        ));
    }
}

fn building_co2e(e: &BuildingEstimate) -> Vec<Vec<f64>> {
    e.results
        .iter()
        .map(|s| s.iter().map(|r| r.co2e_t).collect())
        .collect()
}

fn totals_props(run: &Estimated, t: &Totals, out: &mut Vec<(String, Prop)>) {
    out.push(("buildings".into(), Prop::Int(t.buildings as i64)));
    out.push(("gfa_m2".into(), Prop::Num(t.floor_area_m2, M2)));
    out.push(("residents".into(), Prop::Num(t.residents, PEOPLE)));
    out.push(("jobs".into(), Prop::Num(t.jobs, PEOPLE)));
    emission_props(run, &t.co2e_t, out);
}

fn write_layer(
    dir: &Path,
    name: &str,
    to_wgs84: &CoordTransform,
    features: impl FnOnce(&mut FeatureWriter) -> std::io::Result<()>,
) -> Result<std::path::PathBuf> {
    let path = dir.join(format!("{name}.geojson"));
    write_atomic(&path, |w: &mut dyn Write| {
        let mut fw = FeatureWriter::begin(w, name, to_wgs84)?;
        features(&mut fw)?;
        fw.finish()
    })?;
    Ok(path)
}

fn as_refs(props: &[(String, Prop)]) -> Vec<(&str, Prop)> {
    props.iter().map(|(k, v)| (k.as_str(), v.clone())).collect()
}

/// `buildings.geojson`: every building with its profile, baseline activity and emissions, and
/// (after a full run) whether it lies in the district, the community or neither.
pub fn write_buildings(
    dir: &Path,
    run: &Estimated,
    membership: Option<&[crate::community::Membership]>,
    _to_wgs84: &CoordTransform,
) -> Result<std::path::PathBuf> {
    let path = dir.join("buildings.geojson");
    let n = run.site.buildings.len();
    let feature = |i: usize, fw: &mut FeatureWriter| -> std::io::Result<()> {
        {
            let (b, p, e) = (
                &run.site.buildings[i],
                &run.profiles.buildings[i],
                &run.estimates.buildings[i],
            );
            let source = run
                .config
                .buildings
                .get(b.layer)
                .and_then(|s| s.source.path.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let raw_use = b
                .uses
                .iter()
                .map(|u| u.raw.trim())
                .filter(|u| !u.is_empty())
                .collect::<Vec<_>>()
                .join(";");
            let mut props: Vec<(String, Prop)> = vec![
                ("id".into(), Prop::Str(b.id.clone())),
                ("source".into(), Prop::Str(source)),
                ("in_district".into(), Prop::Bool(p.in_district)),
                ("use".into(), Prop::Str(p.uses.primary().key().into())),
                ("uses".into(), Prop::Str(p.uses.describe())),
                ("raw_use".into(), Prop::Str(raw_use)),
                ("floors".into(), Prop::Num(p.floor.floors, 1)),
                (
                    "floors_source".into(),
                    Prop::Str(p.floor.floors_source.key().into()),
                ),
                ("footprint_m2".into(), Prop::Num(p.footprint_m2, M2)),
                ("gfa_m2".into(), Prop::Num(p.floor.gfa_m2, M2)),
                ("gfa_source".into(), Prop::Str(p.floor.source.key().into())),
                (
                    "year".into(),
                    p.year.map(|y| Prop::Int(y as i64)).unwrap_or(Prop::Null),
                ),
                ("era".into(), Prop::Str(p.era.key().into())),
                ("residents".into(), Prop::Num(p.residents, PEOPLE)),
                (
                    "residents_source".into(),
                    Prop::Str(p.residents_source.key().into()),
                ),
                ("jobs".into(), Prop::Num(p.jobs, PEOPLE)),
                ("access_index".into(), Prop::Num(p.access.index, 2)),
                ("access_band".into(), Prop::Str(p.access.band.into())),
                (
                    "grid_cell".into(),
                    Prop::Str(cell_id(run.aggregates.cells[run.aggregates.cell_of[i]].key)),
                ),
                (
                    "neighbourhood".into(),
                    run.aggregates.neighbourhood_of[i]
                        .map(|n| Prop::Str(run.site.neighbourhoods[n].id.clone()))
                        .unwrap_or(Prop::Null),
                ),
            ];
            if let Some(m) = membership {
                props.insert(3, ("membership".into(), Prop::Str(m[i].key().into())));
            }
            // Baseline activity, every sector's quantities.
            for r in &e.results[0] {
                for (name, v) in &r.quantities {
                    let decimals = if name.ends_with("_kwh_yr")
                        || name.ends_with("_pkm_yr")
                        || *name == "trips_yr"
                    {
                        KWH
                    } else if name.ends_with("_t_yr") || name.ends_with("_share") {
                        T
                    } else {
                        2
                    };
                    let value = if *name == "energy_tier" {
                        Prop::Int(*v as i64)
                    } else {
                        Prop::Num(*v, decimals)
                    };
                    props.push((format!("baseline_{name}"), value));
                }
            }
            // The PV yield of each other scenario (it is the only activity a measure adds).
            for (s, scenario) in run.estimates.scenarios.iter().enumerate().skip(1) {
                let pv = e.results[s]
                    .iter()
                    .flat_map(|r| &r.quantities)
                    .find(|q| q.0 == "pv_kwh_yr")
                    .map(|q| q.1)
                    .unwrap_or(0.0);
                props.push((format!("{}_pv_kwh_yr", scenario.name), Prop::Num(pv, KWH)));
            }
            emission_props(run, &building_co2e(e), &mut props);
            let geom = match &b.shape {
                Shape::Area(mp) => Geom::MultiPolygon(mp),
                Shape::Point(pt) => Geom::Point(*pt),
            };
            fw.feature(geom, &as_refs(&props))?;
        }
        Ok(())
    };
    write_atomic(&path, |w| {
        super::geojson::write_parallel(w, "buildings", run.site.crs.epsg, n, &feature)
    })?;
    Ok(path)
}

/// The id of a grid cell: `c{col}_r{row}` (squares) or `q{q}_r{r}` (hexagons) share one form.
pub fn cell_id((a, b): (i64, i64)) -> String {
    format!("{a}_{b}")
}

/// `grid.geojson`: every cell holding at least one building.
pub fn write_grid(
    dir: &Path,
    run: &Estimated,
    to_wgs84: &CoordTransform,
) -> Result<std::path::PathBuf> {
    let agg = &run.aggregates;
    write_layer(dir, "grid", to_wgs84, |fw| {
        for c in &agg.cells {
            let mut props: Vec<(String, Prop)> = vec![
                ("cell_id".into(), Prop::Str(cell_id(c.key))),
                ("col".into(), Prop::Int(c.key.0)),
                ("row".into(), Prop::Int(c.key.1)),
                ("area_m2".into(), Prop::Num(agg.cell_area_m2, M2)),
            ];
            totals_props(run, &c.totals, &mut props);
            let per_ha = c.totals.total(0) / (agg.cell_area_m2 / 10_000.0);
            props.push(("baseline_co2e_t_yr_per_ha".into(), Prop::Num(per_ha, T)));
            fw.feature(Geom::Polygon(&c.polygon), &as_refs(&props))?;
        }
        Ok(())
    })
}

/// `neighbourhoods.geojson`: every neighbourhood of the site file, with or without buildings.
pub fn write_neighbourhoods(
    dir: &Path,
    run: &Estimated,
    to_wgs84: &CoordTransform,
) -> Result<std::path::PathBuf> {
    let agg = &run.aggregates;
    write_layer(dir, "neighbourhoods", to_wgs84, |fw| {
        for (n, t) in run.site.neighbourhoods.iter().zip(&agg.neighbourhoods) {
            let mut props: Vec<(String, Prop)> = vec![
                ("id".into(), Prop::Str(n.id.clone())),
                (
                    "population_attribute".into(),
                    n.population
                        .map(|v| Prop::Num(v, PEOPLE))
                        .unwrap_or(Prop::Null),
                ),
            ];
            totals_props(run, t, &mut props);
            fw.feature(Geom::MultiPolygon(&n.area), &as_refs(&props))?;
        }
        Ok(())
    })
}
