//! The core's one internal error type.
//!
//! Messages are written for the person using the app (the FFI passes them on as `reason`s and the
//! CLI prints them). No message ever contains a PIN, a key, a setting's value or a path inside the
//! data directory. The FFI converts this type to its public `CorridorError` in one place.

use std::io;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why storage failed, in terms a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageProblem {
    /// The data directory or a file in it cannot be written.
    ReadOnly,
    /// The device has no space left.
    Full,
    /// Any other input/output failure; the text is the operating system's, without paths.
    Other(String),
}

impl std::fmt::Display for StorageProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StorageProblem::ReadOnly => f.write_str("the data directory cannot be written (read-only)"),
            StorageProblem::Full => f.write_str("the device has no space left"),
            StorageProblem::Other(text) => write!(f, "could not read or write the data directory: {text}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The PIN opened nothing. `attempts_left` counts the attempts before the next consequence
    /// (a growing delay, or the wipe when it is switched on); `retry_after_secs` is the wait
    /// before the next attempt is accepted.
    #[error("wrong PIN ({attempts_left} attempts left before a delay or wipe; retry after {retry_after_secs} s)")]
    WrongPin { attempts_left: u32, retry_after_secs: u64 },

    /// Too many wrong PINs: no attempt is accepted (and no PIN is checked) until the delay is over.
    #[error("too many wrong PINs: try again in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },

    /// The session was locked (by `lock` or after the idle time).
    #[error("the profile is locked")]
    Locked,

    /// The data directory holds no profile yet.
    #[error("no profile is set up in this data directory")]
    NotSetUp,

    /// Setup was asked of a directory that cannot take it.
    #[error("{0}")]
    AlreadySetUp(&'static str),

    /// Input that the caller can correct.
    #[error("{field}: {reason}")]
    InvalidInput { field: &'static str, reason: String },

    /// A typed or scanned code (or recovery secret) that is not valid, and why.
    #[error("{field}: {problem}")]
    InvalidCode {
        field: &'static str,
        problem: crate::codes::CodeProblem,
    },

    /// A backup that cannot be restored: wrong recovery secret, damaged or altered file, or a
    /// newer format.
    #[error("{0}")]
    BackupRejected(String),

    /// No profile matches the given id or display name.
    #[error("no such profile on this device")]
    ProfileNotFound,

    /// The key-slot file (or another small control file) is damaged or was altered.
    #[error("the key file is damaged: {0}")]
    KeyFileDamaged(String),

    /// A database file is not a database, is damaged, or does not open with its key.
    #[error("a database file is damaged or is not a Corridor database")]
    DatabaseDamaged,

    /// A database was written by a newer version of Corridor.
    #[error("the data was written by a newer version of Corridor (schema {found}, this version knows {known})")]
    NewerSchema { found: u32, known: u32 },

    /// Reading or writing the data directory failed.
    #[error("{0}")]
    Storage(StorageProblem),

    /// Content (metadata, a module, an asset) that is refused: unsigned, rolled back, expired,
    /// oversized, altered, or not what the catalog pins. The installed content is unchanged.
    #[error("content refused: {0}")]
    ContentRejected(String),

    /// The hub could not be reached, did not answer in time, or answered with something that is
    /// not the hub's; `retryable` says whether sending the same request later may work.
    #[error("{reason}")]
    Network { retryable: bool, reason: String },

    /// The hub refused the request: `code` is the protocol's stable error code
    /// (`docs/protocol.md`), `message` the hub's sentence.
    #[error("the hub refused: {message}")]
    HubRefused { status: u16, code: String, message: String },

    /// The host's keystore (the key strengthener) failed.
    #[error("the device keystore failed: {0}")]
    Platform(String),

    /// A bug: a state the code does not expect.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field,
            reason: reason.into(),
        }
    }
}

impl From<io::Error> for Error {
    fn from(error: io::Error) -> Self {
        Error::Storage(storage_problem_of_io(&error))
    }
}

pub(crate) fn storage_problem_of_io(error: &io::Error) -> StorageProblem {
    match error.kind() {
        io::ErrorKind::ReadOnlyFilesystem | io::ErrorKind::PermissionDenied => StorageProblem::ReadOnly,
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => StorageProblem::Full,
        _ => match error.raw_os_error() {
            // ENOSPC and EDQUOT on Linux and Android; EROFS; EACCES.
            Some(28) | Some(122) => StorageProblem::Full,
            Some(30) | Some(13) => StorageProblem::ReadOnly,
            _ => StorageProblem::Other(strip_paths(&error.to_string())),
        },
    }
}

/// The operating system's text without anything that looks like a path.
fn strip_paths(text: &str) -> String {
    text.split_whitespace()
        .filter(|word| !word.contains('/') && !word.contains('\\'))
        .collect::<Vec<_>>()
        .join(" ")
}

impl From<rusqlite::Error> for Error {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match &error {
            rusqlite::Error::SqliteFailure(failure, _) => match failure.code {
                ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => Error::DatabaseDamaged,
                ErrorCode::ReadOnly | ErrorCode::PermissionDenied => Error::Storage(StorageProblem::ReadOnly),
                ErrorCode::DiskFull => Error::Storage(StorageProblem::Full),
                ErrorCode::CannotOpen | ErrorCode::SystemIoFailure => {
                    Error::Storage(StorageProblem::Other("the database file could not be opened".into()))
                }
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                    Error::Storage(StorageProblem::Other("the database is busy; try again".into()))
                }
                // SQLite's own text names the failing statement's problem, never a bound value.
                _ => Error::Internal(format!("database: {error}")),
            },
            _ => Error::Internal(format!("database: {error}")),
        }
    }
}
