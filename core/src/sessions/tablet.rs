//! The educator's side of a session, in their own encrypted profile (several educators on one
//! tablet each have their own profile, so none sees another's sessions).
//!
//! Lifecycle: [`start`] opens a session (one open record per educator at a time); [`attend`],
//! [`remove_attendee`], [`walk_ins`], [`commodity`], [`refer`], [`quiz`], [`add_module`] and
//! [`set_notes`] change only the open record; [`close`] makes it immutable and, when the hub's
//! intake key is on the tablet, seals it into the outbox in the same step (so it goes even while
//! the profile is locked). [`correct`] opens a correction: a new record that references a closed
//! session and carries only the change.
//!
//! After the hub acknowledges a session (the outbox leaves a mark with its id only), the next
//! call into this module for that educator deletes the session's attendee codes and notes
//! (`secure_delete` is on; the WAL is checkpointed and truncated), keeping the counts.
//! Sealed uploads in the device store cannot be read on the tablet: only the hub holds the key.

use std::collections::BTreeMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::upload::{
    canonical_code, programme_month, AgeBand, Attendee, Commodity, CommodityCount, Gender, QuizResult, Referral,
    Service, SessionKind, SessionUpload, WalkIns, MAX_ATTENDEES, MAX_COUNT, MAX_LINES, MAX_NOTES_CHARS, UPLOAD_VERSION,
};
use crate::content::library;
use crate::error::{Error, Result};
use crate::reports::seal::{self, SealKind, TeamPublicKey};
use crate::store::device::DeviceStore;
use crate::sync::outbox::{self, OutboxAuth, DELIVERED_SESSIONS};
use crate::sync::wire::{SessionSubmission, Uuid};
use crate::sync::{account, HubClient, PreparedRequest};
use crate::vault::{ProfileRole, Session};

/// Where a session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// Being recorded.
    Open,
    /// Closed; waiting for the hub's intake key (log in to the hub, then sync).
    Closed,
    /// Closed and sealed in the outbox; goes at the next sync (or in the background).
    Queued,
    /// The hub has it; its attendee codes and notes are gone from the tablet.
    Sent,
}

impl SessionState {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::Open => "open",
            SessionState::Closed => "closed",
            SessionState::Queued => "queued",
            SessionState::Sent => "sent",
        }
    }

    fn parse(text: &str) -> Result<SessionState> {
        Ok(match text {
            "open" => SessionState::Open,
            "closed" => SessionState::Closed,
            "queued" => SessionState::Queued,
            "sent" => SessionState::Sent,
            _ => return Err(Error::DatabaseDamaged),
        })
    }
}

/// People with a code, by the gender recorded (`None`: not given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenderCount {
    pub gender: Option<Gender>,
    pub count: i64,
}

/// A session as lists show it: counts, never codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    pub id: Uuid,
    pub corrects: Option<Uuid>,
    pub kind: SessionKind,
    pub site: String,
    pub started_at: i64,
    pub closed_at: Option<i64>,
    pub state: SessionState,
    pub modules: Vec<String>,
    /// People with a code (a correction: added minus removed).
    pub attendees: i64,
    pub attendees_by_gender: Vec<GenderCount>,
    pub walk_ins: Vec<WalkIns>,
    pub commodities: Vec<CommodityCount>,
    pub referrals: Vec<Referral>,
    pub quiz: Vec<QuizResult>,
}

impl SessionSummary {
    pub fn walk_in_total(&self) -> i64 {
        self.walk_ins.iter().map(|line| line.count).sum()
    }
}

/// The open session (or a closed one not yet sent) in full, for the educator's own screen.
/// No `Debug`: it holds client codes and notes.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionDetail {
    pub summary: SessionSummary,
    pub attendees: Vec<Attendee>,
    /// Corrections only.
    pub removed_attendees: Vec<String>,
    pub notes: Option<String>,
}

/// The educator's own numbers (sessions and corrections together; counts only).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EducatorStats {
    /// `YYYY-MM`, or `None` for all time.
    pub month: Option<String>,
    pub sessions: u32,
    pub corrections: u32,
    /// Attendances with a code (one person at two sessions counts twice: the tablet no longer
    /// knows who anyone was; the hub's reach counts people).
    pub attendances: i64,
    pub walk_ins: i64,
    pub commodities: Vec<CommodityCount>,
    pub referrals: u32,
    /// Closed sessions the hub does not have yet.
    pub waiting: u32,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncOutcome {
    /// Sessions sealed into the outbox during this sync.
    pub queued: u32,
    /// Sessions the hub now has (their codes are deleted from the tablet).
    pub sent: u32,
    /// Closed sessions still waiting (offline, refused, or the hub was busy).
    pub waiting: u32,
    /// Waiting items the hub refused (see `corridor outbox list`).
    pub refused: u32,
}

