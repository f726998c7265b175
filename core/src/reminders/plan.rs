//! The notification plan: what fires when, with which words, and keeping the host's scheduled
//! notifications equal to it.
//!
//! Wording: every notification has a **public** version (the lock screen): the cover's title and a
//! covert text, nothing about health, medicine, HIV, the clinic or violence. An explicit reminder
//! adds a **private** version (the appointment named) that the host shows only once the phone is
//! unlocked (Android's public notification version, iOS hidden previews). Covert texts come from
//! the person's own list, or the cover's; every one is checked against revealing words in English
//! and Portuguese.
//!
//! Ids are opaque: an HMAC, under a random per-profile key, of the reminder, occurrence, offset,
//! time and texts. They say nothing, and any change to a notification gives it a new id, so
//! reconciling is a set difference: schedule the missing, cancel the stale; a second reconcile
//! makes no call. The host's limit on pending notifications (iOS: 64) keeps the soonest.
//!
//! After every change and unlock the *locked plan* (ids, times and public texts only) is written
//! to the device store, so that a reconcile without the PIN (the host's boot receiver: Android
//! forgets alarms on reboot) can restore what must fire while the profile is locked.

use chrono::{DateTime, Duration, TimeZone, Utc};
use ring::hmac;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::disguise::cover::{revealing_word, Cover};
use crate::error::{Error, Result};
use crate::reminders::{self, OccurrenceStatus, Reminder};
use crate::store::device::DeviceStore;
use crate::store::profile;

/// One notification for the host to schedule. Its `Debug` form hides the private texts.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedNotification {
    pub id: String,
    pub fire_at: DateTime<Utc>,
    /// The lock-screen version: always covert.
    pub title: String,
    pub body: String,
    /// Shown only once the phone is unlocked; present for explicit reminders only.
    pub private_title: Option<String>,
    pub private_body: Option<String>,
}

impl std::fmt::Debug for PlannedNotification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlannedNotification")
            .field("id", &self.id)
            .field("fire_at", &self.fire_at)
            .field("title", &self.title)
            .field("body", &self.body)
            .finish_non_exhaustive()
    }
}

/// What the host's scheduler does (the Android AlarmManager/WorkManager shell, iOS
/// UNUserNotificationCenter).
pub trait NotificationScheduler: Send + Sync {
    fn schedule(&self, notification: &PlannedNotification) -> Result<()>;
    fn cancel(&self, id: &str) -> Result<()>;
    /// The ids the host has pending, or `None` if it cannot list them (then the core keeps its
    /// own record in the device store).
    fn pending(&self) -> Result<Option<Vec<String>>>;
    /// How many notifications the host can hold pending at once (iOS: 64).
    fn max_pending(&self) -> u32;
}

/// What a reconcile did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    pub scheduled: u32,
    pub cancelled: u32,
    pub pending: u32,
}

const DEVICE_NAMESPACE: &str = "notifications";
const LOCKED_PLAN_KEY: &str = "locked_plan";
const SCHEDULED_RECORD_KEY: &str = "scheduled";
const ID_KEY_META: &str = "notification_id_key";
/// The horizon the plan looks ahead by default.
pub const DEFAULT_HORIZON_DAYS: i64 = 35;
const MAX_COVERT_TEXT_CHARS: usize = 80;
const MAX_COVERT_TEXTS: usize = 30;

/// Portuguese words that would give the app away (English ones are the cover's list).
pub const REVEALING_WORDS_PORTUGUESE: &[&str] = &[
    "saúde",
    "saude",
    "clínica",
    "clinica",
    "hospital",
    "teste",
    "testagem",
    "violência",
    "violencia",
    "polícia",
    "policia",
    "medicamento",
    "remédio",
    "remedio",
    "comprimido",
    "injeção",
    "injecção",
    "injecao",
    "preservativo",
    "denúncia",
    "denuncia",
    "relatório",
    "relatorio",
    "gravidez",
    "vih",
    "sida",
    "tratamento",
    "consulta",
    "enfermeira",
    "médico",
    "medico",
    "abuso",
    "violação",
    "violacao",
    "agressão",
    "agressao",
    "sexo",
    "segredo",
];

/// Refuses a covert text that names anything revealing, in English or Portuguese.
pub fn check_covert_text(text: &str) -> Result<()> {
    let tidy = text.trim();
    if tidy.is_empty() || tidy.chars().count() > MAX_COVERT_TEXT_CHARS || tidy.chars().any(char::is_control) {
        return Err(Error::invalid(
            "covert_text",
            format!("a covert text has 1 to {MAX_COVERT_TEXT_CHARS} characters"),
        ));
    }
    let lower = tidy.to_lowercase();
    let portuguese = lower
        .split(|c: char| !c.is_alphanumeric())
        .any(|word| REVEALING_WORDS_PORTUGUESE.iter().any(|bad| word.starts_with(bad)));
    // The word itself is not repeated: the message must not carry health words into logs.
    if revealing_word(tidy).is_some() || portuguese {
        return Err(Error::invalid(
            "covert_text",
            "a word in this text could give the reminder away on the lock screen",
        ));
    }
    Ok(())
}

