//! Cover profiles: what the disguise shows to anyone holding the phone.
//!
//! A cover names the app (label and icon), the calculation history the disguise displays, and the
//! wording of every notification (the reminders capability takes its texts from here, so a
//! notification never says more than the cover app would). Covers are data: `covers.json`,
//! built in and checked at start; adding a cover is adding an entry there. Every text is checked
//! against a list of words that would give the app away.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The disguise engine a cover runs on. Only the calculator exists so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverKind {
    Calculator,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cover {
    pub id: String,
    pub kind: CoverKind,
    pub app_label: String,
    pub icon_name: String,
    pub history: Vec<String>,
    pub notification_title: String,
    pub notification_texts: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CoverFile {
    covers: Vec<Cover>,
}

pub const DEFAULT_COVER: &str = "calculator";

/// Words that must never appear in anything a cover shows: on a lock screen or in an app
/// switcher they would reveal what the app is.
pub const REVEALING_WORDS: &[&str] = &[
    "hiv",
    "aids",
    "prep",
    "pep",
    "art",
    "arv",
    "clinic",
    "health",
    "report",
    "violence",
    "abuse",
    "rape",
    "assault",
    "police",
    "sex",
    "condom",
    "std",
    "sti",
    "test",
    "medication",
    "pill",
    "injection",
    "contracept",
    "pregnan",
    "crisis",
    "safety",
    "help",
    "corridor",
    "wellness",
    "doctor",
    "nurse",
    "counsel",
    "session",
    "educator",
    "peer",
    "client",
    "code",
    "pin",
    "unlock",
    "secret",
    "hidden",
    "decoy",
    "duress",
];

/// The built-in covers.
pub fn covers() -> Vec<Cover> {
    built_in().expect("covers.json is checked by the tests")
}

fn built_in() -> Result<Vec<Cover>> {
    parse(include_str!("covers.json"))
}

/// Parses and checks a cover list.
pub fn parse(json: &str) -> Result<Vec<Cover>> {
    if json.len() > 64 * 1024 {
        return Err(Error::invalid("covers", "the cover list is too long"));
    }
    let file: CoverFile =
        serde_json::from_str(json).map_err(|error| Error::invalid("covers", format!("not a cover list: {error}")))?;
    let mut seen = std::collections::HashSet::new();
    for cover in &file.covers {
        if !seen.insert(cover.id.clone()) {
            return Err(Error::invalid("covers", format!("cover {} is listed twice", cover.id)));
        }
        if cover.app_label.trim().is_empty() || cover.notification_texts.is_empty() {
            return Err(Error::invalid(
                "covers",
                format!("cover {} lacks a label or notification texts", cover.id),
            ));
        }
        for text in shown_texts(cover) {
            if let Some(word) = revealing_word(text) {
                return Err(Error::invalid(
                    "covers",
                    format!("cover {} shows the revealing word {word:?}", cover.id),
                ));
            }
        }
    }
    if !file.covers.iter().any(|cover| cover.id == DEFAULT_COVER) {
        return Err(Error::invalid("covers", "the default cover is missing"));
    }
    Ok(file.covers)
}

/// Every text of a cover that a person holding the phone could see.
pub fn shown_texts(cover: &Cover) -> impl Iterator<Item = &str> {
    [
        cover.app_label.as_str(),
        cover.icon_name.as_str(),
        cover.notification_title.as_str(),
    ]
    .into_iter()
    .chain(cover.history.iter().map(String::as_str))
    .chain(cover.notification_texts.iter().map(String::as_str))
}

/// The first revealing word found in `text` as a whole word or a word's start, if any.
pub fn revealing_word(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    REVEALING_WORDS.iter().copied().find(|bad| {
        words.iter().any(|word| {
            if bad.len() <= 4 {
                word == bad
            } else {
                word.starts_with(bad)
            }
        })
    })
}

/// The cover with this id.
pub fn find(id: &str) -> Result<Cover> {
    covers()
        .into_iter()
        .find(|cover| cover.id == id)
        .ok_or_else(|| Error::invalid("cover", format!("no cover is called {id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_covers_parse_and_reveal_nothing() {
        let covers = built_in().unwrap();
        assert!(covers.len() >= 2, "a second cover is a matter of data");
        for cover in &covers {
            for text in shown_texts(cover) {
                assert_eq!(revealing_word(text), None, "{}: {text}", cover.id);
            }
        }
    }

    #[test]
    fn a_cover_with_a_revealing_word_is_refused() {
        for text in [
            "Time for your PrEP",
            "Clinic visit tomorrow",
            "HIV test",
            "Report received",
        ] {
            let json = format!(
                r#"{{"covers":[{{"id":"calculator","kind":"calculator","app_label":"Calculator","icon_name":"c",
                "history":[],"notification_title":"Calculator","notification_texts":["{text}"]}}]}}"#
            );
            assert!(
                matches!(parse(&json), Err(Error::InvalidInput { field: "covers", .. })),
                "{text}"
            );
        }
        assert_eq!(revealing_word("A new feature is available"), None);
        assert_eq!(revealing_word("depart at nine"), None, "whole words, not substrings");
    }

    #[test]
    fn malformed_cover_lists_are_refused() {
        for bad in ["", "{}", r#"{"covers":[]}"#, r#"{"covers":[{"id":"x"}]}"#] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
