//! What the host gives the core: a device-bound key strengthener and a clock.
//!
//! The phone shells implement [`KeyStrengthener`] with hardware-backed keys (an Android Keystore
//! HMAC key; on iOS a secret derived by ECDH with a Secure Enclave key). The CLI and the tests use
//! [`SoftwareKeyStrengthener`], keyed by a random device-secret file: it binds nothing to the
//! hardware, so a copy of the data directory can be attacked offline at the cost of Argon2 alone.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use ring::hmac;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::files;
use crate::secret::random_array;

/// Binds a secret to this device. Must be deterministic for the life of the installation: the
/// same input always gives the same output. Implementations keep their key in the platform
/// keystore and never export it. The output must be between 16 and 1024 bytes.
///
/// The core calls it with domain-separated inputs (see [`crate::kdf`]): once per PIN attempt
/// with the Argon2id output, and with fixed labels to derive the device-store key.
pub trait KeyStrengthener: Send + Sync {
    fn strengthen(&self, input: &[u8]) -> Result<Zeroizing<Vec<u8>>>;

    /// Destroys the device key and starts a fresh one (quick delete and the wipe call this):
    /// whatever a flash chip keeps of the old key slots can then never be opened, even with the
    /// PIN. Called only when everything on the device is erased.
    fn forget(&self) -> Result<()>;
}

/// A software strengthener: HMAC-SHA256 keyed by a 32-byte random file. For the CLI and tests.
pub struct SoftwareKeyStrengthener {
    path: PathBuf,
    key: std::sync::Mutex<hmac::Key>,
}

impl SoftwareKeyStrengthener {
    /// The file name the CLI uses inside a data directory.
    pub const FILE_NAME: &'static str = "device.secret";

    /// Opens the device-secret file at `path`, creating it (and its directory) if missing.
    pub fn open_or_create(path: &Path) -> Result<Self> {
        let secret = match std::fs::read(path) {
            Ok(bytes) => Zeroizing::new(bytes),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                if let Some(parent) = path.parent() {
                    files::create_private_dir(parent)?;
                }
                let fresh = Zeroizing::new(random_array::<32>()?.to_vec());
                files::write_atomically(path, &fresh)?;
                fresh
            }
            Err(error) => return Err(error.into()),
        };
        if secret.len() != 32 {
            return Err(Error::KeyFileDamaged("the device secret has the wrong length".into()));
        }
        Ok(SoftwareKeyStrengthener {
            path: path.to_path_buf(),
            key: std::sync::Mutex::new(hmac::Key::new(hmac::HMAC_SHA256, &secret)),
        })
    }

    pub fn in_data_dir(data_dir: &Path) -> Result<Self> {
        Self::open_or_create(&Self::path_in(data_dir))
    }

    pub fn path_in(data_dir: &Path) -> PathBuf {
        data_dir.join(Self::FILE_NAME)
    }
}

impl KeyStrengthener for SoftwareKeyStrengthener {
    fn strengthen(&self, input: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let key = self.key.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(Zeroizing::new(hmac::sign(&key, input).as_ref().to_vec()))
    }

    fn forget(&self) -> Result<()> {
        let fresh = Zeroizing::new(random_array::<32>()?.to_vec());
        let mut key = self.key.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(parent) = self.path.parent() {
            if parent.is_dir() {
                files::write_atomically(&self.path, &fresh)?;
            }
        }
        *key = hmac::Key::new(hmac::HMAC_SHA256, &fresh);
        Ok(())
    }
}

/// Time as the core needs it: wall-clock seconds for what must survive a restart (the attempt
/// delay) and a monotonic instant for what happens within one process (auto-lock).
pub trait Clock: Send + Sync {
    fn now_unix_secs(&self) -> i64;
    fn monotonic_now(&self) -> Instant;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix_secs(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => since.as_secs() as i64,
            Err(before) => -(before.duration().as_secs() as i64),
        }
    }

    fn monotonic_now(&self) -> Instant {
        Instant::now()
    }
}
