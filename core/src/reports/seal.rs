//! Sealing a report to the Crisis Response Team: HPKE (RFC 9180) base mode with
//! DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / ChaCha20-Poly1305, suite ids 0x0020 / 0x0001 / 0x0003.
//!
//! A sealed report is
//!
//! ```text
//! "CRDRRPT1" ‖ key_id length (u8, 1..=64) ‖ key_id (UTF-8) ‖ enc (32 bytes) ‖ HPKE ciphertext
//! ```
//!
//! with `info = "corridor/report/v1" ‖ 0x00 ‖ key_id` (binds the protocol version and the key
//! id) and `aad` = every byte before the ciphertext (the magic, the key id and `enc`). The
//! ciphertext encrypts the plaintext padded to the smallest of [`BUCKETS`]:
//! `length (u32, big-endian) ‖ plaintext ‖ zeros`, plus the 16-byte tag. Its length therefore
//! says only which bucket a report fell in, never whether it is an SOS, a quick or a full report;
//! the key id is the same for every report sealed to a team.
//!
//! The phone seals ([`seal`]: only the team's public key, from the safety-signed catalog); the
//! coordinator's tool opens ([`open`]: the team's private key, which never reaches the hub).

use core::convert::Infallible;

use hpke::aead::{AeadTag, ChaCha20Poly1305};
use hpke::inout::InOutBuf;
use hpke::kdf::HkdfSha256;
use hpke::rand_core::{TryCryptoRng, TryRng};
use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
use zeroize::Zeroizing;

use super::team_key::Kem;
pub use super::team_key::{is_valid_key_id, TeamPrivateKey, TeamPublicKey, MAX_KEY_ID_LEN};
use crate::error::{Error, Result};
use crate::sync::wire::MAX_SEALED_REPORT_LEN;

/// The first bytes of every sealed report (format version 1).
pub const MAGIC: &[u8; 8] = b"CRDRRPT1";
/// The prefix of HPKE's `info`; the key id follows a zero byte.
pub const INFO_PREFIX: &[u8] = b"corridor/report/v1";
/// The first bytes of a sealed peer-educator session upload (format version 1).
pub const SESSION_MAGIC: &[u8; 8] = b"CRDSESS1";
/// The prefix of HPKE's `info` for session uploads.
pub const SESSION_INFO_PREFIX: &[u8] = b"corridor/session/v1";

/// What is sealed: a report to a Crisis Response Team, or a peer educator's session to the
/// hub's intake key. The same construction with its own magic and `info`, so that one can never
/// be opened as the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealKind {
    Report,
    Session,
}

impl SealKind {
    fn magic(self) -> &'static [u8; 8] {
        match self {
            SealKind::Report => MAGIC,
            SealKind::Session => SESSION_MAGIC,
        }
    }

    fn info_prefix(self) -> &'static [u8] {
        match self {
            SealKind::Report => INFO_PREFIX,
            SealKind::Session => SESSION_INFO_PREFIX,
        }
    }

    /// The word error messages use.
    fn noun(self) -> &'static str {
        match self {
            SealKind::Report => "report",
            SealKind::Session => "session",
        }
    }
}
/// Padded plaintext sizes (length prefix included): a plaintext goes into the smallest that fits.
pub const BUCKETS: &[usize] = &[65536, 262144];
/// Bytes of the length prefix inside the padded plaintext.
pub const LENGTH_PREFIX_LEN: usize = 4;
/// The largest plaintext that can be sealed.
pub const MAX_PLAINTEXT_LEN: usize = 262144 - LENGTH_PREFIX_LEN;
/// Bytes of `enc` (the sender's ephemeral X25519 public key).
pub const ENC_LEN: usize = 32;
/// Bytes of the ChaCha20-Poly1305 tag.
pub const TAG_LEN: usize = 16;

const _: () = assert!(BUCKETS[BUCKETS.len() - 1] == MAX_PLAINTEXT_LEN + LENGTH_PREFIX_LEN);
const _: () = assert!(
    MAGIC.len() + 1 + MAX_KEY_ID_LEN + ENC_LEN + MAX_PLAINTEXT_LEN + LENGTH_PREFIX_LEN + TAG_LEN
        <= MAX_SEALED_REPORT_LEN
);

