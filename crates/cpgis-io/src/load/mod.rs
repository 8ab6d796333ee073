//! Stage 1, load: the checked site configuration and its layer files → a [`Site`] with every
//! layer in one local metric CRS, validated, repaired where possible, and a [`LayerQuality`]
//! report per layer so that nothing is dropped silently.
//!
//! | module | what it does |
//! |---|---|
//! | `source` | open and check every layer the site file names, reporting all problems at once |
//! | `fieldlist` | which mapped value sits in which slot of a feature |
//! | `values` | numbers out of attribute text (`12 m`, `3;4`) |
//! | `dedupe` | buildings present in two layers, found through an R-tree |
//! | `quality` | the per-layer report |

mod csv_stream;
mod dedupe;
mod fieldlist;
pub mod gtfs;
mod numbers;
pub mod part;
mod source;
pub mod values;

use std::collections::BTreeMap;

use gdal::spatial_ref::SpatialRef;
use geo::{BooleanOps, Centroid, MultiPolygon, Point};
use rayon::prelude::*;

use crate::crs;
use crate::layer::RawFeature;
use crate::validate::{self, Checked, Expect};
use cpgis_core::config::{ConfigIssues, SiteConfig};
use cpgis_core::kinds::{Carrier, Mode};
use cpgis_core::site::{
    Building, Carriers, District, LayerQuality, Metered, Neighbourhood, PopulationCell, Shape,
    Site, Stop, UseShare,
};
use cpgis_core::{Error, Result};
use fieldlist::{value, FieldList};
use numbers::{bounds, FeatureNotes, Formats, Reader, Reading};
use source::OpenSource;

pub use cpgis_core::site::{DuplicateFeature, RejectedValue, SkippedFeature, UnreadValues};
pub use dedupe::MIN_OVERLAP;
pub use values::NumberFormat;

/// Loads a case: opens and checks every layer first (all problems reported together), then
/// chooses the local CRS and reads each layer into it.
pub fn load(config: &SiteConfig) -> Result<Site> {
    load_with(config, None)
}

