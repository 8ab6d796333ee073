//! What `cpgis run` and `cpgis estimate` do: the core's stages on a site loaded from files, and
//! (`run_site_writing`) every output written, the buildings layer on a thread of its own while
//! the offsets and the balance are worked out.

use std::path::Path;
use std::sync::Arc;

use cpgis_core::config::SiteConfig;
use cpgis_core::preset::degree_days;
use cpgis_core::run::{self, Estimated, Progress, Ran, Silent};
use cpgis_core::{Error, Result};
use cpgis_io::export::{self, Format};
use cpgis_io::load::load;
use cpgis_io::Disk;

pub use cpgis_core::run::preset_of;

/// Checks the output folder before any work: it can be written, and no output would replace
/// one of the site's inputs (the site file, a layer, a joined table, a GTFS feed).
pub fn check_output(config: &SiteConfig, out: &Path) -> Result<()> {
    export::atomic::check_dir(out)?;
    let mut inputs = vec![config.file.as_path()];
    inputs.extend(input_files(config));
    export::atomic::check_inputs_kept(out, &inputs)
}

/// The files the site file's layers are read from: each layer, each joined table, the GTFS
/// feed.
pub fn input_files(config: &SiteConfig) -> Vec<&Path> {
    let mut inputs: Vec<&Path> = Vec::new();
    for source in config.layer_sources() {
        inputs.push(&source.path);
        if let Some(j) = &source.join {
            inputs.push(&j.path);
        }
    }
    if let Some(g) = config.stops.as_ref().and_then(|s| s.gtfs.as_ref()) {
        inputs.push(g);
    }
    inputs
}

/// Runs load → profile → estimate → aggregate.
pub fn estimate_site(config: SiteConfig) -> Result<Estimated> {
    estimate_site_with(config, &mut Silent)
}

/// [`estimate_site`], reporting each stage to `progress`. The preset and the scenarios are
/// checked before any layer is read.
pub fn estimate_site_with(config: SiteConfig, progress: &mut dyn Progress) -> Result<Estimated> {
    let (config, checked, site) = load_site_with(config, progress)?;
    run::estimate(config, checked, site, progress)
}

/// Checks the preset and the scenarios, loads the layers, and settles what depends on the
/// district's place: the preset when the site file names none, the grid region when it names
/// none. What `cpgis run` estimates, and what `cpgis prepare` hands to a distributed run.
pub fn load_site_with(
    config: SiteConfig,
    progress: &mut dyn Progress,
) -> Result<(SiteConfig, run::Checked, cpgis_core::site::Site)> {
    progress.stage("check preset");
    let checked = run::check(&config, &Disk)?;
    progress.stage("load");
    let site = load(&config)?;
    let (config, checked) = settle(config, checked, &site)?;
    Ok((config, checked, site))
}

/// Settles what depends on the district's place in a loaded `site`: the preset when the site
/// file names none, the grid region when it names none, and the country whose heating degree
/// days scale space heat when it gives no `[climate]` (each said in the notes).
pub fn settle(
    mut config: SiteConfig,
    mut checked: run::Checked,
    site: &cpgis_core::site::Site,
) -> Result<(SiteConfig, run::Checked)> {
    // A site file naming no preset gets the one of the district's place (said in the notes),
    // not china-north wherever it is.
    let place =
        if config.preset_by_location || config.grid_region.is_none() || config.climate.is_none() {
            district_lon_lat(site)?
        } else {
            None
        };
    if let (true, None) = (config.preset_by_location, place) {
        // Never a preset by default for a district nobody can place.
        let mut issues = cpgis_core::issues::ConfigIssues::new(config.file.clone());
        issues.push(
            "preset",
            "is not given, and the district's place cannot be told (it has no centre)",
            Some("name one with preset = \"…\" (`cpgis presets` lists them)"),
        );
        return Err(Error::Config(issues));
    }
    if let (true, Some((lon, lat))) = (config.preset_by_location, place) {
        let Some(chosen) = cpgis_core::preset::for_location(lon, lat) else {
            let mut issues = cpgis_core::issues::ConfigIssues::new(config.file.clone());
            issues.push(
                "preset",
                &format!(
                    "is not given, and no built-in preset describes a district at {}: the built-in ones are {}",
                    cpgis_core::preset::place_text(lon, lat),
                    cpgis_core::preset::PRESET_PLACES
                ),
                Some("name the closest in climate, grid and travel with preset = \"…\" and set the place's own factors in [factors] (at least carriers.electricity), or a preset file of your own that extends one (`cpgis presets show NAME` lists the values)"),
            );
            return Err(Error::Config(issues));
        };
        if chosen != config.preset {
            config.preset = chosen.to_string();
            checked = run::check(&config, &Disk)?;
        }
    }
    // A site file naming no grid region gets the one of the nearest listed city, where the
    // preset has regions (said in the notes); else the preset's own factor, said too.
    if let (None, Some((lon, lat))) = (&config.grid_region, place) {
        use cpgis_core::preset::regions;
        let chain = regions::grid_chain(&checked.preset);
        if let Some((city, km)) = regions::nearest_city(&chain, lon, lat) {
            config.grid_region = Some(city.code.to_string());
            config.grid_region_picked = Some(format!(
                "the nearest listed city, {}, {km:.0} km from the district's centre{}",
                city.name,
                regions::pick_caution(&chain, lon, lat, city, km)
            ));
            checked = run::check(&config, &Disk)?;
        }
    }
    // A site file giving no [climate] gets its country's heating degree days, where the
    // preset says which climate its heat intensities describe (said in the notes).
    if config.climate.is_none()
        && config.climate_country.is_none()
        && checked.preset.get(degree_days::REFERENCE_KEY).is_some()
    {
        if let Some((code, how)) = climate_country(&config, &checked.preset, place) {
            config.climate_country = Some(code);
            config.climate_country_picked = Some(how);
            checked = run::check(&config, &Disk)?;
        }
    }
    Ok((config, checked))
}

