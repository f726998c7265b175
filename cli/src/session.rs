//! `corridor session ...`: a peer educator's group sessions on a shared tablet (`--profile NAME`):
//! start, attendance by client code, walk-ins, commodities, referrals, quiz results, notes,
//! close, corrections, the educator's own numbers, and sync to the hub.

use std::io::BufRead;

use clap::{Args, Subcommand};
use corridor_core::error::Error;
use corridor_core::runtime::block_on;
use corridor_core::sessions::tablet::{self, GenderCount, SessionDetail, SessionSummary};
use corridor_core::sessions::upload::{canonical_code, AgeBand, Commodity, Gender, Service, SessionKind};
use corridor_core::sync::wire::Uuid;
use corridor_core::vault::Session;
use serde_json::json;
use zeroize::Zeroizing;

use crate::hub::HubTarget;
use crate::output::Output;
use crate::CliError;

#[derive(Args, Clone)]
pub struct Person {
    /// female, male, transgender, other
    #[arg(long)]
    pub gender: Option<String>,
    /// under-18, 18-24, 25-29, 30-34, 35-39, 40-49, 50+
    #[arg(long)]
    pub age_band: Option<String>,
}

#[derive(Subcommand)]
pub enum SessionCommand {
    /// Open a session at a programme site (see `content sites`).
    Start {
        #[arg(long)]
        site: String,
        /// group, one-to-one, outreach
        #[arg(long, default_value = "group")]
        kind: String,
        /// A module covered (an installed one; see `content list`); repeatable.
        #[arg(long = "module", value_name = "ID")]
        modules: Vec<String>,
    },
    /// Record a person by client code (the check character is verified). `-` reads codes from
    /// standard input, one per line (as a scanner types them), so none shows in a process list.
    Attend {
        code: String,
        #[command(flatten)]
        person: Person,
    },
    /// Take a code out of the open session (typed by mistake); in a correction, record that the
    /// corrected session should not have had it.
    Remove { code: String },
    /// Count people who came without a code.
    Walkin {
        #[arg(long)]
        gender: String,
        #[arg(long)]
        age_band: String,
        /// How many (negative to take back a count typed too high).
        #[arg(long, default_value_t = 1, allow_hyphen_values = true)]
        count: i64,
    },
    /// Count a commodity handed out: male-condoms, female-condoms, lubricant, hiv-self-test-kits.
    Commodity {
        kind: String,
        /// How many (negative to take back a count typed too high).
        #[arg(allow_hyphen_values = true)]
        count: i64,
    },
    /// Record a referral to a service at a clinic (a programme site).
    Refer {
        /// hiv-testing, prep, pep, art, sti, contraception, tb, violence-support, mental-health, other
        #[arg(long)]
        service: String,
        #[arg(long)]
        clinic: String,
    },
    /// Record the group's quiz results for a module, as counts.
    Quiz {
        #[arg(long)]
        module: String,
        #[arg(long)]
        attempted: i64,
        #[arg(long)]
        passed: i64,
    },
    /// Add a module covered.
    Module { id: String },
    /// Set the session's notes (never a name: notes go to the hub). `-` reads standard input.
    Note {
        #[arg(required_unless_present = "clear")]
        text: Option<String>,
        #[arg(long, conflicts_with = "text")]
        clear: bool,
    },
    /// The open session in full.
    Show,
    /// Close the open session: it cannot be changed afterwards (correct it instead).
    Close,
    /// Throw the open session away (nothing of it is sent).
    Discard,
    /// Open a correction of a closed session (then attend, remove, walkin, commodity ...; close).
    Correct { session_id: String },
    /// Your sessions, newest first (counts only).
    List,
    /// Your own numbers, for a month (YYYY-MM) or all time.
    Stats {
        #[arg(long)]
        month: Option<String>,
    },
    /// Send closed sessions to the hub (this tablet must be logged in: `hub login`); once the
    /// hub has a session, its client codes are deleted from the tablet.
    Sync {
        #[command(flatten)]
        target: HubTarget,
    },
}

