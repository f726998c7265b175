//! `corridor report ...`: filing a violence report from the phone (quick, full, SOS), the home
//! team, the list of reports (states only) and sending them.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use corridor_core::error::Error;
use corridor_core::reports::filing;
use corridor_core::reports::model::{QuickReport, ReportBody, SafeContact};
use corridor_core::reports::urgency::Urgency;
use corridor_core::runtime::block_on;
use corridor_core::vault::Session;
use serde_json::json;

use crate::hub::HubTarget;
use crate::output::Output;
use crate::CliError;

#[derive(Args, Clone)]
pub struct Contact {
    /// Be contacted through your peer educator.
    #[arg(long, conflicts_with_all = ["safe_time", "number"])]
    pub peer_educator: bool,
    /// A safe time to call or text (with --number).
    #[arg(long, requires = "number")]
    pub safe_time: Option<String>,
    #[arg(long, requires = "safe_time")]
    pub number: Option<String>,
}

impl Contact {
    fn to_model(&self) -> Option<SafeContact> {
        if self.peer_educator {
            return Some(SafeContact::ThroughPeerEducator);
        }
        match (&self.safe_time, &self.number) {
            (Some(when), Some(number)) => Some(SafeContact::SafeTimeAndNumber {
                when: when.clone(),
                number: number.clone(),
            }),
            _ => None,
        }
    }
}

#[derive(Subcommand)]
pub enum ReportCommand {
    /// A quick report: what happened, when, and what you want now. Nothing else.
    Quick {
        /// physical, sexual, emotional-or-verbal, robbery-or-economic,
        /// arrest-or-police-harassment, refused-service, other
        #[arg(long)]
        what: String,
        /// today, last-three-days, earlier
        #[arg(long)]
        when: String,
        /// contact-me, urgent-medical-help, just-record-it
        #[arg(long)]
        wants: String,
        /// A programme site near you, for the nearest clinics (see `content sites`).
        #[arg(long)]
        near: Option<String>,
    },
    /// A full report: asked question by question on the terminal, or from a JSON file with the
    /// report's fields (docs/reports.md; `-` reads standard input, so nothing is left in a file).
    New {
        #[arg(long = "json-file", value_name = "F")]
        json_file: Option<PathBuf>,
        #[arg(long)]
        near: Option<String>,
        /// Keep a private copy in your encrypted profile (otherwise no readable copy stays).
        #[arg(long)]
        keep_copy: bool,
    },
    /// "I need help now": queued before anything else (and sent at once with --hub); prints the
    /// team's emergency numbers.
    Sos {
        #[command(flatten)]
        contact: Contact,
        /// Send it now through this hub (otherwise the next sync sends it first).
        #[arg(long, value_name = "URL")]
        hub: Option<String>,
    },
    /// Your reports: queued, sent or received by the team (never their contents).
    List,
    /// Send what waits and bring the states up to date.
    Sync {
        #[command(flatten)]
        target: HubTarget,
    },
    /// Your home team: its id (see `report teams`), or `none` for the programme-wide team.
    Team { team: Option<String> },
    /// The programme's Crisis Response Teams.
    Teams,
}

/// One line from standard input (questions go to standard error, so `--json` output stays clean) (the end of input is an error: nothing is filed half-answered).
fn ask(question: &str) -> Result<zeroize::Zeroizing<String>, Error> {
    use std::io::Write;
    eprint!("{question} ");
    std::io::stderr().flush()?;
    let mut line = zeroize::Zeroizing::new(String::new());
    if std::io::stdin().read_line(&mut line)? == 0 {
        return Err(Error::invalid_cli(
            "report",
            "the questions were not all answered; nothing was filed",
        ));
    }
    Ok(zeroize::Zeroizing::new(line.trim().to_string()))
}

