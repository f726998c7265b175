//! Sealing reports to the Crisis Response Team (HPKE base mode, X25519 / HKDF-SHA256 /
//! ChaCha20-Poly1305): round trips, size buckets, refusals, and that no input makes `open` panic.
//! The RFC 9180 test vectors are unit tests in `core/src/reports/seal.rs`.

use corridor_core::content::metadata::TeamKey;
use corridor_core::error::Error;
use corridor_core::reports::seal::{
    bucket_for, open, seal, sealed_key_id, sealed_len, TeamPrivateKey, TeamPublicKey, BUCKETS, MAGIC, MAX_PLAINTEXT_LEN,
};
use corridor_core::sync::wire::MAX_SEALED_REPORT_LEN;
use proptest::prelude::*;
use std::sync::OnceLock;

fn team() -> TeamPrivateKey {
    TeamPrivateKey::generate("crt-beitbridge-2026").unwrap()
}

/// One key and one sealed report for the property tests.
fn fixture() -> &'static (TeamPrivateKey, Vec<u8>) {
    static FIXTURE: OnceLock<(TeamPrivateKey, Vec<u8>)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let key = TeamPrivateKey::generate("crt-2026").unwrap();
        let sealed = seal(b"{\"what\":[\"robbery\"]}", &key.public()).unwrap();
        (key, sealed)
    })
}

fn refusal(result: corridor_core::Result<Vec<u8>>) -> String {
    match result {
        Err(Error::InvalidInput {
            field: "report",
            reason,
        }) => reason,
        Err(other) => panic!("expected a refusal of the report, got {other:?}"),
        Ok(_) => panic!("expected a refusal, the report opened"),
    }
}

#[test]
fn a_sealed_report_opens_with_the_team_key() {
    let key = team();
    let plaintext = br#"{"kind":"full","what":["physical"],"text":"MARKER-7f3a"}"#;
    let sealed = seal(plaintext, &key.public()).unwrap();
    assert_eq!(&sealed[..8], MAGIC);
    assert_eq!(sealed_key_id(&sealed).unwrap(), "crt-beitbridge-2026");
    assert!(
        !sealed.windows(11).any(|window| window == b"MARKER-7f3a"),
        "the plaintext shows in the sealed bytes"
    );
    assert_eq!(open(&sealed, &key).unwrap(), plaintext);
    assert_eq!(open(&seal(b"", &key.public()).unwrap(), &key).unwrap(), b"");
}

#[test]
fn the_public_key_goes_through_the_safety_document_form() {
    let key = team();
    let metadata: TeamKey = key.public().to_metadata();
    assert_eq!(metadata.key_id, "crt-beitbridge-2026");
    assert_eq!(metadata.x25519_public.len(), 64);
    let back = TeamPublicKey::from_metadata(&metadata).unwrap();
    assert_eq!(back, key.public());
    let sealed = seal(b"through the catalog", &back).unwrap();
    assert_eq!(open(&sealed, &key).unwrap(), b"through the catalog");
    for bad in [
        TeamKey {
            key_id: String::new(),
            x25519_public: metadata.x25519_public.clone(),
        },
        TeamKey {
            key_id: "crt".into(),
            x25519_public: metadata.x25519_public[..62].to_string(),
        },
        TeamKey {
            key_id: "crt".into(),
            x25519_public: "zz".repeat(32),
        },
    ] {
        assert!(TeamPublicKey::from_metadata(&bad).is_err());
    }
}

#[test]
fn every_bucket_boundary() {
    let key = team();
    let public = key.public();
    let header = MAGIC.len() + 1 + public.key_id.len() + 32;
    for (index, bucket) in BUCKETS.iter().copied().enumerate() {
        // The largest plaintext of a bucket fills it (4 bytes of length prefix).
        let fits = vec![b'a'; bucket - 4];
        let sealed = seal(&fits, &public).unwrap();
        assert_eq!(sealed.len(), header + bucket + 16, "bucket {bucket}");
        assert_eq!(sealed.len(), sealed_len(fits.len(), &public.key_id).unwrap());
        assert_eq!(open(&sealed, &key).unwrap(), fits);
        // One byte more goes to the next bucket, or is refused after the last.
        let over = vec![b'b'; bucket - 3];
        match BUCKETS.get(index + 1) {
            Some(next) => {
                assert_eq!(bucket_for(over.len()).unwrap(), *next);
                let sealed = seal(&over, &public).unwrap();
                assert_eq!(sealed.len(), header + next + 16);
                assert_eq!(open(&sealed, &key).unwrap(), over);
            }
            None => {
                assert_eq!(over.len(), MAX_PLAINTEXT_LEN + 1);
                assert!(matches!(
                    seal(&over, &public),
                    Err(Error::InvalidInput { field: "report", .. })
                ));
            }
        }
        assert!(sealed.len() <= MAX_SEALED_REPORT_LEN);
    }
    assert_eq!(bucket_for(0).unwrap(), 65536);
}

