//! `corridor hub ...` (running the hub and managing its accounts, on the hub's machine),
//! `corridor hub login|logout|whoami|health` (a device's account), `corridor sync` and
//! `corridor outbox` (sending what waits), `corridor inbox` (the Crisis Response Team
//! coordinator's reports) and the hub half of `corridor backup`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use corridor_core::error::Error;
use corridor_core::runtime::block_on;
use corridor_core::sync::wire::{self, SecretString, Uuid};
use corridor_core::sync::{account, inbox, outbox, Backoff, ClientOptions, HubClient, HubUrl};
use corridor_core::vault::Vault;
use serde_json::json;
use zeroize::Zeroizing;

use crate::output::Output;
use crate::CliError;

/// How many times a direct command (not the outbox) sends a request before giving up.
pub const ATTEMPTS: u32 = 5;

#[derive(Args, Clone)]
pub struct HubTarget {
    /// The hub's URL (https, or http to this machine only). Default: the URL this device logged
    /// in to, or CORRIDOR_HUB.
    #[arg(long, env = "CORRIDOR_HUB", value_name = "URL")]
    pub hub: Option<String>,
    /// A SHA-256 pin (64 hex digits) of the programme's certificate key (SPKI); repeatable. When
    /// given, a hub whose certificate chain carries none of them is refused.
    #[arg(long = "pin-key", value_name = "SHA256")]
    pub pins: Vec<String>,
    /// A CA certificate (PEM or DER file) to trust besides the public web roots.
    #[arg(long = "ca-cert", value_name = "FILE")]
    pub ca_certificates: Vec<PathBuf>,
}

#[derive(Subcommand)]
pub enum HubCommand {
    /// Run the hub: `--data DIR` is created on first start (no other set-up).
    Serve {
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8440", value_name = "ADDR:PORT")]
        addr: SocketAddr,
        /// Report submissions (and status questions) per minute from one address; 0: no limit.
        #[arg(long, default_value_t = 30)]
        report_rate: u32,
        /// Login attempts per minute from one address; 0: no limit.
        #[arg(long, default_value_t = 10)]
        login_rate: u32,
        /// Password checks per minute across all callers; 0: no limit.
        #[arg(long, default_value_t = 600)]
        login_global_rate: u32,
        /// Days after an acknowledgement when a report's ciphertext is deleted.
        #[arg(long, default_value_t = 30)]
        purge_after_days: u32,
        /// Rate-limit on the last X-Forwarded-For address (only behind your own TLS proxy).
        #[arg(long)]
        trust_forwarded_for: bool,
        /// Start with new session keys although the database holds sessions and
        /// session-keys.json is missing (rather restore the file from its backup).
        #[arg(long)]
        new_session_keys: bool,
    },
    /// Unique people reached (by client code, never read: the hub holds keyed hashes only) and
    /// walk-ins, per site and gender, first-time or returning, for a month or a quarter.
    #[command(group(clap::ArgGroup::new("period").required(true).args(["month", "quarter"])))]
    Reach {
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// A month, as YYYY-MM (the programme's time, UTC+2).
        #[arg(long, value_name = "YYYY-MM")]
        month: Option<String>,
        /// A quarter, as YYYY-Qn (Q4 is October to December).
        #[arg(long, value_name = "YYYY-Qn")]
        quarter: Option<String>,
        /// Only this site (without it, every site and the totals over all sites).
        #[arg(long, value_name = "SITE")]
        site: Option<String>,
        /// CSV for donor reports: period,site,gender,first_time,returning,people_with_code,walk_ins,total.
        #[arg(long)]
        csv: bool,
    },
    /// Accounts of peer educators, Crisis Response Team coordinators and admins.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Account tokens (one per logged-in device).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Log this device in (password from CORRIDOR_HUB_PASSWORD or a prompt); the token is kept
    /// in the device store.
    Login {
        #[command(flatten)]
        target: HubTarget,
        #[arg(long = "user", value_name = "USERNAME")]
        username: String,
        /// How admins see this device in the token list.
        #[arg(long, default_value = "corridor cli")]
        label: String,
    },
    /// Forget this device's login (and revoke its token at the hub when reachable).
    Logout {
        #[command(flatten)]
        target: HubTarget,
    },
    /// The account this device is logged in as, as the hub sees it.
    Whoami {
        #[command(flatten)]
        target: HubTarget,
    },
    /// Whether the hub answers.
    Health {
        #[command(flatten)]
        target: HubTarget,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add an account (password from CORRIDOR_HUB_PASSWORD or a prompt).
    Add {
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// A site the account serves (educators and coordinators); repeatable.
        #[arg(long = "site", value_name = "SITE")]
        sites: Vec<String>,
        username: String,
    },
    List {
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
    },
    /// Disable an account and revoke its tokens.
    Disable {
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        username: String,
    },
    /// Set a new password (from CORRIDOR_HUB_PASSWORD or a prompt).
    Password {
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        username: String,
    },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    List {
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
    },
    /// Revoke a token (a lost tablet): it stops working at once.
    Revoke {
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        token_id: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Educator,
    Crt,
    Admin,
}

impl From<RoleArg> for wire::Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Educator => wire::Role::Educator,
            RoleArg::Crt => wire::Role::Crt,
            RoleArg::Admin => wire::Role::Admin,
        }
    }
}

