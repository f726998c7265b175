//! `corridor`: the desktop harness over the core (the same API the phone shells use through the
//! FFI). Each invocation is its own process: commands that need a profile unlock it, do their
//! work and lock it again on exit. `corridor shell` keeps one profile open for several commands.

mod calc;
mod content;
mod content_editor;
mod content_phone;
mod content_source;
mod crt;
mod hub;
mod output;
mod pin_input;
mod remind;
mod report;
mod session;
mod shell;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use corridor_core::codes::ClientCode;
use corridor_core::error::Error;
use corridor_core::platform::SoftwareKeyStrengthener;
use corridor_core::runtime::block_on;
use corridor_core::vault::DirectoryKind;
use corridor_core::vault::{ProfileSelector, Session, Vault, VaultOptions};

use output::Output;

#[derive(Parser)]
#[command(
    name = "corridor",
    version,
    about = "Corridor: profiles, vault and settings from the command line"
)]
struct Cli {
    /// The data directory (default: the platform's user data directory).
    #[arg(long, global = true, env = "CORRIDOR_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// On a shared tablet: the educator's profile, by display name.
    #[arg(long, global = true, value_name = "NAME")]
    profile: Option<String>,

    /// Print JSON instead of text (errors become one JSON line on stderr).
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Set up a phone's profile (with its decoy) or add an educator's profile to a tablet.
    Setup {
        #[arg(long, value_enum)]
        role: Role,
        /// The educator's display name (tablets only; not secret).
        #[arg(long)]
        name: Option<String>,
        /// The client code on the person's clinic card, if they have one (phones only).
        #[arg(long)]
        code: Option<String>,
    },
    /// What can be shown without the PIN; with CORRIDOR_PIN set (or --unlock), the profile too.
    Status {
        /// Ask for the PIN and show the unlocked profile as well.
        #[arg(long)]
        unlock: bool,
    },
    /// Check the PIN and report the profile it opens.
    Unlock,
    /// Lock the profile (meaningful in `corridor shell`; a single command locks when it exits).
    Lock,
    /// PIN management.
    Pin {
        #[command(subcommand)]
        command: PinCommand,
    },
    /// The profile's encrypted settings.
    Settings {
        #[command(subcommand)]
        command: SettingsCommand,
    },
    /// Erase everything after N consecutive wrong PINs (5 to 100), or `off`.
    WipeAfter {
        /// A number of failures, or `off`.
        limit: String,
    },
    /// Lock automatically after this many idle seconds (15 to 86400).
    AutoLock { seconds: u32 },
    /// Interactive mode: unlock once, then type commands (help, status, settings ..., lock, unlock, quit).
    Shell,
    /// The calculator disguise: type keys (0-9 . + - * / % = C < ~). A bare number of six or more
    /// digits followed by = is also tried as the PIN. Without --keys, an interactive calculator.
    Calc {
        /// The keys; `-` reads them from standard input, so a PIN never shows in a process list.
        #[arg(long)]
        keys: Option<String>,
    },
    /// The duress PIN: typed instead of the PIN, it opens the decoy profile.
    Duress {
        #[command(subcommand)]
        command: DuressCommand,
    },
    /// Quick delete: crypto-erase every profile on this device, without a PIN.
    Wipe {
        /// Really erase now (without it, only says what would be lost).
        #[arg(long)]
        now: bool,
    },
    /// Identity-free client codes.
    Code {
        #[command(subcommand)]
        command: CodeCommand,
    },
    /// The recovery kit: `recovery create` makes the recovery secret and shows it once.
    Recovery {
        #[command(subcommand)]
        command: RecoveryCommand,
    },
    /// Encrypted backups under the recovery kit.
    Backup {
        #[command(subcommand)]
        command: BackupCommand,
    },
    /// Appointment and medication reminders whose text reveals nothing.
    Remind {
        #[command(subcommand)]
        command: remind::RemindCommand,
    },
    /// The hub: run it (`hub serve`), manage its accounts, log this device in.
    Hub {
        #[command(subcommand)]
        command: hub::HubCommand,
    },
    /// Health-literacy content: editors' tools (keygen, init-repo, build, sign, publish, ...) and
    /// the phone's side (trust, check, update, list, show, search, quiz).
    Content {
        #[command(subcommand)]
        command: content::ContentCommand,
    },
    /// Violence reports: quick, full, SOS; sealed so only the Crisis Response Team can read them.
    Report {
        #[command(subcommand)]
        command: report::ReportCommand,
    },
    /// Peer-educator sessions on a shared tablet (--profile NAME): attendance by client code,
    /// walk-ins, commodities, referrals; close, correct, sync; your own numbers.
    Session {
        #[command(subcommand)]
        command: session::SessionCommand,
    },
    /// Send what waits in the outbox (reports, sessions) to the hub.
    Sync {
        #[command(flatten)]
        target: hub::HubTarget,
        /// Keep trying (with backoff) for up to this many seconds until everything is sent.
        #[arg(long, default_value_t = 0, value_name = "SECS")]
        wait: u64,
    },
    /// What waits to be sent to the hub.
    Outbox {
        #[command(subcommand)]
        command: hub::OutboxCommand,
    },
    /// The Crisis Response Team coordinator's report inbox at the hub.
    Inbox {
        #[command(subcommand)]
        command: hub::InboxCommand,
    },
    /// The Crisis Response Team coordinator's tools: the team's key, opening reports.
    Crt {
        #[command(subcommand)]
        command: crt::CrtCommand,
    },
    /// The cover the disguise shows: `cover` shows it, `cover list` lists all, `cover set ID` chooses.
    Cover {
        #[command(subcommand)]
        command: Option<CoverCommand>,
    },
}

