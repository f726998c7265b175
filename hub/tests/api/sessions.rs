use corridor_core::reports::seal::{SealKind, TeamPrivateKey};
use corridor_core::sync::wire::{
    codes, Role, SessionIntakeKey, SessionReceipt, Uuid, IDEMPOTENCY_KEY_HEADER, MAX_JSON_BODY_LEN,
};
use corridor_hub::reach::{self, Period, ReachQuery};
use corridor_hub::{HubConfig, HubError};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{
    client_code, error_code, key, session_body, session_body_as, session_upload, status_and_body, TestHub,
};

async fn refusal(response: reqwest::Response) -> (StatusCode, String, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap().to_owned(),
        body["message"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn only_educators_get_the_intake_key_and_it_stays_the_same_across_restarts() {
    let hub = TestHub::start().await;
    let educator = hub.account("educator", Role::Educator, &["beitbridge"]).await;
    let crt = hub.account("coordinator", Role::Crt, &["beitbridge"]).await;
    let admin = hub.account("admin", Role::Admin, &[]).await;
    let key = hub.intake_key(&educator).await;
    assert!(key.key_id.starts_with("hub-intake-"), "{}", key.key_id);
    for token in [&crt, &admin] {
        let response = hub
            .request(Method::GET, "/v1/sessions/intake-key")
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(error_code(response).await, codes::FORBIDDEN);
    }
    let anonymous = hub
        .request(Method::GET, "/v1/sessions/intake-key")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let dir = hub.stop().await;
    let hub = TestHub::start_in(dir, |_| {}).await;
    let educator = hub.login("educator").await;
    let raw: SessionIntakeKey = hub
        .request(Method::GET, "/v1/sessions/intake-key")
        .bearer_auth(&educator)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw.key_id, key.key_id);
    assert_eq!(raw.x25519_public, hex::encode(key.public));

    // Once the hub holds a session, a lost key file stops the hub from starting (rather than
    // making new keys that would count everyone as first-time again), unless asked to.
    let response = hub
        .submit_session(
            &educator,
            &crate::common::key(),
            &session_body(&key, &session_upload("beitbridge", &[client_code()])),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let dir = hub.stop().await;
    std::fs::remove_file(dir.path().join("data/session-keys.json")).unwrap();
    let mut config = HubConfig::new(dir.path().join("data"), "127.0.0.1:0".parse().unwrap());
    let refused = corridor_hub::bind(config.clone())
        .await
        .err()
        .expect("the hub refuses to start");
    assert!(matches!(refused, HubError::SessionKeysMissing), "{refused}");
    assert!(refused.to_string().contains("restore the file from its backup"));
    config.new_session_keys = true;
    assert!(corridor_hub::bind(config).await.is_ok());
}

#[tokio::test]
async fn a_sealed_session_is_taken_once() {
    let hub = TestHub::start().await;
    let educator = hub.account("educator", Role::Educator, &["beitbridge"]).await;
    let intake = hub.intake_key(&educator).await;
    let upload = session_upload("beitbridge", &[client_code(), client_code()]);
    let body = session_body(&intake, &upload);
    let first_key = key();

    let first = status_and_body(hub.submit_session(&educator, &first_key, &body).await).await;
    assert_eq!(first.0, StatusCode::CREATED);
    let receipt: SessionReceipt = serde_json::from_slice(&first.1).unwrap();
    assert_eq!(receipt.session_id, upload.session_id);
    // The same request again (the answer was lost): the same answer.
    assert_eq!(
        status_and_body(hub.submit_session(&educator, &first_key, &body).await).await,
        first
    );
    // The same session sealed again under the same key (a tablet that re-seals after a crash
    // or a discarded item: other bytes, the same content): the same answer.
    let resealed = status_and_body(
        hub.submit_session(&educator, &first_key, &session_body(&intake, &upload))
            .await,
    )
    .await;
    assert_eq!(resealed, first);
    // The same session sealed again under another key (the tablet lost its key): the original
    // receipt with 200.
    let again = hub
        .submit_session(&educator, &key(), &session_body(&intake, &upload))
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<SessionReceipt>().await.unwrap(), receipt);

    // Other content under the same session id.
    let mut changed = upload.clone();
    changed.walk_ins[0].count = 3;
    let conflict = hub
        .submit_session(&educator, &key(), &session_body(&intake, &changed))
        .await;
    assert_eq!(conflict.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(conflict).await, codes::ID_CONFLICT);

    // The first key with another request.
    let other = session_body(&intake, &session_upload("beitbridge", &[]));
    let reused = hub.submit_session(&educator, &first_key, &other).await;
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(reused).await, codes::IDEMPOTENCY_KEY_REUSED);

    // Reach counts the two people once and the walk-ins.
    let rows = reach::reach(
        &hub.data_dir(),
        &ReachQuery::new(Period::month(&month_of(upload.started_at)).unwrap(), None).unwrap(),
    )
    .unwrap();
    let all_female = rows
        .iter()
        .find(|row| row.site == "all" && row.gender == "female")
        .unwrap();
    assert_eq!((all_female.first_time, all_female.people_with_code), (2, 2));
    let all_male = rows
        .iter()
        .find(|row| row.site == "all" && row.gender == "male")
        .unwrap();
    assert_eq!((all_male.walk_ins, all_male.total), (2, 2));
}

