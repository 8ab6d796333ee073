//! Stage 5, community: the neighbouring community of the district, by one of three methods,
//! and whether each building lies in the district, the community, or neither.
//!
//! - `buffer`: a ring `distance_m` wide around the district, the district itself excluded.
//! - `adjacent`: the neighbourhoods that touch or intersect that ring (`distance_m = 0`: that
//!   touch the district), each with all its parts, so a neighbourhood touching the district only
//!   through an exclave counts; a neighbourhood lying at least 90 % inside the district is the
//!   district itself and is left out. Touching is tested with a 1 m tolerance, which absorbs
//!   the slivers of boundary data without reaching a real neighbour's neighbour.
//! - `catchment`: the walking catchments (640 m bus, 960 m rail) of the stops that serve the
//!   district (a stop serves it when the district lies within its catchment).
//!
//! The community never includes the district. A building belongs to the district when its
//! representative point lies in it (as in the estimates), else to the community when the point
//! lies in the community.

pub mod outline;

use geo::{Area, BooleanOps, Buffer, Distance, Euclidean, Intersects, MultiPolygon};
use rayon::prelude::*;

use crate::config::{CommunityMethod, CommunitySpec, ConfigIssues};
use crate::preset::Factors;
use crate::profile::{Profile, Profiles};
use crate::site::Site;
use crate::{Error, Result};

/// Tolerance for "touches", m.
pub const TOUCH_TOLERANCE_M: f64 = 1.0;

/// Share of a neighbourhood's area inside the district above which it is the district itself.
pub const SELF_SHARE: f64 = 0.9;

/// Where a building lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Membership {
    /// In the district.
    District,
    /// In the neighbouring community.
    Community,
    /// In neither (elsewhere on the map).
    Outside,
}

impl Membership {
    /// Every place, in order.
    pub const ALL: [Membership; 3] = [
        Membership::District,
        Membership::Community,
        Membership::Outside,
    ];

    /// The snake_case name used in outputs.
    pub fn key(self) -> &'static str {
        match self {
            Membership::District => "district",
            Membership::Community => "community",
            Membership::Outside => "outside",
        }
    }
}

/// The neighbouring community.
#[derive(Debug, Clone)]
pub struct Community {
    /// How the community was delineated.
    pub method: CommunityMethod,
    /// Ring width, m (`buffer`, and the reach of `adjacent`).
    pub distance_m: f64,
    /// The community area, district excluded, local CRS.
    pub area: MultiPolygon<f64>,
    /// `adjacent`: indices of the neighbouring neighbourhoods in `site.neighbourhoods`.
    pub neighbours: Vec<usize>,
    /// `adjacent`: the neighbourhoods taken as the district itself.
    pub district_neighbourhoods: Vec<usize>,
    /// `catchment`: how many stops serve the district.
    pub serving_stops: usize,
    /// `buffer`: how the district boundary was simplified for the buffer, when it was.
    pub simplified: Option<outline::Simplified>,
    /// The share of the community area inside the buildings' extent (their bounding box), 0..1:
    /// well below 1 when the buildings layer stops short of the community.
    pub in_buildings_extent: Option<f64>,
    /// The share of the community buildings' floor area that is footprint × default floors,
    /// 0..1 to 4 decimals (`None` without floor area): their offer rests on it.
    pub area_default_floors: Option<f64>,
    /// The share of the community buildings' floor area with no use type, 0..1 to 4 decimals.
    pub area_unknown_use: Option<f64>,
    /// Per building.
    pub membership: Vec<Membership>,
    /// How many buildings of the map have each membership, in [`Membership::ALL`]'s order:
    /// `membership`'s counts, or the counts of a distributed run's tiles, which placed the
    /// buildings the driver does not hold.
    pub counts: [usize; 3],
}

impl Community {
    /// How many buildings have membership `m`.
    pub fn count(&self, m: Membership) -> usize {
        self.counts[m as usize]
    }
}

/// How many of `membership` are of each place, in [`Membership::ALL`]'s order.
pub fn counts_of(membership: &[Membership]) -> [usize; 3] {
    let mut counts = [0; 3];
    for m in membership {
        counts[*m as usize] += 1;
    }
    counts
}