/// The padded size for a plaintext of `len` bytes, or why it cannot be sealed.
pub fn bucket_for(len: usize) -> Result<usize> {
    BUCKETS
        .iter()
        .copied()
        .find(|bucket| len.saturating_add(LENGTH_PREFIX_LEN) <= *bucket)
        .ok_or_else(|| {
            Error::invalid(
                "report",
                format!("the report is too long to send ({len} bytes; at most {MAX_PLAINTEXT_LEN})"),
            )
        })
}

/// The length of the sealed bytes for a plaintext of `len` bytes sealed to a key with `key_id`.
pub fn sealed_len(len: usize, key_id: &str) -> Result<usize> {
    Ok(MAGIC.len() + 1 + key_id.len() + ENC_LEN + bucket_for(len)? + TAG_LEN)
}

/// Seals `plaintext` to the team's public key. Two sealings of the same plaintext differ (a fresh
/// ephemeral key each time).
pub fn seal(plaintext: &[u8], key: &TeamPublicKey) -> Result<Vec<u8>> {
    seal_as(SealKind::Report, plaintext, key)
}

/// [`seal`] for any [`SealKind`].
pub fn seal_as(kind: SealKind, plaintext: &[u8], key: &TeamPublicKey) -> Result<Vec<u8>> {
    let mut ikm = Zeroizing::new([0u8; 32]);
    crate::secret::fill_random(ikm.as_mut())?;
    seal_kind_with_ephemeral_ikm(kind, plaintext, key, &ikm)
}

/// [`seal`] with the sender's ephemeral key derived (RFC 9180 DeriveKeyPair) from `ikm`.
#[cfg(test)]
pub(crate) fn seal_with_ephemeral_ikm(plaintext: &[u8], key: &TeamPublicKey, ikm: &[u8; 32]) -> Result<Vec<u8>> {
    seal_kind_with_ephemeral_ikm(SealKind::Report, plaintext, key, ikm)
}

fn seal_kind_with_ephemeral_ikm(
    kind: SealKind,
    plaintext: &[u8],
    key: &TeamPublicKey,
    ikm: &[u8; 32],
) -> Result<Vec<u8>> {
    if !is_valid_key_id(&key.key_id) {
        return Err(Error::invalid("team key", "the team key's id is not valid"));
    }
    let bucket = bucket_for(plaintext.len())?;
    let recipient = <Kem as hpke::Kem>::PublicKey::from_bytes(&key.public)
        .map_err(|_| Error::invalid("team key", "the team's public key is not an X25519 key"))?;
    let mut rng = OneShotIkm::new(ikm);
    let (enc, mut context) = hpke::setup_sender_with_rng::<ChaCha20Poly1305, HkdfSha256, Kem>(
        &OpModeS::Base,
        &recipient,
        &info(kind, &key.key_id),
        &mut rng,
    )
    .map_err(|_| {
        Error::invalid(
            "team key",
            format!(
                "the public key of {} cannot be sealed to (it is not a usable X25519 key)",
                key.key_id
            ),
        )
    })?;
    if !rng.used_exactly_once() {
        return Err(Error::Internal("the sealing key was not derived as expected".into()));
    }
    let mut sealed = Vec::with_capacity(sealed_len(plaintext.len(), &key.key_id)?);
    sealed.extend_from_slice(kind.magic());
    sealed.push(key.key_id.len() as u8);
    sealed.extend_from_slice(key.key_id.as_bytes());
    sealed.extend_from_slice(&enc.to_bytes());
    let header_len = sealed.len();
    let mut padded = Zeroizing::new(vec![0u8; bucket]);
    padded[..LENGTH_PREFIX_LEN].copy_from_slice(&(plaintext.len() as u32).to_be_bytes());
    padded[LENGTH_PREFIX_LEN..LENGTH_PREFIX_LEN + plaintext.len()].copy_from_slice(plaintext);
    let tag = context
        .seal_inout_detached(InOutBuf::from(&mut padded[..]), &sealed[..header_len])
        .map_err(|_| Error::Internal("the report could not be sealed".into()))?;
    sealed.extend_from_slice(&padded);
    sealed.extend_from_slice(&tag.to_bytes());
    Ok(sealed)
}

