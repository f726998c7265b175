//! The disguise: a working calculator that opens the app only with the PIN.
//!
//! [`Disguise::press`] drives the [`calculator`] key by key and returns what to draw at once. When
//! the key is `=` and everything typed since the last fresh start is a bare number of at least
//! six digits (see [`calculator::Calculator::bare_digits`]), that number is also tried as a PIN,
//! in the background: the display shows the number, as any calculator would, and the returned
//! [`UnlockAttempt`] yields the unlocked profile or nothing. A wrong number counts as a failed
//! attempt, silently; while the attempt delay runs, no attempt is made at all. Nothing the
//! disguise returns ever hints that a PIN exists. It makes no network call.
//!
//! [`cover`] holds the cover profiles: the app label, icon, history and notification wording.

pub mod calculator;
pub mod cover;

use std::sync::Mutex;

use tokio::sync::oneshot;
use zeroize::Zeroizing;

use crate::error::Result;
use crate::pin::{Pin, MIN_PIN_DIGITS};
use crate::runtime;
use crate::vault::{ProfileSelector, Session, Vault};

use calculator::{Calculator, ClearLabel, Key, NumberFormat};
use cover::Cover;

const DEVICE_NAMESPACE: &str = "disguise";
const COVER_KEY: &str = "cover";

/// The calculator disguise over a data directory.
pub struct Disguise {
    vault: Option<Vault>,
    calculator: Mutex<Calculator>,
}

/// What one key press gives the shell.
pub struct KeyPress {
    /// The text to draw.
    pub display: String,
    /// What the clear key shows ("AC" or "C").
    pub clear_label: ClearLabel,
    /// Present when the press was a PIN attempt; nothing on screen says so.
    pub attempt: Option<UnlockAttempt>,
}

/// A PIN attempt running in the background. It runs to its end even if this is dropped.
pub struct UnlockAttempt {
    outcome: Mutex<Option<oneshot::Receiver<Option<Session>>>>,
}

impl UnlockAttempt {
    /// The unlocked profile, or `None` (wrong PIN, waiting, or any failure: the disguise shows
    /// nothing different either way). Later calls return `None`.
    pub async fn outcome(&self) -> Option<Session> {
        let receiver = self
            .outcome
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()?;
        receiver.await.ok().flatten()
    }
}

impl Disguise {
    pub fn new(vault: Vault, format: NumberFormat) -> Disguise {
        Disguise {
            vault: Some(vault),
            calculator: Mutex::new(Calculator::with_format(format)),
        }
    }

    /// A calculator with nothing behind it (a device with no profile yet).
    pub fn calculator_only(format: NumberFormat) -> Disguise {
        Disguise {
            vault: None,
            calculator: Mutex::new(Calculator::with_format(format)),
        }
    }

    pub fn display(&self) -> String {
        self.calculator().display()
    }

    fn calculator(&self) -> std::sync::MutexGuard<'_, Calculator> {
        self.calculator.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Applies one key and returns at once.
    pub fn press(&self, key: Key) -> KeyPress {
        let mut calculator = self.calculator();
        let candidate = match key {
            Key::Equals => calculator
                .bare_digits()
                .filter(|digits| digits.len() >= MIN_PIN_DIGITS)
                .map(|digits| Zeroizing::new(digits.to_string())),
            _ => None,
        };
        let display = calculator.press(key);
        let clear_label = calculator.clear_label();
        drop(calculator);
        let attempt = candidate.and_then(|digits| self.try_pin(digits.as_str()));
        KeyPress {
            display,
            clear_label,
            attempt,
        }
    }

    fn try_pin(&self, digits: &str) -> Option<UnlockAttempt> {
        let vault = self.vault.clone()?;
        // While the delay runs, the number is only a number: no attempt, nothing counted.
        if vault.retry_after_secs().ok()? > 0 {
            return None;
        }
        let pin = Pin::normalise(digits).ok()?;
        let (sender, receiver) = oneshot::channel();
        runtime::handle().spawn(async move {
            let session = vault.unlock(pin, ProfileSelector::Any).await.ok();
            let _ = sender.send(session);
        });
        Some(UnlockAttempt {
            outcome: Mutex::new(Some(receiver)),
        })
    }
}

/// The cover this device shows (readable without the PIN, from the device store).
pub fn current_cover(vault: &Vault) -> Result<Cover> {
    match vault.device_store() {
        Ok(store) => cover_in(&store),
        Err(crate::Error::NotSetUp) => cover::find(cover::DEFAULT_COVER),
        Err(error) => Err(error),
    }
}

/// The cover chosen in an open device store.
pub fn cover_in(store: &crate::store::device::DeviceStore) -> Result<Cover> {
    let chosen = store.get(DEVICE_NAMESPACE, COVER_KEY)?;
    match chosen.and_then(|bytes| String::from_utf8(bytes).ok()) {
        Some(id) => cover::find(&id).or_else(|_| cover::find(cover::DEFAULT_COVER)),
        None => cover::find(cover::DEFAULT_COVER),
    }
}

/// Chooses the cover (from an unlocked profile).
pub fn choose_cover(session: &Session, id: &str) -> Result<()> {
    let chosen = cover::find(id)?;
    session.touch()?;
    session
        .vault()
        .device_store()?
        .put(DEVICE_NAMESPACE, COVER_KEY, chosen.id.as_bytes())
}
