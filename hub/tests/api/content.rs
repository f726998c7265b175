use reqwest::{Method, StatusCode};

use crate::common::TestHub;

/// A hub whose content directory holds `repo/index.json`, `repo/blob.bin` (1000 bytes) and a
/// hidden file, with `hub.db` beside the directory as the thing to steal.
async fn hub_with_content() -> (TestHub, Vec<u8>) {
    let hub = TestHub::start().await;
    let content = hub.data_dir().join("content");
    std::fs::create_dir_all(content.join("repo")).unwrap();
    std::fs::write(content.join("repo/index.json"), br#"{"modules":[]}"#).unwrap();
    let blob: Vec<u8> = (0..1000u32).map(|index| (index % 256) as u8).collect();
    std::fs::write(content.join("repo/blob.bin"), &blob).unwrap();
    std::fs::write(content.join("repo/.secret"), b"hidden").unwrap();
    (hub, blob)
}

#[tokio::test]
async fn a_whole_file_with_its_headers() {
    let (hub, blob) = hub_with_content().await;
    let response = hub
        .request(Method::GET, "/v1/content/repo/blob.bin")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert_eq!(headers["content-length"], "1000");
    assert_eq!(headers["accept-ranges"], "bytes");
    assert_eq!(headers["cache-control"], "no-cache");
    let etag = headers["etag"].to_str().unwrap();
    assert!(etag.starts_with("\"3e8-") && etag.ends_with('"'), "{etag}");
    assert_eq!(response.bytes().await.unwrap().as_ref(), blob.as_slice());

    let response = hub
        .request(Method::GET, "/v1/content/repo/index.json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.text().await.unwrap(), r#"{"modules":[]}"#);
}

#[tokio::test]
async fn head_answers_headers_only() {
    let (hub, _) = hub_with_content().await;
    let answer = hub
        .raw("HEAD /v1/content/repo/blob.bin HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n")
        .await;
    assert_eq!(answer.status, 200);
    assert!(
        answer.head.to_lowercase().contains("content-length: 1000"),
        "{}",
        answer.head
    );
    assert!(answer.body.is_empty());
}

#[tokio::test]
async fn single_ranges_are_served_partially() {
    let (hub, blob) = hub_with_content().await;
    for (range, first, last) in [
        ("bytes=0-9", 0usize, 9usize),
        ("bytes=990-2000", 990, 999),
        ("bytes=500-", 500, 999),
        ("bytes=-10", 990, 999),
    ] {
        let response = hub
            .request(Method::GET, "/v1/content/repo/blob.bin")
            .header("range", range)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(
            response.headers()["content-range"],
            format!("bytes {first}-{last}/1000").as_str()
        );
        assert_eq!(response.bytes().await.unwrap().as_ref(), &blob[first..=last], "{range}");
    }

    let response = hub
        .request(Method::GET, "/v1/content/repo/blob.bin")
        .header("range", "bytes=1000-")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(response.headers()["content-range"], "bytes */1000");

    let response = hub
        .request(Method::GET, "/v1/content/repo/blob.bin")
        .header("range", "bytes=0-1,5-6")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap().len(), 1000);
}

#[tokio::test]
async fn etags_answer_not_modified_and_guard_ranges() {
    let (hub, blob) = hub_with_content().await;
    let first = hub
        .request(Method::GET, "/v1/content/repo/blob.bin")
        .send()
        .await
        .unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();

    let response = hub
        .request(Method::GET, "/v1/content/repo/blob.bin")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(response.headers()["etag"], etag.as_str());
    assert!(response.bytes().await.unwrap().is_empty());

    let response = hub
        .request(Method::GET, "/v1/content/repo/blob.bin")
        .header("if-none-match", "\"something-else\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let response = hub
        .request(Method::GET, "/v1/content/repo/blob.bin")
        .header("range", "bytes=10-19")
        .header("if-range", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.bytes().await.unwrap().as_ref(), &blob[10..20]);

    let response = hub
        .request(Method::GET, "/v1/content/repo/blob.bin")
        .header("range", "bytes=10-19")
        .header("if-range", "\"an-older-version\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap().as_ref(), blob.as_slice());

    // A changed file gets another tag.
    std::fs::write(hub.data_dir().join("content/repo/blob.bin"), b"new version").unwrap();
    let response = hub
        .request(Method::GET, "/v1/content/repo/blob.bin")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_ne!(response.headers()["etag"], etag.as_str());
}

#[tokio::test]
async fn paths_never_leave_the_content_directory() {
    let (hub, _) = hub_with_content().await;
    std::os::unix::fs::symlink(
        hub.data_dir().join("hub.db"),
        hub.data_dir().join("content/repo/db-link"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        hub.data_dir().join("content/repo/index.json"),
        hub.data_dir().join("content/inside-link.json"),
    )
    .unwrap();
    for path in [
        "/v1/content/../hub.db",
        "/v1/content/repo/../../hub.db",
        "/v1/content/%2e%2e/hub.db",
        "/v1/content/repo/%2E%2E/%2e%2e/hub.db",
        "/v1/content/repo%2f..%2f..%2fhub.db",
        "/v1/content//etc/passwd",
        "/v1/content/%2fetc%2fpasswd",
        "/v1/content/repo/.secret",
        "/v1/content/repo/./index.json",
        "/v1/content/repo/..%5c..%5chub.db",
        "/v1/content/repo/index.json%00.txt",
        "/v1/content/repo/db-link",
        "/v1/content/repo",
        "/v1/content/repo/missing",
    ] {
        let answer = hub.raw_get(path).await;
        assert_eq!(answer.status, 404, "{path}");
        assert!(!answer.body.starts_with(b"SQLite format"), "{path}");
    }
    assert_eq!(hub.raw_get("/v1/content/inside-link.json").await.status, 200);
    assert_eq!(hub.raw_get("/v1/content/repo/index.json").await.status, 200);
}

#[tokio::test]
async fn a_large_file_is_streamed_intact() {
    let hub = TestHub::start().await;
    let big: Vec<u8> = (0..5 * 1024 * 1024u32).map(|index| (index * 7 % 253) as u8).collect();
    std::fs::write(hub.data_dir().join("content/big.bin"), &big).unwrap();
    let response = hub.request(Method::GET, "/v1/content/big.bin").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.bytes().await.unwrap().as_ref() == big.as_slice());
    let response = hub
        .request(Method::GET, "/v1/content/big.bin")
        .header("range", "bytes=4000000-")
        .send()
        .await
        .unwrap();
    assert!(response.bytes().await.unwrap().as_ref() == &big[4_000_000..]);
}
