//! The `/v1` HTTP routes, their shared state and the helpers every handler uses. One module per
//! group of routes; `docs/protocol.md` is their description for client implementers.

mod accounts;
mod backups;
mod crt;
mod reports;
mod sessions;
mod time_limit;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::rejection::PathRejection;
use axum::extract::{MatchedPath, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use corridor_core::sync::wire::{codes, Health, Uuid, PROTOCOL_VERSION};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::auth;
use crate::config::Retention;
use crate::error::{ApiError, HubError};
use crate::idempotency::InFlight;
use crate::limits::{self, GlobalBudget, LoginFailures, RateLimiter};
use crate::secrets::HubSecrets;
use crate::store::{Caller, IdempotencyRecord, Refusal, Store, StoredResponse, WriteOp, WriteOutcome};

/// What every handler shares.
pub(crate) struct Shared {
    pub store: Arc<dyn Store>,
    /// The session intake key and the reach key (`DATA/session-keys.json`).
    pub secrets: Arc<HubSecrets>,
    pub in_flight: Arc<InFlight>,
    pub report_limiter: RateLimiter,
    pub login_limiter: RateLimiter,
    /// Consecutive failed logins per username.
    pub login_failures: Arc<LoginFailures>,
    /// Password verifications across all clients.
    pub login_budget: GlobalBudget,
    /// Argon2id runs at most this many at a time, so a burst of logins cannot exhaust memory.
    /// A permit is held by the blocking work itself, so a client that goes away mid-hash does not
    /// free it while the hash still runs.
    pub password_work: Arc<tokio::sync::Semaphore>,
    /// The canonical content directory.
    pub content_root: PathBuf,
    pub retention: Retention,
    pub trust_forwarded_for: bool,
}

pub(crate) type AppState = Arc<Shared>;

pub(crate) use time_limit::TimeLimits;

/// The whole `/v1` router with its logging and time limits.
pub(crate) fn router(state: AppState, time_limits: TimeLimits) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/content/{*path}", get(content))
        .route("/v1/reports", post(reports::submit))
        .route("/v1/reports/{report_id}/status", get(reports::status))
        .route("/v1/crt/reports", get(crt::inbox))
        .route("/v1/crt/reports/{report_id}", get(crt::sealed_report))
        .route("/v1/crt/reports/{report_id}/ack", post(crt::acknowledge))
        .route("/v1/sessions", post(sessions::submit))
        .route("/v1/sessions/intake-key", get(sessions::intake_key))
        .route(
            "/v1/backups/{lookup_id}",
            put(backups::put).get(backups::get).delete(backups::delete),
        )
        .route("/v1/auth/login", post(accounts::login))
        .route("/v1/auth/logout", post(accounts::logout))
        .route("/v1/auth/me", get(accounts::me))
        .route("/v1/admin/tokens", get(accounts::list_tokens))
        .route("/v1/admin/tokens/{token_id}/revoke", post(accounts::revoke_token))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(time_limits, time_limit::time_limit))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// One line per request: method, route template, status and latency. Never the real path, the
/// query, a header or the client's address.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|matched| matched.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        "{} {} {} {}ms",
        method,
        route.as_deref().unwrap_or("(no route)"),
        response.status().as_u16(),
        started.elapsed().as_millis()
    );
    response
}

async fn not_found() -> ApiError {
    ApiError::not_found()
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        codes::BAD_REQUEST,
        "this method is not allowed on this route",
    )
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        protocol: PROTOCOL_VERSION,
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

async fn content(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(path) = path.map_err(|_| ApiError::not_found())?;
    crate::content::serve(&state.content_root, &method, &path, &headers).await
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|since| since.as_secs() as i64)
        .unwrap_or(0)
}

/// Runs `work` against the store on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&dyn Store) -> Result<T, HubError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = Arc::clone(&state.store);
    Ok(tokio::task::spawn_blocking(move || work(store.as_ref())).await??)
}

/// The account behind the request's bearer token, or 401.
pub(crate) async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let token_sha256 = auth::bearer_sha256(headers).ok_or_else(ApiError::unauthorized)?;
    let now = unix_now();
    blocking(state, move |store| store.authenticate(&token_sha256, now))
        .await?
        .ok_or_else(ApiError::unauthorized)
}

