//! The HTTP client of the hub protocol.
//!
//! reqwest over rustls with the ring provider only: no OpenSSL and no aws-lc in the network
//! stack. Every request is bounded in time (connect, whole request, gap between two reads) and
//! every answer in size; redirects are never followed (a captive portal's page is an error, not
//! an answer). Plain HTTP is refused except to this machine (loopback), so a phone never sends
//! anything in the clear.
//!
//! Anonymous requests (report submission and status) go through their own client that keeps no
//! connection and no TLS session ticket between requests, so the hub cannot link two reports of
//! one phone by its connection. Optional pinning: when the programme's SPKI SHA-256 pins are
//! given, a certificate chain that verifies but carries none of them is refused.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{Resumption, WebPkiServerVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use serde::de::DeserializeOwned;
use serde::Serialize;
use zeroize::Zeroizing;

use super::wire::{self, Uuid};
use crate::error::{Error, Result};

/// The largest answer the client reads (a backup is the largest thing the hub returns).
pub const MAX_RESPONSE_LEN: usize = wire::MAX_BACKUP_LEN + 64 * 1024;

/// Where the hub is: an `https` URL, or `http` to loopback only.
#[derive(Clone, PartialEq, Eq)]
pub struct HubUrl(Url);

impl HubUrl {
    pub fn parse(text: &str) -> Result<HubUrl> {
        let mut url = Url::parse(text.trim()).map_err(|_| Error::invalid("hub", "not a URL"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::invalid("hub", "a hub URL carries no user name or password"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::invalid("hub", "a hub URL has no query or fragment"));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(Error::invalid(
                    "hub",
                    "plain http is refused except to this machine: use https",
                ))
            }
            _ => return Err(Error::invalid("hub", "the hub URL must start with https://")),
        }
        if url.host().is_none() {
            return Err(Error::invalid("hub", "the hub URL has no host"));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(HubUrl(url))
    }

    /// The URL of a protocol path such as `v1/health` (relative, no leading slash).
    pub fn join(&self, path: &str) -> Result<Url> {
        self.0
            .join(path.trim_start_matches('/'))
            .map_err(|_| Error::Internal("a hub path did not join".into()))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(address) => address.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// How the client talks to the hub.
#[derive(Clone)]
pub struct ClientOptions {
    pub connect_timeout: Duration,
    /// The whole of one ordinary request, answer included.
    pub request_timeout: Duration,
    /// The longest silence while reading an answer (downloads have no whole-request bound).
    pub read_timeout: Duration,
    /// SHA-256 of the DER SubjectPublicKeyInfo of keys the programme's certificate chain must
    /// contain. Empty: ordinary certificate verification only.
    pub pinned_spki_sha256: Vec<[u8; 32]>,
    /// Certificates (DER) trusted besides the public web roots, e.g. the programme's own CA.
    pub extra_roots_der: Vec<Vec<u8>>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(60),
            read_timeout: Duration::from_secs(30),
            pinned_spki_sha256: Vec::new(),
            extra_roots_der: Vec::new(),
        }
    }
}

/// How a request authenticates.
#[derive(Clone)]
pub enum Auth {
    /// Nothing: report submission and status.
    Anonymous,
    /// `Authorization: Bearer <secret>` (an account token, or a backup's write token).
    Bearer(wire::SecretString),
}

/// An answer from the hub (any status). No `Debug`: a body may hold a backup or a token.
pub struct HubResponse {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub etag: Option<String>,
    pub body: Vec<u8>,
}

impl HubResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Whether a failure may go away by itself (the request should be sent again, unchanged).
    pub fn is_retryable_failure(&self) -> bool {
        matches!(self.status, 408 | 409 | 425 | 429 | 500 | 502 | 503 | 504)
    }

    /// The answer as `T` when it succeeded, else the error it stands for.
    pub fn into_json<T: DeserializeOwned>(self) -> Result<T> {
        if !self.is_success() {
            return Err(self.into_error());
        }
        serde_json::from_slice(&self.body).map_err(|_| unexpected_answer())
    }

    /// The error a failed answer stands for.
    pub fn into_error(self) -> Error {
        let body: Option<wire::ErrorBody> = serde_json::from_slice(&self.body).ok();
        if self.is_retryable_failure() {
            let reason = match &body {
                Some(body) => format!("the hub is busy or failing ({}): {}", self.status, body.message),
                None => format!("the hub is busy or failing ({})", self.status),
            };
            return Error::Network {
                retryable: true,
                reason,
            };
        }
        match body {
            Some(body) => Error::HubRefused {
                status: self.status,
                code: body.error,
                message: body.message,
            },
            // Not the hub's JSON: a proxy, a captive portal, a misconfigured server.
            None => Error::Network {
                retryable: true,
                reason: format!("an unexpected answer ({}), perhaps not from the hub", self.status),
            },
        }
    }
}

