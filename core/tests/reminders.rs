//! Reminders as a person would notice them: what the lock screen says, what fires when, and the
//! host's scheduler kept in step, with and without the PIN.

use std::sync::{Arc, Mutex};

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use corridor_core::disguise::cover::revealing_word;
use corridor_core::error::Error;
use corridor_core::pin::Pin;
use corridor_core::reminders::handover::Handover;
use corridor_core::reminders::plan::{NotificationScheduler, PlannedNotification, REVEALING_WORDS_PORTUGUESE};
use corridor_core::reminders::schedule::QuietHours;
use corridor_core::reminders::{reconcile_locked, Kind, ReminderBook, ReminderText};
use corridor_core::runtime::block_on;
use corridor_core::testing::{fast_vault, ManualClock};
use corridor_core::vault::{ProfileSelector, Session, Vault};

const PIN: &str = "482916";
/// 2026-11-30 08:00 UTC (10:00 in Johannesburg).
const NOW: i64 = 1_796_025_600;
const ZONE: &str = "Africa/Johannesburg";

fn setup() -> (tempfile::TempDir, Vault, Session, Arc<ManualClock>) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(NOW);
    let vault = fast_vault(dir.path(), clock.clone()).unwrap();
    let session = block_on(vault.setup_personal(Pin::normalise(PIN).unwrap(), None)).unwrap();
    (dir, vault, session, clock)
}

fn request(kind: &str, at: &str) -> ReminderText {
    ReminderText {
        kind: kind.into(),
        at: at.into(),
        zone: ZONE.into(),
        ..Default::default()
    }
}

#[derive(Default)]
struct RecordingScheduler {
    pending: Mutex<Vec<PlannedNotification>>,
    calls: Mutex<Vec<String>>,
    limit: u32,
    can_list: bool,
}

impl RecordingScheduler {
    fn new(limit: u32, can_list: bool) -> Self {
        RecordingScheduler {
            limit,
            can_list,
            ..Default::default()
        }
    }
    fn take_calls(&self) -> Vec<String> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }
}

impl NotificationScheduler for RecordingScheduler {
    fn schedule(&self, notification: &PlannedNotification) -> corridor_core::Result<()> {
        self.calls.lock().unwrap().push(format!("schedule {}", notification.id));
        self.pending.lock().unwrap().push(notification.clone());
        Ok(())
    }
    fn cancel(&self, id: &str) -> corridor_core::Result<()> {
        self.calls.lock().unwrap().push(format!("cancel {id}"));
        self.pending.lock().unwrap().retain(|n| n.id != id);
        Ok(())
    }
    fn pending(&self) -> corridor_core::Result<Option<Vec<String>>> {
        Ok(self
            .can_list
            .then(|| self.pending.lock().unwrap().iter().map(|n| n.id.clone()).collect()))
    }
    fn max_pending(&self) -> u32 {
        self.limit
    }
}

fn assert_nothing_revealing(texts: &[&str]) {
    for text in texts {
        assert_eq!(revealing_word(text), None, "{text}");
        let lower = text.to_lowercase();
        for word in REVEALING_WORDS_PORTUGUESE {
            assert!(!lower.contains(word), "{text}");
        }
    }
}

#[test]
fn covert_reminders_say_nothing_and_explicit_ones_name_the_appointment_only_when_unlocked() {
    let (_dir, _vault, session, _clock) = setup();
    let book = ReminderBook::new(session);
    book.add(&request("prep_refill", "2026-12-03 09:00").parse().unwrap())
        .unwrap();
    let mut explicit = request("hiv_test", "2026-12-10 11:00");
    explicit.explicit = true;
    book.add(&explicit.parse().unwrap()).unwrap();

    let plan = book.plan(30).unwrap();
    assert_eq!(
        plan.len(),
        4,
        "day before at 18:00 and at the time, for each: {plan:#?}"
    );
    for notification in &plan {
        assert_nothing_revealing(&[&notification.title, &notification.body, &notification.id]);
        assert!(notification.id.chars().all(|c| c.is_ascii_hexdigit()), "opaque id");
    }
    let private: Vec<&str> = plan.iter().filter_map(|n| n.private_body.as_deref()).collect();
    assert_eq!(private.len(), 2);
    assert!(private.iter().all(|text| text.contains("HIV test")), "{private:?}");
    let first = &plan[0];
    assert_eq!(
        first.fire_at,
        Utc.with_ymd_and_hms(2026, 12, 2, 16, 0, 0).unwrap(),
        "the day before at 18:00 local"
    );
    assert_eq!(
        plan[1].fire_at,
        Utc.with_ymd_and_hms(2026, 12, 3, 7, 0, 0).unwrap(),
        "at 09:00 local"
    );
}

