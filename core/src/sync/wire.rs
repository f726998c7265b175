//! The hub protocol's JSON bodies, limits and names, shared by the client ([`super::HubClient`])
//! and the hub (`corridor-hub`) so that the two cannot drift. `docs/protocol.md` describes them.
//!
//! Types that carry a secret (a password, an account token) hold it in a zeroize-on-drop string
//! and implement neither `Debug` nor `Display`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

pub use uuid::Uuid;

/// The protocol version served under `/v1`.
pub const PROTOCOL_VERSION: u32 = 1;

/// The header every write carries: a UUID chosen by the client, reused unchanged on retries.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

/// The largest JSON body the hub reads on any route except backups.
pub const MAX_JSON_BODY_LEN: usize = 1024 * 1024;
/// The largest sealed report (decoded bytes).
pub const MAX_SEALED_REPORT_LEN: usize = 512 * 1024;
/// The largest session upload before sealing (its JSON encoding).
pub const MAX_SESSION_BODY_LEN: usize = 256 * 1024 - 4;
/// The largest backup the hub stores (the same cap as a backup file on the phone).
pub const MAX_BACKUP_LEN: usize = crate::backup::MAX_BACKUP_LEN;
/// The most entries one inbox page lists.
pub const MAX_INBOX_PAGE: u32 = 500;
/// Usernames, device labels and passwords are at most this many bytes.
pub const MAX_NAME_LEN: usize = 64;
pub const MAX_PASSWORD_LEN: usize = 256;

/// A site is a programme location (a clinic, a border post): lower-case letters, digits and
/// hyphens, starting with a letter or digit, at most 64 bytes. Reports and sessions are routed by it.
pub fn is_valid_site(site: &str) -> bool {
    let bytes = site.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 64
        && bytes[0] != b'-'
        && bytes
            .iter()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || *byte == b'-')
}

/// Usernames follow the same rule as sites.
pub fn is_valid_username(name: &str) -> bool {
    is_valid_site(name)
}

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub protocol: u32,
    pub version: String,
}

/// `POST /v1/reports`: a report sealed on the phone to the Crisis Response Team. The hub cannot
/// read `sealed`; `site` only routes it to the right coordinators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSubmission {
    pub report_id: Uuid,
    pub site: String,
    #[serde(with = "base64_bytes")]
    pub sealed: Vec<u8>,
}

/// The hub's answer to a report submission (also replayed to a retry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportReceipt {
    pub report_id: Uuid,
    pub received_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// At the hub, not yet acknowledged by a coordinator.
    Received,
    /// A coordinator has it (its ciphertext is deleted from the hub some days later).
    Acknowledged,
}

/// `GET /v1/reports/{report_id}/status`: all a phone can learn, by report id only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportStatus {
    pub report_id: Uuid,
    pub state: ReportState,
}

/// One line of a coordinator's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxEntry {
    pub report_id: Uuid,
    pub site: String,
    pub received_at: i64,
    /// Bytes of ciphertext.
    pub size: u64,
    pub acknowledged_at: Option<i64>,
    /// The ciphertext was deleted (some days after the acknowledgement).
    pub purged: bool,
}

/// `GET /v1/crt/reports`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxPage {
    pub reports: Vec<InboxEntry>,
    /// Pass as `after` to read the next page; absent on the last page.
    pub next: Option<String>,
}

/// `GET /v1/crt/reports/{report_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedReport {
    pub report_id: Uuid,
    pub site: String,
    pub received_at: i64,
    #[serde(with = "base64_bytes")]
    pub sealed: Vec<u8>,
}

/// `POST /v1/crt/reports/{report_id}/ack`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    pub report_id: Uuid,
    pub acknowledged_at: i64,
    /// When the hub deletes the ciphertext.
    pub purge_at: i64,
}

/// `POST /v1/sessions`: a peer educator's closed session (or a correction of one), sealed on the
/// tablet to the hub's session intake key ([`SessionIntakeKey`]) so that nothing on the tablet
/// can read it back: `sealed` is a [`crate::sessions::upload::SessionUpload`] sealed with
/// [`crate::reports::seal::SealKind::Session`]. `site` must equal the upload's site (it is in
/// the clear so that the hub can check the account's sites first).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionSubmission {
    pub session_id: Uuid,
    pub site: String,
    #[serde(with = "base64_bytes")]
    pub sealed: Vec<u8>,
}

impl std::fmt::Debug for SessionSubmission {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SessionSubmission")
            .field("session_id", &self.session_id)
            .field("site", &self.site)
            .field("sealed_len", &self.sealed.len())
            .finish()
    }
}

/// `GET /v1/sessions/intake-key` (educators): the hub's X25519 public key that tablets seal
/// sessions to. The tablet fetches it when it logs in and at every sync, through the same
/// (pinned) connection as its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionIntakeKey {
    pub key_id: String,
    /// 64 lower-case hex digits.
    pub x25519_public: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionReceipt {
    pub session_id: Uuid,
    pub received_at: i64,
}

