//! The recovery kit: an encrypted snapshot of what a person needs on a new phone, opened only
//! by a recovery secret shown once.
//!
//! ```text
//! recovery secret ─Argon2id(64 MiB, t=3, p=1; fixed salt)─▶ 32 bytes ─HKDF-SHA256─┬▶ backup key
//!                                                                                  ├▶ hub lookup id
//!                                                                                  ├▶ hub write token
//!                                                                                  └▶ key check
//! ```
//!
//! The parameters and salt are fixed (the secret carries 130 random bits, and a new phone must
//! derive the hub lookup id from the secret alone). The derived keys, never the secret, are kept
//! in the person's encrypted profile so that later backups need no retyping.
//!
//! A snapshot holds the client code, the settings, the cover choice and the reminders (the
//! content capability adds its progress). Never reports, attendance, the duress PIN or the wipe
//! setting: those are set again on the new phone.
//!
//! File (all integers big-endian):
//! `magic "CRDRBKUP" ‖ version u16 = 1 ‖ flags u16 = 0 ‖ key check [16] ‖ nonce [12] ‖
//!  length u32 ‖ ChaCha20-Poly1305(backup key, JSON snapshot; aad = everything before it)`.
//! The key check tells a wrong secret from a damaged file.

use std::collections::BTreeMap;

use argon2::{Algorithm, Argon2, Params, Version};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305};
use ring::hkdf;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::codes::{ClientCode, RecoverySecret};
use crate::error::{Error, Result};
use crate::pin::Pin;
use crate::runtime;
use crate::secret::{random_array, SecretKey};
use crate::store::{profile, settings};
use crate::vault::{Session, Vault};

pub const MAGIC: &[u8; 8] = b"CRDRBKUP";
pub const FORMAT_VERSION: u16 = 1;
const HEADER_LEN: usize = 8 + 2 + 2 + 16 + 12 + 4;
/// A backup larger than this is refused before anything is read.
pub const MAX_BACKUP_LEN: usize = 16 * 1024 * 1024;
const RECOVERY_SALT: &[u8] = b"corridor/recovery/v1";
const RECOVERY_MEMORY_KIB: u32 = 64 * 1024;
const RECOVERY_ITERATIONS: u32 = 3;

/// What a recovery secret gives. No `Debug`.
pub struct RecoveryKeys {
    pub backup_key: SecretKey,
    /// Where the hub keeps this person's backup: reveals nothing and links to nobody.
    pub lookup_id: [u8; 32],
    /// What the hub asks before it accepts a backup under `lookup_id`.
    pub write_token: SecretKey,
    key_check: [u8; 16],
}

impl RecoveryKeys {
    /// Runs Argon2id once over the secret. CPU-heavy (64 MiB): call it off the UI thread.
    pub fn derive(secret: &RecoverySecret) -> Result<RecoveryKeys> {
        let params = Params::new(RECOVERY_MEMORY_KIB, RECOVERY_ITERATIONS, 1, Some(32))
            .map_err(|_| Error::Internal("recovery KDF parameters".into()))?;
        let mut stretched = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(secret.expose().as_bytes(), RECOVERY_SALT, stretched.as_mut())
            .map_err(|_| Error::Internal("the recovery key derivation failed".into()))?;
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, RECOVERY_SALT).extract(stretched.as_ref());
        let expand = |label: &[u8], out: &mut [u8]| {
            prk.expand(&[label], HkdfLength(out.len()))
                .and_then(|okm| okm.fill(out))
                .map_err(|_| Error::Internal("recovery key expansion".into()))
        };
        let mut backup_key = Zeroizing::new([0u8; 32]);
        let mut lookup_id = [0u8; 32];
        let mut write_token = Zeroizing::new([0u8; 32]);
        let mut key_check = [0u8; 16];
        expand(b"corridor/backup/key/v1", backup_key.as_mut())?;
        expand(b"corridor/backup/lookup/v1", &mut lookup_id)?;
        expand(b"corridor/backup/write-token/v1", write_token.as_mut())?;
        expand(b"corridor/backup/check/v1", &mut key_check)?;
        Ok(RecoveryKeys {
            backup_key: SecretKey::from_slice(backup_key.as_ref())?,
            lookup_id,
            write_token: SecretKey::from_slice(write_token.as_ref())?,
            key_check,
        })
    }

    pub(crate) fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(112));
        out.extend_from_slice(self.backup_key.expose());
        out.extend_from_slice(&self.lookup_id);
        out.extend_from_slice(self.write_token.expose());
        out.extend_from_slice(&self.key_check);
        out
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<RecoveryKeys> {
        if bytes.len() != 112 {
            return Err(Error::DatabaseDamaged);
        }
        let mut lookup_id = [0u8; 32];
        lookup_id.copy_from_slice(&bytes[32..64]);
        let mut key_check = [0u8; 16];
        key_check.copy_from_slice(&bytes[96..112]);
        Ok(RecoveryKeys {
            backup_key: SecretKey::from_slice(&bytes[..32])?,
            lookup_id,
            write_token: SecretKey::from_slice(&bytes[64..96])?,
            key_check,
        })
    }
}

