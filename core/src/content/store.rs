//! The device's installed content: one SQLCipher database per device (`content.db`), keyed from
//! the host keystore like the device store, so a tablet with five educators holds one copy.
//!
//! It keeps the trusted metadata (the pinned root and the installed catalog and safety
//! documents, as the exact signed bytes), the files of the installed catalog in 1 MiB chunks,
//! partial downloads (staged encrypted in the same database, never as plaintext temporary files),
//! the installed modules and a full-text index (FTS5) over them. An install changes the modules,
//! the files and the trusted metadata in one transaction: it happens entirely or not at all.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::kdf;
use crate::platform::KeyStrengthener;
use crate::store::{open_encrypted, OpenMode, Schema};
use crate::sync::DownloadSink;

pub const FILE_NAME: &str = "content.db";
/// Downloads are written in chunks of this size (and at most this much is held in memory).
pub const CHUNK_LEN: usize = 1024 * 1024;

pub const SCHEMA: Schema = Schema {
    current: 1,
    create: "CREATE TABLE trusted (
                 name TEXT PRIMARY KEY NOT NULL,
                 bytes BLOB NOT NULL
             ) WITHOUT ROWID;
             CREATE TABLE content_state (
                 key TEXT PRIMARY KEY NOT NULL,
                 value INTEGER NOT NULL
             ) WITHOUT ROWID;
             CREATE TABLE file_chunks (
                 sha256 TEXT NOT NULL,
                 seq INTEGER NOT NULL,
                 data BLOB NOT NULL,
                 PRIMARY KEY (sha256, seq)
             ) WITHOUT ROWID;
             CREATE TABLE files (
                 sha256 TEXT PRIMARY KEY NOT NULL,
                 length INTEGER NOT NULL
             ) WITHOUT ROWID;
             CREATE TABLE staging_files (
                 sha256 TEXT PRIMARY KEY NOT NULL,
                 received INTEGER NOT NULL,
                 etag TEXT,
                 verified INTEGER NOT NULL DEFAULT 0
             ) WITHOUT ROWID;
             CREATE TABLE modules (
                 id TEXT NOT NULL,
                 language TEXT NOT NULL,
                 version INTEGER NOT NULL,
                 title TEXT NOT NULL,
                 topics TEXT NOT NULL,
                 sha256 TEXT NOT NULL,
                 PRIMARY KEY (id, language)
             ) WITHOUT ROWID;
             CREATE TABLE module_assets (
                 module_id TEXT NOT NULL,
                 language TEXT NOT NULL,
                 name TEXT NOT NULL,
                 media_type TEXT NOT NULL,
                 sha256 TEXT NOT NULL,
                 PRIMARY KEY (module_id, language, name)
             ) WITHOUT ROWID;
             CREATE VIRTUAL TABLE module_search USING fts5(
                 module_id UNINDEXED, language UNINDEXED, title, body,
                 tokenize = 'unicode61 remove_diacritics 2'
             );",
    upgrades: &[],
};

pub(crate) const ROOT: &str = "root";
pub(crate) const CATALOG: &str = "catalog";
pub(crate) const SAFETY: &str = "safety";
pub(crate) const NEWEST_SIGNING_TIME: &str = "newest_signing_time";

/// Shareable between threads (an update runs on the core's runtime while a shell reads): one
/// connection behind a lock, never held across an await.
pub struct ContentStore {
    connection: Mutex<Connection>,
}

impl ContentStore {
    pub fn path_in(data_dir: &Path) -> PathBuf {
        data_dir.join(FILE_NAME)
    }

    pub fn open(data_dir: &Path, strengthener: &dyn KeyStrengthener) -> Result<ContentStore> {
        let key = kdf::device_key(strengthener, "content")?;
        let connection = open_encrypted(&Self::path_in(data_dir), &key, OpenMode::CreateIfMissing, &SCHEMA)?;
        Ok(ContentStore {
            connection: Mutex::new(connection),
        })
    }

