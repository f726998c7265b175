//! The outbox against a real hub: what is refused is kept with its reason (never silently
//! dropped), a revoked login holds account items back until the device logs in again, and
//! `corridor sync` / `corridor outbox` show it all without showing any content.

use std::path::Path;
use std::sync::Arc;

use corridor_core::platform::SoftwareKeyStrengthener;
use corridor_core::reports::seal::{seal_as, SealKind};
use corridor_core::sessions::upload::{AgeBand, Gender, SessionKind, SessionUpload, WalkIns};
use corridor_core::sync::account;
use corridor_core::sync::outbox::{self, OutboxAuth};
use corridor_core::sync::wire::{ReportSubmission, SessionSubmission, Uuid};
use corridor_core::sync::PreparedRequest;
use corridor_core::vault::{Vault, VaultOptions};
use corridor_tests::hub::HubProcess;
use corridor_tests::{corridor, Run};

const PIN: &str = "482916";
const PASSWORD: &str = "a long enough password";

fn json(run: &Run) -> serde_json::Value {
    assert_eq!(run.code, 0, "stdout: {} stderr: {}", run.stdout, run.stderr);
    serde_json::from_str(run.stdout.lines().last().unwrap_or("null")).unwrap()
}

/// The vault of a directory the CLI set up (the device store needs no PIN).
fn vault_of(dir: &Path) -> Vault {
    let strengthener = Arc::new(SoftwareKeyStrengthener::in_data_dir(dir).unwrap());
    Vault::open(dir, strengthener, VaultOptions::default()).unwrap()
}

fn enqueue(dir: &Path, kind: &str, request: &PreparedRequest, auth: OutboxAuth) {
    vault_of(dir)
        .device_store()
        .unwrap()
        .transaction(|connection| outbox::enqueue(connection, kind, request, auth, 0))
        .unwrap();
}

