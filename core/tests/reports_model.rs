//! The report model and its urgency rules: what the JSON looks like, what is refused and why, how
//! quick answers map to hours, and when PEP and emergency contraception are flagged.

use corridor_core::content::metadata::{ResponseTeam, Safety, Site, TeamKey};
use corridor_core::error::Error;
use corridor_core::reports::model::{
    Consent, FullReport, HelpWanted, Perpetrator, Place, QuickReport, QuickWant, QuickWhen, ReportBody, SafeContact,
    SealedPayload, Sos, ViolenceKind, WhenItHappened, PAYLOAD_VERSION,
};
use corridor_core::reports::urgency::{assess, haversine_km};
use corridor_core::sync::wire::Uuid;
use serde_json::json;

/// 2026-11-30 08:00 UTC.
const NOW: i64 = 1_796_025_600;
const HOUR: i64 = 3600;

fn sites() -> Vec<String> {
    ["beitbridge", "ngodwana", "inchope", "victoria-falls"]
        .map(String::from)
        .to_vec()
}

fn full() -> FullReport {
    FullReport {
        kinds: vec![ViolenceKind::Physical, ViolenceKind::RobberyOrEconomic],
        when: WhenItHappened::Between {
            from: NOW - 10 * HOUR,
            to: NOW - 8 * HOUR,
        },
        place: Some(Place {
            site: Some("beitbridge".into()),
            description: Some("behind the truck stop".into()),
        }),
        who: vec![Perpetrator::Client, Perpetrator::Unknown],
        injuries: Some("bruised arm".into()),
        help: vec![HelpWanted::MedicalCare, HelpWanted::LegalHelp],
        consent: vec![Consent::ContactMe, Consent::WarnOthersAnonymously],
        contact: Some(SafeContact::SafeTimeAndNumber {
            when: "weekdays after 10:00".into(),
            number: "+263 77-123 4567".into(),
        }),
        text: Some("MARKER-free-text".into()),
    }
}

fn quick(what: ViolenceKind, when: QuickWhen) -> ReportBody {
    ReportBody::Quick(QuickReport {
        what,
        when,
        wants: QuickWant::UrgentMedicalHelp,
    })
}

fn sexual_at(at: i64) -> ReportBody {
    ReportBody::Full(FullReport {
        kinds: vec![ViolenceKind::Sexual],
        when: WhenItHappened::Exact { at },
        place: None,
        who: vec![],
        injuries: None,
        help: vec![],
        consent: vec![Consent::StatisticsOnly],
        contact: None,
        text: None,
    })
}

fn sexual_between(from: i64, to: i64) -> ReportBody {
    let ReportBody::Full(mut report) = sexual_at(0) else {
        unreachable!()
    };
    report.when = WhenItHappened::Between { from, to };
    ReportBody::Full(report)
}

/// The field a validation error names (and that it is an input error at all).
fn refused_field(body: &ReportBody) -> &'static str {
    match body.validate(NOW, &sites()) {
        Err(Error::InvalidInput { field, reason }) => {
            assert!(!reason.is_empty());
            field
        }
        other => panic!("expected an input error, got {other:?}"),
    }
}

fn with_full(change: impl FnOnce(&mut FullReport)) -> ReportBody {
    let mut report = full();
    change(&mut report);
    ReportBody::Full(report)
}

fn site(id: &str, name: &str, pep: bool, position: Option<(f64, f64)>) -> Site {
    Site {
        id: id.into(),
        name: name.into(),
        place: name.into(),
        country: "ZW".into(),
        opening_hours: "Mon–Sat 07:00–19:00".into(),
        phone: "+263 000 000".into(),
        offers_pep: pep,
        latitude: position.map(|p| p.0),
        longitude: position.map(|p| p.1),
    }
}

