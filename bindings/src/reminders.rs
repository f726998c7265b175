//! Reminders and the notification plan, as the shells see them.

use std::sync::Arc;

use corridor_core::reminders::handover::Handover;
use corridor_core::reminders::plan::{NotificationScheduler as CoreScheduler, PlannedNotification, ReconcileReport};
use corridor_core::reminders::schedule::{parse_date, parse_local_datetime, QuietHours};
use corridor_core::reminders::{self as core_reminders, Kind, Reminder, ReminderBook, ReminderText, When};

use crate::error::CorridorError;
use crate::vault::{ProfileSession, Vault};

type Result<T> = std::result::Result<T, CorridorError>;

/// One notification for the host: show `title`/`body` on the lock screen; `private_*`, when
/// present, only once the phone is unlocked (Android's public version, iOS hidden previews).
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScheduledNotification {
    pub id: String,
    pub fire_at_unix: i64,
    pub title: String,
    pub body: String,
    pub private_title: Option<String>,
    pub private_body: Option<String>,
}

impl From<&PlannedNotification> for ScheduledNotification {
    fn from(notification: &PlannedNotification) -> Self {
        ScheduledNotification {
            id: notification.id.clone(),
            fire_at_unix: notification.fire_at.timestamp(),
            title: notification.title.clone(),
            body: notification.body.clone(),
            private_title: notification.private_title.clone(),
            private_body: notification.private_body.clone(),
        }
    }
}

/// The host's notification scheduler.
#[uniffi::export(foreign)]
pub trait NotificationScheduler: Send + Sync {
    fn schedule(&self, notification: ScheduledNotification) -> std::result::Result<(), CorridorError>;
    fn cancel(&self, id: String) -> std::result::Result<(), CorridorError>;
    /// The ids pending, or null if the host cannot list them (the core then keeps a record).
    fn pending(&self) -> std::result::Result<Option<Vec<String>>, CorridorError>;
    /// How many notifications may be pending at once (iOS: 64).
    fn max_pending(&self) -> u32;
}

struct SchedulerShim(Arc<dyn NotificationScheduler>);

fn platform(error: CorridorError) -> corridor_core::Error {
    corridor_core::Error::Platform(error.to_string())
}

impl CoreScheduler for SchedulerShim {
    fn schedule(&self, notification: &PlannedNotification) -> corridor_core::Result<()> {
        self.0.schedule(notification.into()).map_err(platform)
    }

    fn cancel(&self, id: &str) -> corridor_core::Result<()> {
        self.0.cancel(id.to_string()).map_err(platform)
    }

    fn pending(&self) -> corridor_core::Result<Option<Vec<String>>> {
        self.0.pending().map_err(platform)
    }

