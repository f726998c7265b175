//! `corridor crt ...`: the Crisis Response Team coordinator's tools. `keygen` makes the team's
//! key pair (the private key encrypted with a passphrase, the public key for safety.toml);
//! `inbox` fetches the account's unacknowledged reports from the hub, opens them here with the
//! team's private key, prints them and acknowledges them; `open` opens one sealed file.
//!
//! A report's plaintext goes to standard output only: never to a file, a log or standard error.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use corridor_core::content::signing::public_key_path;
use corridor_core::error::Error;
use corridor_core::reports::seal::{self, TeamPrivateKey};
use corridor_core::runtime::block_on;
use corridor_core::sync::wire::{self, MAX_SEALED_REPORT_LEN};
use corridor_core::sync::{account, inbox, Backoff};
use corridor_core::vault::Vault;
use serde_json::{json, Map, Value};
use zeroize::Zeroizing;

use crate::hub::{client, HubTarget, ATTEMPTS};
use crate::output::Output;
use crate::CliError;

/// Where a key's passphrase comes from when no one is at a terminal.
const PASSPHRASE_VARIABLE: &str = "CORRIDOR_KEY_PASSPHRASE";
/// A hub that keeps answering with a next page is not believed beyond this many pages.
const MAX_PAGES: usize = 10_000;

#[derive(Subcommand)]
pub enum CrtCommand {
    /// Make the team's key pair: KEY holds the private key encrypted with a passphrase
    /// (CORRIDOR_KEY_PASSPHRASE or a prompt asked twice), KEY.pub the public key. Prints the
    /// public key to put into safety.toml.
    Keygen {
        #[arg(long, value_name = "KEY")]
        out: PathBuf,
        /// Names the key in safety.toml and in every report sealed to it (crt-beitbridge-2026).
        #[arg(long, value_name = "ID")]
        key_id: String,
    },
    /// Fetch the unacknowledged reports of this device's hub account, open them with the team's
    /// key, print them (text, --json: one object per line, or --csv) and acknowledge them.
    Inbox {
        #[command(flatten)]
        target: HubTarget,
        /// The team's private key file; repeat it to open reports sealed to an older key too.
        #[arg(long = "key", value_name = "KEY", required = true)]
        keys: Vec<PathBuf>,
        /// Only this site's reports.
        #[arg(long)]
        site: Option<String>,
        /// One line per report: report_id, received_at, site, then the report's fields.
        #[arg(long)]
        csv: bool,
        /// Print, but do not acknowledge (the reports stay new at the hub).
        #[arg(long)]
        no_ack: bool,
    },
    /// Open one sealed report (a file from `corridor inbox fetch`) and print it.
    Open {
        /// The team's private key file; repeatable.
        #[arg(long = "key", value_name = "KEY", required = true)]
        keys: Vec<PathBuf>,
        file: PathBuf,
    },
}

impl CrtCommand {
    /// Whether the command works without a set-up data directory (no hub login needed).
    pub fn needs_no_device(&self) -> bool {
        matches!(self, CrtCommand::Keygen { .. } | CrtCommand::Open { .. })
    }
}

pub fn run(command: &CrtCommand, vault: impl Fn() -> Result<Vault, Error>, out: &Output) -> Result<(), Error> {
    match command {
        CrtCommand::Keygen { out: path, key_id } => keygen(path, key_id, out),
        CrtCommand::Open { keys, file } => open_file(keys, file, out),
        CrtCommand::Inbox {
            target,
            keys,
            site,
            csv,
            no_ack,
        } => {
            if *csv && out.json {
                return Err(Error::invalid_cli("csv", "choose --json or --csv, not both"));
            }
            let format = match (*csv, out.json) {
                (true, _) => Format::Csv,
                (false, true) => Format::Json,
                (false, false) => Format::Text,
            };
            let vault = vault()?;
            let client = client(target, Some(&vault))?;
            // The token goes only to the hub (and pins) of this device's login.
            let token = account::require_token_for(&vault.device_store()?, &client)?;
            if let Some(site) = site {
                if !wire::is_valid_site(site) {
                    return Err(Error::invalid_cli("site", "lower-case letters, digits and hyphens"));
                }
            }
            let keys = load_keys(keys)?;
            let inbox = Inbox {
                client,
                token,
                keys,
                format,
                acknowledge: !*no_ack,
            };
            inbox.run(site.as_deref(), out)
        }
    }
}

