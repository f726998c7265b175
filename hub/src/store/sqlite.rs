//! The embedded backend: one SQLite file, `DATA/hub.db` (SQLCipher's build of SQLite, unkeyed:
//! the hub holds nothing it could read, so there is nothing to encrypt it with).
//!
//! Every connection runs in WAL mode with `synchronous=FULL` (an answer a client received
//! survives `kill -9` and a power cut), `secure_delete=ON` (purged ciphertext and deleted
//! backups are overwritten, not just unlinked from the b-tree), foreign keys on and a 5 s busy
//! timeout, so the operator's CLI can write while the hub runs. One writer connection sits
//! behind a mutex; readers come from a small pool. The schema version lives in
//! `PRAGMA user_version` and is brought up to date with core's [`Schema`].

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use corridor_core::kdf::KdfParams;
use corridor_core::store::Schema;
use corridor_core::sync::wire::{
    codes, Acknowledgement, BackupReceipt, InboxEntry, ReportReceipt, ReportState, ReportSubmission, Role,
    SealedReport, SessionReceipt, TokenInfo, Uuid,
};
use rusqlite::types::Value;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};

use super::{
    Caller, Credentials, IdempotencyRecord, InboxQuery, MaintenanceReport, NewToken, NewUser, PasswordHash, Refusal,
    Result, SealedLookup, Store, StoredResponse, UserInfo, WriteOp, WriteOutcome,
};
use crate::auth::sha256;
use crate::config::Retention;
use crate::error::HubError;
use crate::intake::SessionRecord;

/// The database's file name inside the data directory.
pub const DATABASE_FILE: &str = "hub.db";

/// Idle reader connections kept open.
const MAX_IDLE_READERS: usize = 8;
/// A token's `last_used_at` is written at most this often.
const LAST_USED_RESOLUTION_SECS: i64 = 60;

pub(crate) static SCHEMA: Schema = Schema {
    current: 2,
    create: concat!(common_tables!(), sessions_v2!()),
    upgrades: &[(1, UPGRADE_V1_TO_V2)],
};

/// Version 1 kept each session's plaintext JSON body (codes included). Version 2 keeps only
/// keyed hashes and aggregates; those bodies cannot be turned into that without the tablet's
/// sealed upload, so they are dropped (with `secure_delete` their pages are overwritten).
const UPGRADE_V1_TO_V2: &str = concat!("DROP TABLE sessions;", sessions_v2!());

/// Sessions (schema 2): one row per session or correction, no code anywhere. `attendance` has
/// one row per person and session under the keyed hash of their code (its rowid is the order
/// of receipt); `walk_ins` holds signed counts. `attendance_by_month` covers what reach reads
/// of a period, so that reach never reads the table itself; `attendance_by_person` answers
/// "seen before this month?". `month` is `YYYY-MM` in the programme's time.
macro_rules! sessions_v2 {
    () => {
        "
CREATE TABLE sessions (
    session_id TEXT PRIMARY KEY,
    corrects TEXT REFERENCES sessions(session_id),
    site TEXT NOT NULL,
    month TEXT NOT NULL,
    kind TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    closed_at INTEGER NOT NULL,
    submitted_by INTEGER NOT NULL REFERENCES users(id),
    received_at INTEGER NOT NULL,
    digest BLOB NOT NULL,
    summary TEXT NOT NULL
);
CREATE INDEX sessions_by_original ON sessions(corrects) WHERE corrects IS NOT NULL;
CREATE TABLE attendance (
    session_id TEXT NOT NULL REFERENCES sessions(session_id),
    code_hash BLOB NOT NULL,
    site TEXT NOT NULL,
    month TEXT NOT NULL,
    gender TEXT,
    age_band TEXT,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, code_hash)
);
CREATE INDEX attendance_by_month ON attendance(month, site, code_hash, gender, seen_at);
CREATE INDEX attendance_by_person ON attendance(code_hash, month);
CREATE TABLE walk_ins (
    session_id TEXT NOT NULL REFERENCES sessions(session_id),
    site TEXT NOT NULL,
    month TEXT NOT NULL,
    gender TEXT NOT NULL,
    age_band TEXT NOT NULL,
    count INTEGER NOT NULL
);
CREATE INDEX walk_ins_by_month ON walk_ins(month, site);
"
    };
}
use sessions_v2;