/// Listed in neither name nor distance order, so sorting is checked.
fn safety() -> Safety {
    let key = TeamKey {
        key_id: "programme-1".into(),
        x25519_public: "00".repeat(32),
    };
    Safety {
        kind: "safety".into(),
        version: 1,
        expires: NOW + 100 * 24 * HOUR,
        signed_at: NOW - HOUR,
        sites: vec![
            site("victoria-falls", "Victoria Falls", true, Some((-17.93, 25.84))),
            site("cato-ridge", "Cato Ridge", true, None),
            site("inchope", "Inchope", true, Some((-19.2, 33.93))),
            site("plumtree", "Plumtree", false, Some((-20.48, 27.8))),
            site("ngodwana", "Ngodwana", true, Some((-25.57, 30.65))),
            site("beitbridge", "Beitbridge", true, Some((-22.22, 30.0))),
            site("athens", "Athens", true, None),
        ],
        teams: vec![ResponseTeam {
            id: "zw".into(),
            name: "Zimbabwe Crisis Response Team".into(),
            sites: vec!["beitbridge".into()],
            key: key.clone(),
            emergency_numbers: vec!["+263 000 111".into()],
        }],
        programme_key: key,
    }
}

fn clinic_ids(urgency: &corridor_core::reports::urgency::Urgency) -> Vec<&str> {
    urgency.clinics.iter().map(|clinic| clinic.site.id.as_str()).collect()
}

// ---------------------------------------------------------------------------------------------
// JSON

#[test]
fn every_variant_round_trips_through_json() {
    let bodies = vec![
        quick(ViolenceKind::Sexual, QuickWhen::Today),
        ReportBody::Quick(QuickReport {
            what: ViolenceKind::ArrestOrPoliceHarassment,
            when: QuickWhen::Earlier,
            wants: QuickWant::JustRecordIt,
        }),
        ReportBody::Full(full()),
        with_full(|r| {
            r.when = WhenItHappened::Exact { at: NOW - HOUR };
            r.place = None;
            r.contact = Some(SafeContact::ThroughPeerEducator);
            r.injuries = None;
            r.text = None;
        }),
        ReportBody::Sos(Sos { contact: None }),
        ReportBody::Sos(Sos {
            contact: Some(SafeContact::ThroughPeerEducator),
        }),
    ];
    for body in bodies {
        let text = serde_json::to_string(&body).unwrap();
        assert_eq!(ReportBody::from_json(text.as_bytes()).unwrap(), body, "{text}");
    }
    for kind in ViolenceKind::ALL {
        let body = quick(kind, QuickWhen::LastThreeDays);
        let text = serde_json::to_vec(&body).unwrap();
        assert_eq!(ReportBody::from_json(&text).unwrap(), body);
    }
    let every_choice = with_full(|r| {
        r.kinds = ViolenceKind::ALL.to_vec();
        r.who = Perpetrator::ALL.to_vec();
        r.help = HelpWanted::ALL.to_vec();
        r.consent = Consent::ALL.to_vec();
    });
    let text = serde_json::to_vec(&every_choice).unwrap();
    assert_eq!(ReportBody::from_json(&text).unwrap(), every_choice);
    assert!(every_choice.validate(NOW, &sites()).is_ok());

    let payload = SealedPayload::new(Uuid::from_u128(42), NOW, "zw-2026", ReportBody::Full(full()));
    assert_eq!(payload.version, PAYLOAD_VERSION);
    assert_eq!(SealedPayload::from_json(&payload.to_json()).unwrap(), payload);
}

#[test]
fn the_json_is_snake_case_and_tagged() {
    let value = serde_json::to_value(ReportBody::Full(full())).unwrap();
    assert_eq!(value["type"], "full");
    assert_eq!(value["kinds"], json!(["physical", "robbery_or_economic"]));
    assert_eq!(
        value["when"],
        json!({"type": "between", "from": NOW - 10 * HOUR, "to": NOW - 8 * HOUR})
    );
    assert_eq!(value["who"], json!(["client", "unknown"]));
    assert_eq!(value["consent"], json!(["contact_me", "warn_others_anonymously"]));
    assert_eq!(value["contact"]["type"], "safe_time_and_number");

    let quick = json!({"type": "quick", "what": "arrest_or_police_harassment", "when": "last_three_days",
                       "wants": "urgent_medical_help"});
    let body = ReportBody::from_json(quick.to_string().as_bytes()).unwrap();
    assert_eq!(
        body,
        ReportBody::Quick(QuickReport {
            what: ViolenceKind::ArrestOrPoliceHarassment,
            when: QuickWhen::LastThreeDays,
            wants: QuickWant::UrgentMedicalHelp,
        })
    );
    let sos = json!({"type": "sos", "contact": {"type": "through_peer_educator"}});
    assert_eq!(
        ReportBody::from_json(sos.to_string().as_bytes()).unwrap(),
        ReportBody::Sos(Sos {
            contact: Some(SafeContact::ThroughPeerEducator)
        })
    );
    // Optional fields may be left out of a full report.
    let minimal = json!({"type": "full", "kinds": ["sexual"], "when": {"type": "exact", "at": NOW},
                         "consent": ["statistics_only"]});
    assert_eq!(
        ReportBody::from_json(minimal.to_string().as_bytes()).unwrap(),
        sexual_at(NOW)
    );
}

