//! Anonymous report intake: `POST /v1/reports` and `GET /v1/reports/{report_id}/status`. No
//! account, no cookie, nothing that links two reports of one phone; limited per address.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use corridor_core::sync::wire::{
    is_valid_site, ReportStatus, ReportSubmission, MAX_JSON_BODY_LEN, MAX_SEALED_REPORT_LEN,
};

use super::{json_response, parse_json, path_uuid, rate_limit, run_write, unix_now, AppState};
use crate::error::ApiError;
use crate::idempotency::{fingerprint, key_of, read_body};
use crate::store::{IdempotencyRecord, WriteOp};

const SUBMIT_ROUTE: &str = "POST /v1/reports";
/// Every anonymous submission shares one idempotency scope: keys are random UUIDs.
const ANONYMOUS: &str = "anonymous";

pub(super) async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    rate_limit(&state, &state.report_limiter, peer, &headers)?;
    let key = key_of(&headers)?;
    let _in_flight = state.in_flight.enter(ANONYMOUS, SUBMIT_ROUTE, key)?;
    let bytes = read_body(body, MAX_JSON_BODY_LEN).await?;
    let submission: ReportSubmission = parse_json(&bytes)?;
    if !is_valid_site(&submission.site) {
        return Err(ApiError::bad_request("site: not a valid site name"));
    }
    if submission.sealed.is_empty() {
        return Err(ApiError::bad_request("sealed: empty"));
    }
    if submission.sealed.len() > MAX_SEALED_REPORT_LEN {
        return Err(ApiError::too_large(format!(
            "sealed: larger than {MAX_SEALED_REPORT_LEN} bytes"
        )));
    }
    let record = IdempotencyRecord {
        scope: ANONYMOUS.into(),
        route: SUBMIT_ROUTE,
        key,
        fingerprint: fingerprint(&[], &bytes),
        now: unix_now(),
    };
    run_write(&state, record, WriteOp::SubmitReport(submission)).await
}

pub(super) async fn status(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    rate_limit(&state, &state.report_limiter, peer, &headers)?;
    let report_id = path_uuid(path)?;
    let state_of = super::blocking(&state, move |store| store.report_state(report_id)).await?;
    let state_of = state_of.ok_or_else(ApiError::not_found)?;
    Ok(json_response(
        StatusCode::OK,
        &ReportStatus {
            report_id,
            state: state_of,
        },
    ))
}
