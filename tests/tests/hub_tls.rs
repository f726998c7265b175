//! The client over TLS (rustls with ring): ordinary verification, and the programme's key pins.

use corridor_core::sync::client::spki_sha256;
use corridor_core::sync::{ClientOptions, HubClient, HubUrl};
use corridor_core::Error;
use corridor_tests::hub::HubProcess;
use corridor_tests::tls::{TestPki, TlsFront};

fn client(url: &str, roots: Vec<Vec<u8>>, pins: Vec<[u8; 32]>) -> HubClient {
    let options = ClientOptions {
        extra_roots_der: roots,
        pinned_spki_sha256: pins,
        ..ClientOptions::default()
    };
    HubClient::new(HubUrl::parse(url).unwrap(), options).unwrap()
}

#[test]
fn a_hub_behind_tls_is_trusted_by_its_ca_and_refused_when_its_key_is_not_the_pinned_one() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let hub_dir = tempfile::tempdir().unwrap();
    let hub = HubProcess::start(hub_dir.path(), &[]);
    let pki = TestPki::generate();
    let front = runtime.block_on(TlsFront::start(hub.addr, &pki));
    let url = front.url();

    let trusted = client(&url, vec![pki.ca_der.clone()], vec![]);
    assert_eq!(runtime.block_on(trusted.health()).unwrap().status, "ok");

    let server_pin = spki_sha256(&pki.server_der).unwrap();
    let pinned = client(&url, vec![pki.ca_der.clone()], vec![[7u8; 32], server_pin]);
    assert_eq!(
        runtime.block_on(pinned.health()).unwrap().status,
        "ok",
        "one matching pin is enough"
    );

    let other_key = spki_sha256(&TestPki::generate().server_der).unwrap();
    let mispinned = client(&url, vec![pki.ca_der.clone()], vec![other_key]);
    match runtime.block_on(mispinned.health()) {
        Err(Error::Network { retryable, reason }) => {
            assert!(!retryable, "a wrong key is not a passing failure");
            assert!(reason.contains("pinned"), "{reason}");
        }
        other => panic!(
            "a certificate without the pinned key was accepted: {:?}",
            other.map(|h| h.status)
        ),
    }

    let stranger = client(&url, vec![], vec![]);
    match runtime.block_on(stranger.health()) {
        Err(Error::Network {
            retryable: false,
            reason,
        }) => assert!(reason.contains("not trusted"), "{reason}"),
        other => panic!("an unknown CA was accepted: {:?}", other.map(|h| h.status)),
    }
    assert!(spki_sha256(b"not a certificate").is_err());
}

#[test]
fn a_pin_on_the_programme_ca_holds_and_an_unused_ca_certificate_in_the_chain_does_not_satisfy_it() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let hub_dir = tempfile::tempdir().unwrap();
    let hub = HubProcess::start(hub_dir.path(), &[]);
    let programme = TestPki::generate();
    let programme_ca_pin = spki_sha256(&programme.ca_der).unwrap();

    // The programme's own chain: the pin on its CA (the trust anchor) is found.
    let honest = runtime.block_on(TlsFront::start(hub.addr, &programme));
    let client_of = |url: &str, roots: Vec<Vec<u8>>| client(url, roots, vec![programme_ca_pin]);
    let pinned = client_of(&honest.url(), vec![programme.ca_der.clone()]);
    assert_eq!(runtime.block_on(pinned.health()).unwrap().status, "ok");

    // A certificate mis-issued by another trusted CA, with the programme's (public) CA
    // certificate appended as an unused intermediate: it verifies, but no verified path carries
    // the pinned key.
    let mut rogue = TestPki::generate();
    rogue.extra_chain_der.push(programme.ca_der.clone());
    let attacker = runtime.block_on(TlsFront::start(hub.addr, &rogue));
    let unpinned = client(
        &attacker.url(),
        vec![programme.ca_der.clone(), rogue.ca_der.clone()],
        vec![],
    );
    assert_eq!(
        runtime.block_on(unpinned.health()).unwrap().status,
        "ok",
        "the rogue chain verifies without pins"
    );
    let fooled = client_of(&attacker.url(), vec![programme.ca_der.clone(), rogue.ca_der.clone()]);
    match runtime.block_on(fooled.health()) {
        Err(Error::Network {
            retryable: false,
            reason,
        }) => assert!(reason.contains("pinned"), "{reason}"),
        other => panic!(
            "a smuggled CA certificate satisfied the pin: {:?}",
            other.map(|h| h.status)
        ),
    }
}
