//! The population cells whose residents found no home, gathered a building at a time
//! (`profile::residents::Housed`, as a distributed run's driver gathers them from the tiles'
//! profiles), are those the run's spread finds: on Kamppi's real population grid (250 m cells,
//! most of them beyond the mapped buildings) and on the same grid as population points.

mod common;

use common::fixture;
use cpgis::profile::residents::{spread, Housed};
use cpgis::site::{PopulationCell, Shape};
use geo::Centroid;

fn kamppi() -> (cpgis::site::Site, cpgis::profile::Profiles) {
    let config = cpgis::parse_site_file(&fixture("kamppi/site.toml")).unwrap();
    let checked = cpgis::run::check(&config, &cpgis::Disk).unwrap();
    let site = cpgis::load::load(&config).unwrap();
    let profiles = cpgis::profile::profile(&site, &checked.factors);
    (site, profiles)
}

/// The buildings' points and housing, fed backwards as two parts that are then merged.
fn housed_in_parts(
    cells: &[PopulationCell],
    profiles: &cpgis::profile::Profiles,
) -> (f64, Vec<String>) {
    let half = profiles.buildings.len() / 2;
    let (mut first, mut second) = (Housed::new(cells), Housed::new(cells));
    for p in profiles.buildings[half..].iter().rev() {
        second.add(p.point, p.housing_m2());
    }
    for p in profiles.buildings[..half].iter().rev() {
        first.add(p.point, p.housing_m2());
    }
    second.merge(&first);
    second.unplaced()
}

#[test]
fn cells_without_a_home_gathered_in_parts_are_the_spreads() {
    let (site, profiles) = kamppi();
    let notes = &profiles.notes;
    // Counted from the fixture's grid against its buildings by the run's spread: 57 of the
    // grid's cells hold no housing (the grid covers more than the mapped buildings).
    assert_eq!(notes.unplaced_cells.len(), 57);
    let (residents, ids) = housed_in_parts(&site.population, &profiles);
    assert_eq!(ids, notes.unplaced_cells);
    assert_eq!(residents.to_bits(), notes.residents_unplaced.to_bits());
    // Every cell's residents either went to buildings or are counted unplaced.
    let placed: f64 = profiles.buildings.iter().map(|p| p.residents).sum::<f64>();
    let total: f64 = site.population.iter().map(|c| c.residents).sum();
    assert!(placed > 0.0 && residents > 0.0 && residents < total);
}

#[test]
fn population_points_without_a_home_gathered_in_parts_are_the_spreads() {
    let (site, profiles) = kamppi();
    // The same grid delivered as points (each cell's centroid), as a census point layer is.
    let points: Vec<PopulationCell> = site
        .population
        .iter()
        .map(|c| PopulationCell {
            id: c.id.clone(),
            residents: c.residents,
            shape: match &c.shape {
                Shape::Area(mp) => Shape::Point(mp.centroid().unwrap()),
                Shape::Point(p) => Shape::Point(*p),
            },
        })
        .collect();
    let at: Vec<_> = profiles.buildings.iter().map(|p| p.point).collect();
    let housing: Vec<f64> = profiles.buildings.iter().map(|p| p.housing_m2()).collect();
    let whole = spread(&points, &at, &housing);
    // A point finds a home within 250 m or none: 47 of the 92 centres are farther than that
    // from every mapped home (the run's spread).
    assert!(!whole.unplaced_cells.is_empty());
    assert!(whole.unplaced_cells.len() < points.len());
    let (residents, ids) = housed_in_parts(&points, &profiles);
    assert_eq!(ids, whole.unplaced_cells);
    assert_eq!(residents.to_bits(), whole.unplaced.to_bits());
}
