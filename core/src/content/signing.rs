//! Signing keys for a content repository (see `docs/content-format.md`).
//!
//! - A key is Ed25519 (ring); its keyid is the SHA-256 (hex) of the raw 32-byte public key.
//! - What is signed binds the metadata's kind, so a signed catalog can never pass for a root or a
//!   safety document: `"corridor-content/v1\0" ‖ kind ‖ "\0" ‖ payload`.
//! - `KEY.pub` is a small JSON file anyone may read; `KEY` holds the PKCS#8 document encrypted
//!   with ChaCha20-Poly1305 under a key that Argon2id derives from the holder's passphrase.
//!
//! This module never prints, logs or `Debug`-formats a private key or a passphrase: the decrypted
//! PKCS#8 bytes live in `Zeroizing` buffers and [`SigningKey`] has no `Debug`.

use std::fmt;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305};
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::metadata::{PublicKey, Signature, MAX_CATALOG_LEN, MAX_ROOT_LEN, MAX_SAFETY_LEN};
use crate::error::{Error, Result};
use crate::kdf::{KdfParams, KdfPolicy};

/// The prefix of every signed message (the format's domain separation).
pub const SIGNING_CONTEXT: &[u8] = b"corridor-content/v1\0";
/// The only signature scheme.
pub const SCHEME: &str = "ed25519";
/// Argon2id parameters for a new private key file: 64 MiB, 3 passes, 1 lane. A signing key is
/// opened a few times a month, so it can afford more than a phone's unlock.
pub const KEY_FILE_KDF: KdfParams = KdfParams {
    memory_kib: 64 * 1024,
    iterations: 3,
    parallelism: 1,
};
/// The shortest passphrase `keygen` accepts.
pub const MIN_PASSPHRASE_CHARS: usize = 8;
/// Key files are small; anything larger is not one.
const MAX_KEY_FILE_LEN: u64 = 16 * 1024;
const KEY_FILE_AAD: &[u8] = b"corridor-content/key/v1\0";
const SALT_LEN: usize = 16;

/// Which metadata file a signature is for. The name is part of the signed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetadataKind {
    Root,
    Catalog,
    Safety,
}

impl MetadataKind {
    pub const ALL: [MetadataKind; 3] = [MetadataKind::Root, MetadataKind::Catalog, MetadataKind::Safety];

    /// `root`, `catalog` or `safety`: the `type` field of the payload and the signed kind.
    pub fn name(self) -> &'static str {
        match self {
            MetadataKind::Root => "root",
            MetadataKind::Catalog => "catalog",
            MetadataKind::Safety => "safety",
        }
    }

    /// The largest file of this kind a reader accepts (checked before parsing).
    pub fn max_len(self) -> usize {
        match self {
            MetadataKind::Root => MAX_ROOT_LEN,
            MetadataKind::Catalog => MAX_CATALOG_LEN,
            MetadataKind::Safety => MAX_SAFETY_LEN,
        }
    }

    /// How people call it in messages.
    pub fn describe(self) -> &'static str {
        match self {
            MetadataKind::Root => "the root",
            MetadataKind::Catalog => "the catalog",
            MetadataKind::Safety => "the safety document",
        }
    }
}

impl fmt::Display for MetadataKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The exact bytes a signature covers: `"corridor-content/v1\0" ‖ kind ‖ "\0" ‖ payload`.
pub fn signed_message(kind: MetadataKind, payload: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(SIGNING_CONTEXT.len() + kind.name().len() + 1 + payload.len());
    message.extend_from_slice(SIGNING_CONTEXT);
    message.extend_from_slice(kind.name().as_bytes());
    message.push(0);
    message.extend_from_slice(payload);
    message
}

/// The keyid of a raw Ed25519 public key: SHA-256, lower-case hex.
pub fn keyid_of(public: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, public))
}

/// Whether `text` is 64 lower-case hex digits (a SHA-256, a keyid, a raw 32-byte key).
pub fn is_hex_32(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
}

/// Whether `signature` is a valid Ed25519 signature by `public` (raw 32 bytes) over `kind` and
/// `payload`.
pub fn verify_signature(public: &[u8], kind: MetadataKind, payload: &[u8], signature: &[u8]) -> bool {
    signature.len() == 64
        && UnparsedPublicKey::new(&ED25519, public)
            .verify(&signed_message(kind, payload), signature)
            .is_ok()
}

