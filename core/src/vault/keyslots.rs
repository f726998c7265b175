//! The key-slot file: a fixed header and a fixed number of fixed-size slots.
//!
//! ```text
//! header (64 bytes)
//!   0  magic "CRDRKEYS"          8  format version u16 (1)     10 KDF id u8 (1 = Argon2id v1.3)
//!   11 AEAD id u8 (1 = ChaCha20-Poly1305)                      12 memory KiB u32
//!   16 iterations u32            20 parallelism u32            24 directory salt [32]
//!   56 slot count u16 (16)       58 slot length u16 (284)      60 reserved [4] (zero)
//! slots (16 × 284 bytes)
//!   nonce [12] ‖ ChaCha20-Poly1305(slot key, plaintext [256], aad = header ‖ slot index u16)
//! slot plaintext (256 bytes)
//!   0  version u8 (1)    1 role u8 (1 personal, 2 decoy, 3 educator)    2 profile id [16]
//!   18 data key [32]     50 companion profile id [16]   66 companion data key [32]
//!   98 name length u8    99 name UTF-8 [64]             163 flags u8 (bit 0: erase on duress)
//!   164 companion slot u8 (0xFF: none)                   165.. zero
//!
//! listing (after the slots)
//!   length u16 ‖ JSON (at most 16 KiB): the public profile listing, see [`super::listing`]
//! ```
//!
//! Unused slots are random bytes, indistinguishable from used ones. All integers big-endian.
//! Every field is checked before use; the file's exact length is checked before anything else.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::kdf::{AttemptKey, KdfParams, KdfPolicy};
use crate::secret::{fill_random, random_array, SecretKey};
use crate::vault::listing::{Listing, MAX_LISTING_LEN};

pub const MAGIC: &[u8; 8] = b"CRDRKEYS";
pub const FORMAT_VERSION: u16 = 1;
pub const HEADER_LEN: usize = 64;
pub const SLOT_COUNT: usize = 16;
pub const SLOT_PLAINTEXT_LEN: usize = 256;
pub const SLOT_LEN: usize = 12 + SLOT_PLAINTEXT_LEN + 16;
/// The length of the header and the slots, before the listing.
pub const FIXED_LEN: usize = HEADER_LEN + SLOT_COUNT * SLOT_LEN;
pub const SALT_LEN: usize = 32;
pub const MAX_NAME_LEN: usize = 64;
const KDF_ARGON2ID: u8 = 1;
const AEAD_CHACHA20_POLY1305: u8 = 1;

/// A profile's public identifier: random, 16 bytes, written as 32 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProfileId(pub [u8; 16]);

impl ProfileId {
    pub fn random() -> Result<Self> {
        Ok(ProfileId(random_array()?))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn parse(text: &str) -> Result<Self> {
        let bytes = hex::decode(text.trim()).map_err(|_| Error::invalid("profile", "a profile id is 32 hex digits"))?;
        let array: [u8; 16] = bytes
            .try_into()
            .map_err(|_| Error::invalid("profile", "a profile id is 32 hex digits"))?;
        Ok(ProfileId(array))
    }
}

/// What a slot unlocks. Known only inside the slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotRole {
    /// The person's own profile on a personal phone.
    Personal,
    /// The decoy profile of a personal phone, opened by the duress PIN.
    Decoy,
    /// A peer educator's profile on a shared tablet.
    Educator,
}

impl SlotRole {
    fn to_byte(self) -> u8 {
        match self {
            SlotRole::Personal => 1,
            SlotRole::Decoy => 2,
            SlotRole::Educator => 3,
        }
    }

    fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            1 => Some(SlotRole::Personal),
            2 => Some(SlotRole::Decoy),
            3 => Some(SlotRole::Educator),
            _ => None,
        }
    }
}

