use corridor_core::sync::wire::{codes, Role, Uuid, IDEMPOTENCY_KEY_HEADER};
use corridor_hub::admin;
use reqwest::{Method, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{error_code, key, report_body, session_body, session_upload, status_and_body, TestHub};

#[tokio::test]
async fn a_retry_while_the_first_attempt_uploads_is_told_to_wait() {
    let hub = TestHub::start().await;
    let key = key();
    // The first attempt is running (the hub said 100 Continue) and has sent half its body.
    let (mut first, rest, body) = crate::server::start_slow_report(&hub, &key).await;

    let busy = hub
        .request(Method::POST, "/v1/reports")
        .header(IDEMPOTENCY_KEY_HEADER, &key)
        .json(&report_body(Uuid::new_v4(), "beitbridge", b"another attempt"))
        .send()
        .await
        .unwrap();
    assert_eq!(busy.status(), StatusCode::CONFLICT);
    assert_eq!(busy.headers()["retry-after"], "1");
    assert_eq!(error_code(busy).await, codes::REQUEST_IN_PROGRESS);

    first.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    first.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8(answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let first_body = answer.split("\r\n\r\n").last().unwrap().to_owned();

    // Now a retry of the same request replays the first answer.
    let replay = hub
        .request(Method::POST, "/v1/reports")
        .header(IDEMPOTENCY_KEY_HEADER, &key)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let replay = status_and_body(replay).await;
    assert_eq!(replay.0, StatusCode::CREATED);
    assert_eq!(String::from_utf8(replay.1).unwrap(), first_body);
}

#[tokio::test]
async fn keys_are_scoped_per_caller() {
    let hub = TestHub::start().await;
    let one = hub.account("educator-one", Role::Educator, &["beitbridge"]).await;
    let two = hub.account("educator-two", Role::Educator, &["beitbridge"]).await;
    let shared_key = key();
    let intake = hub.intake_key(&one).await;
    for token in [&one, &two] {
        let body = session_body(&intake, &session_upload("beitbridge", &[]));
        let response = hub.submit_session(token, &shared_key, &body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    // The anonymous scope is another caller too.
    let response = hub
        .request(Method::POST, "/v1/reports")
        .header(IDEMPOTENCY_KEY_HEADER, &shared_key)
        .json(&report_body(Uuid::new_v4(), "beitbridge", b"x"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn keys_are_scoped_per_route_and_cover_the_path() {
    let hub = TestHub::start().await;
    let lookup = "ab".repeat(32);
    let write_token = "cd".repeat(32);
    let shared_key = key();
    let response = hub
        .request(Method::PUT, &format!("/v1/backups/{lookup}"))
        .bearer_auth(&write_token)
        .header(IDEMPOTENCY_KEY_HEADER, &shared_key)
        .body("backup")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = hub
        .request(Method::DELETE, &format!("/v1/backups/{lookup}"))
        .bearer_auth(&write_token)
        .header(IDEMPOTENCY_KEY_HEADER, &shared_key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // One key for acknowledgements of two reports: the second is another request.
    let crt = hub.account("coordinator", Role::Crt, &["beitbridge"]).await;
    let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
    hub.submit_report(first, "beitbridge", b"x").await;
    hub.submit_report(second, "beitbridge", b"y").await;
    let ack_key = key();
    let ack = |report_id: Uuid| {
        hub.request(Method::POST, &format!("/v1/crt/reports/{report_id}/ack"))
            .bearer_auth(&crt)
            .header(IDEMPOTENCY_KEY_HEADER, &ack_key)
            .send()
    };
    assert_eq!(ack(first).await.unwrap().status(), StatusCode::OK);
    let response = ack(second).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(response).await, codes::IDEMPOTENCY_KEY_REUSED);
}

#[tokio::test]
async fn refusals_are_not_stored_so_a_later_retry_succeeds() {
    let hub = TestHub::start().await;
    let crt = hub.account("coordinator", Role::Crt, &["beitbridge"]).await;
    let report_id = Uuid::new_v4();
    let ack_key = key();
    let ack = || {
        hub.request(Method::POST, &format!("/v1/crt/reports/{report_id}/ack"))
            .bearer_auth(&crt)
            .header(IDEMPOTENCY_KEY_HEADER, &ack_key)
            .send()
    };
    assert_eq!(ack().await.unwrap().status(), StatusCode::NOT_FOUND);
    hub.submit_report(report_id, "beitbridge", b"x").await;
    assert_eq!(ack().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn keys_expire_but_ids_stay_deduplicated() {
    let hub = TestHub::start().await;
    let report_id = Uuid::new_v4();
    let old_key = key();
    let send = |report_id: Uuid, key: &str, sealed: &'static [u8]| {
        hub.request(Method::POST, "/v1/reports")
            .header(IDEMPOTENCY_KEY_HEADER, key)
            .json(&report_body(report_id, "beitbridge", sealed))
            .send()
    };
    assert_eq!(
        send(report_id, &old_key, b"x").await.unwrap().status(),
        StatusCode::CREATED
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let kept = admin::run_maintenance(&hub.config, now + 6 * 86_400).unwrap();
    assert_eq!(kept.expired_idempotency_keys, 0);
    let expired = admin::run_maintenance(&hub.config, now + 8 * 86_400).unwrap();
    assert_eq!(expired.expired_idempotency_keys, 1);

    // The forgotten key may now name another request; the old report is still known by its id.
    assert_eq!(
        send(Uuid::new_v4(), &old_key, b"y").await.unwrap().status(),
        StatusCode::CREATED
    );
    assert_eq!(send(report_id, &key(), b"x").await.unwrap().status(), StatusCode::OK);
}
