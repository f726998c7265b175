//! Reading the installed content from an unlocked profile: list, show, search (FTS5, ranked),
//! assets, and quizzes with the person's own progress (kept in their profile, not on the device).
//!
//! The decoy profile sees no content, like a phone on which nothing was ever installed.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::metadata::Safety;
use super::model::{Module, MAX_MODULE_JSON_LEN};
use super::store::{self, ContentStore};
use crate::error::{Error, Result};
use crate::vault::{Session, Vault};

/// The largest asset handed to a shell in one piece: the catalog's own cap, so every installed
/// asset can be read.
pub const MAX_ASSET_LEN: usize = super::verify::MAX_ASSET_LEN as usize;
/// The most hits a search returns.
pub const MAX_SEARCH_HITS: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleSummary {
    pub id: String,
    pub language: String,
    pub title: String,
    pub version: u32,
    pub topics: Vec<String>,
    /// Quizzes this profile answered correctly, of all the module's quizzes (0 of 0: none).
    pub quizzes_correct: u32,
    pub quizzes_total: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub id: String,
    pub language: String,
    pub title: String,
    /// A few words around the match.
    pub snippet: String,
}

/// One choice after answering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceFeedback {
    pub index: u32,
    pub text: String,
    pub chosen: bool,
    pub correct: bool,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizResult {
    /// The answer was exactly the set of correct choices.
    pub correct: bool,
    pub feedback: Vec<ChoiceFeedback>,
    /// This profile's score in the module after this answer.
    pub quizzes_correct: u32,
    pub quizzes_total: u32,
}

/// The content store as this session may see it (`None` for the decoy).
fn store_for(session: &Session) -> Result<Option<ContentStore>> {
    if session.is_decoy()? {
        return Ok(None);
    }
    Ok(Some(session.vault().content_store()?))
}

fn load_module(store: &ContentStore, id: &str, language: &str) -> Result<Option<Module>> {
    let sha256: Option<String> = store
        .connection()
        .query_row(
            "SELECT sha256 FROM modules WHERE id = ?1 AND language = ?2",
            params![id, language],
            |row| row.get(0),
        )
        .optional()?;
    let Some(sha256) = sha256 else {
        return Ok(None);
    };
    Module::from_json(&store.read_file(&sha256, MAX_MODULE_JSON_LEN)?).map(Some)
}

