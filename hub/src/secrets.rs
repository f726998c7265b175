//! The hub's own secrets for peer-educator sessions, kept in `DATA/session-keys.json` beside
//! (never inside) `hub.db`:
//!
//! - the **session intake key**: an X25519 private key. Tablets seal each closed session to its
//!   public half (`GET /v1/sessions/intake-key`); only the hub opens them.
//! - the **reach key**: 32 random bytes. Every attendee's client code is stored only as
//!   HMAC-SHA256(reach key, `"client-code\0"` ‖ code), and every session's dedupe digest is
//!   HMAC-SHA256(reach key, `"session-digest\0"` ‖ upload JSON). Without the reach key the
//!   database holds no readable code and no way to test a guessed one.
//!
//! The file is created on the hub's first start (mode 0600, written to a temporary file, synced,
//! then linked into place so that two processes starting at once end up with one file), read
//! at every start, never logged, and must be backed up separately from `hub.db`
//! (`docs/reach.md`). In memory the secrets are wiped when dropped.

use std::io::Write;
use std::path::{Path, PathBuf};

use corridor_core::reports::seal::TeamPrivateKey;
use corridor_core::sync::wire::SessionIntakeKey;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::auth::{random_bytes, sha256};
use crate::error::HubError;
use crate::store::sqlite::create_private_dir;

/// The secrets file's name inside the data directory.
pub const SECRETS_FILE: &str = "session-keys.json";
/// The file format this code writes and reads.
const FILE_VERSION: u32 = 1;
/// The largest secrets file read (it is a few hundred bytes).
const MAX_FILE_LEN: u64 = 4096;
/// The prefix of the intake key's id; the first 16 hex digits of SHA-256(public key) follow.
pub const KEY_ID_PREFIX: &str = "hub-intake-";

const CODE_CONTEXT: &[u8] = b"client-code\0";
const DIGEST_CONTEXT: &[u8] = b"session-digest\0";

/// The hub's session secrets. No `Debug`, no `Clone`; wiped when dropped.
pub struct HubSecrets {
    intake: TeamPrivateKey,
    reach_key: Zeroizing<[u8; 32]>,
}

#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(deny_unknown_fields)]
struct SecretsFile {
    version: u32,
    /// Hex of the raw X25519 private key.
    intake_x25519_secret: String,
    /// Hex of the 32-byte HMAC key.
    reach_key: String,
}

fn damaged(why: &str) -> HubError {
    HubError::Internal(format!(
        "{SECRETS_FILE} in the data directory is damaged ({why}); restore it from its backup"
    ))
}

/// The intake key's id: `hub-intake-` and 16 hex digits of SHA-256 of the public key.
fn key_id_for(public: &[u8; 32]) -> String {
    format!("{KEY_ID_PREFIX}{}", &hex::encode(sha256(public))[..16])
}

impl HubSecrets {
    /// A fresh intake key and reach key (nothing written).
    fn generate() -> Result<HubSecrets, HubError> {
        let provisional = TeamPrivateKey::generate(KEY_ID_PREFIX)?;
        let secret = provisional.secret_bytes();
        let key_id = key_id_for(&provisional.public().public);
        Ok(HubSecrets {
            intake: TeamPrivateKey::from_secret_bytes(&key_id, &secret)?,
            reach_key: Zeroizing::new(random_bytes::<32>()?),
        })
    }

    fn from_file(file: &SecretsFile) -> Result<HubSecrets, HubError> {
        if file.version != FILE_VERSION {
            return Err(damaged("unknown format version"));
        }
        let secret = Zeroizing::new(hex::decode(&file.intake_x25519_secret).map_err(|_| damaged("intake key"))?);
        if secret.len() != 32 {
            return Err(damaged("intake key"));
        }
        let reach = Zeroizing::new(hex::decode(&file.reach_key).map_err(|_| damaged("reach key"))?);
        let mut reach_key = Zeroizing::new([0u8; 32]);
        if reach.len() != 32 {
            return Err(damaged("reach key"));
        }
        reach_key.copy_from_slice(&reach);
        let provisional =
            TeamPrivateKey::from_secret_bytes(KEY_ID_PREFIX, &secret).map_err(|_| damaged("intake key"))?;
        let key_id = key_id_for(&provisional.public().public);
        Ok(HubSecrets {
            intake: TeamPrivateKey::from_secret_bytes(&key_id, &secret)?,
            reach_key,
        })
    }

    fn to_file(&self) -> SecretsFile {
        SecretsFile {
            version: FILE_VERSION,
            intake_x25519_secret: hex::encode(self.intake.secret_bytes().as_slice()),
            reach_key: hex::encode(self.reach_key.as_ref()),
        }
    }