#[test]
fn covert_texts_with_revealing_words_are_refused_in_english_and_portuguese() {
    let (_dir, _vault, session, _clock) = setup();
    let book = ReminderBook::new(session);
    for text in [
        "Time for your PrEP",
        "Clinic tomorrow",
        "Teste de VIH amanhã",
        "Consulta na clínica",
        "Tomar o comprimido",
    ] {
        assert!(
            matches!(
                book.set_covert_texts(&[text.to_string()]),
                Err(Error::InvalidInput {
                    field: "covert_text",
                    ..
                })
            ),
            "{text}"
        );
    }
    book.set_covert_texts(&["Time to water the plants".into(), "Hora de regar as plantas".into()])
        .unwrap();
    assert_eq!(book.covert_texts().unwrap().len(), 2);
    book.set_covert_texts(&[]).unwrap();
    assert!(
        book.covert_texts().unwrap().contains(&"Tap to open".to_string()),
        "back to the cover's list"
    );
}

#[test]
fn reconcile_schedules_the_missing_cancels_the_stale_and_is_idempotent() {
    let (_dir, _vault, session, _clock) = setup();
    let book = ReminderBook::new(session);
    let mut pill = request("daily_pill", "2026-11-30 21:00");
    pill.offsets = vec!["at".into()];
    let pill = book.add(&pill.parse().unwrap()).unwrap();
    let scheduler = RecordingScheduler::new(64, true);

    let report = book.reconcile(&scheduler).unwrap();
    assert_eq!(report.scheduled, 35, "one a day over the 35-day horizon");
    assert_eq!(scheduler.take_calls().len(), 35);
    let again = book.reconcile(&scheduler).unwrap();
    assert_eq!((again.scheduled, again.cancelled), (0, 0));
    assert!(scheduler.take_calls().is_empty(), "a second reconcile makes no call");

    book.mark_done(&pill.id).unwrap();
    book.reconcile(&scheduler).unwrap();
    let calls = scheduler.take_calls();
    assert_eq!(
        calls.len(),
        1,
        "tonight's dose is done: only its notification goes: {calls:?}"
    );
    assert!(calls[0].starts_with("cancel"));

    let small = RecordingScheduler::new(10, true);
    book.reconcile(&small).unwrap();
    let pending = small.pending.lock().unwrap().clone();
    assert_eq!(pending.len(), 10, "never more than the host allows");
    let planned = book.plan(35).unwrap();
    let soonest: Vec<&str> = planned.iter().take(10).map(|n| n.id.as_str()).collect();
    assert_eq!(
        pending.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(),
        soonest,
        "the soonest are kept"
    );
}

#[test]
fn after_a_reboot_the_locked_plan_is_scheduled_without_the_pin_with_covert_texts_only() {
    let (_dir, vault, session, _clock) = setup();
    let book = ReminderBook::new(session.clone());
    let mut injection = request("contraceptive_injection", "2026-12-05 08:00");
    injection.explicit = true;
    book.add(&injection.parse().unwrap()).unwrap();
    session.lock();

    // The host forgot everything (a reboot) and cannot list what it has.
    let booted = RecordingScheduler::new(64, false);
    let report = reconcile_locked(&vault, &booted).unwrap();
    assert_eq!(report.scheduled, 2);
    for notification in booted.pending.lock().unwrap().iter() {
        assert_eq!(notification.private_body, None, "nothing explicit while locked");
        assert_nothing_revealing(&[&notification.title, &notification.body]);
    }
    booted.take_calls();
    assert_eq!(reconcile_locked(&vault, &booted).unwrap().scheduled, 0);
    assert!(
        booted.take_calls().is_empty(),
        "the core's own record stands in for the host's list"
    );
}

#[test]
fn the_duress_pin_puts_the_decoys_plan_in_place() {
    let (_dir, vault, session, _clock) = setup();
    let book = ReminderBook::new(session.clone());
    book.add(&request("art_refill", "2026-12-02 09:00").parse().unwrap())
        .unwrap();
    block_on(session.set_duress_pin(Pin::normalise(PIN).unwrap(), Pin::normalise("505050").unwrap(), false)).unwrap();
    let decoy = block_on(vault.unlock(Pin::normalise("505050").unwrap(), ProfileSelector::Any)).unwrap();
    let decoy_reminders = ReminderBook::new(decoy).list().unwrap();
    assert_eq!(decoy_reminders.len(), 1, "an ordinary reminder of its own");
    assert_eq!(decoy_reminders[0].label.as_deref(), Some("Pay rent"));
    let scheduler = RecordingScheduler::new(64, true);
    reconcile_locked(&vault, &scheduler).unwrap();
    let person_plan: Vec<String> = book.plan(35).unwrap().into_iter().map(|n| n.id).collect();
    assert!(
        scheduler
            .pending
            .lock()
            .unwrap()
            .iter()
            .all(|n| !person_plan.contains(&n.id)),
        "the person's plan is gone"
    );
}

