//! What a decoy profile holds from the moment it is created: harmless, plausible preferences of
//! an ordinary user, so that a forced unlock with the duress PIN shows a profile that looks used.
//! Never the person's client code (it gets a random one of its own, so the app looks the same),
//! a report, a health reminder or a session. The reminders and content capabilities add an
//! ordinary reminder or two and general wellness tips here.

use rusqlite::Connection;

use crate::codes::{store_client_code, ClientCode};
use crate::error::Result;
use crate::store::settings;

/// Settings a person who only ever used the decoy would plausibly have.
const DECOY_SETTINGS: &[(&str, &str)] = &[("theme", "system"), ("haptics", "on"), ("sound", "off")];

pub(crate) fn fill(connection: &Connection, now_unix: i64) -> Result<()> {
    store_client_code(connection, &ClientCode::generate()?)?;
    for (name, value) in DECOY_SETTINGS {
        settings::set(connection, name, value, now_unix)?;
    }
    Ok(())
}
