//! `corridor shell`: one profile kept unlocked across commands, with `lock` and `unlock`, and the
//! core's auto-lock applying between commands.

use std::io::{BufRead, Write};

use corridor_core::error::Error;
use corridor_core::vault::{Session, Vault};

use crate::output::Output;
use crate::SettingsCommand;

const HELP: &str = "commands: status | settings get KEY | settings set KEY VALUE | settings delete KEY | settings list | lock | unlock | help | quit";

pub fn run(vault: &Vault, profile: Option<&str>, out: &Output) -> Result<(), Error> {
    let opened = crate::unlock(vault, profile, out)?;
    run_with(vault, opened, profile, out)
}

/// The interactive mode with a profile already open (the calculator opened it).
pub fn run_with(vault: &Vault, opened: Session, profile: Option<&str>, out: &Output) -> Result<(), Error> {
    out.unlocked(opened.profile());
    let mut session: Option<Session> = Some(opened);
    let stdin = std::io::stdin();
    loop {
        print!("corridor> ");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            break;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let outcome = match words.as_slice() {
            [] => Ok(()),
            ["quit"] | ["exit"] => break,
            ["help"] => {
                println!("{HELP}");
                Ok(())
            }
            ["lock"] => {
                if let Some(open) = session.take() {
                    open.lock();
                }
                out.note("locked");
                Ok(())
            }
            ["unlock"] => crate::unlock(vault, profile, out).map(|opened| {
                out.unlocked(opened.profile());
                session = Some(opened);
            }),
            ["status"] => vault.status().map(|status| {
                let open = session.as_ref().filter(|open| !open.is_locked());
                out.status(vault.dir(), Some(&status), open);
            }),
            ["settings", rest @ ..] => match parse_settings(rest, &line) {
                Some(command) => match &session {
                    Some(open) => crate::run_settings(open, &command, out),
                    None => Err(Error::Locked),
                },
                None => {
                    println!("{HELP}");
                    Ok(())
                }
            },
            _ => {
                println!("{HELP}");
                Ok(())
            }
        };
        if let Err(error) = outcome {
            out.error(&error);
        }
    }
    if let Some(open) = session {
        open.lock();
    }
    Ok(())
}

/// `set KEY VALUE` keeps the value's inner spaces: everything after the key is the value.
fn parse_settings(words: &[&str], line: &str) -> Option<SettingsCommand> {
    match words {
        ["get", key] => Some(SettingsCommand::Get { key: key.to_string() }),
        ["delete", key] => Some(SettingsCommand::Delete { key: key.to_string() }),
        ["list"] => Some(SettingsCommand::List),
        ["set", key, ..] if words.len() >= 3 => {
            let value = line
                .trim()
                .strip_prefix("settings")
                .map(str::trim_start)
                .and_then(|rest| rest.strip_prefix("set"))
                .map(str::trim_start)
                .and_then(|rest| rest.strip_prefix(*key))
                .map(str::trim)
                .map(str::to_string)
                .unwrap_or_else(|| words[2..].join(" "));
            Some(SettingsCommand::Set {
                key: key.to_string(),
                value,
            })
        }
        _ => None,
    }
}
