//! The failed-attempt counter: one per data directory, on disk, flushed before the KDF runs.
//!
//! File `attempts` (16 bytes): magic "CRDA", version u8 (1), the wipe limit u16 (0: off),
//! reserved u8, failures u32, time of the last failure in Unix seconds as u32. Big-endian. The
//! wipe limit lives here, beside the counter it applies to, so that it is read without the
//! device store (which could be damaged) and without any other file.
//!
//! From the 5th consecutive failure, each attempt must wait: 30 s after the 5th, doubling with
//! every further failure, at most an hour. The wait is counted from the last failure's wall-clock
//! time; if the clock now reads earlier than that (someone set it back), the wait starts again
//! from now, so setting the clock back never shortens it. A counter file that cannot be read is
//! treated as at the delay threshold, and so is a missing one in a directory that is set up: an
//! attacker cannot reset the counter by damaging or deleting it, and the person is never locked
//! out for good.

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::files;

pub const FILE_NAME: &str = "attempts";
const MAGIC: &[u8; 4] = b"CRDA";
const LEN: usize = 16;

/// Failures allowed before the delay starts.
pub const FREE_ATTEMPTS: u32 = 4;
pub const FIRST_DELAY_SECS: u64 = 30;
pub const MAX_DELAY_SECS: u64 = 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AttemptRecord {
    pub failures: u32,
    pub last_failure_unix: u32,
    /// Erase everything after this many consecutive failures (0: never).
    pub wipe_after: u16,
}

impl AttemptRecord {
    /// The wait required after `failures` consecutive failures.
    pub fn delay_secs(failures: u32) -> u64 {
        if failures <= FREE_ATTEMPTS {
            return 0;
        }
        let doublings = (failures - FREE_ATTEMPTS - 1).min(16);
        (FIRST_DELAY_SECS << doublings).min(MAX_DELAY_SECS)
    }

    /// Seconds until the next attempt is allowed at wall-clock time `now`.
    pub fn retry_after_secs(&self, now_unix: i64) -> u64 {
        let delay = Self::delay_secs(self.failures);
        if delay == 0 {
            return 0;
        }
        let last = self.last_failure_unix as i64;
        if now_unix < last {
            return delay;
        }
        let ready_at = last + delay as i64;
        (ready_at - now_unix).max(0) as u64
    }

    /// Whether the clock now reads earlier than the last failure (it was set back).
    pub fn clock_went_back(&self, now_unix: i64) -> bool {
        now_unix < self.last_failure_unix as i64
    }

    fn encode(&self) -> [u8; LEN] {
        let mut out = [0u8; LEN];
        out[..4].copy_from_slice(MAGIC);
        out[4] = 1;
        out[5..7].copy_from_slice(&self.wipe_after.to_be_bytes());
        out[8..12].copy_from_slice(&self.failures.to_be_bytes());
        out[12..16].copy_from_slice(&self.last_failure_unix.to_be_bytes());
        out
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != LEN || &bytes[..4] != MAGIC || bytes[4] != 1 {
            return None;
        }
        Some(AttemptRecord {
            failures: u32::from_be_bytes(bytes[8..12].try_into().ok()?),
            last_failure_unix: u32::from_be_bytes(bytes[12..16].try_into().ok()?),
            wipe_after: u16::from_be_bytes([bytes[5], bytes[6]]),
        })
    }
}

pub struct AttemptCounter {
    path: PathBuf,
}

impl AttemptCounter {
    pub fn in_dir(data_dir: &Path) -> Self {
        AttemptCounter {
            path: data_dir.join(FILE_NAME),
        }
    }

    /// Reads the record. Missing in a directory that is not set up means no failures; damaged,
    /// or missing from a set-up directory, means the delay threshold (see the module comment).
    pub fn read(&self, set_up: bool) -> Result<AttemptRecord> {
        let threshold = AttemptRecord {
            failures: FREE_ATTEMPTS + 1,
            last_failure_unix: 0,
            wipe_after: 0,
        };
        match std::fs::read(&self.path) {
            Ok(bytes) => Ok(AttemptRecord::decode(&bytes).unwrap_or(threshold)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                Ok(if set_up { threshold } else { AttemptRecord::default() })
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Writes the record and flushes it to disk before returning.
    pub fn write(&self, record: &AttemptRecord) -> Result<()> {
        files::write_atomically(&self.path, &record.encode())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

pub fn unix_to_u32(now_unix: i64) -> u32 {
    now_unix.clamp(0, u32::MAX as i64) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_starts_at_the_fifth_failure_and_grows_to_an_hour() {
        let delays: Vec<u64> = (0..=14).map(AttemptRecord::delay_secs).collect();
        assert_eq!(
            delays,
            vec![0, 0, 0, 0, 0, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
        );
        assert_eq!(AttemptRecord::delay_secs(u32::MAX), 3600);
    }

    #[test]
    fn setting_the_clock_back_never_shortens_the_wait() {
        let record = AttemptRecord {
            failures: 6,
            last_failure_unix: 1_000_000,
            wipe_after: 0,
        };
        assert_eq!(record.retry_after_secs(1_000_000), 60);
        assert_eq!(record.retry_after_secs(1_000_050), 10);
        assert_eq!(record.retry_after_secs(1_000_060), 0);
        assert_eq!(record.retry_after_secs(999_999), 60);
        assert_eq!(record.retry_after_secs(0), 60);
    }

    #[test]
    fn a_damaged_or_deleted_counter_file_counts_as_the_threshold_not_as_zero() {
        let dir = tempfile::tempdir().unwrap();
        let counter = AttemptCounter::in_dir(dir.path());
        assert_eq!(counter.read(false).unwrap().failures, 0);
        assert_eq!(
            counter.read(true).unwrap().failures,
            FREE_ATTEMPTS + 1,
            "deleted from a set-up directory"
        );
        let record = AttemptRecord {
            failures: 3,
            last_failure_unix: 7,
            wipe_after: 10,
        };
        counter.write(&record).unwrap();
        assert_eq!(counter.read(true).unwrap(), record);
        std::fs::write(counter.path(), b"garbage").unwrap();
        assert_eq!(counter.read(true).unwrap().failures, FREE_ATTEMPTS + 1);
    }
}
