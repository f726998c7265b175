use corridor_core::sync::wire::{
    codes, Acknowledgement, InboxPage, ReportReceipt, ReportState, ReportStatus, Role, SealedReport, Uuid,
    IDEMPOTENCY_KEY_HEADER,
};
use corridor_hub::admin;
use reqwest::{Method, StatusCode};

use crate::common::{error_code, key, status_and_body, TestHub};

async fn inbox(hub: &TestHub, token: &str, query: &str) -> InboxPage {
    let response = hub
        .request(Method::GET, &format!("/v1/crt/reports{query}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.unwrap()
}

async fn ack(hub: &TestHub, token: &str, report_id: Uuid, key: &str) -> reqwest::Response {
    hub.request(Method::POST, &format!("/v1/crt/reports/{report_id}/ack"))
        .bearer_auth(token)
        .header(IDEMPOTENCY_KEY_HEADER, key)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_inbox_lists_the_accounts_sites_in_pages() {
    let hub = TestHub::start().await;
    let crt = hub.account("coordinator", Role::Crt, &["beitbridge", "musina"]).await;
    let mut mine = Vec::new();
    for index in 0..5u128 {
        let id = Uuid::from_u128(100 + index);
        let site = if index % 2 == 0 { "beitbridge" } else { "musina" };
        assert_eq!(
            hub.submit_report(id, site, b"sealed").await.status(),
            StatusCode::CREATED
        );
        mine.push(id);
    }
    assert_eq!(
        hub.submit_report(Uuid::new_v4(), "ressano-garcia", b"sealed")
            .await
            .status(),
        StatusCode::CREATED
    );

    let all = inbox(&hub, &crt, "").await;
    assert_eq!(all.reports.len(), 5);
    assert!(all.next.is_none());
    let mut listed: Vec<Uuid> = all.reports.iter().map(|entry| entry.report_id).collect();
    listed.sort();
    assert_eq!(listed, mine);
    assert!(all
        .reports
        .windows(2)
        .all(|pair| { (pair[0].received_at, pair[0].report_id) < (pair[1].received_at, pair[1].report_id) }));
    assert!(all
        .reports
        .iter()
        .all(|entry| entry.size == 6 && !entry.purged && entry.acknowledged_at.is_none()));

    let mut paged = Vec::new();
    let mut query = "?limit=2".to_owned();
    loop {
        let page = inbox(&hub, &crt, &query).await;
        assert!(page.reports.len() <= 2);
        paged.extend(page.reports.iter().map(|entry| entry.report_id));
        match page.next {
            Some(next) => query = format!("?limit=2&after={next}"),
            None => break,
        }
    }
    assert_eq!(
        paged,
        all.reports.iter().map(|entry| entry.report_id).collect::<Vec<_>>()
    );

    let one_site = inbox(&hub, &crt, "?site=musina").await;
    assert_eq!(one_site.reports.len(), 2);
    assert!(one_site.reports.iter().all(|entry| entry.site == "musina"));

    let response = hub
        .request(Method::GET, "/v1/crt/reports?site=ressano-garcia")
        .bearer_auth(&crt)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(response).await, codes::FORBIDDEN);
    for bad in ["?state=maybe", "?limit=0", "?limit=501", "?after=garbage"] {
        let response = hub
            .request(Method::GET, &format!("/v1/crt/reports{bad}"))
            .bearer_auth(&crt)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn a_coordinator_fetches_and_acknowledges_its_sites_reports_only() {
    let hub = TestHub::start().await;
    let crt = hub.account("coordinator", Role::Crt, &["beitbridge"]).await;
    let other = hub.account("elsewhere", Role::Crt, &["musina"]).await;
    let report_id = Uuid::new_v4();
    let receipt: ReportReceipt = hub
        .submit_report(report_id, "beitbridge", b"\x00\x01sealed\xff")
        .await
        .json()
        .await
        .unwrap();

    let response = hub
        .request(Method::GET, &format!("/v1/crt/reports/{report_id}"))
        .bearer_auth(&crt)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let sealed: SealedReport = response.json().await.unwrap();
    assert_eq!(sealed.sealed, b"\x00\x01sealed\xff");
    assert_eq!(sealed.site, "beitbridge");
    assert_eq!(sealed.received_at, receipt.received_at);

    // Another site's coordinator learns nothing: not in the list, 404 on fetch and ack.
    assert!(inbox(&hub, &other, "").await.reports.is_empty());
    let response = hub
        .request(Method::GET, &format!("/v1/crt/reports/{report_id}"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        ack(&hub, &other, report_id, &key()).await.status(),
        StatusCode::NOT_FOUND
    );

    let ack_key = key();
    let first = ack(&hub, &crt, report_id, &ack_key).await;
    assert_eq!(first.status(), StatusCode::OK);
    let (status, body) = status_and_body(first).await;
    let acknowledgement: Acknowledgement = serde_json::from_slice(&body).unwrap();
    assert_eq!(acknowledgement.report_id, report_id);
    assert_eq!(acknowledgement.purge_at, acknowledgement.acknowledged_at + 30 * 86_400);
    assert_eq!(
        status_and_body(ack(&hub, &crt, report_id, &ack_key).await).await,
        (status, body)
    );

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let again = ack(&hub, &crt, report_id, &key()).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Acknowledgement>().await.unwrap(), acknowledgement);

    let status: ReportStatus = hub
        .request(Method::GET, &format!("/v1/reports/{report_id}/status"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status.state, ReportState::Acknowledged);
    assert!(inbox(&hub, &crt, "").await.reports.is_empty());
    let all = inbox(&hub, &crt, "?state=all").await;
    assert_eq!(all.reports[0].acknowledged_at, Some(acknowledgement.acknowledged_at));

    let unknown = ack(&hub, &crt, Uuid::new_v4(), &key()).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let response = hub
        .request(Method::POST, &format!("/v1/crt/reports/{report_id}/ack"))
        .bearer_auth(&crt)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(response).await, codes::MISSING_IDEMPOTENCY_KEY);
    let response = hub
        .request(Method::POST, &format!("/v1/crt/reports/{report_id}/ack"))
        .bearer_auth(&crt)
        .header(IDEMPOTENCY_KEY_HEADER, key())
        .body("{\"note\":1}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = hub
        .request(Method::POST, &format!("/v1/crt/reports/{report_id}/ack"))
        .bearer_auth(&crt)
        .header(IDEMPOTENCY_KEY_HEADER, key())
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn only_coordinators_read_reports() {
    let hub = TestHub::start().await;
    let educator = hub.account("educator", Role::Educator, &["beitbridge"]).await;
    let admin = hub.account("admin", Role::Admin, &[]).await;
    let report_id = Uuid::new_v4();
    hub.submit_report(report_id, "beitbridge", b"sealed").await;
    for token in [&educator, &admin] {
        for (method, path) in [
            (Method::GET, "/v1/crt/reports".to_owned()),
            (Method::GET, format!("/v1/crt/reports/{report_id}")),
            (Method::POST, format!("/v1/crt/reports/{report_id}/ack")),
        ] {
            let response = hub
                .request(method, &path)
                .bearer_auth(token)
                .header(IDEMPOTENCY_KEY_HEADER, key())
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
            assert_eq!(error_code(response).await, codes::FORBIDDEN);
        }
    }
    let response = hub.request(Method::GET, "/v1/crt/reports").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(response).await, codes::UNAUTHORIZED);
}

#[tokio::test]
async fn purging_deletes_the_ciphertext_and_keeps_the_tombstone() {
    let hub = TestHub::start().await;
    let crt = hub.account("coordinator", Role::Crt, &["beitbridge"]).await;
    let report_id = Uuid::new_v4();
    let receipt: ReportReceipt = hub
        .submit_report(report_id, "beitbridge", b"sealed")
        .await
        .json()
        .await
        .unwrap();
    let acknowledgement: Acknowledgement = ack(&hub, &crt, report_id, &key()).await.json().await.unwrap();

    let early = admin::run_maintenance(&hub.config, acknowledgement.purge_at - 1).unwrap();
    assert_eq!(early.purged_reports, 0);
    let response = hub
        .request(Method::GET, &format!("/v1/crt/reports/{report_id}"))
        .bearer_auth(&crt)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let purged = admin::run_maintenance(&hub.config, acknowledgement.purge_at).unwrap();
    assert_eq!(purged.purged_reports, 1);
    let response = hub
        .request(Method::GET, &format!("/v1/crt/reports/{report_id}"))
        .bearer_auth(&crt)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::GONE);
    assert_eq!(error_code(response).await, codes::GONE);

    let status: ReportStatus = hub
        .request(Method::GET, &format!("/v1/reports/{report_id}/status"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status.state, ReportState::Acknowledged);
    let all = inbox(&hub, &crt, "?state=all").await;
    assert!(all.reports[0].purged);

    // The tombstone still deduplicates a late retry from the phone.
    let late = hub.submit_report(report_id, "beitbridge", b"sealed").await;
    assert_eq!(late.status(), StatusCode::OK);
    assert_eq!(late.json::<ReportReceipt>().await.unwrap(), receipt);
}

#[tokio::test]
async fn purged_ciphertext_leaves_no_copy_in_the_database_files() {
    let hub = TestHub::start().await;
    let crt = hub.account("coordinator", Role::Crt, &["beitbridge"]).await;
    let marker = b"PURGE-ME-MARKER-7f3a".repeat(64);
    let report_id = Uuid::new_v4();
    hub.submit_report(report_id, "beitbridge", &marker).await;
    let acknowledgement: Acknowledgement = ack(&hub, &crt, report_id, &key()).await.json().await.unwrap();
    let holds_marker = |data: &std::path::Path| {
        ["hub.db", "hub.db-wal"].iter().any(|name| {
            std::fs::read(data.join(name)).is_ok_and(|bytes| bytes.windows(20).any(|window| window == &marker[..20]))
        })
    };
    assert!(holds_marker(&hub.data_dir()), "the test looks for the wrong bytes");
    admin::run_maintenance(&hub.config, acknowledgement.purge_at).unwrap();
    let dir = hub.stop().await;
    assert!(!holds_marker(&dir.path().join("data")));
}
