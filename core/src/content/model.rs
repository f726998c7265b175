//! What a health-literacy module is, once compiled: a structured model the shells render
//! themselves (never HTML, never script). Editors write Markdown with a TOML header
//! ([`super::source`]); `content build` compiles it into this model's JSON, which is what the
//! catalog signs and phones download, so a phone never parses Markdown.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The largest compiled module a phone accepts (its JSON).
pub const MAX_MODULE_JSON_LEN: usize = 1024 * 1024;

/// A module id: lower-case letters, digits and hyphens, 1 to 64 bytes, starting with a letter.
pub fn is_valid_module_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 64
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || *byte == b'-')
}

/// A language tag as the programme uses them: `en`, `pt`, `zu`, `sn`, `pt-mz` (lower case).
pub fn is_valid_language(language: &str) -> bool {
    let parts: Vec<&str> = language.split('-').collect();
    (1..=2).contains(&parts.len())
        && parts
            .iter()
            .all(|part| (2..=3).contains(&part.len()) && part.bytes().all(|byte| byte.is_ascii_lowercase()))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Module {
    /// The same id in every language.
    pub id: String,
    pub language: String,
    pub title: String,
    /// The module's own version (raised by editors when its text changes).
    pub version: u32,
    pub topics: Vec<String>,
    pub reading_minutes: u32,
    pub review: Review,
    pub sources: Vec<SourceRef>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// `awaiting_clinical_review` until a clinician has signed it off.
    pub status: ReviewStatus,
    pub reviewed_by: Option<String>,
    /// `YYYY-MM-DD`.
    pub review_date: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    AwaitingClinicalReview,
    Reviewed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    pub title: String,
    pub url: Option<String>,
}

/// Inline text: plain strings with emphasis kept as spans, so shells style without parsing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Span {
    pub text: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub strong: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub emphasis: bool,
    /// A link's target (https only; shells ask before opening it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

pub type Text = Vec<Span>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Block {
    Heading {
        level: u8,
        text: Text,
    },
    Paragraph {
        text: Text,
    },
    List {
        ordered: bool,
        items: Vec<Text>,
    },
    /// `asset`: the asset's name in the catalog entry of this module.
    Image {
        asset: String,
        alt: String,
    },
    Audio {
        asset: String,
        title: String,
    },
    Callout {
        kind: CalloutKind,
        text: Text,
    },
    Quiz(Quiz),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalloutKind {
    /// Something to act on now (PEP within 72 hours).
    Urgent,
    Warning,
    Tip,
    Note,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quiz {
    /// Unique within the module; progress is kept per (module, quiz).
    pub id: String,
    pub question: String,
    /// More than one choice may be correct; the person picks all that apply.
    pub multiple: bool,
    pub choices: Vec<Choice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub text: String,
    pub correct: bool,
    /// Shown after answering, for this choice.
    pub explanation: String,
}

impl Module {
    /// The compiled module from its JSON, refusing oversized or malformed input.
    pub fn from_json(bytes: &[u8]) -> Result<Module> {
        if bytes.len() > MAX_MODULE_JSON_LEN {
            return Err(Error::ContentRejected("a module is larger than allowed".into()));
        }
        let module: Module =
            serde_json::from_slice(bytes).map_err(|_| Error::ContentRejected("a module file is malformed".into()))?;
        module.check()?;
        Ok(module)
    }

    /// The canonical JSON (what the catalog signs the hash of).
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Structural rules every module keeps, whoever built it.
    pub fn check(&self) -> Result<()> {
        let bad = |why: &str| Err(Error::ContentRejected(format!("module {}: {why}", self.id)));
        if !is_valid_module_id(&self.id) {
            return Err(Error::ContentRejected("a module id is not valid".into()));
        }
        if !is_valid_language(&self.language) {
            return bad("its language tag is not valid");
        }
        if self.title.trim().is_empty() {
            return bad("it has no title");
        }
        let https = |url: &str| url.starts_with("https://") && !url.chars().any(char::is_whitespace);
        if self
            .sources
            .iter()
            .filter_map(|source| source.url.as_deref())
            .any(|url| !https(url))
        {
            return bad("a source's link is not https");
        }
        let mut quiz_ids = std::collections::BTreeSet::new();
        for block in &self.blocks {
            let spans: Vec<&Span> = match block {
                Block::Heading { text, .. } | Block::Paragraph { text } | Block::Callout { text, .. } => {
                    text.iter().collect()
                }
                Block::List { items, .. } => items.iter().flatten().collect(),
                _ => Vec::new(),
            };
            if spans
                .iter()
                .filter_map(|span| span.link.as_deref())
                .any(|url| !https(url))
            {
                return bad("a link is not https");
            }
            if let Block::Quiz(quiz) = block {
                if quiz.choices.len() < 2 {
                    return bad("a quiz has fewer than two choices");
                }
                let correct = quiz.choices.iter().filter(|choice| choice.correct).count();
                if correct == 0 {
                    return bad("a quiz has no correct answer");
                }
                if !quiz.multiple && correct > 1 {
                    return bad("a single-choice quiz has more than one correct answer");
                }
                if !quiz_ids.insert(quiz.id.as_str()) {
                    return bad("two quizzes share an id");
                }
            }
            if let Block::Heading { level, .. } = block {
                if !(1..=6).contains(level) {
                    return bad("a heading level is out of range");
                }
            }
        }
        Ok(())
    }

    /// The text of every block, for the search index (the title and topics are indexed apart).
    pub fn plain_text(&self) -> String {
        let mut out = Vec::new();
        let text = |spans: &Text| spans.iter().map(|span| span.text.as_str()).collect::<Vec<_>>().join("");
        for block in &self.blocks {
            match block {
                Block::Heading { text: spans, .. }
                | Block::Paragraph { text: spans }
                | Block::Callout { text: spans, .. } => out.push(text(spans)),
                Block::List { items, .. } => out.extend(items.iter().map(text)),
                Block::Image { alt, .. } => out.push(alt.clone()),
                Block::Audio { title, .. } => out.push(title.clone()),
                Block::Quiz(quiz) => {
                    out.push(quiz.question.clone());
                    out.extend(quiz.choices.iter().map(|choice| choice.text.clone()));
                }
            }
        }
        out.join("\n")
    }

    pub fn quiz(&self, quiz_id: &str) -> Option<&Quiz> {
        self.blocks.iter().find_map(|block| match block {
            Block::Quiz(quiz) if quiz.id == quiz_id => Some(quiz),
            _ => None,
        })
    }
}
