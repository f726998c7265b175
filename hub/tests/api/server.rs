use std::time::Duration;

use corridor_core::sync::wire::Uuid;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{key, report_body, TestHub};

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
async fn a_request_that_takes_too_long_is_answered_with_a_timeout() {
    let hub = TestHub::start_with(|config| config.request_timeout = Duration::from_millis(300)).await;
    let (mut stream, _, _) = start_slow_report(&hub, &key()).await;
    let answer = tokio::time::timeout(Duration::from_secs(10), read_all(&mut stream))
        .await
        .expect("the hub answers");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"error\":\"timeout\""), "{answer}");
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