/// The decrypted content of a slot. No `Debug`: it holds keys.
pub struct SlotContent {
    pub role: SlotRole,
    pub profile: ProfileId,
    pub data_key: SecretKey,
    /// On a personal phone, the person's slot also carries the decoy's id and key, so that the
    /// duress PIN can be set (and the decoy filled) from inside the person's profile.
    pub companion: Option<(ProfileId, SecretKey)>,
    /// In the person's slot: the slot the duress PIN opens, if one is set.
    pub companion_slot: Option<u16>,
    pub name: String,
    /// In a decoy slot: opening it erases the person's profile.
    pub erase_on_duress: bool,
}

impl SlotContent {
    fn encode(&self) -> Result<Zeroizing<[u8; SLOT_PLAINTEXT_LEN]>> {
        let name = self.name.as_bytes();
        if name.len() > MAX_NAME_LEN {
            return Err(Error::invalid(
                "name",
                format!("a name is at most {MAX_NAME_LEN} bytes"),
            ));
        }
        let mut out = Zeroizing::new([0u8; SLOT_PLAINTEXT_LEN]);
        out[0] = 1;
        out[1] = self.role.to_byte();
        out[2..18].copy_from_slice(&self.profile.0);
        out[18..50].copy_from_slice(self.data_key.expose());
        if let Some((id, key)) = &self.companion {
            out[50..66].copy_from_slice(&id.0);
            out[66..98].copy_from_slice(key.expose());
        }
        out[98] = name.len() as u8;
        out[99..99 + name.len()].copy_from_slice(name);
        out[163] = u8::from(self.erase_on_duress);
        out[164] = match self.companion_slot {
            Some(index) if (index as usize) < SLOT_COUNT => index as u8,
            Some(_) => return Err(Error::Internal("a companion slot out of range".into())),
            None => 0xFF,
        };
        Ok(out)
    }

    fn decode(plain: &[u8]) -> Option<SlotContent> {
        if plain.len() != SLOT_PLAINTEXT_LEN || plain[0] != 1 {
            return None;
        }
        let role = SlotRole::from_byte(plain[1])?;
        let profile = ProfileId(plain[2..18].try_into().ok()?);
        let data_key = SecretKey::from_slice(&plain[18..50]).ok()?;
        let companion_id: [u8; 16] = plain[50..66].try_into().ok()?;
        let companion = if companion_id == [0u8; 16] {
            None
        } else {
            Some((ProfileId(companion_id), SecretKey::from_slice(&plain[66..98]).ok()?))
        };
        let name_len = plain[98] as usize;
        if name_len > MAX_NAME_LEN {
            return None;
        }
        let name = String::from_utf8(plain[99..99 + name_len].to_vec()).ok()?;
        let erase_on_duress = match plain[163] {
            0 => false,
            1 => true,
            _ => return None,
        };
        let companion_slot = match plain[164] {
            0xFF => None,
            index if (index as usize) < SLOT_COUNT => Some(index as u16),
            _ => return None,
        };
        Some(SlotContent {
            role,
            profile,
            data_key,
            companion,
            companion_slot,
            name,
            erase_on_duress,
        })
    }
}

/// The parsed key-slot file.
#[derive(Clone)]
pub struct KeySlotFile {
    header: [u8; HEADER_LEN],
    slots: Vec<[u8; SLOT_LEN]>,
    pub listing: Listing,
}

impl KeySlotFile {
    /// A new file: fresh salt, the given KDF parameters, every slot random.
    pub fn new(params: &KdfParams) -> Result<Self> {
        let mut header = [0u8; HEADER_LEN];
        header[0..8].copy_from_slice(MAGIC);
        header[8..10].copy_from_slice(&FORMAT_VERSION.to_be_bytes());
        header[10] = KDF_ARGON2ID;
        header[11] = AEAD_CHACHA20_POLY1305;
        header[12..16].copy_from_slice(&params.memory_kib.to_be_bytes());
        header[16..20].copy_from_slice(&params.iterations.to_be_bytes());
        header[20..24].copy_from_slice(&params.parallelism.to_be_bytes());
        fill_random(&mut header[24..56])?;
        header[56..58].copy_from_slice(&(SLOT_COUNT as u16).to_be_bytes());
        header[58..60].copy_from_slice(&(SLOT_LEN as u16).to_be_bytes());
        let mut slots = vec![[0u8; SLOT_LEN]; SLOT_COUNT];
        for slot in &mut slots {
            fill_random(slot)?;
        }
        Ok(KeySlotFile {
            header,
            slots,
            listing: Listing::default(),
        })
    }