/// The parts of a sealed report, checked for size and form (not yet opened).
struct Parsed<'a> {
    key_id: &'a str,
    header: &'a [u8],
    enc: &'a [u8],
    ciphertext: &'a [u8],
    tag: &'a [u8],
}

fn parse(kind: SealKind, sealed: &[u8]) -> Result<Parsed<'_>> {
    let noun = kind.noun();
    let unreadable = |why: &str| Error::invalid(noun, format!("this is not a sealed Corridor {noun} ({why})"));
    let magic = kind.magic();
    if sealed.len() > MAX_SEALED_REPORT_LEN {
        return Err(unreadable("too large"));
    }
    if sealed.len() < magic.len() + 1 || &sealed[..magic.len()] != magic {
        return Err(unreadable("it does not start as one"));
    }
    let key_id_len = usize::from(sealed[magic.len()]);
    let key_id_start = magic.len() + 1;
    let enc_start = key_id_start + key_id_len;
    let ciphertext_start = enc_start + ENC_LEN;
    if key_id_len == 0 || key_id_len > MAX_KEY_ID_LEN || sealed.len() < ciphertext_start + TAG_LEN {
        return Err(unreadable("it is cut short or its key id has a wrong length"));
    }
    let key_id = std::str::from_utf8(&sealed[key_id_start..enc_start])
        .ok()
        .filter(|key_id| is_valid_key_id(key_id))
        .ok_or_else(|| unreadable("its key id is not valid"))?;
    let body_len = sealed.len() - ciphertext_start - TAG_LEN;
    if !BUCKETS.contains(&body_len) {
        return Err(unreadable("its length is not one a sealed message has"));
    }
    let tag_start = sealed.len() - TAG_LEN;
    Ok(Parsed {
        key_id,
        header: &sealed[..ciphertext_start],
        enc: &sealed[enc_start..ciphertext_start],
        ciphertext: &sealed[ciphertext_start..tag_start],
        tag: &sealed[tag_start..],
    })
}

/// The key id a sealed report names (read without any key), so that a coordinator's tool can
/// say "sealed to another key" before trying to open it.
pub fn sealed_key_id(sealed: &[u8]) -> Result<&str> {
    parse(SealKind::Report, sealed).map(|parsed| parsed.key_id)
}

/// Opens a sealed report with the team's private key and returns the plaintext (unpadded).
/// A report sealed to another key id, altered, cut short or not a sealed report at all is an
/// `InvalidInput` on `report` that says which.
pub fn open(sealed: &[u8], key: &TeamPrivateKey) -> Result<Vec<u8>> {
    open_as(SealKind::Report, sealed, key)
}

/// [`open`] for any [`SealKind`].
pub fn open_as(kind: SealKind, sealed: &[u8], key: &TeamPrivateKey) -> Result<Vec<u8>> {
    let noun = kind.noun();
    let parsed = parse(kind, sealed)?;
    if parsed.key_id != key.key_id() {
        return Err(Error::invalid(
            noun,
            format!(
                "sealed to another key: {} (this key is {})",
                parsed.key_id,
                key.key_id()
            ),
        ));
    }
    let does_not_open = || {
        Error::invalid(
            noun,
            format!(
                "the {noun} does not open with key {}: it was altered, or sealed to another key with the same id",
                parsed.key_id
            ),
        )
    };
    let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(parsed.enc).map_err(|_| does_not_open())?;
    let tag = AeadTag::<ChaCha20Poly1305>::from_bytes(parsed.tag).map_err(|_| does_not_open())?;
    let mut context = hpke::setup_receiver::<ChaCha20Poly1305, HkdfSha256, Kem>(
        &OpModeR::Base,
        key.secret(),
        &enc,
        &info(kind, parsed.key_id),
    )
    .map_err(|_| does_not_open())?;
    let mut padded = Zeroizing::new(parsed.ciphertext.to_vec());
    context
        .open_inout_detached(InOutBuf::from(&mut padded[..]), parsed.header, &tag)
        .map_err(|_| does_not_open())?;
    let mut prefix = [0u8; LENGTH_PREFIX_LEN];
    prefix.copy_from_slice(&padded[..LENGTH_PREFIX_LEN]);
    let len = u32::from_be_bytes(prefix) as usize;
    let end = LENGTH_PREFIX_LEN
        .checked_add(len)
        .filter(|end| *end <= padded.len())
        .ok_or_else(|| {
            Error::invalid(
                noun,
                format!("the {noun} opened but its length is wrong (a faulty sender)"),
            )
        })?;
    if padded[end..].iter().any(|byte| *byte != 0) {
        return Err(Error::invalid(
            noun,
            format!("the {noun} opened but its padding is not zeros (a faulty sender)"),
        ));
    }
    Ok(padded[LENGTH_PREFIX_LEN..end].to_vec())
}

