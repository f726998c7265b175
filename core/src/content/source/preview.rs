//! Static HTML pages of a source directory's modules, for editors to read in a browser. Every
//! piece of text is HTML-escaped, the pages carry no script (and forbid it by policy), styles are
//! inline, and only https links become links.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::body::is_https_url;
use super::{scan, FileOutcome, LintProblem, Severity, ASSETS_DIR};
use crate::content::model::{Block, CalloutKind, Module, ReviewStatus, Text};
use crate::error::{Error, Result};

const INDEX_FILE: &str = "index.html";

/// Writes `out/index.html`, one page per module (`out/<language>/<id>.html`) and the assets the
/// modules reference (`out/assets/`). Modules with lint problems are still shown (with their
/// problems); files that cannot be compiled at all are listed in the index. Returns the paths
/// written, the index first.
pub fn preview(src: &Path, out: &Path) -> Result<Vec<PathBuf>> {
    let scan = scan(src);
    create_dir(out)?;
    let mut pages = Vec::new();
    let mut copied = std::collections::BTreeSet::new();
    let modules: Vec<(&FileOutcome, &Module)> = scan
        .outcomes
        .iter()
        .filter_map(|outcome| outcome.module.as_ref().map(|module| (outcome, module)))
        .collect();
    for (outcome, module) in &modules {
        let problems: Vec<&LintProblem> = scan
            .problems
            .iter()
            .filter(|problem| problem.file == outcome.path)
            .collect();
        let translations: Vec<&str> = modules
            .iter()
            .filter(|(_, other)| other.id == module.id && other.language != module.language)
            .map(|(_, other)| other.language.as_str())
            .collect();
        let html = module_page(module, outcome, &problems, &translations);
        let dir = out.join(&module.language);
        create_dir(&dir)?;
        let page = dir.join(format!("{}.html", module.id));
        write(&page, &html)?;
        pages.push(page);
        for asset in &outcome.assets {
            if copied.insert(asset.name.clone()) {
                let assets_out = out.join(ASSETS_DIR);
                create_dir(&assets_out)?;
                let target = assets_out.join(&asset.name);
                std::fs::copy(&asset.path, &target).map_err(|error| write_error(&target, &error))?;
            }
        }
    }
    let index = out.join(INDEX_FILE);
    write(&index, &index_page(src, &modules, &scan.problems))?;
    pages.insert(0, index);
    Ok(pages)
}

fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|error| write_error(dir, &error))
}

fn write(path: &Path, html: &str) -> Result<()> {
    std::fs::write(path, html).map_err(|error| write_error(path, &error))
}

fn write_error(path: &Path, error: &std::io::Error) -> Error {
    Error::invalid(
        "preview",
        format!("{} cannot be written: {}", path.display(), super::io_reason(error)),
    )
}