/// [`load`], with the buildings read elsewhere when `elsewhere` is given (a cluster's workers
/// read the parts of a large buildings layer: [`part`]): the site then has no buildings, its
/// buildings layers' reports are those given, and the checks and maps that take the
/// buildings' extent take the one given.
pub fn load_with(
    config: &SiteConfig,
    elsewhere: Option<&part::BuildingsElsewhere>,
) -> Result<Site> {
    let mut issues = ConfigIssues::new(config.file.clone());
    let mut district_fields = FieldList::default();
    let district_name = district_fields.add(config.district.name.as_deref());
    let district_src = OpenSource::open(
        &config.district.source,
        district_fields.names(),
        &mut issues,
    );

    let mut nb_fields = FieldList::default();
    let nb_slots = config.neighbourhoods.as_ref().map(|n| {
        (
            slots(&mut nb_fields, &n.id),
            nb_fields.add(n.population.as_deref()),
        )
    });
    let nb_src = config
        .neighbourhoods
        .as_ref()
        .map(|n| OpenSource::open(&n.source, nb_fields.names(), &mut issues));

    let building_maps: Vec<BuildingSlots> =
        config.buildings.iter().map(BuildingSlots::new).collect();
    // Buildings read elsewhere are not opened here (a large GeoParquet would be converted whole).
    let building_srcs: Vec<Option<OpenSource>> = match elsewhere {
        Some(_) => Vec::new(),
        None => config
            .buildings
            .iter()
            .zip(&building_maps)
            .map(|(b, m)| OpenSource::open(&b.source, m.fields.names(), &mut issues))
            .collect(),
    };

    let mut stop_fields = FieldList::default();
    let stop_slots = config.stops.as_ref().map(|s| {
        let id = slots(&mut stop_fields, &s.id);
        let modes: Vec<usize> = s
            .mode
            .fields
            .iter()
            .filter_map(|f| stop_fields.add(Some(f)))
            .collect();
        let name = stop_fields.add(s.name.as_deref());
        let departures = stop_fields.add(s.departures.as_deref());
        (id, modes, name, departures)
    });
    let stop_src = config
        .stops
        .as_ref()
        .and_then(|s| s.source.as_ref())
        .map(|src| OpenSource::open(src, stop_fields.names(), &mut issues));

    let mut pop_fields = FieldList::default();
    let pop_slot = config
        .population
        .as_ref()
        .map(|p| pop_fields.add(Some(&p.value)));
    let pop_src = config
        .population
        .as_ref()
        .map(|p| OpenSource::open(&p.source, pop_fields.names(), &mut issues));

    let context_srcs: Vec<(cpgis_core::site::ContextKind, Option<OpenSource>)> = config
        .context
        .layers()
        .map(|(kind, src)| (kind, OpenSource::open(src, &[], &mut issues)))
        .collect();

    if !issues.is_empty() {
        return Err(Error::Config(issues));
    }
    let district_src = district_src.expect("no issues means the district opened");

    // The local CRS comes from the district's centroid in WGS 84.
    let wgs84 = crs::wgs84()?;
    let centroid = district_centroid(&district_src, &wgs84)?;
    let local = crs::choose_local(config.crs, centroid).map_err(|e| with_file(e, config))?;
    let target = crs::epsg(local.epsg)?;

    let mut quality = Vec::new();
    let district = load_district(&district_src, district_name, &target, &mut quality)?;

    let mut neighbourhoods = Vec::new();
    if let (Some(Some(src)), Some((id, pop))) = (&nb_src, nb_slots) {
        let mut q = src.quality();
        let features = checked(
            src,
            &target,
            Expect::Areas,
            (&id, nb_fields.names()),
            &mut q,
        )?;
        let names = nb_fields.names();
        let formats = Formats::of(features.iter().map(|f| &f.0), names, pop.as_slice(), &mut q);
        for (raw, label, shape) in features {
            let Shape::Area(area) = shape else { continue };
            let reader = Reader {
                raw: &raw,
                id: &label,
                names,
                formats: &formats,
            };
            let population = reader.bounded(
                pop,
                Reading::Number,
                |v| v >= 0.0,
                "a population cannot be negative",
                &mut q,
            );
            neighbourhoods.push(Neighbourhood {
                id: label,
                population,
                area,
            });
        }
        finish(&mut q, neighbourhoods.iter().map(|n| n.id.as_str()));
        usable(&q, &src.source)?;
        quality.push(q);
    }

    let mut buildings: Vec<Building> = Vec::new();
    for (layer_index, (src, slots)) in building_srcs.iter().zip(&building_maps).enumerate() {
        let src = src.as_ref().expect("no issues means every layer opened");
        let spec = &config.buildings[layer_index];
        let mut q = src.quality();
        let earlier = buildings.len();
        let mut fresh = layer_buildings(src, slots, spec, layer_index, &target, None, &mut q)?;
        // A footprint drawn twice in this layer (same coordinates, another id) is one
        // building: the later copy is dropped and listed, as across layers.
        let twice = dedupe::identical_within(&fresh.iter().map(|b| &b.shape).collect::<Vec<_>>());
        if !twice.is_empty() {
            for &(i, first) in &twice {
                q.duplicates.push(DuplicateFeature {
                    id: fresh[i].id.to_string(),
                    duplicate_of: fresh[first].id.to_string(),
                    overlap: 1.0,
                });
            }
            let mut drop = twice.iter().map(|(i, _)| *i).peekable();
            let mut k = 0;
            fresh.retain(|_| {
                let gone = drop.peek() == Some(&k);
                if gone {
                    drop.next();
                }
                k += 1;
                !gone
            });
        }
        if layer_index > 0 {
            let index = dedupe::FootprintIndex::new(
                buildings[..earlier].iter().map(|b| &b.shape).collect(),
            );
            fresh.retain(|b| match index.duplicate_of(&b.shape) {
                Some((i, overlap)) => {
                    q.duplicates.push(DuplicateFeature {
                        id: b.id.to_string(),
                        duplicate_of: buildings[i].id.to_string(),
                        overlap: (overlap * 1000.0).round() / 1000.0,
                    });
                    false
                }
                None => true,
            });
        }
        if buildings.is_empty() {
            buildings = fresh;
        } else {
            buildings.extend(fresh);
        }
        finish(&mut q, buildings[earlier..].iter().map(|b| &*b.id));
        usable(&q, &src.source)?;
        quality.push(q);
    }
    let mut buildings_rect = rect_of_buildings(&buildings);
    if let Some(e) = elsewhere {
        for (q, spec) in e.quality.iter().zip(&config.buildings) {
            usable(q, &spec.source)?;
        }
        quality.extend(e.quality.iter().cloned());
        buildings_rect = e.extent;
    }

    let mut stops = Vec::new();
    if let (Some(Some(src)), Some((id, mode_slots, name_slot, dep_slot)), Some(spec)) =
        (&stop_src, &stop_slots, &config.stops)
    {
        let mut q = src.quality();
        let features = checked(
            src,
            &target,
            Expect::Points,
            (id, stop_fields.names()),
            &mut q,
        )?;
        let names = stop_fields.names();
        let formats = Formats::of(
            features.iter().map(|f| &f.0),
            names,
            dep_slot.as_slice(),
            &mut q,
        );
        for (raw, label, shape) in features {
            let Shape::Point(point) = shape else { continue };
            let mode = mode_slots
                .iter()
                .filter_map(|s| raw.values.get(*s).and_then(|v| v.as_deref()))
                .find_map(|v| spec.mode.map.iter().find(|(k, _)| k == v).map(|(_, m)| *m))
                .unwrap_or(spec.mode.default);
            let name = value(&raw.values, *name_slot)
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string);
            let reader = Reader {
                raw: &raw,
                id: &label,
                names,
                formats: &formats,
            };
            let departures_per_hour = reader.bounded(
                *dep_slot,
                Reading::Number,
                |d| d > 0.0 && d <= bounds::MAX_DEPARTURES_PER_HOUR,
                "departures per hour must be more than 0 and at most 600 (one a minute both ways at ten platforms); the mode's default is used",
                &mut q,
            );
            stops.push(Stop {
                id: label,
                name,
                mode,
                point,
                departures_per_hour,
                routes: Vec::new(),
            });
        }
        finish(&mut q, stops.iter().map(|s| s.id.as_str()));
        usable(&q, &src.source)?;
        quality.push(q);
    }
    if let Some(spec) = config.stops.as_ref() {
        if let Some(feed_path) = spec.gtfs.as_ref() {
            stops.extend(gtfs_stops(
                feed_path,
                spec.gtfs_date.as_deref(),
                &target,
                &mut quality,
            )?);
        }
    }

    let mut population = Vec::new();
    if let (Some(Some(src)), Some(slot)) = (&pop_src, pop_slot) {
        let mut q = src.quality();
        let features = checked(src, &target, Expect::AreasOrPoints, (&[], &[]), &mut q)?;
        let names = pop_fields.names();
        let formats = Formats::of(
            features.iter().map(|f| &f.0),
            names,
            slot.as_slice(),
            &mut q,
        );
        for (raw, label, shape) in features {
            let reader = Reader {
                raw: &raw,
                id: &label,
                names,
                formats: &formats,
            };
            let possible = |v: f64| {
                v >= 0.0
                    && match &shape {
                        Shape::Area(mp) => {
                            v <= bounds::MAX_RESIDENTS_PER_M2 * geo::Area::unsigned_area(mp)
                        }
                        Shape::Point(_) => v <= bounds::MAX_RESIDENTS_AT_POINT,
                    }
            };
            let why = match &shape {
                Shape::Area(_) => "residents must be 0 or more, and at most 2 per m² of the polygon (above the densest place recorded, Kowloon Walled City, about 1.3 per m²)",
                Shape::Point(_) => "residents must be 0 or more, and at most 1,000,000 at one point (above any 1 km² grid cell)",
            };
            let rejected_before = q.rejected.len();
            match reader.bounded(slot, Reading::Number, possible, why, &mut q) {
                Some(residents) => population.push(PopulationCell {
                    id: label,
                    residents,
                    shape,
                }),
                None => {
                    let reason = match q.rejected.get(rejected_before) {
                        Some(r) => format!("population `{}` refused: {}", r.value, r.reason),
                        None => "no population value".into(),
                    };
                    q.skipped.push(SkippedFeature { id: label, reason });
                }
            }
        }
        finish(&mut q, population.iter().map(|p| p.id.as_str()));
        usable(&q, &src.source)?;
        quality.push(q);
    }

    check_distortion(
        config,
        &local,
        &target,
        joined(
            cpgis_core::site::extent(
                std::iter::once(&district.area).chain(neighbourhoods.iter().map(|n| &n.area)),
            ),
            buildings_rect,
        ),
    )?;

    let context = read_context(
        context_srcs,
        &target,
        &district,
        buildings_rect,
        config,
        &mut quality,
    )?;

    Ok(Site {
        context,
        name: config.name.clone(),
        crs: local,
        district,
        neighbourhoods,
        buildings,
        stops,
        population,
        quality,
        use_maps: config.buildings.iter().map(|b| b.use_map.clone()).collect(),
        standard_maps: config
            .buildings
            .iter()
            .map(|b| b.standard_map.clone())
            .collect(),
    })
}

