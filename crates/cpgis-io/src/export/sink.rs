//! The file under an atomic write: what the writer produces is gathered in blocks of 4 MiB,
//! which a helper thread writes to disk while the next block fills. Where the file system
//! allows it (Linux, not tmpfs), the file is opened with `O_DIRECT`, so the blocks go from our
//! memory to the disk without the kernel copying them into its page cache: at a million
//! buildings that copy (2 GB into freshly allocated cache pages) was a sixth of the write
//! stage's CPU time (perf). Elsewhere the helper writes through the page cache and syncs every
//! 64 MB, so the final sync waits only for the tail.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

/// Bytes per block: the unit handed to the helper thread and written in one call.
const BLOCK: usize = 4 << 20;
/// Alignment of memory, file offsets and lengths for `O_DIRECT` (the largest logical block size
/// of common disks).
const ALIGN: usize = 4096;
/// Blocks in circulation: one filling, one being written, one queued.
const BLOCKS: usize = 3;
/// Bytes written through the page cache between two syncs (when `O_DIRECT` is not available).
const SYNC_EVERY: u64 = 64 << 20;

/// A block of [`BLOCK`] bytes starting at an [`ALIGN`]ed address.
struct Block {
    mem: Vec<u8>,
    start: usize,
}

impl Block {
    fn new() -> Self {
        let mem = vec![0u8; BLOCK + ALIGN];
        let start = mem.as_ptr().align_offset(ALIGN);
        Block { mem, start }
    }

    fn bytes(&self) -> &[u8] {
        &self.mem[self.start..self.start + BLOCK]
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.mem[self.start..self.start + BLOCK]
    }
}

/// A file being written by a helper thread; [`Sink::finish`] waits for it and syncs.
pub struct Sink {
    block: Block,
    filled: usize,
    made: usize,
    to_helper: Option<SyncSender<(Block, usize)>>,
    from_helper: Receiver<Block>,
    helper: Option<JoinHandle<io::Result<()>>>,
}

impl Sink {
    /// Creates (or truncates) `path` and starts its helper thread.
    pub fn create(path: &Path) -> io::Result<Sink> {
        let (file, direct) = open(path)?;
        let (to_helper, jobs) = sync_channel::<(Block, usize)>(1);
        let (give_back, from_helper) = sync_channel::<Block>(BLOCKS);
        let helper = std::thread::Builder::new()
            .name("cpgis-write".into())
            .spawn(move || write_blocks(file, direct, jobs, give_back))?;
        Ok(Sink {
            block: Block::new(),
            filled: 0,
            made: 1,
            to_helper: Some(to_helper),
            from_helper,
            helper: Some(helper),
        })
    }

    /// Hands the current block (its first `filled` bytes) to the helper and takes an empty one.
    fn hand_over(&mut self) -> io::Result<()> {
        let next = match self.from_helper.try_recv() {
            Ok(b) => b,
            Err(_) if self.made < BLOCKS => {
                self.made += 1;
                Block::new()
            }
            Err(_) => match self.from_helper.recv() {
                Ok(b) => b,
                Err(_) => return Err(self.helper_error()),
            },
        };
        let full = std::mem::replace(&mut self.block, next);
        let len = std::mem::take(&mut self.filled);
        let sent = self.to_helper.as_ref().map(|tx| tx.send((full, len)));
        match sent {
            Some(Ok(())) => Ok(()),
            _ => Err(self.helper_error()),
        }
    }

