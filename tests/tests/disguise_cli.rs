//! The calculator disguise, the duress PIN and quick delete through the `corridor` CLI.

use std::process::Command;

use corridor_core::disguise::calculator::REFERENCE_SEQUENCES;
use corridor_tests::{corridor, corridor_binary, corridor_with_stdin};

const PIN: &str = "482916";
const DURESS: &str = "505050";

fn calc_json(dir: &std::path::Path, keys: &str) -> serde_json::Value {
    let run = corridor(dir, &[], &["--json", "calc", "--keys", keys]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(run.stdout.trim()).unwrap()
}

#[test]
fn corridor_calc_agrees_with_the_reference_table() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("no-profile");
    for (keys, expected) in REFERENCE_SEQUENCES {
        let run = corridor(&data, &[], &["calc", "--keys", keys]);
        assert_eq!(run.code, 0, "{keys}: {}", run.stderr);
        assert_eq!(run.stdout.trim_end_matches('\n'), *expected, "keys {keys}");
    }
    assert!(!data.exists(), "a calculator with no profile creates nothing");
    let bad = corridor(&data, &[], &["calc", "--keys", "12a"]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("keys"), "{}", bad.stderr);
}

#[test]
fn the_pin_typed_into_calc_unlocks_without_corridor_pin() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert_eq!(
        corridor(data, &[("CORRIDOR_PIN", PIN)], &["setup", "--role", "personal"]).code,
        0
    );
    let wrong = calc_json(data, "111111=");
    assert_eq!(wrong["display"], "111,111");
    assert_eq!(wrong["unlocked"], false);
    let right = calc_json(data, "482916=");
    assert_eq!(right["display"], "482,916");
    assert_eq!(right["unlocked"], true);
    let sum = calc_json(data, "12+30=");
    assert_eq!(sum, serde_json::json!({"display": "42", "unlocked": false}));
    let text = corridor(data, &[], &["calc", "--keys", "12+30="]);
    assert_eq!(text.stdout.trim(), "42");
}

#[test]
fn duress_with_erase_from_the_cli_makes_no_network_call() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let pin = [("CORRIDOR_PIN", PIN)];
    assert_eq!(corridor(data, &pin, &["setup", "--role", "personal"]).code, 0);
    assert_eq!(
        corridor(data, &pin, &["settings", "set", "code", "K7QM-4TX9-B2Q"]).code,
        0
    );
    let same = corridor(
        data,
        &[("CORRIDOR_PIN", PIN), ("CORRIDOR_DURESS_PIN", PIN)],
        &["duress", "set", "--erase"],
    );
    assert!(same.stderr.contains("differ"), "{}", same.stderr);
    let set = corridor(
        data,
        &[("CORRIDOR_PIN", PIN), ("CORRIDOR_DURESS_PIN", DURESS)],
        &["duress", "set", "--erase"],
    );
    assert_eq!(set.code, 0, "{}", set.stderr);

    // The duress PIN through the calculator, watched for network system calls.
    let trace = dir.path().join("trace.txt");
    let traced = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=socket,connect,sendto", "-o"])
        .arg(&trace)
        .arg(corridor_binary())
        .arg("--data-dir")
        .arg(data)
        .args(["--json", "calc", "--keys", &format!("{DURESS}=")])
        .env_remove("CORRIDOR_PIN")
        .output()
        .expect("strace is installed by scripts/install-deps.sh");
    assert!(traced.status.success(), "{}", String::from_utf8_lossy(&traced.stderr));
    let body: serde_json::Value = serde_json::from_slice(&traced.stdout).unwrap();
    assert_eq!(body["unlocked"], true, "the duress PIN opens the decoy");
    let calls = std::fs::read_to_string(&trace).unwrap();
    for family in ["AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET"] {
        assert!(!calls.contains(family), "a network call during duress: {calls}");
    }

    let real = calc_json(data, &format!("{PIN}="));
    assert_eq!(real["unlocked"], false, "the real profile is erased");
    let decoy_settings = corridor(data, &[("CORRIDOR_PIN", DURESS)], &["settings", "list"]);
    assert!(!decoy_settings.stdout.contains("code"), "{}", decoy_settings.stdout);
}