/// `KEY.pub`: a public key as an editor hands it to whoever sets up the root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicKeyFile {
    /// Always `ed25519`.
    pub scheme: String,
    /// The raw 32-byte public key, hex.
    pub public: String,
    /// SHA-256 (hex) of the raw public key.
    pub keyid: String,
    /// Who holds the key ("Ana, Maputo editor"). Shown in tools, never trusted.
    #[serde(default)]
    pub holder: String,
}

impl PublicKeyFile {
    /// Reads and checks a `KEY.pub` file.
    pub fn read(path: &Path) -> Result<PublicKeyFile> {
        let bytes = read_small_file(path, "public key")?;
        Self::parse(&bytes).map_err(|error| match error {
            Error::InvalidInput { reason, .. } => Error::InvalidInput {
                field: "public key",
                reason: format!("{}: {reason}", path.display()),
            },
            other => other,
        })
    }

    pub fn parse(bytes: &[u8]) -> Result<PublicKeyFile> {
        let file: PublicKeyFile = serde_json::from_slice(bytes)
            .map_err(|_| Error::invalid("public key", "this is not a Corridor content public key (KEY.pub)"))?;
        file.check()?;
        Ok(file)
    }

    /// The scheme is Ed25519, the key is 32 bytes of hex, and the keyid is its SHA-256.
    pub fn check(&self) -> Result<()> {
        if self.scheme != SCHEME {
            return Err(Error::invalid(
                "public key",
                format!("the scheme is {:?}; only ed25519 is used", self.scheme),
            ));
        }
        if !is_hex_32(&self.public) {
            return Err(Error::invalid(
                "public key",
                "the public key is not 64 lower-case hex digits",
            ));
        }
        let raw = hex::decode(&self.public).map_err(|_| Error::invalid("public key", "the public key is not hex"))?;
        if keyid_of(&raw) != self.keyid {
            return Err(Error::invalid(
                "public key",
                "the keyid is not the SHA-256 of the public key (the file was altered)",
            ));
        }
        Ok(())
    }

    /// The key as the root lists it.
    pub fn to_public_key(&self) -> PublicKey {
        PublicKey {
            scheme: self.scheme.clone(),
            public: self.public.clone(),
            holder: self.holder.clone(),
        }
    }

    /// `holder (keyid…)`, or the short keyid alone, for messages.
    pub fn label(&self) -> String {
        key_label(&self.keyid, &self.holder)
    }
}

/// `Ana (1f2e3d4c)`, or `1f2e3d4c` without a holder: how tools name a key.
pub fn key_label(keyid: &str, holder: &str) -> String {
    let short: String = keyid.chars().take(8).collect();
    if holder.trim().is_empty() {
        format!("key {short}")
    } else {
        format!("{} (key {short})", holder.trim())
    }
}

/// The path of the public key written beside a private key: `KEY.pub`.
pub fn public_key_path(private_key: &Path) -> PathBuf {
    let mut name = private_key.as_os_str().to_os_string();
    name.push(".pub");
    PathBuf::from(name)
}

/// The private key file (`KEY`), as stored.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrivateKeyFile {
    scheme: String,
    public: String,
    keyid: String,
    #[serde(default)]
    holder: String,
    kdf: String,
    kdf_params: KdfParamsFile,
    /// Hex.
    salt: String,
    cipher: String,
    /// Hex, 12 bytes.
    nonce: String,
    /// Base64: the PKCS#8 document encrypted, with the 16-byte tag.
    ciphertext: String,
}

/// An Ed25519 signing key, decrypted. No `Debug`, no `Display`; dropped keys zeroize their
/// PKCS#8 bytes (ring keeps its own copy of the seed inside the key pair).
pub struct SigningKey {
    pair: Ed25519KeyPair,
    pkcs8: Zeroizing<Vec<u8>>,
    keyid: String,
    holder: String,
}

impl SigningKey {
    /// A fresh key from the operating system's random generator.
    pub fn generate(holder: &str) -> Result<SigningKey> {
        let rng = ring::rand::SystemRandom::new();
        let document = Ed25519KeyPair::generate_pkcs8(&rng)
            .map_err(|_| Error::Internal("the system random generator failed".into()))?;
        Self::from_pkcs8(Zeroizing::new(document.as_ref().to_vec()), holder)
    }

    fn from_pkcs8(pkcs8: Zeroizing<Vec<u8>>, holder: &str) -> Result<SigningKey> {
        let pair = Ed25519KeyPair::from_pkcs8(&pkcs8)
            .map_err(|_| Error::KeyFileDamaged("the signing key is not a valid Ed25519 key".into()))?;
        let keyid = keyid_of(pair.public_key().as_ref());
        Ok(SigningKey {
            pair,
            pkcs8,
            keyid,
            holder: holder.trim().to_string(),
        })
    }

