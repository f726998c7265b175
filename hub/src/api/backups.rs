//! Encrypted backups addressed by an opaque lookup id and guarded by a write token: the hub
//! keeps the body it was given (encrypted on the phone under a key it never sees) and SHA-256 of
//! the token. Reading or deleting with a wrong token answers 404, as if nothing were there.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use corridor_core::sync::wire::MAX_BACKUP_LEN;

use super::{run_write, unix_now, AppState};
use crate::auth::bearer_sha256;
use crate::error::ApiError;
use crate::idempotency::{fingerprint, key_of, read_body};
use crate::store::{IdempotencyRecord, WriteOp};

const PUT_ROUTE: &str = "PUT /v1/backups/{lookup_id}";
const DELETE_ROUTE: &str = "DELETE /v1/backups/{lookup_id}";

/// A lookup id is 64 lower-case hex characters; anything else cannot exist (404).
fn lookup_id_of(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    let Path(text) = path.map_err(|_| ApiError::not_found())?;
    let well_formed = text.len() == 64 && text.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'));
    if well_formed {
        Ok(text)
    } else {
        Err(ApiError::not_found())
    }
}

fn scope_of(lookup_id: &str) -> String {
    format!("backup:{lookup_id}")
}

pub(super) async fn put(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Body,
) -> Result<Response, ApiError> {
    let lookup_id = lookup_id_of(path)?;
    let token_sha256 = bearer_sha256(&headers).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            corridor_core::sync::wire::codes::UNAUTHORIZED,
            "a backup needs its write token (Authorization: Bearer, 64 hex characters)",
        )
    })?;
    let key = key_of(&headers)?;
    let scope = scope_of(&lookup_id);
    let _in_flight = state.in_flight.enter(&scope, PUT_ROUTE, key)?;
    let bytes = read_body(body, MAX_BACKUP_LEN).await?;
    if bytes.is_empty() {
        return Err(ApiError::bad_request("a backup cannot be empty"));
    }
    let record = IdempotencyRecord {
        scope,
        route: PUT_ROUTE,
        key,
        fingerprint: fingerprint(&[&token_sha256], &bytes),
        now: unix_now(),
    };
    let op = WriteOp::PutBackup {
        lookup_id,
        write_token_sha256: token_sha256,
        body: bytes,
    };
    run_write(&state, record, op).await
}

pub(super) async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let lookup_id = lookup_id_of(path)?;
    let token_sha256 = bearer_sha256(&headers).ok_or_else(ApiError::not_found)?;
    let body = super::blocking(&state, move |store| store.backup(&lookup_id, &token_sha256))
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response())
}

pub(super) async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let lookup_id = lookup_id_of(path)?;
    let token_sha256 = bearer_sha256(&headers).ok_or_else(ApiError::not_found)?;
    let key = key_of(&headers)?;
    let scope = scope_of(&lookup_id);
    let _in_flight = state.in_flight.enter(&scope, DELETE_ROUTE, key)?;
    let record = IdempotencyRecord {
        scope,
        route: DELETE_ROUTE,
        key,
        fingerprint: fingerprint(&[&token_sha256], &[]),
        now: unix_now(),
    };
    let op = WriteOp::DeleteBackup {
        lookup_id,
        write_token_sha256: token_sha256,
    };
    run_write(&state, record, op).await
}
