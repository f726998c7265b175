//! Human-readable or JSON output, and one-line errors with stable exit codes.

use std::path::Path;

use corridor_core::error::Error;
use corridor_core::vault::{DirectoryKind, ProfileRole, ProfileSummary, Session, VaultStatus};
use serde_json::{json, Value};

pub struct Output {
    pub json: bool,
    /// Whether the wipe after wrong PINs is on, so that "attempts left" can say before what.
    pub wipe_armed: std::cell::Cell<bool>,
}

/// 3: wrong PIN or waiting; 4: not set up; 5: locked; 6: the hub could not be reached; 7: the hub
/// refused; 8: content refused; 1: anything else (2 is clap's usage error).
pub fn exit_code(error: &Error) -> u8 {
    match error {
        Error::WrongPin { .. } | Error::TooManyAttempts { .. } => 3,
        Error::NotSetUp => 4,
        Error::Locked => 5,
        Error::Network { .. } => 6,
        Error::HubRefused { .. } => 7,
        Error::ContentRejected(_) => 8,
        _ => 1,
    }
}

fn error_kind(error: &Error) -> &'static str {
    match error {
        Error::WrongPin { .. } => "wrong_pin",
        Error::TooManyAttempts { .. } => "too_many_attempts",
        Error::Locked => "locked",
        Error::NotSetUp => "not_set_up",
        Error::AlreadySetUp(_) => "already_set_up",
        Error::InvalidInput { .. } => "invalid_input",
        Error::ProfileNotFound => "profile_not_found",
        Error::InvalidCode { .. } => "invalid_code",
        Error::BackupRejected(_) => "backup_rejected",
        Error::KeyFileDamaged(_) => "key_file_damaged",
        Error::DatabaseDamaged => "database_damaged",
        Error::NewerSchema { .. } => "newer_version",
        Error::Storage(_) => "storage",
        Error::ContentRejected(_) => "content_rejected",
        Error::Network { .. } => "network",
        Error::HubRefused { .. } => "hub_refused",
        Error::Platform(_) => "platform",
        Error::Internal(_) => "internal",
    }
}

fn profile_json(profile: &ProfileSummary) -> Value {
    json!({
        "id": profile.id.to_hex(),
        "role": role_name(profile.role),
        "display_name": profile.display_name,
    })
}

fn role_name(role: ProfileRole) -> &'static str {
    match role {
        ProfileRole::Personal => "personal",
        ProfileRole::Educator => "educator",
    }
}

fn kind_name(kind: Option<DirectoryKind>) -> Option<&'static str> {
    kind.map(|kind| match kind {
        DirectoryKind::Personal => "personal",
        DirectoryKind::Educator => "educator",
    })
}

fn describe(profile: &ProfileSummary) -> String {
    match &profile.display_name {
        Some(name) => format!("educator profile \"{name}\""),
        None => "personal profile".to_string(),
    }
}

impl Output {
    pub fn error(&self, error: &Error) {
        if self.json {
            let mut body = json!({ "error": error_kind(error), "message": error.to_string() });
            match error {
                Error::WrongPin {
                    attempts_left,
                    retry_after_secs,
                } => {
                    body["attempts_left"] = json!(attempts_left);
                    body["retry_after_secs"] = json!(retry_after_secs);
                }
                Error::TooManyAttempts { retry_after_secs } => body["retry_after_secs"] = json!(retry_after_secs),
                Error::InvalidInput { field, .. } => body["field"] = json!(field),
                Error::HubRefused { status, code, .. } => {
                    body["status"] = json!(status);
                    body["code"] = json!(code);
                }
                Error::Network { retryable, .. } => body["retryable"] = json!(retryable),
                Error::InvalidCode { field, problem } => {
                    body["field"] = json!(field);
                    body["problem"] = json!(match problem {
                        corridor_core::codes::CodeProblem::InvalidCharacter { .. } => "invalid_character",
                        corridor_core::codes::CodeProblem::WrongLength { .. } => "wrong_length",
                        corridor_core::codes::CodeProblem::CheckMismatch => "check_mismatch",
                    });
                }
                _ => {}
            }
            eprintln!("{body}");
        } else {
            let text = match error {
                Error::WrongPin {
                    attempts_left,
                    retry_after_secs,
                } => {
                    let plural = if *attempts_left == 1 { "attempt" } else { "attempts" };
                    let before = if self.wipe_armed.get() {
                        " before everything is erased"
                    } else {
                        ""
                    };
                    let wait = if *retry_after_secs > 0 {
                        format!("; try again in {retry_after_secs} s")
                    } else {
                        String::new()
                    };
                    format!("wrong PIN: {attempts_left} {plural} left{before}{wait}")
                }
                other => other.to_string(),
            };
            eprintln!("corridor: {text}");
        }
    }

    pub fn note(&self, text: &str) {
        if self.json {
            println!("{}", json!({ "ok": true, "message": text }));
        } else {
            println!("{text}");
        }
    }

    pub fn set_up(&self, dir: &Path, profile: &ProfileSummary) {
        if self.json {
            println!(
                "{}",
                json!({ "set_up": true, "data_dir": dir, "profile": profile_json(profile) })
            );
        } else {
            println!("set up the {} in {}", describe(profile), dir.display());
        }
    }

