//! Peer-educator session intake: `GET /v1/sessions/intake-key` (the key tablets seal sessions
//! to) and `POST /v1/sessions` (a sealed session of one of the account's sites), deduplicated
//! forever by `session_id`. The hub opens each session, stores every attendee code only as a
//! keyed hash (`crate::secrets`) and the rest as aggregates, and keeps neither the sealed bytes
//! nor the opened ones.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use corridor_core::sync::wire::{is_valid_site, Role, SessionSubmission, MAX_JSON_BODY_LEN};

use super::{authenticate, json_response, parse_json, run_write, unix_now, AppState};
use crate::error::ApiError;
use crate::idempotency::{fingerprint, key_of, read_body};
use crate::intake;
use crate::store::{IdempotencyRecord, WriteOp};

const SUBMIT_ROUTE: &str = "POST /v1/sessions";

pub(super) async fn intake_key(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    caller.require_role(Role::Educator)?;
    Ok(json_response(StatusCode::OK, &state.secrets.intake_public()))
}

pub(super) async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    caller.require_role(Role::Educator)?;
    let key = key_of(&headers)?;
    let scope = caller.scope();
    let _in_flight = state.in_flight.enter(&scope, SUBMIT_ROUTE, key)?;
    let bytes = read_body(body, MAX_JSON_BODY_LEN).await?;
    let submission: SessionSubmission = parse_json(&bytes)?;
    if !is_valid_site(&submission.site) {
        return Err(ApiError::bad_request("site: not a valid site name"));
    }
    if !caller.has_site(&submission.site) {
        return Err(ApiError::forbidden("site: not one of this account's sites"));
    }
    let now = unix_now();
    // Opening (X25519, ChaCha20-Poly1305 over up to 256 KiB) and hashing up to a thousand codes
    // is CPU work: off the async threads.
    let secrets = std::sync::Arc::clone(&state.secrets);
    let user_id = caller.user_id;
    let prepared = tokio::task::spawn_blocking(move || intake::prepare(&secrets, &submission, user_id, now)).await??;
    // The same session sealed again (a tablet that re-seals after a crash or a discarded item)
    // is other bytes under the same key: the request is the session's content, not its sealing.
    let record = IdempotencyRecord {
        scope,
        route: SUBMIT_ROUTE,
        key,
        fingerprint: fingerprint(&[prepared.session_id.as_bytes()], &prepared.digest),
        now,
    };
    run_write(&state, record, WriteOp::SubmitSession(Box::new(prepared))).await
}
