//! The Crisis Response Team's keys for sealed reports (HPKE, X25519).
//!
//! - The public key reaches phones inside the safety-signed part of the catalog
//!   ([`TeamKey`]: a key id and the raw 32-byte X25519 public key in hex).
//! - The private key lives only with the team's coordinators, in a file encrypted exactly like a
//!   content editor's signing key (see [`crate::content::signing`]): ChaCha20-Poly1305 under a
//!   key that Argon2id (64 MiB, 3 passes, 1 lane) derives from the holder's passphrase. `KEY.pub`
//!   beside it holds `{ "key_id", "x25519_public" }`, the form safety.toml's `[teams.key]` takes.
//!
//! Nothing here prints, logs or `Debug`-formats a private key or a passphrase: the secret scalar
//! lives in x25519-dalek's zeroize-on-drop `StaticSecret`, its serialised bytes in `Zeroizing`
//! buffers, and [`TeamPrivateKey`] has no `Debug`.

use std::path::Path;

use hpke::{Deserializable, Kem as _, Serializable};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::content::metadata::TeamKey;
use crate::content::signing::{
    check_new_key_files, is_hex_32, open_under_passphrase, read_small_file, seal_under_passphrase, write_key_files,
    KdfParamsFile, PassphraseSealed, KEY_FILE_KDF,
};
use crate::error::{Error, Result};
use crate::kdf::{KdfParams, KdfPolicy};

/// The KEM of the suite: DHKEM(X25519, HKDF-SHA256).
pub(crate) type Kem = hpke::kem::X25519HkdfSha256;

/// The `scheme` of a team private key file.
pub const TEAM_KEY_SCHEME: &str = "hpke-x25519";
/// The longest key id (bytes): the same rule the safety document's checks apply.
pub const MAX_KEY_ID_LEN: usize = 64;
const KEY_FILE_AAD: &[u8] = b"corridor/team-key/v1\0";

/// Whether `key_id` may name a team key: not blank, at most 64 bytes, no control characters
/// (what `content::verify` accepts in a safety document).
pub fn is_valid_key_id(key_id: &str) -> bool {
    !key_id.trim().is_empty() && key_id.len() <= MAX_KEY_ID_LEN && !key_id.chars().any(char::is_control)
}

fn check_key_id(key_id: &str) -> Result<()> {
    if is_valid_key_id(key_id) {
        Ok(())
    } else {
        Err(Error::invalid(
            "key id",
            "a key id is 1 to 64 bytes without control characters (for example crt-beitbridge-2026)",
        ))
    }
}

/// A team's public key: what a phone seals reports to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamPublicKey {
    pub key_id: String,
    /// The raw X25519 public key.
    pub public: [u8; 32],
}

impl TeamPublicKey {
    /// The key as the safety document lists it (the key id rule and 64 lower-case hex digits).
    pub fn from_metadata(key: &TeamKey) -> Result<Self> {
        check_key_id(&key.key_id)?;
        if !is_hex_32(&key.x25519_public) {
            return Err(Error::invalid(
                "team key",
                format!(
                    "the X25519 public key of {} is not 64 lower-case hex digits",
                    key.key_id
                ),
            ));
        }
        let mut public = [0u8; 32];
        hex::decode_to_slice(&key.x25519_public, &mut public)
            .map_err(|_| Error::invalid("team key", "the X25519 public key is not hex"))?;
        Ok(TeamPublicKey {
            key_id: key.key_id.clone(),
            public,
        })
    }

    pub fn to_metadata(&self) -> TeamKey {
        TeamKey {
            key_id: self.key_id.clone(),
            x25519_public: hex::encode(self.public),
        }
    }

    /// Reads a `KEY.pub` file written by [`TeamPrivateKey::write`].
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = read_small_file(path, "public key")?;
        let key: TeamKey = serde_json::from_slice(&bytes).map_err(|_| {
            Error::invalid(
                "public key",
                format!(
                    "{} is not a team public key ({{\"key_id\", \"x25519_public\"}})",
                    path.display()
                ),
            )
        })?;
        Self::from_metadata(&key)
    }
}

/// A team's private key, decrypted. No `Debug`, no `Display`, no `Clone`; the secret is zeroized
/// when the key is dropped.
pub struct TeamPrivateKey {
    key_id: String,
    secret: <Kem as hpke::Kem>::PrivateKey,
    public: [u8; 32],
}

/// The private key file (`KEY`), as stored.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrivateKeyFile {
    scheme: String,
    key_id: String,
    /// Hex: the public key, readable without the passphrase.
    x25519_public: String,
    kdf: String,
    kdf_params: KdfParamsFile,
    /// Hex.
    salt: String,
    cipher: String,
    /// Hex, 12 bytes.
    nonce: String,
    /// Base64: the 32-byte X25519 private key encrypted, with the 16-byte tag.
    ciphertext: String,
}