#[derive(Subcommand)]
pub enum OutboxCommand {
    /// What waits to be sent (never the content).
    List,
    /// Make a refused item pending again.
    Retry { id: i64 },
    /// Delete an item without sending it.
    Discard { id: i64 },
}

#[derive(Subcommand)]
pub enum InboxCommand {
    /// Reports of the account's sites (unacknowledged unless --all).
    List {
        #[command(flatten)]
        target: HubTarget,
        #[arg(long)]
        site: Option<String>,
        #[arg(long)]
        all: bool,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// The `next` of an earlier page.
        #[arg(long)]
        after: Option<String>,
    },
    /// Write one sealed report to FILE (it opens only with the team's private key).
    Fetch {
        #[command(flatten)]
        target: HubTarget,
        report_id: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Acknowledge a report: the phone can see it arrived; the hub deletes the ciphertext later.
    Ack {
        #[command(flatten)]
        target: HubTarget,
        report_id: String,
    },
    /// Whether the hub has a report and whether it was acknowledged (anyone may ask, by id).
    Status {
        #[command(flatten)]
        target: HubTarget,
        report_id: String,
    },
}

/// The client for `target`, falling back to the URL (and key pins) of this device's login.
pub fn client(target: &HubTarget, vault: Option<&Vault>) -> Result<HubClient, Error> {
    let login = vault
        .and_then(|vault| vault.device_store().ok())
        .and_then(|store| account::details(&store).ok().flatten());
    let url = match (&target.hub, &login) {
        (Some(url), _) => HubUrl::parse(url)?,
        (None, Some(login)) => HubUrl::parse(&login.hub_url)?,
        (None, None) => {
            return Err(Error::invalid_cli(
                "hub",
                "which hub? pass --hub URL (or set CORRIDOR_HUB)",
            ))
        }
    };
    let mut pins = target.pins.clone();
    if let Some(login) = login.filter(|login| pins.is_empty() && login.hub_url == url.as_str()) {
        pins = login.pinned_key_sha256;
    }
    let mut options = ClientOptions::default();
    for pin in &pins {
        let bytes: [u8; 32] = hex::decode(pin.trim())
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| Error::invalid_cli("pin-key", "a pin is 64 hex digits (SHA-256)"))?;
        options.pinned_spki_sha256.push(bytes);
    }
    for path in &target.ca_certificates {
        options.extra_roots_der.push(certificate_der(path)?);
    }
    HubClient::new(url, options)
}

/// A certificate file, PEM (first certificate) or DER.
fn certificate_der(path: &Path) -> Result<Vec<u8>, Error> {
    let bytes = std::fs::read(path)?;
    let text = String::from_utf8_lossy(&bytes);
    let Some(start) = text.find("-----BEGIN CERTIFICATE-----") else {
        return Ok(bytes);
    };
    let body = &text[start + "-----BEGIN CERTIFICATE-----".len()..];
    let end = body
        .find("-----END CERTIFICATE-----")
        .ok_or_else(|| Error::invalid_cli("ca-cert", "a PEM certificate without its END line"))?;
    let base64: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(base64)
        .map_err(|_| Error::invalid_cli("ca-cert", "not a PEM certificate"))
}

