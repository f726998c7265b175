//! Secret values: zeroized when dropped, never `Debug`, never `Display`, never logged.

use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// A 256-bit symmetric key (a profile's data key, a slot key, the device-store key).
pub struct SecretKey(Zeroizing<[u8; 32]>);

impl SecretKey {
    pub const LEN: usize = 32;

    /// A fresh key from the operating system's CSPRNG.
    pub fn random() -> Result<Self> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        fill_random(bytes.as_mut())?;
        Ok(SecretKey(bytes))
    }

    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::Internal("a key has the wrong length".into()))?;
        Ok(SecretKey(Zeroizing::new(array)))
    }

    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn duplicate(&self) -> SecretKey {
        SecretKey(Zeroizing::new(*self.0))
    }
}

/// Fills `out` from the operating system's CSPRNG.
pub fn fill_random(out: &mut [u8]) -> Result<()> {
    SystemRandom::new()
        .fill(out)
        .map_err(|_| Error::Internal("the system random generator failed".into()))
}

pub fn random_array<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    fill_random(&mut out)?;
    Ok(out)
}