    pub fn keyid(&self) -> &str {
        &self.keyid
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// The public half, as `KEY.pub` holds it.
    pub fn public_key_file(&self) -> PublicKeyFile {
        PublicKeyFile {
            scheme: SCHEME.into(),
            public: hex::encode(self.pair.public_key().as_ref()),
            keyid: self.keyid.clone(),
            holder: self.holder.clone(),
        }
    }

    /// A signature over `payload` as a metadata file of `kind`.
    pub fn sign(&self, kind: MetadataKind, payload: &[u8]) -> Signature {
        Signature {
            keyid: self.keyid.clone(),
            sig: self.pair.sign(&signed_message(kind, payload)).as_ref().to_vec(),
        }
    }

    /// Writes `KEY` (encrypted with `passphrase`, mode 0600) and `KEY.pub`. Refuses to replace
    /// either file if it exists.
    pub fn write_key_files(&self, private_path: &Path, passphrase: &str) -> Result<PublicKeyFile> {
        self.write_key_files_with(private_path, passphrase, &KEY_FILE_KDF)
    }

    fn write_key_files_with(&self, private_path: &Path, passphrase: &str, params: &KdfParams) -> Result<PublicKeyFile> {
        let public_path = check_new_key_files(private_path, passphrase)?;
        let public = self.public_key_file();
        let sealed = seal_under_passphrase(&self.pkcs8, passphrase, params, &aad(&public.public))?;
        let file = PrivateKeyFile {
            scheme: SCHEME.into(),
            public: public.public.clone(),
            keyid: public.keyid.clone(),
            holder: public.holder.clone(),
            kdf: "argon2id".into(),
            kdf_params: KdfParamsFile::of(params),
            salt: sealed.salt,
            cipher: "chacha20-poly1305".into(),
            nonce: sealed.nonce,
            ciphertext: sealed.ciphertext,
        };
        write_key_files(private_path, &file, &public_path, &public)?;
        Ok(public)
    }

    /// Opens `KEY` with `passphrase`. A wrong passphrase (or an altered file) is an
    /// `InvalidInput` on `passphrase`.
    pub fn load(private_path: &Path, passphrase: &str) -> Result<SigningKey> {
        Self::load_with_policy(private_path, passphrase, &KdfPolicy::PRODUCTION)
    }

    fn load_with_policy(private_path: &Path, passphrase: &str, policy: &KdfPolicy) -> Result<SigningKey> {
        let file = read_private_key_file(private_path)?;
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
            &aad(&file.public),
            None,
            private_path,
        )?;
        let key = Self::from_pkcs8(opened, &file.holder)?;
        if key.keyid != file.keyid || key.public_key_file().public != file.public {
            return Err(Error::KeyFileDamaged(format!(
                "{}: the key inside is not the key the file names",
                private_path.display()
            )));
        }
        Ok(key)
    }
}

/// The public half of a private key file, read without the passphrase (so a tool can say what a
/// key may sign before asking for it).
pub fn read_private_key_identity(private_path: &Path) -> Result<PublicKeyFile> {
    let file = read_private_key_file(private_path)?;
    let public = PublicKeyFile {
        scheme: file.scheme,
        public: file.public,
        keyid: file.keyid,
        holder: file.holder,
    };
    public.check().map_err(|_| {
        Error::KeyFileDamaged(format!(
            "{}: its public key does not match its keyid",
            private_path.display()
        ))
    })?;
    Ok(public)
}

fn read_private_key_file(path: &Path) -> Result<PrivateKeyFile> {
    let bytes = read_small_file(path, "key")?;
    let file: PrivateKeyFile = serde_json::from_slice(&bytes).map_err(|_| {
        Error::invalid(
            "key",
            format!("{} is not a Corridor content private key", path.display()),
        )
    })?;
    if file.scheme != SCHEME || file.kdf != "argon2id" || file.cipher != "chacha20-poly1305" {
        return Err(Error::KeyFileDamaged(format!(
            "{}: unknown scheme, KDF or cipher",
            path.display()
        )));
    }
    Ok(file)
}

pub(crate) fn read_small_file(path: &Path, field: &'static str) -> Result<Vec<u8>> {
    let metadata =
        std::fs::metadata(path).map_err(|_| Error::invalid(field, format!("{} cannot be read", path.display())))?;
    if metadata.len() > MAX_KEY_FILE_LEN {
        return Err(Error::invalid(
            field,
            format!("{} is too large to be a key file", path.display()),
        ));
    }
    std::fs::read(path).map_err(|_| Error::invalid(field, format!("{} cannot be read", path.display())))
}

