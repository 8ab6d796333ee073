//! Tiles: a site cut into square tiles that can be profiled and estimated apart (on one
//! machine's threads today; on a cluster's tasks in the plan of `docs/scale-out.md`), giving each
//! building the same figures as the whole site does.
//!
//! Each building belongs to the one tile holding its representative point. A tile's site holds
//! its own buildings and, around them, everything their figures depend on: the buildings of a
//! halo (so every population cell touching an own building has all of its homes, and its
//! residents spread as on the whole site), the population cells and the transit stops within the
//! halo (a stop further than the rail catchment, 960 m, never counts), the district, the
//! neighbourhoods. Everything keeps its relative order, so sums over a cell add the same numbers
//! in the same order.

use geo::BoundingRect;

use crate::site::{Building, Shape, Site};

/// A tile's site and which of its buildings are its own.
#[derive(Debug, Clone)]
pub struct Tile {
    /// The tile's column and row (origin at the site's lower-left corner).
    pub key: (i64, i64),
    /// Its own buildings and the halo's, stops and population within reach.
    pub site: Site,
    /// For each of the tile site's buildings, its index in the whole site.
    pub global: Vec<usize>,
    /// For each of the tile site's buildings, whether it is the tile's own (its figures are the
    /// tile's output; the halo's are only there for its own).
    pub own: Vec<bool>,
}

/// The tiles' origin: the lowest x and the lowest y of the buildings' representative points
/// ([`point_of`]), local CRS (`f64::MAX` for a site without buildings).
pub fn origin(site: &Site) -> (f64, f64) {
    use rayon::prelude::*;
    // In parallel: an interior point is a few microseconds, a million of them seconds; the
    // least of each coordinate is the same in any order.
    let least = |(x, y): (f64, f64), (a, b): (f64, f64)| (x.min(a), y.min(b));
    site.buildings
        .par_iter()
        .filter_map(point_of)
        .map(|p| (p.x(), p.y()))
        .reduce(|| (f64::MAX, f64::MAX), least)
}

/// The tile (column, row) holding point `p`: ⌊(x − x0) / size⌋, ⌊(y − y0) / size⌋. A distributed
/// run computes the same in its engine's doubles.
pub fn key(p: &geo::Point<f64>, origin: (f64, f64), tile_m: f64) -> (i64, i64) {
    (
        ((p.x() - origin.0) / tile_m).floor() as i64,
        ((p.y() - origin.1) / tile_m).floor() as i64,
    )
}

/// The point a building is tiled by: the interior point of a footprint (always inside it),
/// the point itself for a point building.
pub fn point_of(b: &Building) -> Option<geo::Point<f64>> {
    match &b.shape {
        Shape::Point(p) => Some(*p),
        Shape::Area(mp) => geo::InteriorPoint::interior_point(mp),
    }
}

fn rect_of(shape: &Shape) -> Option<geo::Rect<f64>> {
    match shape {
        Shape::Point(p) => Some(geo::Rect::new(p.0, p.0)),
        Shape::Area(mp) => mp.bounding_rect(),
    }
}

fn overlaps(a: &geo::Rect<f64>, b: &geo::Rect<f64>) -> bool {
    a.min().x <= b.max().x
        && b.min().x <= a.max().x
        && a.min().y <= b.max().y
        && b.min().y <= a.max().y
}

/// Cuts `site` into tiles of `tile_m` metres with a halo of `halo_m` metres (at least the rail
/// catchment and the largest population cell's size, for the figures to be the whole site's).
pub fn split(site: &Site, tile_m: f64, halo_m: f64) -> Vec<Tile> {
    let points: Vec<Option<geo::Point<f64>>> = site.buildings.iter().map(point_of).collect();
    let (x0, y0) = origin(site);
    let key_of = |p: &geo::Point<f64>| key(p, (x0, y0), tile_m);
    let mut keys: Vec<(i64, i64)> = points.iter().flatten().map(key_of).collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .map(|key| {
            let min = (x0 + key.0 as f64 * tile_m, y0 + key.1 as f64 * tile_m);
            let reach = geo::Rect::new(
                (min.0 - halo_m, min.1 - halo_m),
                (min.0 + tile_m + halo_m, min.1 + tile_m + halo_m),
            );
            let mut global = Vec::new();
            let mut own = Vec::new();
            let mut buildings = Vec::new();
            for (i, b) in site.buildings.iter().enumerate() {
                let mine = points[i].as_ref().is_some_and(|p| key_of(p) == key);
                let near = rect_of(&b.shape).is_some_and(|r| overlaps(&r, &reach));
                if mine || near {
                    global.push(i);
                    own.push(mine);
                    buildings.push(b.clone());
                }
            }
            let stops = site
                .stops
                .iter()
                .filter(|s| overlaps(&geo::Rect::new(s.point.0, s.point.0), &reach))
                .cloned()
                .collect();
            let population = site
                .population
                .iter()
                .filter(|c| rect_of(&c.shape).is_some_and(|r| overlaps(&r, &reach)))
                .cloned()
                .collect();
            Tile {
                key,
                site: Site {
                    buildings,
                    stops,
                    population,
                    ..site.clone_without_features()
                },
                global,
                own,
            }
        })
        .collect()
}

impl Site {
    /// The site without its buildings, stops and population (the parts a tile fills).
    pub fn clone_without_features(&self) -> Site {
        Site {
            name: self.name.clone(),
            crs: self.crs.clone(),
            district: self.district.clone(),
            neighbourhoods: self.neighbourhoods.clone(),
            buildings: Vec::new(),
            stops: Vec::new(),
            population: Vec::new(),
            quality: self.quality.clone(),
            use_maps: self.use_maps.clone(),
            context: Vec::new(),
            standard_maps: self.standard_maps.clone(),
        }
    }
}