/// The person's covert texts, or the cover's when they have not written their own.
pub fn covert_texts(connection: &Connection, cover: &Cover) -> Result<Vec<String>> {
    let mut statement = connection.prepare("SELECT text FROM covert_texts ORDER BY position")?;
    let own: Vec<String> = statement
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(if own.is_empty() {
        cover.notification_texts.clone()
    } else {
        own
    })
}

/// Replaces the person's covert texts (an empty list goes back to the cover's).
pub fn set_covert_texts(connection: &Connection, texts: &[String]) -> Result<()> {
    if texts.len() > MAX_COVERT_TEXTS {
        return Err(Error::invalid(
            "covert_text",
            format!("at most {MAX_COVERT_TEXTS} texts"),
        ));
    }
    for text in texts {
        check_covert_text(text)?;
    }
    connection.execute("DELETE FROM covert_texts", [])?;
    for (position, text) in texts.iter().enumerate() {
        connection.execute(
            "INSERT INTO covert_texts (position, text) VALUES (?1, ?2)",
            params![position as i64, text.trim()],
        )?;
    }
    Ok(())
}

fn id_key(connection: &Connection) -> Result<hmac::Key> {
    let bytes = match profile::meta_get(connection, ID_KEY_META)? {
        Some(bytes) if bytes.len() == 32 => bytes,
        _ => {
            let fresh = crate::secret::random_array::<32>()?.to_vec();
            profile::meta_set(connection, ID_KEY_META, &fresh)?;
            fresh
        }
    };
    Ok(hmac::Key::new(hmac::HMAC_SHA256, &bytes))
}

/// The notifications due in `[now, now + horizon)`, soonest first.
pub fn plan(
    connection: &Connection,
    cover: &Cover,
    now: DateTime<Utc>,
    horizon: Duration,
) -> Result<Vec<PlannedNotification>> {
    let texts = covert_texts(connection, cover)?;
    let quiet = reminders::quiet_hours(connection)?;
    let key = id_key(connection)?;
    let end = now + horizon;
    let mut planned = Vec::new();
    for reminder in reminders::list(connection)? {
        let zone = reminders::zone_of(&reminder)?;
        let statuses = reminders::statuses(connection, &reminder.id)?;
        // Offsets reach up to 60 days before an occurrence: look that far past the horizon.
        for (occurrence, instant) in
            reminders::occurrences_between(&reminder, now - Duration::days(2), end + Duration::days(61), 500)?
        {
            let status = statuses
                .iter()
                .find(|(index, _)| *index == occurrence)
                .map(|(_, status)| *status);
            if matches!(status, Some(OccurrenceStatus::Done | OccurrenceStatus::Missed)) {
                continue;
            }
            let fire_times: Vec<(usize, DateTime<Utc>)> = match status {
                Some(OccurrenceStatus::Snoozed { until }) => vec![(usize::MAX, until)],
                _ => reminder
                    .offsets
                    .iter()
                    .enumerate()
                    .map(|(position, offset)| {
                        let at = offset.fire_instant(instant, zone);
                        (position, quiet.as_ref().map_or(at, |quiet| quiet.shift(at, zone)))
                    })
                    .collect(),
            };
            for (position, fire_at) in fire_times {
                if fire_at < now || fire_at >= end {
                    continue;
                }
                planned.push(notification(
                    &key, &reminder, occurrence, position, instant, fire_at, zone, cover, &texts,
                ));
            }
        }
    }
    planned.sort_by(|a, b| a.fire_at.cmp(&b.fire_at).then_with(|| a.id.cmp(&b.id)));
    Ok(planned)
}

#[allow(clippy::too_many_arguments)]
fn notification(
    key: &hmac::Key,
    reminder: &Reminder,
    occurrence: u32,
    offset_position: usize,
    appointment: DateTime<Utc>,
    fire_at: DateTime<Utc>,
    zone: chrono_tz::Tz,
    cover: &Cover,
    texts: &[String],
) -> PlannedNotification {
    let body = match &reminder.covert_text {
        Some(text) => text.clone(),
        None => {
            // The same reminder keeps the same text; different ones vary.
            let pick = reminder
                .id
                .bytes()
                .fold(0usize, |sum, byte| sum.wrapping_mul(31).wrapping_add(byte as usize));
            texts
                .get(pick % texts.len().max(1))
                .cloned()
                .unwrap_or_else(|| cover.app_label.clone())
        }
    };
    let (private_title, private_body) = if reminder.explicit {
        let name = reminder
            .label
            .clone()
            .unwrap_or_else(|| reminder.kind.explicit_name().to_string());
        let local = appointment.with_timezone(&zone);
        (
            Some(name.clone()),
            Some(format!("{name}: {}", local.format("%a %d %b %H:%M"))),
        )
    } else {
        (None, None)
    };
    let title = cover.notification_title.clone();
    let mut material = format!(
        "{}|{occurrence}|{offset_position}|{}|{title}|{body}",
        reminder.id,
        fire_at.timestamp()
    );
    if let (Some(private_title), Some(private_body)) = (&private_title, &private_body) {
        material.push_str(&format!("|{private_title}|{private_body}"));
    }
    let tag = hmac::sign(key, material.as_bytes());
    PlannedNotification {
        id: hex::encode(&tag.as_ref()[..12]),
        fire_at,
        title,
        body,
        private_title,
        private_body,
    }
}

