//! Appointment and medication reminders whose text reveals nothing.
//!
//! - [`schedule`]: the time engine: recurrence in local wall-clock time and IANA zones, month
//!   ends, offsets, quiet hours.
//! - this module: the reminders of a profile, stored in its encrypted database: kinds and their
//!   default schedules, done, missed (with a gentle follow-up), snooze, the adherence log.
//! - [`plan`]: the notifications due in a horizon, their wording (covert by default, from the
//!   cover and the person's own list), and reconciling them with the host's scheduler, also
//!   without the PIN from the locked plan in the device store.
//! - [`handover`]: the clinic's QR payload for a next appointment (digits only).
//!
//! Nothing here ever puts a reminder's kind, label or time into a notification id, a log or
//! anything readable while the phone is locked, except the cover's texts and fire times.

mod book;
pub mod handover;
pub mod plan;
pub mod schedule;

pub use book::{reconcile_locked, ReminderBook};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use schedule::{End, Every, LocalSchedule, Offset, QuietHours, Recurrence, Unit};

/// What an appointment or reminder is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    PrepRefill,
    HivTest,
    StiScreening,
    ContraceptiveInjection,
    ArtRefill,
    PepCourse,
    ClinicVisit,
    Counselling,
    DailyPill,
    Custom,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::PrepRefill,
        Kind::HivTest,
        Kind::StiScreening,
        Kind::ContraceptiveInjection,
        Kind::ArtRefill,
        Kind::PepCourse,
        Kind::ClinicVisit,
        Kind::Counselling,
        Kind::DailyPill,
        Kind::Custom,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::PrepRefill => "prep_refill",
            Kind::HivTest => "hiv_test",
            Kind::StiScreening => "sti_screening",
            Kind::ContraceptiveInjection => "contraceptive_injection",
            Kind::ArtRefill => "art_refill",
            Kind::PepCourse => "pep_course",
            Kind::ClinicVisit => "clinic_visit",
            Kind::Counselling => "counselling",
            Kind::DailyPill => "daily_pill",
            Kind::Custom => "custom",
        }
    }

    pub fn parse(text: &str) -> Result<Kind> {
        let wanted = text.trim().to_lowercase().replace(['-', ' '], "_");
        Kind::ALL.into_iter().find(|kind| kind.name() == wanted).ok_or_else(|| {
            let names: Vec<&str> = Kind::ALL.iter().map(|kind| kind.name()).collect();
            Error::invalid("kind", format!("unknown kind; one of {}", names.join(", ")))
        })
    }

    /// The explicit name, shown only on an unlocked phone for explicit reminders.
    pub fn explicit_name(self) -> &'static str {
        match self {
            Kind::PrepRefill => "PrEP refill",
            Kind::HivTest => "HIV test",
            Kind::StiScreening => "STI screening",
            Kind::ContraceptiveInjection => "Contraceptive injection",
            Kind::ArtRefill => "ART refill",
            Kind::PepCourse => "PEP dose",
            Kind::ClinicVisit => "Clinic visit",
            Kind::Counselling => "Counselling",
            Kind::DailyPill => "Daily pill",
            Kind::Custom => "Reminder",
        }
    }

    /// The default repetition (the person can change it): PrEP refill and HIV test every 3
    /// months, STI screening every 6 months, the injection every 13 weeks (DMPA; 8 weeks for
    /// NET-EN), ART refill monthly, PEP daily for 28 days, a daily pill every day.
    pub fn default_recurrence(self) -> Option<Recurrence> {
        let every = |count, unit| Every { count, unit };
        match self {
            Kind::PrepRefill | Kind::HivTest => Some(Recurrence {
                every: every(3, Unit::Months),
                end: End::Never,
            }),
            Kind::StiScreening => Some(Recurrence {
                every: every(6, Unit::Months),
                end: End::Never,
            }),
            Kind::ContraceptiveInjection => Some(Recurrence {
                every: every(13, Unit::Weeks),
                end: End::Never,
            }),
            Kind::ArtRefill => Some(Recurrence {
                every: every(1, Unit::Months),
                end: End::Never,
            }),
            Kind::PepCourse => Some(Recurrence {
                every: every(1, Unit::Days),
                end: End::Count(28),
            }),
            Kind::DailyPill => Some(Recurrence {
                every: every(1, Unit::Days),
                end: End::Never,
            }),
            Kind::ClinicVisit | Kind::Counselling | Kind::Custom => None,
        }
    }

    /// Default offsets: the day before at 18:00 and at the time for appointments; at the time
    /// for pills and doses.
    pub fn default_offsets(self) -> Vec<Offset> {
        match self {
            Kind::PepCourse | Kind::DailyPill => vec![Offset::AtTime],
            _ => vec![
                Offset::DaysBeforeAt {
                    days: 1,
                    time: NaiveTime::from_hms_opt(18, 0, 0).expect("a valid time"),
                },
                Offset::AtTime,
            ],
        }
    }

    /// Whether taken/missed is logged per day.
    pub fn tracks_adherence(self) -> bool {
        matches!(self, Kind::PepCourse | Kind::DailyPill)
    }
}