impl TeamPrivateKey {
    /// A fresh key pair (RFC 9180 DeriveKeyPair over 32 bytes from the system's CSPRNG).
    pub fn generate(key_id: &str) -> Result<TeamPrivateKey> {
        check_key_id(key_id)?;
        let mut ikm = Zeroizing::new([0u8; 32]);
        crate::secret::fill_random(ikm.as_mut())?;
        Ok(Self::from_ikm(key_id, ikm.as_ref()))
    }

    /// The key pair RFC 9180's DeriveKeyPair makes from `ikm` (tests use the RFC's vectors).
    pub(crate) fn from_ikm(key_id: &str, ikm: &[u8]) -> TeamPrivateKey {
        let (secret, public) = Kem::derive_keypair(ikm);
        TeamPrivateKey {
            key_id: key_id.to_string(),
            secret,
            public: public_bytes(&public),
        }
    }

    /// The key pair of a raw 32-byte X25519 private key (the hub keeps its session intake key
    /// this way, in a file only it reads).
    pub fn from_secret_bytes(key_id: &str, bytes: &[u8]) -> Result<TeamPrivateKey> {
        let secret = <Kem as hpke::Kem>::PrivateKey::from_bytes(bytes)
            .map_err(|_| Error::Internal("a team private key has the wrong length".into()))?;
        let public = public_bytes(&Kem::sk_to_pk(&secret));
        Ok(TeamPrivateKey {
            key_id: key_id.to_string(),
            secret,
            public,
        })
    }

    /// The raw private key (wiped when dropped), for [`TeamPrivateKey::from_secret_bytes`].
    pub fn secret_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.secret.to_bytes().to_vec())
    }

    pub fn public(&self) -> TeamPublicKey {
        TeamPublicKey {
            key_id: self.key_id.clone(),
            public: self.public,
        }
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub(crate) fn secret(&self) -> &<Kem as hpke::Kem>::PrivateKey {
        &self.secret
    }

    /// Writes `path` (the private key encrypted with `passphrase`, mode 0600) and `path.pub`
    /// (the public key as safety.toml's `[teams.key]` takes it, mode 0644). Refuses to replace
    /// either file.
    pub fn write(&self, path: &Path, passphrase: &str) -> Result<()> {
        self.write_with(path, passphrase, &KEY_FILE_KDF)
    }

    fn write_with(&self, private_path: &Path, passphrase: &str, params: &KdfParams) -> Result<()> {
        let public_path = check_new_key_files(private_path, passphrase)?;
        let public_hex = hex::encode(self.public);
        let mut secret = Zeroizing::new([0u8; 32]);
        self.secret.write_exact(&mut secret[..]);
        let sealed = seal_under_passphrase(&*secret, passphrase, params, &aad(&self.key_id, &public_hex))?;
        let file = PrivateKeyFile {
            scheme: TEAM_KEY_SCHEME.into(),
            key_id: self.key_id.clone(),
            x25519_public: public_hex,
            kdf: "argon2id".into(),
            kdf_params: KdfParamsFile::of(params),
            salt: sealed.salt,
            cipher: "chacha20-poly1305".into(),
            nonce: sealed.nonce,
            ciphertext: sealed.ciphertext,
        };
        write_key_files(private_path, &file, &public_path, &self.public().to_metadata())
    }

    /// Opens `path` with `passphrase`. A wrong passphrase (or an altered file) is an
    /// `InvalidInput` on `passphrase`; KDF parameters outside the production policy, or a file
    /// whose key is not the one it names, are `KeyFileDamaged`.
    pub fn load(path: &Path, passphrase: &str) -> Result<TeamPrivateKey> {
        Self::load_with_policy(path, passphrase, &KdfPolicy::PRODUCTION)
    }

    fn load_with_policy(private_path: &Path, passphrase: &str, policy: &KdfPolicy) -> Result<TeamPrivateKey> {
        let file = read_private_key_file(private_path)?;
        let damaged = |what: &str| Error::KeyFileDamaged(format!("{}: {what}", private_path.display()));
        if !is_valid_key_id(&file.key_id) || !is_hex_32(&file.x25519_public) {
            return Err(damaged("its key id or public key is not valid"));
        }
        let sealed = PassphraseSealed {
            salt: file.salt,
            nonce: file.nonce,
            ciphertext: file.ciphertext,
        };
        let opened = open_under_passphrase(
            &sealed,
            &file.kdf_params.params(),
            policy,
            passphrase,
            &aad(&file.key_id, &file.x25519_public),
            Some(32),
            private_path,
        )?;
        let key = Self::from_secret_bytes(&file.key_id, &opened)?;
        if hex::encode(key.public) != file.x25519_public {
            return Err(damaged("the key inside is not the key the file names"));
        }
        Ok(key)
    }

    /// The public half of a private key file, read without the passphrase.
    pub fn read_identity(path: &Path) -> Result<TeamPublicKey> {
        let file = read_private_key_file(path)?;
        TeamPublicKey::from_metadata(&TeamKey {
            key_id: file.key_id,
            x25519_public: file.x25519_public,
        })
        .map_err(|_| Error::KeyFileDamaged(format!("{}: its key id or public key is not valid", path.display())))
    }
}

