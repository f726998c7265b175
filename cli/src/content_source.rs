//! The content source tools: lint and preview a directory of Markdown modules
//! (`docs/content-format.md`, "Module source format").

use std::path::PathBuf;

use clap::Subcommand;
use corridor_core::content::source::{self, Severity};
use corridor_core::error::Error;
use serde_json::json;

use crate::output::Output;

#[derive(Subcommand)]
pub enum SourceCommand {
    /// Check a source directory: missing translations, broken asset references, quizzes without
    /// a correct answer, oversized images, missing review metadata (each with file and line).
    /// Exits with 1 when any error is found (warnings alone exit with 0).
    Lint { src: PathBuf },
    /// Write HTML pages of every module of a source directory into DIR (DIR/index.html lists
    /// them), to read in a browser. Prints the index's path.
    Preview {
        src: PathBuf,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

pub fn run(command: &SourceCommand, out: &Output) -> Result<(), Error> {
    match command {
        SourceCommand::Lint { src } => lint(src, out),
        SourceCommand::Preview { src, out: dir } => {
            let written = source::preview(src, dir)?;
            let index = written.first().cloned().unwrap_or_else(|| dir.join("index.html"));
            out.value(
                &json!({ "index": index, "pages": written.len().saturating_sub(1) }),
                &index.display().to_string(),
            );
            Ok(())
        }
    }
}

fn lint(src: &std::path::Path, out: &Output) -> Result<(), Error> {
    let problems = source::lint(src);
    let errors = problems
        .iter()
        .filter(|problem| problem.severity == Severity::Error)
        .count();
    let warnings = problems.len() - errors;
    let summary = format!(
        "{errors} {}, {warnings} {}",
        if errors == 1 { "error" } else { "errors" },
        if warnings == 1 { "warning" } else { "warnings" }
    );
    if out.json {
        println!(
            "{}",
            json!({ "ok": errors == 0, "errors": errors, "warnings": warnings, "problems": problems })
        );
    } else {
        for problem in &problems {
            println!("{problem}");
        }
        if errors == 0 {
            println!("{summary}");
        }
    }
    if errors > 0 {
        return Err(Error::InvalidInput {
            field: "content lint",
            reason: summary,
        });
    }
    Ok(())
}
