//! Installing content through the core API: a wrong clock never removes installed content, and
//! a process killed in the middle of an install leaves the previous content intact and
//! installable.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use corridor_core::content::{install, library};
use corridor_core::pin::Pin;
use corridor_core::runtime::block_on;
use corridor_core::sync::{HubClient, HubUrl};
use corridor_core::testing::{fast_vault, ManualClock};
use corridor_core::vault::{ProfileSelector, Session, Vault};
use corridor_core::Error;
use corridor_tests::content::Programme;
use corridor_tests::proxy::{FaultProxy, Faults};

const PIN: &str = "482916";

fn client(programme: &Programme) -> HubClient {
    HubClient::new(HubUrl::parse(&programme.url()).unwrap(), Default::default()).unwrap()
}

fn phone(dir: &Path, clock: Arc<ManualClock>, programme: &Programme) -> (Vault, Session) {
    let vault = fast_vault(dir, clock).unwrap();
    let session = block_on(vault.setup_personal(Pin::choose(PIN).unwrap(), None)).unwrap();
    let root = std::fs::read(programme.repo().join("root/1.json")).unwrap();
    install::trust_root(&vault, &root).unwrap();
    (vault, session)
}

fn pep_version(session: &Session) -> u32 {
    library::list(session, Some("en"))
        .unwrap()
        .into_iter()
        .find(|module| module.id == "pep")
        .unwrap()
        .version
}

#[test]
fn a_clock_far_ahead_refuses_updates_but_never_removes_installed_content() {
    let programme = Programme::new();
    let dir = tempfile::tempdir().unwrap();
    let now = chrono::Utc::now().timestamp();
    let clock = ManualClock::new(now);
    let (vault, session) = phone(dir.path(), clock.clone(), &programme);
    block_on(install::update(&vault, &client(&programme), &mut |_, _| {})).unwrap();
    assert_eq!(library::list(&session, None).unwrap().len(), 20);

    // A phone whose clock is 200 days ahead: the catalog looks expired.
    clock.set_wall(now + 200 * 86_400);
    let source = programme.root().join("src/en/pep.md");
    let text = std::fs::read_to_string(&source).unwrap();
    std::fs::write(&source, text.replacen("version = 1", "version = 2", 1)).unwrap();
    programme.build_and_publish(&["a", "b"]);
    match block_on(install::update(&vault, &client(&programme), &mut |_, _| {})) {
        Err(Error::ContentRejected(reason)) => assert!(reason.contains("expire"), "{reason}"),
        other => panic!(
            "an expired catalog was not refused: {:?}",
            other.map(|outcome| outcome.version)
        ),
    }
    assert_eq!(
        library::list(&session, None).unwrap().len(),
        20,
        "the last good content stays"
    );
    assert_eq!(pep_version(&session), 1);

    // Once the clock is right again, the update goes through.
    clock.set_wall(now);
    block_on(install::update(&vault, &client(&programme), &mut |_, _| {})).unwrap();
    assert_eq!(pep_version(&session), 2);
    assert_eq!(library::installed_version(&vault).unwrap(), Some(2));
}

#[test]
fn killing_the_process_during_an_install_leaves_the_previous_content_intact_and_installable() {
    let programme = Programme::new();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(1_800_000_000);
    {
        let (vault, session) = phone(dir.path(), clock.clone(), &programme);
        block_on(install::update(&vault, &client(&programme), &mut |_, _| {})).unwrap();
        assert_eq!(pep_version(&session), 1);
    }
    let source = programme.root().join("src/en/pep.md");
    let text = std::fs::read_to_string(&source).unwrap();
    std::fs::write(&source, text.replacen("version = 1", "version = 2", 1)).unwrap();
    programme.build_and_publish(&["a", "b"]);

    // The first crash point an update reaches is just before the install commits.
    let status = Command::new(env!("CARGO_BIN_EXE_fault-child"))
        .arg(dir.path())
        .args(["content-update", "1", &programme.url()])
        .status()
        .unwrap();
    assert!(!status.success(), "the child was not killed");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "killed by SIGKILL at the crash point");
    }

    let vault = fast_vault(dir.path(), clock).unwrap();
    let session = block_on(vault.unlock(Pin::normalise(PIN).unwrap(), ProfileSelector::Any)).unwrap();
    assert_eq!(library::list(&session, None).unwrap().len(), 20);
    assert_eq!(pep_version(&session), 1, "the interrupted install changed nothing");
    assert_eq!(library::installed_version(&vault).unwrap(), Some(1));
    let hits = library::search(&session, "PEP 72", "en").unwrap();
    assert!(!hits.is_empty(), "the search index is intact");

    // The staged download is reused: nothing is downloaded twice.
    let outcome = block_on(install::update(&vault, &client(&programme), &mut |_, _| {})).unwrap();
    assert_eq!(outcome.bytes_downloaded, 0, "the verified staged file was reused");
    assert_eq!(pep_version(&session), 2);
}

#[test]
fn an_interrupted_content_download_resumes_where_it_stopped() {
    let programme = Programme::new();
    let dir = tempfile::tempdir().unwrap();
    let (vault, session) = phone(dir.path(), ManualClock::new(chrono::Utc::now().timestamp()), &programme);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // Every connection stops after 40,000 bytes of answers (the client keeps connections alive,
    // so that spans several files): metadata is fetched again, files resume.
    let proxy = runtime.block_on(FaultProxy::start(
        programme.hub.addr,
        Faults {
            cut: 1.0,
            cut_answer_after: Some(40_000),
            ..Faults::default()
        },
        11,
    ));
    let url = format!("http://{}/v1/content/repo/", proxy.addr);
    let client = HubClient::new(HubUrl::parse(&url).unwrap(), Default::default()).unwrap();
    let plan = block_on(install::check(
        &vault,
        &HubClient::new(HubUrl::parse(&programme.url()).unwrap(), Default::default()).unwrap(),
    ))
    .unwrap();
    let mut attempts = 0;
    let outcome = loop {
        attempts += 1;
        assert!(attempts < 200, "the update never finished");
        match block_on(install::update(&vault, &client, &mut |_, _| {})) {
            Ok(outcome) => break outcome,
            Err(Error::Network { retryable: true, .. }) => continue,
            Err(other) => panic!("{other}"),
        }
    };
    assert!(attempts > 1, "the proxy cut nothing");
    assert!(proxy.counts.cut.load(std::sync::atomic::Ordering::Relaxed) > 0);
    assert_eq!(outcome.modules_installed, 20);
    assert!(
        outcome.bytes_downloaded < plan.bytes_to_download,
        "the last attempt downloaded {} of {} bytes: earlier attempts' bytes were reused",
        outcome.bytes_downloaded,
        plan.bytes_to_download
    );
    assert_eq!(library::list(&session, None).unwrap().len(), 20);
    assert!(library::show(&session, "pep", "pt").unwrap().title.contains("PPE"));
}