fn month_of(unix: i64) -> String {
    corridor_core::sessions::upload::programme_month(unix).unwrap()
}

#[tokio::test]
async fn a_session_the_hub_cannot_open_is_refused_as_unreadable() {
    let hub = TestHub::start().await;
    let educator = hub.account("educator", Role::Educator, &["beitbridge"]).await;
    let intake = hub.intake_key(&educator).await;
    let upload = session_upload("beitbridge", &[client_code()]);

    let as_report = session_body_as(SealKind::Report, &intake, &upload);
    let other_key = TeamPrivateKey::generate(&intake.key_id).unwrap().public();
    let to_other_key = session_body(&other_key, &upload);
    let mut garbage = session_body(&intake, &upload);
    garbage["sealed"] = json!("AAAA");
    let mut altered_bytes = session_body(&intake, &upload);
    {
        use base64::Engine;
        let engine = base64::engine::general_purpose::STANDARD;
        let mut sealed = engine.decode(altered_bytes["sealed"].as_str().unwrap()).unwrap();
        let middle = sealed.len() / 2;
        sealed[middle] ^= 1;
        altered_bytes["sealed"] = json!(engine.encode(sealed));
    }
    for (what, body) in [
        ("sealed as a report", as_report),
        ("sealed to another key with the same id", to_other_key),
        ("not sealed at all", garbage),
        ("altered", altered_bytes),
    ] {
        let (status, code, message) = refusal(hub.submit_session(&educator, &key(), &body).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {message}");
        assert_eq!(code, "session_unreadable", "{what}: {message}");
        assert!(message.starts_with("session: "), "{what}: {message}");
    }
    // Nothing was stored: the real one is still new.
    let response = hub
        .submit_session(&educator, &key(), &session_body(&intake, &upload))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn an_opened_session_must_pass_the_checks_and_match_its_submission() {
    let hub = TestHub::start().await;
    let educator = hub.account("educator", Role::Educator, &["beitbridge", "musina"]).await;
    let intake = hub.intake_key(&educator).await;

    let code = client_code();
    let mut twice = session_upload("beitbridge", &[code.clone(), code]);
    twice.notes = Some("x".into());
    let (status, error, message) = refusal(
        hub.submit_session(&educator, &key(), &session_body(&intake, &twice))
            .await,
    )
    .await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_session")
    );
    assert!(message.contains("twice"), "{message}");

    let mut future = session_upload("beitbridge", &[]);
    future.started_at += 7 * 86_400;
    future.closed_at += 7 * 86_400;
    let (status, error, message) = refusal(
        hub.submit_session(&educator, &key(), &session_body(&intake, &future))
            .await,
    )
    .await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_session")
    );
    assert!(message.contains("started_at"), "{message}");

    // The clear site says musina (the account's), the sealed one beitbridge.
    let upload = session_upload("beitbridge", &[client_code()]);
    let mut other_site = session_body(&intake, &upload);
    other_site["site"] = json!("musina");
    let (status, error, message) = refusal(hub.submit_session(&educator, &key(), &other_site).await).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_session")
    );
    assert!(message.starts_with("site:"), "{message}");

    let mut other_id = session_body(&intake, &upload);
    other_id["session_id"] = json!(Uuid::new_v4());
    let (status, error, message) = refusal(hub.submit_session(&educator, &key(), &other_id).await).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_session")
    );
    assert!(message.starts_with("session_id:"), "{message}");

    // A correction of a session the hub does not have.
    let mut orphan = session_upload("beitbridge", &[]);
    orphan.corrects = Some(Uuid::new_v4());
    let (status, error, message) = refusal(
        hub.submit_session(&educator, &key(), &session_body(&intake, &orphan))
            .await,
    )
    .await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::CONFLICT, codes::ORIGINAL_NOT_RECEIVED),
        "not yet: the tablet's outbox sends it again later"
    );
    assert!(message.contains("does not have the corrected session yet"), "{message}");

    // Once the original is there, the same correction is taken.
    let original = session_upload("beitbridge", &[client_code()]);
    let response = hub
        .submit_session(&educator, &key(), &session_body(&intake, &original))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    orphan.corrects = Some(original.session_id);
    let response = hub
        .submit_session(&educator, &key(), &session_body(&intake, &orphan))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn sessions_need_an_educator_of_the_site() {
    let hub = TestHub::start().await;
    let educator = hub.account("educator", Role::Educator, &["beitbridge"]).await;
    let crt = hub.account("coordinator", Role::Crt, &["beitbridge"]).await;
    let intake = hub.intake_key(&educator).await;
    let body = session_body(&intake, &session_upload("beitbridge", &[]));

    let response = hub.submit_session(&crt, &key(), &body).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let elsewhere = session_body(&intake, &session_upload("musina", &[]));
    let response = hub.submit_session(&educator, &key(), &elsewhere).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(response).await, codes::FORBIDDEN);
    let mut bad_site = body.clone();
    bad_site["site"] = json!("Beit Bridge");
    let response = hub.submit_session(&educator, &key(), &bad_site).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = hub
        .request(Method::POST, "/v1/sessions")
        .header(IDEMPOTENCY_KEY_HEADER, key())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = hub
        .request(Method::POST, "/v1/sessions")
        .bearer_auth(&educator)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(response).await, codes::MISSING_IDEMPOTENCY_KEY);
    // The old plaintext form is no longer taken.
    let plaintext = json!({"session_id": Uuid::new_v4(), "site": "beitbridge", "body": {"attendance": 3}});
    let response = hub.submit_session(&educator, &key(), &plaintext).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_oversized_submission_is_refused() {
    let hub = TestHub::start().await;
    let educator = hub.account("educator", Role::Educator, &["beitbridge"]).await;
    let big = json!({
        "session_id": Uuid::new_v4(),
        "site": "beitbridge",
        "sealed": "A".repeat(MAX_JSON_BODY_LEN),
    });
    let response = hub.submit_session(&educator, &key(), &big).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(response).await, codes::TOO_LARGE);
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

