//! A peer educator's sessions on a tablet, without a hub: what may be recorded, what is refused
//! with a reason (and changes nothing), closed sessions that cannot change, corrections, two
//! educators who never see each other's sessions, and codes gone after a discard.

use corridor_core::codes::ClientCode;
use corridor_core::content::metadata::{ResponseTeam, Safety, Site, TeamKey};
use corridor_core::pin::Pin;
use corridor_core::runtime::block_on;
use corridor_core::sessions::tablet::{self, SessionState};
use corridor_core::sessions::upload::{AgeBand, Commodity, Gender, Service, SessionKind};
use corridor_core::sync::outbox;
use corridor_core::testing::{fast_vault, install_safety_unverified, scan_decrypted, ManualClock};
use corridor_core::vault::{Session, Vault};

const NOW: i64 = 1_795_000_000;

fn site(id: &str) -> Site {
    Site {
        id: id.into(),
        name: id.into(),
        place: id.into(),
        country: "ZW".into(),
        opening_hours: "Mon–Sat 07:00–19:00".into(),
        phone: "+263 000 000".into(),
        offers_pep: true,
        latitude: None,
        longitude: None,
    }
}

fn safety() -> Safety {
    let key = TeamKey {
        key_id: "programme-1".into(),
        x25519_public: "11".repeat(32),
    };
    Safety {
        kind: "safety".into(),
        version: 1,
        expires: NOW + 100 * 86_400,
        signed_at: NOW - 3600,
        sites: vec![site("beitbridge"), site("musina"), site("victoria-falls")],
        teams: vec![ResponseTeam {
            id: "zw".into(),
            name: "Zimbabwe".into(),
            sites: vec!["beitbridge".into()],
            key: key.clone(),
            emergency_numbers: vec![],
        }],
        programme_key: key,
    }
}

fn tablet() -> (tempfile::TempDir, Vault, Session, Session) {
    let dir = tempfile::tempdir().unwrap();
    let vault = fast_vault(dir.path(), ManualClock::new(NOW)).unwrap();
    let ana = block_on(vault.setup_educator("Ana".into(), Pin::choose("482916").unwrap())).unwrap();
    let bo = block_on(vault.setup_educator("Bo".into(), Pin::choose("730184").unwrap())).unwrap();
    install_safety_unverified(&vault, &safety()).unwrap();
    (dir, vault, ana, bo)
}

fn code() -> String {
    ClientCode::generate().unwrap().as_str().to_string()
}

