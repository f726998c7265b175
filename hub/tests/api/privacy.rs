use corridor_core::sync::wire::{Role, Uuid, IDEMPOTENCY_KEY_HEADER};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{key, session_body, session_upload, TestHub, PASSWORD};

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

#[tokio::test]
async fn the_database_holds_no_address_token_or_password() {
    let hub = TestHub::start().await;
    // Every request must succeed, or the searches below would pass on a database that never
    // saw the secrets; the markers prove the search reads the files the writes went to.
    let educator = hub.account("educator", Role::Educator, &["beitbridge"]).await;
    let report = hub
        .submit_report(Uuid::new_v4(), "beitbridge", b"SEALED-MARKER-7d2e")
        .await;
    assert_eq!(report.status(), StatusCode::CREATED);
    let mut upload = session_upload("beitbridge", &[]);
    upload.notes = Some("SESSION-MARKER-4b1a".into());
    let intake = hub.intake_key(&educator).await;
    let session = hub
        .submit_session(&educator, &key(), &session_body(&intake, &upload))
        .await;
    assert_eq!(session.status(), StatusCode::CREATED);
    let write_token = "9f".repeat(32);
    let backup = hub
        .request(Method::PUT, &format!("/v1/backups/{}", "1e".repeat(32)))
        .bearer_auth(&write_token)
        .header(IDEMPOTENCY_KEY_HEADER, key())
        .body("BACKUP-MARKER-93c0")
        .send()
        .await
        .unwrap();
    assert_eq!(backup.status(), StatusCode::CREATED);
    let wrong = hub
        .request(Method::POST, "/v1/auth/login")
        .json(&json!({"username": "educator", "password": "WRONG-PASSWORD-61f8", "device_label": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let dir = hub.stop().await;

    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir.path().join("data")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            files.push(std::fs::read(&path).unwrap());
        }
    }
    assert!(!files.is_empty());
    for marker in [
        &b"SEALED-MARKER-7d2e"[..],
        b"SESSION-MARKER-4b1a",
        b"BACKUP-MARKER-93c0",
    ] {
        assert!(files.iter().any(|bytes| contains(bytes, marker)));
    }
    let educator_bytes = hex::decode(&educator).unwrap();
    let write_token_bytes = hex::decode(&write_token).unwrap();
    for bytes in &files {
        assert!(!contains(bytes, b"127.0.0.1"));
        assert!(!contains(bytes, educator.as_bytes()));
        assert!(!contains(bytes, &educator_bytes));
        assert!(!contains(bytes, write_token.as_bytes()));
        assert!(!contains(bytes, &write_token_bytes));
        assert!(!contains(bytes, PASSWORD.as_bytes()));
        assert!(!contains(bytes, b"WRONG-PASSWORD-61f8"));
    }
}
