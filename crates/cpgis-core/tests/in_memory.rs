//! The core on in-memory data, as a tile of a distributed job or a library caller uses it: a
//! site file checked against files held in memory, a site built by hand, and every stage from
//! profile to balance, with no GDAL and no file. The figures are worked out by hand from the
//! geometry (floor area, membership, the ring's area) and from the published method (rooftop
//! PV: roof × usable share × covered share × kWp/m² × yield × grid factor).

use std::path::Path;

use cpgis_core::community::Membership;
use cpgis_core::config::{parse_site_str, SiteConfig};
use cpgis_core::files::MemoryFiles;
use cpgis_core::kinds::{Carrier, Intervention};
use cpgis_core::run::{self, Silent};
use cpgis_core::site::{Building, District, LocalCrs, Shape, Site, UseShare};
use geo::{polygon, Area, MultiPolygon};

/// A `w` × `h` m rectangle with its south-west corner at (`x`, `y`), local CRS.
fn rect(x: f64, y: f64, w: f64, h: f64) -> MultiPolygon<f64> {
    MultiPolygon::new(vec![polygon![
        (x: x, y: y),
        (x: x + w, y: y),
        (x: x + w, y: y + h),
        (x: x, y: y + h),
    ]])
}

fn building(id: &str, x: f64, y: f64) -> Building {
    Building {
        id: id.into(),
        layer: 0,
        // 20 m × 10 m = 200 m² of footprint, 3 floors: 600 m² of floor area.
        shape: Shape::Area(rect(x, y, 20.0, 10.0)),
        uses: vec![UseShare {
            raw: "apartments".into(),
            share: None,
        }]
        .into(),
        floors: Some(3.0),
        height_m: None,
        year: Some("1972".into()),
        standard: None,
        gfa_m2: None,
        energy: Vec::new(),
        energy_mapped: Default::default(),
    }
}

/// A site file's text parsed and checked against a case folder (`/case`) holding an empty
/// district and buildings file in memory.
fn checked_case(text: &str) -> (SiteConfig, run::Checked) {
    let mut files = MemoryFiles::default();
    files.insert("/case/district.geojson", "");
    files.insert("/case/buildings.geojson", "");
    let config = parse_site_str(
        text,
        Path::new("/case/site.toml"),
        Path::new("/case"),
        &files,
    )
    .expect("the site file checks against the files in memory");
    let checked = run::check(&config, &files).unwrap();
    (config, checked)
}

/// A site of `buildings` in `district`, in UTM zone `zone` (north), with no neighbourhoods,
/// stops or population.
fn site_of(name: &str, zone: u32, district: MultiPolygon<f64>, buildings: Vec<Building>) -> Site {
    Site {
        name: name.into(),
        crs: LocalCrs {
            epsg: 32600 + zone,
            name: format!("WGS 84 / UTM zone {zone}N"),
            auto: false,
        },
        district: District {
            name: "district".into(),
            area: district,
        },
        neighbourhoods: Vec::new(),
        buildings,
        stops: Vec::new(),
        population: Vec::new(),
        quality: Vec::new(),
        use_maps: vec![Vec::new()],
        context: Vec::new(),
        standard_maps: vec![Vec::new()],
    }
}

#[test]
fn every_stage_runs_on_a_site_built_in_memory() {
    let text = r#"
name = "In memory"
crs = "EPSG:32632"
preset = "europe"
[district]
path = "district.geojson"
[buildings]
path = "buildings.geojson"
[community]
method = "buffer"
distance_m = 500
[offsets]
interventions = ["rooftop_pv"]
"#;
    let (config, checked) = checked_case(text);
    assert_eq!(config.offsets.interventions, [Intervention::RooftopPv]);

    // A 200 m square district; one building inside it, one 300 m east of it (inside the 500 m
    // ring), one 2 km away.
    let (x0, y0) = (500_000.0, 5_200_000.0);
    let site = site_of(
        "In memory",
        32,
        rect(x0, y0, 200.0, 200.0),
        vec![
            building("in", x0 + 50.0, y0 + 50.0),
            building("ring", x0 + 500.0, y0 + 100.0),
            building("far", x0 + 2_200.0, y0 + 100.0),
        ],
    );

    let estimated = run::estimate(config, checked, site, &mut Silent).unwrap();
    for p in &estimated.profiles.buildings {
        assert_eq!(p.floor.gfa_m2, 600.0);
        assert_eq!(p.footprint_m2, 200.0);
    }
    assert_eq!(estimated.aggregates.district.buildings, 1);
    assert_eq!(estimated.aggregates.district.floor_area_m2, 600.0);

    let ran = run::finish(estimated, &mut Silent).unwrap();
    assert_eq!(
        ran.community.membership,
        [
            Membership::District,
            Membership::Community,
            Membership::Outside
        ]
    );
    // The ring: 4 sides × 200 m × 500 m + a 500 m circle in the corners = 1,185,398 m²
    // (the buffer draws the arcs with segments, so a little less).
    let ring = ran.community.area.unsigned_area();
    assert!((ring / 1_185_398.0 - 1.0).abs() < 0.005, "ring area {ring}");

    // Rooftop PV on the one community building only.
    let e = &ran.estimated;
    let f = &e.factors;
    assert_eq!(ran.plan.opportunities.len(), 1);
    let o = &ran.plan.opportunities[0];
    assert_eq!(
        (o.intervention(), o.building),
        (Intervention::RooftopPv, Some(1))
    );
    let kwh = 200.0
        * f.solar.usable_roof_share
        * f.offsets.pv_roof_share
        * f.solar.kwp_per_m2
        * f.solar.yield_kwh_kwp;
    let t = kwh * f.carrier(Carrier::Electricity) / 1000.0;
    assert!(
        (o.abatement_t - t).abs() < 1e-9 * t,
        "{} vs {t}",
        o.abatement_t
    );

    // The ledger adds up.
    let b = &ran.balance;
    let proposed = e.estimates.proposed;
    assert_eq!(b.on_site_t, e.aggregates.district.total(proposed));
    assert_eq!(b.net_t, b.on_site_t - b.credits_t);
    assert_eq!(b.climate_positive, b.net_t < 0.0);
    assert!(b.credits_t <= t + 1e-9);
}

