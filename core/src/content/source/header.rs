//! A module source's TOML header, between two `+++` lines at the top of the file.

use serde::Deserialize;
use toml::Spanned;

use super::Problem;
use crate::content::model::{is_valid_language, is_valid_module_id, Review, ReviewStatus, SourceRef};

/// The marker line above and below the header.
const FENCE: &str = "+++";

/// A source split into its header and its Markdown body, with where each starts.
pub(super) struct Split<'a> {
    header: &'a str,
    /// The opening fence's line (1): header problems without a better place point here.
    opening_line: u32,
    pub(super) body: &'a str,
    pub(super) body_first_line: u32,
}

impl Split<'_> {
    /// The 1-based line of a byte offset into the header.
    fn line_of(&self, offset: usize) -> u32 {
        let before = &self.header[..offset.min(self.header.len())];
        self.opening_line + 1 + before.bytes().filter(|byte| *byte == b'\n').count() as u32
    }
}

pub(super) fn split(text: &str) -> Result<Split<'_>, Problem> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != FENCE {
        return Err(Problem::error(
            1,
            "a module starts with a `+++` line, then its TOML header, then another `+++` line",
        ));
    }
    let header_start = first.len();
    let mut offset = header_start;
    let mut line = 1u32;
    for candidate in lines {
        line += 1;
        if candidate.trim_end() == FENCE {
            return Ok(Split {
                header: &text[header_start..offset],
                opening_line: 1,
                body: &text[offset + candidate.len()..],
                body_first_line: line + 1,
            });
        }
        offset += candidate.len();
    }
    Err(Problem::error(1, "the header has no closing `+++` line"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    id: Spanned<String>,
    title: Spanned<String>,
    language: Spanned<String>,
    version: Spanned<u32>,
    topics: Spanned<Vec<String>>,
    reading_minutes: Spanned<u32>,
    review_status: Option<Spanned<String>>,
    reviewed_by: Option<Spanned<String>>,
    /// A string `"2025-03-01"` or a TOML date `2025-03-01`.
    review_date: Option<Spanned<toml::Value>>,
    sources: Option<Spanned<Vec<RawSource>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    title: Spanned<String>,
    url: Option<Spanned<String>>,
}

/// The header, checked.
pub(super) struct Header {
    pub(super) id: String,
    pub(super) id_line: u32,
    pub(super) language: String,
    pub(super) language_line: u32,
    pub(super) title: String,
    pub(super) version: u32,
    pub(super) topics: Vec<String>,
    pub(super) reading_minutes: u32,
    /// When `review_status` is missing (an error), `awaiting_clinical_review` stands in.
    pub(super) review: Review,
    pub(super) sources: Vec<SourceRef>,
}

/// Parses and checks the header. Syntax, types, unknown or missing keys, an invalid id or
/// language are fatal; the rest is reported in `problems`.
pub(super) fn parse(split: &Split<'_>, problems: &mut Vec<Problem>) -> Result<Header, Problem> {
    let raw: RawHeader = toml::from_str(split.header).map_err(|error| {
        // A missing key has no place of its own: it is reported on the opening `+++`.
        let line = match error.span() {
            Some(span) if !error.message().starts_with("missing field") => split.line_of(span.start),
            _ => split.opening_line,
        };
        Problem::error(line, format!("header: {}", error.message().trim()))
    })?;
    let line = |span: std::ops::Range<usize>| split.line_of(span.start);
    let review = review(&raw, split, problems);

    let id_line = line(raw.id.span());
    let id = raw.id.into_inner();
    if !is_valid_module_id(&id) {
        return Err(Problem::error(
            id_line,
            format!("the id `{id}` is not valid: lower-case letters, digits and hyphens, starting with a letter (at most 64)"),
        ));
    }
    let language_line = line(raw.language.span());
    let language = raw.language.into_inner();
    if !is_valid_language(&language) {
        return Err(Problem::error(
            language_line,
            format!("the language `{language}` is not valid: a lower-case tag like en, pt or pt-mz"),
        ));
    }
    let title_line = line(raw.title.span());
    let title = raw.title.into_inner().trim().to_string();
    if title.is_empty() {
        problems.push(Problem::error(title_line, "the title is empty"));
    }
    let version_line = line(raw.version.span());
    let version = raw.version.into_inner();
    if version == 0 {
        problems.push(Problem::error(version_line, "the version starts at 1"));
    }
    let topics_line = line(raw.topics.span());
    let topics: Vec<String> = raw
        .topics
        .into_inner()
        .into_iter()
        .map(|topic| topic.trim().to_string())
        .collect();
    if topics.iter().any(String::is_empty) {
        problems.push(Problem::error(topics_line, "a topic is empty"));
    }
    let minutes_line = line(raw.reading_minutes.span());
    let reading_minutes = raw.reading_minutes.into_inner();
    if reading_minutes == 0 {
        problems.push(Problem::error(minutes_line, "reading_minutes must be at least 1"));
    }

    let sources = sources(raw.sources, split, problems);

    Ok(Header {
        id,
        id_line,
        language,
        language_line,
        title,
        version,
        topics,
        reading_minutes,
        review,
        sources,
    })
}

fn review(raw: &RawHeader, split: &Split<'_>, problems: &mut Vec<Problem>) -> Review {
    let reviewed_by = raw
        .reviewed_by
        .as_ref()
        .map(|name| name.get_ref().trim().to_string())
        .filter(|name| !name.is_empty());
    let review_date = raw.review_date.as_ref().and_then(|date| {
        let date_line = split.line_of(date.span().start);
        let text = match date.get_ref() {
            toml::Value::String(text) => text.trim().to_string(),
            toml::Value::Datetime(datetime) => datetime.to_string(),
            _ => String::new(),
        };
        if chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d").is_ok() && text.len() == 10 {
            Some(text)
        } else {
            problems.push(Problem::error(
                date_line,
                "review_date is not a date written YYYY-MM-DD (like 2025-03-01)",
            ));
            None
        }
    });
    let Some(status) = &raw.review_status else {
        problems.push(Problem::error(
            split.opening_line,
            "missing review metadata: the header has no review_status (\"awaiting_clinical_review\" or \"reviewed\")",
        ));
        return Review {
            status: ReviewStatus::AwaitingClinicalReview,
            reviewed_by,
            review_date,
        };
    };
    let status_line = split.line_of(status.span().start);
    let status = match status.get_ref().as_str() {
        "awaiting_clinical_review" => {
            problems.push(Problem::warning(
                status_line,
                "awaiting clinical review: a clinician must check this module before it is marked reviewed",
            ));
            ReviewStatus::AwaitingClinicalReview
        }
        "reviewed" => {
            let date_given = raw.review_date.is_some();
            if reviewed_by.is_none() || !date_given {
                let missing = match (reviewed_by.is_none(), date_given) {
                    (true, false) => "reviewed_by and review_date",
                    (true, true) => "reviewed_by",
                    _ => "review_date",
                };
                problems.push(Problem::error(
                    status_line,
                    format!("missing review metadata: a reviewed module needs {missing}"),
                ));
            }
            ReviewStatus::Reviewed
        }
        other => {
            problems.push(Problem::error(
                status_line,
                format!("review_status `{other}` is not \"awaiting_clinical_review\" or \"reviewed\""),
            ));
            ReviewStatus::AwaitingClinicalReview
        }
    };
    Review {
        status,
        reviewed_by,
        review_date,
    }
}

fn sources(raw: Option<Spanned<Vec<RawSource>>>, split: &Split<'_>, problems: &mut Vec<Problem>) -> Vec<SourceRef> {
    let raw = raw.map(Spanned::into_inner).unwrap_or_default();
    if raw.is_empty() {
        problems.push(Problem::warning(
            split.opening_line,
            "no sources: list where the facts come from in [[sources]] tables (title, url)",
        ));
    }
    raw.into_iter()
        .map(|source| {
            let title_line = split.line_of(source.title.span().start);
            let title = source.title.into_inner().trim().to_string();
            if title.is_empty() {
                problems.push(Problem::error(title_line, "a source's title is empty"));
            }
            let url = source.url.map(|url| {
                let url_line = split.line_of(url.span().start);
                let url = url.into_inner().trim().to_string();
                if !super::body::is_https_url(&url) {
                    problems.push(Problem::error(
                        url_line,
                        format!("a link must be https:// (this source's url is `{url}`)"),
                    ));
                }
                url
            });
            SourceRef { title, url }
        })
        .collect()
}
