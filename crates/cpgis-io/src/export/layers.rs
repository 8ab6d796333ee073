//! The GeoJSON layers of an estimate: `buildings`, `grid`, `neighbourhoods`. Property names
//! are snake_case with the unit in the name; emissions are `{scenario}_{sector}_co2e_t_yr` and
//! `{scenario}_co2e_t_yr`.

use std::path::Path;

use gdal::spatial_ref::CoordTransform;

use super::atomic::{write_staged, Staged};
use super::geojson::{FeatureWriter, Geom, Key, Prop};
use cpgis_core::aggregate::Totals;
use cpgis_core::estimate::Quantity;
use cpgis_core::run::Estimated;
use cpgis_core::Result;

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

fn totals_props(run: &Estimated, t: &Totals, out: &mut Vec<(String, Prop)>) {
    out.push(("buildings".into(), Prop::Int(t.buildings as i64)));
    out.push(("gfa_m2".into(), Prop::Num(t.floor_area_m2, M2)));
    out.push(("residents".into(), Prop::Num(t.residents, PEOPLE)));
    out.push(("jobs".into(), Prop::Num(t.jobs, PEOPLE)));
    emission_props(run, &t.co2e_t, out);
}

fn as_refs(props: &[(String, Prop)]) -> Vec<(&str, Prop)> {
    props.iter().map(|(k, v)| (k.as_str(), v.clone())).collect()
}

/// Decimals of a baseline activity quantity, by its unit (every quantity named, so a new one
/// must be given its decimals).
fn quantity_decimals(q: Quantity) -> u8 {
    use Quantity::*;
    match q {
        HeatDemandKwh | ElectricityKwh | DistrictHeatKwh | NaturalGasKwh | OilKwh | CoalKwh
        | WoodKwh | DistrictSteamKwh | PvKwh | PvExportKwh | Trips | WorkerTrips | VisitorTrips
        | CarPkm | BusPkm | TramPkm | MetroPkm | RailPkm => KWH,
        WasteT | LandfillT | IncinerationT | CompostingT | RecyclingT | CarShare | TransitShare => {
            T
        }
        EnergyTier => 0,
    }
}

/// `buildings.geojson`: every building with its profile, baseline activity and emissions, and
/// (after a full run) whether it lies in the district, the community or neither.
pub fn write_buildings(
    dir: &Path,
    run: &Estimated,
    membership: Option<&[cpgis_core::community::Membership]>,
) -> Result<std::path::PathBuf> {
    stage_buildings(dir, run, membership)?.commit()
}