/// `"corridor/report/v1" ‖ 0x00 ‖ key_id` (or the session prefix).
fn info(kind: SealKind, key_id: &str) -> Vec<u8> {
    let prefix = kind.info_prefix();
    let mut info = Vec::with_capacity(prefix.len() + 1 + key_id.len());
    info.extend_from_slice(prefix);
    info.push(0);
    info.extend_from_slice(key_id.as_bytes());
    info
}

/// Feeds exactly the 32 given bytes to HPKE's ephemeral key generation (which asks for 32 bytes
/// once and derives the key with RFC 9180 DeriveKeyPair). Our randomness comes from ring's
/// system generator, whose failure is an error rather than a panic. Should the library ever ask
/// for other bytes, it gets zeros and the sealing is refused.
struct OneShotIkm<'a> {
    ikm: &'a [u8; 32],
    calls: u32,
    misuse: bool,
}

impl<'a> OneShotIkm<'a> {
    fn new(ikm: &'a [u8; 32]) -> Self {
        OneShotIkm {
            ikm,
            calls: 0,
            misuse: false,
        }
    }

    fn used_exactly_once(&self) -> bool {
        self.calls == 1 && !self.misuse
    }
}

impl TryRng for OneShotIkm<'_> {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        self.misuse = true;
        Ok(0)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.misuse = true;
        Ok(0)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.calls += 1;
        if self.calls == 1 && dst.len() == self.ikm.len() {
            dst.copy_from_slice(self.ikm);
        } else {
            self.misuse = true;
            dst.fill(0);
        }
        Ok(())
    }
}

