//! The disguise as a person would notice it: the calculator unlocks only with the PIN, the duress
//! PIN opens a harmless decoy (and can erase), quick delete and quick exit.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use corridor_core::disguise::calculator::{parse_keys, NumberFormat};
use corridor_core::disguise::{self, Disguise};
use corridor_core::error::Error;
use corridor_core::pin::Pin;
use corridor_core::platform::{KeyStrengthener, SoftwareKeyStrengthener};
use corridor_core::runtime::block_on;
use corridor_core::secret::SecretKey;
use corridor_core::store::{open_encrypted, profile, OpenMode};
use corridor_core::testing::{fast_vault, raw_files_contain, scan_decrypted, ManualClock};
use corridor_core::vault::{ProfileSelector, Session, Vault, VaultOptions};
use zeroize::Zeroizing;

const PIN: &str = "482916";
const DURESS: &str = "505050";
const START: i64 = 1_800_000_000;

fn pin(text: &str) -> Pin {
    Pin::normalise(text).unwrap()
}

fn unlock(vault: &Vault, text: &str) -> Result<Session, Error> {
    block_on(vault.unlock(pin(text), ProfileSelector::Any))
}

/// Types `keys` into the disguise and awaits any PIN attempt, as the shell would.
fn type_keys(disguise: &Disguise, keys: &str) -> (String, Option<Session>, bool) {
    let mut display = String::new();
    let mut attempted = false;
    for key in parse_keys(keys).unwrap() {
        let press = disguise.press(key);
        display = press.display;
        if let Some(attempt) = press.attempt {
            attempted = true;
            if let Some(session) = block_on(attempt.outcome()) {
                return (display, Some(session), attempted);
            }
        }
    }
    (display, None, attempted)
}

/// Records every call the core makes to the host's key strengthener.
struct RecordingStrengthener {
    inner: SoftwareKeyStrengthener,
    calls: Mutex<Vec<String>>,
}

impl KeyStrengthener for RecordingStrengthener {
    fn strengthen(&self, input: &[u8]) -> corridor_core::Result<Zeroizing<Vec<u8>>> {
        let label: String = input
            .iter()
            .take_while(|byte| **byte != 0)
            .map(|byte| *byte as char)
            .collect();
        self.calls
            .lock()
            .unwrap()
            .push(format!("strengthen {label} ({} bytes)", input.len()));
        self.inner.strengthen(input)
    }

    fn forget(&self) -> corridor_core::Result<()> {
        self.calls.lock().unwrap().push("forget".into());
        self.inner.forget()
    }
}

fn recording_vault(dir: &Path) -> (Vault, Arc<RecordingStrengthener>) {
    let recorder = Arc::new(RecordingStrengthener {
        inner: SoftwareKeyStrengthener::in_data_dir(dir).unwrap(),
        calls: Mutex::new(Vec::new()),
    });
    let vault = Vault::open(
        dir,
        recorder.clone(),
        VaultOptions::testing_insecure(ManualClock::new(START)),
    )
    .unwrap();
    (vault, recorder)
}

#[test]
fn the_calculator_unlocks_with_the_pin_and_is_only_a_calculator_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let vault = fast_vault(dir.path(), ManualClock::new(START)).unwrap();
    block_on(vault.setup_personal(pin(PIN), None))
        .unwrap()
        .setting_set("marker", "real")
        .unwrap();
    let disguise = Disguise::new(vault.clone(), NumberFormat::default());

    let (display, session, attempted) = type_keys(&disguise, "2+3*4=");
    assert_eq!((display.as_str(), session.is_none(), attempted), ("14", true, false));
    let (display, _, attempted) = type_keys(&disguise, "C48291=");
    assert_eq!(display, "48,291");
    assert!(!attempted, "five digits are never a PIN attempt");
    let (display, _, attempted) = type_keys(&disguise, "C4+82916=");
    assert_eq!(display, "82,920");
    assert!(!attempted, "an expression is never a PIN attempt");
    assert_eq!(vault.status().unwrap().failed_attempts, 0);

    let (display, session, attempted) = type_keys(&disguise, "C111111=");
    assert_eq!(
        display, "111,111",
        "a wrong PIN shows the number, as a calculator would"
    );
    assert!(attempted && session.is_none());
    assert_eq!(vault.status().unwrap().failed_attempts, 1, "and counts silently");

    let (display, session, _) = type_keys(&disguise, "C482916=");
    assert_eq!(display, "482,916");
    let session = session.expect("the PIN typed into the calculator opens the profile");
    assert_eq!(session.setting_get("marker").unwrap().as_deref(), Some("real"));
}