/// The district's country for its degree days, and how it was found: the grid region named or
/// picked, where the preset's regions hold it, else the country of the nearest listed city.
fn climate_country(
    config: &SiteConfig,
    preset: &cpgis_core::preset::Preset,
    place: Option<(f64, f64)>,
) -> Option<(String, String)> {
    use cpgis_core::preset::regions;
    // The codes of other presets' regions (eGRID's, China's grids) are no countries.
    let country = |code: &str| {
        regions::find(&preset.chain, code).filter(|r| r.preset == degree_days::REGIONS_PRESET)
    };
    let region = config.grid_region.as_deref().and_then(country);
    if let Some(r) = region {
        let how = match &config.grid_region_picked {
            Some(p) => format!("that of the grid region picked, {}: {p}", r.name),
            None => format!("that of the grid region the site file names, {}", r.name),
        };
        return Some((r.code.to_string(), how));
    }
    let (lon, lat) = place?;
    let (city, km) = regions::nearest_city(&preset.chain, lon, lat)?;
    country(city.code)?;
    Some((
        city.code.to_string(),
        format!(
            "that of the nearest listed city, {}, {km:.0} km from the district's centre{}",
            city.name,
            regions::far_caution(km)
        ),
    ))
}

/// The district's centroid in longitude and latitude, degrees.
fn district_lon_lat(site: &cpgis_core::site::Site) -> Result<Option<(f64, f64)>> {
    let Some(c) = geo::Centroid::centroid(&site.district.area) else {
        return Ok(None);
    };
    let from = cpgis_io::crs::epsg(site.crs.epsg)?;
    let to = cpgis_io::crs::wgs84()?;
    let t = cpgis_io::crs::transform(&from, &to)?;
    let (mut x, mut y, mut z) = ([c.x()], [c.y()], [0.0]);
    t.transform_coords(&mut x, &mut y, &mut z)
        .map_err(|e| Error::Tool(format!("cannot place the district: {e}")))?;
    Ok(Some((x[0], y[0])))
}

/// Runs the whole pipeline: load → profile → estimate → aggregate → community → offsets → balance.
pub fn run_site(config: SiteConfig) -> Result<Ran> {
    run_site_with(config, &mut Silent)
}

/// [`run_site`], reporting each stage to `progress`.
pub fn run_site_with(config: SiteConfig, progress: &mut dyn Progress) -> Result<Ran> {
    let estimated = estimate_site_with(config, progress)?;
    run::finish(estimated, progress)
}

/// [`run_site_with`] and every output written into `dir` ([`export::write_run_with`], the
/// report drawn by `cpgis-report`), with the buildings layer written while the offsets and the
/// balance are worked out: it needs only the estimate and the community, and at a million
/// buildings it is most of the bytes a run writes, so the disk starts on it a stage earlier.
/// The outputs are one [`export::Generation`]: nothing in `dir` is replaced unless the whole
/// run succeeds, and then everything at once. The `write` stage reported to `progress` is what
/// remains after the balance.
pub fn run_site_writing(
    config: SiteConfig,
    progress: &mut dyn Progress,
    dir: &Path,
    format: Format,
) -> Result<(Ran, export::Committed)> {
    let estimated = estimate_site_with(config, progress)?;
    write_estimated(estimated, progress, dir, format)
}

/// [`run_site_writing`] from an estimate (worked out here, or by a distributed run's tiles).
pub fn write_estimated(
    estimated: Estimated,
    progress: &mut dyn Progress,
    dir: &Path,
    format: Format,
) -> Result<(Ran, export::Committed)> {
    let estimated = Arc::new(estimated);
    progress.stage("community");
    let community = run::delineate_community(&estimated)?;
    let generation = export::Generation::begin(dir)?;
    let ldir = export::prepare(generation.dir(), format)?;
    // The buildings layer, unless the driver holds only some buildings (the tiles wrote it).
    let buildings = match estimated.held {
        Some(_) => None,
        None => {
            let (estimated, membership, ldir) = (
                Arc::clone(&estimated),
                community.membership.clone(),
                ldir.clone(),
            );
            Some(
                std::thread::Builder::new()
                    .name("cpgis-buildings".into())
                    .spawn(move || {
                        export::layers::stage_buildings(&ldir, &estimated, Some(&membership))
                    })
                    .map_err(|e| Error::Tool(format!("cannot start a writing thread: {e}")))?,
            )
        }
    };
    let wait = move || buildings.map(|b| export::joined(b.join())).transpose();
    let (plan, balance) = match run::offsets_and_balance(&estimated, &community, progress) {
        Ok(r) => r,
        Err(e) => {
            // The layer's temporary file is removed when the staged layer is dropped.
            drop(wait());
            return Err(e);
        }
    };
    let ran = Ran {
        estimated,
        community,
        plan,
        balance,
    };
    progress.stage("write");
    export::write_run_with(
        generation.dir(),
        &ran,
        format,
        wait,
        &cpgis_report::render_html,
        &cpgis_report::qml::styles,
    )?;
    Ok((ran, generation.commit()?))
}