/// When the appointments are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// A one-off appointment: an instant, and the zone it was made in (for "the day before at
    /// 18:00" and follow-ups in local time).
    Once { at: DateTime<Utc>, zone: String },
    /// A daily pill time or a recurring appointment: local wall-clock time in an IANA zone.
    Series(LocalSchedule),
}

/// A reminder as stored. Its `Debug` form shows the id only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reminder {
    pub id: String,
    pub kind: Kind,
    /// The person's own name for it (custom reminders); shown only unlocked and explicit.
    pub label: Option<String>,
    pub when: When,
    pub offsets: Vec<Offset>,
    /// Explicit wording once the phone is unlocked; the lock screen is always covert.
    pub explicit: bool,
    /// The covert text the person chose for it; `None` takes one from their list.
    pub covert_text: Option<String>,
    /// A site number from a clinic hand-over, if any.
    pub site: Option<u32>,
    /// The reminder a missed appointment's follow-up belongs to.
    pub follow_up_of: Option<String>,
}

impl std::fmt::Debug for Reminder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reminder").field("id", &self.id).finish_non_exhaustive()
    }
}

/// What the person asks for.
#[derive(Clone, PartialEq, Eq)]
pub struct NewReminder {
    pub kind: Kind,
    pub label: Option<String>,
    /// The local date and time of the (first) appointment.
    pub date: NaiveDate,
    pub time: NaiveTime,
    /// The zone the host reports now.
    pub zone: String,
    /// `None`: the kind's default; `Some(None)`: a one-off.
    pub recurrence: Option<Option<Recurrence>>,
    /// `None`: the kind's default offsets.
    pub offsets: Option<Vec<Offset>>,
    pub explicit: bool,
    pub covert_text: Option<String>,
    pub site: Option<u32>,
}

impl NewReminder {
    pub fn new(kind: Kind, date: NaiveDate, time: NaiveTime, zone: &str) -> NewReminder {
        NewReminder {
            kind,
            label: None,
            date,
            time,
            zone: zone.to_string(),
            recurrence: None,
            offsets: None,
            explicit: false,
            covert_text: None,
            site: None,
        }
    }
}

/// The state of one occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OccurrenceStatus {
    Done,
    Missed,
    Snoozed { until: DateTime<Utc> },
}

const MAX_REMINDERS: i64 = 500;
const MAX_LABEL_CHARS: usize = 60;
const MAX_OFFSETS: usize = 5;

fn new_id() -> Result<String> {
    Ok(hex::encode(crate::secret::random_array::<8>()?))
}

fn check_label(label: &Option<String>) -> Result<Option<String>> {
    match label {
        None => Ok(None),
        Some(text) => {
            let tidy = text.trim();
            if tidy.is_empty() {
                return Ok(None);
            }
            if tidy.chars().count() > MAX_LABEL_CHARS || tidy.chars().any(char::is_control) {
                return Err(Error::invalid(
                    "label",
                    format!("a label has at most {MAX_LABEL_CHARS} characters"),
                ));
            }
            Ok(Some(tidy.to_string()))
        }
    }
}