/// (quizzes answered correctly, quizzes) in the module as it is now: answers to quizzes an update
/// removed do not count.
fn progress(session: &Session, module: &Module) -> Result<(u32, u32)> {
    let quiz_ids: Vec<&str> = module
        .blocks
        .iter()
        .filter_map(|block| match block {
            super::model::Block::Quiz(quiz) => Some(quiz.id.as_str()),
            _ => None,
        })
        .collect();
    let answered: Vec<String> = session.with_connection(|connection| {
        let mut statement = connection
            .prepare("SELECT quiz_id FROM quiz_answers WHERE module_id = ?1 AND language = ?2 AND correct = 1")?;
        let ids = statement
            .query_map(params![module.id, module.language], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    })?;
    let correct = quiz_ids
        .iter()
        .filter(|id| answered.iter().any(|done| done == *id))
        .count();
    Ok((correct as u32, quiz_ids.len() as u32))
}

/// The installed modules (in one language, or all), with this profile's quiz progress.
pub fn list(session: &Session, language: Option<&str>) -> Result<Vec<ModuleSummary>> {
    let Some(store) = store_for(session)? else {
        return Ok(Vec::new());
    };
    let keys: Vec<(String, String)> = {
        let connection = store.connection();
        let mut statement = connection.prepare(
            "SELECT id, language FROM modules WHERE ?1 IS NULL OR language = ?1 ORDER BY language, title, id",
        )?;
        let keys = statement
            .query_map([language], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        keys
    };
    let mut out = Vec::new();
    for (id, language) in keys {
        let Some(module) = load_module(&store, &id, &language)? else {
            continue;
        };
        let (quizzes_correct, quizzes_total) = progress(session, &module)?;
        out.push(ModuleSummary {
            id,
            language,
            title: module.title,
            version: module.version,
            topics: module.topics,
            quizzes_correct,
            quizzes_total,
        });
    }
    Ok(out)
}

/// One module, whole. `NotFound`-like refusal when it is not installed.
pub fn show(session: &Session, id: &str, language: &str) -> Result<Module> {
    let not_installed = || Error::invalid("module", "no such module is installed in that language");
    let store = store_for(session)?.ok_or_else(not_installed)?;
    load_module(&store, id, language)?.ok_or_else(not_installed)
}

/// An asset of a module (an image, a recording), by the name its blocks use.
pub fn asset(session: &Session, id: &str, language: &str, name: &str) -> Result<(String, Vec<u8>)> {
    let missing = || Error::invalid("asset", "no such asset in this module");
    let store = store_for(session)?.ok_or_else(missing)?;
    let row: Option<(String, String)> = store
        .connection()
        .query_row(
            "SELECT media_type, sha256 FROM module_assets WHERE module_id = ?1 AND language = ?2 AND name = ?3",
            params![id, language, name],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let (media_type, sha256) = row.ok_or_else(missing)?;
    Ok((media_type, store.read_file(&sha256, MAX_ASSET_LEN)?))
}

/// The words as an FTS5 query that matches all of them (as prefixes), with FTS5's own syntax
/// (quotes, operators, column filters) neutralised.
fn fts_query(words: &str) -> Option<String> {
    let terms: Vec<String> = words
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(16)
        .map(|word| format!("\"{}\"*", word.to_lowercase()))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// Full-text search over the installed modules in `language`, best first.
pub fn search(session: &Session, words: &str, language: &str) -> Result<Vec<SearchHit>> {
    let Some(store) = store_for(session)? else {
        return Ok(Vec::new());
    };
    let Some(query) = fts_query(words) else {
        return Err(Error::invalid("words", "type a word to search for"));
    };
    let connection = store.connection();
    let mut statement = connection.prepare(
        "SELECT module_id, language, title, snippet(module_search, 3, '', '', ' … ', 12)
         FROM module_search
         WHERE module_search MATCH ?1 AND language = ?2
         ORDER BY bm25(module_search, 0.0, 0.0, 5.0, 1.0)
         LIMIT ?3",
    )?;
    let hits = statement
        .query_map(params![query, language, MAX_SEARCH_HITS as i64], |row| {
            Ok(SearchHit {
                id: row.get(0)?,
                language: row.get(1)?,
                title: row.get(2)?,
                snippet: row
                    .get::<_, String>(3)?
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(hits)
}

/// Answers a quiz with the chosen choice indexes; keeps the answer in this profile.
pub fn answer_quiz(session: &Session, id: &str, language: &str, quiz_id: &str, chosen: &[u32]) -> Result<QuizResult> {
    let module = show(session, id, language)?;
    let quiz = module
        .quiz(quiz_id)
        .ok_or_else(|| Error::invalid("quiz", "this module has no such quiz"))?;
    if chosen.is_empty() {
        return Err(Error::invalid("choice", "choose an answer"));
    }
    if chosen.iter().any(|index| *index as usize >= quiz.choices.len()) {
        return Err(Error::invalid("choice", "there is no such choice"));
    }
    if !quiz.multiple && chosen.len() > 1 {
        return Err(Error::invalid("choice", "this question takes one answer"));
    }
    let feedback: Vec<ChoiceFeedback> = quiz
        .choices
        .iter()
        .enumerate()
        .map(|(index, choice)| ChoiceFeedback {
            index: index as u32,
            text: choice.text.clone(),
            chosen: chosen.contains(&(index as u32)),
            correct: choice.correct,
            explanation: choice.explanation.clone(),
        })
        .collect();
    let correct = feedback.iter().all(|choice| choice.chosen == choice.correct);
    let mut sorted: Vec<u32> = chosen.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let now = session.vault().clock_now_unix();
    session.with_connection(|connection| {
        connection.execute(
            "INSERT INTO quiz_answers (module_id, language, quiz_id, chosen, correct, answered_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (module_id, language, quiz_id) DO UPDATE SET
               chosen = excluded.chosen, correct = excluded.correct, answered_at = excluded.answered_at",
            params![
                module.id,
                module.language,
                quiz.id,
                serde_json::to_string(&sorted).unwrap_or_default(),
                correct,
                now
            ],
        )?;
        Ok(())
    })?;
    let (quizzes_correct, quizzes_total) = progress(session, &module)?;
    Ok(QuizResult {
        correct,
        feedback,
        quizzes_correct,
        quizzes_total,
    })
}

/// The installed catalog's version (no PIN needed: it says nothing about the person).
pub fn installed_version(vault: &Vault) -> Result<Option<u64>> {
    let store = vault.content_store()?;
    let Some(bytes) = store.trusted(store::CATALOG)? else {
        return Ok(None);
    };
    let envelope: super::metadata::Envelope = serde_json::from_slice(&bytes).map_err(|_| Error::DatabaseDamaged)?;
    let catalog: super::metadata::Catalog =
        serde_json::from_slice(&envelope.payload).map_err(|_| Error::DatabaseDamaged)?;
    Ok(Some(catalog.version))
}

/// The installed safety document as a profile may see it (the decoy sees none), and whether it
/// has expired (judged against the trusted time: the shell should say the list may be out of
/// date; the reports capability must not seal to an expired team key without saying so).
pub fn safety_for(session: &Session) -> Result<Option<(Safety, bool)>> {
    if session.is_decoy()? {
        return Ok(None);
    }
    let vault = session.vault();
    let Some(safety) = safety(vault)? else {
        return Ok(None);
    };
    let store = vault.content_store()?;
    let now = super::verify::trusted_time(vault.clock_now_unix(), store.state(store::NEWEST_SIGNING_TIME)?);
    let expired = safety.expires <= now;
    Ok(Some((safety, expired)))
}

/// The installed safety document (sites, Crisis Response Team keys), verified when installed.
/// Core-internal readers only: shells go through [`safety_for`].
pub fn safety(vault: &Vault) -> Result<Option<Safety>> {
    let store = vault.content_store()?;
    let Some(bytes) = store.trusted(store::SAFETY)? else {
        return Ok(None);
    };
    let envelope: super::metadata::Envelope = serde_json::from_slice(&bytes).map_err(|_| Error::DatabaseDamaged)?;
    serde_json::from_slice(&envelope.payload)
        .map(Some)
        .map_err(|_| Error::DatabaseDamaged)
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn search_words_cannot_inject_fts_syntax() {
        assert_eq!(
            fts_query("PEP  72 hours").as_deref(),
            Some("\"pep\"* \"72\"* \"hours\"*")
        );
        assert_eq!(
            fts_query("title:\"x\" OR NEAR(a b)").as_deref(),
            Some("\"title\"* \"x\"* \"or\"* \"near\"* \"a\"* \"b\"*")
        );
        assert_eq!(fts_query("*** --"), None);
        assert_eq!(
            fts_query("preservativo lubrificante").as_deref(),
            Some("\"preservativo\"* \"lubrificante\"*")
        );
    }
}