#[derive(Subcommand)]
enum DuressCommand {
    /// Set or replace it: CORRIDOR_PIN is your PIN, CORRIDOR_DURESS_PIN the duress PIN (or prompts).
    Set {
        /// Typing the duress PIN also erases your real profile.
        #[arg(long)]
        erase: bool,
    },
    /// Remove it.
    Clear,
}

#[derive(Subcommand)]
enum CodeCommand {
    /// Print N fresh codes (for printing clinic cards; no profile needed).
    New {
        #[arg(long, default_value_t = 1)]
        count: u32,
    },
    /// Check a typed code: prints its normal form, or why it is wrong (exit code 1).
    Check {
        /// The code; `-` reads it from standard input (not shown in a process list).
        code: String,
    },
    /// The profile's code.
    Show {
        /// Draw it as a QR code in the terminal.
        #[arg(long)]
        qr: bool,
        /// Write the QR code as an SVG file.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
    },
    /// Take the code on the person's clinic card instead of the one made at setup.
    Adopt { code: String },
}

#[derive(Subcommand)]
enum RecoveryCommand {
    /// Create (or replace) the recovery kit and show its secret once.
    Create,
    /// Confirm the kit with the secret typed back (CORRIDOR_RECOVERY or a prompt); backups need it.
    Confirm,
}

#[derive(Subcommand)]
enum BackupCommand {
    /// Write an encrypted backup of the profile to FILE (needs a recovery kit).
    Export { file: PathBuf },
    /// Restore FILE into a data directory with no profile: the recovery secret from
    /// CORRIDOR_RECOVERY (or a prompt), the new PIN from CORRIDOR_PIN (or a prompt).
    Restore { file: PathBuf },
    /// Store an encrypted backup at the hub, under the recovery kit (replaces the last one).
    Push {
        #[command(flatten)]
        target: hub::HubTarget,
    },
    /// Restore from the hub into a data directory with no profile: the recovery secret finds the
    /// backup and opens it (CORRIDOR_RECOVERY or a prompt; the new PIN from CORRIDOR_PIN).
    Pull {
        #[command(flatten)]
        target: hub::HubTarget,
    },
    /// Delete this profile's backup from the hub.
    DeleteAtHub {
        #[command(flatten)]
        target: hub::HubTarget,
    },
}

#[derive(Subcommand)]
enum CoverCommand {
    List,
    Set { id: String },
}

#[derive(Subcommand)]
enum PinCommand {
    /// Change the PIN: the current one from CORRIDOR_PIN, the new one from CORRIDOR_NEW_PIN (or prompts).
    Change,
}

#[derive(Subcommand)]
pub(crate) enum SettingsCommand {
    Set { key: String, value: String },
    Get { key: String },
    Delete { key: String },
    List,
}

#[derive(Clone, Copy, ValueEnum)]
enum Role {
    Personal,
    Educator,
}