/// The surveys a layer read in parts is read under, given its usable features.
type SurveysOf<'a> = &'a mut dyn FnMut(&[&RawFeature]) -> Vec<values::ColumnSurvey>;

/// The buildings of one buildings layer in its order, each feature checked, its numbers read
/// under the formats `surveys` gives from the usable features (a layer read in parts: the
/// part's own, or the whole layer's merged), or under those its own values decide; what could
/// not be read as given noted in `q`. Identical footprints, duplicates of earlier layers and ids
/// used twice are the caller's.
fn layer_buildings(
    src: &OpenSource,
    slots: &BuildingSlots,
    spec: &cpgis_core::config::BuildingsSpec,
    layer_index: usize,
    target: &SpatialRef,
    surveys: Option<SurveysOf>,
    q: &mut LayerQuality,
) -> Result<Vec<Building>> {
    // Each building on its own, in parallel; what could not be read is recorded in order.
    // Buildings and their logs in two lists (a million buildings are not copied from a
    // list of pairs into a list of their own).
    let features = checked(
        src,
        target,
        Expect::AreasOrPoints,
        (&slots.id, slots.fields.names()),
        q,
    )?;
    let formats = match surveys {
        None => Formats::of(
            features.iter().map(|f| &f.0),
            slots.fields.names(),
            &slots.numeric(),
            q,
        ),
        Some(given) => {
            let raws: Vec<&RawFeature> = features.iter().map(|f| &f.0).collect();
            Formats::decided(slots.fields.names(), &slots.numeric(), &given(&raws), q)
        }
    };
    let (fresh, logs): (Vec<Building>, Vec<FeatureNotes>) = features
        .into_par_iter()
        .map(|(raw, label, shape)| {
            let mut log = FeatureNotes::default();
            let b = slots.building(&raw, label, shape, layer_index, spec, &formats, &mut log);
            (b, log)
        })
        .unzip();
    for log in logs {
        log.replay(q);
    }
    Ok(fresh)
}