#[test]
fn unknown_fields_are_refused_everywhere() {
    let refused = |value: serde_json::Value| {
        let outcome = ReportBody::from_json(value.to_string().as_bytes());
        assert!(
            matches!(outcome, Err(Error::InvalidInput { field: "report", .. })),
            "accepted {value}"
        );
    };
    let full = serde_json::to_value(ReportBody::Full(full())).unwrap();
    let mut top = full.clone();
    top["gps"] = json!("-22.2,30.0");
    refused(top);
    let mut when = full.clone();
    when["when"]["approx"] = json!(true);
    refused(when);
    let mut place = full.clone();
    place["place"]["gps"] = json!("x");
    refused(place);
    let mut contact = full.clone();
    contact["contact"]["name"] = json!("x");
    refused(contact);
    let mut peer = full.clone();
    peer["contact"] = json!({"type": "through_peer_educator", "number": "123"});
    refused(peer);
    // A quick report is exactly three choices.
    refused(json!({"type": "quick", "what": "physical", "when": "today", "wants": "contact_me", "text": "x"}));
    refused(json!({"type": "quick", "what": "physical", "when": "today"}));
    refused(json!({"type": "sos", "contact": null, "text": "x"}));
    refused(json!({"type": "letter", "text": "x"}));
    refused(json!({"type": "quick", "what": "unheard_of", "when": "today", "wants": "contact_me"}));

    let payload = SealedPayload::new(
        Uuid::from_u128(1),
        NOW,
        "k",
        quick(ViolenceKind::Other, QuickWhen::Today),
    );
    let mut value = serde_json::to_value(&payload).unwrap();
    value["site"] = json!("beitbridge");
    assert!(SealedPayload::from_json(value.to_string().as_bytes()).is_err());
    let mut newer = serde_json::to_value(&payload).unwrap();
    newer["version"] = json!(2);
    assert!(matches!(
        SealedPayload::from_json(newer.to_string().as_bytes()),
        Err(Error::InvalidInput {
            field: "payload.version",
            ..
        })
    ));
}

#[test]
fn parse_errors_never_quote_what_the_person_wrote() {
    let mut value = serde_json::to_value(ReportBody::Full(full())).unwrap();
    value["text"] = json!(["MARKER-secret"]);
    value["kinds"] = json!(["MARKER-kind"]);
    let error = ReportBody::from_json(value.to_string().as_bytes()).unwrap_err();
    assert!(!error.to_string().contains("MARKER"), "{error}");
    let missing = json!({"type": "full", "kinds": ["sexual"], "when": {"type": "exact", "at": NOW}});
    let error = ReportBody::from_json(missing.to_string().as_bytes()).unwrap_err();
    assert!(error.to_string().contains("`consent` is missing"), "{error}");
}

