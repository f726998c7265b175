use corridor_core::sync::wire::{codes, BackupReceipt, IDEMPOTENCY_KEY_HEADER, MAX_BACKUP_LEN};
use reqwest::{Method, Response, StatusCode};

use crate::common::{error_code, key, status_and_body, TestHub};

const LOOKUP: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn token(byte: char) -> String {
    byte.to_string().repeat(64)
}

async fn put(hub: &TestHub, write_token: &str, key: &str, body: &[u8]) -> Response {
    hub.request(Method::PUT, &format!("/v1/backups/{LOOKUP}"))
        .bearer_auth(write_token)
        .header(IDEMPOTENCY_KEY_HEADER, key)
        .header("content-type", "application/octet-stream")
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
}

async fn get(hub: &TestHub, write_token: Option<&str>) -> Response {
    let mut request = hub.request(Method::GET, &format!("/v1/backups/{LOOKUP}"));
    if let Some(write_token) = write_token {
        request = request.bearer_auth(write_token);
    }
    request.send().await.unwrap()
}

async fn delete(hub: &TestHub, write_token: &str, key: &str) -> Response {
    hub.request(Method::DELETE, &format!("/v1/backups/{LOOKUP}"))
        .bearer_auth(write_token)
        .header(IDEMPOTENCY_KEY_HEADER, key)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_backup_round_trips_under_its_write_token() {
    let hub = TestHub::start().await;
    let owner = token('a');
    let first_key = key();
    let created = status_and_body(put(&hub, &owner, &first_key, b"backup one").await).await;
    assert_eq!(created.0, StatusCode::CREATED);
    let receipt: BackupReceipt = serde_json::from_slice(&created.1).unwrap();
    assert_eq!(receipt.size, 10);
    assert_eq!(
        status_and_body(put(&hub, &owner, &first_key, b"backup one").await).await,
        created
    );

    let response = get(&hub, Some(&owner)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/octet-stream");
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"backup one");

    let replaced = put(&hub, &owner, &key(), b"backup two, longer").await;
    assert_eq!(replaced.status(), StatusCode::OK);
    assert_eq!(replaced.json::<BackupReceipt>().await.unwrap().size, 18);
    assert_eq!(
        get(&hub, Some(&owner)).await.bytes().await.unwrap().as_ref(),
        b"backup two, longer"
    );

    // Another token may not overwrite, read or delete it, and learns nothing from reading.
    let stranger = token('b');
    let response = put(&hub, &stranger, &key(), b"overwrite").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(response).await, codes::FORBIDDEN);
    assert_eq!(get(&hub, Some(&stranger)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(get(&hub, None).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(delete(&hub, &stranger, &key()).await.status(), StatusCode::NOT_FOUND);

    let delete_key = key();
    let deleted = delete(&hub, &owner, &delete_key).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(get(&hub, Some(&owner)).await.status(), StatusCode::NOT_FOUND);
    // A retried delete replays its 204; a new delete finds nothing.
    assert_eq!(delete(&hub, &owner, &delete_key).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(delete(&hub, &owner, &key()).await.status(), StatusCode::NOT_FOUND);

    // Once deleted, the lookup id is free for a new token.
    assert_eq!(put(&hub, &stranger, &key(), b"new").await.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn malformed_backup_requests_are_refused() {
    let hub = TestHub::start().await;
    let owner = token('c');
    for bad in ["short", &LOOKUP.to_uppercase(), &format!("{LOOKUP}0")] {
        let response = hub
            .request(Method::PUT, &format!("/v1/backups/{bad}"))
            .bearer_auth(&owner)
            .header(IDEMPOTENCY_KEY_HEADER, key())
            .body("x")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{bad}");
    }
    let response = hub
        .request(Method::PUT, &format!("/v1/backups/{LOOKUP}"))
        .header(IDEMPOTENCY_KEY_HEADER, key())
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = put(&hub, "abc", &key(), b"x").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = hub
        .request(Method::PUT, &format!("/v1/backups/{LOOKUP}"))
        .bearer_auth(&owner)
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(response).await, codes::MISSING_IDEMPOTENCY_KEY);
    let response = put(&hub, &owner, &key(), b"").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = put(&hub, &owner, &key(), &vec![1u8; MAX_BACKUP_LEN + 1]).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(response).await, codes::TOO_LARGE);
    assert_eq!(get(&hub, Some(&owner)).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_backup_of_the_largest_size_is_kept_whole() {
    let hub = TestHub::start().await;
    let owner = token('d');
    let body: Vec<u8> = (0..MAX_BACKUP_LEN).map(|index| (index % 251) as u8).collect();
    assert_eq!(put(&hub, &owner, &key(), &body).await.status(), StatusCode::CREATED);
    let fetched = get(&hub, Some(&owner)).await.bytes().await.unwrap();
    assert!(fetched.as_ref() == body.as_slice());
}
