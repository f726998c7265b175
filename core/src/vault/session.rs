//! An unlocked profile: its open database, its data key, and the auto-lock clock.
//!
//! Every call first applies the auto-lock: if the profile has been idle longer than its idle
//! time (measured on the monotonic clock), the keys are dropped and the call fails with
//! [`Error::Locked`]. The shells call [`Session::touch`] on user activity.

use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::pin::Pin;
use crate::runtime;
#[cfg(feature = "test-support")]
use crate::secret::SecretKey;
use crate::store::{profile, settings};
use crate::vault::keyslots::{ProfileId, SlotContent};
use crate::vault::{ProfileSummary, Vault};

pub const DEFAULT_AUTO_LOCK_SECS: u32 = 300;
pub const MIN_AUTO_LOCK_SECS: u32 = 15;
pub const MAX_AUTO_LOCK_SECS: u32 = 24 * 3600;
const AUTO_LOCK_META_KEY: &str = "auto_lock_secs";

/// An unlocked profile. Cheap to clone; every clone shares one lock state.
#[derive(Clone)]
pub struct Session {
    inner: Arc<SessionInner>,
}

struct SessionInner {
    vault: Vault,
    summary: ProfileSummary,
    state: Mutex<State>,
}

struct State {
    open: Option<OpenProfile>,
    last_activity: Instant,
    auto_lock: Duration,
}

/// What `lock` drops. No `Debug`: it holds the data key.
struct OpenProfile {
    connection: Connection,
    slot_index: u16,
    slot: SlotContent,
}

impl Session {
    pub(crate) fn new(
        vault: Vault,
        summary: ProfileSummary,
        connection: Connection,
        slot_index: u16,
        slot: SlotContent,
    ) -> Result<Session> {
        let auto_lock_secs = match profile::meta_get(&connection, AUTO_LOCK_META_KEY)? {
            Some(bytes) if bytes.len() == 4 => u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
                .clamp(MIN_AUTO_LOCK_SECS, MAX_AUTO_LOCK_SECS),
            _ => DEFAULT_AUTO_LOCK_SECS,
        };
        let now = vault.clock().monotonic_now();
        Ok(Session {
            inner: Arc::new(SessionInner {
                vault,
                summary,
                state: Mutex::new(State {
                    open: Some(OpenProfile {
                        connection,
                        slot_index,
                        slot,
                    }),
                    last_activity: now,
                    auto_lock: Duration::from_secs(auto_lock_secs as u64),
                }),
            }),
        })
    }

    /// The vault this session was opened from.
    pub fn vault(&self) -> &Vault {
        &self.inner.vault
    }

