//! The `cpgis` command: parses arguments, calls the library's stages, maps errors to exit codes
//! (2: bad input, 1: failure of the tool).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand, ValueEnum};
use cpgis::export::Format;
use cpgis::run::Progress;
use indicatif::{ProgressBar, ProgressStyle};

/// mimalloc instead of the system allocator: a run allocates millions of small values across
/// threads, where glibc's malloc spent a sixth of the time (perf, 300k-building synthetic city).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_e` (mimalloc.h); the -sys crate names no
/// constant for it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Tells mimalloc to keep the memory the run frees instead of returning it to the OS after its
/// default second: a run frees and reallocates hundreds of MB between stages, and every page
/// handed back costs a fault and a kernel page clear when it is touched again (a fifth of the
/// load stage at 1M buildings, perf). Peak resident memory is the same; it is held to the end.
fn keep_freed_memory() {
    // SAFETY: sets a plain integer option; mimalloc reads it when it decides to purge.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

/// cpgis: site maps to Climate Positive balances.
#[derive(Parser)]
#[command(name = "cpgis", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Nothing on the terminal but the verdict line (`run`, `demo`) and errors.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Print the time each stage took.
    #[arg(long, short, global = true)]
    verbose: bool,
    /// Accept network paths (`/vsicurl/…`, URLs) as layer paths in site files.
    #[arg(long, global = true)]
    allow_network: bool,
}

/// Output format of the layers.
/// A step of `prepare-part`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PartStep {
    /// The part's buildings, under the formats its own values decide, or, once merged
    /// (`prepare --merge-surveys`), the whole layer's.
    Read,
    /// The part's buildings numbered in the site.
    Number,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    /// One GeoJSON file per layer.
    Geojson,
    /// Every layer in one GeoPackage (cpgis.gpkg).
    Gpkg,
    /// Both.
    Both,
    /// Attribute tables as CSV (buildings, grid cells, neighbourhoods, zones, balance per
    /// scenario) for a spreadsheet; no geometry.
    Csv,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Geojson => Format::Geojson,
            FormatArg::Gpkg => Format::Gpkg,
            FormatArg::Both => Format::Both,
            FormatArg::Csv => Format::Csv,
        }
    }
}

#[derive(Args)]
struct Output {
    /// Output folder (created if missing; files in it are replaced one by one, atomically).
    #[arg(short, long, default_value = "out")]
    out: PathBuf,
    /// Layers as GeoJSON files, one GeoPackage, or both.
    #[arg(long, value_enum, default_value = "geojson")]
    format: FormatArg,
    /// Set a site-file key for this run, checked like the file (repeatable), e.g.
    /// `--set scenario.proposed.car_share=0.3 --set offsets.margin=0.2`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Draws of the factors' ranges for the balance's range and probability (default 1000;
    /// 0: none); the same as `--set uncertainty.draws=N`.
    #[arg(long, value_name = "N")]
    draws: Option<usize>,
}

impl Output {
    /// `--set` settings with `--draws` among them.
    fn settings(&self) -> Vec<String> {
        let mut s = self.set.clone();
        if let Some(n) = self.draws {
            s.push(format!("uncertainty.draws={n}"));
        }
        s
    }
}