/// Reads the context layers (roads, rail, water), keeping the lines and polygons within reach of
/// the maps: the bounding box of the district and the buildings, widened by the community's
/// distance and 500 m. Features without a usable geometry are listed as skipped in the layer's
/// quality report; the rest are drawn only, never counted.
fn read_context(
    srcs: Vec<(cpgis_core::site::ContextKind, Option<OpenSource>)>,
    target: &SpatialRef,
    district: &cpgis_core::site::District,
    buildings_rect: Option<geo::Rect<f64>>,
    config: &SiteConfig,
    quality: &mut Vec<LayerQuality>,
) -> Result<Vec<cpgis_core::site::ContextLayer>> {
    use geo::BoundingRect;
    let mut out = Vec::new();
    if srcs.is_empty() {
        return Ok(out);
    }
    // (A district without a box leaves the maps without context, as before.)
    let Some(rect) = district
        .area
        .bounding_rect()
        .map(|d| joined(Some(d), buildings_rect).unwrap_or(d))
    else {
        return Ok(out);
    };
    let pad = config.community.distance_m + 500.0;
    let reach = geo::Rect::new(
        (rect.min().x - pad, rect.min().y - pad),
        (rect.max().x + pad, rect.max().y + pad),
    );
    for (kind, src) in srcs {
        let Some(src) = src else { continue };
        let mut q = src.quality();
        let mut geometries = Vec::new();
        for raw in src.read(target)? {
            q.read += 1;
            match raw.geometry {
                Ok(g) => {
                    let within = g.bounding_rect().is_some_and(|b| {
                        b.min().x <= reach.max().x
                            && b.max().x >= reach.min().x
                            && b.min().y <= reach.max().y
                            && b.max().y >= reach.min().y
                    });
                    if within {
                        geometries.push(g);
                    }
                }
                Err(p) => q.skipped.push(SkippedFeature {
                    id: format!("feature {}", raw.index),
                    reason: format!("no usable geometry: {p:?}"),
                }),
            }
        }
        q.loaded = geometries.len();
        quality.push(q);
        out.push(cpgis_core::site::ContextLayer { kind, geometries });
    }
    Ok(out)
}

/// The box holding both boxes (either when the other is `None`).
pub fn joined(a: Option<geo::Rect<f64>>, b: Option<geo::Rect<f64>>) -> Option<geo::Rect<f64>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(geo::Rect::new(
            (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
            (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
        )),
        (a, None) => a,
        (None, b) => b,
    }
}

/// The box of the buildings' footprints and points (min and max of each coordinate: the same
/// in any order, so parts' boxes join into the whole's).
pub fn rect_of_buildings(buildings: &[Building]) -> Option<geo::Rect<f64>> {
    use geo::BoundingRect;
    buildings
        .iter()
        .map(|b| match &b.shape {
            Shape::Area(a) => a.bounding_rect(),
            Shape::Point(p) => Some(geo::Rect::new(p.0, p.0)),
        })
        .fold(None, joined)
}

/// Refuses a local CRS that distorts areas by more than 0.5 % somewhere in `extent` (that of
/// the district, the neighbourhoods and the buildings: floor areas, the community and the grid
/// are measured in it), naming the fix.
fn check_distortion(
    config: &SiteConfig,
    local: &cpgis_core::site::LocalCrs,
    target: &SpatialRef,
    extent: Option<geo::Rect<f64>>,
) -> Result<()> {
    let Some(extent) = extent else {
        return Ok(());
    };
    let d = crate::distortion::area_distortion(target, extent)?;
    if d.worst.abs() <= crate::distortion::MAX_AREA_DISTORTION {
        return Ok(());
    }
    let how = if local.auto {
        format!(
            "crs = \"auto\" chose EPSG:{} ({}), which",
            local.epsg, local.name
        )
    } else {
        format!("EPSG:{} ({})", local.epsg, local.name)
    };
    let off = if d.worst > 0.0 {
        "too large"
    } else {
        "too small"
    };
    // Narrower than a UTM zone: a UTM zone fits; wider: no one transverse Mercator does.
    let fix = if d.span.0 < 6.0 && !local.auto {
        "use crs = \"auto\" (the UTM zone of the district) or a national projected CRS"
    } else {
        "make one site per part (each gets its own UTM zone), or set crs to an equal-area CRS that covers the data (EPSG:3035 in Europe, EPSG:5070 in the contiguous US, EPSG:3577 in Australia)"
    };
    let mut issues = ConfigIssues::default();
    issues.push(
        "crs",
        &format!(
            "{how} measures areas {:.1} % {off} at {:.2}°, {:.2}° (the data spans {:.1}° of longitude and {:.1}° of latitude; more than {} % is refused, since floor areas, the community and the grid are measured in it)",
            100.0 * d.worst.abs(),
            d.at.0,
            d.at.1,
            d.span.0,
            d.span.1,
            100.0 * crate::distortion::MAX_AREA_DISTORTION
        ),
        Some(fix),
    );
    Err(with_file(Error::Config(issues), config))
}

