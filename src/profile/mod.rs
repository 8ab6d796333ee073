//! Stage 2, profile: what each building is (floor area by use, residents, jobs, era, …).
//! So far only the construction-year reading is here; the rest of the stage is to come.
//!
//! | module | what it does |
//! |---|---|
//! | `year` | a best construction year out of messy text (`after 1905..1908`, `c. 1950`) |

pub mod year;

pub use year::parse_year;