fn main() -> ExitCode {
    // A panic's text could carry data: say only that something went wrong.
    std::panic::set_hook(Box::new(|_| eprintln!("corridor: internal error")));
    let cli = Cli::parse();
    let out = Output {
        json: cli.json,
        wipe_armed: std::cell::Cell::new(false),
    };
    match run(&cli, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            out.error(&error);
            ExitCode::from(output::exit_code(&error))
        }
    }
}

fn data_dir(cli: &Cli) -> Result<PathBuf, Error> {
    if let Some(dir) = &cli.data_dir {
        return Ok(dir.clone());
    }
    directories::ProjectDirs::from("org", "Corridor", "Corridor")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .ok_or_else(|| Error::invalid_cli("data-dir", "no user data directory is known here; pass --data-dir"))
}

pub(crate) fn open_vault(dir: &std::path::Path) -> Result<Vault, Error> {
    let strengthener = Arc::new(SoftwareKeyStrengthener::in_data_dir(dir)?);
    Vault::open(dir, strengthener, VaultOptions::default())
}

/// Whether `dir` holds Corridor data (checked without creating anything). An erase that a crash
/// interrupted counts: opening the vault finishes it.
fn is_set_up(dir: &std::path::Path) -> bool {
    Vault::holds_data(dir)
}

pub(crate) fn selector(vault: &Vault, profile: Option<&str>) -> Result<ProfileSelector, Error> {
    let status = vault.status()?;
    match (status.kind, profile) {
        (Some(DirectoryKind::Educator), Some(name)) => Ok(ProfileSelector::Id(vault.find_educator(name)?)),
        (Some(DirectoryKind::Educator), None) => Err(Error::invalid_cli(
            "profile",
            "this is a shared tablet: pass --profile NAME",
        )),
        (_, Some(_)) => Err(Error::invalid_cli(
            "profile",
            "--profile is for shared tablets; a phone's PIN alone decides",
        )),
        (_, None) => Ok(ProfileSelector::Any),
    }
}

pub(crate) fn unlock(vault: &Vault, profile: Option<&str>, out: &Output) -> Result<Session, Error> {
    let selector = selector(vault, profile)?;
    out.wipe_armed.set(
        vault
            .status()
            .map(|status| status.wipe_after_failures.is_some())
            .unwrap_or(false),
    );
    let pin = pin_input::read_pin("CORRIDOR_PIN", "PIN: ")?;
    block_on(vault.unlock(pin, selector))
}