struct HkdfLength(usize);

impl hkdf::KeyType for HkdfLength {
    fn len(&self) -> usize {
        self.0
    }
}

/// What a backup holds. No `Debug`: it holds the client code and reminders.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub client_code: Option<String>,
    pub settings: BTreeMap<String, String>,
    pub cover: Option<String>,
    /// The reminders (their definitions; not the adherence log or done/missed marks).
    #[serde(default)]
    pub reminders: Vec<crate::reminders::Reminder>,
    pub created_at: i64,
}

impl Snapshot {
    fn check(&self) -> Result<()> {
        let damaged = |what: &str| Err(Error::BackupRejected(format!("the backup is damaged: {what}")));
        if let Some(code) = &self.client_code {
            if ClientCode::parse(code).is_err() {
                return damaged("its client code is not valid");
            }
        }
        if self.settings.len() > 100_000 {
            return damaged("it holds too many settings");
        }
        if self.reminders.len() > 1_000 {
            return damaged("it holds too many reminders");
        }
        for (key, value) in &self.settings {
            if crate::store::settings::check_key(key).is_err() || value.len() > crate::store::settings::MAX_VALUE_LEN {
                return damaged("it holds a malformed setting");
            }
        }
        Ok(())
    }
}

const RECOVERY_META_KEY: &str = "recovery_keys";
const PENDING_RECOVERY_META_KEY: &str = "recovery_keys_pending";

/// Starts a recovery kit: a fresh recovery secret, returned to be shown once and never stored.
/// Its keys wait in the profile until [`confirm_recovery_kit`] proves the person wrote the secret
/// down, so no backup is ever sealed to a secret nobody saw. Backups made before with an older
/// secret still open with that secret.
pub async fn create_recovery_kit(session: &Session) -> Result<RecoverySecret> {
    session.touch()?;
    let secret = RecoverySecret::generate()?;
    let keys = runtime::run_blocking({
        let copy = RecoverySecret::parse(secret.expose())?;
        move || RecoveryKeys::derive(&copy)
    })
    .await?;
    session.with_connection(|connection| profile::meta_set(connection, PENDING_RECOVERY_META_KEY, &keys.to_bytes()))?;
    Ok(secret)
}

/// Confirms the recovery kit with the secret typed back: it becomes the kit that backups use.
pub async fn confirm_recovery_kit(session: &Session, typed: RecoverySecret) -> Result<()> {
    let pending = session
        .with_connection(|connection| profile::meta_get(connection, PENDING_RECOVERY_META_KEY))?
        .ok_or_else(|| Error::invalid("recovery_secret", "create a recovery kit first"))?;
    let pending = Zeroizing::new(pending);
    let keys = runtime::run_blocking(move || RecoveryKeys::derive(&typed)).await?;
    if keys.to_bytes().as_slice() != pending.as_slice() {
        return Err(Error::invalid(
            "recovery_secret",
            "this is not the recovery secret just shown: check it and type it again",
        ));
    }
    session.with_connection(|connection| {
        let transaction = connection.unchecked_transaction()?;
        profile::meta_set(&transaction, RECOVERY_META_KEY, &keys.to_bytes())?;
        transaction.execute("DELETE FROM profile_meta WHERE key = ?1", [PENDING_RECOVERY_META_KEY])?;
        transaction.commit()?;
        Ok(())
    })
}

