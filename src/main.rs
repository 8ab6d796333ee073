//! The `cpgis` command: parses arguments, calls the library's stages, maps errors to exit codes
//! (2: bad input, 1: failure of the tool).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// cpgis: site maps to Climate Positive balances.
#[derive(Parser)]
#[command(name = "cpgis", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse a site map: a layer file (every layer in it) or a site file (every layer it
    /// names, and the result of loading them). Run this first on a new data delivery.
    Inspect {
        /// A layer file (GeoJSON, GeoPackage, Shapefile, FlatGeobuf, CSV, OSM PBF, …) or a site file (.toml).
        path: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Estimate emissions per building, grid cell and neighbourhood for the baseline and the
    /// site file's scenarios; write GeoJSON layers and summary.json.
    Estimate {
        /// The site file (.toml).
        site: PathBuf,
        /// Output folder (created if missing; files in it are replaced one by one, atomically).
        #[arg(short, long, default_value = "out")]
        out: PathBuf,
        /// Also print each district building: floor area, heat demand, electricity, t CO2e.
        #[arg(long)]
        buildings: bool,
    },
    /// The whole pipeline: estimate, delineate the neighbouring community, rank offset
    /// opportunities into zones, and test the Climate Positive balance.
    Run {
        /// The site file (.toml).
        site: PathBuf,
        /// Output folder (created if missing; files in it are replaced one by one, atomically).
        #[arg(short, long, default_value = "out")]
        out: PathBuf,
    },
    /// List the factor presets, or print every value of one with its unit and source.
    Presets {
        #[command(subcommand)]
        action: Option<PresetsAction>,
    },
}

#[derive(Subcommand)]
enum PresetsAction {
    /// Print every value of a preset (a built-in name or a preset file) with unit and source.
    Show {
        /// `china-north`, `europe`, `helsinki`, or the path of a preset file.
        name: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cpgis::layer::silence_gdal_messages();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn run(cli: Cli) -> cpgis::Result<()> {
    match cli.command {
        Command::Inspect { path, json } => {
            let report = cpgis::inspect::inspect_path(&path)?;
            if json {
                let text = serde_json::to_string_pretty(&report)
                    .map_err(|e| cpgis::Error::Tool(format!("cannot write JSON: {e}")))?;
                println!("{text}");
            } else {
                print!("{}", cpgis::inspect::render(&report));
            }
            Ok(())
        }
        Command::Estimate {
            site,
            out,
            buildings,
        } => {
            let config = cpgis::config::parse_site_file(&site)?;
            let run = cpgis::pipeline::estimate_site(config)?;
            let written = cpgis::export::write_estimate(&out, &run)?;
            print!("{}", cpgis::report::estimate_table(&run));
            if buildings {
                println!();
                print!("{}", cpgis::report::district_buildings_table(&run));
            }
            println!();
            for f in written {
                println!("wrote {}", f.display());
            }
            Ok(())
        }
        Command::Run { site, out } => {
            let config = cpgis::config::parse_site_file(&site)?;
            let ran = cpgis::pipeline::run_site(config)?;
            let written = cpgis::export::write_run(&out, &ran)?;
            print!("{}", cpgis::report::estimate_table(&ran.estimated));
            println!();
            print!("{}", cpgis::report::balance_table(&ran));
            println!();
            for f in written {
                println!("wrote {}", f.display());
            }
            Ok(())
        }
        Command::Presets { action: None } => {
            print!("{}", cpgis::preset::render_list());
            Ok(())
        }
        Command::Presets {
            action: Some(PresetsAction::Show { name }),
        } => {
            let cwd = std::env::current_dir()
                .map_err(|e| cpgis::Error::Tool(format!("cannot read the working folder: {e}")))?;
            let preset = cpgis::preset::resolve(&name, &cwd, &[], std::path::Path::new("-"))?;
            cpgis::preset::Factors::from_preset(&preset)?;
            print!("{}", cpgis::preset::render_preset(&preset));
            Ok(())
        }
    }
}
