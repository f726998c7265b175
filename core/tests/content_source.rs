//! Module sources: every block type, every lint rule (with its line), the refusal of HTML and
//! anything outside the subset, the header's unknown keys, the size cap, and the preview's escaping.

use std::fs;
use std::path::{Path, PathBuf};

use corridor_core::content::model::{Block, CalloutKind, Choice, Quiz, ReviewStatus, SourceRef, Span};
use corridor_core::content::source::{
    self, compile_dir, compile_file, lint, preview, LintProblem, Severity, MAX_SOURCE_LEN,
};
use corridor_core::error::Error;
use proptest::prelude::*;

/// A reviewed header with one source; `language` is also the file's directory in the tests.
fn header(id: &str, language: &str) -> String {
    format!(
        "+++\nid = \"{id}\"\ntitle = \"Title of {id}\"\nlanguage = \"{language}\"\nversion = 1\n\
         topics = [\"prevention\"]\nreading_minutes = 3\nreview_status = \"reviewed\"\n\
         reviewed_by = \"Dr. Amina\"\nreview_date = \"2025-03-01\"\n\n[[sources]]\ntitle = \"WHO guidance\"\n\
         url = \"https://www.who.int/prep\"\n+++\n"
    )
}

struct Source {
    dir: tempfile::TempDir,
}

impl Source {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("assets")).unwrap();
        Source { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn assets(&self) -> PathBuf {
        self.path().join("assets")
    }

    fn module(&self, language: &str, file: &str, text: &str) -> PathBuf {
        let dir = self.path().join(language);
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join(file);
        fs::write(&path, text).unwrap();
        path
    }

    fn asset(&self, name: &str, len: u64) {
        let file = fs::File::create(self.assets().join(name)).unwrap();
        file.set_len(len).unwrap();
    }
}

/// Compiles `body` under a good header, as `SRC/en/test.md`.
fn compile_body(body: &str) -> Result<Vec<Block>, String> {
    let source = Source::new();
    source.asset("pill.png", 1000);
    source.asset("prep.mp3", 1000);
    let path = source.module("en", "test.md", &format!("{}{body}", header("test", "en")));
    compile_file(&path, &source.assets())
        .map(|compiled| compiled.module.blocks)
        .map_err(|error| error.to_string())
}

/// The 1-based line of the first line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> u32 {
    text.lines().position(|line| line.contains(needle)).expect(needle) as u32 + 1
}

fn plain(text: &str) -> Span {
    Span {
        text: text.into(),
        strong: false,
        emphasis: false,
        link: None,
    }
}

/// The one problem of `problems` at `file`:`line` whose message contains `words`.
fn problem<'a>(problems: &'a [LintProblem], file: &Path, line: u32, words: &str) -> &'a LintProblem {
    problems
        .iter()
        .find(|problem| problem.file == file && problem.line == line && problem.message.contains(words))
        .unwrap_or_else(|| {
            panic!(
                "no problem at {}:{line} with {words:?} in {problems:#?}",
                file.display()
            )
        })
}