/// Numbered choices; the answer is numbers separated by commas (empty allowed when `optional`).
fn ask_choices<T: Copy>(question: &str, choices: &[(T, &str)], optional: bool) -> Result<Vec<T>, Error> {
    loop {
        eprintln!("{question}");
        for (index, (_, label)) in choices.iter().enumerate() {
            eprintln!("  {}. {label}", index + 1);
        }
        let answer = ask(if optional {
            "(numbers, or Enter to skip)"
        } else {
            "(numbers, e.g. 1,3)"
        })?;
        if answer.is_empty() && optional {
            return Ok(Vec::new());
        }
        let picked: Option<Vec<T>> = answer
            .split(',')
            .map(|part| {
                part.trim()
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|index| choices.get(index))
                    .map(|(value, _)| *value)
            })
            .collect();
        match picked {
            Some(values) if !values.is_empty() => return Ok(values),
            _ => eprintln!("Please type the numbers of your answers."),
        }
    }
}

/// A moment or a day typed as `YYYY-MM-DD HH:MM` or `YYYY-MM-DD` in this machine's zone.
fn parse_when(text: &str, zone: chrono_tz::Tz) -> Option<(i64, i64)> {
    use chrono::{NaiveDate, NaiveDateTime, TimeZone};
    if let Ok(moment) = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M") {
        let at = zone.from_local_datetime(&moment).earliest()?.timestamp();
        return Some((at, at));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    let start = zone
        .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .earliest()?
        .timestamp();
    let end = zone
        .from_local_datetime(&day.and_hms_opt(23, 59, 59)?)
        .latest()?
        .timestamp();
    Some((start, end))
}

/// The full report, question by question. Nothing is written anywhere until it is submitted.
fn interview() -> Result<ReportBody, Error> {
    use corridor_core::reports::model::{
        Consent, FullReport, HelpWanted, Perpetrator, Place, ViolenceKind, WhenItHappened,
    };
    eprintln!("Only the Crisis Response Team can read this report. Skip what you do not want to say.");
    let kinds = ask_choices(
        "What happened?",
        &[
            (ViolenceKind::Physical, "physical violence"),
            (ViolenceKind::Sexual, "sexual violence"),
            (ViolenceKind::EmotionalOrVerbal, "emotional or verbal abuse"),
            (ViolenceKind::RobberyOrEconomic, "robbery, or money or things taken"),
            (ViolenceKind::ArrestOrPoliceHarassment, "arrest or harassment by police"),
            (ViolenceKind::RefusedService, "refused a service"),
            (ViolenceKind::Other, "something else"),
        ],
        false,
    )?;
    let zone: chrono_tz::Tz = crate::remind::host_zone().parse().unwrap_or(chrono_tz::UTC);
    let when = loop {
        let first = ask("When did it happen? (YYYY-MM-DD HH:MM, or YYYY-MM-DD if you do not know the time)")?;
        let Some((from, to)) = parse_when(&first, zone) else {
            eprintln!("Please type a date like 2026-11-27, or a date and time like 2026-11-27 21:30.");
            continue;
        };
        break if from == to {
            WhenItHappened::Exact { at: from }
        } else {
            WhenItHappened::Between { from, to }
        };
    };
    let site = ask("Near which programme site? (its id from `content sites`, or Enter to skip)")?;
    let description = ask("Where, in your own words? (or Enter to skip)")?;
    let place = (!site.is_empty() || !description.is_empty()).then(|| Place {
        site: (!site.is_empty()).then(|| site.to_string()),
        description: (!description.is_empty()).then(|| description.to_string()),
    });
    let who = ask_choices(
        "Who did it?",
        &[
            (Perpetrator::Client, "a client"),
            (Perpetrator::Police, "police"),
            (Perpetrator::IntimatePartner, "a partner"),
            (Perpetrator::FamilyOrCommunity, "family or community"),
            (Perpetrator::OtherSexWorker, "another sex worker"),
            (Perpetrator::Manager, "a manager"),
            (Perpetrator::Unknown, "I do not know them"),
        ],
        true,
    )?;
    let injuries = ask("Were you hurt? Say how, if you want (or Enter to skip)")?;
    let help = ask_choices(
        "What help do you want?",
        &[
            (HelpWanted::MedicalCare, "medical care"),
            (
                HelpWanted::PepAndEmergencyContraception,
                "PEP and emergency contraception",
            ),
            (HelpWanted::LegalHelp, "legal help"),
            (HelpWanted::Counselling, "someone to talk to"),
            (HelpWanted::SafePlace, "a safe place"),
            (HelpWanted::NothingNow, "nothing now"),
        ],
        true,
    )?;
    let consent = ask_choices(
        "What may the team do with this report?",
        &[
            (Consent::StatisticsOnly, "only count it (statistics)"),
            (Consent::ContactMe, "contact me"),
            (
                Consent::WarnOthersAnonymously,
                "warn other sex workers, without naming me",
            ),
            (Consent::HelpGoingToPolice, "help me go to the police"),
        ],
        false,
    )?;
    let contact = match ask_choices(
        "How can the team reach you safely?",
        &[(1u8, "through my peer educator"), (2u8, "at a safe time on a number")],
        true,
    )?
    .first()
    {
        Some(1) => Some(SafeContact::ThroughPeerEducator),
        Some(_) => Some(SafeContact::SafeTimeAndNumber {
            when: ask("When is it safe? (e.g. weekdays after 14:00)")?.to_string(),
            number: ask("Which number?")?.to_string(),
        }),
        None => None,
    };
    let text = ask("Anything else you want the team to know? (or Enter to skip)")?;
    Ok(ReportBody::Full(FullReport {
        kinds,
        when,
        place,
        who,
        injuries: (!injuries.is_empty()).then(|| injuries.to_string()),
        help,
        consent,
        contact,
        text: (!text.is_empty()).then(|| text.to_string()),
    }))
}

