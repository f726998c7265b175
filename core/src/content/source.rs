//! Module sources: the Markdown files (with a TOML header) that editors write, compiled into the
//! structured [`Module`] that the catalog signs and phones render. Also the editors' checks
//! ([`lint`]) and an HTML [`preview`] for a browser.
//!
//! The format is documented in `docs/content-format.md` ("Module source format"). The compiler
//! accepts a small Markdown subset and refuses everything else (raw HTML, tables, code, footnotes)
//! with the file and line: a module must never carry HTML or script to a phone. It never panics on
//! any input and refuses a source larger than [`MAX_SOURCE_LEN`] before reading it whole.
//!
//! Layout of a source directory `SRC`:
//! - `SRC/<language>/<file>.md`: one module per file; the directory is the header's language.
//! - `SRC/assets/<name>`: images and audio the modules reference by name.
//! - `SRC/safety.toml`: the safety document's source (not read here).

mod body;
mod header;
mod preview;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::content::model::{is_valid_language, Module, MAX_MODULE_JSON_LEN};
use crate::error::{Error, Result};

pub use preview::preview;

/// The largest module source file the compiler reads.
pub const MAX_SOURCE_LEN: u64 = 1024 * 1024;
/// Images larger than this are reported (a warning): phones pay for every byte.
pub const IMAGE_WARN_LEN: u64 = 300 * 1024;
/// Audio larger than this is reported (a warning).
pub const AUDIO_WARN_LEN: u64 = 5 * 1024 * 1024;
/// The directory of a source tree that holds the assets.
pub const ASSETS_DIR: &str = "assets";
/// The field name that errors of this module carry.
const FIELD: &str = "module source";

/// An image or audio file that a module references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceAsset {
    /// The file name in `SRC/assets` (and the name blocks refer to).
    pub name: String,
    /// `image/png`, `image/jpeg`, `image/webp`, `audio/mpeg`, `audio/ogg` or `audio/mp4`.
    pub media_type: String,
    pub path: PathBuf,
}

/// One module compiled from its source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledModule {
    pub module: Module,
    pub source_file: PathBuf,
    /// The assets this module references, each once, in the order of first reference.
    pub assets: Vec<SourceAsset>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The module cannot be built or published until it is fixed.
    Error,
    /// Worth an editor's look; does not stop a build.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One finding of [`lint`]. `line` is 1-based; 0 means the whole file or directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintProblem {
    pub file: PathBuf,
    pub line: u32,
    pub severity: Severity,
    pub message: String,
}

impl fmt::Display for LintProblem {
    /// `file:line: severity: message` (or `file: severity: message` when the line is 0).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}: {}", self.file.display(), self.severity, self.message)
        } else {
            write!(
                f,
                "{}:{}: {}: {}",
                self.file.display(),
                self.line,
                self.severity,
                self.message
            )
        }
    }
}

impl LintProblem {
    fn error(file: &Path, line: u32, message: impl Into<String>) -> Self {
        LintProblem {
            file: file.to_path_buf(),
            line,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    fn warning(file: &Path, line: u32, message: impl Into<String>) -> Self {
        LintProblem {
            file: file.to_path_buf(),
            line,
            severity: Severity::Warning,
            message: message.into(),
        }
    }

    fn into_error(self) -> Error {
        let location = if self.line == 0 {
            self.file.display().to_string()
        } else {
            format!("{}:{}", self.file.display(), self.line)
        };
        Error::invalid(FIELD, format!("{location}: {}", self.message))
    }
}

/// The media type of an asset file name, from its extension (`None`: not an accepted asset).
pub fn asset_media_type(name: &str) -> Option<&'static str> {
    let (_, extension) = name.rsplit_once('.')?;
    Some(match extension.to_ascii_lowercase().as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        "m4a" => "audio/mp4",
        _ => return None,
    })
}

/// An asset name as blocks may use it: a plain file name of letters, digits, `.`, `_` and `-`,
/// not starting with a dot (so never a path outside `SRC/assets`).
pub fn is_valid_asset_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-'))
}

/// A problem found while compiling one file: fatal ones stop that file.
pub(crate) struct Problem {
    line: u32,
    severity: Severity,
    message: String,
}

/// What compiling one file produced: the module when the text could be read (even with lint
/// errors, so the preview can show it), and every problem found.
struct FileOutcome {
    path: PathBuf,
    /// The header's id and language with their lines, when the header could be read.
    identity: Option<Identity>,
    module: Option<Module>,
    assets: Vec<SourceAsset>,
    problems: Vec<LintProblem>,
}

struct Identity {
    id: String,
    id_line: u32,
    language: String,
}