/// The stops of a GTFS feed, in the local CRS, with their routes' peak departures; the feed
/// gets a quality entry of its own.
fn gtfs_stops(
    feed_path: &std::path::Path,
    date: Option<&str>,
    target: &SpatialRef,
    quality: &mut Vec<LayerQuality>,
) -> Result<Vec<Stop>> {
    let feed = gtfs::read_feed_on(feed_path, date)?;
    let to_local = crs::transform(&crs::wgs84()?, target)?;
    let mut xs: Vec<f64> = feed.stops.iter().map(|s| s.lon).collect();
    let mut ys: Vec<f64> = feed.stops.iter().map(|s| s.lat).collect();
    let mut zs = vec![0.0; xs.len()];
    if !xs.is_empty() {
        to_local
            .transform_coords(&mut xs, &mut ys, &mut zs)
            .map_err(|e| Error::Data {
                file: feed_path.to_path_buf(),
                layer: "stops.txt".into(),
                feature: None,
                problem: format!("stops cannot be placed in the local CRS: {e}"),
            })?;
    }
    let mut q = LayerQuality::new(
        "stops (GTFS)",
        feed_path.to_path_buf(),
        "stops.txt".into(),
        "EPSG:4326 (GTFS)".into(),
    );
    q.read = feed.stops.len() + feed.unserved_stops.len();
    q.loaded = feed.stops.len();
    q.notes.push(format!(
        "departures counted 08:15-09:15 on {}",
        feed.day.describe()
    ));
    let weekday = gtfs::WEEKDAY_NAMES[gtfs::weekday(feed.day.day)];
    for id in &feed.unserved_stops {
        q.skipped.push(SkippedFeature {
            id: id.clone(),
            reason: format!("no departures 08:15-09:15 on the {weekday} counted"),
        });
    }
    for route in &feed.routes_left_out {
        q.skipped.push(SkippedFeature {
            id: format!("route {route}"),
            reason: "route type not counted by PTAL (ferry, cable car, ...)".into(),
        });
    }
    quality.push(q);
    Ok(feed
        .stops
        .into_iter()
        .zip(xs.into_iter().zip(ys))
        .map(|(s, (x, y))| Stop {
            mode: s
                .routes
                .first()
                .map(|r| r.mode)
                // A stop no kept route serves: counted as a bus stop at the default frequency.
                .unwrap_or(Mode::Bus),
            id: s.id,
            name: s.name,
            point: Point::new(x, y),
            departures_per_hour: None,
            routes: s.routes,
        })
        .collect())
}

/// Attaches the site file's name to a configuration error raised without it.
fn with_file(e: Error, config: &SiteConfig) -> Error {
    match e {
        Error::Config(mut issues) => {
            issues.file = config.file.clone();
            Error::Config(issues)
        }
        other => other,
    }
}

/// The WGS 84 lon/lat of the centroid of the district's polygons with finite coordinates (made
/// continuous across 180°). Only
/// the local CRS's zone depends on it, so the polygons are not validated here (a 1,000,000-vertex
/// boundary would be checked twice); they are when the district is loaded.
fn district_centroid(src: &OpenSource, wgs84: &SpatialRef) -> Result<(f64, f64)> {
    let finite = |mp: &MultiPolygon<f64>| {
        cpgis_core::site::rings(mp)
            .flat_map(|r| r.0.iter())
            .all(|c| c.x.is_finite() && c.y.is_finite())
    };
    let mut other: BTreeMap<&'static str, usize> = BTreeMap::new();
    let areas: Vec<MultiPolygon<f64>> = src
        .read(wgs84)?
        .into_iter()
        .filter_map(|f| match f.geometry.ok()? {
            geo::Geometry::Polygon(p) => Some(MultiPolygon(vec![p])),
            geo::Geometry::MultiPolygon(m) => Some(m),
            g => {
                *other.entry(validate::geometry_type_name(&g)).or_default() += 1;
                None
            }
        })
        .filter(finite)
        .collect();
    if areas.is_empty() && !other.is_empty() {
        let found: Vec<String> = other.iter().map(|(t, n)| format!("{n} {t}")).collect();
        let mut e = no_district(src);
        if let Error::Data { problem, .. } = &mut e {
            problem.push_str(&format!(
                " (it holds {}: draw the district as a polygon)",
                found.join(", ")
            ));
        }
        return Err(e);
    }
    let polygons: Vec<geo::Polygon<f64>> = areas.into_iter().flat_map(|m| m.0).collect();
    // Across 180°, the rings jump from 179.9 to −179.9: made continuous first.
    let all = MultiPolygon(crate::export::antimeridian::contiguous(&polygons));
    let c = all.centroid().ok_or_else(|| no_district(src))?;
    Ok((crate::export::antimeridian::wrapped(c.x()), c.y()))
}

