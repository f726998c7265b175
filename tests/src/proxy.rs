//! A fault-injecting TCP proxy on loopback, between the core's client and a real hub process.
//!
//! Each client connection gets one fate, drawn from a seeded generator so that a failing run can
//! be replayed:
//! - **pass**: bytes flow both ways untouched;
//! - **reset**: the connection is reset before anything reaches the hub;
//! - **error 500**: the proxy answers `500` itself; the hub never sees the request;
//! - **drop after commit**: the request reaches the hub, and the connection is closed the moment
//!   the hub's answer starts, i.e. after the hub committed the write and before the client
//!   learns it;
//! - **slow**: the answer is passed on a few bytes at a time with pauses (a client with a short
//!   read timeout gives up; the write is already committed);
//! - **cut**: only the first bytes of the answer are passed on (a download stops half-way);
//! - **portal**: a captive portal answers instead of the hub (`200` with a page, or a `302`);
//! - **too many**: `429` with `Retry-After: 1`, as a busy hub or a proxy's rate limit would.
//!
//! The hub's reports idempotency (and the outbox) must turn all of these into exactly one stored
//! record per write.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Per-connection probabilities (the rest passes).
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    pub reset: f64,
    pub error_500: f64,
    pub drop_after_commit: f64,
    pub slow: f64,
    /// The pause between two slow pieces.
    pub slow_pause: Duration,
    /// Pass on only the first `cut_answer_after` bytes of the answer, then close.
    pub cut: f64,
    pub cut_answer_after: Option<usize>,
    /// Answer like a captive portal: `200` with an HTML page, or a `302` to a login page; the
    /// hub never sees the request.
    pub portal: f64,
    /// Answer `429 Too Many Requests` with `Retry-After: 1`; the hub never sees the request.
    pub too_many: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Pass,
    Reset,
    Error500,
    DropAfterCommit,
    Slow,
    Cut,
    Portal,
    TooMany,
}

/// Counts of what the proxy did.
#[derive(Debug, Default)]
pub struct ProxyCounts {
    pub connections: AtomicU64,
    pub resets: AtomicU64,
    pub errors_500: AtomicU64,
    pub dropped_after_commit: AtomicU64,
    pub slowed: AtomicU64,
    pub cut: AtomicU64,
    pub portal_pages: AtomicU64,
    pub too_many: AtomicU64,
}

pub struct FaultProxy {
    pub addr: SocketAddr,
    pub counts: Arc<ProxyCounts>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A small deterministic generator (xorshift64*), so runs replay from their seed.
struct Draw(u64);

impl Draw {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl FaultProxy {
    /// Starts the proxy on 127.0.0.1 (a free port) in front of `upstream`, on the current runtime.
    pub async fn start(upstream: SocketAddr, faults: Faults, seed: u64) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let counts = Arc::new(ProxyCounts::default());
        let draw = Arc::new(Mutex::new(Draw(seed | 1)));
        let task_counts = counts.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                let roll = draw.lock().expect("draw").next_f64();
                let fate = fate_of(roll, &faults);
                task_counts.connections.fetch_add(1, Ordering::Relaxed);
                let counts = task_counts.clone();
                tokio::spawn(async move {
                    let _ = handle(client, upstream, fate, &faults, &counts).await;
                });
            }
        });
        FaultProxy { addr, counts, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

fn fate_of(roll: f64, faults: &Faults) -> Fate {
    let mut edge = faults.reset;
    if roll < edge {
        return Fate::Reset;
    }
    edge += faults.error_500;
    if roll < edge {
        return Fate::Error500;
    }
    edge += faults.drop_after_commit;
    if roll < edge {
        return Fate::DropAfterCommit;
    }
    edge += faults.slow;
    if roll < edge {
        return Fate::Slow;
    }
    edge += faults.cut;
    if roll < edge {
        return Fate::Cut;
    }
    edge += faults.portal;
    if roll < edge {
        return Fate::Portal;
    }
    edge += faults.too_many;
    if roll < edge {
        return Fate::TooMany;
    }
    Fate::Pass
}

async fn handle(
    mut client: TcpStream,
    upstream: SocketAddr,
    fate: Fate,
    faults: &Faults,
    counts: &ProxyCounts,
) -> std::io::Result<()> {
    match fate {
        Fate::Reset => {
            let mut first = [0u8; 64];
            let _ = client.read(&mut first).await;
            counts.resets.fetch_add(1, Ordering::Relaxed);
            // A zero linger turns the close into a reset (RST).
            #[allow(deprecated)]
            let _ = client.set_linger(Some(Duration::ZERO));
            drop(client);
            return Ok(());
        }
        Fate::Portal => {
            read_request_head(&mut client).await?;
            let served = counts.portal_pages.fetch_add(1, Ordering::Relaxed);
            let page = "<html><body>Sign in to the free Wi-Fi</body></html>";
            let answer = if served.is_multiple_of(2) {
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                    page.len()
                )
            } else {
                "HTTP/1.1 302 Found\r\nlocation: http://portal.example/login\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    .to_string()
            };
            client.write_all(answer.as_bytes()).await?;
            return Ok(());
        }
        Fate::TooMany => {
            read_request_head(&mut client).await?;
            counts.too_many.fetch_add(1, Ordering::Relaxed);
            client
                .write_all(
                    b"HTTP/1.1 429 Too Many Requests\r\nretry-after: 1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await?;
            return Ok(());
        }
        Fate::Error500 => {
            read_request_head(&mut client).await?;
            counts.errors_500.fetch_add(1, Ordering::Relaxed);
            client
                .write_all(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await?;
            return Ok(());
        }
        _ => {}
    }
    let server = TcpStream::connect(upstream).await?;
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upload = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
        let _ = server_write.shutdown().await;
    });
    let mut buffer = vec![0u8; 16 * 1024];
    match fate {
        Fate::DropAfterCommit => {
            // The first byte of the answer means the hub has finished (and committed) the write.
            let _ = server_read.read(&mut buffer).await?;
            counts.dropped_after_commit.fetch_add(1, Ordering::Relaxed);
            upload.abort();
            return Ok(());
        }
        Fate::Slow => {
            counts.slowed.fetch_add(1, Ordering::Relaxed);
            loop {
                let read = server_read.read(&mut buffer).await?;
                if read == 0 {
                    break;
                }
                for piece in buffer[..read].chunks(8) {
                    tokio::time::sleep(faults.slow_pause).await;
                    client_write.write_all(piece).await?;
                }
            }
        }
        Fate::Cut => {
            counts.cut.fetch_add(1, Ordering::Relaxed);
            let mut left = faults.cut_answer_after.unwrap_or(0);
            while left > 0 {
                let read = server_read.read(&mut buffer).await?;
                if read == 0 {
                    break;
                }
                let pass = read.min(left);
                client_write.write_all(&buffer[..pass]).await?;
                left -= pass;
            }
            upload.abort();
            return Ok(());
        }
        _ => {
            tokio::io::copy(&mut server_read, &mut client_write).await?;
        }
    }
    let _ = client_write.shutdown().await;
    upload.abort();
    Ok(())
}

/// Reads until the end of the request's header block (or the connection's end).
async fn read_request_head(client: &mut TcpStream) -> std::io::Result<()> {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    while !seen.windows(4).any(|window| window == b"\r\n\r\n") && seen.len() < 64 * 1024 {
        let read = client.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        seen.extend_from_slice(&buffer[..read]);
    }
    Ok(())
}
