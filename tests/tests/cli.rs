//! The `corridor` CLI end to end, each command a separate process, as a script would use it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use corridor_core::testing::raw_files_contain;
use corridor_tests::{corridor, corridor_binary};

const PIN: &str = "482916";

fn with_pin(pin: &str) -> [(&'static str, &str); 1] {
    [("CORRIDOR_PIN", pin)]
}

#[test]
fn setup_unlock_status_and_a_persistent_wrong_pin_counter() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let setup = corridor(data, &with_pin(PIN), &["setup", "--role", "personal"]);
    assert_eq!(setup.code, 0, "{}", setup.stderr);

    let unlock = corridor(data, &with_pin(PIN), &["unlock"]);
    assert_eq!(unlock.code, 0, "{}", unlock.stderr);
    assert!(
        unlock.stdout.contains("unlocked the personal profile"),
        "{}",
        unlock.stdout
    );

    let status = corridor(data, &[], &["status"]);
    assert_eq!(status.code, 0);
    assert!(status.stdout.contains("personal phone"), "{}", status.stdout);

    let wrong = corridor(data, &with_pin("111111"), &["unlock"]);
    assert_ne!(wrong.code, 0);
    assert_eq!(wrong.stderr.trim(), "corridor: wrong PIN: 4 attempts left");
    let wrong_again = corridor(data, &with_pin("111111"), &["unlock"]);
    assert_eq!(
        wrong_again.stderr.trim(),
        "corridor: wrong PIN: 3 attempts left",
        "the counter persists"
    );

    let json = corridor(data, &[], &["--json", "status"]);
    let body: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(body["failed_attempts"], 2);
    assert_eq!(body["kind"], "personal");
    assert_eq!(body["profiles"].as_array().unwrap().len(), 2);

    let json_error = corridor(data, &with_pin("111112"), &["--json", "unlock"]);
    assert_eq!(json_error.code, 3);
    let error: serde_json::Value = serde_json::from_str(json_error.stderr.trim()).unwrap();
    assert_eq!(error["error"], "wrong_pin");
    assert_eq!(error["attempts_left"], 2);

    assert_eq!(corridor(data, &with_pin(PIN), &["unlock"]).code, 0);
    let reset: serde_json::Value = serde_json::from_str(&corridor(data, &[], &["--json", "status"]).stdout).unwrap();
    assert_eq!(reset["failed_attempts"], 0, "a right PIN resets the counter");
}

#[test]
fn settings_round_trip_and_markers_appear_in_no_file_in_any_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert_eq!(corridor(data, &with_pin(PIN), &["setup", "--role", "personal"]).code, 0);
    let markers = [
        "QUAGGA-MARKER-5521",
        "Nomvula Khumalo +27821234567",
        "PEP started at Beitbridge clinic",
    ];
    for (index, marker) in markers.iter().enumerate() {
        let set = corridor(
            data,
            &with_pin(PIN),
            &["settings", "set", &format!("marker{index}"), marker],
        );
        assert_eq!(set.code, 0, "{}", set.stderr);
    }
    let got = corridor(data, &with_pin(PIN), &["settings", "get", "marker1"]);
    assert_eq!(got.stdout.trim(), markers[1]);
    let list = corridor(data, &with_pin(PIN), &["settings", "list"]);
    assert_eq!(
        list.stdout.lines().collect::<Vec<_>>(),
        ["marker0", "marker1", "marker2"]
    );
    for marker in markers {
        assert_eq!(
            raw_files_contain(data, marker).unwrap(),
            Vec::<String>::new(),
            "{marker} found on disk"
        );
    }
    // The wrong PIN reads nothing, and says so.
    let wrong = corridor(data, &with_pin("730184"), &["settings", "get", "marker1"]);
    assert_ne!(wrong.code, 0);
    assert!(!wrong.stdout.contains(markers[1]));
    let missing = corridor(data, &with_pin(PIN), &["settings", "get", "nothing.here"]);
    assert_ne!(missing.code, 0);
    assert!(missing.stderr.contains("not set"), "{}", missing.stderr);
}

