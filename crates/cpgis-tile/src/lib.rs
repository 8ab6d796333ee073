//! cpgis on many machines: the Arrow interface to the core that a distributed engine's tasks
//! call, one tile at a time.
//!
//! `cpgis prepare` writes a case as a features table (every building, stop and population cell
//! as one Arrow row, geometry as WKB) and a small model (`model.json`). An engine (the PySpark
//! job in `spark/`) assigns each building to the tile holding its representative point, copies
//! stops, population cells and neighbouring buildings to every tile within the halo, and pipes
//! each tile's rows through `cpgis-tile` (Arrow IPC stream on stdin, results stream on stdout).
//! `cpgis finish` reads the results back and carries on exactly as `cpgis run` does.
//!
//! Why a process per task and not a Python extension: the worker is this crate's small binary
//! (no GDAL, no Python ABI), the same core code the tests cover, and the engine needs nothing
//! but `pyarrow` to talk to it; a PyO3 module would save a process start per tile (milliseconds
//! against a tile's seconds) at the cost of a maturin build in CI.
//!
//! | module | what it holds |
//! |---|---|
//! | `wkb` | points and (multi)polygons as Well-Known Binary |
//! | `features` | the features table: schema, a site into batches, a tile's batches into a site |
//! | `model` | `model.json`: the checked case without its features |
//! | `results` | the results table: schema, rows, read back by the driver |
//! | `worker` | one tile: profile, estimate, cell and neighbourhood of each own building |
//! | `ipc` | Arrow IPC files and streams |

pub mod features;
pub mod ipc;
pub mod model;
pub mod results;
pub mod wkb;
pub mod worker;
