//! The vault as a person would notice it: setup, unlock, wrong PINs, delays, wipe, change PIN,
//! auto-lock, tablets, and what a forensic copy of the files shows.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use corridor_core::error::Error;
use corridor_core::pin::Pin;
use corridor_core::platform::{KeyStrengthener, SoftwareKeyStrengthener};
use corridor_core::runtime::block_on;
use corridor_core::testing::{fast_vault, raw_files_contain, scan_decrypted, ManualClock};
use corridor_core::vault::{DirectoryKind, ProfileRole, ProfileSelector, Session, Vault, VaultOptions};
use zeroize::Zeroizing;

const PIN: &str = "482916";
const START: i64 = 1_800_000_000;

fn pin(text: &str) -> Pin {
    Pin::normalise(text).unwrap()
}

fn personal(dir: &Path) -> (Vault, Arc<ManualClock>, Session) {
    let clock = ManualClock::new(START);
    let vault = fast_vault(dir, clock.clone()).unwrap();
    let session = block_on(vault.setup_personal(pin(PIN), None)).unwrap();
    (vault, clock, session)
}

fn unlock(vault: &Vault, text: &str) -> Result<Session, Error> {
    block_on(vault.unlock(pin(text), ProfileSelector::Any))
}

fn wrong_pin(result: Result<Session, Error>) -> (u32, u64) {
    match result {
        Err(Error::WrongPin {
            attempts_left,
            retry_after_secs,
        }) => (attempts_left, retry_after_secs),
        Err(other) => panic!("expected WrongPin, got {other}"),
        Ok(_) => panic!("expected WrongPin, the PIN opened a profile"),
    }
}

#[test]
fn a_personal_phone_gets_two_indistinguishable_profiles_and_opens_with_its_pin() {
    let dir = tempfile::tempdir().unwrap();
    let (vault, _clock, session) = personal(dir.path());
    let status = vault.status().unwrap();
    assert!(status.set_up);
    assert_eq!(status.kind, Some(DirectoryKind::Personal));
    assert_eq!(status.profiles.len(), 2);
    assert!(status
        .profiles
        .iter()
        .all(|p| p.role == ProfileRole::Personal && p.display_name.is_none()));
    assert_eq!(
        std::fs::read_dir(dir.path().join("profiles"))
            .unwrap()
            .filter(|e| { e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".db") })
            .count(),
        2
    );

    session.setting_set("language", "pt").unwrap();
    drop(session);
    let again = unlock(&vault, PIN).unwrap();
    assert_eq!(again.setting_get("language").unwrap().as_deref(), Some("pt"));
    assert_eq!(again.profile().role, ProfileRole::Personal);
    // The same PIN typed in Arabic-Indic digits is the same PIN.
    assert!(unlock(&vault, "٤٨٢٩١٦").is_ok());
    // Setting up twice is refused and changes nothing.
    assert!(matches!(
        block_on(vault.setup_personal(pin("135790"), None)),
        Err(Error::AlreadySetUp(_))
    ));
    assert!(unlock(&vault, PIN).is_ok());
}

#[test]
fn wrong_pins_count_persist_across_restarts_and_then_delay() {
    let dir = tempfile::tempdir().unwrap();
    let (vault, clock, _session) = personal(dir.path());
    assert_eq!(wrong_pin(unlock(&vault, "111111")), (4, 0));
    assert_eq!(wrong_pin(unlock(&vault, "111112")), (3, 0));

    // A new process: the counter is on disk.
    let reopened = fast_vault(dir.path(), clock.clone()).unwrap();
    assert_eq!(reopened.status().unwrap().failed_attempts, 2);
    assert_eq!(wrong_pin(unlock(&reopened, "111113")), (2, 0));
    assert_eq!(wrong_pin(unlock(&reopened, "111114")), (1, 0));
    assert_eq!(wrong_pin(unlock(&reopened, "111115")), (0, 30));

    // During the delay no PIN is checked, not even the right one.
    match unlock(&reopened, PIN) {
        Err(Error::TooManyAttempts { retry_after_secs: 30 }) => {}
        other => panic!("expected a 30 s wait, got {:?}", other.err()),
    }
    clock.advance(Duration::from_secs(29));
    assert!(matches!(
        unlock(&reopened, PIN),
        Err(Error::TooManyAttempts { retry_after_secs: 1 })
    ));
    clock.advance(Duration::from_secs(1));
    assert_eq!(wrong_pin(unlock(&reopened, "111116")), (0, 60));
    clock.advance(Duration::from_secs(60));
    assert!(unlock(&reopened, PIN).is_ok());
    assert_eq!(
        reopened.status().unwrap().failed_attempts,
        0,
        "success resets the counter"
    );
}