/// `sexual` → the JSON string the model's enums take (`"sexual"`), hyphens as underscores.
fn choice<T: serde::de::DeserializeOwned>(field: &'static str, text: &str) -> Result<T, Error> {
    serde_json::from_value(json!(text.trim().replace('-', "_")))
        .map_err(|_| Error::invalid_cli(field, format!("`{text}` is not one of the choices (see --help)")))
}

fn urgency_json(urgency: &Urgency) -> serde_json::Value {
    json!({
        "pep_urgent": urgency.pep_urgent,
        "emergency_contraception": urgency.emergency_contraception,
        "hours_left_for_pep": urgency.hours_left_for_pep,
        "hours_left_for_emergency_contraception": urgency.hours_left_for_emergency_contraception,
        "offer_pep_reminder": urgency.offer_pep_reminder,
        "clinics": urgency.clinics.iter().map(|clinic| json!({
            "id": clinic.site.id,
            "name": clinic.site.name,
            "phone": clinic.site.phone,
            "opening_hours": clinic.site.opening_hours,
            "distance_km": clinic.distance_km.map(|km| km.round()),
            "open_now": clinic.open_now,
        })).collect::<Vec<_>>(),
    })
}

fn urgency_text(urgency: &Urgency) -> String {
    let mut lines = Vec::new();
    if urgency.pep_urgent {
        lines.push(format!(
            "URGENT: PEP can stop HIV if started within 72 hours{}. Go to a clinic now.",
            urgency
                .hours_left_for_pep
                .map(|hours| format!(" (about {hours} hours left)"))
                .unwrap_or_default()
        ));
    }
    if urgency.emergency_contraception {
        lines.push("Emergency contraception works up to 5 days (120 hours) after; ask for it too.".to_string());
    }
    if urgency.pep_urgent || urgency.emergency_contraception {
        for clinic in urgency.clinics.iter().take(3) {
            lines.push(format!(
                "  {}{} — {} — {}{}",
                clinic.site.name,
                match clinic.open_now {
                    Some(true) => " (open now)",
                    Some(false) => " (closed now)",
                    None => "",
                },
                clinic.site.opening_hours,
                clinic.site.phone,
                clinic
                    .distance_km
                    .map(|km| format!(" (about {} km)", km.round()))
                    .unwrap_or_default()
            ));
        }
    }
    lines.join("\n")
}

fn submitted(out: &Output, result: filing::Submitted) {
    let text = urgency_text(&result.urgency);
    let mut summary = format!(
        "{}report sealed and queued ({}); only the Crisis Response Team can read it",
        if text.is_empty() {
            String::new()
        } else {
            format!("{text}\n")
        },
        result.report_id
    );
    if result.key_may_be_out_of_date {
        summary.push_str("\n(the team's key list has expired: update the content when you can)");
    }
    out.value(
        &json!({
            "report_id": result.report_id,
            "urgency": urgency_json(&result.urgency),
            "key_may_be_out_of_date": result.key_may_be_out_of_date,
        }),
        &summary,
    );
}

