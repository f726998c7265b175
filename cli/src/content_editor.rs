//! The content editors' tools: keys, the repository's root, building, signing, publishing.

use std::path::PathBuf;

use clap::Subcommand;
use corridor_core::error::Error;

use crate::output::Output;

#[derive(Subcommand)]
pub enum EditorCommand {
    /// Make an editor's (or the safety role's) signing key: KEY holds the private key encrypted
    /// with a passphrase (CORRIDOR_KEY_PASSPHRASE or a prompt); KEY.pub the public key.
    Keygen {
        #[arg(long, value_name = "KEY")]
        out: PathBuf,
    },
}

pub fn run(command: &EditorCommand, _out: &Output) -> Result<(), Error> {
    match command {
        EditorCommand::Keygen { .. } => Err(Error::InvalidInput {
            field: "content",
            reason: "not built yet".into(),
        }),
    }
}