/// District steam is its own carrier with its own factor (it had to be mapped to district
/// heat): 1,000 kBtu of metered steam is 293.071 kWh (1 Btu = 1,055.05585262 J), at the usa
/// preset's 66.4 kg CO2e/MMBtu = 0.066 4 kg per kBtu.
#[test]
fn metered_district_steam_is_its_own_carrier() {
    use cpgis_core::config::MeterUnit;
    use cpgis_core::estimate::energy::EnergyModel;
    use cpgis_core::estimate::{Measures, Quantity, SectorModel};
    use cpgis_core::site::{Carriers, Metered};

    let text = "preset = \"usa\"\ncrs = \"EPSG:32611\"\n[district]\npath = \"district.geojson\"\n[buildings]\npath = \"buildings.geojson\"\nenergy.district_steam = { field = \"steam\", unit = \"kBtu\" }\n";
    let (config, checked) = checked_case(text);
    assert_eq!(
        config.buildings[0].energy[0].carrier,
        Carrier::DistrictSteam
    );
    let mut b = building("steam", 0.0, 0.0);
    b.energy = vec![Metered {
        carrier: Carrier::DistrictSteam,
        value: 1000.0,
        unit: MeterUnit::parse("kBtu").unwrap(),
    }];
    b.energy_mapped = Carriers::of([Carrier::DistrictSteam]);
    let site = site_of("steam", 11, rect(-100.0, -100.0, 300.0, 300.0), vec![b]);
    let e = run::estimate(config, checked, site, &mut Silent).unwrap();
    let r = EnergyModel.estimate(
        &e.site.buildings[0],
        &e.profiles.buildings[0],
        &Measures::default(),
        &e.factors,
    );
    let kwh = r.quantities.get(Quantity::DistrictSteamKwh).unwrap();
    assert!((kwh - 293.071_070_172_22).abs() < 1e-9, "{kwh}");
    assert_eq!(r.quantities.get(Quantity::EnergyTier), Some(2.0));
    // 1,000 kBtu = 1 MMBtu at 66.4 kg CO2e/MMBtu.
    assert!((r.co2e_t - 0.0664).abs() < 1e-12, "{}", r.co2e_t);
}

/// "Buildings on the map outside the community offer X" counts what those buildings offer, not
/// the community's own bus service counted again: the lever's figure had run the cell-wide
/// transit intervention in every cell holding a building beyond the community, on that cell's
/// community residents (a cell straddling the community's edge offered its bus twice). With
/// transit the only intervention, buildings beyond the community offer nothing.
#[test]
fn beyond_the_community_the_communitys_bus_is_not_offered_again() {
    let text = r#"
crs = "EPSG:32632"
preset = "europe"
[district]
path = "district.geojson"
[buildings]
path = "buildings.geojson"
[community]
method = "buffer"
distance_m = 500
[offsets]
interventions = ["transit"]
[grid]
cell_m = 2000
"#;
    let (config, checked) = checked_case(text);
    // One 2 km cell (x 500,000..502,000) holds the district (a 200 m square), a large housing
    // block in the 500 m ring (its west side 250 m east of the district) and one beyond it
    // (550 m east): no stops, so the block's residents are poorly served.
    let (x0, y0) = (500_000.0, 5_200_000.0);
    let block = |id: &str, x: f64| {
        let mut b = building(id, x, y0);
        b.shape = Shape::Area(rect(x, y0, 100.0, 50.0));
        b.floors = Some(8.0);
        b
    };
    let site = site_of(
        "bus",
        32,
        rect(x0, y0, 200.0, 200.0),
        vec![
            block("in", x0 + 50.0),
            block("ring", x0 + 450.0),
            block("beyond", x0 + 750.0),
        ],
    );
    let estimated = run::estimate(config, checked, site, &mut Silent).unwrap();
    let ran = run::finish(estimated, &mut Silent).unwrap();
    let e = &ran.estimated;
    assert_eq!(
        ran.community.membership,
        [
            Membership::District,
            Membership::Community,
            Membership::Outside
        ]
    );
    assert_eq!(e.aggregates.cells.len(), 1, "one cell holds all three");
    // The community's bus: one transit opportunity in that cell, for the ring block's residents
    // (4,000 m² of housing: above the preset's 200 residents).
    let residents = e.profiles.buildings[1].residents;
    assert!(
        residents >= e.factors.offsets.transit_min_residents,
        "{residents}"
    );
    assert_eq!(ran.plan.opportunities.len(), 1);
    assert_eq!(
        ran.plan.opportunities[0].intervention(),
        Intervention::Transit
    );
    assert!(ran.plan.opportunities[0].abatement_t > 0.0);
    // Short of the target (a district of 4,000 m² against one bus), and nothing beyond.
    let b = &ran.balance;
    assert!(b.shortfall_t > 0.0);
    assert!(
        !b.levers.iter().any(|l| l.contains("widen the community")),
        "{:?}",
        b.levers
    );
}
