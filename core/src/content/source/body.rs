//! A module source's Markdown body, compiled into [`Block`]s with pulldown-cmark. Only the
//! documented subset is accepted; anything else (HTML above all) stops the file with its line.

use std::collections::BTreeMap;
use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Deserialize;
use toml::Spanned;

use super::Problem;
use crate::content::model::{is_valid_module_id, Block, CalloutKind, Choice, Quiz, Span, Text};

/// A reference from a block to a file in `SRC/assets`.
pub(super) struct AssetRef {
    pub(super) name: String,
    pub(super) line: u32,
    /// An image block (else an audio block).
    pub(super) is_image: bool,
}

pub(super) struct CompiledBody {
    pub(super) blocks: Vec<Block>,
    pub(super) assets: Vec<AssetRef>,
}

/// The scheme that marks a link as an audio block: `[Listen: PEP](audio:pep.mp3)`.
const AUDIO_SCHEME: &str = "audio:";
/// The info string of a fenced code block that holds a quiz.
const QUIZ_INFO: &str = "quiz";

const HTML_REFUSED: &str = "HTML is not allowed in a module: content must never carry HTML or script \
                            (write plain text; `\\<` writes a literal <)";

/// Whether a link target is an https URL (the only links modules may carry).
pub(crate) fn is_https_url(url: &str) -> bool {
    url.get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
        && url.len() > 8
        && !url[8..].starts_with('/')
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Compiles the body. `first_line` is the body's first line in the file.
pub(super) fn compile(body: &str, first_line: u32, problems: &mut Vec<Problem>) -> Result<CompiledBody, Problem> {
    // Tables and footnotes are parsed only so that they can be refused with a clear message;
    // strikethrough stays off, so "~3 days" is text.
    let options = Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES;
    let events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(body, options).into_offset_iter().collect();
    let mut line_starts = vec![0];
    line_starts.extend(body.match_indices('\n').map(|(index, _)| index + 1));
    let mut compiler = Compiler {
        events: events.into_iter(),
        line_starts,
        first_line,
        problems,
        assets: Vec::new(),
        quiz_ids: BTreeMap::new(),
        last_line: first_line,
    };
    let blocks = compiler.blocks()?;
    Ok(CompiledBody {
        blocks,
        assets: compiler.assets,
    })
}

/// Inline content before it becomes a block: styled text, or media that must stand alone.
enum Inline {
    Span(Span),
    Image { dest: String, alt: String, line: u32 },
    Audio { name: String, title: String, line: u32 },
}

#[derive(Default)]
struct InlineStyle {
    strong: u32,
    emphasis: u32,
    link: Option<String>,
    /// Inside a link, https or not (an image there is refused).
    in_link: bool,
}

struct Compiler<'a, 'p> {
    events: std::vec::IntoIter<(Event<'a>, Range<usize>)>,
    line_starts: Vec<usize>,
    first_line: u32,
    problems: &'p mut Vec<Problem>,
    assets: Vec<AssetRef>,
    /// Quiz id to the line it was first seen on.
    quiz_ids: BTreeMap<String, u32>,
    /// The line of the last event read, for "unexpected end" problems.
    last_line: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuiz {
    id: Spanned<String>,
    question: Spanned<String>,
    #[serde(default)]
    multiple: bool,
    #[serde(default)]
    choices: Vec<RawChoice>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    text: Spanned<String>,
    #[serde(default)]
    correct: bool,
    explanation: Spanned<String>,
}

impl<'a> Compiler<'a, '_> {
    fn line(&self, offset: usize) -> u32 {
        let index = self.line_starts.partition_point(|start| *start <= offset);
        self.first_line + index.saturating_sub(1) as u32
    }

    fn next(&mut self) -> Result<(Event<'a>, u32), Problem> {
        match self.events.next() {
            Some((event, range)) => {
                let line = self.line(range.start);
                self.last_line = line;
                Ok((event, line))
            }
            None => Err(Problem::error(
                self.last_line,
                "the Markdown ends in the middle of a block",
            )),
        }
    }

    fn blocks(&mut self) -> Result<Vec<Block>, Problem> {
        let mut blocks = Vec::new();
        while let Some((event, range)) = self.events.next() {
            let line = self.line(range.start);
            self.last_line = line;
            let block =
                match event {
                    Event::Start(Tag::Heading { level, .. }) => self.heading(level, line)?,
                    Event::Start(Tag::Paragraph) => {
                        let inlines = self.inlines_until(TagEnd::Paragraph)?;
                        self.paragraph(inlines, line)?
                    }
                    Event::Start(Tag::List(start)) => self.list(start.is_some(), line)?,
                    Event::Start(Tag::BlockQuote(_)) => self.callout(line)?,
                    Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if info.trim() == QUIZ_INFO => {
                        self.quiz(line)?
                    }
                    Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) => {
                        return Err(Problem::error(
                            line,
                            "a code block (```) is not supported; the only fenced block is ```quiz",
                        ))
                    }
                    Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => return Err(Problem::error(
                        line,
                        "text indented by four spaces is read as code, which is not supported: remove the indentation",
                    )),
                    Event::Rule => {
                        return Err(Problem::error(
                            line,
                            "a horizontal rule (---, ***) is not supported: start a new part with a heading",
                        ))
                    }
                    other => return Err(Problem::error(line, refusal(&other))),
                };
            blocks.push(block);
        }
        Ok(blocks)
    }

    fn heading(&mut self, level: HeadingLevel, line: u32) -> Result<Block, Problem> {
        let inlines = self.inlines_until(TagEnd::Heading(level))?;
        let text = text_only(inlines, "a heading")?;
        if text.is_empty() {
            return Err(Problem::error(line, "a heading is empty"));
        }
        let level = match level {
            HeadingLevel::H1 => 1,
            HeadingLevel::H2 => 2,
            HeadingLevel::H3 => 3,
            HeadingLevel::H4 => 4,
            HeadingLevel::H5 => 5,
            HeadingLevel::H6 => 6,
        };
        Ok(Block::Heading { level, text })
    }

    /// A paragraph: text, or an image or audio link standing alone.
    fn paragraph(&mut self, inlines: Vec<Inline>, line: u32) -> Result<Block, Problem> {
        let media = inlines
            .iter()
            .filter(|inline| !matches!(inline, Inline::Span(_)))
            .count();
        if media == 0 {
            return Ok(Block::Paragraph {
                text: text_only(inlines, "a paragraph")?,
            });
        }
        let only_media = media == 1
            && inlines.iter().all(|inline| match inline {
                Inline::Span(span) => span.text.trim().is_empty(),
                _ => true,
            });
        if !only_media {
            return Err(Problem::error(
                line,
                "an image or an audio link stands alone in its paragraph: put a blank line before and after it",
            ));
        }
        for inline in inlines {
            match inline {
                Inline::Image { dest, alt, line } => {
                    let alt = alt.trim().to_string();
                    if alt.is_empty() {
                        self.problems.push(Problem::warning(
                            line,
                            "an image without a description (![description](name)): people who cannot see it miss it",
                        ));
                    }
                    self.assets.push(AssetRef {
                        name: dest.clone(),
                        line,
                        is_image: true,
                    });
                    return Ok(Block::Image { asset: dest, alt });
                }
                Inline::Audio { name, title, line } => {
                    let title = title.trim().to_string();
                    if title.is_empty() {
                        self.problems.push(Problem::error(
                            line,
                            "an audio link needs a title: [Listen: PEP explained](audio:pep.mp3)",
                        ));
                    }
                    self.assets.push(AssetRef {
                        name: name.clone(),
                        line,
                        is_image: false,
                    });
                    return Ok(Block::Audio { asset: name, title });
                }
                Inline::Span(_) => {}
            }
        }
        Err(Problem::error(line, "an image or audio link was expected here"))
    }

    /// A bullet or numbered list; each item is text (nested lists are refused).
    fn list(&mut self, ordered: bool, line: u32) -> Result<Block, Problem> {
        let mut items = Vec::new();
        loop {
            let (event, item_line) = self.next()?;
            match event {
                Event::Start(Tag::Item) => items.push(self.item(item_line)?),
                Event::End(TagEnd::List(_)) => break,
                other => return Err(Problem::error(item_line, refusal(&other))),
            }
        }
        if items.is_empty() {
            return Err(Problem::error(line, "a list is empty"));
        }
        Ok(Block::List { ordered, items })
    }

    fn item(&mut self, line: u32) -> Result<Text, Problem> {
        let inlines = self.paragraphs_until(TagEnd::Item, "a list item")?;
        let text = text_only(inlines, "a list item")?;
        if text.is_empty() {
            return Err(Problem::error(line, "a list item is empty"));
        }
        Ok(text)
    }

    /// Inline content up to `end`, where paragraphs (as in loose lists and quotes) are joined by
    /// line breaks. Any other block inside is refused.
    fn paragraphs_until(&mut self, end: TagEnd, what: &str) -> Result<Vec<Inline>, Problem> {
        let mut inlines = Vec::new();
        let mut style = InlineStyle::default();
        loop {
            let (event, line) = self.next()?;
            match event {
                Event::End(found) if found == end => return Ok(inlines),
                Event::Start(Tag::Paragraph) => {
                    if !inlines.is_empty() {
                        inlines.push(plain("\n"));
                    }
                    inlines.extend(self.inlines_until(TagEnd::Paragraph)?);
                }
                Event::Start(tag) if is_block(&tag) => {
                    return Err(Problem::error(
                        line,
                        format!("{what} holds only text: {}", refusal(&Event::Start(tag))),
                    ))
                }
                other => self.inline(other, line, &mut style, &mut inlines)?,
            }
        }
    }

    /// A GitHub-style alert: `> [!URGENT]`, `> [!WARNING]`, `> [!TIP]` or `> [!NOTE]`, then text.
    fn callout(&mut self, line: u32) -> Result<Block, Problem> {
        let what = "a callout (> [!NOTE] ...)";
        let inlines = self.paragraphs_until(TagEnd::BlockQuote(None), what)?;
        let mut text = text_only(inlines, what)?;
        let marker_problem = || {
            Problem::error(
                line,
                "a quote (>) is a callout and starts with [!URGENT], [!WARNING], [!TIP] or [!NOTE]",
            )
        };
        let first = text.first_mut().ok_or_else(marker_problem)?;
        if first.strong || first.emphasis || first.link.is_some() || !first.text.starts_with("[!") {
            return Err(marker_problem());
        }
        let close = first.text.find(']').ok_or_else(marker_problem)?;
        let kind = match first.text[2..close].to_ascii_uppercase().as_str() {
            "URGENT" => CalloutKind::Urgent,
            "WARNING" => CalloutKind::Warning,
            "TIP" => CalloutKind::Tip,
            "NOTE" => CalloutKind::Note,
            other => {
                return Err(Problem::error(
                    line,
                    format!("[!{other}] is not a callout: use [!URGENT], [!WARNING], [!TIP] or [!NOTE]"),
                ))
            }
        };
        first.text.replace_range(..=close, "");
        let text = trim_text(text);
        if text.is_empty() {
            return Err(Problem::error(line, "the callout has no text"));
        }
        Ok(Block::Callout { kind, text })
    }

    /// A ```quiz block: TOML with `id`, `question`, `multiple` and `[[choices]]`.
    fn quiz(&mut self, fence_line: u32) -> Result<Block, Problem> {
        let mut source = String::new();
        let mut content_line = None;
        loop {
            let (event, line) = self.next()?;
            match event {
                Event::Text(text) => {
                    content_line.get_or_insert(line);
                    source.push_str(&text);
                }
                Event::End(TagEnd::CodeBlock) => break,
                other => return Err(Problem::error(line, refusal(&other))),
            }
        }
        let content_line = content_line.unwrap_or(fence_line + 1);
        let line_of = |offset: usize| {
            let before = &source[..offset.min(source.len())];
            content_line + before.bytes().filter(|byte| *byte == b'\n').count() as u32
        };
        let raw: RawQuiz = toml::from_str(&source).map_err(|error| {
            let line = error.span().map(|span| line_of(span.start)).unwrap_or(fence_line);
            Problem::error(line, format!("quiz: {}", error.message().trim()))
        })?;

        let id_line = line_of(raw.id.span().start);
        let id = raw.id.into_inner();
        if !is_valid_module_id(&id) {
            return Err(Problem::error(
                id_line,
                format!(
                    "the quiz id `{id}` is not valid: lower-case letters, digits and hyphens, starting with a letter"
                ),
            ));
        }
        if let Some(first_line) = self.quiz_ids.get(&id) {
            self.problems.push(Problem::error(
                id_line,
                format!("duplicate quiz id `{id}` in this module (first on line {first_line})"),
            ));
        } else {
            self.quiz_ids.insert(id.clone(), id_line);
        }
        let question_line = line_of(raw.question.span().start);
        let question = raw.question.into_inner().trim().to_string();
        if question.is_empty() {
            self.problems
                .push(Problem::error(question_line, "the quiz question is empty"));
        }
        let mut choices = Vec::new();
        for choice in raw.choices {
            let text_line = line_of(choice.text.span().start);
            let text = choice.text.into_inner().trim().to_string();
            if text.is_empty() {
                self.problems
                    .push(Problem::error(text_line, "a quiz choice's text is empty"));
            }
            let explanation_line = line_of(choice.explanation.span().start);
            let explanation = choice.explanation.into_inner().trim().to_string();
            if explanation.is_empty() {
                self.problems.push(Problem::error(
                    explanation_line,
                    "a quiz choice's explanation is empty: every answer explains why it is right or wrong",
                ));
            }
            choices.push(Choice {
                text,
                correct: choice.correct,
                explanation,
            });
        }
        if choices.len() < 2 {
            self.problems.push(Problem::error(
                fence_line,
                format!("the quiz `{id}` has fewer than two choices"),
            ));
        }
        let correct = choices.iter().filter(|choice| choice.correct).count();
        if correct == 0 {
            self.problems.push(Problem::error(
                fence_line,
                format!("the quiz `{id}` has no correct answer (mark one with correct = true)"),
            ));
        } else if correct > 1 && !raw.multiple {
            self.problems.push(Problem::error(
                fence_line,
                format!(
                    "the single-choice quiz `{id}` has {correct} correct choices: keep one, or set multiple = true"
                ),
            ));
        }
        Ok(Block::Quiz(Quiz {
            id,
            question,
            multiple: raw.multiple,
            choices,
        }))
    }

    fn inlines_until(&mut self, end: TagEnd) -> Result<Vec<Inline>, Problem> {
        let mut inlines = Vec::new();
        let mut style = InlineStyle::default();
        loop {
            let (event, line) = self.next()?;
            if event == Event::End(end) {
                return Ok(inlines);
            }
            self.inline(event, line, &mut style, &mut inlines)?;
        }
    }

    /// One inline event: text and its styles, a link, an image or an audio link.
    fn inline(
        &mut self,
        event: Event<'a>,
        line: u32,
        style: &mut InlineStyle,
        out: &mut Vec<Inline>,
    ) -> Result<(), Problem> {
        match event {
            Event::Text(text) => out.push(Inline::Span(Span {
                text: text.into_string(),
                strong: style.strong > 0,
                emphasis: style.emphasis > 0,
                link: style.link.clone(),
            })),
            Event::SoftBreak => out.push(styled(" ", style)),
            Event::HardBreak => out.push(styled("\n", style)),
            Event::Start(Tag::Strong) => style.strong += 1,
            Event::End(TagEnd::Strong) => style.strong = style.strong.saturating_sub(1),
            Event::Start(Tag::Emphasis) => style.emphasis += 1,
            Event::End(TagEnd::Emphasis) => style.emphasis = style.emphasis.saturating_sub(1),
            Event::Start(Tag::Link { dest_url, .. }) => self.link(dest_url, line, style, out)?,
            Event::End(TagEnd::Link) => {
                style.link = None;
                style.in_link = false;
            }
            Event::Start(Tag::Image { dest_url, .. }) if !style.in_link => {
                let alt = self.plain_until(TagEnd::Image, "an image's description")?;
                out.push(Inline::Image {
                    dest: dest_url.trim().to_string(),
                    alt,
                    line,
                });
            }
            other => return Err(Problem::error(line, refusal(&other))),
        }
        Ok(())
    }

    fn link(
        &mut self,
        dest: CowStr<'a>,
        line: u32,
        style: &mut InlineStyle,
        out: &mut Vec<Inline>,
    ) -> Result<(), Problem> {
        let dest = dest.trim();
        let is_audio = dest
            .get(..AUDIO_SCHEME.len())
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case(AUDIO_SCHEME));
        if is_audio {
            let title = self.plain_until(TagEnd::Link, "an audio link's title")?;
            out.push(Inline::Audio {
                name: dest[AUDIO_SCHEME.len()..].trim().to_string(),
                title,
                line,
            });
            return Ok(());
        }
        style.in_link = true;
        if is_https_url(dest) {
            style.link = Some(dest.to_string());
        } else {
            // The text stays, without the link; the module cannot be built until it is fixed.
            self.problems.push(Problem::error(
                line,
                format!("a link must be https:// (this one goes to `{dest}`)"),
            ));
            style.link = None;
        }
        Ok(())
    }

    /// The plain text up to `end` (an image's description, an audio link's title): styles are
    /// dropped; images, links and HTML inside are refused.
    fn plain_until(&mut self, end: TagEnd, what: &str) -> Result<String, Problem> {
        let mut text = String::new();
        loop {
            let (event, line) = self.next()?;
            match event {
                found if found == Event::End(end) => return Ok(text),
                Event::Text(part) => text.push_str(&part),
                Event::SoftBreak | Event::HardBreak => text.push(' '),
                Event::Start(Tag::Strong | Tag::Emphasis) | Event::End(TagEnd::Strong | TagEnd::Emphasis) => {}
                other => {
                    return Err(Problem::error(
                        line,
                        format!("{what} holds only text: {}", refusal(&other)),
                    ))
                }
            }
        }
    }
}