#[test]
fn debug_output_reveals_nothing() {
    let payload = SealedPayload::new(Uuid::from_u128(9), NOW, "zw", ReportBody::Full(full()));
    let contact = SafeContact::SafeTimeAndNumber {
        when: "after 10".into(),
        number: "0771234567".into(),
    };
    for text in [
        format!("{payload:?}"),
        format!("{:?}", full()),
        format!("{:?}", ReportBody::Full(full())),
        format!("{contact:?}"),
        format!("{:?}", quick(ViolenceKind::Sexual, QuickWhen::Today)),
    ] {
        for secret in [
            "MARKER", "4567", "bruised", "truck", "Sexual", "Physical", "weekdays", "0771",
        ] {
            assert!(!text.contains(secret), "{text}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Validation

#[test]
fn a_complete_full_report_is_valid() {
    ReportBody::Full(full()).validate(NOW, &sites()).unwrap();
    quick(ViolenceKind::Sexual, QuickWhen::Earlier)
        .validate(NOW, &[])
        .unwrap();
    ReportBody::Sos(Sos { contact: None }).validate(NOW, &[]).unwrap();
}

#[test]
fn each_rule_names_its_field() {
    assert_eq!(refused_field(&with_full(|r| r.kinds.clear())), "kinds");
    assert_eq!(
        refused_field(&with_full(
            |r| r.kinds = vec![ViolenceKind::Sexual, ViolenceKind::Sexual]
        )),
        "kinds"
    );
    // Time: in the future (beyond 15 minutes), a range backwards, a range ending in the future.
    assert_eq!(
        refused_field(&with_full(|r| r.when = WhenItHappened::Exact { at: NOW + 2 * HOUR })),
        "when"
    );
    assert_eq!(
        refused_field(&with_full(|r| {
            r.when = WhenItHappened::Between {
                from: NOW - HOUR,
                to: NOW - 2 * HOUR,
            }
        })),
        "when"
    );
    assert_eq!(
        refused_field(&with_full(|r| {
            r.when = WhenItHappened::Between {
                from: NOW - HOUR,
                to: NOW + HOUR,
            }
        })),
        "when"
    );
    // A few minutes ahead (clock drift) is accepted.
    with_full(|r| r.when = WhenItHappened::Exact { at: NOW + 5 * 60 })
        .validate(NOW, &sites())
        .unwrap();
    with_full(|r| r.when = WhenItHappened::Between { from: NOW, to: NOW })
        .validate(NOW, &sites())
        .unwrap();

    assert_eq!(
        refused_field(&with_full(|r| {
            r.place = Some(Place {
                site: None,
                description: None,
            })
        })),
        "place"
    );
    assert_eq!(
        refused_field(&with_full(|r| r.place.as_mut().unwrap().site = Some("harare".into()))),
        "place.site"
    );
    assert_eq!(
        refused_field(&with_full(
            |r| r.place.as_mut().unwrap().site = Some("Beitbridge".into())
        )),
        "place.site"
    );
    assert_eq!(
        refused_field(&with_full(
            |r| r.place.as_mut().unwrap().description = Some("é".repeat(201))
        )),
        "place.description"
    );
    // Characters are counted, not bytes.
    with_full(|r| r.place.as_mut().unwrap().description = Some("é".repeat(200)))
        .validate(NOW, &sites())
        .unwrap();
    // A site without any site list installed cannot be checked, so it is refused.
    assert!(matches!(
        ReportBody::Full(full()).validate(NOW, &[]),
        Err(Error::InvalidInput {
            field: "place.site",
            ..
        })
    ));

    assert_eq!(
        refused_field(&with_full(|r| r.who = vec![Perpetrator::Police, Perpetrator::Police])),
        "who"
    );
    assert_eq!(
        refused_field(&with_full(|r| r.injuries = Some("x".repeat(1001)))),
        "injuries"
    );
    with_full(|r| r.injuries = Some("x".repeat(1000)))
        .validate(NOW, &sites())
        .unwrap();
    assert_eq!(
        refused_field(&with_full(
            |r| r.help = vec![HelpWanted::SafePlace, HelpWanted::SafePlace]
        )),
        "help"
    );
    assert_eq!(refused_field(&with_full(|r| r.consent.clear())), "consent");
    assert_eq!(
        refused_field(&with_full(
            |r| r.consent = vec![Consent::StatisticsOnly, Consent::StatisticsOnly]
        )),
        "consent"
    );
    // Asking to be contacted needs a safe way to do it.
    assert_eq!(refused_field(&with_full(|r| r.contact = None)), "contact");
    with_full(|r| {
        r.contact = None;
        r.consent = vec![Consent::StatisticsOnly];
    })
    .validate(NOW, &sites())
    .unwrap();

    assert_eq!(refused_field(&with_full(|r| r.text = Some("x".repeat(8001)))), "text");
    with_full(|r| r.text = Some("x".repeat(8000)))
        .validate(NOW, &sites())
        .unwrap();
}

#[test]
fn a_safe_contact_is_checked_in_full_reports_and_sos() {
    let contact = |when: &str, number: &str| SafeContact::SafeTimeAndNumber {
        when: when.into(),
        number: number.into(),
    };
    let cases = [
        (contact("after 10", "077 123 abc"), "contact.number"),
        (contact("after 10", "0771234567; drop"), "contact.number"),
        (contact("after 10", "+263 77 123 4567 8901"), "contact.number"),
        (contact("after 10", "+-"), "contact.number"),
        (contact("  ", "0771234567"), "contact.when"),
        (contact(&"a".repeat(101), "0771234567"), "contact.when"),
    ];
    for (bad, field) in cases {
        let full = with_full(|r| r.contact = Some(bad.clone()));
        assert_eq!(refused_field(&full), field);
        let sos = ReportBody::Sos(Sos { contact: Some(bad) });
        assert_eq!(refused_field(&sos), field);
    }
    for good in [
        contact("after 10", "+263 77-123-4567"),
        contact(&"a".repeat(100), "12345678901234567890"),
        SafeContact::ThroughPeerEducator,
    ] {
        ReportBody::Sos(Sos { contact: Some(good) }).validate(NOW, &[]).unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// Time ranges

#[test]
fn quick_answers_map_to_hours() {
    assert_eq!(
        quick(ViolenceKind::Physical, QuickWhen::Today).time_range(NOW),
        Some((NOW - 24 * HOUR, NOW))
    );
    assert_eq!(
        quick(ViolenceKind::Physical, QuickWhen::LastThreeDays).time_range(NOW),
        Some((NOW - 72 * HOUR, NOW))
    );
    assert_eq!(
        quick(ViolenceKind::Physical, QuickWhen::Earlier).time_range(NOW),
        Some((0, NOW - 72 * 3600))
    );
    assert_eq!(sexual_at(NOW - HOUR).time_range(NOW), Some((NOW - HOUR, NOW - HOUR)));
    assert_eq!(
        sexual_between(NOW - 9, NOW - 5).time_range(NOW),
        Some((NOW - 9, NOW - 5))
    );
    assert_eq!(ReportBody::Sos(Sos { contact: None }).time_range(NOW), Some((NOW, NOW)));
    // Extreme clocks do not overflow.
    assert_eq!(
        quick(ViolenceKind::Physical, QuickWhen::Today).time_range(i64::MIN),
        Some((i64::MIN, i64::MIN))
    );
}

#[test]
fn sexual_violence_is_recognised() {
    assert!(quick(ViolenceKind::Sexual, QuickWhen::Earlier).is_sexual());
    assert!(!quick(ViolenceKind::Physical, QuickWhen::Today).is_sexual());
    assert!(with_full(|r| r.kinds = vec![ViolenceKind::Physical, ViolenceKind::Sexual]).is_sexual());
    assert!(!ReportBody::Full(full()).is_sexual());
    assert!(!ReportBody::Sos(Sos { contact: None }).is_sexual());
}

// ---------------------------------------------------------------------------------------------
// Urgency

#[test]
fn sexual_violence_30_hours_ago_is_pep_urgent_with_the_nearest_clinics_first() {
    let safety = safety();
    let urgency = assess(&sexual_at(NOW - 30 * HOUR), NOW, Some("beitbridge"), Some(&safety));
    assert!(urgency.pep_urgent);
    assert!(urgency.offer_pep_reminder);
    assert!(urgency.emergency_contraception);
    assert_eq!(urgency.hours_left_for_pep, Some(42));
    assert_eq!(urgency.hours_left_for_emergency_contraception, Some(90));
    // PEP sites only (not plumtree), nearest first, those without coordinates after, by name.
    assert_eq!(
        clinic_ids(&urgency),
        [
            "beitbridge",
            "ngodwana",
            "inchope",
            "victoria-falls",
            "athens",
            "cato-ridge"
        ]
    );
    let distances: Vec<Option<f64>> = urgency.clinics.iter().map(|c| c.distance_km).collect();
    assert_eq!(distances[0], Some(0.0));
    let ngodwana = distances[1].unwrap();
    assert!((360.0..395.0).contains(&ngodwana), "{ngodwana}");
    assert!(distances[2].unwrap() > ngodwana && distances[3].unwrap() > distances[2].unwrap());
    assert_eq!(&distances[4..], [None, None]);
}

#[test]
fn without_a_picked_site_pep_clinics_are_listed_by_name() {
    let safety = safety();
    let expected = [
        "athens",
        "beitbridge",
        "cato-ridge",
        "inchope",
        "ngodwana",
        "victoria-falls",
    ];
    for near in [None, Some("harare"), Some("cato-ridge")] {
        let urgency = assess(&sexual_at(NOW - HOUR), NOW, near, Some(&safety));
        assert_eq!(clinic_ids(&urgency), expected, "{near:?}");
        assert!(urgency.clinics.iter().all(|clinic| clinic.distance_km.is_none()));
    }
    // Without a safety document there is nothing to list, but the urgency still stands.
    let urgency = assess(&sexual_at(NOW - HOUR), NOW, Some("beitbridge"), None);
    assert!(urgency.pep_urgent && urgency.clinics.is_empty());
}

#[test]
fn five_days_ago_flags_neither_pep_nor_emergency_contraception() {
    let safety = safety();
    let urgency = assess(&sexual_at(NOW - 5 * 24 * HOUR), NOW, Some("beitbridge"), Some(&safety));
    assert!(!urgency.pep_urgent && !urgency.offer_pep_reminder && !urgency.emergency_contraception);
    assert_eq!(urgency.hours_left_for_pep, None);
    assert_eq!(urgency.hours_left_for_emergency_contraception, None);
    // Every site is listed (the person may still want care), nearest first.
    assert_eq!(
        clinic_ids(&urgency),
        [
            "beitbridge",
            "plumtree",
            "ngodwana",
            "inchope",
            "victoria-falls",
            "athens",
            "cato-ridge"
        ]
    );
}

#[test]
fn a_hundred_hours_ago_flags_emergency_contraception_only() {
    let urgency = assess(&sexual_at(NOW - 100 * HOUR), NOW, Some("beitbridge"), Some(&safety()));
    assert!(!urgency.pep_urgent && !urgency.offer_pep_reminder);
    assert!(urgency.emergency_contraception);
    assert_eq!(urgency.hours_left_for_pep, None);
    assert_eq!(urgency.hours_left_for_emergency_contraception, Some(20));
    assert!(!clinic_ids(&urgency).contains(&"plumtree"));
}

#[test]
fn a_range_straddling_72_hours_counts_from_its_latest_moment() {
    let urgency = assess(&sexual_between(NOW - 80 * HOUR, NOW - 70 * HOUR), NOW, None, None);
    assert!(urgency.pep_urgent && urgency.emergency_contraception);
    assert_eq!(urgency.hours_left_for_pep, Some(2));
    assert_eq!(urgency.hours_left_for_emergency_contraception, Some(50));
    // Entirely before the window: no PEP.
    let urgency = assess(&sexual_between(NOW - 90 * HOUR, NOW - 73 * HOUR), NOW, None, None);
    assert!(!urgency.pep_urgent && urgency.emergency_contraception);
    // The boundary itself: exactly 72 hours ago is past; one second less is not (0 whole hours left).
    assert!(!assess(&sexual_at(NOW - 72 * HOUR), NOW, None, None).pep_urgent);
    let last_second = assess(&sexual_at(NOW - 72 * HOUR + 1), NOW, None, None);
    assert!(last_second.pep_urgent);
    assert_eq!(last_second.hours_left_for_pep, Some(0));
    // A time a few minutes ahead (clock drift) counts as now.
    assert_eq!(
        assess(&sexual_at(NOW + 300), NOW, None, None).hours_left_for_pep,
        Some(72)
    );
}

#[test]
fn quick_reports_flag_pep_unless_earlier() {
    for when in [QuickWhen::Today, QuickWhen::LastThreeDays] {
        let urgency = assess(&quick(ViolenceKind::Sexual, when), NOW, None, None);
        assert!(urgency.pep_urgent && urgency.emergency_contraception && urgency.offer_pep_reminder);
        assert_eq!(urgency.hours_left_for_pep, Some(72));
        assert_eq!(urgency.hours_left_for_emergency_contraception, Some(120));
    }
    let earlier = assess(&quick(ViolenceKind::Sexual, QuickWhen::Earlier), NOW, None, None);
    // "Earlier" may be 73 to 120 hours ago: no PEP, but emergency contraception is still offered.
    assert!(!earlier.pep_urgent && earlier.emergency_contraception && !earlier.offer_pep_reminder);
}

#[test]
fn other_violence_and_sos_never_flag_pep() {
    let safety = safety();
    for body in [
        quick(ViolenceKind::Physical, QuickWhen::Today),
        with_full(|r| r.when = WhenItHappened::Exact { at: NOW - HOUR }),
        ReportBody::Sos(Sos { contact: None }),
    ] {
        let urgency = assess(&body, NOW, Some("beitbridge"), Some(&safety));
        assert!(!urgency.pep_urgent && !urgency.emergency_contraception && !urgency.offer_pep_reminder);
        assert_eq!(urgency.hours_left_for_pep, None);
        assert_eq!(urgency.clinics.len(), safety.sites.len());
    }
}

#[test]
fn haversine_matches_known_distances() {
    // Beitbridge to Victoria Falls is about 640 km as the crow flies.
    let distance = haversine_km((-22.22, 30.0), (-17.93, 25.84));
    assert!((620.0..660.0).contains(&distance), "{distance}");
    // A quarter of the equator.
    let quarter = haversine_km((0.0, 0.0), (0.0, 90.0));
    assert!((quarter - 10_007.5).abs() < 1.0, "{quarter}");
    assert!((haversine_km((10.0, 20.0), (10.0, 20.0))).abs() < 1e-9);
}

// ---------------------------------------------------------------------------------------------
// Robustness

mod properties {
    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;

    /// JSON built from the model's own field names and values, so parsing goes deep.
    fn json_value() -> impl Strategy<Value = Value> {
        let words = prop::sample::select(vec![
            "type",
            "quick",
            "full",
            "sos",
            "what",
            "when",
            "wants",
            "kinds",
            "sexual",
            "today",
            "earlier",
            "contact_me",
            "exact",
            "between",
            "at",
            "from",
            "to",
            "place",
            "site",
            "beitbridge",
            "description",
            "who",
            "injuries",
            "help",
            "consent",
            "statistics_only",
            "contact",
            "safe_time_and_number",
            "through_peer_educator",
            "number",
            "text",
            "version",
            "report_id",
            "created_at",
            "team_key_id",
            "body",
        ]);
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(0i64), Just(NOW)].prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            words.clone().prop_map(|w| Value::String(w.into())),
            ".{0,30}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 8, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((words.clone(), inner), 0..8)
                    .prop_map(|pairs| Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
            ]
        })
    }

    fn exercise(bytes: &[u8], now: i64) {
        let safety = safety();
        if let Ok(body) = ReportBody::from_json(bytes) {
            let _ = body.validate(now, &sites());
            let _ = body.time_range(now);
            let _ = assess(&body, now, Some("beitbridge"), Some(&safety));
            let _ = format!("{body:?}");
        }
        let _ = SealedPayload::from_json(bytes);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Any string at all, parsed and validated, never panics.
        #[test]
        fn arbitrary_strings_never_panic(text in ".{0,300}", now in any::<i64>()) {
            exercise(text.as_bytes(), now);
        }

        /// Any JSON shaped like a report, with any numbers, never panics; what parses round-trips.
        #[test]
        fn arbitrary_json_never_panics(value in json_value(), now in any::<i64>()) {
            exercise(value.to_string().as_bytes(), now);
            if let Ok(body) = ReportBody::from_json(value.to_string().as_bytes()) {
                let again = serde_json::to_vec(&body).unwrap();
                prop_assert_eq!(ReportBody::from_json(&again).unwrap(), body);
            }
        }

        /// A valid report with one field replaced by anything: validation answers, never panics.
        #[test]
        fn a_valid_report_with_one_field_replaced_never_panics(
            field in prop::sample::select(vec![
                "kinds", "when", "place", "who", "injuries", "help", "consent", "contact", "text",
            ]),
            inner in prop::sample::select(vec!["", "at", "from", "to", "site", "description", "number", "when"]),
            value in json_value(),
            now in any::<i64>(),
        ) {
            let mut report = serde_json::to_value(ReportBody::Full(full())).unwrap();
            match report[field].as_object_mut() {
                Some(object) if !inner.is_empty() => {
                    object.insert(inner.to_string(), value);
                }
                _ => report[field] = value,
            }
            exercise(report.to_string().as_bytes(), now);
        }

        /// A valid report with a time anywhere: assess never panics, and flags are consistent.
        #[test]
        fn any_time_assesses_consistently(at in any::<i64>(), now in any::<i64>()) {
            let urgency = assess(&sexual_at(at), now, Some("beitbridge"), Some(&safety()));
            prop_assert!(!urgency.pep_urgent || urgency.emergency_contraception);
            prop_assert_eq!(urgency.pep_urgent, urgency.hours_left_for_pep.is_some());
            prop_assert!(urgency.hours_left_for_pep.unwrap_or(0) <= 72);
            prop_assert!(urgency.hours_left_for_emergency_contraception.unwrap_or(0) <= 120);
        }
    }
}