#[test]
fn every_block_type_compiles_into_the_model() {
    let body = "# What PrEP is\n\nPrEP is a **pill** you take *before* sex. See [WHO](https://www.who.int).\n\n\
                - one\n- two *items*\n\n1. first\n2. second\n\n![A pill box](pill.png)\n\n\
                [Listen: PrEP explained](audio:prep.mp3)\n\n> [!URGENT]\n> Take PEP within **72 hours**.\n\n\
                > [!warning]\n> Line one\n>\n> Line two\n\n> [!TIP] Keep condoms with you.\n\n> [!NOTE]\n> Free.\n\n\
                ```quiz\nid = \"prep-when\"\nquestion = \"When do you take PrEP?\"\n\n[[choices]]\n\
                text = \"Before sex\"\ncorrect = true\nexplanation = \"Right: before exposure.\"\n\n[[choices]]\n\
                text = \"Only after\"\nexplanation = \"That is PEP.\"\n```\n\n###### Small\n";
    let source = Source::new();
    source.asset("pill.png", 1000);
    source.asset("prep.mp3", 2000);
    let path = source.module("en", "prep.md", &format!("{}{body}", header("prep", "en")));
    let compiled = compile_file(&path, &source.assets()).unwrap();
    let module = &compiled.module;
    assert_eq!(module.id, "prep");
    assert_eq!(module.language, "en");
    assert_eq!(module.title, "Title of prep");
    assert_eq!(module.version, 1);
    assert_eq!(module.topics, vec!["prevention".to_string()]);
    assert_eq!(module.reading_minutes, 3);
    assert_eq!(module.review.status, ReviewStatus::Reviewed);
    assert_eq!(module.review.reviewed_by.as_deref(), Some("Dr. Amina"));
    assert_eq!(module.review.review_date.as_deref(), Some("2025-03-01"));
    assert_eq!(
        module.sources,
        vec![SourceRef {
            title: "WHO guidance".into(),
            url: Some("https://www.who.int/prep".into())
        }]
    );
    let strong = |text: &str| Span {
        strong: true,
        ..plain(text)
    };
    let expected = vec![
        Block::Heading {
            level: 1,
            text: vec![plain("What PrEP is")],
        },
        Block::Paragraph {
            text: vec![
                plain("PrEP is a "),
                strong("pill"),
                plain(" you take "),
                Span {
                    emphasis: true,
                    ..plain("before")
                },
                plain(" sex. See "),
                Span {
                    link: Some("https://www.who.int".into()),
                    ..plain("WHO")
                },
                plain("."),
            ],
        },
        Block::List {
            ordered: false,
            items: vec![
                vec![plain("one")],
                vec![
                    plain("two "),
                    Span {
                        emphasis: true,
                        ..plain("items")
                    },
                ],
            ],
        },
        Block::List {
            ordered: true,
            items: vec![vec![plain("first")], vec![plain("second")]],
        },
        Block::Image {
            asset: "pill.png".into(),
            alt: "A pill box".into(),
        },
        Block::Audio {
            asset: "prep.mp3".into(),
            title: "Listen: PrEP explained".into(),
        },
        Block::Callout {
            kind: CalloutKind::Urgent,
            text: vec![plain("Take PEP within "), strong("72 hours"), plain(".")],
        },
        Block::Callout {
            kind: CalloutKind::Warning,
            text: vec![plain("Line one\nLine two")],
        },
        Block::Callout {
            kind: CalloutKind::Tip,
            text: vec![plain("Keep condoms with you.")],
        },
        Block::Callout {
            kind: CalloutKind::Note,
            text: vec![plain("Free.")],
        },
        Block::Quiz(Quiz {
            id: "prep-when".into(),
            question: "When do you take PrEP?".into(),
            multiple: false,
            choices: vec![
                Choice {
                    text: "Before sex".into(),
                    correct: true,
                    explanation: "Right: before exposure.".into(),
                },
                Choice {
                    text: "Only after".into(),
                    correct: false,
                    explanation: "That is PEP.".into(),
                },
            ],
        }),
        Block::Heading {
            level: 6,
            text: vec![plain("Small")],
        },
    ];
    assert_eq!(module.blocks, expected);
    let assets: Vec<(&str, &str)> = compiled
        .assets
        .iter()
        .map(|asset| (asset.name.as_str(), asset.media_type.as_str()))
        .collect();
    assert_eq!(assets, vec![("pill.png", "image/png"), ("prep.mp3", "audio/mpeg")]);
    assert_eq!(compiled.assets[0].path, source.assets().join("pill.png"));
    assert_eq!(compiled.source_file, path);
    // What phones receive round-trips through the model's own reader.
    let json = module.to_json();
    assert_eq!(
        &corridor_core::content::model::Module::from_json(&json).unwrap(),
        module
    );
}