/// The public part of a plan, kept in the device store for reconciles without the PIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct LockedEntry {
    id: String,
    fire_at: i64,
    title: String,
    body: String,
}

/// Writes the locked plan: ids, fire times and public texts only.
pub fn write_locked_plan(store: &DeviceStore, plan: &[PlannedNotification]) -> Result<()> {
    let entries: Vec<LockedEntry> = plan
        .iter()
        .map(|n| LockedEntry {
            id: n.id.clone(),
            fire_at: n.fire_at.timestamp(),
            title: n.title.clone(),
            body: n.body.clone(),
        })
        .collect();
    store.put(
        DEVICE_NAMESPACE,
        LOCKED_PLAN_KEY,
        &serde_json::to_vec(&entries).map_err(|_| Error::Internal("plan encoding".into()))?,
    )
}

/// Writes the locked plan back unchanged: the device-store work of an unlock, for a wrong PIN.
pub fn rewrite_locked_plan(store: &DeviceStore) -> Result<()> {
    let bytes = store
        .get(DEVICE_NAMESPACE, LOCKED_PLAN_KEY)?
        .unwrap_or_else(|| b"[]".to_vec());
    store.put(DEVICE_NAMESPACE, LOCKED_PLAN_KEY, &bytes)
}

/// The locked plan as notifications (public texts only), from `now` on.
pub fn read_locked_plan(store: &DeviceStore, now: DateTime<Utc>) -> Result<Vec<PlannedNotification>> {
    let Some(bytes) = store.get(DEVICE_NAMESPACE, LOCKED_PLAN_KEY)? else {
        return Ok(Vec::new());
    };
    let entries: Vec<LockedEntry> = serde_json::from_slice(&bytes).map_err(|_| Error::DatabaseDamaged)?;
    Ok(entries
        .into_iter()
        .filter_map(|entry| {
            let fire_at = Utc.timestamp_opt(entry.fire_at, 0).single()?;
            (fire_at >= now).then_some(PlannedNotification {
                id: entry.id,
                fire_at,
                title: entry.title,
                body: entry.body,
                private_title: None,
                private_body: None,
            })
        })
        .collect())
}

/// Makes the host's pending notifications equal to `plan` (the soonest `max_pending` of it):
/// cancels the stale, schedules the missing. Idempotent.
pub fn reconcile(
    store: &DeviceStore,
    scheduler: &dyn NotificationScheduler,
    plan: &[PlannedNotification],
) -> Result<ReconcileReport> {
    let limit = scheduler.max_pending() as usize;
    let wanted: Vec<&PlannedNotification> = plan.iter().take(limit).collect();
    let recorded = || -> Result<Vec<String>> {
        Ok(match store.get(DEVICE_NAMESPACE, SCHEDULED_RECORD_KEY)? {
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|_| Error::DatabaseDamaged)?,
            None => Vec::new(),
        })
    };
    let pending = match scheduler.pending()? {
        Some(ids) => ids,
        None => recorded()?,
    };
    let mut report = ReconcileReport::default();
    // What the host holds, kept up to date call by call, so that a failure halfway leaves a record
    // that matches what the host really has.
    let mut holding: Vec<String> = pending.clone();
    let outcome = (|| -> Result<()> {
        for id in &pending {
            if !wanted.iter().any(|notification| &notification.id == id) {
                scheduler.cancel(id)?;
                holding.retain(|held| held != id);
                report.cancelled += 1;
            }
        }
        for notification in &wanted {
            if !pending.contains(&notification.id) {
                scheduler.schedule(notification)?;
                holding.push(notification.id.clone());
                report.scheduled += 1;
            }
        }
        Ok(())
    })();
    report.pending = holding.len() as u32;
    if recorded()? != holding {
        store.put(
            DEVICE_NAMESPACE,
            SCHEDULED_RECORD_KEY,
            &serde_json::to_vec(&holding).map_err(|_| Error::Internal("record encoding".into()))?,
        )?;
    }
    outcome?;
    Ok(report)
}
