//! Accounts: Argon2id password hashes, random bearer tokens kept only as SHA-256, and the checks
//! every authenticated route makes (a live token, the right role, the right site).
//!
//! Passwords are hashed with Argon2id at OWASP's floor (19 MiB, 2 passes, 1 lane) with a random
//! 16-byte salt per user; the parameters are stored beside each hash so they can be raised
//! later. Login runs Argon2id exactly once whether or not the user exists, so an unknown user
//! costs as long as a wrong password.

use axum::http::{header, HeaderMap};
use corridor_core::kdf::{KdfParams, KdfPolicy};
use corridor_core::sync::wire::{Role, SecretString, MAX_PASSWORD_LEN};
use zeroize::Zeroizing;

use crate::error::{ApiError, HubError};
use crate::store::{Caller, PasswordHash};

/// The cost of new password hashes.
pub(crate) const PASSWORD_PARAMS: KdfParams = KdfParams::OWASP_FLOOR;
/// Passwords shorter than this (in characters) are refused when set.
pub(crate) const MIN_PASSWORD_CHARS: usize = 10;

pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// Compares two hashes without an early exit.
pub(crate) fn hashes_equal(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], HubError> {
    corridor_core::secret::random_array::<N>().map_err(|_| HubError::Internal("the random generator failed".into()))
}

pub(crate) fn check_password_policy(password: &SecretString) -> Result<(), HubError> {
    let text = password.expose();
    if text.chars().count() < MIN_PASSWORD_CHARS {
        return Err(HubError::invalid(
            "password",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if text.len() > MAX_PASSWORD_LEN {
        return Err(HubError::invalid(
            "password",
            format!("must be at most {MAX_PASSWORD_LEN} bytes"),
        ));
    }
    Ok(())
}

fn argon2id(password: &str, salt: &[u8], params: &KdfParams) -> Result<Zeroizing<[u8; 32]>, HubError> {
    let params = argon2::Params::new(params.memory_kib, params.iterations, params.parallelism, Some(32))
        .map_err(|_| HubError::Internal("invalid password hash parameters".into()))?;
    let hasher = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    hasher
        .hash_password_into(password.as_bytes(), salt, out.as_mut())
        .map_err(|_| HubError::Internal("password hashing failed".into()))?;
    Ok(out)
}

/// A new hash of `password` under a fresh salt. Slow by design: call off the async threads.
pub(crate) fn hash_password(password: &SecretString) -> Result<PasswordHash, HubError> {
    let salt = random_bytes::<16>()?;
    let hash = argon2id(password.expose(), &salt, &PASSWORD_PARAMS)?;
    Ok(PasswordHash {
        salt,
        params: PASSWORD_PARAMS,
        hash: *hash,
    })
}

/// Whether `password` matches `stored`. Parameters outside the production range (a damaged or
/// altered database) fail rather than make a login take minutes.
pub(crate) fn verify_password(password: &SecretString, stored: &PasswordHash) -> Result<bool, HubError> {
    KdfPolicy::PRODUCTION
        .check(&stored.params)
        .map_err(|_| HubError::Internal("a stored password hash has parameters out of range".into()))?;
    let computed = argon2id(password.expose(), &stored.salt, &stored.params)?;
    Ok(hashes_equal(&computed, &stored.hash))
}

/// Spends the same work as [`verify_password`] for a username that does not exist.
pub(crate) fn verify_against_nothing(password: &SecretString) {
    let _ = argon2id(password.expose(), &[0u8; 16], &PASSWORD_PARAMS);
}

/// A fresh account token: 32 random bytes as 64 lower-case hex characters.
pub(crate) fn new_token() -> Result<SecretString, HubError> {
    let bytes = Zeroizing::new(random_bytes::<32>()?);
    Ok(SecretString::new(hex::encode(bytes.as_ref())))
}

/// A token's public name: 8 random bytes as 16 hex characters.
pub(crate) fn new_token_id() -> Result<String, HubError> {
    Ok(hex::encode(random_bytes::<8>()?))
}

/// A bearer secret (an account token or a backup write token) is 64 hex characters; the hub
/// keeps and compares SHA-256 of its 32 bytes.
pub(crate) fn secret_sha256(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let bytes = Zeroizing::new(hex::decode(text).ok()?);
    Some(sha256(&bytes))
}

/// SHA-256 of the `Authorization: Bearer` secret, if the header holds a well-formed one.
pub(crate) fn bearer_sha256(headers: &HeaderMap) -> Option<[u8; 32]> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    secret_sha256(secret.trim())
}

impl Caller {
    pub(crate) fn require_role(&self, role: Role) -> Result<(), ApiError> {
        if self.role == role {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this needs a {} account",
                match role {
                    Role::Educator => "peer educator",
                    Role::Crt => "Crisis Response Team",
                    Role::Admin => "admin",
                }
            )))
        }
    }

    pub(crate) fn has_site(&self, site: &str) -> bool {
        self.sites.iter().any(|own| own == site)
    }

    /// The idempotency scope of this account's writes.
    pub(crate) fn scope(&self) -> String {
        format!("user:{}", self.user_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_and_another_does_not() {
        let password = SecretString::new("correct horse battery".into());
        let stored = hash_password(&password).unwrap();
        assert!(verify_password(&password, &stored).unwrap());
        assert!(!verify_password(&SecretString::new("correct horse battery!".into()), &stored).unwrap());
        let again = hash_password(&password).unwrap();
        assert_ne!(again.salt, stored.salt);
        assert_ne!(again.hash, stored.hash);
    }

    #[test]
    fn bearer_secrets_are_64_hex_characters() {
        let mut headers = HeaderMap::new();
        assert!(bearer_sha256(&headers).is_none());
        let token = "ab".repeat(32);
        headers.insert(header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
        assert_eq!(bearer_sha256(&headers), Some(sha256(&[0xab; 32])));
        headers.insert(header::AUTHORIZATION, format!("Basic {token}").parse().unwrap());
        assert!(bearer_sha256(&headers).is_none());
        headers.insert(header::AUTHORIZATION, "Bearer abcd".parse().unwrap());
        assert!(bearer_sha256(&headers).is_none());
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_password_policy(&SecretString::new("123456789".into())).is_err());
        assert!(check_password_policy(&SecretString::new("1234567890".into())).is_ok());
        assert!(check_password_policy(&SecretString::new("x".repeat(MAX_PASSWORD_LEN + 1))).is_err());
    }
}