fn no_district(src: &OpenSource) -> Error {
    Error::Data {
        file: src.source.path.clone(),
        layer: src.layer_name.clone(),
        feature: None,
        problem: match &src.source.filter {
            Some(f) => format!("no valid polygon matches `{f}`; the district needs at least one"),
            None => "holds no valid polygon; the district needs at least one".into(),
        },
    }
}

fn load_district(
    src: &OpenSource,
    name_slot: Option<usize>,
    target: &SpatialRef,
    quality: &mut Vec<LayerQuality>,
) -> Result<District> {
    let mut q = src.quality();
    let mut area = MultiPolygon::<f64>(Vec::new());
    let mut names = Vec::new();
    for (raw, label, shape) in checked(src, target, Expect::Areas, (&[], &[]), &mut q)? {
        if let Shape::Area(a) = shape {
            area = if area.0.is_empty() { a } else { area.union(&a) };
        }
        names.push(
            value(&raw.values, name_slot)
                .map(str::to_string)
                .unwrap_or(label),
        );
    }
    if area.0.is_empty() {
        let mut e = no_district(src);
        if let (Error::Data { problem, .. }, Some(first)) = (&mut e, q.skipped.first()) {
            problem.push_str(&format!(
                " ({} feature{} skipped; {}: {})",
                q.skipped.len(),
                if q.skipped.len() == 1 { "" } else { "s" },
                first.id,
                first.reason
            ));
        }
        return Err(e);
    }
    q.loaded = names.len();
    quality.push(q);
    let name = if names.len() == 1 {
        names.remove(0)
    } else {
        format!("{} polygons", names.len())
    };
    Ok(District { name, area })
}

/// Polygons smaller than this, in m², are taken as having no area (collinear corners, a
/// polygon collapsed to a line): skipped and listed as "zero area".
pub const MIN_AREA_M2: f64 = 0.5;

/// Reads a layer and validates each feature: valid and repaired features come back with their
/// label; the rest are counted and listed in `q`.
fn checked(
    src: &OpenSource,
    target: &SpatialRef,
    expect: Expect,
    (id_slots, names): (&[usize], &[&str]),
    q: &mut LayerQuality,
) -> Result<Vec<(RawFeature, String, Shape)>> {
    let mut raws = src.read(target)?;
    q.read = raws.len();
    // Validation (and repair) of each geometry on its own: in parallel; counted in order below.
    let verdicts: Vec<(Checked, String)> = raws
        .par_iter_mut()
        .map(|raw| {
            let verdict = match std::mem::replace(&mut raw.geometry, Err(validate::Problem::Empty))
            {
                Ok(g) => match validate::check(g, expect) {
                    // In metres now: a polygon of less than MIN_AREA_M2 is a line drawn as
                    // a polygon.
                    Checked::Valid(Shape::Area(mp)) | Checked::Repaired(Shape::Area(mp), _)
                        if geo::Area::unsigned_area(&mp) < MIN_AREA_M2 =>
                    {
                        Checked::Invalid(validate::Problem::ZeroArea)
                    }
                    other => other,
                },
                Err(p) => Checked::Invalid(p),
            };
            (verdict, feature_label(raw, id_slots))
        })
        .collect();
    // Counted in order; the usable features then kept in parallel (in order: rayon's collect
    // keeps it), not moved one by one.
    for (raw, (_, label)) in raws.iter().zip(&verdicts) {
        if raw.recoded {
            q.recoded_text.push(label.clone());
        }
        for &slot in id_slots {
            if let Some(v) = value(&raw.values, Some(slot)).filter(|v| clamped(v)) {
                q.rejected.push(RejectedValue {
                    id: label.clone(),
                    field: names.get(slot).copied().unwrap_or("id").to_string(),
                    value: v.to_string(),
                    reason: "an integer id beyond the 64-bit range, clamped by GDAL (many ids become this one): the feature is named by its position instead; write the ids as text (quoted) to keep them".into(),
                });
            }
        }
    }
    let mut usable = 0;
    for (verdict, label) in &verdicts {
        if let Some(p) = verdict.problem() {
            *q.invalid.entry(p.to_string()).or_default() += 1;
        }
        match verdict {
            Checked::Valid(_) => usable += 1,
            Checked::Repaired(..) => {
                q.repaired += 1;
                usable += 1;
            }
            Checked::Invalid(p) => q.skipped.push(SkippedFeature {
                id: label.clone(),
                reason: p.to_string(),
            }),
        }
    }
    let pairs = raws.into_par_iter().zip(verdicts);
    let keep = |(raw, (verdict, label))| match verdict {
        Checked::Valid(shape) | Checked::Repaired(shape, _) => Some((raw, label, shape)),
        Checked::Invalid(_) => None,
    };
    if usable == q.read {
        // Every feature usable (the common case): a map of known length, which rayon writes
        // straight into place, instead of a filter, whose pieces it gathers and copies again.
        Ok(pairs
            .map(|pair| keep(pair).expect("every verdict is usable"))
            .collect())
    } else {
        Ok(pairs.filter_map(keep).collect())
    }
}