fn run(cli: &Cli, out: &Output) -> Result<(), Error> {
    let dir = data_dir(cli)?;
    let profile = cli.profile.as_deref();
    if !is_set_up(&dir) {
        match &cli.command {
            Command::Setup { .. } => {}
            Command::Status { .. } => {
                out.status(&dir, None, None);
                return Ok(());
            }
            // A device with no profile is still a calculator; nothing is created.
            Command::Calc { keys } => return calc::run(None, keys.as_deref(), out),
            Command::Wipe { now: true } => {
                out.note("nothing to erase");
                return Ok(());
            }
            Command::Cover {
                command: None | Some(CoverCommand::List),
            } => {}
            // Clinic tools and restoring need no profile.
            Command::Code {
                command: CodeCommand::New { .. } | CodeCommand::Check { .. },
            } => {}
            Command::Backup {
                command: BackupCommand::Restore { .. } | BackupCommand::Pull { .. },
            } => {}
            // Running the hub and managing its accounts concern the hub's directory, not this one.
            Command::Hub {
                command:
                    hub::HubCommand::Serve { .. }
                    | hub::HubCommand::User { .. }
                    | hub::HubCommand::Token { .. }
                    | hub::HubCommand::Reach { .. }
                    | hub::HubCommand::Health { .. },
            } => {}
            Command::Inbox {
                command: hub::InboxCommand::Status { .. },
            } => {}
            Command::Content { command } if command.needs_no_device() => {}
            Command::Crt { command } if command.needs_no_device() => {}
            Command::Remind {
                command: remind::RemindCommand::Handover { .. },
            } => {}
            _ => return Err(Error::NotSetUp),
        }
    }
    match &cli.command {
        Command::Setup { role, name, code } => {
            let existing_code = code.as_deref().map(ClientCode::parse).transpose()?;
            if existing_code.is_some() && matches!(role, Role::Educator) {
                return Err(Error::invalid_cli("code", "a client code belongs to a phone's profile"));
            }
            let vault = open_vault(&dir)?;
            let pin = pin_input::read_new_pin("CORRIDOR_PIN", "Choose a PIN (at least 6 digits): ")?;
            let session = match (role, name) {
                (Role::Personal, None) => block_on(vault.setup_personal(pin, existing_code))?,
                (Role::Personal, Some(_)) => {
                    return Err(Error::invalid_cli("name", "a phone's profile has no display name"))
                }
                (Role::Educator, Some(name)) => block_on(vault.setup_educator(name.clone(), pin))?,
                (Role::Educator, None) => {
                    return Err(Error::invalid_cli("name", "an educator's profile needs --name NAME"))
                }
            };
            out.set_up(&dir, session.profile());
        }
        Command::Status { unlock: ask } => {
            let vault = open_vault(&dir)?;
            let status = vault.status()?;
            let session = if *ask || std::env::var_os("CORRIDOR_PIN").is_some() {
                Some(unlock(&vault, profile, out)?)
            } else {
                None
            };
            out.status(&dir, Some(&status), session.as_ref());
        }
        Command::Unlock => {
            let vault = open_vault(&dir)?;
            let session = unlock(&vault, profile, out)?;
            out.unlocked(session.profile());
        }
        Command::Lock => out.note(
            "nothing to lock: each corridor command locks the profile when it exits (use `corridor shell` to keep one open)",
        ),
        Command::Pin { command: PinCommand::Change } => {
            let vault = open_vault(&dir)?;
            let session = unlock(&vault, profile, out)?;
            let current = pin_input::read_pin("CORRIDOR_PIN", "Current PIN: ")?;
            let new = pin_input::read_new_pin("CORRIDOR_NEW_PIN", "New PIN (at least 6 digits): ")?;
            block_on(session.change_pin(current, new))?;
            out.note("PIN changed");
        }
        Command::Settings { command } => {
            let vault = open_vault(&dir)?;
            let session = unlock(&vault, profile, out)?;
            run_settings(&session, command, out)?;
        }
        Command::WipeAfter { limit } => {
            let limit = match limit.as_str() {
                "off" => None,
                number => Some(number.parse::<u32>().map_err(|_| {
                    Error::invalid_cli("limit", "give a number of failed attempts (5 to 100) or `off`")
                })?),
            };
            let vault = open_vault(&dir)?;
            let session = unlock(&vault, profile, out)?;
            session.set_wipe_after_failures(limit)?;
            out.note(&match limit {
                Some(limit) => format!("everything will be erased after {limit} wrong PINs in a row"),
                None => "wipe after wrong PINs is off".to_string(),
            });
        }
        Command::AutoLock { seconds } => {
            let vault = open_vault(&dir)?;
            let session = unlock(&vault, profile, out)?;
            session.set_auto_lock_secs(*seconds)?;
            out.note(&format!("the profile locks after {seconds} s without activity"));
        }
        Command::Shell => {
            let vault = open_vault(&dir)?;
            shell::run(&vault, profile, out)?;
        }
        Command::Calc { keys } => {
            let vault = open_vault(&dir)?;
            calc::run(Some(vault), keys.as_deref(), out)?;
        }
        Command::Duress { command } => {
            let vault = open_vault(&dir)?;
            let session = unlock(&vault, profile, out)?;
            let current = pin_input::read_pin("CORRIDOR_PIN", "Your PIN: ")?;
            match command {
                DuressCommand::Set { erase } => {
                    let duress = pin_input::read_new_pin("CORRIDOR_DURESS_PIN", "Duress PIN (at least 6 digits): ")?;
                    block_on(session.set_duress_pin(current, duress, *erase))?;
                    out.note(if *erase {
                        "duress PIN set: it opens the decoy and erases this profile"
                    } else {
                        "duress PIN set: it opens the decoy"
                    });
                }
                DuressCommand::Clear => {
                    block_on(session.clear_duress_pin(current))?;
                    out.note("duress PIN removed");
                }
            }
        }
        Command::Wipe { now } => {
            let vault = open_vault(&dir)?;
            // Anyone may run this without the PIN: say how much waits, never what kind it is.
            let pending = corridor_core::sync::outbox::count(&vault.device_store()?, None)?;
            if !now {
                out.note(&format!(
                    "`corridor wipe --now` erases every profile on this device for good ({pending} items not yet sent would be lost)"
                ));
                return Ok(());
            }
            vault.quick_delete()?;
            out.note("erased");
        }
        Command::Code { command } => match command {
            CodeCommand::New { count } => {
                if *count == 0 || *count > 100_000 {
                    return Err(Error::invalid_cli("count", "ask for 1 to 100000 codes"));
                }
                let codes = (0..*count).map(|_| ClientCode::generate()).collect::<Result<Vec<_>, _>>()?;
                out.codes(&codes);
            }
            CodeCommand::Check { code } => out.code_checked(&ClientCode::parse(&from_stdin_if_dash(code)?)?),
            CodeCommand::Show { qr, svg } => {
                let vault = open_vault(&dir)?;
                let session = unlock(&vault, profile, out)?;
                let code = session
                    .client_code()?
                    .ok_or_else(|| Error::invalid_cli("code", "an educator's profile has no client code"))?;
                let matrix = code.qr()?;
                if let Some(path) = svg {
                    std::fs::write(path, matrix.to_svg(8))?;
                }
                out.code_shown(&code, qr.then(|| matrix.to_terminal()).as_deref());
            }
            CodeCommand::Adopt { code } => {
                let code = ClientCode::parse(code)?;
                let vault = open_vault(&dir)?;
                let session = unlock(&vault, profile, out)?;
                session.adopt_client_code(&code)?;
                out.note(&format!("this profile's code is now {code}"));
            }
        },
        Command::Recovery { command } => {
            let vault = open_vault(&dir)?;
            let session = unlock(&vault, profile, out)?;
            match command {
                RecoveryCommand::Create => {
                    let secret = block_on(corridor_core::backup::create_recovery_kit(&session))?;
                    out.recovery_secret(secret.expose());
                }
                RecoveryCommand::Confirm => {
                    let typed = pin_input::read_recovery_secret()?;
                    block_on(corridor_core::backup::confirm_recovery_kit(&session, typed))?;
                    out.note("recovery kit confirmed: backups can be made");
                }
            }
        }
        Command::Backup { command } => match command {
            BackupCommand::Export { file } => {
                let vault = open_vault(&dir)?;
                let session = unlock(&vault, profile, out)?;
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|since| since.as_secs() as i64)
                    .unwrap_or(0);
                let bytes = corridor_core::backup::export(&session, now)?;
                std::fs::write(file, &bytes)?;
                out.note(&format!("backup written to {} ({} bytes)", file.display(), bytes.len()));
            }
            BackupCommand::Restore { file } => {
                let metadata = std::fs::metadata(file)?;
                if metadata.len() > corridor_core::backup::MAX_BACKUP_LEN as u64 {
                    return Err(Error::BackupRejected("this file is too large to be a backup".into()));
                }
                let bytes = std::fs::read(file)?;
                let secret = pin_input::read_recovery_secret()?;
                let pin = pin_input::read_new_pin("CORRIDOR_PIN", "Choose a new PIN (at least 6 digits): ")?;
                let vault = open_vault(&dir)?;
                let session = block_on(corridor_core::backup::restore(&vault, bytes, secret, pin))?;
                out.note(&format!(
                    "restored: client code {} and {} settings",
                    session.client_code()?.map(|code| code.to_string()).unwrap_or_default(),
                    session.setting_count()?
                ));
            }
            BackupCommand::Push { target } => {
                let vault = open_vault(&dir)?;
                let client = hub::client(target, Some(&vault))?;
                let session = unlock(&vault, profile, out)?;
                let receipt = block_on(corridor_core::sync::backups::push(
                    &session,
                    &client,
                    corridor_core::sync::Backoff::default(),
                    hub::ATTEMPTS,
                ))?;
                out.value(
                    &serde_json::to_value(&receipt).unwrap_or_default(),
                    &format!("backup stored at the hub ({} bytes)", receipt.size),
                );
            }
            BackupCommand::Pull { target } => {
                let client = hub::client(target, None)?;
                let secret = pin_input::read_recovery_secret()?;
                let pin = pin_input::read_new_pin("CORRIDOR_PIN", "Choose a new PIN (at least 6 digits): ")?;
                let vault = open_vault(&dir)?;
                let session = block_on(corridor_core::sync::backups::restore(
                    &vault,
                    &client,
                    secret,
                    pin,
                    corridor_core::sync::Backoff::default(),
                    hub::ATTEMPTS,
                ))?;
                out.note(&format!(
                    "restored from the hub: client code {} and {} settings",
                    session.client_code()?.map(|code| code.to_string()).unwrap_or_default(),
                    session.setting_count()?
                ));
            }
            BackupCommand::DeleteAtHub { target } => {
                let vault = open_vault(&dir)?;
                let client = hub::client(target, Some(&vault))?;
                let session = unlock(&vault, profile, out)?;
                let deleted = block_on(corridor_core::sync::backups::delete(
                    &session,
                    &client,
                    corridor_core::sync::Backoff::default(),
                    hub::ATTEMPTS,
                ))?;
                out.note(if deleted {
                    "the backup at the hub is deleted"
                } else {
                    "the hub held no backup of this profile"
                });
            }
        },
        Command::Hub { command } => hub::run_hub(command, || open_vault(&dir), out)?,
        Command::Content { command } => content::run(command, || open_vault(&dir), profile, out)?,
        Command::Report { command } => {
            let vault = open_vault(&dir)?;
            let session = unlock(&vault, profile, out)?;
            report::run(&session, command, out)?;
        }
        Command::Session { command } => {
            let vault = open_vault(&dir)?;
            let session = unlock(&vault, profile, out)?;
            session::run(&session, command, out)?;
        }
        Command::Sync { target, wait } => hub::run_sync(&open_vault(&dir)?, target, *wait, out)?,
        Command::Outbox { command } => hub::run_outbox(&open_vault(&dir)?, command, out)?,
        Command::Inbox { command } => hub::run_inbox(|| open_vault(&dir), command, out)?,
        Command::Crt { command } => crt::run(command, || open_vault(&dir), out)?,
        Command::Remind { command } => {
            if let remind::RemindCommand::Handover { kind, at, site } = command {
                return remind::handover(kind, at, *site, out);
            }
            let vault = open_vault(&dir)?;
            let session = unlock(&vault, profile, out)?;
            remind::run(&session, command, out)?;
        }
        Command::Cover { command } => match command {
            None => {
                let cover = if is_set_up(&dir) {
                    corridor_core::disguise::current_cover(&open_vault(&dir)?)?
                } else {
                    corridor_core::disguise::cover::find(corridor_core::disguise::cover::DEFAULT_COVER)?
                };
                out.cover(&cover);
            }
            Some(CoverCommand::List) => {
                for cover in corridor_core::disguise::cover::covers() {
                    out.cover(&cover);
                }
            }
            Some(CoverCommand::Set { id }) => {
                let vault = open_vault(&dir)?;
                let session = unlock(&vault, profile, out)?;
                corridor_core::disguise::choose_cover(&session, id)?;
                out.note(&format!("the disguise now shows the {id} cover"));
            }
        },
    }
    Ok(())
}