#[test]
fn change_the_pin_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert_eq!(corridor(data, &with_pin(PIN), &["setup", "--role", "personal"]).code, 0);
    assert_eq!(
        corridor(data, &with_pin(PIN), &["settings", "set", "lang", "sn"]).code,
        0
    );
    let weak = corridor(
        data,
        &[("CORRIDOR_PIN", PIN), ("CORRIDOR_NEW_PIN", "222222")],
        &["pin", "change"],
    );
    assert_ne!(weak.code, 0);
    assert!(weak.stderr.contains("repeat"), "{}", weak.stderr);
    let change = corridor(
        data,
        &[("CORRIDOR_PIN", PIN), ("CORRIDOR_NEW_PIN", "730184")],
        &["pin", "change"],
    );
    assert_eq!(change.code, 0, "{}", change.stderr);
    assert_ne!(corridor(data, &with_pin(PIN), &["unlock"]).code, 0);
    assert_eq!(
        corridor(data, &with_pin("730184"), &["settings", "get", "lang"])
            .stdout
            .trim(),
        "sn"
    );
}

#[test]
fn a_shared_tablet_with_two_educators() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert_eq!(
        corridor(
            data,
            &with_pin(PIN),
            &["setup", "--role", "educator", "--name", "Thandi"]
        )
        .code,
        0
    );
    assert_eq!(
        corridor(
            data,
            &with_pin("730184"),
            &["setup", "--role", "educator", "--name", "Maria"]
        )
        .code,
        0
    );
    let no_name = corridor(data, &with_pin(PIN), &["setup", "--role", "educator"]);
    assert!(no_name.stderr.contains("--name"), "{}", no_name.stderr);
    let phone_on_tablet = corridor(data, &with_pin(PIN), &["setup", "--role", "personal"]);
    assert_ne!(phone_on_tablet.code, 0);

    let status = corridor(data, &[], &["status"]);
    assert!(
        status.stdout.contains("shared tablet with 2 educator profiles"),
        "{}",
        status.stdout
    );
    assert!(status.stdout.contains("Thandi") && status.stdout.contains("Maria"));

    let unlock = corridor(data, &with_pin("730184"), &["--profile", "maria", "unlock"]);
    assert_eq!(unlock.code, 0, "{}", unlock.stderr);
    assert!(unlock.stdout.contains("\"Maria\""), "{}", unlock.stdout);
    let wrong_profile = corridor(data, &with_pin("730184"), &["--profile", "Thandi", "unlock"]);
    assert_eq!(wrong_profile.code, 3, "Maria's PIN must not open Thandi's profile");
    let unchosen = corridor(data, &with_pin(PIN), &["unlock"]);
    assert!(unchosen.stderr.contains("--profile"), "{}", unchosen.stderr);
}

#[test]
fn commands_on_an_empty_directory_explain_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("never-created");
    let status = corridor(&data, &[], &["status"]);
    assert_eq!(status.code, 0);
    assert!(status.stdout.contains("not set up"));
    assert!(!data.exists(), "status must not create the directory");
    let unlock = corridor(&data, &with_pin(PIN), &["unlock"]);
    assert_eq!(unlock.code, 4);
    assert_eq!(
        unlock.stderr.trim(),
        "corridor: no profile is set up in this data directory"
    );
    let weak = corridor(&data, &with_pin("123456"), &["setup", "--role", "personal"]);
    assert!(weak.stderr.contains("counting up"), "{}", weak.stderr);
    let letters = corridor(&data, &with_pin("48x916"), &["setup", "--role", "personal"]);
    assert!(letters.stderr.contains("digits only"), "{}", letters.stderr);
}