fn require_educator(session: &Session) -> Result<()> {
    if session.profile().role == ProfileRole::Educator {
        Ok(())
    } else {
        Err(Error::invalid(
            "profile",
            "sessions are recorded in a peer educator's profile on a tablet",
        ))
    }
}

fn now(session: &Session) -> i64 {
    session.vault().clock_now_unix()
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|_| Error::Internal("session encoding".into()))
}

fn from_json<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|_| Error::DatabaseDamaged)
}

/// The programme's sites as the installed content lists them.
fn known_sites(session: &Session) -> Result<Vec<String>> {
    let (safety, _) = library::safety_for(session)?.ok_or_else(|| {
        Error::invalid(
            "site",
            "the programme's site list is not on this tablet yet: update the content first",
        )
    })?;
    Ok(safety.sites.into_iter().map(|site| site.id).collect())
}

fn check_site(session: &Session, field: &'static str, site: &str) -> Result<()> {
    let sites = known_sites(session)?;
    if sites.iter().any(|known| known == site) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("{site} is not one of the programme's sites ({})", sites.join(", ")),
        ))
    }
}

fn check_module(session: &Session, module: &str) -> Result<()> {
    let installed = library::list(session, None)?;
    if installed.iter().any(|summary| summary.id == module) {
        Ok(())
    } else {
        Err(Error::invalid(
            "module",
            format!("{module} is not an installed module (see content list)"),
        ))
    }
}

/// The open record (session or correction) of this educator, if any.
fn open_id(connection: &Connection) -> Result<Option<String>> {
    Ok(connection
        .query_row("SELECT id FROM edu_sessions WHERE state = 'open'", [], |row| row.get(0))
        .optional()?)
}

fn require_open(connection: &Connection) -> Result<(String, bool)> {
    let row: Option<(String, Option<String>)> = connection
        .query_row(
            "SELECT id, corrects FROM edu_sessions WHERE state = 'open'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    row.map(|(id, corrects)| (id, corrects.is_some())).ok_or_else(|| {
        Error::invalid(
            "session",
            "no session is open: start one (a closed session cannot be changed; correct it instead)",
        )
    })
}

/// Opens a session at `site` (from the catalog) covering `modules` (installed ones).
pub fn start(session: &Session, site: &str, kind: SessionKind, modules: &[String]) -> Result<Uuid> {
    require_educator(session)?;
    settle_delivered(session)?;
    check_site(session, "site", site)?;
    let mut unique: Vec<String> = Vec::new();
    for module in modules {
        check_module(session, module)?;
        if !unique.contains(module) {
            unique.push(module.clone());
        }
    }
    let id = Uuid::new_v4();
    let now = now(session);
    session.with_connection(|connection| {
        if open_id(connection)?.is_some() {
            return Err(Error::invalid(
                "session",
                "a session is already open: close it (or discard it) before starting another",
            ));
        }
        connection.execute(
            "INSERT INTO edu_sessions (id, corrects, kind, site, started_at, state, modules, walk_ins,
                                       commodities, referrals, quiz, updated_at)
             VALUES (?1, NULL, ?2, ?3, ?4, 'open', ?5, '[]', '[]', '[]', '[]', ?4)",
            params![id.hyphenated().to_string(), kind.as_str(), site, now, to_json(&unique)?],
        )?;
        Ok(())
    })?;
    Ok(id)
}

/// Opens a correction of the closed session `corrects`: it keeps that session's site, kind and
/// time, and records only the change (attendees added or removed, counts up or down).
pub fn correct(session: &Session, corrects: Uuid) -> Result<Uuid> {
    require_educator(session)?;
    settle_delivered(session)?;
    let id = Uuid::new_v4();
    let now = now(session);
    session.with_connection(|connection| {
        if open_id(connection)?.is_some() {
            return Err(Error::invalid(
                "session",
                "a session is already open: close it before correcting another",
            ));
        }
        let original: Option<(String, String, i64, String, Option<String>)> = connection
            .query_row(
                "SELECT kind, site, started_at, state, corrects FROM edu_sessions WHERE id = ?1",
                [corrects.hyphenated().to_string()],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)),
            )
            .optional()?;
        let Some((kind, site, started_at, state, its_original)) = original else {
            return Err(Error::invalid("session", "no session of yours has that id"));
        };
        if state == "open" {
            return Err(Error::invalid(
                "session",
                "that session is still open: change it directly, then close it",
            ));
        }
        if its_original.is_some() {
            return Err(Error::invalid(
                "session",
                "that is a correction: correct the original session instead",
            ));
        }
        connection.execute(
            "INSERT INTO edu_sessions (id, corrects, kind, site, started_at, state, modules, walk_ins,
                                       commodities, referrals, quiz, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'open', '[]', '[]', '[]', '[]', '[]', ?6)",
            params![
                id.hyphenated().to_string(),
                corrects.hyphenated().to_string(),
                kind,
                site,
                started_at,
                now
            ],
        )?;
        Ok(())
    })?;
    Ok(id)
}