pub(crate) fn run_settings(session: &Session, command: &SettingsCommand, out: &Output) -> Result<(), Error> {
    match command {
        SettingsCommand::Set { key, value } => {
            session.setting_set(key, value)?;
            out.note(&format!("saved {key}"));
        }
        SettingsCommand::Get { key } => match session.setting_get(key)? {
            Some(value) => out.setting(key, Some(&value)),
            None => {
                out.setting(key, None);
                return Err(Error::invalid_cli("key", format!("{key} is not set")));
            }
        },
        SettingsCommand::Delete { key } => {
            let existed = session.setting_delete(key)?;
            out.note(&if existed {
                format!("deleted {key}")
            } else {
                format!("{key} was not set")
            });
        }
        SettingsCommand::List => out.keys(&session.setting_keys()?),
    }
    Ok(())
}

/// `-` means "read one line from standard input": secrets typed there stay out of `ps`.
pub(crate) fn from_stdin_if_dash(argument: &str) -> Result<zeroize::Zeroizing<String>, Error> {
    if argument != "-" {
        return Ok(zeroize::Zeroizing::new(argument.to_string()));
    }
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin().read_line(&mut line)?;
    Ok(zeroize::Zeroizing::new(line.trim_end_matches(['\n', '\r']).to_string()))
}

/// Errors the CLI itself raises about its arguments.
pub(crate) trait CliError {
    fn invalid_cli(field: &'static str, reason: impl Into<String>) -> Self;
}

impl CliError for Error {
    fn invalid_cli(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field,
            reason: reason.into(),
        }
    }
}