fn plain(text: &str) -> Inline {
    Inline::Span(Span {
        text: text.to_string(),
        strong: false,
        emphasis: false,
        link: None,
    })
}

fn styled(text: &str, style: &InlineStyle) -> Inline {
    Inline::Span(Span {
        text: text.to_string(),
        strong: style.strong > 0,
        emphasis: style.emphasis > 0,
        link: style.link.clone(),
    })
}

/// The text of inline content that may not hold images or audio.
fn text_only(inlines: Vec<Inline>, what: &str) -> Result<Text, Problem> {
    let mut spans = Vec::new();
    for inline in inlines {
        match inline {
            Inline::Span(span) => spans.push(span),
            Inline::Image { line, .. } | Inline::Audio { line, .. } => {
                return Err(Problem::error(
                    line,
                    format!("{what} cannot hold an image or audio link: put it in a paragraph of its own"),
                ))
            }
        }
    }
    Ok(trim_text(spans))
}

/// Joins neighbouring spans of the same style and trims white space at both ends.
fn trim_text(spans: Vec<Span>) -> Text {
    let mut merged: Text = Vec::new();
    for span in spans {
        if span.text.is_empty() {
            continue;
        }
        match merged.last_mut() {
            Some(last) if last.strong == span.strong && last.emphasis == span.emphasis && last.link == span.link => {
                last.text.push_str(&span.text)
            }
            _ => merged.push(span),
        }
    }
    while let Some(first) = merged.first_mut() {
        let trimmed = first.text.trim_start();
        if trimmed.is_empty() {
            merged.remove(0);
        } else {
            first.text = trimmed.to_string();
            break;
        }
    }
    while let Some(last) = merged.last_mut() {
        let trimmed = last.text.trim_end();
        if trimmed.is_empty() {
            merged.pop();
        } else {
            last.text = trimmed.to_string();
            break;
        }
    }
    merged
}