fn read_password(confirm: bool) -> Result<SecretString, Error> {
    if let Some(value) = std::env::var_os("CORRIDOR_HUB_PASSWORD") {
        return Ok(SecretString::new(value.to_string_lossy().into_owned()));
    }
    let ask = |prompt: &str| {
        rpassword::prompt_password(prompt)
            .map(Zeroizing::new)
            .map_err(|_| Error::invalid_cli("password", "no terminal to ask: set CORRIDOR_HUB_PASSWORD"))
    };
    let first = ask("Hub password: ")?;
    if confirm && *ask("Type it again: ")? != *first {
        return Err(Error::invalid_cli("password", "the two passwords differ"));
    }
    Ok(SecretString::new(first.to_string()))
}

fn hub_error(error: corridor_hub::HubError) -> Error {
    Error::InvalidInput {
        field: "hub",
        reason: error.to_string(),
    }
}

pub fn run_hub(command: &HubCommand, vault: impl Fn() -> Result<Vault, Error>, out: &Output) -> Result<(), Error> {
    match command {
        HubCommand::Serve {
            data,
            addr,
            report_rate,
            login_rate,
            login_global_rate,
            purge_after_days,
            trust_forwarded_for,
            new_session_keys,
        } => {
            corridor_hub::tracing_init();
            let mut config = corridor_hub::HubConfig::new(data.clone(), *addr);
            config.report_rate_per_minute = *report_rate;
            config.login_rate_per_minute = *login_rate;
            config.login_global_per_minute = *login_global_rate;
            config.purge_after_days = *purge_after_days;
            config.trust_forwarded_for = *trust_forwarded_for;
            config.new_session_keys = *new_session_keys;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .thread_name("corridor-hub")
                .build()?;
            runtime
                .block_on(corridor_hub::serve(config, corridor_hub::shutdown_signal()))
                .map_err(hub_error)?;
            out.note("the hub stopped");
        }
        HubCommand::Reach {
            data,
            month,
            quarter,
            site,
            csv,
        } => {
            use corridor_hub::reach;
            let period = match (month, quarter) {
                (Some(month), None) => reach::Period::month(month),
                (None, Some(quarter)) => reach::Period::quarter(quarter),
                _ => {
                    return Err(Error::invalid_cli(
                        "period",
                        "give --month YYYY-MM or --quarter YYYY-Qn",
                    ))
                }
            }
            .map_err(hub_error)?;
            let query = reach::ReachQuery::new(period, site.as_deref()).map_err(hub_error)?;
            let rows = reach::reach(data, &query).map_err(hub_error)?;
            if *csv {
                print!("{}", reach::to_csv(&rows));
            } else if out.json {
                out.value(&serde_json::to_value(&rows).unwrap_or_default(), "");
            } else {
                print!("{}", reach::to_table(&rows));
            }
        }
        HubCommand::User { command } => match command {
            UserCommand::Add {
                data,
                role,
                sites,
                username,
            } => {
                let password = read_password(true)?;
                corridor_hub::admin::add_user(data, username, &password, (*role).into(), sites).map_err(hub_error)?;
                out.note(&format!("added {} ({})", username, wire::Role::from(*role).as_str()));
            }
            UserCommand::List { data } => {
                let users = corridor_hub::admin::list_users(data).map_err(hub_error)?;
                for user in users {
                    out.value(
                        &serde_json::to_value(&user).unwrap_or_default(),
                        &format!(
                            "{}\t{}\t{}{}",
                            user.username,
                            user.role.as_str(),
                            user.sites.join(","),
                            if user.disabled { "\tdisabled" } else { "" }
                        ),
                    );
                }
            }
            UserCommand::Disable { data, username } => {
                corridor_hub::admin::disable_user(data, username).map_err(hub_error)?;
                out.note(&format!("{username} is disabled and its tokens are revoked"));
            }
            UserCommand::Password { data, username } => {
                let password = read_password(true)?;
                corridor_hub::admin::set_password(data, username, &password).map_err(hub_error)?;
                out.note(&format!("new password set for {username}"));
            }
        },
        HubCommand::Token { command } => match command {
            TokenCommand::List { data } => {
                for token in corridor_hub::admin::list_tokens(data).map_err(hub_error)? {
                    out.value(
                        &serde_json::to_value(&token).unwrap_or_default(),
                        &format!(
                            "{}\t{}\t{}\t{}",
                            token.token_id,
                            token.username,
                            token.device_label,
                            if token.revoked_at.is_some() {
                                "revoked"
                            } else {
                                "active"
                            }
                        ),
                    );
                }
            }
            TokenCommand::Revoke { data, token_id } => {
                if corridor_hub::admin::revoke_token(data, token_id).map_err(hub_error)? {
                    out.note(&format!("token {token_id} revoked"));
                } else {
                    return Err(Error::invalid_cli("token", "no such token"));
                }
            }
        },
        HubCommand::Login {
            target,
            username,
            label,
        } => {
            let vault = vault()?;
            let client = client(target, None)?;
            let password = read_password(false)?;
            let store = vault.device_store()?;
            let details = block_on(account::login(store, &client, username, &password, label))?;
            out.value(
                &serde_json::to_value(&details).unwrap_or_default(),
                &format!(
                    "logged in as {} ({}, sites {}) at {}",
                    details.username,
                    details.role.as_str(),
                    details.sites.join(", "),
                    details.hub_url
                ),
            );
        }
        HubCommand::Logout { target } => {
            let vault = vault()?;
            let client = client(target, Some(&vault)).ok();
            let store = vault.device_store()?;
            let was = block_on(account::logout(store, client.as_ref()))?;
            out.note(if was {
                "logged out"
            } else {
                "this device was not logged in"
            });
        }
        HubCommand::Whoami { target } => {
            let vault = vault()?;
            let client = client(target, Some(&vault))?;
            let token = account::require_token_for(&vault.device_store()?, &client)?;
            let me = block_on(client.me(&token))?;
            out.value(
                &serde_json::to_value(&me).unwrap_or_default(),
                &format!(
                    "{} ({}, sites {}), token {}",
                    me.username,
                    me.role.as_str(),
                    me.sites.join(", "),
                    me.token_id
                ),
            );
        }
        HubCommand::Health { target } => {
            let client = client(target, vault().ok().as_ref())?;
            let health = block_on(client.health())?;
            out.value(
                &serde_json::to_value(&health).unwrap_or_default(),
                &format!(
                    "{} (protocol {}, hub {})",
                    health.status, health.protocol, health.version
                ),
            );
        }
    }
    Ok(())
}

