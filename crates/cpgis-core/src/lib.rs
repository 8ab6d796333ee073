#![deny(missing_docs)]
//! cpgis-core: the part of cpgis that computes. The typed site model and its checks, the factor
//! presets, and every stage from profile to balance as functions on in-memory data. No GDAL, no
//! file, terminal or network I/O: the command line (`cpgis`) loads and writes through
//! `cpgis-io`; a library caller, a test or a tile of a distributed job builds a [`site::Site`]
//! in memory and calls the same stages.
//!
//! Modules in the order data flows through them; each uses only those above it:
//!
//! | module | stage or role |
//! |---|---|
//! | [`issues`] | the problems found in a site or preset file, with "did you mean" hints |
//! | [`error`] | the library's error: bad input (exit 2) or a failure of the tool (exit 1) |
//! | [`files`] | how the checks ask about files without touching a disk |
//! | [`kinds`] | the closed sets: carriers, uses, eras, modes, treatments, interventions, … |
//! | [`config`] | the site file, parsed once into a checked [`config::SiteConfig`] |
//! | [`preset`] | factor presets: every value with unit and source; typed [`preset::Factors`] |
//! | [`site`] | the site model: district, neighbourhoods, buildings, stops, population |
//! | [`tiles`] | a site cut into tiles that give each building the whole site's figures |
//! | [`decimal`] | exact decimal text (the writers' and the report's numbers, the offsets' texts) |
//! | [`exact`] | exact sums of `f64`, rounded once: the same bits in any order or split |
//! | [`access`] | PTAL-style transit access index through an R-tree |
//! | [`profile`] | use mix, floor area, era, residents, jobs, access per building |
//! | [`estimate`] | t CO2e per building, sector and scenario |
//! | [`census`] | what the outputs count over every building, built one building at a time |
//! | [`aggregate`] | grid cells, neighbourhoods, district / rest / all totals |
//! | [`community`] | the neighbouring community and each building's membership |
//! | [`offsets`] | interventions, opportunities, ranked offset zones |
//! | [`breakeven`] | the electricity factor at which the verdict flips |
//! | [`uncertainty`] | ranges of the balance drawn from the factors' ranges; its probability |
//! | [`balance`] | the Climate Positive ledger |
//! | [`run`] | the run result ([`run::Estimated`], [`run::Ran`]) and the stages composed |
//! | [`summary`] | `summary.json`'s content: totals, consistency, notes, quality, assumptions |

pub mod access;
pub mod aggregate;
pub mod balance;
pub mod breakeven;
pub mod census;
pub mod community;
pub mod config;
pub mod decimal;
pub mod error;
pub mod estimate;
pub mod exact;
pub mod files;
pub mod issues;
pub mod kinds;
pub mod offsets;
pub mod preset;
pub mod profile;
pub mod run;
pub mod site;
pub mod summary;
pub mod tiles;
pub mod uncertainty;

pub use error::{Error, Result};