fn word<T>(field: &'static str, text: &str, parse: fn(&str) -> Option<T>, choices: String) -> Result<T, Error> {
    parse(text).ok_or_else(|| Error::invalid_cli(field, format!("one of {choices}")))
}

fn gender(text: &str) -> Result<Gender, Error> {
    word("gender", text, Gender::parse, Gender::choices())
}

fn age_band(text: &str) -> Result<AgeBand, Error> {
    word("age-band", text, AgeBand::parse, AgeBand::choices())
}

fn session_id(text: &str) -> Result<Uuid, Error> {
    Uuid::parse_str(text.trim()).map_err(|_| Error::invalid_cli("session", "a session id as `session list` shows it"))
}

fn genders_json(counts: &[GenderCount]) -> serde_json::Value {
    counts
        .iter()
        .map(|line| {
            (
                line.gender.map_or("unknown", Gender::as_str).to_string(),
                json!(line.count),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn summary_json(summary: &SessionSummary) -> serde_json::Value {
    json!({
        "id": summary.id,
        "corrects": summary.corrects,
        "kind": summary.kind.as_str(),
        "site": summary.site,
        "started_at": summary.started_at,
        "closed_at": summary.closed_at,
        "state": summary.state.as_str(),
        "modules": summary.modules,
        "attendees": summary.attendees,
        "attendees_by_gender": genders_json(&summary.attendees_by_gender),
        "walk_ins": summary.walk_ins.iter().map(|line| json!({
            "gender": line.gender.as_str(), "age_band": line.age_band.as_str(), "count": line.count
        })).collect::<Vec<_>>(),
        "commodities": summary.commodities.iter().map(|line| json!({
            "commodity": line.commodity.as_str(), "count": line.count
        })).collect::<Vec<_>>(),
        "referrals": summary.referrals.iter().map(|line| json!({
            "service": line.service.as_str(), "clinic": line.clinic
        })).collect::<Vec<_>>(),
        "quiz": summary.quiz.iter().map(|line| json!({
            "module": line.module, "attempted": line.attempted, "passed": line.passed
        })).collect::<Vec<_>>(),
    })
}

fn summary_line(summary: &SessionSummary) -> String {
    let when = chrono::DateTime::from_timestamp(summary.started_at + corridor_core::PROGRAMME_UTC_OFFSET_SECS, 0)
        .map(|time| time.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default();
    let what = match summary.corrects {
        Some(original) => format!("correction of {original}"),
        None => summary.kind.as_str().to_string(),
    };
    let commodities: Vec<String> = summary
        .commodities
        .iter()
        .map(|line| format!("{} {}", line.count, line.commodity))
        .collect();
    format!(
        "{}  {when}  {}  {what}  {}  people with a code: {}, walk-ins: {}, referrals: {}{}",
        summary.id,
        summary.site,
        summary.state.as_str(),
        summary.attendees,
        summary.walk_in_total(),
        summary.referrals.len(),
        if commodities.is_empty() {
            String::new()
        } else {
            format!(", handed out: {}", commodities.join(", "))
        }
    )
}

fn detail_output(out: &Output, detail: &SessionDetail) {
    let mut value = summary_json(&detail.summary);
    value["attendee_codes"] = json!(detail
        .attendees
        .iter()
        .map(|attendee| json!({
            "code": attendee.code,
            "gender": attendee.gender.map(Gender::as_str),
            "age_band": attendee.age_band.map(AgeBand::as_str),
        }))
        .collect::<Vec<_>>());
    value["removed_codes"] = json!(detail.removed_attendees);
    value["notes"] = json!(detail.notes);
    let mut text = summary_line(&detail.summary);
    for attendee in &detail.attendees {
        text.push_str(&format!(
            "\n  {}  {}  {}",
            attendee.code,
            attendee.gender.map_or("-", Gender::as_str),
            attendee.age_band.map_or("-", AgeBand::as_str)
        ));
    }
    for code in &detail.removed_attendees {
        text.push_str(&format!("\n  {code}  removed by this correction"));
    }
    if let Some(notes) = &detail.notes {
        text.push_str(&format!("\n  notes: {notes}"));
    }
    out.value(&value, &text);
}

fn read_stdin_text(limit: u64) -> Result<Zeroizing<String>, Error> {
    let mut text = Zeroizing::new(String::new());
    std::io::Read::read_to_string(&mut std::io::Read::take(std::io::stdin(), limit), &mut text)?;
    Ok(text)
}

pub fn run(session: &Session, command: &SessionCommand, out: &Output) -> Result<(), Error> {
    match command {
        SessionCommand::Start { site, kind, modules } => {
            let kind = word("kind", kind, SessionKind::parse, SessionKind::choices())?;
            let id = tablet::start(session, site, kind, modules)?;
            out.value(&json!({ "id": id }), &format!("session {id} is open at {site}"));
        }
        SessionCommand::Attend { code, person } => {
            let gender = person.gender.as_deref().map(gender).transpose()?;
            let band = person.age_band.as_deref().map(age_band).transpose()?;
            let codes: Vec<Zeroizing<String>> = if code == "-" {
                // Every line is checked before any is recorded, so a typo names its line and
                // nothing half-done needs undoing.
                let mut codes = Vec::new();
                for (number, line) in std::io::stdin().lock().lines().enumerate() {
                    let line = Zeroizing::new(line?);
                    if line.trim().is_empty() {
                        continue;
                    }
                    let canonical = canonical_code(line.trim()).map_err(|error| {
                        Error::invalid_cli("code", format!("line {}: {error}; nothing was recorded", number + 1))
                    })?;
                    codes.push(Zeroizing::new(canonical));
                }
                codes
            } else {
                vec![Zeroizing::new(code.clone())]
            };
            let mut attendees = 0;
            for (done, code) in codes.iter().enumerate() {
                attendees = match tablet::attend(session, code, gender, band) {
                    Ok(attended) => attended.attendees,
                    Err(error) if codes.len() > 1 => {
                        return Err(Error::invalid_cli(
                            "code",
                            format!(
                                "code {} of {}: {error}; the {done} before it are recorded",
                                done + 1,
                                codes.len()
                            ),
                        ))
                    }
                    Err(error) => return Err(error),
                };
            }
            out.value(
                &json!({ "recorded": codes.len(), "attendees": attendees }),
                &format!("recorded; people with a code in this session: {attendees}"),
            );
        }
        SessionCommand::Remove { code } => {
            tablet::remove_attendee(session, code)?;
            out.note("removed");
        }
        SessionCommand::Walkin {
            gender: g,
            age_band: band,
            count,
        } => {
            let total = tablet::walk_ins(session, gender(g)?, age_band(band)?, *count)?;
            out.value(&json!({ "count": total }), &format!("walk-ins ({g}, {band}): {total}"));
        }
        SessionCommand::Commodity { kind, count } => {
            let commodity = word("commodity", kind, Commodity::parse, Commodity::choices())?;
            let total = tablet::commodity(session, commodity, *count)?;
            out.value(&json!({ "count": total }), &format!("{commodity}: {total}"));
        }
        SessionCommand::Refer { service, clinic } => {
            let service = word("service", service, Service::parse, Service::choices())?;
            tablet::refer(session, service, clinic)?;
            out.note(&format!("referral to {service} at {clinic} recorded"));
        }
        SessionCommand::Quiz {
            module,
            attempted,
            passed,
        } => {
            tablet::quiz(session, module, *attempted, *passed)?;
            out.note("quiz results recorded");
        }
        SessionCommand::Module { id } => {
            tablet::add_module(session, id)?;
            out.note(&format!("module {id} recorded"));
        }
        SessionCommand::Note { text, clear } => {
            let text = match (text.as_deref(), clear) {
                (_, true) => None,
                (Some("-"), _) => Some(read_stdin_text(64 * 1024)?),
                (Some(text), _) => Some(Zeroizing::new(text.to_string())),
                (None, false) => None,
            };
            tablet::set_notes(session, text.as_deref().map(String::as_str))?;
            out.note(if text.is_some() { "notes saved" } else { "notes cleared" });
        }
        SessionCommand::Show => match tablet::current(session)? {
            Some(detail) => detail_output(out, &detail),
            None => out.value(&json!(null), "no session is open"),
        },
        SessionCommand::Close => {
            let summary = tablet::close(session)?;
            let waiting = match summary.state {
                tablet::SessionState::Queued => "sealed for the hub; it goes at the next sync",
                _ => "closed; log this tablet in to the hub (hub login), then sync",
            };
            out.value(
                &summary_json(&summary),
                &format!("{}\n{waiting}", summary_line(&summary)),
            );
        }
        SessionCommand::Discard => {
            let discarded = tablet::discard_open(session)?;
            out.note(if discarded {
                "the open session is discarded"
            } else {
                "no session is open"
            });
        }
        SessionCommand::Correct { session_id: id } => {
            let id = tablet::correct(session, session_id(id)?)?;
            out.value(
                &json!({ "id": id }),
                &format!("correction {id} is open: record the change, then close it"),
            );
        }
        SessionCommand::List => {
            let sessions = tablet::list(session)?;
            let text = if sessions.is_empty() {
                "no sessions yet".to_string()
            } else {
                sessions.iter().map(summary_line).collect::<Vec<_>>().join("\n")
            };
            out.value(&json!(sessions.iter().map(summary_json).collect::<Vec<_>>()), &text);
        }
        SessionCommand::Stats { month } => {
            let stats = tablet::stats(session, month.as_deref())?;
            let commodities: Vec<String> = stats
                .commodities
                .iter()
                .map(|line| format!("{} {}", line.count, line.commodity))
                .collect();
            out.value(
                &json!({
                    "month": stats.month,
                    "sessions": stats.sessions,
                    "corrections": stats.corrections,
                    "attendances": stats.attendances,
                    "walk_ins": stats.walk_ins,
                    "commodities": stats.commodities.iter().map(|line| json!({
                        "commodity": line.commodity.as_str(), "count": line.count
                    })).collect::<Vec<_>>(),
                    "referrals": stats.referrals,
                    "waiting": stats.waiting,
                }),
                &format!(
                    "{}: {} sessions ({} corrections), {} attendances with a code, {} walk-ins, {} referrals{}{}",
                    stats.month.as_deref().unwrap_or("all time"),
                    stats.sessions,
                    stats.corrections,
                    stats.attendances,
                    stats.walk_ins,
                    stats.referrals,
                    if commodities.is_empty() {
                        String::new()
                    } else {
                        format!(", handed out: {}", commodities.join(", "))
                    },
                    if stats.waiting > 0 {
                        format!("; {} not at the hub yet", stats.waiting)
                    } else {
                        String::new()
                    }
                ),
            );
        }
        SessionCommand::Sync { target } => {
            let client = crate::hub::client(target, Some(session.vault()))?;
            let outcome = block_on(tablet::sync(session, &client))?;
            out.value(
                &json!({
                    "queued": outcome.queued,
                    "sent": outcome.sent,
                    "waiting": outcome.waiting,
                    "refused": outcome.refused,
                }),
                &format!(
                    "{} sent (their client codes are deleted from this tablet), {} waiting{}",
                    outcome.sent,
                    outcome.waiting,
                    if outcome.refused > 0 {
                        format!("; {} refused by the hub (see outbox list)", outcome.refused)
                    } else {
                        String::new()
                    }
                ),
            );
        }
    }
    Ok(())
}
