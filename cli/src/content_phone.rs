//! The phone's side of the content channel: trust a root, check and install updates, read.

use std::path::PathBuf;

use clap::Subcommand;
use corridor_core::error::Error;
use corridor_core::vault::Vault;

use crate::output::Output;

#[derive(Subcommand)]
pub enum PhoneCommand {
    /// Pin the repository's root (phones ship it inside the app).
    Trust { root: PathBuf },
}

pub fn run(
    command: &PhoneCommand,
    _vault: impl Fn() -> Result<Vault, Error>,
    _profile: Option<&str>,
    _out: &Output,
) -> Result<(), Error> {
    match command {
        PhoneCommand::Trust { .. } => Err(Error::InvalidInput {
            field: "content",
            reason: "not built yet".into(),
        }),
    }
}
