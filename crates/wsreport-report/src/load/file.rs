//! Opening the files a report names: regular files only, never more than a set size.
//!
//! A report is input wsreport did not write. A case file that is a FIFO would block a CI gate
//! forever, a character device (`/dev/zero`) would be read until memory runs out, and a 1 GiB
//! `index.json` costs twice its size once parsed. So every report file is opened without
//! blocking (`O_NONBLOCK`, which a regular file ignores), checked to be a regular file on the
//! opened descriptor (no window between the check and the read), and read only up to
//! [`max_file_size`] octets: a larger file is refused, not cut.

use std::fs::{self, File};
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// The default size above which a report file is refused: 64 MiB, over a hundred times the
/// largest file of the real reports (a 0.5 MiB `index.html` of 4 agents × 517 cases; a case
/// file holds a wire log the testsuite cuts to 64 shown octets a row). Parsing costs about
/// twice the file's size, so this also bounds a command's memory per file.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

static MAX_FILE_SIZE: AtomicU64 = AtomicU64::new(DEFAULT_MAX_FILE_SIZE);

/// The size above which report files are refused (see [`set_max_file_size`]).
pub fn max_file_size() -> u64 {
    MAX_FILE_SIZE.load(Ordering::Relaxed)
}

/// Sets the size above which report files are refused, for the whole process (the binary's
/// `--max-file-size`).
pub fn set_max_file_size(octets: u64) {
    MAX_FILE_SIZE.store(octets, Ordering::Relaxed);
}

/// Why a report file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file system refused.
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    /// Not a regular file; it was not read.
    #[error("not a regular file ({0}); not read")]
    NotAFile(&'static str),
    /// Larger than the cap; it was not read.
    #[error(
        "{size} octets, more than the {cap}-octet limit; not read (raise it with --max-file-size)"
    )]
    TooBig {
        /// The file's size (at least, when it grew while read).
        size: u64,
        /// The cap.
        cap: u64,
    },
}

/// What a file type is called in a message.
pub(crate) fn kind(t: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

/// Opens `path` for reading without blocking, even when it is a FIFO.
fn open(path: &Path) -> std::io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    options.open(path)
}

/// Reads a regular file of at most [`max_file_size`] octets (following links: whether a
/// link may be followed is decided before, by the caller that knows the report directory).
pub fn read_regular(path: &Path) -> Result<Vec<u8>, ReadError> {
    read_capped(path, max_file_size())
}

/// [`read_regular`] with an explicit cap.
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    let file = open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile(kind(meta.file_type())));
    }
    if meta.len() > cap {
        return Err(ReadError::TooBig {
            size: meta.len(),
            cap,
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // A file that grows while read is still cut at the cap plus one octet, which tells.
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooBig {
            size: bytes.len() as u64,
            cap,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_under_the_cap_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        fs::write(&p, b"12345").unwrap();
        assert_eq!(read_capped(&p, 5).unwrap(), b"12345");
        assert!(matches!(
            read_capped(&p, 4),
            Err(ReadError::TooBig { size: 5, cap: 4 })
        ));
    }

    #[test]
    fn directories_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_capped(dir.path(), 10),
            Err(ReadError::NotAFile("a directory"))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn fifos_and_devices_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
        )
        .unwrap();
        // Before: `fs::read` blocked here for ever, waiting for a writer.
        assert!(matches!(
            read_capped(&fifo, 10),
            Err(ReadError::NotAFile("a FIFO"))
        ));
        assert!(matches!(
            read_capped(Path::new("/dev/zero"), 10),
            Err(ReadError::NotAFile("a character device"))
        ));
    }
}
