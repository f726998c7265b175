//! The content editors' tools through the real `corridor` binary: keys, a repository, build,
//! sign, publish (refused below threshold), diff after an edit, renew, and root rotation signed
//! by the old and the new keys.

use std::path::Path;
use std::process::{Command, Stdio};

use corridor_core::content::metadata::Catalog;
use corridor_core::content::verify::{
    verify_catalog, verify_initial_root, verify_next_root, verify_safety, MetadataCheck,
};
use corridor_tests::{corridor, corridor_binary, Run};

const PASSPHRASE: &str = "a long editor passphrase";

/// Runs `corridor content ARGS...` in `dir` with the key passphrase set.
fn content(dir: &Path, args: &[&str]) -> Run {
    let mut full = vec!["content"];
    full.extend_from_slice(args);
    corridor(
        &dir.join("no-device"),
        &[("CORRIDOR_KEY_PASSPHRASE", PASSPHRASE)],
        &full,
    )
}

fn ok(run: Run) -> Run {
    assert_eq!(run.code, 0, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    run
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_string()
}

fn write_module(src: &Path, language: &str, title: &str, version: u32, text: &str) {
    std::fs::create_dir_all(src.join(language)).unwrap();
    std::fs::write(
        src.join(language).join("pep.md"),
        format!(
            "+++\nid = \"pep\"\ntitle = \"{title}\"\nlanguage = \"{language}\"\nversion = {version}\n\
             topics = [\"prevention\", \"after-exposure\"]\nreading_minutes = 2\n\
             review_status = \"awaiting_clinical_review\"\n\n[[sources]]\ntitle = \"WHO PEP guidelines\"\n\
             url = \"https://www.who.int/\"\n+++\n\n# {title}\n\n{text}\n\n![A clock showing 72 hours](clock.png)\n"
        ),
    )
    .unwrap();
}

fn write_source(src: &Path, english_text: &str, english_version: u32) {
    write_module(src, "en", "PEP within 72 hours", english_version, english_text);
    write_module(
        src,
        "pt",
        "PEP em 72 horas",
        1,
        "A PEP deve começar nas primeiras 72 horas.",
    );
    std::fs::create_dir_all(src.join("assets")).unwrap();
    std::fs::write(src.join("assets").join("clock.png"), b"\x89PNG\r\n\x1a\n(a test image)").unwrap();
    std::fs::write(
        src.join("safety.toml"),
        format!(
            "[programme_key]\nkey_id = \"programme-2026\"\nx25519_public = \"{}\"\n\n\
             [[sites]]\nid = \"beitbridge\"\nname = \"Beitbridge clinic\"\nplace = \"Beitbridge\"\ncountry = \"ZW\"\n\
             opening_hours = \"Mon-Sat 07:00-19:00\"\nphone = \"+263 000 000\"\noffers_pep = true\n\n\
             [[teams]]\nid = \"beitbridge-crt\"\nname = \"Beitbridge team\"\nsites = [\"beitbridge\"]\n\
             emergency_numbers = [\"+263 111\"]\n[teams.key]\nkey_id = \"crt-2026\"\nx25519_public = \"{}\"\n",
            "d".repeat(64),
            "c".repeat(64)
        ),
    )
    .unwrap();
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[test]
fn editors_make_keys_publish_with_a_threshold_review_a_diff_and_rotate_the_root() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    for name in ["ana", "beto", "carla", "dora", "eva"] {
        let made = ok(content(
            dir,
            &[
                "keygen",
                "--out",
                &path(dir, name),
                "--holder",
                &format!("{name}, editor"),
            ],
        ));
        assert!(made.stdout.contains("keyid "), "{}", made.stdout);
        assert!(dir.join(format!("{name}.pub")).exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(name)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the private key is private");
        }
        let private = std::fs::read_to_string(dir.join(name)).unwrap();
        assert!(private.contains("argon2id") && private.contains("chacha20-poly1305"));
    }
    let again = content(dir, &["keygen", "--out", &path(dir, "ana")]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("never overwritten"), "{}", again.stderr);

    let repo = path(dir, "repo");
    let keys = |names: &[&str]| {
        names
            .iter()
            .map(|name| path(dir, &format!("{name}.pub")))
            .collect::<Vec<_>>()
            .join(",")
    };
    // The safety role may not share a key with the editors.
    let shared = content(
        dir,
        &[
            "init-repo",
            &repo,
            "--keys",
            &keys(&["ana", "beto", "carla"]),
            "--threshold",
            "2",
            "--safety-keys",
            &keys(&["carla", "eva"]),
            "--safety-threshold",
            "2",
        ],
    );
    assert_ne!(shared.code, 0);
    assert!(
        shared.stderr.contains("safety role must have keys of its own"),
        "{}",
        shared.stderr
    );
    ok(content(
        dir,
        &[
            "init-repo",
            &repo,
            "--keys",
            &keys(&["ana", "beto", "carla"]),
            "--threshold",
            "2",
            "--safety-keys",
            &keys(&["dora", "eva"]),
            "--safety-threshold",
            "2",
        ],
    ));

    let src = dir.join("src");
    write_source(&src, "Start PEP within 72 hours of the exposure.", 1);
    let built = ok(content(dir, &["build", src.to_str().unwrap(), "--repo", &repo]));
    assert!(
        built.stdout.contains("staged catalog version 1 (en: 1, pt: 1)"),
        "{}",
        built.stdout
    );
    assert!(
        built.stdout.contains("staged safety document version 1"),
        "{}",
        built.stdout
    );

    // One editor: publish is refused and says what is missing.
    let signed = ok(content(dir, &["sign", "--repo", &repo, "--key", &path(dir, "ana")]));
    assert!(
        signed.stdout.contains("signed root version 1: 1 of 2"),
        "{}",
        signed.stdout
    );
    assert!(
        signed.stdout.contains("signed catalog version 1: 1 of 2"),
        "{}",
        signed.stdout
    );
    let refused = content(dir, &["publish", "--repo", &repo]);
    assert_eq!(refused.code, 8, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("the root has 1 valid signature by its own editors; 2 are needed"),
        "{}",
        refused.stderr
    );
    assert!(!Path::new(&repo).join("root.json").exists(), "nothing was published");

    // The same editor twice still counts once.
    let twice = ok(content(dir, &["sign", "--repo", &repo, "--key", &path(dir, "ana")]));
    assert!(
        twice.stdout.contains("already signed root version 1"),
        "{}",
        twice.stdout
    );
    assert_eq!(content(dir, &["publish", "--repo", &repo]).code, 8);

    // A wrong passphrase is a clear error, and signs nothing.
    let wrong = corridor(
        &dir.join("no-device"),
        &[("CORRIDOR_KEY_PASSPHRASE", "not the passphrase")],
        &["content", "sign", "--repo", &repo, "--key", &path(dir, "beto")],
    );
    assert_eq!(wrong.code, 1);
    assert!(wrong.stderr.contains("passphrase does not open"), "{}", wrong.stderr);
    // Without the variable and without a terminal, the tool says how to give it.
    let no_terminal = Command::new(corridor_binary())
        .args(["content", "sign", "--repo", &repo, "--key", &path(dir, "beto")])
        .env_remove("CORRIDOR_KEY_PASSPHRASE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&no_terminal.stderr).contains("CORRIDOR_KEY_PASSPHRASE"),
        "{}",
        String::from_utf8_lossy(&no_terminal.stderr)
    );

    ok(content(dir, &["sign", "--repo", &repo, "--key", &path(dir, "beto")]));
    // The editors' signatures are enough for the root and the catalog, not the safety document.
    let refused = content(dir, &["publish", "--repo", &repo]);
    assert_eq!(refused.code, 8);
    assert!(
        refused
            .stderr
            .contains("the safety document has 0 valid signatures by the safety role; 2 are needed"),
        "{}",
        refused.stderr
    );
    // A safety key may not sign the catalog: it signs the safety document only.
    let safety_sign = ok(content(
        dir,
        &["--json", "sign", "--repo", &repo, "--key", &path(dir, "dora")],
    ));
    let report: serde_json::Value = serde_json::from_str(safety_sign.stdout.trim()).unwrap();
    assert_eq!(report["signed"].as_array().unwrap().len(), 1);
    assert_eq!(report["signed"][0]["kind"], "safety");
    ok(content(dir, &["sign", "--repo", &repo, "--key", &path(dir, "eva")]));
    let published = ok(content(dir, &["--json", "publish", "--repo", &repo]));
    let report: serde_json::Value = serde_json::from_str(published.stdout.trim()).unwrap();
    assert_eq!(
        (
            &report["root_version"],
            &report["catalog_version"],
            &report["safety_version"]
        ),
        (&serde_json::json!(1), &serde_json::json!(1), &serde_json::json!(1))
    );
    assert_eq!(report["new_files"], 3);

    // What was published is what a phone accepts.
    let repo_dir = Path::new(&repo);
    let root = verify_initial_root(&std::fs::read(repo_dir.join("root.json")).unwrap()).unwrap();
    let catalog_v1 = std::fs::read(repo_dir.join("catalog.json")).unwrap();
    let MetadataCheck::Newer(catalog) = verify_catalog(&root, &catalog_v1, now(), None).unwrap() else {
        panic!("a first catalog is new");
    };
    assert!(matches!(
        verify_safety(&root, &std::fs::read(repo_dir.join("safety.json")).unwrap(), now(), None).unwrap(),
        MetadataCheck::Newer(safety) if safety.teams[0].key.key_id == "crt-2026"
    ));
    for module in &catalog.modules {
        let file = std::fs::read(repo_dir.join("files").join(&module.file.sha256)).unwrap();
        assert_eq!(file.len() as u64, module.file.length);
    }

    // An editor changes the English text: the diff says so, per language, in words.
    write_source(&src, "Start PEP as soon as possible, within 72 hours.", 2);
    let built = ok(content(dir, &["build", src.to_str().unwrap(), "--repo", &repo]));
    assert!(built.stdout.contains("1 new files"), "{}", built.stdout);
    assert!(
        built.stdout.contains("safety document is unchanged"),
        "{}",
        built.stdout
    );
    let diff = ok(content(dir, &["diff", "--repo", &repo]));
    assert!(diff.stdout.contains("Catalog: version 1 → 2"), "{}", diff.stdout);
    assert!(
        diff.stdout
            .contains("changed: \"PEP within 72 hours\" (pep): version 1 → 2; text changed"),
        "{}",
        diff.stdout
    );
    assert!(diff.stdout.contains("pt: no change (1 module)"), "{}", diff.stdout);
    let diff = ok(content(dir, &["--json", "diff", "--repo", &repo]));
    let json: serde_json::Value = serde_json::from_str(diff.stdout.trim()).unwrap();
    assert_eq!(json["catalog"]["languages"][0]["language"], "en");
    assert_eq!(json["catalog"]["languages"][0]["changed"][0]["id"], "pep");
    assert_eq!(json["catalog"]["languages"][0]["changed"][0]["text_changed"], true);
    for name in ["beto", "carla"] {
        ok(content(dir, &["sign", "--repo", &repo, "--key", &path(dir, name)]));
    }
    let published = ok(content(dir, &["publish", "--repo", &repo]));
    assert!(
        published.stdout.contains("published catalog version 2 (1 new files"),
        "{}",
        published.stdout
    );
    let catalog_v2 = std::fs::read(repo_dir.join("catalog.json")).unwrap();
    assert!(matches!(
        verify_catalog(&root, &catalog_v2, now(), Some((&catalog, &catalog_v1))).unwrap(),
        MetadataCheck::Newer(Catalog { version: 2, .. })
    ));

    // Rotation with the real tool: ana and beto leave, fay and gil join (carla stays).
    for name in ["fay", "gil"] {
        ok(content(dir, &["keygen", "--out", &path(dir, name), "--holder", name]));
    }
    let rotated = ok(content(
        dir,
        &[
            "root",
            "rotate",
            "--repo",
            &repo,
            "--keys",
            &keys(&["carla", "fay", "gil"]),
            "--threshold",
            "2",
            "--safety-keys",
            &keys(&["dora", "eva"]),
            "--safety-threshold",
            "2",
        ],
    ));
    assert!(rotated.stdout.contains("staged root version 2"), "{}", rotated.stdout);
    let diff = ok(content(dir, &["diff", "--repo", &repo]));
    assert!(diff.stdout.contains("editors added: fay (key"), "{}", diff.stdout);
    assert!(
        diff.stdout.contains("editors removed: ana, editor (key"),
        "{}",
        diff.stdout
    );
    // The published catalog is signed by beto and carla: under the new root only carla counts,
    // so it is renewed and signed by the new editors in the same round.
    ok(content(dir, &["renew", "--repo", &repo]));
    // Only the old editors: refused (the new editors have not signed).
    for name in ["ana", "beto"] {
        ok(content(dir, &["sign", "--repo", &repo, "--key", &path(dir, name)]));
    }
    let refused = content(dir, &["publish", "--repo", &repo]);
    assert_eq!(refused.code, 8);
    assert!(
        refused
            .stderr
            .contains("0 valid signatures by the editors of root version 2; 2 are needed"),
        "{}",
        refused.stderr
    );
    for name in ["fay", "gil", "dora", "eva"] {
        ok(content(dir, &["sign", "--repo", &repo, "--key", &path(dir, name)]));
    }
    let published = ok(content(dir, &["publish", "--repo", &repo]));
    assert!(
        published
            .stdout
            .contains("published root version 2, safety document version 2, catalog version 3"),
        "{}",
        published.stdout
    );
    // A phone that trusts root 1 walks to root 2 and accepts the renewed catalog under it.
    let root2 = verify_next_root(&root, &std::fs::read(repo_dir.join("root").join("2.json")).unwrap()).unwrap();
    assert_eq!(root2.version, 2);
    let catalog_v3 = std::fs::read(repo_dir.join("catalog.json")).unwrap();
    assert!(matches!(
        verify_catalog(&root2, &catalog_v3, now(), Some((&catalog, &catalog_v1))).unwrap(),
        MetadataCheck::Newer(Catalog { version: 3, .. })
    ));
    // ...and the old root no longer accepts it (ana and beto did not sign it).
    assert!(verify_catalog(&root, &catalog_v3, now(), None).is_err());
    assert!(!repo_dir.join("staged").exists());
}
