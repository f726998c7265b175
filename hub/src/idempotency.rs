//! Idempotency keys: the `Idempotency-Key` header, the in-memory set of requests in flight, the
//! request fingerprint, and reading a capped body.
//!
//! A write goes: authenticate, parse the key, mark `(scope, route, key)` in flight (a second
//! request with the same triple meanwhile gets 409 and `Retry-After: 1`), read the body under its
//! cap, fingerprint it, then one store transaction looks the key up, and either replays the
//! stored answer, refuses a different request under the same key, or performs the write and
//! stores its answer. The mark is taken before the body is read, so a client that retries
//! while its first attempt is still uploading is told to wait rather than racing it.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::body::{Body, HttpBody};
use axum::http::{HeaderMap, StatusCode};
use corridor_core::sync::wire::{codes, Uuid, IDEMPOTENCY_KEY_HEADER};
use http_body_util::BodyExt;

use crate::error::ApiError;

/// Bytes read and thrown away after a body went over its cap, so the client gets to read the
/// 413 instead of a reset connection. Beyond this the connection is simply closed.
const DRAIN_LIMIT: usize = 32 * 1024 * 1024;

/// The key of a write: a UUID in its hyphenated form (any version, either case).
pub(crate) fn key_of(headers: &HeaderMap) -> Result<Uuid, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY_HEADER) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::MISSING_IDEMPOTENCY_KEY,
            "this write needs an Idempotency-Key header (a UUID)",
        ));
    };
    let invalid = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_IDEMPOTENCY_KEY,
            "the Idempotency-Key header must be a hyphenated UUID",
        )
    };
    let text = value.to_str().map_err(|_| invalid())?;
    if text.len() != 36 {
        return Err(invalid());
    }
    Uuid::parse_str(text).map_err(|_| invalid())
}

/// SHA-256 over what identifies a request besides its route: the `context` parts (a path id, a
/// write token's hash), each length-prefixed, then the body bytes.
pub(crate) fn fingerprint(context: &[&[u8]], body: &[u8]) -> [u8; 32] {
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    for part in context {
        digest.update(&(part.len() as u64).to_be_bytes());
        digest.update(part);
    }
    digest.update(body);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.finish().as_ref());
    out
}

type Entry = (String, &'static str, Uuid);

/// The writes being processed right now, by `(scope, route, key)`.
#[derive(Default)]
pub(crate) struct InFlight {
    entries: Mutex<HashSet<Entry>>,
}

/// Holds a write's in-flight mark; dropping it (the request finished, failed or was abandoned)
/// releases the mark.
pub(crate) struct InFlightGuard {
    set: Arc<InFlight>,
    entry: Option<Entry>,
}

impl InFlight {
    pub(crate) fn enter(
        self: &Arc<Self>,
        scope: &str,
        route: &'static str,
        key: Uuid,
    ) -> Result<InFlightGuard, ApiError> {
        let entry = (scope.to_owned(), route, key);
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !entries.insert(entry.clone()) {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                codes::REQUEST_IN_PROGRESS,
                "a request with this Idempotency-Key is still being processed",
            )
            .with_retry_after(1));
        }
        Ok(InFlightGuard {
            set: Arc::clone(self),
            entry: Some(entry),
        })
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        if let Some(entry) = self.entry.take() {
            let mut entries = self.set.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            entries.remove(&entry);
        }
    }
}

/// Reads a whole request body of at most `cap` bytes; more is 413 `too_large`.
pub(crate) async fn read_body(mut body: Body, cap: usize) -> Result<Vec<u8>, ApiError> {
    let too_large = || ApiError::too_large(format!("the request body is larger than {cap} bytes"));
    let hint = body.size_hint();
    if hint.lower() > cap as u64 {
        if hint.lower() <= (cap + DRAIN_LIMIT) as u64 {
            drain(body).await;
        }
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(hint.lower() as usize);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| ApiError::bad_request("the request body could not be read"))?;
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > cap {
                drop(bytes);
                drain(body).await;
                return Err(too_large());
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(bytes)
}

async fn drain(mut body: Body) {
    let mut left = DRAIN_LIMIT;
    while let Some(Ok(frame)) = body.frame().await {
        if let Ok(data) = frame.into_data() {
            if data.len() >= left {
                return;
            }
            left -= data.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_hyphenated_uuids() {
        let mut headers = HeaderMap::new();
        assert_eq!(key_of(&headers).unwrap_err().code, codes::MISSING_IDEMPOTENCY_KEY);
        for bad in [
            "not-a-uuid",
            "67e5504410b1426f9247bb680e5fe0c8",
            "{67e55044-10b1-426f-9247-bb680e5fe0c8}",
            "",
        ] {
            headers.insert(IDEMPOTENCY_KEY_HEADER, bad.parse().unwrap());
            assert_eq!(
                key_of(&headers).unwrap_err().code,
                codes::INVALID_IDEMPOTENCY_KEY,
                "{bad}"
            );
        }
        headers.insert(
            IDEMPOTENCY_KEY_HEADER,
            "67E55044-10B1-426F-9247-BB680E5FE0C8".parse().unwrap(),
        );
        assert_eq!(
            key_of(&headers).unwrap().to_string(),
            "67e55044-10b1-426f-9247-bb680e5fe0c8"
        );
    }

    #[test]
    fn the_fingerprint_tells_the_context_apart() {
        assert_ne!(fingerprint(&[b"a"], b"bc"), fingerprint(&[b"ab"], b"c"));
        assert_eq!(fingerprint(&[], b"x"), crate::auth::sha256(b"x"));
    }

    #[test]
    fn a_mark_is_released_when_its_guard_drops() {
        let set = Arc::new(InFlight::default());
        let key = Uuid::from_u128(1);
        let guard = set.enter("anonymous", "POST /v1/reports", key).unwrap();
        assert_eq!(
            set.enter("anonymous", "POST /v1/reports", key).err().unwrap().status,
            StatusCode::CONFLICT
        );
        assert!(set.enter("user:1", "POST /v1/reports", key).is_ok());
        drop(guard);
        assert!(set.enter("anonymous", "POST /v1/reports", key).is_ok());
    }
}
