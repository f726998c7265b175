//! A device's hub account: an educator's tablet or a coordinator's computer logs in once and
//! keeps its token in the device store (encrypted with the device key, readable while the
//! profile is locked so that waiting uploads can go). A personal phone never logs in: nothing it
//! sends may be linked to it.

use serde::{Deserialize, Serialize};

use super::client::HubClient;
use super::wire::{self, Role, SecretString};
use crate::content::metadata::TeamKey;
use crate::error::{Error, Result};
use crate::reports::seal::TeamPublicKey;
use crate::store::device::DeviceStore;

const NAMESPACE: &str = "hub.account";
const TOKEN_KEY: &str = "token";
const DETAILS_KEY: &str = "details";
const INTAKE_KEY: &str = "session_intake_key";

/// What the device knows of its login, without the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDetails {
    pub hub_url: String,
    pub username: String,
    pub role: Role,
    pub sites: Vec<String>,
    pub token_id: String,
    pub device_label: String,
    /// The key pins (SHA-256 hex) the login was made with: the token is only ever sent to this
    /// hub through a client that checks them.
    #[serde(default)]
    pub pinned_key_sha256: Vec<String>,
}

impl AccountDetails {
    /// Whether `client` talks to the hub this login belongs to, with at least its pins.
    pub fn is_for(&self, client: &HubClient) -> bool {
        let pins = &client.options().pinned_spki_sha256;
        self.hub_url == client.url().as_str()
            && self
                .pinned_key_sha256
                .iter()
                .all(|pin| hex::decode(pin).is_ok_and(|bytes| pins.iter().any(|known| known[..] == bytes[..])))
    }
}

/// Logs in at the hub and keeps the token (the store is taken by value so that the future can
/// move between threads). Replaces an earlier login (whose token is revoked at
/// the hub when it can be reached).
pub async fn login(
    store: DeviceStore,
    client: &HubClient,
    username: &str,
    password: &SecretString,
    device_label: &str,
) -> Result<AccountDetails> {
    if !wire::is_valid_username(username) {
        return Err(Error::invalid("username", "lower-case letters, digits and hyphens"));
    }
    if device_label.trim().is_empty() || device_label.len() > wire::MAX_NAME_LEN {
        return Err(Error::invalid(
            "device label",
            "give this device a short name (at most 64 bytes)",
        ));
    }
    // An earlier login is revoked only at the hub that issued it (never sent elsewhere).
    let previous = token_for(&store, client)?;
    let response = client.login(username, password, device_label.trim()).await?;
    let details = AccountDetails {
        hub_url: client.url().as_str().to_string(),
        username: username.to_string(),
        role: response.role,
        sites: response.sites.clone(),
        token_id: response.token_id.clone(),
        device_label: device_label.trim().to_string(),
        pinned_key_sha256: client.options().pinned_spki_sha256.iter().map(hex::encode).collect(),
    };
    let encoded = serde_json::to_vec(&details).map_err(|_| Error::Internal("account encoding".into()))?;
    store.transaction(|connection| {
        DeviceStore::put_in(connection, NAMESPACE, TOKEN_KEY, response.token.expose().as_bytes())?;
        // A key of an earlier hub must never seal a session for this one.
        DeviceStore::delete_in(connection, NAMESPACE, INTAKE_KEY)?;
        DeviceStore::put_in(connection, NAMESPACE, DETAILS_KEY, &encoded)
    })?;
    if let Some(previous) = previous {
        let _ = client.logout(&previous).await;
    }
    if details.role == Role::Educator {
        // Sessions closed offline are sealed to this key at once; without it they wait in the
        // educator's profile until the next sync fetches it.
        if let Ok(key) = fetch_intake_key(client, &response.token).await {
            keep_intake_key(&store, &key)?;
        }
    }
    Ok(details)
}

