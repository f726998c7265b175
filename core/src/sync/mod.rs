//! Talking to the hub: the protocol's wire types, the HTTP client, backoff, the outbox, the
//! device's hub account, backups at the hub and the Crisis Response Team's inbox.
//!
//! Everything here is a client of `docs/protocol.md`; the hub (`corridor-hub`) serves the same
//! [`wire`] types. Nothing here may log, print or put into an error a token, a password, a
//! lookup id or a body.

pub mod account;
pub mod backoff;
pub mod backups;
pub mod client;
pub mod inbox;
pub mod outbox;
pub mod wire;

pub use backoff::Backoff;
pub use reqwest::Method;

pub use client::{Auth, ClientOptions, DownloadSink, HubClient, HubResponse, HubUrl, PreparedRequest};

use crate::error::{Error, Result};

/// The longest pause [`send_with_retries`] makes between two tries (the outbox has no such limit:
/// it waits in the background).
pub const MAX_INTERACTIVE_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Sends one request up to `attempts` times, unchanged (same Idempotency-Key, same bytes),
/// sleeping a full-jitter backoff (at least `Retry-After`) between tries while the failure may
/// pass, and never longer than [`MAX_INTERACTIVE_WAIT`]. Returns the first answer that is not a
/// passing failure, or the last failure.
pub async fn send_with_retries(
    client: &HubClient,
    request: &PreparedRequest,
    auth: &Auth,
    backoff: Backoff,
    attempts: u32,
) -> Result<HubResponse> {
    let attempts = attempts.max(1);
    let mut failures = 0;
    loop {
        let outcome = client.send(request, auth).await;
        failures += 1;
        let retry_after = match &outcome {
            Ok(response) if response.is_retryable_failure() => response.retry_after,
            Err(Error::Network { retryable: true, .. }) => None,
            _ => return outcome,
        };
        let delay = backoff.delay(failures, retry_after)?;
        // A person is waiting: a hub (or a proxy) that asks for a long pause gets its answer
        // back instead of a frozen screen; the caller may try later.
        if failures >= attempts || delay > MAX_INTERACTIVE_WAIT {
            return outcome;
        }
        tokio::time::sleep(delay).await;
    }
}
