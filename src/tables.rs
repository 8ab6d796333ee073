//! The sums a distributed run's engine added (`cpgis finish --tables DIR`): the Spark job's
//! cell, neighbourhood and level tables, exact (each figure's 32-bit digits added as integers
//! and rounded once: the bits `cpgis run` adds), as Arrow IPC files. `finish` takes them
//! instead of adding the buildings again, after checking that they count the buildings the
//! results place at every level (core `aggregate::from_sums`).
//!
//! | file | key columns | then |
//! |---|---|---|
//! | `cells.arrow` | `cell_i`, `cell_j` (int64) | `buildings` (int64), `gfa_m2`, `residents`, `jobs`, every `{scenario}_{sector}_t` (float64) |
//! | `neighbourhoods.arrow` | `neighbourhood` (int64, −1 outside every one) | the same |
//! | `levels.arrow` | `level` (utf8: `district`, `rest`, `all`) | the same |
//!
//! A neighbourhood or level with no building has no row: its sums are zero.

use std::path::Path;

use arrow_array::{Array, Float64Array, Int64Array, RecordBatch, StringArray};
use cpgis_core::aggregate::{Sums, Totals};
use cpgis_core::estimate::Scenarios;
use cpgis_core::run::Tables;
use cpgis_core::{Error, Result};

fn bad(file: &Path, problem: String) -> Error {
    Error::Layer {
        file: file.to_path_buf(),
        problem,
    }
}

fn column<'a, T: 'static>(b: &'a RecordBatch, name: &str) -> std::result::Result<&'a T, String> {
    let c = b
        .column_by_name(name)
        .ok_or_else(|| format!("no `{name}` column"))?;
    if c.null_count() > 0 {
        return Err(format!("the `{name}` column has empty values"));
    }
    c.as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| format!("the `{name}` column has the wrong type"))
}

/// Every row of one table: its key (read by `key`) and its totals.
fn rows<K>(
    file: &Path,
    emissions: &[String],
    scenarios: usize,
    key: impl Fn(&RecordBatch, usize) -> std::result::Result<K, String>,
) -> Result<Vec<(K, Totals)>> {
    let f =
        std::fs::File::open(file).map_err(|e| bad(file, format!("cannot open the table: {e}")))?;
    let batches =
        cpgis_tile::ipc::read_file(std::io::BufReader::new(f)).map_err(|e| bad(file, e))?;
    let mut out = Vec::new();
    let sectors = emissions.len() / scenarios.max(1);
    for b in &batches {
        let read = || -> std::result::Result<Vec<(K, Totals)>, String> {
            let n = column::<Int64Array>(b, "buildings")?;
            let num = |name: &str| column::<Float64Array>(b, name);
            let (floor, residents, jobs) = (num("gfa_m2")?, num("residents")?, num("jobs")?);
            let figures: Vec<&Float64Array> = emissions
                .iter()
                .map(|c| num(c))
                .collect::<std::result::Result<_, _>>()?;
            (0..b.num_rows())
                .map(|i| {
                    let buildings = usize::try_from(n.value(i))
                        .map_err(|_| format!("row {i}: {} buildings", n.value(i)))?;
                    let co2e_t = (0..scenarios)
                        .map(|s| {
                            (0..sectors)
                                .map(|k| figures[s * sectors + k].value(i))
                                .collect()
                        })
                        .collect();
                    Ok((
                        key(b, i)?,
                        Totals {
                            buildings,
                            floor_area_m2: floor.value(i),
                            residents: residents.value(i),
                            jobs: jobs.value(i),
                            co2e_t,
                        },
                    ))
                })
                .collect()
        };
        out.extend(read().map_err(|e| bad(file, e))?);
    }
    Ok(out)
}

/// Totals of no building.
fn zero(scenarios: usize, sectors: usize) -> Totals {
    Totals {
        buildings: 0,
        floor_area_m2: 0.0,
        residents: 0.0,
        jobs: 0.0,
        co2e_t: vec![vec![0.0; sectors]; scenarios],
    }
}

/// Reads the tables in `dir` for a case of these scenarios and `neighbourhoods` neighbourhoods.
pub fn read(dir: &Path, scenarios: &Scenarios, neighbourhoods: usize) -> Result<Tables> {
    let emissions = cpgis_tile::results::emission_columns(scenarios);
    let ns = scenarios.len();
    let nk = emissions.len() / ns.max(1);
    let cells_file = dir.join("cells.arrow");
    let cells = rows(&cells_file, &emissions, ns, |b, i| {
        Ok((
            column::<Int64Array>(b, "cell_i")?.value(i),
            column::<Int64Array>(b, "cell_j")?.value(i),
        ))
    })?;
    let hoods_file = dir.join("neighbourhoods.arrow");
    let mut hoods = vec![None; neighbourhoods];
    let mut outside = None;
    for (k, t) in rows(&hoods_file, &emissions, ns, |b, i| {
        Ok(column::<Int64Array>(b, "neighbourhood")?.value(i))
    })? {
        let slot = match k {
            -1 => &mut outside,
            k => usize::try_from(k)
                .ok()
                .and_then(|k| hoods.get_mut(k))
                .ok_or_else(|| {
                    bad(
                        &hoods_file,
                        format!("neighbourhood {k}: the site has {neighbourhoods}"),
                    )
                })?,
        };
        if slot.replace(t).is_some() {
            return Err(bad(&hoods_file, format!("neighbourhood {k} comes twice")));
        }
    }
    let levels_file = dir.join("levels.arrow");
    let (mut district, mut rest, mut all) = (None, None, None);
    for (k, t) in rows(&levels_file, &emissions, ns, |b, i| {
        Ok(column::<StringArray>(b, "level")?.value(i).to_string())
    })? {
        let slot = match k.as_str() {
            "district" => &mut district,
            "rest" => &mut rest,
            "all" => &mut all,
            other => {
                return Err(bad(
                    &levels_file,
                    format!("level `{other}` is not district, rest or all"),
                ))
            }
        };
        if slot.replace(t).is_some() {
            return Err(bad(&levels_file, format!("level `{k}` comes twice")));
        }
    }
    let z = || zero(ns, nk);
    Ok(Tables {
        sums: Sums {
            cells,
            neighbourhoods: hoods.into_iter().map(|h| h.unwrap_or_else(z)).collect(),
            outside_neighbourhoods: outside.unwrap_or_else(z),
            district: district.unwrap_or_else(z),
            rest: rest.unwrap_or_else(z),
            all: all.unwrap_or_else(z),
        },
        file: dir.to_path_buf(),
    })
}
