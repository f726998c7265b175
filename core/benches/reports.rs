//! Sealing and queueing one report: validate, HPKE-seal to the team key, write the outbox row
//! (device store, synchronous=FULL) and the person's record (profile, WAL truncated).
//!
//! `cargo bench -p corridor-core --bench reports`.

use corridor_core::content::metadata::{ResponseTeam, Safety, Site};
use corridor_core::pin::Pin;
use corridor_core::reports::filing;
use corridor_core::reports::model::{
    Consent, FullReport, QuickReport, QuickWant, QuickWhen, ReportBody, SafeContact, ViolenceKind, WhenItHappened,
};
use corridor_core::reports::team_key::TeamPrivateKey;
use corridor_core::runtime::block_on;
use corridor_core::testing::{fast_vault, install_safety_unverified, ManualClock};
use criterion::{criterion_group, criterion_main, Criterion};

fn safety() -> Safety {
    let team_key = TeamPrivateKey::generate("bench-team").unwrap().public().to_metadata();
    let programme_key = TeamPrivateKey::generate("bench-programme")
        .unwrap()
        .public()
        .to_metadata();
    Safety {
        kind: "safety".into(),
        version: 1,
        expires: 2_000_000_000,
        signed_at: 1_700_000_000,
        sites: vec![Site {
            id: "beitbridge".into(),
            name: "Beitbridge".into(),
            place: "Beitbridge".into(),
            country: "ZW".into(),
            opening_hours: "Mon–Sat 07:00–19:00".into(),
            phone: "+263 00 000 0000".into(),
            offers_pep: true,
            latitude: Some(-22.22),
            longitude: Some(30.0),
        }],
        teams: vec![ResponseTeam {
            id: "zimbabwe".into(),
            name: "Zimbabwe".into(),
            sites: vec!["beitbridge".into()],
            key: team_key,
            emergency_numbers: vec!["+263 00 000 0000".into()],
        }],
        programme_key,
    }
}

fn seal_and_queue(criterion: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let now = 1_800_000_000;
    let vault = fast_vault(dir.path(), ManualClock::new(now)).unwrap();
    let session = block_on(vault.setup_personal(Pin::choose("482916").unwrap(), None)).unwrap();
    install_safety_unverified(&vault, &safety()).unwrap();
    filing::set_home_team(&session, Some("zimbabwe")).unwrap();
    let quick = ReportBody::Quick(QuickReport {
        what: ViolenceKind::Sexual,
        when: QuickWhen::Today,
        wants: QuickWant::ContactMe,
    });
    let full = ReportBody::Full(FullReport {
        kinds: vec![ViolenceKind::Physical],
        when: WhenItHappened::Exact { at: now - 3600 },
        place: None,
        who: vec![],
        injuries: None,
        help: vec![],
        consent: vec![Consent::ContactMe],
        contact: Some(SafeContact::ThroughPeerEducator),
        text: Some("words ".repeat(400)),
    });
    let mut group = criterion.benchmark_group("report");
    group.sample_size(30);
    group.bench_function("seal and queue a quick report", |bench| {
        bench.iter(|| filing::submit(&session, &quick, Some("beitbridge"), false, None).unwrap())
    });
    group.bench_function("seal and queue a full report (2.4 KB of text)", |bench| {
        bench.iter(|| filing::submit(&session, &full, None, false, None).unwrap())
    });
    group.finish();
}

criterion_group!(benches, seal_and_queue);
criterion_main!(benches);
