//! The vault: a data directory's profiles, their keys, unlocking and locking.
//!
//! ```text
//! DATA_DIR/
//!   keyslots            header (KDF parameters, salt) + 16 fixed-size slots + public listing
//!   attempts            the failed-attempt counter, flushed before every KDF run
//!   device.db           the device store (SQLCipher, keyed through the host keystore, no PIN)
//!   content.db          the installed content, once per device (SQLCipher, keyed the same way)
//!   profiles/<id>.db    one SQLCipher database per profile (with -wal and -shm beside it)
//!   .lock               serialises changes between processes (the CLI runs one per command)
//! ```
//!
//! A personal phone always gets two profiles at setup, the person's and a decoy, so its files
//! look the same whether or not a duress PIN is ever set. A shared tablet gets one profile per
//! peer educator. Each unlock attempt runs the KDF once and tries every slot
//! ([`keyslots::KeySlotFile::open_all`]). Changing the PIN re-wraps the data key only.
//!
//! The vault never writes a PIN, a key or a profile's role outside an encrypted slot, and never
//! puts either in an error or a log.

pub mod attempts;
mod decoy;
pub mod keyslots;
pub mod listing;
mod session;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::codes::ClientCode;
use crate::error::{Error, Result};
use crate::files;
use crate::kdf::{AttemptKey, KdfParams, KdfPolicy};
use crate::pin::Pin;
use crate::platform::{Clock, KeyStrengthener, SystemClock};
use crate::runtime;
use crate::secret::SecretKey;
use crate::store::device::DeviceStore;
use crate::store::{self, profile, OpenMode};

use attempts::{unix_to_u32, AttemptCounter, AttemptRecord, FREE_ATTEMPTS};
use keyslots::{KeySlotFile, SlotContent, SlotRole, SLOT_COUNT};
use listing::{check_display_name, ListedProfile};

pub use keyslots::ProfileId;
pub use listing::DirectoryKind;
pub use session::{Session, DEFAULT_AUTO_LOCK_SECS, MAX_AUTO_LOCK_SECS, MIN_AUTO_LOCK_SECS};

const KEYSLOTS_FILE: &str = "keyslots";
/// The key-slot file renamed at the start of an erase: its presence means "finish erasing".
const TOMBSTONE_FILE: &str = "keyslots.erasing";
/// Written at the first setup: only a directory that holds it is ever cleaned up, so pointing the
/// app at some other directory can never delete files there. Its name and content say nothing
/// about the app (a forensic copy of the directory shows them).
const MARKER_FILE: &str = ".data";
const MARKER_CONTENT: &[u8] = b"data directory 1\n";
/// The marker's name before it was made neutral (directories set up by earlier builds).
const LEGACY_MARKER_FILE: &str = ".corridor";
const PROFILES_DIR: &str = "profiles";
const LOCK_FILE: &str = ".lock";

/// The smallest and largest number of failures after which a wipe may be set to happen.
pub const MIN_WIPE_AFTER: u32 = 5;
pub const MAX_WIPE_AFTER: u32 = 100;

/// A profile's role as the shells see it. The decoy of a personal phone is also `Personal`:
/// nothing outside its slot tells it apart from the person's real profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileRole {
    Personal,
    Educator,
}

/// A profile as anyone holding the device may see it (no PIN needed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSummary {
    pub id: ProfileId,
    pub role: ProfileRole,
    /// An educator's display name; `None` on a personal phone.
    pub display_name: Option<String>,
}

/// What can be shown without the PIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultStatus {
    pub set_up: bool,
    pub kind: Option<DirectoryKind>,
    pub profiles: Vec<ProfileSummary>,
    pub failed_attempts: u32,
    pub retry_after_secs: u64,
    pub wipe_after_failures: Option<u32>,
}

/// Which profile an unlock attempt is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileSelector {
    /// A personal phone: the PIN alone decides.
    Any,
    /// A shared tablet: the educator picked their profile first.
    Id(ProfileId),
}

/// How a vault is built. `Default` is production.
#[derive(Clone)]
pub struct VaultOptions {
    /// The range of KDF parameters accepted from a key file.
    pub kdf_policy: KdfPolicy,
    /// The parameters a new data directory gets.
    pub new_directory_kdf: KdfParams,
    pub clock: Arc<dyn Clock>,
}

impl Default for VaultOptions {
    fn default() -> Self {
        VaultOptions {
            kdf_policy: KdfPolicy::PRODUCTION,
            new_directory_kdf: KdfParams::PRODUCTION,
            clock: Arc::new(SystemClock),
        }
    }
}

#[cfg(feature = "test-support")]
impl VaultOptions {
    /// Fast, insecure KDF parameters for tests.
    pub fn testing_insecure(clock: Arc<dyn Clock>) -> Self {
        VaultOptions {
            kdf_policy: KdfPolicy::TESTING_INSECURE,
            new_directory_kdf: KdfParams::TESTING_INSECURE,
            clock,
        }
    }
}

