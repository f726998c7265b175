//! The transactional outbox: writes for the hub wait here until the hub has them.
//!
//! A capability that sends something (a sealed report, a closed session) enqueues the exact
//! request — method, path, Idempotency-Key, body bytes — inside the same device-store
//! transaction as its own bookkeeping ([`DeviceStore::transaction`]), so the two can never
//! disagree after a crash. [`drain`] sends due items one by one and deletes an item only after
//! the hub answered 2xx; a retry sends the very same bytes with the very same key, so the hub
//! stores each item exactly once however often a response is lost. Failures that may pass
//! (network, 409, 429, 5xx) are retried with full-jitter backoff honouring `Retry-After`;
//! refusals (other 4xx) are kept, marked refused with the hub's reason, never silently dropped.
//!
//! The outbox lives in the device store (`synchronous=FULL`), which opens without the PIN, so a
//! locked phone can still send. It must only ever hold bytes that nobody on the phone can read
//! (sealed reports) or that reveal nothing about the person.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::Method;
use rusqlite::{params, Connection, OptionalExtension};

use super::account;
use super::client::{Auth, HubClient, HubResponse, PreparedRequest};
use super::wire::Uuid;
use super::Backoff;
use crate::error::{Error, Result};
use crate::store::device::DeviceStore;

/// The kind of a sealed report submission.
pub const KIND_REPORT: &str = "report";
/// The kind of a closed peer-educator session.
pub const KIND_SESSION: &str = "session";

/// The device-store namespace where a delivered session's id waits until its educator's profile
/// is opened and purges the session's attendee codes (the key is the session id; nothing else).
pub const DELIVERED_SESSIONS: &str = "sessions.delivered";

/// How an item authenticates when it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxAuth {
    /// Nothing at all (reports: nothing may link two of them).
    Anonymous,
    /// The device's hub account token, read when the item is sent (a tablet that logs in again
    /// sends its waiting items with the new token).
    Account,
}

impl OutboxAuth {
    fn as_str(self) -> &'static str {
        match self {
            OutboxAuth::Anonymous => "anonymous",
            OutboxAuth::Account => "account",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemState {
    /// Waiting to be sent (again).
    Pending,
    /// The hub refused it; kept with the reason until someone retries or discards it.
    Refused,
}

/// An item as lists show it (no body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub kind: String,
    pub idempotency_key: Uuid,
    pub created_at: i64,
    pub attempts: u32,
    pub next_attempt_at_ms: i64,
    pub state: ItemState,
    /// The last failure, in words (no secret, no body).
    pub last_error: Option<String>,
}

/// Puts a request in the outbox. Call inside [`DeviceStore::transaction`] together with the
/// caller's own writes. The request must carry an Idempotency-Key.
pub fn enqueue(
    connection: &Connection,
    kind: &str,
    request: &PreparedRequest,
    auth: OutboxAuth,
    now_unix: i64,
) -> Result<i64> {
    enqueue_with_priority(connection, kind, request, auth, now_unix, 0)
}

/// [`enqueue`] with a priority: higher goes first (an SOS before everything else).
pub fn enqueue_with_priority(
    connection: &Connection,
    kind: &str,
    request: &PreparedRequest,
    auth: OutboxAuth,
    now_unix: i64,
    priority: i64,
) -> Result<i64> {
    let key = request
        .idempotency_key
        .ok_or_else(|| Error::Internal("an outbox request needs an idempotency key".into()))?;
    connection.execute(
        "INSERT INTO outbox (kind, method, path, idempotency_key, content_type, body, auth, created_at,
                             next_attempt_at_ms, priority)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9)",
        params![
            kind,
            request.method.as_str(),
            request.path,
            key.hyphenated().to_string(),
            request.content_type,
            request.body,
            auth.as_str(),
            now_unix,
            priority
        ],
    )?;
    Ok(connection.last_insert_rowid())
}

pub fn list(store: &DeviceStore) -> Result<Vec<OutboxEntry>> {
    let mut statement = store.connection().prepare(
        "SELECT id, kind, idempotency_key, created_at, attempts, next_attempt_at_ms, state, last_error
         FROM outbox ORDER BY id",
    )?;
    let rows = statement.query_map([], entry_of_row)?;
    rows.collect::<rusqlite::Result<Vec<_>>>()?.into_iter().collect()
}