/// `PUT /v1/backups/{lookup_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupReceipt {
    pub stored_at: i64,
    pub size: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A peer educator's tablet: submits sessions for its sites.
    Educator,
    /// A Crisis Response Team coordinator: reads and acknowledges reports for its sites.
    Crt,
    /// Manages accounts and tokens; reads nothing.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Educator => "educator",
            Role::Crt => "crt",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "educator" => Some(Role::Educator),
            "crt" => Some(Role::Crt),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A string that is a secret: zeroized on drop, serialised as a plain JSON string, no `Debug`.
#[derive(Clone, Default)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    pub fn new(text: String) -> Self {
        SecretString(Zeroizing::new(text))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(SecretString(Zeroizing::new(String::deserialize(deserializer)?)))
    }
}

/// `POST /v1/auth/login`. No `Debug`: it holds the password.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: SecretString,
    /// Shown to admins in the token list ("tablet 3, Beitbridge").
    pub device_label: String,
}

/// The answer to a login. No `Debug`: it holds the token.
#[derive(Serialize, Deserialize)]
pub struct LoginResponse {
    /// Sent as `Authorization: Bearer <token>`; the hub keeps only its SHA-256.
    pub token: SecretString,
    /// Names the token in lists and revocations; reveals nothing of the token.
    pub token_id: String,
    pub role: Role,
    pub sites: Vec<String>,
}

/// `GET /v1/auth/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub username: String,
    pub role: Role,
    pub sites: Vec<String>,
    pub token_id: String,
}

/// A line of `GET /v1/admin/tokens` and `corridor hub token list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub token_id: String,
    pub username: String,
    pub device_label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// Every error response: a stable machine code (see [`codes`]) and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
}

/// The stable `error` codes of [`ErrorBody`].
pub mod codes {
    pub const BAD_REQUEST: &str = "bad_request";
    pub const MISSING_IDEMPOTENCY_KEY: &str = "missing_idempotency_key";
    pub const INVALID_IDEMPOTENCY_KEY: &str = "invalid_idempotency_key";
    pub const IDEMPOTENCY_KEY_REUSED: &str = "idempotency_key_reused";
    pub const REQUEST_IN_PROGRESS: &str = "request_in_progress";
    pub const ID_CONFLICT: &str = "id_conflict";
    pub const UNAUTHORIZED: &str = "unauthorized";
    pub const FORBIDDEN: &str = "forbidden";
    pub const NOT_FOUND: &str = "not_found";
    pub const GONE: &str = "gone";
    pub const TOO_LARGE: &str = "too_large";
    pub const RATE_LIMITED: &str = "rate_limited";
    pub const TIMEOUT: &str = "timeout";
    pub const UNAVAILABLE: &str = "unavailable";
    pub const INTERNAL: &str = "internal";
    /// A session submission whose `sealed` does not open with the hub's intake key.
    pub const SESSION_UNREADABLE: &str = "session_unreadable";
    /// An opened session that breaks a rule (its checks, a site or id that differs from the
    /// submission's, a correction of a session the hub does not have).
    pub const INVALID_SESSION: &str = "invalid_session";
    /// 409: a correction arrived before the session it corrects; sent again later.
    pub const ORIGINAL_NOT_RECEIVED: &str = "original_not_received";
}

/// Bytes as standard base64 (with padding) in JSON.
pub mod base64_bytes {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        STANDARD
            .decode(text.as_bytes())
            .map_err(|_| serde::de::Error::custom("not valid base64"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_are_lower_case_words_with_hyphens() {
        for good in ["beitbridge", "ressano-garcia", "site-1", "0"] {
            assert!(is_valid_site(good), "{good}");
        }
        for bad in ["", "-x", "Beitbridge", "a b", "a/b", "a_b", &"x".repeat(65), "é"] {
            assert!(!is_valid_site(bad), "{bad}");
        }
    }

    #[test]
    fn a_report_round_trips_and_unknown_fields_are_refused() {
        let report = ReportSubmission {
            report_id: Uuid::from_u128(7),
            site: "beitbridge".into(),
            sealed: vec![0, 1, 2, 250, 255],
        };
        let text = serde_json::to_string(&report).unwrap();
        assert!(text.contains("\"AAEC+v8=\""), "{text}");
        assert_eq!(serde_json::from_str::<ReportSubmission>(&text).unwrap(), report);
        let extra = text.replace("{", "{\"device\":\"x\",");
        assert!(serde_json::from_str::<ReportSubmission>(&extra).is_err());
        let broken = text.replace("AAEC+v8=", "not base64!");
        assert!(serde_json::from_str::<ReportSubmission>(&broken).is_err());
    }

    #[test]
    fn secrets_serialise_as_plain_strings() {
        let login = LoginRequest {
            username: "thandi".into(),
            password: SecretString::new("correct horse".into()),
            device_label: "tablet 3".into(),
        };
        let text = serde_json::to_string(&login).unwrap();
        assert!(text.contains("\"password\":\"correct horse\""));
        let back: LoginRequest = serde_json::from_str(&text).unwrap();
        assert_eq!(back.password.expose(), "correct horse");
    }
}