fn unexpected_answer() -> Error {
    Error::Network {
        retryable: true,
        reason: "an answer that is not the hub's (a captive portal or proxy?)".into(),
    }
}

/// A request exactly as it is sent, and sent again unchanged on every retry (the outbox stores
/// these bytes). No `Debug`: the body may be a sealed report or a backup.
#[derive(Clone)]
pub struct PreparedRequest {
    pub method: Method,
    /// Relative to the hub URL, e.g. `v1/reports`.
    pub path: String,
    pub idempotency_key: Option<Uuid>,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl PreparedRequest {
    pub fn json<T: Serialize>(method: Method, path: impl Into<String>, body: &T, key: Uuid) -> Result<Self> {
        Ok(PreparedRequest {
            method,
            path: path.into(),
            idempotency_key: Some(key),
            content_type: "application/json",
            body: serde_json::to_vec(body).map_err(|_| Error::Internal("request encoding".into()))?,
        })
    }
}

impl PreparedRequest {
    /// Submits a sealed report; the Idempotency-Key is the report id. The hub recognises a retry
    /// only if the bytes are the same: keep the sealed bytes and never re-seal a report (sealing
    /// again gives other bytes, which the hub refuses as `idempotency_key_reused`).
    pub fn report(submission: &wire::ReportSubmission) -> Result<Self> {
        if submission.sealed.len() > wire::MAX_SEALED_REPORT_LEN {
            return Err(Error::invalid("report", "a sealed report is at most 512 KiB"));
        }
        Self::json(Method::POST, "v1/reports", submission, submission.report_id)
    }

    /// Submits a closed group session; the Idempotency-Key is the session id.
    pub fn session(submission: &wire::SessionSubmission) -> Result<Self> {
        Self::json(Method::POST, "v1/sessions", submission, submission.session_id)
    }
}

/// Where a download's bytes go, so that a partial download can be resumed with a Range request.
pub trait DownloadSink: Send {
    /// Bytes already held from an earlier attempt.
    fn held(&self) -> u64;
    /// The ETag of the file the held bytes came from.
    fn etag(&self) -> Option<String>;
    /// Forget the held bytes (the file changed, or the hub did not honour the range).
    fn restart(&mut self, etag: Option<String>) -> Result<()>;
    fn append(&mut self, bytes: &[u8]) -> Result<()>;
}

/// The client. Cheap to clone; one per hub URL.
#[derive(Clone)]
pub struct HubClient {
    url: HubUrl,
    options: ClientOptions,
    linked: reqwest::Client,
    anonymous: reqwest::Client,
    downloads: reqwest::Client,
}

impl HubClient {
    pub fn new(url: HubUrl, options: ClientOptions) -> Result<HubClient> {
        let tls = tls_config(&options, true)?;
        let tls_without_resumption = tls_config(&options, false)?;
        let base = || {
            reqwest::Client::builder()
                .connect_timeout(options.connect_timeout)
                .read_timeout(options.read_timeout)
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .http1_only()
        };
        let build = |builder: reqwest::ClientBuilder| {
            builder
                .build()
                .map_err(|_| Error::Internal("the network client could not be built".into()))
        };
        Ok(HubClient {
            linked: build(
                base()
                    .timeout(options.request_timeout)
                    .tls_backend_preconfigured(tls.clone()),
            )?,
            anonymous: build(
                base()
                    .timeout(options.request_timeout)
                    .pool_max_idle_per_host(0)
                    .tls_backend_preconfigured(tls_without_resumption),
            )?,
            downloads: build(base().tls_backend_preconfigured(tls))?,
            url,
            options,
        })
    }