/// [`write_buildings`] up to the rename: the file written and synced under its temporary name.
pub fn stage_buildings(
    dir: &Path,
    run: &Estimated,
    membership: Option<&[cpgis_core::community::Membership]>,
) -> Result<Staged> {
    let path = dir.join("buildings.geojson");
    let n = run.site.buildings.len();
    // Per input layer, its file name; per scenario and sector, the emission column names.
    let sources: Vec<String> = run
        .config
        .buildings
        .iter()
        .map(|s| {
            s.source
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    let columns = EmissionColumns::new(run);
    // `baseline_` + each quantity's name, rendered once, with its decimals.
    let quantity_keys: Vec<(Key, u8)> = Quantity::ALL
        .iter()
        .map(|q| (Key::new("baseline_", q.key()), quantity_decimals(*q)))
        .collect();
    let k = BuildingNames::new();
    // `{scenario}_pv_kwh_yr` per scenario (the first, the baseline's, is among the quantities).
    let pv_keys: Vec<Key> = run
        .estimates
        .scenarios
        .iter()
        .map(|scenario| Key::new(&scenario.name, "_pv_kwh_yr"))
        .collect();
    let feature = |i: usize, fw: &mut FeatureWriter| -> std::io::Result<()> {
        let (b, p, e) = (
            &run.site.buildings[i],
            &run.profiles.buildings[i],
            &run.estimates.buildings[i],
        );
        fw.start();
        fw.str_key(&k.id, &b.id);
        fw.str_key(&k.source, sources.get(b.layer).map_or("", |s| s.as_str()));
        fw.bool_key(&k.in_district, p.in_district);
        if let Some(m) = membership {
            fw.str_key(&k.membership, m[i].key());
        }
        fw.str_key(&k.primary_use, p.uses.primary().key());
        match p.uses.parts.as_slice() {
            // The common case, one use: `residential:1` without formatting machinery.
            [(u, share)] if *share == 1.0 => {
                fw.str_joined_key(&k.uses, [u.key(), ":1"].into_iter(), "")
            }
            _ => fw.str_key(&k.uses, &p.uses.describe()),
        }
        fw.str_joined_key(
            &k.raw_use,
            b.uses
                .iter()
                .map(|u| u.raw.trim())
                .filter(|u| !u.is_empty()),
            ";",
        );
        fw.num_key(&k.floors, p.floor.floors, 1);
        fw.str_key(&k.floors_source, p.floor.floors_source.key());
        fw.num_key(&k.footprint_m2, p.footprint_m2, M2);
        fw.num_key(&k.gfa_m2, p.floor.gfa_m2, M2);
        fw.str_key(&k.gfa_source, p.floor.source.key());
        match p.year {
            Some(y) => fw.int_key(&k.year, y as i64),
            None => fw.null_key(&k.year),
        }
        fw.str_key(&k.era, p.era.key());
        fw.str_key(&k.era_source, p.era_source.key());
        fw.num_key(&k.residents, p.residents, PEOPLE);
        fw.str_key(&k.residents_source, p.residents_source.key());
        fw.num_key(&k.jobs, p.jobs, PEOPLE);
        fw.num_key(&k.access_index, p.access.index, 2);
        fw.str_key(&k.access_band, p.access.band());
        let (col, row) = run.aggregates.cells[run.aggregates.cell_of[i]].key;
        let mut cell = [0u8; 48];
        fw.raw_key(&k.grid_cell, cell_id_json(&mut cell, col, row));
        match run.aggregates.neighbourhood_of[i] {
            Some(nb) => fw.str_key(&k.neighbourhood, &run.site.neighbourhoods[nb].id),
            None => fw.null_key(&k.neighbourhood),
        }
        // Baseline activity, every sector's quantities.
        for (k, v) in e.baseline.indexed() {
            let (key, decimals) = &quantity_keys[k];
            if Quantity::ALL[k] == Quantity::EnergyTier {
                fw.int_key(key, v as i64);
            } else {
                fw.num_key(key, v, *decimals);
            }
        }
        // The PV yield of each other scenario (it is the only activity a measure adds).
        for (s, key) in pv_keys.iter().enumerate().skip(1) {
            fw.num_key(key, e.pv_kwh(s), KWH);
        }
        columns.write(fw, |s, k| e.co2e(s, k));
        fw.end(Geom::from(&b.shape))
    };
    write_staged(&path, |w| {
        super::geojson::write_parallel(w, "buildings", run.site.crs.epsg, n, &feature)
    })
}

/// The names of the buildings layer's profile columns, rendered once (the layer writes each a
/// million times).
struct BuildingNames {
    id: Key,
    source: Key,
    in_district: Key,
    membership: Key,
    primary_use: Key,
    uses: Key,
    raw_use: Key,
    floors: Key,
    floors_source: Key,
    footprint_m2: Key,
    gfa_m2: Key,
    gfa_source: Key,
    year: Key,
    era: Key,
    era_source: Key,
    residents: Key,
    residents_source: Key,
    jobs: Key,
    access_index: Key,
    access_band: Key,
    grid_cell: Key,
    neighbourhood: Key,
}

impl BuildingNames {
    fn new() -> Self {
        let k = |name: &str| Key::new("", name);
        BuildingNames {
            id: k("id"),
            source: k("source"),
            in_district: k("in_district"),
            membership: k("membership"),
            primary_use: k("use"),
            uses: k("uses"),
            raw_use: k("raw_use"),
            floors: k("floors"),
            floors_source: k("floors_source"),
            footprint_m2: k("footprint_m2"),
            gfa_m2: k("gfa_m2"),
            gfa_source: k("gfa_source"),
            year: k("year"),
            era: k("era"),
            era_source: k("era_source"),
            residents: k("residents"),
            residents_source: k("residents_source"),
            jobs: k("jobs"),
            access_index: k("access_index"),
            access_band: k("access_band"),
            grid_cell: k("grid_cell"),
            neighbourhood: k("neighbourhood"),
        }
    }
}

/// The emission column names of a run, made once: `{scenario}_{sector}_co2e_t_yr` per sector,
/// then `{scenario}_co2e_t_yr`, scenario by scenario.
struct EmissionColumns {
    /// Per scenario: the sector columns and the total column.
    names: Vec<(Vec<Key>, Key)>,
}

impl EmissionColumns {
    fn new(run: &Estimated) -> Self {
        let names = run
            .estimates
            .scenarios
            .iter()
            .map(|scenario| {
                let sectors = run
                    .estimates
                    .sectors
                    .iter()
                    .map(|sector| Key::new(&scenario.name, &format!("_{}_co2e_t_yr", sector.key())))
                    .collect();
                (sectors, Key::new(&scenario.name, "_co2e_t_yr"))
            })
            .collect();
        EmissionColumns { names }
    }

    /// Writes every column with `co2e(scenario, sector)`, t; each total is the sum of its
    /// sectors in sector order.
    fn write(&self, fw: &mut FeatureWriter, co2e: impl Fn(usize, usize) -> f64) {
        for (s, (sectors, total)) in self.names.iter().enumerate() {
            for (k, key) in sectors.iter().enumerate() {
                fw.num_key(key, co2e(s, k), T);
            }
            fw.num_key(total, (0..sectors.len()).map(|k| co2e(s, k)).sum(), T);
        }
    }
}

/// A grid cell id (see [`cell_id`]) as a JSON string, in `buf`, without allocating.
pub(super) fn cell_id_json(buf: &mut [u8; 48], a: i64, b: i64) -> &[u8] {
    use std::io::Write as _;
    let mut w = &mut buf[..];
    let _ = write!(w, "\"{a}_{b}\"");
    let left = w.len();
    &buf[..48 - left]
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
    super::geojson::write_layer(dir, "grid", to_wgs84, |fw| {
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
    super::geojson::write_layer(dir, "neighbourhoods", to_wgs84, |fw| {
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

/// `stops.geojson`: every transit stop the access index saw, with its mode, the departures per
/// hour it was given and where they came from (`gtfs`: the timetable's routes in the PTAL
/// window; `attribute`: the stops layer; `mode_default`: the preset's default for the mode),
/// and the routes serving it (`route:departures per hour`, `;`-separated). Written when the
/// site has stops.
pub fn write_stops(
    dir: &Path,
    run: &Estimated,
    to_wgs84: &CoordTransform,
) -> Result<Option<std::path::PathBuf>> {
    if run.site.stops.is_empty() {
        return Ok(None);
    }
    let defaults = &run.factors.access.departures_per_hour;
    super::geojson::write_layer(dir, "stops", to_wgs84, |fw| {
        for s in &run.site.stops {
            let (dph, source) = if !s.routes.is_empty() {
                (
                    s.routes.iter().map(|r| r.departures_per_hour).sum::<f64>(),
                    "gtfs",
                )
            } else if let Some(d) = s.departures_per_hour {
                (d, "attribute")
            } else {
                (defaults[&s.mode], "mode_default")
            };
            let routes: Vec<String> = s
                .routes
                .iter()
                .map(|r| {
                    let dph = (r.departures_per_hour * 100.0).round() / 100.0;
                    format!("{}:{dph}", r.route)
                })
                .collect();
            let props: Vec<(String, Prop)> = vec![
                ("id".into(), Prop::Str(s.id.clone())),
                (
                    "name".into(),
                    s.name.clone().map(Prop::Str).unwrap_or(Prop::Null),
                ),
                ("mode".into(), Prop::Str(s.mode.key().to_string())),
                ("departures_per_hour".into(), Prop::Num(dph, 2)),
                ("departures_source".into(), Prop::Str(source.into())),
                (
                    "routes".into(),
                    if routes.is_empty() {
                        Prop::Null
                    } else {
                        Prop::Str(routes.join(";"))
                    },
                ),
            ];
            fw.feature(Geom::Point(s.point), &as_refs(&props))?;
        }
        Ok(())
    })
    .map(Some)
}