#[test]
fn while_the_delay_runs_the_calculator_makes_no_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START);
    let vault = fast_vault(dir.path(), clock.clone()).unwrap();
    block_on(vault.setup_personal(pin(PIN), None)).unwrap();
    let disguise = Disguise::new(vault.clone(), NumberFormat::default());
    for wrong in ["111111", "222222", "333333", "444444", "555555"] {
        type_keys(&disguise, &format!("C{wrong}="));
    }
    assert_eq!(vault.status().unwrap().failed_attempts, 5);
    let (display, session, attempted) = type_keys(&disguise, "C482916=");
    assert_eq!(display, "482,916");
    assert!(!attempted && session.is_none());
    assert_eq!(
        vault.status().unwrap().failed_attempts,
        5,
        "nothing counted during the delay"
    );
    assert_eq!(type_keys(&disguise, "C7*6=").0, "42", "the calculator still works");
    clock.advance(std::time::Duration::from_secs(30));
    assert!(type_keys(&disguise, "C482916=").1.is_some());
}

#[test]
fn the_duress_pin_opens_a_harmless_decoy_and_the_real_pin_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let vault = fast_vault(dir.path(), ManualClock::new(START)).unwrap();
    let person = block_on(vault.setup_personal(pin(PIN), None)).unwrap();
    person.setting_set("client_code", "K7QM-4TX9-B2Q").unwrap();
    assert!(!person.has_duress_pin().unwrap());

    for (duress, reason) in [(PIN, "differ"), ("111111", "repeat")] {
        match block_on(person.set_duress_pin(pin(PIN), pin(duress), false)) {
            Err(Error::InvalidInput {
                field: "duress_pin",
                reason: text,
            }) => assert!(text.contains(reason), "{text}"),
            other => panic!("{duress} accepted: {:?}", other.err()),
        }
    }
    assert!(matches!(
        block_on(person.set_duress_pin(pin("730184"), pin(DURESS), false)),
        Err(Error::WrongPin { .. })
    ));
    block_on(person.set_duress_pin(pin(PIN), pin(DURESS), false)).unwrap();
    assert!(person.has_duress_pin().unwrap());

    let decoy = unlock(&vault, DURESS).unwrap();
    assert_ne!(decoy.profile().id, person.profile().id);
    assert_eq!(
        decoy.profile().role,
        person.profile().role,
        "the decoy looks like any personal profile"
    );
    assert_eq!(decoy.setting_get("client_code").unwrap(), None);
    assert_eq!(
        decoy.setting_keys().unwrap(),
        ["haptics", "sound", "theme"],
        "plausible, harmless settings"
    );
    assert!(!decoy.has_duress_pin().unwrap());
    assert!(matches!(
        block_on(decoy.set_duress_pin(pin(DURESS), pin("730184"), false)),
        Err(Error::WrongPin { .. } | Error::InvalidInput { .. })
    ));

    let again = unlock(&vault, PIN).unwrap();
    assert_eq!(
        again.setting_get("client_code").unwrap().as_deref(),
        Some("K7QM-4TX9-B2Q")
    );

    // Replacing the duress PIN frees the old one; clearing it frees the new one.
    block_on(again.set_duress_pin(pin(PIN), pin("730184"), false)).unwrap();
    assert!(matches!(unlock(&vault, DURESS), Err(Error::WrongPin { .. })));
    assert!(unlock(&vault, "730184").is_ok());
    block_on(again.clear_duress_pin(pin(PIN))).unwrap();
    assert!(matches!(unlock(&vault, "730184"), Err(Error::WrongPin { .. })));
    assert!(!again.has_duress_pin().unwrap());
}