/// What [`attend`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attended {
    /// People with a code in the open session now.
    pub attendees: u32,
}

/// Records a person by client code (typed or scanned; the check character is verified). The same
/// code twice in one session is refused.
pub fn attend(session: &Session, code: &str, gender: Option<Gender>, age_band: Option<AgeBand>) -> Result<Attended> {
    require_educator(session)?;
    let code = Zeroizing::new(canonical_code(code)?);
    let now = now(session);
    session.with_connection(|connection| {
        let (id, _) = require_open(connection)?;
        let existing: Option<i64> = connection
            .query_row(
                "SELECT removed FROM edu_attendees WHERE session_id = ?1 AND code = ?2",
                params![id, code.as_str()],
                |row| row.get(0),
            )
            .optional()?;
        match existing {
            Some(0) => {
                return Err(Error::invalid(
                    "code",
                    "this client code is already recorded in this session",
                ))
            }
            Some(_) => {
                return Err(Error::invalid(
                    "code",
                    "this correction removes this client code; it cannot also add it",
                ))
            }
            None => {}
        }
        let count: i64 = connection.query_row(
            "SELECT count(*) FROM edu_attendees WHERE session_id = ?1",
            [&id],
            |row| row.get(0),
        )?;
        if count as usize >= MAX_ATTENDEES {
            return Err(Error::invalid(
                "attendees",
                format!("at most {MAX_ATTENDEES} people with a code in one session: start another"),
            ));
        }
        connection.execute(
            "INSERT INTO edu_attendees (session_id, code, gender, age_band, removed, added_at)
             VALUES (?1, ?2, ?3, ?4, 0, ?5)",
            params![
                id,
                code.as_str(),
                gender.map(Gender::as_str),
                age_band.map(AgeBand::as_str),
                now
            ],
        )?;
        touch(connection, &id, now)?;
        let attendees: i64 = connection.query_row(
            "SELECT count(*) FROM edu_attendees WHERE session_id = ?1 AND removed = 0",
            [&id],
            |row| row.get(0),
        )?;
        Ok(Attended {
            attendees: attendees as u32,
        })
    })
}

/// Takes a code out: from an open session, a code typed by mistake is deleted; in a correction,
/// the code is recorded as removed from the corrected session.
pub fn remove_attendee(session: &Session, code: &str) -> Result<()> {
    require_educator(session)?;
    let code = Zeroizing::new(canonical_code(code)?);
    let now = now(session);
    session.with_connection(|connection| {
        let (id, correction) = require_open(connection)?;
        let deleted = connection.execute(
            "DELETE FROM edu_attendees WHERE session_id = ?1 AND code = ?2 AND removed = 0",
            params![id, code.as_str()],
        )?;
        if deleted == 0 {
            if !correction {
                return Err(Error::invalid(
                    "code",
                    "this client code is not recorded in this session",
                ));
            }
            let inserted = connection.execute(
                "INSERT OR IGNORE INTO edu_attendees (session_id, code, removed, added_at) VALUES (?1, ?2, 1, ?3)",
                params![id, code.as_str(), now],
            )?;
            if inserted == 0 {
                return Err(Error::invalid(
                    "code",
                    "this correction already removes this client code",
                ));
            }
        }
        touch(connection, &id, now)?;
        crate::store::checkpoint_truncate(connection)?;
        Ok(())
    })
}