    /// Closes the helper's queue and waits for it: what it wrote, synced, or why it stopped.
    fn stop_helper(&mut self) -> io::Result<()> {
        self.to_helper = None;
        match self.helper.take().map(|h| h.join()) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(io::Error::other("the writing thread failed")),
            None => Err(io::Error::other("the writing thread stopped")),
        }
    }

    /// The error that stopped the helper thread.
    fn helper_error(&mut self) -> io::Error {
        match self.stop_helper() {
            Err(e) => e,
            Ok(()) => io::Error::other("the writing thread stopped"),
        }
    }

    /// Writes what is left, waits for the helper, and syncs data and metadata.
    pub fn finish(mut self) -> io::Result<()> {
        if self.filled > 0 {
            // Only the last block may be short; zero its padding to the next aligned length.
            let padded = self.filled.next_multiple_of(ALIGN);
            self.block.bytes_mut()[self.filled..padded].fill(0);
            self.hand_over()?;
        }
        self.stop_helper()
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while !rest.is_empty() {
            let n = rest.len().min(BLOCK - self.filled);
            self.block.bytes_mut()[self.filled..self.filled + n].copy_from_slice(&rest[..n]);
            self.filled += n;
            rest = &rest[n..];
            if self.filled == BLOCK {
                self.hand_over()?;
            }
        }
        Ok(buf.len())
    }

    /// Nothing to do: the bytes are complete on disk after [`Sink::finish`].
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Opens `path` for writing, with `O_DIRECT` where the system and file system take it.
fn open(path: &Path) -> io::Result<(File, bool)> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let direct = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .custom_flags(libc::O_DIRECT)
            .open(path);
        if let Ok(file) = direct {
            return Ok((file, true));
        }
    }
    Ok((File::create(path)?, false))
}

/// Turns `O_DIRECT` off on an open file (for file systems that accept the flag at open but
/// refuse the writes).
#[cfg(target_os = "linux")]
fn stop_direct(file: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a file descriptor we own, with integer arguments only.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags == -1 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: as above; F_SETFL takes the flags as an integer and touches no memory of ours.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_DIRECT) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn stop_direct(_: &File) -> io::Result<()> {
    Ok(())
}

/// The helper thread: writes each block it receives and gives it back; at the end syncs.
fn write_blocks(
    mut file: File,
    mut direct: bool,
    jobs: Receiver<(Block, usize)>,
    give_back: SyncSender<Block>,
) -> io::Result<()> {
    let mut written: u64 = 0;
    let mut unsynced: u64 = 0;
    for (block, len) in jobs {
        if direct {
            let padded = len.next_multiple_of(ALIGN);
            match file.write_all(&block.bytes()[..padded]) {
                Ok(()) if padded != len => file.set_len(written + len as u64)?,
                Ok(()) => {}
                Err(e) if written == 0 && e.kind() == io::ErrorKind::InvalidInput => {
                    direct = false;
                    stop_direct(&file)?;
                    file.write_all(&block.bytes()[..len])?;
                }
                Err(e) => return Err(e),
            }
        } else {
            file.write_all(&block.bytes()[..len])?;
            unsynced += len as u64;
            if unsynced >= SYNC_EVERY {
                file.sync_data()?;
                unsynced = 0;
            }
        }
        written += len as u64;
        let _ = give_back.try_send(block);
    }
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lengths around the block and alignment boundaries come back byte for byte, both on the
    /// temporary folder's file system and (where it exists) on tmpfs, which refuses `O_DIRECT`.
    #[test]
    fn what_is_written_is_what_is_read_back() {
        let dirs: Vec<tempfile::TempDir> = [
            tempfile::tempdir().ok(),
            tempfile::tempdir_in("/dev/shm").ok(),
        ]
        .into_iter()
        .flatten()
        .collect();
        assert!(!dirs.is_empty());
        for dir in dirs.iter().map(|d| d.path()) {
            for len in [
                0,
                1,
                ALIGN - 1,
                ALIGN + 1,
                BLOCK,
                BLOCK + 7,
                3 * BLOCK + ALIGN + 5,
            ] {
                let data: Vec<u8> = (0..len).map(|i| (i * 7 + i / 4099) as u8).collect();
                let path = dir.join(format!("f{len}"));
                let mut sink = Sink::create(&path).unwrap();
                // Uneven pieces, as the writers produce them.
                for piece in data.chunks(1_000_003) {
                    sink.write_all(piece).unwrap();
                }
                sink.finish().unwrap();
                assert!(
                    std::fs::read(&path).unwrap() == data,
                    "{len} bytes in {dir:?}"
                );
            }
        }
    }
}
