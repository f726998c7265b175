//! corridor-hub: the programme's server. It hosts the signed content repositories, takes
//! anonymous sealed reports for the Crisis Response Team's inbox, takes peer educators'
//! sessions, and keeps phones' encrypted backups.
//!
//! A seized hub must reveal nothing a phone sealed. It stores report ciphertext it cannot read,
//! backups encrypted under keys it never sees, sessions as aggregates with every client code
//! replaced by a keyed hash (the key is in `DATA/session-keys.json`, not in the database), and
//! only hashes of tokens and passwords. It never stores or logs a client address; its log holds one line per request
//! (method, route template, status, latency) and never a secret, token, password, lookup id,
//! report or query string.
//!
//! - [`serve`], [`bind`] and [`RunningHub`]: run the HTTP server (plain HTTP; a TLS proxy goes in
//!   front). [`shutdown_signal`] resolves on SIGTERM or Ctrl-C.
//! - [`admin`]: the operator's account and token functions, used by the CLI.
//! - [`reach`]: unique people reached per site, month or quarter and gender (`docs/reach.md`).
//! - [`secrets`]: the session intake key and the reach key (`DATA/session-keys.json`).
//! - Inside: `api`, the `/v1` routes (`docs/protocol.md` describes them); `store`, the `Store`
//!   trait that the handlers use and its SQLite backend; `idempotency` (keys, the in-flight set,
//!   capped bodies); `auth` (passwords, tokens, roles); `limits` (per-address rate limits, the
//!   per-username login lock and the hub-wide login budget, all in memory); `content` (static
//!   files); `server` (the accept loop, maintenance, shutdown). The request time limits (the
//!   hub's own work, and a body that stops arriving) are middleware in `api`.

pub mod admin;
mod api;
mod auth;
mod config;
mod content;
mod error;
mod idempotency;
mod intake;
mod limits;
pub mod reach;
pub mod secrets;
mod server;
mod store;

pub use config::HubConfig;
pub use error::HubError;
pub use server::{bind, serve, shutdown_signal, RunningHub};

/// Installs a plain-text `tracing` subscriber on standard error (colours only on a terminal).
/// Calling it again, or after another subscriber was installed, does nothing.
pub fn tracing_init() {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        use std::io::IsTerminal;
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .with_target(false)
            .try_init();
    });
}