fn bad(site_file: &std::path::Path, key: &str, problem: &str, hint: &str) -> Error {
    let mut issues = ConfigIssues::new(site_file.to_path_buf());
    issues.push(key, problem, Some(hint));
    Error::Config(issues)
}

/// Holes of less than this area are slits the union of neighbouring polygons leaves where
/// their shared edges do not quite meet (rings that run out and back along one line), m².
pub const SLIT_M2: f64 = 0.01;

/// The area without its slit holes: rings that enclose no area are not holes (OGC simple
/// features and RFC 7946 want rings that do).
fn without_slits(area: MultiPolygon<f64>) -> MultiPolygon<f64> {
    MultiPolygon::new(
        area.0
            .into_iter()
            .map(|p| {
                let (exterior, holes) = p.into_inner();
                let holes = holes
                    .into_iter()
                    .filter(|h| geo::Polygon::new(h.clone(), vec![]).unsigned_area() >= SLIT_M2)
                    .collect();
                geo::Polygon::new(exterior, holes)
            })
            .collect(),
    )
}

/// The community's area and how it was found: everything of the community but the buildings'
/// places. It comes from the district, the neighbourhoods and the stops alone, so it can be
/// worked out before any building is profiled (a distributed run ships it to every tile).
#[derive(Debug, Clone)]
pub struct Outline {
    /// The community area, district excluded, local CRS.
    pub area: MultiPolygon<f64>,
    /// `adjacent`: indices of the neighbouring neighbourhoods in `site.neighbourhoods`.
    pub neighbours: Vec<usize>,
    /// `adjacent`: the neighbourhoods taken as the district itself.
    pub district_neighbourhoods: Vec<usize>,
    /// `catchment`: how many stops serve the district.
    pub serving_stops: usize,
    /// `buffer`: how the district boundary was simplified for the buffer, when it was.
    pub simplified: Option<outline::Simplified>,
}

impl Outline {
    /// The outline of a community known by its area alone (a tile of a distributed run, which
    /// is given the area the driver delineated): no neighbourhoods, stops or simplification
    /// said.
    pub fn of_area(area: MultiPolygon<f64>) -> Outline {
        Outline {
            area,
            neighbours: Vec::new(),
            district_neighbourhoods: Vec::new(),
            serving_stops: 0,
            simplified: None,
        }
    }
}

/// The community's area of `site` by the site file's method (its buildings are not read).
pub fn outline_of(
    site: &Site,
    spec: &CommunitySpec,
    factors: &Factors,
    site_file: &std::path::Path,
) -> Result<Outline> {
    let district = &site.district.area;
    let mut neighbours = Vec::new();
    let mut district_neighbourhoods = Vec::new();
    let mut serving_stops = 0;
    let mut simplified = None;
    if let Some((key, problem, hint)) = spec
        .problems(!site.neighbourhoods.is_empty())
        .into_iter()
        .next()
    {
        return Err(bad(site_file, key, problem, hint));
    }
    let area = match spec.method {
        CommunityMethod::Buffer => {
            let (around, how) = outline::buffer(district, spec.distance_m);
            simplified = how;
            around.difference(district)
        }
        CommunityMethod::Adjacent => {
            let reach = district.buffer(spec.distance_m.max(0.0) + TOUCH_TOLERANCE_M);
            let mut union = MultiPolygon::new(vec![]);
            for (i, n) in site.neighbourhoods.iter().enumerate() {
                let own = n.area.unsigned_area();
                let inside = n.area.intersection(district).unsigned_area();
                if own > 0.0 && inside / own >= SELF_SHARE {
                    district_neighbourhoods.push(i);
                } else if n.area.intersects(&reach) {
                    neighbours.push(i);
                    union = union.union(&n.area);
                }
            }
            without_slits(union.difference(district))
        }
        CommunityMethod::Catchment => {
            let mut union = MultiPolygon::new(vec![]);
            for s in &site.stops {
                let mode = s.mode;
                let reach = factors.access.catchment_m(mode);
                if Euclidean.distance(district, &s.point) <= reach {
                    serving_stops += 1;
                    union = union.union(&s.point.buffer(reach));
                }
            }
            if serving_stops == 0 {
                return Err(bad(
                    site_file,
                    "community.method",
                    "`catchment` needs stops that serve the district, and none lies within walking distance of it",
                    "add a [stops] layer or GTFS feed, or use method = \"buffer\"",
                ));
            }
            union.difference(district)
        }
    };
    Ok(Outline {
        area,
        neighbours,
        district_neighbourhoods,
        serving_stops,
        simplified,
    })
}

