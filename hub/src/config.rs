//! The hub's settings. Everything has a default; only the data directory and the address are
//! chosen by the operator.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How a hub runs. Build it with [`HubConfig::new`] and change the fields that need changing.
#[derive(Debug, Clone)]
pub struct HubConfig {
    /// Holds `hub.db` and the `content/` directory; created on first start.
    pub data_dir: PathBuf,
    /// Where to listen (plain HTTP; put a TLS proxy in front, see `docs/protocol.md`).
    pub addr: SocketAddr,
    /// Anonymous report submissions and status queries per client address and minute
    /// (a token bucket of this size); 0 switches the limit off. Default 30.
    pub report_rate_per_minute: u32,
    /// Login attempts per client address and minute; 0 switches the limit off. Default 10.
    pub login_rate_per_minute: u32,
    /// Password verifications (logins that get as far as Argon2id) per minute across all
    /// clients, as one token bucket of this size; 0 switches the limit off. Default 600.
    pub login_global_per_minute: u32,
    /// How long a username is locked after 5 consecutive failed logins; each further failure
    /// doubles it, up to an hour. Default 60 s.
    pub login_lock_base: Duration,
    /// Days between a report's acknowledgement and the deletion of its ciphertext. Default 30.
    pub purge_after_days: u32,
    /// Days an idempotency key is remembered. Default 7.
    pub idempotency_days: u32,
    /// The longest the hub may spend on a request, not counting the time it waits for the
    /// request's body to arrive, until its answer starts; then 408. Default 30 s.
    pub request_timeout: Duration,
    /// The longest a request's body may make no progress (no 1 KiB arriving, nor its end);
    /// then 408. A slow upload that keeps going is not cut off. Default 30 s.
    pub body_idle_timeout: Duration,
    /// The longest a client may take to send a request's headers; then the connection is
    /// closed. Default 10 s.
    pub header_read_timeout: Duration,
    /// `false` (default): rate limits key on the TCP peer. `true`: on the last
    /// `X-Forwarded-For` entry, which the TLS proxy in front of the hub appends. Only switch
    /// this on when every connection comes from that proxy.
    pub trust_forwarded_for: bool,
    /// Start with new session keys although `hub.db` holds sessions and `session-keys.json` is
    /// missing. Without it the hub refuses to start: restore the file from its backup instead
    /// (new keys make every person "first-time" again and refuse sessions sealed to the old key).
    pub new_session_keys: bool,
}

impl HubConfig {
    pub fn new(data_dir: impl Into<PathBuf>, addr: SocketAddr) -> Self {
        HubConfig {
            data_dir: data_dir.into(),
            addr,
            report_rate_per_minute: 30,
            login_rate_per_minute: 10,
            login_global_per_minute: 600,
            login_lock_base: Duration::from_secs(60),
            purge_after_days: 30,
            idempotency_days: 7,
            request_timeout: Duration::from_secs(30),
            body_idle_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            trust_forwarded_for: false,
            new_session_keys: false,
        }
    }

    pub(crate) fn retention(&self) -> Retention {
        Retention {
            purge_after_secs: i64::from(self.purge_after_days) * DAY,
            idempotency_secs: i64::from(self.idempotency_days) * DAY,
            revoked_token_secs: REVOKED_TOKEN_DAYS * DAY,
        }
    }
}

const DAY: i64 = 86_400;
/// Revoked tokens stay listed this long (so an admin sees what was revoked), then go.
const REVOKED_TOKEN_DAYS: i64 = 90;

/// How long the hub keeps what it no longer needs, in seconds.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// From a report's acknowledgement to the deletion of its ciphertext.
    pub purge_after_secs: i64,
    pub idempotency_secs: i64,
    /// From a token's revocation to the deletion of its row.
    pub revoked_token_secs: i64,
}