fn keygen(path: &Path, key_id: &str, out: &Output) -> Result<(), Error> {
    // Checks that need no passphrase come first.
    let key = TeamPrivateKey::generate(key_id)?;
    let public_path = public_key_path(path);
    for file in [path, public_path.as_path()] {
        if file.exists() {
            return Err(Error::invalid_cli(
                "key",
                format!("{} exists already; a key file is never overwritten", file.display()),
            ));
        }
    }
    let passphrase = read_new_passphrase()?;
    key.write(path, &passphrase)?;
    let public = key.public().to_metadata();
    if out.json {
        println!("{}", serde_json::to_string(&public).unwrap_or_default());
        return Ok(());
    }
    println!(
        "wrote {} (the private key, encrypted with the passphrase: keep it offline, with a backup) and {} (the public key)",
        path.display(),
        public_path.display()
    );
    println!();
    println!("{}", serde_json::to_string_pretty(&public).unwrap_or_default());
    println!();
    println!("In safety.toml, as the team's [teams.key] (or as [programme_key]):");
    println!("key_id = {}", toml_string(&public.key_id));
    println!("x25519_public = \"{}\"", public.x25519_public);
    Ok(())
}

/// A TOML basic string (the key id has no control characters).
fn toml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Opens every key file (the passphrase from CORRIDOR_KEY_PASSPHRASE, else asked for each key).
fn load_keys(paths: &[PathBuf]) -> Result<Vec<TeamPrivateKey>, Error> {
    let mut keys: Vec<TeamPrivateKey> = Vec::with_capacity(paths.len());
    for path in paths {
        let identity = TeamPrivateKey::read_identity(path)?;
        if keys.iter().any(|key| key.key_id() == identity.key_id) {
            return Err(Error::invalid_cli(
                "key",
                format!("two keys with the id {} were given", identity.key_id),
            ));
        }
        let passphrase = read_passphrase(&format!("Passphrase of the team key {}: ", identity.key_id))?;
        keys.push(TeamPrivateKey::load(path, &passphrase)?);
    }
    Ok(keys)
}

fn key_for<'a>(keys: &'a [TeamPrivateKey], key_id: &str) -> Option<&'a TeamPrivateKey> {
    keys.iter().find(|key| key.key_id() == key_id)
}