fn aad(public_hex: &str) -> Vec<u8> {
    let mut aad = KEY_FILE_AAD.to_vec();
    aad.extend_from_slice(public_hex.as_bytes());
    aad
}

/// Argon2id parameters as a key file stores them (content signing keys and team keys alike).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KdfParamsFile {
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

impl KdfParamsFile {
    pub(crate) fn of(params: &KdfParams) -> KdfParamsFile {
        KdfParamsFile {
            memory_kib: params.memory_kib,
            iterations: params.iterations,
            parallelism: params.parallelism,
        }
    }

    pub(crate) fn params(&self) -> KdfParams {
        KdfParams {
            memory_kib: self.memory_kib,
            iterations: self.iterations,
            parallelism: self.parallelism,
        }
    }
}

/// A secret encrypted under a passphrase as key files store it: Argon2id over the passphrase
/// and a random salt gives a ChaCha20-Poly1305 key; `aad` binds the file's public names.
pub(crate) struct PassphraseSealed {
    /// Hex.
    pub salt: String,
    /// Hex, 12 bytes.
    pub nonce: String,
    /// Base64: the secret encrypted, with the 16-byte tag.
    pub ciphertext: String,
}

/// Encrypts `secret` under `passphrase` (a fresh salt and nonce).
pub(crate) fn seal_under_passphrase(
    secret: &[u8],
    passphrase: &str,
    params: &KdfParams,
    aad: &[u8],
) -> Result<PassphraseSealed> {
    let salt: [u8; SALT_LEN] = crate::secret::random_array()?;
    let nonce: [u8; 12] = crate::secret::random_array()?;
    let wrapping_key = derive_wrapping_key(passphrase, &salt, params)?;
    // Room for the tag from the start: no reallocation leaves a copy of the secret behind.
    let mut sealed = Zeroizing::new(Vec::with_capacity(secret.len() + CHACHA20_POLY1305.tag_len()));
    sealed.extend_from_slice(secret);
    wrapping_key
        .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), &mut *sealed)
        .map_err(|_| Error::Internal("the key could not be encrypted".into()))?;
    Ok(PassphraseSealed {
        salt: hex::encode(salt),
        nonce: hex::encode(nonce),
        ciphertext: STANDARD.encode(&*sealed),
    })
}

/// Decrypts what [`seal_under_passphrase`] made, after checking `params` against `policy`.
/// `secret_len`: the length the secret must have, if fixed. A wrong passphrase (or an altered
/// file) is an `InvalidInput` on `passphrase`; a malformed file is `KeyFileDamaged`.
pub(crate) fn open_under_passphrase(
    sealed: &PassphraseSealed,
    params: &KdfParams,
    policy: &KdfPolicy,
    passphrase: &str,
    aad: &[u8],
    secret_len: Option<usize>,
    private_path: &Path,
) -> Result<Zeroizing<Vec<u8>>> {
    policy.check(params)?;
    let damaged = |what: &str| Error::KeyFileDamaged(format!("{}: {what}", private_path.display()));
    let salt = hex::decode(&sealed.salt).map_err(|_| damaged("the salt is not hex"))?;
    if salt.len() < 8 || salt.len() > 64 {
        return Err(damaged("the salt has an unusual length"));
    }
    let nonce: [u8; 12] = hex::decode(&sealed.nonce)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| damaged("the nonce is not 12 bytes of hex"))?;
    let mut ciphertext = Zeroizing::new(
        STANDARD
            .decode(sealed.ciphertext.as_bytes())
            .map_err(|_| damaged("the ciphertext is not base64"))?,
    );
    if secret_len.is_some_and(|len| ciphertext.len() != len + CHACHA20_POLY1305.tag_len()) {
        return Err(damaged("the ciphertext does not have the length of the key it holds"));
    }
    let wrapping_key = derive_wrapping_key(passphrase, &salt, params)?;
    let opened = wrapping_key
        .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(aad), &mut ciphertext)
        .map_err(|_| {
            Error::invalid(
                "passphrase",
                format!(
                    "the passphrase does not open {} (or the file was altered)",
                    private_path.display()
                ),
            )
        })?;
    Ok(Zeroizing::new(opened.to_vec()))
}

/// Before a new key is made: the passphrase is long enough, and neither `KEY` nor `KEY.pub`
/// exists (a key file is never overwritten). Returns the public key's path.
pub(crate) fn check_new_key_files(private_path: &Path, passphrase: &str) -> Result<PathBuf> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::invalid(
            "passphrase",
            format!("use at least {MIN_PASSPHRASE_CHARS} characters (a few words are easier to remember)"),
        ));
    }
    let public_path = public_key_path(private_path);
    for path in [private_path, public_path.as_path()] {
        if path.exists() {
            return Err(Error::invalid(
                "key",
                format!("{} exists already; a key file is never overwritten", path.display()),
            ));
        }
    }
    Ok(public_path)
}