/// Adds a reminder; returns it as stored.
pub fn add(connection: &Connection, request: &NewReminder, now: DateTime<Utc>) -> Result<Reminder> {
    let count: i64 = connection.query_row("SELECT count(*) FROM reminders", [], |row| row.get(0))?;
    if count >= MAX_REMINDERS {
        return Err(Error::invalid("reminder", format!("at most {MAX_REMINDERS} reminders")));
    }
    let zone_schedule = LocalSchedule {
        start: request.date,
        time: request.time,
        zone: request.zone.clone(),
        recurrence: match &request.recurrence {
            Some(chosen) => chosen.clone(),
            None => request.kind.default_recurrence(),
        },
    };
    let zone = zone_schedule.validate()?;
    let when = match &zone_schedule.recurrence {
        Some(_) => When::Series(zone_schedule),
        None => When::Once {
            at: schedule::resolve_local(request.date, request.time, zone),
            zone: request.zone.clone(),
        },
    };
    let offsets = request
        .offsets
        .clone()
        .unwrap_or_else(|| request.kind.default_offsets());
    if offsets.is_empty() || offsets.len() > MAX_OFFSETS {
        return Err(Error::invalid(
            "offset",
            format!("give 1 to {MAX_OFFSETS} reminder times"),
        ));
    }
    if let Some(text) = &request.covert_text {
        plan::check_covert_text(text)?;
    }
    let reminder = Reminder {
        id: new_id()?,
        kind: request.kind,
        label: check_label(&request.label)?,
        when,
        offsets,
        explicit: request.explicit,
        covert_text: request.covert_text.clone(),
        site: request.site,
        follow_up_of: None,
    };
    store(connection, &reminder, now)?;
    Ok(reminder)
}

fn store(connection: &Connection, reminder: &Reminder, now: DateTime<Utc>) -> Result<()> {
    let body = serde_json::to_string(reminder).map_err(|_| Error::Internal("reminder encoding".into()))?;
    connection.execute(
        "INSERT INTO reminders (id, body, active, created_at) VALUES (?1, ?2, 1, ?3)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body",
        params![reminder.id, body, now.timestamp()],
    )?;
    Ok(())
}

/// Puts back a reminder from a backup, after checking it as if it were new.
pub(crate) fn restore(connection: &Connection, reminder: &Reminder, now: DateTime<Utc>) -> Result<()> {
    let damaged = |_| Error::BackupRejected("the backup is damaged: it holds a malformed reminder".into());
    if reminder.id.len() != 16 || !reminder.id.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(Error::BackupRejected(
            "the backup is damaged: it holds a malformed reminder".into(),
        ));
    }
    match &reminder.when {
        When::Series(series) => series.validate().map(|_| ()).map_err(damaged)?,
        When::Once { zone, .. } => zone
            .parse::<chrono_tz::Tz>()
            .map(|_| ())
            .map_err(|_| damaged(Error::DatabaseDamaged))?,
    }
    check_label(&reminder.label).map_err(damaged)?;
    if let Some(text) = &reminder.covert_text {
        plan::check_covert_text(text).map_err(damaged)?;
    }
    store(connection, reminder, now)
}

/// Every active reminder, oldest first.
pub fn list(connection: &Connection) -> Result<Vec<Reminder>> {
    let mut statement = connection.prepare("SELECT body FROM reminders WHERE active = 1 ORDER BY created_at, id")?;
    let bodies: Vec<String> = statement
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    bodies
        .iter()
        .map(|body| serde_json::from_str(body).map_err(|_| Error::DatabaseDamaged))
        .collect()
}

pub fn get(connection: &Connection, id: &str) -> Result<Reminder> {
    let body: Option<String> = connection
        .query_row("SELECT body FROM reminders WHERE id = ?1 AND active = 1", [id], |row| {
            row.get(0)
        })
        .optional()?;
    let body = body.ok_or_else(|| Error::invalid("id", format!("no reminder {id}")))?;
    serde_json::from_str(&body).map_err(|_| Error::DatabaseDamaged)
}

/// Deletes a reminder and everything logged about it.
pub fn remove(connection: &Connection, id: &str) -> Result<()> {
    get(connection, id)?;
    connection.execute("DELETE FROM reminders WHERE id = ?1", [id])?;
    connection.execute("DELETE FROM reminder_occurrences WHERE reminder_id = ?1", [id])?;
    connection.execute("DELETE FROM adherence WHERE reminder_id = ?1", [id])?;
    Ok(())
}

/// The instant of occurrence `index`.
pub fn occurrence_instant(reminder: &Reminder, index: u32) -> Result<Option<DateTime<Utc>>> {
    match &reminder.when {
        When::Once { at, .. } => Ok((index == 0).then_some(*at)),
        When::Series(series) => series.occurrence_instant(index),
    }
}