/// A data directory and the host services it needs. Cheap to clone.
#[derive(Clone)]
pub struct Vault {
    inner: Arc<VaultInner>,
}

struct VaultInner {
    dir: PathBuf,
    strengthener: Arc<dyn KeyStrengthener>,
    options: VaultOptions,
    /// Serialises changes within this process; `.lock` does it between processes.
    changes: Mutex<()>,
    /// Every session opened through this vault, so that quick exit can lock them all.
    sessions: Mutex<Vec<session::SessionHandle>>,
    /// The host's notification scheduler, if the shell registered one.
    scheduler: Mutex<Option<Arc<dyn crate::reminders::plan::NotificationScheduler>>>,
}

/// The result of one PIN attempt that opened a slot.
struct Opened {
    index: u16,
    content: SlotContent,
}

impl Vault {
    /// Opens a data directory. Creates nothing; finishes an interrupted setup or wipe (removes
    /// profile databases that no key slot refers to).
    pub fn open(
        dir: impl Into<PathBuf>,
        strengthener: Arc<dyn KeyStrengthener>,
        options: VaultOptions,
    ) -> Result<Vault> {
        let vault = Vault {
            inner: Arc::new(VaultInner {
                dir: dir.into(),
                strengthener,
                options,
                changes: Mutex::new(()),
                sessions: Mutex::new(Vec::new()),
                scheduler: Mutex::new(None),
            }),
        };
        if vault.inner.dir.is_dir() {
            vault.with_change_lock(|| {
                vault.finish_interrupted_erase()?;
                vault.remove_unreferenced_files()
            })?;
        }
        Ok(vault)
    }

    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    pub(crate) fn clock(&self) -> &dyn Clock {
        self.inner.options.clock.as_ref()
    }

    /// The wall-clock time of this vault's clock (the tests' clock in tests).
    pub fn clock_now_unix(&self) -> i64 {
        self.inner.options.clock.now_unix_secs()
    }

    pub fn profile_database_path(&self, id: &ProfileId) -> PathBuf {
        self.inner.dir.join(PROFILES_DIR).join(format!("{}.db", id.to_hex()))
    }

    fn keyslots_path(&self) -> PathBuf {
        self.inner.dir.join(KEYSLOTS_FILE)
    }

    fn tombstone_path(&self) -> PathBuf {
        self.inner.dir.join(TOMBSTONE_FILE)
    }

    fn marker_path(&self) -> PathBuf {
        self.inner.dir.join(MARKER_FILE)
    }

    /// Finishes an erase that a crash interrupted after its commit point.
    fn finish_interrupted_erase(&self) -> Result<()> {
        if self.tombstone_path().exists() {
            self.finish_erase()?;
        }
        Ok(())
    }

    /// Whether `dir` holds Corridor data (set up, or an erase still to finish), without opening it.
    pub fn holds_data(dir: &Path) -> bool {
        dir.join(KEYSLOTS_FILE).is_file() || dir.join(TOMBSTONE_FILE).is_file()
    }

    fn counter(&self) -> AttemptCounter {
        AttemptCounter::in_dir(&self.inner.dir)
    }