#[test]
fn setting_the_clock_back_does_not_shorten_the_delay() {
    let dir = tempfile::tempdir().unwrap();
    let (vault, clock, _session) = personal(dir.path());
    for guess in ["111111", "111112", "111113", "111114", "111115"] {
        let _ = unlock(&vault, guess);
    }
    clock.set_wall(START - 86_400);
    assert!(matches!(
        unlock(&vault, PIN),
        Err(Error::TooManyAttempts { retry_after_secs: 30 })
    ));
    clock.advance(Duration::from_secs(10));
    assert!(matches!(
        unlock(&vault, PIN),
        Err(Error::TooManyAttempts { retry_after_secs: 20 })
    ));
    clock.advance(Duration::from_secs(20));
    assert!(unlock(&vault, PIN).is_ok());
}

/// A strengthener that fails: the attempt dies after the counter was written, as if the app had
/// been killed during the KDF.
struct BrokenKeystore;
impl KeyStrengthener for BrokenKeystore {
    fn strengthen(&self, _: &[u8]) -> corridor_core::Result<Zeroizing<Vec<u8>>> {
        Err(Error::Platform("keystore unavailable".into()))
    }

    fn forget(&self) -> corridor_core::Result<()> {
        Err(Error::Platform("keystore unavailable".into()))
    }
}

#[test]
fn an_attempt_is_counted_before_the_kdf_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (_vault, clock, _session) = personal(dir.path());
    let broken = Vault::open(
        dir.path(),
        Arc::new(BrokenKeystore),
        VaultOptions::testing_insecure(clock.clone()),
    )
    .unwrap();
    assert!(matches!(unlock(&broken, PIN), Err(Error::Platform(_))));
    assert_eq!(
        fast_vault(dir.path(), clock).unwrap().status().unwrap().failed_attempts,
        1
    );
}

#[test]
fn the_optional_wipe_erases_everything_after_the_set_number_of_failures() {
    let dir = tempfile::tempdir().unwrap();
    let (vault, clock, session) = personal(dir.path());
    assert_eq!(vault.status().unwrap().wipe_after_failures, None, "off by default");
    assert!(matches!(
        session.set_wipe_after_failures(Some(2)),
        Err(Error::InvalidInput { .. })
    ));
    session.set_wipe_after_failures(Some(5)).unwrap();
    session.setting_set("marker", "kept until the wipe").unwrap();
    drop(session);
    assert_eq!(wrong_pin(unlock(&vault, "111111")), (4, 0));
    for (guess, left) in [("111112", 3), ("111113", 2), ("111114", 1)] {
        assert_eq!(wrong_pin(unlock(&vault, guess)).0, left);
    }
    clock.advance(Duration::from_secs(3600));
    assert_eq!(wrong_pin(unlock(&vault, "111115")), (0, 0));
    assert!(!vault.status().unwrap().set_up);
    assert!(matches!(unlock(&vault, PIN), Err(Error::NotSetUp)));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("profiles")).unwrap().collect();
    assert!(leftovers.is_empty(), "profile databases survived the wipe");
    assert!(!dir.path().join("keyslots").exists());
}

