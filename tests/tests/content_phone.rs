//! The content channel end to end: editors build, sign and publish the starter content with the
//! real tool; a hub serves it; a phone trusts the shipped root, checks, updates (only what
//! changed), reads, searches and answers quizzes; every tampered or stale repository is refused
//! and leaves the installed content as it was.

use std::path::Path;

use corridor_core::content::metadata::{Envelope, Signature};
use corridor_core::content::signing::{MetadataKind, SigningKey};
use corridor_tests::content::{editor, json, key, ok, public_keys, Programme, PASSPHRASE};
use corridor_tests::{corridor, Run};

const PIN: &str = "482916";

fn phone(programme: &Programme) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    ok(corridor(
        dir.path(),
        &[("CORRIDOR_PIN", PIN)],
        &["setup", "--role", "personal"],
    ));
    // Phones ship root version 1 inside the app.
    let shipped = programme.repo().join("root/1.json");
    ok(corridor(
        dir.path(),
        &[],
        &["content", "trust", shipped.to_str().unwrap()],
    ));
    dir
}

fn update(dir: &Path, url: &str) -> Run {
    corridor(dir, &[], &["--json", "content", "update", "--from", url])
}

fn listing(dir: &Path) -> Vec<serde_json::Value> {
    let run = ok(corridor(dir, &[("CORRIDOR_PIN", PIN)], &["--json", "content", "list"]));
    run.stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn catalog_version(repo: &Path) -> u64 {
    let envelope: Envelope = serde_json::from_slice(&std::fs::read(repo.join("catalog.json")).unwrap()).unwrap();
    let payload: serde_json::Value = serde_json::from_slice(&envelope.payload).unwrap();
    payload["version"].as_u64().unwrap()
}

#[test]
fn a_phone_installs_signed_content_reads_it_and_then_downloads_only_what_changed() {
    let programme = Programme::new();
    let phone = phone(&programme);
    let url = programme.url();

    let plan = json(&corridor(
        phone.path(),
        &[],
        &["--json", "content", "check", "--from", &url],
    ));
    assert_eq!(plan["up_to_date"], false);
    assert_eq!(plan["modules_added"], 20);
    let to_download = plan["bytes_to_download"].as_u64().unwrap();
    assert!(to_download > 10_000, "{plan}");

    let installed = json(&update(phone.path(), &url));
    assert_eq!(installed["modules_installed"], 20);
    assert_eq!(
        installed["bytes_downloaded"].as_u64(),
        Some(to_download),
        "check said what update downloads"
    );
    assert_eq!(listing(phone.path()).len(), 20);

    // Reading, in the person's language.
    let pin = [("CORRIDOR_PIN", PIN)];
    ok(corridor(phone.path(), &pin, &["settings", "set", "language", "pt"]));
    let shown = ok(corridor(phone.path(), &pin, &["content", "show", "pep"]));
    assert!(shown.stdout.contains("72 horas"), "{}", shown.stdout);
    let hits = ok(corridor(
        phone.path(),
        &pin,
        &["--json", "content", "search", "72", "horas"],
    ));
    let first: serde_json::Value = serde_json::from_str(hits.stdout.lines().next().unwrap()).unwrap();
    assert!(
        ["pep", "after-sexual-violence"].contains(&first["id"].as_str().unwrap()),
        "{}",
        hits.stdout
    );
    let nothing = ok(corridor(phone.path(), &pin, &["--json", "content", "search", "zzzqqq"]));
    assert!(nothing.stdout.trim().is_empty());

    // A quiz: a wrong answer, then the right one; progress stays in the profile.
    let module = json(&ok(corridor(
        phone.path(),
        &pin,
        &["--json", "content", "show", "pep", "--language", "en"],
    )));
    let quiz = module["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|block| block["type"] == "quiz")
        .unwrap()
        .clone();
    let quiz_id = quiz["id"].as_str().unwrap();
    let choices = quiz["choices"].as_array().unwrap();
    let right = choices.iter().position(|choice| choice["correct"] == true).unwrap() + 1;
    let wrong = if right == 1 { 2 } else { 1 };
    let answer = |n: usize| {
        json(&corridor(
            phone.path(),
            &pin,
            &[
                "--json",
                "content",
                "quiz",
                "pep",
                "--language",
                "en",
                "--quiz",
                quiz_id,
                "--answer",
                &n.to_string(),
            ],
        ))
    };
    assert_eq!(answer(wrong)["correct"], false);
    let result = answer(right);
    assert_eq!(
        (result["correct"].as_bool(), result["quizzes_correct"].as_u64()),
        (Some(true), Some(1))
    );
    let bad = corridor(
        phone.path(),
        &pin,
        &["content", "quiz", "pep", "--quiz", quiz_id, "--answer", "9"],
    );
    assert_ne!(bad.code, 0);

    // Up to date: nothing to download.
    let again = json(&update(phone.path(), &url));
    assert_eq!(
        (again["updated"].as_bool(), again["bytes_downloaded"].as_u64()),
        (Some(false), Some(0))
    );

    // One module changes: only its file comes down (plus metadata).
    let source = programme.root().join("src/en/pep.md");
    let text = std::fs::read_to_string(&source).unwrap();
    std::fs::write(
        &source,
        text.replacen("version = 1", "version = 2", 1) + "\nOne more sentence for the test.\n",
    )
    .unwrap();
    programme.build_and_publish(&["a", "b"]);
    let plan = json(&corridor(
        phone.path(),
        &[],
        &["--json", "content", "check", "--from", &url],
    ));
    assert_eq!(
        (plan["modules_changed"].as_u64(), plan["files_to_download"].as_u64()),
        (Some(1), Some(1))
    );
    let updated = json(&update(phone.path(), &url));
    assert_eq!(updated["modules_installed"], 1);
    assert_eq!(updated["bytes_downloaded"], plan["bytes_to_download"]);
    assert!(updated["bytes_downloaded"].as_u64().unwrap() < to_download / 10);
    let metadata = updated["metadata_bytes"].as_u64().unwrap();
    assert!(
        metadata > 0 && metadata < 200_000,
        "metadata is reported apart: {updated}"
    );
    let shown = ok(corridor(
        phone.path(),
        &pin,
        &["content", "show", "pep", "--language", "en"],
    ));
    assert!(shown.stdout.contains("One more sentence for the test."));

    // The decoy shows no content at all.
    ok(corridor(
        phone.path(),
        &[("CORRIDOR_PIN", PIN), ("CORRIDOR_DURESS_PIN", "505050")],
        &["duress", "set"],
    ));
    let decoy = ok(corridor(
        phone.path(),
        &[("CORRIDOR_PIN", "505050")],
        &["--json", "content", "list"],
    ));
    assert!(
        decoy.stdout.trim().is_empty(),
        "the decoy lists content: {}",
        decoy.stdout
    );
    let decoy_pin = [("CORRIDOR_PIN", "505050")];
    assert_ne!(corridor(phone.path(), &decoy_pin, &["content", "show", "pep"]).code, 0);
    let search = ok(corridor(
        phone.path(),
        &decoy_pin,
        &["--json", "content", "search", "PEP"],
    ));
    assert!(search.stdout.trim().is_empty(), "{}", search.stdout);
    let quiz = corridor(
        phone.path(),
        &decoy_pin,
        &["content", "quiz", "pep", "--quiz", quiz_id, "--answer", "1"],
    );
    assert_ne!(quiz.code, 0);
    let sites = ok(corridor(phone.path(), &decoy_pin, &["--json", "content", "sites"]));
    assert!(
        sites.stdout.trim().is_empty(),
        "the decoy lists the programme's sites: {}",
        sites.stdout
    );
}

/// Re-signs nothing: takes a fully signed newer catalog from staging and applies `tamper` to what
/// the hub serves, then checks the phone refuses and keeps what it had.
fn assert_refused(programme: &Programme, phone: &Path, why: &str, expect: &str, tamper: impl FnOnce(&Path)) {
    let before = listing(phone);
    programme.serve_published();
    tamper(&programme.served());
    let run = update(phone, &programme.url());
    assert_eq!(run.code, 8, "{why}: not refused: {} {}", run.stdout, run.stderr);
    let reason: serde_json::Value = serde_json::from_str(run.stdout.lines().last().unwrap_or("{}")).unwrap_or_default();
    assert_eq!(reason["updated"], false, "{why}");
    let said = reason["reason"].as_str().unwrap_or_default();
    assert!(said.contains(expect), "{why}: refused for another reason: {said}");
    assert_eq!(listing(phone), before, "{why}: the installed content changed");
}

#[test]
fn tampered_stale_or_unsigned_content_is_refused_and_the_installed_content_stays() {
    let programme = Programme::new();
    let phone = phone(&programme);
    let phone = phone.path();
    ok(update(phone, &programme.url()));
    let published_v2 = programme.repo();
    let old_catalog = std::fs::read(published_v2.join("catalog.json")).unwrap();
    let old_pep_sha = {
        let envelope: Envelope = serde_json::from_slice(&old_catalog).unwrap();
        let payload: serde_json::Value = serde_json::from_slice(&envelope.payload).unwrap();
        payload["modules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|module| module["id"] == "pep" && module["language"] == "en")
            .unwrap()["file"]["sha256"]
            .as_str()
            .unwrap()
            .to_string()
    };

    // A newer catalog (pep changed), fully signed and published: the phone installs it.
    let source = programme.root().join("src/en/pep.md");
    let text = std::fs::read_to_string(&source).unwrap();
    std::fs::write(
        &source,
        text.replacen("version = 1", "version = 2", 1) + "\nA newer sentence.\n",
    )
    .unwrap();
    programme.build();
    let staged = programme.repo().join("staged");
    let unsigned = std::fs::read(staged.join("catalog.json")).unwrap();
    let new_version = catalog_version(&staged);
    let signed_by = |names: &[&str]| -> Vec<u8> {
        let mut envelope: Envelope = serde_json::from_slice(&unsigned).unwrap();
        envelope.signatures = names
            .iter()
            .map(|name| {
                SigningKey::load(&key(programme.root(), name), PASSPHRASE)
                    .unwrap()
                    .sign(MetadataKind::Catalog, &envelope.payload)
            })
            .collect();
        serde_json::to_vec(&envelope).unwrap()
    };
    let new_pep_sha = {
        let envelope: Envelope = serde_json::from_slice(&unsigned).unwrap();
        let payload: serde_json::Value = serde_json::from_slice(&envelope.payload).unwrap();
        payload["modules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|module| module["id"] == "pep" && module["language"] == "en")
            .unwrap()["file"]["sha256"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let staged_files = staged.join("files");
    let offer_newer = |served: &Path, catalog: &[u8]| {
        std::fs::write(served.join("catalog.json"), catalog).unwrap();
        for entry in std::fs::read_dir(&staged_files).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), served.join("files").join(entry.file_name())).unwrap();
        }
    };

    assert_refused(
        &programme,
        phone,
        "too few signatures",
        "1 valid signature by the editors; 2 are needed",
        |served| offer_newer(served, &signed_by(&["a"])),
    );
    assert_refused(
        &programme,
        phone,
        "two signatures by one key",
        "1 valid signature by the editors",
        |served| offer_newer(served, &signed_by(&["a", "a"])),
    );
    assert_refused(
        &programme,
        phone,
        "a signature over other bytes",
        "0 valid signatures",
        |served| {
            let mut envelope: Envelope = serde_json::from_slice(&signed_by(&["a", "b"])).unwrap();
            let text = String::from_utf8(envelope.payload.clone()).unwrap();
            envelope.payload = text.replacen("\"version\":", "\"version\": ", 1).into_bytes();
            offer_newer(served, &serde_json::to_vec(&envelope).unwrap());
        },
    );
    assert_refused(
        &programme,
        phone,
        "a safety key signing the catalog",
        "1 valid signature by the editors",
        |served| {
            let mut envelope: Envelope = serde_json::from_slice(&signed_by(&["a"])).unwrap();
            envelope.signatures.push(
                SigningKey::load(&key(programme.root(), "d"), PASSPHRASE)
                    .unwrap()
                    .sign(MetadataKind::Catalog, &envelope.payload),
            );
            offer_newer(served, &serde_json::to_vec(&envelope).unwrap());
        },
    );
    assert_refused(&programme, phone, "oversized metadata", "larger than", |served| {
        let mut padded = signed_by(&["a", "b"]);
        padded.extend(std::iter::repeat_n(b' ', 5 * 1024 * 1024));
        offer_newer(served, &padded);
    });
    assert_refused(
        &programme,
        phone,
        "a module file from the older catalog",
        "does not match the length and hash",
        |served| {
            offer_newer(served, &signed_by(&["a", "b"]));
            let old = std::fs::read(served.join("files").join(&old_pep_sha)).unwrap();
            std::fs::write(served.join("files").join(&new_pep_sha), old).unwrap();
        },
    );
    assert_refused(
        &programme,
        phone,
        "a file longer than its signed length",
        "longer than allowed",
        |served| {
            offer_newer(served, &signed_by(&["a", "b"]));
            let path = served.join("files").join(&new_pep_sha);
            let mut bytes = std::fs::read(&path).unwrap();
            bytes.extend_from_slice(b"   trailing bytes that are not signed");
            std::fs::write(path, bytes).unwrap();
        },
    );
    assert_refused(
        &programme,
        phone,
        "equal version, other bytes (validly signed)",
        "a version is never reused",
        |served| {
            let mut envelope: Envelope = serde_json::from_slice(&old_catalog).unwrap();
            let mut payload: serde_json::Value = serde_json::from_slice(&envelope.payload).unwrap();
            let expires = payload["expires"].as_i64().unwrap();
            payload["expires"] = serde_json::json!(expires + 60);
            envelope.payload = serde_json::to_vec(&payload).unwrap();
            envelope.signatures = ["a", "b"]
                .iter()
                .map(|name| {
                    SigningKey::load(&key(programme.root(), name), PASSPHRASE)
                        .unwrap()
                        .sign(MetadataKind::Catalog, &envelope.payload)
                })
                .collect::<Vec<Signature>>();
            std::fs::write(served.join("catalog.json"), serde_json::to_vec(&envelope).unwrap()).unwrap();
        },
    );

    // The fully signed newer catalog installs.
    programme.serve_published();
    offer_newer(&programme.served(), &signed_by(&["a", "b"]));
    let installed = json(&update(phone, &programme.url()));
    assert_eq!(installed["version"].as_u64(), Some(new_version));

    // Rollback: the older (validly signed) catalog offered again.
    assert_refused(
        &programme,
        phone,
        "rollback to an older catalog",
        "(a rollback)",
        |served| {
            std::fs::write(served.join("catalog.json"), &old_catalog).unwrap();
        },
    );
}

#[test]
fn a_phone_two_root_versions_behind_walks_the_rotations_and_a_safety_change_signed_by_editors_is_refused() {
    let programme = Programme::new();
    let phone = phone(&programme);
    let phone = phone.path();
    ok(update(phone, &programme.url()));
    let root = programme.root();
    for name in ["f", "g", "h"] {
        ok(editor(
            root,
            &["content", "keygen", "--out", key(root, name).to_str().unwrap()],
        ));
    }
    let pubs = |names: &[&str]| public_keys(root, names);
    let rotate = |keys: &[&str], signers: &[&str], renew: bool| {
        ok(editor(
            root,
            &[
                "content",
                "root",
                "rotate",
                "--repo",
                programme.repo().to_str().unwrap(),
                "--keys",
                &pubs(keys),
                "--threshold",
                "2",
                "--safety-keys",
                &pubs(&["d", "e"]),
                "--safety-threshold",
                "2",
            ],
        ));
        if renew {
            // The published catalog and safety document must also carry the new editors' (and
            // the safety role's) signatures under the new root.
            ok(editor(
                root,
                &["content", "renew", "--repo", programme.repo().to_str().unwrap()],
            ));
        }
        programme.sign_and_publish(signers);
    };
    // Root 2: editors a, b, f (signed by old a, b and new f... a threshold of both).
    rotate(&["a", "b", "f"], &["a", "b", "f"], false);
    // Root 3: editors f, g, h, signed by root 2's editors (a, b, f) and the new ones (g, h); the
    // catalog is renewed so that the new editors sign it too. (a and b also make root 1's
    // threshold, so that root 3 offered in root 2's place meets the version rule itself.)
    rotate(&["f", "g", "h"], &["a", "b", "f", "g", "h", "d", "e"], true);
    // Root N+2 offered where N+1 should be: refused.
    assert_refused(
        &programme,
        phone,
        "root 3 offered as root 2",
        "version 2 must come first",
        |served| {
            std::fs::copy(served.join("root/3.json"), served.join("root/2.json")).unwrap();
        },
    );

    // New content signed by the new editors only: the phone walks roots 2 and 3 and installs it.
    let source = programme.root().join("src/pt/prep.md");
    let text = std::fs::read_to_string(&source).unwrap();
    std::fs::write(&source, text.replacen("version = 1", "version = 2", 1)).unwrap();
    programme.build_and_publish(&["g", "h"]);
    let installed = json(&update(phone, &programme.url()));
    assert_eq!(installed["root_version"], 3);
    assert_eq!(installed["modules_installed"], 1);

    // A safety document changed and signed by two editors instead of the safety role: refused.
    let safety = programme.root().join("src/safety.toml");
    let text = std::fs::read_to_string(&safety).unwrap();
    std::fs::write(&safety, text.replacen("Mon", "Tue", 1)).unwrap();
    programme.build();
    let staged: Envelope =
        serde_json::from_slice(&std::fs::read(programme.repo().join("staged/safety.json")).unwrap()).unwrap();
    let forged = Envelope {
        signatures: ["g", "h"]
            .iter()
            .map(|name| {
                SigningKey::load(&key(root, name), PASSPHRASE)
                    .unwrap()
                    .sign(MetadataKind::Safety, &staged.payload)
            })
            .collect(),
        payload: staged.payload.clone(),
    };
    let sites_before = ok(corridor(
        phone,
        &[("CORRIDOR_PIN", PIN)],
        &["--json", "content", "sites"],
    ))
    .stdout;
    assert_refused(
        &programme,
        phone,
        "safety signed by editors",
        "by the safety role",
        |served| {
            std::fs::write(served.join("safety.json"), serde_json::to_vec(&forged).unwrap()).unwrap();
        },
    );
    assert_eq!(
        ok(corridor(
            phone,
            &[("CORRIDOR_PIN", PIN)],
            &["--json", "content", "sites"]
        ))
        .stdout,
        sites_before
    );
    assert!(sites_before.contains("beitbridge"));
}

#[test]
fn after_editor_keys_are_stolen_and_rotated_away_the_phone_recovers_from_an_absurd_catalog_version() {
    let programme = Programme::new();
    let phone = phone(&programme);
    let phone = phone.path();
    ok(update(phone, &programme.url()));
    let root = programme.root();

    // Whoever stole keys a and b signs the published catalog again as version 1,000,000.
    let published: Envelope =
        serde_json::from_slice(&std::fs::read(programme.repo().join("catalog.json")).unwrap()).unwrap();
    let mut payload: serde_json::Value = serde_json::from_slice(&published.payload).unwrap();
    payload["version"] = serde_json::json!(1_000_000);
    let forged_payload = serde_json::to_vec(&payload).unwrap();
    let forged = Envelope {
        signatures: ["a", "b"]
            .iter()
            .map(|name| {
                SigningKey::load(&key(root, name), PASSPHRASE)
                    .unwrap()
                    .sign(MetadataKind::Catalog, &forged_payload)
            })
            .collect(),
        payload: forged_payload,
    };
    std::fs::write(
        programme.served().join("catalog.json"),
        serde_json::to_vec(&forged).unwrap(),
    )
    .unwrap();
    let hijacked = json(&update(phone, &programme.url()));
    assert_eq!(hijacked["version"], 1_000_000, "a threshold of valid keys signed it");

    // The programme rotates the stolen keys away and renews its catalog (version 2).
    for name in ["f", "g", "h"] {
        ok(editor(
            root,
            &["content", "keygen", "--out", key(root, name).to_str().unwrap()],
        ));
    }
    let pubs = |names: &[&str]| public_keys(root, names);
    ok(editor(
        root,
        &[
            "content",
            "root",
            "rotate",
            "--repo",
            programme.repo().to_str().unwrap(),
            "--keys",
            &pubs(&["f", "g", "h"]),
            "--threshold",
            "2",
            "--safety-keys",
            &pubs(&["d", "e"]),
            "--safety-threshold",
            "2",
        ],
    ));
    ok(editor(
        root,
        &["content", "renew", "--repo", programme.repo().to_str().unwrap()],
    ));
    programme.sign_and_publish(&["a", "b", "f", "g", "d", "e"]);

    // Under the new root the forged catalog no longer counts as a floor: version 2 installs.
    let recovered = json(&update(phone, &programme.url()));
    assert_eq!(
        (recovered["root_version"].as_u64(), recovered["version"].as_u64()),
        (Some(2), Some(2))
    );
    // And the old keys alone can no longer push anything.
    assert_refused(
        &programme,
        phone,
        "the stolen keys after the rotation",
        "valid signature",
        |served| {
            std::fs::write(served.join("catalog.json"), serde_json::to_vec(&forged).unwrap()).unwrap();
        },
    );
}