#[test]
fn lists_join_loose_items_and_line_breaks_and_keep_multiple_choice_quizzes() {
    let blocks = compile_body(
        "- first para\n\n  second para\n- next  \n  line\n\n\
         ```quiz\nid = \"q\"\nquestion = \"Which?\"\nmultiple = true\n[[choices]]\ntext = \"a\"\ncorrect = true\n\
         explanation = \"yes\"\n[[choices]]\ntext = \"b\"\ncorrect = true\nexplanation = \"yes too\"\n```\n",
    )
    .unwrap();
    assert_eq!(
        blocks[0],
        Block::List {
            ordered: false,
            items: vec![vec![plain("first para\nsecond para")], vec![plain("next\nline")]],
        }
    );
    assert!(matches!(&blocks[1], Block::Quiz(quiz) if quiz.multiple && quiz.choices.iter().all(|c| c.correct)));
}

#[test]
fn html_and_script_are_refused_with_file_and_line() {
    for (body, needle) in [
        ("Intro.\n\n<script>alert(1)</script>\n", "<script>"),
        ("Intro.\n\nSome <b>bold</b> text.\n", "<b>"),
        ("Intro.\n\n<div>\nblock\n</div>\n", "<div>"),
        ("Intro.\n\nAn <img src=x onerror=alert(1)> image.\n", "<img"),
        ("Intro.\n\n<!-- a comment -->\n", "<!--"),
    ] {
        let text = format!("{}{body}", header("test", "en"));
        let error = compile_body(body).unwrap_err();
        let line = line_of(&text, needle);
        assert!(error.contains("HTML is not allowed"), "{body}: {error}");
        assert!(error.contains(&format!("test.md:{line}:")), "{body}: {error}");
    }
    // Escaped markup is text, never HTML: the shells show it as it is.
    let blocks = compile_body("Type \\<script> or &lt;b&gt;.\n").unwrap();
    assert_eq!(
        blocks,
        vec![Block::Paragraph {
            text: vec![plain("Type <script> or <b>.")]
        }]
    );
}

#[test]
fn markdown_outside_the_subset_is_refused_with_its_line() {
    for (body, needle, words) in [
        (
            "Intro.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
            "| a",
            "tables are not supported",
        ),
        ("Intro.\n\n```rust\nfn main() {}\n```\n", "```rust", "code block"),
        (
            "Intro.\n\n    indented code\n",
            "indented code",
            "indented by four spaces",
        ),
        (
            "Intro.\n\nA note[^1].\n\n[^1]: The note.\n",
            "A note",
            "footnotes are not supported",
        ),
        ("Intro.\n\n***\n", "***", "horizontal rule"),
        ("Intro.\n\nRun `this`.\n", "Run", "inline code"),
        ("Intro.\n\n- one\n  - nested\n", "nested", "list cannot be inside"),
        ("Intro.\n\n> Just a quote.\n", "Just a quote", "starts with [!URGENT]"),
        ("Intro.\n\n> [!IMPORTANT]\n> Text.\n", "IMPORTANT", "is not a callout"),
        ("Intro.\n\n> [!NOTE]\n> - a list\n", "a list", "callout"),
        ("Intro.\n\nSee ![pill](pill.png) here.\n", "See", "stands alone"),
        ("Intro.\n\nHear [this](audio:prep.mp3) now.\n", "Hear", "stands alone"),
        ("Intro.\n\n- ![pill](pill.png)\n", "pill", "cannot hold an image"),
        ("Intro.\n\n# A ![pill](pill.png)\n", "# A", "cannot hold an image"),
        (
            "Intro.\n\n[![pill](pill.png)](https://who.int)\n",
            "[![",
            "image cannot be inside a link",
        ),
        (
            "Intro.\n\n```quiz\nid = \"q\"\nquestion = \"?\"\ncolour = \"red\"\n```\n",
            "colour",
            "unknown field",
        ),
        (
            "Intro.\n\n```quiz\nid = \"Bad Id\"\nquestion = \"?\"\n```\n",
            "Bad Id",
            "quiz id",
        ),
    ] {
        let text = format!("{}{body}", header("test", "en"));
        let error = compile_body(body).unwrap_err();
        let line = line_of(&text, needle);
        assert!(error.contains(words), "{body}: {error}");
        assert!(error.contains(&format!("test.md:{line}:")), "{body}: {error}");
    }
}

