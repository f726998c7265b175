//! Filing a report from an unlocked profile: drafts kept in the vault until submitted, the home
//! team, sealing at submission, the outbox, an SOS that goes before everything else, and the
//! states a person may see (queued, sent, received by the team) without the contents.
//!
//! On submission the report is sealed to the team's key (or the programme-wide key) from the
//! safety-signed part of the content, queued in the device store's outbox (which still sends
//! while the phone is locked), and its draft is deleted (`secure_delete`, then the WAL is
//! checkpointed and truncated). No readable copy stays on the phone unless the person chose a
//! private copy, which stays in their encrypted profile.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::model::{ReportBody, SafeContact, SealedPayload, Sos};
use super::seal::{self, TeamPublicKey};
use super::urgency::{self, Urgency};
use crate::content::library;
use crate::content::metadata::Safety;
use crate::error::{Error, Result};
use crate::store::profile;
use crate::sync::outbox::{self, OutboxAuth};
use crate::sync::wire::{self, ReportSubmission, Uuid};
use crate::sync::{HubClient, PreparedRequest};
use crate::vault::Session;

const HOME_TEAM_META_KEY: &str = "reports.home_team";
/// The routing site of reports sealed to the programme-wide key.
pub const PROGRAMME_SITE: &str = "programme";
/// A draft's JSON is at most this large.
pub const MAX_DRAFT_LEN: usize = 64 * 1024;
/// Outbox priority of an SOS (ordinary items are 0).
const SOS_PRIORITY: i64 = 100;

/// What a person may see of a submitted report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// Sealed and waiting to be sent.
    Queued,
    /// The hub has it (it confirmed so).
    Sent,
    /// A Crisis Response Team coordinator has it.
    Received,
    /// The hub refused it (the reason is in the outbox); it may be retried.
    Refused,
    /// It never left the phone (interrupted before it was queued, or discarded): file it again.
    NotSent,
}

