use corridor_core::sync::wire::{codes, Role, SessionReceipt, Uuid, IDEMPOTENCY_KEY_HEADER, MAX_SESSION_BODY_LEN};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

use crate::common::{error_code, key, status_and_body, TestHub};

async fn submit(hub: &TestHub, token: &str, key: &str, body: &Value) -> Response {
    hub.request(Method::POST, "/v1/sessions")
        .bearer_auth(token)
        .header(IDEMPOTENCY_KEY_HEADER, key)
        .json(body)
        .send()
        .await
        .unwrap()
}

fn session(session_id: Uuid, site: &str, attendance: u32) -> Value {
    json!({
        "session_id": session_id,
        "site": site,
        "body": {"topic": "prep", "attendance": attendance},
    })
}

#[tokio::test]
async fn an_educator_submits_a_session_once() {
    let hub = TestHub::start().await;
    let educator = hub.account("educator", Role::Educator, &["beitbridge"]).await;
    let session_id = Uuid::new_v4();
    let body = session(session_id, "beitbridge", 12);
    let first_key = key();

    let first = status_and_body(submit(&hub, &educator, &first_key, &body).await).await;
    assert_eq!(first.0, StatusCode::CREATED);
    let receipt: SessionReceipt = serde_json::from_slice(&first.1).unwrap();
    assert_eq!(receipt.session_id, session_id);
    assert_eq!(
        status_and_body(submit(&hub, &educator, &first_key, &body).await).await,
        first
    );

    // The same session under another key (the tablet lost its key): the original receipt.
    let again = submit(&hub, &educator, &key(), &body).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<SessionReceipt>().await.unwrap(), receipt);

    let conflict = submit(&hub, &educator, &key(), &session(session_id, "beitbridge", 13)).await;
    assert_eq!(conflict.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(conflict).await, codes::ID_CONFLICT);

    let reused = submit(&hub, &educator, &first_key, &session(Uuid::new_v4(), "beitbridge", 1)).await;
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(reused).await, codes::IDEMPOTENCY_KEY_REUSED);
}

#[tokio::test]
async fn sessions_need_an_educator_of_the_site() {
    let hub = TestHub::start().await;
    let educator = hub.account("educator", Role::Educator, &["beitbridge"]).await;
    let crt = hub.account("coordinator", Role::Crt, &["beitbridge"]).await;
    let body = session(Uuid::new_v4(), "beitbridge", 3);

    let response = submit(&hub, &crt, &key(), &body).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = submit(&hub, &educator, &key(), &session(Uuid::new_v4(), "musina", 3)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(response).await, codes::FORBIDDEN);
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
}

#[tokio::test]
async fn an_oversized_session_body_is_refused() {
    let hub = TestHub::start().await;
    let educator = hub.account("educator", Role::Educator, &["beitbridge"]).await;
    let big = json!({
        "session_id": Uuid::new_v4(),
        "site": "beitbridge",
        "body": {"notes": "x".repeat(MAX_SESSION_BODY_LEN)},
    });
    let response = submit(&hub, &educator, &key(), &big).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(response).await, codes::TOO_LARGE);
}
