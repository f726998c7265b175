//! Versioned schemas in `PRAGMA user_version`.
//!
//! A new database gets the current schema in one go ([`Schema::create`]); an older one walks the
//! upgrades one version at a time, all inside one immediate transaction, so a crash leaves the
//! old version intact. A database from a newer version is refused, never touched. Tests check
//! that every migrated database equals a freshly created one.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Error, Result};

pub struct Schema {
    /// The version that `create` produces and that every upgrade path ends at.
    pub current: u32,
    /// SQL that creates the current schema in an empty database.
    pub create: &'static str,
    /// `(from, sql)`: the SQL that takes a database at version `from` to `from + 1`.
    pub upgrades: &'static [(u32, &'static str)],
}

impl Schema {
    pub fn bring_up_to_date(&self, connection: &mut Connection) -> Result<()> {
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: u32 = transaction.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if found == self.current {
            return Ok(());
        }
        if found > self.current {
            return Err(Error::NewerSchema {
                found,
                known: self.current,
            });
        }
        if found == 0 {
            let tables: i64 = transaction.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))?;
            if tables != 0 {
                return Err(Error::DatabaseDamaged);
            }
            transaction.execute_batch(self.create)?;
        } else {
            for version in found..self.current {
                let (_, sql) = self
                    .upgrades
                    .iter()
                    .find(|(from, _)| *from == version)
                    .ok_or_else(|| Error::Internal(format!("no upgrade from schema {version}")))?;
                transaction.execute_batch(sql)?;
            }
        }
        transaction.pragma_update(None, "user_version", self.current)?;
        transaction.commit()?;
        Ok(())
    }
}

/// A normalised description of a schema (tables, their columns with types, constraints and
/// defaults, indexes), for comparing a migrated database with a fresh one. The SQL text in
/// `sqlite_master` is not compared: `ALTER TABLE` leaves it shaped differently.
pub fn describe(connection: &Connection) -> Result<Vec<String>> {
    let mut description = Vec::new();
    let mut tables = connection
        .prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")?;
    let objects: Vec<(String, String, String)> = tables
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (kind, name, table) in objects {
        description.push(format!("{kind} {name} on {table}"));
        if kind == "table" {
            let mut columns = connection
                .prepare("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid")?;
            let rows = columns.query_map([&name], |row| {
                Ok(format!(
                    "  column {} {} notnull={} default={:?} pk={}",
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, i64>(4)?
                ))
            })?;
            for row in rows {
                description.push(row?);
            }
            let without_rowid: bool = connection.query_row(
                "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE name = ?1",
                [&name],
                |row| row.get(0),
            )?;
            description.push(format!("  without_rowid={without_rowid}"));
        }
        if kind == "index" {
            let mut columns = connection.prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")?;
            let names: Vec<Option<String>> = columns
                .query_map([&name], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            description.push(format!("  columns {names:?}"));
        }
    }
    Ok(description)
}