#[test]
fn the_header_refuses_unknown_keys_and_bad_values_with_their_lines() {
    let source = Source::new();
    let good = header("prep", "en");
    let cases = [
        (
            good.replace("version = 1\n", "version = 1\ncolour = \"red\"\n"),
            "colour",
            "unknown field `colour`",
        ),
        (
            good.replace("[[sources]]\n", "[[sources]]\npublisher = \"WHO\"\n"),
            "publisher",
            "unknown field",
        ),
        (
            good.replace("id = \"prep\"", "id = \"PrEP now\""),
            "id =",
            "is not valid",
        ),
        (
            good.replace("language = \"en\"", "language = \"English\""),
            "language =",
            "not valid",
        ),
        (good.replace("version = 1", "version = -1"), "version", "header:"),
        (good.replace("version = 1", "version = 0"), "version", "starts at 1"),
        (good.replace("reading_minutes = 3\n", ""), "+++", "reading_minutes"),
        (
            good.replace("title = \"Title of prep\"", "title = \"unterminated"),
            "title",
            "header:",
        ),
        (
            good.replace("review_date = \"2025-03-01\"", "review_date = \"1 March\""),
            "review_date",
            "YYYY-MM-DD",
        ),
        (
            good.replace("review_status = \"reviewed\"", "review_status = \"ok\""),
            "review_status",
            "is not",
        ),
    ];
    for (text, needle, words) in cases {
        let path = source.module("en", "prep.md", &format!("{text}\nBody.\n"));
        let error = compile_file(&path, &source.assets()).unwrap_err().to_string();
        let line = line_of(&text, needle);
        assert!(error.contains(words), "{needle}: {error}");
        assert!(
            error.contains(&format!("prep.md:{line}:")),
            "{needle} on line {line}: {error}"
        );
    }
    // A TOML date is accepted as well as a string.
    let dated = good.replace("review_date = \"2025-03-01\"", "review_date = 2025-03-01");
    let path = source.module("en", "prep.md", &format!("{dated}\nBody.\n"));
    let compiled = compile_file(&path, &source.assets()).unwrap();
    assert_eq!(compiled.module.review.review_date.as_deref(), Some("2025-03-01"));

    for (text, words) in [
        ("id = \"prep\"\n+++\nBody.\n", "starts with a `+++` line"),
        ("+++\nid = \"prep\"\nBody.\n", "no closing `+++`"),
    ] {
        let path = source.module("en", "prep.md", text);
        let error = compile_file(&path, &source.assets()).unwrap_err();
        assert!(matches!(&error, Error::InvalidInput { .. }), "{error}");
        let error = error.to_string();
        assert!(error.contains(words) && error.contains("prep.md:1:"), "{error}");
    }
}

#[test]
fn a_source_over_one_mebibyte_is_refused_before_it_is_read() {
    let source = Source::new();
    let path = source.module("en", "big.md", "");
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(MAX_SOURCE_LEN + 1)
        .unwrap();
    let error = compile_file(&path, &source.assets()).unwrap_err().to_string();
    assert!(error.contains("larger than 1024 KiB"), "{error}");
    let problems = lint(source.path());
    problem(&problems, &path, 0, "larger than");
}

/// A directory with one problem of each kind; each test reads the problems it is about.
struct Broken {
    source: Source,
    en_prep: PathBuf,
    en_prep_text: String,
    en_pep: PathBuf,
    en_pep_text: String,
    pt_prep: PathBuf,
    pt_prep_text: String,
    pt_dup: PathBuf,
    pt_dup_text: String,
    problems: Vec<LintProblem>,
}