/// Names (ids replaced), count and sizes of every file under a data directory.
fn listing(dir: &Path) -> BTreeMap<String, Vec<u64>> {
    let mut files: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        for entry in std::fs::read_dir(&path).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
                continue;
            }
            let relative = entry.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            let name = relative
                .split('/')
                .map(|part| match part.split_once('.') {
                    Some((stem, rest)) if stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit()) => {
                        format!("ID.{rest}")
                    }
                    _ => part.to_string(),
                })
                .collect::<Vec<_>>()
                .join("/");
            files.entry(name).or_default().push(entry.metadata().unwrap().len());
        }
    }
    for sizes in files.values_mut() {
        sizes.sort();
    }
    files
}

#[test]
fn duress_with_erase_leaves_what_a_decoy_only_user_would_have() {
    // A: the person uses the real profile, sets the duress PIN with erase, then is forced.
    let real_use = tempfile::tempdir().unwrap();
    let (vault, recorder) = recording_vault(real_use.path());
    let person = block_on(vault.setup_personal(pin(PIN), None)).unwrap();
    let markers = ["K7QM-4TX9-B2Q", "PrEP refill 12 March", "assaulted near the depot"];
    for (index, marker) in markers.iter().enumerate() {
        person.setting_set(&format!("note{index}"), marker).unwrap();
    }
    let (old_db, old_key) = person.testing_database().unwrap();
    block_on(person.set_duress_pin(pin(PIN), pin(DURESS), true)).unwrap();
    person.lock();
    drop(person);
    recorder.calls.lock().unwrap().clear();
    let decoy = unlock(&vault, DURESS).expect("the duress PIN opens the decoy");
    decoy.setting_set("theme", "dark").unwrap();
    let calls_a = recorder.calls.lock().unwrap().clone();
    drop(decoy);

    // B: someone who set up the app and only ever used the decoy (no erase ever happened).
    let decoy_only = tempfile::tempdir().unwrap();
    let (vault_b, recorder_b) = recording_vault(decoy_only.path());
    let person_b = block_on(vault_b.setup_personal(pin(PIN), None)).unwrap();
    block_on(person_b.set_duress_pin(pin(PIN), pin(DURESS), false)).unwrap();
    drop(person_b);
    recorder_b.calls.lock().unwrap().clear();
    let decoy_b = unlock(&vault_b, DURESS).unwrap();
    decoy_b.setting_set("theme", "dark").unwrap();
    let calls_b = recorder_b.calls.lock().unwrap().clone();
    drop(decoy_b);

    assert_eq!(calls_a, calls_b, "the host saw the same calls");
    assert_eq!(
        calls_a,
        [
            "strengthen corridor/pin/v1 (48 bytes)",
            "strengthen corridor/device/v1 (31 bytes)"
        ],
        "one call for the PIN, one for the device store (the decoy's locked plan), no forget"
    );
    assert_eq!(
        listing(real_use.path()),
        listing(decoy_only.path()),
        "the file listing gives the erase away"
    );

    // The real profile is gone for good.
    assert!(matches!(unlock(&vault, PIN), Err(Error::WrongPin { .. })));
    assert!(!old_db.exists());
    for entry in std::fs::read_dir(real_use.path().join("profiles")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|extension| extension == "db") {
            assert!(
                open_encrypted(&path, &old_key, OpenMode::MustExist, &profile::SCHEMA).is_err(),
                "the old data key opens {}",
                path.display()
            );
            assert!(!scan_decrypted(&path, &old_key).unwrap().contains(markers[0].as_bytes()));
        }
    }
    for marker in markers {
        assert!(raw_files_contain(real_use.path(), marker).unwrap().is_empty());
    }

    // A later duress unlock is a plain decoy unlock: nothing more changes.
    let keyslots = std::fs::read(real_use.path().join("keyslots")).unwrap();
    assert!(unlock(&vault, DURESS).is_ok());
    assert_eq!(std::fs::read(real_use.path().join("keyslots")).unwrap(), keyslots);
}

