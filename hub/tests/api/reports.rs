use corridor_core::sync::wire::{
    codes, Health, ReportReceipt, ReportState, ReportStatus, Uuid, IDEMPOTENCY_KEY_HEADER, MAX_JSON_BODY_LEN,
    MAX_SEALED_REPORT_LEN, PROTOCOL_VERSION,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{error_code, key, report_body, status_and_body, TestHub};

#[tokio::test]
async fn health_names_the_protocol() {
    let hub = TestHub::start().await;
    let response = hub.request(Method::GET, "/v1/health").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let health: Health = response.json().await.unwrap();
    assert_eq!(health.status, "ok");
    assert_eq!(health.protocol, PROTOCOL_VERSION);
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json_errors() {
    let hub = TestHub::start().await;
    let response = hub.request(Method::GET, "/v1/nothing").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(response).await, codes::NOT_FOUND);
    let response = hub.request(Method::DELETE, "/v1/reports").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_code(response).await, codes::BAD_REQUEST);
}

#[tokio::test]
async fn a_report_is_received_and_its_status_can_be_asked() {
    let hub = TestHub::start().await;
    let report_id = Uuid::new_v4();
    let response = hub.submit_report(report_id, "beitbridge", b"sealed bytes").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let receipt: ReportReceipt = response.json().await.unwrap();
    assert_eq!(receipt.report_id, report_id);
    assert!(receipt.received_at > 1_700_000_000);

    let response = hub
        .request(Method::GET, &format!("/v1/reports/{report_id}/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let status: ReportStatus = response.json().await.unwrap();
    assert_eq!(status.state, ReportState::Received);

    for unknown in [Uuid::new_v4().to_string(), "not-a-uuid".into()] {
        let response = hub
            .request(Method::GET, &format!("/v1/reports/{unknown}/status"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_retry_with_the_same_key_replays_the_answer_exactly() {
    let hub = TestHub::start().await;
    let key = key();
    let body = report_body(Uuid::new_v4(), "beitbridge", b"sealed");
    let send = || {
        hub.request(Method::POST, "/v1/reports")
            .header(IDEMPOTENCY_KEY_HEADER, &key)
            .json(&body)
            .send()
    };
    let first = status_and_body(send().await.unwrap()).await;
    assert_eq!(first.0, StatusCode::CREATED);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let second = status_and_body(send().await.unwrap()).await;
    assert_eq!(first, second);
}

#[tokio::test]
async fn a_key_reused_with_another_body_is_refused() {
    let hub = TestHub::start().await;
    let key = key();
    let send = |sealed: &'static [u8]| {
        hub.request(Method::POST, "/v1/reports")
            .header(IDEMPOTENCY_KEY_HEADER, &key)
            .json(&report_body(Uuid::from_u128(5), "beitbridge", sealed))
            .send()
    };
    assert_eq!(send(b"one").await.unwrap().status(), StatusCode::CREATED);
    let response = send(b"two").await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(response).await, codes::IDEMPOTENCY_KEY_REUSED);
}

#[tokio::test]
async fn writes_need_a_well_formed_key() {
    let hub = TestHub::start().await;
    let body = report_body(Uuid::new_v4(), "beitbridge", b"sealed");
    let response = hub
        .request(Method::POST, "/v1/reports")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(response).await, codes::MISSING_IDEMPOTENCY_KEY);
    for bad in [
        "12345",
        "67e5504410b1426f9247bb680e5fe0c8",
        "zzzzzzzz-10b1-426f-9247-bb680e5fe0c8",
    ] {
        let response = hub
            .request(Method::POST, "/v1/reports")
            .header(IDEMPOTENCY_KEY_HEADER, bad)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error_code(response).await, codes::INVALID_IDEMPOTENCY_KEY, "{bad}");
    }
}

#[tokio::test]
async fn a_report_id_is_deduplicated_forever_across_keys() {
    let hub = TestHub::start().await;
    let report_id = Uuid::new_v4();
    let first = hub.submit_report(report_id, "beitbridge", b"sealed").await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: ReportReceipt = first.json().await.unwrap();

    let again = hub.submit_report(report_id, "beitbridge", b"sealed").await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<ReportReceipt>().await.unwrap(), first);

    for (site, sealed) in [("beitbridge", &b"other"[..]), ("musina", &b"sealed"[..])] {
        let conflict = hub.submit_report(report_id, site, sealed).await;
        assert_eq!(conflict.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_code(conflict).await, codes::ID_CONFLICT);
    }
}

#[tokio::test]
async fn malformed_and_oversized_reports_are_refused() {
    let hub = TestHub::start().await;
    let bad_site = hub.submit_report(Uuid::new_v4(), "Beit Bridge", b"x").await;
    assert_eq!(bad_site.status(), StatusCode::BAD_REQUEST);
    let empty = hub.submit_report(Uuid::new_v4(), "beitbridge", b"").await;
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    let too_large = hub
        .submit_report(Uuid::new_v4(), "beitbridge", &vec![7u8; MAX_SEALED_REPORT_LEN + 1])
        .await;
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(too_large).await, codes::TOO_LARGE);

    let mut extra = report_body(Uuid::new_v4(), "beitbridge", b"x");
    extra["device"] = json!("phone of someone");
    let response = hub
        .request(Method::POST, "/v1/reports")
        .header(IDEMPOTENCY_KEY_HEADER, key())
        .json(&extra)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(response).await, codes::BAD_REQUEST);

    let response = hub
        .request(Method::POST, "/v1/reports")
        .header(IDEMPOTENCY_KEY_HEADER, key())
        .body(vec![b' '; MAX_JSON_BODY_LEN + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(response).await, codes::TOO_LARGE);
}

#[tokio::test]
async fn anonymous_routes_are_rate_limited_per_address() {
    let hub = TestHub::start_with(|config| config.report_rate_per_minute = 2).await;
    let report_id = Uuid::new_v4();
    assert_eq!(
        hub.submit_report(report_id, "beitbridge", b"x").await.status(),
        StatusCode::CREATED
    );
    let status = hub
        .request(Method::GET, &format!("/v1/reports/{report_id}/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), StatusCode::OK);
    let limited = hub.submit_report(Uuid::new_v4(), "beitbridge", b"x").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    assert_eq!(error_code(limited).await, codes::RATE_LIMITED);
    // Health and content are not limited.
    let health = hub.request(Method::GET, "/v1/health").send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}
