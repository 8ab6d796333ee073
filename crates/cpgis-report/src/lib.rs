//! What a person reads: the tables printed at the end of a run, and `report.html`, one
//! self-contained page (inline SVG maps and charts drawn by cpgis; one inline script of ours for
//! pan, zoom and click, allowed by its hash; no network).
//!
//! | module | what it does |
//! |---|---|
//! | `text` | the terminal tables: emissions, zones, balance, district buildings |
//! | `html` | `report.html`: balance, sectors, maps, zones, data quality, assumptions |
//! | `svg` | map frame (local CRS → page), paths, legends, scale bar |
//! | `charts` | the balance waterfall and the sector bars |
//! | `colour` | class breaks and palettes |
//! | `qml` | QGIS styles of the GeoPackage's layers, in the report's classes and colours |

pub mod charts;
pub mod colour;
pub mod html;
pub mod qml;
pub mod svg;
pub mod text;

pub use html::render_html;
pub use text::{
    balance_table, district_buildings_table, estimate_table, note_lines, verdict_line, warnings,
};