    /// The connection, locked. Never call another method of the store while holding it.
    pub(crate) fn connection(&self) -> MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn trusted(&self, name: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .connection()
            .query_row("SELECT bytes FROM trusted WHERE name = ?1", [name], |row| row.get(0))
            .optional()?)
    }

    pub(crate) fn state(&self, key: &str) -> Result<i64> {
        Ok(self
            .connection()
            .query_row("SELECT value FROM content_state WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?
            .unwrap_or(0))
    }

    /// Whether the file is installed (complete and verified).
    pub(crate) fn has_file(&self, sha256: &str) -> Result<bool> {
        Ok(self
            .connection()
            .query_row("SELECT 1 FROM files WHERE sha256 = ?1", [sha256], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// A staged file's progress: (bytes received, verified).
    pub(crate) fn staged(&self, sha256: &str) -> Result<Option<(u64, bool)>> {
        Ok(self
            .connection()
            .query_row(
                "SELECT received, verified FROM staging_files WHERE sha256 = ?1",
                [sha256],
                |row| Ok((row.get::<_, i64>(0)?.max(0) as u64, row.get::<_, bool>(1)?)),
            )
            .optional()?)
    }

    /// Reads a stored file (installed or staged) chunk by chunk.
    pub(crate) fn for_each_chunk(&self, sha256: &str, each: impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
        Self::chunks_in(&self.connection(), sha256, each)
    }

    /// [`ContentStore::for_each_chunk`] on a connection the caller already holds (inside a
    /// transaction).
    pub(crate) fn chunks_in(
        connection: &Connection,
        sha256: &str,
        mut each: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        let mut statement = connection.prepare("SELECT data FROM file_chunks WHERE sha256 = ?1 ORDER BY seq")?;
        let mut rows = statement.query([sha256])?;
        while let Some(row) = rows.next()? {
            let data = row.get_ref(0)?.as_blob().map_err(|_| Error::DatabaseDamaged)?;
            each(data)?;
        }
        Ok(())
    }

    /// A whole stored file, for small ones (modules, images); at most `max_len` bytes.
    pub(crate) fn read_file(&self, sha256: &str, max_len: usize) -> Result<Vec<u8>> {
        Self::read_file_in(&self.connection(), sha256, max_len)
    }

    /// [`ContentStore::read_file`] on a connection the caller already holds.
    pub(crate) fn read_file_in(connection: &Connection, sha256: &str, max_len: usize) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        Self::chunks_in(connection, sha256, |chunk| {
            if out.len() + chunk.len() > max_len {
                return Err(Error::ContentRejected("a stored file is larger than allowed".into()));
            }
            out.extend_from_slice(chunk);
            Ok(())
        })?;
        Ok(out)
    }

    /// SHA-256 (hex) and length of a stored file, streamed.
    pub(crate) fn digest(&self, sha256: &str) -> Result<(String, u64)> {
        let mut context = ring::digest::Context::new(&ring::digest::SHA256);
        let mut length = 0u64;
        self.for_each_chunk(sha256, |chunk| {
            context.update(chunk);
            length += chunk.len() as u64;
            Ok(())
        })?;
        Ok((hex::encode(context.finish().as_ref()), length))
    }

    /// Forgets a staged file's bytes.
    pub(crate) fn drop_staged(&self, sha256: &str) -> Result<()> {
        let installed = self.has_file(sha256)?;
        let connection = self.connection();
        let transaction = rusqlite::Transaction::new_unchecked(&connection, rusqlite::TransactionBehavior::Immediate)?;
        transaction.execute("DELETE FROM staging_files WHERE sha256 = ?1", [sha256])?;
        if !installed {
            transaction.execute("DELETE FROM file_chunks WHERE sha256 = ?1", [sha256])?;
        }
        transaction.commit()?;
        Ok(())
    }

    pub(crate) fn mark_verified(&self, sha256: &str) -> Result<()> {
        self.connection()
            .execute("UPDATE staging_files SET verified = 1 WHERE sha256 = ?1", [sha256])?;
        Ok(())
    }
}

/// A download going into the content database, 1 MiB at a time. Each flushed chunk is committed
/// (so an interrupted download resumes from it); at most one chunk is held in memory.
pub struct StagingSink<'a> {
    store: &'a ContentStore,
    sha256: String,
    held: u64,
    etag: Option<String>,
    next_seq: i64,
    buffer: Vec<u8>,
}

impl<'a> StagingSink<'a> {
    pub fn new(store: &'a ContentStore, sha256: &str) -> Result<StagingSink<'a>> {
        let connection = store.connection();
        let existing: Option<(i64, Option<String>)> = connection
            .query_row(
                "SELECT received, etag FROM staging_files WHERE sha256 = ?1",
                [sha256],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let next_seq: i64 = connection.query_row(
            "SELECT coalesce(max(seq) + 1, 0) FROM file_chunks WHERE sha256 = ?1",
            [sha256],
            |row| row.get(0),
        )?;
        let (held, etag) = match existing {
            Some((received, etag)) => (received.max(0) as u64, etag),
            None => {
                connection.execute(
                    "INSERT INTO staging_files (sha256, received, etag) VALUES (?1, 0, NULL)",
                    [sha256],
                )?;
                (0, None)
            }
        };
        drop(connection);
        Ok(StagingSink {
            store,
            sha256: sha256.to_string(),
            held,
            etag,
            next_seq,
            buffer: Vec::with_capacity(CHUNK_LEN),
        })
    }

    /// Commits what is buffered. Call after the download ends, whether it succeeded or not.
    pub fn flush(&mut self) -> Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let connection = self.store.connection();
        let transaction = rusqlite::Transaction::new_unchecked(&connection, rusqlite::TransactionBehavior::Immediate)?;
        transaction.execute(
            "INSERT INTO file_chunks (sha256, seq, data) VALUES (?1, ?2, ?3)",
            params![self.sha256, self.next_seq, self.buffer],
        )?;
        let received = self.held + self.buffer.len() as u64;
        transaction.execute(
            "UPDATE staging_files SET received = ?2, etag = ?3 WHERE sha256 = ?1",
            params![self.sha256, received as i64, self.etag],
        )?;
        transaction.commit()?;
        self.next_seq += 1;
        self.held = received;
        self.buffer.clear();
        Ok(())
    }
}

impl DownloadSink for StagingSink<'_> {
    fn held(&self) -> u64 {
        self.held + self.buffer.len() as u64
    }

    fn etag(&self) -> Option<String> {
        self.etag.clone()
    }

    fn restart(&mut self, etag: Option<String>) -> Result<()> {
        let installed = self.store.has_file(&self.sha256)?;
        let connection = self.store.connection();
        let transaction = rusqlite::Transaction::new_unchecked(&connection, rusqlite::TransactionBehavior::Immediate)?;
        if !installed {
            transaction.execute("DELETE FROM file_chunks WHERE sha256 = ?1", [&self.sha256])?;
        }
        transaction.execute(
            "UPDATE staging_files SET received = 0, etag = ?2, verified = 0 WHERE sha256 = ?1",
            params![self.sha256, etag],
        )?;
        transaction.commit()?;
        self.held = 0;
        self.next_seq = 0;
        self.etag = etag;
        self.buffer.clear();
        Ok(())
    }

    fn append(&mut self, mut bytes: &[u8]) -> Result<()> {
        while !bytes.is_empty() {
            let room = CHUNK_LEN - self.buffer.len();
            let take = room.min(bytes.len());
            self.buffer.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.buffer.len() == CHUNK_LEN {
                self.flush()?;
            }
        }
        Ok(())
    }
}