fn open_file(key_paths: &[PathBuf], file: &Path, out: &Output) -> Result<(), Error> {
    let size = std::fs::metadata(file)
        .map_err(|_| Error::invalid_cli("file", format!("{} cannot be read", file.display())))?
        .len();
    if size > MAX_SEALED_REPORT_LEN as u64 {
        return Err(Error::invalid_cli(
            "report",
            format!("{} is too large to be a sealed report", file.display()),
        ));
    }
    let sealed = std::fs::read(file)?;
    // Before any passphrase: is this a report, and for which key?
    let key_id = seal::sealed_key_id(&sealed)?.to_string();
    let keys = load_keys(key_paths)?;
    let key = key_for(&keys, &key_id).ok_or_else(|| {
        Error::invalid_cli(
            "report",
            format!(
                "sealed to another key: {key_id} (the key given is {})",
                keys.iter().map(TeamPrivateKey::key_id).collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    let plaintext = Zeroizing::new(seal::open(&sealed, key)?);
    let payload = payload_value(&plaintext);
    let mut stdout = std::io::stdout().lock();
    if out.json {
        writeln!(stdout, "{}", serde_json::to_string(&payload).unwrap_or_default())?;
    } else {
        writeln!(stdout, "{}", pretty(&payload))?;
    }
    stdout.flush()?;
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    Csv,
}

struct Inbox {
    client: corridor_core::sync::HubClient,
    token: wire::SecretString,
    keys: Vec<TeamPrivateKey>,
    format: Format,
    acknowledge: bool,
}

/// A report fetched and opened.
struct Opened {
    entry: wire::InboxEntry,
    payload: Value,
}

#[derive(Default)]
struct Tally {
    opened: usize,
    acknowledged: usize,
    other_key: usize,
    unreadable: usize,
}

impl Inbox {
    fn run(&self, site: Option<&str>, out: &Output) -> Result<(), Error> {
        let entries = self.list(site)?;
        let mut tally = Tally::default();
        let mut for_csv = Vec::new();
        for entry in entries {
            let Some(opened) = self.fetch_and_open(entry, &mut tally)? else {
                continue;
            };
            tally.opened += 1;
            match self.format {
                Format::Csv => for_csv.push(opened),
                Format::Text | Format::Json => {
                    self.print_one(&opened)?;
                    self.acknowledge(&opened, &mut tally)?;
                }
            }
        }
        if self.format == Format::Csv {
            print_csv(&for_csv)?;
            for opened in &for_csv {
                self.acknowledge(opened, &mut tally)?;
            }
        }
        let summary = format!(
            "{} opened, {} acknowledged{}{}",
            tally.opened,
            tally.acknowledged,
            if tally.other_key > 0 {
                format!(", {} sealed to another key (not acknowledged)", tally.other_key)
            } else {
                String::new()
            },
            if tally.unreadable > 0 {
                format!(", {} could not be opened (not acknowledged)", tally.unreadable)
            } else {
                String::new()
            }
        );
        if out.json {
            eprintln!(
                "{}",
                json!({
                    "opened": tally.opened,
                    "acknowledged": tally.acknowledged,
                    "sealed_to_another_key": tally.other_key,
                    "unreadable": tally.unreadable,
                })
            );
        } else {
            eprintln!("{summary}");
        }
        Ok(())
    }

    /// Every unacknowledged report of the account's sites (all pages).
    fn list(&self, site: Option<&str>) -> Result<Vec<wire::InboxEntry>, Error> {
        let mut entries = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = block_on(inbox::list(
                &self.client,
                &self.token,
                site,
                inbox::InboxFilter::Unacknowledged,
                after.as_deref(),
                wire::MAX_INBOX_PAGE,
            ))?;
            entries.extend(page.reports.into_iter().filter(|entry| !entry.purged));
            match page.next {
                Some(next) if after.as_deref() != Some(next.as_str()) => after = Some(next),
                _ => return Ok(dedup(entries)),
            }
        }
        Err(Error::Network {
            retryable: false,
            reason: "the hub's inbox does not end (too many pages)".into(),
        })
    }

    /// `None` when the report was listed as not openable here (another key, damaged, gone).
    fn fetch_and_open(&self, entry: wire::InboxEntry, tally: &mut Tally) -> Result<Option<Opened>, Error> {
        let report = match block_on(inbox::fetch(&self.client, &self.token, entry.report_id)) {
            Ok(report) => report,
            // Purged or acknowledged elsewhere since the listing: say so and go on.
            Err(Error::HubRefused { message, .. }) => {
                self.not_opened(&entry, &format!("the hub did not give it: {message}"), None)?;
                tally.unreadable += 1;
                return Ok(None);
            }
            Err(other) => return Err(other),
        };
        if report.report_id != entry.report_id {
            self.not_opened(&entry, "the hub answered with another report", None)?;
            tally.unreadable += 1;
            return Ok(None);
        }
        let key_id = match seal::sealed_key_id(&report.sealed) {
            Ok(key_id) => key_id.to_string(),
            Err(error) => {
                self.not_opened(&entry, &reason_of(&error), None)?;
                tally.unreadable += 1;
                return Ok(None);
            }
        };
        let Some(key) = key_for(&self.keys, &key_id) else {
            self.not_opened(&entry, &format!("sealed to another key: {key_id}"), Some(&key_id))?;
            tally.other_key += 1;
            return Ok(None);
        };
        let plaintext = match seal::open(&report.sealed, key) {
            Ok(plaintext) => Zeroizing::new(plaintext),
            Err(error) => {
                self.not_opened(&entry, &reason_of(&error), None)?;
                tally.unreadable += 1;
                return Ok(None);
            }
        };
        // Only a well-formed payload whose own id and key id are this report's is acknowledged: a
        // hub that swapped or replayed ciphertexts between ids, or a payload this app cannot read,
        // is shown as not opened and left for a person to look into.
        let checked = corridor_core::reports::model::SealedPayload::from_json(&plaintext);
        let mismatch = match &checked {
            Err(_) => Some("its content is not a report this app reads".to_string()),
            Ok(inner) if inner.report_id != entry.report_id => Some(format!(
                "it carries another report id inside ({}): the hub may have mixed reports up",
                inner.report_id
            )),
            Ok(inner) if inner.team_key_id != key_id => {
                Some("it names another team key inside than the one it was sealed to".to_string())
            }
            Ok(_) => None,
        };
        if let Some(reason) = mismatch {
            self.not_opened(&entry, &reason, None)?;
            tally.unreadable += 1;
            return Ok(None);
        }
        let payload = payload_value(&plaintext);
        Ok(Some(Opened { entry, payload }))
    }

    /// A line (stdout) for a report that is listed but not opened, which is not acknowledged.
    fn not_opened(&self, entry: &wire::InboxEntry, reason: &str, other_key: Option<&str>) -> Result<(), Error> {
        match self.format {
            Format::Json => {
                let mut line = json!({
                    "report_id": entry.report_id,
                    "site": entry.site,
                    "received_at": entry.received_at,
                    "error": reason,
                });
                if let Some(key_id) = other_key {
                    line["sealed_to"] = json!(key_id);
                }
                let mut stdout = std::io::stdout().lock();
                writeln!(stdout, "{line}")?;
                stdout.flush()?;
            }
            Format::Text => {
                let mut stdout = std::io::stdout().lock();
                writeln!(
                    stdout,
                    "── report {} · site {} · received {}: {}",
                    entry.report_id,
                    printable(&entry.site),
                    when(entry.received_at),
                    printable(reason)
                )?;
                writeln!(stdout)?;
                stdout.flush()?;
            }
            // The CSV on stdout stays one table.
            Format::Csv => eprintln!(
                "corridor: report {} (site {}) not opened: {}",
                entry.report_id,
                printable(&entry.site),
                printable(reason)
            ),
        }
        Ok(())
    }

    fn print_one(&self, opened: &Opened) -> Result<(), Error> {
        let mut stdout = std::io::stdout().lock();
        match self.format {
            Format::Json => {
                let line = json!({
                    "report_id": opened.entry.report_id,
                    "site": opened.entry.site,
                    "received_at": opened.entry.received_at,
                    "report": opened.payload,
                });
                writeln!(stdout, "{line}")?;
            }
            _ => {
                writeln!(
                    stdout,
                    "── report {} · site {} · received {}",
                    opened.entry.report_id,
                    printable(&opened.entry.site),
                    when(opened.entry.received_at)
                )?;
                writeln!(stdout, "{}", pretty(&opened.payload))?;
                writeln!(stdout)?;
            }
        }
        // Only a report that reached the screen (or the pipe) is acknowledged.
        stdout.flush()?;
        Ok(())
    }

    fn acknowledge(&self, opened: &Opened, tally: &mut Tally) -> Result<(), Error> {
        if !self.acknowledge {
            return Ok(());
        }
        block_on(inbox::acknowledge(
            &self.client,
            &self.token,
            opened.entry.report_id,
            Backoff::default(),
            ATTEMPTS,
        ))?;
        tally.acknowledged += 1;
        Ok(())
    }
}

/// The same report listed twice (a hub that repeats itself across pages) is handled once.
fn dedup(entries: Vec<wire::InboxEntry>) -> Vec<wire::InboxEntry> {
    let mut seen = std::collections::HashSet::new();
    entries
        .into_iter()
        .filter(|entry| seen.insert(entry.report_id))
        .collect()
}

fn reason_of(error: &Error) -> String {
    match error {
        Error::InvalidInput { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

/// The plaintext as JSON (what the reports model seals), or as a string when it is not JSON.
fn payload_value(plaintext: &[u8]) -> Value {
    serde_json::from_slice(plaintext).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(plaintext).into_owned()))
}

/// Pretty JSON; a bare string (a plaintext that was not JSON) as its text, made printable.
fn pretty(payload: &Value) -> String {
    match payload {
        // serde_json escapes control characters inside strings: nothing reaches the terminal raw.
        Value::String(text) => printable(text).into_owned(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    }
}

/// `text` with control characters (terminal escapes) replaced, newlines and tabs kept.
fn printable(text: &str) -> Cow<'_, str> {
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        Cow::Owned(
            text.chars()
                .map(|c| {
                    if c.is_control() && c != '\n' && c != '\t' {
                        '\u{fffd}'
                    } else {
                        c
                    }
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}

/// Unix seconds as UTC, with the seconds themselves.
fn when(unix: i64) -> String {
    match chrono::DateTime::from_timestamp(unix, 0) {
        Some(time) => format!("{} ({unix})", time.format("%Y-%m-%d %H:%M UTC")),
        None => unix.to_string(),
    }
}

/// The fixed columns, then every top-level key of the payloads (sorted by name). A payload key
/// with the name of a fixed column gets the prefix `report.`.
fn print_csv(reports: &[Opened]) -> Result<(), Error> {
    const FIXED: [&str; 3] = ["report_id", "received_at", "site"];
    let column_of = |key: &str| {
        if FIXED.contains(&key) {
            format!("report.{key}")
        } else {
            key.to_string()
        }
    };
    let mut columns: Vec<String> = Vec::new();
    let flattened: Vec<Map<String, Value>> = reports
        .iter()
        .map(|opened| match &opened.payload {
            Value::Object(map) => map.iter().map(|(key, value)| (column_of(key), value.clone())).collect(),
            other => Map::from_iter([("report".to_string(), other.clone())]),
        })
        .collect();
    for map in &flattened {
        for key in map.keys() {
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
    }
    columns.sort();
    let mut stdout = std::io::stdout().lock();
    let header: Vec<String> = FIXED
        .iter()
        .map(|name| name.to_string())
        .chain(columns.iter().cloned())
        .map(|name| csv_field(&name))
        .collect();
    writeln!(stdout, "{}", header.join(","))?;
    for (opened, map) in reports.iter().zip(&flattened) {
        let mut row = vec![
            csv_field(&opened.entry.report_id.to_string()),
            opened.entry.received_at.to_string(),
            csv_field(&opened.entry.site),
        ];
        for column in &columns {
            row.push(match map.get(column) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(text)) => csv_field(&neutralise_formula(text)),
                Some(other) => csv_field(&other.to_string()),
            });
        }
        writeln!(stdout, "{}", row.join(","))?;
    }
    stdout.flush()?;
    Ok(())
}

/// A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return) as a
/// formula: a report's words must not. Such text gets a leading apostrophe (OWASP's advice).
fn neutralise_formula(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// RFC 4180: quoted when it holds a comma, a quote or a line break; control characters other
/// than line breaks and tabs replaced.
fn csv_field(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| {
            if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    if text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The passphrase from CORRIDOR_KEY_PASSPHRASE or, if unset, a prompt without echo.
fn read_passphrase(prompt: &str) -> Result<Zeroizing<String>, Error> {
    if let Some(value) = std::env::var_os(PASSPHRASE_VARIABLE) {
        return Ok(Zeroizing::new(value.to_string_lossy().into_owned()));
    }
    rpassword::prompt_password(prompt).map(Zeroizing::new).map_err(|_| {
        Error::invalid_cli(
            "passphrase",
            format!("no terminal to ask for the passphrase: set {PASSPHRASE_VARIABLE}"),
        )
    })
}

/// Like [`read_passphrase`] for a new key: a prompted passphrase is asked twice.
fn read_new_passphrase() -> Result<Zeroizing<String>, Error> {
    if std::env::var_os(PASSPHRASE_VARIABLE).is_some() {
        return read_passphrase("");
    }
    let first = read_passphrase("Passphrase for the team key (a few words): ")?;
    let second = read_passphrase("Type it again: ")?;
    if *first != *second {
        return Err(Error::invalid_cli("passphrase", "the two passphrases differ"));
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"no\""), "\"say \"\"no\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("esc\u{1b}[2J"), "esc\u{fffd}[2J");
        assert_eq!(neutralise_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise_formula("fine"), "fine");
        assert_eq!(printable("bell\u{7} tab\t"), "bell\u{fffd} tab\t");
    }
}