#[test]
fn quick_delete_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert_eq!(
        corridor(data, &[("CORRIDOR_PIN", PIN)], &["setup", "--role", "personal"]).code,
        0
    );
    let dry = corridor(data, &[], &["wipe"]);
    assert!(
        dry.stdout.contains("--now") && dry.stdout.contains("0 items not yet sent"),
        "{}",
        dry.stdout
    );
    assert!(corridor(data, &[], &["--json", "status"])
        .stdout
        .contains("\"set_up\":true"));
    let wipe = corridor(data, &[], &["wipe", "--now"]);
    assert_eq!(wipe.code, 0, "{}", wipe.stderr);
    assert!(corridor(data, &[], &["--json", "status"])
        .stdout
        .contains("\"set_up\":false"));
    assert_eq!(corridor(data, &[], &["wipe", "--now"]).code, 0, "idempotent");
    assert_eq!(calc_json(data, &format!("{PIN}="))["unlocked"], false);
}

#[test]
fn the_interactive_calculator_opens_the_app_with_the_pin() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert_eq!(
        corridor(data, &[("CORRIDOR_PIN", PIN)], &["setup", "--role", "personal"]).code,
        0
    );
    assert_eq!(
        corridor(data, &[("CORRIDOR_PIN", PIN)], &["settings", "set", "lang", "pt"]).code,
        0
    );
    let output = corridor_with_stdin(data, &["calc"], b"6*7=\nC111111=\nC482916=\nsettings get lang\nquit\n");
    let text = output.stdout;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(&lines[..4], ["0", "42", "111,111", "482,916"], "{text}");
    assert!(lines[4].starts_with("unlocked the personal profile"), "{text}");
    assert!(text.contains("corridor> pt"), "the app opened on the profile: {text}");
}

#[test]
fn an_interrupted_quick_delete_is_finished_by_the_next_command() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert_eq!(
        corridor(data, &[("CORRIDOR_PIN", PIN)], &["setup", "--role", "personal"]).code,
        0
    );
    // As if the process died right after the erase's commit point.
    std::fs::rename(data.join("keyslots"), data.join("keyslots.erasing")).unwrap();
    let status = corridor(data, &[], &["--json", "status"]);
    assert!(status.stdout.contains("\"set_up\":false"), "{}", status.stdout);
    assert!(
        !data.join("keyslots.erasing").exists(),
        "the wrapped keys are destroyed"
    );
    let databases = std::fs::read_dir(data.join("profiles")).unwrap().count();
    assert_eq!(databases, 0, "the databases are gone");
    assert_eq!(
        corridor(data, &[("CORRIDOR_PIN", PIN)], &["setup", "--role", "personal"]).code,
        0
    );
}

#[test]
fn pointing_the_cli_at_another_directory_deletes_nothing_there() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    std::fs::write(data.join("device.db"), b"someone else's file").unwrap();
    std::fs::create_dir(data.join("profiles")).unwrap();
    std::fs::write(
        data.join("profiles").join(format!("{}.db", "ab".repeat(16))),
        b"not ours",
    )
    .unwrap();
    assert_eq!(corridor(data, &[], &["status"]).code, 0);
    assert_eq!(corridor(data, &[], &["calc", "--keys", "1+1="]).stdout.trim(), "2");
    assert!(data.join("device.db").exists());
    assert!(data.join("profiles").join(format!("{}.db", "ab".repeat(16))).exists());
}

#[test]
fn keys_read_from_standard_input_unlock_without_showing_in_the_process_list() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert_eq!(
        corridor(data, &[("CORRIDOR_PIN", PIN)], &["setup", "--role", "personal"]).code,
        0
    );
    let output = corridor_with_stdin(data, &["--json", "calc", "--keys", "-"], format!("{PIN}=\n").as_bytes());
    let body: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(body["unlocked"], true);
}