    /// Reads the key-slot file; `None` when the directory is not set up.
    fn read_keyslots(&self) -> Result<Option<KeySlotFile>> {
        match fs::read(self.keyslots_path()) {
            Ok(bytes) => Ok(Some(KeySlotFile::parse(&bytes, &self.inner.options.kdf_policy)?)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    fn write_keyslots(&self, file: &KeySlotFile) -> Result<()> {
        files::write_atomically(&self.keyslots_path(), &file.to_bytes()?)
    }

    /// Runs `change` holding both the in-process and the cross-process lock.
    fn with_change_lock<T>(&self, change: impl FnOnce() -> Result<T>) -> Result<T> {
        let _in_process = self
            .inner
            .changes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let lock_path = self.inner.dir.join(LOCK_FILE);
        let mut options = fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let lock_file = match options.open(&lock_path) {
            Ok(file) => Some(file),
            // A read-only directory can still be read (status, unlock without changes are refused
            // later with a clear error when they try to write).
            Err(error) if crate::error::storage_problem_of_io(&error) == crate::error::StorageProblem::ReadOnly => None,
            Err(error) => return Err(error.into()),
        };
        if let Some(file) = &lock_file {
            file.lock()?;
        }
        let outcome = change();
        if let Some(file) = &lock_file {
            let _ = file.unlock();
        }
        outcome
    }

    /// Profile databases whose id no listing names are what an interrupted setup or wipe left.
    fn remove_unreferenced_files(&self) -> Result<()> {
        if !self.marker_path().is_file() && !self.inner.dir.join(LEGACY_MARKER_FILE).is_file() {
            return Ok(());
        }
        let listed: Vec<String> = match self.read_keyslots() {
            Ok(Some(file)) => file.listing.profiles.iter().map(|profile| profile.id.clone()).collect(),
            Ok(None) => Vec::new(),
            // A damaged key file: touch nothing, the data may still be recoverable.
            Err(_) => return Ok(()),
        };
        let profiles_dir = self.inner.dir.join(PROFILES_DIR);
        let entries = match fs::read_dir(&profiles_dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(error.into()),
        };
        let mut removed_any = false;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(id) = profile_id_of_file_name(&name) else {
                continue;
            };
            if !listed.iter().any(|listed_id| listed_id == id) {
                files::remove_if_present(&entry.path())?;
                removed_any = true;
            }
        }
        if listed.is_empty() {
            // The device store and the installed content go with the last profile: their
            // presence alone would say what the app is.
            for name in [
                store::device::FILE_NAME,
                "device.db-wal",
                "device.db-shm",
                crate::content::store::FILE_NAME,
                "content.db-wal",
                "content.db-shm",
                crate::content::install::LOCK_FILE,
            ] {
                files::remove_if_present(&self.inner.dir.join(name))?;
            }
        }
        if removed_any {
            files::sync_dir(&profiles_dir)?;
        }
        Ok(())
    }

    /// What anyone holding the device may see.
    pub fn status(&self) -> Result<VaultStatus> {
        let file = self.read_keyslots()?;
        let now = self.clock().now_unix_secs();
        let record = if file.is_some() {
            self.counter().read(true)?
        } else {
            AttemptRecord::default()
        };
        let wipe_after_failures = (record.wipe_after > 0).then_some(record.wipe_after as u32);
        Ok(VaultStatus {
            set_up: file.is_some(),
            kind: file.as_ref().and_then(|file| file.listing.kind()),
            profiles: file.as_ref().map(|file| summaries(&file.listing)).unwrap_or_default(),
            failed_attempts: record.failures,
            retry_after_secs: record.retry_after_secs(now),
            wipe_after_failures,
        })
    }

    /// The profiles on this device (no PIN needed): a personal phone lists two, with no way to
    /// tell the person's from the decoy; a tablet lists its educators by display name.
    pub fn profiles(&self) -> Result<Vec<ProfileSummary>> {
        Ok(self
            .read_keyslots()?
            .map(|file| summaries(&file.listing))
            .unwrap_or_default())
    }

    /// Finds an educator's profile by the display name they chose.
    pub fn find_educator(&self, display_name: &str) -> Result<ProfileId> {
        let file = self.read_keyslots()?.ok_or(Error::NotSetUp)?;
        let entry = file.listing.find_by_name(display_name).ok_or(Error::ProfileNotFound)?;
        ProfileId::parse(&entry.id)
    }

    /// Sets up a personal phone: the person's profile, opened by `pin`, and a decoy profile.
    /// Sets up a personal phone: the person's profile, opened by `pin`, with a fresh client code
    /// or the one already printed on the person's clinic card (so nobody is counted twice), and a
    /// decoy profile.
    pub async fn setup_personal(&self, pin: Pin, existing_code: Option<ClientCode>) -> Result<Session> {
        let vault = self.clone();
        runtime::run_blocking(move || vault.setup_personal_blocking(&pin, existing_code, |_| Ok(()))).await
    }

    /// Like [`Vault::setup_personal`], with `fill` run on the person's new database *before* the
    /// key-slot file commits the setup: a crash during `fill` leaves no profile at all (restore
    /// uses it, so a half-restored phone cannot exist).
    pub(crate) async fn setup_personal_filled(
        &self,
        pin: Pin,
        existing_code: Option<ClientCode>,
        fill: impl FnOnce(&rusqlite::Connection) -> Result<()> + Send + 'static,
    ) -> Result<Session> {
        let vault = self.clone();
        runtime::run_blocking(move || vault.setup_personal_blocking(&pin, existing_code, fill)).await
    }

    /// Adds a peer educator's profile to a shared tablet (creating the tablet's directory).
    pub async fn setup_educator(&self, display_name: String, pin: Pin) -> Result<Session> {
        let vault = self.clone();
        runtime::run_blocking(move || vault.setup_educator_blocking(&display_name, &pin)).await
    }

    /// One unlock attempt. Counts against the attempt limit before the KDF runs.
    pub async fn unlock(&self, pin: Pin, selector: ProfileSelector) -> Result<Session> {
        let vault = self.clone();
        runtime::run_blocking(move || vault.unlock_blocking(&pin, &selector)).await
    }

    fn setup_personal_blocking(
        &self,
        pin: &Pin,
        existing_code: Option<ClientCode>,
        fill: impl FnOnce(&rusqlite::Connection) -> Result<()>,
    ) -> Result<Session> {
        crate::pin::check_policy(pin)?;
        files::create_private_dir(&self.inner.dir)?;
        self.with_change_lock(|| {
            if self.read_keyslots()?.is_some() {
                return Err(Error::AlreadySetUp("this device already has a profile"));
            }
            self.finish_interrupted_erase()?;
            files::write_atomically(&self.marker_path(), MARKER_CONTENT)?;
            self.remove_unreferenced_files()?;
            let mut file = KeySlotFile::new(&self.inner.options.new_directory_kdf)?;
            let person = (ProfileId::random()?, SecretKey::random()?);
            let decoy = (ProfileId::random()?, SecretKey::random()?);
            let code = match existing_code {
                Some(code) => code,
                None => ClientCode::generate()?,
            };
            let person_database = self.create_profile_database(&person.0, &person.1)?;
            crate::codes::store_client_code(&person_database, &code)?;
            fill(&person_database)?;
            drop(person_database);
            decoy::fill(
                &self.create_profile_database(&decoy.0, &decoy.1)?,
                self.clock().now_unix_secs(),
            )?;
            let attempt = self.derive(pin, &file, &[])?;
            let index = random_index()?;
            let content = SlotContent {
                role: SlotRole::Personal,
                profile: person.0,
                data_key: person.1.duplicate(),
                companion: Some((decoy.0, decoy.1.duplicate())),
                companion_slot: None,
                name: String::new(),
                erase_on_duress: false,
            };
            file.seal(index, &attempt.slot_key(index)?, &content)?;
            file.listing = listing::Listing::phone(person.0, decoy.0);
            // The device store exists on every set-up device, whatever it will hold.
            DeviceStore::open(&self.inner.dir, self.inner.strengthener.as_ref())?;
            self.counter().write(&AttemptRecord::default())?;
            // The key-slot file is the commit point: before it is written, the setup never was.
            self.write_keyslots(&file)?;
            self.session_for(Opened { index, content })
        })
    }

    fn setup_educator_blocking(&self, display_name: &str, pin: &Pin) -> Result<Session> {
        crate::pin::check_policy(pin)?;
        let name = check_display_name(display_name)?;
        files::create_private_dir(&self.inner.dir)?;
        self.with_change_lock(|| {
            let mut file = match self.read_keyslots()? {
                Some(file) => file,
                None => {
                    self.finish_interrupted_erase()?;
                    files::write_atomically(&self.marker_path(), MARKER_CONTENT)?;
                    self.remove_unreferenced_files()?;
                    KeySlotFile::new(&self.inner.options.new_directory_kdf)?
                }
            };
            if file.listing.kind() == Some(DirectoryKind::Personal) {
                return Err(Error::AlreadySetUp(
                    "this device is a personal phone, not a shared tablet",
                ));
            }
            if file.listing.find_by_name(&name).is_some() {
                return Err(Error::invalid(
                    "name",
                    "another educator on this tablet already uses that name",
                ));
            }
            let used: Vec<u16> = file
                .listing
                .profiles
                .iter()
                .filter_map(|profile| profile.slot)
                .collect();
            let index = (0..SLOT_COUNT as u16)
                .find(|index| !used.contains(index))
                .ok_or_else(|| Error::invalid("name", format!("this tablet holds at most {SLOT_COUNT} educators")))?;
            let id = ProfileId::random()?;
            let data_key = SecretKey::random()?;
            self.create_profile_database(&id, &data_key)?;
            let attempt = self.derive(pin, &file, &id.0)?;
            let content = SlotContent {
                role: SlotRole::Educator,
                profile: id,
                data_key,
                companion: None,
                companion_slot: None,
                name: name.clone(),
                erase_on_duress: false,
            };
            file.seal(index, &attempt.slot_key(index)?, &content)?;
            file.listing.profiles.push(ListedProfile {
                id: id.to_hex(),
                name: Some(name),
                slot: Some(index),
            });
            DeviceStore::open(&self.inner.dir, self.inner.strengthener.as_ref())?;
            if !self.counter().path().exists() {
                self.counter().write(&AttemptRecord::default())?;
            }
            self.write_keyslots(&file)?;
            self.session_for(Opened { index, content })
        })
    }

    fn create_profile_database(&self, id: &ProfileId, key: &SecretKey) -> Result<rusqlite::Connection> {
        files::create_private_dir(&self.inner.dir.join(PROFILES_DIR))?;
        let path = self.profile_database_path(id);
        store::open_encrypted(&path, key, OpenMode::CreateIfMissing, &profile::SCHEMA)
    }

    fn derive(&self, pin: &Pin, file: &KeySlotFile, selector: &[u8]) -> Result<AttemptKey> {
        AttemptKey::derive(
            pin,
            file.salt(),
            selector,
            &file.params(),
            &self.inner.options.kdf_policy,
            self.inner.strengthener.as_ref(),
        )
    }

    fn unlock_blocking(&self, pin: &Pin, selector: &ProfileSelector) -> Result<Session> {
        let (opened, attempt) = self.attempt(pin, selector, |_, _| true)?;
        if opened.content.role == SlotRole::Decoy && opened.content.erase_on_duress {
            self.erase_person_behind_decoy(&opened, &attempt)?;
        }
        self.session_for(opened)
    }

    /// The duress PIN with erase: the person's key slot is destroyed before the decoy opens.
    ///
    /// The directory must afterwards look like that of someone who set up the app and only ever
    /// used the decoy: so a fresh, empty profile database (under a key nobody keeps) takes the
    /// place of the person's in the listing, every slot but the decoy's is refilled with random
    /// bytes, and the decoy's slot is re-sealed without the erase flag (a later duress unlock is a
    /// plain decoy unlock). The key-slot file is the commit point: before it is written the old
    /// state is intact; after it, the person's database is unreferenced and is deleted here or,
    /// if the process dies first, by the next `Vault::open`. No host call is made beyond the one
    /// every unlock makes.
    fn erase_person_behind_decoy(&self, decoy: &Opened, attempt: &AttemptKey) -> Result<()> {
        self.lock_all_sessions();
        self.with_change_lock(|| {
            let mut file = self.read_keyslots()?.ok_or(Error::NotSetUp)?;
            let erased: Vec<ProfileId> = file
                .listing
                .ids()
                .into_iter()
                .filter(|id| *id != decoy.content.profile)
                .collect();
            let replacement = ProfileId::random()?;
            self.create_profile_database(&replacement, &SecretKey::random()?)?;
            crash_point!("duress: replacement created");
            for index in 0..SLOT_COUNT as u16 {
                if index != decoy.index {
                    file.clear(index)?;
                }
            }
            let resealed = SlotContent {
                role: SlotRole::Decoy,
                profile: decoy.content.profile,
                data_key: decoy.content.data_key.duplicate(),
                companion: None,
                companion_slot: None,
                name: String::new(),
                erase_on_duress: false,
            };
            file.seal(decoy.index, &attempt.slot_key(decoy.index)?, &resealed)?;
            file.listing = listing::Listing::phone(replacement, decoy.content.profile);
            self.write_keyslots(&file)?;
            crash_point!("duress: key slot destroyed");
            for id in erased {
                self.remove_profile_files(&id)?;
                crash_point!("duress: files removed");
            }
            Ok(())
        })
    }

    fn remove_profile_files(&self, id: &ProfileId) -> Result<()> {
        let database = self.profile_database_path(id);
        for suffix in ["", "-wal", "-shm"] {
            let mut name = database.clone().into_os_string();
            name.push(suffix);
            files::remove_if_present(Path::new(&name))?;
        }
        files::sync_dir(&self.inner.dir.join(PROFILES_DIR))
    }

    /// One counted PIN attempt. `accept` picks, among the slots the PIN opened, the one wanted.
    fn attempt(
        &self,
        pin: &Pin,
        selector: &ProfileSelector,
        accept: impl Fn(u16, &SlotContent) -> bool,
    ) -> Result<(Opened, AttemptKey)> {
        let file = self.read_keyslots()?.ok_or(Error::NotSetUp)?;
        let kind = file.listing.kind().ok_or(Error::NotSetUp)?;
        let selector_bytes: Vec<u8> = match (kind, selector) {
            (DirectoryKind::Personal, ProfileSelector::Any) => Vec::new(),
            (DirectoryKind::Personal, ProfileSelector::Id(_)) => {
                return Err(Error::invalid(
                    "profile",
                    "a personal phone has no profiles to choose from",
                ))
            }
            (DirectoryKind::Educator, ProfileSelector::Any) => {
                return Err(Error::invalid(
                    "profile",
                    "choose your profile on this shared tablet first",
                ))
            }
            (DirectoryKind::Educator, ProfileSelector::Id(id)) => {
                file.listing.find_by_id(id).ok_or(Error::ProfileNotFound)?;
                id.0.to_vec()
            }
        };

        // Count the attempt, durably, before the KDF runs: killing the app now still counts it.
        let now = self.clock().now_unix_secs();
        let counted = self.with_change_lock(|| {
            let counter = self.counter();
            let mut record = counter.read(true)?;
            let wait = record.retry_after_secs(now);
            if wait > 0 {
                if record.clock_went_back(now) {
                    record.last_failure_unix = unix_to_u32(now);
                    counter.write(&record)?;
                }
                return Err(Error::TooManyAttempts { retry_after_secs: wait });
            }
            record.failures = record.failures.saturating_add(1);
            record.last_failure_unix = unix_to_u32(now);
            counter.write(&record)?;
            Ok(record)
        })?;

        let attempt = self.derive(pin, &file, &selector_bytes)?;
        let wanted = |index: u16, content: &SlotContent| {
            let matches_selector = match (kind, selector) {
                (DirectoryKind::Personal, _) => matches!(content.role, SlotRole::Personal | SlotRole::Decoy),
                (DirectoryKind::Educator, ProfileSelector::Id(id)) => {
                    content.role == SlotRole::Educator && content.profile == *id
                }
                (DirectoryKind::Educator, ProfileSelector::Any) => false,
            };
            matches_selector && accept(index, content)
        };
        let found = file
            .open_all(&attempt)?
            .into_iter()
            .find(|(index, content)| wanted(*index, content));
        match found {
            Some((index, content)) => {
                let reset = AttemptRecord {
                    wipe_after: counted.wipe_after,
                    ..AttemptRecord::default()
                };
                self.with_change_lock(|| self.counter().write(&reset))?;
                Ok((Opened { index, content }, attempt))
            }
            None => Err(self.after_failure(&counted, now)?),
        }
    }

    /// What a failed attempt leads to: the error to report, after the wipe if it is due.
    fn after_failure(&self, counted: &AttemptRecord, now: i64) -> Result<Error> {
        let failures = counted.failures;
        let wipe_after = (counted.wipe_after > 0).then_some(counted.wipe_after as u32);
        if let Some(limit) = wipe_after {
            if failures >= limit {
                self.with_change_lock(|| self.erase_everything())?;
                return Ok(Error::WrongPin {
                    attempts_left: 0,
                    retry_after_secs: 0,
                });
            }
        }
        // The work a successful attempt does after the slots (a counter write, a device-store
        // write), done here too so that a wrong PIN costs what a right one does.
        self.with_change_lock(|| self.counter().write(counted))?;
        self.touch_locked_plan();
        let attempts_left = match wipe_after {
            Some(limit) => limit - failures,
            None => (FREE_ATTEMPTS + 1).saturating_sub(failures),
        };
        Ok(Error::WrongPin {
            attempts_left,
            retry_after_secs: counted.retry_after_secs(now),
        })
    }

    /// Rewrites the locked plan unchanged (best effort): the device-store work of an unlock.
    fn touch_locked_plan(&self) {
        if let Ok(store) = self.device_store() {
            let _ = crate::reminders::plan::rewrite_locked_plan(&store);
        }
    }

    /// Crypto-erase of the whole directory, crash-safe. The commit point is one rename of the
    /// key-slot file to a tombstone: before it the directory is intact, after it the directory is
    /// "not set up" and [`Vault::finish_erase`] (here, or at the next `Vault::open`) destroys the
    /// keys and removes the rest. There is never a profile that exists but cannot be opened.
    fn erase_everything(&self) -> Result<()> {
        self.lock_all_sessions();
        self.cancel_scheduled_notifications();
        let keyslots = self.keyslots_path();
        if keyslots.exists() {
            std::fs::rename(&keyslots, self.tombstone_path())?;
            files::sync_dir(&self.inner.dir)?;
        }
        crash_point!("erase: tombstone written");
        if self.tombstone_path().exists() {
            self.finish_erase()?;
        }
        Ok(())
    }

    /// The part of an erase after its commit point: make the device key unusable, overwrite the
    /// wrapped keys, then remove every database, the device store and the counter. Idempotent.
    fn finish_erase(&self) -> Result<()> {
        self.inner.strengthener.forget()?;
        crash_point!("erase: device key forgotten");
        files::overwrite_and_remove(&self.tombstone_path())?;
        files::sync_dir(&self.inner.dir)?;
        crash_point!("erase: wrapped keys destroyed");
        self.remove_unreferenced_files()?;
        crash_point!("erase: databases removed");
        files::remove_if_present(self.counter().path())?;
        files::sync_dir(&self.inner.dir)
    }

    /// Asks the host's scheduler (if one is registered) to cancel every notification the core
    /// scheduled, so that nothing fires after an erase. Best effort: the erase goes on regardless.
    fn cancel_scheduled_notifications(&self) {
        let scheduler = self
            .inner
            .scheduler
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        if let (Some(scheduler), Ok(store)) = (scheduler, self.device_store()) {
            let _ = crate::reminders::plan::reconcile(&store, scheduler.as_ref(), &[]);
        }
    }

    /// Registers the host's notification scheduler, used when an erase must cancel everything.
    pub fn set_notification_scheduler(&self, scheduler: Arc<dyn crate::reminders::plan::NotificationScheduler>) {
        *self
            .inner
            .scheduler
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(scheduler);
    }

    /// Quick delete: crypto-erases every profile on this device (on a tablet, every educator's),
    /// without a PIN. Idempotent; killed at any point, the next start finds either the intact old
    /// state or a clean, empty one.
    pub fn quick_delete(&self) -> Result<()> {
        if !self.inner.dir.is_dir() {
            return Ok(());
        }
        self.with_change_lock(|| self.erase_everything())
    }

    /// Quick exit: locks every session opened through this vault at once, dropping their keys.
    pub fn lock_all_sessions(&self) {
        let sessions = std::mem::take(
            &mut *self
                .inner
                .sessions
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        for session in sessions {
            session.lock();
        }
    }

    /// How many closed peer-educator sessions wait to be uploaded (a quick delete would lose
    /// them), so that the shell can warn first. Read without a PIN.
    pub fn pending_session_uploads(&self) -> Result<u32> {
        if self.read_keyslots()?.is_none() {
            return Ok(0);
        }
        crate::sync::outbox::count(&self.device_store()?, Some(crate::sync::outbox::KIND_SESSION))
    }

    /// Seconds before the next PIN attempt is accepted (0: now). Cheap: reads the counter only.
    pub fn retry_after_secs(&self) -> Result<u64> {
        if !self.keyslots_path().exists() {
            return Ok(0);
        }
        Ok(self
            .counter()
            .read(true)?
            .retry_after_secs(self.clock().now_unix_secs()))
    }

    fn session_for(&self, opened: Opened) -> Result<Session> {
        let path = self.profile_database_path(&opened.content.profile);
        let connection = store::open_encrypted(&path, &opened.content.data_key, OpenMode::MustExist, &profile::SCHEMA)?;
        let summary = ProfileSummary {
            id: opened.content.profile,
            role: match opened.content.role {
                SlotRole::Educator => ProfileRole::Educator,
                SlotRole::Personal | SlotRole::Decoy => ProfileRole::Personal,
            },
            display_name: (opened.content.role == SlotRole::Educator).then(|| opened.content.name.clone()),
        };
        let session = Session::new(self.clone(), summary, connection, opened.index, opened.content)?;
        // After every unlock the locked plan is this profile's (the decoy's after a duress PIN).
        // Best effort: a damaged device store must never keep a person out of their profile.
        let _ = crate::reminders::ReminderBook::new(session.clone()).refresh_locked_plan();
        let mut sessions = self
            .inner
            .sessions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        sessions.retain(session::SessionHandle::is_alive);
        sessions.push(session.handle());
        Ok(session)
    }

    /// Re-wraps the data key of slot `index` under `new_pin`, after checking `current_pin`
    /// opens that very slot (a counted attempt) and that `new_pin` opens no other slot.
    pub(crate) fn change_pin_blocking(
        &self,
        index: u16,
        profile: ProfileId,
        current_pin: &Pin,
        new_pin: &Pin,
    ) -> Result<()> {
        crate::pin::check_policy(new_pin).map_err(|error| match error {
            Error::InvalidInput { reason, .. } => Error::InvalidInput {
                field: "new_pin",
                reason,
            },
            other => other,
        })?;
        let file = self.read_keyslots()?.ok_or(Error::NotSetUp)?;
        let selector = match file.listing.kind() {
            Some(DirectoryKind::Educator) => ProfileSelector::Id(profile),
            _ => ProfileSelector::Any,
        };
        let selector_bytes = match &selector {
            ProfileSelector::Id(id) => id.0.to_vec(),
            ProfileSelector::Any => Vec::new(),
        };
        let (_, current_attempt) = self.attempt(current_pin, &selector, |opened_index, content| {
            opened_index == index && content.profile == profile
        })?;
        self.with_change_lock(|| {
            // Re-read and re-open under the lock: another process may have changed slots meanwhile.
            let mut file = self.read_keyslots()?.ok_or(Error::NotSetUp)?;
            let content = file
                .open_slot(index, &current_attempt.slot_key(index)?)
                .ok_or(Error::Locked)?;
            let new_attempt = self.derive(new_pin, &file, &selector_bytes)?;
            if file.open_all(&new_attempt)?.iter().any(|(other, _)| *other != index) {
                return Err(Error::invalid("new_pin", "choose a different PIN"));
            }
            file.seal(index, &new_attempt.slot_key(index)?, &content)?;
            self.write_keyslots(&file)
        })
    }

    /// Sets, replaces (`Some`) or removes (`None`) the duress PIN of a phone, from the person's
    /// profile in slot `person_index`. The current PIN is checked as a counted attempt; the duress
    /// PIN must pass the PIN policy and open no slot yet. Returns the decoy's new slot.
    pub(crate) fn set_duress_pin_blocking(
        &self,
        person_index: u16,
        person: ProfileId,
        current_pin: &Pin,
        duress: Option<(&Pin, bool)>,
    ) -> Result<Option<u16>> {
        if let Some((duress_pin, _)) = duress {
            crate::pin::check_policy(duress_pin).map_err(|error| match error {
                Error::InvalidInput { reason, .. } => Error::InvalidInput {
                    field: "duress_pin",
                    reason,
                },
                other => other,
            })?;
        }
        let (_, current_attempt) = self.attempt(current_pin, &ProfileSelector::Any, |index, content| {
            index == person_index && content.profile == person && content.role == SlotRole::Personal
        })?;
        self.with_change_lock(|| {
            // Re-read and re-open under the lock: another process may have changed slots meanwhile.
            let mut file = self.read_keyslots()?.ok_or(Error::NotSetUp)?;
            let mut person_content = file
                .open_slot(person_index, &current_attempt.slot_key(person_index)?)
                .ok_or(Error::Locked)?;
            let (decoy_id, decoy_key) = person_content
                .companion
                .as_ref()
                .map(|(id, key)| (*id, key.duplicate()))
                .ok_or_else(|| Error::invalid("duress_pin", "only a phone's own profile can set a duress PIN"))?;
            if let Some(old) = person_content.companion_slot.take() {
                file.clear(old)?;
            }
            if let Some((duress_pin, erase_on_duress)) = duress {
                let duress_attempt = self.derive(duress_pin, &file, &[])?;
                let opens = file.open_all(&duress_attempt)?;
                if opens.iter().any(|(index, _)| *index == person_index) {
                    return Err(Error::invalid("duress_pin", "the duress PIN must differ from your PIN"));
                }
                if !opens.is_empty() {
                    return Err(Error::invalid("duress_pin", "choose a different PIN"));
                }
                let mut index = random_index()?;
                while index == person_index {
                    index = random_index()?;
                }
                let decoy = SlotContent {
                    role: SlotRole::Decoy,
                    profile: decoy_id,
                    data_key: decoy_key,
                    companion: None,
                    companion_slot: None,
                    name: String::new(),
                    erase_on_duress,
                };
                file.seal(index, &duress_attempt.slot_key(index)?, &decoy)?;
                person_content.companion_slot = Some(index);
            }
            let decoy_slot = person_content.companion_slot;
            file.seal(person_index, &current_attempt.slot_key(person_index)?, &person_content)?;
            self.write_keyslots(&file)?;
            Ok(decoy_slot)
        })
    }

    /// The number of failures after which everything is erased, if switched on.
    pub fn wipe_after_failures(&self) -> Result<Option<u32>> {
        if self.read_keyslots()?.is_none() {
            return Ok(None);
        }
        let record = self.counter().read(true)?;
        Ok((record.wipe_after > 0).then_some(record.wipe_after as u32))
    }

    pub(crate) fn set_wipe_after_failures(&self, limit: Option<u32>) -> Result<()> {
        if let Some(limit) = limit {
            if !(MIN_WIPE_AFTER..=MAX_WIPE_AFTER).contains(&limit) {
                return Err(Error::invalid(
                    "wipe_after_failures",
                    format!("choose between {MIN_WIPE_AFTER} and {MAX_WIPE_AFTER} failed attempts"),
                ));
            }
        }
        self.with_change_lock(|| {
            let counter = self.counter();
            let mut record = counter.read(true)?;
            record.wipe_after = limit.unwrap_or(0) as u16;
            counter.write(&record)
        })
    }

    /// Opens the device's installed content (no PIN needed; readers go through a session).
    pub fn content_store(&self) -> Result<crate::content::store::ContentStore> {
        if self.read_keyslots()?.is_none() {
            return Err(Error::NotSetUp);
        }
        crate::content::store::ContentStore::open(&self.inner.dir, self.inner.strengthener.as_ref())
    }

    /// Opens the device store (no PIN needed).
    pub fn device_store(&self) -> Result<DeviceStore> {
        if self.read_keyslots()?.is_none() {
            return Err(Error::NotSetUp);
        }
        DeviceStore::open(&self.inner.dir, self.inner.strengthener.as_ref())
    }

    /// The device store's path and key, for the decrypted-page scanner of the tests.
    #[cfg(feature = "test-support")]
    pub fn testing_device_database(&self) -> Result<(PathBuf, SecretKey)> {
        let key = crate::kdf::device_key(self.inner.strengthener.as_ref(), "device-store")?;
        Ok((DeviceStore::path_in(&self.inner.dir), key))
    }
}

fn summaries(listing: &listing::Listing) -> Vec<ProfileSummary> {
    listing
        .profiles
        .iter()
        .filter_map(|profile| {
            Some(ProfileSummary {
                id: ProfileId::parse(&profile.id).ok()?,
                role: if profile.name.is_some() {
                    ProfileRole::Educator
                } else {
                    ProfileRole::Personal
                },
                display_name: profile.name.clone(),
            })
        })
        .collect()
}

fn random_index() -> Result<u16> {
    let [byte] = crate::secret::random_array::<1>()?;
    Ok((byte as usize % SLOT_COUNT) as u16)
}

/// `<32 hex>.db`, `-wal` or `-shm`: the id part, if the name is a profile database's.
fn profile_id_of_file_name(name: &str) -> Option<&str> {
    let stem = name
        .strip_suffix(".db")
        .or_else(|| name.strip_suffix(".db-wal"))
        .or_else(|| name.strip_suffix(".db-shm"))?;
    (stem.len() == 32 && stem.bytes().all(|byte| byte.is_ascii_hexdigit())).then_some(stem)
}
