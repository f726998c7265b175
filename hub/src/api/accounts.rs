//! Accounts: login (a fresh token per device), logout, `me`, and the admin's token list and
//! revocation.
//!
//! Login is deliberately not idempotency-keyed: storing its answer for replay would store the
//! token. A retried login simply makes another token (the unused one can be revoked).
//!
//! Login guessing meets three limits before any Argon2id runs, in this order: the client
//! address's bucket, the username's lock after consecutive failures (known and unknown usernames
//! alike, so the answer does not reveal which exist), and the hub-wide budget of verifications.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use corridor_core::sync::wire::{
    codes, is_valid_username, Account, LoginRequest, LoginResponse, Role, MAX_NAME_LEN, MAX_PASSWORD_LEN,
};
use zeroize::Zeroizing;

use super::{
    authenticate, bodiless_write, json_response, parse_json, rate_limit, rate_limited, run_write, unix_now, AppState,
};
use crate::auth;
use crate::error::{ApiError, HubError};
use crate::idempotency::read_body;
use crate::store::{NewToken, WriteOp};

const REVOKE_ROUTE: &str = "POST /v1/admin/tokens/{token_id}/revoke";
/// A login body holds a username, a password and a label: a few hundred bytes.
const LOGIN_BODY_CAP: usize = 16 * 1024;

fn wrong_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        codes::UNAUTHORIZED,
        "wrong username or password",
    )
}

pub(super) async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    rate_limit(&state, &state.login_limiter, peer, &headers)?;
    let bytes = Zeroizing::new(read_body(body, LOGIN_BODY_CAP).await?);
    let request: LoginRequest = parse_json(&bytes)?;
    drop(bytes);
    if request.password.expose().len() > MAX_PASSWORD_LEN {
        return Err(ApiError::bad_request(format!(
            "password: at most {MAX_PASSWORD_LEN} bytes"
        )));
    }
    if request.device_label.len() > MAX_NAME_LEN || request.device_label.chars().any(char::is_control) {
        return Err(ApiError::bad_request(format!(
            "device_label: at most {MAX_NAME_LEN} bytes, no control characters"
        )));
    }
    let attempt = state.login_failures.begin(&request.username).map_err(|retry_after| {
        rate_limited(
            "too many failed logins for this username; wait and try again",
            retry_after,
        )
    })?;
    state.login_budget.take().map_err(|retry_after| {
        rate_limited("too many logins at this hub right now; wait and try again", retry_after)
    })?;
    let permit = Arc::clone(&state.password_work)
        .acquire_owned()
        .await
        .map_err(|_| ApiError::unavailable())?;
    let now = unix_now();
    // The permit and the attempt move into the blocking work, which runs to its end even when
    // the client has gone away (or the time limit ran out): the permit is held while Argon2id
    // runs, and the outcome is counted.
    let answer = super::blocking(&state, move |store| -> Result<Option<LoginResponse>, HubError> {
        let _permit = permit;
        let credentials = match is_valid_username(&request.username) {
            true => store.credentials(&request.username)?,
            false => None,
        };
        let Some(credentials) = credentials else {
            auth::verify_against_nothing(&request.password);
            attempt.failed();
            return Ok(None);
        };
        if !auth::verify_password(&request.password, &credentials.password)? || credentials.disabled {
            attempt.failed();
            return Ok(None);
        }
        attempt.succeeded();
        let token = auth::new_token()?;
        let token_id = auth::new_token_id()?;
        let token_sha256 =
            auth::secret_sha256(token.expose()).ok_or_else(|| HubError::Internal("a new token is malformed".into()))?;
        store.create_token(NewToken {
            token_id: token_id.clone(),
            user_id: credentials.user_id,
            token_sha256,
            device_label: request.device_label,
            now,
        })?;
        Ok(Some(LoginResponse {
            token,
            token_id,
            role: credentials.role,
            sites: credentials.sites,
        }))
    })
    .await?;
    match answer {
        Some(response) => Ok(json_response(StatusCode::OK, &response)),
        None => Err(wrong_credentials()),
    }
}

pub(super) async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let now = unix_now();
    super::blocking(&state, move |store| store.revoke_token(&caller.token_id, now)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn me(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let account = Account {
        username: caller.username,
        role: caller.role,
        sites: caller.sites,
        token_id: caller.token_id,
    };
    Ok(json_response(StatusCode::OK, &account))
}

pub(super) async fn list_tokens(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    caller.require_role(Role::Admin)?;
    let tokens = super::blocking(&state, |store| store.list_tokens()).await?;
    Ok(json_response(StatusCode::OK, &tokens))
}

pub(super) async fn revoke_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Body,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    caller.require_role(Role::Admin)?;
    let Path(token_id) = path.map_err(|_| ApiError::not_found())?;
    if token_id.is_empty() || token_id.len() > 64 || !token_id.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(ApiError::not_found());
    }
    let (_in_flight, record) = bodiless_write(
        &state,
        caller.scope(),
        &headers,
        body,
        REVOKE_ROUTE,
        token_id.as_bytes(),
    )
    .await?;
    run_write(&state, record, WriteOp::RevokeToken { token_id }).await
}