/// Takes one request from the client address's bucket in `limiter`, or 429 with `Retry-After`.
pub(crate) fn rate_limit(
    state: &AppState,
    limiter: &RateLimiter,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    let address = limits::client_address(peer, headers, state.trust_forwarded_for);
    limiter
        .check(address)
        .map_err(|retry_after| rate_limited("too many requests from this address; wait and try again", retry_after))
}

/// 429 `rate_limited` with `Retry-After`.
pub(crate) fn rate_limited(message: &'static str, retry_after_secs: u64) -> ApiError {
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, codes::RATE_LIMITED, message).with_retry_after(retry_after_secs)
}

/// Parses a JSON body; the error names the position, never the content.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|error| {
        ApiError::bad_request(format!(
            "the body is not the JSON this route takes (line {}, column {})",
            error.line(),
            error.column()
        ))
    })
}

/// An id in a path: a hyphenated UUID, else 404.
pub(crate) fn path_uuid(path: Result<Path<String>, PathRejection>) -> Result<Uuid, ApiError> {
    let Path(text) = path.map_err(|_| ApiError::not_found())?;
    if text.len() != 36 {
        return Err(ApiError::not_found());
    }
    Uuid::parse_str(&text).map_err(|_| ApiError::not_found())
}

/// The most a body that must say nothing may be (whitespace or `{}`) before it is refused.
const EMPTY_BODY_CAP: usize = 1024;

/// A write whose request says nothing but its path (revoke a token, acknowledge a report): the
/// Idempotency-Key, the in-flight mark (the caller holds the guard until it answers), an empty
/// body, and the record fingerprinted on `id`.
pub(crate) async fn bodiless_write(
    state: &AppState,
    scope: String,
    headers: &HeaderMap,
    body: axum::body::Body,
    route: &'static str,
    id: &[u8],
) -> Result<(crate::idempotency::InFlightGuard, IdempotencyRecord), ApiError> {
    let key = crate::idempotency::key_of(headers)?;
    let guard = state.in_flight.enter(&scope, route, key)?;
    let bytes = crate::idempotency::read_body(body, EMPTY_BODY_CAP).await?;
    require_empty_body(&bytes)?;
    let record = IdempotencyRecord {
        scope,
        route,
        key,
        fingerprint: crate::idempotency::fingerprint(&[id], &bytes),
        now: unix_now(),
    };
    Ok((guard, record))
}

/// A body that must say nothing: empty, or an empty JSON object.
pub(crate) fn require_empty_body(bytes: &[u8]) -> Result<(), ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(bytes) {
        Ok(object) if object.is_empty() => Ok(()),
        _ => Err(ApiError::bad_request("this route takes an empty body or {}")),
    }
}

pub(crate) fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response {
    (status, Json(value)).into_response()
}

/// Performs an idempotent write and turns its outcome into the answer.
pub(crate) async fn run_write(state: &AppState, record: IdempotencyRecord, op: WriteOp) -> Result<Response, ApiError> {
    let outcome = blocking(state, move |store| store.idempotent_write(&record, op)).await?;
    match outcome {
        WriteOutcome::Fresh(stored) | WriteOutcome::Replayed(stored) => Ok(stored_response(stored)),
        WriteOutcome::KeyReusedWithOtherBody => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::IDEMPOTENCY_KEY_REUSED,
            "this Idempotency-Key was already used for a different request",
        )),
        WriteOutcome::Refused(Refusal::IdConflict) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::ID_CONFLICT,
            "this id was already used with different content",
        )),
        WriteOutcome::Refused(Refusal::Forbidden) => Err(ApiError::forbidden("this is not yours to change")),
        WriteOutcome::Refused(Refusal::NotFound) => Err(ApiError::not_found()),
        WriteOutcome::Refused(Refusal::Unprocessable { code, message }) => {
            Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message))
        }
        WriteOutcome::Refused(Refusal::NotYet { code, message }) => {
            Err(ApiError::new(StatusCode::CONFLICT, code, message))
        }
    }
}

fn stored_response(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    if stored.body.is_empty() {
        return status.into_response();
    }
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        stored.body,
    )
        .into_response()
}
