//! The content source tools: lint and preview a directory of Markdown modules.

use std::path::PathBuf;

use clap::Subcommand;
use corridor_core::error::Error;

use crate::output::Output;

#[derive(Subcommand)]
pub enum SourceCommand {
    /// Check a source directory: missing translations, broken asset references, quizzes without
    /// a correct answer, oversized images, missing review metadata (each with file and line).
    Lint { src: PathBuf },
}

pub fn run(command: &SourceCommand, _out: &Output) -> Result<(), Error> {
    match command {
        SourceCommand::Lint { .. } => Err(Error::InvalidInput {
            field: "content",
            reason: "not built yet".into(),
        }),
    }
}