/// `corridor sync`: sends what waits in the outbox.
pub fn run_sync(vault: &Vault, target: &HubTarget, wait_secs: u64, out: &Output) -> Result<(), Error> {
    let client = client(target, Some(vault))?;
    let store = vault.device_store()?;
    let options = outbox::DrainOptions {
        backoff: Backoff::default(),
        keep_trying_for: (wait_secs > 0).then(|| std::time::Duration::from_secs(wait_secs)),
    };
    let report = block_on(outbox::drain(store, &client, options, &mut |_, _| {}))?;
    let text = format!(
        "{} sent, {} refused, {} waiting{}{}",
        report.delivered.len(),
        report.refused,
        report.pending,
        report
            .next_attempt_in
            .map(|wait| format!(" (next try in {} s)", wait.as_secs()))
            .unwrap_or_default(),
        if report.needs_login {
            "; log in again to send the rest"
        } else {
            ""
        }
    );
    out.value(
        &json!({
            "sent": report.delivered.len(),
            "refused": report.refused,
            "waiting": report.pending,
            "next_attempt_in_secs": report.next_attempt_in.map(|wait| wait.as_secs()),
            "needs_login": report.needs_login,
        }),
        &text,
    );
    Ok(())
}

pub fn run_outbox(vault: &Vault, command: &OutboxCommand, out: &Output) -> Result<(), Error> {
    let store = vault.device_store()?;
    match command {
        OutboxCommand::List => {
            for entry in outbox::list(&store)? {
                let state = match entry.state {
                    outbox::ItemState::Pending => "waiting",
                    outbox::ItemState::Refused => "refused",
                };
                out.value(
                    &json!({
                        "id": entry.id,
                        "kind": entry.kind,
                        "state": state,
                        "attempts": entry.attempts,
                        "created_at": entry.created_at,
                        "last_error": entry.last_error,
                    }),
                    &format!(
                        "{}\t{}\t{}\t{} attempts\t{}",
                        entry.id,
                        entry.kind,
                        state,
                        entry.attempts,
                        entry.last_error.as_deref().unwrap_or("")
                    ),
                );
            }
        }
        OutboxCommand::Retry { id } => {
            if !outbox::retry(&store, *id)? {
                return Err(Error::invalid_cli("id", "no such item in the outbox"));
            }
            out.note("it will be sent at the next sync");
        }
        OutboxCommand::Discard { id } => {
            if !outbox::discard(&store, *id)? {
                return Err(Error::invalid_cli("id", "no such item in the outbox"));
            }
            out.note("discarded: it will not be sent");
        }
    }
    Ok(())
}

