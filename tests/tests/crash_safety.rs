//! Quick delete and duress erase, killed with SIGKILL at every crash point in turn: after each
//! kill the directory is reopened and must hold either the intact old state or a clean wiped
//! state, never a profile that exists but cannot be opened.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;

use corridor_core::error::Error;
use corridor_core::pin::Pin;
use corridor_core::runtime::block_on;
use corridor_core::testing::{fast_vault, ManualClock};
use corridor_core::vault::{ProfileSelector, Session, Vault};

const PIN: &str = "482916";
const DURESS: &str = "505050";
const MARKER: &str = "still here";

fn pin(text: &str) -> Pin {
    Pin::normalise(text).unwrap()
}

fn open(dir: &Path) -> Vault {
    fast_vault(dir, ManualClock::new(1_800_000_000)).unwrap()
}

fn unlock(vault: &Vault, text: &str) -> Result<Session, Error> {
    block_on(vault.unlock(pin(text), ProfileSelector::Any))
}

/// A phone with real data and a duress PIN that erases.
fn prepared_phone(dir: &Path) {
    let vault = open(dir);
    let person = block_on(vault.setup_personal(pin(PIN), None)).unwrap();
    person.setting_set("kept", MARKER).unwrap();
    block_on(person.set_duress_pin(pin(PIN), pin(DURESS), true)).unwrap();
}

fn database_files(dir: &Path) -> usize {
    match std::fs::read_dir(dir.join("profiles")) {
        Ok(entries) => entries
            .filter(|entry| entry.as_ref().unwrap().path().extension().is_some_and(|e| e == "db"))
            .count(),
        Err(_) => 0,
    }
}

/// Runs the operation in a child killed at the `n`-th crash point; returns whether it was killed.
fn run_child(dir: &Path, operation: &str, n: u32) -> bool {
    let status = Command::new(env!("CARGO_BIN_EXE_fault-child"))
        .arg(dir)
        .arg(operation)
        .arg(n.to_string())
        .status()
        .unwrap();
    match status.signal() {
        Some(9) => true,
        Some(other) => panic!("the child died of signal {other}"),
        None => {
            assert!(status.success(), "the child failed: {status}");
            false
        }
    }
}

#[test]
fn quick_delete_killed_at_any_point_leaves_the_old_state_or_a_clean_one() {
    let mut kills = 0;
    let mut states = (0, 0);
    for n in 1..50 {
        let dir = tempfile::tempdir().unwrap();
        prepared_phone(dir.path());
        let killed = run_child(dir.path(), "quick-delete", n);
        let vault = open(dir.path());
        if vault.status().unwrap().set_up {
            let session = unlock(&vault, PIN).expect("a set-up profile must open");
            assert_eq!(session.setting_get("kept").unwrap().as_deref(), Some(MARKER));
            states.0 += 1;
        } else {
            assert_eq!(
                database_files(dir.path()),
                0,
                "a wiped directory holds no database (crash point {n})"
            );
            assert!(!dir.path().join("keyslots").exists());
            assert!(matches!(unlock(&vault, PIN), Err(Error::NotSetUp)));
            states.1 += 1;
        }
        if !killed {
            break;
        }
        kills += 1;
    }
    assert!(
        kills >= 4,
        "only {kills} crash points were reached: the test lost its teeth"
    );
    assert!(states.1 >= 1, "never reached the wiped state");
}

#[test]
fn duress_erase_killed_at_any_point_leaves_the_old_state_or_a_clean_one() {
    let mut kills = 0;
    let (mut old, mut erased) = (0, 0);
    for n in 1..50 {
        let dir = tempfile::tempdir().unwrap();
        prepared_phone(dir.path());
        let killed = run_child(dir.path(), "duress", n);
        let vault = open(dir.path());
        let listed = vault.profiles().unwrap().len();
        assert_eq!(listed, 2, "a phone always lists two profiles");
        assert_eq!(
            database_files(dir.path()),
            2,
            "every listed profile has its database, nothing more (crash point {n})"
        );
        // The real PIN first: the duress PIN below would itself erase an old state.
        match unlock(&vault, PIN) {
            Ok(person) => {
                assert_eq!(person.setting_get("kept").unwrap().as_deref(), Some(MARKER));
                old += 1;
            }
            Err(Error::WrongPin { .. }) => erased += 1,
            Err(other) => panic!("after a kill at crash point {n}: {other}"),
        }
        let decoy = unlock(&vault, DURESS).expect("the duress PIN always opens the decoy");
        assert_eq!(decoy.setting_get("kept").unwrap(), None);
        drop(decoy);
        if !killed {
            break;
        }
        kills += 1;
    }
    assert!(
        kills >= 2,
        "only {kills} crash points were reached: the test lost its teeth"
    );
    assert!(old >= 1 && erased >= 1, "old {old}, erased {erased}");
}
