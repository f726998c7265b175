//! Storage: SQLCipher connections keyed with a raw 256-bit key, versioned schemas with
//! step-by-step migrations, the profile's settings store and the device store.
//!
//! Every database is opened the same way ([`open_encrypted`]): the raw key first, a read that
//! proves the key is right, then WAL, `synchronous=FULL` (anything a person was told is saved
//! survives a pulled battery), `secure_delete=ON` (deleted rows are zeroed inside the encrypted
//! pages) and temporary tables in memory (no plaintext temp files).

pub mod device;
pub mod profile;
pub mod schema;
pub mod settings;

use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::secret::SecretKey;

pub use schema::Schema;

/// Whether opening may create the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    CreateIfMissing,
    MustExist,
}

/// Opens (or creates) the SQLCipher database at `path`, keys it, checks the key, sets the
/// durability and privacy pragmas and brings the schema up to date.
pub fn open_encrypted(path: &Path, key: &SecretKey, mode: OpenMode, schema: &Schema) -> Result<Connection> {
    open_encrypted_unexplained(path, key, mode, schema).map_err(|error| match error {
        // SQLite says only "cannot open" or "I/O error"; find out whether the directory is
        // read-only or full, which a person can act on.
        Error::Storage(crate::error::StorageProblem::Other(_)) | Error::Internal(_) => {
            match crate::files::probe_writable(path.parent().unwrap_or(Path::new("."))) {
                Some(problem) => Error::Storage(problem),
                None => error,
            }
        }
        other => other,
    })
}

fn open_encrypted_unexplained(path: &Path, key: &SecretKey, mode: OpenMode, schema: &Schema) -> Result<Connection> {
    if mode == OpenMode::MustExist && !path.exists() {
        return Err(Error::DatabaseDamaged);
    }
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if mode == OpenMode::CreateIfMissing {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let mut connection = Connection::open_with_flags(path, flags)?;
    restrict_to_owner(path)?;
    // SQLCipher logs decryption failures to stderr by default: nothing of ours goes to a log.
    connection.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    apply_key(&connection, key)?;
    // The first read decrypts page 1: a wrong key or a file that is not a database fails here.
    connection
        .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get::<_, i64>(0))
        .map_err(|error| match Error::from(error) {
            Error::Internal(_) => Error::DatabaseDamaged,
            other => other,
        })?;
    connection.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA secure_delete = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA foreign_keys = ON;",
    )?;
    schema.bring_up_to_date(&mut connection)?;
    Ok(connection)
}

/// Makes a database file readable by this user only (SQLite creates it with 0644, and gives the
/// WAL and shared-memory files the same mode as the database).
pub fn restrict_to_owner(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let metadata = std::fs::metadata(path)?;
        if metadata.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

fn apply_key(connection: &Connection, key: &SecretKey) -> Result<()> {
    warm_up_sqlcipher();
    let key_hex = Zeroizing::new(hex::encode(key.expose()));
    let statement = Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", key_hex.as_str()));
    // The statement holds the key: its error text is never passed on. One clean-clone run saw
    // this fail once while several threads opened their first databases at the same moment; a
    // second try (and the warm-up above) covers that without hiding a lasting failure.
    connection
        .execute_batch(&statement)
        .or_else(|_| {
            std::thread::sleep(std::time::Duration::from_millis(20));
            connection.execute_batch(&statement)
        })
        .map_err(|_| Error::Internal("the database refused its key".into()))
}

/// Keys one in-memory database, once per process, before any real one: SQLCipher and its crypto
/// provider initialise on first use, and that first use should not be raced by many threads.
fn warm_up_sqlcipher() {
    static WARM: std::sync::Once = std::sync::Once::new();
    WARM.call_once(|| {
        if let Ok(connection) = Connection::open_in_memory() {
            let _ = connection.execute_batch(
                "PRAGMA key = \"x'0000000000000000000000000000000000000000000000000000000000000000'\";
                 SELECT count(*) FROM sqlite_master;",
            );
        }
    });
}

/// Writes the WAL back into the database and truncates it, so that deleted content is not left
/// behind in the WAL file. Call after purges. Another connection reading the same database can
/// hold the checkpoint back ("busy"): it is tried again for up to about two seconds, then it is an
/// error, so that a caller never believes deleted content is gone from the WAL while it is not.
pub fn checkpoint_truncate(connection: &Connection) -> Result<()> {
    for _ in 0..100 {
        let busy: i64 = connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
        if busy == 0 {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Err(Error::Storage(crate::error::StorageProblem::Other(
        "the database is busy: deleted content could not yet be cleared from its journal; try again".into(),
    )))
}

/// Whether SQLite's integrity check passes.
pub fn integrity_ok(connection: &Connection) -> Result<bool> {
    let verdict: String = connection.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
    Ok(verdict == "ok")
}