/// Text made safe for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;\
line-height:1.5;color:#1d1d1f}nav{font-size:.9rem;margin-bottom:1rem}.meta{color:#555;font-size:.9rem}\
.review{padding:.5rem .75rem;border-radius:6px;margin:1rem 0;font-weight:600}\
.review.awaiting{background:#fff4d6;border:1px solid #e0a800}.review.reviewed{background:#e3f6e8;border:1px solid #2e8540}\
.callout{padding:.75rem 1rem;border-left:6px solid;border-radius:4px;margin:1rem 0}\
.callout .kind{font-weight:700;text-transform:uppercase;font-size:.8rem;display:block}\
.callout.urgent{background:#fde2e1;border-color:#c62828}.callout.warning{background:#fff4d6;border-color:#e0a800}\
.callout.tip{background:#e3f6e8;border-color:#2e8540}.callout.note{background:#e6f0fb;border-color:#1f5fa8}\
.quiz{border:1px solid #bbb;border-radius:6px;padding:.75rem 1rem;margin:1rem 0}\
.quiz .question{font-weight:700}.quiz .how{color:#555;font-size:.9rem}.quiz ul{list-style:none;padding-left:0}\
.quiz li{margin:.5rem 0;padding:.4rem .6rem;border-radius:4px}.quiz li.correct{background:#e3f6e8}\
.quiz li.wrong{background:#f3f3f3}.quiz .mark{font-weight:700;margin-right:.4rem}\
.quiz .explanation{margin:.25rem 0 0;color:#333;font-size:.95rem}figure{margin:1rem 0}img{max-width:100%}\
.missing{color:#c62828;font-weight:700}.problems{border:1px solid #c62828;border-radius:6px;padding:.5rem 1rem}\
.problems .error{color:#c62828}.problems .warning{color:#8a6d00}";

fn page_start(out: &mut String, language: &str, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'none'; object-src 'none'; \
         base-uri 'none'; form-action 'none'\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(language),
        escape(title)
    );
}

fn problem_list(out: &mut String, problems: &[&LintProblem]) {
    if problems.is_empty() {
        return;
    }
    out.push_str("<section class=\"problems\">\n<h2>Lint problems</h2>\n<ul>\n");
    for problem in problems {
        let class = match problem.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(out, "<li class=\"{class}\">{}</li>", escape(&problem.to_string()));
    }
    out.push_str("</ul>\n</section>\n");
}

fn review_line(module: &Module) -> (&'static str, String) {
    match module.review.status {
        ReviewStatus::AwaitingClinicalReview => (
            "awaiting",
            "Awaiting clinical review: a clinician has not yet checked this module.".to_string(),
        ),
        ReviewStatus::Reviewed => {
            let by = module.review.reviewed_by.as_deref().unwrap_or("(nobody named)");
            let date = module.review.review_date.as_deref().unwrap_or("(no date)");
            ("reviewed", format!("Reviewed by {by} on {date}."))
        }
    }
}

fn index_page(src: &Path, modules: &[(&FileOutcome, &Module)], problems: &[LintProblem]) -> String {
    let mut out = String::new();
    page_start(&mut out, "en", "Module preview");
    let _ = writeln!(
        out,
        "<h1>Module preview</h1>\n<p class=\"meta\">Source: {}</p>",
        escape(&src.display().to_string())
    );
    let problems: Vec<&LintProblem> = problems.iter().collect();
    problem_list(&mut out, &problems);
    let mut languages: Vec<&str> = modules.iter().map(|(_, module)| module.language.as_str()).collect();
    languages.sort_unstable();
    languages.dedup();
    if modules.is_empty() {
        out.push_str("<p>No module could be shown.</p>\n");
    }
    for language in languages {
        let _ = writeln!(out, "<h2 lang=\"{0}\">{0}</h2>\n<ul>", escape(language));
        let mut in_language: Vec<&Module> = modules
            .iter()
            .map(|(_, module)| *module)
            .filter(|module| module.language == language)
            .collect();
        in_language.sort_by(|a, b| a.id.cmp(&b.id));
        for module in in_language {
            let (class, review) = review_line(module);
            let _ = writeln!(
                out,
                "<li><a href=\"{}/{}.html\">{}</a> <span class=\"meta\">({}, version {}, {} min)</span> \
                 <span class=\"review {class}\">{}</span></li>",
                escape(&module.language),
                escape(&module.id),
                escape(&module.title),
                escape(&module.id),
                module.version,
                module.reading_minutes,
                escape(&review)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn module_page(module: &Module, outcome: &FileOutcome, problems: &[&LintProblem], translations: &[&str]) -> String {
    let mut out = String::new();
    page_start(
        &mut out,
        &module.language,
        &format!("{} ({})", module.title, module.language),
    );
    out.push_str("<nav><a href=\"../index.html\">All modules</a>");
    if !translations.is_empty() {
        out.push_str(" · also in:");
        for language in translations {
            let _ = write!(
                out,
                " <a href=\"../{0}/{1}.html\" lang=\"{0}\">{0}</a>",
                escape(language),
                escape(&module.id)
            );
        }
    }
    out.push_str("</nav>\n");
    let (class, review) = review_line(module);
    let _ = writeln!(
        out,
        "<header>\n<h1>{}</h1>\n<p class=\"meta\">{} · {} · version {} · {} min read · topics: {}</p>\n\
         <p class=\"meta\">Source file: {}</p>\n<div class=\"review {class}\">{}</div>\n</header>",
        escape(&module.title),
        escape(&module.id),
        escape(&module.language),
        module.version,
        module.reading_minutes,
        escape(&module.topics.join(", ")),
        escape(&outcome.path.display().to_string()),
        escape(&review)
    );
    problem_list(&mut out, problems);
    out.push_str("<main>\n");
    for block in &module.blocks {
        render_block(&mut out, block, outcome);
    }
    out.push_str("</main>\n<footer>\n<h2>Sources</h2>\n");
    if module.sources.is_empty() {
        out.push_str("<p class=\"missing\">No sources listed.</p>\n");
    } else {
        out.push_str("<ol>\n");
        for source in &module.sources {
            match source.url.as_deref().filter(|url| is_https_url(url)) {
                Some(url) => {
                    let _ = writeln!(
                        out,
                        "<li><a href=\"{}\" rel=\"noopener noreferrer\">{}</a></li>",
                        escape(url),
                        escape(&source.title)
                    );
                }
                None => {
                    let _ = writeln!(out, "<li>{}</li>", escape(&source.title));
                }
            }
        }
        out.push_str("</ol>\n");
    }
    out.push_str("</footer>\n</body>\n</html>\n");
    out
}

fn render_text(text: &Text) -> String {
    let mut out = String::new();
    for span in text {
        let mut html = escape(&span.text).replace('\n', "<br>");
        if span.emphasis {
            html = format!("<em>{html}</em>");
        }
        if span.strong {
            html = format!("<strong>{html}</strong>");
        }
        if let Some(link) = span.link.as_deref().filter(|link| is_https_url(link)) {
            html = format!("<a href=\"{}\" rel=\"noopener noreferrer\">{html}</a>", escape(link));
        }
        out.push_str(&html);
    }
    out
}

fn render_block(out: &mut String, block: &Block, outcome: &FileOutcome) {
    let has_asset = |name: &str| outcome.assets.iter().any(|asset| asset.name == name);
    match block {
        Block::Heading { level, text } => {
            let level = (*level).clamp(1, 6);
            let _ = writeln!(out, "<h{level}>{}</h{level}>", render_text(text));
        }
        Block::Paragraph { text } => {
            let _ = writeln!(out, "<p>{}</p>", render_text(text));
        }
        Block::List { ordered, items } => {
            let tag = if *ordered { "ol" } else { "ul" };
            let _ = writeln!(out, "<{tag}>");
            for item in items {
                let _ = writeln!(out, "<li>{}</li>", render_text(item));
            }
            let _ = writeln!(out, "</{tag}>");
        }
        Block::Image { asset, alt } => {
            if has_asset(asset) {
                let _ = writeln!(
                    out,
                    "<figure><img src=\"../{ASSETS_DIR}/{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>",
                    escape(asset),
                    escape(alt),
                    escape(alt)
                );
            } else {
                let _ = writeln!(out, "<p class=\"missing\">Missing image: {}</p>", escape(asset));
            }
        }
        Block::Audio { asset, title } => {
            if has_asset(asset) {
                let _ = writeln!(
                    out,
                    "<figure><figcaption>{}</figcaption><audio controls preload=\"none\" src=\"../{ASSETS_DIR}/{}\">\
                     </audio></figure>",
                    escape(title),
                    escape(asset)
                );
            } else {
                let _ = writeln!(out, "<p class=\"missing\">Missing audio: {}</p>", escape(asset));
            }
        }
        Block::Callout { kind, text } => {
            let (class, label) = match kind {
                CalloutKind::Urgent => ("urgent", "Urgent"),
                CalloutKind::Warning => ("warning", "Warning"),
                CalloutKind::Tip => ("tip", "Tip"),
                CalloutKind::Note => ("note", "Note"),
            };
            let _ = writeln!(
                out,
                "<aside class=\"callout {class}\"><span class=\"kind\">{label}</span>{}</aside>",
                render_text(text)
            );
        }
        Block::Quiz(quiz) => {
            let how = if quiz.multiple {
                "Choose all that apply."
            } else {
                "Choose one answer."
            };
            let _ = writeln!(
                out,
                "<section class=\"quiz\" id=\"quiz-{}\">\n<p class=\"question\">{}</p>\n<p class=\"how\">{how} \
                 (quiz {})</p>\n<ul>",
                escape(&quiz.id),
                escape(&quiz.question),
                escape(&quiz.id)
            );
            for choice in &quiz.choices {
                let (class, mark) = if choice.correct {
                    ("correct", "✓ Correct:")
                } else {
                    ("wrong", "✗ Wrong:")
                };
                let _ = writeln!(
                    out,
                    "<li class=\"{class}\"><span class=\"mark\">{mark}</span>{}<p class=\"explanation\">{}</p></li>",
                    escape(&choice.text),
                    escape(&choice.explanation)
                );
            }
            out.push_str("</ul>\n</section>\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_preview_escapes_every_markup_character() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }
}
