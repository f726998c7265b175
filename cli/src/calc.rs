//! `corridor calc`: the calculator disguise in a terminal. With `--keys` it types the keys and
//! prints the display; without, it reads lines of keys and prints the display after each line.
//! A PIN typed as a bare number and `=` unlocks, exactly as on the phone; interactively, the
//! `shell` mode then takes over with that profile.

use std::io::Write;

use corridor_core::disguise::calculator::{parse_keys, NumberFormat};
use corridor_core::disguise::Disguise;
use corridor_core::error::Error;
use corridor_core::runtime::block_on;
use corridor_core::vault::{Session, Vault};

use crate::output::Output;

pub fn run(vault: Option<Vault>, keys: Option<&str>, out: &Output) -> Result<(), Error> {
    let disguise = match &vault {
        Some(vault) => Disguise::new(vault.clone(), NumberFormat::default()),
        None => Disguise::calculator_only(NumberFormat::default()),
    };
    match keys {
        Some(keys) => {
            let keys = crate::from_stdin_if_dash(keys)?;
            let (display, unlocked) = type_keys(&disguise, &keys)?;
            out.calculator(&display, unlocked.is_some());
        }
        None => {
            println!("{}", disguise.display());
            loop {
                // Line by line, without holding the lock on stdin: the shell reads from it next.
                let mut line = String::new();
                if std::io::stdin().read_line(&mut line)? == 0 {
                    break;
                }
                match type_keys(&disguise, &line) {
                    Ok((display, Some(session))) => {
                        out.calculator(&display, true);
                        // As on the phone, the app opens: the interactive mode takes over.
                        return match &vault {
                            Some(vault) => crate::shell::run_with(vault, session, None, out),
                            None => Ok(()),
                        };
                    }
                    Ok((display, None)) => out.calculator(&display, false),
                    Err(error) => out.error(&error),
                }
                let _ = std::io::stdout().flush();
            }
        }
    }
    Ok(())
}

/// Presses `keys` in order; each PIN attempt is awaited before the next key, as a person would
/// see the app open before typing on.
fn type_keys(disguise: &Disguise, keys: &str) -> Result<(String, Option<Session>), Error> {
    let mut display = disguise.display();
    for key in parse_keys(keys)? {
        let press = disguise.press(key);
        display = press.display;
        if let Some(attempt) = press.attempt {
            if let Some(session) = block_on(attempt.outcome()) {
                return Ok((display, Some(session)));
            }
        }
    }
    Ok((display, None))
}