#[test]
fn changing_the_pin_rewraps_the_key_without_rewriting_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let (vault, _clock, session) = personal(dir.path());
    session.setting_set("theme", "dark").unwrap();
    let (db_path, _) = session.testing_database().unwrap();
    session
        .testing_with_connection(corridor_core::store::checkpoint_truncate)
        .unwrap();
    let before = std::fs::read(&db_path).unwrap();

    assert!(matches!(
        block_on(session.change_pin(pin("999999"), pin("730184"))),
        Err(Error::WrongPin { .. })
    ));
    assert!(matches!(
        block_on(session.change_pin(pin(PIN), pin("123456"))),
        Err(Error::InvalidInput { field: "new_pin", .. })
    ));
    block_on(session.change_pin(pin(PIN), pin("730184"))).unwrap();
    assert_eq!(std::fs::read(&db_path).unwrap(), before, "the database file changed");
    drop(session);

    wrong_pin(unlock(&vault, PIN));
    let reopened = unlock(&vault, "730184").unwrap();
    assert_eq!(reopened.setting_get("theme").unwrap().as_deref(), Some("dark"));
}

#[test]
fn a_new_pin_that_would_open_the_decoy_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (vault, _clock, session) = personal(dir.path());
    block_on(session.set_duress_pin(pin(PIN), pin("505050"), false)).unwrap();
    let decoy = unlock(&vault, "505050").unwrap();
    assert_ne!(decoy.profile().id, session.profile().id);
    assert_eq!(
        decoy.profile().role,
        ProfileRole::Personal,
        "the decoy looks like any personal profile"
    );
    assert!(matches!(
        block_on(session.change_pin(pin(PIN), pin("505050"))),
        Err(Error::InvalidInput { field: "new_pin", .. })
    ));
}

#[test]
fn lock_and_auto_lock_drop_access_until_the_next_unlock() {
    let dir = tempfile::tempdir().unwrap();
    let (vault, clock, session) = personal(dir.path());
    assert_eq!(session.auto_lock_secs().unwrap(), 300);
    session.set_auto_lock_secs(60).unwrap();
    assert!(matches!(session.set_auto_lock_secs(5), Err(Error::InvalidInput { .. })));
    clock.advance(Duration::from_secs(59));
    session.touch().unwrap();
    clock.advance(Duration::from_secs(59));
    assert!(!session.is_locked(), "touch postponed the auto-lock");
    clock.advance(Duration::from_secs(61));
    assert!(session.is_locked());
    assert!(matches!(session.setting_get("x"), Err(Error::Locked)));

    let again = unlock(&vault, PIN).unwrap();
    assert_eq!(
        again.auto_lock_secs().unwrap(),
        60,
        "the idle time is a saved preference"
    );
    again.lock();
    assert!(matches!(again.setting_set("x", "y"), Err(Error::Locked)));
    assert!(matches!(again.touch(), Err(Error::Locked)));
}

#[test]
fn educators_on_a_tablet_each_open_only_their_own_profile_even_with_the_same_pin() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START);
    let vault = fast_vault(dir.path(), clock).unwrap();
    let thandi = block_on(vault.setup_educator("Thandi".into(), pin(PIN))).unwrap();
    let maria = block_on(vault.setup_educator("  Maria ".into(), pin(PIN))).unwrap();
    thandi.setting_set("site", "Beitbridge").unwrap();
    maria.setting_set("site", "Ressano Garcia").unwrap();
    assert_eq!(maria.profile().display_name.as_deref(), Some("Maria"));

    let status = vault.status().unwrap();
    assert_eq!(status.kind, Some(DirectoryKind::Educator));
    let names: Vec<_> = status
        .profiles
        .iter()
        .map(|p| p.display_name.clone().unwrap())
        .collect();
    assert_eq!(names, ["Thandi", "Maria"]);

    let maria_id = vault.find_educator("maria").unwrap();
    let opened = block_on(vault.unlock(pin(PIN), ProfileSelector::Id(maria_id))).unwrap();
    assert_eq!(opened.setting_get("site").unwrap().as_deref(), Some("Ressano Garcia"));
    let thandi_id = vault.find_educator("Thandi").unwrap();
    let opened = block_on(vault.unlock(pin(PIN), ProfileSelector::Id(thandi_id))).unwrap();
    assert_eq!(opened.setting_get("site").unwrap().as_deref(), Some("Beitbridge"));

    assert!(matches!(
        block_on(vault.unlock(pin(PIN), ProfileSelector::Any)),
        Err(Error::InvalidInput { field: "profile", .. })
    ));
    assert!(matches!(vault.find_educator("Nobody"), Err(Error::ProfileNotFound)));
    assert!(matches!(
        block_on(vault.setup_educator("thandi".into(), pin("730184"))),
        Err(Error::InvalidInput { field: "name", .. })
    ));

    let phone = tempfile::tempdir().unwrap();
    let (phone_vault, _, _) = personal(phone.path());
    assert!(matches!(
        block_on(phone_vault.setup_educator("Thandi".into(), pin(PIN))),
        Err(Error::AlreadySetUp(_))
    ));
}

