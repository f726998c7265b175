//! The signed content repository: what a phone refuses (each with a reason a person can read),
//! what it accepts, root rotation, and the editors' operations end to end on disk.

use std::collections::BTreeMap;
use std::path::Path;

use corridor_core::content::metadata::{
    Catalog, CatalogAsset, CatalogModule, Envelope, FileRef, ResponseTeam, RoleKeys, Roles, Root, Safety, Site,
    TeamKey, MAX_CATALOG_LEN, MAX_ROOT_LEN, MAX_SAFETY_LEN,
};
use corridor_core::content::repo::{self, NoProgress};
use corridor_core::content::signing::{MetadataKind, PublicKeyFile, SigningKey};
use corridor_core::content::verify::{
    trusted_time, verify_catalog, verify_initial_root, verify_next_root, verify_safety, MetadataCheck,
};
use corridor_core::error::Error;
use serde::Serialize;
use zeroize::Zeroizing;

const NOW: i64 = 1_800_000_000;
const DAY: i64 = 86_400;

fn keys(count: usize, holder: &str) -> Vec<SigningKey> {
    (0..count)
        .map(|index| SigningKey::generate(&format!("{holder} {index}")).unwrap())
        .collect()
}

fn role(keys: &[&SigningKey], threshold: u32) -> RoleKeys {
    RoleKeys {
        keyids: keys.iter().map(|key| key.keyid().to_string()).collect(),
        threshold,
    }
}

fn root(version: u64, editors: &[&SigningKey], threshold: u32, safety: &[&SigningKey], expires: i64) -> Root {
    let mut map = BTreeMap::new();
    for key in editors.iter().chain(safety) {
        map.insert(key.keyid().to_string(), key.public_key_file().to_public_key());
    }
    Root {
        kind: "root".into(),
        version,
        expires,
        signed_at: NOW - DAY,
        keys: map,
        roles: Roles {
            editors: role(editors, threshold),
            safety: role(safety, 2.min(safety.len() as u32)),
        },
    }
}

fn signed<T: Serialize>(kind: MetadataKind, value: &T, signers: &[&SigningKey]) -> Vec<u8> {
    let payload = serde_json::to_vec(value).unwrap();
    let signatures = signers.iter().map(|key| key.sign(kind, &payload)).collect();
    serde_json::to_vec(&Envelope { payload, signatures }).unwrap()
}

fn sha(byte: char) -> String {
    byte.to_string().repeat(64)
}

fn module(id: &str, language: &str) -> CatalogModule {
    CatalogModule {
        id: id.into(),
        language: language.into(),
        version: 1,
        title: format!("{id} ({language})"),
        topics: vec!["prevention".into()],
        file: FileRef {
            sha256: sha('a'),
            length: 1200,
        },
        assets: vec![CatalogAsset {
            name: "steps.png".into(),
            media_type: "image/png".into(),
            file: FileRef {
                sha256: sha('b'),
                length: 4000,
            },
        }],
    }
}

fn catalog(version: u64, expires: i64) -> Catalog {
    Catalog {
        kind: "catalog".into(),
        version,
        expires,
        signed_at: NOW - DAY,
        modules: vec![module("prep", "en"), module("prep", "pt")],
    }
}

fn safety(version: u64) -> Safety {
    Safety {
        kind: "safety".into(),
        version,
        expires: NOW + 30 * DAY,
        signed_at: NOW - DAY,
        sites: vec![Site {
            id: "beitbridge".into(),
            name: "Beitbridge clinic".into(),
            place: "Beitbridge".into(),
            country: "ZW".into(),
            opening_hours: "Mon–Sat 07:00–19:00".into(),
            phone: "+263 000 000".into(),
            offers_pep: true,
            latitude: Some(-22.22),
            longitude: Some(30.0),
        }],
        teams: vec![ResponseTeam {
            id: "beitbridge-crt".into(),
            name: "Beitbridge team".into(),
            sites: vec!["beitbridge".into()],
            key: TeamKey {
                key_id: "crt-2026".into(),
                x25519_public: sha('c'),
            },
            emergency_numbers: vec!["+263 111".into()],
        }],
        programme_key: TeamKey {
            key_id: "programme-2026".into(),
            x25519_public: sha('d'),
        },
    }
}

