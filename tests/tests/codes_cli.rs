//! Client codes and the recovery kit through the `corridor` CLI.

use corridor_tests::corridor;

const PIN: &str = "482916";

#[test]
fn clinic_codes_are_fresh_valid_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("clinic");
    let new = corridor(&data, &[], &["code", "new", "--count", "50"]);
    assert_eq!(new.code, 0, "{}", new.stderr);
    let codes: Vec<&str> = new.stdout.lines().collect();
    assert_eq!(codes.len(), 50);
    assert_eq!(codes.iter().collect::<std::collections::HashSet<_>>().len(), 50);
    for code in codes.iter().take(10) {
        let check = corridor(&data, &[], &["code", "check", &code.to_lowercase().replace('-', " ")]);
        assert_eq!((check.code, check.stdout.trim()), (0, *code));
        // Swap two neighbours that differ: always caught.
        let mut chars: Vec<char> = code.replace('-', "").chars().collect();
        if let Some(i) = (0..chars.len() - 1).find(|&i| chars[i] != chars[i + 1]) {
            chars.swap(i, i + 1);
            let swapped: String = chars.iter().collect();
            let refused = corridor(&data, &[], &["code", "check", &swapped]);
            assert_eq!(refused.code, 1);
            assert!(
                refused.stderr.contains("mistyped or two are swapped"),
                "{}",
                refused.stderr
            );
        }
    }
    let outside = corridor(&data, &[], &["code", "check", "K7QM-4TX9-B2U"]);
    assert!(
        outside.stderr.contains("character 13 is not used"),
        "{}",
        outside.stderr
    );
    assert!(!outside.stderr.contains("B2U"), "the code is not echoed");
    assert!(corridor(&data, &[], &["code", "check", "K7QM-4TX9"])
        .stderr
        .contains("11 characters, not 8"));
    assert!(!data.exists(), "clinic tools create nothing");
}

#[test]
fn the_profile_code_shows_as_text_qr_and_svg_and_adopts_a_card() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let setup = corridor(
        data,
        &[("CORRIDOR_PIN", PIN)],
        &["setup", "--role", "personal", "--code", "k7qm 4tx9 b2q"],
    );
    assert_eq!(setup.code, 0, "{}", setup.stderr);
    let svg = dir.path().join("code.svg");
    let shown = corridor(
        data,
        &[("CORRIDOR_PIN", PIN)],
        &["code", "show", "--qr", "--svg", svg.to_str().unwrap()],
    );
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert_eq!(shown.stdout.lines().last(), Some("K7QM-4TX9-B2Q"));
    assert!(shown.stdout.contains('▀') || shown.stdout.contains('▄'));
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
    let bad = corridor(data, &[("CORRIDOR_PIN", PIN)], &["code", "adopt", "K7QM-4TX9-B2K"]);
    assert_ne!(bad.code, 0);
    let bad_setup = corridor(
        &dir.path().join("other"),
        &[("CORRIDOR_PIN", PIN)],
        &["setup", "--role", "personal", "--code", "K7QM"],
    );
    assert!(bad_setup.stderr.contains("11 characters"), "{}", bad_setup.stderr);
}

#[test]
fn backup_export_and_restore_on_a_new_phone() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old");
    let new = dir.path().join("new");
    let pin = [("CORRIDOR_PIN", PIN)];
    assert_eq!(corridor(&old, &pin, &["setup", "--role", "personal"]).code, 0);
    let code = corridor(&old, &pin, &["code", "show"]).stdout.trim().to_string();
    assert_eq!(corridor(&old, &pin, &["settings", "set", "language", "sn"]).code, 0);
    let file = dir.path().join("backup.bin");
    let early = corridor(&old, &pin, &["backup", "export", file.to_str().unwrap()]);
    assert!(early.stderr.contains("recovery kit"), "{}", early.stderr);
    let kit = corridor(&old, &pin, &["--json", "recovery", "create"]);
    let secret = serde_json::from_str::<serde_json::Value>(&kit.stdout).unwrap()["recovery_secret"]
        .as_str()
        .unwrap()
        .to_string();
    let unconfirmed = corridor(&old, &pin, &["backup", "export", file.to_str().unwrap()]);
    assert!(unconfirmed.stderr.contains("confirm"), "{}", unconfirmed.stderr);
    let confirm = corridor(
        &old,
        &[("CORRIDOR_PIN", PIN), ("CORRIDOR_RECOVERY", &secret)],
        &["recovery", "confirm"],
    );
    assert_eq!(confirm.code, 0, "{}", confirm.stderr);
    assert_eq!(
        corridor(&old, &pin, &["backup", "export", file.to_str().unwrap()]).code,
        0
    );

    let other_secret = {
        let another = dir.path().join("another");
        assert_eq!(corridor(&another, &pin, &["setup", "--role", "personal"]).code, 0);
        let kit = corridor(&another, &pin, &["--json", "recovery", "create"]);
        serde_json::from_str::<serde_json::Value>(&kit.stdout).unwrap()["recovery_secret"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let wrong = corridor(
        &new,
        &[("CORRIDOR_RECOVERY", &other_secret), ("CORRIDOR_PIN", "730184")],
        &["backup", "restore", file.to_str().unwrap()],
    );
    assert_ne!(wrong.code, 0);
    assert!(wrong.stderr.contains("does not open this backup"), "{}", wrong.stderr);
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2 + 30;
    bytes[middle] ^= 1;
    let tampered = dir.path().join("tampered.bin");
    std::fs::write(&tampered, &bytes).unwrap();
    let altered = corridor(
        &new,
        &[("CORRIDOR_RECOVERY", &secret), ("CORRIDOR_PIN", "730184")],
        &["backup", "restore", tampered.to_str().unwrap()],
    );
    assert!(altered.stderr.contains("altered"), "{}", altered.stderr);
    assert!(corridor(&new, &[], &["--json", "status"])
        .stdout
        .contains("\"set_up\":false"));

    let restored = corridor(
        &new,
        &[
            ("CORRIDOR_RECOVERY", &secret.to_lowercase()),
            ("CORRIDOR_PIN", "730184"),
        ],
        &["backup", "restore", file.to_str().unwrap()],
    );
    assert_eq!(restored.code, 0, "{}", restored.stderr);
    let new_pin = [("CORRIDOR_PIN", "730184")];
    assert_eq!(corridor(&new, &new_pin, &["code", "show"]).stdout.trim(), code);
    assert_eq!(
        corridor(&new, &new_pin, &["settings", "get", "language"]).stdout.trim(),
        "sn"
    );
}
