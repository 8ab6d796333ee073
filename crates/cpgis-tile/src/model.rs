//! The site model a tile worker is given beside its features (`model.json`, written by
//! `cpgis prepare`): everything of a checked case that is not a building, a stop or a population
//! cell. The resolved preset (the site file's overrides and grid region applied), the climate,
//! the scenarios, the aggregation grid, the district, the neighbourhoods and the community's area
//! (as WKB, hex), the use and standard tables, and the tiling. Small: a few kilobytes plus the
//! boundaries.

use cpgis_core::config::{ClimateSpec, GridSpec, ScenarioSpec};
use cpgis_core::estimate::Scenarios;
use cpgis_core::kinds::{Era, Use};
use cpgis_core::preset::{Factors, Preset};
use cpgis_core::run::Checked;
use cpgis_core::site::{District, LocalCrs, Neighbourhood, Site};
use serde::{Deserialize, Serialize};

use crate::wkb;

/// The version of this layout: a worker refuses a model of another (2: the community's area).
pub const FORMAT: u32 = 2;

/// How the site is cut: tiles of `size_m` from `origin`, each with a halo of `halo_m`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tiling {
    /// Lowest x and y of the buildings' representative points, local CRS.
    pub origin: [f64; 2],
    /// Tile side, m.
    pub size_m: f64,
    /// Halo around a tile for stops, m: at least the rail catchment (960 m), the farthest a
    /// stop counts in a building's access index.
    pub halo_m: f64,
    /// Halo around a tile for buildings and population cells, m: how far a building can be from
    /// one whose residents it shares (the widest population cell's diagonal; twice the 250 m a
    /// population point reaches; 0 without a population layer, when residents come from floor
    /// area alone).
    pub neighbour_m: f64,
}

/// [`Tiling::neighbour_m`] of a site.
pub fn neighbour_reach(site: &Site) -> f64 {
    use geo::BoundingRect;
    site.population
        .iter()
        .map(|c| match &c.shape {
            cpgis_core::site::Shape::Point(_) => {
                2.0 * cpgis_core::profile::residents::POINT_REACH_M
            }
            cpgis_core::site::Shape::Area(mp) => mp
                .bounding_rect()
                .map(|r| r.width().hypot(r.height()))
                .unwrap_or(0.0),
        })
        .fold(0.0, f64::max)
}

/// A neighbourhood as the model carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Area {
    /// Its id (the district's name).
    pub id: String,
    /// Its population, if mapped.
    pub population: Option<f64>,
    /// Its polygon as WKB, hexadecimal.
    pub wkb_hex: String,
}

/// Everything a worker needs beside its features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// [`FORMAT`].
    pub format: u32,
    /// The case's name.
    pub name: String,
    /// The local metric CRS.
    pub crs: LocalCrs,
    /// The resolved preset.
    pub preset: Preset,
    /// The site's heating climate, when the site file gives it.
    pub climate: Option<ClimateSpec>,
    /// The site file's scenarios.
    pub scenarios: Vec<ScenarioSpec>,
    /// The aggregation grid.
    pub grid: GridSpec,
    /// The district.
    pub district: Area,
    /// The neighbourhoods.
    pub neighbourhoods: Vec<Area>,
    /// The neighbouring community's area (the site file's method; it depends on the boundaries
    /// and stops alone), by which each tile places its buildings.
    pub community: Area,
    /// How the community was delineated (the site file's `[community]`).
    pub community_spec: cpgis_core::config::CommunitySpec,
    /// The offset interventions the site file enables: each tile works out what its buildings
    /// would offer with the building ones.
    pub interventions: Vec<cpgis_core::kinds::Intervention>,
    /// Per buildings layer, raw use → use type.
    pub use_maps: Vec<Vec<(String, Use)>>,
    /// Per buildings layer, construction standard → era.
    pub standard_maps: Vec<Vec<(String, Era)>>,
    /// The tiling.
    pub tiling: Tiling,
}

