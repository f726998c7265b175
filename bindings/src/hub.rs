//! The hub, as the shells see it: a `Hub` handle (URL, optional key pins), the device's account
//! (tablets), the outbox, and backups at the hub. Network work runs on the core's runtime; a
//! cancelled Kotlin coroutine or Swift task aborts it.

use std::sync::Arc;

use corridor_core::runtime;
use corridor_core::sync::wire::{self, SecretString, Uuid};
use corridor_core::sync::{account, backups, outbox, Backoff, ClientOptions, HubClient, HubUrl};
use zeroize::Zeroize;

use crate::error::CorridorError;
use crate::vault::{ProfileSession, Vault};

type Result<T> = std::result::Result<T, CorridorError>;

/// How many times a direct call (not the outbox) sends a request before it gives up.
const ATTEMPTS: u32 = 4;

/// Where the hub is and how to trust it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HubSettings {
    /// `https://...` (plain `http` only to this device, for tests).
    pub url: String,
    /// SHA-256 pins (64 hex digits) of the programme's certificate keys (SPKI); empty: none.
    pub pinned_key_sha256: Vec<String>,
    /// DER certificates trusted besides the public web roots (a programme CA).
    pub extra_root_certificates: Vec<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HubHealth {
    pub status: String,
    pub protocol: u32,
    pub version: String,
}

/// Where a report is, as the phone may ask (by its id only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ReportDelivery {
    /// The hub has not got it (yet).
    NotReceived,
    Received,
    /// A Crisis Response Team coordinator has it.
    Acknowledged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum HubRole {
    Educator,
    Crt,
    Admin,
}

/// The device's login at the hub (never the token).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HubAccount {
    pub hub_url: String,
    pub username: String,
    pub role: HubRole,
    pub sites: Vec<String>,
    pub token_id: String,
    pub device_label: String,
}

/// What one send of the outbox did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncSummary {
    pub sent: u32,
    pub refused: u32,
    pub waiting: u32,
    /// When the next waiting item is due; schedule background work for then.
    pub next_attempt_in_secs: Option<u64>,
    /// Items that need the device's account wait for a new login.
    pub needs_login: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OutboxState {
    Waiting,
    /// The hub refused it: `last_error` says why; retry or discard it.
    Refused,
}

/// An item waiting for the hub (never its content).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OutboxItem {
    pub id: i64,
    pub kind: String,
    pub state: OutboxState,
    pub attempts: u32,
    pub created_at: i64,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BackupStored {
    pub size: u64,
    pub stored_at: i64,
}

/// Progress of a long send: `done` of `total` items.
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    fn progress(&self, done: u32, total: u32);
}

/// A handle on the hub. Cheap; make one per URL and share it.
#[derive(uniffi::Object)]
pub struct Hub {
    client: HubClient,
}

impl Hub {
    pub(crate) fn client(&self) -> &HubClient {
        &self.client
    }
}

#[uniffi::export]
impl Hub {
    #[uniffi::constructor]
    pub fn new(settings: HubSettings) -> Result<Arc<Self>> {
        crate::install_quiet_panic_hook();
        let mut options = ClientOptions::default();
        for pin in &settings.pinned_key_sha256 {
            let bytes: [u8; 32] = hex::decode(pin.trim())
                .ok()
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or_else(|| CorridorError::InvalidInput {
                    field: "pinned_key_sha256".into(),
                    reason: "a pin is 64 hex digits (SHA-256)".into(),
                })?;
            options.pinned_spki_sha256.push(bytes);
        }
        options.extra_roots_der = settings.extra_root_certificates;
        let client = HubClient::new(HubUrl::parse(&settings.url)?, options)?;
        Ok(Arc::new(Hub { client }))
    }

    pub fn url(&self) -> String {
        self.client.url().as_str().to_string()
    }

    pub async fn health(&self) -> Result<HubHealth> {
        let client = self.client.clone();
        let health = runtime::spawn(async move { client.health().await }).await?;
        Ok(HubHealth {
            status: health.status,
            protocol: health.protocol,
            version: health.version,
        })
    }

    /// Whether the hub has the report with this id, and whether it was acknowledged.
    pub async fn report_status(&self, report_id: String) -> Result<ReportDelivery> {
        let id = Uuid::parse_str(report_id.trim()).map_err(|_| CorridorError::InvalidInput {
            field: "report_id".into(),
            reason: "not a report id".into(),
        })?;
        let client = self.client.clone();
        let state = runtime::spawn(async move { client.report_status(id).await }).await?;
        Ok(match state {
            None => ReportDelivery::NotReceived,
            Some(wire::ReportState::Received) => ReportDelivery::Received,
            Some(wire::ReportState::Acknowledged) => ReportDelivery::Acknowledged,
        })
    }
}

fn account_of(details: account::AccountDetails) -> HubAccount {
    HubAccount {
        hub_url: details.hub_url,
        username: details.username,
        role: match details.role {
            wire::Role::Educator => HubRole::Educator,
            wire::Role::Crt => HubRole::Crt,
            wire::Role::Admin => HubRole::Admin,
        },
        sites: details.sites,
        token_id: details.token_id,
        device_label: details.device_label,
    }
}

