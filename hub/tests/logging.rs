//! The hub's log and database never hold a secret or a client address. This file is its own
//! test binary because it installs the process-wide tracing subscriber that captures the log.

use std::io::Write;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use base64::Engine;
use corridor_core::sync::wire::{LoginResponse, Role, SecretString, Uuid, IDEMPOTENCY_KEY_HEADER};
use corridor_hub::{admin, HubConfig};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_log_and_the_database_hold_no_secret_and_no_address() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut config = HubConfig::new(&data, "127.0.0.1:0".parse().unwrap());
    config.report_rate_per_minute = 0;
    config.login_rate_per_minute = 0;
    let password = "a password nobody may see";
    admin::add_user(
        &data,
        "coordinator",
        &SecretString::new(password.into()),
        Role::Crt,
        &["beitbridge".into()],
    )
    .unwrap();
    let hub = corridor_hub::bind(config).await.unwrap();
    let base = format!("http://{}", hub.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(hub.serve(async {
        let _ = stopped.await;
    }));
    std::fs::write(data.join("content/private-file-name.bin"), b"content").unwrap();

    // Every request comes from 127.0.0.2, an address that appears nowhere else.
    let client_address: IpAddr = "127.0.0.2".parse().unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .no_proxy()
        .local_address(client_address)
        .build()
        .unwrap();

    let login: LoginResponse = client
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({"username": "coordinator", "password": password, "device_label": "laptop"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login.token.expose().to_owned();
    let wrong = client
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({"username": "coordinator", "password": "wrong-password-guess", "device_label": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    let report_id = Uuid::new_v4();
    let marker = b"REPORT-BODY-MARKER-51c9";
    let idempotency_key = Uuid::new_v4().to_string();
    let response = client
        .post(format!("{base}/v1/reports"))
        .header(IDEMPOTENCY_KEY_HEADER, &idempotency_key)
        .json(&json!({
            "report_id": report_id,
            "site": "beitbridge",
            "sealed": base64::engine::general_purpose::STANDARD.encode(marker),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    for (method, path) in [
        (Method::GET, format!("/v1/reports/{report_id}/status")),
        (Method::GET, "/v1/crt/reports?site=beitbridge&state=all".to_owned()),
        (Method::GET, format!("/v1/crt/reports/{report_id}")),
        (Method::GET, "/v1/content/private-file-name.bin".to_owned()),
        (Method::GET, "/v1/no-such-route-at-all".to_owned()),
    ] {
        let response = client
            .request(method, format!("{base}{path}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success() || response.status() == StatusCode::NOT_FOUND);
    }

    let lookup_id = "5a".repeat(32);
    let write_token = "c3".repeat(32);
    let backup_url = format!("{base}/v1/backups/{lookup_id}");
    let put = client
        .put(&backup_url)
        .bearer_auth(&write_token)
        .header(IDEMPOTENCY_KEY_HEADER, Uuid::new_v4().to_string())
        .body("encrypted backup")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::CREATED);
    let get = client.get(&backup_url).bearer_auth(&write_token).send().await.unwrap();
    assert_eq!(get.status(), StatusCode::OK);

    let _ = stop.send(());
    server.await.unwrap().unwrap();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("listening on 127.0.0.1:"), "{log}");
    assert!(log.contains("POST /v1/reports 201"), "{log}");
    assert!(log.contains("GET /v1/backups/{lookup_id} 200"), "{log}");
    assert!(log.contains("GET /v1/crt/reports/{report_id} 200"), "{log}");
    assert!(log.contains("POST /v1/auth/login 401"), "{log}");
    assert!(log.contains("GET /v1/content/{*path} 200"), "{log}");
    assert!(log.contains("GET (no route) 404"), "{log}");
    let base64_marker = base64::engine::general_purpose::STANDARD.encode(marker);
    for secret in [
        token.as_str(),
        &login.token_id,
        password,
        "wrong-password-guess",
        &lookup_id,
        &write_token,
        &report_id.to_string(),
        &idempotency_key,
        std::str::from_utf8(marker).unwrap(),
        &base64_marker,
        "127.0.0.2",
        "site=",
        "private-file-name",
        "no-such-route",
    ] {
        assert!(!log.contains(secret), "the log holds {secret:?}:\n{log}");
    }

    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(!bytes.windows(9).any(|window| window == b"127.0.0.2"), "{path:?}");
        }
    }
}
