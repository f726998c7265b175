//! The hub as a real process on loopback, driven by the core's client and outbox through a
//! fault-injecting proxy, and killed with SIGKILL while it writes.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use corridor_core::sync::wire::{self, ReportSubmission, SecretString, Uuid};
use corridor_core::sync::{inbox, outbox, Auth, Backoff, ClientOptions, HubClient, HubUrl, PreparedRequest};
use corridor_core::testing::{fast_vault, ManualClock};
use corridor_core::vault::Vault;
use corridor_tests::corridor;
use corridor_tests::hub::HubProcess;
use corridor_tests::proxy::{FaultProxy, Faults};

const SITE: &str = "beitbridge";
const PASSWORD: &str = "a long coordinator password";

fn quick_client(url: &str) -> HubClient {
    let options = ClientOptions {
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_millis(800),
        ..ClientOptions::default()
    };
    HubClient::new(HubUrl::parse(url).unwrap(), options).unwrap()
}

fn quick_backoff() -> Backoff {
    Backoff {
        base: Duration::from_millis(2),
        cap: Duration::from_millis(50),
    }
}

fn phone(dir: &Path) -> Vault {
    let vault = fast_vault(dir, ManualClock::new(1_800_000_000)).unwrap();
    corridor_core::runtime::block_on(vault.setup_personal(corridor_core::pin::Pin::choose("482916").unwrap(), None))
        .unwrap();
    vault
}

fn report(n: usize) -> ReportSubmission {
    ReportSubmission {
        report_id: Uuid::new_v4(),
        site: SITE.into(),
        sealed: format!("sealed report number {n} ").repeat(20).into_bytes(),
    }
}

/// A coordinator account for SITE, and its token.
fn coordinator_token(hub: &HubProcess, client: &HubClient, runtime: &tokio::runtime::Runtime) -> SecretString {
    let data = hub.data.to_str().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let added = corridor(
        scratch.path(),
        &[("CORRIDOR_HUB_PASSWORD", PASSWORD)],
        &[
            "hub",
            "user",
            "add",
            "--data",
            data,
            "--role",
            "crt",
            "--site",
            SITE,
            "coordinator",
        ],
    );
    assert_eq!(added.code, 0, "{}", added.stderr);
    let login = runtime
        .block_on(client.login("coordinator", &SecretString::new(PASSWORD.into()), "test"))
        .unwrap();
    login.token
}

/// Every report id in the coordinator's inbox.
fn inbox_ids(client: &HubClient, token: &SecretString, runtime: &tokio::runtime::Runtime) -> Vec<Uuid> {
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = runtime
            .block_on(inbox::list(
                client,
                token,
                Some(SITE),
                inbox::InboxFilter::All,
                after.as_deref(),
                500,
            ))
            .unwrap();
        ids.extend(page.reports.iter().map(|entry| entry.report_id));
        match page.next {
            Some(next) => after = Some(next),
            None => return ids,
        }
    }
}

fn enqueue_reports(vault: &Vault, count: usize) -> HashSet<Uuid> {
    let store = vault.device_store().unwrap();
    store
        .transaction(|connection| {
            let mut ids = HashSet::new();
            for n in 0..count {
                let submission = report(n);
                ids.insert(submission.report_id);
                let request = PreparedRequest::report(&submission)?;
                outbox::enqueue(connection, "report", &request, outbox::OutboxAuth::Anonymous, 0)?;
            }
            Ok(ids)
        })
        .unwrap()
}

