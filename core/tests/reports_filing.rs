//! Filing states after an interruption: a report recorded but never queued is shown as not sent
//! (its draft kept to file again); one that reached the outbox is queued and its draft goes.

use corridor_core::pin::Pin;
use corridor_core::reports::filing::{self, ReportState};
use corridor_core::runtime::block_on;
use corridor_core::sync::outbox::{self, OutboxAuth};
use corridor_core::sync::wire::{ReportSubmission, Uuid};
use corridor_core::sync::PreparedRequest;
use corridor_core::testing::{fast_vault, ManualClock};

#[test]
fn an_interrupted_submission_is_settled_as_queued_or_not_sent_and_never_lost_from_view() {
    let dir = tempfile::tempdir().unwrap();
    let vault = fast_vault(dir.path(), ManualClock::new(1_800_000_000)).unwrap();
    let session = block_on(vault.setup_personal(Pin::choose("482916").unwrap(), None)).unwrap();
    let draft = filing::save_draft(&session, None, &serde_json::json!({ "text": "half written" })).unwrap();

    // As a process killed between the two steps would leave them: two reports recorded as
    // pending; only the second reached the outbox.
    let lost = Uuid::new_v4();
    let queued = Uuid::new_v4();
    session
        .testing_with_connection(|connection| {
            for (id, draft_id) in [(lost, Some(draft.as_str())), (queued, None)] {
                connection.execute(
                    "INSERT INTO reports (report_id, kind, created_at, state, team_key_id, journal, draft_id, updated_at)
                     VALUES (?1, 'quick', 1800000000, 'pending', '', NULL, ?2, 1800000000)",
                    rusqlite::params![id.hyphenated().to_string(), draft_id],
                )?;
            }
            Ok(())
        })
        .unwrap();
    let request = PreparedRequest::report(&ReportSubmission {
        report_id: queued,
        site: "zimbabwe".into(),
        sealed: vec![7; 64],
    })
    .unwrap();
    vault
        .device_store()
        .unwrap()
        .transaction(|connection| outbox::enqueue(connection, outbox::KIND_REPORT, &request, OutboxAuth::Anonymous, 0))
        .unwrap();

    // Before settling, both show as queued (never missing from the person's list).
    let before = filing::list(&session).unwrap();
    assert_eq!(before.len(), 2);
    assert!(before.iter().all(|report| report.state == ReportState::Queued));

    let after = block_on(filing::refresh(&session, None)).unwrap();
    let state_of = |id: Uuid| after.iter().find(|report| report.report_id == id).unwrap().state;
    assert_eq!(
        state_of(lost),
        ReportState::NotSent,
        "it never left the phone: file it again"
    );
    assert_eq!(state_of(queued), ReportState::Queued);
    assert!(
        filing::draft(&session, &draft).unwrap().is_some(),
        "the draft of the report that was not sent is kept"
    );

    // An item the person discards from the outbox is not shown as sent.
    let id = outbox::list(&vault.device_store().unwrap()).unwrap()[0].id;
    outbox::discard(&vault.device_store().unwrap(), id).unwrap();
    let after = block_on(filing::refresh(&session, None)).unwrap();
    assert_eq!(
        after.iter().find(|report| report.report_id == queued).unwrap().state,
        ReportState::Queued,
        "offline, nothing is confirmed as sent"
    );
}