/// Every file in the data directory, by name.
fn data_files(hub_data: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(hub_data)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .map(|path| {
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&path).unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn no_attendee_code_reaches_the_hub_database() {
    let hub = TestHub::start().await;
    let educator = hub.account("educator", Role::Educator, &["beitbridge"]).await;
    let intake = hub.intake_key(&educator).await;
    let codes: Vec<String> = (0..20).map(|_| client_code()).collect();
    let mut first = session_upload("beitbridge", &codes[..12]);
    first.notes = Some("NOTE-MARKER-51c9".into());
    let response = hub
        .submit_session(&educator, &key(), &session_body(&intake, &first))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let mut second = session_upload("beitbridge", &codes[8..]);
    second.notes = Some("NOTE-MARKER-51c9".into());
    let response = hub
        .submit_session(&educator, &key(), &session_body(&intake, &second))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    // A correction removing two codes (they reach the hub inside the sealed upload only).
    let mut fix = session_upload("beitbridge", &[]);
    fix.corrects = Some(first.session_id);
    fix.removed_attendees = codes[..2].to_vec();
    fix.walk_ins.clear();
    let response = hub
        .submit_session(&educator, &key(), &session_body(&intake, &fix))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let check = |files: &[(String, Vec<u8>)]| {
        let databases: Vec<&(String, Vec<u8>)> = files.iter().filter(|(name, _)| name.starts_with("hub.db")).collect();
        assert!(
            databases.iter().any(|(name, _)| name == "hub.db-wal"),
            "the WAL is searched"
        );
        // The search reads the files the sessions went to: the note is there.
        assert!(databases.iter().any(|(_, bytes)| contains(bytes, b"NOTE-MARKER-51c9")));
        for (name, bytes) in files {
            for code in &codes {
                let compact: String = code.chars().filter(char::is_ascii_alphanumeric).collect();
                assert!(!contains(bytes, code.as_bytes()), "a code in {name}");
                assert!(!contains(bytes, compact.as_bytes()), "a code in {name}");
                assert!(!contains(bytes, code.to_lowercase().as_bytes()), "a code in {name}");
            }
        }
    };
    // While the hub runs (the sessions are still in the WAL) ...
    check(&data_files(&hub.data_dir()));
    let month = month_of(first.started_at);
    let dir = hub.stop().await;
    // ... and after it stopped.
    let files = data_files(&dir.path().join("data"));
    for (name, bytes) in &files {
        for code in &codes {
            assert!(!contains(bytes, code.as_bytes()), "a code in {name}");
        }
    }
    // 20 people, two of them removed again.
    let rows = reach::reach(
        &dir.path().join("data"),
        &ReachQuery::new(Period::month(&month).unwrap(), Some("beitbridge")).unwrap(),
    )
    .unwrap();
    let female = rows.iter().find(|row| row.gender == "female").unwrap();
    assert_eq!(female.people_with_code, 18);
}
