//! The hub as a real process: `corridor hub serve` on a free loopback port, its log captured.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::corridor_binary;

pub struct HubProcess {
    pub child: Child,
    pub addr: SocketAddr,
    pub data: PathBuf,
    log: Arc<Mutex<String>>,
}

impl HubProcess {
    /// Starts `corridor hub serve --data DATA --addr 127.0.0.1:0 EXTRA...` and waits until it
    /// listens. Panics (this is a test helper) if it does not within 30 s.
    pub fn start(data: &Path, extra: &[&str]) -> HubProcess {
        Self::start_on(data, "127.0.0.1:0", extra)
    }

    pub fn start_on(data: &Path, addr: &str, extra: &[&str]) -> HubProcess {
        let mut child = Command::new(corridor_binary())
            .args(["hub", "serve", "--data"])
            .arg(data)
            .args(["--addr", addr])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the hub could not be started");
        let stderr = child.stderr.take().expect("piped stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (sender, receiver) = std::sync::mpsc::channel();
        let writer = log.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut line = String::new();
            let mut announced = false;
            while reader.read_line(&mut line).unwrap_or(0) > 0 {
                if !announced {
                    if let Some(addr) = listening_addr(&line) {
                        let _ = sender.send(addr);
                        announced = true;
                    }
                }
                writer.lock().expect("log").push_str(&line);
                line.clear();
            }
            let mut rest = String::new();
            let _ = reader.read_to_string(&mut rest);
            writer.lock().expect("log").push_str(&rest);
        });
        let addr = match receiver.recv_timeout(Duration::from_secs(30)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                panic!("the hub did not start: {}", log.lock().expect("log"));
            }
        };
        HubProcess {
            child,
            addr,
            data: data.to_path_buf(),
            log,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Everything the hub logged so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log").clone()
    }

    /// kill -9.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits up to `patience` for the exit; returns the exit code.
    pub fn terminate(&mut self, patience: Duration) -> Option<i32> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < patience {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// The hub's peak resident memory (VmHWM) in KiB, from /proc.
    pub fn peak_memory_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find(|line| line.starts_with("VmHWM:"))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `... listening on 127.0.0.1:PORT` in a log line.
fn listening_addr(line: &str) -> Option<SocketAddr> {
    let rest = &line[line.find("listening on ")? + "listening on ".len()..];
    rest.split_whitespace()
        .next()?
        .trim_matches(|c| c == '"' || c == ',')
        .parse()
        .ok()
}
