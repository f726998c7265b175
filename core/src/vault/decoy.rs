//! What a decoy profile holds from the moment it is created: harmless, plausible preferences of
//! an ordinary calculator user, so that a forced unlock with the duress PIN shows a profile that
//! looks used. Never a client code, a report, a health reminder or a session. The reminders and
//! content capabilities add an ordinary reminder or two and general wellness tips here.

use std::path::Path;

use crate::error::Result;
use crate::secret::SecretKey;
use crate::store::{self, profile, settings, OpenMode};

/// Settings a person who only ever used the decoy would plausibly have.
const DECOY_SETTINGS: &[(&str, &str)] = &[("theme", "system"), ("haptics", "on"), ("sound", "off")];

pub(crate) fn fill(database: &Path, key: &SecretKey, now_unix: i64) -> Result<()> {
    let connection = store::open_encrypted(database, key, OpenMode::MustExist, &profile::SCHEMA)?;
    for (name, value) in DECOY_SETTINGS {
        settings::set(&connection, name, value, now_unix)?;
    }
    Ok(())
}