fn broken() -> Broken {
    let source = Source::new();
    source.asset("big.png", 300 * 1024 + 1);
    source.asset("ok.png", 300 * 1024);
    source.asset("long.mp3", 5 * 1024 * 1024 + 1);
    let quizzes = "```quiz\nid = \"no-correct\"\nquestion = \"?\"\n[[choices]]\ntext = \"a\"\nexplanation = \"x\"\n\
                   [[choices]]\ntext = \"b\"\nexplanation = \"y\"\n```\n\n\
                   ```quiz\nid = \"one-choice\"\nquestion = \"?\"\n[[choices]]\ntext = \"a\"\ncorrect = true\n\
                   explanation = \"x\"\n```\n\n\
                   ```quiz\nid = \"two-right\"\nquestion = \"?\"\n[[choices]]\ntext = \"a\"\ncorrect = true\n\
                   explanation = \"x\"\n[[choices]]\ntext = \"b\"\ncorrect = true\nexplanation = \"y\"\n```\n\n\
                   ```quiz\nid = \"no-correct\"\nquestion = \"again?\"\n[[choices]]\ntext = \"a\"\ncorrect = true\n\
                   explanation = \"x\"\n[[choices]]\ntext = \"b\"\nexplanation = \"y\"\n```\n";
    let en_prep_text = format!(
        "{}Intro.\n\n![missing](gone.png)\n\n![big](big.png)\n\n![ok](ok.png)\n\n[Listen](audio:long.mp3)\n\n\
         [Listen](audio:ok.png)\n\nSee [the site](http://example.org) now.\n\n{quizzes}",
        header("prep", "en")
    );
    let en_prep = source.module("en", "prep.md", &en_prep_text);
    // Awaiting review, no sources, a non-https source; only in English.
    let en_pep_text = "+++\nid = \"pep\"\ntitle = \"PEP\"\nlanguage = \"en\"\nversion = 2\ntopics = []\n\
                       reading_minutes = 2\nreview_status = \"awaiting_clinical_review\"\n+++\nText.\n"
        .to_string();
    let en_pep = source.module("en", "pep.md", &en_pep_text);
    // No review status; reviewed without a reviewer is below.
    let pt_prep_text = "+++\nid = \"prep\"\ntitle = \"PrEP\"\nlanguage = \"pt\"\nversion = 1\ntopics = []\n\
                        reading_minutes = 2\n[[sources]]\ntitle = \"OMS\"\nurl = \"http://who.int\"\n+++\nTexto.\n"
        .to_string();
    let pt_prep = source.module("pt", "prep.md", &pt_prep_text);
    // The same id again in Portuguese, with a header that says English; reviewed, no reviewer.
    let pt_dup_text = "+++\nid = \"prep\"\ntitle = \"PrEP\"\nlanguage = \"en\"\nversion = 1\ntopics = []\n\
                       reading_minutes = 2\nreview_status = \"reviewed\"\nreview_date = \"2025-01-02\"\n\
                       [[sources]]\ntitle = \"OMS\"\n+++\nTexto.\n"
        .to_string();
    let pt_dup = source.module("pt", "prep-copy.md", &pt_dup_text);
    let problems = lint(source.path());
    Broken {
        source,
        en_prep,
        en_prep_text,
        en_pep,
        en_pep_text,
        pt_prep,
        pt_prep_text,
        pt_dup,
        pt_dup_text,
        problems,
    }
}

#[test]
fn lint_reports_assets_broken_and_oversized_with_lines() {
    let b = broken();
    let text = &b.en_prep_text;
    let gone = problem(
        &b.problems,
        &b.en_prep,
        line_of(text, "gone.png"),
        "broken asset reference",
    );
    assert_eq!(gone.severity, Severity::Error);
    assert!(gone.message.contains("gone.png"));
    let big = problem(
        &b.problems,
        &b.en_prep,
        line_of(text, "(big.png)"),
        "over the 300 KiB limit",
    );
    assert_eq!(big.severity, Severity::Warning);
    assert!(
        !b.problems
            .iter()
            .any(|p| p.file == b.en_prep && p.line == line_of(text, "(ok.png)")),
        "exactly 300 KiB is within the limit"
    );
    let long = problem(
        &b.problems,
        &b.en_prep,
        line_of(text, "long.mp3"),
        "over the 5120 KiB limit",
    );
    assert_eq!(long.severity, Severity::Warning);
    let wrong_kind = problem(
        &b.problems,
        &b.en_prep,
        line_of(text, "audio:ok.png"),
        "broken asset reference",
    );
    assert_eq!(wrong_kind.severity, Severity::Error);
}