fn outbox_lines(dir: &Path) -> Vec<serde_json::Value> {
    let run = corridor(dir, &[], &["--json", "outbox", "list"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn a_refused_report_is_kept_with_the_reason_until_it_is_retried_or_discarded() {
    let hub_dir = tempfile::tempdir().unwrap();
    let hub = HubProcess::start(hub_dir.path(), &[]);
    let phone = tempfile::tempdir().unwrap();
    assert_eq!(
        corridor(phone.path(), &[("CORRIDOR_PIN", PIN)], &["setup", "--role", "personal"]).code,
        0
    );

    let first = ReportSubmission {
        report_id: Uuid::new_v4(),
        site: "beitbridge".into(),
        sealed: b"the first sealed report".to_vec(),
    };
    enqueue(
        phone.path(),
        outbox::KIND_REPORT,
        &PreparedRequest::report(&first).unwrap(),
        OutboxAuth::Anonymous,
    );
    let synced = json(&corridor(phone.path(), &[], &["--json", "sync", "--hub", &hub.url()]));
    assert_eq!(
        (synced["sent"].as_u64(), synced["waiting"].as_u64()),
        (Some(1), Some(0))
    );
    assert!(
        outbox_lines(phone.path()).is_empty(),
        "a delivered item leaves the outbox"
    );

    // The same report id with other bytes: the hub refuses it, the phone keeps it.
    let clash = ReportSubmission {
        sealed: b"other bytes under the same id".to_vec(),
        ..first.clone()
    };
    enqueue(
        phone.path(),
        outbox::KIND_REPORT,
        &PreparedRequest::report(&clash).unwrap(),
        OutboxAuth::Anonymous,
    );
    let synced = json(&corridor(phone.path(), &[], &["--json", "sync", "--hub", &hub.url()]));
    assert_eq!(
        (synced["sent"].as_u64(), synced["refused"].as_u64()),
        (Some(0), Some(1))
    );
    let lines = outbox_lines(phone.path());
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["state"], "refused");
    assert_eq!(lines[0]["kind"], "report");
    let reason = lines[0]["last_error"].as_str().unwrap();
    assert!(reason.contains("refused"), "{reason}");
    let listing = corridor(phone.path(), &[], &["outbox", "list"]).stdout;
    assert!(!listing.contains("other bytes"), "the outbox list never shows content");

    let id = lines[0]["id"].as_i64().unwrap().to_string();
    assert_eq!(corridor(phone.path(), &[], &["outbox", "retry", &id]).code, 0);
    assert_eq!(outbox_lines(phone.path())[0]["state"], "waiting");
    let synced = json(&corridor(phone.path(), &[], &["--json", "sync", "--hub", &hub.url()]));
    assert_eq!(
        synced["refused"].as_u64(),
        Some(1),
        "still refused: the cause is still there"
    );
    assert_eq!(corridor(phone.path(), &[], &["outbox", "discard", &id]).code, 0);
    assert!(outbox_lines(phone.path()).is_empty());
    assert_ne!(
        corridor(phone.path(), &[], &["outbox", "discard", &id]).code,
        0,
        "no such item any more"
    );

    // Nobody listening: the item waits, with a network reason.
    let offline = ReportSubmission {
        report_id: Uuid::new_v4(),
        ..first
    };
    enqueue(
        phone.path(),
        outbox::KIND_REPORT,
        &PreparedRequest::report(&offline).unwrap(),
        OutboxAuth::Anonymous,
    );
    let synced = json(&corridor(
        phone.path(),
        &[],
        &["--json", "sync", "--hub", "http://127.0.0.1:9"],
    ));
    assert_eq!(
        (synced["sent"].as_u64(), synced["waiting"].as_u64()),
        (Some(0), Some(1))
    );
    assert!(synced["next_attempt_in_secs"].as_u64().is_some());
    let lines = outbox_lines(phone.path());
    assert_eq!(
        (lines[0]["state"].as_str(), lines[0]["attempts"].as_u64()),
        (Some("waiting"), Some(1))
    );
    assert!(
        lines[0]["last_error"].as_str().unwrap().contains("connection"),
        "{}",
        lines[0]
    );
}

#[test]
fn a_revoked_tablet_keeps_its_sessions_until_it_logs_in_again() {
    let hub_dir = tempfile::tempdir().unwrap();
    let hub = HubProcess::start(hub_dir.path(), &[]);
    let data = hub.data.to_str().unwrap().to_string();
    let scratch = tempfile::tempdir().unwrap();
    let added = corridor(
        scratch.path(),
        &[("CORRIDOR_HUB_PASSWORD", PASSWORD)],
        &[
            "hub", "user", "add", "--data", &data, "--role", "educator", "--site", "musina", "ana",
        ],
    );
    assert_eq!(added.code, 0, "{}", added.stderr);
    let tablet = tempfile::tempdir().unwrap();
    let setup = corridor(
        tablet.path(),
        &[("CORRIDOR_PIN", PIN)],
        &["setup", "--role", "educator", "--name", "Ana"],
    );
    assert_eq!(setup.code, 0);
    // Another tablet logged in as ana fetched the hub's intake key: sessions are sealed to it.
    let other = tempfile::tempdir().unwrap();
    let setup_other = corridor(
        other.path(),
        &[("CORRIDOR_PIN", PIN)],
        &["setup", "--role", "educator", "--name", "Bo"],
    );
    assert_eq!(setup_other.code, 0);
    let other_login = corridor(
        other.path(),
        &[("CORRIDOR_HUB_PASSWORD", PASSWORD)],
        &["hub", "login", "--hub", &hub.url(), "--user", "ana"],
    );
    assert_eq!(other_login.code, 0, "{}", other_login.stderr);
    let intake_key = account::intake_key(&vault_of(other.path()).device_store().unwrap())
        .unwrap()
        .expect("an educator's login keeps the hub's intake key");
    let session = |site: &str| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let mut upload = SessionUpload::new(Uuid::new_v4(), site, SessionKind::Group, now - 3600, now);
        upload.walk_ins = vec![WalkIns {
            gender: Gender::Female,
            age_band: AgeBand::From25To29,
            count: 9,
        }];
        SessionSubmission {
            session_id: upload.session_id,
            site: site.into(),
            sealed: seal_as(SealKind::Session, &upload.to_json().unwrap(), &intake_key).unwrap(),
        }
    };

    // Not logged in yet: the session waits and the sync says so.
    enqueue(
        tablet.path(),
        outbox::KIND_SESSION,
        &PreparedRequest::session(&session("musina")).unwrap(),
        OutboxAuth::Account,
    );
    let synced = json(&corridor(tablet.path(), &[], &["--json", "sync", "--hub", &hub.url()]));
    assert_eq!(
        (synced["sent"].as_u64(), synced["needs_login"].as_bool()),
        (Some(0), Some(true))
    );
    let wipe = corridor(tablet.path(), &[], &["wipe"]);
    assert!(
        wipe.stdout.contains("1 items not yet sent"),
        "quick delete warns first: {}",
        wipe.stdout
    );

    let login = json(&corridor(
        tablet.path(),
        &[("CORRIDOR_HUB_PASSWORD", PASSWORD)],
        &["--json", "hub", "login", "--hub", &hub.url(), "--user", "ana"],
    ));
    let synced = json(&corridor(tablet.path(), &[], &["--json", "sync"]));
    assert_eq!(
        (synced["sent"].as_u64(), synced["needs_login"].as_bool()),
        (Some(1), Some(false))
    );

    // A session for a site the account does not serve is refused (403) and kept.
    enqueue(
        tablet.path(),
        outbox::KIND_SESSION,
        &PreparedRequest::session(&session("lebombo")).unwrap(),
        OutboxAuth::Account,
    );
    let synced = json(&corridor(tablet.path(), &[], &["--json", "sync"]));
    assert_eq!(synced["refused"].as_u64(), Some(1));
    let id = outbox_lines(tablet.path())[0]["id"].as_i64().unwrap().to_string();
    assert_eq!(corridor(tablet.path(), &[], &["outbox", "discard", &id]).code, 0);

    // The admin revokes the tablet's token: its next session waits for a new login.
    let token_id = login["token_id"].as_str().unwrap();
    assert_eq!(
        corridor(
            scratch.path(),
            &[],
            &["hub", "token", "revoke", "--data", &data, token_id]
        )
        .code,
        0
    );
    enqueue(
        tablet.path(),
        outbox::KIND_SESSION,
        &PreparedRequest::session(&session("musina")).unwrap(),
        OutboxAuth::Account,
    );
    let synced = corridor(tablet.path(), &[], &["sync"]);
    assert!(synced.stdout.contains("log in again"), "{}", synced.stdout);
    assert_eq!(outbox_lines(tablet.path())[0]["state"], "waiting");
    let relogin = corridor(
        tablet.path(),
        &[("CORRIDOR_HUB_PASSWORD", PASSWORD)],
        &["hub", "login", "--user", "ana", "--hub", &hub.url()],
    );
    assert_eq!(relogin.code, 0, "{}", relogin.stderr);
    // The revoked item's backoff may still run: keep trying for a few seconds.
    let synced = json(&corridor(tablet.path(), &[], &["--json", "sync", "--wait", "20"]));
    assert_eq!(
        (synced["sent"].as_u64(), synced["waiting"].as_u64()),
        (Some(1), Some(0))
    );
}