fn touch(connection: &Connection, id: &str, now: i64) -> Result<()> {
    connection.execute(
        "UPDATE edu_sessions SET updated_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// Reads one JSON column of the open record, changes it with `change`, writes it back.
fn change_open<T, R>(session: &Session, column: &str, change: impl FnOnce(&mut T, bool) -> Result<R>) -> Result<R>
where
    T: Serialize + for<'de> Deserialize<'de>,
{
    require_educator(session)?;
    let now = now(session);
    session.with_connection(|connection| {
        let (id, correction) = require_open(connection)?;
        let text: String = connection.query_row(
            &format!("SELECT {column} FROM edu_sessions WHERE id = ?1"),
            [&id],
            |row| row.get(0),
        )?;
        let mut value: T = from_json(&text)?;
        let result = change(&mut value, correction)?;
        connection.execute(
            &format!("UPDATE edu_sessions SET {column} = ?2, updated_at = ?3 WHERE id = ?1"),
            params![id, to_json(&value)?, now],
        )?;
        Ok(result)
    })
}

/// Adds `count` to a running total: below zero only in a correction, and an open session's line
/// never falls below zero (a count typed too high is taken back with a negative amount).
fn add_count(total: &mut i64, count: i64, correction: bool, field: &'static str) -> Result<()> {
    if count == 0 || !(-MAX_COUNT..=MAX_COUNT).contains(&count) {
        return Err(Error::invalid(
            field,
            format!("a count is 1 to {MAX_COUNT} (or -1 to -{MAX_COUNT} to take back)"),
        ));
    }
    let new = *total + count;
    if !(-MAX_COUNT..=MAX_COUNT).contains(&new) {
        return Err(Error::invalid(field, format!("at most {MAX_COUNT} in one session")));
    }
    if new < 0 && !correction {
        return Err(Error::invalid(
            field,
            format!("only {total} recorded in this session; it cannot go below zero"),
        ));
    }
    *total = new;
    Ok(())
}

/// Counts people without a code (adds to the line of that gender and age band). Returns the
/// line's new count.
pub fn walk_ins(session: &Session, gender: Gender, age_band: AgeBand, count: i64) -> Result<i64> {
    change_open(session, "walk_ins", |lines: &mut Vec<WalkIns>, correction| {
        let index = match lines
            .iter()
            .position(|line| line.gender == gender && line.age_band == age_band)
        {
            Some(index) => index,
            None => {
                lines.push(WalkIns {
                    gender,
                    age_band,
                    count: 0,
                });
                lines.len() - 1
            }
        };
        add_count(&mut lines[index].count, count, correction, "walk_ins")?;
        let total = lines[index].count;
        lines.retain(|line| line.count != 0);
        Ok(total)
    })
}

/// Counts a commodity handed out (adds to its line). Returns the line's new count.
pub fn commodity(session: &Session, commodity: Commodity, count: i64) -> Result<i64> {
    change_open(session, "commodities", |lines: &mut Vec<CommodityCount>, correction| {
        let index = match lines.iter().position(|line| line.commodity == commodity) {
            Some(index) => index,
            None => {
                lines.push(CommodityCount { commodity, count: 0 });
                lines.len() - 1
            }
        };
        add_count(&mut lines[index].count, count, correction, "commodities")?;
        let total = lines[index].count;
        lines.retain(|line| line.count != 0);
        lines.sort_by_key(|line| line.commodity);
        Ok(total)
    })
}

/// Records a referral to `service` at `clinic` (a site of the catalog).
pub fn refer(session: &Session, service: Service, clinic: &str) -> Result<()> {
    require_educator(session)?;
    check_site(session, "clinic", clinic)?;
    change_open(session, "referrals", |lines: &mut Vec<Referral>, _| {
        if lines.len() >= MAX_LINES {
            return Err(Error::invalid(
                "referrals",
                format!("at most {MAX_LINES} referrals in one session"),
            ));
        }
        lines.push(Referral {
            service,
            clinic: clinic.to_string(),
        });
        Ok(())
    })
}

/// Records the group's quiz results for a module, as counts (adds to the module's line).
pub fn quiz(session: &Session, module: &str, attempted: i64, passed: i64) -> Result<()> {
    require_educator(session)?;
    if !(1..=MAX_COUNT).contains(&attempted) || !(0..=attempted).contains(&passed) {
        return Err(Error::invalid(
            "quiz",
            "attempted is 1 or more, and passed is between 0 and attempted",
        ));
    }
    check_module(session, module)?;
    change_open(session, "quiz", |lines: &mut Vec<QuizResult>, _| {
        match lines.iter_mut().find(|line| line.module == module) {
            Some(line) => {
                if line.attempted + attempted > MAX_COUNT {
                    return Err(Error::invalid("quiz", format!("at most {MAX_COUNT} in one session")));
                }
                line.attempted += attempted;
                line.passed += passed;
            }
            None => {
                if lines.len() >= MAX_LINES {
                    return Err(Error::invalid("quiz", format!("at most {MAX_LINES} quiz lines")));
                }
                lines.push(QuizResult {
                    module: module.to_string(),
                    attempted,
                    passed,
                })
            }
        }
        Ok(())
    })
}

/// Adds a module covered (an installed one).
pub fn add_module(session: &Session, module: &str) -> Result<()> {
    require_educator(session)?;
    check_module(session, module)?;
    change_open(session, "modules", |modules: &mut Vec<String>, _| {
        if !modules.iter().any(|known| known == module) {
            if modules.len() >= MAX_LINES {
                return Err(Error::invalid("module", format!("at most {MAX_LINES} modules")));
            }
            modules.push(module.to_string());
        }
        Ok(())
    })
}

/// Sets (or with `None` clears) the open session's notes. Notes go to the hub with the session
/// and are deleted from the tablet with the codes: never write a name in them.
pub fn set_notes(session: &Session, notes: Option<&str>) -> Result<()> {
    require_educator(session)?;
    let notes = notes.map(str::trim).filter(|text| !text.is_empty());
    if let Some(text) = notes {
        if text.chars().count() > MAX_NOTES_CHARS || text.chars().any(|c| c.is_control() && c != '\n') {
            return Err(Error::invalid(
                "notes",
                format!("at most {MAX_NOTES_CHARS} characters of plain text"),
            ));
        }
    }
    let now = now(session);
    session.with_connection(|connection| {
        let (id, _) = require_open(connection)?;
        connection.execute(
            "UPDATE edu_sessions SET notes = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, notes, now],
        )?;
        crate::store::checkpoint_truncate(connection)?;
        Ok(())
    })
}

/// Throws the open session away (nothing of it was sent): its codes are deleted at once.
pub fn discard_open(session: &Session) -> Result<bool> {
    require_educator(session)?;
    session.with_connection(|connection| {
        let Some(id) = open_id(connection)? else {
            return Ok(false);
        };
        let transaction = connection.unchecked_transaction()?;
        transaction.execute("DELETE FROM edu_attendees WHERE session_id = ?1", [&id])?;
        transaction.execute("DELETE FROM edu_sessions WHERE id = ?1", [&id])?;
        transaction.commit()?;
        crate::store::checkpoint_truncate(connection)?;
        Ok(true)
    })
}

/// Closes the open session (immutable from now on) and, when the hub's intake key is on the
/// tablet, seals it into the outbox at once.
pub fn close(session: &Session) -> Result<SessionSummary> {
    require_educator(session)?;
    let now = now(session);
    let id = session.with_connection(|connection| {
        let (id, correction) = require_open(connection)?;
        let upload = build_upload(connection, &id, now)?;
        let empty = upload.attendees.is_empty()
            && upload.removed_attendees.is_empty()
            && upload.walk_ins.is_empty()
            && upload.commodities.is_empty()
            && upload.referrals.is_empty()
            && upload.quiz.is_empty()
            && (correction || upload.modules.is_empty())
            && upload.notes.is_none();
        if empty {
            return Err(Error::invalid(
                "session",
                "nothing is recorded in this session yet (discard it if it did not happen)",
            ));
        }
        upload.validate(now)?;
        let (count, genders) = attendee_aggregates(&upload);
        connection.execute(
            "UPDATE edu_sessions SET state = 'closed', closed_at = ?2, attendee_count = ?3,
                                     attendee_genders = ?4, updated_at = ?2
             WHERE id = ?1 AND state = 'open'",
            params![id, now, count, to_json(&genders)?],
        )?;
        Ok(id)
    })?;
    crash_point!("sessions: closed, not yet queued");
    let store = session.vault().device_store()?;
    if let Some(key) = account::intake_key(&store)? {
        if session.with_connection(|connection| ready_to_queue(connection, &id))? {
            queue(session, &store, &key, &id)?;
        }
    }
    let uuid = Uuid::parse_str(&id).map_err(|_| Error::DatabaseDamaged)?;
    summary(session, uuid)?.ok_or(Error::DatabaseDamaged)
}

/// Net attendees and their count by gender (a correction: added minus removed, by the gender the
/// correction gives; removed ones as "not given").
fn attendee_aggregates(upload: &SessionUpload) -> (i64, BTreeMap<String, i64>) {
    let mut genders: BTreeMap<String, i64> = BTreeMap::new();
    for attendee in &upload.attendees {
        let key = attendee.gender.map_or("unknown", Gender::as_str).to_string();
        *genders.entry(key).or_default() += 1;
    }
    if !upload.removed_attendees.is_empty() {
        *genders.entry("unknown".into()).or_default() -= upload.removed_attendees.len() as i64;
    }
    genders.retain(|_, count| *count != 0);
    (
        upload.attendees.len() as i64 - upload.removed_attendees.len() as i64,
        genders,
    )
}

/// The upload for the record `id` as the tablet holds it (codes included).
fn build_upload(connection: &Connection, id: &str, now: i64) -> Result<SessionUpload> {
    type Row = (
        Option<String>,
        String,
        String,
        i64,
        Option<i64>,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
    );
    let row: Row = connection.query_row(
        "SELECT corrects, kind, site, started_at, closed_at, modules, walk_ins, commodities, referrals, quiz, notes
         FROM edu_sessions WHERE id = ?1",
        [id],
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
                row.get(8)?,
                row.get(9)?,
                row.get(10)?,
            ))
        },
    )?;
    let (corrects, kind, site, started_at, closed_at, modules, walk_ins, commodities, referrals, quiz, notes) = row;
    let mut statement = connection
        .prepare("SELECT code, gender, age_band, removed FROM edu_attendees WHERE session_id = ?1 ORDER BY rowid")?;
    let mut attendees = Vec::new();
    let mut removed_attendees = Vec::new();
    let rows = statement.query_map([id], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, Option<String>>(1)?,
            row.get::<_, Option<String>>(2)?,
            row.get::<_, i64>(3)?,
        ))
    })?;
    for row in rows {
        let (code, gender, age_band, removed) = row?;
        if removed != 0 {
            removed_attendees.push(code);
        } else {
            attendees.push(Attendee {
                code,
                gender: gender
                    .map(|text| Gender::parse(&text).ok_or(Error::DatabaseDamaged))
                    .transpose()?,
                age_band: age_band
                    .map(|text| AgeBand::parse(&text).ok_or(Error::DatabaseDamaged))
                    .transpose()?,
            });
        }
    }
    Ok(SessionUpload {
        version: UPLOAD_VERSION,
        session_id: Uuid::parse_str(id).map_err(|_| Error::DatabaseDamaged)?,
        corrects: corrects
            .map(|text| Uuid::parse_str(&text).map_err(|_| Error::DatabaseDamaged))
            .transpose()?,
        site,
        kind: SessionKind::parse(&kind).ok_or(Error::DatabaseDamaged)?,
        started_at,
        closed_at: closed_at.unwrap_or(now),
        modules: from_json(&modules)?,
        attendees,
        removed_attendees,
        walk_ins: from_json(&walk_ins)?,
        commodities: from_json(&commodities)?,
        referrals: from_json(&referrals)?,
        quiz: from_json(&quiz)?,
        notes,
    })
}