    pub fn url(&self) -> &HubUrl {
        &self.url
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Sends a request once and reads its answer (up to [`MAX_RESPONSE_LEN`]). A network failure
    /// is an `Err(Network)`; any HTTP status is an `Ok`.
    pub async fn send(&self, request: &PreparedRequest, auth: &Auth) -> Result<HubResponse> {
        let client = match auth {
            Auth::Anonymous => &self.anonymous,
            Auth::Bearer(_) => &self.linked,
        };
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(request.content_type));
        if let Some(key) = request.idempotency_key {
            let value = HeaderValue::from_str(&key.hyphenated().to_string())
                .map_err(|_| Error::Internal("idempotency key header".into()))?;
            headers.insert(wire::IDEMPOTENCY_KEY_HEADER, value);
        }
        if let Auth::Bearer(secret) = auth {
            headers.insert(AUTHORIZATION, bearer(secret)?);
        }
        let builder = client
            .request(request.method.clone(), self.url.join(&request.path)?)
            .headers(headers);
        let builder = if request.method == Method::GET || request.method == Method::HEAD {
            builder
        } else {
            builder.body(request.body.clone())
        };
        let response = builder.send().await.map_err(network_error)?;
        read_response(response, MAX_RESPONSE_LEN).await
    }

    /// Sends a JSON-less GET and returns the answer.
    pub async fn get(&self, path: &str, auth: &Auth) -> Result<HubResponse> {
        let request = PreparedRequest {
            method: Method::GET,
            path: path.into(),
            idempotency_key: None,
            content_type: "application/json",
            body: Vec::new(),
        };
        self.send(&request, auth).await
    }

    pub async fn health(&self) -> Result<wire::Health> {
        let health: wire::Health = self.get("v1/health", &Auth::Anonymous).await?.into_json()?;
        if health.protocol != wire::PROTOCOL_VERSION {
            return Err(Error::Network {
                retryable: false,
                reason: format!(
                    "the hub speaks protocol {}, this app {}",
                    health.protocol,
                    wire::PROTOCOL_VERSION
                ),
            });
        }
        Ok(health)
    }

    /// Where a report is, by its id only. `None`: the hub has not got it (yet).
    pub async fn report_status(&self, report_id: Uuid) -> Result<Option<wire::ReportState>> {
        let response = self
            .get(
                &format!("v1/reports/{}/status", report_id.hyphenated()),
                &Auth::Anonymous,
            )
            .await?;
        if response.status == 404 {
            return Ok(None);
        }
        Ok(Some(response.into_json::<wire::ReportStatus>()?.state))
    }

    /// Logs an account in and returns its new token. Not idempotency-keyed: a retry makes a
    /// fresh token (the hub never stores one it could replay).
    pub async fn login(
        &self,
        username: &str,
        password: &wire::SecretString,
        device_label: &str,
    ) -> Result<wire::LoginResponse> {
        let body = wire::LoginRequest {
            username: username.to_string(),
            password: password.clone(),
            device_label: device_label.to_string(),
        };
        let mut request = PreparedRequest {
            method: Method::POST,
            path: "v1/auth/login".into(),
            idempotency_key: None,
            content_type: "application/json",
            body: serde_json::to_vec(&body).map_err(|_| Error::Internal("login encoding".into()))?,
        };
        // The copy handed to the network stack cannot be wiped from here; ours is.
        let sent = self.send(&request, &Auth::Anonymous).await;
        zeroize::Zeroize::zeroize(&mut request.body);
        let mut response = sent?;
        let parsed = response.is_success().then(|| serde_json::from_slice(&response.body));
        let result = match parsed {
            Some(Ok(login)) => Ok(login),
            Some(Err(_)) => Err(unexpected_answer()),
            None => Err(HubResponse {
                status: response.status,
                retry_after: response.retry_after,
                etag: None,
                body: std::mem::take(&mut response.body),
            }
            .into_error()),
        };
        zeroize::Zeroize::zeroize(&mut response.body);
        result
    }

    /// The hub's session intake key (educators only).
    pub async fn session_intake_key(&self, token: &wire::SecretString) -> Result<wire::SessionIntakeKey> {
        self.get("v1/sessions/intake-key", &Auth::Bearer(token.clone()))
            .await?
            .into_json()
    }

    pub async fn me(&self, token: &wire::SecretString) -> Result<wire::Account> {
        self.get("v1/auth/me", &Auth::Bearer(token.clone())).await?.into_json()
    }

    pub async fn logout(&self, token: &wire::SecretString) -> Result<()> {
        let request = PreparedRequest {
            method: Method::POST,
            path: "v1/auth/logout".into(),
            idempotency_key: None,
            content_type: "application/json",
            body: Vec::new(),
        };
        let response = self.send(&request, &Auth::Bearer(token.clone())).await?;
        if response.is_success() || response.status == 401 {
            Ok(())
        } else {
            Err(response.into_error())
        }
    }

