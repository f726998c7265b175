//! The device store: a small SQLCipher database that opens without the PIN.
//!
//! Its key comes from the host's keystore through the [`KeyStrengthener`] (a fixed label, no
//! PIN), so it can be read while the profile is locked and by nobody who copies the files off
//! a phone with a hardware keystore. It holds only what must work while locked and reveals
//! nothing about the person: the attempt policy now; later the locked notification plan of
//! opaque ids, times and cover texts, sealed outbox items that nobody on the phone can read, and
//! the hub device credentials. Version 2 adds the outbox.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::kdf;
use crate::platform::KeyStrengthener;
use crate::store::{open_encrypted, OpenMode, Schema};

pub const FILE_NAME: &str = "device.db";

/// The outbox (version 2): requests waiting for the hub, stored as the exact bytes that are sent
/// and sent again unchanged (see `sync::outbox`).
macro_rules! version_2_tables {
    () => {
        "CREATE TABLE outbox (
                 id INTEGER PRIMARY KEY,
                 kind TEXT NOT NULL,
                 method TEXT NOT NULL,
                 path TEXT NOT NULL,
                 idempotency_key TEXT NOT NULL UNIQUE,
                 content_type TEXT NOT NULL,
                 body BLOB NOT NULL,
                 auth TEXT NOT NULL,
                 created_at INTEGER NOT NULL,
                 attempts INTEGER NOT NULL DEFAULT 0,
                 next_attempt_at_ms INTEGER NOT NULL,
                 state TEXT NOT NULL DEFAULT 'pending',
                 last_error TEXT
             );
             CREATE INDEX outbox_due ON outbox (state, next_attempt_at_ms);"
    };
}

/// Version 3: an outbox priority (an SOS goes before everything else).
macro_rules! version_3_tables {
    () => {
        "ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;"
    };
}

pub const SCHEMA: Schema = Schema {
    current: 3,
    create: concat!(
        "CREATE TABLE device_items (
                 namespace TEXT NOT NULL,
                 key TEXT NOT NULL,
                 value BLOB NOT NULL,
                 PRIMARY KEY (namespace, key)
             ) WITHOUT ROWID;",
        version_2_tables!(),
        version_3_tables!()
    ),
    upgrades: &[(1, version_2_tables!()), (2, version_3_tables!())],
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

    /// The connection, for modules that keep their own tables here (the outbox).
    pub(crate) fn connection(&self) -> &Connection {
        &self.connection
    }

    /// Runs `work` in one immediate transaction: all of it is stored, or none of it.
    pub fn transaction<T>(&self, work: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let transaction =
            rusqlite::Transaction::new_unchecked(&self.connection, rusqlite::TransactionBehavior::Immediate)?;
        let value = work(&transaction)?;
        transaction.commit()?;
        Ok(value)
    }

    pub fn put(&self, namespace: &str, key: &str, value: &[u8]) -> Result<()> {
        Self::put_in(&self.connection, namespace, key, value)
    }

    /// [`DeviceStore::put`] inside a [`DeviceStore::transaction`].
    pub fn put_in(connection: &Connection, namespace: &str, key: &str, value: &[u8]) -> Result<()> {
        if value.len() > MAX_VALUE_LEN {
            return Err(Error::invalid("value", "a device-store item is at most 1 MiB"));
        }
        connection.execute(
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
        Self::delete_in(&self.connection, namespace, key)
    }

    /// [`DeviceStore::delete`] inside a [`DeviceStore::transaction`].
    pub fn delete_in(connection: &Connection, namespace: &str, key: &str) -> Result<bool> {
        Ok(connection.execute(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretKey;
    use crate::store::schema::describe;

    #[test]
    fn a_migrated_device_store_equals_a_fresh_one_and_keeps_its_items() {
        let dir = tempfile::tempdir().unwrap();
        let key = SecretKey::random().unwrap();
        let old_path = dir.path().join("old.db");
        {
            let connection = Connection::open(&old_path).unwrap();
            connection
                .execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex::encode(key.expose())))
                .unwrap();
            connection
                .execute_batch(
                    "CREATE TABLE device_items (
                         namespace TEXT NOT NULL,
                         key TEXT NOT NULL,
                         value BLOB NOT NULL,
                         PRIMARY KEY (namespace, key)
                     ) WITHOUT ROWID;
                     INSERT INTO device_items VALUES ('plan', 'n1', x'01');
                     PRAGMA user_version = 1;",
                )
                .unwrap();
        }
        let migrated = open_encrypted(&old_path, &key, OpenMode::MustExist, &SCHEMA).unwrap();
        let fresh = open_encrypted(&dir.path().join("fresh.db"), &key, OpenMode::CreateIfMissing, &SCHEMA).unwrap();
        assert_eq!(describe(&migrated).unwrap(), describe(&fresh).unwrap());
        assert!(describe(&fresh).unwrap().iter().any(|line| line.contains("outbox")));
        let kept: Vec<u8> = migrated
            .query_row("SELECT value FROM device_items WHERE key = 'n1'", [], |row| row.get(0))
            .unwrap();
        assert_eq!(kept, vec![1]);
    }
}
