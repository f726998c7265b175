//! The device store: a small SQLCipher database that opens without the PIN.
//!
//! Its key comes from the host's keystore through the [`KeyStrengthener`] (a fixed label, no
//! PIN), so it can be read while the profile is locked and by nobody who copies the files off
//! a phone with a hardware keystore. It holds only what must work while locked and reveals
//! nothing about the person: the attempt policy now; later the locked notification plan of
//! opaque ids, times and cover texts, sealed outbox items that nobody on the phone can read, and
//! the hub device credentials.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::kdf;
use crate::platform::KeyStrengthener;
use crate::store::{open_encrypted, OpenMode, Schema};

pub const FILE_NAME: &str = "device.db";

pub const SCHEMA: Schema = Schema {
    current: 1,
    create: "CREATE TABLE device_items (
                 namespace TEXT NOT NULL,
                 key TEXT NOT NULL,
                 value BLOB NOT NULL,
                 PRIMARY KEY (namespace, key)
             ) WITHOUT ROWID;",
    upgrades: &[],
};

/// Items larger than this are refused.
pub const MAX_VALUE_LEN: usize = 1024 * 1024;

pub struct DeviceStore {
    connection: Connection,
}

impl DeviceStore {
    pub fn path_in(data_dir: &Path) -> PathBuf {
        data_dir.join(FILE_NAME)
    }

    /// Opens the device store of `data_dir`, creating it if missing.
    pub fn open(data_dir: &Path, strengthener: &dyn KeyStrengthener) -> Result<DeviceStore> {
        let key = kdf::device_key(strengthener, "device-store")?;
        let connection = open_encrypted(&Self::path_in(data_dir), &key, OpenMode::CreateIfMissing, &SCHEMA)?;
        Ok(DeviceStore { connection })
    }

    pub fn put(&self, namespace: &str, key: &str, value: &[u8]) -> Result<()> {
        if value.len() > MAX_VALUE_LEN {
            return Err(Error::invalid("value", "a device-store item is at most 1 MiB"));
        }
        self.connection.execute(
            "INSERT INTO device_items (namespace, key, value) VALUES (?1, ?2, ?3)
             ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value",
            params![namespace, key, value],
        )?;
        Ok(())
    }

    pub fn get(&self, namespace: &str, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .connection
            .query_row(
                "SELECT value FROM device_items WHERE namespace = ?1 AND key = ?2",
                params![namespace, key],
                |row| row.get(0),
            )
            .optional()?)
    }

    pub fn delete(&self, namespace: &str, key: &str) -> Result<bool> {
        Ok(self.connection.execute(
            "DELETE FROM device_items WHERE namespace = ?1 AND key = ?2",
            params![namespace, key],
        )? > 0)
    }

    pub fn keys(&self, namespace: &str) -> Result<Vec<String>> {
        let mut statement = self
            .connection
            .prepare("SELECT key FROM device_items WHERE namespace = ?1 ORDER BY key")?;
        let keys = statement
            .query_map([namespace], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(keys)
    }
}
