//! `corridor content ...`: the editors' tools (keys, repository, build, sign, publish, diff), the
//! source tools (lint, preview) and the phone's side (trust, check, update, list, show, search,
//! quiz). Each part lives in its own file; this one only joins them.

use clap::Subcommand;
use corridor_core::error::Error;
use corridor_core::vault::Vault;

use crate::output::Output;
use crate::{content_editor, content_phone, content_source};

#[derive(Subcommand)]
pub enum ContentCommand {
    #[command(flatten)]
    Editor(content_editor::EditorCommand),
    #[command(flatten)]
    Source(content_source::SourceCommand),
    #[command(flatten)]
    Phone(content_phone::PhoneCommand),
}

impl ContentCommand {
    /// Whether the command works on files alone (no data directory of a device).
    pub fn needs_no_device(&self) -> bool {
        matches!(self, ContentCommand::Editor(_) | ContentCommand::Source(_))
    }
}

pub fn run(
    command: &ContentCommand,
    vault: impl Fn() -> Result<Vault, Error>,
    profile: Option<&str>,
    out: &Output,
) -> Result<(), Error> {
    match command {
        ContentCommand::Editor(command) => content_editor::run(command, out),
        ContentCommand::Source(command) => content_source::run(command, out),
        ContentCommand::Phone(command) => content_phone::run(command, vault, profile, out),
    }
}