/// What GDAL writes for an integer beyond the 64-bit range (it clamps them: a GeoJSON id of
/// 99999999999999999999 arrives as 9223372036854775807).
fn clamped(v: &str) -> bool {
    v == "9223372036854775807" || v == "-9223372036854775808"
}

/// A feature's id: the mapped id field, else the driver's fid, else its position. An id GDAL
/// clamped to the 64-bit range is no id (many features would share it).
fn feature_label(raw: &RawFeature, id_slots: &[usize]) -> String {
    if let Some(v) = id_slots
        .iter()
        .find_map(|s| value(&raw.values, Some(*s)).filter(|v| !clamped(v)))
    {
        return v.to_string();
    }
    match raw.fid {
        Some(fid) => format!("fid {fid}"),
        None => format!("#{}", raw.index + 1),
    }
}

/// Slots of a list of id fields.
fn slots<'a>(fields: &mut FieldList<'a>, names: &'a [String]) -> Vec<usize> {
    names.iter().filter_map(|n| fields.add(Some(n))).collect()
}

/// A layer the site file names must give something: no features at all (after its filter), or
/// none usable, is bad input, with the reasons the features were refused.
fn usable(q: &LayerQuality, source: &cpgis_core::config::LayerSource) -> Result<()> {
    let problem = if q.read == 0 {
        match &source.filter {
            Some(f) => format!("no feature matches the filter `{f}`: check the filter's field names and values"),
            None => format!("the layer has no features: give a layer with data, or remove [{}] from the site file", source.role),
        }
    } else if q.loaded == 0 && q.duplicates.is_empty() {
        let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
        for s in &q.skipped {
            *reasons.entry(s.reason.as_str()).or_default() += 1;
        }
        let reasons: Vec<String> = reasons.iter().map(|(r, n)| format!("{r} ({n})")).collect();
        format!(
            "none of its {} features can be used: {}",
            q.read,
            reasons.join(", ")
        )
    } else {
        return Ok(());
    };
    Err(Error::Data {
        file: q.file.clone(),
        layer: q.layer.clone(),
        feature: None,
        problem,
    })
}

/// Counts loaded features and lists ids used more than once.
fn finish<'a>(q: &mut LayerQuality, ids: impl Iterator<Item = &'a str>) {
    let mut ids: Vec<&str> = ids.collect();
    q.loaded += ids.len();
    ids.par_sort_unstable();
    let mut repeated: Vec<String> = ids
        .chunk_by(|a, b| a == b)
        .filter(|run| run.len() > 1)
        .map(|run| run[0].to_string())
        .collect();
    repeated.dedup();
    q.duplicate_ids = repeated;
}

/// Where each mapped building attribute sits in a feature's values.
struct BuildingSlots<'a> {
    fields: FieldList<'a>,
    id: Vec<usize>,
    uses: Vec<UseSlots>,
    floors: Option<usize>,
    height: Option<usize>,
    year: Option<usize>,
    standard: Option<usize>,
    gfa: Option<usize>,
    energy: Vec<usize>,
}

/// The slots of one use field: its value, and its share or its floor area, when mapped.
struct UseSlots {
    raw: usize,
    share: Option<usize>,
    /// The share field is in per cent.
    percent: bool,
    area: Option<usize>,
}

impl<'a> BuildingSlots<'a> {
    fn new(spec: &'a cpgis_core::config::BuildingsSpec) -> Self {
        let mut fields = FieldList::default();
        let id = slots(&mut fields, &spec.id);
        let uses = spec
            .uses
            .iter()
            .filter_map(|u| {
                Some(UseSlots {
                    raw: fields.add(Some(&u.field))?,
                    share: fields.add(u.share.as_deref()),
                    percent: u.percent,
                    area: fields.add(u.area.as_deref()),
                })
            })
            .collect();
        let floors = fields.add(spec.floors.as_deref());
        let height = fields.add(spec.height.as_deref());
        let year = fields.add(spec.year.as_deref());
        let standard = fields.add(spec.standard.as_deref());
        let gfa = fields.add(spec.gfa.as_ref().map(|g| g.field.as_str()));
        let energy = spec
            .energy
            .iter()
            .filter_map(|e| fields.add(Some(&e.field.field)))
            .collect();
        BuildingSlots {
            fields,
            id,
            uses,
            floors,
            height,
            year,
            standard,
            gfa,
            energy,
        }
    }