#[uniffi::export]
impl Vault {
    /// Logs this device in at the hub (a tablet, once); the token stays in the device store.
    pub async fn hub_login(
        &self,
        hub: Arc<Hub>,
        username: String,
        mut password: String,
        device_label: String,
    ) -> Result<HubAccount> {
        let secret = SecretString::new(password.clone());
        password.zeroize();
        let vault = self.inner.clone();
        let client = hub.client.clone();
        let details = runtime::spawn(async move {
            let store = vault.device_store()?;
            account::login(store, &client, &username, &secret, &device_label).await
        })
        .await?;
        Ok(account_of(details))
    }

    /// Forgets the login (and revokes its token at the hub when `hub` is given and answers).
    pub async fn hub_logout(&self, hub: Option<Arc<Hub>>) -> Result<bool> {
        let vault = self.inner.clone();
        let client = hub.map(|hub| hub.client.clone());
        Ok(runtime::spawn(async move {
            let store = vault.device_store()?;
            account::logout(store, client.as_ref()).await
        })
        .await?)
    }

    /// The device's login, if any (no PIN needed).
    pub fn hub_account(&self) -> Result<Option<HubAccount>> {
        Ok(account::details(&self.inner.device_store()?)?.map(account_of))
    }

    /// Sends what waits in the outbox (one pass over the due items); works while locked.
    pub async fn send_outbox(&self, hub: Arc<Hub>, listener: Option<Arc<dyn SyncListener>>) -> Result<SyncSummary> {
        let vault = self.inner.clone();
        let client = hub.client.clone();
        let report = runtime::spawn(async move {
            let store = vault.device_store()?;
            let mut progress = |done: u32, total: u32| {
                if let Some(listener) = &listener {
                    listener.progress(done, total);
                }
            };
            outbox::drain(store, &client, outbox::DrainOptions::default(), &mut progress).await
        })
        .await?;
        Ok(SyncSummary {
            sent: report.delivered.len() as u32,
            refused: report.refused,
            waiting: report.pending,
            next_attempt_in_secs: report.next_attempt_in.map(|wait| wait.as_secs()),
            needs_login: report.needs_login,
        })
    }

    /// What waits in the outbox (never the content).
    pub fn outbox_items(&self) -> Result<Vec<OutboxItem>> {
        let entries = outbox::list(&self.inner.device_store()?)?;
        Ok(entries
            .into_iter()
            .map(|entry| OutboxItem {
                id: entry.id,
                kind: entry.kind,
                state: match entry.state {
                    outbox::ItemState::Pending => OutboxState::Waiting,
                    outbox::ItemState::Refused => OutboxState::Refused,
                },
                attempts: entry.attempts,
                created_at: entry.created_at,
                last_error: entry.last_error,
            })
            .collect())
    }

    /// Makes a refused item wait to be sent again.
    pub fn outbox_retry(&self, id: i64) -> Result<bool> {
        Ok(outbox::retry(&self.inner.device_store()?, id)?)
    }

    /// Deletes an item without sending it.
    pub fn outbox_discard(&self, id: i64) -> Result<bool> {
        Ok(outbox::discard(&self.inner.device_store()?, id)?)
    }

    /// Sets up this device (which has no profile) from the backup at the hub, found and opened
    /// by the recovery secret alone.
    pub async fn restore_from_hub(
        &self,
        hub: Arc<Hub>,
        recovery_secret: String,
        new_pin: String,
    ) -> Result<Arc<ProfileSession>> {
        let (secret, pin) = (
            crate::codes::take_recovery_secret(recovery_secret),
            crate::vault::take_pin(new_pin, "new_pin"),
        );
        let (secret, pin) = (secret?, pin?);
        let vault = self.inner.clone();
        let client = hub.client.clone();
        let session = runtime::spawn(async move {
            backups::restore(&vault, &client, secret, pin, Backoff::default(), ATTEMPTS).await
        })
        .await?;
        Ok(Arc::new(ProfileSession { inner: session }))
    }
}

#[uniffi::export]
impl ProfileSession {
    /// Stores an encrypted backup of this profile at the hub (needs a confirmed recovery kit).
    pub async fn push_backup(&self, hub: Arc<Hub>) -> Result<BackupStored> {
        let session = self.inner.clone();
        let client = hub.client.clone();
        let receipt =
            runtime::spawn(async move { backups::push(&session, &client, Backoff::default(), ATTEMPTS).await }).await?;
        Ok(BackupStored {
            size: receipt.size,
            stored_at: receipt.stored_at,
        })
    }

    /// Deletes this profile's backup from the hub; `false` when there was none.
    pub async fn delete_backup_at_hub(&self, hub: Arc<Hub>) -> Result<bool> {
        let session = self.inner.clone();
        let client = hub.client.clone();
        Ok(
            runtime::spawn(async move { backups::delete(&session, &client, Backoff::default(), ATTEMPTS).await })
                .await?,
        )
    }
}
