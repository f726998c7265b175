use corridor_core::sync::wire::{Account, ReportState, ReportStatus, Role, Uuid, IDEMPOTENCY_KEY_HEADER};
use reqwest::{Method, StatusCode};

use crate::common::{key, report_body, status_and_body, TestHub};

#[tokio::test]
async fn everything_acknowledged_survives_a_restart() {
    let hub = TestHub::start().await;
    assert!(hub.data_dir().join("hub.db").is_file());
    assert!(hub.data_dir().join("content").is_dir());
    let token = hub.account("coordinator", Role::Crt, &["beitbridge"]).await;
    let report_id = Uuid::new_v4();
    let report_key = key();
    let body = report_body(report_id, "beitbridge", b"sealed");
    let first = status_and_body(
        hub.request(Method::POST, "/v1/reports")
            .header(IDEMPOTENCY_KEY_HEADER, &report_key)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(first.0, StatusCode::CREATED);

    let dir = hub.stop().await;
    let hub = TestHub::start_in(dir, |_| {}).await;

    let replay = status_and_body(
        hub.request(Method::POST, "/v1/reports")
            .header(IDEMPOTENCY_KEY_HEADER, &report_key)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(replay, first);
    let status: ReportStatus = hub
        .request(Method::GET, &format!("/v1/reports/{report_id}/status"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status.state, ReportState::Received);
    let account = hub
        .request(Method::GET, "/v1/auth/me")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(account.status(), StatusCode::OK);
    assert_eq!(account.json::<Account>().await.unwrap().username, "coordinator");
}
