//! The schema of a profile's own database, and its small internal metadata table.
//!
//! Version 1 held the settings store alone. Version 2 stamps each setting with its update time
//! and adds `profile_meta` for the profile's own preferences that the core reads (the auto-lock
//! idle time, the client code, the recovery keys). Version 3 adds the reminders: their
//! definitions (JSON bodies), the status of single occurrences, the adherence log and the
//! person's own list of covert notification texts. Version 4 adds the person's quiz answers
//! (content progress). Version 5 adds violence-report drafts and the person's list of submitted
//! reports (states only, unless they kept a private copy). Later capabilities add further
//! versions.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::Result;
use crate::store::Schema;

/// The reminders' tables, added in version 3 (one text for the fresh schema and the upgrade).
macro_rules! version_3_tables {
    () => {
        "CREATE TABLE reminders (
                 id TEXT PRIMARY KEY NOT NULL,
                 body TEXT NOT NULL,
                 active INTEGER NOT NULL DEFAULT 1,
                 created_at INTEGER NOT NULL
             ) WITHOUT ROWID;
             CREATE TABLE reminder_occurrences (
                 reminder_id TEXT NOT NULL,
                 occurrence INTEGER NOT NULL,
                 status TEXT NOT NULL,
                 snoozed_until INTEGER,
                 updated_at INTEGER NOT NULL,
                 PRIMARY KEY (reminder_id, occurrence)
             ) WITHOUT ROWID;
             CREATE TABLE adherence (
                 reminder_id TEXT NOT NULL,
                 day TEXT NOT NULL,
                 taken INTEGER NOT NULL,
                 PRIMARY KEY (reminder_id, day)
             ) WITHOUT ROWID;
             CREATE TABLE covert_texts (
                 position INTEGER PRIMARY KEY NOT NULL,
                 text TEXT NOT NULL
             );"
    };
}

/// Quiz answers (version 4): the person's own progress through the content modules.
macro_rules! version_4_tables {
    () => {
        "CREATE TABLE quiz_answers (
                 module_id TEXT NOT NULL,
                 language TEXT NOT NULL,
                 quiz_id TEXT NOT NULL,
                 chosen TEXT NOT NULL,
                 correct INTEGER NOT NULL,
                 answered_at INTEGER NOT NULL,
                 PRIMARY KEY (module_id, language, quiz_id)
             ) WITHOUT ROWID;"
    };
}

/// Violence reports (version 5): drafts (until submitted), and what the person may see of each
/// submitted report (its id, kind and state; the text only when they chose a private copy).
macro_rules! version_5_tables {
    () => {
        "CREATE TABLE report_drafts (
                 id TEXT PRIMARY KEY NOT NULL,
                 body TEXT NOT NULL,
                 updated_at INTEGER NOT NULL
             ) WITHOUT ROWID;
             CREATE TABLE reports (
                 report_id TEXT PRIMARY KEY NOT NULL,
                 kind TEXT NOT NULL,
                 created_at INTEGER NOT NULL,
                 state TEXT NOT NULL,
                 team_key_id TEXT NOT NULL,
                 journal TEXT,
                 draft_id TEXT,
                 updated_at INTEGER NOT NULL
             ) WITHOUT ROWID;"
    };
}

/// Peer-educator sessions (version 6): the educator's sessions and corrections, their attendee
/// codes until the hub has the session (then deleted), and aggregates kept for the educator's
/// own numbers.
macro_rules! version_6_tables {
    () => {
        "CREATE TABLE edu_sessions (
                 id TEXT PRIMARY KEY NOT NULL,
                 corrects TEXT,
                 kind TEXT NOT NULL,
                 site TEXT NOT NULL,
                 started_at INTEGER NOT NULL,
                 closed_at INTEGER,
                 state TEXT NOT NULL,
                 modules TEXT NOT NULL,
                 walk_ins TEXT NOT NULL,
                 commodities TEXT NOT NULL,
                 referrals TEXT NOT NULL,
                 quiz TEXT NOT NULL,
                 notes TEXT,
                 attendee_count INTEGER NOT NULL DEFAULT 0,
                 attendee_genders TEXT NOT NULL DEFAULT '{}',
                 sent_at INTEGER,
                 updated_at INTEGER NOT NULL
             ) WITHOUT ROWID;
             CREATE TABLE edu_attendees (
                 session_id TEXT NOT NULL,
                 code TEXT NOT NULL,
                 gender TEXT,
                 age_band TEXT,
                 removed INTEGER NOT NULL DEFAULT 0,
                 added_at INTEGER NOT NULL,
                 UNIQUE (session_id, code)
             );"
    };
}