/// Every table but the sessions (as version 1 created them).
macro_rules! common_tables {
    () => {
        "
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('educator', 'crt', 'admin')),
    password_hash BLOB NOT NULL,
    password_salt BLOB NOT NULL,
    kdf_memory_kib INTEGER NOT NULL,
    kdf_iterations INTEGER NOT NULL,
    kdf_parallelism INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    disabled_at INTEGER
);
CREATE TABLE user_sites (
    user_id INTEGER NOT NULL REFERENCES users(id),
    site TEXT NOT NULL,
    PRIMARY KEY (user_id, site)
) WITHOUT ROWID;
CREATE TABLE tokens (
    token_id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    token_sha256 BLOB NOT NULL UNIQUE,
    device_label TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX tokens_by_user ON tokens(user_id);
CREATE TABLE reports (
    report_id TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    sealed BLOB,
    sealed_sha256 BLOB NOT NULL,
    size INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    acknowledged_at INTEGER,
    acknowledged_by INTEGER REFERENCES users(id),
    purged_at INTEGER
);
CREATE INDEX reports_inbox ON reports(site, received_at, report_id);
CREATE INDEX reports_to_purge ON reports(acknowledged_at) WHERE purged_at IS NULL;
CREATE TABLE backups (
    lookup_id TEXT PRIMARY KEY,
    write_token_sha256 BLOB NOT NULL,
    body BLOB NOT NULL,
    size INTEGER NOT NULL,
    stored_at INTEGER NOT NULL
);
CREATE TABLE idempotency (
    scope TEXT NOT NULL,
    route TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint BLOB NOT NULL,
    status INTEGER NOT NULL,
    response BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (scope, route, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_by_age ON idempotency(created_at);
"
    };
}
use common_tables;

/// Version 1's sessions table, for the upgrade test.
#[cfg(test)]
const SESSIONS_V1: &str = "
CREATE TABLE sessions (
    session_id TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    body BLOB NOT NULL,
    body_sha256 BLOB NOT NULL,
    submitted_by INTEGER NOT NULL REFERENCES users(id),
    received_at INTEGER NOT NULL
);
";

pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl SqliteStore {
    /// Opens `DATA/hub.db`, creating the directory and the database if they are missing.
    pub fn open(data_dir: &Path) -> Result<Self> {
        create_private_dir(data_dir)?;
        let path = data_dir.join(DATABASE_FILE);
        create_private_file(&path)?;
        corridor_core::store::restrict_to_owner(&path)?;
        let mut writer = connect(&path, true)?;
        SCHEMA.bring_up_to_date(&mut writer)?;
        Ok(SqliteStore {
            path,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// Opens an existing `DATA/hub.db`; a directory without one is [`HubError::NoDatabase`].
    pub fn open_existing(data_dir: &Path) -> Result<Self> {
        if !data_dir.join(DATABASE_FILE).is_file() {
            return Err(HubError::NoDatabase);
        }
        SqliteStore::open(data_dir)
    }

    /// Whether any session has been received (new session keys would then lose reach's history).
    pub fn holds_sessions(&self) -> Result<bool> {
        self.read(|connection| {
            Ok(
                connection.query_row("SELECT EXISTS (SELECT 1 FROM sessions)", [], |row| {
                    row.get::<_, bool>(0)
                })?,
            )
        })
    }

    pub(crate) fn read<T>(&self, work: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let pooled = lock(&self.readers).pop();
        let connection = match pooled {
            Some(connection) => connection,
            None => connect(&self.path, false)?,
        };
        let result = work(&connection);
        let mut idle = lock(&self.readers);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(connection);
        }
        result
    }

    /// Runs `work` in one immediate transaction on the writer connection; commits when it
    /// returns `Ok`.
    fn write<T>(&self, work: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let mut connection = lock(&self.writer);
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = work(&transaction)?;
        transaction.commit()?;
        Ok(value)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic inside `write` dropped its transaction, which rolled back: the connection is fine.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn connect(path: &Path, create: bool) -> Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let connection = Connection::open_with_flags(path, flags)?;
    connection.busy_timeout(Duration::from_secs(5))?;
    // SQLite answers a journal mode it cannot switch to with the mode it kept, not an error.
    let journal: String = connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !journal.eq_ignore_ascii_case("wal") {
        return Err(HubError::Database(format!(
            "hub.db stays in {journal} journal mode; the hub needs WAL"
        )));
    }
    connection.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA secure_delete = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA foreign_keys = ON;",
    )?;
    Ok(connection)
}

/// Creates `dir` (and its parents) readable by this user only, if it is missing.
pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    Ok(())
}

/// Creates an empty database file readable by this user only, before SQLite opens it: SQLite
/// gives the WAL and shared-memory files the database file's mode. (An empty file is an empty
/// database to SQLite.)
fn create_private_file(path: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error.into()),
    }
}

fn parse_uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|_| HubError::Internal("a stored id is not a UUID".into()))
}

fn parse_role(text: &str) -> Result<Role> {
    Role::parse(text).ok_or_else(|| HubError::Internal("a stored role is unknown".into()))
}

