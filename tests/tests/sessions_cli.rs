//! `corridor session ...` on a shared tablet: every refusal is a clear error with the CLI's exit
//! code and changes nothing; a session goes from open to sent; the hub's reach counts it.

use corridor_tests::content::{json, ok, Programme};
use corridor_tests::{corridor, Run};

const PIN: &str = "482916";
const PASSWORD: &str = "a long enough password";

fn refused(run: Run, words: &str) {
    assert_eq!(run.code, 1, "stdout: {} stderr: {}", run.stdout, run.stderr);
    assert!(run.stderr.contains(words), "expected {words:?} in: {}", run.stderr);
}

#[test]
fn an_educator_records_a_session_and_bad_input_is_refused_with_its_reason() {
    let programme = Programme::new();
    let tablet = tempfile::tempdir().unwrap();
    let pin = [("CORRIDOR_PIN", PIN)];
    let session = |args: &[&str]| {
        let mut full = vec!["--profile", "thandi", "session"];
        full.extend(args);
        corridor(tablet.path(), &pin, &full)
    };
    ok(corridor(
        tablet.path(),
        &pin,
        &["setup", "--role", "educator", "--name", "Thandi"],
    ));

    // Without the programme's content, no site can be chosen.
    refused(session(&["start", "--site", "beitbridge"]), "update the content first");
    let root = programme.repo().join("root/1.json");
    ok(corridor(
        tablet.path(),
        &[],
        &["content", "trust", root.to_str().unwrap()],
    ));
    ok(corridor(
        tablet.path(),
        &[],
        &["content", "update", "--from", &programme.url()],
    ));

    refused(session(&["attend", "K7QM-4TX9-B2Q"]), "no session is open");
    refused(
        session(&["start", "--site", "beitbridge", "--kind", "party"]),
        "group, one-to-one, outreach",
    );
    refused(
        session(&["start", "--site", "lebombo"]),
        "not one of the programme's sites",
    );
    let started = json(&ok(corridor(
        tablet.path(),
        &pin,
        &[
            "--json",
            "--profile",
            "thandi",
            "session",
            "start",
            "--site",
            "beitbridge",
            "--module",
            "pep",
        ],
    )));
    let id = started["id"].as_str().unwrap().to_string();

    let codes: Vec<String> = ok(corridor(tablet.path(), &[], &["code", "new", "--count", "2"]))
        .stdout
        .lines()
        .map(str::to_string)
        .collect();
    ok(session(&[
        "attend",
        &codes[0],
        "--gender",
        "female",
        "--age-band",
        "18-24",
    ]));
    refused(session(&["attend", &codes[0]]), "already recorded");
    refused(
        session(&["attend", &codes[1], "--gender", "woman"]),
        "female, male, transgender, other",
    );
    refused(session(&["attend", &codes[1], "--age-band", "20-30"]), "18-24");
    let mistyped = corridor(
        tablet.path(),
        &pin,
        &["--profile", "thandi", "session", "attend", "K7QM-4TX9-B2X"],
    );
    assert_ne!(mistyped.code, 0);
    ok(session(&["attend", &codes[1]]));

    // Codes from a scanner on standard input: a bad line is named and nothing is recorded.
    let more: Vec<String> = ok(corridor(tablet.path(), &[], &["code", "new", "--count", "2"]))
        .stdout
        .lines()
        .map(str::to_string)
        .collect();
    let piped = |input: String| {
        use std::io::Write;
        let mut child = std::process::Command::new(corridor_tests::corridor_binary())
            .args([
                "--data-dir",
                tablet.path().to_str().unwrap(),
                "--profile",
                "thandi",
                "session",
                "attend",
                "-",
            ])
            .env("CORRIDOR_PIN", PIN)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        Run::from(child.wait_with_output().unwrap())
    };
    refused(piped(format!("{}\n\nK7QM-4TX9-B2X\n", more[0])), "line 3");
    let shown = json(&ok(corridor(
        tablet.path(),
        &pin,
        &["--json", "--profile", "thandi", "session", "show"],
    )));
    assert_eq!(shown["attendees"], 2, "nothing of a refused batch is recorded");
    ok(piped(format!("{}\n{}\n", more[0], more[1])));
    ok(session(&["remove", &more[0]]));
    ok(session(&["remove", &more[1]]));
    ok(session(&[
        "walkin",
        "--gender",
        "male",
        "--age-band",
        "25-29",
        "--count",
        "2",
    ]));
    refused(
        session(&["walkin", "--gender", "male", "--age-band", "25-29", "--count", "-3"]),
        "below zero",
    );
    ok(session(&["commodity", "male-condoms", "40"]));
    refused(session(&["commodity", "condoms", "4"]), "male-condoms");
    refused(
        session(&["refer", "--service", "prep", "--clinic", "nowhere"]),
        "not one of the programme's sites",
    );
    ok(session(&["refer", "--service", "prep", "--clinic", "beitbridge"]));
    refused(
        session(&["quiz", "--module", "pep", "--attempted", "3", "--passed", "4"]),
        "between 0 and attempted",
    );

    let shown = json(&ok(corridor(
        tablet.path(),
        &pin,
        &["--json", "--profile", "thandi", "session", "show"],
    )));
    assert_eq!(shown["attendees"], 2);
    assert_eq!(shown["attendee_codes"][0]["code"], codes[0].as_str());

    let closed = json(&ok(corridor(
        tablet.path(),
        &pin,
        &["--json", "--profile", "thandi", "session", "close"],
    )));
    assert_eq!(closed["state"], "closed", "not logged in: it waits for the hub's key");
    refused(session(&["commodity", "lubricant", "5"]), "correct it instead");
    refused(session(&["sync", "--hub", &programme.hub.url()]), "not logged in");

    // The tablet logs in; the sync seals and sends it; its codes are gone.
    let scratch = tempfile::tempdir().unwrap();
    let data = programme.hub.data.to_str().unwrap().to_string();
    ok(corridor(
        scratch.path(),
        &[("CORRIDOR_HUB_PASSWORD", PASSWORD)],
        &[
            "hub",
            "user",
            "add",
            "--data",
            &data,
            "--role",
            "educator",
            "--site",
            "beitbridge",
            "tablet-1",
        ],
    ));
    ok(corridor(
        tablet.path(),
        &[("CORRIDOR_HUB_PASSWORD", PASSWORD)],
        &["hub", "login", "--hub", &programme.hub.url(), "--user", "tablet-1"],
    ));
    let synced = json(&ok(corridor(
        tablet.path(),
        &pin,
        &["--json", "--profile", "thandi", "session", "sync"],
    )));
    assert_eq!(
        (synced["sent"].as_u64(), synced["waiting"].as_u64()),
        (Some(1), Some(0))
    );
    let list = json(&ok(corridor(
        tablet.path(),
        &pin,
        &["--json", "--profile", "thandi", "session", "list"],
    )));
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["state"], "sent");
    let stats = json(&ok(corridor(
        tablet.path(),
        &pin,
        &["--json", "--profile", "thandi", "session", "stats"],
    )));
    assert_eq!(
        (stats["attendances"].as_i64(), stats["walk_ins"].as_i64()),
        (Some(2), Some(2))
    );
    refused(session(&["stats", "--month", "Nov"]), "YYYY-MM");
    refused(session(&["correct", "not-an-id"]), "session id");

    let month = list[0]["started_at"]
        .as_i64()
        .map(|at| corridor_core::sessions::upload::programme_month(at).unwrap());
    let reach = ok(corridor(
        scratch.path(),
        &[],
        &[
            "hub",
            "reach",
            "--data",
            &data,
            "--month",
            month.as_deref().unwrap(),
            "--csv",
        ],
    ));
    assert!(reach.stdout.starts_with("period,site,gender,"), "{}", reach.stdout);
    refused(
        corridor(
            scratch.path(),
            &[],
            &["hub", "reach", "--data", &data, "--month", "2026-13"],
        ),
        "month",
    );
    for code in &codes {
        assert!(corridor_core::testing::raw_files_contain(tablet.path(), code)
            .unwrap()
            .is_empty());
    }
}