#[test]
fn marker_strings_appear_in_no_file_but_are_found_in_decrypted_pages_until_purged() {
    let dir = tempfile::tempdir().unwrap();
    let (_vault, _clock, session) = personal(dir.path());
    let markers = [
        "ZEBRA-MARKER-7731",
        "Lindiwe Dlamini 0821234567",
        "PrEP refill at Beitbridge",
    ];
    for (index, marker) in markers.iter().enumerate() {
        session.setting_set(&format!("note{index}"), marker).unwrap();
    }
    for marker in markers {
        assert_eq!(
            raw_files_contain(dir.path(), marker).unwrap(),
            Vec::<String>::new(),
            "{marker} readable on disk"
        );
    }
    // The scanner really decrypts: it finds what is there...
    let (db_path, key) = session.testing_database().unwrap();
    assert!(scan_decrypted(&db_path, &key).unwrap().contains(markers[0].as_bytes()));
    // ...and a wrong key finds nothing.
    let wrong = corridor_core::secret::SecretKey::random().unwrap();
    assert!(!scan_decrypted(&db_path, &wrong)
        .unwrap()
        .contains(markers[0].as_bytes()));

    // Deleted and checkpointed: gone from every decrypted page, free pages and WAL included.
    session.setting_delete("note0").unwrap();
    session
        .testing_with_connection(corridor_core::store::checkpoint_truncate)
        .unwrap();
    let pages = scan_decrypted(&db_path, &key).unwrap();
    assert!(
        !pages.contains(markers[0].as_bytes()),
        "a deleted setting is still readable with the key"
    );
    assert!(pages.contains(markers[1].as_bytes()));
}

#[test]
fn damaged_files_give_clear_errors_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (vault, clock, session) = personal(dir.path());
    session.setting_set("keep", "me").unwrap();
    let (db_path, _) = session.testing_database().unwrap();
    drop(session);
    let keyslots = dir.path().join("keyslots");
    let good = std::fs::read(&keyslots).unwrap();

    // Truncated key file.
    std::fs::write(&keyslots, &good[..100]).unwrap();
    let reopened = fast_vault(dir.path(), clock.clone()).unwrap();
    assert!(matches!(unlock(&reopened, PIN), Err(Error::KeyFileDamaged(reason)) if reason.contains("truncated")));
    assert!(
        db_path.exists(),
        "a damaged key file must not make the vault delete databases"
    );

    // Absurd KDF parameters: refused before any KDF runs (this would otherwise allocate 4 GiB).
    let mut absurd = good.clone();
    absurd[12..16].copy_from_slice(&(4u32 * 1024 * 1024).to_be_bytes());
    std::fs::write(&keyslots, &absurd).unwrap();
    assert!(matches!(unlock(&vault, PIN), Err(Error::KeyFileDamaged(reason)) if reason.contains("KDF memory")));
    // Production refuses the fast test parameters of this very file.
    std::fs::write(&keyslots, &good).unwrap();
    let strict = Vault::open(
        dir.path(),
        Arc::new(SoftwareKeyStrengthener::in_data_dir(dir.path()).unwrap()),
        VaultOptions {
            clock: clock.clone(),
            ..VaultOptions::default()
        },
    )
    .unwrap();
    assert!(matches!(unlock(&strict, PIN), Err(Error::KeyFileDamaged(_))));

    // A profile database that is not a database.
    let saved = std::fs::read(&db_path).unwrap();
    std::fs::write(&db_path, b"this is not a database at all, just some text. ".repeat(200)).unwrap();
    assert!(matches!(unlock(&vault, PIN), Err(Error::DatabaseDamaged)));
    std::fs::write(&db_path, saved).unwrap();

    // Everything restored: the data is all there.
    assert_eq!(
        unlock(&vault, PIN).unwrap().setting_get("keep").unwrap().as_deref(),
        Some("me")
    );
}

