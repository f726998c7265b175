//! A profile's reminders as the shells and the CLI use them: every change refreshes the locked
//! plan in the device store, so that what must fire while the profile is locked is always there.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::disguise::{cover_in, current_cover};
use crate::error::Result;
use crate::reminders::handover::Handover;
use crate::reminders::plan::{self, NotificationScheduler, PlannedNotification, ReconcileReport};
use crate::reminders::schedule::QuietHours;
use crate::reminders::{self as model, Adherence, NewReminder, Reminder};
use crate::store::device::DeviceStore;
use crate::vault::{Session, Vault};

/// The reminders of an unlocked profile.
#[derive(Clone)]
pub struct ReminderBook {
    session: Session,
}

impl ReminderBook {
    pub fn new(session: Session) -> ReminderBook {
        ReminderBook { session }
    }

    fn now(&self) -> DateTime<Utc> {
        chrono::DateTime::from_timestamp(self.session.vault().clock_now_unix(), 0).unwrap_or_default()
    }

    pub fn add(&self, request: &NewReminder) -> Result<Reminder> {
        let now = self.now();
        let reminder = self
            .session
            .with_connection(|connection| model::add(connection, request, now))?;
        self.refresh_locked_plan()?;
        Ok(reminder)
    }

    /// Imports a clinic hand-over payload as a one-off reminder in the host's zone.
    pub fn import_handover(&self, payload: &str, zone: &str) -> Result<Reminder> {
        let handover = Handover::decode(payload)?;
        let mut request = NewReminder::new(handover.kind, handover.date, handover.time, zone);
        request.recurrence = Some(None);
        request.site = handover.site;
        self.add(&request)
    }

    pub fn list(&self) -> Result<Vec<Reminder>> {
        self.session.with_connection(model::list)
    }

    pub fn remove(&self, id: &str) -> Result<()> {
        self.session
            .with_connection(|connection| model::remove(connection, id))?;
        self.refresh_locked_plan().map(|_| ())
    }

    pub fn mark_done(&self, id: &str) -> Result<u32> {
        let now = self.now();
        let occurrence = self
            .session
            .with_connection(|connection| model::mark_done(connection, id, now))?;
        self.refresh_locked_plan()?;
        Ok(occurrence)
    }

    /// Returns the gentle follow-up made for a missed appointment, if any.
    pub fn mark_missed(&self, id: &str) -> Result<Option<Reminder>> {
        let now = self.now();
        let follow_up = self
            .session
            .with_connection(|connection| model::mark_missed(connection, id, now))?;
        self.refresh_locked_plan()?;
        Ok(follow_up)
    }

    pub fn snooze(&self, id: &str, minutes: u32) -> Result<DateTime<Utc>> {
        let now = self.now();
        let until = self
            .session
            .with_connection(|connection| model::snooze(connection, id, minutes, now))?;
        self.refresh_locked_plan()?;
        Ok(until)
    }

    /// Logs a dose of a pill or course as taken or missed on a day.
    pub fn record_dose(&self, id: &str, day: NaiveDate, taken: bool) -> Result<()> {
        self.session.with_connection(|connection| {
            let reminder = model::get(connection, id)?;
            model::record_dose(connection, &reminder, day, taken)
        })
    }

    pub fn adherence(&self, id: &str, today: NaiveDate) -> Result<Adherence> {
        self.session
            .with_connection(|connection| model::adherence(connection, id, today))
    }

    pub fn quiet_hours(&self) -> Result<Option<QuietHours>> {
        self.session.with_connection(model::quiet_hours)
    }

    pub fn set_quiet_hours(&self, quiet: Option<&QuietHours>) -> Result<()> {
        self.session
            .with_connection(|connection| model::set_quiet_hours(connection, quiet))?;
        self.refresh_locked_plan().map(|_| ())
    }

    pub fn covert_texts(&self) -> Result<Vec<String>> {
        let cover = current_cover(self.session.vault())?;
        self.session
            .with_connection(|connection| plan::covert_texts(connection, &cover))
    }

    pub fn set_covert_texts(&self, texts: &[String]) -> Result<()> {
        self.session
            .with_connection(|connection| plan::set_covert_texts(connection, texts))?;
        self.refresh_locked_plan().map(|_| ())
    }

    /// The notifications due in the next `days` days, with their public and private texts.
    pub fn plan(&self, days: u32) -> Result<Vec<PlannedNotification>> {
        self.plan_with(&current_cover(self.session.vault())?, days)
    }

    fn plan_with(&self, cover: &crate::disguise::cover::Cover, days: u32) -> Result<Vec<PlannedNotification>> {
        let now = self.now();
        let horizon = Duration::days(days.clamp(1, 400) as i64);
        self.session
            .with_connection(|connection| plan::plan(connection, cover, now, horizon))
    }

    /// Writes the locked plan (ids, times, public texts) to the device store.
    pub fn refresh_locked_plan(&self) -> Result<Vec<PlannedNotification>> {
        let store = self.session.vault().device_store()?;
        self.refresh_in(&store)
    }

    fn refresh_in(&self, store: &DeviceStore) -> Result<Vec<PlannedNotification>> {
        let planned = self.plan_with(&cover_in(store)?, plan::DEFAULT_HORIZON_DAYS as u32)?;
        plan::write_locked_plan(store, &planned)?;
        Ok(planned)
    }

    /// Brings the host's scheduled notifications in line with this profile's plan; call after
    /// unlocking, after changes, and when the time zone or the clock changed.
    pub fn reconcile(&self, scheduler: &dyn NotificationScheduler) -> Result<ReconcileReport> {
        let store = self.session.vault().device_store()?;
        let planned = self.refresh_in(&store)?;
        plan::reconcile(&store, scheduler, &planned)
    }
}

/// A reconcile without the PIN (the host's boot receiver): from the locked plan only.
pub fn reconcile_locked(vault: &Vault, scheduler: &dyn NotificationScheduler) -> Result<ReconcileReport> {
    let store = vault.device_store()?;
    let now = chrono::DateTime::from_timestamp(vault.clock_now_unix(), 0).unwrap_or_default();
    let planned = plan::read_locked_plan(&store, now)?;
    plan::reconcile(&store, scheduler, &planned)
}
