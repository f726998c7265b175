//! Helpers for the end-to-end tests in `tests/`: run the real `corridor` binary as a person or
//! a script would, each command in its own process.

pub mod content;
pub mod hub;
pub mod proxy;
pub mod tls;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The `corridor` binary, built (or brought up to date) once per test run.
pub fn corridor_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let deps_dir = std::env::current_exe()
            .expect("test path")
            .parent()
            .expect("deps dir")
            .to_path_buf();
        let profile_dir = deps_dir.parent().expect("profile dir");
        // Benchmarks run from target/release: measure an optimised hub, built like them.
        let optimised = profile_dir.file_name().is_some_and(|name| name == "release");
        let mut build = Command::new(cargo);
        build.args(["build", "-q", "-p", "corridor-cli"]);
        if optimised {
            build.args(["--profile", "bench"]);
        }
        let status = build.status().expect("cargo could not be started");
        assert!(status.success(), "building corridor-cli failed");
        let binary = profile_dir.join("corridor");
        assert!(binary.exists(), "{} is missing", binary.display());
        binary
    })
}

/// The result of one `corridor` invocation.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Runs `corridor --data-dir DIR ARGS...` with the given environment, stdin closed.
pub fn corridor(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut command = Command::new(corridor_binary());
    command
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::null());
    command.env_remove("CORRIDOR_PIN").env_remove("CORRIDOR_NEW_PIN");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("corridor could not be started").into()
}

/// Runs `corridor --data-dir DIR ARGS...` with `input` on its standard input (no PIN variables).
pub fn corridor_with_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Run {
    use std::io::Write;
    let mut child = Command::new(corridor_binary())
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("CORRIDOR_PIN")
        .env_remove("CORRIDOR_NEW_PIN")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("corridor could not be started");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input)
        .expect("stdin accepts the input");
    child.wait_with_output().expect("corridor ran").into()
}