fn is_block(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::Paragraph
            | Tag::Heading { .. }
            | Tag::BlockQuote(_)
            | Tag::CodeBlock(_)
            | Tag::HtmlBlock
            | Tag::List(_)
            | Tag::Item
            | Tag::FootnoteDefinition(_)
            | Tag::Table(_)
            | Tag::DefinitionList
            | Tag::MetadataBlock(_)
    )
}

/// Why an event is refused where it stands.
fn refusal(event: &Event<'_>) -> String {
    let text = match event {
        Event::Html(_) | Event::InlineHtml(_) | Event::Start(Tag::HtmlBlock) => HTML_REFUSED,
        Event::Start(Tag::Table(_)) => "tables are not supported: use a list, or headings with paragraphs",
        Event::Start(Tag::FootnoteDefinition(_)) | Event::FootnoteReference(_) => {
            "footnotes are not supported: list sources in the header's [[sources]]"
        }
        Event::Code(_) => "inline code (`...`) is not supported: write plain text",
        Event::Start(Tag::List(_)) => "a list cannot be inside another list, a quote or a callout",
        Event::Start(Tag::BlockQuote(_)) => "a quote or callout cannot be inside another block",
        Event::Start(Tag::CodeBlock(_)) => "a code block (or ```quiz) cannot be inside another block",
        Event::Start(Tag::Heading { .. }) => "a heading cannot be inside another block",
        Event::Start(Tag::Image { .. }) => "an image cannot be inside a link or another image",
        Event::Start(Tag::Link { .. }) => "a link cannot be inside another link or an image",
        Event::Rule => "a horizontal rule (---, ***) is not supported",
        _ => "this Markdown is not supported in a module (see the module source format)",
    };
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_https_urls_only() {
        assert!(is_https_url("https://www.who.int/news"));
        assert!(is_https_url("HTTPS://who.int"));
        for bad in [
            "http://who.int",
            "javascript:alert(1)",
            "https://",
            "https:///path",
            "ftp://x",
            "who.int",
            "https://who.int/a b",
            "é",
        ] {
            assert!(!is_https_url(bad), "{bad}");
        }
    }
}