impl TryCryptoRng for OneShotIkm<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(text: &str) -> Vec<u8> {
        hex::decode(text.split_whitespace().collect::<String>()).unwrap()
    }

    /// RFC 7748 clamping: the `hpke` crate serialises X25519 private keys clamped, the RFC 9180
    /// vectors list them as DeriveKeyPair outputs them.
    fn clamped(text: &str) -> Vec<u8> {
        let mut bytes = unhex(text);
        bytes[0] &= 248;
        bytes[31] &= 127;
        bytes[31] |= 64;
        bytes
    }

    /// RFC 9180 Appendix A.2.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305, base.
    const INFO: &str = "4f6465206f6e2061204772656369616e2055726e";
    const IKM_E: &str = "909a9b35d3dc4713a5e72a4da274b55d3d3821a37e5d099e74a647db583a904b";
    const PK_EM: &str = "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a";
    const SK_EM: &str = "f4ec9b33b792c372c1d2c2063507b684ef925b8c75a42dbcbf57d63ccd381600";
    const IKM_R: &str = "1ac01f181fdf9f352797655161c58b75c656a6cc2716dcb66372da835542e1df";
    const PK_RM: &str = "4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a";
    const SK_RM: &str = "8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb";
    const ENC: &str = "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a";
    /// Sequence number 0.
    const PT: &str = "4265617574792069732074727574682c20747275746820626561757479";
    const AAD_0: &str = "436f756e742d30";
    const CT_0: &str = "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db 21993c62ce81883d2dd1b51a28";
    /// Sequence number 1 (the second message of the same context).
    const AAD_1: &str = "436f756e742d31";
    const CT_1: &str = "6b53c051e4199c518de79594e1c4ab18b96f081549d45ce015be002090bb119e 85285337cc95ba5f59992dc98c";

    #[test]
    fn rfc_9180_a_2_1_base_mode_vector() {
        use hpke::Kem as _;
        let ikm_e: [u8; 32] = unhex(IKM_E).try_into().unwrap();
        // DeriveKeyPair: the vector's ephemeral and recipient keys.
        let (sk_e, pk_e) = Kem::derive_keypair(&ikm_e);
        assert_eq!(sk_e.to_bytes().to_vec(), clamped(SK_EM));
        assert_eq!(pk_e.to_bytes().to_vec(), unhex(PK_EM));
        let (sk_r, pk_r) = Kem::derive_keypair(&unhex(IKM_R));
        assert_eq!(sk_r.to_bytes().to_vec(), clamped(SK_RM));
        assert_eq!(pk_r.to_bytes().to_vec(), unhex(PK_RM));

        // The sender, with the vector's ephemeral key fed through the same path `seal` uses.
        let mut rng = OneShotIkm::new(&ikm_e);
        let (enc, mut sender) = hpke::setup_sender_with_rng::<ChaCha20Poly1305, HkdfSha256, Kem>(
            &OpModeS::Base,
            &pk_r,
            &unhex(INFO),
            &mut rng,
        )
        .unwrap();
        assert!(rng.used_exactly_once());
        assert_eq!(enc.to_bytes().to_vec(), unhex(ENC));
        assert_eq!(sender.seal(&unhex(PT), &unhex(AAD_0)).unwrap(), unhex(CT_0));
        assert_eq!(sender.seal(&unhex(PT), &unhex(AAD_1)).unwrap(), unhex(CT_1));

        // The receiver, from the vector's serialised private key.
        let sk_r = <Kem as hpke::Kem>::PrivateKey::from_bytes(&unhex(SK_RM)).unwrap();
        let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&unhex(ENC)).unwrap();
        let mut receiver =
            hpke::setup_receiver::<ChaCha20Poly1305, HkdfSha256, Kem>(&OpModeR::Base, &sk_r, &enc, &unhex(INFO))
                .unwrap();
        assert_eq!(receiver.open(&unhex(CT_0), &unhex(AAD_0)).unwrap(), unhex(PT));
        assert_eq!(receiver.open(&unhex(CT_1), &unhex(AAD_1)).unwrap(), unhex(PT));
        assert!(
            receiver.open(&unhex(CT_1), &unhex(AAD_1)).is_err(),
            "a replayed sequence number"
        );
    }

    #[test]
    fn seal_uses_the_vector_key_schedule_and_the_team_key_opens_it() {
        // The RFC's recipient as a team key; `seal` with the RFC's ephemeral input gives the
        // RFC's `enc`, and the format's own info and aad make the rest.
        let team = TeamPrivateKey::from_ikm("crt-2026", &unhex(IKM_R));
        assert_eq!(team.public().public.to_vec(), unhex(PK_RM));
        let ikm_e: [u8; 32] = unhex(IKM_E).try_into().unwrap();
        let sealed = seal_with_ephemeral_ikm(b"a report", &team.public(), &ikm_e).unwrap();
        assert_eq!(&sealed[..8], MAGIC);
        assert_eq!(usize::from(sealed[8]), "crt-2026".len());
        assert_eq!(&sealed[9..17], b"crt-2026");
        assert_eq!(sealed[17..49].to_vec(), unhex(ENC));
        assert_eq!(sealed.len(), sealed_len(8, "crt-2026").unwrap());
        // Deterministic given the ephemeral input.
        assert_eq!(
            sealed,
            seal_with_ephemeral_ikm(b"a report", &team.public(), &ikm_e).unwrap()
        );
        assert_eq!(open(&sealed, &team).unwrap(), b"a report");
        // The info binds the key id: the same key under another id does not open it.
        let renamed = TeamPrivateKey::from_ikm("crt-2027", &unhex(IKM_R));
        let mut relabelled = sealed.clone();
        relabelled[9..17].copy_from_slice(b"crt-2027");
        assert!(open(&relabelled, &renamed)
            .unwrap_err()
            .to_string()
            .contains("does not open"));
    }

    #[test]
    fn a_low_order_team_key_is_refused_without_panicking() {
        let zero = TeamPublicKey {
            key_id: "bad".into(),
            public: [0u8; 32],
        };
        assert!(matches!(
            seal(b"x", &zero),
            Err(Error::InvalidInput { field: "team key", .. })
        ));
    }
}