#[test]
fn quick_delete_erases_everything_without_a_pin_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let (vault, recorder) = recording_vault(dir.path());
    let session = block_on(vault.setup_personal(pin(PIN), None)).unwrap();
    session.setting_set("note", "QUICK-DELETE-MARKER").unwrap();
    let (db, key) = session.testing_database().unwrap();
    let device_secret = std::fs::read(dir.path().join("device.secret")).unwrap();
    assert_eq!(vault.pending_session_uploads().unwrap(), 0);

    vault.quick_delete().unwrap();
    assert!(session.is_locked(), "live sessions lose their keys");
    assert!(!vault.status().unwrap().set_up);
    assert!(matches!(unlock(&vault, PIN), Err(Error::NotSetUp)));
    assert!(!db.exists());
    let remaining: Vec<String> = listing(dir.path()).into_keys().collect();
    assert_eq!(
        remaining,
        [".data", ".lock", "device.secret"],
        "only the directory's marker, the lock file and a fresh device key remain"
    );
    assert_ne!(
        std::fs::read(dir.path().join("device.secret")).unwrap(),
        device_secret,
        "the device key was replaced"
    );
    assert!(recorder.calls.lock().unwrap().iter().any(|call| call == "forget"));
    let _ = key;

    vault.quick_delete().unwrap();
    // The directory can be set up again afterwards.
    assert!(block_on(vault.setup_personal(pin(PIN), None)).is_ok());
}

#[test]
fn quick_delete_on_a_tablet_erases_every_educator_and_says_what_would_be_lost() {
    let dir = tempfile::tempdir().unwrap();
    let vault = fast_vault(dir.path(), ManualClock::new(START)).unwrap();
    block_on(vault.setup_educator("Thandi".into(), pin(PIN))).unwrap();
    block_on(vault.setup_educator("Maria".into(), pin("730184"))).unwrap();
    let session_upload = corridor_core::sync::wire::SessionSubmission {
        session_id: corridor_core::sync::wire::Uuid::new_v4(),
        site: "beitbridge".into(),
        sealed: vec![9; 65_600],
    };
    let request = corridor_core::sync::PreparedRequest::session(&session_upload).unwrap();
    use corridor_core::sync::outbox;
    vault
        .device_store()
        .unwrap()
        .transaction(|connection| {
            outbox::enqueue(
                connection,
                outbox::KIND_SESSION,
                &request,
                outbox::OutboxAuth::Account,
                START,
            )
        })
        .unwrap();
    assert_eq!(vault.pending_session_uploads().unwrap(), 1);
    vault.quick_delete().unwrap();
    assert!(vault.profiles().unwrap().is_empty());
    assert_eq!(vault.pending_session_uploads().unwrap(), 0);
}

#[test]
fn quick_exit_locks_every_open_profile_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let vault = fast_vault(dir.path(), ManualClock::new(START)).unwrap();
    let first = block_on(vault.setup_personal(pin(PIN), None)).unwrap();
    let second = unlock(&vault, PIN).unwrap();
    vault.lock_all_sessions();
    assert!(first.is_locked() && second.is_locked());
    assert!(matches!(second.setting_get("x"), Err(Error::Locked)));
}

#[test]
fn the_wipe_after_failures_uses_the_same_crypto_erase() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START);
    let vault = fast_vault(dir.path(), clock.clone()).unwrap();
    let session = block_on(vault.setup_personal(pin(PIN), None)).unwrap();
    session.set_wipe_after_failures(Some(5)).unwrap();
    let secret = std::fs::read(dir.path().join("device.secret")).unwrap();
    for wrong in ["111111", "222222", "333333", "444444", "555555"] {
        clock.advance(std::time::Duration::from_secs(3600));
        let _ = unlock(&vault, wrong);
    }
    assert!(session.is_locked());
    assert!(!vault.status().unwrap().set_up);
    assert_ne!(std::fs::read(dir.path().join("device.secret")).unwrap(), secret);
}