pub fn has_recovery_kit(session: &Session) -> Result<bool> {
    session.with_connection(|connection| Ok(profile::meta_get(connection, RECOVERY_META_KEY)?.is_some()))
}

/// The keys of the profile's recovery kit (for exports and, later, the hub).
pub fn recovery_keys(session: &Session) -> Result<RecoveryKeys> {
    let bytes = session
        .with_connection(|connection| profile::meta_get(connection, RECOVERY_META_KEY))?
        .ok_or_else(|| Error::invalid("recovery", "create a recovery kit and confirm its secret first"))?;
    RecoveryKeys::from_bytes(&Zeroizing::new(bytes))
}

/// What the profile would put in a backup now.
pub fn snapshot(session: &Session, now_unix: i64) -> Result<Snapshot> {
    let client_code = session.client_code()?.map(|code| code.as_str().to_string());
    let settings = session.with_connection(|connection| {
        let mut all = BTreeMap::new();
        for key in settings::keys(connection)? {
            if let Some(value) = settings::get(connection, &key)? {
                all.insert(key, value);
            }
        }
        Ok(all)
    })?;
    let cover = Some(crate::disguise::current_cover(session.vault())?.id);
    let reminders = session.with_connection(crate::reminders::list)?;
    Ok(Snapshot {
        client_code,
        settings,
        cover,
        reminders,
        created_at: now_unix,
    })
}

/// An encrypted backup of the unlocked profile, under its recovery kit.
pub fn export(session: &Session, now_unix: i64) -> Result<Vec<u8>> {
    let keys = recovery_keys(session)?;
    seal(&snapshot(session, now_unix)?, &keys)
}

/// Restores a backup into a data directory that has no profile yet: sets up a phone with the
/// backed-up client code under `new_pin`, with the settings, reminders and recovery keys written
/// into the new profile in one transaction *before* the setup commits, so a crash leaves either
/// nothing or the whole restore. The cover is chosen last (a crash there keeps the default one).
/// The same recovery secret keeps working for later backups.
pub async fn restore(vault: &Vault, backup: Vec<u8>, secret: RecoverySecret, new_pin: Pin) -> Result<Session> {
    check_header(&backup)?;
    crate::pin::check_policy(&new_pin)?;
    if vault.status()?.set_up {
        return Err(Error::AlreadySetUp(
            "restore into a device with no profile (quick delete first)",
        ));
    }
    let keys = runtime::run_blocking(move || RecoveryKeys::derive(&secret)).await?;
    restore_with_keys(vault, backup, keys, new_pin).await
}

/// [`restore`] with keys already derived from the recovery secret (the hub pull derives them
/// once, to find the backup and to open it).
pub async fn restore_with_keys(vault: &Vault, backup: Vec<u8>, keys: RecoveryKeys, new_pin: Pin) -> Result<Session> {
    check_header(&backup)?;
    crate::pin::check_policy(&new_pin)?;
    if vault.status()?.set_up {
        return Err(Error::AlreadySetUp(
            "restore into a device with no profile (quick delete first)",
        ));
    }
    let (keys, snapshot) = runtime::run_blocking(move || -> Result<(RecoveryKeys, Snapshot)> {
        let snapshot = open(&backup, &keys)?;
        Ok((keys, snapshot))
    })
    .await?;
    let code = snapshot.client_code.as_deref().map(ClientCode::parse).transpose()?;
    let now_unix = vault.clock_now_unix();
    let now = chrono::DateTime::from_timestamp(now_unix, 0).unwrap_or_default();
    let key_bytes = keys.to_bytes();
    let Snapshot {
        settings: backed_up_settings,
        reminders,
        cover,
        ..
    } = snapshot;
    let session = vault
        .setup_personal_filled(new_pin, code, move |connection| {
            let transaction = connection.unchecked_transaction()?;
            for (key, value) in &backed_up_settings {
                settings::set(&transaction, key, value, now_unix)?;
            }
            for reminder in &reminders {
                crate::reminders::restore(&transaction, reminder, now)?;
            }
            profile::meta_set(&transaction, RECOVERY_META_KEY, &key_bytes)?;
            transaction.commit()?;
            Ok(())
        })
        .await?;
    if let Some(cover) = cover {
        if crate::disguise::cover::find(&cover).is_ok() {
            crate::disguise::choose_cover(&session, &cover)?;
        }
    }
    let _ = crate::reminders::ReminderBook::new(session.clone()).refresh_locked_plan();
    Ok(session)
}

