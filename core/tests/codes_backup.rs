//! Client codes in profiles, and the recovery kit: export, restore on a new phone, refusals.

use corridor_core::backup;
use corridor_core::codes::{ClientCode, RecoverySecret};
use corridor_core::disguise;
use corridor_core::error::Error;
use corridor_core::pin::Pin;
use corridor_core::runtime::block_on;
use corridor_core::testing::{fast_vault, ManualClock};
use corridor_core::vault::{ProfileSelector, Vault};

const PIN: &str = "482916";
const NOW: i64 = 1_800_000_000;

fn pin(text: &str) -> Pin {
    Pin::normalise(text).unwrap()
}

fn vault(dir: &std::path::Path) -> Vault {
    fast_vault(dir, ManualClock::new(NOW)).unwrap()
}

#[test]
fn a_phone_gets_one_code_at_setup_or_keeps_the_one_on_its_clinic_card() {
    let dir = tempfile::tempdir().unwrap();
    let phone = vault(dir.path());
    let person = block_on(phone.setup_personal(pin(PIN), None)).unwrap();
    let code = person.client_code().unwrap().expect("a personal profile has a code");
    assert_eq!(ClientCode::parse(code.as_str()).unwrap(), code);
    block_on(person.set_duress_pin(pin(PIN), pin("505050"), false)).unwrap();
    let decoy = block_on(phone.unlock(pin("505050"), ProfileSelector::Any)).unwrap();
    let decoy_code = decoy
        .client_code()
        .unwrap()
        .expect("the decoy looks the same: it has a code too");
    assert_ne!(decoy_code, code, "the decoy never shows the person's code");

    let card = ClientCode::parse("k7qm 4tx9 b2q").unwrap();
    let other = tempfile::tempdir().unwrap();
    let adopted = block_on(vault(other.path()).setup_personal(pin(PIN), Some(card.clone()))).unwrap();
    assert_eq!(adopted.client_code().unwrap(), Some(card.clone()));

    let fresh = ClientCode::generate().unwrap();
    person.adopt_client_code(&fresh).unwrap();
    assert_eq!(person.client_code().unwrap(), Some(fresh));

    let tablet = tempfile::tempdir().unwrap();
    let educator = block_on(vault(tablet.path()).setup_educator("Thandi".into(), pin(PIN))).unwrap();
    assert_eq!(educator.client_code().unwrap(), None);
    assert!(matches!(
        educator.adopt_client_code(&card),
        Err(Error::InvalidInput { .. })
    ));
}

#[test]
fn export_then_restore_on_a_new_phone_reproduces_code_settings_and_cover() {
    let old_phone = tempfile::tempdir().unwrap();
    let old = vault(old_phone.path());
    let person = block_on(old.setup_personal(pin(PIN), None)).unwrap();
    let code = person.client_code().unwrap().unwrap();
    person.setting_set("language", "pt").unwrap();
    person.setting_set("reminder.sound", "soft chime").unwrap();
    let book = corridor_core::reminders::ReminderBook::new(person.clone());
    let injection = book
        .add(
            &corridor_core::reminders::ReminderText {
                kind: "contraceptive_injection".into(),
                at: "2027-01-05 08:00".into(),
                zone: "Africa/Maputo".into(),
                ..Default::default()
            }
            .parse()
            .unwrap(),
        )
        .unwrap();
    disguise::choose_cover(&person, "budget").unwrap();
    block_on(person.set_duress_pin(pin(PIN), pin("505050"), true)).unwrap();
    person.set_wipe_after_failures(Some(10)).unwrap();

    assert!(!backup::has_recovery_kit(&person).unwrap());
    assert!(matches!(
        backup::export(&person, NOW),
        Err(Error::InvalidInput { field: "recovery", .. })
    ));
    let secret = block_on(backup::create_recovery_kit(&person)).unwrap();
    assert!(
        !backup::has_recovery_kit(&person).unwrap(),
        "not before the secret is confirmed"
    );
    assert!(matches!(
        backup::export(&person, NOW),
        Err(Error::InvalidInput { field: "recovery", .. })
    ));
    let other = RecoverySecret::generate().unwrap();
    assert!(matches!(
        block_on(backup::confirm_recovery_kit(&person, other)),
        Err(Error::InvalidInput {
            field: "recovery_secret",
            ..
        })
    ));
    block_on(backup::confirm_recovery_kit(
        &person,
        RecoverySecret::parse(secret.expose()).unwrap(),
    ))
    .unwrap();
    assert!(backup::has_recovery_kit(&person).unwrap());
    let file = backup::export(&person, NOW).unwrap();
    for marker in ["soft chime", code.as_str(), "budget"] {
        assert!(
            !file.windows(marker.len()).any(|w| w == marker.as_bytes()),
            "{marker} readable in the backup"
        );
    }

    // The forgotten-PIN path on the same phone: quick delete, then restore with a new PIN.
    old.quick_delete().unwrap();
    let restored = block_on(backup::restore(
        &old,
        file.clone(),
        RecoverySecret::parse(secret.expose()).unwrap(),
        pin("730184"),
    ))
    .unwrap();
    assert_eq!(restored.client_code().unwrap(), Some(code.clone()));
    assert_eq!(restored.setting_get("language").unwrap().as_deref(), Some("pt"));
    assert_eq!(
        restored.setting_get("reminder.sound").unwrap().as_deref(),
        Some("soft chime")
    );
    let restored_reminders = corridor_core::reminders::ReminderBook::new(restored.clone())
        .list()
        .unwrap();
    assert_eq!(
        restored_reminders,
        vec![injection.clone()],
        "the reminders come back as they were"
    );
    assert_eq!(disguise::current_cover(&old).unwrap().id, "budget");
    assert!(
        !restored.has_duress_pin().unwrap(),
        "the duress PIN is set again, never restored"
    );
    assert_eq!(
        restored.wipe_after_failures().unwrap(),
        None,
        "the wipe setting is set again"
    );
    assert!(
        backup::has_recovery_kit(&restored).unwrap(),
        "the same secret keeps working"
    );
    drop(restored);
    assert!(block_on(old.unlock(pin("730184"), ProfileSelector::Any)).is_ok());

    // A new phone, typed secret in lower case with spaces.
    let new_phone = tempfile::tempdir().unwrap();
    let typed = secret.expose().to_lowercase().replace('-', " ");
    let on_new = block_on(backup::restore(
        &vault(new_phone.path()),
        file,
        RecoverySecret::parse(&typed).unwrap(),
        pin("730184"),
    ))
    .unwrap();
    assert_eq!(on_new.client_code().unwrap(), Some(code));
}