#[test]
fn missed_appointments_get_a_gentle_follow_up_and_snooze_moves_the_notification() {
    let (_dir, _vault, session, clock) = setup();
    session.set_auto_lock_secs(86_400).unwrap();
    let book = ReminderBook::new(session);
    let visit = book
        .add(&request("clinic_visit", "2026-11-30 09:00").parse().unwrap())
        .unwrap();
    clock.advance(std::time::Duration::from_secs(3600 * 6));
    let follow_up = book.mark_missed(&visit.id).unwrap().expect("a follow-up");
    assert_eq!(follow_up.follow_up_of.as_deref(), Some(visit.id.as_str()));
    let plan = book.plan(3).unwrap();
    assert_eq!(plan.len(), 1, "{plan:#?}");
    assert_eq!(
        plan[0].fire_at,
        Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap(),
        "tomorrow at 10:00 local"
    );

    let pill = book
        .add(&request("daily_pill", "2026-11-30 20:00").parse().unwrap())
        .unwrap();
    let until = book.snooze(&pill.id, 30).unwrap();
    assert!(book.plan(1).unwrap().iter().any(|n| n.fire_at == until));
    assert!(matches!(book.snooze(&pill.id, 2), Err(Error::InvalidInput { .. })));
}

#[test]
fn quiet_hours_hold_a_notification_until_they_end() {
    let (_dir, _vault, session, _clock) = setup();
    let book = ReminderBook::new(session);
    let mut late = request("daily_pill", "2026-12-01 23:00");
    late.offsets = vec!["at".into()];
    book.add(&late.parse().unwrap()).unwrap();
    book.set_quiet_hours(Some(&QuietHours::parse("22:00-07:00").unwrap()))
        .unwrap();
    let first = &book.plan(3).unwrap()[0];
    assert_eq!(
        first.fire_at,
        Utc.with_ymd_and_hms(2026, 12, 2, 5, 0, 0).unwrap(),
        "07:00 local the next morning"
    );
}

#[test]
fn adherence_counts_streaks_and_the_share_taken() {
    let (_dir, _vault, session, _clock) = setup();
    let book = ReminderBook::new(session);
    let pep = book
        .add(&request("pep_course", "2026-11-01 21:00").parse().unwrap())
        .unwrap();
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    for d in 1..=29 {
        book.record_dose(&pep.id, day(d), d != 10).unwrap();
    }
    let summary = book.adherence(&pep.id, day(29)).unwrap();
    assert_eq!(summary.current_streak, 19, "11th to 29th");
    assert_eq!((summary.taken_last_30_days, summary.missed_last_30_days), (28, 1));
    assert!((summary.share_taken_last_30_days - 28.0 / 29.0).abs() < 1e-9);
    let visit = book
        .add(&request("clinic_visit", "2026-12-01 09:00").parse().unwrap())
        .unwrap();
    assert!(matches!(
        book.adherence(&visit.id, day(29)),
        Err(Error::InvalidInput { .. })
    ));
}

#[test]
fn a_clinic_hand_over_imports_as_the_same_appointment() {
    let (_dir, _vault, session, _clock) = setup();
    let book = ReminderBook::new(session);
    let handover = Handover {
        kind: Kind::ContraceptiveInjection,
        date: NaiveDate::from_ymd_opt(2027, 2, 26).unwrap(),
        time: NaiveTime::from_hms_opt(8, 30, 0).unwrap(),
        site: Some(17),
    };
    let payload = handover.encode().unwrap();
    let imported = book.import_handover(&payload, ZONE).unwrap();
    assert_eq!(imported.kind, Kind::ContraceptiveInjection);
    assert_eq!(imported.site, Some(17));
    let at = corridor_core::reminders::occurrence_instant(&imported, 0)
        .unwrap()
        .unwrap();
    assert_eq!(at, Utc.with_ymd_and_hms(2027, 2, 26, 6, 30, 0).unwrap());
    assert!(matches!(
        book.import_handover("1-04-2027", ZONE),
        Err(Error::InvalidInput { field: "payload", .. })
    ));
}

#[test]
fn bad_requests_get_clear_errors() {
    let (_dir, _vault, session, _clock) = setup();
    let book = ReminderBook::new(session);
    let field = |text: ReminderText| match text.parse().and_then(|request| book.add(&request)) {
        Err(Error::InvalidInput { field, .. }) => field,
        other => panic!("accepted: {:?}", other.map(|r| r.id)),
    };
    assert_eq!(field(request("vitamins", "2026-12-01 09:00")), "kind");
    assert_eq!(field(request("hiv_test", "2026-13-01 09:00")), "at");
    assert_eq!(
        field(ReminderText {
            zone: "Mars/Olympus".into(),
            ..request("hiv_test", "2026-12-01 09:00")
        }),
        "zone"
    );
    assert_eq!(
        field(ReminderText {
            every: Some("0d".into()),
            ..request("hiv_test", "2026-12-01 09:00")
        }),
        "every"
    );
    assert_eq!(
        field(ReminderText {
            count: Some(5000),
            every: Some("1d".into()),
            ..request("daily_pill", "2026-12-01 09:00")
        }),
        "count"
    );
    assert_eq!(
        field(ReminderText {
            offsets: vec!["yesterday".into()],
            ..request("hiv_test", "2026-12-01 09:00")
        }),
        "offset"
    );
}