/// Encrypts a snapshot under the keys.
pub fn seal(snapshot: &Snapshot, keys: &RecoveryKeys) -> Result<Vec<u8>> {
    let plain = Zeroizing::new(serde_json::to_vec(snapshot).map_err(|_| Error::Internal("snapshot encoding".into()))?);
    if plain.len() + HEADER_LEN + 16 > MAX_BACKUP_LEN {
        return Err(Error::invalid("backup", "the profile holds too much to back up"));
    }
    let nonce: [u8; 12] = random_array()?;
    let mut out = Vec::with_capacity(HEADER_LEN + plain.len() + 16);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&keys.key_check);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&((plain.len() + 16) as u32).to_be_bytes());
    let mut sealed = plain.to_vec();
    aead(&keys.backup_key)?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(&out[..HEADER_LEN]),
            &mut sealed,
        )
        .map_err(|_| Error::Internal("sealing the backup failed".into()))?;
    out.extend_from_slice(&sealed);
    zeroize::Zeroize::zeroize(&mut sealed);
    Ok(out)
}

/// Checks the header (sizes first) without any key.
fn check_header(bytes: &[u8]) -> Result<()> {
    let rejected = |what: &str| Err(Error::BackupRejected(what.to_string()));
    if bytes.len() > MAX_BACKUP_LEN {
        return rejected("this file is too large to be a backup");
    }
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return rejected("this file is not a Corridor backup");
    }
    if bytes.len() < HEADER_LEN {
        return rejected("the backup is damaged: it is truncated");
    }
    let version = u16::from_be_bytes([bytes[8], bytes[9]]);
    if version > FORMAT_VERSION {
        return rejected("the backup was made by a newer version of Corridor: update the app first");
    }
    if version != FORMAT_VERSION || bytes[10..12] != [0, 0] {
        return rejected("the backup is damaged: its format is unknown");
    }
    let length = u32::from_be_bytes(bytes[40..44].try_into().expect("4 bytes")) as usize;
    // Checked: on a 32-bit phone the length from the file could overflow the sum.
    let Some(expected) = HEADER_LEN.checked_add(length) else {
        return rejected("the backup is damaged: its length is impossible");
    };
    if bytes.len() < expected {
        return rejected("the backup is damaged: it is truncated");
    }
    if bytes.len() > expected {
        return rejected("the backup is damaged: it has trailing bytes");
    }
    Ok(())
}

/// Opens a backup with the keys of a recovery secret.
pub fn open(bytes: &[u8], keys: &RecoveryKeys) -> Result<Snapshot> {
    check_header(bytes)?;
    // The key check is no secret (it sits in the file), so a plain comparison is fine.
    if bytes[12..28] != keys.key_check {
        return Err(Error::BackupRejected(
            "this recovery secret does not open this backup".into(),
        ));
    }
    let mut nonce = [0u8; 12];
    nonce.copy_from_slice(&bytes[28..40]);
    let mut sealed = Zeroizing::new(bytes[HEADER_LEN..].to_vec());
    let plain = aead(&keys.backup_key)?
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(&bytes[..HEADER_LEN]),
            &mut sealed,
        )
        .map_err(|_| Error::BackupRejected("the backup is damaged or was altered".into()))?;
    let snapshot: Snapshot = serde_json::from_slice(plain)
        .map_err(|_| Error::BackupRejected("the backup is damaged: its content is not readable".into()))?;
    snapshot.check()?;
    Ok(snapshot)
}

