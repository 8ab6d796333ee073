//! Arrow IPC: the file format for what `cpgis prepare` writes and `cpgis finish` reads, the
//! stream format between an engine's task and `cpgis-tile`.

use std::io::{Read, Write};

use arrow_array::RecordBatch;
use arrow_ipc::reader::{FileReader, StreamReader};
use arrow_ipc::writer::{FileWriter, StreamWriter};

/// Writes batches as an Arrow IPC file.
pub fn write_file<W: Write>(out: W, batches: &[RecordBatch]) -> Result<(), String> {
    let schema = batches.first().ok_or("nothing to write")?.schema();
    let mut w = FileWriter::try_new(out, &schema).map_err(|e| e.to_string())?;
    for b in batches {
        w.write(b).map_err(|e| e.to_string())?;
    }
    w.finish().map_err(|e| e.to_string())
}

/// Every batch of an Arrow IPC file.
pub fn read_file<R: Read + std::io::Seek>(input: R) -> Result<Vec<RecordBatch>, String> {
    FileReader::try_new(input, None)
        .map_err(|e| format!("not an Arrow IPC file: {e}"))?
        .map(|b| b.map_err(|e| e.to_string()))
        .collect()
}

/// Every batch of an Arrow IPC stream.
pub fn read_stream<R: Read>(input: R) -> Result<Vec<RecordBatch>, String> {
    StreamReader::try_new(input, None)
        .map_err(|e| format!("not an Arrow IPC stream: {e}"))?
        .map(|b| b.map_err(|e| e.to_string()))
        .collect()
}

/// Writes one batch as an Arrow IPC stream.
pub fn write_stream<W: Write>(out: W, batch: &RecordBatch) -> Result<(), String> {
    let mut w = StreamWriter::try_new(out, &batch.schema()).map_err(|e| e.to_string())?;
    w.write(batch).map_err(|e| e.to_string())?;
    w.finish().map_err(|e| e.to_string())
}

/// The named columns of every batch of an Arrow IPC file (the others are not decoded).
pub fn read_file_columns<R: Read + std::io::Seek>(
    mut input: R,
    names: &[&str],
) -> Result<Vec<RecordBatch>, String> {
    let schema = FileReader::try_new(&mut input, None)
        .map_err(|e| format!("not an Arrow IPC file: {e}"))?
        .schema();
    let projection = names
        .iter()
        .map(|n| {
            schema
                .index_of(n)
                .map_err(|_| format!("the file has no `{n}` column"))
        })
        .collect::<Result<Vec<usize>, String>>()?;
    input
        .seek(std::io::SeekFrom::Start(0))
        .map_err(|e| e.to_string())?;
    FileReader::try_new(input, Some(projection))
        .map_err(|e| format!("not an Arrow IPC file: {e}"))?
        .map(|b| b.map_err(|e| e.to_string()))
        .collect()
}