    pub fn unlocked(&self, profile: &ProfileSummary) {
        if self.json {
            println!("{}", json!({ "unlocked": true, "profile": profile_json(profile) }));
        } else {
            println!("unlocked the {} ({})", describe(profile), profile.id.to_hex());
        }
    }

    pub fn status(&self, dir: &Path, status: Option<&VaultStatus>, session: Option<&Session>) {
        let unlocked = session.map(|session| {
            json!({
                "profile": profile_json(session.profile()),
                "settings": session.setting_count().ok(),
                "auto_lock_secs": session.auto_lock_secs().ok(),
                "schema_version": session.schema_version().ok(),
            })
        });
        if self.json {
            let body = match status {
                None => json!({ "data_dir": dir, "set_up": false }),
                Some(status) => json!({
                    "data_dir": dir,
                    "set_up": status.set_up,
                    "kind": kind_name(status.kind),
                    "profiles": status.profiles.iter().map(profile_json).collect::<Vec<_>>(),
                    "failed_attempts": status.failed_attempts,
                    "retry_after_secs": status.retry_after_secs,
                    "wipe_after_failures": status.wipe_after_failures,
                    "unlocked": unlocked,
                }),
            };
            println!("{body}");
            return;
        }
        println!("data directory: {}", dir.display());
        let Some(status) = status.filter(|status| status.set_up) else {
            println!("not set up");
            return;
        };
        match status.kind {
            Some(DirectoryKind::Educator) => {
                println!("shared tablet with {} educator profiles:", status.profiles.len());
                for profile in &status.profiles {
                    println!("  {}", profile.display_name.as_deref().unwrap_or("?"));
                }
            }
            _ => println!("personal phone"),
        }
        println!("failed PIN attempts: {}", status.failed_attempts);
        if status.retry_after_secs > 0 {
            println!("next attempt allowed in {} s", status.retry_after_secs);
        }
        match status.wipe_after_failures {
            Some(limit) => println!("erase after {limit} wrong PINs: on"),
            None => println!("erase after wrong PINs: off"),
        }
        if let Some(session) = session {
            println!("unlocked: the {}", describe(session.profile()));
            if let Ok(count) = session.setting_count() {
                println!("  settings stored: {count}");
            }
            if let Ok(seconds) = session.auto_lock_secs() {
                println!("  locks after {seconds} s idle");
            }
        }
    }

    pub fn setting(&self, key: &str, value: Option<&str>) {
        if self.json {
            println!("{}", json!({ "key": key, "value": value }));
        } else if let Some(value) = value {
            println!("{value}");
        }
    }

    pub fn cover(&self, cover: &corridor_core::disguise::cover::Cover) {
        if self.json {
            println!("{}", serde_json::to_string(cover).unwrap_or_default());
        } else {
            println!(
                "{}: \"{}\" (icon {}), notifications say: {}",
                cover.id,
                cover.app_label,
                cover.icon_name,
                cover.notification_texts.join(" | ")
            );
        }
    }

    /// Exactly what the disguise shows, and whether the typed number opened a profile (which
    /// one is not said: the decoy and the person's profile must look alike).
    pub fn calculator(&self, display: &str, unlocked: bool) {
        if self.json {
            println!("{}", json!({ "display": display, "unlocked": unlocked }));
        } else {
            println!("{display}");
        }
    }

    pub fn codes(&self, codes: &[corridor_core::codes::ClientCode]) {
        if self.json {
            println!(
                "{}",
                json!({ "codes": codes.iter().map(|code| code.as_str()).collect::<Vec<_>>() })
            );
        } else {
            for code in codes {
                println!("{code}");
            }
        }
    }

    pub fn code_checked(&self, code: &corridor_core::codes::ClientCode) {
        if self.json {
            println!("{}", json!({ "valid": true, "code": code.as_str() }));
        } else {
            println!("{code}");
        }
    }

    pub fn code_shown(&self, code: &corridor_core::codes::ClientCode, terminal_qr: Option<&str>) {
        if self.json {
            println!("{}", json!({ "code": code.as_str() }));
        } else {
            if let Some(drawing) = terminal_qr {
                print!("{drawing}");
            }
            println!("{code}");
        }
    }

    /// The recovery secret, shown once.
    pub fn recovery_secret(&self, secret: &str) {
        if self.json {
            println!("{}", json!({ "recovery_secret": secret }));
        } else {
            println!("Your recovery secret (shown only now; write it down and keep it safe):");
            println!();
            println!("    {secret}");
            println!();
            println!("With it and a backup you can restore your code and settings on a new phone.");
            println!("Confirm it now: corridor recovery confirm (it asks for the secret).");
        }
    }

    /// A JSON value with --json, else the given text.
    pub fn value(&self, value: &serde_json::Value, text: &str) {
        if self.json {
            println!("{value}");
        } else if !text.is_empty() {
            println!("{text}");
        }
    }

    pub fn keys(&self, keys: &[String]) {
        if self.json {
            println!("{}", json!({ "keys": keys }));
        } else {
            for key in keys {
                println!("{key}");
            }
        }
    }
}
