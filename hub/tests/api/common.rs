//! A hub on 127.0.0.1:0 in this process, its temporary data directory, accounts and a client.

use std::net::SocketAddr;
use std::path::PathBuf;

use corridor_core::codes::ClientCode;
use corridor_core::reports::seal::{seal_as, SealKind, TeamPublicKey};
use corridor_core::sessions::upload::{AgeBand, Attendee, Gender, SessionKind, SessionUpload, WalkIns};
use corridor_core::sync::wire::{LoginResponse, Role, SecretString, SessionIntakeKey, Uuid, IDEMPOTENCY_KEY_HEADER};
use corridor_hub::{admin, HubConfig, HubError};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestHub {
    pub dir: TempDir,
    pub config: HubConfig,
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), HubError>>>,
}

pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

impl TestHub {
    /// A hub without rate limits (tests that check them switch them on).
    pub async fn start() -> TestHub {
        TestHub::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut HubConfig)) -> TestHub {
        TestHub::start_in(tempfile::tempdir().unwrap(), adjust).await
    }

    pub async fn start_in(dir: TempDir, adjust: impl FnOnce(&mut HubConfig)) -> TestHub {
        let mut config = HubConfig::new(dir.path().join("data"), "127.0.0.1:0".parse().unwrap());
        config.report_rate_per_minute = 0;
        config.login_rate_per_minute = 0;
        adjust(&mut config);
        let hub = corridor_hub::bind(config.clone()).await.unwrap();
        let addr = hub.local_addr();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(hub.serve(async {
            let _ = stopped.await;
        }));
        TestHub {
            dir,
            config,
            addr,
            client: client(),
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }

    /// Stops the hub (gracefully) and hands back its directory.
    pub async fn stop(mut self) -> TempDir {
        let _ = self.shutdown.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap().unwrap();
        let TestHub { dir, .. } = self;
        dir
    }

    pub fn data_dir(&self) -> PathBuf {
        self.config.data_dir.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    pub fn add_user(&self, username: &str, role: Role, sites: &[&str]) {
        let sites: Vec<String> = sites.iter().map(|site| site.to_string()).collect();
        admin::add_user(
            &self.data_dir(),
            username,
            &SecretString::new(PASSWORD.into()),
            role,
            &sites,
        )
        .unwrap();
    }

    pub async fn login(&self, username: &str) -> String {
        let response = self
            .request(Method::POST, "/v1/auth/login")
            .json(&json!({"username": username, "password": PASSWORD, "device_label": "test device"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let login: LoginResponse = response.json().await.unwrap();
        login.token.expose().to_owned()
    }

    /// Adds an account and logs it in; returns its token.
    pub async fn account(&self, username: &str, role: Role, sites: &[&str]) -> String {
        self.add_user(username, role, sites);
        self.login(username).await
    }

    /// Submits a report under a fresh key.
    pub async fn submit_report(&self, report_id: Uuid, site: &str, sealed: &[u8]) -> Response {
        self.request(Method::POST, "/v1/reports")
            .header(IDEMPOTENCY_KEY_HEADER, Uuid::new_v4().to_string())
            .json(&report_body(report_id, site, sealed))
            .send()
            .await
            .unwrap()
    }

    /// The hub's session intake key, as an educator's tablet fetches it.
    pub async fn intake_key(&self, token: &str) -> TeamPublicKey {
        let response = self
            .request(Method::GET, "/v1/sessions/intake-key")
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let key: SessionIntakeKey = response.json().await.unwrap();
        TeamPublicKey {
            key_id: key.key_id,
            public: hex::decode(&key.x25519_public).unwrap().try_into().unwrap(),
        }
    }

    /// Posts a session submission body under `idempotency_key`.
    pub async fn submit_session(&self, token: &str, idempotency_key: &str, body: &Value) -> Response {
        self.request(Method::POST, "/v1/sessions")
            .bearer_auth(token)
            .header(IDEMPOTENCY_KEY_HEADER, idempotency_key)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Sends raw bytes on a fresh connection and reads the answer until the hub closes it.
    pub async fn raw(&self, request: &str) -> RawResponse {
        let mut stream = TcpStream::connect(self.addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).await.unwrap();
        RawResponse::parse(&bytes)
    }

    /// `GET path` on a raw connection, so that no client library normalises the path.
    pub async fn raw_get(&self, path: &str) -> RawResponse {
        self.raw(&format!(
            "GET {path} HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n"
        ))
        .await
    }
}

pub fn report_body(report_id: Uuid, site: &str, sealed: &[u8]) -> Value {
    use base64::Engine;
    json!({
        "report_id": report_id,
        "site": site,
        "sealed": base64::engine::general_purpose::STANDARD.encode(sealed),
    })
}

/// A closed group session at `site` an hour ago with these attendees (canonical codes) and two
/// walk-ins.
pub fn session_upload(site: &str, codes: &[String]) -> SessionUpload {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut upload = SessionUpload::new(Uuid::new_v4(), site, SessionKind::Group, now - 3600, now - 60);
    upload.modules = vec!["prep-basics".into()];
    upload.attendees = codes
        .iter()
        .map(|code| Attendee {
            code: code.clone(),
            gender: Some(Gender::Female),
            age_band: Some(AgeBand::From18To24),
        })
        .collect();
    upload.walk_ins = vec![WalkIns {
        gender: Gender::Male,
        age_band: AgeBand::From25To29,
        count: 2,
    }];
    upload
}

/// A fresh client code in its canonical form.
pub fn client_code() -> String {
    ClientCode::generate().unwrap().as_str().to_owned()
}

/// The submission body of `upload` sealed as `kind` to `key`.
pub fn session_body_as(kind: SealKind, key: &TeamPublicKey, upload: &SessionUpload) -> Value {
    use base64::Engine;
    let sealed = seal_as(kind, &upload.to_json().unwrap(), key).unwrap();
    json!({
        "session_id": upload.session_id,
        "site": upload.site,
        "sealed": base64::engine::general_purpose::STANDARD.encode(sealed),
    })
}

pub fn session_body(key: &TeamPublicKey, upload: &SessionUpload) -> Value {
    session_body_as(SealKind::Session, key, upload)
}

pub fn key() -> String {
    Uuid::new_v4().to_string()
}

pub async fn error_code(response: Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["error"].as_str().unwrap().to_owned()
}

/// Status and exact body bytes, for comparing a replay with the original.
pub async fn status_and_body(response: Response) -> (StatusCode, Vec<u8>) {
    let status = response.status();
    (status, response.bytes().await.unwrap().to_vec())
}

pub struct RawResponse {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl RawResponse {
    fn parse(bytes: &[u8]) -> RawResponse {
        let split = bytes
            .windows(4)
            .position(|window| window == b"\r\n\r\n")
            .expect("an HTTP response");
        let head = String::from_utf8_lossy(&bytes[..split]).to_string();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        RawResponse {
            status,
            head,
            body: bytes[split + 4..].to_vec(),
        }
    }
}