    fn max_pending(&self) -> u32 {
        self.0.max_pending()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReconcileResult {
    pub scheduled: u32,
    pub cancelled: u32,
    pub pending: u32,
}

impl From<ReconcileReport> for ReconcileResult {
    fn from(report: ReconcileReport) -> Self {
        ReconcileResult {
            scheduled: report.scheduled,
            cancelled: report.cancelled,
            pending: report.pending,
        }
    }
}

/// A reminder request as the form fields give it (see `ReminderText` in the core).
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReminderRequest {
    pub kind: String,
    pub at: String,
    pub zone: String,
    pub every: Option<String>,
    pub count: Option<u32>,
    pub until: Option<String>,
    pub once: bool,
    pub offsets: Vec<String>,
    pub explicit: bool,
    pub label: Option<String>,
    pub covert_text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReminderInfo {
    pub id: String,
    pub kind: String,
    pub label: Option<String>,
    pub explicit: bool,
    pub recurring: bool,
    pub site: Option<u32>,
    pub follow_up: bool,
}

impl From<&Reminder> for ReminderInfo {
    fn from(reminder: &Reminder) -> Self {
        ReminderInfo {
            id: reminder.id.clone(),
            kind: reminder.kind.name().to_string(),
            label: reminder.label.clone(),
            explicit: reminder.explicit,
            recurring: matches!(reminder.when, When::Series(_)),
            site: reminder.site,
            follow_up: reminder.follow_up_of.is_some(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AdherenceInfo {
    pub current_streak: u32,
    pub taken_last_30_days: u32,
    pub missed_last_30_days: u32,
    pub share_taken_last_30_days: f64,
}

/// The reminders of an unlocked profile.
#[derive(uniffi::Object)]
pub struct Reminders {
    inner: ReminderBook,
}

#[uniffi::export]
impl Reminders {
    #[uniffi::constructor]
    pub fn new(session: Arc<ProfileSession>) -> Arc<Self> {
        Arc::new(Reminders {
            inner: ReminderBook::new(session.inner.clone()),
        })
    }

    pub fn add(&self, request: ReminderRequest) -> Result<ReminderInfo> {
        let text = ReminderText {
            kind: request.kind,
            at: request.at,
            zone: request.zone,
            every: request.every,
            count: request.count,
            until: request.until,
            once: request.once,
            offsets: request.offsets,
            explicit: request.explicit,
            label: request.label,
            covert_text: request.covert_text,
        };
        Ok(ReminderInfo::from(&self.inner.add(&text.parse()?)?))
    }

    /// Imports a clinic hand-over payload (scanned QR) as a reminder in the host's zone.
    pub fn import_handover(&self, payload: String, zone: String) -> Result<ReminderInfo> {
        Ok(ReminderInfo::from(&self.inner.import_handover(&payload, &zone)?))
    }

    pub fn list(&self) -> Result<Vec<ReminderInfo>> {
        Ok(self.inner.list()?.iter().map(ReminderInfo::from).collect())
    }

    pub fn remove(&self, id: String) -> Result<()> {
        Ok(self.inner.remove(&id)?)
    }

    pub fn mark_done(&self, id: String) -> Result<()> {
        self.inner.mark_done(&id)?;
        Ok(())
    }

    /// Returns the gentle follow-up made for a missed appointment, if any.
    pub fn mark_missed(&self, id: String) -> Result<Option<ReminderInfo>> {
        Ok(self.inner.mark_missed(&id)?.as_ref().map(ReminderInfo::from))
    }

    /// Returns when the notification fires again (Unix seconds).
    pub fn snooze(&self, id: String, minutes: u32) -> Result<i64> {
        Ok(self.inner.snooze(&id, minutes)?.timestamp())
    }

    /// Logs a dose as taken or missed on a day ("2026-12-01").
    pub fn record_dose(&self, id: String, day: String, taken: bool) -> Result<()> {
        Ok(self.inner.record_dose(&id, parse_date(&day)?, taken)?)
    }

    pub fn adherence(&self, id: String, today: String) -> Result<AdherenceInfo> {
        let summary = self.inner.adherence(&id, parse_date(&today)?)?;
        Ok(AdherenceInfo {
            current_streak: summary.current_streak,
            taken_last_30_days: summary.taken_last_30_days,
            missed_last_30_days: summary.missed_last_30_days,
            share_taken_last_30_days: summary.share_taken_last_30_days,
        })
    }

    /// The notifications due in the next `days` days.
    pub fn plan(&self, days: u32) -> Result<Vec<ScheduledNotification>> {
        Ok(self.inner.plan(days)?.iter().map(ScheduledNotification::from).collect())
    }

    /// Makes the host's scheduled notifications equal to the plan; idempotent.
    pub fn reconcile(&self, scheduler: Arc<dyn NotificationScheduler>) -> Result<ReconcileResult> {
        Ok(self.inner.reconcile(&SchedulerShim(scheduler))?.into())
    }

    pub fn covert_texts(&self) -> Result<Vec<String>> {
        Ok(self.inner.covert_texts()?)
    }

    /// Replaces the person's covert texts (each checked for revealing words); empty: the cover's.
    pub fn set_covert_texts(&self, texts: Vec<String>) -> Result<()> {
        Ok(self.inner.set_covert_texts(&texts)?)
    }

    /// Quiet hours as "22:00-07:00", or null for none.
    pub fn set_quiet_hours(&self, quiet_hours: Option<String>) -> Result<()> {
        let quiet = quiet_hours.as_deref().map(QuietHours::parse).transpose()?;
        Ok(self.inner.set_quiet_hours(quiet.as_ref())?)
    }
}

#[uniffi::export]
impl Vault {
    /// Registers the host's scheduler so that quick delete and the wipe cancel every scheduled
    /// notification before erasing.
    pub fn set_notification_scheduler(&self, scheduler: Arc<dyn NotificationScheduler>) {
        self.inner
            .set_notification_scheduler(Arc::new(SchedulerShim(scheduler)))
    }

    /// A reconcile without the PIN, from the locked plan (the host's boot receiver).
    pub fn reconcile_locked(&self, scheduler: Arc<dyn NotificationScheduler>) -> Result<ReconcileResult> {
        Ok(core_reminders::reconcile_locked(&self.inner, &SchedulerShim(scheduler))?.into())
    }
}

/// The clinic hand-over payload for a next appointment (digits and dashes only).
#[uniffi::export]
pub fn encode_handover(kind: String, at: String, site: Option<u32>) -> Result<String> {
    let (date, time) = parse_local_datetime(&at)?;
    Ok(Handover {
        kind: Kind::parse(&kind)?,
        date,
        time,
        site,
    }
    .encode()?)
}
