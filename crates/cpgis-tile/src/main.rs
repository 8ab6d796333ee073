//! `cpgis-tile MODEL.json`: one tile's features as an Arrow IPC stream on stdin, its own
//! buildings' results as an Arrow IPC stream on stdout. Exit 2 for input it cannot read (naming
//! the model, or the feature, and the problem), 1 when writing fails.

use std::io::{BufReader, BufWriter, Write};
use std::process::ExitCode;

use cpgis_tile::{ipc, model::Model, worker::Worker};

/// mimalloc, as `cpgis` uses: a tile allocates a profile, an estimate and their encodings per
/// building, and the system allocator spent a fifth of a tile's time in page faults and frees.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model_path] = args.as_slice() else {
        eprintln!("usage: cpgis-tile MODEL.json < features.arrows > results.arrows");
        return ExitCode::from(2);
    };
    let worker = match std::fs::read_to_string(model_path)
        .map_err(|e| e.to_string())
        .and_then(|t| Model::from_json(&t))
        .and_then(Worker::new)
    {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {model_path}: {e}");
            return ExitCode::from(2);
        }
    };
    let batches = match ipc::read_stream(BufReader::new(std::io::stdin().lock())) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: the tile's features on stdin: {e}");
            return ExitCode::from(2);
        }
    };
    let out = match worker.run(&batches) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: the tile's features on stdin: {e}");
            return ExitCode::from(2);
        }
    };
    let mut stdout = BufWriter::new(std::io::stdout().lock());
    match ipc::write_stream(&mut stdout, &out)
        .and_then(|_| stdout.flush().map_err(|e| e.to_string()))
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: writing the results: {e}");
            ExitCode::from(1)
        }
    }
}