fn public_bytes(public: &<Kem as hpke::Kem>::PublicKey) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    public.write_exact(&mut bytes);
    bytes
}

fn read_private_key_file(path: &Path) -> Result<PrivateKeyFile> {
    let bytes = read_small_file(path, "key")?;
    let file: PrivateKeyFile = serde_json::from_slice(&bytes).map_err(|_| {
        Error::invalid(
            "key",
            format!("{} is not a Crisis Response Team private key", path.display()),
        )
    })?;
    if file.scheme != TEAM_KEY_SCHEME || file.kdf != "argon2id" || file.cipher != "chacha20-poly1305" {
        return Err(Error::KeyFileDamaged(format!(
            "{}: unknown scheme, KDF or cipher",
            path.display()
        )));
    }
    Ok(file)
}

/// `"corridor/team-key/v1\0" ‖ key_id ‖ "\0" ‖ public hex`: the file's names are bound to its secret.
fn aad(key_id: &str, public_hex: &str) -> Vec<u8> {
    let mut aad = KEY_FILE_AAD.to_vec();
    aad.extend_from_slice(key_id.as_bytes());
    aad.push(0);
    aad.extend_from_slice(public_hex.as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::signing::public_key_path;

    const FAST: KdfParams = KdfParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    const FAST_POLICY: KdfPolicy = KdfPolicy {
        floor: FAST,
        max_memory_kib: 256 * 1024,
        max_iterations: 10,
        max_parallelism: 4,
    };

    #[test]
    fn a_team_key_file_opens_with_its_passphrase_only_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crt");
        let key = TeamPrivateKey::generate("crt-2026").unwrap();
        key.write_with(&path, "long enough words", &FAST).unwrap();
        let public = TeamPublicKey::read(&public_key_path(&path)).unwrap();
        assert_eq!(public, key.public());
        assert_eq!(TeamPrivateKey::read_identity(&path).unwrap(), key.public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let opened = TeamPrivateKey::load_with_policy(&path, "long enough words", &FAST_POLICY).unwrap();
        assert_eq!(opened.key_id(), "crt-2026");
        assert_eq!(opened.public(), key.public());
        let wrong = TeamPrivateKey::load_with_policy(&path, "long enough wordz", &FAST_POLICY);
        assert!(
            matches!(&wrong, Err(Error::InvalidInput { field: "passphrase", reason }) if reason.contains("does not open")),
            "{:?}",
            wrong.err()
        );
        let again = key.write_with(&path, "long enough words", &FAST);
        assert!(matches!(again, Err(Error::InvalidInput { reason, .. }) if reason.contains("never overwritten")));
        // The production policy refuses the weak test parameters, as it would a tampered file.
        assert!(matches!(
            TeamPrivateKey::load(&path, "long enough words"),
            Err(Error::KeyFileDamaged(_))
        ));
        let short = key.write_with(&dir.path().join("b"), "short", &FAST);
        assert!(matches!(
            short,
            Err(Error::InvalidInput {
                field: "passphrase",
                ..
            })
        ));
    }

    #[test]
    fn a_renamed_key_in_the_file_does_not_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crt");
        TeamPrivateKey::generate("crt-2026")
            .unwrap()
            .write_with(&path, "long enough words", &FAST)
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("crt-2026", "crt-2027")).unwrap();
        assert!(matches!(
            TeamPrivateKey::load_with_policy(&path, "long enough words", &FAST_POLICY),
            Err(Error::InvalidInput {
                field: "passphrase",
                ..
            })
        ));
    }

    #[test]
    fn key_ids_follow_the_safety_document_rule() {
        for good in ["crt-2026", "programme 2026", "é"] {
            assert!(is_valid_key_id(good), "{good}");
        }
        for bad in ["", "  ", "a\nb", &"x".repeat(65)] {
            assert!(!is_valid_key_id(bad), "{bad}");
            assert!(TeamPrivateKey::generate(bad).is_err());
        }
        let bad_hex = TeamKey {
            key_id: "crt".into(),
            x25519_public: "C".repeat(64),
        };
        assert!(TeamPublicKey::from_metadata(&bad_hex).is_err());
    }
}
