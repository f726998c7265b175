//! Test support for this workspace's tests (feature `test-support`): a controllable clock, a
//! fast vault, and the decrypted-page scanner.
//!
//! [`scan_decrypted`] opens a profile database's files *with* its key and decrypts every page
//! itself, in the main file and in the WAL, used and free pages alike, so that a test can prove
//! that something deleted is really gone (SQLCipher hides everything from a search of the raw
//! files, so a raw search alone proves nothing about deletion). It follows SQLCipher 4's page
//! layout: AES-256-CBC over each page, with the page's 16-byte IV and 64-byte HMAC in its last
//! 80 bytes, and the file's salt in place of page 1's first 16 bytes. The raw key is the AES key.

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aes::cipher::{BlockDecryptMut, KeyIvInit};

use crate::error::Result;
use crate::platform::{Clock, KeyStrengthener, SoftwareKeyStrengthener};
use crate::secret::SecretKey;
use crate::vault::{Vault, VaultOptions};

/// A clock whose wall time and monotonic time tests move by hand.
pub struct ManualClock {
    start: Instant,
    wall_unix: AtomicI64,
    monotonic_offset_ms: AtomicI64,
}

impl ManualClock {
    pub fn new(wall_unix: i64) -> Arc<Self> {
        Arc::new(ManualClock {
            start: Instant::now(),
            wall_unix: AtomicI64::new(wall_unix),
            monotonic_offset_ms: AtomicI64::new(0),
        })
    }

    pub fn set_wall(&self, unix: i64) {
        self.wall_unix.store(unix, Ordering::SeqCst);
    }

    /// Moves both clocks forward.
    pub fn advance(&self, by: Duration) {
        self.wall_unix.fetch_add(by.as_secs() as i64, Ordering::SeqCst);
        self.monotonic_offset_ms
            .fetch_add(by.as_millis() as i64, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_unix_secs(&self) -> i64 {
        self.wall_unix.load(Ordering::SeqCst)
    }

    fn monotonic_now(&self) -> Instant {
        self.start + Duration::from_millis(self.monotonic_offset_ms.load(Ordering::SeqCst) as u64)
    }
}

/// A vault in `dir` with the software strengthener and fast, insecure KDF parameters.
pub fn fast_vault(dir: &Path, clock: Arc<ManualClock>) -> Result<Vault> {
    let strengthener: Arc<dyn KeyStrengthener> = Arc::new(SoftwareKeyStrengthener::in_data_dir(dir)?);
    Vault::open(dir, strengthener, VaultOptions::testing_insecure(clock))
}

pub const PAGE_SIZE: usize = 4096;
const RESERVE: usize = 80;
const IV_LEN: usize = 16;
const WAL_HEADER_LEN: usize = 32;
const WAL_FRAME_HEADER_LEN: usize = 24;

/// Every decrypted page of a database and its WAL, free pages included.
pub struct DecryptedPages {
    pub pages: Vec<Vec<u8>>,
}

impl DecryptedPages {
    pub fn contains(&self, needle: &[u8]) -> bool {
        !needle.is_empty()
            && self
                .pages
                .iter()
                .any(|page| page.windows(needle.len()).any(|window| window == needle))
    }
}

/// Decrypts every page of `database` and of `database-wal` (if present) with `key`.
pub fn scan_decrypted(database: &Path, key: &SecretKey) -> std::io::Result<DecryptedPages> {
    let mut pages = Vec::new();
    let main = std::fs::read(database)?;
    for (index, page) in main.chunks(PAGE_SIZE).enumerate() {
        if page.len() == PAGE_SIZE {
            pages.push(decrypt_page(page, index == 0, key));
        }
    }
    let wal_path = database.with_file_name(format!(
        "{}-wal",
        database.file_name().and_then(|name| name.to_str()).unwrap_or_default()
    ));
    if let Ok(wal) = std::fs::read(&wal_path) {
        let mut offset = WAL_HEADER_LEN;
        while offset + WAL_FRAME_HEADER_LEN + PAGE_SIZE <= wal.len() {
            let page_number = u32::from_be_bytes(wal[offset..offset + 4].try_into().expect("4 bytes"));
            let page = &wal[offset + WAL_FRAME_HEADER_LEN..offset + WAL_FRAME_HEADER_LEN + PAGE_SIZE];
            pages.push(decrypt_page(page, page_number == 1, key));
            offset += WAL_FRAME_HEADER_LEN + PAGE_SIZE;
        }
    }
    Ok(DecryptedPages { pages })
}

fn decrypt_page(page: &[u8], first: bool, key: &SecretKey) -> Vec<u8> {
    let start = if first { 16 } else { 0 };
    let iv = &page[PAGE_SIZE - RESERVE..PAGE_SIZE - RESERVE + IV_LEN];
    let mut body = page[start..PAGE_SIZE - RESERVE].to_vec();
    let decryptor = cbc::Decryptor::<aes::Aes256>::new(key.expose().into(), iv.into());
    match decryptor.decrypt_padded_mut::<aes::cipher::block_padding::NoPadding>(&mut body) {
        Ok(plain) => plain.to_vec(),
        Err(_) => Vec::new(),
    }
}

/// Searches every byte of every file under `dir` for `needle` in the encodings a forensic
/// search would try: UTF-8, UTF-16 (both byte orders), upper and lower case, hex and base64.
pub fn raw_files_contain(dir: &Path, needle: &str) -> std::io::Result<Vec<String>> {
    let forms = encodings_of(needle);
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        for entry in std::fs::read_dir(&path)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                stack.push(entry.path());
                continue;
            }
            let bytes = std::fs::read(entry.path())?;
            for (label, form) in &forms {
                if !form.is_empty() && bytes.windows(form.len()).any(|window| window == form.as_slice()) {
                    hits.push(format!("{} ({label})", entry.path().display()));
                }
            }
        }
    }
    Ok(hits)
}

