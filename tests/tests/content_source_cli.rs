//! `corridor content lint` and `corridor content preview` as an editor runs them.

use std::fs;
use std::path::Path;

use corridor_tests::corridor;

const GOOD: &str = "+++\nid = \"prep\"\ntitle = \"PrEP <script>alert(1)</script>\"\nlanguage = \"LANG\"\nversion = 1\n\
topics = [\"hiv\"]\nreading_minutes = 3\nreview_status = \"reviewed\"\nreviewed_by = \"Dr. Amina\"\n\
review_date = \"2025-03-01\"\n\n[[sources]]\ntitle = \"WHO\"\nurl = \"https://www.who.int\"\n+++\n\
# PrEP\n\nA pill **before** sex.\n\n![A pill](pill.png)\n\n> [!URGENT]\n> PEP within 72 hours.\n\n\
```quiz\nid = \"when\"\nquestion = \"When?\"\n[[choices]]\ntext = \"Before\"\ncorrect = true\n\
explanation = \"Yes.\"\n[[choices]]\ntext = \"After\"\nexplanation = \"That is PEP.\"\n```\n";

fn good_source(dir: &Path) {
    for language in ["en", "pt"] {
        fs::create_dir_all(dir.join(language)).unwrap();
        fs::write(dir.join(language).join("prep.md"), GOOD.replace("LANG", language)).unwrap();
    }
    fs::create_dir_all(dir.join("assets")).unwrap();
    fs::write(dir.join("assets/pill.png"), b"not really a png").unwrap();
}

#[test]
fn lint_passes_a_good_directory_and_fails_a_bad_one_with_file_and_line() {
    let data = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();
    good_source(src.path());
    let src_arg = src.path().to_str().unwrap();

    let good = corridor(data.path(), &[], &["content", "lint", src_arg]);
    assert_eq!(good.code, 0, "{}{}", good.stdout, good.stderr);
    assert_eq!(good.stdout.trim(), "0 errors, 0 warnings");

    // Break it: the English quiz loses its correct answer, the image goes, Portuguese loses prep.
    let english = src.path().join("en/prep.md");
    let text = fs::read_to_string(&english).unwrap().replace("correct = true\n", "");
    fs::write(&english, &text).unwrap();
    fs::remove_file(src.path().join("assets/pill.png")).unwrap();
    fs::remove_file(src.path().join("pt/prep.md")).unwrap();
    fs::write(
        src.path().join("pt/pep.md"),
        GOOD.replace("LANG", "pt").replace("\"prep\"", "\"pep\""),
    )
    .unwrap();

    let line = |needle: &str| text.lines().position(|line| line.contains(needle)).unwrap() + 1;
    let bad = corridor(data.path(), &[], &["content", "lint", src_arg]);
    assert_eq!(bad.code, 1, "{}{}", bad.stdout, bad.stderr);
    let file = english.display().to_string();
    let expected_quiz = format!(
        "{file}:{}: error: the quiz `when` has no correct answer",
        line("```quiz")
    );
    let expected_image = format!("{file}:{}: error: broken asset reference", line("pill.png"));
    let expected_translation = format!("{file}:2: warning: missing translation: module `prep` is in en but not in pt");
    for expected in [&expected_quiz, &expected_image, &expected_translation] {
        assert!(
            bad.stdout.lines().any(|printed| printed.starts_with(expected.as_str())),
            "{expected}\n{}",
            bad.stdout
        );
    }
    assert!(bad.stderr.contains("3 errors, 2 warnings"), "{}", bad.stderr);

    let json = corridor(data.path(), &[], &["--json", "content", "lint", src_arg]);
    assert_eq!(json.code, 1);
    let body: serde_json::Value = serde_json::from_str(json.stdout.trim()).unwrap();
    assert_eq!(body["ok"], false);
    assert_eq!(body["errors"], 3);
    assert_eq!(body["warnings"], 2);
    let problems = body["problems"].as_array().unwrap();
    assert!(problems.iter().any(|problem| problem["file"] == file.as_str()
        && problem["line"] == line("```quiz") as u64
        && problem["severity"] == "error"
        && problem["message"].as_str().unwrap().contains("no correct answer")));
}

#[test]
fn preview_writes_escaped_pages_and_prints_the_index() {
    let data = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();
    good_source(src.path());
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().join("site");
    let run = corridor(
        data.path(),
        &[],
        &[
            "content",
            "preview",
            src.path().to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let index = out_dir.join("index.html");
    assert_eq!(run.stdout.trim(), index.display().to_string());
    let page = fs::read_to_string(out_dir.join("en/prep.html")).unwrap();
    assert!(!page.contains("<script"), "{page}");
    assert!(page.contains("PrEP &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("class=\"callout urgent\""));
    assert!(page.contains("<li class=\"correct\">"));
    assert!(page.contains("Reviewed by Dr. Amina on 2025-03-01."));
    assert!(out_dir.join("pt/prep.html").exists());
    assert!(out_dir.join("assets/pill.png").exists());
    let index_html = fs::read_to_string(&index).unwrap();
    assert!(index_html.contains("href=\"en/prep.html\""));

    let json = corridor(
        data.path(),
        &[],
        &[
            "--json",
            "content",
            "preview",
            src.path().to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ],
    );
    assert_eq!(json.code, 0, "{}", json.stderr);
    let body: serde_json::Value = serde_json::from_str(json.stdout.trim()).unwrap();
    assert_eq!(body["pages"], 2);
    assert_eq!(body["index"], index.display().to_string());
}