#[test]
fn lint_reports_quiz_problems_at_their_fences() {
    let b = broken();
    let text = &b.en_prep_text;
    let fence = |id: &str| line_of(text, &format!("id = \"{id}\"")) - 1;
    let no_correct = problem(&b.problems, &b.en_prep, fence("no-correct"), "no correct answer");
    assert_eq!(no_correct.severity, Severity::Error);
    problem(&b.problems, &b.en_prep, fence("one-choice"), "fewer than two choices");
    problem(&b.problems, &b.en_prep, fence("two-right"), "has 2 correct choices");
    // The second quiz with the id `no-correct`, at its id line.
    let second = text
        .lines()
        .enumerate()
        .filter(|(_, line)| line.contains("id = \"no-correct\""))
        .nth(1)
        .unwrap()
        .0 as u32
        + 1;
    let duplicate = problem(&b.problems, &b.en_prep, second, "duplicate quiz id `no-correct`");
    assert_eq!(duplicate.severity, Severity::Error);
}

#[test]
fn lint_reports_non_https_links_in_text_and_sources() {
    let b = broken();
    let link = problem(
        &b.problems,
        &b.en_prep,
        line_of(&b.en_prep_text, "http://example.org"),
        "must be https://",
    );
    assert_eq!(link.severity, Severity::Error);
    let source = problem(
        &b.problems,
        &b.pt_prep,
        line_of(&b.pt_prep_text, "http://who.int"),
        "must be https://",
    );
    assert_eq!(source.severity, Severity::Error);
}

#[test]
fn lint_reports_review_metadata_and_sources() {
    let b = broken();
    let missing = problem(&b.problems, &b.pt_prep, 1, "no review_status");
    assert_eq!(missing.severity, Severity::Error);
    let no_reviewer = problem(
        &b.problems,
        &b.pt_dup,
        line_of(&b.pt_dup_text, "review_status"),
        "needs reviewed_by",
    );
    assert_eq!(no_reviewer.severity, Severity::Error);
    let awaiting = problem(
        &b.problems,
        &b.en_pep,
        line_of(&b.en_pep_text, "review_status"),
        "awaiting clinical review",
    );
    assert_eq!(awaiting.severity, Severity::Warning);
    let no_sources = problem(&b.problems, &b.en_pep, 1, "no sources");
    assert_eq!(no_sources.severity, Severity::Warning);
    assert!(
        !b.problems
            .iter()
            .any(|p| p.file == b.en_prep && p.message.contains("review")),
        "a fully reviewed module has no review problem"
    );
}

#[test]
fn lint_reports_languages_duplicates_and_missing_translations() {
    let b = broken();
    let wrong_dir = problem(
        &b.problems,
        &b.pt_dup,
        line_of(&b.pt_dup_text, "language ="),
        "the header's language is en",
    );
    assert_eq!(wrong_dir.severity, Severity::Error);
    // prep-copy.md says English: it duplicates en/prep.md's id in English (sorted after it).
    let duplicate = problem(
        &b.problems,
        &b.pt_dup,
        line_of(&b.pt_dup_text, "id ="),
        "duplicate module id `prep` in en",
    );
    assert_eq!(duplicate.severity, Severity::Error);
    let missing = problem(
        &b.problems,
        &b.en_pep,
        line_of(&b.en_pep_text, "id ="),
        "missing translation: module `pep` is in en but not in pt",
    );
    assert_eq!(missing.severity, Severity::Warning);
    assert!(
        !b.problems.iter().any(|p| p.message.contains("module `prep` is in")),
        "prep is in both languages"
    );
    // Sorted by file, then line.
    let order: Vec<(&Path, u32)> = b.problems.iter().map(|p| (p.file.as_path(), p.line)).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    // compile_dir fails on the first error, naming file and line and how many there are.
    let error = compile_dir(b.source.path()).unwrap_err().to_string();
    assert!(error.contains("errors in all"), "{error}");
    assert!(error.contains("en/prep.md:"), "{error}");
}

