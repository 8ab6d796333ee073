//! Transit access: a PTAL-style index per building from the stops and their departures.
//!
//! | module | what it does |
//! |---|---|
//! | `ptal` | the TfL access index and band at a point, stops through an R-tree |

pub mod ptal;

pub use ptal::{band, AccessIndex, AccessModel, Service};