fn drain_through(vault: &Vault, url: &str, runtime: &tokio::runtime::Runtime) -> outbox::DrainReport {
    let client = quick_client(url);
    let options = outbox::DrainOptions {
        backoff: quick_backoff(),
        keep_trying_for: Some(Duration::from_secs(600)),
    };
    runtime
        .block_on(outbox::drain(
            vault.device_store().unwrap(),
            &client,
            options,
            &mut |_, _| {},
        ))
        .unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_thousand_writes_through_a_proxy_that_drops_a_third_of_the_answers_arrive_exactly_once() {
    let runtime = runtime();
    let hub_dir = tempfile::tempdir().unwrap();
    let phone_dir = tempfile::tempdir().unwrap();
    let hub = HubProcess::start(hub_dir.path(), &["--report-rate", "0"]);
    let vault = phone(phone_dir.path());
    let sent = enqueue_reports(&vault, 1000);

    let proxy = runtime.block_on(FaultProxy::start(
        hub.addr,
        Faults {
            drop_after_commit: 1.0 / 3.0,
            ..Faults::default()
        },
        0x5eed,
    ));
    let report = drain_through(&vault, &proxy.url(), &runtime);

    assert_eq!(report.pending, 0, "everything was sent");
    assert_eq!(report.refused, 0);
    assert_eq!(report.delivered.len(), 1000);
    let dropped = proxy.counts.dropped_after_commit.load(Ordering::Relaxed);
    assert!(dropped >= 250, "the proxy dropped only {dropped} answers");

    let client = quick_client(&hub.url());
    let token = coordinator_token(&hub, &client, &runtime);
    let stored = inbox_ids(&client, &token, &runtime);
    assert_eq!(stored.len(), 1000, "exactly one record per write");
    assert_eq!(stored.into_iter().collect::<HashSet<_>>(), sent);
}

#[test]
fn resets_errors_drops_and_slow_answers_still_end_with_exactly_one_record_per_write() {
    let runtime = runtime();
    let hub_dir = tempfile::tempdir().unwrap();
    let phone_dir = tempfile::tempdir().unwrap();
    let hub = HubProcess::start(hub_dir.path(), &["--report-rate", "0"]);
    let vault = phone(phone_dir.path());
    let sent = enqueue_reports(&vault, 150);

    let proxy = runtime.block_on(FaultProxy::start(
        hub.addr,
        Faults {
            reset: 0.15,
            error_500: 0.15,
            drop_after_commit: 0.15,
            slow: 0.1,
            slow_pause: Duration::from_millis(300),
            ..Faults::default()
        },
        42,
    ));
    let report = drain_through(&vault, &proxy.url(), &runtime);
    assert_eq!((report.pending, report.refused, report.delivered.len()), (0, 0, 150));
    for (name, count) in [
        ("resets", &proxy.counts.resets),
        ("500s", &proxy.counts.errors_500),
        ("drops", &proxy.counts.dropped_after_commit),
        ("slow answers", &proxy.counts.slowed),
    ] {
        assert!(count.load(Ordering::Relaxed) > 0, "the proxy injected no {name}");
    }

    let client = quick_client(&hub.url());
    let token = coordinator_token(&hub, &client, &runtime);
    let stored: Vec<Uuid> = inbox_ids(&client, &token, &runtime);
    assert_eq!(stored.len(), 150);
    assert_eq!(stored.into_iter().collect::<HashSet<_>>(), sent);
}

#[test]
fn a_captive_portal_answering_instead_of_the_hub_loses_nothing_and_refuses_nothing() {
    let runtime = runtime();
    let hub_dir = tempfile::tempdir().unwrap();
    let phone_dir = tempfile::tempdir().unwrap();
    let hub = HubProcess::start(hub_dir.path(), &["--report-rate", "0"]);
    let vault = phone(phone_dir.path());
    let sent = enqueue_reports(&vault, 60);
    let proxy = runtime.block_on(FaultProxy::start(
        hub.addr,
        Faults {
            portal: 0.5,
            ..Faults::default()
        },
        77,
    ));
    let report = drain_through(&vault, &proxy.url(), &runtime);
    assert_eq!((report.pending, report.refused, report.delivered.len()), (0, 0, 60));
    assert!(
        proxy.counts.portal_pages.load(Ordering::Relaxed) >= 10,
        "the portal answered too rarely"
    );
    let client = quick_client(&hub.url());
    let token = coordinator_token(&hub, &client, &runtime);
    let stored: HashSet<Uuid> = inbox_ids(&client, &token, &runtime).into_iter().collect();
    assert_eq!(
        stored, sent,
        "every report reached the hub although the portal said 200"
    );
}

#[test]
fn the_same_key_with_another_body_is_refused_and_the_first_write_stands() {
    let runtime = runtime();
    let hub_dir = tempfile::tempdir().unwrap();
    let hub = HubProcess::start(hub_dir.path(), &["--report-rate", "0"]);
    let client = quick_client(&hub.url());
    let first = report(1);
    let request = PreparedRequest::report(&first).unwrap();
    let answer = runtime.block_on(client.send(&request, &Auth::Anonymous)).unwrap();
    assert_eq!(answer.status, 201);
    let replay = runtime.block_on(client.send(&request, &Auth::Anonymous)).unwrap();
    assert_eq!(
        (replay.status, &replay.body),
        (201, &answer.body),
        "a retry gets the original answer"
    );

    let mut other = request.clone();
    other.body = serde_json::to_vec(&ReportSubmission {
        sealed: b"something else entirely".to_vec(),
        ..first.clone()
    })
    .unwrap();
    let refused = runtime.block_on(client.send(&other, &Auth::Anonymous)).unwrap();
    assert_eq!(refused.status, 422);
    match refused.into_error() {
        corridor_core::Error::HubRefused { code, .. } => assert_eq!(code, wire::codes::IDEMPOTENCY_KEY_REUSED),
        _ => panic!("a refusal"),
    }
    let mut keyless = request.clone();
    keyless.idempotency_key = None;
    let missing = runtime.block_on(client.send(&keyless, &Auth::Anonymous)).unwrap();
    assert_eq!(missing.status, 400);

    let state = runtime.block_on(client.report_status(first.report_id)).unwrap();
    assert_eq!(state, Some(wire::ReportState::Received));
}

#[test]
fn every_acknowledged_write_survives_a_kill_9_loop_and_the_database_stays_whole() {
    let runtime = runtime();
    let hub_dir = tempfile::tempdir().unwrap();
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let addr = format!("127.0.0.1:{port}");
    let url = format!("http://{addr}");
    let client = quick_client(&url);
    let mut acknowledged: Vec<Uuid> = Vec::new();
    let mut total_attempted = 0usize;

    for round in 0..8u64 {
        let hub = HubProcess::start_on(hub_dir.path(), &addr, &["--report-rate", "0"]);
        let pid = hub.child.id();
        let delay = Duration::from_millis(150 + (round * 97) % 400);
        let killer = std::thread::spawn(move || {
            std::thread::sleep(delay);
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        });
        // Four writers at once, so that the kill lands in the middle of writes.
        let results: Vec<Vec<Uuid>> = runtime.block_on(async {
            let mut writers = Vec::new();
            for _ in 0..4 {
                let client = client.clone();
                writers.push(tokio::spawn(async move {
                    let mut done = Vec::new();
                    for n in 0..10_000 {
                        let submission = report(n);
                        let request = PreparedRequest::report(&submission).unwrap();
                        match client.send(&request, &Auth::Anonymous).await {
                            Ok(answer) if answer.status == 201 => done.push(submission.report_id),
                            _ => break,
                        }
                    }
                    done
                }));
            }
            let mut all = Vec::new();
            for writer in writers {
                all.push(writer.await.unwrap());
            }
            all
        });
        killer.join().unwrap();
        drop(hub);
        for ids in results {
            total_attempted += ids.len();
            acknowledged.extend(ids);
        }
    }
    assert!(
        total_attempted > 100,
        "the writers got only {total_attempted} writes in"
    );

    {
        let connection = rusqlite::Connection::open(hub_dir.path().join("hub.db")).unwrap();
        let verdict: String = connection
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(verdict, "ok");
    }
    let hub = HubProcess::start_on(hub_dir.path(), &addr, &["--report-rate", "0"]);
    let token = coordinator_token(&hub, &client, &runtime);
    let stored: HashSet<Uuid> = inbox_ids(&client, &token, &runtime).into_iter().collect();
    let missing: Vec<&Uuid> = acknowledged.iter().filter(|id| !stored.contains(id)).collect();
    assert!(missing.is_empty(), "{} acknowledged writes were lost", missing.len());
}

#[test]
fn sigterm_stops_the_hub_cleanly_and_its_log_holds_no_secret_and_no_address() {
    let runtime = runtime();
    let hub_dir = tempfile::tempdir().unwrap();
    let mut hub = HubProcess::start(hub_dir.path(), &[]);
    let client = quick_client(&hub.url());
    let token = coordinator_token(&hub, &client, &runtime);

    let marker = "MARKER-violence-report-text";
    let submission = ReportSubmission {
        report_id: Uuid::new_v4(),
        site: SITE.into(),
        sealed: marker.as_bytes().to_vec(),
    };
    let request = PreparedRequest::report(&submission).unwrap();
    assert_eq!(
        runtime
            .block_on(client.send(&request, &Auth::Anonymous))
            .unwrap()
            .status,
        201
    );
    let lookup_id = "ab".repeat(32);
    let write_token = "cd".repeat(32);
    let backup = PreparedRequest {
        method: corridor_core::sync::Method::PUT,
        path: format!("v1/backups/{lookup_id}"),
        idempotency_key: Some(Uuid::new_v4()),
        content_type: "application/octet-stream",
        body: b"encrypted backup bytes".to_vec(),
    };
    let stored = runtime
        .block_on(client.send(&backup, &Auth::Bearer(SecretString::new(write_token.clone()))))
        .unwrap();
    assert_eq!(stored.status, 201);
    let page = runtime
        .block_on(inbox::list(&client, &token, None, inbox::InboxFilter::All, None, 10))
        .unwrap();
    assert_eq!(page.reports.len(), 1);

    assert_eq!(
        hub.terminate(Duration::from_secs(20)),
        Some(0),
        "SIGTERM ends the hub with success"
    );
    let log = hub.log();
    assert!(log.contains("/v1/reports"), "requests are logged by route: {log}");
    use base64::Engine;
    let encoded_marker = base64::engine::general_purpose::STANDARD.encode(marker);
    for secret in [
        PASSWORD,
        token.expose(),
        &lookup_id,
        &write_token,
        marker,
        &encoded_marker,
        &submission.report_id.to_string(),
    ] {
        assert!(!log.contains(secret), "the hub's log holds a secret");
    }
    let addresses = log
        .lines()
        .filter(|line| !line.contains("listening on"))
        .filter(|line| line.contains("127.0.0.1"));
    assert_eq!(addresses.count(), 0, "the log names a client address: {log}");
}

#[test]
fn a_download_cut_off_again_and_again_resumes_where_it_stopped() {
    let runtime = runtime();
    let hub_dir = tempfile::tempdir().unwrap();
    let hub = HubProcess::start(hub_dir.path(), &[]);
    let content = hub_dir.path().join("content");
    let body: Vec<u8> = (0..3_000_000u32).map(|n| (n * 7 % 251) as u8).collect();
    std::fs::write(content.join("module.bin"), &body).unwrap();

    let proxy = runtime.block_on(FaultProxy::start(
        hub.addr,
        Faults {
            cut_answer_after: Some(400_000),
            cut: 1.0,
            ..Faults::default()
        },
        9,
    ));
    let client = quick_client(&proxy.url());
    let mut sink = MemorySink::default();
    let mut attempts = 0;
    let total = loop {
        attempts += 1;
        assert!(attempts < 100, "the download never finished");
        match runtime.block_on(client.download("v1/content/module.bin", &mut sink, 10_000_000, &mut |_, _| {})) {
            Ok(total) => break total,
            Err(corridor_core::Error::Network { retryable: true, .. }) => continue,
            Err(other) => panic!("{other}"),
        }
    };
    assert_eq!(total, body.len() as u64);
    assert!(sink.bytes == body, "the resumed download equals the file");
    assert!(attempts > 1, "the proxy cut nothing");
    assert!(
        sink.received < body.len() as u64 + 500_000,
        "resuming re-downloaded {} bytes for a {} byte file",
        sink.received,
        body.len()
    );
}

#[derive(Default)]
struct MemorySink {
    bytes: Vec<u8>,
    etag: Option<String>,
    received: u64,
}

impl corridor_core::sync::DownloadSink for MemorySink {
    fn held(&self) -> u64 {
        self.bytes.len() as u64
    }
    fn etag(&self) -> Option<String> {
        self.etag.clone()
    }
    fn restart(&mut self, etag: Option<String>) -> corridor_core::Result<()> {
        self.bytes.clear();
        self.etag = etag;
        Ok(())
    }
    fn append(&mut self, bytes: &[u8]) -> corridor_core::Result<()> {
        self.received += bytes.len() as u64;
        self.bytes.extend_from_slice(bytes);
        Ok(())
    }
}