impl ReportState {
    fn as_str(self) -> &'static str {
        match self {
            ReportState::Queued => "queued",
            ReportState::Sent => "sent",
            ReportState::Received => "received",
            ReportState::Refused => "refused",
            ReportState::NotSent => "not_sent",
        }
    }

    fn parse(text: &str) -> Result<ReportState> {
        Ok(match text {
            // A report being queued right now is shown as queued.
            "queued" | "pending" => ReportState::Queued,
            "sent" => ReportState::Sent,
            "received" => ReportState::Received,
            "refused" => ReportState::Refused,
            "not_sent" => ReportState::NotSent,
            _ => return Err(Error::DatabaseDamaged),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Quick,
    Full,
    Sos,
}

impl ReportKind {
    fn of(body: &ReportBody) -> ReportKind {
        match body {
            ReportBody::Quick(_) => ReportKind::Quick,
            ReportBody::Full(_) => ReportKind::Full,
            ReportBody::Sos(_) => ReportKind::Sos,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            ReportKind::Quick => "quick",
            ReportKind::Full => "full",
            ReportKind::Sos => "sos",
        }
    }

    fn parse(text: &str) -> Result<ReportKind> {
        Ok(match text {
            "quick" => ReportKind::Quick,
            "full" => ReportKind::Full,
            "sos" => ReportKind::Sos,
            _ => return Err(Error::DatabaseDamaged),
        })
    }
}

/// A line of the person's report list: never the contents (unless they kept a private copy,
/// which `journal` returns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportInfo {
    pub report_id: Uuid,
    pub kind: ReportKind,
    pub created_at: i64,
    pub state: ReportState,
    pub kept_private_copy: bool,
}

/// What submitting returns: the id, and what the shell must show before anything else.
pub struct Submitted {
    pub report_id: Uuid,
    pub urgency: Urgency,
    /// The team key came from a safety document that has expired (the report is sealed and
    /// queued anyway; the shell suggests updating the content).
    pub key_may_be_out_of_date: bool,
}

/// What an SOS returns: the numbers the shell offers to call or text.
pub struct SosSent {
    pub report_id: Uuid,
    pub emergency_numbers: Vec<String>,
}

fn installed_safety(session: &Session) -> Result<(Safety, bool)> {
    library::safety_for(session)?.ok_or_else(|| {
        Error::invalid(
            "reports",
            "the programme's Crisis Response Team keys are not on this phone yet: update the content first",
        )
    })
}

/// The person's home team (`None`: reports go to the programme-wide key).
pub fn home_team(session: &Session) -> Result<Option<String>> {
    let bytes = session.with_connection(|connection| profile::meta_get(connection, HOME_TEAM_META_KEY))?;
    Ok(bytes.and_then(|bytes| String::from_utf8(bytes).ok()))
}

/// Chooses the home team by id (from the safety document), or none.
pub fn set_home_team(session: &Session, team_id: Option<&str>) -> Result<()> {
    match team_id {
        Some(team_id) => {
            let (safety, _) = installed_safety(session)?;
            if !safety.teams.iter().any(|team| team.id == team_id) {
                return Err(Error::invalid(
                    "team",
                    "no such Crisis Response Team in the programme's list",
                ));
            }
            session.with_connection(|connection| profile::meta_set(connection, HOME_TEAM_META_KEY, team_id.as_bytes()))
        }
        None => session.with_connection(|connection| {
            connection.execute("DELETE FROM profile_meta WHERE key = ?1", [HOME_TEAM_META_KEY])?;
            Ok(())
        }),
    }
}

/// The key a report is sealed to, and what the hub routes it by: the team's id (coordinators'
/// accounts name the teams they serve), or `programme` for the programme-wide key.
fn destination(session: &Session, safety: &Safety) -> Result<(TeamPublicKey, String)> {
    if let Some(team_id) = home_team(session)? {
        if let Some(team) = safety.teams.iter().find(|team| team.id == team_id) {
            return Ok((TeamPublicKey::from_metadata(&team.key)?, team.id.clone()));
        }
    }
    Ok((
        TeamPublicKey::from_metadata(&safety.programme_key)?,
        PROGRAMME_SITE.to_string(),
    ))
}

/// Saves (or replaces) a draft: any JSON object, kept encrypted in the profile until submitted.
/// Returns its id.
pub fn save_draft(session: &Session, draft_id: Option<&str>, draft: &serde_json::Value) -> Result<String> {
    if !draft.is_object() {
        return Err(Error::invalid("draft", "a draft is a JSON object"));
    }
    let body = Zeroizing::new(serde_json::to_string(draft).map_err(|_| Error::Internal("draft encoding".into()))?);
    if body.len() > MAX_DRAFT_LEN {
        return Err(Error::invalid("draft", "a draft is at most 64 KiB"));
    }
    let id = match draft_id {
        Some(id) => Uuid::parse_str(id)
            .map_err(|_| Error::invalid("draft", "not a draft id"))?
            .hyphenated()
            .to_string(),
        None => Uuid::new_v4().hyphenated().to_string(),
    };
    let now = session.vault().clock_now_unix();
    session.with_connection(|connection| {
        connection.execute(
            "INSERT INTO report_drafts (id, body, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            params![id, body.as_str(), now],
        )?;
        Ok(())
    })?;
    Ok(id)
}

/// A draft's JSON.
pub fn draft(session: &Session, draft_id: &str) -> Result<Option<serde_json::Value>> {
    let body: Option<String> = session.with_connection(|connection| {
        Ok(connection
            .query_row("SELECT body FROM report_drafts WHERE id = ?1", [draft_id], |row| {
                row.get(0)
            })
            .optional()?)
    })?;
    body.map(|body| serde_json::from_str(&body).map_err(|_| Error::DatabaseDamaged))
        .transpose()
}

/// Draft ids with their last change, newest first.
pub fn drafts(session: &Session) -> Result<Vec<(String, i64)>> {
    session.with_connection(|connection| {
        let mut statement = connection.prepare("SELECT id, updated_at FROM report_drafts ORDER BY updated_at DESC")?;
        let rows = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    })
}

/// Deletes a draft for good (zeroed in the database, and the WAL truncated).
pub fn delete_draft(session: &Session, draft_id: &str) -> Result<bool> {
    session.with_connection(|connection| {
        let deleted = connection.execute("DELETE FROM report_drafts WHERE id = ?1", [draft_id])? > 0;
        crate::store::checkpoint_truncate(connection)?;
        Ok(deleted)
    })
}

/// Seals a validated report and queues it; deletes its draft; keeps a private copy only when
/// asked. `near_site`: the site the person picked, for the nearest clinics.
pub fn submit(
    session: &Session,
    body: &ReportBody,
    near_site: Option<&str>,
    keep_private_copy: bool,
    draft_id: Option<&str>,
) -> Result<Submitted> {
    let now = session.vault().clock_now_unix();
    let (safety, expired) = installed_safety(session)?;
    let site_ids: Vec<String> = safety.sites.iter().map(|site| site.id.clone()).collect();
    body.validate(now, &site_ids)?;
    if let Some(site) = near_site {
        if !site_ids.iter().any(|known| known == site) {
            return Err(Error::invalid("near_site", "not one of the programme's sites"));
        }
    }
    let report_id = Uuid::new_v4();
    record_pending(session, report_id, body, now, keep_private_copy, draft_id)?;
    let key_id = queue(session, report_id, body, &safety, now, 0)?;
    mark_queued(session, report_id, &key_id, now)?;
    Ok(Submitted {
        report_id,
        urgency: urgency::assess(body, now, near_site, Some(&safety)),
        key_may_be_out_of_date: expired,
    })
}

/// "I need help now": a minimal sealed report with the person's safe way to be contacted, sent
/// before anything else waiting; returns the team's emergency numbers.
pub fn sos(session: &Session, contact: Option<SafeContact>) -> Result<SosSent> {
    let now = session.vault().clock_now_unix();
    let (safety, _) = installed_safety(session)?;
    let body = ReportBody::Sos(Sos { contact });
    body.validate(now, &[])?;
    let report_id = Uuid::new_v4();
    record_pending(session, report_id, &body, now, false, None)?;
    let key_id = queue(session, report_id, &body, &safety, now, SOS_PRIORITY)?;
    mark_queued(session, report_id, &key_id, now)?;
    let team = home_team(session)?.and_then(|id| safety.teams.iter().find(|team| team.id == id).cloned());
    let mut emergency_numbers = team.map(|team| team.emergency_numbers).unwrap_or_default();
    if emergency_numbers.is_empty() {
        emergency_numbers = safety
            .teams
            .iter()
            .flat_map(|team| team.emergency_numbers.iter().cloned())
            .collect();
    }
    Ok(SosSent {
        report_id,
        emergency_numbers,
    })
}

/// Seals and puts the report in the outbox (one device-store transaction). The plaintext lives
/// only in zeroized buffers for the moment it takes.
fn queue(
    session: &Session,
    report_id: Uuid,
    body: &ReportBody,
    safety: &Safety,
    now: i64,
    priority: i64,
) -> Result<String> {
    let (key, site) = destination(session, safety)?;
    let payload = SealedPayload {
        version: 1,
        report_id,
        created_at: now,
        team_key_id: key.key_id.clone(),
        body: body.clone(),
    };
    let plaintext =
        Zeroizing::new(serde_json::to_vec(&payload).map_err(|_| Error::Internal("report encoding".into()))?);
    let sealed = seal::seal(&plaintext, &key)?;
    let submission = ReportSubmission {
        report_id,
        site: if wire::is_valid_site(&site) {
            site
        } else {
            PROGRAMME_SITE.to_string()
        },
        sealed,
    };
    let request = PreparedRequest::report(&submission)?;
    session.vault().device_store()?.transaction(|connection| {
        outbox::enqueue_with_priority(
            connection,
            outbox::KIND_REPORT,
            &request,
            OutboxAuth::Anonymous,
            now,
            priority,
        )
    })?;
    crash_point!("reports: queued, not yet marked queued");
    Ok(key.key_id)
}

/// The person's record of the report, written *before* it is queued ("pending"): a crash after
/// this leaves a record that the next refresh settles (queued if the outbox has it, else "not
/// sent", with the draft still there to file again). Never a report the person does not know of.
fn record_pending(
    session: &Session,
    report_id: Uuid,
    body: &ReportBody,
    now: i64,
    keep_private_copy: bool,
    draft_id: Option<&str>,
) -> Result<()> {
    let journal = if keep_private_copy {
        Some(Zeroizing::new(
            serde_json::to_string(body).map_err(|_| Error::Internal("report encoding".into()))?,
        ))
    } else {
        None
    };
    session.with_connection(|connection| {
        connection.execute(
            "INSERT INTO reports (report_id, kind, created_at, state, team_key_id, journal, draft_id, updated_at)
             VALUES (?1, ?2, ?3, 'pending', '', ?4, ?5, ?3)",
            params![
                report_id.hyphenated().to_string(),
                ReportKind::of(body).as_str(),
                now,
                journal.as_deref().map(String::as_str),
                draft_id
            ],
        )?;
        Ok(())
    })?;
    crash_point!("reports: recorded, not yet queued");
    Ok(())
}

/// The report is in the outbox: queued, and its draft gone for good.
fn mark_queued(session: &Session, report_id: Uuid, team_key_id: &str, now: i64) -> Result<()> {
    session.with_connection(|connection| {
        let transaction = connection.unchecked_transaction()?;
        let id = report_id.hyphenated().to_string();
        let draft_id: Option<String> = transaction
            .query_row("SELECT draft_id FROM reports WHERE report_id = ?1", [&id], |row| {
                row.get(0)
            })
            .optional()?
            .flatten();
        transaction.execute(
            "UPDATE reports SET state = 'queued', team_key_id = ?2, draft_id = NULL, updated_at = ?3
             WHERE report_id = ?1",
            params![id, team_key_id, now],
        )?;
        if let Some(draft_id) = draft_id {
            transaction.execute("DELETE FROM report_drafts WHERE id = ?1", [draft_id])?;
        }
        transaction.commit()?;
        // Deleted rows are zeroed inside the database (secure_delete); the WAL still holds the
        // old pages until it is written back and truncated.
        crate::store::checkpoint_truncate(connection)?;
        Ok(())
    })
}

/// The person's reports, newest first (states as last seen; see [`refresh`]).
pub fn list(session: &Session) -> Result<Vec<ReportInfo>> {
    session.with_connection(|connection| {
        let mut statement = connection.prepare(
            "SELECT report_id, kind, created_at, state, journal IS NOT NULL FROM reports ORDER BY created_at DESC",
        )?;
        let rows: Vec<(String, String, i64, String, bool)> = statement
            .query_map([], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(id, kind, created_at, state, kept)| {
                Ok(ReportInfo {
                    report_id: Uuid::parse_str(&id).map_err(|_| Error::DatabaseDamaged)?,
                    kind: ReportKind::parse(&kind)?,
                    created_at,
                    state: ReportState::parse(&state)?,
                    kept_private_copy: kept,
                })
            })
            .collect()
    })
}

/// The private copy of a report, when the person chose to keep one.
pub fn private_copy(session: &Session, report_id: Uuid) -> Result<Option<ReportBody>> {
    let journal: Option<Option<String>> = session.with_connection(|connection| {
        Ok(connection
            .query_row(
                "SELECT journal FROM reports WHERE report_id = ?1",
                [report_id.hyphenated().to_string()],
                |row| row.get(0),
            )
            .optional()?)
    })?;
    journal
        .flatten()
        .map(|text| serde_json::from_str(&text).map_err(|_| Error::DatabaseDamaged))
        .transpose()
}

fn set_state(session: &Session, report_id: Uuid, state: ReportState, now: i64) -> Result<()> {
    session.with_connection(|connection| {
        connection.execute(
            "UPDATE reports SET state = ?2, updated_at = ?3 WHERE report_id = ?1",
            params![report_id.hyphenated().to_string(), state.as_str(), now],
        )?;
        Ok(())
    })
}

/// Brings the states up to date. Without the network: a report being queued when the app
/// stopped is settled, and one the hub refused shows as refused. With `client`: a report no
/// longer waiting is asked about at the hub (by its id only, anonymously): sent, received, or,
/// when the hub has never had it (it was discarded), not sent.
pub async fn refresh(session: &Session, client: Option<&HubClient>) -> Result<Vec<ReportInfo>> {
    let now = session.vault().clock_now_unix();
    let store = session.vault().device_store()?;
    let pending: Vec<String> = session.with_connection(|connection| {
        let mut statement = connection.prepare("SELECT report_id FROM reports WHERE state = 'pending'")?;
        let ids = statement
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    })?;
    for id in pending {
        let report_id = Uuid::parse_str(&id).map_err(|_| Error::DatabaseDamaged)?;
        if outbox::state_of(&store, report_id)?.is_some() {
            mark_queued(session, report_id, "", now)?;
        } else {
            set_state(session, report_id, ReportState::NotSent, now)?;
        }
    }
    for report in list(session)? {
        let waiting = outbox::state_of(&store, report.report_id)?;
        match (report.state, waiting) {
            (ReportState::Queued | ReportState::Refused, Some(outbox::ItemState::Refused)) => {
                set_state(session, report.report_id, ReportState::Refused, now)?
            }
            (ReportState::Refused, Some(outbox::ItemState::Pending)) => {
                set_state(session, report.report_id, ReportState::Queued, now)?
            }
            (ReportState::Queued | ReportState::Refused | ReportState::Sent, None) => {
                let Some(client) = client else { continue };
                match client.report_status(report.report_id).await {
                    Ok(Some(wire::ReportState::Acknowledged)) => {
                        set_state(session, report.report_id, ReportState::Received, now)?
                    }
                    Ok(Some(wire::ReportState::Received)) => {
                        set_state(session, report.report_id, ReportState::Sent, now)?
                    }
                    Ok(None) => set_state(session, report.report_id, ReportState::NotSent, now)?,
                    // Offline or busy: ask again next time.
                    Err(_) => {}
                }
            }
            _ => {}
        }
    }
    list(session)
}

/// Reports still waiting in the outbox (a quick delete would lose them).
pub fn waiting_count(session: &Session) -> Result<u32> {
    outbox::count(&session.vault().device_store()?, Some(outbox::KIND_REPORT))
}

/// Sends the outbox (SOS first) and refreshes the states: what `report sync` does. A report
/// the hub confirmed with its receipt is sent at once.
pub async fn sync(session: &Session, client: &HubClient) -> Result<Vec<ReportInfo>> {
    let store = session.vault().device_store()?;
    let drained = outbox::drain(store, client, outbox::DrainOptions::default(), &mut |_, _| {}).await?;
    let now = session.vault().clock_now_unix();
    for delivered in drained.delivered.iter().filter(|item| item.kind == outbox::KIND_REPORT) {
        set_state(session, delivered.idempotency_key, ReportState::Sent, now)?;
    }
    refresh(session, Some(client)).await
}
