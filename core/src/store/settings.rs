//! The profile's encrypted settings store: preferences as key and value text.
//!
//! Keys are short identifiers chosen by the shells (`reminder.sound`, `language`); values are
//! text up to 64 KiB. Feature data does not go here: each later capability has its own tables.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};

pub const MAX_KEY_LEN: usize = 128;
pub const MAX_VALUE_LEN: usize = 64 * 1024;

/// Checks a setting key: 1 to 128 characters of `a-z A-Z 0-9 . _ -`.
pub fn check_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(Error::invalid(
            "key",
            format!("a setting key has 1 to {MAX_KEY_LEN} characters"),
        ));
    }
    if !key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(Error::invalid(
            "key",
            "a setting key uses only letters, digits, '.', '_' and '-'",
        ));
    }
    Ok(())
}

pub fn set(connection: &Connection, key: &str, value: &str, now_unix: i64) -> Result<()> {
    check_key(key)?;
    if value.len() > MAX_VALUE_LEN {
        return Err(Error::invalid(
            "value",
            format!("a setting value is at most {MAX_VALUE_LEN} bytes"),
        ));
    }
    connection.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![key, value, now_unix],
    )?;
    Ok(())
}

pub fn get(connection: &Connection, key: &str) -> Result<Option<String>> {
    check_key(key)?;
    Ok(connection
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| row.get(0))
        .optional()?)
}

/// Deletes a setting; returns whether it existed.
pub fn delete(connection: &Connection, key: &str) -> Result<bool> {
    check_key(key)?;
    Ok(connection.execute("DELETE FROM settings WHERE key = ?1", [key])? > 0)
}

pub fn keys(connection: &Connection) -> Result<Vec<String>> {
    let mut statement = connection.prepare("SELECT key FROM settings ORDER BY key")?;
    let keys = statement
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(keys)
}

pub fn count(connection: &Connection) -> Result<u64> {
    Ok(connection.query_row("SELECT count(*) FROM settings", [], |row| row.get::<_, i64>(0))? as u64)
}
