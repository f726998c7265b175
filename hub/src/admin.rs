//! The operator's functions, used by the `corridor hub …` commands. They open `DATA/hub.db`
//! directly, which works while the hub runs (WAL and a busy timeout let both write).
//!
//! Passwords are checked here (at least 10 characters) and hashed with Argon2id; they never
//! reach a log or an error message.

use std::path::Path;

use corridor_core::sync::wire::{is_valid_site, is_valid_username, Role, SecretString, TokenInfo};

use crate::api::unix_now;
use crate::auth::{check_password_policy, hash_password};
use crate::config::HubConfig;
use crate::error::HubError;
use crate::store::sqlite::SqliteStore;
use crate::store::{NewUser, Store};

pub use crate::store::{MaintenanceReport, UserInfo};

/// Adds an account. Refuses a taken or invalid username, an invalid site, an educator or
/// Crisis Response Team account without sites, an admin with sites, and a short password.
/// Creates the data directory and database if this is the first thing done with them.
pub fn add_user(
    data_dir: &Path,
    username: &str,
    password: &SecretString,
    role: Role,
    sites: &[String],
) -> Result<(), HubError> {
    if !is_valid_username(username) {
        return Err(HubError::invalid(
            "username",
            "use lower-case letters, digits and hyphens (at most 64, not starting with a hyphen)",
        ));
    }
    if let Some(bad) = sites.iter().find(|site| !is_valid_site(site)) {
        return Err(HubError::invalid(
            "site",
            format!("{bad:?} is not a site name (lower-case letters, digits and hyphens)"),
        ));
    }
    match role {
        Role::Admin if !sites.is_empty() => {
            return Err(HubError::invalid("site", "an admin account has no sites"));
        }
        Role::Educator | Role::Crt if sites.is_empty() => {
            return Err(HubError::invalid("site", "this account needs at least one site"));
        }
        _ => {}
    }
    check_password_policy(password)?;
    let mut sites = sites.to_vec();
    sites.sort();
    sites.dedup();
    let store = SqliteStore::open(data_dir)?;
    store.add_user(NewUser {
        username: username.to_owned(),
        role,
        sites,
        password: hash_password(password)?,
        now: unix_now(),
    })
}

pub fn list_users(data_dir: &Path) -> Result<Vec<UserInfo>, HubError> {
    SqliteStore::open_existing(data_dir)?.list_users()
}

/// Sets a new password. The account's tokens stay valid: revoke them, or disable the account,
/// to cut off its devices.
pub fn set_password(data_dir: &Path, username: &str, password: &SecretString) -> Result<(), HubError> {
    check_password_policy(password)?;
    let store = SqliteStore::open_existing(data_dir)?;
    store.set_password(username, &hash_password(password)?)
}

/// Disables an account and revokes every token it has. Disabling a disabled account is no error.
pub fn disable_user(data_dir: &Path, username: &str) -> Result<(), HubError> {
    SqliteStore::open_existing(data_dir)?.disable_user(username, unix_now())
}

pub fn list_tokens(data_dir: &Path) -> Result<Vec<TokenInfo>, HubError> {
    SqliteStore::open_existing(data_dir)?.list_tokens()
}

/// Revokes a token by its id; `false` if no token has that id.
pub fn revoke_token(data_dir: &Path, token_id: &str) -> Result<bool, HubError> {
    SqliteStore::open_existing(data_dir)?.revoke_token(token_id, unix_now())
}

/// Runs the hourly maintenance now, as if the time were `now` (Unix seconds): deletes the
/// ciphertext of reports acknowledged `purge_after_days` ago or more, expired idempotency keys
/// and tokens revoked more than 90 days ago.
pub fn run_maintenance(config: &HubConfig, now: i64) -> Result<MaintenanceReport, HubError> {
    SqliteStore::open_existing(&config.data_dir)?.maintenance(now, &config.retention())
}
