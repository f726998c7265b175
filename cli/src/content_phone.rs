//! The phone's side of the content channel: trust a root, check and install updates, read.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use corridor_core::content::{install, library, model};
use corridor_core::error::Error;
use corridor_core::runtime::block_on;
use corridor_core::vault::{Session, Vault};
use serde_json::json;

use crate::hub::HubTarget;
use crate::output::Output;
use crate::CliError;

#[derive(Args, Clone)]
pub struct RepositoryArgs {
    /// The repository's URL (a hub's `/v1/content/`, or any static server: https, or http to
    /// this machine only).
    #[arg(long = "from", value_name = "URL")]
    pub url: String,
    /// SHA-256 pins (64 hex digits) of the server's certificate keys; repeatable.
    #[arg(long = "pin-key", value_name = "SHA256")]
    pub pins: Vec<String>,
    /// A CA certificate (PEM or DER) to trust besides the public web roots.
    #[arg(long = "ca-cert", value_name = "FILE")]
    pub ca_certificates: Vec<PathBuf>,
}

#[derive(Subcommand)]
pub enum PhoneCommand {
    /// Pin the repository's root on this device (phones ship it inside the app).
    Trust { root: PathBuf },
    /// How much an update would download (reads only the small metadata first).
    Check {
        #[command(flatten)]
        repository: RepositoryArgs,
    },
    /// Download, verify and install the newest content (resumable; all or nothing).
    Update {
        #[command(flatten)]
        repository: RepositoryArgs,
    },
    /// The installed modules, with your quiz progress.
    List {
        /// Only this language (default: all).
        #[arg(long)]
        language: Option<String>,
    },
    /// Read a module.
    Show {
        id: String,
        /// Default: your `language` setting, else English.
        #[arg(long)]
        language: Option<String>,
    },
    /// Search the installed modules.
    Search {
        #[arg(required = true)]
        words: Vec<String>,
        #[arg(long)]
        language: Option<String>,
    },
    /// Answer a module's quiz: `--quiz ID --answer 1[,2]` (choices count from 1), or without
    /// them, each quiz in turn on the terminal.
    Quiz {
        id: String,
        #[arg(long)]
        language: Option<String>,
        #[arg(long = "quiz", value_name = "QUIZ_ID")]
        quiz_id: Option<String>,
        #[arg(long, value_name = "N[,N...]")]
        answer: Option<String>,
    },
    /// The programme's sites (from the safety-signed part of the content; needs the PIN).
    Sites,
}

fn target(repository: &RepositoryArgs) -> HubTarget {
    HubTarget {
        hub: Some(repository.url.clone()),
        pins: repository.pins.clone(),
        ca_certificates: repository.ca_certificates.clone(),
    }
}

fn language_of(session: &Session, asked: &Option<String>) -> Result<String, Error> {
    if let Some(language) = asked {
        if !model::is_valid_language(language) {
            return Err(Error::invalid_cli("language", "a language tag such as en or pt"));
        }
        return Ok(language.clone());
    }
    Ok(session
        .setting_get("language")?
        .filter(|language| model::is_valid_language(language))
        .unwrap_or_else(|| "en".to_string()))
}

