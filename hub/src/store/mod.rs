//! Storage behind one trait, [`Store`], so that a PostgreSQL backend can follow without touching
//! the handlers. The embedded SQLite backend is [`sqlite::SqliteStore`].
//!
//! The trait is shaped around operations, not tables: [`Store::idempotent_write`] looks up the
//! idempotency key, performs the write it protects and records the answer in one transaction,
//! so a crash or a concurrent retry can never see one without the other.
//!
//! The store keeps ciphertext, hashes and ids only: no client address, no token, no password.
//! Its methods are synchronous and short; handlers call them inside `spawn_blocking`.

pub mod sqlite;

use corridor_core::kdf::KdfParams;
use corridor_core::sync::wire::{InboxEntry, ReportState, ReportSubmission, Role, SealedReport, TokenInfo, Uuid};
use serde::Serialize;

use crate::config::Retention;
use crate::error::HubError;
use crate::intake::SessionRecord;

pub type Result<T, E = HubError> = std::result::Result<T, E>;

/// Identifies one idempotent request: who sent it (`scope`), which route, which key, and a
/// SHA-256 fingerprint of what was sent (the body, and the path's id or the write token where
/// the route has one), so the same key with another request is told apart.
#[derive(Debug, Clone)]
pub struct IdempotencyRecord {
    pub scope: String,
    pub route: &'static str,
    pub key: Uuid,
    pub fingerprint: [u8; 32],
    pub now: i64,
}

/// The writes that go through [`Store::idempotent_write`].
pub enum WriteOp {
    /// Anonymous; deduplicated forever by `report_id` (same site and sealed bytes: the original
    /// receipt with 200; anything else: [`Refusal::IdConflict`]).
    SubmitReport(ReportSubmission),
    /// A coordinator acknowledges a report of one of `sites`; a second acknowledgement returns
    /// the first.
    AckReport {
        report_id: Uuid,
        sites: Vec<String>,
        user_id: i64,
        purge_after_secs: i64,
    },
    /// An educator's session or correction, opened and hashed (no code in it); deduplicated
    /// forever by `session_id` through its keyed digest (the same digest: the original receipt
    /// with 200; another: [`Refusal::IdConflict`]). A correction needs its original at the hub,
    /// not itself a correction, of the same site ([`Refusal::Unprocessable`] otherwise).
    SubmitSession(Box<SessionRecord>),
    /// Creates (201) or, with the same write token, replaces (200) a backup.
    PutBackup {
        lookup_id: String,
        write_token_sha256: [u8; 32],
        body: Vec<u8>,
    },
    DeleteBackup {
        lookup_id: String,
        write_token_sha256: [u8; 32],
    },
    /// An admin revokes a token (revoking a revoked token succeeds).
    RevokeToken { token_id: String },
}

/// A successful answer as stored for replay: its status and exact body bytes (JSON, or empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

impl StoredResponse {
    pub fn json(status: u16, value: &impl Serialize) -> Result<Self> {
        let body = serde_json::to_vec(value).map_err(|error| HubError::Internal(error.to_string()))?;
        Ok(StoredResponse { status, body })
    }