impl Area {
    /// Its polygon, read from the WKB.
    pub fn polygon(&self) -> Result<geo::MultiPolygon<f64>, String> {
        unhex(&self.wkb_hex)
            .and_then(|b| wkb::to_multipolygon(&b))
            .map_err(|e| format!("the model's `{}`: {e}", self.id))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Result<Vec<u8>, String> {
    if s.len() % 2 != 0 {
        return Err("odd number of hexadecimal digits".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|d| u8::from_str_radix(d, 16).ok())
                .ok_or_else(|| format!("`{}` is not hexadecimal", &s[i..(i + 2).min(s.len())]))
        })
        .collect()
}

impl Model {
    /// The model of a checked, loaded case (before profiling), cut into tiles of `size_m` with a
    /// halo of `halo_m`; fails where the community cannot be delineated (as `cpgis run` would).
    pub fn of(
        config: &cpgis_core::config::SiteConfig,
        checked: &Checked,
        site: &Site,
        size_m: f64,
        halo_m: f64,
    ) -> cpgis_core::Result<Model> {
        let (x0, y0) = cpgis_core::tiles::origin(site);
        let tiling = Tiling {
            origin: [x0, y0],
            size_m,
            halo_m,
            neighbour_m: neighbour_reach(site),
        };
        Model::of_tiled(config, checked, site, tiling)
    }

    /// [`Model::of`] with the tiling given (a prepared model's, whose features the site is
    /// read from: its origin and reach are those of the same buildings and cells).
    pub fn of_tiled(
        config: &cpgis_core::config::SiteConfig,
        checked: &Checked,
        site: &Site,
        tiling: Tiling,
    ) -> cpgis_core::Result<Model> {
        let community = cpgis_core::community::outline_of(
            site,
            &config.community,
            &checked.factors,
            &config.file,
        )?;
        Ok(Model::with_outline(
            config, checked, site, tiling, &community,
        ))
    }

    /// [`Model::of_tiled`] with the community's outline worked out already.
    pub fn with_outline(
        config: &cpgis_core::config::SiteConfig,
        checked: &Checked,
        site: &Site,
        tiling: Tiling,
        community: &cpgis_core::community::Outline,
    ) -> Model {
        Model {
            format: FORMAT,
            name: site.name.clone(),
            crs: site.crs.clone(),
            preset: checked.preset.clone(),
            climate: config.climate.clone(),
            scenarios: config.scenarios.clone(),
            grid: config.grid.clone(),
            district: Area {
                id: site.district.name.clone(),
                population: None,
                wkb_hex: hex(&wkb::of_multipolygon(&site.district.area)),
            },
            neighbourhoods: site
                .neighbourhoods
                .iter()
                .map(|n| Area {
                    id: n.id.clone(),
                    population: n.population,
                    wkb_hex: hex(&wkb::of_multipolygon(&n.area)),
                })
                .collect(),
            community: Area {
                id: "community".into(),
                population: None,
                wkb_hex: hex(&wkb::of_multipolygon(&community.area)),
            },
            community_spec: config.community.clone(),
            interventions: config.offsets.interventions.clone(),
            use_maps: site.use_maps.clone(),
            standard_maps: site.standard_maps.clone(),
            tiling,
        }
    }

    /// Reads a model from its JSON text.
    pub fn from_json(text: &str) -> Result<Model, String> {
        let m: Model =
            serde_json::from_str(text).map_err(|e| format!("not a cpgis tile model: {e}"))?;
        if m.format != FORMAT {
            return Err(format!(
                "model format {} (this worker reads {FORMAT})",
                m.format
            ));
        }
        Ok(m)
    }

    /// The typed factors and the scenarios, as `cpgis run` checks them.
    pub fn checked(&self) -> Result<(Factors, Scenarios), String> {
        let factors = cpgis_core::run::factors_of(&self.preset, self.climate.as_ref())
            .map_err(|e| e.to_string())?;
        Ok((factors, cpgis_core::estimate::scenarios(&self.scenarios)))
    }

    /// The community's area.
    pub fn community_area(&self) -> Result<geo::MultiPolygon<f64>, String> {
        self.community.polygon()
    }

    /// The site without buildings, stops or population: the part every tile shares.
    pub fn site(&self) -> Result<Site, String> {
        let area = Area::polygon;
        Ok(Site {
            name: self.name.clone(),
            crs: self.crs.clone(),
            district: District {
                name: self.district.id.clone(),
                area: area(&self.district)?,
            },
            neighbourhoods: self
                .neighbourhoods
                .iter()
                .map(|n| {
                    Ok(Neighbourhood {
                        id: n.id.clone(),
                        population: n.population,
                        area: area(n)?,
                    })
                })
                .collect::<Result<_, String>>()?,
            buildings: Vec::new(),
            stops: Vec::new(),
            population: Vec::new(),
            quality: Vec::new(),
            use_maps: self.use_maps.clone(),
            context: Vec::new(),
            standard_maps: self.standard_maps.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_what_is_not_hex() {
        assert_eq!(hex(&[0, 15, 255]), "000fff");
        assert_eq!(unhex("000fff").unwrap(), vec![0, 15, 255]);
        assert!(unhex("0g").is_err());
        assert!(unhex("abc").is_err());
    }
}