    /// Downloads `path` into `sink`, resuming from what the sink holds (a Range request guarded by
    /// the ETag of the held bytes). More than `max_len` bytes is `ContentRejected`; `progress(done, total)`
    /// is called as bytes arrive. Returns the total length.
    pub async fn download(
        &self,
        path: &str,
        sink: &mut dyn DownloadSink,
        max_len: u64,
        progress: &mut (dyn FnMut(u64, Option<u64>) + Send),
    ) -> Result<u64> {
        let url = self.url.join(path)?;
        let mut request = self.downloads.get(url);
        let held = sink.held();
        let resuming = held > 0 && sink.etag().is_some();
        if resuming {
            request = request
                .header(reqwest::header::RANGE, format!("bytes={held}-"))
                .header(reqwest::header::IF_RANGE, sink.etag().unwrap_or_default());
        }
        let mut response = request.send().await.map_err(network_error)?;
        let status = response.status();
        let etag = header_text(response.headers(), reqwest::header::ETAG);
        let (start, total) = match status {
            StatusCode::PARTIAL_CONTENT if resuming => {
                let (start, total) = content_range(response.headers()).ok_or_else(unexpected_answer)?;
                if start != held {
                    return Err(unexpected_answer());
                }
                (start, total)
            }
            StatusCode::OK => {
                sink.restart(etag.clone())?;
                (0, response.content_length())
            }
            StatusCode::RANGE_NOT_SATISFIABLE if resuming => {
                // The held bytes are already the whole file, or the file shrank: start again.
                sink.restart(None)?;
                return Box::pin(self.download(path, sink, max_len, progress)).await;
            }
            _ => return Err(read_response(response, 64 * 1024).await?.into_error()),
        };
        if total.is_some_and(|total| total > max_len) {
            return Err(Error::ContentRejected(
                "a file is longer than allowed (its signed length)".into(),
            ));
        }
        let mut done = start;
        progress(done, total);
        while let Some(chunk) = response.chunk().await.map_err(network_error)? {
            done += chunk.len() as u64;
            if done > max_len {
                return Err(Error::ContentRejected(
                    "a file is longer than allowed (its signed length)".into(),
                ));
            }
            sink.append(&chunk)?;
            progress(done, total);
        }
        if total.is_some_and(|total| done != total) {
            return Err(Error::Network {
                retryable: true,
                reason: "the download stopped early".into(),
            });
        }
        Ok(done)
    }
}

impl HubClient {
    /// A small file (metadata) of at most `cap` bytes, checked before it is read whole; `None` when
    /// the server has no such file (404). Larger files are refused as content.
    pub async fn get_capped(&self, path: &str, cap: usize) -> Result<Option<Vec<u8>>> {
        let url = self.url.join(path)?;
        let mut response = self.downloads.get(url).send().await.map_err(network_error)?;
        match response.status() {
            StatusCode::OK => {}
            StatusCode::NOT_FOUND => return Ok(None),
            _ => return Err(read_response(response, 64 * 1024).await?.into_error()),
        }
        let oversized = || Error::ContentRejected(format!("{path} is larger than its cap ({cap} bytes)"));
        read_body(&mut response, cap, oversized).await.map(Some)
    }
}

fn bearer(secret: &wire::SecretString) -> Result<HeaderValue> {
    let text = Zeroizing::new(format!("Bearer {}", secret.expose()));
    let mut value = HeaderValue::from_str(&text).map_err(|_| Error::invalid("token", "not a valid token"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// `Content-Range: bytes a-b/total` → (a, total).
fn content_range(headers: &HeaderMap) -> Option<(u64, Option<u64>)> {
    let text = headers.get(reqwest::header::CONTENT_RANGE)?.to_str().ok()?;
    let rest = text.strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, _end) = range.split_once('-')?;
    let total = if total == "*" { None } else { Some(total.parse().ok()?) };
    Some((start.parse().ok()?, total))
}

/// A header's value as text, when it is text.
fn header_text(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    headers.get(name)?.to_str().ok().map(str::to_string)
}

/// An answer's body, refused with `oversized()` beyond `limit` (checked against the announced
/// length first, then as bytes arrive).
async fn read_body(response: &mut reqwest::Response, limit: usize, oversized: impl Fn() -> Error) -> Result<Vec<u8>> {
    if response.content_length().is_some_and(|length| length > limit as u64) {
        return Err(oversized());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(network_error)? {
        if body.len() + chunk.len() > limit {
            return Err(oversized());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

async fn read_response(mut response: reqwest::Response, limit: usize) -> Result<HubResponse> {
    let status = response.status().as_u16();
    let retry_after = header_text(response.headers(), RETRY_AFTER).and_then(|text| parse_retry_after(&text));
    let etag = header_text(response.headers(), reqwest::header::ETAG);
    let body = read_body(&mut response, limit, too_large_answer).await?;
    Ok(HubResponse {
        status,
        retry_after,
        etag,
        body,
    })
}

fn too_large_answer() -> Error {
    Error::Network {
        retryable: true,
        reason: "the answer was larger than any the hub sends".into(),
    }
}

/// `Retry-After`: seconds, or an HTTP date.
pub fn parse_retry_after(text: &str) -> Option<Duration> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds).min(super::backoff::MAX_RETRY_AFTER));
    }
    let when = chrono::DateTime::parse_from_rfc2822(text).ok()?;
    let seconds = (when.timestamp() - chrono::Utc::now().timestamp()).max(0) as u64;
    Some(Duration::from_secs(seconds).min(super::backoff::MAX_RETRY_AFTER))
}

/// What a transport failure means to a person, without the URL (which may hold a lookup id).
fn network_error(error: reqwest::Error) -> Error {
    let reason = if error.is_timeout() {
        "the hub did not answer in time"
    } else if error.is_connect() {
        "no connection to the hub"
    } else if error.is_body() || error.is_decode() {
        "the connection dropped while reading the answer"
    } else if error.is_request() {
        "the connection dropped while sending"
    } else {
        "the network failed"
    };
    let mut text = reason.to_string();
    if let Some(detail) = certificate_problem(&error) {
        return Error::Network {
            retryable: false,
            reason: detail,
        };
    }
    if error.is_builder() {
        text = "the request could not be built".into();
    }
    Error::Network {
        retryable: true,
        reason: text,
    }
}

/// A TLS certificate failure (not retryable: the network is lying or misconfigured).
fn certificate_problem(error: &reqwest::Error) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(mut current) = source {
        // An io::Error's `source` skips the error it wraps (and hyper wraps io::Errors in
        // io::Errors): look inside them.
        while let Some(inner) = current.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            current = inner;
        }
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(match tls {
                rustls::Error::InvalidCertificate(rustls::CertificateError::ApplicationVerificationFailure) => {
                    "the hub's certificate does not carry the programme's pinned key".into()
                }
                rustls::Error::InvalidCertificate(_) => "the hub's certificate is not trusted".into(),
                _ => "the secure connection to the hub failed".into(),
            });
        }
        source = current.source();
    }
    None
}

