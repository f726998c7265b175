use std::time::Duration;

use corridor_core::sync::wire::Uuid;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{error_code, key, report_body, TestHub, PASSWORD};

/// Opens a connection and starts a report submission: its head (with `Expect: 100-continue`,
/// so the hub's `100 Continue` shows that the handler is running) and half its body. Returns the
/// connection, the rest of the body and the whole body.
pub async fn start_slow_report(hub: &TestHub, key: &str) -> (TcpStream, String, String) {
    let body = report_body(Uuid::new_v4(), "beitbridge", b"slow").to_string();
    let (half, rest) = body.split_at(body.len() / 2);
    let mut stream = TcpStream::connect(hub.addr).await.unwrap();
    let head = format!(
        "POST /v1/reports HTTP/1.1\r\nHost: hub\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Expect: 100-continue\r\nIdempotency-Key: {key}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut interim = [0u8; 25];
    stream.read_exact(&mut interim).await.unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(half.as_bytes()).await.unwrap();
    (stream, rest.to_owned(), body.clone())
}

async fn read_all(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let hub = TestHub::start_with(|config| config.header_read_timeout = Duration::from_millis(300)).await;
    let mut stream = TcpStream::connect(hub.addr).await.unwrap();
    stream
        .write_all(b"GET /v1/health HTTP/1.1\r\nHost: hub\r\n")
        .await
        .unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(10), read_all(&mut stream))
        .await
        .expect("the hub closes the connection");
    assert!(!answer.contains("200 OK"), "{answer}");
}

#[tokio::test]
async fn a_body_that_stops_arriving_is_answered_with_a_timeout() {
    let hub = TestHub::start_with(|config| config.body_idle_timeout = Duration::from_millis(300)).await;
    let (mut stream, _, _) = start_slow_report(&hub, &key()).await;
    let answer = tokio::time::timeout(Duration::from_secs(10), read_all(&mut stream))
        .await
        .expect("the hub answers");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"error\":\"timeout\""), "{answer}");
}

/// Starts `PUT /v1/backups/…` of `len` bytes on a raw connection; returns it after the head.
async fn start_backup_upload(hub: &TestHub, len: usize) -> TcpStream {
    let mut stream = TcpStream::connect(hub.addr).await.unwrap();
    let head = format!(
        "PUT /v1/backups/{} HTTP/1.1\r\nHost: hub\r\nConnection: close\r\nAuthorization: Bearer {}\r\n\
         Idempotency-Key: {}\r\nContent-Type: application/octet-stream\r\nContent-Length: {len}\r\n\r\n",
        "ab".repeat(32),
        "cd".repeat(32),
        key()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

#[tokio::test]
async fn a_slow_but_steady_upload_is_not_cut_off() {
    let limit = Duration::from_millis(400);
    let hub = TestHub::start_with(|config| {
        config.request_timeout = limit;
        config.body_idle_timeout = limit;
    })
    .await;
    let chunk = vec![0x5au8; 2048];
    let chunks = 12;
    let started = std::time::Instant::now();
    let mut stream = start_backup_upload(&hub, chunk.len() * chunks).await;
    for _ in 0..chunks {
        tokio::time::sleep(Duration::from_millis(150)).await;
        stream.write_all(&chunk).await.unwrap();
    }
    let answer = tokio::time::timeout(Duration::from_secs(10), read_all(&mut stream))
        .await
        .expect("the hub answers");
    assert!(started.elapsed() > limit * 3, "the upload took {:?}", started.elapsed());
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
}

#[tokio::test]
async fn a_trickle_that_never_makes_progress_is_cut_off() {
    let hub = TestHub::start_with(|config| config.body_idle_timeout = Duration::from_millis(400)).await;
    let (mut reader, mut writer) = start_backup_upload(&hub, 64 * 1024).await.into_split();
    // 50 bytes every 50 ms: never 1 KiB within the idle limit.
    let trickle = tokio::spawn(async move {
        for _ in 0..200 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if writer.write_all(&[0x5a; 50]).await.is_err() {
                break;
            }
        }
    });
    // The hub may reset the connection after its answer, as the client is still sending: keep
    // what arrived before that.
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), reader.read_to_end(&mut answer)).await;
    trickle.abort();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[tokio::test]
async fn the_hubs_own_work_on_a_request_stays_bounded() {
    // A login's Argon2id takes far longer than 1 ms of the hub's own time.
    let hub = TestHub::start_with(|config| config.request_timeout = Duration::from_millis(1)).await;
    hub.add_user("thandi", corridor_core::sync::wire::Role::Crt, &["beitbridge"]);
    let response = hub
        .request(reqwest::Method::POST, "/v1/auth/login")
        .json(&serde_json::json!({"username": "thandi", "password": PASSWORD, "device_label": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::REQUEST_TIMEOUT);
    assert_eq!(error_code(response).await, "timeout");
}

#[tokio::test]
async fn shutdown_lets_a_request_in_progress_finish() {
    let hub = TestHub::start().await;
    let (mut stream, rest, _) = start_slow_report(&hub, &key()).await;
    let addr = hub.addr;
    let stopping = tokio::spawn(hub.stop());
    // New connections are refused once the hub stops listening, while the open request goes on.
    let mut refused = false;
    for _ in 0..250 {
        if TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused);
    stream.write_all(rest.as_bytes()).await.unwrap();
    let answer = read_all(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    stopping.await.unwrap();
}