fn report_id(text: &str) -> Result<Uuid, Error> {
    Uuid::parse_str(text.trim()).map_err(|_| Error::invalid_cli("report id", "not a report id (a UUID)"))
}

pub fn run_inbox(vault: impl Fn() -> Result<Vault, Error>, command: &InboxCommand, out: &Output) -> Result<(), Error> {
    // The token goes only to the hub (and pins) of this device's login.
    let logged_in = |target: &HubTarget| -> Result<(HubClient, SecretString), Error> {
        let vault = vault()?;
        let client = client(target, Some(&vault))?;
        let token = account::require_token_for(&vault.device_store()?, &client)?;
        Ok((client, token))
    };
    match command {
        InboxCommand::Status { target, report_id: id } => {
            let client = client(target, vault().ok().as_ref())?;
            let state = block_on(inbox::status(&client, report_id(id)?))?;
            let word = match state {
                None => "unknown (the hub has not got it)",
                Some(wire::ReportState::Received) => "received",
                Some(wire::ReportState::Acknowledged) => "acknowledged",
            };
            out.value(&json!({ "report_id": id, "state": state }), word);
        }
        InboxCommand::List {
            target,
            site,
            all,
            limit,
            after,
        } => {
            let (client, token) = logged_in(target)?;
            let filter = if *all {
                inbox::InboxFilter::All
            } else {
                inbox::InboxFilter::Unacknowledged
            };
            let page = block_on(inbox::list(
                &client,
                &token,
                site.as_deref(),
                filter,
                after.as_deref(),
                *limit,
            ))?;
            if out.json {
                out.value(&serde_json::to_value(&page).unwrap_or_default(), "");
            } else {
                for entry in &page.reports {
                    println!(
                        "{}\t{}\t{}\t{} bytes\t{}",
                        entry.report_id,
                        entry.site,
                        entry.received_at,
                        entry.size,
                        match (entry.acknowledged_at, entry.purged) {
                            (_, true) => "purged",
                            (Some(_), false) => "acknowledged",
                            (None, false) => "new",
                        }
                    );
                }
                if let Some(next) = &page.next {
                    println!("more: --after {next}");
                }
            }
        }
        InboxCommand::Fetch {
            target,
            report_id: id,
            out: file,
        } => {
            let (client, token) = logged_in(target)?;
            let report = block_on(inbox::fetch(&client, &token, report_id(id)?))?;
            std::fs::write(file, &report.sealed)?;
            out.note(&format!(
                "sealed report written to {} ({} bytes, site {})",
                file.display(),
                report.sealed.len(),
                report.site
            ));
        }
        InboxCommand::Ack { target, report_id: id } => {
            let (client, token) = logged_in(target)?;
            let ack = block_on(inbox::acknowledge(
                &client,
                &token,
                report_id(id)?,
                Backoff::default(),
                ATTEMPTS,
            ))?;
            out.value(
                &serde_json::to_value(&ack).unwrap_or_default(),
                &format!("acknowledged; the hub deletes its copy at {}", ack.purge_at),
            );
        }
    }
    Ok(())
}
