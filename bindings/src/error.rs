//! The one public error of the FFI, converted from the core's error in one place.
//!
//! Variants are stable: the shells map them to localised text. `reason` strings are English
//! explanations for logs-free debugging and the CLI; they never contain a secret.

use corridor_core::codes::CodeProblem;
use corridor_core::error::{Error, StorageProblem};

/// How a typed code is wrong, for the shell to word its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CodeProblemKind {
    InvalidCharacter,
    WrongLength,
    CheckMismatch,
}

#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum CorridorError {
    /// The PIN opened nothing. `attempts_left` before a delay (or the wipe, when switched on).
    #[error("wrong PIN: {attempts_left} attempts left, retry after {retry_after_secs} s")]
    WrongPin { attempts_left: u32, retry_after_secs: u64 },
    /// Too many wrong PINs: wait this long before the next attempt.
    #[error("too many wrong PINs: retry after {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("the profile is locked")]
    Locked,
    #[error("no profile is set up on this device")]
    NotSetUp,
    #[error("{reason}")]
    AlreadySetUp { reason: String },
    #[error("{field}: {reason}")]
    InvalidInput { field: String, reason: String },
    #[error("no such profile on this device")]
    ProfileNotFound,
    /// A typed or scanned code (or recovery secret) is not valid: `problem` says how.
    #[error("{field}: {reason}")]
    InvalidCode {
        field: String,
        problem: CodeProblemKind,
        reason: String,
    },
    /// A backup that cannot be restored (wrong recovery secret, damaged, newer format).
    #[error("{reason}")]
    BackupRejected { reason: String },
    #[error("the key file is damaged: {reason}")]
    KeyFileDamaged { reason: String },
    #[error("a database file is damaged or is not a Corridor database")]
    DatabaseDamaged,
    #[error("the data was written by a newer version of Corridor")]
    NewerVersion { found: u32, known: u32 },
    #[error("the data directory cannot be written (read-only)")]
    StorageReadOnly,
    #[error("the device has no space left")]
    StorageFull,
    #[error("{reason}")]
    Storage { reason: String },
    /// Content that was refused (unsigned, rolled back, expired, altered); installed content is
    /// unchanged.
    #[error("content refused: {reason}")]
    ContentRejected { reason: String },
    /// The hub could not be reached or answered badly; `retryable`: trying later may work.
    #[error("{reason}")]
    Network { retryable: bool, reason: String },
    /// The hub refused the request; `code` is the protocol's stable code (`docs/protocol.md`).
    #[error("the hub refused: {reason}")]
    HubRefused { status: u16, code: String, reason: String },
    /// The host's keystore (the key strengthener) failed.
    #[error("the device keystore failed: {reason}")]
    Platform { reason: String },
    #[error("internal error: {reason}")]
    Internal { reason: String },
}

impl From<Error> for CorridorError {
    fn from(error: Error) -> Self {
        match error {
            Error::WrongPin {
                attempts_left,
                retry_after_secs,
            } => CorridorError::WrongPin {
                attempts_left,
                retry_after_secs,
            },
            Error::TooManyAttempts { retry_after_secs } => CorridorError::TooManyAttempts { retry_after_secs },
            Error::Locked => CorridorError::Locked,
            Error::NotSetUp => CorridorError::NotSetUp,
            Error::AlreadySetUp(reason) => CorridorError::AlreadySetUp {
                reason: reason.to_string(),
            },
            Error::InvalidInput { field, reason } => CorridorError::InvalidInput {
                field: field.to_string(),
                reason,
            },
            Error::ProfileNotFound => CorridorError::ProfileNotFound,
            Error::InvalidCode { field, problem } => CorridorError::InvalidCode {
                field: field.to_string(),
                reason: problem.to_string(),
                problem: match problem {
                    CodeProblem::InvalidCharacter { .. } => CodeProblemKind::InvalidCharacter,
                    CodeProblem::WrongLength { .. } => CodeProblemKind::WrongLength,
                    CodeProblem::CheckMismatch => CodeProblemKind::CheckMismatch,
                },
            },
            Error::BackupRejected(reason) => CorridorError::BackupRejected { reason },
            Error::KeyFileDamaged(reason) => CorridorError::KeyFileDamaged { reason },
            Error::DatabaseDamaged => CorridorError::DatabaseDamaged,
            Error::NewerSchema { found, known } => CorridorError::NewerVersion { found, known },
            Error::Storage(StorageProblem::ReadOnly) => CorridorError::StorageReadOnly,
            Error::Storage(StorageProblem::Full) => CorridorError::StorageFull,
            Error::Storage(other) => CorridorError::Storage {
                reason: other.to_string(),
            },
            Error::ContentRejected(reason) => CorridorError::ContentRejected { reason },
            Error::Network { retryable, reason } => CorridorError::Network { retryable, reason },
            Error::HubRefused { status, code, message } => CorridorError::HubRefused {
                status,
                code,
                reason: message,
            },
            Error::Platform(reason) => CorridorError::Platform { reason },
            Error::Internal(reason) => CorridorError::Internal { reason },
        }
    }
}

/// A foreign trait implementation that failed in a way UniFFI could not map (it threw
/// something other than a `CorridorException`).
impl From<uniffi::UnexpectedUniFFICallbackError> for CorridorError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        CorridorError::Platform {
            reason: format!("the host failed: {}", error.reason),
        }
    }
}