pub fn run(
    command: &PhoneCommand,
    vault: impl Fn() -> Result<Vault, Error>,
    profile: Option<&str>,
    out: &Output,
) -> Result<(), Error> {
    let vault = vault()?;
    match command {
        PhoneCommand::Trust { root } => {
            let bytes = read_capped(root, corridor_core::content::metadata::MAX_ROOT_LEN)?;
            let version = install::trust_root(&vault, &bytes)?;
            out.value(
                &json!({ "root_version": version }),
                &format!("this device now trusts content root version {version}"),
            );
        }
        PhoneCommand::Check { repository } => {
            let client = crate::hub::client(&target(repository), None)?;
            let plan = block_on(install::check(&vault, &client))?;
            out.value(
                &json!({
                    "installed_version": plan.installed_version,
                    "offered_version": plan.offered_version,
                    "up_to_date": plan.up_to_date,
                    "bytes_to_download": plan.bytes_to_download,
                    "files_to_download": plan.files_to_download,
                    "modules_added": plan.modules_added,
                    "modules_changed": plan.modules_changed,
                    "modules_removed": plan.modules_removed,
                    "root_version": plan.root_version,
                    "metadata_bytes": plan.metadata_bytes,
                }),
                &if plan.up_to_date {
                    format!("up to date (version {})", plan.offered_version)
                } else {
                    format!(
                        "version {} is offered: {} bytes to download ({} files); {} modules new, {} changed, {} removed",
                        plan.offered_version,
                        plan.bytes_to_download,
                        plan.files_to_download,
                        plan.modules_added,
                        plan.modules_changed,
                        plan.modules_removed
                    )
                },
            );
        }
        PhoneCommand::Update { repository } => {
            let client = crate::hub::client(&target(repository), None)?;
            let bar = std::io::stderr().is_terminal() && !out.json;
            let progress_bar = bar.then(|| {
                let bar = indicatif::ProgressBar::new(0);
                bar.set_style(
                    indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar
            });
            let outcome = block_on(install::update(&vault, &client, &mut |done, total| {
                if let Some(bar) = &progress_bar {
                    bar.set_length(total);
                    bar.set_position(done);
                }
            }));
            if let Some(bar) = &progress_bar {
                bar.finish_and_clear();
            }
            let outcome = match outcome {
                Ok(outcome) => outcome,
                Err(error) if out.json => {
                    // The JSON answer reports the refusal; the exit code still says it failed.
                    println!("{}", json!({ "updated": false, "reason": error.to_string() }));
                    return Err(error);
                }
                Err(error) => return Err(error),
            };
            out.value(
                &json!({
                    "updated": !outcome.up_to_date,
                    "version": outcome.version,
                    "modules_installed": outcome.modules_installed,
                    "modules_removed": outcome.modules_removed,
                    "bytes_downloaded": outcome.bytes_downloaded,
                    "metadata_bytes": outcome.metadata_bytes,
                    "root_version": outcome.root_version,
                }),
                &if outcome.up_to_date {
                    format!("already up to date (version {})", outcome.version)
                } else {
                    format!(
                        "installed version {}: {} modules new or changed, {} removed, {} bytes of files and {} of metadata downloaded",
                        outcome.version,
                        outcome.modules_installed,
                        outcome.modules_removed,
                        outcome.bytes_downloaded,
                        outcome.metadata_bytes
                    )
                },
            );
        }
        reading => {
            let session = crate::unlock(&vault, profile, out)?;
            read(&session, reading, out)?;
        }
    }
    Ok(())
}

fn read(session: &Session, command: &PhoneCommand, out: &Output) -> Result<(), Error> {
    match command {
        PhoneCommand::List { language } => {
            for module in library::list(session, language.as_deref())? {
                out.value(
                    &serde_json::to_value(&module).unwrap_or_default(),
                    &format!(
                        "{}\t{}\t{}\t(quizzes {}/{})",
                        module.id, module.language, module.title, module.quizzes_correct, module.quizzes_total
                    ),
                );
            }
        }
        PhoneCommand::Show { id, language } => {
            let language = language_of(session, language)?;
            let module = library::show(session, id, &language)?;
            if out.json {
                out.value(&serde_json::to_value(&module).unwrap_or_default(), "");
            } else {
                print!("{}", render(&module));
            }
        }
        PhoneCommand::Search { words, language } => {
            let language = language_of(session, language)?;
            let hits = library::search(session, &words.join(" "), &language)?;
            if hits.is_empty() && !out.json {
                out.note("nothing found");
            }
            for hit in hits {
                out.value(
                    &serde_json::to_value(&hit).unwrap_or_default(),
                    &format!("{}\t{}\t{}", hit.id, hit.title, hit.snippet),
                );
            }
        }
        PhoneCommand::Quiz {
            id,
            language,
            quiz_id,
            answer,
        } => {
            let language = language_of(session, language)?;
            match (quiz_id, answer) {
                (Some(quiz_id), Some(answer)) => {
                    let chosen = parse_choices(answer)?;
                    let result = library::answer_quiz(session, id, &language, quiz_id, &chosen)?;
                    show_result(&result, out);
                }
                (None, None) => interactive_quiz(session, id, &language, out)?,
                _ => {
                    return Err(Error::invalid_cli(
                        "quiz",
                        "give both --quiz ID and --answer N, or neither",
                    ))
                }
            }
        }
        PhoneCommand::Sites => {
            let Some((safety, out_of_date)) = library::safety_for(session)? else {
                return Ok(());
            };
            if out_of_date && !out.json {
                eprintln!("corridor: this site list has expired and may be out of date: update the content");
            }
            for site in safety.sites {
                let mut value = serde_json::to_value(&site).unwrap_or_default();
                value["out_of_date"] = json!(out_of_date);
                out.value(
                    &value,
                    &format!(
                        "{}\t{} ({}, {})\t{}\t{}{}",
                        site.id,
                        site.name,
                        site.place,
                        site.country,
                        site.opening_hours,
                        site.phone,
                        if site.offers_pep { "\tPEP" } else { "" }
                    ),
                );
            }
        }
        _ => {}
    }
    Ok(())
}

fn parse_choices(text: &str) -> Result<Vec<u32>, Error> {
    text.split(',')
        .map(|part| {
            part.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .map(|n| n - 1)
                .ok_or_else(|| Error::invalid_cli("answer", "choices are numbers from 1, separated by commas"))
        })
        .collect()
}

fn show_result(result: &library::QuizResult, out: &Output) {
    let mut text = String::from(if result.correct { "Right!\n" } else { "Not quite.\n" });
    for choice in &result.feedback {
        if choice.chosen || choice.correct {
            text.push_str(&format!(
                "{} {}. {} — {}\n",
                if choice.correct { "✓" } else { "✗" },
                choice.index + 1,
                choice.text,
                choice.explanation
            ));
        }
    }
    text.push_str(&format!(
        "score in this module: {} of {} quizzes",
        result.quizzes_correct, result.quizzes_total
    ));
    out.value(&serde_json::to_value(result).unwrap_or_default(), &text);
}

fn interactive_quiz(session: &Session, id: &str, language: &str, out: &Output) -> Result<(), Error> {
    let module = library::show(session, id, language)?;
    let quizzes: Vec<&model::Quiz> = module
        .blocks
        .iter()
        .filter_map(|block| match block {
            model::Block::Quiz(quiz) => Some(quiz),
            _ => None,
        })
        .collect();
    if quizzes.is_empty() {
        out.note("this module has no quiz");
        return Ok(());
    }
    for quiz in quizzes {
        println!("{}", quiz.question);
        for (index, choice) in quiz.choices.iter().enumerate() {
            println!("  {}. {}", index + 1, choice.text);
        }
        println!(
            "{}",
            if quiz.multiple {
                "(all that apply, e.g. 1,3)"
            } else {
                "(one number)"
            }
        );
        let mut line = String::new();
        if std::io::stdin().read_line(&mut line)? == 0 {
            return Ok(());
        }
        let chosen = parse_choices(line.trim())?;
        let result = library::answer_quiz(session, id, language, &quiz.id, &chosen)?;
        show_result(&result, out);
        println!();
    }
    Ok(())
}

fn read_capped(path: &std::path::Path, cap: usize) -> Result<Vec<u8>, Error> {
    let length = std::fs::metadata(path)?.len();
    if length > cap as u64 {
        return Err(Error::ContentRejected("this file is larger than any root".into()));
    }
    Ok(std::fs::read(path)?)
}

/// A module as plain text for the terminal.
fn render(module: &model::Module) -> String {
    let text = |spans: &model::Text| spans.iter().map(|span| span.text.as_str()).collect::<String>();
    let mut out = format!("{}\n{}\n", module.title, "=".repeat(module.title.chars().count()));
    if module.review.status == model::ReviewStatus::AwaitingClinicalReview {
        out.push_str("(awaiting clinical review)\n");
    }
    for block in &module.blocks {
        out.push('\n');
        match block {
            model::Block::Heading { text: spans, .. } => out.push_str(&format!("## {}\n", text(spans))),
            model::Block::Paragraph { text: spans } => out.push_str(&format!("{}\n", text(spans))),
            model::Block::List { ordered, items } => {
                for (index, item) in items.iter().enumerate() {
                    if *ordered {
                        out.push_str(&format!("{}. {}\n", index + 1, text(item)));
                    } else {
                        out.push_str(&format!("- {}\n", text(item)));
                    }
                }
            }
            model::Block::Image { asset, alt } => out.push_str(&format!("[image {asset}: {alt}]\n")),
            model::Block::Audio { asset, title } => out.push_str(&format!("[audio {asset}: {title}]\n")),
            model::Block::Callout { kind, text: spans } => {
                let label = match kind {
                    model::CalloutKind::Urgent => "URGENT",
                    model::CalloutKind::Warning => "WARNING",
                    model::CalloutKind::Tip => "TIP",
                    model::CalloutKind::Note => "NOTE",
                };
                out.push_str(&format!("{label}: {}\n", text(spans)));
            }
            model::Block::Quiz(quiz) => {
                out.push_str(&format!("Quiz ({}): {}\n", quiz.id, quiz.question));
                for (index, choice) in quiz.choices.iter().enumerate() {
                    out.push_str(&format!("  {}. {}\n", index + 1, choice.text));
                }
            }
        }
    }
    if !module.sources.is_empty() {
        out.push_str("\nSources:\n");
        for source in &module.sources {
            match &source.url {
                Some(url) => out.push_str(&format!("- {} ({})\n", source.title, url)),
                None => out.push_str(&format!("- {}\n", source.title)),
            }
        }
    }
    out
}