    pub fn empty(status: u16) -> Self {
        StoredResponse {
            status,
            body: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The write was performed now; its answer is stored under the key.
    Fresh(StoredResponse),
    /// The key was seen with the same fingerprint: the stored answer, unchanged.
    Replayed(StoredResponse),
    /// The key was seen with another request.
    KeyReusedWithOtherBody,
    /// The write was refused; nothing was stored, so a retry after the cause is fixed succeeds.
    Refused(Refusal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The report or session id exists with other content.
    IdConflict,
    /// Not the caller's to write (a backup under another write token).
    Forbidden,
    /// Nothing there the caller may see.
    NotFound,
    /// 422 with this error code and message (a correction of a session at another site).
    Unprocessable { code: &'static str, message: &'static str },
    /// 409 with this error code and message: not yet (a correction that arrived before the
    /// session it corrects); the client tries again later.
    NotYet { code: &'static str, message: &'static str },
}

/// An authenticated account, as a request sees it.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub sites: Vec<String>,
    pub token_id: String,
}

/// A stored Argon2id password hash with its own salt and cost.
#[derive(Clone)]
pub struct PasswordHash {
    pub salt: [u8; 16],
    pub params: KdfParams,
    pub hash: [u8; 32],
}

/// What login needs to know about a username.
pub struct Credentials {
    pub user_id: i64,
    pub password: PasswordHash,
    pub disabled: bool,
    pub role: Role,
    pub sites: Vec<String>,
}

pub struct NewUser {
    pub username: String,
    pub role: Role,
    pub sites: Vec<String>,
    pub password: PasswordHash,
    pub now: i64,
}

pub struct NewToken {
    pub token_id: String,
    pub user_id: i64,
    pub token_sha256: [u8; 32],
    pub device_label: String,
    pub now: i64,
}

/// An account as the operator sees it (`corridor hub user list`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserInfo {
    pub username: String,
    pub role: Role,
    pub sites: Vec<String>,
    pub created_at: i64,
    /// Disabled accounts cannot log in and their tokens are revoked.
    pub disabled: bool,
    pub disabled_at: Option<i64>,
}

/// One inbox read: the sites to list, whether acknowledged reports are included, where the
/// previous page ended, and how many entries to return at most.
#[derive(Debug, Clone)]
pub struct InboxQuery {
    pub sites: Vec<String>,
    pub include_acknowledged: bool,
    /// `(received_at, report_id)` of the last entry already seen.
    pub after: Option<(i64, Uuid)>,
    pub limit: u32,
}

pub enum SealedLookup {
    Found(SealedReport),
    /// Acknowledged long enough ago that its ciphertext was deleted.
    Gone,
    NotFound,
}

/// What one maintenance run removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MaintenanceReport {
    /// Reports whose ciphertext was deleted (their rows stay as tombstones).
    pub purged_reports: u64,
    pub expired_idempotency_keys: u64,
    pub removed_tokens: u64,
}

pub trait Store: Send + Sync {
    /// Looks up `record`'s key and, unless it was seen, performs `op` and stores its answer,
    /// all in one transaction. Only successful answers are stored.
    fn idempotent_write(&self, record: &IdempotencyRecord, op: WriteOp) -> Result<WriteOutcome>;

    fn report_state(&self, report_id: Uuid) -> Result<Option<ReportState>>;
    /// At most `query.limit + 1` entries, ordered by `received_at` then `report_id`, so the
    /// caller can tell whether a next page exists.
    fn inbox(&self, query: &InboxQuery) -> Result<Vec<InboxEntry>>;
    /// A report of one of `sites`; others are [`SealedLookup::NotFound`].
    fn sealed_report(&self, report_id: Uuid, sites: &[String]) -> Result<SealedLookup>;

    /// The backup's body, if it exists and `write_token_sha256` is its token's hash.
    fn backup(&self, lookup_id: &str, write_token_sha256: &[u8; 32]) -> Result<Option<Vec<u8>>>;

    fn credentials(&self, username: &str) -> Result<Option<Credentials>>;
    fn create_token(&self, token: NewToken) -> Result<()>;
    /// The live account behind a token hash (not revoked, user not disabled); records the use
    /// at most once a minute.
    fn authenticate(&self, token_sha256: &[u8; 32], now: i64) -> Result<Option<Caller>>;
    /// Whether a token with this id exists (revoking a revoked token is no error).
    fn revoke_token(&self, token_id: &str, now: i64) -> Result<bool>;
    fn list_tokens(&self) -> Result<Vec<TokenInfo>>;

    /// Fails with [`HubError::UserExists`] for a taken username.
    fn add_user(&self, user: NewUser) -> Result<()>;
    fn list_users(&self) -> Result<Vec<UserInfo>>;
    fn set_password(&self, username: &str, password: &PasswordHash) -> Result<()>;
    /// Disables the account and revokes its tokens.
    fn disable_user(&self, username: &str, now: i64) -> Result<()>;

    /// Deletes the ciphertext of reports acknowledged `retention.purge_after_secs` ago or more,
    /// expired idempotency keys and long-revoked tokens.
    fn maintenance(&self, now: i64, retention: &Retention) -> Result<MaintenanceReport>;
}