/// The refusal's reason, or a panic naming what was accepted.
fn refusal<T: std::fmt::Debug>(outcome: corridor_core::Result<T>) -> String {
    match outcome {
        Err(Error::ContentRejected(reason)) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

struct Setup {
    editors: Vec<SigningKey>,
    safety: Vec<SigningKey>,
    root: Root,
}

fn setup() -> Setup {
    let editors = keys(3, "editor");
    let safety = keys(2, "safety");
    let root = root(
        1,
        &editors.iter().collect::<Vec<_>>(),
        2,
        &safety.iter().collect::<Vec<_>>(),
        NOW + 365 * DAY,
    );
    Setup { editors, safety, root }
}

impl Setup {
    fn editor(&self, index: usize) -> &SigningKey {
        &self.editors[index]
    }
}

#[test]
fn a_catalog_signed_by_two_editors_is_accepted_and_the_same_bytes_again_are_unchanged() {
    let s = setup();
    let bytes = signed(
        MetadataKind::Catalog,
        &catalog(5, NOW + DAY),
        &[s.editor(0), s.editor(2)],
    );
    let MetadataCheck::Newer(installed) = verify_catalog(&s.root, &bytes, NOW, None).unwrap() else {
        panic!("a first catalog is new");
    };
    assert_eq!(installed.version, 5);
    assert_eq!(
        verify_catalog(&s.root, &bytes, NOW, Some((&installed, &bytes))).unwrap(),
        MetadataCheck::Unchanged
    );
    // The same signed content with a third signature added is still the same catalog.
    let more = signed(
        MetadataKind::Catalog,
        &catalog(5, NOW + DAY),
        &[s.editor(0), s.editor(1), s.editor(2)],
    );
    assert_eq!(
        verify_catalog(&s.root, &more, NOW, Some((&installed, &bytes))).unwrap(),
        MetadataCheck::Unchanged
    );
    let newer = signed(
        MetadataKind::Catalog,
        &catalog(6, NOW + DAY),
        &[s.editor(0), s.editor(1)],
    );
    assert!(matches!(
        verify_catalog(&s.root, &newer, NOW, Some((&installed, &bytes))).unwrap(),
        MetadataCheck::Newer(catalog) if catalog.version == 6
    ));
}

#[test]
fn an_older_catalog_is_a_rollback_and_a_reused_version_is_refused() {
    let s = setup();
    let installed_bytes = signed(
        MetadataKind::Catalog,
        &catalog(5, NOW + DAY),
        &[s.editor(0), s.editor(1)],
    );
    let installed = catalog(5, NOW + DAY);
    let older = signed(
        MetadataKind::Catalog,
        &catalog(4, NOW + DAY),
        &[s.editor(0), s.editor(1)],
    );
    let reason = refusal(verify_catalog(
        &s.root,
        &older,
        NOW,
        Some((&installed, &installed_bytes)),
    ));
    assert!(
        reason.contains("version 4, older than the installed version 5"),
        "{reason}"
    );
    assert!(reason.contains("rollback"), "{reason}");

    let mut other = catalog(5, NOW + DAY);
    other.modules.pop();
    let reused = signed(MetadataKind::Catalog, &other, &[s.editor(0), s.editor(1)]);
    let reason = refusal(verify_catalog(
        &s.root,
        &reused,
        NOW,
        Some((&installed, &installed_bytes)),
    ));
    assert!(reason.contains("never reused"), "{reason}");
}

#[test]
fn an_expired_catalog_is_refused_even_when_it_is_the_installed_one() {
    let s = setup();
    let bytes = signed(MetadataKind::Catalog, &catalog(5, NOW), &[s.editor(0), s.editor(1)]);
    let reason = refusal(verify_catalog(&s.root, &bytes, NOW, None));
    assert!(reason.contains("expired on"), "{reason}");
    assert!(reason.contains("installed content stays readable"), "{reason}");
    let installed = catalog(5, NOW);
    let reason = refusal(verify_catalog(&s.root, &bytes, NOW, Some((&installed, &bytes))));
    assert!(reason.contains("expired"), "{reason}");
    // Valid one second earlier.
    assert!(verify_catalog(&s.root, &bytes, NOW - 1, None).is_ok());
}

#[test]
fn a_clock_set_back_does_not_revive_expired_metadata() {
    assert_eq!(trusted_time(NOW - 400 * DAY, NOW), NOW);
    assert_eq!(trusted_time(NOW + 5, NOW), NOW + 5);
    let s = setup();
    let bytes = signed(
        MetadataKind::Catalog,
        &catalog(5, NOW + DAY),
        &[s.editor(0), s.editor(1)],
    );
    // The device says it is a year ago; the newest signature seen says otherwise.
    let now = trusted_time(NOW - 365 * DAY, NOW + 2 * DAY);
    assert!(refusal(verify_catalog(&s.root, &bytes, now, None)).contains("expired"));
}

#[test]
fn too_few_signatures_two_by_one_key_and_signatures_over_other_bytes_are_refused() {
    let s = setup();
    let payload = catalog(5, NOW + DAY);

    let one = signed(MetadataKind::Catalog, &payload, &[s.editor(0)]);
    let reason = refusal(verify_catalog(&s.root, &one, NOW, None));
    assert!(
        reason.contains("1 valid signature by the editors; 2 are needed"),
        "{reason}"
    );

    let twice = signed(MetadataKind::Catalog, &payload, &[s.editor(0), s.editor(0)]);
    let reason = refusal(verify_catalog(&s.root, &twice, NOW, None));
    assert!(
        reason.contains("1 valid signature by the editors; 2 are needed"),
        "{reason}"
    );

    // Editor 1 signed other bytes (another catalog); the signature is carried over.
    let mut envelope: Envelope = serde_json::from_slice(&one).unwrap();
    envelope.signatures.push(s.editor(1).sign(
        MetadataKind::Catalog,
        &serde_json::to_vec(&catalog(6, NOW + DAY)).unwrap(),
    ));
    let reason = refusal(verify_catalog(
        &s.root,
        &serde_json::to_vec(&envelope).unwrap(),
        NOW,
        None,
    ));
    assert!(reason.contains("1 valid signature"), "{reason}");

    // The same bytes signed as another kind (a root) do not count for a catalog.
    let mut envelope: Envelope = serde_json::from_slice(&one).unwrap();
    envelope
        .signatures
        .push(s.editor(1).sign(MetadataKind::Root, &envelope.payload.clone()));
    let reason = refusal(verify_catalog(
        &s.root,
        &serde_json::to_vec(&envelope).unwrap(),
        NOW,
        None,
    ));
    assert!(reason.contains("1 valid signature"), "{reason}");

    // A key the root does not list counts for nothing, and says so.
    let stranger = SigningKey::generate("stranger").unwrap();
    let reason = refusal(verify_catalog(
        &s.root,
        &signed(MetadataKind::Catalog, &payload, &[s.editor(0), &stranger]),
        NOW,
        None,
    ));
    assert!(reason.contains("outside this role do not count"), "{reason}");
}

#[test]
fn oversized_metadata_is_refused_before_it_is_parsed() {
    let s = setup();
    for (kind, cap) in [
        (MetadataKind::Root, MAX_ROOT_LEN),
        (MetadataKind::Catalog, MAX_CATALOG_LEN),
        (MetadataKind::Safety, MAX_SAFETY_LEN),
    ] {
        // Not even JSON: the size is what is named.
        let blob = vec![b'x'; cap + 1];
        let reason = match kind {
            MetadataKind::Root => refusal(verify_next_root(&s.root, &blob)),
            MetadataKind::Catalog => refusal(verify_catalog(&s.root, &blob, NOW, None)),
            MetadataKind::Safety => refusal(verify_safety(&s.root, &blob, NOW, None)),
        };
        assert!(reason.contains("larger than the"), "{kind}: {reason}");
        assert!(reason.contains(&cap.to_string()), "{kind}: {reason}");
    }
    assert!(refusal(verify_initial_root(&vec![b' '; MAX_ROOT_LEN + 1])).contains("larger than the"));
    // A valid catalog padded past the cap with JSON whitespace is refused too.
    let mut padded = signed(
        MetadataKind::Catalog,
        &catalog(5, NOW + DAY),
        &[s.editor(0), s.editor(1)],
    );
    padded.resize(MAX_CATALOG_LEN + 1, b' ');
    assert!(refusal(verify_catalog(&s.root, &padded, NOW, None)).contains("larger than the"));
}

#[test]
fn malformed_envelopes_and_payloads_are_refused() {
    let s = setup();
    assert!(refusal(verify_catalog(&s.root, b"{}", NOW, None)).contains("not a signed metadata file"));
    // A payload with a field the format does not know.
    let mut value = serde_json::to_value(catalog(5, NOW + DAY)).unwrap();
    value["script"] = serde_json::json!("alert(1)");
    let reason = refusal(verify_catalog(
        &s.root,
        &signed(MetadataKind::Catalog, &value, &[s.editor(0), s.editor(1)]),
        NOW,
        None,
    ));
    assert!(reason.contains("malformed"), "{reason}");
    // A safety document signed by the editors as a catalog is a catalog in name only.
    let reason = refusal(verify_catalog(
        &s.root,
        &signed(MetadataKind::Catalog, &safety(1), &[s.editor(0), s.editor(1)]),
        NOW,
        None,
    ));
    assert!(reason.contains("its content is a \"safety\""), "{reason}");
}

#[test]
fn catalogs_with_unsafe_entries_are_refused() {
    let s = setup();
    type Change = Box<dyn Fn(&mut Catalog)>;
    let cases: Vec<(&str, Change)> = vec![
        ("twice", Box::new(|catalog| catalog.modules.push(module("prep", "en")))),
        (
            "id that is not valid",
            Box::new(|catalog| catalog.modules[0].id = "../prep".into()),
        ),
        (
            "valid language",
            Box::new(|catalog| catalog.modules[0].language = "EN".into()),
        ),
        (
            "64 lower-case hex",
            Box::new(|catalog| catalog.modules[0].file.sha256 = sha('A')),
        ),
        (
            "64 lower-case hex",
            Box::new(|catalog| catalog.modules[0].assets[0].file.sha256 = "abc".into()),
        ),
        (
            "not allowed",
            Box::new(|catalog| catalog.modules[0].assets[0].name = "../x.png".into()),
        ),
        (
            "not allowed",
            Box::new(|catalog| catalog.modules[0].assets[0].name = "a/x.png".into()),
        ),
        (
            "not allowed",
            Box::new(|catalog| catalog.modules[0].assets[0].name = "a\\x.png".into()),
        ),
        (
            "not allowed",
            Box::new(|catalog| catalog.modules[0].assets[0].name = ".hidden.png".into()),
        ),
        (
            "more than the",
            Box::new(|catalog| catalog.modules[0].assets[0].file.length = 100 * 1024 * 1024 + 1),
        ),
        (
            "between 1 and",
            Box::new(|catalog| catalog.modules[0].file.length = 2 * 1024 * 1024),
        ),
    ];
    for (expected, change) in cases {
        let mut bad = catalog(5, NOW + DAY);
        change(&mut bad);
        let reason = refusal(verify_catalog(
            &s.root,
            &signed(MetadataKind::Catalog, &bad, &[s.editor(0), s.editor(1)]),
            NOW,
            None,
        ));
        assert!(reason.contains(expected), "{expected}: {reason}");
    }
}

#[test]
fn the_safety_document_needs_the_safety_role_and_not_the_editors() {
    let s = setup();
    let by_editors = signed(
        MetadataKind::Safety,
        &safety(1),
        &[s.editor(0), s.editor(1), s.editor(2)],
    );
    let reason = refusal(verify_safety(&s.root, &by_editors, NOW, None));
    assert!(
        reason.contains("0 valid signatures by the safety role; 2 are needed"),
        "{reason}"
    );
    assert!(
        reason.contains("3 signatures by keys outside this role do not count"),
        "{reason}"
    );

    let by_safety = signed(MetadataKind::Safety, &safety(1), &[&s.safety[0], &s.safety[1]]);
    let MetadataCheck::Newer(installed) = verify_safety(&s.root, &by_safety, NOW, None).unwrap() else {
        panic!("a first safety document is new");
    };
    assert_eq!(
        verify_safety(&s.root, &by_safety, NOW, Some((&installed, &by_safety))).unwrap(),
        MetadataCheck::Unchanged
    );
    // The safety role cannot sign the catalog either.
    let reason = refusal(verify_catalog(
        &s.root,
        &signed(
            MetadataKind::Catalog,
            &catalog(1, NOW + DAY),
            &[&s.safety[0], &s.safety[1]],
        ),
        NOW,
        None,
    ));
    assert!(reason.contains("0 valid signatures by the editors"), "{reason}");

    let mut unknown_site = safety(2);
    unknown_site.teams[0].sites.push("musina".into());
    let reason = refusal(verify_safety(
        &s.root,
        &signed(MetadataKind::Safety, &unknown_site, &[&s.safety[0], &s.safety[1]]),
        NOW,
        None,
    ));
    assert!(reason.contains("covers site musina, which is not listed"), "{reason}");
}

#[test]
fn roots_with_shared_keys_or_impossible_thresholds_are_refused() {
    let s = setup();
    let editors: Vec<&SigningKey> = s.editors.iter().collect();
    let mut shared = root(1, &editors, 2, &[&s.safety[0], s.editor(0)], NOW + DAY);
    shared.roles.safety.threshold = 1;
    let reason = refusal(verify_initial_root(&signed(MetadataKind::Root, &shared, &editors)));
    assert!(reason.contains("both an editor's and a safety key"), "{reason}");

    for threshold in [0, 4] {
        let bad = root(1, &editors, threshold, &[&s.safety[0], &s.safety[1]], NOW + DAY);
        let reason = refusal(verify_initial_root(&signed(MetadataKind::Root, &bad, &editors)));
        assert!(reason.contains("threshold is"), "{threshold}: {reason}");
    }
    let mut wrong_keyid = s.root.clone();
    let key = wrong_keyid.keys.remove(s.editor(0).keyid()).unwrap();
    wrong_keyid.keys.insert("0".repeat(64), key);
    let reason = refusal(verify_initial_root(&signed(MetadataKind::Root, &wrong_keyid, &editors)));
    assert!(reason.contains("not its SHA-256"), "{reason}");

    let reason = refusal(verify_initial_root(&signed(MetadataKind::Root, &s.root, &editors[..1])));
    assert!(
        reason.contains("1 valid signature by its own editors; 2 are needed"),
        "{reason}"
    );
    assert_eq!(
        verify_initial_root(&signed(MetadataKind::Root, &s.root, &editors[..2])).unwrap(),
        s.root
    );
}

struct Rotation {
    old: Vec<SigningKey>,
    new: Vec<SigningKey>,
    safety: Vec<SigningKey>,
    current: Root,
    next: Root,
}

fn rotation() -> Rotation {
    let old = keys(3, "old editor");
    let new = keys(3, "new editor");
    let safety = keys(2, "safety");
    let safety_refs: Vec<&SigningKey> = safety.iter().collect();
    let current = root(4, &old.iter().collect::<Vec<_>>(), 2, &safety_refs, NOW + DAY);
    // Root 5 keeps one old editor and brings two new ones.
    let next = root(5, &[&old[0], &new[0], &new[1]], 2, &safety_refs, NOW + 365 * DAY);
    Rotation {
        old,
        new,
        safety,
        current,
        next,
    }
}

#[test]
fn rotation_needs_the_old_and_the_new_editors() {
    let r = rotation();
    let only_old = signed(MetadataKind::Root, &r.next, &[&r.old[1], &r.old[2]]);
    let reason = refusal(verify_next_root(&r.current, &only_old));
    assert!(
        reason.contains("0 valid signatures by the editors of root version 5; 2 are needed"),
        "{reason}"
    );
    let only_new = signed(MetadataKind::Root, &r.next, &[&r.new[0], &r.new[1]]);
    let reason = refusal(verify_next_root(&r.current, &only_new));
    assert!(
        reason.contains("0 valid signatures by the editors of root version 4; 2 are needed"),
        "{reason}"
    );
    // old[0] is in both roots: with old[1] and new[0] both thresholds are met.
    let both = signed(MetadataKind::Root, &r.next, &[&r.old[0], &r.old[1], &r.new[0]]);
    assert_eq!(verify_next_root(&r.current, &both).unwrap(), r.next);
}

#[test]
fn an_expired_root_still_verifies_its_successor_but_not_content() {
    let r = rotation();
    let later = NOW + 30 * DAY; // r.current expired at NOW + DAY
    let catalog_bytes = signed(MetadataKind::Catalog, &catalog(9, later + DAY), &[&r.old[0], &r.old[1]]);
    let reason = refusal(verify_catalog(&r.current, &catalog_bytes, later, None));
    assert!(reason.contains("the trusted root (version 4) expired"), "{reason}");
    let both = signed(MetadataKind::Root, &r.next, &[&r.old[0], &r.old[1], &r.new[0]]);
    let next = verify_next_root(&r.current, &both).unwrap();
    let catalog_bytes = signed(MetadataKind::Catalog, &catalog(9, later + DAY), &[&r.old[0], &r.new[1]]);
    assert!(matches!(
        verify_catalog(&next, &catalog_bytes, later, None).unwrap(),
        MetadataCheck::Newer(_)
    ));
}

#[test]
fn a_client_two_versions_behind_walks_each_root_in_order() {
    let r = rotation();
    let root5 = signed(MetadataKind::Root, &r.next, &[&r.old[0], &r.old[1], &r.new[0]]);
    // Root 6: only new editors, same safety role.
    let safety_refs: Vec<&SigningKey> = r.safety.iter().collect();
    let next6 = root(6, &[&r.new[0], &r.new[1], &r.new[2]], 2, &safety_refs, NOW + 365 * DAY);
    let root6 = signed(MetadataKind::Root, &next6, &[&r.new[0], &r.new[1], &r.new[2]]);

    let reason = refusal(verify_next_root(&r.current, &root6));
    // Root 6 is signed by keys that root 4 does not know at all: it fails on the old editors.
    assert!(reason.contains("editors of root version 4"), "{reason}");

    let mut trusted = r.current.clone();
    for bytes in [&root5, &root6] {
        trusted = verify_next_root(&trusted, bytes).unwrap();
    }
    assert_eq!(trusted.version, 6);
    // Once at 6, root 5 again is refused.
    refusal(verify_next_root(&trusted, &root5));
}

#[test]
fn root_n_plus_2_without_n_plus_1_is_refused_by_name() {
    let s = setup();
    let editors: Vec<&SigningKey> = s.editors.iter().collect();
    let safety: Vec<&SigningKey> = s.safety.iter().collect();
    let skipped = root(3, &editors, 2, &safety, NOW + DAY);
    let reason = refusal(verify_next_root(
        &s.root,
        &signed(MetadataKind::Root, &skipped, &editors),
    ));
    assert!(
        reason.contains("root version 3 was offered, but the trusted root is version 1: version 2 must come first"),
        "{reason}"
    );
    // A catalog offered as a root is not signed as one.
    let reason = refusal(verify_next_root(
        &s.root,
        &signed(MetadataKind::Catalog, &catalog(2, NOW + DAY), &editors),
    ));
    assert!(reason.contains("0 valid signatures"), "{reason}");
    // The trusted root offered again (validly signed) is refused: a root never goes back.
    let reason = refusal(verify_next_root(
        &s.root,
        &signed(MetadataKind::Root, &s.root, &editors),
    ));
    assert!(reason.contains("never goes back"), "{reason}");
}

#[test]
fn editors_alone_cannot_change_the_safety_role() {
    let s = setup();
    let editors: Vec<&SigningKey> = s.editors.iter().collect();
    let intruders = keys(2, "intruder");
    let taken = root(2, &editors, 2, &[&intruders[0], &intruders[1]], NOW + DAY);
    let reason = refusal(verify_next_root(&s.root, &signed(MetadataKind::Root, &taken, &editors)));
    assert!(reason.contains("safety keys of root version 1"), "{reason}");
    let signers: Vec<&SigningKey> = editors
        .iter()
        .copied()
        .chain(s.safety.iter())
        .chain(intruders.iter())
        .collect();
    assert_eq!(
        verify_next_root(&s.root, &signed(MetadataKind::Root, &taken, &signers)).unwrap(),
        taken
    );
}

// ---------------------------------------------------------------------------------------------
// The editors' operations on disk.

const PASSPHRASE: &str = "correct horse battery";

fn write_source(src: &Path, prep_text: &str, prep_version: u32) {
    for (language, title) in [("en", "PrEP"), ("pt", "PrEP (pt)")] {
        std::fs::create_dir_all(src.join(language)).unwrap();
        std::fs::write(
            src.join(language).join("prep.md"),
            format!(
                "+++\nid = \"prep\"\ntitle = \"{title}\"\nlanguage = \"{language}\"\nversion = {prep_version}\n\
                 topics = [\"prevention\"]\nreading_minutes = 3\nreview_status = \"awaiting_clinical_review\"\n\
                 [[sources]]\ntitle = \"WHO\"\nurl = \"https://www.who.int/\"\n+++\n\n# {title}\n\n{prep_text}\n\n\
                 ![A pill](pill.png)\n"
            ),
        )
        .unwrap();
    }
    std::fs::create_dir_all(src.join("assets")).unwrap();
    std::fs::write(src.join("assets").join("pill.png"), b"\x89PNG\r\n\x1a\nnot really").unwrap();
}

fn passphrase() -> corridor_core::Result<Zeroizing<String>> {
    Ok(Zeroizing::new(PASSPHRASE.into()))
}

#[test]
fn editors_build_sign_publish_renew_and_rotate_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let key = |name: &str| dir.path().join(name);
    let mut public = Vec::new();
    for name in ["a", "b", "c", "d", "e"] {
        public.push(repo::keygen(&key(name), PASSPHRASE, name).unwrap());
    }
    let reason = format!("{:?}", repo::keygen(&key("a"), PASSPHRASE, "a").err().unwrap());
    assert!(reason.contains("never overwritten"), "{reason}");
    let wrong = repo::sign(&dir.path().join("none"), &key("a"), passphrase);
    assert!(wrong.is_err());

    let repository = dir.path().join("repo");
    let editors: Vec<PublicKeyFile> = public[..3].to_vec();
    let safety_keys: Vec<PublicKeyFile> = public[3..].to_vec();
    repo::init_repo(&repository, &editors, 2, &safety_keys, 2, 365).unwrap();
    assert!(repo::init_repo(&repository, &editors, 2, &safety_keys, 2, 365).is_err());

    let src = dir.path().join("src");
    write_source(&src, "PrEP is a pill that prevents HIV.", 1);
    std::fs::write(
        src.join("safety.toml"),
        "[programme_key]\nkey_id = \"programme\"\nx25519_public = \"".to_string()
            + &"d".repeat(64)
            + "\"\n\n[[sites]]\nid = \"beitbridge\"\nname = \"Clinic\"\nplace = \"Beitbridge\"\ncountry = \"ZW\"\n\
               opening_hours = \"Mon-Fri\"\nphone = \"+263\"\n",
    )
    .unwrap();
    let built = repo::build(&src, &repository, &NoProgress).unwrap();
    assert_eq!(built.catalog_version, 1);
    assert_eq!(built.safety_version, Some(1));
    assert_eq!(built.new_files, 3, "two modules and one image");

    // The safety keys cannot sign the catalog or the root; an editor cannot sign the safety document.
    let report = repo::sign(&repository, &key("a"), passphrase).unwrap();
    let kinds: Vec<MetadataKind> = report.signed.iter().map(|file| file.kind).collect();
    assert_eq!(kinds, [MetadataKind::Root, MetadataKind::Catalog]);
    let reason = refusal(repo::publish(&repository, &NoProgress));
    assert!(
        reason.contains("1 valid signature by its own editors; 2 are needed"),
        "{reason}"
    );
    assert!(reason.contains("nothing was published"), "{reason}");
    assert!(!repository.join("root.json").exists());

    repo::sign(&repository, &key("b"), passphrase).unwrap();
    let reason = refusal(repo::publish(&repository, &NoProgress));
    assert!(reason.contains("0 valid signatures by the safety role"), "{reason}");
    let report = repo::sign(&repository, &key("d"), passphrase).unwrap();
    assert_eq!(report.signed.len(), 1);
    assert_eq!(report.signed[0].kind, MetadataKind::Safety);
    repo::sign(&repository, &key("e"), passphrase).unwrap();
    let published = repo::publish(&repository, &NoProgress).unwrap();
    assert_eq!(
        (
            published.root_version,
            published.catalog_version,
            published.safety_version
        ),
        (Some(1), Some(1), Some(1))
    );
    assert!(repository.join("root/1.json").exists());
    assert!(!repository.join("staged").exists());

    // What a phone sees verifies.
    let root = verify_initial_root(&std::fs::read(repository.join("root.json")).unwrap()).unwrap();
    let catalog_bytes = std::fs::read(repository.join("catalog.json")).unwrap();
    let now = chrono::Utc::now().timestamp();
    let MetadataCheck::Newer(catalog) = verify_catalog(&root, &catalog_bytes, now, None).unwrap() else {
        panic!("new");
    };
    for module in &catalog.modules {
        let bytes = std::fs::read(repository.join("files").join(&module.file.sha256)).unwrap();
        assert_eq!(bytes.len() as u64, module.file.length);
        corridor_core::content::model::Module::from_json(&bytes).unwrap();
    }

    // Nothing staged: nothing to sign, and no passphrase is asked.
    let error = repo::sign(&repository, &key("a"), || panic!("no passphrase needed"));
    assert!(error.err().unwrap().to_string().contains("nothing is staged"));

    // Edit the English text: the diff names the change; the Portuguese module is unchanged.
    write_source(&src, "PrEP is a daily pill that prevents HIV.", 2);
    std::fs::write(src.join("pt").join("prep.md"), {
        let text = std::fs::read_to_string(src.join("pt").join("prep.md")).unwrap();
        text.replace("version = 2", "version = 1")
            .replace("a daily pill", "a pill")
    })
    .unwrap();
    let built = repo::build(&src, &repository, &NoProgress).unwrap();
    assert_eq!(
        (built.catalog_version, built.safety_version, built.safety_unchanged),
        (2, None, true)
    );
    assert_eq!(built.new_files, 1, "only the changed module is new");
    let diff = repo::diff(&repository).unwrap();
    let text = diff.lines().join("\n");
    assert!(text.contains("Catalog: version 1 → 2"), "{text}");
    assert!(
        text.contains("changed: \"PrEP\" (prep): version 1 → 2; text changed"),
        "{text}"
    );
    assert!(text.contains("pt: no change (1 module)"), "{text}");
    // The safety key may not sign a catalog: nothing it may sign is staged.
    let reason = refusal(repo::sign(&repository, &key("d"), passphrase));
    assert!(reason.contains("may sign nothing that is staged"), "{reason}");
    repo::sign(&repository, &key("b"), passphrase).unwrap();
    repo::sign(&repository, &key("c"), passphrase).unwrap();
    assert_eq!(
        repo::publish(&repository, &NoProgress).unwrap().catalog_version,
        Some(2)
    );

    // The clinic's phone number changes and a team is added: only the safety document is new.
    let safety_source = std::fs::read_to_string(src.join("safety.toml")).unwrap();
    std::fs::write(
        src.join("safety.toml"),
        safety_source.replace("phone = \"+263\"", "phone = \"+263 555\"")
            + "\n[[teams]]\nid = \"crt-north\"\nname = \"North team\"\nsites = [\"beitbridge\"]\n\
               emergency_numbers = []\n[teams.key]\nkey_id = \"north\"\nx25519_public = \""
            + &"e".repeat(64)
            + "\"\n",
    )
    .unwrap();
    let built = repo::build(&src, &repository, &NoProgress).unwrap();
    assert_eq!((built.catalog_version, built.safety_version), (3, Some(2)));
    let text = repo::diff(&repository).unwrap().lines().join("\n");
    assert!(text.contains("Safety document: version 1 → 2"), "{text}");
    assert!(text.contains("site beitbridge changed: phone"), "{text}");
    assert!(text.contains("teams added: crt-north"), "{text}");
    assert!(text.contains("no module changed"), "{text}");
    for name in ["a", "b", "d", "e"] {
        repo::sign(&repository, &key(name), passphrase).unwrap();
    }
    let published = repo::publish(&repository, &NoProgress).unwrap();
    assert_eq!(
        (published.catalog_version, published.safety_version),
        (Some(3), Some(2))
    );

    // Rotation: a, b, c → c, f, g. Without renewal the published catalog (signed by b and c)
    // would no longer meet the new root's threshold (only c counts).
    let f = repo::keygen(&key("f"), PASSPHRASE, "f").unwrap();
    let g = repo::keygen(&key("g"), PASSPHRASE, "g").unwrap();
    let new_editors = vec![public[2].clone(), f, g];
    repo::rotate_root(&repository, &new_editors, 2, &safety_keys, 2, 365).unwrap();
    let diff = repo::diff(&repository).unwrap().lines().join("\n");
    assert!(diff.contains("Root: version 1 → 2"), "{diff}");
    assert!(diff.contains("editors added: f (key"), "{diff}");
    assert!(diff.contains("editors removed: a (key"), "{diff}");
    for name in ["a", "c", "f"] {
        repo::sign(&repository, &key(name), passphrase).unwrap();
    }
    let reason = refusal(repo::publish(&repository, &NoProgress));
    assert!(
        reason.contains("would no longer accept the published catalog"),
        "{reason}"
    );
    // The safety key may not sign the root: the safety role does not change.
    let reason = refusal(repo::sign(&repository, &key("d"), passphrase));
    assert!(reason.contains("may sign nothing that is staged"), "{reason}");
    repo::renew(&repository, None, false).unwrap();
    for name in ["c", "f", "d", "e"] {
        repo::sign(&repository, &key(name), passphrase).unwrap();
    }
    // A publish interrupted after it wrote the new root (and before the safety document and
    // the catalog) is finished by running it again.
    let staged_root = std::fs::read(repository.join("staged/root.json")).unwrap();
    std::fs::write(repository.join("root/2.json"), &staged_root).unwrap();
    std::fs::write(repository.join("root.json"), &staged_root).unwrap();
    let published = repo::publish(&repository, &NoProgress).unwrap();
    assert_eq!(
        (
            published.root_version,
            published.catalog_version,
            published.safety_version
        ),
        (None, Some(4), Some(3))
    );
    let root2 = verify_next_root(&root, &std::fs::read(repository.join("root/2.json")).unwrap()).unwrap();
    assert_eq!(
        std::fs::read(repository.join("root/2.json")).unwrap(),
        std::fs::read(repository.join("root.json")).unwrap()
    );
    let catalog_bytes = std::fs::read(repository.join("catalog.json")).unwrap();
    assert!(matches!(
        verify_catalog(&root2, &catalog_bytes, now, Some((&catalog, &[][..]))).unwrap(),
        MetadataCheck::Newer(catalog) if catalog.version == 4
    ));
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn is_refusal<T>(outcome: corridor_core::Result<T>) -> bool {
        matches!(outcome, Err(Error::ContentRejected(_)))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Whatever the network sends, the verifiers answer with a refusal, never a panic.
        #[test]
        fn arbitrary_bytes_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let s = setup();
            prop_assert!(is_refusal(verify_initial_root(&bytes)));
            prop_assert!(is_refusal(verify_next_root(&s.root, &bytes)));
            prop_assert!(is_refusal(verify_catalog(&s.root, &bytes, NOW, None)));
            prop_assert!(is_refusal(verify_safety(&s.root, &bytes, NOW, None)));
        }

        /// One flipped bit anywhere in a signed catalog never yields a different catalog.
        #[test]
        fn a_flipped_bit_never_changes_what_is_accepted(index in any::<prop::sample::Index>(), bit in 0u8..8) {
            let s = setup();
            let original = catalog(5, NOW + DAY);
            let mut bytes = signed(MetadataKind::Catalog, &original, &[s.editor(0), s.editor(1)]);
            let at = index.index(bytes.len());
            bytes[at] ^= 1 << bit;
            match verify_catalog(&s.root, &bytes, NOW, None) {
                Ok(MetadataCheck::Newer(accepted)) => prop_assert_eq!(accepted, original),
                Ok(MetadataCheck::Unchanged) => prop_assert!(false, "nothing was installed"),
                Err(error) => prop_assert!(matches!(error, Error::ContentRejected(_)), "{error:?}"),
            }
        }
    }
}
