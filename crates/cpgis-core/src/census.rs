//! What the outputs count over every building on the map: how many there are (on the map and in
//! the district), by energy tier and access band, how many carry each default, how many have a
//! readable year, and the buildings' extent. Built one building at a time ([`Census::add`]) and
//! merged part by part ([`Census::merge`]: counts add, extents join), so that a run that does not
//! hold every building at once (a distributed run's driver, its tiles' parts) counts what
//! `cpgis run` counts. `summary.json` and the report read these, not the buildings.

use std::collections::BTreeMap;

use geo::{BoundingRect, Rect};

use crate::estimate::{BuildingEstimate, Quantity};
use crate::profile::Profile;
use crate::site::{Building, Shape};

/// A default a building's profile rests on, as the notes count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DefaultUsed {
    /// Floor area is the footprint × the use's default floors.
    Floors,
    /// No use type: the `unknown` archetype.
    Use,
    /// No readable year or standard: heat at the `unknown` era.
    Era,
    /// Residents from floor area per resident.
    Residents,
}

impl DefaultUsed {
    /// Every default, in the notes' order.
    pub const ALL: [DefaultUsed; 4] = [
        DefaultUsed::Floors,
        DefaultUsed::Use,
        DefaultUsed::Era,
        DefaultUsed::Residents,
    ];

    /// Whether profile `p` rests on this default.
    pub fn of(self, p: &Profile) -> bool {
        match self {
            DefaultUsed::Floors => p.floors_defaulted(),
            DefaultUsed::Use => p.use_unknown(),
            DefaultUsed::Era => p.era_unknown(),
            DefaultUsed::Residents => p.residents_by_floor_area(),
        }
    }
}

/// Buildings counted on the map and in the district.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Count {
    /// On the whole map.
    pub map: usize,
    /// In the district.
    pub district: usize,
}

impl Count {
    fn add(&mut self, in_district: bool) {
        self.map += 1;
        self.district += usize::from(in_district);
    }

    fn merge(&mut self, other: Count) {
        self.map += other.map;
        self.district += other.district;
    }
}

/// Every count the outputs take over all buildings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Census {
    /// The buildings.
    pub buildings: Count,
    /// Buildings by energy tier (1 modelled, 2 metered, `estimate::energy::PARTIAL` partly
    /// metered).
    pub energy_tiers: BTreeMap<u8, usize>,
    /// Buildings by transit access band.
    pub access_bands: BTreeMap<&'static str, usize>,
    /// Buildings resting on each default, in [`DefaultUsed::ALL`]'s order.
    pub defaults: [Count; 4],
    /// Buildings whose year was read.
    pub with_year: usize,
    /// The extent of every building's shape, footprints and points, local CRS.
    pub extent: Option<Rect<f64>>,
    /// The extent of the footprints alone (what the maps draw), local CRS.
    pub footprints: Option<Rect<f64>>,
}

fn join(a: Option<Rect<f64>>, b: Option<Rect<f64>>) -> Option<Rect<f64>> {
    crate::site::union_of(a.into_iter().chain(b))
}

impl Census {
    /// The census of every building of a run, in order.
    pub fn of<'a>(
        buildings: impl IntoIterator<Item = (&'a Building, &'a Profile, &'a BuildingEstimate)>,
    ) -> Census {
        let mut c = Census::default();
        for (b, p, e) in buildings {
            c.add(b, p, e);
        }
        c
    }

    /// Counts one building.
    pub fn add(&mut self, b: &Building, p: &Profile, e: &BuildingEstimate) {
        self.add_shape(&b.shape, p, e);
    }

    /// Counts one building of shape `shape` (what the census takes of a building: its shape's
    /// extent, its profile and its estimate).
    pub fn add_shape(&mut self, shape: &Shape, p: &Profile, e: &BuildingEstimate) {
        self.buildings.add(p.in_district);
        let tier = e
            .baseline
            .get(Quantity::EnergyTier)
            .map(|t| t as u8)
            .unwrap_or(1);
        *self.energy_tiers.entry(tier).or_default() += 1;
        *self.access_bands.entry(p.access.band()).or_default() += 1;
        for (count, d) in self.defaults.iter_mut().zip(DefaultUsed::ALL) {
            if d.of(p) {
                count.add(p.in_district);
            }
        }
        self.with_year += usize::from(p.year.is_some());
        let (shape, footprint) = match shape {
            Shape::Area(mp) => (mp.bounding_rect(), mp.bounding_rect()),
            Shape::Point(pt) => (Some(Rect::new(pt.0, pt.0)), None),
        };
        self.extent = join(self.extent, shape);
        self.footprints = join(self.footprints, footprint);
    }

    /// Adds another part's counts (a tile's, a batch's): the census of both parts together.
    pub fn merge(&mut self, other: &Census) {
        self.buildings.merge(other.buildings);
        for (k, n) in &other.energy_tiers {
            *self.energy_tiers.entry(*k).or_default() += n;
        }
        for (k, n) in &other.access_bands {
            *self.access_bands.entry(k).or_default() += n;
        }
        for (a, b) in self.defaults.iter_mut().zip(other.defaults) {
            a.merge(b);
        }
        self.with_year += other.with_year;
        self.extent = join(self.extent, other.extent);
        self.footprints = join(self.footprints, other.footprints);
    }

    /// The buildings resting on default `d`.
    pub fn with_default(&self, d: DefaultUsed) -> Count {
        self.defaults[d as usize]
    }
}