fn tls_config(options: &ClientOptions, resumption: bool) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for der in &options.extra_roots_der {
        roots
            .add(CertificateDer::from(der.clone()))
            .map_err(|_| Error::invalid("certificate", "not a valid certificate"))?;
    }
    let roots = Arc::new(roots);
    let webpki = WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
        .build()
        .map_err(|_| Error::Internal("certificate verifier".into()))?;
    let verifier: Arc<dyn ServerCertVerifier> = if options.pinned_spki_sha256.is_empty() {
        webpki
    } else {
        Arc::new(PinnedVerifier {
            inner: webpki,
            roots,
            algorithms: provider.signature_verification_algorithms.all,
            pins: options.pinned_spki_sha256.clone(),
        })
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| Error::Internal("TLS versions".into()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    if !resumption {
        config.resumption = Resumption::disabled();
    }
    Ok(config)
}

/// Ordinary verification, then: the *verified* path (leaf, the intermediates actually used, the
/// trust anchor) must carry a pinned key. Checking only the certificates a server presents would
/// let an attacker with a mis-issued certificate append the programme's (public) CA certificate
/// as an unused intermediate; path building instead keeps looking for a chain that carries a pin.
#[derive(Debug)]
struct PinnedVerifier {
    inner: Arc<WebPkiServerVerifier>,
    roots: Arc<RootCertStore>,
    algorithms: &'static [&'static dyn rustls::pki_types::SignatureVerificationAlgorithm],
    pins: Vec<[u8; 32]>,
}