    /// Reads `DATA/session-keys.json`; a data directory without one is [`HubError::NoSecrets`].
    pub fn load(data_dir: &Path) -> Result<HubSecrets, HubError> {
        let path = data_dir.join(SECRETS_FILE);
        let file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Err(HubError::NoSecrets),
            Err(error) => return Err(error.into()),
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if file.metadata()?.permissions().mode() & 0o077 != 0 {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
            }
        }
        let mut bytes = Zeroizing::new(Vec::new());
        std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_FILE_LEN + 1), &mut bytes)?;
        if bytes.len() as u64 > MAX_FILE_LEN {
            return Err(damaged("too large"));
        }
        let parsed: SecretsFile = serde_json::from_slice(&bytes).map_err(|_| damaged("not its JSON"))?;
        HubSecrets::from_file(&parsed)
    }

    /// Reads `DATA/session-keys.json`, creating it (and the directory) on first use.
    pub fn load_or_create(data_dir: &Path) -> Result<HubSecrets, HubError> {
        match HubSecrets::load(data_dir) {
            Err(HubError::NoSecrets) => {}
            other => return other,
        }
        create_private_dir(data_dir)?;
        let fresh = HubSecrets::generate()?;
        let json = Zeroizing::new(
            serde_json::to_vec_pretty(&fresh.to_file())
                .map_err(|_| HubError::Internal("encoding the session keys".into()))?,
        );
        let temporary = temporary_path(data_dir)?;
        let written = write_new_synced(&temporary, &json).and_then(|()| {
            // A hard link never replaces: if another process created the file meanwhile, its
            // keys win and this one's are thrown away.
            match std::fs::hard_link(&temporary, data_dir.join(SECRETS_FILE)) {
                Ok(()) => Ok(true),
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
                Err(error) => Err(HubError::from(error)),
            }
        });
        let _ = std::fs::remove_file(&temporary);
        let created = written?;
        sync_dir(data_dir)?;
        if created {
            tracing::info!(
                "created new session keys in the data directory; back {SECRETS_FILE} up separately from hub.db"
            );
            Ok(fresh)
        } else {
            HubSecrets::load(data_dir)
        }
    }

    /// What tablets seal sessions to.
    pub fn intake_public(&self) -> SessionIntakeKey {
        let public = self.intake.public();
        SessionIntakeKey {
            key_id: public.key_id,
            x25519_public: hex::encode(public.public),
        }
    }

    /// The intake private key (opens sealed sessions).
    pub fn intake_key(&self) -> &TeamPrivateKey {
        &self.intake
    }

    fn hmac(&self, context: &[u8], message: &[u8]) -> [u8; 32] {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, self.reach_key.as_ref());
        let mut context_state = ring::hmac::Context::with_key(&key);
        context_state.update(context);
        context_state.update(message);
        let mut out = [0u8; 32];
        out.copy_from_slice(context_state.sign().as_ref());
        out
    }

    /// The keyed hash a client code (canonical form) is stored as.
    pub fn code_hash(&self, canonical_code: &str) -> [u8; 32] {
        self.hmac(CODE_CONTEXT, canonical_code.as_bytes())
    }

    /// The dedupe digest of a session upload's JSON encoding.
    pub fn session_digest(&self, upload_json: &[u8]) -> [u8; 32] {
        self.hmac(DIGEST_CONTEXT, upload_json)
    }
}

fn temporary_path(data_dir: &Path) -> Result<PathBuf, HubError> {
    let suffix = hex::encode(random_bytes::<8>()?);
    Ok(data_dir.join(format!(".{SECRETS_FILE}.{suffix}.tmp")))
}

fn write_new_synced(path: &Path, bytes: &[u8]) -> Result<(), HubError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<(), HubError> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_then_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let first = HubSecrets::load_or_create(&data).unwrap();
        let second = HubSecrets::load_or_create(&data).unwrap();
        assert_eq!(first.intake_public(), second.intake_public());
        assert_eq!(first.code_hash("x"), second.code_hash("x"));
        assert!(first.intake_public().key_id.starts_with(KEY_ID_PREFIX));
        assert_eq!(first.intake_public().key_id.len(), KEY_ID_PREFIX.len() + 16);
        assert_ne!(first.code_hash("x"), first.session_digest(b"x"));
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(&data)
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(SECRETS_FILE)]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(data.join(SECRETS_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
    }

    #[test]
    fn another_hub_has_other_keys_and_a_damaged_file_is_refused() {
        let one = tempfile::tempdir().unwrap();
        let two = tempfile::tempdir().unwrap();
        let a = HubSecrets::load_or_create(one.path()).unwrap();
        let b = HubSecrets::load_or_create(two.path()).unwrap();
        assert_ne!(a.intake_public(), b.intake_public());
        assert_ne!(a.code_hash("x"), b.code_hash("x"));
        assert!(matches!(
            HubSecrets::load(&one.path().join("none")),
            Err(HubError::NoSecrets)
        ));
        std::fs::write(one.path().join(SECRETS_FILE), b"{\"version\":1}").unwrap();
        let error = HubSecrets::load_or_create(one.path()).err().unwrap().to_string();
        assert!(error.contains("damaged"), "{error}");
    }
}
