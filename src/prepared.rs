//! The prepared folder's part for the driver alone (`driver.json`, written by `cpgis prepare`
//! beside `features.arrow` and `model.json`): the layers' load reports, the maps' context layers,
//! the input files' fingerprints and the site file's layer settings they were read by. With it, `cpgis finish` takes the site from the prepared
//! folder (the model's boundaries, the features' buildings, stops and population cells) and
//! reads no input layer again: no GDAL load on the driver, and a driver that needs the prepared
//! folder and the site file only. The tiles never read it.

use std::path::{Path, PathBuf};

use cpgis_core::config::SiteConfig;
use cpgis_core::site::{ContextLayer, LayerQuality, Site};
use cpgis_core::{Error, Result};
use cpgis_tile::model::Model;
use serde::{Deserialize, Serialize};

use crate::fingerprint::{self, Fingerprint};

/// The file's name in the prepared folder.
pub const NAME: &str = "driver.json";

/// What the driver needs of the loaded site beside the model and the features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriverPart {
    /// One load report per layer read, in site-file order.
    pub quality: Vec<LayerQuality>,
    /// Roads, railways and water for the report's maps.
    pub context: Vec<ContextLayer>,
    /// The input files as `prepare` read them.
    pub inputs: Vec<Fingerprint>,
    /// How the site file said to read its layers ([`layer_settings`]) when `prepare` read them.
    pub layers: serde_json::Value,
}

impl DriverPart {
    /// The driver's part of a site loaded by `config`, whose inputs are `inputs`.
    pub fn of(config: &SiteConfig, site: &Site, inputs: &[&Path]) -> DriverPart {
        DriverPart {
            quality: site.quality.clone(),
            context: site.context.clone(),
            inputs: fingerprint::of(inputs),
            layers: layer_settings(config),
        }
    }
}

/// Everything the site file says about reading its layers (the CRS, and each layer's source,
/// filter, field mappings, use and standard tables: `[district]`, `[neighbourhoods]`,
/// `[[buildings]]`, `[stops]`, `[population]`, `[context]`), with every path made absolute: a
/// mapping edited after `prepare` (a use table, a floors field) would leave the prepared
/// features another site's while the layer files themselves are unchanged.
pub fn layer_settings(config: &SiteConfig) -> serde_json::Value {
    fn absolute_paths(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    match x {
                        serde_json::Value::String(s) if k == "path" || k == "gtfs" => {
                            *s = fingerprint::absolute(Path::new(s.as_str()))
                                .display()
                                .to_string();
                        }
                        x => absolute_paths(x),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(absolute_paths),
            _ => {}
        }
    }
    let mut v = serde_json::json!({
        "crs": config.crs,
        "district": config.district,
        "neighbourhoods": config.neighbourhoods,
        "buildings": config.buildings,
        "stops": config.stops,
        "population": config.population,
        "context": config.context,
    });
    absolute_paths(&mut v);
    v
}

/// The sections of the site file whose layer settings differ between `then` and `now`
/// ([`layer_settings`]), by name.
pub fn changed_settings(then: &serde_json::Value, now: &serde_json::Value) -> Vec<String> {
    let keys = [
        "crs",
        "district",
        "neighbourhoods",
        "buildings",
        "stops",
        "population",
        "context",
    ];
    keys.iter()
        .filter(|k| then.get(**k) != now.get(**k))
        .map(|k| k.to_string())
        .collect()
}

fn bad(file: &Path, problem: String) -> Error {
    Error::Layer {
        file: file.to_path_buf(),
        problem,
    }
}

/// The prepared folder's model, site and fingerprints.
pub struct PreparedSite {
    /// `model.json`.
    pub model: Model,
    /// The site as `prepare` loaded it: every building, or those asked for
    /// ([`PreparedSite::with_features`]).
    pub site: Site,
    /// The buildings of the prepared site, all of them (read or not).
    pub buildings: usize,
    /// The inputs as `prepare` read them.
    pub inputs: Vec<Fingerprint>,
    /// The site file's layer settings as `prepare` read them.
    pub layers: serde_json::Value,
    dir: PathBuf,
}

/// Reads what `prepare` wrote into `dir` but the features ([`PreparedSite::with_features`]):
/// the model, the driver's part, the site's boundaries. No input layer is read.
pub fn read(dir: &Path) -> Result<PreparedSite> {
    let path = |n: &str| -> PathBuf { dir.join(n) };
    let model_path = path("model.json");
    let text = std::fs::read_to_string(&model_path)
        .map_err(|e| bad(&model_path, format!("cannot read the prepared model: {e}")))?;
    let model = Model::from_json(&text).map_err(|e| bad(&model_path, e))?;
    let driver_path = path(NAME);
    let text = std::fs::read_to_string(&driver_path).map_err(|e| {
        bad(
            &driver_path,
            format!("cannot read the driver's part of the prepared case ({e}): prepare it again with this version"),
        )
    })?;
    let driver: DriverPart = serde_json::from_str(&text)
        .map_err(|e| bad(&driver_path, format!("not a cpgis driver file: {e}")))?;
    let mut site = model.site().map_err(|e| bad(&model_path, e))?;
    site.quality = driver.quality;
    site.context = driver.context;
    Ok(PreparedSite {
        model,
        site,
        buildings: 0,
        inputs: driver.inputs,
        layers: driver.layers,
        dir: dir.to_path_buf(),
    })
}

impl PreparedSite {
    /// The site with its features from `features.arrow`: every stop and population cell, and
    /// the buildings of `keep` (site indices, ascending; `None`: all); every building counted.
    pub fn with_features(self, keep: Option<&[usize]>) -> Result<PreparedSite> {
        let PreparedSite {
            model,
            site,
            inputs,
            layers,
            dir,
            ..
        } = self;
        let features_path = dir.join("features.arrow");
        let open = |path: &Path| {
            std::fs::File::open(path)
                .map(std::io::BufReader::new)
                .map_err(|e| bad(path, format!("cannot open the features: {e}")))
        };
        let mut reading = cpgis_tile::features::SiteReading::new(site);
        reading
            .add(open(&features_path)?, keep)
            .map_err(|e| bad(&features_path, e))?;
        // Buildings read on the engine: the numbered parts, in order, after the features.
        let numbering_path = dir.join(crate::prepare_engine::NUMBERING);
        if numbering_path.exists() {
            let text = std::fs::read_to_string(&numbering_path)
                .map_err(|e| bad(&numbering_path, format!("cannot read the numbering: {e}")))?;
            let numbering: crate::prepare_engine::Numbering = serde_json::from_str(&text)
                .map_err(|e| bad(&numbering_path, format!("not a cpgis numbering: {e}")))?;
            for p in &numbering.parts {
                let path = crate::prepare_engine::numbered_part(&dir, p.number);
                reading.add(open(&path)?, keep).map_err(|e| {
                    bad(
                        &path,
                        format!("{e} (number the part again: cpgis prepare-part number)"),
                    )
                })?;
            }
            let read = reading.buildings();
            if read != numbering.buildings {
                return Err(bad(
                    &numbering_path,
                    format!(
                        "numbers {} buildings; the parts hold {read}: number every part again",
                        numbering.buildings
                    ),
                ));
            }
        }
        let (site, buildings) = reading.finish();
        Ok(PreparedSite {
            model,
            site,
            buildings,
            inputs,
            layers,
            dir,
        })
    }
}