pub const SCHEMA: Schema = Schema {
    current: 6,
    create: concat!(
        "CREATE TABLE settings (
                 key TEXT PRIMARY KEY NOT NULL,
                 value TEXT NOT NULL,
                 updated_at INTEGER NOT NULL DEFAULT 0
             ) WITHOUT ROWID;
             CREATE TABLE profile_meta (
                 key TEXT PRIMARY KEY NOT NULL,
                 value BLOB NOT NULL
             ) WITHOUT ROWID;
             ",
        version_3_tables!(),
        version_4_tables!(),
        version_5_tables!(),
        version_6_tables!()
    ),
    upgrades: &[
        (
            1,
            "ALTER TABLE settings ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
             CREATE TABLE profile_meta (
                 key TEXT PRIMARY KEY NOT NULL,
                 value BLOB NOT NULL
             ) WITHOUT ROWID;",
        ),
        (2, version_3_tables!()),
        (3, version_4_tables!()),
        (4, version_5_tables!()),
        (5, version_6_tables!()),
    ],
};

/// The schema as version 1 created it; kept so that tests can build a version-1 database.
pub const VERSION_1: &str = "CREATE TABLE settings (
                 key TEXT PRIMARY KEY NOT NULL,
                 value TEXT NOT NULL
             ) WITHOUT ROWID;
             PRAGMA user_version = 1;";

pub fn meta_get(connection: &Connection, key: &str) -> Result<Option<Vec<u8>>> {
    Ok(connection
        .query_row("SELECT value FROM profile_meta WHERE key = ?1", [key], |row| row.get(0))
        .optional()?)
}

pub fn meta_set(connection: &Connection, key: &str, value: &[u8]) -> Result<()> {
    connection.execute(
        "INSERT INTO profile_meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretKey;
    use crate::store::{open_encrypted, schema::describe, settings, OpenMode};

    #[test]
    fn a_migrated_database_equals_a_fresh_one_and_keeps_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let key = SecretKey::random().unwrap();

        let old_path = dir.path().join("old.db");
        {
            let connection = rusqlite::Connection::open(&old_path).unwrap();
            connection
                .execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex::encode(key.expose())))
                .unwrap();
            connection.execute_batch(VERSION_1).unwrap();
            connection
                .execute("INSERT INTO settings (key, value) VALUES ('language', 'pt')", [])
                .unwrap();
        }
        let migrated = open_encrypted(&old_path, &key, OpenMode::MustExist, &SCHEMA).unwrap();
        let fresh = open_encrypted(&dir.path().join("fresh.db"), &key, OpenMode::CreateIfMissing, &SCHEMA).unwrap();

        assert_eq!(describe(&migrated).unwrap(), describe(&fresh).unwrap());
        let version = |c: &Connection| c.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0)).unwrap();
        assert_eq!(version(&migrated), SCHEMA.current);
        assert_eq!(version(&fresh), SCHEMA.current);
        assert_eq!(settings::get(&migrated, "language").unwrap().as_deref(), Some("pt"));
        assert!(describe(&fresh)
            .unwrap()
            .iter()
            .any(|line| line.contains("profile_meta")));
    }

    #[test]
    fn a_database_from_a_newer_version_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let key = SecretKey::random().unwrap();
        let path = dir.path().join("p.db");
        {
            let connection = open_encrypted(&path, &key, OpenMode::CreateIfMissing, &SCHEMA).unwrap();
            connection.pragma_update(None, "user_version", 99).unwrap();
        }
        match open_encrypted(&path, &key, OpenMode::MustExist, &SCHEMA) {
            Err(crate::Error::NewerSchema { found: 99, known }) if known == SCHEMA.current => {}
            other => panic!("expected NewerSchema, got {:?}", other.err()),
        }
        let reopened = rusqlite::Connection::open(&path).unwrap();
        reopened
            .execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex::encode(key.expose())))
            .unwrap();
        let version: u32 = reopened.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, 99);
    }
}
