//! `corridor remind`: appointment and medication reminders.

use clap::Subcommand;
use corridor_core::error::Error;
use corridor_core::reminders::handover::Handover;
use corridor_core::reminders::schedule::{parse_date, parse_local_datetime, QuietHours};
use corridor_core::reminders::{Kind, Reminder, ReminderBook, ReminderText, When};
use corridor_core::vault::Session;
use serde_json::json;

use crate::output::Output;

#[derive(Subcommand)]
pub enum RemindCommand {
    /// Add a reminder: --kind prep_refill|hiv_test|sti_screening|contraceptive_injection|art_refill|
    /// pep_course|clinic_visit|counselling|daily_pill|custom, --at "2026-12-01 09:00".
    Add {
        #[arg(long)]
        kind: String,
        #[arg(long)]
        at: String,
        /// Repeat: 1d, 13w, 3m ... (default: the kind's usual schedule).
        #[arg(long)]
        every: Option<String>,
        #[arg(long)]
        count: Option<u32>,
        #[arg(long)]
        until: Option<String>,
        /// A single appointment, whatever the kind's default.
        #[arg(long)]
        once: bool,
        /// When to remind: at, 2h, 90m, 1d@18:00 (repeatable; default by kind).
        #[arg(long = "offset")]
        offsets: Vec<String>,
        /// Name the appointment once the phone is unlocked (the lock screen stays covert).
        #[arg(long)]
        explicit: bool,
        #[arg(long)]
        label: Option<String>,
        /// The covert text for this reminder (else one from the list).
        #[arg(long)]
        text: Option<String>,
    },
    List,
    /// The notifications that would be scheduled, with their texts.
    Plan {
        #[arg(long, default_value_t = 35)]
        days: u32,
    },
    Done {
        id: String,
    },
    Missed {
        id: String,
    },
    Snooze {
        id: String,
        minutes: u32,
    },
    Remove {
        id: String,
    },
    /// Log a dose of a pill or course: taken (default) or --missed, today or --date.
    Taken {
        id: String,
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        missed: bool,
    },
    /// Streak and share taken over 30 days, for every pill and course (or one).
    Adherence {
        id: Option<String>,
    },
    /// Import a clinic hand-over payload (as scanned from its QR code).
    ImportQr {
        payload: String,
    },
    /// Make a clinic hand-over payload (the documented generator): kind, local time, site.
    Handover {
        #[arg(long)]
        kind: String,
        #[arg(long)]
        at: String,
        #[arg(long)]
        site: Option<u32>,
    },
    /// Quiet hours ("22:00-07:00") or "off".
    Quiet {
        hours: String,
    },
    /// The covert texts; with values, replace the list ("--reset" goes back to the cover's).
    Texts {
        texts: Vec<String>,
        #[arg(long)]
        reset: bool,
    },
}

/// The zone this machine reports: CORRIDOR_ZONE, TZ, /etc/timezone, the /etc/localtime link, UTC.
pub fn host_zone() -> String {
    let valid = |name: &str| name.trim().parse::<chrono_tz::Tz>().is_ok();
    for variable in ["CORRIDOR_ZONE", "TZ"] {
        if let Ok(value) = std::env::var(variable) {
            if valid(&value) {
                return value.trim().to_string();
            }
        }
    }
    if let Ok(text) = std::fs::read_to_string("/etc/timezone") {
        if valid(&text) {
            return text.trim().to_string();
        }
    }
    if let Ok(target) = std::fs::read_link("/etc/localtime") {
        let path = target.to_string_lossy();
        if let Some(name) = path.split("zoneinfo/").nth(1) {
            if valid(name) {
                return name.to_string();
            }
        }
    }
    "UTC".to_string()
}

fn today(zone: &str) -> chrono::NaiveDate {
    let zone: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::UTC);
    chrono::Utc::now().with_timezone(&zone).date_naive()
}

fn describe(reminder: &Reminder) -> serde_json::Value {
    let (when, repeats) = match &reminder.when {
        When::Once { at, .. } => (at.to_rfc3339(), None),
        When::Series(series) => (
            format!("{} {} {}", series.start, series.time.format("%H:%M"), series.zone),
            series.recurrence.as_ref().map(|r| format!("{:?}", r.every)),
        ),
    };
    json!({
        "id": reminder.id,
        "kind": reminder.kind.name(),
        "label": reminder.label,
        "when": when,
        "repeats": repeats,
        "explicit": reminder.explicit,
        "site": reminder.site,
        "follow_up_of": reminder.follow_up_of,
    })
}

