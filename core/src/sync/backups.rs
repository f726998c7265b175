//! The recovery kit at the hub: the encrypted backup is stored under the kit's opaque lookup id
//! and guarded by its write token, both derived from the recovery secret. The hub never sees the
//! backup key, so what it holds is ciphertext to it; a new phone needs only the secret to find
//! and open it.

use reqwest::Method;

use super::client::{Auth, HubClient, PreparedRequest};
use super::wire::{self, SecretString, Uuid};
use super::{send_with_retries, Backoff};
use crate::backup::{self, RecoveryKeys};
use crate::codes::RecoverySecret;
use crate::error::{Error, Result};
use crate::pin::Pin;
use crate::runtime;
use crate::vault::{Session, Vault};

fn path_of(keys: &RecoveryKeys) -> String {
    format!("v1/backups/{}", hex::encode(keys.lookup_id))
}

fn write_token(keys: &RecoveryKeys) -> Auth {
    Auth::Bearer(SecretString::new(hex::encode(keys.write_token.expose())))
}

/// Encrypts the unlocked profile under its recovery kit and stores it at the hub (replacing the
/// previous backup). Retries lost answers with the same Idempotency-Key and bytes.
pub async fn push(
    session: &Session,
    client: &HubClient,
    backoff: Backoff,
    attempts: u32,
) -> Result<wire::BackupReceipt> {
    let keys = backup::recovery_keys(session)?;
    let bytes = backup::export(session, session.vault().clock_now_unix())?;
    let request = PreparedRequest {
        method: Method::PUT,
        path: path_of(&keys),
        idempotency_key: Some(Uuid::new_v4()),
        content_type: "application/octet-stream",
        body: bytes,
    };
    send_with_retries(client, &request, &write_token(&keys), backoff, attempts)
        .await?
        .into_json()
}

/// The backup stored under the keys, as bytes (still encrypted).
pub async fn fetch(client: &HubClient, keys: &RecoveryKeys, backoff: Backoff, attempts: u32) -> Result<Vec<u8>> {
    let request = PreparedRequest {
        method: Method::GET,
        path: path_of(keys),
        idempotency_key: None,
        content_type: "application/octet-stream",
        body: Vec::new(),
    };
    let response = send_with_retries(client, &request, &write_token(keys), backoff, attempts).await?;
    match response.status {
        200 => Ok(response.body),
        404 => Err(Error::BackupRejected(
            "the hub holds no backup for this recovery secret (check the secret, or push a backup first)".into(),
        )),
        _ => Err(response.into_error()),
    }
}

/// Sets up this device from the backup at the hub: the recovery secret finds it and opens it.
/// Works only on a device with no profile, like a restore from a file.
pub async fn restore(
    vault: &Vault,
    client: &HubClient,
    secret: RecoverySecret,
    new_pin: Pin,
    backoff: Backoff,
    attempts: u32,
) -> Result<Session> {
    crate::pin::check_policy(&new_pin)?;
    if vault.status()?.set_up {
        return Err(Error::AlreadySetUp(
            "restore into a device with no profile (quick delete first)",
        ));
    }
    let keys = runtime::run_blocking(move || RecoveryKeys::derive(&secret)).await?;
    let bytes = fetch(client, &keys, backoff, attempts).await?;
    backup::restore_with_keys(vault, bytes, keys, new_pin).await
}

/// Deletes the backup at the hub (a person who no longer wants it kept there).
pub async fn delete(session: &Session, client: &HubClient, backoff: Backoff, attempts: u32) -> Result<bool> {
    let keys = backup::recovery_keys(session)?;
    let request = PreparedRequest {
        method: Method::DELETE,
        path: path_of(&keys),
        idempotency_key: Some(Uuid::new_v4()),
        content_type: "application/octet-stream",
        body: Vec::new(),
    };
    let response = send_with_retries(client, &request, &write_token(&keys), backoff, attempts).await?;
    match response.status {
        200..=299 => Ok(true),
        404 => Ok(false),
        _ => Err(response.into_error()),
    }
}