/// Whether the closed record `id` may go to the hub now: a session always; a correction only
/// once the session it corrects and every earlier correction of it are at the hub, so that the
/// hub applies them in order (a removal before the addition it undoes would count wrong).
fn ready_to_queue(connection: &Connection, id: &str) -> Result<bool> {
    let (corrects, closed_at): (Option<String>, Option<i64>) = connection.query_row(
        "SELECT corrects, closed_at FROM edu_sessions WHERE id = ?1",
        [id],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let Some(original) = corrects else {
        return Ok(true);
    };
    let earlier_not_sent: i64 = connection.query_row(
        "SELECT count(*) FROM edu_sessions
         WHERE id != ?1 AND state != 'sent'
           AND (id = ?2 OR (corrects = ?2 AND (closed_at < ?3 OR (closed_at = ?3 AND id < ?1))))",
        params![id, original, closed_at.unwrap_or(i64::MAX)],
        |row| row.get(0),
    )?;
    Ok(earlier_not_sent == 0)
}

/// Seals the closed record `id` to the hub's intake key and puts it in the outbox (one
/// device-store transaction), then marks it queued. An item already in the outbox (a crash
/// between the two steps) is only marked.
fn queue(session: &Session, store: &DeviceStore, key: &TeamPublicKey, id: &str) -> Result<()> {
    let uuid = Uuid::parse_str(id).map_err(|_| Error::DatabaseDamaged)?;
    if outbox::state_of(store, uuid)?.is_none() {
        let upload = session.with_connection(|connection| build_upload(connection, id, 0))?;
        let plaintext = Zeroizing::new(upload.to_json()?);
        let sealed = seal::seal_as(SealKind::Session, &plaintext, key)?;
        drop(plaintext);
        let submission = SessionSubmission {
            session_id: uuid,
            site: upload.site.clone(),
            sealed,
        };
        let request = PreparedRequest::session(&submission)?;
        let now = now(session);
        store.transaction(|connection| {
            outbox::enqueue(connection, outbox::KIND_SESSION, &request, OutboxAuth::Account, now)
        })?;
        crash_point!("sessions: queued, not yet marked queued");
    }
    session.with_connection(|connection| {
        connection.execute(
            "UPDATE edu_sessions SET state = 'queued' WHERE id = ?1 AND state = 'closed'",
            [id],
        )?;
        Ok(())
    })
}

/// Deletes the codes and notes of every session of this educator that the hub has (the outbox
/// marks deliveries by session id), and settles sessions that left the outbox without reaching
/// the hub (discarded by hand): those go back to closed, to be sealed again. Runs at the start of
/// every call that reads or starts sessions.
pub fn settle_delivered(session: &Session) -> Result<u32> {
    require_educator(session)?;
    let store = session.vault().device_store()?;
    let delivered = store.keys(DELIVERED_SESSIONS)?;
    // Closed ones too: a crash between queueing and marking leaves a session "closed" whose
    // item is in the outbox, and perhaps already delivered.
    let waiting: Vec<(String, String)> = session.with_connection(|connection| {
        let mut statement =
            connection.prepare("SELECT id, state FROM edu_sessions WHERE state IN ('closed', 'queued')")?;
        let ids = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    })?;
    let mut purged = 0;
    for (id, state) in waiting {
        if delivered.contains(&id) {
            let sent_at: i64 = store
                .get(DELIVERED_SESSIONS, &id)?
                .and_then(|bytes| <[u8; 8]>::try_from(bytes.as_slice()).ok())
                .map(|bytes| i64::from_be_bytes(bytes) / 1000)
                .unwrap_or_else(|| now(session));
            purge(session, &id, sent_at)?;
            store.delete(DELIVERED_SESSIONS, &id)?;
            purged += 1;
        } else if state == "queued" {
            let uuid = Uuid::parse_str(&id).map_err(|_| Error::DatabaseDamaged)?;
            // Not in the outbox and not marked delivered (asked in this order, so that a
            // delivery by a background drain in between is seen): it was discarded by hand.
            if outbox::state_of(&store, uuid)?.is_none() && store.get(DELIVERED_SESSIONS, &id)?.is_none() {
                session.with_connection(|connection| {
                    connection.execute("UPDATE edu_sessions SET state = 'closed' WHERE id = ?1", [&id])?;
                    Ok(())
                })?;
            }
        }
    }
    Ok(purged)
}

/// The hub has the session: its codes and notes go for good (zeroed inside the database by
/// `secure_delete`, then the WAL is written back and truncated); the counts stay.
fn purge(session: &Session, id: &str, sent_at: i64) -> Result<()> {
    session.with_connection(|connection| {
        let transaction = connection.unchecked_transaction()?;
        transaction.execute("DELETE FROM edu_attendees WHERE session_id = ?1", [id])?;
        transaction.execute(
            "UPDATE edu_sessions SET state = 'sent', notes = NULL, sent_at = ?2 WHERE id = ?1",
            params![id, sent_at],
        )?;
        transaction.commit()?;
        crate::store::checkpoint_truncate(connection)?;
        Ok(())
    })
}

fn read_summary(row: &rusqlite::Row<'_>) -> rusqlite::Result<SummaryRow> {
    Ok(SummaryRow {
        id: row.get(0)?,
        corrects: row.get(1)?,
        kind: row.get(2)?,
        site: row.get(3)?,
        started_at: row.get(4)?,
        closed_at: row.get(5)?,
        state: row.get(6)?,
        modules: row.get(7)?,
        walk_ins: row.get(8)?,
        commodities: row.get(9)?,
        referrals: row.get(10)?,
        quiz: row.get(11)?,
        attendee_count: row.get(12)?,
        attendee_genders: row.get(13)?,
    })
}

struct SummaryRow {
    id: String,
    corrects: Option<String>,
    kind: String,
    site: String,
    started_at: i64,
    closed_at: Option<i64>,
    state: String,
    modules: String,
    walk_ins: String,
    commodities: String,
    referrals: String,
    quiz: String,
    attendee_count: i64,
    attendee_genders: String,
}

const SUMMARY_COLUMNS: &str = "id, corrects, kind, site, started_at, closed_at, state, modules, walk_ins,
     commodities, referrals, quiz, attendee_count, attendee_genders";

impl SummaryRow {
    fn into_summary(self, connection: &Connection) -> Result<SessionSummary> {
        let state = SessionState::parse(&self.state)?;
        let (attendees, attendees_by_gender) = if state == SessionState::Open {
            // Still changing: count the rows.
            let mut statement = connection.prepare(
                "SELECT gender, removed, count(*) FROM edu_attendees WHERE session_id = ?1 GROUP BY gender, removed",
            )?;
            let rows: Vec<(Option<String>, i64, i64)> = statement
                .query_map([&self.id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut total = 0;
            let mut genders: BTreeMap<String, i64> = BTreeMap::new();
            for (gender, removed, count) in rows {
                let signed = if removed != 0 { -count } else { count };
                total += signed;
                let key = if removed != 0 {
                    "unknown".to_string()
                } else {
                    gender.unwrap_or_else(|| "unknown".into())
                };
                *genders.entry(key).or_default() += signed;
            }
            genders.retain(|_, count| *count != 0);
            (total, genders)
        } else {
            (self.attendee_count, from_json(&self.attendee_genders)?)
        };
        let attendees_by_gender = attendees_by_gender
            .into_iter()
            .map(|(gender, count)| GenderCount {
                gender: Gender::parse(&gender),
                count,
            })
            .collect();
        Ok(SessionSummary {
            id: Uuid::parse_str(&self.id).map_err(|_| Error::DatabaseDamaged)?,
            corrects: self
                .corrects
                .map(|text| Uuid::parse_str(&text).map_err(|_| Error::DatabaseDamaged))
                .transpose()?,
            kind: SessionKind::parse(&self.kind).ok_or(Error::DatabaseDamaged)?,
            site: self.site,
            started_at: self.started_at,
            closed_at: self.closed_at,
            state,
            modules: from_json(&self.modules)?,
            attendees,
            attendees_by_gender,
            walk_ins: from_json(&self.walk_ins)?,
            commodities: from_json(&self.commodities)?,
            referrals: from_json(&self.referrals)?,
            quiz: from_json(&self.quiz)?,
        })
    }
}

/// One of the educator's sessions, as lists show it.
pub fn summary(session: &Session, id: Uuid) -> Result<Option<SessionSummary>> {
    require_educator(session)?;
    session.with_connection(|connection| {
        let row = connection
            .query_row(
                &format!("SELECT {SUMMARY_COLUMNS} FROM edu_sessions WHERE id = ?1"),
                [id.hyphenated().to_string()],
                read_summary,
            )
            .optional()?;
        row.map(|row| row.into_summary(connection)).transpose()
    })
}

/// The educator's sessions and corrections, newest first.
pub fn list(session: &Session) -> Result<Vec<SessionSummary>> {
    require_educator(session)?;
    settle_delivered(session)?;
    session.with_connection(|connection| {
        let mut statement = connection.prepare(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM edu_sessions ORDER BY started_at DESC, id"
        ))?;
        let rows: Vec<SummaryRow> = statement
            .query_map([], read_summary)?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter().map(|row| row.into_summary(connection)).collect()
    })
}

/// The open record in full (codes included: it is the educator's own screen), if any.
pub fn current(session: &Session) -> Result<Option<SessionDetail>> {
    require_educator(session)?;
    let Some(id) = session.with_connection(open_id)? else {
        return Ok(None);
    };
    let uuid = Uuid::parse_str(&id).map_err(|_| Error::DatabaseDamaged)?;
    let summary = summary(session, uuid)?.ok_or(Error::DatabaseDamaged)?;
    let upload = session.with_connection(|connection| build_upload(connection, &id, 0))?;
    Ok(Some(SessionDetail {
        summary,
        attendees: upload.attendees,
        removed_attendees: upload.removed_attendees,
        notes: upload.notes,
    }))
}

/// The educator's own numbers, for one month (`YYYY-MM`, programme time) or all time.
pub fn stats(session: &Session, month: Option<&str>) -> Result<EducatorStats> {
    if let Some(month) = month {
        if !super::upload::is_valid_month(month) {
            return Err(Error::invalid("month", "write the month as YYYY-MM (2026-11)"));
        }
    }
    let mut stats = EducatorStats {
        month: month.map(str::to_string),
        ..EducatorStats::default()
    };
    let mut commodities: BTreeMap<Commodity, i64> = BTreeMap::new();
    for summary in list(session)? {
        if summary.state == SessionState::Open {
            continue;
        }
        if let Some(month) = month {
            if programme_month(summary.started_at)? != month {
                continue;
            }
        }
        if summary.corrects.is_some() {
            stats.corrections += 1;
        } else {
            stats.sessions += 1;
        }
        if summary.state != SessionState::Sent {
            stats.waiting += 1;
        }
        stats.attendances += summary.attendees;
        stats.walk_ins += summary.walk_in_total();
        for line in &summary.commodities {
            *commodities.entry(line.commodity).or_default() += line.count;
        }
        stats.referrals += summary.referrals.len() as u32;
    }
    stats.commodities = commodities
        .into_iter()
        .filter(|(_, count)| *count != 0)
        .map(|(commodity, count)| CommodityCount { commodity, count })
        .collect();
    Ok(stats)
}

/// Sends the educator's closed sessions: fetches the hub's intake key (with the tablet's login),
/// seals what is waiting, drains the outbox, and deletes the codes of every session the hub now
/// has. Other educators' sessions in the outbox go too (it is the tablet's); their codes are
/// deleted when they next open their profile.
pub async fn sync(session: &Session, client: &HubClient) -> Result<SyncOutcome> {
    require_educator(session)?;
    // No database handle is held across an await (the future moves between threads).
    let token = account::require_token_for(&session.vault().device_store()?, client)?;
    let fetched = account::fetch_intake_key(client, &token).await;
    drop(token);
    let store = session.vault().device_store()?;
    let key = match fetched {
        Ok(key) => {
            account::keep_intake_key(&store, &key)?;
            Some(key)
        }
        // Offline: seal with the key already here, if any.
        Err(Error::Network { retryable: true, .. }) => account::intake_key(&store)?,
        Err(error) => return Err(error),
    };
    drop(store);
    let mut outcome = SyncOutcome::default();
    outcome.sent += settle_delivered(session)?;
    // A correction goes once its original is at the hub: a few rounds send a session and its
    // corrections in one sync.
    for round in 0..4 {
        let mut queued_now = 0;
        if let Some(key) = &key {
            let store = session.vault().device_store()?;
            let closed: Vec<String> = session.with_connection(|connection| {
                let mut statement =
                    connection.prepare("SELECT id FROM edu_sessions WHERE state = 'closed' ORDER BY closed_at, id")?;
                let ids: Vec<String> = statement
                    .query_map([], |row| row.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                let mut ready = Vec::new();
                for id in ids {
                    if ready_to_queue(connection, &id)? {
                        ready.push(id);
                    }
                }
                Ok(ready)
            })?;
            for id in closed {
                queue(session, &store, key, &id)?;
                queued_now += 1;
            }
        }
        outcome.queued += queued_now;
        if round > 0 && queued_now == 0 {
            break;
        }
        let drained = outbox::drain(
            session.vault().device_store()?,
            client,
            outbox::DrainOptions::default(),
            &mut |_, _| {},
        )
        .await?;
        outcome.refused = drained.refused;
        let sent = settle_delivered(session)?;
        outcome.sent += sent;
        if sent == 0 {
            break;
        }
    }
    outcome.waiting = session.with_connection(|connection| {
        Ok(connection.query_row(
            "SELECT count(*) FROM edu_sessions WHERE state IN ('closed', 'queued')",
            [],
            |row| row.get::<_, u32>(0),
        )?)
    })?;
    Ok(outcome)
}