pub fn run(session: &Session, command: &ReportCommand, out: &Output) -> Result<(), Error> {
    match command {
        ReportCommand::Quick {
            what,
            when,
            wants,
            near,
        } => {
            let body = ReportBody::Quick(QuickReport {
                what: choice("what", what)?,
                when: choice("when", when)?,
                wants: choice("wants", wants)?,
            });
            submitted(out, filing::submit(session, &body, near.as_deref(), false, None)?);
        }
        ReportCommand::New {
            json_file,
            near,
            keep_copy,
        } => {
            let body = match json_file {
                Some(json_file) => {
                    let text = zeroize::Zeroizing::new(if json_file.as_os_str() == "-" {
                        let mut text = String::new();
                        std::io::Read::read_to_string(
                            &mut std::io::Read::take(std::io::stdin(), 256 * 1024),
                            &mut text,
                        )?;
                        text
                    } else {
                        if std::fs::metadata(json_file)?.len() > 256 * 1024 {
                            return Err(Error::invalid_cli("json-file", "a report is at most 256 KiB"));
                        }
                        std::fs::read_to_string(json_file)?
                    });
                    ReportBody::from_form_json(text.as_bytes())?
                }
                None => interview()?,
            };
            submitted(out, filing::submit(session, &body, near.as_deref(), *keep_copy, None)?);
        }
        ReportCommand::Sos { contact, hub } => {
            let sent = filing::sos(session, contact.to_model())?;
            let delivered = match hub {
                Some(url) => {
                    let target = HubTarget {
                        hub: Some(url.clone()),
                        pins: Vec::new(),
                        ca_certificates: Vec::new(),
                    };
                    let client = crate::hub::client(&target, Some(session.vault()))?;
                    let states = block_on(filing::sync(session, &client))?;
                    states
                        .iter()
                        .any(|report| report.report_id == sent.report_id && report.state != filing::ReportState::Queued)
                }
                None => false,
            };
            out.value(
                &json!({
                    "report_id": sent.report_id,
                    "emergency_numbers": sent.emergency_numbers,
                    "sent": delivered,
                }),
                &format!(
                    "help request sealed and {} ({}). Call or text: {}",
                    if delivered {
                        "sent"
                    } else {
                        "queued before everything else"
                    },
                    sent.report_id,
                    sent.emergency_numbers.join(", ")
                ),
            );
        }
        ReportCommand::List => {
            for report in filing::list(session)? {
                out.value(
                    &serde_json::to_value(&report).unwrap_or_default(),
                    &format!(
                        "{}\t{:?}\t{}\t{:?}",
                        report.report_id, report.kind, report.created_at, report.state
                    )
                    .to_lowercase(),
                );
            }
        }
        ReportCommand::Sync { target } => {
            let client = crate::hub::client(target, Some(session.vault()))?;
            let reports = block_on(filing::sync(session, &client))?;
            for report in reports {
                out.value(
                    &serde_json::to_value(&report).unwrap_or_default(),
                    &format!("{}\t{:?}", report.report_id, report.state).to_lowercase(),
                );
            }
        }
        ReportCommand::Team { team } => match team.as_deref() {
            None => {
                let team = filing::home_team(session)?;
                out.value(
                    &json!({ "home_team": team }),
                    &team.unwrap_or_else(|| "none (reports go to the programme-wide team)".into()),
                );
            }
            Some("none") => {
                filing::set_home_team(session, None)?;
                out.note("reports now go to the programme-wide team");
            }
            Some(id) => {
                filing::set_home_team(session, Some(id))?;
                out.note(&format!("reports now go to team {id}"));
            }
        },
        ReportCommand::Teams => {
            let Some((safety, _)) = corridor_core::content::library::safety_for(session)? else {
                out.note("no team list yet: update the content");
                return Ok(());
            };
            for team in safety.teams {
                out.value(
                    &json!({ "id": team.id, "name": team.name, "sites": team.sites }),
                    &format!("{}\t{}\t{}", team.id, team.name, team.sites.join(",")),
                );
            }
        }
    }
    Ok(())
}
