//! Peer-educator session intake: `POST /v1/sessions`, for the account's own sites, deduplicated
//! forever by `session_id`.

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use corridor_core::sync::wire::{is_valid_site, Role, SessionSubmission, MAX_JSON_BODY_LEN, MAX_SESSION_BODY_LEN};

use super::{authenticate, parse_json, run_write, unix_now, AppState};
use crate::error::ApiError;
use crate::idempotency::{fingerprint, key_of, read_body};
use crate::store::{IdempotencyRecord, WriteOp};

const SUBMIT_ROUTE: &str = "POST /v1/sessions";

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
    let session_body =
        serde_json::to_vec(&submission.body).map_err(|_| ApiError::bad_request("body: cannot be encoded"))?;
    if session_body.len() > MAX_SESSION_BODY_LEN {
        return Err(ApiError::too_large(format!(
            "body: larger than {MAX_SESSION_BODY_LEN} bytes of JSON"
        )));
    }
    let record = IdempotencyRecord {
        scope,
        route: SUBMIT_ROUTE,
        key,
        fingerprint: fingerprint(&[], &bytes),
        now: unix_now(),
    };
    let op = WriteOp::SubmitSession {
        session_id: submission.session_id,
        site: submission.site,
        body: session_body,
        user_id: caller.user_id,
    };
    run_write(&state, record, op).await
}
