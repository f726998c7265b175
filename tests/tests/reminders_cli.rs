//! Reminders through the `corridor` CLI: the plan's texts, explicit names, hand-over import.

use corridor_tests::corridor;

const PIN: &str = "482916";

/// A local date and time `days` from today, as the CLI takes it.
fn in_days(days: i64, time: &str) -> String {
    format!(
        "{} {time}",
        (chrono::Utc::now() + chrono::Duration::days(days)).format("%Y-%m-%d")
    )
}

fn plan(data: &std::path::Path) -> serde_json::Value {
    let run = corridor(
        data,
        &[("CORRIDOR_PIN", PIN), ("CORRIDOR_ZONE", "Africa/Johannesburg")],
        &["--json", "remind", "plan", "--days", "400"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn the_plan_of_covert_reminders_reveals_nothing_and_explicit_ones_name_the_appointment() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let env = [("CORRIDOR_PIN", PIN), ("CORRIDOR_ZONE", "Africa/Johannesburg")];
    assert_eq!(corridor(data, &env, &["setup", "--role", "personal"]).code, 0);
    for (kind, at, extra) in [
        ("prep_refill", in_days(5, "09:00"), vec![]),
        (
            "contraceptive_injection",
            in_days(10, "08:00"),
            vec!["--every", "13w", "--count", "4"],
        ),
        ("pep_course", in_days(1, "21:00"), vec![]),
    ] {
        let mut args = vec!["remind", "add", "--kind", kind, "--at", &at];
        args.extend(extra);
        let added = corridor(data, &env, &args);
        assert_eq!(added.code, 0, "{}", added.stderr);
    }
    let covert_plan = plan(data);
    assert!(
        covert_plan["notifications"].as_array().unwrap().len() > 30,
        "the plan is not empty: {covert_plan}"
    );
    let covert = covert_plan.to_string().to_lowercase();
    for word in [
        "prep",
        "hiv",
        "injection",
        "pep",
        "clinic",
        "contracept",
        "pill",
        "dose",
        "health",
    ] {
        assert!(!covert.contains(word), "{word} in the covert plan");
    }
    let explicit = corridor(
        data,
        &env,
        &[
            "remind",
            "add",
            "--kind",
            "hiv_test",
            "--at",
            &in_days(7, "10:00"),
            "--explicit",
        ],
    );
    assert_eq!(explicit.code, 0, "{}", explicit.stderr);
    let with_explicit = plan(data);
    let named: Vec<&serde_json::Value> = with_explicit["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| !n["private_body"].is_null())
        .collect();
    assert!(!named.is_empty());
    assert!(named
        .iter()
        .all(|n| n["private_body"].as_str().unwrap().contains("HIV test")));
    assert!(
        named.iter().all(|n| !n["body"].as_str().unwrap().contains("HIV")),
        "the lock-screen version stays covert"
    );

    let list = corridor(data, &env, &["--json", "remind", "list"]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&list.stdout).unwrap()["reminders"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let bad = corridor(
        data,
        &env,
        &["remind", "add", "--kind", "prep_refill", "--at", "2099-02-30 09:00"],
    );
    assert!(bad.stderr.contains("at"), "{}", bad.stderr);
}

#[test]
fn a_generated_hand_over_payload_imports_into_the_same_reminder() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let env = [("CORRIDOR_PIN", PIN), ("CORRIDOR_ZONE", "Africa/Maputo")];
    assert_eq!(corridor(data, &env, &["setup", "--role", "personal"]).code, 0);
    let generated = corridor(
        &dir.path().join("clinic"),
        &[],
        &[
            "remind",
            "handover",
            "--kind",
            "art_refill",
            "--at",
            "2099-03-04 10:15",
            "--site",
            "42",
        ],
    );
    assert_eq!(generated.code, 0, "{}", generated.stderr);
    let payload = generated.stdout.trim();
    assert!(payload.chars().all(|c| c.is_ascii_digit() || c == '-'), "{payload}");
    let imported = corridor(data, &env, &["--json", "remind", "import-qr", payload]);
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    let reminder: serde_json::Value = serde_json::from_str(&imported.stdout).unwrap();
    assert_eq!(reminder["kind"], "art_refill");
    assert_eq!(reminder["site"], 42);
    assert_eq!(reminder["when"], "2099-03-04T08:15:00+00:00", "10:15 in Maputo");
    let refused = corridor(data, &env, &["remind", "import-qr", "1-05-209903041015-0042-00"]);
    assert!(refused.stderr.contains("does not check out"), "{}", refused.stderr);
}