fn reason(result: corridor_core::Result<impl Sized>) -> String {
    match result {
        Ok(_) => panic!("expected a refusal"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn a_session_records_people_by_code_and_refuses_what_would_count_wrong() {
    let (_dir, _vault, ana, _bo) = tablet();
    assert!(
        reason(tablet::start(&ana, "lebombo", SessionKind::Group, &[])).contains("not one of the programme's sites")
    );
    assert!(
        reason(tablet::start(&ana, "beitbridge", SessionKind::Group, &["prep".into()]))
            .contains("not an installed module")
    );
    assert!(tablet::list(&ana).unwrap().is_empty(), "a refused start leaves nothing");

    let id = tablet::start(&ana, "beitbridge", SessionKind::Group, &[]).unwrap();
    assert!(reason(tablet::start(&ana, "musina", SessionKind::Outreach, &[])).contains("already open"));

    let first = code();
    let typed_lower = first.to_lowercase();
    assert_eq!(
        tablet::attend(&ana, &typed_lower, Some(Gender::Female), Some(AgeBand::From18To24))
            .unwrap()
            .attendees,
        1
    );
    assert!(
        reason(tablet::attend(&ana, &first, None, None)).contains("already recorded"),
        "the same code twice in one session is refused, however it was typed"
    );
    let mut mistyped = first.clone().into_bytes();
    let last = mistyped.len() - 1;
    mistyped[last] = if mistyped[last] == b'A' { b'B' } else { b'A' };
    assert!(tablet::attend(&ana, std::str::from_utf8(&mistyped).unwrap(), None, None).is_err());
    let second = code();
    assert_eq!(
        tablet::attend(&ana, &second, Some(Gender::Transgender), None)
            .unwrap()
            .attendees,
        2
    );

    assert_eq!(tablet::walk_ins(&ana, Gender::Male, AgeBand::From25To29, 3).unwrap(), 3);
    assert_eq!(
        tablet::walk_ins(&ana, Gender::Male, AgeBand::From25To29, -1).unwrap(),
        2
    );
    assert!(reason(tablet::walk_ins(&ana, Gender::Male, AgeBand::From25To29, -5)).contains("below zero"));
    assert_eq!(tablet::commodity(&ana, Commodity::MaleCondoms, 40).unwrap(), 40);
    assert_eq!(tablet::commodity(&ana, Commodity::HivSelfTestKits, 2).unwrap(), 2);
    assert!(tablet::commodity(&ana, Commodity::Lubricant, 0).is_err());
    assert!(reason(tablet::refer(&ana, Service::Prep, "nowhere")).contains("not one of the programme's sites"));
    tablet::refer(&ana, Service::Prep, "musina").unwrap();
    assert!(reason(tablet::quiz(&ana, "prep", 10, 11)).contains("between 0 and attempted"));
    assert!(reason(tablet::quiz(&ana, "prep", 10, 4)).contains("not an installed module"));
    assert!(reason(tablet::walk_ins(&ana, Gender::Male, AgeBand::From25To29, i64::MIN)).contains("a count is"));
    assert!(reason(tablet::commodity(&ana, Commodity::Lubricant, i64::MAX)).contains("a count is"));
    assert!(tablet::set_notes(&ana, Some(&"x".repeat(5000))).is_err());
    tablet::set_notes(&ana, Some("rain; moved under the shelter")).unwrap();

    let open = tablet::current(&ana).unwrap().unwrap();
    assert_eq!(open.summary.id, id);
    assert_eq!(open.attendees.len(), 2);
    assert_eq!(open.attendees[0].code, first, "codes are kept in their canonical form");

    let closed = tablet::close(&ana).unwrap();
    assert_eq!(closed.state, SessionState::Closed, "not logged in to a hub: it waits");
    assert_eq!(closed.attendees, 2);
    assert_eq!(closed.walk_in_total(), 2);
    assert_eq!(closed.referrals.len(), 1);

    // Closed means immutable.
    assert!(reason(tablet::attend(&ana, &code(), None, None)).contains("no session is open"));
    assert!(tablet::commodity(&ana, Commodity::MaleCondoms, 1).is_err());
    assert!(tablet::close(&ana).is_err());
    assert_eq!(tablet::summary(&ana, id).unwrap().unwrap(), closed);

    let stats = tablet::stats(&ana, None).unwrap();
    assert_eq!(
        (stats.sessions, stats.attendances, stats.walk_ins, stats.waiting),
        (1, 2, 2, 1)
    );
}

#[test]
fn a_correction_is_a_new_record_that_changes_only_what_it_says() {
    let (_dir, _vault, ana, _bo) = tablet();
    let wrong = code();
    let kept = code();
    let original = tablet::start(&ana, "musina", SessionKind::Outreach, &[]).unwrap();
    tablet::attend(&ana, &wrong, None, None).unwrap();
    tablet::attend(&ana, &kept, Some(Gender::Female), None).unwrap();
    tablet::commodity(&ana, Commodity::FemaleCondoms, 10).unwrap();
    tablet::close(&ana).unwrap();

    let correction = tablet::correct(&ana, original).unwrap();
    assert!(reason(tablet::correct(&ana, original)).contains("already open"));
    tablet::remove_attendee(&ana, &wrong).unwrap();
    assert!(reason(tablet::attend(&ana, &wrong, None, None)).contains("removes this client code"));
    let added = code();
    tablet::attend(&ana, &added, Some(Gender::Male), None).unwrap();
    assert_eq!(
        tablet::commodity(&ana, Commodity::FemaleCondoms, -4).unwrap(),
        -4,
        "a correction may count down"
    );
    let summary = tablet::close(&ana).unwrap();
    assert_eq!(summary.corrects, Some(original));
    assert_eq!(summary.attendees, 0, "one added, one removed");
    assert_eq!(
        summary.site, "musina",
        "a correction keeps the corrected session's site"
    );

    let original_now = tablet::summary(&ana, original).unwrap().unwrap();
    assert_eq!(original_now.attendees, 2, "the corrected session itself never changes");
    assert!(reason(tablet::correct(&ana, correction)).contains("correct the original"));

    let stats = tablet::stats(&ana, None).unwrap();
    assert_eq!((stats.sessions, stats.corrections, stats.attendances), (1, 1, 2));
    assert_eq!(stats.commodities[0].count, 6);
}

#[test]
fn educators_on_one_tablet_never_see_each_other_s_sessions_and_a_personal_profile_has_none() {
    let (_dir, _vault, ana, bo) = tablet();
    tablet::start(&ana, "beitbridge", SessionKind::Group, &[]).unwrap();
    tablet::attend(&ana, &code(), None, None).unwrap();
    tablet::close(&ana).unwrap();
    assert_eq!(tablet::list(&ana).unwrap().len(), 1);
    assert!(tablet::list(&bo).unwrap().is_empty());
    assert!(tablet::current(&bo).unwrap().is_none());
    // Bo's open session does not block Ana.
    tablet::start(&bo, "beitbridge", SessionKind::Group, &[]).unwrap();
    tablet::start(&ana, "musina", SessionKind::Group, &[]).unwrap();

    let phone_dir = tempfile::tempdir().unwrap();
    let phone = fast_vault(phone_dir.path(), ManualClock::new(NOW)).unwrap();
    let person = block_on(phone.setup_personal(Pin::choose("482916").unwrap(), None)).unwrap();
    assert!(reason(tablet::start(&person, "beitbridge", SessionKind::Group, &[])).contains("educator"));
    assert!(tablet::list(&person).is_err());
}

#[test]
fn a_discarded_session_leaves_no_code_in_the_database() {
    let (_dir, _vault, ana, _bo) = tablet();
    tablet::start(&ana, "beitbridge", SessionKind::Group, &[]).unwrap();
    let codes: Vec<String> = (0..5).map(|_| code()).collect();
    for code in &codes {
        tablet::attend(&ana, code, Some(Gender::Female), None).unwrap();
    }
    tablet::remove_attendee(&ana, &codes[0]).unwrap();
    let (path, key) = ana.testing_database().unwrap();
    assert!(
        scan_decrypted(&path, &key).unwrap().contains(codes[1].as_bytes()),
        "the scanner finds a code while the session is open"
    );
    assert!(
        !scan_decrypted(&path, &key).unwrap().contains(codes[0].as_bytes()),
        "a code taken out is zeroed at once"
    );
    assert!(tablet::discard_open(&ana).unwrap());
    let pages = scan_decrypted(&path, &key).unwrap();
    for code in &codes {
        assert!(!pages.contains(code.as_bytes()));
    }
    assert!(tablet::list(&ana).unwrap().is_empty());
}

#[test]
fn a_session_delivered_while_its_record_still_said_closed_is_purged() {
    // As a process killed between putting the sealed session in the outbox and marking it
    // queued would leave it, after a background drain delivered it: the record says closed, the
    // outbox marked it delivered.
    let (_dir, vault, ana, _bo) = tablet();
    let id = tablet::start(&ana, "beitbridge", SessionKind::Group, &[]).unwrap();
    let person = code();
    tablet::attend(&ana, &person, Some(Gender::Female), None).unwrap();
    tablet::set_notes(&ana, Some("under the bridge")).unwrap();
    assert_eq!(tablet::close(&ana).unwrap().state, SessionState::Closed);
    vault
        .device_store()
        .unwrap()
        .put(
            outbox::DELIVERED_SESSIONS,
            &id.hyphenated().to_string(),
            &0i64.to_be_bytes(),
        )
        .unwrap();

    let listed = tablet::list(&ana).unwrap();
    assert_eq!(listed[0].state, SessionState::Sent);
    assert_eq!(listed[0].attendees, 1, "the counts stay");
    let (path, key) = ana.testing_database().unwrap();
    let pages = scan_decrypted(&path, &key).unwrap();
    assert!(!pages.contains(person.as_bytes()));
    assert!(!pages.contains(b"under the bridge"));
    assert!(
        vault
            .device_store()
            .unwrap()
            .keys(outbox::DELIVERED_SESSIONS)
            .unwrap()
            .is_empty(),
        "the mark goes once it is settled"
    );
}