#[test]
fn compile_dir_builds_a_clean_directory_sorted_by_id_and_language() {
    let source = Source::new();
    for (language, id) in [("pt", "prep"), ("en", "prep"), ("en", "condoms"), ("pt", "condoms")] {
        source.module(
            language,
            &format!("{id}.md"),
            &format!("{}Text.\n", header(id, language)),
        );
    }
    // Ignored: safety.toml, hidden files, a non-language directory (a warning).
    fs::write(source.path().join("safety.toml"), "not = 'read here'").unwrap();
    fs::write(source.path().join("en/.draft.md"), "garbage").unwrap();
    fs::create_dir_all(source.path().join("drafts")).unwrap();
    let modules = compile_dir(source.path()).unwrap();
    let order: Vec<(&str, &str)> = modules
        .iter()
        .map(|compiled| (compiled.module.id.as_str(), compiled.module.language.as_str()))
        .collect();
    assert_eq!(
        order,
        vec![("condoms", "en"), ("condoms", "pt"), ("prep", "en"), ("prep", "pt")]
    );
    let problems = lint(source.path());
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].severity, Severity::Warning);
    assert!(problems[0].message.contains("not a language directory"));

    // Warnings alone do not stop a build; an error does.
    source.module(
        "en",
        "pep.md",
        &format!("{}Text.\n", header("pep", "en")).replace("reviewed_by = \"Dr. Amina\"\n", ""),
    );
    assert!(compile_dir(source.path()).is_err());
}

#[test]
fn lint_of_a_missing_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing");
    let problems = lint(&missing);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].severity, Severity::Error);
    assert!(compile_dir(&missing).is_err());
}