#[test]
fn a_tiny_and_a_900_byte_report_have_the_same_length() {
    let public = team().public();
    let tiny = seal(br#"{"sos":true}"#, &public).unwrap();
    let long = seal(&vec![b'x'; 900], &public).unwrap();
    assert_eq!(tiny.len(), long.len());
}

#[test]
fn two_sealings_of_the_same_report_differ() {
    let key = team();
    let first = seal(b"the same report", &key.public()).unwrap();
    let second = seal(b"the same report", &key.public()).unwrap();
    assert_ne!(first, second);
    // Not only the ciphertext: each has its own ephemeral key.
    let enc = |sealed: &[u8]| sealed[9 + key.key_id().len()..9 + key.key_id().len() + 32].to_vec();
    assert_ne!(enc(&first), enc(&second));
    assert_eq!(open(&first, &key).unwrap(), open(&second, &key).unwrap());
}

#[test]
fn a_report_for_another_key_is_refused() {
    let ours = team();
    let theirs = TeamPrivateKey::generate("crt-maputo-2026").unwrap();
    let sealed = seal(b"for Maputo", &theirs.public()).unwrap();
    let reason = refusal(open(&sealed, &ours));
    assert!(reason.contains("sealed to another key: crt-maputo-2026"), "{reason}");
    // Another key under the same id (a regenerated key): it does not open, and says so.
    let impostor = TeamPrivateKey::generate("crt-maputo-2026").unwrap();
    let reason = refusal(open(&sealed, &impostor));
    assert!(reason.contains("does not open"), "{reason}");
}

#[test]
fn every_flipped_bit_is_refused() {
    let key = team();
    let sealed = seal(b"flip me", &key.public()).unwrap();
    // Every byte of the header, then a sample through the ciphertext and the tag.
    let positions = (0..60)
        .chain((60..sealed.len()).step_by(37))
        .chain(sealed.len() - 16..sealed.len());
    for position in positions {
        for bit in [0x01u8, 0x80] {
            let mut altered = sealed.clone();
            altered[position] ^= bit;
            assert!(open(&altered, &key).is_err(), "byte {position} bit {bit:#x}");
        }
    }
}

#[test]
fn truncated_or_extended_input_is_refused() {
    let key = team();
    let sealed = seal(b"cut me", &key.public()).unwrap();
    for len in [
        0,
        1,
        7,
        8,
        9,
        20,
        40,
        60,
        sealed.len() - 17,
        sealed.len() - 16,
        sealed.len() - 1,
    ] {
        let reason = refusal(open(&sealed[..len], &key));
        assert!(!reason.is_empty());
    }
    let mut longer = sealed.clone();
    longer.push(0);
    refusal(open(&longer, &key));
    let oversized = vec![0u8; MAX_SEALED_REPORT_LEN + 1];
    assert!(refusal(open(&oversized, &key)).contains("too large"));
    assert!(refusal(open(b"not a report at all", &key)).contains("not a sealed Corridor report"));
}

#[test]
fn a_report_too_long_is_refused_before_sealing() {
    let public = team().public();
    assert!(seal(&vec![0u8; MAX_PLAINTEXT_LEN], &public).is_ok());
    let error = seal(&vec![0u8; MAX_PLAINTEXT_LEN + 1], &public).unwrap_err();
    assert!(error.to_string().contains("too long"), "{error}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn open_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let (key, _) = fixture();
        prop_assert!(open(&bytes, key).is_err());
        let _ = sealed_key_id(&bytes);
    }

    #[test]
    fn open_never_panics_on_a_mangled_report(
        cut in 0usize..1200,
        position in 0usize..1200,
        value in any::<u8>(),
        header in proptest::collection::vec(any::<u8>(), 0..80),
    ) {
        let (key, sealed) = fixture();
        // A byte replaced.
        let mut altered = sealed.clone();
        let at = position % altered.len();
        let changed = altered[at] != value;
        altered[at] = value;
        let result = open(&altered, key);
        prop_assert_eq!(result.is_ok(), !changed);
        // Cut short.
        let short = &sealed[..cut.min(sealed.len() - 1)];
        prop_assert!(open(short, key).is_err());
        // A random header on the real body (key id lengths up to 255 included).
        let mut forged = MAGIC.to_vec();
        forged.extend_from_slice(&header);
        forged.extend_from_slice(&sealed[MAGIC.len()..]);
        let _ = open(&forged, key);
        let _ = sealed_key_id(&forged);
    }
}
