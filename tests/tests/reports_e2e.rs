//! Violence reports end to end: a phone with the programme's content files reports sealed to its
//! team's key; they go through a fault-injecting proxy to a real hub and arrive exactly once; the
//! coordinator opens them with the team's private key in `corridor crt inbox`; the phone sees
//! them received; and no marker written into a report is left readable anywhere on the phone or
//! the hub (unless the person kept a private copy).

use std::sync::Arc;
use std::time::Duration;

use corridor_core::platform::SoftwareKeyStrengthener;
use corridor_core::reports::filing::{self, ReportState};
use corridor_core::reports::model::{
    Consent, FullReport, HelpWanted, Perpetrator, Place, QuickReport, QuickWant, QuickWhen, ReportBody, SafeContact,
    ViolenceKind, WhenItHappened,
};
use corridor_core::reports::team_key::TeamPrivateKey;
use corridor_core::runtime::block_on;
use corridor_core::sync::outbox;
use corridor_core::sync::{Backoff, ClientOptions, HubClient, HubUrl};
use corridor_core::testing::{raw_files_contain, scan_decrypted};
use corridor_core::vault::{ProfileSelector, Session, Vault, VaultOptions};
use corridor_tests::content::{ok, Programme, PASSPHRASE};
use corridor_tests::corridor;
use corridor_tests::proxy::{FaultProxy, Faults};

const PIN: &str = "482916";
const MARKERS: [&str; 4] = [
    "MARKER-free-text-he-took-my-phone",
    "MARKER-injuries-bruised-arm",
    "MARKER-place-behind-the-depot",
    "MARKER-draft-only-words",
];
const JOURNAL_MARKER: &str = "MARKER-kept-in-my-journal";

/// The programme with a real key for the Zimbabwe team (the demo keys are placeholders).
fn programme_with_team_key() -> (Programme, std::path::PathBuf) {
    let programme = Programme::new();
    let key = TeamPrivateKey::generate("crt-zimbabwe-test").unwrap();
    let key_file = programme.root().join("zimbabwe-team.key");
    key.write(&key_file, PASSPHRASE).unwrap();
    let public = key.public().to_metadata();
    let safety = programme.root().join("src/safety.toml");
    let text = std::fs::read_to_string(&safety).unwrap();
    let text = text.replace("crt-zimbabwe-demo-placeholder", &public.key_id).replace(
        "7aadaa4f81924cdf6f17d54e9c4dbb60eff0da28c4e16f4f5347e95a071ee58b",
        &public.x25519_public,
    );
    std::fs::write(&safety, text).unwrap();
    programme.build_and_publish(&["a", "b", "d", "e"]);
    (programme, key_file)
}

fn phone(programme: &Programme) -> (tempfile::TempDir, Vault, Session) {
    let dir = tempfile::tempdir().unwrap();
    ok(corridor(
        dir.path(),
        &[("CORRIDOR_PIN", PIN)],
        &["setup", "--role", "personal"],
    ));
    let root = programme.repo().join("root/1.json");
    ok(corridor(dir.path(), &[], &["content", "trust", root.to_str().unwrap()]));
    ok(corridor(
        dir.path(),
        &[],
        &["content", "update", "--from", &programme.url()],
    ));
    ok(corridor(
        dir.path(),
        &[("CORRIDOR_PIN", PIN)],
        &["report", "team", "zimbabwe"],
    ));
    let strengthener = Arc::new(SoftwareKeyStrengthener::in_data_dir(dir.path()).unwrap());
    let vault = Vault::open(dir.path(), strengthener, VaultOptions::default()).unwrap();
    let session =
        block_on(vault.unlock(corridor_core::pin::Pin::normalise(PIN).unwrap(), ProfileSelector::Any)).unwrap();
    (dir, vault, session)
}

/// A full report; `markers`: whether the injuries and the place carry their markers.
fn full_report(now: i64, text: &str, markers: bool) -> ReportBody {
    ReportBody::Full(FullReport {
        kinds: vec![ViolenceKind::Physical, ViolenceKind::RobberyOrEconomic],
        when: WhenItHappened::Between {
            from: now - 3 * 86_400,
            to: now - 2 * 86_400,
        },
        place: Some(Place {
            site: Some("beitbridge".into()),
            description: Some(if markers { MARKERS[2] } else { "near the market" }.into()),
        }),
        who: vec![Perpetrator::Client],
        injuries: Some(if markers { MARKERS[1] } else { "none" }.into()),
        help: vec![HelpWanted::MedicalCare, HelpWanted::Counselling],
        consent: vec![Consent::ContactMe],
        contact: Some(SafeContact::ThroughPeerEducator),
        text: Some(text.into()),
    })
}