/// How many items wait, of one kind (or all kinds).
pub fn pending_count(store: &DeviceStore, kind: Option<&str>) -> Result<u32> {
    let count: i64 = store.connection().query_row(
        "SELECT count(*) FROM outbox WHERE state = 'pending' AND (?1 IS NULL OR kind = ?1)",
        [kind],
        |row| row.get(0),
    )?;
    Ok(count as u32)
}

/// How many items of one kind (or all kinds) the outbox holds, waiting or refused: what a quick
/// delete would lose.
pub fn count(store: &DeviceStore, kind: Option<&str>) -> Result<u32> {
    let count: i64 = store.connection().query_row(
        "SELECT count(*) FROM outbox WHERE ?1 IS NULL OR kind = ?1",
        [kind],
        |row| row.get(0),
    )?;
    Ok(count as u32)
}

/// The state of the item with this Idempotency-Key, if it is still in the outbox.
pub fn state_of(store: &DeviceStore, idempotency_key: Uuid) -> Result<Option<ItemState>> {
    let state: Option<String> = store
        .connection()
        .query_row(
            "SELECT state FROM outbox WHERE idempotency_key = ?1",
            [idempotency_key.hyphenated().to_string()],
            |row| row.get(0),
        )
        .optional()?;
    Ok(state.map(|state| {
        if state == "refused" {
            ItemState::Refused
        } else {
            ItemState::Pending
        }
    }))
}

/// Makes a refused item pending again (after the cause was fixed). Returns whether it existed.
pub fn retry(store: &DeviceStore, id: i64) -> Result<bool> {
    Ok(store.connection().execute(
        "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at_ms = 0 WHERE id = ?1",
        [id],
    )? > 0)
}

/// Deletes an item without sending it (a person's explicit choice).
pub fn discard(store: &DeviceStore, id: i64) -> Result<bool> {
    Ok(store.connection().execute("DELETE FROM outbox WHERE id = ?1", [id])? > 0)
}

fn entry_of_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<OutboxEntry>> {
    let key: String = row.get(2)?;
    let state: String = row.get(6)?;
    Ok((|| {
        Ok(OutboxEntry {
            id: row.get(0)?,
            kind: row.get(1)?,
            idempotency_key: Uuid::parse_str(&key).map_err(|_| Error::DatabaseDamaged)?,
            created_at: row.get(3)?,
            attempts: row.get::<_, i64>(4)?.clamp(0, u32::MAX as i64) as u32,
            next_attempt_at_ms: row.get(5)?,
            state: if state == "refused" {
                ItemState::Refused
            } else {
                ItemState::Pending
            },
            last_error: row.get(7)?,
        })
    })())
}

/// What one drain did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrainReport {
    /// Items the hub now has (deleted from the outbox), in the order they were sent.
    pub delivered: Vec<Delivered>,
    /// Items the hub refused during this drain (kept, marked refused).
    pub refused: u32,
    /// Items still waiting.
    pub pending: u32,
    /// When the earliest waiting item is due, from now.
    pub next_attempt_in: Option<Duration>,
    /// Items that need the device's account wait because it is not logged in (or its token was
    /// revoked): log in again to send them.
    pub needs_login: bool,
}

/// An item the hub acknowledged, with its answer (a receipt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub kind: String,
    pub idempotency_key: Uuid,
    pub status: u16,
    pub response: Vec<u8>,
}

/// How long a drain goes on.
#[derive(Debug, Clone, Copy, Default)]
pub struct DrainOptions {
    pub backoff: Backoff,
    /// Keep going (sleeping until items are due) until the outbox is empty or this much time has
    /// passed. `None`: one pass over the items that are due now.
    pub keep_trying_for: Option<Duration>,
}

struct DueItem {
    id: i64,
    kind: String,
    request: PreparedRequest,
    auth: OutboxAuth,
    attempts: u32,
    priority: i64,
}

/// The longest pause between two tries of an item with a priority (an SOS): it must not wait
/// fifteen minutes behind a flaky network.
const PRIORITY_BACKOFF_CAP: Duration = Duration::from_secs(30);

