//! Small-file primitives: private directories and atomic, durable replacement.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::error::{Result, StorageProblem};

/// Creates `dir` (and its parents) readable by this user only.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    Ok(())
}

/// Replaces `path` with `bytes` so that a crash leaves either the old or the new content:
/// write a temporary file beside it, flush it to disk, rename it over, flush the directory.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_name = path.file_name().and_then(|name| name.to_str()).unwrap_or("file");
    let temporary = dir.join(format!(".{file_name}.new"));
    let outcome = (|| -> Result<()> {
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        crash_point!("atomic write: new content flushed");
        fs::rename(&temporary, path)?;
        crash_point!("atomic write: renamed");
        sync_dir(dir)
    })();
    if outcome.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    outcome
}

/// Flushes a directory's entries (a rename or a delete) to disk.
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    Ok(())
}

/// Overwrites a file's bytes in place with random data and flushes, then deletes it. On flash
/// storage the overwrite is best effort: the real erase is that the key it held is gone.
pub fn overwrite_and_remove(path: &Path) -> Result<()> {
    let length = match fs::metadata(path) {
        Ok(metadata) => metadata.len() as usize,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(error.into()),
    };
    if length > 0 && length <= 1 << 20 {
        let mut noise = vec![0u8; length];
        crate::secret::fill_random(&mut noise)?;
        let mut file = OpenOptions::new().write(true).open(path)?;
        file.write_all(&noise)?;
        file.sync_all()?;
        crash_point!("overwrite: noise flushed");
    }
    remove_if_present(path)
}

pub fn remove_if_present(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error.into()),
    }
}

/// Whether `dir` can take a small write: `None` if it can, else why not (read-only, full).
/// Used to explain SQLite's bare "cannot open" and "I/O error".
pub fn probe_writable(dir: &Path) -> Option<StorageProblem> {
    let probe = dir.join(".write-probe");
    let outcome = (|| -> std::io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&probe)?;
        file.write_all(&[0u8; 4096])?;
        file.sync_all()
    })();
    let _ = fs::remove_file(&probe);
    match outcome {
        Ok(()) => None,
        Err(error) => match crate::error::storage_problem_of_io(&error) {
            StorageProblem::Other(_) => None,
            problem => Some(problem),
        },
    }
}