#[derive(Subcommand)]
enum Command {
    /// The whole pipeline: estimate, delineate the neighbouring community, rank offset
    /// opportunities into zones, test the Climate Positive balance, write layers and report.html.
    Run {
        /// The site file (.toml).
        site: PathBuf,
        #[command(flatten)]
        output: Output,
    },
    /// Run the whole pipeline on the demo case built into cpgis (Kamppi, Helsinki).
    Demo {
        /// Output folder.
        #[arg(short, long, default_value = "cpgis-demo")]
        out: PathBuf,
        /// Layers as GeoJSON files, one GeoPackage, or both.
        #[arg(long, value_enum, default_value = "geojson")]
        format: FormatArg,
    },
    /// Estimate emissions per building, grid cell and neighbourhood for the baseline and the
    /// site file's scenarios; write the layers and summary.json.
    Estimate {
        /// The site file (.toml).
        site: PathBuf,
        #[command(flatten)]
        output: Output,
        /// Also print each district building: floor area, heat demand, electricity, t CO2e.
        #[arg(long)]
        buildings: bool,
    },
    /// Write a case for a distributed run (the Spark job in spark/): features.arrow (every
    /// building, stop and population cell as an Arrow row, geometry as WKB) and model.json.
    Prepare {
        /// The site file (.toml).
        site: PathBuf,
        /// Output folder.
        #[arg(short, long, default_value = "prepared")]
        out: PathBuf,
        /// Tile side, m.
        #[arg(long, default_value_t = 2000.0)]
        tile_m: f64,
        /// Halo around a tile, m (at least 960, the rail catchment).
        #[arg(long, default_value_t = 1300.0)]
        halo_m: f64,
        /// Set a site-file key, as for `run` (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Plan the buildings to be read on the engine's workers (one GeoParquet layer, by its
        /// row groups: `prepare-part`), the rest read here; then `--complete`.
        #[arg(long, conflicts_with = "complete")]
        buildings_on_engine: bool,
        /// Rows a part of the buildings layer holds at most (whole row groups).
        #[arg(long, default_value_t = 200_000, value_name = "ROWS")]
        rows_per_part: u64,
        /// Once every part is read (`prepare-part --step read`): merge the parts' surveys of
        /// their numbers, and print (JSON) the parts read under other formats than the whole
        /// layer's, to be read again.
        #[arg(long, conflicts_with_all = ["complete", "buildings_on_engine"])]
        merge_surveys: bool,
        /// Once every part is read under the whole layer's formats: load the rest of the site
        /// and write the prepared folder, the buildings' report merged from the parts.
        #[arg(long)]
        complete: bool,
        /// The engine's duplicates (keys and ids more than one building holds, with their
        /// buildings); without it, `--complete` groups the parts' keys itself.
        #[arg(long, requires = "complete", value_name = "FILE")]
        duplicates: Option<PathBuf>,
    },
    /// One part of a buildings layer read on an engine's worker (see `prepare
    /// --buildings-on-engine`): `read` (its buildings), `number` (its buildings numbered in the
    /// site, after `prepare --complete`).
    PreparePart {
        /// The site file (.toml).
        site: PathBuf,
        /// The prepared folder.
        #[arg(long)]
        prepared: PathBuf,
        /// The part's number (from 0).
        #[arg(long)]
        part: usize,
        /// survey, read or number.
        #[arg(long, value_enum)]
        step: PartStep,
    },
    /// Finish a distributed run: read the tiles' per-building results and carry on as `run`
    /// does (community, offsets, balance, every output).
    Finish {
        /// The site file (.toml) the case was prepared from.
        site: PathBuf,
        /// The folder `cpgis prepare` wrote.
        #[arg(long)]
        prepared: PathBuf,
        /// The folder of the tiles' results (*.arrow, Arrow IPC files).
        #[arg(long)]
        results: PathBuf,
        /// The folder of the engine's summed tables (cells.arrow, neighbourhoods.arrow,
        /// levels.arrow; the Spark job's `tables/`): taken instead of adding the buildings again,
        /// once checked to count them at every level.
        #[arg(long)]
        tables: Option<PathBuf>,
        /// Hold every building's results when the map has at most this many buildings (then
        /// the outputs are `run`'s, byte for byte); above, hold only the district's, the
        /// community's and those the uncertainty walks: the tiles' GeoParquet (`buildings/`) is
        /// then the buildings layer, and the report's maps draw the grid cells.
        #[arg(long, value_name = "BUILDINGS", default_value_t = 2_000_000)]
        hold_all_max: usize,
        #[command(flatten)]
        output: Output,
    },
    /// Analyse a site map: a layer file (every layer in it) or a site file (every layer it
    /// names, and the result of loading them). Run this first on a new data delivery.
    Inspect {
        /// A layer file (GeoJSON, GeoPackage, Shapefile, FlatGeobuf, CSV, OSM PBF, …) or a site file (.toml).
        path: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write a site file for some layer files: recognise what each layer is (district,
    /// neighbourhoods, buildings, stops, population) and map its fields; guesses are commented.
    Init {
        /// Layer files (any format GDAL reads) and GTFS feeds (folder or .zip).
        #[arg(required = true)]
        layers: Vec<PathBuf>,
        /// Where to write the site file.
        #[arg(short, long, default_value = "site.toml")]
        out: PathBuf,
        /// The district: the name or id of a feature of a boundary layer (case and accents
        /// ignored).
        #[arg(long)]
        district: Option<String>,
        /// Where the delivery has no boundary: take the outline of the buildings (their
        /// convex hull, 10 m around) as the district, written as district.geojson beside the
        /// site file for you to check or replace.
        #[arg(long, conflicts_with = "district")]
        district_around_buildings: bool,
        /// Replace an existing site file at -o (and district.geojson beside it).
        #[arg(long)]
        force: bool,
    },
    /// Write a deterministic synthetic city (NOT real data) for benchmarks and scale tests.
    Synth {
        /// Number of buildings.
        #[arg(long, default_value_t = 10_000)]
        buildings: usize,
        /// Seed of the generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output folder (city.gpkg and site.toml).
        #[arg(short, long, default_value = "synth")]
        out: PathBuf,
    },
    /// Benchmark the whole run on synthetic cities: time and peak memory per stage, the scaling
    /// exponent, the ratio to ogr2ogr converting the same buildings to GeoJSON, and the time the
    /// disk takes to store as many bytes as the run wrote. Build with --release.
    Bench {
        /// Sizes, in buildings.
        #[arg(long, default_value = "10000,100000,1000000")]
        sizes: String,
        /// Folder for the synthetic cities (kept between runs) and their outputs.
        #[arg(long, default_value = "bench")]
        dir: PathBuf,
        /// Seed of the generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Runs per size, each in a fresh process; the median run is reported, with the fastest
        /// and the slowest totals.
        #[arg(long, default_value_t = 1)]
        repeat: usize,
        /// Also run the worst-case geometries (a 100,000-vertex building, a 1,000,000-vertex
        /// district, toothed and coastline districts) against their targets.
        #[arg(long)]
        worst: bool,
        /// Run only the worst-case geometries.
        #[arg(long)]
        worst_only: bool,
        /// Only the GTFS read, on synthetic feeds of these many stop times (e.g.
        /// 3400000,10000000).
        #[arg(long)]
        gtfs: Option<String>,
    },
    /// One read of the GTFS benchmark, in a process of its own: seconds, peak MB and count.
    #[command(hide = true)]
    BenchGtfsRun {
        /// The feed folder.
        feed: PathBuf,
        /// GDAL's CSV driver instead of read_feed.
        #[arg(long)]
        baseline: bool,
    },
    /// One run of the benchmark, in a process of its own: its stage figures as JSON on stdout.
    #[command(hide = true)]
    BenchRun {
        /// The site file.
        site: PathBuf,
        /// Output folder.
        out: PathBuf,
        /// The uncertainty's draws (0: none), over the site file's.
        #[arg(long)]
        draws: Option<usize>,
    },
    /// List the factor presets, or print every value of one with its unit and source.
    Presets {
        #[command(subcommand)]
        action: Option<PresetsAction>,
    },
    /// Print a shell completion script, e.g.
    /// `cpgis completions bash > ~/.local/share/bash-completion/completions/cpgis`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `cpgis man > ~/.local/share/man/man1/cpgis.1`.
    Man,
    /// What changed between two runs: the settings that differ and the results (totals by
    /// sector and scenario, each scenario's balance, the verdict, zones); also written as
    /// compare.csv and compare.html.
    Compare {
        /// The first run's output folder (or its summary.json).
        a: PathBuf,
        /// The second run's output folder (or its summary.json).
        b: PathBuf,
        /// Folder for compare.csv and compare.html.
        #[arg(short, long, default_value = "compare")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum PresetsAction {
    /// Print every value of a preset (a built-in name or a preset file) with unit and source.
    Show {
        /// `china-north`, `europe`, `helsinki`, `usa`, or the path of a preset file.
        name: String,
    },
}

/// A spinner per stage on a terminal (nothing otherwise), and the stage timings.
struct Stages {
    show: bool,
    bar: Option<ProgressBar>,
    current: Option<(&'static str, Instant)>,
    timings: Vec<(&'static str, Duration)>,
}

impl Stages {
    fn new(quiet: bool) -> Stages {
        Stages {
            show: !quiet && std::io::stderr().is_terminal(),
            bar: None,
            current: None,
            timings: Vec::new(),
        }
    }

    fn end(&mut self) {
        if let Some((name, start)) = self.current.take() {
            let took = start.elapsed();
            self.timings.push((name, took));
            if let Some(bar) = self.bar.take() {
                // The finished line shows the stage's time once (the running spinner's
                // elapsed counter goes).
                if let Ok(done) = ProgressStyle::with_template("✓ {msg}") {
                    bar.set_style(done);
                }
                bar.finish_with_message(format!("{name} ({:.2} s)", took.as_secs_f64()));
            }
        }
    }

    fn report(&self) {
        let total: Duration = self.timings.iter().map(|t| t.1).sum();
        for (name, took) in &self.timings {
            eprintln!("{name:<14} {:>8.3} s", took.as_secs_f64());
        }
        eprintln!("{:<14} {:>8.3} s", "total", total.as_secs_f64());
    }
}

impl Progress for Stages {
    fn stage(&mut self, name: &'static str) {
        self.end();
        if self.show {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
                bar.set_style(style);
            }
            bar.set_message(name);
            bar.enable_steady_tick(Duration::from_millis(100));
            self.bar = Some(bar);
        }
        self.current = Some((name, Instant::now()));
    }

    fn done(&mut self) {
        self.end();
    }
}

/// Prints to stdout; a reader that went away (`cpgis … | head`) ends the program quietly
/// instead of panicking.
/// `--quiet`: nothing on stdout but the verdict line (errors still go to stderr).
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn say(text: &str) {
    if QUIET.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    say_always(text);
}

/// Printed even with `--quiet`: the verdict.
fn say_always(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

macro_rules! sayln {
    () => { say("\n") };
    ($($arg:tt)*) => { say(&format!("{}\n", format_args!($($arg)*))) };
}

macro_rules! sayp {
    ($($arg:tt)*) => { say(&format!($($arg)*)) };
}

fn main() -> ExitCode {
    keep_freed_memory();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if let Some(hint) = subcommand_hint(&e) {
                eprintln!("{}", e.render().to_string().trim_end());
                eprintln!("{hint}");
                return ExitCode::from(2);
            }
            e.exit()
        }
    };
    cpgis::layer::silence_gdal_messages();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// `did you mean …?` for a mistyped subcommand, where clap has none: an edit or two away, or
/// two neighbouring letters swapped (`rnu` → `run`).
fn subcommand_hint(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::InvalidSubcommand {
        return None;
    }
    let Some(ContextValue::String(typed)) = e.get(ContextKind::InvalidSubcommand) else {
        return None;
    };
    if e.get(ContextKind::SuggestedSubcommand).is_some() {
        return None;
    }
    let cmd = <Cli as clap::CommandFactory>::command();
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    let swapped = |a: &str, b: &str| {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        a.len() == b.len()
            && (0..a.len().saturating_sub(1)).any(|i| {
                let mut s = a.clone();
                s.swap(i, i + 1);
                s == b
            })
    };
    let found = names
        .iter()
        .find(|n| swapped(typed, n))
        .cloned()
        .or_else(|| {
            cpgis::issues::closest(typed, names.iter().map(String::as_str)).map(str::to_string)
        })?;
    Some(format!("did you mean `cpgis {found}`?"))
}

/// The files a run wrote, and the older outputs it removed.
fn say_committed(committed: &cpgis::export::Committed) {
    for f in &committed.written {
        sayln!("wrote {}", f.display());
    }
    for f in &committed.removed {
        sayln!(
            "removed {} (an earlier run's, which this run does not write)",
            f.display()
        );
    }
}

/// The whole pipeline on a site file, its outputs, and the tables on stdout, with the estimate
/// worked out by `estimate` (`pipeline::estimate_site_with`, or read from a distributed run's
/// tiles).
fn run_pipeline(
    config: cpgis::config::SiteConfig,
    out: &Path,
    format: Format,
    stages: &mut Stages,
    estimate: impl FnOnce(
        cpgis::config::SiteConfig,
        &mut dyn cpgis::run::Progress,
    ) -> cpgis::Result<cpgis::run::Estimated>,
) -> cpgis::Result<PathBuf> {
    cpgis::pipeline::check_output(&config, out)?;
    let estimated = estimate(config, stages)?;
    let (ran, committed) = cpgis::pipeline::write_estimated(estimated, stages, out, format)?;
    stages.done();
    sayp!("{}", cpgis::report::estimate_table(&ran.estimated));
    sayln!();
    sayp!("{}", cpgis::report::balance_table(&ran));
    sayln!();
    let warnings = cpgis::report::warnings(&ran.estimated, Some(&ran.community));
    if !warnings.is_empty() {
        sayp!("{warnings}");
        sayln!();
    }
    say_committed(&committed);
    if QUIET.load(std::sync::atomic::Ordering::Relaxed) {
        say_always(&format!(
            "{}\n",
            cpgis::report::verdict_line(
                &ran.estimated.config.name,
                &ran.balance,
                &cpgis_core::summary::cautions(&ran.estimated, Some(&ran.community)),
                cpgis::report::note_lines(&ran.estimated, Some(&ran.community)).len()
            )
        ));
    }
    // The process ends next: freeing millions of small records one by one would take a second
    // at a million buildings, and the system reclaims the memory at exit anyway.
    std::mem::forget(ran);
    Ok(out.join("report.html"))
}

fn run(cli: Cli) -> cpgis::Result<()> {
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    let mut stages = Stages::new(cli.quiet);
    match cli.command {
        Command::Run { site, output } => {
            run_pipeline(
                cpgis_io::parse_site_file_set(&site, cli.allow_network, &output.settings())?,
                &output.out,
                output.format.into(),
                &mut stages,
                cpgis::pipeline::estimate_site_with,
            )?;
        }
        Command::Demo { out, format } => {
            let input = out.join("demo-input");
            let site = cpgis::demo::unpack(&input)?;
            let report = run_pipeline(
                cpgis_io::parse_site_file(&site)?,
                &out,
                format.into(),
                &mut stages,
                cpgis::pipeline::estimate_site_with,
            )?;
            sayln!(
                "\nThe demo case (Kamppi, Helsinki) is in {}; open the report: {}",
                input.display(),
                report.display()
            );
        }
        Command::Prepare {
            site,
            out,
            tile_m,
            halo_m,
            set,
            buildings_on_engine,
            rows_per_part,
            merge_surveys,
            complete,
            duplicates,
        } => {
            let config = cpgis_io::parse_site_file_set(&site, cli.allow_network, &set)?;
            if merge_surveys {
                let again = cpgis::prepare_engine::merge(&config, &out)?;
                println!("{}", serde_json::json!({ "read_again": again }));
                return Ok(());
            }
            if buildings_on_engine {
                let plan =
                    cpgis::prepare_engine::plan(&config, &out, tile_m, halo_m, rows_per_part)?;
                stages.done();
                sayln!(
                    "planned {} parts of the buildings layer ({} rows) in {}; read them on the engine (cpgis prepare-part), then cpgis prepare --complete",
                    plan.parts.len(),
                    plan.parts.iter().map(|p| p.rows).sum::<u64>(),
                    out.join(cpgis::prepare_engine::ENGINE_DIR).join("plan.json").display()
                );
                return Ok(());
            }
            let p = if complete {
                cpgis::prepare_engine::complete(config, &out, duplicates.as_deref(), &mut stages)?
            } else {
                cpgis::distributed::prepare(config, &out, tile_m, halo_m, &mut stages)?
            };
            stages.done();
            sayln!(
                "wrote {} ({} buildings, {} stops, {} population cells), {} and {}",
                p.features.display(),
                p.counts[0],
                p.counts[1],
                p.counts[2],
                p.model.display(),
                p.driver.display()
            );
        }
        Command::PreparePart {
            site,
            prepared,
            part,
            step,
        } => match step {
            PartStep::Read => {
                let config = cpgis_io::parse_site_file_set(&site, cli.allow_network, &[])?;
                let r = cpgis::prepare_engine::read(&config, &prepared, part)?;
                sayln!(
                    "read part {part}: {} features, {} buildings",
                    r.quality.read,
                    r.buildings
                );
            }
            PartStep::Number => {
                let n = cpgis::prepare_engine::number(&prepared, part)?;
                sayln!("numbered part {part}: {n} buildings");
            }
        },
        Command::Finish {
            site,
            prepared,
            results,
            tables,
            hold_all_max,
            output,
        } => {
            // The layers are read from the prepared folder: the site file's may be elsewhere.
            let config = cpgis_io::parse_site_file_files(
                &site,
                cli.allow_network,
                &output.settings(),
                &cpgis_io::LayersElsewhere,
            )?;
            run_pipeline(
                config,
                &output.out,
                output.format.into(),
                &mut stages,
                |config, stages| {
                    cpgis::distributed::estimate_from_results(
                        config,
                        &prepared,
                        &results,
                        tables.as_deref(),
                        hold_all_max,
                        stages,
                    )
                },
            )?;
        }
        Command::Estimate {
            site,
            output,
            buildings,
        } => {
            let config =
                cpgis_io::parse_site_file_set(&site, cli.allow_network, &output.settings())?;
            cpgis::pipeline::check_output(&config, &output.out)?;
            let est = cpgis::pipeline::estimate_site_with(config, &mut stages)?;
            stages.stage("write");
            let committed = cpgis::export::write_estimate(&output.out, &est, output.format.into())?;
            stages.done();
            sayp!("{}", cpgis::report::estimate_table(&est));
            // Beside the district's figures, as `run` says them beside its verdict.
            for c in cpgis_core::summary::cautions(&est, None) {
                sayp!("  caution: {c}\n");
            }
            if buildings {
                sayln!();
                sayp!("{}", cpgis::report::district_buildings_table(&est));
            }
            sayln!();
            let warnings = cpgis::report::warnings(&est, None);
            if !warnings.is_empty() {
                sayp!("{warnings}");
                sayln!();
            }
            say_committed(&committed);
        }
        Command::Synth {
            buildings,
            seed,
            out,
        } => {
            let site = cpgis::synth::synth(buildings, seed, &out)?;
            sayln!(
                "wrote a synthetic city of {buildings} buildings (not real data): {}",
                site.display()
            );
        }
        Command::Bench {
            sizes,
            dir,
            seed,
            repeat,
            worst,
            worst_only,
            gtfs,
        } => {
            if let Some(g) = gtfs {
                let sizes = cpgis::bench::parse_sizes(&g)?;
                let exe = std::env::current_exe().map_err(|e| {
                    cpgis::Error::Tool(format!("cannot find the cpgis binary: {e}"))
                })?;
                let results = cpgis::bench_gtfs::bench(&exe, &sizes, &dir)?;
                sayp!("{}", cpgis::bench_gtfs::render(&results));
                return Ok(());
            }
            let sizes = cpgis::bench::parse_sizes(&sizes)?;
            let exe = std::env::current_exe()
                .map_err(|e| cpgis::Error::Tool(format!("cannot find the cpgis binary: {e}")))?;
            if !worst_only {
                let results = cpgis::bench::bench(&exe, &sizes, &dir, seed, repeat)?;
                sayp!("{}", cpgis::bench::render(&results));
            }
            if worst || worst_only {
                let results = cpgis::worst::bench(&exe, &dir)?;
                sayp!("{}", cpgis::worst::render(&results));
            }
        }
        Command::BenchGtfsRun { feed, baseline } => {
            let (secs, peak, n) = cpgis::bench_gtfs::run_once(&feed, baseline)?;
            sayln!(
                "{secs} {} {n}",
                peak.map_or("-".to_string(), |p| p.to_string())
            );
        }
        Command::BenchRun { site, out, draws } => {
            let rec = cpgis::bench::run_once(&site, &out, draws)?;
            let json = serde_json::to_string(&rec)
                .map_err(|e| cpgis::Error::Tool(format!("cannot print the figures: {e}")))?;
            sayln!("{json}");
        }
        Command::Init {
            layers,
            out,
            district,
            district_around_buildings,
            force,
        } => {
            use cpgis::init::DistrictFrom;
            let from = match (&district, district_around_buildings) {
                (Some(d), _) => DistrictFrom::Named(d),
                (None, true) => DistrictFrom::AroundBuildings,
                (None, false) => DistrictFrom::Boundary,
            };
            let (accounted, guesses) = cpgis::init::init(&layers, from, &out, force)?;
            sayln!("wrote {}", out.display());
            for a in accounted {
                sayln!("  {a}");
            }
            for g in guesses {
                sayln!("  guessed: {g}");
            }
            sayln!("check it, then: cpgis run {}", out.display());
        }
        Command::Inspect { path, json } => {
            let report = cpgis::inspect::inspect_path(&path)?;
            if json {
                let text = serde_json::to_string_pretty(&report)
                    .map_err(|e| cpgis::Error::Tool(format!("cannot write JSON: {e}")))?;
                sayln!("{text}");
            } else {
                sayp!("{}", cpgis::inspect::render(&report));
            }
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut text = Vec::new();
            clap_complete::generate(shell, &mut cmd, "cpgis", &mut text);
            sayp!("{}", String::from_utf8_lossy(&text));
        }
        Command::Compare { a, b, out } => {
            let c = cpgis::compare::compare(&a, &b)?;
            sayp!("{}", cpgis::compare::render_text(&c));
            sayln!();
            for f in cpgis::compare::write(&out, &c)? {
                sayln!("wrote {}", f.display());
            }
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut text = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut text)
                .map_err(|e| cpgis::Error::Tool(format!("cannot render the man page: {e}")))?;
            sayp!("{}", String::from_utf8_lossy(&text));
        }
        Command::Presets { action: None } => {
            sayp!("{}", cpgis::preset::render_list());
        }
        Command::Presets {
            action: Some(PresetsAction::Show { name }),
        } => {
            let cwd = std::env::current_dir()
                .map_err(|e| cpgis::Error::Tool(format!("cannot read the working folder: {e}")))?;
            let names: Vec<&str> = cpgis::preset::BUILTIN.iter().map(|(n, _)| *n).collect();
            let path_like = name.ends_with(".toml") || name.contains('/') || name.contains('\\');
            if !path_like && !names.contains(&name.as_str()) {
                let hint = cpgis::issues::closest(&name, names.iter().copied())
                    .map(|n| format!("did you mean `{n}`? "))
                    .unwrap_or_default();
                return Err(cpgis::Error::Argument(format!(
                    "no preset called `{name}`: {hint}the built-in presets are {}, or give the path of a preset file ending in .toml",
                    names.join(", ")
                )));
            }
            let preset = cpgis::preset::resolve(&name, &cwd, &[], Path::new("-"), &cpgis_io::Disk)?;
            cpgis::preset::Factors::from_preset(&preset)?;
            sayp!("{}", cpgis::preset::render_preset(&preset));
        }
    }
    if cli.verbose {
        stages.report();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option number is mimalloc's purge delay: it is the only option whose default is
    /// 1000 ms (options.c), and setting it reads back.
    #[test]
    fn purge_delay_option_is_the_one_set() {
        // SAFETY: reads and sets plain integer options.
        unsafe {
            if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
                assert_eq!(libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY), 1000);
            }
            keep_freed_memory();
            assert_eq!(libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY), -1);
        }
    }
}