/// Occurrences with their instant in [from, to).
pub fn occurrences_between(
    reminder: &Reminder,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<(u32, DateTime<Utc>)>> {
    match &reminder.when {
        When::Once { at, .. } => Ok(if *at >= from && *at < to {
            vec![(0, *at)]
        } else {
            Vec::new()
        }),
        When::Series(series) => series.occurrences_between(from, to, limit),
    }
}

pub fn statuses(connection: &Connection, id: &str) -> Result<Vec<(u32, OccurrenceStatus)>> {
    let mut statement = connection
        .prepare("SELECT occurrence, status, snoozed_until FROM reminder_occurrences WHERE reminder_id = ?1")?;
    let rows = statement.query_map([id], |row| {
        Ok((
            row.get::<_, u32>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, Option<i64>>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (occurrence, status, until) = row?;
        let status = match (status.as_str(), until) {
            ("done", _) => OccurrenceStatus::Done,
            ("missed", _) => OccurrenceStatus::Missed,
            ("snoozed", Some(until)) => OccurrenceStatus::Snoozed {
                until: Utc.timestamp_opt(until, 0).single().ok_or(Error::DatabaseDamaged)?,
            },
            _ => return Err(Error::DatabaseDamaged),
        };
        out.push((occurrence, status));
    }
    Ok(out)
}

/// The occurrence a "done", "missed" or "snooze" refers to at `now`: the latest one that has
/// started (up to 12 hours ahead) and is not marked yet, else the next one.
pub fn current_occurrence(connection: &Connection, reminder: &Reminder, now: DateTime<Utc>) -> Result<u32> {
    let marked: Vec<u32> = statuses(connection, &reminder.id)?
        .into_iter()
        .filter(|(_, status)| matches!(status, OccurrenceStatus::Done | OccurrenceStatus::Missed))
        .map(|(index, _)| index)
        .collect();
    let horizon = now + Duration::hours(12);
    let recent = occurrences_between(reminder, now - Duration::days(400), horizon, 4000)?;
    if let Some((index, _)) = recent.iter().rev().find(|(index, _)| !marked.contains(index)) {
        return Ok(*index);
    }
    // The series engine jumps straight to the window, so looking a century ahead costs nothing.
    let upcoming = occurrences_between(reminder, horizon, horizon + Duration::days(36_600), 50)?;
    upcoming
        .into_iter()
        .map(|(index, _)| index)
        .find(|index| !marked.contains(index))
        .ok_or_else(|| Error::invalid("id", "this reminder has no occurrence left"))
}

fn set_status(
    connection: &Connection,
    id: &str,
    occurrence: u32,
    status: &str,
    until: Option<i64>,
    now: DateTime<Utc>,
) -> Result<()> {
    connection.execute(
        "INSERT INTO reminder_occurrences (reminder_id, occurrence, status, snoozed_until, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (reminder_id, occurrence) DO UPDATE SET status = excluded.status,
             snoozed_until = excluded.snoozed_until, updated_at = excluded.updated_at",
        params![id, occurrence, status, until, now.timestamp()],
    )?;
    Ok(())
}

/// Marks the current occurrence done (for pills and doses, logs it as taken that day).
pub fn mark_done(connection: &Connection, id: &str, now: DateTime<Utc>) -> Result<u32> {
    let reminder = get(connection, id)?;
    let occurrence = current_occurrence(connection, &reminder, now)?;
    set_status(connection, id, occurrence, "done", None, now)?;
    if reminder.kind.tracks_adherence() {
        record_dose(connection, &reminder, local_day(&reminder, occurrence)?, true)?;
    }
    Ok(occurrence)
}

/// Marks the current occurrence missed. For pills and doses it is logged; for an appointment a
/// gentle follow-up is added: the next day at 10:00, covert, once.
pub fn mark_missed(connection: &Connection, id: &str, now: DateTime<Utc>) -> Result<Option<Reminder>> {
    let reminder = get(connection, id)?;
    let occurrence = current_occurrence(connection, &reminder, now)?;
    set_status(connection, id, occurrence, "missed", None, now)?;
    if reminder.kind.tracks_adherence() {
        record_dose(connection, &reminder, local_day(&reminder, occurrence)?, false)?;
        return Ok(None);
    }
    let zone = zone_of(&reminder)?;
    let tomorrow = now.with_timezone(&zone).date_naive() + Duration::days(1);
    let follow_up = Reminder {
        id: new_id()?,
        kind: reminder.kind,
        label: reminder.label.clone(),
        when: When::Once {
            at: schedule::resolve_local(tomorrow, NaiveTime::from_hms_opt(10, 0, 0).expect("a valid time"), zone),
            zone: zone.name().to_string(),
        },
        offsets: vec![Offset::AtTime],
        explicit: reminder.explicit,
        covert_text: reminder.covert_text.clone(),
        site: reminder.site,
        follow_up_of: Some(reminder.id.clone()),
    };
    store(connection, &follow_up, now)?;
    Ok(Some(follow_up))
}

/// Postpones the current occurrence's notification by `minutes` (5 to 1440).
pub fn snooze(connection: &Connection, id: &str, minutes: u32, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    if !(5..=1440).contains(&minutes) {
        return Err(Error::invalid("minutes", "snooze for 5 to 1440 minutes"));
    }
    let reminder = get(connection, id)?;
    let occurrence = current_occurrence(connection, &reminder, now)?;
    let until = now + Duration::minutes(minutes as i64);
    set_status(connection, id, occurrence, "snoozed", Some(until.timestamp()), now)?;
    Ok(until)
}

/// The zone a reminder's local times live in.
pub fn zone_of(reminder: &Reminder) -> Result<chrono_tz::Tz> {
    match &reminder.when {
        When::Series(series) => series.zone(),
        When::Once { zone, .. } => zone
            .parse::<chrono_tz::Tz>()
            .map_err(|_| Error::invalid("zone", format!("unknown time zone {zone:?}"))),
    }
}

fn local_day(reminder: &Reminder, occurrence: u32) -> Result<NaiveDate> {
    match &reminder.when {
        When::Series(series) => series
            .occurrence_date(occurrence)
            .ok_or_else(|| Error::invalid("id", "this occurrence is past the end of the course")),
        When::Once { at, zone } => {
            let zone: chrono_tz::Tz = zone.parse().map_err(|_| Error::DatabaseDamaged)?;
            Ok(at.with_timezone(&zone).date_naive())
        }
    }
}

/// Logs a dose as taken or missed on a local day.
pub fn record_dose(connection: &Connection, reminder: &Reminder, day: NaiveDate, taken: bool) -> Result<()> {
    if !reminder.kind.tracks_adherence() {
        return Err(Error::invalid("id", "only pills and courses keep an adherence log"));
    }
    connection.execute(
        "INSERT INTO adherence (reminder_id, day, taken) VALUES (?1, ?2, ?3)
         ON CONFLICT (reminder_id, day) DO UPDATE SET taken = excluded.taken",
        params![reminder.id, day.format("%Y-%m-%d").to_string(), taken],
    )?;
    Ok(())
}

/// Taken or missed per day, a streak and the share taken over the last 30 days.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Adherence {
    pub reminder_id: String,
    /// Consecutive days taken, ending today (or yesterday when today is not logged yet).
    pub current_streak: u32,
    pub taken_last_30_days: u32,
    pub missed_last_30_days: u32,
    /// Taken days over the days of the last 30 on which a dose was due or logged (days due
    /// without a log count as not taken), from 0 to 1.
    pub share_taken_last_30_days: f64,
    /// The last 30 days, oldest first: `Some(true)` taken, `Some(false)` missed, `None` not logged.
    pub days: Vec<(NaiveDate, Option<bool>)>,
}

pub fn adherence(connection: &Connection, id: &str, today: NaiveDate) -> Result<Adherence> {
    let reminder = get(connection, id)?;
    if !reminder.kind.tracks_adherence() {
        return Err(Error::invalid("id", "only pills and courses keep an adherence log"));
    }
    let first_due = match &reminder.when {
        When::Series(series) => series.start,
        When::Once { at, .. } => at.date_naive(),
    };
    let mut statement = connection.prepare("SELECT day, taken FROM adherence WHERE reminder_id = ?1")?;
    let logged: std::collections::HashMap<String, bool> = statement
        .query_map([id], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let status_of = |day: NaiveDate| logged.get(&day.format("%Y-%m-%d").to_string()).copied();
    let days: Vec<(NaiveDate, Option<bool>)> = (0..30)
        .rev()
        .map(|back| today - Duration::days(back))
        .map(|day| (day, status_of(day)))
        .collect();
    // A day counts when a dose was due (from the start on) or when one was logged anyway.
    let due_days = days
        .iter()
        .filter(|(day, status)| *day >= first_due || status.is_some())
        .count() as u32;
    let taken = days.iter().filter(|(_, status)| *status == Some(true)).count() as u32;
    let missed = days.iter().filter(|(_, status)| *status == Some(false)).count() as u32;
    let mut streak = 0;
    let mut day = if status_of(today).is_some() {
        today
    } else {
        today - Duration::days(1)
    };
    while status_of(day) == Some(true) && streak < 100_000 {
        streak += 1;
        day -= Duration::days(1);
    }
    Ok(Adherence {
        reminder_id: id.to_string(),
        current_streak: streak,
        taken_last_30_days: taken,
        missed_last_30_days: missed,
        share_taken_last_30_days: if due_days == 0 {
            0.0
        } else {
            taken as f64 / due_days as f64
        },
        days,
    })
}

const QUIET_HOURS_META_KEY: &str = "quiet_hours";

pub fn quiet_hours(connection: &Connection) -> Result<Option<QuietHours>> {
    match crate::store::profile::meta_get(connection, QUIET_HOURS_META_KEY)? {
        Some(bytes) => Ok(Some(
            serde_json::from_slice(&bytes).map_err(|_| Error::DatabaseDamaged)?,
        )),
        None => Ok(None),
    }
}

pub fn set_quiet_hours(connection: &Connection, quiet: Option<&QuietHours>) -> Result<()> {
    match quiet {
        Some(quiet) => crate::store::profile::meta_set(
            connection,
            QUIET_HOURS_META_KEY,
            &serde_json::to_vec(quiet).map_err(|_| Error::Internal("quiet hours encoding".into()))?,
        ),
        None => {
            connection.execute("DELETE FROM profile_meta WHERE key = ?1", [QUIET_HOURS_META_KEY])?;
            Ok(())
        }
    }
}

/// A reminder request as text (the CLI's flags, the shells' form fields), parsed in one place.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ReminderText {
    pub kind: String,
    /// "2026-12-01 08:00" (local, in `zone`).
    pub at: String,
    /// The IANA zone the host reports.
    pub zone: String,
    /// "13w", "3m", "1d"; absent: the kind's default.
    pub every: Option<String>,
    pub count: Option<u32>,
    /// "2027-06-30", inclusive.
    pub until: Option<String>,
    /// A one-off, whatever the kind's default.
    pub once: bool,
    /// "at", "2h", "1d@18:00"; empty: the kind's default.
    pub offsets: Vec<String>,
    pub explicit: bool,
    pub label: Option<String>,
    pub covert_text: Option<String>,
}

impl ReminderText {
    pub fn parse(&self) -> Result<NewReminder> {
        let kind = Kind::parse(&self.kind)?;
        let (date, time) = schedule::parse_local_datetime(&self.at)?;
        let mut request = NewReminder::new(kind, date, time, self.zone.trim());
        let end = match (self.count, &self.until) {
            (Some(_), Some(_)) => return Err(Error::invalid("until", "give a count or an end date, not both")),
            (Some(count), None) => Some(End::Count(count)),
            (None, Some(until)) => Some(End::Until(schedule::parse_date(until)?)),
            (None, None) => None,
        };
        request.recurrence = if self.once {
            if self.every.is_some() || end.is_some() {
                return Err(Error::invalid("every", "a one-off reminder does not repeat"));
            }
            Some(None)
        } else {
            match (&self.every, end) {
                (Some(every), end) => Some(Some(Recurrence {
                    every: Every::parse(every)?,
                    end: end.unwrap_or(End::Never),
                })),
                (None, Some(end)) => match kind.default_recurrence() {
                    Some(default) => Some(Some(Recurrence {
                        every: default.every,
                        end,
                    })),
                    None => return Err(Error::invalid("every", "say how often it repeats (--every)")),
                },
                (None, None) => None,
            }
        };
        if !self.offsets.is_empty() {
            request.offsets = Some(
                self.offsets
                    .iter()
                    .map(|text| Offset::parse(text))
                    .collect::<Result<_>>()?,
            );
        }
        request.explicit = self.explicit;
        request.label = self.label.clone();
        request.covert_text = self.covert_text.clone();
        Ok(request)
    }
}