#[test]
fn an_interrupted_setup_leaves_nothing_behind() {
    // The marker as this build writes it, and as earlier builds did.
    for marker in [".data", ".corridor"] {
        interrupted_setup_is_cleaned_up(marker);
    }
}

#[test]
fn a_directory_without_the_marker_is_never_cleaned() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("profiles")).unwrap();
    let lookalike = dir.path().join("profiles").join(format!("{}.db", "cd".repeat(16)));
    std::fs::write(&lookalike, b"someone else's").unwrap();
    let vault = fast_vault(dir.path(), ManualClock::new(START)).unwrap();
    assert!(!vault.status().unwrap().set_up);
    assert!(
        lookalike.exists(),
        "not a directory this app set up: nothing is touched"
    );
}

fn interrupted_setup_is_cleaned_up(marker: &str) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START);
    // A setup writes the directory's marker first, then the databases, then the key file.
    std::fs::write(dir.path().join(marker), b"data directory 1\n").unwrap();
    std::fs::create_dir_all(dir.path().join("profiles")).unwrap();
    let stray = dir.path().join("profiles").join(format!("{}.db", "ab".repeat(16)));
    std::fs::write(&stray, b"half-created").unwrap();
    let unrelated = dir.path().join("profiles").join("notes.txt");
    std::fs::write(&unrelated, b"not ours").unwrap();
    let vault = fast_vault(dir.path(), clock).unwrap();
    assert!(!stray.exists());
    assert!(
        unrelated.exists(),
        "only files named like profile databases are removed"
    );
    assert!(!vault.status().unwrap().set_up);
    block_on(vault.setup_personal(pin(PIN), None)).unwrap();
}

#[test]
fn settings_refuse_bad_keys_and_huge_values_and_keep_what_was_there() {
    let dir = tempfile::tempdir().unwrap();
    let (_vault, _clock, session) = personal(dir.path());
    session.setting_set("a.b_c-1", "v").unwrap();
    for bad in ["", "has space", "ünï", &"k".repeat(129)] {
        assert!(
            matches!(
                session.setting_set(bad, "x"),
                Err(Error::InvalidInput { field: "key", .. })
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        session.setting_set("big", &"x".repeat(64 * 1024 + 1)),
        Err(Error::InvalidInput { field: "value", .. })
    ));
    assert_eq!(session.setting_get("big").unwrap(), None);
    assert_eq!(session.setting_keys().unwrap(), ["a.b_c-1"]);
    assert!(session.setting_delete("a.b_c-1").unwrap());
    assert!(!session.setting_delete("a.b_c-1").unwrap());
}

#[test]
fn weak_pins_are_refused_at_setup_with_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let vault = fast_vault(dir.path(), ManualClock::new(START)).unwrap();
    for weak in ["12345", "111111", "123456", "987654"] {
        assert!(matches!(
            block_on(vault.setup_personal(pin(weak), None)),
            Err(Error::InvalidInput { field: "pin", .. })
        ));
    }
    assert!(!vault.status().unwrap().set_up);
    assert!(!dir.path().join("keyslots").exists());
}
