//! Foreign traits the host implements, and the private shims that adapt them to core traits.

use std::sync::Arc;

use zeroize::Zeroizing;

use crate::error::CorridorError;

/// Binds the PIN-derived key to this device (see `corridor_core::platform::KeyStrengthener`).
///
/// Android: HMAC-SHA256 with a non-exportable Android Keystore key (StrongBox where present).
/// iOS: HMAC keyed by a secret derived by ECDH with a Secure Enclave P-256 key. Must be
/// deterministic, must never prompt for a password, and returns 16 to 1024 bytes.
///
/// `forget` destroys the device key and starts a fresh one; the core calls it only when
/// everything on the device is erased (quick delete, the wipe after failed attempts).
#[uniffi::export(foreign)]
pub trait KeyStrengthener: Send + Sync {
    fn strengthen(&self, input: Vec<u8>) -> Result<Vec<u8>, CorridorError>;
    fn forget(&self) -> Result<(), CorridorError>;
}

pub(crate) struct KeyStrengthenerShim(pub Arc<dyn KeyStrengthener>);

impl corridor_core::platform::KeyStrengthener for KeyStrengthenerShim {
    fn strengthen(&self, input: &[u8]) -> corridor_core::Result<Zeroizing<Vec<u8>>> {
        match self.0.strengthen(input.to_vec()) {
            Ok(output) => Ok(Zeroizing::new(output)),
            Err(error) => Err(corridor_core::Error::Platform(error.to_string())),
        }
    }

    fn forget(&self) -> corridor_core::Result<()> {
        self.0
            .forget()
            .map_err(|error| corridor_core::Error::Platform(error.to_string()))
    }
}