    /// Which profile this is. Available after locking too.
    pub fn profile(&self) -> &ProfileSummary {
        &self.inner.summary
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Drops the keys and closes the database. Idempotent.
    pub fn lock(&self) {
        self.state().open = None;
    }

    /// Whether the profile is locked (applying the auto-lock first).
    pub fn is_locked(&self) -> bool {
        let mut state = self.state();
        self.apply_auto_lock(&mut state);
        state.open.is_none()
    }

    /// Records user activity, postponing the auto-lock.
    pub fn touch(&self) -> Result<()> {
        self.with_open(|_| Ok(()))
    }

    fn apply_auto_lock(&self, state: &mut State) {
        let now = self.inner.vault.clock().monotonic_now();
        if state.open.is_some() && now.saturating_duration_since(state.last_activity) >= state.auto_lock {
            state.open = None;
        }
    }

    /// Runs `work` on the open profile, after applying the auto-lock; counts as activity.
    fn with_open<T>(&self, work: impl FnOnce(&mut OpenProfile) -> Result<T>) -> Result<T> {
        let mut state = self.state();
        self.apply_auto_lock(&mut state);
        state.last_activity = self.inner.vault.clock().monotonic_now();
        let open = state.open.as_mut().ok_or(Error::Locked)?;
        work(open)
    }

    pub fn setting_set(&self, key: &str, value: &str) -> Result<()> {
        let now = self.inner.vault.clock().now_unix_secs();
        self.with_open(|open| settings::set(&open.connection, key, value, now))
    }

    pub fn setting_get(&self, key: &str) -> Result<Option<String>> {
        self.with_open(|open| settings::get(&open.connection, key))
    }

    pub fn setting_delete(&self, key: &str) -> Result<bool> {
        self.with_open(|open| settings::delete(&open.connection, key))
    }

    pub fn setting_keys(&self) -> Result<Vec<String>> {
        self.with_open(|open| settings::keys(&open.connection))
    }

    pub fn setting_count(&self) -> Result<u64> {
        self.with_open(|open| settings::count(&open.connection))
    }

    /// Runs several settings writes in one transaction (one flush to disk).
    pub fn settings_set_many(&self, entries: &[(String, String)]) -> Result<()> {
        let now = self.inner.vault.clock().now_unix_secs();
        self.with_open(|open| {
            let transaction = open.connection.transaction()?;
            for (key, value) in entries {
                settings::set(&transaction, key, value, now)?;
            }
            transaction.commit()?;
            Ok(())
        })
    }

    pub fn auto_lock_secs(&self) -> Result<u32> {
        self.with_open(|_| Ok(()))?;
        Ok(self.state().auto_lock.as_secs() as u32)
    }

    pub fn set_auto_lock_secs(&self, seconds: u32) -> Result<()> {
        if !(MIN_AUTO_LOCK_SECS..=MAX_AUTO_LOCK_SECS).contains(&seconds) {
            return Err(Error::invalid(
                "auto_lock_secs",
                format!("choose between {MIN_AUTO_LOCK_SECS} and {MAX_AUTO_LOCK_SECS} seconds"),
            ));
        }
        self.with_open(|open| profile::meta_set(&open.connection, AUTO_LOCK_META_KEY, &seconds.to_be_bytes()))?;
        self.state().auto_lock = Duration::from_secs(seconds as u64);
        Ok(())
    }

    /// Changes this profile's PIN: re-wraps the data key; the database is not rewritten.
    /// `current_pin` is checked as a counted attempt.
    pub async fn change_pin(&self, current_pin: Pin, new_pin: Pin) -> Result<()> {
        let (index, profile) = self.with_open(|open| Ok((open.slot_index, open.slot.profile)))?;
        let vault = self.inner.vault.clone();
        runtime::run_blocking(move || vault.change_pin_blocking(index, profile, &current_pin, &new_pin)).await
    }

    /// The person's client code (a personal profile has exactly one; an educator's has none).
    pub fn client_code(&self) -> Result<Option<crate::codes::ClientCode>> {
        self.with_open(|open| crate::codes::load_client_code(&open.connection))
    }

    /// Replaces the code made at setup with the one on the person's clinic card, so that the
    /// person is never counted twice. Personal profiles only.
    pub fn adopt_client_code(&self, code: &crate::codes::ClientCode) -> Result<()> {
        if self.profile().role != crate::vault::ProfileRole::Personal {
            return Err(Error::invalid("code", "only a phone's profile has a client code"));
        }
        self.with_open(|open| crate::codes::store_client_code(&open.connection, code))
    }

    /// Whether this is the decoy profile (opened by the duress PIN). Only the core asks, to show
    /// the decoy what a phone on which nothing was ever installed would show.
    pub(crate) fn is_decoy(&self) -> Result<bool> {
        self.with_open(|open| Ok(open.slot.role == super::keyslots::SlotRole::Decoy))
    }

    /// Runs `work` with the profile's connection (capabilities inside the core).
    pub(crate) fn with_connection<T>(&self, work: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.with_open(|open| work(&open.connection))
    }

    /// Sets (or replaces) the duress PIN: typed instead of the PIN, it opens the decoy profile,
    /// and with `erase_on_duress` crypto-erases this profile at the same moment. Only a phone's
    /// own profile can do this; `current_pin` is checked as a counted attempt.
    pub async fn set_duress_pin(&self, current_pin: Pin, duress_pin: Pin, erase_on_duress: bool) -> Result<()> {
        self.change_duress(current_pin, Some((duress_pin, erase_on_duress)))
            .await
    }

    /// Removes the duress PIN (its slot becomes random bytes again).
    pub async fn clear_duress_pin(&self, current_pin: Pin) -> Result<()> {
        self.change_duress(current_pin, None).await
    }

    /// Whether a duress PIN is set (known only inside the person's own profile).
    pub fn has_duress_pin(&self) -> Result<bool> {
        self.with_open(|open| Ok(open.slot.companion_slot.is_some()))
    }

    async fn change_duress(&self, current_pin: Pin, duress: Option<(Pin, bool)>) -> Result<()> {
        let (index, profile) = self.with_open(|open| Ok((open.slot_index, open.slot.profile)))?;
        let vault = self.inner.vault.clone();
        let decoy_slot = runtime::run_blocking(move || {
            let duress = duress.as_ref().map(|(pin, erase)| (pin, *erase));
            vault.set_duress_pin_blocking(index, profile, &current_pin, duress)
        })
        .await?;
        self.with_open(|open| {
            open.slot.companion_slot = decoy_slot;
            Ok(())
        })
    }

    /// Switches the wipe after `limit` consecutive failed attempts on (`Some`) or off (`None`).
    pub fn set_wipe_after_failures(&self, limit: Option<u32>) -> Result<()> {
        self.with_open(|_| Ok(()))?;
        self.inner.vault.set_wipe_after_failures(limit)
    }

    pub fn wipe_after_failures(&self) -> Result<Option<u32>> {
        self.with_open(|_| Ok(()))?;
        self.inner.vault.wipe_after_failures()
    }

    /// The schema version of the profile's database.
    pub fn schema_version(&self) -> Result<u32> {
        self.with_open(|open| Ok(open.connection.query_row("PRAGMA user_version", [], |row| row.get(0))?))
    }

    /// The id of the profile's companion (on a personal phone, the person's profile knows the
    /// decoy); used by the disguise capability.
    pub fn companion_id(&self) -> Result<Option<ProfileId>> {
        self.with_open(|open| Ok(open.slot.companion.as_ref().map(|(id, _)| *id)))
    }

    /// The database path and a copy of its key, for the decrypted-page scanner of the tests.
    #[cfg(feature = "test-support")]
    pub fn testing_database(&self) -> Result<(std::path::PathBuf, SecretKey)> {
        self.with_open(|open| {
            Ok((
                self.inner.vault.profile_database_path(&open.slot.profile),
                open.slot.data_key.duplicate(),
            ))
        })
    }

    /// Runs `work` with the profile's connection (for tests).
    #[cfg(feature = "test-support")]
    pub fn testing_with_connection<T>(&self, work: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.with_connection(work)
    }
}

/// A weak reference the vault keeps to each session, so that quick exit can lock them all.
pub(crate) struct SessionHandle(Weak<SessionInner>);

impl SessionHandle {
    pub(crate) fn lock(&self) {
        if let Some(inner) = self.0.upgrade() {
            Session { inner }.lock();
        }
    }

    pub(crate) fn is_alive(&self) -> bool {
        self.0.strong_count() > 0
    }
}

impl Session {
    pub(crate) fn handle(&self) -> SessionHandle {
        SessionHandle(Arc::downgrade(&self.inner))
    }
}
