//! The Crisis Response Team coordinator's key tools through the real `corridor` binary:
//! `crt keygen` (mode 0600, never overwrites, the public key printed for safety.toml) and
//! `crt open` of a report sealed to that key, refused for another key, a wrong passphrase or a
//! file that is not a sealed report; `crt inbox` against a real hub with reports sealed here
//! (every page, text, JSON lines and CSV, another key's reports listed and left unacknowledged).
//! Phones filing through the outbox are in `reports_e2e.rs`.

use std::path::Path;

use corridor_core::content::metadata::TeamKey;
use corridor_core::reports::seal::{seal, TeamPrivateKey, TeamPublicKey};
use corridor_core::runtime::block_on;
use corridor_core::sync::wire::{ReportSubmission, Uuid};
use corridor_core::sync::{Auth, ClientOptions, HubClient, HubUrl, PreparedRequest};
use corridor_tests::hub::HubProcess;
use corridor_tests::{corridor, Run};

const PASSPHRASE: &str = "four words for the team";
const PIN: &str = "482916";
const PASSWORD: &str = "a coordinator's password";

fn with_passphrase(passphrase: &str) -> [(&str, &str); 1] {
    [("CORRIDOR_KEY_PASSPHRASE", passphrase)]
}

fn ok(run: Run) -> Run {
    assert_eq!(run.code, 0, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    run
}

fn failed(run: Run) -> Run {
    assert_ne!(run.code, 0, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    run
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `corridor crt keygen` into `dir/name`, with no device set up.
fn keygen(dir: &Path, name: &str, key_id: &str) -> Run {
    corridor(
        &dir.join("no-device"),
        &with_passphrase(PASSPHRASE),
        &["crt", "keygen", "--out", text(&dir.join(name)), "--key-id", key_id],
    )
}

#[test]
fn keygen_writes_a_private_file_only_its_owner_reads_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("team.key");
    let run = ok(keygen(dir.path(), "team.key", "crt-beitbridge-2026"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let public: TeamKey = serde_json::from_slice(&std::fs::read(dir.path().join("team.key.pub")).unwrap()).unwrap();
    assert_eq!(public.key_id, "crt-beitbridge-2026");
    assert_eq!(public.x25519_public.len(), 64);
    // The public key is printed, as JSON and as safety.toml lines.
    assert!(run.stdout.contains(&public.x25519_public), "{}", run.stdout);
    assert!(run.stdout.contains("x25519_public = \""), "{}", run.stdout);
    assert!(!run.stdout.contains(PASSPHRASE) && !run.stderr.contains(PASSPHRASE));
    // The private key file holds no secret in the clear: it opens only with the passphrase.
    let opened = TeamPrivateKey::load(&key, PASSPHRASE).unwrap();
    assert_eq!(opened.public(), TeamPublicKey::from_metadata(&public).unwrap());

    let before = std::fs::read(&key).unwrap();
    let again = failed(keygen(dir.path(), "team.key", "crt-beitbridge-2026"));
    assert!(again.stderr.contains("never overwritten"), "{}", again.stderr);
    assert_eq!(std::fs::read(&key).unwrap(), before);
    // Nor when only the .pub is in the way.
    std::fs::write(dir.path().join("other.key.pub"), b"{}").unwrap();
    let blocked = failed(keygen(dir.path(), "other.key", "crt-2027"));
    assert!(blocked.stderr.contains("never overwritten"), "{}", blocked.stderr);
    assert!(!dir.path().join("other.key").exists());

    // --json prints exactly the key as safety.toml's [teams.key] takes it.
    let json = ok(corridor(
        &dir.path().join("no-device"),
        &with_passphrase(PASSPHRASE),
        &[
            "--json",
            "crt",
            "keygen",
            "--out",
            text(&dir.path().join("third.key")),
            "--key-id",
            "crt-third",
        ],
    ));
    let printed: TeamKey = serde_json::from_str(json.stdout.trim()).unwrap();
    assert_eq!(printed.key_id, "crt-third");
}

#[test]
fn keygen_refuses_a_short_passphrase_and_a_bad_key_id() {
    let dir = tempfile::tempdir().unwrap();
    let short = failed(corridor(
        &dir.path().join("no-device"),
        &with_passphrase("short"),
        &["crt", "keygen", "--out", text(&dir.path().join("k")), "--key-id", "crt"],
    ));
    assert!(short.stderr.contains("at least 8 characters"), "{}", short.stderr);
    assert!(!dir.path().join("k").exists());
    let bad = failed(keygen(dir.path(), "k", "   "));
    assert!(bad.stderr.contains("key id"), "{}", bad.stderr);
}

#[test]
fn open_prints_a_report_sealed_to_the_team_key() {
    let dir = tempfile::tempdir().unwrap();
    ok(keygen(dir.path(), "team.key", "crt-beitbridge-2026"));
    let public = TeamPublicKey::read(&dir.path().join("team.key.pub")).unwrap();
    let report = serde_json::json!({
        "version": 1,
        "report_id": "6f1c7a52-3f4e-4c38-9d8e-1a2b3c4d5e6f",
        "team_key_id": "crt-beitbridge-2026",
        "body": { "type": "quick", "what": "physical", "when": "today", "wants": "contact_me" },
        "note": "MARKER-crt-open \u{1b}[31m"
    });
    let sealed_file = dir.path().join("report.sealed");
    std::fs::write(&sealed_file, seal(report.to_string().as_bytes(), &public).unwrap()).unwrap();
    let key = dir.path().join("team.key");

    let shown = ok(corridor(
        &dir.path().join("no-device"),
        &with_passphrase(PASSPHRASE),
        &["crt", "open", "--key", text(&key), text(&sealed_file)],
    ));
    let value: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(value, report);
    assert!(shown.stdout.contains("MARKER-crt-open"));
    assert!(!shown.stdout.contains('\u{1b}'), "a terminal escape reached the screen");
    assert!(
        !shown.stderr.contains("MARKER"),
        "plaintext on stderr: {}",
        shown.stderr
    );

    let line = ok(corridor(
        &dir.path().join("no-device"),
        &with_passphrase(PASSPHRASE),
        &["--json", "crt", "open", "--key", text(&key), text(&sealed_file)],
    ));
    assert_eq!(line.stdout.lines().count(), 1, "{}", line.stdout);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&line.stdout).unwrap(), report);
}

#[test]
fn open_refuses_another_key_a_wrong_passphrase_and_a_damaged_file() {
    let dir = tempfile::tempdir().unwrap();
    ok(keygen(dir.path(), "ours.key", "crt-beitbridge-2026"));
    let key = dir.path().join("ours.key");
    let theirs = TeamPrivateKey::generate("crt-maputo-2026").unwrap();
    let sealed_file = dir.path().join("maputo.sealed");
    std::fs::write(&sealed_file, seal(b"{\"for\":\"Maputo\"}", &theirs.public()).unwrap()).unwrap();
    let other = failed(corridor(
        &dir.path().join("no-device"),
        &with_passphrase(PASSPHRASE),
        &["crt", "open", "--key", text(&key), text(&sealed_file)],
    ));
    assert!(
        other.stderr.contains("sealed to another key: crt-maputo-2026"),
        "{}",
        other.stderr
    );
    assert!(other.stdout.is_empty());

    // A wrong passphrase says so (on a report that is ours).
    let public = TeamPublicKey::read(&dir.path().join("ours.key.pub")).unwrap();
    let ours_file = dir.path().join("ours.sealed");
    std::fs::write(&ours_file, seal(b"{\"for\":\"us\"}", &public).unwrap()).unwrap();
    let wrong = failed(corridor(
        &dir.path().join("no-device"),
        &with_passphrase("not the passphrase at all"),
        &["crt", "open", "--key", text(&key), text(&ours_file)],
    ));
    assert!(wrong.stderr.contains("passphrase does not open"), "{}", wrong.stderr);
    assert_eq!(wrong.code, 1);
    let json = failed(corridor(
        &dir.path().join("no-device"),
        &with_passphrase("not the passphrase at all"),
        &["--json", "crt", "open", "--key", text(&key), text(&ours_file)],
    ));
    let error: serde_json::Value = serde_json::from_str(json.stderr.trim()).unwrap();
    assert_eq!(error["field"], "passphrase");

    // A flipped bit, and a file that is no report at all.
    let mut bytes = std::fs::read(&ours_file).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&ours_file, &bytes).unwrap();
    let altered = failed(corridor(
        &dir.path().join("no-device"),
        &with_passphrase(PASSPHRASE),
        &["crt", "open", "--key", text(&key), text(&ours_file)],
    ));
    assert!(altered.stderr.contains("does not open with key"), "{}", altered.stderr);
    std::fs::write(&ours_file, b"hello").unwrap();
    let junk = failed(corridor(
        &dir.path().join("no-device"),
        &with_passphrase(PASSPHRASE),
        &["crt", "open", "--key", text(&key), text(&ours_file)],
    ));
    assert!(junk.stderr.contains("not a sealed Corridor report"), "{}", junk.stderr);
}

#[test]
fn inbox_needs_a_set_up_device_logged_in_to_the_hub() {
    let dir = tempfile::tempdir().unwrap();
    ok(keygen(dir.path(), "team.key", "crt-2026"));
    let run = failed(corridor(
        &dir.path().join("no-device"),
        &with_passphrase(PASSPHRASE),
        &[
            "crt",
            "inbox",
            "--hub",
            "http://127.0.0.1:9",
            "--key",
            text(&dir.path().join("team.key")),
        ],
    ));
    assert_eq!(run.code, 4, "{}", run.stderr);
}

/// A hub, a coordinator `bo` for beitbridge logged in on a set-up device, and the team's key.
struct Desk {
    hub: HubProcess,
    _hub_dir: tempfile::TempDir,
    device: tempfile::TempDir,
    key: std::path::PathBuf,
    public: TeamPublicKey,
}

impl Desk {
    fn new(hub_args: &[&str]) -> Desk {
        let hub_dir = tempfile::tempdir().unwrap();
        let hub = HubProcess::start(&hub_dir.path().join("hub"), hub_args);
        let device = tempfile::tempdir().unwrap();
        let password = [("CORRIDOR_HUB_PASSWORD", PASSWORD)];
        let data = hub.data.to_str().unwrap().to_string();
        ok(corridor(
            device.path(),
            &password,
            &[
                "hub",
                "user",
                "add",
                "--data",
                &data,
                "--role",
                "crt",
                "--site",
                "beitbridge",
                "bo",
            ],
        ));
        ok(corridor(
            device.path(),
            &[("CORRIDOR_PIN", PIN)],
            &["setup", "--role", "educator", "--name", "Bo"],
        ));
        ok(corridor(
            device.path(),
            &password,
            &["hub", "login", "--hub", &hub.url(), "--user", "bo"],
        ));
        ok(keygen(device.path(), "team.key", "crt-beitbridge-2026"));
        let key = device.path().join("team.key");
        let public = TeamPublicKey::read(&device.path().join("team.key.pub")).unwrap();
        Desk {
            hub,
            _hub_dir: hub_dir,
            device,
            key,
            public,
        }
    }

    /// Submits a report with `text`, sealed to `to` as a phone would; returns the report id.
    fn submit(&self, text: &str, to: &TeamPublicKey) -> Uuid {
        let report_id = Uuid::new_v4();
        self.submit_raw(report_id, &payload(report_id, &to.key_id, text), to)
    }

    /// Submits exactly `plaintext` (sealed to `to`) under `report_id`.
    fn submit_raw(&self, report_id: Uuid, plaintext: &str, to: &TeamPublicKey) -> Uuid {
        let client = HubClient::new(HubUrl::parse(&self.hub.url()).unwrap(), ClientOptions::default()).unwrap();
        let submission = ReportSubmission {
            report_id,
            site: "beitbridge".into(),
            sealed: seal(plaintext.as_bytes(), to).unwrap(),
        };
        let request = PreparedRequest::report(&submission).unwrap();
        let answer = block_on(client.send(&request, &Auth::Anonymous)).unwrap();
        assert_eq!(answer.status, 201);
        submission.report_id
    }

    fn crt(&self, args: &[&str]) -> Run {
        corridor(self.device.path(), &with_passphrase(PASSPHRASE), args)
    }

    fn unacknowledged(&self) -> usize {
        let run = ok(corridor(
            self.device.path(),
            &[],
            &["--json", "inbox", "list", "--limit", "500"],
        ));
        let page: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
        page["reports"].as_array().unwrap().len()
    }
}

/// A sealed payload as the phone makes it: a full report with `text`.
fn payload(report_id: Uuid, key_id: &str, text: &str) -> String {
    serde_json::json!({
        "version": 1,
        "report_id": report_id,
        "created_at": 1_790_000_000,
        "team_key_id": key_id,
        "body": {
            "type": "full",
            "kinds": ["physical"],
            "when": { "type": "exact", "at": 1_789_990_000 },
            "consent": ["statistics_only"],
            "text": text
        }
    })
    .to_string()
}

#[test]
fn inbox_opens_prints_and_acknowledges_the_team_reports_only() {
    let desk = Desk::new(&[]);
    let maputo = TeamPrivateKey::generate("crt-maputo-2026").unwrap();
    let first = desk.submit("=HYPERLINK(\"http://x\") MARKER-one", &desk.public);
    let second = desk.submit("a, \"quoted\"\nline MARKER-two", &desk.public);
    let elsewhere = desk.submit("MARKER-maputo", &maputo.public());
    // A ciphertext moved to another report id (a hub that mixed reports up): listed, never
    // acknowledged.
    let moved = desk.submit_raw(
        Uuid::new_v4(),
        &payload(Uuid::new_v4(), &desk.public.key_id, "MARKER-moved"),
        &desk.public,
    );
    let key = desk.key.to_str().unwrap();

    // CSV, without acknowledging: a header, one row per report opened; the other key's report
    // is named on stderr only.
    let csv = ok(desk.crt(&["crt", "inbox", "--key", key, "--csv", "--no-ack"]));
    let header = csv.stdout.lines().next().unwrap();
    assert_eq!(
        header,
        "report_id,received_at,site,body,created_at,report.report_id,team_key_id,version"
    );
    assert_eq!(csv.stdout.matches("MARKER-one").count(), 1, "{}", csv.stdout);
    assert_eq!(csv.stdout.matches("MARKER-two").count(), 1, "{}", csv.stdout);
    assert!(csv.stdout.contains(&first.to_string()) && csv.stdout.contains(&second.to_string()));
    assert!(!csv.stdout.contains("MARKER-maputo") && !csv.stdout.contains(&elsewhere.to_string()));
    assert!(!csv.stdout.contains("MARKER-moved"), "{}", csv.stdout);
    assert!(
        csv.stderr.contains("sealed to another key: crt-maputo-2026"),
        "{}",
        csv.stderr
    );
    assert!(csv.stderr.contains("another report id inside"), "{}", csv.stderr);
    assert!(csv.stderr.contains("0 acknowledged"), "{}", csv.stderr);
    assert_eq!(desk.unacknowledged(), 4);

    // Text: each report once, then acknowledged; the other key's report stays new.
    let text = ok(desk.crt(&["crt", "inbox", "--key", key]));
    assert_eq!(text.stdout.matches("MARKER-one").count(), 1, "{}", text.stdout);
    assert_eq!(text.stdout.matches("MARKER-two").count(), 1);
    assert!(
        text.stdout.contains(&format!("{elsewhere}")) && text.stdout.contains("sealed to another key: crt-maputo-2026")
    );
    assert!(!text.stdout.contains("MARKER-maputo"));
    assert!(!text.stderr.contains("MARKER"), "plaintext on stderr: {}", text.stderr);
    assert!(text.stderr.contains("2 opened, 2 acknowledged"), "{}", text.stderr);
    assert!(!text.stdout.contains("MARKER-moved"));
    assert_eq!(
        desk.unacknowledged(),
        2,
        "the other key's and the moved report stay new"
    );

    // JSON lines: what is left is the other key's report, listed and not acknowledged.
    let json = ok(desk.crt(&["--json", "crt", "inbox", "--key", key]));
    let lines: Vec<serde_json::Value> = json
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{}", json.stdout);
    assert!(lines
        .iter()
        .any(|line| line["report_id"] == elsewhere.to_string() && line["sealed_to"] == "crt-maputo-2026"));
    assert!(lines.iter().any(|line| line["report_id"] == moved.to_string()));
    assert_eq!(desk.unacknowledged(), 2);
    for marker in ["MARKER-one", "MARKER-two", "MARKER-maputo"] {
        assert!(
            corridor_core::testing::raw_files_contain(desk.device.path(), marker)
                .unwrap()
                .is_empty(),
            "{marker} was written to the coordinator's data directory"
        );
    }
}

#[test]
fn inbox_reads_every_page() {
    // More reports than one page holds (500); no rate limit for the test's phone.
    let desk = Desk::new(&["--report-rate", "0"]);
    let ids: Vec<Uuid> = (0..501)
        .map(|index| desk.submit(&format!("report number {index}"), &desk.public))
        .collect();
    let run = ok(desk.crt(&[
        "--json",
        "crt",
        "inbox",
        "--key",
        desk.key.to_str().unwrap(),
        "--no-ack",
    ]));
    let mut seen: Vec<String> = run
        .stdout
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["report_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    seen.sort();
    seen.dedup();
    let mut expected: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    expected.sort();
    assert_eq!(seen, expected);
}