fn aead(key: &SecretKey) -> Result<LessSafeKey> {
    Ok(LessSafeKey::new(
        UnboundKey::new(&CHACHA20_POLY1305, key.expose()).map_err(|_| Error::Internal("backup key".into()))?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn snapshot() -> Snapshot {
        Snapshot {
            client_code: Some(ClientCode::generate().unwrap().as_str().to_string()),
            settings: [("language".to_string(), "pt".to_string())].into_iter().collect(),
            cover: Some("budget".into()),
            reminders: Vec::new(),
            created_at: 1_800_000_000,
        }
    }

    #[test]
    fn one_secret_gives_separate_keys_and_the_same_ones_every_time() {
        let secret = RecoverySecret::generate().unwrap();
        let first = RecoveryKeys::derive(&secret).unwrap();
        let again = RecoveryKeys::derive(&RecoverySecret::parse(&secret.expose().to_lowercase()).unwrap()).unwrap();
        assert_eq!(first.to_bytes().as_slice(), again.to_bytes().as_slice());
        let parts = [
            &first.backup_key.expose()[..],
            &first.lookup_id[..],
            &first.write_token.expose()[..],
        ];
        for (i, a) in parts.iter().enumerate() {
            for b in &parts[i + 1..] {
                assert_ne!(a, b, "labels must separate the keys");
            }
        }
        let other = RecoveryKeys::derive(&RecoverySecret::generate().unwrap()).unwrap();
        assert_ne!(other.lookup_id, first.lookup_id);
    }

    #[test]
    fn a_backup_opens_with_its_secret_only_and_every_damage_is_named() {
        let keys = RecoveryKeys::derive(&RecoverySecret::generate().unwrap()).unwrap();
        let original = snapshot();
        let sealed = seal(&original, &keys).unwrap();
        assert!(open(&sealed, &keys).unwrap() == original, "the snapshot round-trips");
        let reason = |bytes: &[u8], keys: &RecoveryKeys| match open(bytes, keys) {
            Err(Error::BackupRejected(reason)) => reason,
            other => panic!("expected a rejection, got {:?}", other.map(|_| ())),
        };
        let wrong = RecoveryKeys::derive(&RecoverySecret::generate().unwrap()).unwrap();
        assert!(reason(&sealed, &wrong).contains("does not open"));
        assert!(reason(&sealed[..sealed.len() - 1], &keys).contains("truncated"));
        assert!(reason(&sealed[..20], &keys).contains("truncated"));
        let mut longer = sealed.clone();
        longer.push(0);
        assert!(reason(&longer, &keys).contains("trailing"));
        let mut altered = sealed.clone();
        let last = altered.len() - 5;
        altered[last] ^= 1;
        assert!(reason(&altered, &keys).contains("altered"));
        let mut newer = sealed.clone();
        newer[9] = 2;
        assert!(reason(&newer, &keys).contains("newer version"));
        assert!(reason(b"PK\x03\x04 a zip file", &keys).contains("not a Corridor backup"));
        let mut nonce_altered = sealed.clone();
        nonce_altered[30] ^= 1;
        assert!(reason(&nonce_altered, &keys).contains("altered"));
    }

    proptest! {
        /// Structure-aware: a real backup with bytes changed anywhere (the length field included)
        /// or cut short is always refused, never a panic, never a wrong snapshot.
        #[test]
        fn a_mutated_backup_is_always_refused(
            changes in proptest::collection::vec((any::<usize>(), 1u8..=255), 1..6),
            cut in proptest::option::of(any::<usize>()),
        ) {
            let keys = RecoveryKeys::from_bytes(&[9u8; 112]).unwrap();
            let original = seal(&snapshot(), &keys).unwrap();
            let mut bytes = original.clone();
            for (position, flip) in changes {
                let position = position % bytes.len();
                bytes[position] ^= flip;
            }
            if let Some(cut) = cut {
                bytes.truncate(cut % bytes.len());
            }
            prop_assume!(bytes != original);
            prop_assert!(open(&bytes, &keys).is_err());
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256), header in any::<bool>()) {
            let keys = RecoveryKeys::from_bytes(&[7u8; 112]).unwrap();
            let mut input = if header { MAGIC.to_vec() } else { Vec::new() };
            input.extend_from_slice(&bytes);
            prop_assert!(open(&input, &keys).is_err());
        }
    }
}