#[test]
fn reports_arrive_exactly_once_open_only_with_the_team_key_and_leave_nothing_readable() {
    let (programme, key_file) = programme_with_team_key();
    let (phone_dir, vault, session) = phone(&programme);
    let now = vault.clock_now_unix();

    // A draft with words of its own, then submitted (the draft is deleted).
    let draft = serde_json::json!({ "text": MARKERS[3] });
    let draft_id = filing::save_draft(&session, None, &draft).unwrap();
    let full = filing::submit(
        &session,
        &full_report(now, MARKERS[0], true),
        Some("beitbridge"),
        false,
        Some(&draft_id),
    )
    .unwrap();
    assert!(
        !full.urgency.pep_urgent,
        "physical violence two days ago does not flag PEP"
    );
    assert!(filing::drafts(&session).unwrap().is_empty());
    let quick = ReportBody::Quick(QuickReport {
        what: ViolenceKind::Sexual,
        when: QuickWhen::Today,
        wants: QuickWant::UrgentMedicalHelp,
    });
    let urgent = filing::submit(&session, &quick, Some("beitbridge"), false, None).unwrap();
    assert!(urgent.urgency.pep_urgent && urgent.urgency.emergency_contraception);
    assert_eq!(
        urgent.urgency.clinics[0].site.id, "beitbridge",
        "the nearest clinic first"
    );
    let kept = filing::submit(&session, &full_report(now, JOURNAL_MARKER, false), None, true, None).unwrap();
    let sos = filing::sos(&session, Some(SafeContact::ThroughPeerEducator)).unwrap();
    assert!(!sos.emergency_numbers.is_empty());
    let all = filing::list(&session).unwrap();
    assert_eq!(all.len(), 4);
    assert!(all.iter().all(|report| report.state == ReportState::Queued));
    assert!(filing::private_copy(&session, kept.report_id).unwrap().is_some());
    assert!(filing::private_copy(&session, full.report_id).unwrap().is_none());

    // Nothing readable on the phone: not in any file, not in any decrypted page of the profile.
    let (database, key) = session.testing_database().unwrap();
    let pages = scan_decrypted(&database, &key).unwrap();
    for marker in MARKERS {
        assert!(
            raw_files_contain(phone_dir.path(), marker).unwrap().is_empty(),
            "{marker} in a file"
        );
        assert!(!pages.contains(marker.as_bytes()), "{marker} readable in the profile");
    }
    assert!(
        pages.contains(JOURNAL_MARKER.as_bytes()),
        "the private copy is where the person chose to keep it"
    );

    // Through a proxy that drops, resets, fails and rate-limits: every report arrives once.
    let hub_data = programme.hub.data.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let proxy = runtime.block_on(FaultProxy::start(
        programme.hub.addr,
        Faults {
            drop_after_commit: 0.2,
            reset: 0.1,
            error_500: 0.1,
            too_many: 0.15,
            ..Faults::default()
        },
        8,
    ));
    let client = HubClient::new(HubUrl::parse(&proxy.url()).unwrap(), ClientOptions::default()).unwrap();
    let drained = block_on(outbox::drain(
        vault.device_store().unwrap(),
        &client,
        outbox::DrainOptions {
            backoff: Backoff {
                base: Duration::from_millis(5),
                cap: Duration::from_millis(200),
            },
            keep_trying_for: Some(Duration::from_secs(120)),
        },
        &mut |_, _| {},
    ))
    .unwrap();
    assert_eq!((drained.pending, drained.delivered.len()), (0, 4));
    assert_eq!(
        drained.delivered[0].idempotency_key, sos.report_id,
        "the SOS went first"
    );
    // Offline, the phone cannot confirm anything: the reports stay queued until the hub says.
    let states = block_on(filing::refresh(&session, None)).unwrap();
    assert!(states.iter().all(|report| report.state == ReportState::Queued));
    let hub_client = HubClient::new(HubUrl::parse(&programme.hub.url()).unwrap(), ClientOptions::default()).unwrap();
    let states = block_on(filing::refresh(&session, Some(&hub_client))).unwrap();
    assert!(
        states.iter().all(|report| report.state == ReportState::Sent),
        "{states:?}"
    );

    // The coordinator opens them with the team's key; the hub never could.
    let coordinator = tempfile::tempdir().unwrap();
    let password = [("CORRIDOR_HUB_PASSWORD", "a coordinator's password")];
    ok(corridor(
        coordinator.path(),
        &password,
        &[
            "hub",
            "user",
            "add",
            "--data",
            hub_data.to_str().unwrap(),
            "--role",
            "crt",
            "--site",
            "zimbabwe",
            "bo",
        ],
    ));
    ok(corridor(
        coordinator.path(),
        &[("CORRIDOR_PIN", PIN)],
        &["setup", "--role", "educator", "--name", "Bo"],
    ));
    ok(corridor(
        coordinator.path(),
        &password,
        &["hub", "login", "--hub", &programme.hub.url(), "--user", "bo"],
    ));
    let opened = ok(corridor(
        coordinator.path(),
        &[("CORRIDOR_KEY_PASSPHRASE", PASSPHRASE)],
        &["--json", "crt", "inbox", "--key", key_file.to_str().unwrap()],
    ));
    let lines: Vec<serde_json::Value> = opened
        .stdout
        .lines()
        .filter(|line| line.trim_start().starts_with('{'))
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let text = opened.stdout.clone();
    assert_eq!(lines.len(), 4, "each report exactly once: {text}");
    for marker in [MARKERS[0], MARKERS[1], MARKERS[2], JOURNAL_MARKER] {
        assert_eq!(text.matches(marker).count(), 1, "{marker} opened once by the team");
    }
    assert!(!text.contains(MARKERS[3]), "a draft's words never leave the phone");
    for marker in MARKERS.iter().chain([JOURNAL_MARKER].iter()) {
        assert!(
            raw_files_contain(&hub_data, marker).unwrap().is_empty(),
            "the hub holds {marker} readable"
        );
    }

    // The coordinator acknowledged them: the phone sees them received.
    let states = block_on(filing::refresh(&session, Some(&hub_client))).unwrap();
    assert!(
        states.iter().all(|report| report.state == ReportState::Received),
        "{states:?}"
    );
    let list = ok(corridor(
        phone_dir.path(),
        &[("CORRIDOR_PIN", PIN)],
        &["report", "list"],
    ));
    assert!(
        list.stdout.contains("received") && !list.stdout.contains("MARKER"),
        "{}",
        list.stdout
    );
}