fn encodings_of(text: &str) -> Vec<(&'static str, Vec<u8>)> {
    let utf16 = |big_endian: bool| -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|unit| {
                if big_endian {
                    unit.to_be_bytes()
                } else {
                    unit.to_le_bytes()
                }
            })
            .collect()
    };
    vec![
        ("utf-8", text.as_bytes().to_vec()),
        ("upper case", text.to_uppercase().into_bytes()),
        ("lower case", text.to_lowercase().into_bytes()),
        ("utf-16le", utf16(false)),
        ("utf-16be", utf16(true)),
        ("hex", hex::encode(text).into_bytes()),
        ("HEX", hex::encode_upper(text).into_bytes()),
        ("base64", base64_standard(text.as_bytes()).into_bytes()),
    ]
}

fn base64_standard(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        let symbols = chunk.len() + 1;
        for i in 0..symbols {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    // The unpadded form: a marker inside a longer base64 text may sit at any padding.
    out
}

static CRASH_COUNTDOWN: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Arms the crash points: the `n`-th one reached (counting from 1) kills this process with
/// SIGKILL. For the crash-safety tests' child processes only.
pub fn arm_crash_after(n: u32) {
    CRASH_COUNTDOWN.store(n, Ordering::SeqCst);
}

/// Called by the core's crash points (see `crash_point!`).
pub fn crash_point(_name: &str) {
    let remaining = CRASH_COUNTDOWN.load(Ordering::SeqCst);
    if remaining == 0 {
        return;
    }
    if remaining == 1 {
        let _ = std::process::Command::new("kill")
            .args(["-9", &std::process::id().to_string()])
            .status();
        loop {
            std::thread::sleep(Duration::from_secs(1));
        }
    }
    CRASH_COUNTDOWN.store(remaining - 1, Ordering::SeqCst);
}

/// Puts a safety document (sites, team keys) into the device's content store without any
/// signature, as if an update had installed it. Tests and benchmarks only.
pub fn install_safety_unverified(vault: &Vault, safety: &crate::content::metadata::Safety) -> Result<()> {
    let envelope = crate::content::metadata::Envelope {
        payload: serde_json::to_vec(safety).map_err(|_| crate::Error::Internal("safety encoding".into()))?,
        signatures: Vec::new(),
    };
    let bytes = serde_json::to_vec(&envelope).map_err(|_| crate::Error::Internal("envelope encoding".into()))?;
    let store = vault.content_store()?;
    store.connection().execute(
        "INSERT OR REPLACE INTO trusted (name, bytes) VALUES ('safety', ?1)",
        [bytes],
    )?;
    Ok(())
}