/// SHA-256 of a certificate's DER SubjectPublicKeyInfo (the form of an HPKP-style pin).
pub fn spki_sha256(certificate_der: &[u8]) -> Result<[u8; 32]> {
    let der = CertificateDer::from(certificate_der);
    let parsed =
        webpki::EndEntityCert::try_from(&der).map_err(|_| Error::invalid("certificate", "not a valid certificate"))?;
    Ok(sha256(parsed.subject_public_key_info().as_ref()))
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// A trust anchor keeps its SubjectPublicKeyInfo without the outer SEQUENCE: put it back, so the
/// pin of a root is the same digest as the pin of the same key in a certificate.
fn anchor_spki_sha256(contents: &[u8]) -> [u8; 32] {
    let mut der = vec![0x30];
    match contents.len() {
        length @ 0..=0x7f => der.push(length as u8),
        length @ 0x80..=0xff => der.extend_from_slice(&[0x81, length as u8]),
        length => der.extend_from_slice(&[0x82, (length >> 8) as u8, length as u8]),
    }
    der.extend_from_slice(contents);
    sha256(&der)
}

impl PinnedVerifier {
    fn path_is_pinned(&self, path: &webpki::VerifiedPath<'_>) -> bool {
        let mut digests = vec![
            sha256(path.end_entity().subject_public_key_info().as_ref()),
            anchor_spki_sha256(path.anchor().subject_public_key_info.as_ref()),
        ];
        digests.extend(
            path.intermediate_certificates()
                .map(|certificate| sha256(certificate.subject_public_key_info().as_ref())),
        );
        digests.iter().any(|digest| self.pins.contains(digest))
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let verified = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)?;
        let refused = || rustls::Error::InvalidCertificate(rustls::CertificateError::ApplicationVerificationFailure);
        let certificate = webpki::EndEntityCert::try_from(end_entity).map_err(|_| refused())?;
        let accept = |path: &webpki::VerifiedPath<'_>| {
            if self.path_is_pinned(path) {
                Ok(())
            } else {
                // Not fatal: path building goes on looking for a chain that carries a pin.
                Err(webpki::Error::UnknownIssuer)
            }
        };
        certificate
            .verify_for_usage(
                self.algorithms,
                &self.roots.roots,
                intermediates,
                now,
                webpki::KeyUsage::server_auth(),
                None,
                Some(&accept),
            )
            .map(|_| verified)
            .map_err(|_| refused())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, certificate, signature)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, certificate, signature)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_except_to_loopback() {
        for good in [
            "https://hub.example.org",
            "https://hub.example.org/corridor/",
            "http://127.0.0.1:8080",
            "http://localhost:9",
            "http://[::1]:80/",
        ] {
            assert!(HubUrl::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "http://hub.example.org",
            "http://10.0.0.1",
            "ftp://hub.example.org",
            "https://user:pass@hub.example.org",
            "https://hub.example.org/?x=1",
            "not a url",
            "file:///etc/passwd",
        ] {
            assert!(HubUrl::parse(bad).is_err(), "{bad}");
        }
        let url = HubUrl::parse("https://hub.example.org/corridor").unwrap();
        assert_eq!(
            url.join("v1/health").unwrap().as_str(),
            "https://hub.example.org/corridor/v1/health"
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(
            parse_retry_after("99999999999"),
            Some(super::super::backoff::MAX_RETRY_AFTER)
        );
    }

    #[test]
    fn content_range_is_parsed() {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::CONTENT_RANGE,
            HeaderValue::from_static("bytes 100-199/1000"),
        );
        assert_eq!(content_range(&headers), Some((100, Some(1000))));
        headers.insert(reqwest::header::CONTENT_RANGE, HeaderValue::from_static("bytes 5-9/*"));
        assert_eq!(content_range(&headers), Some((5, None)));
        headers.insert(reqwest::header::CONTENT_RANGE, HeaderValue::from_static("lines 1-2/3"));
        assert_eq!(content_range(&headers), None);
    }

    #[test]
    fn failures_are_sorted_into_retryable_and_refused() {
        let answer = |status: u16, body: &str| HubResponse {
            status,
            retry_after: None,
            etag: None,
            body: body.as_bytes().to_vec(),
        };
        let refused = r#"{"error":"id_conflict","message":"that report id holds another report"}"#;
        match answer(422, refused).into_error() {
            Error::HubRefused { status, code, .. } => assert_eq!((status, code.as_str()), (422, "id_conflict")),
            _ => panic!("a 422 is a refusal"),
        }
        for status in [409, 429, 500, 503] {
            assert!(matches!(
                answer(status, refused).into_error(),
                Error::Network { retryable: true, .. }
            ));
        }
        // A captive portal's page.
        assert!(matches!(
            answer(200, "<html>login</html>").into_json::<wire::Health>(),
            Err(Error::Network { retryable: true, .. })
        ));
    }
}
