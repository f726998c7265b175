//! The hub's two error types: [`HubError`] for the operator (the CLI prints it, `serve` returns
//! it) and `ApiError`, what an HTTP client receives: a status and a JSON [`ErrorBody`] with a
//! stable code. `HubError` becomes `ApiError` in one place ([`From`]).
//!
//! No message ever holds a password, a token, a lookup id, a report or a client address.

use std::borrow::Cow;
use std::net::SocketAddr;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use corridor_core::sync::wire::{codes, ErrorBody};

/// What went wrong, for the operator.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// Input the operator can correct (a username, a site, a password that is too short).
    #[error("{field}: {reason}")]
    InvalidInput { field: &'static str, reason: String },

    #[error("a user named {0} already exists")]
    UserExists(String),

    #[error("no user named {0}")]
    NoSuchUser(String),

    /// An operator command was pointed at a directory where no hub has run yet.
    #[error("this data directory holds no hub database yet")]
    NoDatabase,

    /// An operator command needs the session keys, and no hub has started in this directory.
    #[error("this data directory holds no session keys yet (the hub creates them when it first starts)")]
    NoSecrets,

    /// The session keys are missing from a directory whose database holds sessions.
    #[error("session-keys.json is missing but hub.db holds sessions: restore the file from its backup (new keys would count every person as first-time again and refuse sessions sealed to the old key); to start over with new keys anyway, pass --new-session-keys")]
    SessionKeysMissing,

    #[error("could not listen on {addr}: {reason}")]
    Bind { addr: SocketAddr, reason: String },

    /// The database was written by a newer version of the hub: it is left untouched.
    #[error("the hub database was written by a newer version (schema {found}, this version knows {known})")]
    NewerSchema { found: u32, known: u32 },

    #[error("the hub database failed: {0}")]
    Database(String),

    /// Reading or writing the data directory failed; the text is the operating system's.
    #[error("could not read or write the data directory: {0}")]
    Io(String),

    /// A bug: a state the code does not expect.
    #[error("internal error: {0}")]
    Internal(String),
}

impl HubError {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        HubError::InvalidInput {
            field,
            reason: reason.into(),
        }
    }
}

impl From<rusqlite::Error> for HubError {
    fn from(error: rusqlite::Error) -> Self {
        // SQLite's messages name tables and constraints, never bound values.
        HubError::Database(error.to_string())
    }
}

impl From<std::io::Error> for HubError {
    fn from(error: std::io::Error) -> Self {
        // std's io errors carry no paths.
        HubError::Io(error.to_string())
    }
}

impl From<corridor_core::Error> for HubError {
    fn from(error: corridor_core::Error) -> Self {
        match error {
            corridor_core::Error::NewerSchema { found, known } => HubError::NewerSchema { found, known },
            corridor_core::Error::DatabaseDamaged => {
                HubError::Database("hub.db is damaged or is not a hub database".into())
            }
            corridor_core::Error::Storage(problem) => HubError::Database(problem.to_string()),
            other => HubError::Internal(other.to_string()),
        }
    }
}

/// An HTTP error answer: status, stable code, a sentence for people, and the seconds to wait
/// before a retry where that is known.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: Cow<'static, str>,
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, message)
    }

    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            codes::UNAUTHORIZED,
            "a valid account token is required",
        )
    }

    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, codes::FORBIDDEN, message)
    }

    pub fn not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, "not found")
    }

    pub fn too_large(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, codes::TOO_LARGE, message)
    }

    pub fn internal() -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            "the hub failed; try again later",
        )
    }

    pub fn unavailable() -> Self {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::UNAVAILABLE,
            "the hub is busy; try again later",
        )
        .with_retry_after(1)
    }
}

impl From<HubError> for ApiError {
    fn from(error: HubError) -> Self {
        match error {
            HubError::InvalidInput { field, reason } => ApiError::bad_request(format!("{field}: {reason}")),
            other => {
                // Database and io texts hold no request data; the operator needs them.
                tracing::error!("request failed: {other}");
                if matches!(&other, HubError::Database(text) if text.contains("locked") || text.contains("busy")) {
                    ApiError::unavailable()
                } else {
                    ApiError::internal()
                }
            }
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(_: tokio::task::JoinError) -> Self {
        tracing::error!("a blocking task panicked or was cancelled");
        ApiError::internal()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code.to_owned(),
            message: self.message.into_owned(),
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
