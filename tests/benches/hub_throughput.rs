//! How many report submissions per second the hub accepts on loopback, and its peak memory.
//!
//! `cargo bench -p corridor-tests --bench hub_throughput` starts an optimised `corridor hub
//! serve` on a fresh data directory (on the disk, `synchronous=FULL`: every accepted write is
//! flushed), runs concurrent writers that each submit fresh 1 KiB sealed reports for a fixed time
//! over new connections (as phones do: report submissions keep no connection), and prints
//! accepted writes per second, latency percentiles and the hub's peak resident memory (VmHWM).
//! Without `--bench` (in `cargo test --all-targets`) it runs a short smoke round.

use std::time::{Duration, Instant};

use corridor_core::sync::wire::{ReportSubmission, Uuid};
use corridor_core::sync::{Auth, ClientOptions, HubClient, HubUrl, PreparedRequest};
use corridor_tests::hub::HubProcess;

struct Round {
    writers: usize,
    accepted: usize,
    refused: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

fn run_round(runtime: &tokio::runtime::Runtime, url: &str, writers: usize, length: Duration) -> Round {
    let client = HubClient::new(HubUrl::parse(url).unwrap(), ClientOptions::default()).unwrap();
    let started = Instant::now();
    let results = runtime.block_on(async {
        let mut tasks = Vec::new();
        for writer in 0..writers {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut refused = 0;
                let sealed: Vec<u8> = (0..1024u32).map(|n| (n as usize * 31 + writer) as u8).collect();
                while started.elapsed() < length {
                    let submission = ReportSubmission {
                        report_id: Uuid::new_v4(),
                        site: "beitbridge".into(),
                        sealed: sealed.clone(),
                    };
                    let request = PreparedRequest::report(&submission).unwrap();
                    let sent = Instant::now();
                    match client.send(&request, &Auth::Anonymous).await {
                        Ok(answer) if answer.status == 201 => latencies.push(sent.elapsed()),
                        _ => refused += 1,
                    }
                }
                (latencies, refused)
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            all.push(task.await.unwrap());
        }
        all
    });
    let elapsed = started.elapsed();
    let mut latencies: Vec<Duration> = results.iter().flat_map(|(latencies, _)| latencies.clone()).collect();
    latencies.sort();
    Round {
        writers,
        accepted: latencies.len(),
        refused: results.iter().map(|(_, refused)| refused).sum(),
        elapsed,
        latencies,
    }
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * fraction).round() as usize]
}

fn main() {
    let benchmarking = std::env::args().any(|argument| argument == "--bench");
    let (rounds, length): (&[usize], Duration) = if benchmarking {
        (&[1, 8, 32], Duration::from_secs(10))
    } else {
        (&[4], Duration::from_secs(1))
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let data = tempfile::Builder::new()
        .prefix("hub-bench")
        .tempdir_in(std::env::temp_dir())
        .unwrap();
    let hub = HubProcess::start(data.path(), &["--report-rate", "0"]);
    let idle_kib = hub.peak_memory_kib().unwrap_or(0);
    println!("hub_throughput: data directory on {}", std::env::temp_dir().display());
    println!("hub_throughput: peak memory after start {} KiB", idle_kib);
    for &writers in rounds {
        let round = run_round(&runtime, &hub.url(), writers, length);
        let rate = round.accepted as f64 / round.elapsed.as_secs_f64();
        println!(
            "hub_throughput: {:>2} writers: {:>6} accepted in {:.1} s = {:>7.0} writes/s \
             (latency p50 {:.1} ms, p99 {:.1} ms; {} failed); hub peak memory so far {} KiB",
            round.writers,
            round.accepted,
            round.elapsed.as_secs_f64(),
            rate,
            percentile(&round.latencies, 0.5).as_secs_f64() * 1000.0,
            percentile(&round.latencies, 0.99).as_secs_f64() * 1000.0,
            round.refused,
            hub.peak_memory_kib().unwrap_or(0)
        );
        assert!(round.accepted > 0, "the hub accepted nothing");
        assert_eq!(round.refused, 0, "the hub refused or dropped writes");
    }
    let database = std::fs::metadata(data.path().join("hub.db"))
        .map(|meta| meta.len())
        .unwrap_or(0);
    println!("hub_throughput: hub.db is {} KiB", database / 1024);
}