#[test]
fn covers_are_data_and_the_chosen_one_is_read_without_the_pin() {
    let dir = tempfile::tempdir().unwrap();
    let vault = fast_vault(dir.path(), ManualClock::new(START)).unwrap();
    assert_eq!(disguise::current_cover(&vault).unwrap().id, "calculator");
    let session = block_on(vault.setup_personal(pin(PIN), None)).unwrap();
    disguise::choose_cover(&session, "budget").unwrap();
    assert!(matches!(
        disguise::choose_cover(&session, "nope"),
        Err(Error::InvalidInput { .. })
    ));
    drop(session);
    let reopened = fast_vault(dir.path(), ManualClock::new(START)).unwrap();
    assert_eq!(disguise::current_cover(&reopened).unwrap().app_label, "Budget");
    let _ = SecretKey::LEN;
}

#[test]
fn a_damaged_device_store_neither_locks_the_person_out_nor_disarms_the_wipe() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START);
    let vault = fast_vault(dir.path(), clock.clone()).unwrap();
    let session = block_on(vault.setup_personal(pin(PIN), None)).unwrap();
    session.setting_set("kept", "yes").unwrap();
    session.set_wipe_after_failures(Some(5)).unwrap();
    drop(session);
    std::fs::write(dir.path().join("device.db"), b"not a database any more".repeat(300)).unwrap();
    let opened = unlock(&vault, PIN).expect("the right PIN still opens the profile");
    assert_eq!(opened.setting_get("kept").unwrap().as_deref(), Some("yes"));
    drop(opened);
    for wrong in ["111111", "222222", "333333", "444444", "555555"] {
        clock.advance(std::time::Duration::from_secs(3600));
        let _ = unlock(&vault, wrong);
    }
    assert!(
        !vault.status().unwrap().set_up,
        "the wipe happened although the device store was damaged"
    );
}

#[test]
fn erasing_cancels_every_notification_the_host_holds() {
    use corridor_core::reminders::plan::{NotificationScheduler, PlannedNotification};
    use corridor_core::reminders::{ReminderBook, ReminderText};
    #[derive(Default)]
    struct Host(Mutex<Vec<String>>);
    impl NotificationScheduler for Host {
        fn schedule(&self, notification: &PlannedNotification) -> corridor_core::Result<()> {
            self.0.lock().unwrap().push(notification.id.clone());
            Ok(())
        }
        fn cancel(&self, id: &str) -> corridor_core::Result<()> {
            self.0.lock().unwrap().retain(|held| held != id);
            Ok(())
        }
        fn pending(&self) -> corridor_core::Result<Option<Vec<String>>> {
            Ok(Some(self.0.lock().unwrap().clone()))
        }
        fn max_pending(&self) -> u32 {
            64
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let vault = fast_vault(dir.path(), ManualClock::new(START)).unwrap();
    let host = Arc::new(Host::default());
    vault.set_notification_scheduler(host.clone());
    let session = block_on(vault.setup_personal(pin(PIN), None)).unwrap();
    let book = ReminderBook::new(session);
    let at = chrono::DateTime::from_timestamp(START + 3 * 86_400, 0)
        .unwrap()
        .format("%Y-%m-%d 09:00")
        .to_string();
    let text = ReminderText {
        kind: "hiv_test".into(),
        at,
        zone: "Africa/Maputo".into(),
        explicit: true,
        ..Default::default()
    };
    book.add(&text.parse().unwrap()).unwrap();
    book.reconcile(host.as_ref()).unwrap();
    assert_eq!(host.0.lock().unwrap().len(), 2);
    vault.quick_delete().unwrap();
    assert!(
        host.0.lock().unwrap().is_empty(),
        "nothing may fire after a quick delete"
    );
}
