//! The vault and the unlocked profile, as the shells see them.

use std::sync::Arc;

use corridor_core::codes::ClientCode;
use corridor_core::pin::Pin;
use corridor_core::vault::VaultOptions;
use corridor_core::vault::{self as core_vault, ProfileId, ProfileSelector};
use zeroize::Zeroize;

use crate::error::CorridorError;
use crate::platform::{KeyStrengthener, KeyStrengthenerShim};

type Result<T> = std::result::Result<T, CorridorError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DeviceKind {
    /// One person's phone.
    Personal,
    /// A tablet shared by peer educators.
    Educator,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ProfileRole {
    Personal,
    Educator,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProfileSummary {
    /// 32 hex digits.
    pub id: String,
    pub role: ProfileRole,
    /// An educator's display name; absent on a personal phone.
    pub display_name: Option<String>,
}

/// What can be shown without the PIN.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VaultStatus {
    pub set_up: bool,
    pub kind: Option<DeviceKind>,
    pub profiles: Vec<ProfileSummary>,
    pub failed_attempts: u32,
    pub retry_after_secs: u64,
    pub wipe_after_failures: Option<u32>,
}

impl From<&core_vault::ProfileSummary> for ProfileSummary {
    fn from(summary: &core_vault::ProfileSummary) -> Self {
        ProfileSummary {
            id: summary.id.to_hex(),
            role: match summary.role {
                core_vault::ProfileRole::Personal => ProfileRole::Personal,
                core_vault::ProfileRole::Educator => ProfileRole::Educator,
            },
            display_name: summary.display_name.clone(),
        }
    }
}

fn device_kind(kind: core_vault::DirectoryKind) -> DeviceKind {
    match kind {
        core_vault::DirectoryKind::Personal => DeviceKind::Personal,
        core_vault::DirectoryKind::Educator => DeviceKind::Educator,
    }
}

/// Normalises a PIN from the foreign side into a zeroizing value and wipes the incoming copy.
pub(crate) fn take_pin(mut typed: String, field: &'static str) -> Result<Pin> {
    let pin = Pin::normalise(&typed).map_err(|error| match error {
        corridor_core::Error::InvalidInput { reason, .. } => CorridorError::InvalidInput {
            field: field.into(),
            reason,
        },
        other => other.into(),
    });
    typed.zeroize();
    pin
}

/// A data directory: its profiles, unlocking and setup.
#[derive(uniffi::Object)]
pub struct Vault {
    pub(crate) inner: core_vault::Vault,
}

#[uniffi::export]
impl Vault {
    /// Opens the data directory `data_dir` (nothing is created until setup).
    #[uniffi::constructor]
    pub fn open(data_dir: String, strengthener: Arc<dyn KeyStrengthener>) -> Result<Arc<Self>> {
        crate::install_quiet_panic_hook();
        let shim = Arc::new(KeyStrengthenerShim(strengthener));
        let inner = core_vault::Vault::open(data_dir, shim, VaultOptions::default())?;
        Ok(Arc::new(Vault { inner }))
    }

    pub fn status(&self) -> Result<VaultStatus> {
        let status = self.inner.status()?;
        Ok(VaultStatus {
            set_up: status.set_up,
            kind: status.kind.map(device_kind),
            profiles: status.profiles.iter().map(ProfileSummary::from).collect(),
            failed_attempts: status.failed_attempts,
            retry_after_secs: status.retry_after_secs,
            wipe_after_failures: status.wipe_after_failures,
        })
    }

    /// The profiles on this device (no PIN needed).
    pub fn profiles(&self) -> Result<Vec<ProfileSummary>> {
        Ok(self.inner.profiles()?.iter().map(ProfileSummary::from).collect())
    }

    /// The id of the educator's profile with this display name.
    pub fn find_educator(&self, display_name: String) -> Result<String> {
        Ok(self.inner.find_educator(&display_name)?.to_hex())
    }

    /// Sets up a personal phone (the person's profile and its decoy); returns the unlocked
    /// profile. `existing_code`: the code on the person's clinic card, if they have one.
    #[uniffi::method(default(existing_code = None))]
    pub async fn setup_personal(&self, pin: String, existing_code: Option<String>) -> Result<Arc<ProfileSession>> {
        let pin = take_pin(pin, "pin")?;
        let code = existing_code.as_deref().map(ClientCode::parse).transpose()?;
        let session = self.inner.setup_personal(pin, code).await?;
        Ok(Arc::new(ProfileSession { inner: session }))
    }

    /// Restores a backup into this device (which must have no profile yet) under a new PIN.
    pub async fn restore_backup(
        &self,
        backup: Vec<u8>,
        recovery_secret: String,
        new_pin: String,
    ) -> Result<Arc<ProfileSession>> {
        let (secret, pin) = (
            crate::codes::take_recovery_secret(recovery_secret),
            take_pin(new_pin, "new_pin"),
        );
        let session = corridor_core::backup::restore(&self.inner, backup, secret?, pin?).await?;
        Ok(Arc::new(ProfileSession { inner: session }))
    }

    /// Adds a peer educator's profile to a shared tablet; returns it unlocked.
    pub async fn setup_educator(&self, display_name: String, pin: String) -> Result<Arc<ProfileSession>> {
        let pin = take_pin(pin, "pin")?;
        let session = self.inner.setup_educator(display_name, pin).await?;
        Ok(Arc::new(ProfileSession { inner: session }))
    }

    /// Quick delete: crypto-erases every profile on this device without a PIN (on a tablet, every
    /// educator's). Idempotent and crash-safe. Check `pending_session_uploads` first to warn.
    pub fn quick_delete(&self) -> Result<()> {
        Ok(self.inner.quick_delete()?)
    }

    /// Quick exit: locks every profile opened through this vault at once, dropping its keys.
    pub fn quick_exit(&self) {
        self.inner.lock_all_sessions()
    }

    /// Closed peer-educator sessions not yet uploaded (a quick delete would lose them).
    pub fn pending_session_uploads(&self) -> Result<u32> {
        Ok(self.inner.pending_session_uploads()?)
    }

    /// Seconds before the next PIN attempt is accepted (0: now).
    pub fn retry_after_secs(&self) -> Result<u64> {
        Ok(self.inner.retry_after_secs()?)
    }

    /// The cover this device shows (no PIN needed).
    pub fn cover(&self) -> Result<crate::disguise::CoverInfo> {
        Ok(corridor_core::disguise::current_cover(&self.inner)?.into())
    }

    /// One unlock attempt. On a tablet, `profile_id` is the educator's chosen profile; on a
    /// personal phone it must be absent (the PIN alone decides).
    pub async fn unlock(&self, pin: String, profile_id: Option<String>) -> Result<Arc<ProfileSession>> {
        let pin = take_pin(pin, "pin")?;
        let selector = match profile_id {
            Some(id) => ProfileSelector::Id(ProfileId::parse(&id)?),
            None => ProfileSelector::Any,
        };
        let session = self.inner.unlock(pin, selector).await?;
        Ok(Arc::new(ProfileSession { inner: session }))
    }
}

/// An unlocked profile. `lock` drops its keys; every later call fails with `Locked`.
#[derive(uniffi::Object)]
pub struct ProfileSession {
    pub(crate) inner: core_vault::Session,
}

#[uniffi::export]
impl ProfileSession {
    pub fn profile(&self) -> ProfileSummary {
        ProfileSummary::from(self.inner.profile())
    }

    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    pub fn lock(&self) {
        self.inner.lock()
    }

    /// Records user activity (postpones the auto-lock).
    pub fn touch(&self) -> Result<()> {
        Ok(self.inner.touch()?)
    }

    pub fn setting_set(&self, key: String, value: String) -> Result<()> {
        Ok(self.inner.setting_set(&key, &value)?)
    }

    pub fn setting_get(&self, key: String) -> Result<Option<String>> {
        Ok(self.inner.setting_get(&key)?)
    }

    /// Returns whether the setting existed.
    pub fn setting_delete(&self, key: String) -> Result<bool> {
        Ok(self.inner.setting_delete(&key)?)
    }

    pub fn setting_keys(&self) -> Result<Vec<String>> {
        Ok(self.inner.setting_keys()?)
    }

    pub fn auto_lock_secs(&self) -> Result<u32> {
        Ok(self.inner.auto_lock_secs()?)
    }

    pub fn set_auto_lock_secs(&self, seconds: u32) -> Result<()> {
        Ok(self.inner.set_auto_lock_secs(seconds)?)
    }

    /// Changes this profile's PIN (re-wraps the data key; the database is not rewritten).
    pub async fn change_pin(&self, current_pin: String, new_pin: String) -> Result<()> {
        // Both strings are taken (and wiped) before either error is returned.
        let (current, new) = (take_pin(current_pin, "current_pin"), take_pin(new_pin, "new_pin"));
        Ok(self.inner.change_pin(current?, new?).await?)
    }

    /// Sets or replaces the duress PIN (a phone's own profile only): typed instead of the PIN it
    /// opens the decoy, and with `erase_on_duress` crypto-erases this profile at that moment.
    pub async fn set_duress_pin(&self, current_pin: String, duress_pin: String, erase_on_duress: bool) -> Result<()> {
        let (current, duress) = (take_pin(current_pin, "current_pin"), take_pin(duress_pin, "duress_pin"));
        Ok(self.inner.set_duress_pin(current?, duress?, erase_on_duress).await?)
    }

    pub async fn clear_duress_pin(&self, current_pin: String) -> Result<()> {
        let current = take_pin(current_pin, "current_pin")?;
        Ok(self.inner.clear_duress_pin(current).await?)
    }

    pub fn has_duress_pin(&self) -> Result<bool> {
        Ok(self.inner.has_duress_pin()?)
    }

    /// The person's client code (none on an educator's profile).
    pub fn client_code(&self) -> Result<Option<String>> {
        Ok(self.inner.client_code()?.map(|code| code.as_str().to_string()))
    }

    /// The client code as a QR symbol (bare code only) with its SVG.
    pub fn client_code_qr(&self) -> Result<Option<crate::codes::QrSymbol>> {
        self.inner
            .client_code()?
            .map(|code| crate::codes::QrSymbol::of(&code))
            .transpose()
    }

    /// Takes the code printed on the person's clinic card instead of the one made at setup.
    pub fn adopt_client_code(&self, code: String) -> Result<()> {
        Ok(self.inner.adopt_client_code(&ClientCode::parse(&code)?)?)
    }

    /// Creates (or replaces) the recovery kit; returns the recovery secret, to show once.
    pub async fn create_recovery_kit(&self) -> Result<String> {
        let secret = corridor_core::backup::create_recovery_kit(&self.inner).await?;
        Ok(secret.expose().to_string())
    }

    /// Confirms the recovery kit with the secret typed back; backups need a confirmed kit.
    pub async fn confirm_recovery_kit(&self, recovery_secret: String) -> Result<()> {
        let typed = crate::codes::take_recovery_secret(recovery_secret)?;
        Ok(corridor_core::backup::confirm_recovery_kit(&self.inner, typed).await?)
    }

    pub fn has_recovery_kit(&self) -> Result<bool> {
        Ok(corridor_core::backup::has_recovery_kit(&self.inner)?)
    }

    /// An encrypted backup of this profile (needs a recovery kit), for the shell to save.
    pub fn export_backup(&self) -> Result<Vec<u8>> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|since| since.as_secs() as i64)
            .unwrap_or(0);
        Ok(corridor_core::backup::export(&self.inner, now)?)
    }

    /// Chooses the cover the disguise shows (see `covers()`).
    pub fn choose_cover(&self, cover_id: String) -> Result<()> {
        Ok(corridor_core::disguise::choose_cover(&self.inner, &cover_id)?)
    }

    pub fn wipe_after_failures(&self) -> Result<Option<u32>> {
        Ok(self.inner.wipe_after_failures()?)
    }

    /// Erase everything after `limit` consecutive wrong PINs (5 to 100), or never (`null`).
    pub fn set_wipe_after_failures(&self, limit: Option<u32>) -> Result<()> {
        Ok(self.inner.set_wipe_after_failures(limit)?)
    }
}