impl FileOutcome {
    fn into_compiled(self) -> Result<CompiledModule> {
        if let Some(first) = self.problems.iter().find(|problem| problem.severity == Severity::Error) {
            return Err(first.clone().into_error());
        }
        let module = self
            .module
            .ok_or_else(|| Error::Internal("a module source compiled without a module".into()))?;
        Ok(CompiledModule {
            module,
            source_file: self.path,
            assets: self.assets,
        })
    }
}

/// Reads a module source as text, refusing a file over [`MAX_SOURCE_LEN`] before reading it whole.
fn read_source(path: &Path) -> std::result::Result<String, String> {
    let file = std::fs::File::open(path).map_err(|error| format!("cannot be read: {}", io_reason(&error)))?;
    let declared = file
        .metadata()
        .map_err(|error| format!("cannot be read: {}", io_reason(&error)))?
        .len();
    let too_large = || format!("the module source is larger than {} KiB", MAX_SOURCE_LEN / 1024);
    if declared > MAX_SOURCE_LEN {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(declared as usize);
    // The file may grow between the check and the read: never read more than the cap.
    file.take(MAX_SOURCE_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot be read: {}", io_reason(&error)))?;
    if bytes.len() as u64 > MAX_SOURCE_LEN {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|_| "the module source is not UTF-8 text".to_string())
}

fn io_reason(error: &std::io::Error) -> String {
    crate::error::storage_problem_of_io(error).to_string()
}

/// Compiles one file, collecting every problem (fatal ones stop the file).
fn compile_outcome(path: &Path, assets_dir: &Path) -> FileOutcome {
    let mut outcome = FileOutcome {
        path: path.to_path_buf(),
        identity: None,
        module: None,
        assets: Vec::new(),
        problems: Vec::new(),
    };
    let text = match read_source(path) {
        Ok(text) => text,
        Err(message) => {
            outcome.problems.push(LintProblem::error(path, 0, message));
            return outcome;
        }
    };
    let mut problems = Vec::new();
    let result = compile_text(&text, path, assets_dir, &mut problems);
    if let Ok(compiled) = result {
        outcome.identity = Some(compiled.identity);
        outcome.module = Some(compiled.module);
        outcome.assets = compiled.assets;
    } else if let Err(fatal) = result {
        problems.push(fatal);
    }
    outcome.problems = problems
        .into_iter()
        .map(|problem| LintProblem {
            file: path.to_path_buf(),
            line: problem.line,
            severity: problem.severity,
            message: problem.message,
        })
        .collect();
    outcome
}

struct CompiledText {
    identity: Identity,
    module: Module,
    assets: Vec<SourceAsset>,
}

/// The compiler proper: header, body, asset checks, the directory's language, the model's rules.
fn compile_text(
    text: &str,
    path: &Path,
    assets_dir: &Path,
    problems: &mut Vec<Problem>,
) -> std::result::Result<CompiledText, Problem> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let split = header::split(text)?;
    let header = header::parse(&split, problems)?;

    let directory_language = path
        .parent()
        .and_then(Path::file_name)
        .and_then(|name| name.to_str())
        .unwrap_or("");
    if directory_language != header.language {
        problems.push(Problem::error(
            header.language_line,
            format!(
                "the header's language is {} but the file is in the directory `{directory_language}`; a module \
                 in {0} belongs in `{0}/`",
                header.language
            ),
        ));
    }

    let compiled_body = body::compile(split.body, split.body_first_line, problems)?;

    let mut assets: Vec<SourceAsset> = Vec::new();
    for reference in &compiled_body.assets {
        let known = assets.iter().find(|asset| asset.name == reference.name);
        if known.is_some_and(|asset| asset.media_type.starts_with("image/") == reference.is_image) {
            continue;
        }
        if let Some(asset) = check_asset(reference, assets_dir, problems) {
            if known.is_none() {
                assets.push(asset);
            }
        }
    }

    let module = Module {
        id: header.id.clone(),
        language: header.language.clone(),
        title: header.title,
        version: header.version,
        topics: header.topics,
        reading_minutes: header.reading_minutes,
        review: header.review,
        sources: header.sources,
        blocks: compiled_body.blocks,
    };
    let has_errors = problems.iter().any(|problem| problem.severity == Severity::Error);
    if !has_errors {
        // The rules every module keeps (also checked on phones); the compiler's own checks come
        // first with better messages, so this only catches what they missed.
        if let Err(error) = module.check() {
            problems.push(Problem::error(1, error.to_string()));
        } else if module.to_json().len() > MAX_MODULE_JSON_LEN {
            problems.push(Problem::error(
                0,
                format!("the compiled module is larger than {} KiB", MAX_MODULE_JSON_LEN / 1024),
            ));
        }
    }
    Ok(CompiledText {
        identity: Identity {
            id: header.id,
            id_line: header.id_line,
            language: header.language,
        },
        module,
        assets,
    })
}

/// Checks one referenced asset: a valid name of the right kind that exists in the assets
/// directory; warns when it is large.
fn check_asset(reference: &body::AssetRef, assets_dir: &Path, problems: &mut Vec<Problem>) -> Option<SourceAsset> {
    let name = &reference.name;
    let line = reference.line;
    if !is_valid_asset_name(name) {
        problems.push(Problem::error(
            line,
            format!(
                "broken asset reference `{name}`: an asset is a file name in assets/ (letters, digits, `.`, `_`, `-`)"
            ),
        ));
        return None;
    }
    let Some(media_type) = asset_media_type(name) else {
        problems.push(Problem::error(
            line,
            format!("broken asset reference `{name}`: assets are .png, .jpg, .webp images or .mp3, .ogg, .m4a audio"),
        ));
        return None;
    };
    let is_image = media_type.starts_with("image/");
    if is_image != reference.is_image {
        let wanted = if reference.is_image { "an image" } else { "audio" };
        problems.push(Problem::error(
            line,
            format!("broken asset reference `{name}`: this block needs {wanted}, and `{name}` is not"),
        ));
        return None;
    }
    let path = assets_dir.join(name);
    let length = match std::fs::metadata(&path) {
        Ok(metadata) if metadata.is_file() => metadata.len(),
        _ => {
            problems.push(Problem::error(
                line,
                format!("broken asset reference: `{name}` is not in {}", assets_dir.display()),
            ));
            return None;
        }
    };
    let (limit, kind) = if is_image {
        (IMAGE_WARN_LEN, "image")
    } else {
        (AUDIO_WARN_LEN, "audio file")
    };
    if length > limit {
        problems.push(Problem::warning(
            line,
            format!(
                "the {kind} `{name}` is {} KiB, over the {} KiB limit: phones pay for every byte",
                length.div_ceil(1024),
                limit / 1024
            ),
        ));
    }
    Some(SourceAsset {
        name: name.clone(),
        media_type: media_type.to_string(),
        path,
    })
}

impl Problem {
    fn error(line: u32, message: impl Into<String>) -> Self {
        Problem {
            line,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    fn warning(line: u32, message: impl Into<String>) -> Self {
        Problem {
            line,
            severity: Severity::Warning,
            message: message.into(),
        }
    }
}

/// Compiles one module source. `assets_dir` is where its images and audio are (`SRC/assets`).
/// The file must be in the directory named after its language. Any error-severity problem fails
/// with `InvalidInput` whose reason is `file:line: reason`; warnings are not reported here.
pub fn compile_file(path: &Path, assets_dir: &Path) -> Result<CompiledModule> {
    compile_outcome(path, assets_dir).into_compiled()
}

/// Compiles every module of a source directory, sorted by (id, language). Fails with the first
/// error that [`lint`] would report (and how many there are in all).
pub fn compile_dir(src: &Path) -> Result<Vec<CompiledModule>> {
    let scan = scan(src);
    let errors: Vec<&LintProblem> = scan
        .problems
        .iter()
        .filter(|problem| problem.severity == Severity::Error)
        .collect();
    if let Some(first) = errors.first() {
        let mut error = (*first).clone().into_error();
        if let Error::InvalidInput { reason, .. } = &mut error {
            if errors.len() > 1 {
                reason.push_str(&format!(
                    " ({} errors in all; `corridor content lint` lists them)",
                    errors.len()
                ));
            }
        }
        return Err(error);
    }
    let mut modules = scan
        .outcomes
        .into_iter()
        .map(FileOutcome::into_compiled)
        .collect::<Result<Vec<_>>>()?;
    modules.sort_by(|a, b| (&a.module.id, &a.module.language).cmp(&(&b.module.id, &b.module.language)));
    Ok(modules)
}

/// Every problem of a source directory, sorted by file and line: per file (see the format's
/// rules) and across files (missing translations, duplicate ids within a language).
pub fn lint(src: &Path) -> Vec<LintProblem> {
    scan(src).problems
}

/// A source directory, compiled file by file, with all problems (sorted by file and line).
struct Scan {
    outcomes: Vec<FileOutcome>,
    problems: Vec<LintProblem>,
}

fn scan(src: &Path) -> Scan {
    let mut problems = Vec::new();
    let mut outcomes = Vec::new();
    let assets_dir = src.join(ASSETS_DIR);
    for path in module_files(src, &mut problems) {
        outcomes.push(compile_outcome(&path, &assets_dir));
    }
    if outcomes.is_empty() && problems.is_empty() {
        problems.push(LintProblem::warning(
            src,
            0,
            "no module files: modules are SRC/<language>/<name>.md",
        ));
    }
    cross_file_checks(&outcomes, &mut problems);
    for outcome in &outcomes {
        problems.extend(outcome.problems.iter().cloned());
    }
    problems.sort_by(|a, b| (&a.file, a.line, a.severity).cmp(&(&b.file, b.line, b.severity)));
    Scan { outcomes, problems }
}

/// The `.md` files of every language directory, sorted by path. Other entries are reported as
/// ignored (hidden files, `assets/` and `safety.toml` silently).
fn module_files(src: &Path, problems: &mut Vec<LintProblem>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Some(entries) = sorted_entries(src, problems) else {
        return files;
    };
    for (name, path, is_dir) in entries {
        if name.starts_with('.') || name == ASSETS_DIR || !is_dir {
            continue;
        }
        if !is_valid_language(&name) {
            problems.push(LintProblem::warning(
                &path,
                0,
                "ignored: not a language directory (a tag like en, pt or pt-mz) nor assets",
            ));
            continue;
        }
        let Some(language_entries) = sorted_entries(&path, problems) else {
            continue;
        };
        for (name, path, is_dir) in language_entries {
            if name.starts_with('.') {
                continue;
            }
            if !is_dir && name.ends_with(".md") {
                files.push(path);
            } else {
                problems.push(LintProblem::warning(&path, 0, "ignored: only .md files are modules"));
            }
        }
    }
    files
}

/// A directory's entries as (name, path, is a directory), sorted by name.
fn sorted_entries(dir: &Path, problems: &mut Vec<LintProblem>) -> Option<Vec<(String, PathBuf, bool)>> {
    let read = match std::fs::read_dir(dir) {
        Ok(read) => read,
        Err(error) => {
            problems.push(LintProblem::error(
                dir,
                0,
                format!("the directory cannot be read: {}", io_reason(&error)),
            ));
            return None;
        }
    };
    let mut entries = Vec::new();
    for entry in read.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        // Follows symbolic links, as an editor would expect.
        let is_dir = path.is_dir();
        entries.push((name, path, is_dir));
    }
    entries.sort();
    Some(entries)
}

/// Duplicate ids within a language (error) and modules missing in some language (warning).
fn cross_file_checks(outcomes: &[FileOutcome], problems: &mut Vec<LintProblem>) {
    let mut seen: BTreeMap<(&str, &str), &Path> = BTreeMap::new();
    let mut languages_of: BTreeMap<&str, BTreeMap<&str, (&Path, u32)>> = BTreeMap::new();
    let mut all_languages: BTreeSet<&str> = BTreeSet::new();
    for outcome in outcomes {
        let Some(identity) = &outcome.identity else {
            continue;
        };
        all_languages.insert(&identity.language);
        let key = (identity.id.as_str(), identity.language.as_str());
        if let Some(first) = seen.get(&key) {
            problems.push(LintProblem::error(
                &outcome.path,
                identity.id_line,
                format!(
                    "duplicate module id `{}` in {}: {} has it too",
                    identity.id,
                    identity.language,
                    first.display()
                ),
            ));
            continue;
        }
        seen.insert(key, &outcome.path);
        languages_of
            .entry(&identity.id)
            .or_default()
            .insert(&identity.language, (&outcome.path, identity.id_line));
    }
    for (id, present) in &languages_of {
        let missing: Vec<&str> = all_languages
            .iter()
            .copied()
            .filter(|language| !present.contains_key(language))
            .collect();
        if missing.is_empty() {
            continue;
        }
        // Reported once, on the file of the first language that has the module.
        let Some((_, (path, line))) = present.iter().next() else {
            continue;
        };
        let have: Vec<&str> = present.keys().copied().collect();
        problems.push(LintProblem::warning(
            path,
            *line,
            format!(
                "missing translation: module `{id}` is in {} but not in {}",
                have.join(", "),
                missing.join(", ")
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_asset_names_and_media_types() {
        assert_eq!(asset_media_type("pep.MP3"), Some("audio/mpeg"));
        assert_eq!(asset_media_type("a.jpeg"), Some("image/jpeg"));
        assert_eq!(asset_media_type("a.svg"), None, "svg can carry script");
        assert_eq!(asset_media_type("noextension"), None);
        assert!(is_valid_asset_name("condom-steps_2.png"));
        for bad in ["", "../x.png", "a/b.png", ".hidden.png", "a b.png", "a\\b.png"] {
            assert!(!is_valid_asset_name(bad), "{bad}");
        }
    }

    #[test]
    fn source_problem_display_has_file_line_and_severity() {
        let problem = LintProblem::error(Path::new("src/en/prep.md"), 12, "a quiz has no correct answer");
        assert_eq!(
            problem.to_string(),
            "src/en/prep.md:12: error: a quiz has no correct answer"
        );
        let whole = LintProblem::warning(Path::new("src/fr"), 0, "ignored");
        assert_eq!(whole.to_string(), "src/fr: warning: ignored");
    }
}
