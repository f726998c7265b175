//! Static files under `DATA/content/` (the signed content repositories): `GET` and `HEAD`, strong
//! ETags, `If-None-Match`, single byte ranges and `If-Range`.
//!
//! A request path never leaves the directory: a segment that is empty, `.` or `..`, hidden
//! (starts with a dot), or holds a backslash or NUL is refused, and the resolved file (symlinks
//! followed) must still lie inside the canonical content directory. Every refusal is a plain 404.
//! Files are streamed, never read whole into memory.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use crate::error::ApiError;

/// The content directory's name inside the data directory.
pub const CONTENT_DIR: &str = "content";

const MAX_PATH_LEN: usize = 1024;
const MAX_SEGMENT_LEN: usize = 255;
const STREAM_CHUNK: usize = 64 * 1024;

/// The file a request path names, if it is an acceptable path.
fn resolve_request_path(root: &Path, path: &str) -> Option<PathBuf> {
    if path.is_empty() || path.len() > MAX_PATH_LEN {
        return None;
    }
    let mut resolved = root.to_path_buf();
    for segment in path.split('/') {
        let acceptable = !segment.is_empty()
            && segment.len() <= MAX_SEGMENT_LEN
            && !segment.starts_with('.')
            && !segment.contains(['\\', '\0']);
        if !acceptable {
            return None;
        }
        resolved.push(segment);
    }
    Some(resolved)
}

/// What a `Range` header asks of a file of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
enum RangeRequest {
    /// No range, or one the hub ignores (several ranges, bad syntax): the whole file.
    Whole,
    /// `first..=last`.
    Part(u64, u64),
    Unsatisfiable,
}

fn parse_range(value: &str, len: u64) -> RangeRequest {
    let Some((unit, spec)) = value.split_once('=') else {
        return RangeRequest::Whole;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return RangeRequest::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeRequest::Whole;
    };
    let number = |text: &str| -> Option<u64> {
        if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
            None
        } else {
            text.parse().ok()
        }
    };
    match (first.is_empty(), last.is_empty()) {
        // "-n": the last n bytes.
        (true, false) => match number(last) {
            Some(0) => RangeRequest::Unsatisfiable,
            Some(_) if len == 0 => RangeRequest::Unsatisfiable,
            Some(suffix) => RangeRequest::Part(len.saturating_sub(suffix), len - 1),
            None => RangeRequest::Whole,
        },
        // "a-": from a to the end.
        (false, true) => match number(first) {
            Some(start) if start >= len => RangeRequest::Unsatisfiable,
            Some(start) => RangeRequest::Part(start, len - 1),
            None => RangeRequest::Whole,
        },
        (false, false) => match (number(first), number(last)) {
            (Some(start), Some(end)) if start > end => RangeRequest::Whole,
            (Some(start), Some(_)) if start >= len => RangeRequest::Unsatisfiable,
            (Some(start), Some(end)) => RangeRequest::Part(start, end.min(len - 1)),
            _ => RangeRequest::Whole,
        },
        (true, true) => RangeRequest::Whole,
    }
}

/// Whether an `If-None-Match` list names `etag` (weak comparison, as RFC 9110 asks).
fn none_match_hits(value: &str, etag: &str) -> bool {
    value
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag)
}