#[test]
fn wrong_secrets_and_damaged_files_are_refused_and_nothing_is_set_up() {
    let old_phone = tempfile::tempdir().unwrap();
    let person = block_on(vault(old_phone.path()).setup_personal(pin(PIN), None)).unwrap();
    let secret = block_on(backup::create_recovery_kit(&person)).unwrap();
    block_on(backup::confirm_recovery_kit(
        &person,
        RecoverySecret::parse(secret.expose()).unwrap(),
    ))
    .unwrap();
    let file = backup::export(&person, NOW).unwrap();
    let new_phone = tempfile::tempdir().unwrap();
    let fresh = vault(new_phone.path());
    let restore = |bytes: Vec<u8>, secret: &str| {
        block_on(backup::restore(
            &fresh,
            bytes,
            RecoverySecret::parse(secret).unwrap(),
            pin("730184"),
        ))
    };
    let rejected = |outcome: Result<_, Error>| match outcome {
        Err(Error::BackupRejected(reason)) => reason,
        Err(other) => panic!("expected a rejection, got {other}"),
        Ok(_) => panic!("expected a rejection, the backup was restored"),
    };

    let other = RecoverySecret::generate().unwrap();
    assert!(rejected(restore(file.clone(), other.expose())).contains("does not open"));
    let mut tampered = file.clone();
    let middle = tampered.len() / 2 + 30;
    tampered[middle] ^= 0x40;
    assert!(rejected(restore(tampered, secret.expose())).contains("altered"));
    assert!(rejected(restore(file[..file.len() - 10].to_vec(), secret.expose())).contains("truncated"));
    let mut newer = file.clone();
    newer[9] = 9;
    assert!(rejected(restore(newer, secret.expose())).contains("newer version"));
    assert!(!fresh.status().unwrap().set_up, "a refused restore sets nothing up");

    // A typo in the secret is caught by its check symbol before any key is derived.
    let mut typo: Vec<char> = secret.expose().chars().collect();
    typo.swap(0, 1);
    if typo[0] != typo[1] {
        assert!(matches!(
            RecoverySecret::parse(&typo.iter().collect::<String>()),
            Err(Error::InvalidCode {
                field: "recovery_secret",
                ..
            })
        ));
    }
    // Restoring over an existing profile is refused.
    assert!(matches!(
        block_on(backup::restore(
            &vault(old_phone.path()),
            file,
            RecoverySecret::parse(secret.expose()).unwrap(),
            pin("730184")
        )),
        Err(Error::AlreadySetUp(_))
    ));
}

#[test]
fn a_restore_that_fails_halfway_leaves_no_profile_behind() {
    use corridor_core::backup::{seal, RecoveryKeys, Snapshot};
    use corridor_core::reminders::{Reminder, ReminderBook, ReminderText};
    // A well-sealed backup whose second reminder is malformed (a revealing covert text).
    let source = tempfile::tempdir().unwrap();
    let person = block_on(vault(source.path()).setup_personal(pin(PIN), None)).unwrap();
    let book = ReminderBook::new(person);
    let text = ReminderText {
        kind: "hiv_test".into(),
        at: "2027-01-05 08:00".into(),
        zone: "Africa/Maputo".into(),
        ..Default::default()
    };
    let good = book.add(&text.parse().unwrap()).unwrap();
    let bad = Reminder {
        id: "00112233445566ff".into(),
        covert_text: Some("Your HIV test".into()),
        ..good.clone()
    };
    let secret = RecoverySecret::generate().unwrap();
    let keys = RecoveryKeys::derive(&secret).unwrap();
    let snapshot = Snapshot {
        client_code: Some(ClientCode::generate().unwrap().as_str().into()),
        settings: [("language".to_string(), "pt".to_string())].into_iter().collect(),
        cover: None,
        reminders: vec![good, bad],
        created_at: NOW,
    };
    let file = seal(&snapshot, &keys).unwrap();

    let target = tempfile::tempdir().unwrap();
    let fresh = vault(target.path());
    match block_on(backup::restore(
        &fresh,
        file,
        RecoverySecret::parse(secret.expose()).unwrap(),
        pin("730184"),
    )) {
        Err(Error::BackupRejected(reason)) => assert!(reason.contains("malformed reminder"), "{reason}"),
        other => panic!("expected a rejection, got {:?}", other.map(|_| ())),
    }
    assert!(!fresh.status().unwrap().set_up, "nothing half-restored");
    assert!(!vault(target.path()).status().unwrap().set_up);
    assert!(
        block_on(vault(target.path()).setup_personal(pin("730184"), None)).is_ok(),
        "a retry can start afresh"
    );
}
