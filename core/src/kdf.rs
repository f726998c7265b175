//! The key hierarchy below the PIN.
//!
//! ```text
//! PIN ──normalise──▶ Argon2id(m, t, p; salt = directory salt ‖ profile selector) ──▶ 32 bytes
//!      └─▶ KeyStrengthener.strengthen("corridor/pin/v1" ‖ argon)      (device-bound)
//!          └─▶ HKDF-SHA256(salt = directory salt, ikm = argon ‖ strengthened) = attempt key
//!              └─▶ HKDF-Expand(info = "corridor/slot/v1" ‖ slot index) = one key per slot
//! ```
//!
//! One attempt runs Argon2id and the strengthener exactly once, whichever slot it opens, so a
//! real PIN, a duress PIN and a wrong PIN cost the same. The profile selector is empty on a
//! personal phone and the chosen educator's profile id on a shared tablet, so two educators who
//! pick the same PIN still get different keys.
//!
//! Parameters are read from the key-slot file, so they are checked against a [`KdfPolicy`]
//! before use: a tampered file must not make an unlock take minutes or allocate gigabytes, nor
//! weaken the KDF below the OWASP floor.

use argon2::{Algorithm, Argon2, Params, Version};
use ring::hkdf;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::platform::KeyStrengthener;
use crate::secret::SecretKey;

/// Argon2id cost parameters as stored in the key-slot file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl KdfParams {
    /// What a new data directory uses: 46 MiB, 2 passes, 1 lane (OWASP's second Argon2id
    /// option, above its floor of 19 MiB / 2 / 1). About 0.1 s on a desktop core and under a
    /// second on a low-end phone.
    pub const PRODUCTION: KdfParams = KdfParams {
        memory_kib: 46 * 1024,
        iterations: 2,
        parallelism: 1,
    };

    /// The OWASP floor: production code refuses anything weaker.
    pub const OWASP_FLOOR: KdfParams = KdfParams {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };
}

/// The range of parameters a vault accepts from a key file.
#[derive(Debug, Clone, Copy)]
pub struct KdfPolicy {
    pub floor: KdfParams,
    pub max_memory_kib: u32,
    pub max_iterations: u32,
    pub max_parallelism: u32,
}

impl KdfPolicy {
    /// Production: at least the OWASP floor; at most 256 MiB, 10 passes and 4 lanes.
    pub const PRODUCTION: KdfPolicy = KdfPolicy {
        floor: KdfParams::OWASP_FLOOR,
        max_memory_kib: 256 * 1024,
        max_iterations: 10,
        max_parallelism: 4,
    };

    pub fn check(&self, params: &KdfParams) -> Result<()> {
        let damaged = |what: String| Err(Error::KeyFileDamaged(what));
        if params.parallelism < self.floor.parallelism || params.parallelism > self.max_parallelism {
            return damaged(format!(
                "KDF parallelism {} is outside {}..={}",
                params.parallelism, self.floor.parallelism, self.max_parallelism
            ));
        }
        if params.iterations < self.floor.iterations || params.iterations > self.max_iterations {
            return damaged(format!(
                "KDF iterations {} is outside {}..={}",
                params.iterations, self.floor.iterations, self.max_iterations
            ));
        }
        let memory_floor = self.floor.memory_kib.max(8 * params.parallelism);
        if params.memory_kib < memory_floor || params.memory_kib > self.max_memory_kib {
            return damaged(format!(
                "KDF memory {} KiB is outside {}..={} KiB",
                params.memory_kib, memory_floor, self.max_memory_kib
            ));
        }
        Ok(())
    }
}

#[cfg(feature = "test-support")]
impl KdfPolicy {
    /// Far below production so the test suite stays fast. Only tests construct it.
    pub const TESTING_INSECURE: KdfPolicy = KdfPolicy {
        floor: KdfParams {
            memory_kib: 8,
            iterations: 1,
            parallelism: 1,
        },
        max_memory_kib: 256 * 1024,
        max_iterations: 10,
        max_parallelism: 4,
    };
}

#[cfg(feature = "test-support")]
impl KdfParams {
    /// Parameters for tests: 64 KiB, one pass.
    pub const TESTING_INSECURE: KdfParams = KdfParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
}

const PIN_LABEL: &[u8] = b"corridor/pin/v1\0";
const SLOT_LABEL: &[u8] = b"corridor/slot/v1\0";

/// The output of one PIN attempt, from which every slot key is derived.
pub struct AttemptKey(hkdf::Prk);

impl AttemptKey {
    /// Runs Argon2id and the strengthener once. CPU-heavy: call it off the UI thread.
    pub fn derive(
        pin: &crate::pin::Pin,
        directory_salt: &[u8],
        selector: &[u8],
        params: &KdfParams,
        policy: &KdfPolicy,
        strengthener: &dyn KeyStrengthener,
    ) -> Result<AttemptKey> {
        policy.check(params)?;
        let argon_params = Params::new(params.memory_kib, params.iterations, params.parallelism, Some(32))
            .map_err(|_| Error::KeyFileDamaged("KDF parameters are not valid Argon2id parameters".into()))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
        let mut salt = Vec::with_capacity(directory_salt.len() + selector.len());
        salt.extend_from_slice(directory_salt);
        salt.extend_from_slice(selector);
        let mut stretched = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(pin.as_bytes(), &salt, stretched.as_mut())
            .map_err(|_| Error::Internal("the key derivation failed".into()))?;

        let mut strengthen_input = Zeroizing::new(Vec::with_capacity(PIN_LABEL.len() + 32));
        strengthen_input.extend_from_slice(PIN_LABEL);
        strengthen_input.extend_from_slice(stretched.as_ref());
        let strengthened = checked_strengthen(strengthener, &strengthen_input)?;

        let mut input_key = Zeroizing::new(Vec::with_capacity(32 + strengthened.len()));
        input_key.extend_from_slice(stretched.as_ref());
        input_key.extend_from_slice(&strengthened);
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, directory_salt).extract(&input_key);
        Ok(AttemptKey(prk))
    }

    /// The key of slot `index`.
    pub fn slot_key(&self, index: u16) -> Result<SecretKey> {
        let index_bytes = index.to_be_bytes();
        expand(&self.0, &[SLOT_LABEL, &index_bytes])
    }
}