#[test]
fn preview_renders_every_block_escaped_without_script() {
    let source = Source::new();
    source.asset("pill.png", 1234);
    source.asset("prep.mp3", 10);
    let text = format!(
        "{}# Heading \\<script>alert(1)\\</script>\n\nA & B \"quoted\" 'single' \\<img src=x onerror=alert(1)>.\n\n\
         - item **strong**\n\n![alt \"q\" \\<script>](pill.png)\n\n[Listen \\<b>](audio:prep.mp3)\n\n\
         > [!URGENT]\n> Go now.\n\n> [!TIP]\n> A tip.\n\n\
         ```quiz\nid = \"q1\"\nquestion = \"<script>alert('q')</script>?\"\n[[choices]]\ntext = \"Right <b>\"\n\
         correct = true\nexplanation = \"Because <i>\"\n[[choices]]\ntext = \"Wrong\"\nexplanation = \"No.\"\n```\n",
        header("prep", "en").replace("Title of prep", "PrEP <script>alert('t')</script>")
    );
    source.module("en", "prep.md", &text);
    // A second language, awaiting review, and a module that cannot be compiled at all.
    source.module(
        "pt",
        "prep.md",
        &format!("{}Texto.\n", header("prep", "pt")).replace(
            "review_status = \"reviewed\"\nreviewed_by = \"Dr. Amina\"\nreview_date = \"2025-03-01\"",
            "review_status = \"awaiting_clinical_review\"",
        ),
    );
    source.module("pt", "broken.md", "no header\n");
    let out = tempfile::tempdir().unwrap();
    let written = preview(source.path(), out.path()).unwrap();
    assert_eq!(
        written,
        vec![
            out.path().join("index.html"),
            out.path().join("en/prep.html"),
            out.path().join("pt/prep.html"),
        ]
    );
    let page = fs::read_to_string(out.path().join("en/prep.html")).unwrap();
    let index = fs::read_to_string(out.path().join("index.html")).unwrap();
    for html in [&page, &index] {
        assert!(!html.to_ascii_lowercase().contains("<script"), "{html}");
        assert!(!html.contains("<img src=x"), "{html}");
    }
    assert!(
        page.contains("PrEP &lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;"),
        "{page}"
    );
    assert!(
        page.contains("<h1>Heading &lt;script&gt;alert(1)&lt;/script&gt;</h1>"),
        "{page}"
    );
    assert!(
        page.contains("A &amp; B &quot;quoted&quot; &#39;single&#39; &lt;img src=x"),
        "{page}"
    );
    assert!(page.contains("<li>item <strong>strong</strong></li>"), "{page}");
    assert!(page.contains("<img src=\"../assets/pill.png\" alt=\"alt &quot;q&quot; &lt;script&gt;\">"));
    assert!(page.contains("<audio controls preload=\"none\" src=\"../assets/prep.mp3\">"));
    assert!(page.contains("Listen &lt;b&gt;"));
    assert!(page.contains("class=\"callout urgent\"") && page.contains("class=\"callout tip\""));
    assert!(page.contains("&lt;script&gt;alert(&#39;q&#39;)&lt;/script&gt;?"));
    assert!(page.contains("<li class=\"correct\"><span class=\"mark\">✓ Correct:</span>Right &lt;b&gt;"));
    assert!(page.contains("Because &lt;i&gt;"));
    assert!(page.contains("<li class=\"wrong\">"));
    assert!(page.contains("Reviewed by Dr. Amina on 2025-03-01."));
    assert!(page.contains("href=\"https://www.who.int/prep\""));
    assert!(page.contains("href=\"../pt/prep.html\""), "links the translation");
    let portuguese = fs::read_to_string(out.path().join("pt/prep.html")).unwrap();
    assert!(portuguese.contains("Awaiting clinical review"), "{portuguese}");
    // Images and audio are copied beside the pages.
    assert_eq!(fs::metadata(out.path().join("assets/pill.png")).unwrap().len(), 1234);
    assert!(out.path().join("assets/prep.mp3").exists());
    // The index links every page and lists the problems (the broken file's among them).
    assert!(index.contains("href=\"en/prep.html\"") && index.contains("href=\"pt/prep.html\""));
    assert!(index.contains("broken.md:1: error:"), "{index}");
}

#[test]
fn compile_file_names_the_file_and_line_of_its_first_error() {
    let source = Source::new();
    let text = format!(
        "{}Intro.\n\n[bad](ftp://x)\n\n![none](gone.png)\n",
        header("prep", "en")
    );
    let path = source.module("en", "prep.md", &text);
    let error = compile_file(&path, &source.assets()).unwrap_err();
    assert!(matches!(error, Error::InvalidInput { .. }));
    let expected = format!(
        "{}:{}: a link must be https://",
        path.display(),
        line_of(&text, "ftp://")
    );
    assert!(error.to_string().contains(&expected), "{error} / {expected}");
    // The file must sit in its language's directory.
    let elsewhere = source.module("pt", "prep.md", &format!("{}Text.\n", header("prep", "en")));
    let error = compile_file(&elsewhere, &source.assets()).unwrap_err().to_string();
    assert!(error.contains("belongs in `en/`"), "{error}");
}

#[test]
fn the_starter_content_compiles() {
    let starter = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
    if !starter.join("en").exists() {
        return;
    }
    let problems = lint(&starter);
    let errors: Vec<String> = problems
        .iter()
        .filter(|problem| problem.severity == Severity::Error)
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(!compile_dir(&starter).unwrap().is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Whatever an editor types, the compiler answers (a module or a problem) and never panics.
    #[test]
    fn any_text_compiles_or_is_refused_without_panicking(body in "[-#*>!\\[\\]()`~|<>_a-z0-9 :\n\t\\\\]{0,300}") {
        let _ = compile_body(&body);
    }

    #[test]
    fn any_header_text_is_answered(text in "[+=\"\\[\\]a-z0-9_ \n.-]{0,200}") {
        let source = Source::new();
        let path = source.module("en", "x.md", &text);
        let _ = compile_file(&path, &source.assets());
        let _ = source::lint(source.path());
    }
}