#[test]
fn a_sexual_violence_report_from_30_hours_ago_flags_pep_and_one_from_5_days_ago_does_not() {
    let (programme, _) = programme_with_team_key();
    let (phone_dir, vault, _session) = phone(&programme);
    let now = vault.clock_now_unix();
    let report = |hours_ago: i64| {
        serde_json::json!({
            "kinds": ["sexual"],
            "when": { "type": "exact", "at": now - hours_ago * 3600 },
            "place": null,
            "who": ["client"],
            "injuries": null,
            "help": ["pep_and_emergency_contraception"],
            "consent": ["statistics_only"],
            "contact": null,
            "text": null
        })
        .to_string()
    };
    let scratch = tempfile::tempdir().unwrap();
    let file = scratch.path().join("report.json");
    let run = |hours_ago: i64| {
        std::fs::write(&file, report(hours_ago)).unwrap();
        let run = corridor(
            phone_dir.path(),
            &[("CORRIDOR_PIN", PIN)],
            &[
                "--json",
                "report",
                "new",
                "--json-file",
                file.to_str().unwrap(),
                "--near",
                "beitbridge",
            ],
        );
        let _ = std::fs::remove_file(&file);
        run
    };
    let recent = run(30);
    let answer: serde_json::Value = serde_json::from_str(recent.stdout.lines().last().unwrap()).unwrap();
    assert_eq!(answer["urgency"]["pep_urgent"], true, "{}", recent.stdout);
    // 72 - 30 hours, rounded down; a second may pass between writing the file and the command.
    let hours_left = answer["urgency"]["hours_left_for_pep"].as_u64().unwrap();
    assert!((41..=42).contains(&hours_left), "{hours_left}");
    assert_eq!(answer["urgency"]["clinics"][0]["id"], "beitbridge");
    let older = run(5 * 24);
    let answer: serde_json::Value = serde_json::from_str(older.stdout.lines().last().unwrap()).unwrap();
    assert_eq!(answer["urgency"]["pep_urgent"], false, "{}", older.stdout);
    assert_eq!(answer["urgency"]["emergency_contraception"], false);

    // The same, asked question by question on the terminal (what a person without a form does).
    let at = chrono::DateTime::from_timestamp(now - 30 * 3600, 0)
        .unwrap()
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let answers = format!("2\n{at}\nbeitbridge\n\n1\n\n2\n1,2\n1\nMARKER-typed-at-the-terminal\n");
    let mut child = std::process::Command::new(corridor_tests::corridor_binary())
        .args([
            "--data-dir",
            phone_dir.path().to_str().unwrap(),
            "--json",
            "report",
            "new",
            "--near",
            "beitbridge",
        ])
        .env("CORRIDOR_PIN", PIN)
        .env("CORRIDOR_ZONE", "UTC")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(answers.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(answer["urgency"]["pep_urgent"], true, "{stdout}");
    // Stopping half-way files nothing.
    let half = corridor_tests::corridor_with_stdin(phone_dir.path(), &["report", "new"], b"1\n");
    assert_ne!(half.code, 0);
}