/// Where one building lies: in the district by its profile (its representative point, as in
/// the estimates), else in the community when that point lies in `community` (the community
/// area's lookup), else outside. `cpgis run` and every tile of a distributed run place
/// buildings with this one function.
pub fn place(p: &Profile, community: &crate::site::lookup::AreaLookup) -> Membership {
    if p.in_district {
        Membership::District
    } else if community.contains(&p.point) {
        Membership::Community
    } else {
        Membership::Outside
    }
}

/// Delineates the community of `site` and places every building; `extent` is the buildings'
/// extent on the whole map (core `census`), what the share of the community inside it is
/// measured against.
pub fn delineate(
    site: &Site,
    profiles: &Profiles,
    spec: &CommunitySpec,
    factors: &Factors,
    site_file: &std::path::Path,
    extent: Option<geo::Rect<f64>>,
) -> Result<Community> {
    let outline = outline_of(site, spec, factors, site_file)?;
    Ok(Community::placed(spec, outline, extent, profiles))
}

impl Community {
    /// The community of `outline`, each profiled building placed ([`place`]); its share inside
    /// the buildings' `extent` (the whole map's, core `census`; `None`: not measured, as a tile
    /// that only places its buildings leaves it).
    pub fn placed(
        spec: &CommunitySpec,
        outline: Outline,
        extent: Option<geo::Rect<f64>>,
        profiles: &Profiles,
    ) -> Community {
        let Outline {
            area,
            neighbours,
            district_neighbourhoods,
            serving_stops,
            simplified,
        } = outline;
        // Each building on its own: in parallel (rayon keeps the order).
        let lookup = crate::site::lookup::AreaLookup::new(&area);
        let membership: Vec<Membership> = profiles
            .buildings
            .par_iter()
            .map(|p| place(p, &lookup))
            .collect();
        Community {
            method: spec.method,
            distance_m: spec.distance_m,
            neighbours,
            district_neighbourhoods,
            serving_stops,
            simplified,
            in_buildings_extent: extent.and_then(|r| crate::site::share_in(&area, r)),
            area_default_floors: member_share(&membership, profiles, Profile::floors_defaulted),
            area_unknown_use: member_share(&membership, profiles, Profile::use_unknown),
            counts: counts_of(&membership),
            membership,
            area,
        }
    }
}

/// The share of the community buildings' floor area that answers `pred`.
fn member_share(
    membership: &[Membership],
    profiles: &Profiles,
    pred: fn(&Profile) -> bool,
) -> Option<f64> {
    crate::profile::area_share(
        &profiles.buildings,
        |i, _| membership[i] == Membership::Community,
        pred,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, LineString};

    /// Regression, Liechtenstein: the union of adjacent neighbourhoods left 90 rings that run
    /// out and back along shared edges; written as holes of zero area (RFC 7946 checker).
    #[test]
    fn slit_holes_are_dropped_and_real_holes_kept() {
        let shell = polygon![(x: 0.0, y: 0.0), (x: 100.0, y: 0.0), (x: 100.0, y: 100.0), (x: 0.0, y: 100.0)];
        let slit = LineString::from(vec![(10.0, 10.0), (20.0, 10.0), (10.0, 10.0), (10.0, 10.0)]);
        let hole = LineString::from(vec![
            (50.0, 50.0),
            (50.0, 60.0),
            (60.0, 60.0),
            (60.0, 50.0),
            (50.0, 50.0),
        ]);
        let p = geo::Polygon::new(shell.exterior().clone(), vec![slit, hole.clone()]);
        let kept = without_slits(MultiPolygon::new(vec![p]));
        assert_eq!(kept.0[0].interiors(), &[hole]);
        assert_eq!(kept.unsigned_area(), 100.0 * 100.0 - 10.0 * 10.0);
    }
}