    /// Parses and checks a file's bytes. KDF parameters are checked against `policy` here, before
    /// anything runs the KDF.
    pub fn parse(bytes: &[u8], policy: &KdfPolicy) -> Result<Self> {
        let damaged = |what: &str| Err(Error::KeyFileDamaged(what.to_string()));
        if bytes.len() < HEADER_LEN {
            return damaged("it is truncated");
        }
        if &bytes[0..8] != MAGIC {
            return damaged("it is not a Corridor key file");
        }
        let version = u16::from_be_bytes([bytes[8], bytes[9]]);
        if version > FORMAT_VERSION {
            return damaged("it was written by a newer version of Corridor");
        }
        if version != FORMAT_VERSION {
            return damaged("its format version is unknown");
        }
        if bytes[10] != KDF_ARGON2ID || bytes[11] != AEAD_CHACHA20_POLY1305 {
            return damaged("it names an unknown algorithm");
        }
        if u16::from_be_bytes([bytes[56], bytes[57]]) as usize != SLOT_COUNT
            || u16::from_be_bytes([bytes[58], bytes[59]]) as usize != SLOT_LEN
        {
            return damaged("its slot layout is unknown");
        }
        if bytes.len() < FIXED_LEN + 2 {
            return damaged("it is truncated");
        }
        let listing_len = u16::from_be_bytes([bytes[FIXED_LEN], bytes[FIXED_LEN + 1]]) as usize;
        if listing_len > MAX_LISTING_LEN {
            return damaged("its profile listing is too long");
        }
        let expected = FIXED_LEN + 2 + listing_len;
        if bytes.len() != expected {
            return damaged(if bytes.len() < expected {
                "it is truncated"
            } else {
                "it has trailing bytes"
            });
        }
        let listing = Listing::decode(&bytes[FIXED_LEN + 2..])?;
        let mut header = [0u8; HEADER_LEN];
        header.copy_from_slice(&bytes[..HEADER_LEN]);
        let mut slots = Vec::with_capacity(SLOT_COUNT);
        for chunk in bytes[HEADER_LEN..FIXED_LEN].chunks_exact(SLOT_LEN) {
            let mut slot = [0u8; SLOT_LEN];
            slot.copy_from_slice(chunk);
            slots.push(slot);
        }
        let file = KeySlotFile { header, slots, listing };
        policy.check(&file.params())?;
        Ok(file)
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let listing = self.listing.encode()?;
        let mut out = Vec::with_capacity(FIXED_LEN + 2 + listing.len());
        out.extend_from_slice(&self.header);
        for slot in &self.slots {
            out.extend_from_slice(slot);
        }
        out.extend_from_slice(&(listing.len() as u16).to_be_bytes());
        out.extend_from_slice(&listing);
        Ok(out)
    }

    pub fn params(&self) -> KdfParams {
        let word = |at: usize| u32::from_be_bytes(self.header[at..at + 4].try_into().expect("4 bytes"));
        KdfParams {
            memory_kib: word(12),
            iterations: word(16),
            parallelism: word(20),
        }
    }

    pub fn salt(&self) -> &[u8] {
        &self.header[24..56]
    }

    /// Tries every slot with the attempt key, always all of them, so the time taken does not
    /// depend on which slot (if any) opens. Returns the opened slots with their indexes.
    pub fn open_all(&self, attempt: &AttemptKey) -> Result<Vec<(u16, SlotContent)>> {
        let mut opened = Vec::new();
        for index in 0..SLOT_COUNT as u16 {
            let key = attempt.slot_key(index)?;
            if let Some(content) = self.open_slot(index, &key) {
                opened.push((index, content));
            }
        }
        Ok(opened)
    }