#[cfg(unix)]
fn inode(metadata: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    metadata.ino()
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> u64 {
    0
}

fn etag_of(metadata: &std::fs::Metadata) -> String {
    let modified = metadata
        .modified()
        .ok()
        .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|since| since.as_nanos())
        .unwrap_or(0);
    format!("\"{:x}-{:x}-{:x}\"", metadata.len(), modified, inode(metadata))
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|extension| extension.to_str()) {
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// Answers `GET`/`HEAD /v1/content/{path}` from the canonical content directory `root`.
pub(crate) async fn serve(root: &Path, method: &Method, path: &str, headers: &HeaderMap) -> Result<Response, ApiError> {
    let requested = resolve_request_path(root, path).ok_or_else(ApiError::not_found)?;
    let canonical = tokio::fs::canonicalize(&requested)
        .await
        .map_err(|_| ApiError::not_found())?;
    if !canonical.starts_with(root) {
        return Err(ApiError::not_found());
    }
    let mut file = tokio::fs::File::open(&canonical)
        .await
        .map_err(|_| ApiError::not_found())?;
    // The metadata of the opened file, so the answer describes the bytes that are sent.
    let metadata = file.metadata().await.map_err(|_| ApiError::not_found())?;
    if !metadata.is_file() {
        return Err(ApiError::not_found());
    }
    let len = metadata.len();
    let etag = etag_of(&metadata);

    let mut response = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff");

    if let Some(value) = headers.get(header::IF_NONE_MATCH) {
        if value.to_str().is_ok_and(|value| none_match_hits(value, &etag)) {
            return response
                .status(StatusCode::NOT_MODIFIED)
                .body(Body::empty())
                .map_err(|_| ApiError::internal());
        }
    }

    let range_applies = match headers.get(header::IF_RANGE) {
        // Only a strong ETag match keeps the range; a date or another tag gets the whole file.
        Some(value) => value.as_bytes() == etag.as_bytes(),
        None => true,
    };
    let range = match headers.get(header::RANGE).and_then(|value| value.to_str().ok()) {
        Some(value) if range_applies => parse_range(value, len),
        _ => RangeRequest::Whole,
    };

    let (status, start, count) = match range {
        RangeRequest::Whole => (StatusCode::OK, 0, len),
        RangeRequest::Part(first, last) => {
            response = response.header(header::CONTENT_RANGE, format!("bytes {first}-{last}/{len}"));
            (StatusCode::PARTIAL_CONTENT, first, last - first + 1)
        }
        RangeRequest::Unsatisfiable => {
            let mut refusal = ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                corridor_core::sync::wire::codes::BAD_REQUEST,
                "the requested range lies outside the file",
            )
            .into_response();
            let headers = refusal.headers_mut();
            headers.insert(
                header::ETAG,
                HeaderValue::from_str(&etag).map_err(|_| ApiError::internal())?,
            );
            headers.insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes */{len}")).map_err(|_| ApiError::internal())?,
            );
            return Ok(refusal);
        }
    };

    response = response
        .status(status)
        .header(header::CONTENT_TYPE, content_type(&canonical))
        .header(header::CONTENT_LENGTH, count);
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        file.seek(SeekFrom::Start(start))
            .await
            .map_err(|_| ApiError::internal())?;
        Body::from_stream(ReaderStream::with_capacity(file.take(count), STREAM_CHUNK))
    };
    response.body(body).map_err(|_| ApiError::internal())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_stay_inside_the_directory() {
        let root = Path::new("/srv/content");
        assert_eq!(
            resolve_request_path(root, "repo/index.json"),
            Some(PathBuf::from("/srv/content/repo/index.json"))
        );
        for bad in [
            "",
            "..",
            "a/../b",
            "./a",
            "a//b",
            "/etc/passwd",
            ".hidden",
            "a/.git/config",
            "a\\b",
            "a\0b",
            "a/",
        ] {
            assert_eq!(resolve_request_path(root, bad), None, "{bad:?}");
        }
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        use RangeRequest::*;
        assert_eq!(parse_range("bytes=0-9", 100), Part(0, 9));
        assert_eq!(parse_range("bytes=90-200", 100), Part(90, 99));
        assert_eq!(parse_range("bytes=10-", 100), Part(10, 99));
        assert_eq!(parse_range("bytes=-10", 100), Part(90, 99));
        assert_eq!(parse_range("bytes=-200", 100), Part(0, 99));
        assert_eq!(parse_range("bytes=100-", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=100-120", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-", 0), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), Whole);
        assert_eq!(parse_range("bytes=9-1", 100), Whole);
        assert_eq!(parse_range("items=0-1", 100), Whole);
        assert_eq!(parse_range("bytes=x-1", 100), Whole);
        assert_eq!(parse_range("bytes=+1-2", 100), Whole);
    }

    #[test]
    fn if_none_match_compares_weakly() {
        assert!(none_match_hits("\"a\"", "\"a\""));
        assert!(none_match_hits("W/\"a\"", "\"a\""));
        assert!(none_match_hits("\"b\", \"a\"", "\"a\""));
        assert!(none_match_hits("*", "\"a\""));
        assert!(!none_match_hits("\"b\"", "\"a\""));
    }
}