/// How every strengthener input for a device-bound key begins (never a PIN-derived input, which
/// is 32 bytes of Argon2id output). A host that keeps two hardware keys (one usable only while
/// the phone is unlocked, for PINs; one usable while locked, for the device store) tells them
/// apart by this prefix; the FFI exports it so that no shell keeps its own copy.
pub const DEVICE_KEY_INPUT_PREFIX: &[u8] = b"corridor/device/v1\0";

/// A key bound to this device alone (no PIN), for stores that must open while locked.
pub fn device_key(strengthener: &dyn KeyStrengthener, label: &str) -> Result<SecretKey> {
    let mut input = Zeroizing::new(DEVICE_KEY_INPUT_PREFIX.to_vec());
    input.extend_from_slice(label.as_bytes());
    let strengthened = checked_strengthen(strengthener, &input)?;
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"corridor device key").extract(&strengthened);
    expand(&prk, &[label.as_bytes()])
}

fn checked_strengthen(strengthener: &dyn KeyStrengthener, input: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let output = strengthener.strengthen(input)?;
    if output.len() < 16 || output.len() > 1024 {
        return Err(Error::Platform(format!(
            "the key strengthener returned {} bytes (16 to 1024 expected)",
            output.len()
        )));
    }
    Ok(output)
}

fn expand(prk: &hkdf::Prk, info: &[&[u8]]) -> Result<SecretKey> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    prk.expand(info, hkdf::HKDF_SHA256)
        .and_then(|okm| okm.fill(bytes.as_mut()))
        .map_err(|_| Error::Internal("key expansion failed".into()))?;
    SecretKey::from_slice(bytes.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pin::Pin;

    struct FixedStrengthener(u8);
    impl KeyStrengthener for FixedStrengthener {
        fn strengthen(&self, input: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
            let mut out = ring::digest::digest(&ring::digest::SHA256, input).as_ref().to_vec();
            out[0] ^= self.0;
            Ok(Zeroizing::new(out))
        }

        fn forget(&self) -> Result<()> {
            Ok(())
        }
    }

    fn key(pin: &str, selector: &[u8], device: u8) -> [u8; 32] {
        let attempt = AttemptKey::derive(
            &Pin::normalise(pin).unwrap(),
            &[7u8; 32],
            selector,
            &KdfParams::TESTING_INSECURE,
            &KdfPolicy::TESTING_INSECURE,
            &FixedStrengthener(device),
        )
        .unwrap();
        *attempt.slot_key(3).unwrap().expose()
    }

    #[test]
    fn the_same_pin_gives_the_same_key_and_anything_else_changes_it() {
        let base = key("482916", b"", 0);
        assert_eq!(base, key("482916", b"", 0));
        assert_ne!(base, key("482917", b"", 0), "PIN");
        assert_ne!(base, key("482916", b"educator-a", 0), "selector");
        assert_ne!(base, key("482916", b"", 1), "device");
    }

    #[test]
    fn production_policy_refuses_weak_and_absurd_parameters() {
        let policy = KdfPolicy::PRODUCTION;
        assert!(policy.check(&KdfParams::PRODUCTION).is_ok());
        assert!(policy.check(&KdfParams::OWASP_FLOOR).is_ok());
        for bad in [
            KdfParams {
                memory_kib: 19 * 1024 - 1,
                iterations: 2,
                parallelism: 1,
            },
            KdfParams {
                memory_kib: 19 * 1024,
                iterations: 1,
                parallelism: 1,
            },
            KdfParams {
                memory_kib: 4 * 1024 * 1024,
                iterations: 2,
                parallelism: 1,
            },
            KdfParams {
                memory_kib: 46 * 1024,
                iterations: 1_000_000,
                parallelism: 1,
            },
            KdfParams {
                memory_kib: 46 * 1024,
                iterations: 2,
                parallelism: 0,
            },
            KdfParams {
                memory_kib: 46 * 1024,
                iterations: 2,
                parallelism: 64,
            },
            KdfParams::TESTING_INSECURE,
        ] {
            assert!(
                matches!(policy.check(&bad), Err(Error::KeyFileDamaged(_))),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn a_strengthener_returning_too_little_is_refused() {
        struct Short;
        impl KeyStrengthener for Short {
            fn strengthen(&self, _: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
                Ok(Zeroizing::new(vec![1, 2, 3]))
            }

            fn forget(&self) -> Result<()> {
                Ok(())
            }
        }
        assert!(matches!(device_key(&Short, "x"), Err(Error::Platform(_))));
    }
}