    pub(crate) fn open_slot(&self, index: u16, key: &SecretKey) -> Option<SlotContent> {
        let slot = &self.slots[index as usize];
        let aead = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, key.expose()).ok()?);
        let nonce = Nonce::try_assume_unique_for_key(&slot[..12]).ok()?;
        let mut sealed = Zeroizing::new(slot[12..].to_vec());
        let plain = aead
            .open_in_place(nonce, Aad::from(self.aad(index)), &mut sealed)
            .ok()?;
        SlotContent::decode(plain)
    }

    /// Seals `content` into slot `index` under `key`, with a fresh nonce.
    pub fn seal(&mut self, index: u16, key: &SecretKey, content: &SlotContent) -> Result<()> {
        let plain = content.encode()?;
        let aead = LessSafeKey::new(
            UnboundKey::new(&CHACHA20_POLY1305, key.expose()).map_err(|_| Error::Internal("bad slot key".into()))?,
        );
        let nonce_bytes: [u8; 12] = random_array()?;
        let mut buffer = plain.to_vec();
        aead.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce_bytes),
            Aad::from(self.aad(index)),
            &mut buffer,
        )
        .map_err(|_| Error::Internal("sealing a slot failed".into()))?;
        let slot = &mut self.slots[index as usize];
        slot[..12].copy_from_slice(&nonce_bytes);
        slot[12..].copy_from_slice(&buffer);
        zeroize::Zeroize::zeroize(&mut buffer);
        Ok(())
    }

    /// Fills slot `index` with random bytes, destroying whatever key it held.
    pub fn clear(&mut self, index: u16) -> Result<()> {
        fill_random(&mut self.slots[index as usize])
    }

    fn aad(&self, index: u16) -> [u8; HEADER_LEN + 2] {
        let mut aad = [0u8; HEADER_LEN + 2];
        aad[..HEADER_LEN].copy_from_slice(&self.header);
        aad[HEADER_LEN..].copy_from_slice(&index.to_be_bytes());
        aad
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_malformed_file_gets_its_own_clear_reason() {
        let good = KeySlotFile::new(&KdfParams::PRODUCTION).unwrap().to_bytes().unwrap();
        let policy = KdfPolicy::PRODUCTION;
        let reason = |bytes: &[u8]| match KeySlotFile::parse(bytes, &policy) {
            Err(Error::KeyFileDamaged(reason)) => reason,
            Ok(_) => "accepted".into(),
            Err(other) => format!("other error {other}"),
        };
        assert!(KeySlotFile::parse(&good, &policy).is_ok());
        assert_eq!(reason(&good[..40]), "it is truncated");
        assert_eq!(reason(&good[..good.len() - 1]), "it is truncated");
        assert_eq!(reason(&good[..FIXED_LEN]), "it is truncated");
        let mut huge_listing = good.clone();
        huge_listing[FIXED_LEN..FIXED_LEN + 2].copy_from_slice(&u16::MAX.to_be_bytes());
        assert_eq!(reason(&huge_listing), "its profile listing is too long");
        let mut longer = good.clone();
        longer.push(0);
        assert_eq!(reason(&longer), "it has trailing bytes");
        let mut not_ours = good.clone();
        not_ours[0] = b'X';
        assert_eq!(reason(&not_ours), "it is not a Corridor key file");
        let mut newer = good.clone();
        newer[9] = 2;
        assert!(reason(&newer).contains("newer version"));
        let mut absurd_memory = good.clone();
        absurd_memory[12..16].copy_from_slice(&(64u32 * 1024 * 1024).to_be_bytes());
        assert!(reason(&absurd_memory).contains("KDF memory"));
        let mut absurd_passes = good.clone();
        absurd_passes[16..20].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(reason(&absurd_passes).contains("KDF iterations"));
        let mut weakened = good.clone();
        weakened[12..16].copy_from_slice(&8u32.to_be_bytes());
        assert!(reason(&weakened).contains("KDF memory"));
    }

    proptest! {
        #[test]
        fn parsing_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..FIXED_LEN + 64)) {
            let _ = KeySlotFile::parse(&bytes, &KdfPolicy::PRODUCTION);
        }

        /// Structure-aware: starts from a valid file (so the magic and version checks pass) and
        /// changes bytes anywhere, the listing's length and JSON included, or cuts the file.
        #[test]
        fn mutating_a_valid_file_never_panics(
            changes in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
            cut in proptest::option::of(any::<usize>()),
            listing_len in any::<u16>(),
        ) {
            let mut file = KeySlotFile::new(&KdfParams::PRODUCTION).unwrap();
            file.listing = Listing::phone(ProfileId([1; 16]), ProfileId([2; 16]));
            let mut bytes = file.to_bytes().unwrap();
            for (position, value) in changes {
                let position = position % bytes.len();
                if position >= 12 {
                    bytes[position] = value;
                }
            }
            if listing_len % 3 == 0 {
                bytes[FIXED_LEN..FIXED_LEN + 2].copy_from_slice(&listing_len.to_be_bytes());
            }
            if let Some(cut) = cut {
                bytes.truncate(cut % (bytes.len() + 1));
            }
            let _ = KeySlotFile::parse(&bytes, &KdfPolicy::PRODUCTION);
        }

        #[test]
        fn altering_any_header_byte_is_refused_or_closes_the_slot(position in 0usize..HEADER_LEN, flip in 1u8..=255) {
            let mut file = KeySlotFile::new(&KdfParams::PRODUCTION).unwrap();
            let key = SecretKey::random().unwrap();
            let content = SlotContent {
                role: SlotRole::Personal,
                profile: ProfileId([1; 16]),
                data_key: SecretKey::random().unwrap(),
                companion: None,
                companion_slot: None,
                name: String::new(),
                erase_on_duress: false,
            };
            file.seal(0, &key, &content).unwrap();
            let mut bytes = file.to_bytes().unwrap();
            bytes[position] ^= flip;
            if let Ok(altered) = KeySlotFile::parse(&bytes, &KdfPolicy::PRODUCTION) {
                prop_assert!(altered.open_slot(0, &key).is_none(), "byte {} altered, slot still opened", position);
            }
        }
    }

    #[test]
    fn a_sealed_slot_opens_with_its_key_only_and_round_trips() {
        let mut file = KeySlotFile::new(&KdfParams::PRODUCTION).unwrap();
        let key = SecretKey::random().unwrap();
        let content = SlotContent {
            role: SlotRole::Educator,
            profile: ProfileId([9; 16]),
            data_key: SecretKey::random().unwrap(),
            companion: Some((ProfileId([4; 16]), SecretKey::random().unwrap())),
            companion_slot: Some(11),
            name: "Thandiwe".into(),
            erase_on_duress: true,
        };
        file.seal(5, &key, &content).unwrap();
        let reparsed = KeySlotFile::parse(&file.to_bytes().unwrap(), &KdfPolicy::PRODUCTION).unwrap();
        let opened = reparsed.open_slot(5, &key).unwrap();
        assert_eq!(opened.role, SlotRole::Educator);
        assert_eq!(opened.profile, content.profile);
        assert_eq!(opened.data_key.expose(), content.data_key.expose());
        assert_eq!(opened.name, "Thandiwe");
        assert_eq!(opened.companion.as_ref().unwrap().0, ProfileId([4; 16]));
        assert_eq!(opened.companion_slot, Some(11));
        assert!(opened.erase_on_duress);
        assert!(
            reparsed.open_slot(6, &key).is_none(),
            "a slot must not open under another index"
        );
        assert!(reparsed.open_slot(5, &SecretKey::random().unwrap()).is_none());
    }
}
