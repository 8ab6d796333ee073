//! Errors of the library, in two kinds: bad input (the user can fix it; exit code 2) and
//! failures of the tool itself (exit code 1). Every message names the file, and where it
//! applies the layer and the feature, and says what to do.

use std::path::PathBuf;

use crate::issues::ConfigIssues;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can stop a cpgis run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The site file has one or more problems; all of them are listed.
    #[error("{0}")]
    Config(ConfigIssues),

    /// A layer file cannot be opened or read.
    #[error("{file}: {problem}")]
    Layer {
        /// The file.
        file: PathBuf,
        /// What is wrong, and what to do.
        problem: String,
    },

    /// A layer has no usable coordinate reference system.
    #[error("{file}, layer '{layer}': {problem}")]
    Crs {
        /// The layer file.
        file: PathBuf,
        /// The layer inside it.
        layer: String,
        /// What is wrong, and what to do.
        problem: String,
    },

    /// A feature or the layer as a whole holds data cpgis cannot use.
    #[error("{file}, layer '{layer}'{feature}: {problem}", feature = feature_label(.feature))]
    Data {
        /// The layer file.
        file: PathBuf,
        /// The layer inside it.
        layer: String,
        /// The feature's id, if one feature is at fault.
        feature: Option<String>,
        /// What is wrong, and what to do.
        problem: String,
    },

    /// The output folder the user named cannot be used (exists as a file, cannot be created).
    #[error("{path}: {problem}")]
    Output {
        /// The output folder.
        path: PathBuf,
        /// What is wrong, and what to do.
        problem: String,
    },

    /// A command-line argument names nothing cpgis knows (a preset, a subcommand).
    #[error("{0}")]
    Argument(String),

    /// A file cannot be written, or GDAL failed where it should not have.
    #[error("{0}")]
    Tool(String),
}

fn feature_label(feature: &Option<String>) -> String {
    match feature {
        Some(id) => format!(", feature {id}"),
        None => String::new(),
    }
}

impl Error {
    /// True when the user's input is at fault (exit code 2), false for a tool failure (exit code 1).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, Error::Tool(_))
    }

    /// The process exit code for this error: 2 for bad input, 1 for a failure of the tool.
    pub fn exit_code(&self) -> i32 {
        if self.is_bad_input() {
            2
        } else {
            1
        }
    }
}