pub fn run(session: &Session, command: &RemindCommand, out: &Output) -> Result<(), Error> {
    let book = ReminderBook::new(session.clone());
    let zone = host_zone();
    match command {
        RemindCommand::Add {
            kind,
            at,
            every,
            count,
            until,
            once,
            offsets,
            explicit,
            label,
            text,
        } => {
            let request = ReminderText {
                kind: kind.clone(),
                at: at.clone(),
                zone: zone.clone(),
                every: every.clone(),
                count: *count,
                until: until.clone(),
                once: *once,
                offsets: offsets.clone(),
                explicit: *explicit,
                label: label.clone(),
                covert_text: text.clone(),
            };
            let reminder = book.add(&request.parse()?)?;
            out.value(&describe(&reminder), &format!("added reminder {}", reminder.id));
        }
        RemindCommand::List => {
            let all: Vec<serde_json::Value> = book.list()?.iter().map(describe).collect();
            let text = all
                .iter()
                .map(|r| {
                    format!(
                        "{}  {}  {}",
                        r["id"].as_str().unwrap_or(""),
                        r["kind"].as_str().unwrap_or(""),
                        r["when"].as_str().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            out.value(&json!({ "reminders": all }), &text);
        }
        RemindCommand::Plan { days } => {
            let planned = book.plan(*days)?;
            let text = planned
                .iter()
                .map(|n| {
                    format!(
                        "{}  {}: {}{}",
                        n.fire_at.to_rfc3339(),
                        n.title,
                        n.body,
                        n.private_body
                            .as_ref()
                            .map(|p| format!("  (unlocked: {p})"))
                            .unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            out.value(&json!({ "notifications": planned }), &text);
        }
        RemindCommand::Done { id } => {
            book.mark_done(id)?;
            out.note("marked done");
        }
        RemindCommand::Missed { id } => match book.mark_missed(id)? {
            Some(follow_up) => out.note(&format!(
                "marked missed; a gentle follow-up {} is set for tomorrow",
                follow_up.id
            )),
            None => out.note("marked missed"),
        },
        RemindCommand::Snooze { id, minutes } => {
            let until = book.snooze(id, *minutes)?;
            out.note(&format!("snoozed until {}", until.to_rfc3339()));
        }
        RemindCommand::Remove { id } => {
            book.remove(id)?;
            out.note("removed");
        }
        RemindCommand::Taken { id, date, missed } => {
            let day = match date {
                Some(text) => parse_date(text)?,
                None => today(&zone),
            };
            book.record_dose(id, day, !missed)?;
            out.note(if *missed { "logged as missed" } else { "logged as taken" });
        }
        RemindCommand::Adherence { id } => {
            let ids: Vec<String> = match id {
                Some(id) => vec![id.clone()],
                None => book
                    .list()?
                    .into_iter()
                    .filter(|r| r.kind.tracks_adherence())
                    .map(|r| r.id)
                    .collect(),
            };
            let summaries = ids
                .iter()
                .map(|id| book.adherence(id, today(&zone)))
                .collect::<Result<Vec<_>, _>>()?;
            let text = summaries
                .iter()
                .map(|a| {
                    format!(
                        "{}: streak {} days, {} taken and {} missed in 30 days ({:.0}% taken)",
                        a.reminder_id,
                        a.current_streak,
                        a.taken_last_30_days,
                        a.missed_last_30_days,
                        a.share_taken_last_30_days * 100.0
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            out.value(&json!({ "adherence": summaries }), &text);
        }
        RemindCommand::ImportQr { payload } => {
            let reminder = book.import_handover(payload, &zone)?;
            out.value(
                &describe(&reminder),
                &format!("imported reminder {} ({})", reminder.id, reminder.kind.name()),
            );
        }
        RemindCommand::Handover { kind, at, site } => handover(kind, at, *site, out)?,
        RemindCommand::Quiet { hours } => {
            if hours == "off" {
                book.set_quiet_hours(None)?;
                out.note("no quiet hours");
            } else {
                book.set_quiet_hours(Some(&QuietHours::parse(hours)?))?;
                out.note(&format!("nothing fires during {hours}; it waits for the end"));
            }
        }
        RemindCommand::Texts { texts, reset } => {
            if *reset {
                book.set_covert_texts(&[])?;
            } else if !texts.is_empty() {
                book.set_covert_texts(texts)?;
            }
            let current = book.covert_texts()?;
            out.value(&json!({ "texts": current }), &current.join("\n"));
        }
    }
    Ok(())
}

/// `remind handover` needs no profile: it is the clinic's generator.
pub fn handover(kind: &str, at: &str, site: Option<u32>, out: &Output) -> Result<(), Error> {
    let (date, time) = parse_local_datetime(at)?;
    let payload = Handover {
        kind: Kind::parse(kind)?,
        date,
        time,
        site,
    }
    .encode()?;
    out.value(&json!({ "payload": payload }), &payload);
    Ok(())
}