fn hash_array(bytes: Vec<u8>) -> Result<[u8; 32]> {
    bytes
        .try_into()
        .map_err(|_| HubError::Internal("a stored hash has the wrong length".into()))
}

fn sites_of(connection: &Connection, user_id: i64) -> Result<Vec<String>> {
    let mut statement = connection.prepare("SELECT site FROM user_sites WHERE user_id = ?1 ORDER BY site")?;
    let sites = statement
        .query_map([user_id], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(sites)
}

type Answer = std::result::Result<StoredResponse, Refusal>;

fn submit_report(transaction: &Transaction, submission: &ReportSubmission, now: i64) -> Result<Answer> {
    let report_id = submission.report_id.to_string();
    let sealed_sha256 = sha256(&submission.sealed);
    let existing: Option<(String, Vec<u8>, i64)> = transaction
        .query_row(
            "SELECT site, sealed_sha256, received_at FROM reports WHERE report_id = ?1",
            [&report_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    if let Some((site, stored_sha256, received_at)) = existing {
        if site != submission.site || stored_sha256 != sealed_sha256 {
            return Ok(Err(Refusal::IdConflict));
        }
        let receipt = ReportReceipt {
            report_id: submission.report_id,
            received_at,
        };
        return Ok(Ok(StoredResponse::json(200, &receipt)?));
    }
    transaction.execute(
        "INSERT INTO reports (report_id, site, sealed, sealed_sha256, size, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            report_id,
            submission.site,
            submission.sealed,
            &sealed_sha256[..],
            submission.sealed.len() as i64,
            now
        ],
    )?;
    let receipt = ReportReceipt {
        report_id: submission.report_id,
        received_at: now,
    };
    Ok(Ok(StoredResponse::json(201, &receipt)?))
}

fn ack_report(
    transaction: &Transaction,
    report_id: Uuid,
    sites: &[String],
    user_id: i64,
    purge_after_secs: i64,
    now: i64,
) -> Result<Answer> {
    let id_text = report_id.to_string();
    let existing: Option<(String, Option<i64>)> = transaction
        .query_row(
            "SELECT site, acknowledged_at FROM reports WHERE report_id = ?1",
            [&id_text],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((site, acknowledged_at)) = existing else {
        return Ok(Err(Refusal::NotFound));
    };
    if !sites.contains(&site) {
        return Ok(Err(Refusal::NotFound));
    }
    let acknowledged_at = match acknowledged_at {
        Some(first) => first,
        None => {
            transaction.execute(
                "UPDATE reports SET acknowledged_at = ?1, acknowledged_by = ?2 WHERE report_id = ?3",
                params![now, user_id, id_text],
            )?;
            now
        }
    };
    let acknowledgement = Acknowledgement {
        report_id,
        acknowledged_at,
        purge_at: acknowledged_at.saturating_add(purge_after_secs),
    };
    Ok(Ok(StoredResponse::json(200, &acknowledgement)?))
}

fn submit_session(transaction: &Transaction, record: &SessionRecord, now: i64) -> Result<Answer> {
    let id_text = record.session_id.to_string();
    let existing: Option<(Vec<u8>, i64)> = transaction
        .query_row(
            "SELECT digest, received_at FROM sessions WHERE session_id = ?1",
            [&id_text],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    if let Some((stored_digest, received_at)) = existing {
        // The digest covers the whole upload, its site included.
        if !crate::auth::hashes_equal(&hash_array(stored_digest)?, &record.digest) {
            return Ok(Err(Refusal::IdConflict));
        }
        let receipt = SessionReceipt {
            session_id: record.session_id,
            received_at,
        };
        return Ok(Ok(StoredResponse::json(200, &receipt)?));
    }
    let (month, started_at) = match record.corrects {
        None => (record.month.clone(), record.started_at),
        Some(original) => {
            let found: Option<(Option<String>, String, String, i64)> = transaction
                .query_row(
                    "SELECT corrects, site, month, started_at FROM sessions WHERE session_id = ?1",
                    [original.to_string()],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
                )
                .optional()?;
            let refuse = |message: &'static str| {
                Ok(Err(Refusal::Unprocessable {
                    code: crate::intake::INVALID_SESSION,
                    message,
                }))
            };
            match found {
                None => {
                    return Ok(Err(Refusal::NotYet {
                        code: codes::ORIGINAL_NOT_RECEIVED,
                        message: "corrects: the hub does not have the corrected session yet (it is sent first)",
                    }))
                }
                Some((Some(_), _, _, _)) => {
                    return refuse("corrects: that is a correction itself; correct the original session")
                }
                Some((None, site, _, _)) if site != record.site => {
                    return refuse("corrects: the corrected session is of another site")
                }
                Some((None, _, month, started_at)) => (month, started_at),
            }
        }
    };
    transaction.execute(
        "INSERT INTO sessions (session_id, corrects, site, month, kind, started_at, closed_at, submitted_by,
                               received_at, digest, summary)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            id_text,
            record.corrects.map(|original| original.to_string()),
            record.site,
            month,
            record.kind,
            started_at,
            record.closed_at,
            record.submitted_by,
            now,
            &record.digest[..],
            record.summary
        ],
    )?;
    if let Some(original) = record.corrects {
        let original = original.to_string();
        let mut remove = transaction.prepare(
            "DELETE FROM attendance WHERE code_hash = ?1
               AND session_id IN (SELECT ?2 UNION ALL SELECT session_id FROM sessions WHERE corrects = ?2)",
        )?;
        for code_hash in &record.removed {
            remove.execute(params![&code_hash[..], original])?;
        }
    }
    let mut attend = transaction.prepare(
        "INSERT INTO attendance (session_id, code_hash, site, month, gender, age_band, seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for line in &record.attendees {
        attend.execute(params![
            id_text,
            &line.code_hash[..],
            record.site,
            month,
            line.gender,
            line.age_band,
            started_at
        ])?;
    }
    let mut walk_in = transaction.prepare(
        "INSERT INTO walk_ins (session_id, site, month, gender, age_band, count) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (gender, age_band, count) in &record.walk_ins {
        walk_in.execute(params![id_text, record.site, month, gender, age_band, count])?;
    }
    let receipt = SessionReceipt {
        session_id: record.session_id,
        received_at: now,
    };
    Ok(Ok(StoredResponse::json(201, &receipt)?))
}

fn backup_token_hash(connection: &Connection, lookup_id: &str) -> Result<Option<[u8; 32]>> {
    let stored: Option<Vec<u8>> = connection
        .query_row(
            "SELECT write_token_sha256 FROM backups WHERE lookup_id = ?1",
            [lookup_id],
            |row| row.get(0),
        )
        .optional()?;
    stored.map(hash_array).transpose()
}

fn put_backup(
    transaction: &Transaction,
    lookup_id: &str,
    write_token_sha256: &[u8; 32],
    body: &[u8],
    now: i64,
) -> Result<Answer> {
    let receipt = BackupReceipt {
        stored_at: now,
        size: body.len() as u64,
    };
    match backup_token_hash(transaction, lookup_id)? {
        None => {
            transaction.execute(
                "INSERT INTO backups (lookup_id, write_token_sha256, body, size, stored_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![lookup_id, &write_token_sha256[..], body, body.len() as i64, now],
            )?;
            Ok(Ok(StoredResponse::json(201, &receipt)?))
        }
        Some(stored) if crate::auth::hashes_equal(&stored, write_token_sha256) => {
            transaction.execute(
                "UPDATE backups SET body = ?2, size = ?3, stored_at = ?4 WHERE lookup_id = ?1",
                params![lookup_id, body, body.len() as i64, now],
            )?;
            Ok(Ok(StoredResponse::json(200, &receipt)?))
        }
        Some(_) => Ok(Err(Refusal::Forbidden)),
    }
}

fn delete_backup(transaction: &Transaction, lookup_id: &str, write_token_sha256: &[u8; 32]) -> Result<Answer> {
    match backup_token_hash(transaction, lookup_id)? {
        Some(stored) if crate::auth::hashes_equal(&stored, write_token_sha256) => {
            transaction.execute("DELETE FROM backups WHERE lookup_id = ?1", [lookup_id])?;
            Ok(Ok(StoredResponse::empty(204)))
        }
        _ => Ok(Err(Refusal::NotFound)),
    }
}

fn revoke(connection: &Connection, token_id: &str, now: i64) -> Result<bool> {
    let changed = connection.execute(
        "UPDATE tokens SET revoked_at = coalesce(revoked_at, ?2) WHERE token_id = ?1",
        params![token_id, now],
    )?;
    Ok(changed > 0)
}

impl Store for SqliteStore {
    fn idempotent_write(&self, record: &IdempotencyRecord, op: WriteOp) -> Result<WriteOutcome> {
        let key = record.key.to_string();
        self.write(|transaction| {
            let seen: Option<(Vec<u8>, u16, Vec<u8>)> = transaction
                .query_row(
                    "SELECT fingerprint, status, response FROM idempotency
                     WHERE scope = ?1 AND route = ?2 AND key = ?3",
                    params![record.scope, record.route, key],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            if let Some((fingerprint, status, body)) = seen {
                return Ok(if fingerprint == record.fingerprint {
                    WriteOutcome::Replayed(StoredResponse { status, body })
                } else {
                    WriteOutcome::KeyReusedWithOtherBody
                });
            }
            let now = record.now;
            let answer = match &op {
                WriteOp::SubmitReport(submission) => submit_report(transaction, submission, now)?,
                WriteOp::AckReport {
                    report_id,
                    sites,
                    user_id,
                    purge_after_secs,
                } => ack_report(transaction, *report_id, sites, *user_id, *purge_after_secs, now)?,
                WriteOp::SubmitSession(session) => submit_session(transaction, session, now)?,
                WriteOp::PutBackup {
                    lookup_id,
                    write_token_sha256,
                    body,
                } => put_backup(transaction, lookup_id, write_token_sha256, body, now)?,
                WriteOp::DeleteBackup {
                    lookup_id,
                    write_token_sha256,
                } => delete_backup(transaction, lookup_id, write_token_sha256)?,
                WriteOp::RevokeToken { token_id } => match revoke(transaction, token_id, now)? {
                    true => Ok(StoredResponse::empty(204)),
                    false => Err(Refusal::NotFound),
                },
            };
            match answer {
                Ok(response) => {
                    transaction.execute(
                        "INSERT INTO idempotency (scope, route, key, fingerprint, status, response, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![
                            record.scope,
                            record.route,
                            key,
                            &record.fingerprint[..],
                            response.status,
                            response.body,
                            now
                        ],
                    )?;
                    Ok(WriteOutcome::Fresh(response))
                }
                Err(refusal) => Ok(WriteOutcome::Refused(refusal)),
            }
        })
    }

    fn report_state(&self, report_id: Uuid) -> Result<Option<ReportState>> {
        self.read(|connection| {
            let acknowledged: Option<Option<i64>> = connection
                .query_row(
                    "SELECT acknowledged_at FROM reports WHERE report_id = ?1",
                    [report_id.to_string()],
                    |row| row.get(0),
                )
                .optional()?;
            Ok(acknowledged.map(|at| match at {
                Some(_) => ReportState::Acknowledged,
                None => ReportState::Received,
            }))
        })
    }

    fn inbox(&self, query: &InboxQuery) -> Result<Vec<InboxEntry>> {
        if query.sites.is_empty() {
            return Ok(Vec::new());
        }
        let mut values: Vec<Value> = query.sites.iter().map(|site| Value::Text(site.clone())).collect();
        let placeholders = (1..=values.len())
            .map(|index| format!("?{index}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut sql = format!(
            "SELECT report_id, site, received_at, size, acknowledged_at, purged_at IS NOT NULL
             FROM reports WHERE site IN ({placeholders})"
        );
        if !query.include_acknowledged {
            sql.push_str(" AND acknowledged_at IS NULL");
        }
        if let Some((received_at, report_id)) = &query.after {
            let time = values.len() + 1;
            let id = values.len() + 2;
            sql.push_str(&format!(
                " AND (received_at > ?{time} OR (received_at = ?{time} AND report_id > ?{id}))"
            ));
            values.push(Value::Integer(*received_at));
            values.push(Value::Text(report_id.to_string()));
        }
        sql.push_str(&format!(" ORDER BY received_at, report_id LIMIT ?{}", values.len() + 1));
        values.push(Value::Integer(i64::from(query.limit) + 1));
        self.read(|connection| {
            let mut statement = connection.prepare(&sql)?;
            let rows = statement.query_map(rusqlite::params_from_iter(values), |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, Option<i64>>(4)?,
                    row.get::<_, bool>(5)?,
                ))
            })?;
            let mut entries = Vec::new();
            for row in rows {
                let (report_id, site, received_at, size, acknowledged_at, purged) = row?;
                entries.push(InboxEntry {
                    report_id: parse_uuid(&report_id)?,
                    site,
                    received_at,
                    size: size as u64,
                    acknowledged_at,
                    purged,
                });
            }
            Ok(entries)
        })
    }

    fn sealed_report(&self, report_id: Uuid, sites: &[String]) -> Result<SealedLookup> {
        self.read(|connection| {
            let found: Option<(String, i64, Option<Vec<u8>>)> = connection
                .query_row(
                    "SELECT site, received_at, sealed FROM reports WHERE report_id = ?1",
                    [report_id.to_string()],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            Ok(match found {
                Some((site, _, _)) if !sites.contains(&site) => SealedLookup::NotFound,
                None => SealedLookup::NotFound,
                Some((_, _, None)) => SealedLookup::Gone,
                Some((site, received_at, Some(sealed))) => SealedLookup::Found(SealedReport {
                    report_id,
                    site,
                    received_at,
                    sealed,
                }),
            })
        })
    }

    fn backup(&self, lookup_id: &str, write_token_sha256: &[u8; 32]) -> Result<Option<Vec<u8>>> {
        self.read(|connection| {
            let found: Option<(Vec<u8>, Vec<u8>)> = connection
                .query_row(
                    "SELECT write_token_sha256, body FROM backups WHERE lookup_id = ?1",
                    [lookup_id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let Some((stored, body)) = found else {
                return Ok(None);
            };
            Ok(crate::auth::hashes_equal(&hash_array(stored)?, write_token_sha256).then_some(body))
        })
    }

    fn credentials(&self, username: &str) -> Result<Option<Credentials>> {
        self.read(|connection| {
            type Row = (i64, Vec<u8>, Vec<u8>, u32, u32, u32, Option<i64>, String);
            let found: Option<Row> = connection
                .query_row(
                    "SELECT id, password_hash, password_salt, kdf_memory_kib, kdf_iterations, kdf_parallelism,
                            disabled_at, role
                     FROM users WHERE username = ?1",
                    [username],
                    |row| {
                        Ok((
                            row.get(0)?,
                            row.get(1)?,
                            row.get(2)?,
                            row.get(3)?,
                            row.get(4)?,
                            row.get(5)?,
                            row.get(6)?,
                            row.get(7)?,
                        ))
                    },
                )
                .optional()?;
            let Some((user_id, hash, salt, memory_kib, iterations, parallelism, disabled_at, role)) = found else {
                return Ok(None);
            };
            let salt: [u8; 16] = salt
                .try_into()
                .map_err(|_| HubError::Internal("a stored salt has the wrong length".into()))?;
            Ok(Some(Credentials {
                user_id,
                password: PasswordHash {
                    salt,
                    params: KdfParams {
                        memory_kib,
                        iterations,
                        parallelism,
                    },
                    hash: hash_array(hash)?,
                },
                disabled: disabled_at.is_some(),
                role: parse_role(&role)?,
                sites: sites_of(connection, user_id)?,
            }))
        })
    }

    fn create_token(&self, token: NewToken) -> Result<()> {
        self.write(|transaction| {
            transaction.execute(
                "INSERT INTO tokens (token_id, user_id, token_sha256, device_label, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    token.token_id,
                    token.user_id,
                    &token.token_sha256[..],
                    token.device_label,
                    token.now
                ],
            )?;
            Ok(())
        })
    }

    fn authenticate(&self, token_sha256: &[u8; 32], now: i64) -> Result<Option<Caller>> {
        let found = self.read(|connection| {
            let found: Option<(String, Option<i64>, i64, String, String)> = connection
                .query_row(
                    "SELECT tokens.token_id, tokens.last_used_at, users.id, users.username, users.role
                     FROM tokens JOIN users ON users.id = tokens.user_id
                     WHERE tokens.token_sha256 = ?1 AND tokens.revoked_at IS NULL AND users.disabled_at IS NULL",
                    [&token_sha256[..]],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)),
                )
                .optional()?;
            let Some((token_id, last_used_at, user_id, username, role)) = found else {
                return Ok(None);
            };
            let caller = Caller {
                user_id,
                username,
                role: parse_role(&role)?,
                sites: sites_of(connection, user_id)?,
                token_id,
            };
            Ok(Some((caller, last_used_at)))
        })?;
        let Some((caller, last_used_at)) = found else {
            return Ok(None);
        };
        if last_used_at.is_none_or(|last| now - last >= LAST_USED_RESOLUTION_SECS) {
            self.write(|transaction| {
                transaction.execute(
                    "UPDATE tokens SET last_used_at = ?2 WHERE token_id = ?1",
                    params![caller.token_id, now],
                )?;
                Ok(())
            })?;
        }
        Ok(Some(caller))
    }

    fn revoke_token(&self, token_id: &str, now: i64) -> Result<bool> {
        self.write(|transaction| revoke(transaction, token_id, now))
    }

    fn list_tokens(&self) -> Result<Vec<TokenInfo>> {
        self.read(|connection| {
            let mut statement = connection.prepare(
                "SELECT tokens.token_id, users.username, tokens.device_label, tokens.created_at,
                        tokens.last_used_at, tokens.revoked_at
                 FROM tokens JOIN users ON users.id = tokens.user_id
                 ORDER BY tokens.created_at, tokens.token_id",
            )?;
            let tokens = statement
                .query_map([], |row| {
                    Ok(TokenInfo {
                        token_id: row.get(0)?,
                        username: row.get(1)?,
                        device_label: row.get(2)?,
                        created_at: row.get(3)?,
                        last_used_at: row.get(4)?,
                        revoked_at: row.get(5)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(tokens)
        })
    }

    fn add_user(&self, user: NewUser) -> Result<()> {
        self.write(|transaction| {
            let taken: bool = transaction.query_row(
                "SELECT EXISTS (SELECT 1 FROM users WHERE username = ?1)",
                [&user.username],
                |row| row.get(0),
            )?;
            if taken {
                return Err(HubError::UserExists(user.username.clone()));
            }
            transaction.execute(
                "INSERT INTO users (username, role, password_hash, password_salt, kdf_memory_kib, kdf_iterations,
                                    kdf_parallelism, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    user.username,
                    user.role.as_str(),
                    &user.password.hash[..],
                    &user.password.salt[..],
                    user.password.params.memory_kib,
                    user.password.params.iterations,
                    user.password.params.parallelism,
                    user.now
                ],
            )?;
            let user_id = transaction.last_insert_rowid();
            for site in &user.sites {
                transaction.execute(
                    "INSERT OR IGNORE INTO user_sites (user_id, site) VALUES (?1, ?2)",
                    params![user_id, site],
                )?;
            }
            Ok(())
        })
    }

    fn list_users(&self) -> Result<Vec<UserInfo>> {
        self.read(|connection| {
            let mut statement = connection
                .prepare("SELECT id, username, role, created_at, disabled_at FROM users ORDER BY username")?;
            let rows: Vec<(i64, String, String, i64, Option<i64>)> = statement
                .query_map([], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?))
                })?
                .collect::<rusqlite::Result<_>>()?;
            rows.into_iter()
                .map(|(user_id, username, role, created_at, disabled_at)| {
                    Ok(UserInfo {
                        username,
                        role: parse_role(&role)?,
                        sites: sites_of(connection, user_id)?,
                        created_at,
                        disabled: disabled_at.is_some(),
                        disabled_at,
                    })
                })
                .collect()
        })
    }

    fn set_password(&self, username: &str, password: &PasswordHash) -> Result<()> {
        self.write(|transaction| {
            let changed = transaction.execute(
                "UPDATE users SET password_hash = ?2, password_salt = ?3, kdf_memory_kib = ?4, kdf_iterations = ?5,
                                  kdf_parallelism = ?6
                 WHERE username = ?1",
                params![
                    username,
                    &password.hash[..],
                    &password.salt[..],
                    password.params.memory_kib,
                    password.params.iterations,
                    password.params.parallelism
                ],
            )?;
            if changed == 0 {
                return Err(HubError::NoSuchUser(username.to_owned()));
            }
            Ok(())
        })
    }

    fn disable_user(&self, username: &str, now: i64) -> Result<()> {
        self.write(|transaction| {
            let user_id: Option<i64> = transaction
                .query_row("SELECT id FROM users WHERE username = ?1", [username], |row| row.get(0))
                .optional()?;
            let Some(user_id) = user_id else {
                return Err(HubError::NoSuchUser(username.to_owned()));
            };
            transaction.execute(
                "UPDATE users SET disabled_at = coalesce(disabled_at, ?2) WHERE id = ?1",
                params![user_id, now],
            )?;
            transaction.execute(
                "UPDATE tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL",
                params![user_id, now],
            )?;
            Ok(())
        })
    }

    fn maintenance(&self, now: i64, retention: &Retention) -> Result<MaintenanceReport> {
        let report = self.write(|transaction| {
            let purged_reports = transaction.execute(
                "UPDATE reports SET sealed = NULL, purged_at = ?1
                 WHERE purged_at IS NULL AND acknowledged_at IS NOT NULL AND acknowledged_at <= ?2",
                params![now, now.saturating_sub(retention.purge_after_secs)],
            )?;
            let expired_idempotency_keys = transaction.execute(
                "DELETE FROM idempotency WHERE created_at <= ?1",
                [now.saturating_sub(retention.idempotency_secs)],
            )?;
            let removed_tokens = transaction.execute(
                "DELETE FROM tokens WHERE revoked_at IS NOT NULL AND revoked_at <= ?1",
                [now.saturating_sub(retention.revoked_token_secs)],
            )?;
            Ok(MaintenanceReport {
                purged_reports: purged_reports as u64,
                expired_idempotency_keys: expired_idempotency_keys as u64,
                removed_tokens: removed_tokens as u64,
            })
        })?;
        // secure_delete zeroed the freed pages in the database file; the WAL still holds copies of
        // the purged pages until it is written back and truncated. A reader holding an old
        // snapshot can keep the truncation from finishing; the next run tries again.
        let connection = lock(&self.writer);
        connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::HubConfig;

    #[test]
    fn a_fresh_database_has_the_current_schema_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        drop(SqliteStore::open(&data).unwrap());
        let store = SqliteStore::open(&data).unwrap();
        let version: u32 = lock(&store.writer)
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA.current);
        let journal: String = lock(&store.writer)
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .unwrap();
        assert_eq!(journal, "wal");
    }

    /// The settings every answer's durability rests on. A crash test cannot catch
    /// `synchronous=OFF` (the page cache survives a killed process), so they are read back here
    /// from the writer and from a reader.
    #[test]
    fn every_connection_is_durable_wal_with_secure_delete() {
        fn settings(connection: &Connection) -> (i64, String, i64, i64) {
            let pragma = |name: &str| -> i64 {
                connection
                    .query_row(&format!("PRAGMA {name}"), [], |row| row.get(0))
                    .unwrap()
            };
            let journal: String = connection
                .query_row("PRAGMA journal_mode", [], |row| row.get(0))
                .unwrap();
            (
                pragma("synchronous"),
                journal,
                pragma("secure_delete"),
                pragma("foreign_keys"),
            )
        }
        let expected = (2, "wal".to_owned(), 1, 1);
        let dir = tempfile::tempdir().unwrap();
        drop(SqliteStore::open(dir.path()).unwrap());
        let store = SqliteStore::open_existing(dir.path()).unwrap();
        assert_eq!(settings(&lock(&store.writer)), expected, "writer");
        let from_reader = store.read(|connection| Ok(settings(connection))).unwrap();
        assert_eq!(from_reader, expected, "reader");
        // The pooled reader, taken again, still has them.
        assert_eq!(lock(&store.readers).len(), 1);
        assert_eq!(store.read(|connection| Ok(settings(connection))).unwrap(), expected);
    }

    #[cfg(unix)]
    #[test]
    fn the_database_files_are_readable_by_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        std::fs::set_permissions(dir.path().join("data"), std::fs::Permissions::from_mode(0o755)).unwrap();
        let store = SqliteStore::open(&dir.path().join("data")).unwrap();
        store
            .maintenance(
                0,
                &HubConfig::new(dir.path(), "127.0.0.1:0".parse().unwrap()).retention(),
            )
            .unwrap();
        let mut checked = 0;
        for name in [DATABASE_FILE, "hub.db-wal", "hub.db-shm"] {
            if let Ok(metadata) = std::fs::metadata(dir.path().join("data").join(name)) {
                assert_eq!(metadata.permissions().mode() & 0o077, 0, "{name}");
                checked += 1;
            }
        }
        assert!(checked >= 2);
    }

    fn schema_of(path: &Path) -> Vec<(String, String, Option<String>)> {
        let connection = Connection::open(path).unwrap();
        let mut statement = connection
            .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
            .unwrap();
        let rows = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap();
        rows
    }

    /// A version 1 database (plaintext session bodies) is brought to version 2 with the same
    /// tables and indexes as a fresh one, and the old bodies are gone.
    #[test]
    fn a_version_1_database_migrates_to_the_fresh_schema() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old");
        std::fs::create_dir(&old).unwrap();
        {
            let connection = Connection::open(old.join(DATABASE_FILE)).unwrap();
            connection.execute_batch(concat!(common_tables!(), "\n")).unwrap();
            connection.execute_batch(SESSIONS_V1).unwrap();
            connection
                .execute_batch(
                    "INSERT INTO users (username, role, password_hash, password_salt, kdf_memory_kib, kdf_iterations,
                                        kdf_parallelism, created_at)
                     VALUES ('educator', 'educator', x'00', x'00', 1, 1, 1, 0);
                     INSERT INTO sessions VALUES ('s', 'beitbridge', 'PLAINTEXT-BODY', x'00', 1, 0);
                     PRAGMA user_version = 1;",
                )
                .unwrap();
        }
        drop(SqliteStore::open(&old).unwrap());
        let fresh = dir.path().join("fresh");
        drop(SqliteStore::open(&fresh).unwrap());
        assert_eq!(
            schema_of(&old.join(DATABASE_FILE)),
            schema_of(&fresh.join(DATABASE_FILE))
        );
        let connection = Connection::open(old.join(DATABASE_FILE)).unwrap();
        let version: u32 = connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA.current);
        let users: i64 = connection
            .query_row("SELECT count(*) FROM users", [], |row| row.get(0))
            .unwrap();
        assert_eq!(users, 1, "accounts survive the upgrade");
        let sessions: i64 = connection
            .query_row("SELECT count(*) FROM sessions", [], |row| row.get(0))
            .unwrap();
        assert_eq!(sessions, 0);
    }

    #[test]
    fn a_newer_schema_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        drop(SqliteStore::open(dir.path()).unwrap());
        let connection = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
        connection.pragma_update(None, "user_version", 99).unwrap();
        drop(connection);
        assert!(matches!(
            SqliteStore::open(dir.path()),
            Err(HubError::NewerSchema { found: 99, .. })
        ));
    }
}