/// Sends the due items of the outbox in `store` to the hub. `progress(done, total)` after each item.
pub async fn drain(
    store: DeviceStore,
    client: &HubClient,
    options: DrainOptions,
    progress: &mut (dyn FnMut(u32, u32) + Send),
) -> Result<DrainReport> {
    let started = Instant::now();
    let mut report = DrainReport::default();
    let mut done = 0u32;
    loop {
        let skip_account = report.needs_login;
        // The token only goes to the hub (and pins) it was issued by.
        let token = if skip_account {
            None
        } else {
            account::token_for(&store, client)?
        };
        let due = due_items(&store, now_ms(), token.is_some())?;
        if token.is_none() && has_pending(&store, Some(OutboxAuth::Account))? {
            report.needs_login = true;
        }
        let total = done + due.len() as u32;
        for item in due {
            let auth = match (item.auth, &token) {
                (OutboxAuth::Anonymous, _) => Auth::Anonymous,
                (OutboxAuth::Account, Some(token)) => Auth::Bearer(token.clone()),
                (OutboxAuth::Account, None) => continue,
            };
            let outcome = client.send(&item.request, &auth).await;
            settle(&store, &item, outcome, &options, &mut report)?;
            done += 1;
            progress(done, total);
            if report.needs_login && item.auth == OutboxAuth::Account {
                break;
            }
        }
        let next = next_due_ms(&store, !report.needs_login)?;
        report.pending = pending_count(&store, None)?;
        report.next_attempt_in = next.map(|at| Duration::from_millis(at.saturating_sub(now_ms()).max(0) as u64));
        let Some(budget) = options.keep_trying_for else {
            return Ok(report);
        };
        let Some(wait) = report.next_attempt_in else {
            return Ok(report);
        };
        let elapsed = started.elapsed();
        if elapsed + wait > budget {
            return Ok(report);
        }
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

fn settle(
    store: &DeviceStore,
    item: &DueItem,
    outcome: Result<HubResponse>,
    options: &DrainOptions,
    report: &mut DrainReport,
) -> Result<()> {
    let connection = store.connection();
    match outcome {
        Ok(response) if response.is_success() && !is_the_hubs_receipt(item, &response) => {
            // A 2xx that is not the hub's receipt (a captive portal's page, a proxy): the hub
            // may never have seen the item. Keep it.
            reschedule(
                connection,
                item,
                options,
                None,
                "an answer that is not the hub's (a captive portal?)",
            )?;
        }
        Ok(response) if response.is_success() => {
            let transaction = connection.unchecked_transaction()?;
            transaction.execute("DELETE FROM outbox WHERE id = ?1", [item.id])?;
            if item.kind == KIND_SESSION {
                // The educator's profile may be locked now: it learns of the delivery from this
                // mark when it is next opened, and purges the session's attendee codes then.
                if let Some(key) = item.request.idempotency_key {
                    DeviceStore::put_in(
                        &transaction,
                        DELIVERED_SESSIONS,
                        &key.hyphenated().to_string(),
                        &now_ms().to_be_bytes(),
                    )?;
                }
            }
            transaction.commit()?;
            report.delivered.push(Delivered {
                kind: item.kind.clone(),
                idempotency_key: item.request.idempotency_key.unwrap_or_default(),
                status: response.status,
                response: response.body,
            });
        }
        Ok(response) if response.status == 401 && item.auth == OutboxAuth::Account => {
            report.needs_login = true;
            reschedule(
                connection,
                item,
                options,
                None,
                "the hub no longer accepts this device's login",
            )?;
        }
        Ok(response) if response.is_retryable_failure() => {
            let retry_after = response.retry_after;
            let reason = response.into_error().to_string();
            reschedule(connection, item, options, retry_after, &reason)?;
        }
        Ok(response) => match response.into_error() {
            // Only the hub's own JSON refusal marks an item refused; anything else (a redirect,
            // a proxy's page) may pass and is retried.
            refusal @ Error::HubRefused { .. } => {
                connection.execute(
                    "UPDATE outbox SET state = 'refused', attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                    params![item.id, refusal.to_string()],
                )?;
                report.refused += 1;
            }
            other => reschedule(connection, item, options, None, &other.to_string())?,
        },
        Err(Error::Network {
            retryable: true,
            reason,
        }) => reschedule(connection, item, options, None, &reason)?,
        Err(Error::Network {
            retryable: false,
            reason,
        }) => {
            // A certificate that is not the programme's: the network is lying. Try again later
            // (another network may be honest), but never faster than the backoff.
            reschedule(connection, item, options, None, &reason)?
        }
        Err(other) => return Err(other),
    }
    Ok(())
}

/// Whether a 2xx answer is the hub's receipt for this item: a JSON object whose id, if it names
/// one, is the item's (reports and sessions use their id as the Idempotency-Key), or an empty 204.
fn is_the_hubs_receipt(item: &DueItem, response: &HubResponse) -> bool {
    if response.status == 204 {
        return response.body.is_empty();
    }
    let Ok(serde_json::Value::Object(receipt)) = serde_json::from_slice::<serde_json::Value>(&response.body) else {
        return false;
    };
    let key = item.request.idempotency_key.map(|key| key.hyphenated().to_string());
    ["report_id", "session_id"]
        .iter()
        .all(|field| match receipt.get(*field) {
            None => true,
            Some(value) => value.as_str().map(str::to_string) == key,
        })
}

fn reschedule(
    connection: &Connection,
    item: &DueItem,
    options: &DrainOptions,
    retry_after: Option<Duration>,
    reason: &str,
) -> Result<()> {
    let failures = item.attempts.saturating_add(1);
    let backoff = if item.priority > 0 {
        Backoff {
            base: options.backoff.base.min(PRIORITY_BACKOFF_CAP),
            cap: options.backoff.cap.min(PRIORITY_BACKOFF_CAP),
        }
    } else {
        options.backoff
    };
    let delay = backoff.delay(failures, retry_after)?;
    connection.execute(
        "UPDATE outbox SET attempts = ?2, next_attempt_at_ms = ?3, last_error = ?4 WHERE id = ?1",
        params![
            item.id,
            failures,
            now_ms().saturating_add(delay.as_millis() as i64),
            reason
        ],
    )?;
    Ok(())
}

fn due_items(store: &DeviceStore, now_ms: i64, with_account: bool) -> Result<Vec<DueItem>> {
    let mut statement = store.connection().prepare(
        "SELECT id, kind, method, path, idempotency_key, content_type, body, auth, attempts, priority
         FROM outbox
         WHERE state = 'pending' AND next_attempt_at_ms <= ?1 AND (?2 OR auth = 'anonymous')
           -- While something with a priority waits (an SOS), nothing less urgent goes before it.
           AND priority >= (SELECT coalesce(max(priority), 0) FROM outbox WHERE state = 'pending')
         ORDER BY priority DESC, next_attempt_at_ms, id",
    )?;
    let rows = statement.query_map(params![now_ms, with_account], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, String>(4)?,
            row.get::<_, String>(5)?,
            row.get::<_, Vec<u8>>(6)?,
            row.get::<_, String>(7)?,
            row.get::<_, i64>(8)?,
            row.get::<_, i64>(9)?,
        ))
    })?;
    let mut items = Vec::new();
    for row in rows {
        let (id, kind, method, path, key, content_type, body, auth, attempts, priority) = row?;
        items.push(DueItem {
            id,
            kind,
            request: PreparedRequest {
                method: Method::from_bytes(method.as_bytes()).map_err(|_| Error::DatabaseDamaged)?,
                path,
                idempotency_key: Some(Uuid::parse_str(&key).map_err(|_| Error::DatabaseDamaged)?),
                content_type: known_content_type(&content_type)?,
                body,
            },
            auth: if auth == "account" {
                OutboxAuth::Account
            } else {
                OutboxAuth::Anonymous
            },
            attempts: attempts.clamp(0, u32::MAX as i64) as u32,
            priority,
        });
    }
    Ok(items)
}

fn known_content_type(text: &str) -> Result<&'static str> {
    match text {
        "application/json" => Ok("application/json"),
        "application/octet-stream" => Ok("application/octet-stream"),
        _ => Err(Error::DatabaseDamaged),
    }
}

fn has_pending(store: &DeviceStore, auth: Option<OutboxAuth>) -> Result<bool> {
    Ok(store
        .connection()
        .query_row(
            "SELECT 1 FROM outbox WHERE state = 'pending' AND (?1 IS NULL OR auth = ?1) LIMIT 1",
            [auth.map(OutboxAuth::as_str)],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn next_due_ms(store: &DeviceStore, with_account: bool) -> Result<Option<i64>> {
    Ok(store.connection().query_row(
        "SELECT min(next_attempt_at_ms) FROM outbox WHERE state = 'pending' AND (?1 OR auth = 'anonymous')
           AND priority >= (SELECT coalesce(max(priority), 0) FROM outbox WHERE state = 'pending')",
        [with_account],
        |row| row.get(0),
    )?)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or(0)
}
