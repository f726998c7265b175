//! Installing a large content repository: throughput and peak memory of `corridor content update`
//! against a hub on loopback, with `sha256sum` and `cp` over the same bytes as the reference.
//!
//! `cargo bench -p corridor-tests --bench content_install` generates repositories of about 100 MB
//! and 200 MB (modules with a 1 MiB audio asset each), builds, signs and publishes them with the
//! real tool, and installs each on a fresh phone. Memory must stay bounded by a small constant as
//! the repository grows: the install streams every file (1 MiB at a time) and never holds a whole
//! file. Without `--bench` (in `cargo test --all-targets`) it runs one small round as a smoke test.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use corridor_tests::hub::HubProcess;
use corridor_tests::{corridor, corridor_binary};

const PASSPHRASE: &str = "benchmark passphrase";

fn run_ok(dir: &Path, env: &[(&str, &str)], args: &[&str]) {
    let run = corridor(dir, env, args);
    assert_eq!(run.code, 0, "corridor {args:?}: {} {}", run.stdout, run.stderr);
}

fn generate_source(src: &Path, modules: usize, asset_len: usize) {
    std::fs::create_dir_all(src.join("en")).unwrap();
    std::fs::create_dir_all(src.join("assets")).unwrap();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for n in 0..modules {
        let id = format!("bench-{n:04}");
        let mut asset = std::io::BufWriter::new(std::fs::File::create(src.join(format!("assets/{id}.mp3"))).unwrap());
        let mut block = vec![0u8; 64 * 1024];
        let mut written = 0;
        while written < asset_len {
            for byte in block.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *byte = state as u8;
            }
            let take = block.len().min(asset_len - written);
            asset.write_all(&block[..take]).unwrap();
            written += take;
        }
        asset.flush().unwrap();
        std::fs::write(
            src.join(format!("en/{id}.md")),
            format!(
                "+++\nid = \"{id}\"\ntitle = \"Benchmark module {n}\"\nlanguage = \"en\"\nversion = 1\n\
                 topics = [\"bench\"]\nreading_minutes = 1\nreview_status = \"awaiting_clinical_review\"\n\n\
                 [[sources]]\ntitle = \"Generated for the benchmark\"\n+++\n\n\
                 Module number {n}, generated for the install benchmark.\n\n\
                 [Listen: part {n}](audio:{id}.mp3)\n"
            ),
        )
        .unwrap();
    }
}

/// Runs a command and samples its peak resident memory (VmHWM) until it exits.
fn run_measured(mut command: Command) -> (Duration, u64) {
    let started = Instant::now();
    let mut child = command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_path) {
            if let Some(kib) = status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|value| value.parse::<u64>().ok())
            {
                peak_kib = peak_kib.max(kib);
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            use std::io::Read;
            let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
            assert!(status.success(), "{stderr}");
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    (started.elapsed(), peak_kib)
}

fn round(work: &Path, modules: usize, asset_len: usize) {
    let src = work.join(format!("src-{modules}"));
    let repo = work.join(format!("repo-{modules}"));
    let editor_dir = work.join("editor");
    let env = [("CORRIDOR_KEY_PASSPHRASE", PASSPHRASE)];
    generate_source(&src, modules, asset_len);
    let keys: Vec<String> = ["a", "b", "d", "e"]
        .iter()
        .map(|name| work.join(format!("{name}.key")).display().to_string())
        .collect();
    for key in &keys {
        if !Path::new(key).exists() {
            run_ok(&editor_dir, &env, &["content", "keygen", "--out", key]);
        }
    }
    run_ok(
        &editor_dir,
        &env,
        &[
            "content",
            "init-repo",
            repo.to_str().unwrap(),
            "--keys",
            &format!("{}.pub,{}.pub", keys[0], keys[1]),
            "--threshold",
            "2",
            "--safety-keys",
            &format!("{}.pub,{}.pub", keys[2], keys[3]),
            "--safety-threshold",
            "2",
        ],
    );
    let publish = |signers: &[&String]| {
        for key in signers {
            run_ok(
                &editor_dir,
                &env,
                &["content", "sign", "--repo", repo.to_str().unwrap(), "--key", key],
            );
        }
        run_ok(
            &editor_dir,
            &env,
            &["content", "publish", "--repo", repo.to_str().unwrap()],
        );
    };
    publish(&[&keys[0], &keys[1]]);
    run_ok(
        &editor_dir,
        &env,
        &[
            "content",
            "build",
            src.to_str().unwrap(),
            "--repo",
            repo.to_str().unwrap(),
        ],
    );
    publish(&[&keys[0], &keys[1]]);

    let hub_dir = work.join(format!("hub-{modules}"));
    std::fs::create_dir_all(hub_dir.join("content")).unwrap();
    std::fs::rename(&repo, hub_dir.join("content/repo")).unwrap();
    let _ = std::fs::remove_dir_all(hub_dir.join("content/repo/staged"));
    let hub = HubProcess::start(&hub_dir, &[]);
    let files = hub_dir.join("content/repo/files");
    let total_bytes: u64 = std::fs::read_dir(&files)
        .unwrap()
        .map(|entry| entry.unwrap().metadata().unwrap().len())
        .sum();

    let phone = work.join(format!("phone-{modules}"));
    run_ok(&phone, &[("CORRIDOR_PIN", "482916")], &["setup", "--role", "personal"]);
    let root = hub_dir.join("content/repo/root/1.json");
    run_ok(&phone, &[], &["content", "trust", root.to_str().unwrap()]);
    let mut update = Command::new(corridor_binary());
    update.arg("--data-dir").arg(&phone).args([
        "content",
        "update",
        "--from",
        &format!("{}/v1/content/repo/", hub.url()),
    ]);
    let (install_time, install_peak) = run_measured(update);

    let mut sha = Command::new("sh");
    sha.arg("-c")
        .arg(format!("sha256sum {}/* > /dev/null", files.display()));
    let (sha_time, sha_peak) = run_measured(sha);
    let copy_target = work.join(format!("copy-{modules}"));
    let mut copy = Command::new("cp");
    copy.arg("-r").arg(&files).arg(&copy_target);
    let (cp_time, cp_peak) = run_measured(copy);

    let megabytes = total_bytes as f64 / 1_000_000.0;
    let rate = |time: Duration| megabytes / time.as_secs_f64();
    println!(
        "content_install: {megabytes:>6.1} MB in {:>3} files: corridor content update {:>6.2} s = {:>6.1} MB/s, peak {:>6} KiB \
         | sha256sum {:>5.2} s = {:>6.1} MB/s, peak {:>5} KiB | cp {:>5.2} s = {:>6.1} MB/s, peak {:>5} KiB",
        modules * 2,
        install_time.as_secs_f64(),
        rate(install_time),
        install_peak,
        sha_time.as_secs_f64(),
        rate(sha_time),
        sha_peak,
        cp_time.as_secs_f64(),
        rate(cp_time),
        cp_peak
    );
    drop(hub);
    for dir in [&src, &hub_dir, &phone, &copy_target] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

fn main() {
    let benchmarking = std::env::args().any(|argument| argument == "--bench");
    let work = tempfile::Builder::new().prefix("content-bench").tempdir().unwrap();
    if benchmarking {
        for modules in [100, 200] {
            round(work.path(), modules, 1024 * 1024);
        }
    } else {
        round(work.path(), 5, 256 * 1024);
    }
}
