//! A content programme for tests: editors' keys made with the real tool, a repository built
//! from a copy of the starter content, signed and published, and a hub serving it.

use std::path::{Path, PathBuf};

use crate::hub::HubProcess;
use crate::{corridor, Run};

pub const PASSPHRASE: &str = "editors keep this passphrase safe";

pub fn ok(run: Run) -> Run {
    assert_eq!(run.code, 0, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    run
}

pub fn json(run: &Run) -> serde_json::Value {
    assert_eq!(run.code, 0, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    serde_json::from_str(run.stdout.lines().last().unwrap_or("null")).unwrap()
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "staged" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Editors with keys, a repository, a source tree (a copy of the starter content) and a hub that
/// serves the published repository.
pub struct Programme {
    pub dir: tempfile::TempDir,
    pub hub: HubProcess,
}

impl Programme {
    /// Builds, signs and publishes the starter content (a few seconds: Argon2 per key).
    #[allow(clippy::new_without_default)]
    pub fn new() -> Programme {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let starter = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
        copy_dir(&starter, &root.join("src"));
        for name in ["a", "b", "c", "d", "e"] {
            ok(editor(
                root,
                &["content", "keygen", "--out", key(root, name).to_str().unwrap()],
            ));
        }
        let repo = root.join("repo");
        let pubs = |names: &[&str]| public_keys(root, names);
        ok(editor(
            root,
            &[
                "content",
                "init-repo",
                repo.to_str().unwrap(),
                "--keys",
                &pubs(&["a", "b", "c"]),
                "--threshold",
                "2",
                "--safety-keys",
                &pubs(&["d", "e"]),
                "--safety-threshold",
                "2",
            ],
        ));
        let hub = HubProcess::start(&root.join("hub"), &[]);
        let programme = Programme { dir, hub };
        programme.sign_and_publish(&["a", "b"]);
        programme.build_and_publish(&["a", "b", "d", "e"]);
        programme
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn repo(&self) -> PathBuf {
        self.root().join("repo")
    }

    pub fn served(&self) -> PathBuf {
        self.root().join("hub/content/repo")
    }

    pub fn url(&self) -> String {
        format!("{}/v1/content/repo/", self.hub.url())
    }

    pub fn sign_and_publish(&self, keys: &[&str]) {
        for name in keys {
            ok(editor(
                self.root(),
                &[
                    "content",
                    "sign",
                    "--repo",
                    self.repo().to_str().unwrap(),
                    "--key",
                    key(self.root(), name).to_str().unwrap(),
                ],
            ));
        }
        ok(editor(
            self.root(),
            &["content", "publish", "--repo", self.repo().to_str().unwrap()],
        ));
        self.serve_published();
    }

    pub fn build_and_publish(&self, keys: &[&str]) {
        self.build();
        self.sign_and_publish(keys);
    }

    pub fn build(&self) {
        let src = self.root().join("src");
        ok(editor(
            self.root(),
            &[
                "content",
                "build",
                src.to_str().unwrap(),
                "--repo",
                self.repo().to_str().unwrap(),
            ],
        ));
    }

    /// The hub serves exactly the published repository (never the staging area).
    pub fn serve_published(&self) {
        let _ = std::fs::remove_dir_all(self.served());
        copy_dir(&self.repo(), &self.served());
    }
}

/// `A.pub,B.pub,...` for the named keys, as `init-repo` and `root rotate` take them.
pub fn public_keys(root: &Path, names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("{}.pub", key(root, name).display()))
        .collect::<Vec<_>>()
        .join(",")
}

pub fn key(root: &Path, name: &str) -> PathBuf {
    root.join(format!("{name}.key"))
}

pub fn editor(root: &Path, args: &[&str]) -> Run {
    corridor(
        &root.join("editor-data"),
        &[("CORRIDOR_KEY_PASSPHRASE", PASSPHRASE)],
        args,
    )
}