#[test]
fn acknowledged_settings_survive_kill_minus_nine() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert_eq!(corridor(data, &with_pin(PIN), &["setup", "--role", "personal"]).code, 0);
    let mut acknowledged = Vec::new();
    for round in 0..3 {
        let mut shell = Command::new(corridor_binary())
            .arg("--data-dir")
            .arg(data)
            .arg("shell")
            .env("CORRIDOR_PIN", PIN)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut input = shell.stdin.take().unwrap();
        let mut output = BufReader::new(shell.stdout.take().unwrap());
        let mut line = String::new();
        output.read_line(&mut line).unwrap();
        assert!(line.contains("unlocked"), "{line}");
        for item in 0..25 {
            let key = format!("round{round}.item{item}");
            writeln!(input, "settings set {key} value of {key}").unwrap();
            input.flush().unwrap();
            line.clear();
            output.read_line(&mut line).unwrap();
            if line.contains(&format!("saved {key}")) {
                acknowledged.push(key);
            }
        }
        // One more write in flight, then the battery is pulled.
        writeln!(input, "settings set round{round}.in-flight maybe").unwrap();
        shell.kill().unwrap();
        shell.wait().unwrap();
    }
    assert_eq!(acknowledged.len(), 75);
    let list = corridor(data, &with_pin(PIN), &["settings", "list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    let stored: Vec<&str> = list.stdout.lines().collect();
    for key in &acknowledged {
        assert!(stored.contains(&key.as_str()), "{key} was acknowledged and then lost");
    }
}

/// Runs a shell script inside a new user and mount namespace, where it may mount a small tmpfs
/// without real root. The namespace vanishes with the script.
fn in_mount_namespace(script: &str) -> std::process::Output {
    let probe = Command::new("unshare").args(["-Urm", "true"]).status();
    if !matches!(probe, Ok(status) if status.success()) {
        assert!(
            std::env::var_os("CORRIDOR_SKIP_NAMESPACE_TESTS").is_some(),
            "this test needs `unshare -Urm` (util-linux, user namespaces); set CORRIDOR_SKIP_NAMESPACE_TESTS=1 to skip it knowingly"
        );
    }
    Command::new("unshare")
        .args(["-Urm", "sh", "-eu", "-c", script])
        .output()
        .unwrap()
}

#[test]
fn a_read_only_data_directory_gives_a_clear_error_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert_eq!(
        corridor(&data, &with_pin(PIN), &["setup", "--role", "personal"]).code,
        0
    );
    assert_eq!(
        corridor(&data, &with_pin(PIN), &["settings", "set", "kept", "yes"]).code,
        0
    );
    let script = format!(
        "mount --bind '{data}' '{data}'; mount -o remount,bind,ro '{data}';
         CORRIDOR_PIN={PIN} '{bin}' --data-dir '{data}' settings set new value 2>&1 || echo \"exit=$?\"",
        data = data.display(),
        bin = corridor_binary().display()
    );
    let output = in_mount_namespace(&script);
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() && std::env::var_os("CORRIDOR_SKIP_NAMESPACE_TESTS").is_some() {
        return;
    }
    assert!(
        text.contains("read-only"),
        "{text} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("exit="), "{text}");
    assert_eq!(
        corridor(&data, &with_pin(PIN), &["settings", "get", "kept"])
            .stdout
            .trim(),
        "yes"
    );
    assert_eq!(corridor(&data, &[], &["--json", "status"]).code, 0);
}

#[test]
fn a_full_disk_gives_a_clear_error_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mount_point = dir.path().join("small");
    std::fs::create_dir(&mount_point).unwrap();
    let script = format!(
        "mount -t tmpfs -o size=2m tmpfs '{mnt}'; D='{mnt}/data'; C='{bin}'
         CORRIDOR_PIN={PIN} \"$C\" --data-dir \"$D\" setup --role personal >/dev/null
         CORRIDOR_PIN={PIN} \"$C\" --data-dir \"$D\" settings set kept yes >/dev/null
         dd if=/dev/zero of='{mnt}/filler' bs=4k 2>/dev/null || true
         big=$(head -c 60000 /dev/zero | tr '\\0' x)
         CORRIDOR_PIN={PIN} \"$C\" --data-dir \"$D\" settings set big \"$big\" 2>&1 || echo \"exit=$?\"
         rm '{mnt}/filler'
         echo after: $(CORRIDOR_PIN={PIN} \"$C\" --data-dir \"$D\" settings get kept)
         CORRIDOR_PIN={PIN} \"$C\" --data-dir \"$D\" settings set later fine >/dev/null && echo writable-again",
        mnt = mount_point.display(),
        bin = corridor_binary().display()
    );
    let output = in_mount_namespace(&script);
    if !output.status.success() && std::env::var_os("CORRIDOR_SKIP_NAMESPACE_TESTS").is_some() {
        return;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("no space left"),
        "{text} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("exit="), "{text}");
    assert!(text.contains("after: yes"), "data was lost: {text}");
    assert!(text.contains("writable-again"), "{text}");
}