/// Writes `KEY` (mode 0600) and `KEY.pub` (0644) as pretty JSON; if the second cannot be
/// written, the first is removed again.
pub(crate) fn write_key_files(
    private_path: &Path,
    private: &impl Serialize,
    public_path: &Path,
    public: &impl Serialize,
) -> Result<()> {
    let mut private_json = serde_json::to_vec_pretty(private).map_err(|error| Error::Internal(error.to_string()))?;
    private_json.push(b'\n');
    let mut public_json = serde_json::to_vec_pretty(public).map_err(|error| Error::Internal(error.to_string()))?;
    public_json.push(b'\n');
    write_new_file(private_path, &private_json, 0o600)?;
    if let Err(error) = write_new_file(public_path, &public_json, 0o644) {
        let _ = std::fs::remove_file(private_path);
        return Err(error);
    }
    Ok(())
}

pub(crate) fn derive_wrapping_key(passphrase: &str, salt: &[u8], params: &KdfParams) -> Result<LessSafeKey> {
    let argon_params = Params::new(params.memory_kib, params.iterations, params.parallelism, Some(32))
        .map_err(|_| Error::KeyFileDamaged("the key file's KDF parameters are not valid".into()))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
    let mut derived = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.as_bytes(), salt, derived.as_mut())
        .map_err(|_| Error::Internal("the key derivation failed".into()))?;
    let unbound = UnboundKey::new(&CHACHA20_POLY1305, derived.as_ref())
        .map_err(|_| Error::Internal("the key could not be prepared".into()))?;
    Ok(LessSafeKey::new(unbound))
}

/// Creates `path` (never replacing it), writes `bytes`, flushes them to disk.
pub(crate) fn write_new_file(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(|error| {
        if error.kind() == std::io::ErrorKind::AlreadyExists {
            Error::invalid(
                "key",
                format!("{} exists already; a key file is never overwritten", path.display()),
            )
        } else {
            Error::from(error)
        }
    })?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_key_file_opens_with_its_passphrase_only_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ana");
        let key = SigningKey::generate("Ana").unwrap();
        let public = key.write_key_files_with(&path, "long enough words", &FAST).unwrap();
        assert_eq!(PublicKeyFile::read(&public_key_path(&path)).unwrap(), public);
        assert_eq!(read_private_key_identity(&path).unwrap(), public);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let opened = SigningKey::load_with_policy(&path, "long enough words", &FAST_POLICY).unwrap();
        assert_eq!(opened.keyid(), key.keyid());
        let wrong = SigningKey::load_with_policy(&path, "long enough wordz", &FAST_POLICY);
        assert!(
            matches!(&wrong, Err(Error::InvalidInput { field: "passphrase", reason }) if reason.contains("does not open")),
            "{:?}",
            wrong.err()
        );
        let again = key.write_key_files_with(&path, "long enough words", &FAST);
        assert!(matches!(again, Err(Error::InvalidInput { reason, .. }) if reason.contains("never overwritten")));
        // The production policy refuses the weak test parameters, as it would a tampered file.
        assert!(matches!(
            SigningKey::load(&path, "long enough words"),
            Err(Error::KeyFileDamaged(_))
        ));
        let short = SigningKey::generate("")
            .unwrap()
            .write_key_files_with(&dir.path().join("b"), "short", &FAST);
        assert!(matches!(
            short,
            Err(Error::InvalidInput {
                field: "passphrase",
                ..
            })
        ));
    }

    #[test]
    fn a_signature_binds_the_kind_and_the_bytes() {
        let key = SigningKey::generate("").unwrap();
        let public = hex::decode(key.public_key_file().public).unwrap();
        let signature = key.sign(MetadataKind::Catalog, b"payload");
        assert!(verify_signature(
            &public,
            MetadataKind::Catalog,
            b"payload",
            &signature.sig
        ));
        assert!(!verify_signature(
            &public,
            MetadataKind::Root,
            b"payload",
            &signature.sig
        ));
        assert!(!verify_signature(
            &public,
            MetadataKind::Catalog,
            b"payloae",
            &signature.sig
        ));
        assert!(!verify_signature(
            &public,
            MetadataKind::Catalog,
            b"payload",
            &signature.sig[..63]
        ));
        assert_eq!(signature.keyid, keyid_of(&public));
    }
}
