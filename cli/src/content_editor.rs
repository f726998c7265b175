//! The content editors' tools: keys, the repository's root, building, signing, publishing.
//! Every operation is [`corridor_core::content::repo`]; this file reads arguments and
//! passphrases, draws progress bars and prints the outcome.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use corridor_core::content::repo::{self, Progress};
use corridor_core::content::signing::{public_key_path, MetadataKind, PublicKeyFile};
use corridor_core::content::verify::date;
use corridor_core::error::Error;
use serde_json::json;
use zeroize::Zeroizing;

use crate::output::Output;

/// Where a signing key's passphrase comes from when no one is at a terminal.
const PASSPHRASE_VARIABLE: &str = "CORRIDOR_KEY_PASSPHRASE";

#[derive(Subcommand)]
pub enum EditorCommand {
    /// Make an editor's (or the safety role's) signing key: KEY holds the private key encrypted
    /// with a passphrase (CORRIDOR_KEY_PASSPHRASE or a prompt); KEY.pub the public key.
    Keygen {
        #[arg(long, value_name = "KEY")]
        out: PathBuf,
        /// Who holds the key ("Ana, Maputo editor"): shown by the tools, never trusted.
        #[arg(long, value_name = "NAME", default_value = "")]
        holder: String,
    },
    /// Start a repository: stage root version 1 with the editors' and the safety role's public
    /// keys and thresholds (then `content sign` by a threshold of the editors, and `publish`).
    InitRepo {
        repo: PathBuf,
        #[command(flatten)]
        root: RootKeys,
    },
    /// The repository's root: its keys and thresholds.
    Root {
        #[command(subcommand)]
        command: RootCommand,
    },
    /// Stage the published catalog and safety document again with a new expiry (and, with
    /// --root, the root): editors do this monthly, before phones refuse expired metadata.
    Renew {
        #[arg(long)]
        repo: PathBuf,
        /// Validity from now (default: 90 days for the catalog and safety, 365 for the root).
        #[arg(long, value_name = "DAYS")]
        days: Option<u32>,
        /// Renew the root too (the same keys).
        #[arg(long)]
        root: bool,
    },
    /// Compile a source directory and stage the next catalog (and the safety document when
    /// SRC/safety.toml changed it).
    Build {
        src: PathBuf,
        #[arg(long)]
        repo: PathBuf,
    },
    /// Add this key's signature to every staged file it may sign.
    Sign {
        #[arg(long)]
        repo: PathBuf,
        /// The private key file (its passphrase from CORRIDOR_KEY_PASSPHRASE or a prompt).
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
    },
    /// Verify everything staged as a phone would and write it into the repository; refused
    /// while any file lacks its threshold of signatures.
    Publish {
        #[arg(long)]
        repo: PathBuf,
    },
    /// What the staged version changes compared with the published one, per language.
    Diff {
        #[arg(long)]
        repo: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum RootCommand {
    /// Stage root N+1 with new keys: a threshold of the current editors and of the new editors
    /// must sign it (and of the old and new safety keys, when the safety role changes).
    Rotate {
        #[arg(long)]
        repo: PathBuf,
        #[command(flatten)]
        root: RootKeys,
    },
}

/// What a root says: the editors' and the safety role's keys, their thresholds, its validity.
#[derive(Args)]
pub struct RootKeys {
    /// The editors' public keys (KEY.pub), comma-separated.
    #[arg(long, value_name = "A.pub,B.pub,...", value_delimiter = ',', required = true)]
    keys: Vec<PathBuf>,
    /// How many distinct editors must sign the root and every catalog.
    #[arg(long)]
    threshold: u32,
    /// The safety role's public keys (sites and Crisis Response Team keys); never an editor's.
    #[arg(long, value_name = "D.pub,E.pub,...", value_delimiter = ',', required = true)]
    safety_keys: Vec<PathBuf>,
    #[arg(long)]
    safety_threshold: u32,
    /// How long the root is valid.
    #[arg(long, value_name = "DAYS", default_value_t = repo::DEFAULT_ROOT_DAYS)]
    expires_days: u32,
}

pub fn run(command: &EditorCommand, out: &Output) -> Result<(), Error> {
    match command {
        EditorCommand::Keygen { out: path, holder } => {
            let passphrase = read_new_passphrase()?;
            let public = repo::keygen(path, &passphrase, holder)?;
            let public_path = public_key_path(path);
            out.value(
                &json!({
                    "keyid": public.keyid,
                    "public": public.public,
                    "holder": public.holder,
                    "private_key": path,
                    "public_key": public_path,
                }),
                &format!(
                    "wrote {} (private, encrypted with the passphrase) and {} (public: give it to whoever sets up the \
                     repository)\nkeyid {}",
                    path.display(),
                    public_path.display(),
                    public.keyid
                ),
            );
        }
        EditorCommand::InitRepo {
            repo: dir,
            root:
                RootKeys {
                    keys,
                    threshold,
                    safety_keys,
                    safety_threshold,
                    expires_days,
                },
        } => {
            let editors = read_public_keys(keys)?;
            let safety = read_public_keys(safety_keys)?;
            let root = repo::init_repo(dir, &editors, *threshold, &safety, *safety_threshold, *expires_days)?;
            out.value(
                &json!({ "staged": "root", "version": root.version, "expires": root.expires }),
                &format!(
                    "staged root version 1 ({} editors, {} must sign; {} safety keys, {} must sign), expires {}\n\
                     next: {} editors run `corridor content sign --repo {} --key KEY`, then `content publish`",
                    editors.len(),
                    threshold,
                    safety.len(),
                    safety_threshold,
                    date(root.expires),
                    threshold,
                    dir.display()
                ),
            );
        }
        EditorCommand::Root {
            command:
                RootCommand::Rotate {
                    repo: dir,
                    root:
                        RootKeys {
                            keys,
                            threshold,
                            safety_keys,
                            safety_threshold,
                            expires_days,
                        },
                },
        } => {
            let editors = read_public_keys(keys)?;
            let safety = read_public_keys(safety_keys)?;
            let root = repo::rotate_root(dir, &editors, *threshold, &safety, *safety_threshold, *expires_days)?;
            out.value(
                &json!({ "staged": "root", "version": root.version, "expires": root.expires }),
                &format!(
                    "staged root version {} ({} editors, {} must sign; {} safety keys, {} must sign), expires {}\n\
                     next: the old and the new editors sign it (`content diff` shows who must), then `content publish`",
                    root.version,
                    editors.len(),
                    threshold,
                    safety.len(),
                    safety_threshold,
                    date(root.expires)
                ),
            );
        }
        EditorCommand::Renew { repo: dir, days, root } => {
            let report = repo::renew(dir, *days, *root)?;
            let lines: Vec<String> = [
                (MetadataKind::Root, report.root_version),
                (MetadataKind::Catalog, report.catalog_version),
                (MetadataKind::Safety, report.safety_version),
            ]
            .into_iter()
            .filter_map(|(kind, version)| {
                let version = version?;
                let expires = report.expires.get(&kind).copied().unwrap_or_default();
                Some(format!(
                    "staged {} version {version}, expires {}",
                    kind.describe(),
                    date(expires)
                ))
            })
            .collect();
            out.value(
                &serde_json::to_value(&report).unwrap_or_default(),
                &format!("{}\nnext: sign and publish", lines.join("\n")),
            );
        }
        EditorCommand::Build { src, repo: dir } => {
            let progress = Bar::new(out);
            let report = repo::build(src, dir, &progress)?;
            let languages = report
                .languages
                .iter()
                .map(|(language, count)| format!("{language}: {count}"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut text = format!(
                "staged catalog version {} ({languages}), expires {}; {} new files, {} bytes",
                report.catalog_version,
                date(report.catalog_expires),
                report.new_files,
                report.new_bytes
            );
            if let Some(version) = report.safety_version {
                text.push_str(&format!("\nstaged safety document version {version} from safety.toml"));
            } else if report.safety_unchanged {
                text.push_str("\nsafety.toml says what is already published: the safety document is unchanged");
            }
            text.push_str("\nnext: `content diff` to review, then sign and publish");
            out.value(&serde_json::to_value(&report).unwrap_or_default(), &text);
        }
        EditorCommand::Sign { repo: dir, key } => {
            let report = repo::sign(dir, key, read_passphrase)?;
            let mut lines = Vec::new();
            for file in &report.signed {
                let status = file
                    .status
                    .iter()
                    .map(|status| {
                        format!(
                            "{} of {} needed signatures from {}",
                            status.valid, status.threshold, status.signers
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                lines.push(format!(
                    "{} {} version {}: {status}{}",
                    if file.newly_signed { "signed" } else { "already signed" },
                    file.kind.name(),
                    file.version,
                    if file.complete() { " (ready to publish)" } else { "" }
                ));
            }
            out.value(&serde_json::to_value(&report).unwrap_or_default(), &lines.join("\n"));
        }
        EditorCommand::Publish { repo: dir } => {
            let progress = Bar::new(out);
            let report = repo::publish(dir, &progress)?;
            let mut parts = Vec::new();
            if let Some(version) = report.root_version {
                parts.push(format!("root version {version}"));
            }
            if let Some(version) = report.safety_version {
                parts.push(format!("safety document version {version}"));
            }
            if let Some(version) = report.catalog_version {
                parts.push(format!("catalog version {version}"));
            }
            out.value(
                &serde_json::to_value(&report).unwrap_or_default(),
                &format!(
                    "published {} ({} new files, {} bytes)",
                    if parts.is_empty() {
                        "nothing new".to_string()
                    } else {
                        parts.join(", ")
                    },
                    report.new_files,
                    report.new_bytes
                ),
            );
        }
        EditorCommand::Diff { repo: dir } => {
            let diff = repo::diff(dir)?;
            out.value(
                &serde_json::to_value(&diff).unwrap_or_default(),
                &diff.lines().join("\n"),
            );
        }
    }
    Ok(())
}

fn read_public_keys(paths: &[PathBuf]) -> Result<Vec<PublicKeyFile>, Error> {
    paths.iter().map(|path| PublicKeyFile::read(path)).collect()
}

/// The passphrase from CORRIDOR_KEY_PASSPHRASE or, if unset, a prompt without echo.
fn read_passphrase() -> Result<Zeroizing<String>, Error> {
    read_raw("Passphrase of the signing key: ")
}

/// Like [`read_passphrase`] for a new key: a prompted passphrase is asked twice.
fn read_new_passphrase() -> Result<Zeroizing<String>, Error> {
    if std::env::var_os(PASSPHRASE_VARIABLE).is_some() {
        return read_raw("");
    }
    let first = read_raw("Passphrase for the new key (a few words): ")?;
    let second = read_raw("Type it again: ")?;
    if *first != *second {
        return Err(Error::InvalidInput {
            field: "passphrase",
            reason: "the two passphrases differ".into(),
        });
    }
    Ok(first)
}

fn read_raw(prompt: &str) -> Result<Zeroizing<String>, Error> {
    if let Some(value) = std::env::var_os(PASSPHRASE_VARIABLE) {
        return Ok(Zeroizing::new(value.to_string_lossy().into_owned()));
    }
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|_| Error::InvalidInput {
            field: "passphrase",
            reason: format!("no terminal to ask for the passphrase: set {PASSPHRASE_VARIABLE}"),
        })
}

/// A progress bar on stderr, drawn only when stderr is a terminal (never into a pipe or a log).
struct Bar {
    bar: Option<indicatif::ProgressBar>,
}

impl Bar {
    fn new(out: &Output) -> Bar {
        let shown = std::io::stderr().is_terminal() && !out.json;
        Bar {
            bar: shown.then(|| {
                // Hidden until `start` knows the total (a bar of 0 bytes would show as complete).
                let bar = indicatif::ProgressBar::hidden();
                bar.set_style(
                    indicatif::ProgressStyle::with_template("{msg} {bar:40} {bytes}/{total_bytes} {bytes_per_sec}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar
            }),
        }
    }
}

impl Progress for Bar {
    fn start(&self, label: &str, total_bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.reset();
            bar.set_message(label.to_string());
            bar.set_length(total_bytes);
            bar.set_position(0);
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