    /// The slots that hold numbers.
    fn numeric(&self) -> Vec<usize> {
        let mut out: Vec<usize> = [self.floors, self.height, self.gfa]
            .into_iter()
            .flatten()
            .chain(self.uses.iter().flat_map(|u| [u.share, u.area]).flatten())
            .chain(self.energy.iter().copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn building(
        &self,
        raw: &RawFeature,
        id: String,
        shape: Shape,
        layer: usize,
        spec: &cpgis_core::config::BuildingsSpec,
        formats: &Formats,
        q: &mut FeatureNotes,
    ) -> Building {
        let names = self.fields.names();
        let r = Reader {
            raw,
            id: &id,
            names,
            formats,
        };
        let footprint_m2 = match &shape {
            Shape::Area(mp) => Some(geo::Area::unsigned_area(mp)),
            Shape::Point(_) => None,
        };
        let gfa_m2 = spec.gfa.as_ref().and_then(|g| {
            let m2 = r.number(self.gfa, Reading::Number, q)? * g.unit.to_m2();
            let why = if m2 < 1.0 {
                Some(format!("{m2} m² is no building's floor area (at least 1 m²)"))
            } else if m2 > bounds::MAX_GFA_M2 {
                Some(format!("{m2:.0} m² is more than any building's floor area (at most 2,000,000 m²; the largest is about 1.7 million)"))
            } else {
                footprint_m2
                    .filter(|f| m2 > bounds::MAX_STOREYS * f)
                    .map(|f| format!("{m2:.0} m² on a {f:.0} m² footprint is more than 163 storeys, the tallest building's"))
            };
            match why {
                None => Some(m2),
                Some(reason) => {
                    r.refuse(self.gfa, &format!("{reason}; footprint × floors used instead"), q);
                    None
                }
            }
        });
        let area_unit = spec.gfa.as_ref().map_or(1.0, |g| g.unit.to_m2());
        let uses = self
            .uses
            .iter()
            .filter_map(|slots| {
                let raw_use = value(&raw.values, Some(slots.raw))?.into();
                let share = slots.share.and_then(|s| {
                    // A share in per cent (`percent = "FIELD"`) reads 0..100.
                    let (whole, why) = if slots.percent {
                        (100.0, "a share of the floor area in per cent lies between 0 and 100")
                    } else {
                        (1.0, "a share of the floor area lies between 0 and 1 (a field of per cents is `percent = \"FIELD\"`)")
                    };
                    r.bounded(
                        Some(s),
                        Reading::Number,
                        |v| (0.0..=whole).contains(&v),
                        why,
                        q,
                    )
                    .map(|v| v / whole)
                });
                // A use's floor area over the building's: the share (use_mix normalises
                // shares adding up to more than 1, as use areas beside a smaller total do).
                let share = share.or_else(|| {
                    let area = r.bounded(
                        slots.area,
                        Reading::Number,
                        |v| v >= 0.0,
                        "a use's floor area cannot be negative; the uses without an area split the rest",
                        q,
                    )?;
                    let share = gfa_m2.filter(|g| *g > 0.0).map(|g| area * area_unit / g);
                    if share.is_none() {
                        // Nothing to divide by: listed, not silently split equally.
                        r.refuse(
                            slots.area,
                            "a use's floor area needs the building's floor area to become a share; its uses split equally instead",
                            q,
                        );
                    }
                    share
                });
                Some(UseShare {
                    raw: raw_use,
                    share,
                })
            })
            .collect();
        let energy = spec
            .energy
            .iter()
            .zip(&self.energy)
            .filter_map(|(e, slot)| {
                let value = r.number(Some(*slot), Reading::Number, q)?;
                if value < 0.0 && e.carrier != Carrier::Electricity {
                    r.refuse(
                        Some(*slot),
                        &format!("a {} reading cannot be negative (only electricity is exported); modelled from the archetype instead", e.carrier),
                        q,
                    );
                    return None;
                }
                Some(Metered {
                    carrier: e.carrier,
                    value,
                    unit: e.field.unit,
                })
            })
            .collect();
        Building {
            floors: r.number(self.floors, Reading::Number, q),
            height_m: r.bounded(
                self.height,
                Reading::Metres,
                |h| h > 0.0 && h <= bounds::MAX_HEIGHT_M,
                "a height must be more than 0 m and at most 1,000 m (the tallest building is 828 m); floors or the use's default used instead",
                q,
            ),
            year: value(&raw.values, self.year).map(Box::from),
            standard: value(&raw.values, self.standard).map(Box::from),
            id: id.into_boxed_str(),
            layer,
            shape,
            uses,
            gfa_m2,
            energy,
            energy_mapped: Carriers::of(spec.energy.iter().map(|e| e.carrier)),
        }
    }
}