/// Fetches the hub's session intake key through `client` (the hub of the login, over the same
/// checked connection as the token); [`keep_intake_key`] stores it beside the login.
pub async fn fetch_intake_key(client: &HubClient, token: &SecretString) -> Result<TeamPublicKey> {
    let answer = client.session_intake_key(token).await?;
    let key = TeamPublicKey::from_metadata(&TeamKey {
        key_id: answer.key_id,
        x25519_public: answer.x25519_public,
    })
    .map_err(|_| Error::Network {
        retryable: false,
        reason: "the hub's session intake key is not a usable key".into(),
    })?;
    Ok(key)
}

/// Keeps the hub's session intake key beside the login.
pub fn keep_intake_key(store: &DeviceStore, key: &TeamPublicKey) -> Result<()> {
    let encoded = serde_json::to_vec(&key.to_metadata()).map_err(|_| Error::Internal("key encoding".into()))?;
    store.put(NAMESPACE, INTAKE_KEY, &encoded)
}

/// The hub's session intake key as last fetched, if the device is logged in.
pub fn intake_key(store: &DeviceStore) -> Result<Option<TeamPublicKey>> {
    if details(store)?.is_none() {
        return Ok(None);
    }
    let Some(bytes) = store.get(NAMESPACE, INTAKE_KEY)? else {
        return Ok(None);
    };
    let key: TeamKey = serde_json::from_slice(&bytes).map_err(|_| Error::DatabaseDamaged)?;
    TeamPublicKey::from_metadata(&key)
        .map(Some)
        .map_err(|_| Error::DatabaseDamaged)
}

/// The stored token, if the device is logged in.
pub fn token(store: &DeviceStore) -> Result<Option<SecretString>> {
    let Some(bytes) = store.get(NAMESPACE, TOKEN_KEY)? else {
        return Ok(None);
    };
    let text = String::from_utf8(bytes).map_err(|_| Error::DatabaseDamaged)?;
    Ok(Some(SecretString::new(text)))
}

pub fn details(store: &DeviceStore) -> Result<Option<AccountDetails>> {
    let Some(bytes) = store.get(NAMESPACE, DETAILS_KEY)? else {
        return Ok(None);
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|_| Error::DatabaseDamaged)
}

/// The token, only if the login belongs to the hub (and pins) that `client` talks to: a token
/// is never sent to another host, whatever URL a caller passes.
pub fn token_for(store: &DeviceStore, client: &HubClient) -> Result<Option<SecretString>> {
    match details(store)? {
        Some(details) if details.is_for(client) => token(store),
        _ => Ok(None),
    }
}

/// [`token_for`], or an error a person understands.
pub fn require_token_for(store: &DeviceStore, client: &HubClient) -> Result<SecretString> {
    if let Some(token) = token_for(store, client)? {
        return Ok(token);
    }
    match details(store)? {
        Some(details) => Err(Error::invalid(
            "hub",
            format!(
                "this device is logged in to {} (with its key pins); log in to this hub first",
                details.hub_url
            ),
        )),
        None => Err(Error::invalid(
            "hub",
            "this device is not logged in to the hub (hub login first)",
        )),
    }
}

/// Forgets the login on this device, and revokes the token at the hub when `client` is given,
/// talks to the hub that issued it, and answers. The local token is deleted either way.
pub async fn logout(store: DeviceStore, client: Option<&HubClient>) -> Result<bool> {
    let previous = token(&store)?;
    let previous_details = details(&store)?;
    store.transaction(|connection| {
        DeviceStore::delete_in(connection, NAMESPACE, TOKEN_KEY)?;
        DeviceStore::delete_in(connection, NAMESPACE, DETAILS_KEY)?;
        DeviceStore::delete_in(connection, NAMESPACE, INTAKE_KEY)?;
        Ok(())
    })?;
    if let (Some(previous), Some(client)) = (&previous, client) {
        // Only the hub that issued it may see it.
        if previous_details.as_ref().is_some_and(|details| details.is_for(client)) {
            let _ = client.logout(previous).await;
        }
    }
    Ok(previous.is_some())
}
