//! The editors' operations on a content repository: make keys, start a repository, rotate its
//! root, build the next catalog from sources, sign, publish, renew before expiry, and say what
//! the staged version changes. The `corridor content ...` editor commands are thin calls into
//! this module.
//!
//! A repository is a directory of static files (see `docs/content-format.md`): `root.json`,
//! `root/<N>.json`, `catalog.json`, `safety.json` and `files/<sha256>`. Work in progress lives in
//! `staged/` beside them (`root.json`, `catalog.json`, `safety.json` envelopes with the
//! signatures gathered so far, and `files/`), which a web server need not serve.
//!
//! `publish` checks everything staged with the same functions a phone runs ([`super::verify`]),
//! so nothing is published that a phone would refuse; it then moves files into place in an order
//! that never lets a reader see metadata pointing at a file that is not there yet.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::metadata::{
    Catalog, CatalogAsset, CatalogModule, Envelope, FileRef, PublicKey, ResponseTeam, RoleKeys, Roles, Root, Safety,
    Site, TeamKey, CATALOG_FILE, FILES_DIR, ROOT_DIR, ROOT_FILE, SAFETY_FILE,
};
use super::model::{Block, MAX_MODULE_JSON_LEN};
use super::signing::{key_label, public_key_path, read_private_key_identity, MetadataKind, PublicKeyFile, SigningKey};
use super::source::compile_dir;
use super::verify::{
    check_catalog, check_root, check_safety, date, is_valid_asset_name, open_envelope, safety_role_changes,
    valid_signers, verify_catalog, verify_initial_root, verify_next_root, verify_safety, MetadataCheck, MAX_ASSET_LEN,
};
use crate::error::{Error, Result};
use crate::files::sync_dir;

/// Work in progress: staged envelopes and files, beside the published ones.
pub const STAGED_DIR: &str = "staged";
/// The safety document's source inside a source directory.
pub const SAFETY_SOURCE: &str = "safety.toml";
/// How long a new root is valid unless told otherwise.
pub const DEFAULT_ROOT_DAYS: u32 = 365;
/// How long a catalog is valid: editors renew it monthly, so a phone that sees no renewal for
/// three months knows it is being kept from updates.
pub const DEFAULT_CATALOG_DAYS: u32 = 90;
pub const DEFAULT_SAFETY_DAYS: u32 = 90;
/// No metadata is signed for longer than ten years.
pub const MAX_EXPIRES_DAYS: u32 = 3650;
const DAY_SECS: i64 = 86_400;
const COPY_BUFFER_LEN: usize = 64 * 1024;

/// Reports long work (hashing and copying files). The CLI draws a progress bar; tests ignore it.
pub trait Progress {
    fn start(&self, _label: &str, _total_bytes: u64) {}
    fn advance(&self, _bytes: u64) {}
    fn finish(&self) {}
}

/// A [`Progress`] that shows nothing.
pub struct NoProgress;
impl Progress for NoProgress {}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// How far ahead of the publishing computer's clock a staged signing time may be.
const MAX_CLOCK_AHEAD_SECS: i64 = 10 * 60;

/// The version after `version` (refused at the very end of the range rather than wrapping).
fn next_version(version: u64) -> Result<u64> {
    version
        .checked_add(1)
        .ok_or_else(|| rejected("the published version cannot grow any more"))
}

fn rejected(reason: impl Into<String>) -> Error {
    Error::ContentRejected(reason.into())
}

// ---------------------------------------------------------------------------------------------
// Keys and roots

/// Makes a signing key: `out` (private, encrypted with `passphrase`, mode 0600) and `out.pub`.
/// Refuses to overwrite either file.
pub fn keygen(out: &Path, passphrase: &str, holder: &str) -> Result<PublicKeyFile> {
    if out.exists() || public_key_path(out).exists() {
        return Err(Error::invalid(
            "key",
            format!(
                "{} or its .pub exists already; a key file is never overwritten",
                out.display()
            ),
        ));
    }
    SigningKey::generate(holder)?.write_key_files(out, passphrase)
}

/// Starts a repository in `repo` (empty or absent): stages root version 1 naming the editors'
/// and the safety role's keys and thresholds. A threshold of its editors must sign it before
/// `publish`.
pub fn init_repo(
    repo: &Path,
    editor_keys: &[PublicKeyFile],
    threshold: u32,
    safety_keys: &[PublicKeyFile],
    safety_threshold: u32,
    expires_days: u32,
) -> Result<Root> {
    let layout = Layout::new(repo);
    for existing in [
        layout.published(MetadataKind::Root),
        layout.dir.join(ROOT_DIR),
        layout.published(MetadataKind::Catalog),
        layout.staged(MetadataKind::Root),
    ] {
        if existing.exists() {
            return Err(Error::invalid(
                "repository",
                format!(
                    "{} already holds a content repository (use `content root rotate` to change its keys)",
                    repo.display()
                ),
            ));
        }
    }
    let root = make_root(1, editor_keys, threshold, safety_keys, safety_threshold, expires_days)?;
    fs::create_dir_all(layout.staged_dir())?;
    layout.write_staged(MetadataKind::Root, &unsigned(&root)?)?;
    Ok(root)
}

/// Stages root N+1 with new keys and thresholds. A threshold of the current editors and of the
/// new editors must sign it (and, when it changes the safety role, of the old and new safety
/// keys too).
pub fn rotate_root(
    repo: &Path,
    new_editor_keys: &[PublicKeyFile],
    new_threshold: u32,
    new_safety_keys: &[PublicKeyFile],
    new_safety_threshold: u32,
    expires_days: u32,
) -> Result<Root> {
    let layout = Layout::existing(repo)?;
    let Some(current) = layout.published_root()? else {
        return Err(Error::invalid(
            "repository",
            "no root is published yet: sign and publish root version 1 first",
        ));
    };
    if let Some(staged) = layout.staged_file::<Root>(MetadataKind::Root)? {
        return Err(already_staged(MetadataKind::Root, staged.value.version));
    }
    let root = make_root(
        next_version(current.value.version)?,
        new_editor_keys,
        new_threshold,
        new_safety_keys,
        new_safety_threshold,
        expires_days,
    )?;
    layout.write_staged(MetadataKind::Root, &unsigned(&root)?)?;
    Ok(root)
}

fn make_root(
    version: u64,
    editor_keys: &[PublicKeyFile],
    threshold: u32,
    safety_keys: &[PublicKeyFile],
    safety_threshold: u32,
    expires_days: u32,
) -> Result<Root> {
    let signed_at = now();
    let mut keys = BTreeMap::new();
    let mut role = |files: &[PublicKeyFile], name: &str| -> Result<Vec<String>> {
        let mut keyids = Vec::new();
        for file in files {
            file.check()?;
            if keyids.contains(&file.keyid) {
                return Err(Error::invalid(
                    "keys",
                    format!("{} is given twice for the {name}", file.label()),
                ));
            }
            keyids.push(file.keyid.clone());
            keys.insert(file.keyid.clone(), file.to_public_key());
        }
        Ok(keyids)
    };
    let editors = role(editor_keys, "editors")?;
    let safety = role(safety_keys, "safety role")?;
    let root = Root {
        kind: "root".into(),
        version,
        expires: expiry(signed_at, expires_days)?,
        signed_at,
        keys,
        roles: Roles {
            editors: RoleKeys {
                keyids: editors,
                threshold,
            },
            safety: RoleKeys {
                keyids: safety,
                threshold: safety_threshold,
            },
        },
    };
    check_root(&root).map_err(|error| match error {
        Error::ContentRejected(reason) => Error::invalid("keys", reason),
        other => other,
    })?;
    Ok(root)
}

fn expiry(signed_at: i64, days: u32) -> Result<i64> {
    if days == 0 || days > MAX_EXPIRES_DAYS {
        return Err(Error::invalid(
            "expires-days",
            format!("must be between 1 and {MAX_EXPIRES_DAYS} days"),
        ));
    }
    Ok(signed_at + i64::from(days) * DAY_SECS)
}

fn unsigned<T: Serialize>(value: &T) -> Result<Envelope> {
    Ok(Envelope {
        payload: serde_json::to_vec(value).map_err(|error| Error::Internal(error.to_string()))?,
        signatures: Vec::new(),
    })
}

fn already_staged(kind: MetadataKind, version: u64) -> Error {
    Error::invalid(
        "repository",
        format!(
            "{} version {version} is already staged: publish it first, or delete staged/{} to drop it",
            kind.describe(),
            staged_name(kind)
        ),
    )
}

fn staged_name(kind: MetadataKind) -> &'static str {
    match kind {
        MetadataKind::Root => ROOT_FILE,
        MetadataKind::Catalog => CATALOG_FILE,
        MetadataKind::Safety => SAFETY_FILE,
    }
}

// ---------------------------------------------------------------------------------------------
// Build

/// What `build` staged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildReport {
    pub catalog_version: u64,
    pub catalog_expires: i64,
    /// Modules per language.
    pub languages: BTreeMap<String, usize>,
    /// Files new to the repository (not already published or staged), and their bytes.
    pub new_files: usize,
    pub new_bytes: u64,
    /// The safety document's staged version, when `safety.toml` changed it.
    pub safety_version: Option<u64>,
    /// Whether `safety.toml` exists and says what is already published.
    pub safety_unchanged: bool,
}

/// The safety document's source: `safety.toml` with `[[sites]]`, `[[teams]]` (each with a
/// `[teams.key]`) and `[programme_key]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct SafetySource {
    #[serde(default)]
    sites: Vec<Site>,
    #[serde(default)]
    teams: Vec<ResponseTeam>,
    programme_key: TeamKey,
}

/// Compiles `src` and stages the next catalog (published version + 1, expiring in
/// [`DEFAULT_CATALOG_DAYS`]), with every module's compiled JSON and every asset copied into
/// `staged/files/<sha256>`. When `src/safety.toml` exists and differs from the published safety
/// document, stages the next safety version too. A catalog staged earlier is replaced (its
/// signatures with it).
pub fn build(src: &Path, repo: &Path, progress: &dyn Progress) -> Result<BuildReport> {
    let layout = Layout::existing(repo)?;
    if layout.staged_file::<Root>(MetadataKind::Root)?.is_none() && layout.published_root()?.is_none() {
        return Err(not_a_repository(repo));
    }
    let compiled = compile_dir(src)?;
    if compiled.is_empty() {
        return Err(Error::invalid(
            "source",
            format!("{} holds no modules (SRC/<language>/<module>.md)", src.display()),
        ));
    }
    let signed_at = now();
    let published_catalog = layout.published_file::<Catalog>(MetadataKind::Catalog)?;
    let version = published_catalog.as_ref().map_or(0, |file| file.value.version) + 1;

    // The safety source is read and checked before any file is copied: a mistake there is found
    // at once.
    let safety = read_safety_source(src)?;

    let mut total = 0u64;
    let mut jsons = Vec::with_capacity(compiled.len());
    let mut asset_paths = BTreeMap::new();
    for item in &compiled {
        let module = &item.module;
        module.check()?;
        let json = module.to_json();
        if json.len() > MAX_MODULE_JSON_LEN {
            return Err(Error::invalid(
                "source",
                format!(
                    "{}: the compiled module is {} bytes; at most {MAX_MODULE_JSON_LEN} are allowed",
                    item.source_file.display(),
                    json.len()
                ),
            ));
        }
        let named: BTreeSet<&str> = item.assets.iter().map(|asset| asset.name.as_str()).collect();
        for block in &module.blocks {
            if let Block::Image { asset, .. } | Block::Audio { asset, .. } = block {
                if !named.contains(asset.as_str()) {
                    return Err(Error::invalid(
                        "source",
                        format!(
                            "{}: asset {asset} is used but not found in assets/",
                            item.source_file.display()
                        ),
                    ));
                }
            }
        }
        for asset in &item.assets {
            if !is_valid_asset_name(&asset.name) {
                return Err(Error::invalid(
                    "source",
                    format!("asset name {:?} is not allowed", asset.name),
                ));
            }
            if !asset_paths.contains_key(&asset.path) {
                let length = fs::metadata(&asset.path)
                    .map_err(|_| Error::invalid("source", format!("{} cannot be read", asset.path.display())))?
                    .len();
                if length > MAX_ASSET_LEN {
                    return Err(Error::invalid(
                        "source",
                        format!(
                            "{} is {length} bytes; an asset is at most {MAX_ASSET_LEN}",
                            asset.path.display()
                        ),
                    ));
                }
                total += length;
                asset_paths.insert(asset.path.clone(), None::<FileRef>);
            }
        }
        total += json.len() as u64;
        jsons.push(json);
    }

    fs::create_dir_all(layout.staged_files())?;
    let mut stats = CopyStats::default();
    progress.start("hashing and copying files", total);
    let mut modules = Vec::with_capacity(compiled.len());
    for (item, json) in compiled.iter().zip(&jsons) {
        let file = layout.stage_bytes(json, &mut stats)?;
        progress.advance(json.len() as u64);
        let mut assets = Vec::with_capacity(item.assets.len());
        for asset in &item.assets {
            let file = match asset_paths.get(&asset.path).cloned().flatten() {
                Some(file) => file,
                None => {
                    let file = layout.stage_file(&asset.path, &mut stats, progress)?;
                    asset_paths.insert(asset.path.clone(), Some(file.clone()));
                    file
                }
            };
            assets.push(CatalogAsset {
                name: asset.name.clone(),
                media_type: asset.media_type.clone(),
                file,
            });
        }
        assets.sort_by(|a, b| a.name.cmp(&b.name));
        let module = &item.module;
        modules.push(CatalogModule {
            id: module.id.clone(),
            language: module.language.clone(),
            version: module.version,
            title: module.title.clone(),
            topics: module.topics.clone(),
            file,
            assets,
        });
    }
    progress.finish();
    modules.sort_by(|a, b| (&a.language, &a.id).cmp(&(&b.language, &b.id)));
    let catalog = Catalog {
        kind: "catalog".into(),
        version,
        expires: expiry(signed_at, DEFAULT_CATALOG_DAYS)?,
        signed_at,
        modules,
    };
    check_catalog(&catalog).map_err(|error| match error {
        Error::ContentRejected(reason) => Error::invalid("source", reason),
        other => other,
    })?;
    layout.write_staged(MetadataKind::Catalog, &unsigned(&catalog)?)?;

    let mut languages = BTreeMap::new();
    for module in &catalog.modules {
        *languages.entry(module.language.clone()).or_insert(0) += 1;
    }
    let mut report = BuildReport {
        catalog_version: catalog.version,
        catalog_expires: catalog.expires,
        languages,
        new_files: stats.files,
        new_bytes: stats.bytes,
        safety_version: None,
        safety_unchanged: false,
    };
    if let Some(source) = safety {
        let published = layout.published_file::<Safety>(MetadataKind::Safety)?;
        let same = published.as_ref().is_some_and(|published| {
            published.value.sites == source.sites
                && published.value.teams == source.teams
                && published.value.programme_key == source.programme_key
        });
        if same {
            report.safety_unchanged = true;
        } else {
            let safety = Safety {
                kind: "safety".into(),
                version: next_version(published.as_ref().map_or(0, |file| file.value.version))?,
                expires: expiry(signed_at, DEFAULT_SAFETY_DAYS)?,
                signed_at,
                sites: source.sites,
                teams: source.teams,
                programme_key: source.programme_key,
            };
            check_safety(&safety).map_err(|error| match error {
                Error::ContentRejected(reason) => Error::invalid("safety.toml", reason),
                other => other,
            })?;
            layout.write_staged(MetadataKind::Safety, &unsigned(&safety)?)?;
            report.safety_version = Some(safety.version);
        }
    }
    Ok(report)
}

fn read_safety_source(src: &Path) -> Result<Option<SafetySource>> {
    let path = src.join(SAFETY_SOURCE);
    let length = match fs::metadata(&path) {
        Ok(metadata) => metadata.len(),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error.into()),
    };
    if length > MetadataKind::Safety.max_len() as u64 {
        return Err(Error::invalid(
            "safety.toml",
            format!("{} is larger than a safety document may be", path.display()),
        ));
    }
    let text = fs::read_to_string(&path)
        .map_err(|_| Error::invalid("safety.toml", format!("{} is not UTF-8 text", path.display())))?;
    let source: SafetySource = toml::from_str(&text).map_err(|error| {
        Error::invalid(
            "safety.toml",
            format!("{}: {}", path.display(), error.to_string().trim()),
        )
    })?;
    Ok(Some(source))
}

#[derive(Default)]
struct CopyStats {
    files: usize,
    bytes: u64,
}

// ---------------------------------------------------------------------------------------------
// Sign

/// How far one staged file is from publishable: for each group of keys that must sign it, how
/// many have (distinct, valid) and how many are needed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureStatus {
    /// `editors of root version 2`, `safety role`, ...
    pub signers: String,
    pub valid: usize,
    pub threshold: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedFile {
    pub kind: MetadataKind,
    pub version: u64,
    /// False when this key had already signed it.
    pub newly_signed: bool,
    pub status: Vec<SignatureStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignReport {
    pub keyid: String,
    pub holder: String,
    pub signed: Vec<SignedFile>,
}

impl SignedFile {
    /// Whether every group of keys has reached its threshold.
    pub fn complete(&self) -> bool {
        self.status
            .iter()
            .all(|status| status.valid >= status.threshold as usize)
    }
}

/// Adds the signature of `key_file` to every staged file it may sign: the root (as an editor of
/// the current or of the new root, or as a safety key when the new root changes the safety
/// role), the catalog (editors) and the safety document (safety keys). `passphrase` is asked
/// only once the key is known to be needed. A key that may sign nothing staged is an error.
pub fn sign(
    repo: &Path,
    key_file: &Path,
    passphrase: impl FnOnce() -> Result<Zeroizing<String>>,
) -> Result<SignReport> {
    let layout = Layout::existing(repo)?;
    let identity = read_private_key_identity(key_file)?;
    let staged = layout.load_staged()?;
    if staged.is_empty() {
        return Err(nothing_staged());
    }
    let published_root = layout.published_root()?;
    let mut wanted = Vec::new();
    let mut needs = Vec::new();
    for (kind, envelope, version) in staged.iter() {
        let requirements = staged.requirements(kind, published_root.as_ref().map(|file| &file.value))?;
        let allowed = requirements
            .iter()
            .any(|requirement| requirement.role.keyids.contains(&identity.keyid));
        needs.push(format!(
            "{} version {version} needs {}",
            kind.describe(),
            requirements
                .iter()
                .map(|requirement| requirement.signers.clone())
                .collect::<Vec<_>>()
                .join(" and ")
        ));
        if allowed {
            wanted.push((kind, envelope.clone(), version, requirements));
        }
    }
    if wanted.is_empty() {
        return Err(rejected(format!(
            "{} may sign nothing that is staged: {}",
            identity.label(),
            needs.join("; ")
        )));
    }
    let passphrase = passphrase()?;
    let key = SigningKey::load(key_file, &passphrase)?;
    drop(passphrase);
    if key.keyid() != identity.keyid {
        return Err(Error::KeyFileDamaged(format!(
            "{}: the key inside is not the key the file names",
            key_file.display()
        )));
    }
    let mut report = SignReport {
        keyid: identity.keyid.clone(),
        holder: identity.holder.clone(),
        signed: Vec::new(),
    };
    for (kind, mut envelope, version, requirements) in wanted {
        let already = requirements.iter().any(|requirement| {
            valid_signers(&requirement.keys, &requirement.role, kind, &envelope).contains(key.keyid())
        });
        if !already {
            envelope.signatures.retain(|signature| signature.keyid != key.keyid());
            envelope.signatures.push(key.sign(kind, &envelope.payload));
            layout.write_staged(kind, &envelope)?;
        }
        report.signed.push(SignedFile {
            kind,
            version,
            newly_signed: !already,
            status: signature_status(&requirements, kind, &envelope),
        });
    }
    Ok(report)
}

fn signature_status(requirements: &[Requirement], kind: MetadataKind, envelope: &Envelope) -> Vec<SignatureStatus> {
    requirements
        .iter()
        .map(|requirement| SignatureStatus {
            signers: requirement.signers.clone(),
            valid: valid_signers(&requirement.keys, &requirement.role, kind, envelope).len(),
            threshold: requirement.role.threshold,
        })
        .collect()
}

/// A group of keys that must reach its threshold on a staged file.
struct Requirement {
    signers: String,
    keys: BTreeMap<String, PublicKey>,
    role: RoleKeys,
}

impl Requirement {
    fn of(signers: String, root: &Root, role: &RoleKeys) -> Requirement {
        Requirement {
            signers,
            keys: root.keys.clone(),
            role: role.clone(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Publish

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishReport {
    pub root_version: Option<u64>,
    pub catalog_version: Option<u64>,
    pub safety_version: Option<u64>,
    /// Files new to `files/`, and their bytes.
    pub new_files: usize,
    pub new_bytes: u64,
}

/// Verifies everything staged exactly as a phone would (signature thresholds, versions, expiry
/// against now, every file's length and hash), then writes it: files first, then `root/<N>.json`
/// and `root.json`, then `safety.json`, then `catalog.json` last (each written to a temporary
/// file, flushed and renamed), then clears `staged/`. Below a threshold nothing is written and
/// the error names the shortfall.
pub fn publish(repo: &Path, progress: &dyn Progress) -> Result<PublishReport> {
    let layout = Layout::existing(repo)?;
    let staged = layout.load_staged()?;
    if staged.is_empty() {
        return Err(nothing_staged());
    }
    let refused = |error: Error| match error {
        Error::ContentRejected(reason) => rejected(format!("{reason}; nothing was published")),
        other => other,
    };
    let now = now();
    let published_root = layout.published_root()?;
    let new_root = match (&staged.root, &published_root) {
        (None, _) => None,
        // A publish interrupted after it wrote the root: the root is already in place.
        (Some(file), Some(current)) if file.envelope.payload == current.envelope.payload => None,
        (Some(file), None) => Some(verify_initial_root(&file.bytes).map_err(refused)?),
        (Some(file), Some(current)) => Some(verify_next_root(&current.value, &file.bytes).map_err(refused)?),
    };
    if let Some(root) = &new_root {
        if root.expires <= now {
            return Err(rejected(format!(
                "root version {} expired on {}; stage it again (content root rotate) with a later expiry",
                root.version,
                date(root.expires)
            )));
        }
    }
    let Some(root) = new_root.as_ref().or(published_root.as_ref().map(|file| &file.value)) else {
        return Err(rejected(
            "no root is published or staged: run `content init-repo` first; nothing was published",
        ));
    };

    let published_catalog = layout.published_file::<Catalog>(MetadataKind::Catalog)?;
    let catalog = match &staged.catalog {
        Some(file) => {
            let installed = published_catalog
                .as_ref()
                .map(|file| (&file.value, file.bytes.as_slice()));
            match verify_catalog(root, &file.bytes, now, installed).map_err(refused)? {
                MetadataCheck::Newer(catalog) => Some(catalog),
                MetadataCheck::Unchanged => None,
            }
        }
        None => None,
    };
    let published_safety = layout.published_file::<Safety>(MetadataKind::Safety)?;
    let safety = match &staged.safety {
        Some(file) => {
            let installed = published_safety
                .as_ref()
                .map(|file| (&file.value, file.bytes.as_slice()));
            match verify_safety(root, &file.bytes, now, installed).map_err(refused)? {
                MetadataCheck::Newer(safety) => Some(safety),
                MetadataCheck::Unchanged => None,
            }
        }
        None => None,
    };
    // Phones take the newest signing time they verify as a floor for their clock: a signing
    // computer whose clock runs ahead would make every later file look expired on every phone.
    let signed_ats = [
        new_root.as_ref().map(|root| root.signed_at),
        catalog.as_ref().map(|catalog| catalog.signed_at),
        safety.as_ref().map(|safety| safety.signed_at),
    ];
    if signed_ats
        .into_iter()
        .flatten()
        .any(|signed_at| signed_at > now + MAX_CLOCK_AHEAD_SECS)
    {
        return Err(rejected(
            "something staged was signed with a date in the future (the staging computer's clock runs ahead); \
             fix the clock and stage again; nothing was published",
        ));
    }
    // A new root must still accept the catalog and safety document that stay published.
    if new_root.is_some() {
        for (kind, kept, role) in [
            (
                MetadataKind::Catalog,
                published_catalog
                    .as_ref()
                    .filter(|_| catalog.is_none())
                    .map(|file| &file.envelope),
                &root.roles.editors,
            ),
            (
                MetadataKind::Safety,
                published_safety
                    .as_ref()
                    .filter(|_| safety.is_none())
                    .map(|file| &file.envelope),
                &root.roles.safety,
            ),
        ] {
            if let Some(envelope) = kept {
                let valid = valid_signers(&root.keys, role, kind, envelope).len();
                if valid < role.threshold as usize {
                    return Err(rejected(format!(
                        "root version {} would no longer accept the published {kind} ({valid} of its signatures \
                         count, {} needed): run `content renew` and have the new keys sign it too; nothing was \
                         published",
                        root.version, role.threshold
                    )));
                }
            }
        }
    }

    // Every file the new catalog pins: present (staged or published), of its length and hash.
    let mut needed: BTreeMap<String, u64> = BTreeMap::new();
    if let Some(catalog) = &catalog {
        for module in &catalog.modules {
            needed.insert(module.file.sha256.clone(), module.file.length);
            for asset in &module.assets {
                needed.insert(asset.file.sha256.clone(), asset.file.length);
            }
        }
    }
    progress.start("checking files", needed.values().sum());
    let mut to_move = Vec::new();
    for (sha256, length) in &needed {
        let staged_path = layout.staged_files().join(sha256);
        let published_path = layout.files().join(sha256);
        let path = if staged_path.exists() && !published_path.exists() {
            to_move.push((staged_path.clone(), published_path, *length));
            staged_path
        } else if published_path.exists() {
            published_path
        } else {
            return Err(rejected(format!(
                "file {sha256} that the catalog pins is neither staged nor published (run `content build` \
                 again); nothing was published"
            )));
        };
        let (found_hash, found_length) = hash_file(&path, *length, progress)?;
        if found_length != *length || found_hash != *sha256 {
            return Err(rejected(format!(
                "file {sha256} is not what the catalog pins (its bytes changed since the build); nothing was published"
            )));
        }
    }
    progress.finish();

    // Files first, metadata after, the catalog last: a reader never sees a catalog pinning a
    // file that is not there.
    let mut report = PublishReport {
        root_version: None,
        catalog_version: None,
        safety_version: None,
        new_files: 0,
        new_bytes: 0,
    };
    if !to_move.is_empty() {
        fs::create_dir_all(layout.files())?;
        for (from, to, length) in &to_move {
            File::open(from)?.sync_all()?;
            fs::rename(from, to)?;
            report.new_files += 1;
            report.new_bytes += length;
        }
        sync_dir(&layout.files())?;
    }
    if let (Some(root), Some(file)) = (&new_root, &staged.root) {
        let dir = layout.dir.join(ROOT_DIR);
        fs::create_dir_all(&dir)?;
        write_public_atomically(&dir.join(format!("{}.json", root.version)), &file.bytes)?;
        write_public_atomically(&layout.published(MetadataKind::Root), &file.bytes)?;
        report.root_version = Some(root.version);
    }
    if let (Some(safety), Some(file)) = (&safety, &staged.safety) {
        write_public_atomically(&layout.published(MetadataKind::Safety), &file.bytes)?;
        report.safety_version = Some(safety.version);
    }
    if let (Some(catalog), Some(file)) = (&catalog, &staged.catalog) {
        write_public_atomically(&layout.published(MetadataKind::Catalog), &file.bytes)?;
        report.catalog_version = Some(catalog.version);
    }
    fs::remove_dir_all(layout.staged_dir())?;
    sync_dir(&layout.dir)?;
    Ok(report)
}

/// SHA-256 (hex) and length of a file, read in small pieces and never past `limit` + 1 bytes.
fn hash_file(path: &Path, limit: u64, progress: &dyn Progress) -> Result<(String, u64)> {
    let mut file = File::open(path)?;
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buffer = vec![0u8; COPY_BUFFER_LEN];
    let mut length = 0u64;
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        context.update(&buffer[..read]);
        length += read as u64;
        progress.advance(read as u64);
        if length > limit {
            break;
        }
    }
    Ok((hex::encode(context.finish()), length))
}

// ---------------------------------------------------------------------------------------------
// Renew

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenewReport {
    pub root_version: Option<u64>,
    pub catalog_version: Option<u64>,
    pub safety_version: Option<u64>,
    /// The new expiry of each renewed file, unix seconds.
    pub expires: BTreeMap<MetadataKind, i64>,
}

/// Stages the published catalog and safety document again with version + 1, the same content
/// and a new expiry (`days`, or [`DEFAULT_CATALOG_DAYS`] / [`DEFAULT_SAFETY_DAYS`]); with
/// `renew_root`, the root too (the same keys; `days` or [`DEFAULT_ROOT_DAYS`]). The files still
/// need their thresholds of signatures and `publish`. Refuses to replace anything already staged.
pub fn renew(repo: &Path, days: Option<u32>, renew_root: bool) -> Result<RenewReport> {
    let layout = Layout::existing(repo)?;
    let Some(root) = layout.published_root()? else {
        return Err(Error::invalid(
            "repository",
            "no root is published yet: there is nothing to renew",
        ));
    };
    let staged = layout.load_staged()?;
    let catalog = layout.published_file::<Catalog>(MetadataKind::Catalog)?;
    let safety = layout.published_file::<Safety>(MetadataKind::Safety)?;
    if renew_root {
        if let Some(file) = &staged.root {
            return Err(already_staged(MetadataKind::Root, file.version));
        }
    }
    if catalog.is_some() {
        if let Some(file) = &staged.catalog {
            return Err(already_staged(MetadataKind::Catalog, file.version));
        }
    }
    if safety.is_some() {
        if let Some(file) = &staged.safety {
            return Err(already_staged(MetadataKind::Safety, file.version));
        }
    }
    let signed_at = now();
    let mut report = RenewReport {
        root_version: None,
        catalog_version: None,
        safety_version: None,
        expires: BTreeMap::new(),
    };
    let mut writes = Vec::new();
    if renew_root {
        let days = days.unwrap_or(DEFAULT_ROOT_DAYS);
        report.root_version = Some(renewed(
            root.value.clone(),
            signed_at,
            days,
            &mut report.expires,
            &mut writes,
        )?);
    }
    if let Some(file) = catalog {
        let days = days.unwrap_or(DEFAULT_CATALOG_DAYS);
        report.catalog_version = Some(renewed(file.value, signed_at, days, &mut report.expires, &mut writes)?);
    }
    if let Some(file) = safety {
        let days = days.unwrap_or(DEFAULT_SAFETY_DAYS);
        report.safety_version = Some(renewed(file.value, signed_at, days, &mut report.expires, &mut writes)?);
    }
    if writes.is_empty() {
        return Err(Error::invalid(
            "repository",
            "nothing is published but the root: build and publish a catalog first (or renew with --root)",
        ));
    }
    fs::create_dir_all(layout.staged_dir())?;
    for (kind, envelope) in writes {
        layout.write_staged(kind, &envelope)?;
    }
    Ok(report)
}

// ---------------------------------------------------------------------------------------------
// Diff

/// What the staged files change compared with the published ones.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ContentDiff {
    pub root: Option<RootDiff>,
    pub catalog: Option<CatalogDiff>,
    pub safety: Option<SafetyDiff>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RootDiff {
    pub from_version: Option<u64>,
    pub to_version: u64,
    pub expires: i64,
    pub editors_added: Vec<String>,
    pub editors_removed: Vec<String>,
    pub editors_threshold: (Option<u32>, u32),
    pub safety_keys_added: Vec<String>,
    pub safety_keys_removed: Vec<String>,
    pub safety_threshold: (Option<u32>, u32),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogDiff {
    pub from_version: Option<u64>,
    pub to_version: u64,
    pub expires: i64,
    /// Every language of either catalog, in order.
    pub languages: Vec<LanguageDiff>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LanguageDiff {
    pub language: String,
    pub added: Vec<ModuleSummary>,
    pub removed: Vec<ModuleSummary>,
    pub changed: Vec<ModuleChange>,
    pub unchanged: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleSummary {
    pub id: String,
    pub title: String,
    pub version: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleChange {
    pub id: String,
    pub title: String,
    pub from_version: u32,
    pub to_version: u32,
    /// The compiled module differs (its words, quizzes, images' places...).
    pub text_changed: bool,
    /// The former title, when it changed.
    pub old_title: Option<String>,
    pub topics_changed: bool,
    pub assets_added: Vec<String>,
    pub assets_removed: Vec<String>,
    /// Same name, other bytes.
    pub assets_changed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SafetyDiff {
    pub from_version: Option<u64>,
    pub to_version: u64,
    pub expires: i64,
    pub sites_added: Vec<String>,
    pub sites_removed: Vec<String>,
    pub sites_changed: Vec<FieldsChanged>,
    pub teams_added: Vec<String>,
    pub teams_removed: Vec<String>,
    pub teams_changed: Vec<FieldsChanged>,
    /// Teams whose public key changed (reports will be sealed to another key).
    pub team_keys_changed: Vec<String>,
    pub programme_key_changed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldsChanged {
    pub id: String,
    pub fields: Vec<String>,
}

/// Compares the staged files with the published ones.
pub fn diff(repo: &Path) -> Result<ContentDiff> {
    let layout = Layout::existing(repo)?;
    let staged = layout.load_staged()?;
    if staged.is_empty() {
        return Err(nothing_staged());
    }
    let published_root = layout.published_root()?.map(|file| file.value);
    let mut result = ContentDiff::default();
    if let Some(file) = &staged.root {
        result.root = Some(diff_root(published_root.as_ref(), &file.value));
    }
    if let Some(file) = &staged.catalog {
        let published = layout
            .published_file::<Catalog>(MetadataKind::Catalog)?
            .map(|file| file.value);
        result.catalog = Some(diff_catalog(published.as_ref(), &file.value));
    }
    if let Some(file) = &staged.safety {
        let published = layout
            .published_file::<Safety>(MetadataKind::Safety)?
            .map(|file| file.value);
        result.safety = Some(diff_safety(published.as_ref(), &file.value));
    }
    Ok(result)
}

fn diff_root(old: Option<&Root>, new: &Root) -> RootDiff {
    // In the order the role lists its keys (the order the editors gave them).
    let labels = |root: &Root, role: &RoleKeys| -> Vec<(String, String)> {
        role.keyids
            .iter()
            .map(|keyid| {
                let holder = root.keys.get(keyid).map_or("", |key| key.holder.as_str());
                (keyid.clone(), key_label(keyid, holder))
            })
            .collect()
    };
    let (old_editors, old_safety) = match old {
        Some(old) => (labels(old, &old.roles.editors), labels(old, &old.roles.safety)),
        None => (Vec::new(), Vec::new()),
    };
    let new_editors = labels(new, &new.roles.editors);
    let new_safety = labels(new, &new.roles.safety);
    let only = |a: &[(String, String)], b: &[(String, String)]| {
        a.iter()
            .filter(|(keyid, _)| !b.iter().any(|(other, _)| other == keyid))
            .map(|(_, label)| label.clone())
            .collect::<Vec<_>>()
    };
    RootDiff {
        from_version: old.map(|root| root.version),
        to_version: new.version,
        expires: new.expires,
        editors_added: only(&new_editors, &old_editors),
        editors_removed: only(&old_editors, &new_editors),
        editors_threshold: (
            old.map(|root| root.roles.editors.threshold),
            new.roles.editors.threshold,
        ),
        safety_keys_added: only(&new_safety, &old_safety),
        safety_keys_removed: only(&old_safety, &new_safety),
        safety_threshold: (old.map(|root| root.roles.safety.threshold), new.roles.safety.threshold),
    }
}

fn diff_catalog(old: Option<&Catalog>, new: &Catalog) -> CatalogDiff {
    let index = |catalog: Option<&Catalog>| -> BTreeMap<(String, String), CatalogModule> {
        catalog
            .map(|catalog| {
                catalog
                    .modules
                    .iter()
                    .map(|module| ((module.language.clone(), module.id.clone()), module.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let before = index(old);
    let after = index(Some(new));
    let languages: BTreeSet<String> = before
        .keys()
        .chain(after.keys())
        .map(|(language, _)| language.clone())
        .collect();
    let summary = |module: &CatalogModule| ModuleSummary {
        id: module.id.clone(),
        title: module.title.clone(),
        version: module.version,
    };
    let mut result = Vec::new();
    for language in languages {
        let mut diff = LanguageDiff {
            language: language.clone(),
            added: Vec::new(),
            removed: Vec::new(),
            changed: Vec::new(),
            unchanged: 0,
        };
        for ((module_language, id), module) in &after {
            if *module_language != language {
                continue;
            }
            match before.get(&(language.clone(), id.clone())) {
                None => diff.added.push(summary(module)),
                Some(previous) if previous == module => diff.unchanged += 1,
                Some(previous) => diff.changed.push(module_change(previous, module)),
            }
        }
        for ((module_language, id), module) in &before {
            if *module_language == language && !after.contains_key(&(language.clone(), id.clone())) {
                diff.removed.push(summary(module));
            }
        }
        result.push(diff);
    }
    CatalogDiff {
        from_version: old.map(|catalog| catalog.version),
        to_version: new.version,
        expires: new.expires,
        languages: result,
    }
}

fn module_change(old: &CatalogModule, new: &CatalogModule) -> ModuleChange {
    let assets = |module: &CatalogModule| -> BTreeMap<String, String> {
        module
            .assets
            .iter()
            .map(|asset| (asset.name.clone(), asset.file.sha256.clone()))
            .collect()
    };
    let (before, after) = (assets(old), assets(new));
    ModuleChange {
        id: new.id.clone(),
        title: new.title.clone(),
        from_version: old.version,
        to_version: new.version,
        text_changed: old.file.sha256 != new.file.sha256,
        old_title: (old.title != new.title).then(|| old.title.clone()),
        topics_changed: old.topics != new.topics,
        assets_added: after
            .keys()
            .filter(|name| !before.contains_key(*name))
            .cloned()
            .collect(),
        assets_removed: before
            .keys()
            .filter(|name| !after.contains_key(*name))
            .cloned()
            .collect(),
        assets_changed: after
            .iter()
            .filter(|(name, sha)| before.get(*name).is_some_and(|old| old != *sha))
            .map(|(name, _)| name.clone())
            .collect(),
    }
}

fn diff_safety(old: Option<&Safety>, new: &Safety) -> SafetyDiff {
    let sites_before: BTreeMap<&str, &Site> = old
        .map(|safety| safety.sites.iter().map(|site| (site.id.as_str(), site)).collect())
        .unwrap_or_default();
    let sites_after: BTreeMap<&str, &Site> = new.sites.iter().map(|site| (site.id.as_str(), site)).collect();
    let teams_before: BTreeMap<&str, &ResponseTeam> = old
        .map(|safety| safety.teams.iter().map(|team| (team.id.as_str(), team)).collect())
        .unwrap_or_default();
    let teams_after: BTreeMap<&str, &ResponseTeam> = new.teams.iter().map(|team| (team.id.as_str(), team)).collect();
    let site_fields = |a: &Site, b: &Site| {
        let mut fields = Vec::new();
        for (name, changed) in [
            ("name", a.name != b.name),
            ("place", a.place != b.place),
            ("country", a.country != b.country),
            ("opening hours", a.opening_hours != b.opening_hours),
            ("phone", a.phone != b.phone),
            ("offers PEP", a.offers_pep != b.offers_pep),
        ] {
            if changed {
                fields.push(name.to_string());
            }
        }
        fields
    };
    let team_fields = |a: &ResponseTeam, b: &ResponseTeam| {
        let mut fields = Vec::new();
        for (name, changed) in [
            ("name", a.name != b.name),
            ("sites", a.sites != b.sites),
            ("key", a.key != b.key),
            ("emergency numbers", a.emergency_numbers != b.emergency_numbers),
        ] {
            if changed {
                fields.push(name.to_string());
            }
        }
        fields
    };
    SafetyDiff {
        from_version: old.map(|safety| safety.version),
        to_version: new.version,
        expires: new.expires,
        sites_added: added_ids(&sites_after, &sites_before),
        sites_removed: added_ids(&sites_before, &sites_after),
        sites_changed: sites_after
            .iter()
            .filter_map(|(id, site)| {
                let fields = site_fields(sites_before.get(id)?, site);
                (!fields.is_empty()).then(|| FieldsChanged {
                    id: id.to_string(),
                    fields,
                })
            })
            .collect(),
        teams_added: added_ids(&teams_after, &teams_before),
        teams_removed: added_ids(&teams_before, &teams_after),
        teams_changed: teams_after
            .iter()
            .filter_map(|(id, team)| {
                let fields = team_fields(teams_before.get(id)?, team);
                (!fields.is_empty()).then(|| FieldsChanged {
                    id: id.to_string(),
                    fields,
                })
            })
            .collect(),
        team_keys_changed: teams_after
            .iter()
            .filter(|(id, team)| teams_before.get(*id).is_some_and(|old| old.key != team.key))
            .map(|(id, _)| id.to_string())
            .collect(),
        programme_key_changed: old.is_some_and(|old| old.programme_key != new.programme_key),
    }
}

fn added_ids<T>(after: &BTreeMap<&str, T>, before: &BTreeMap<&str, T>) -> Vec<String> {
    after
        .keys()
        .filter(|id| !before.contains_key(*id))
        .map(|id| id.to_string())
        .collect()
}

impl ContentDiff {
    /// The changes in sentences an editor reads, one per line.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let version = |from: Option<u64>, to: u64| match from {
            Some(from) => format!("version {from} → {to}"),
            None => format!("version {to} (first)"),
        };
        if let Some(root) = &self.root {
            lines.push(format!(
                "Root: {}, expires {}",
                version(root.from_version, root.to_version),
                date(root.expires)
            ));
            push_list(&mut lines, "editors added", &root.editors_added);
            push_list(&mut lines, "editors removed", &root.editors_removed);
            push_threshold(&mut lines, "editors' threshold", root.editors_threshold);
            push_list(&mut lines, "safety keys added", &root.safety_keys_added);
            push_list(&mut lines, "safety keys removed", &root.safety_keys_removed);
            push_threshold(&mut lines, "safety threshold", root.safety_threshold);
            if root.from_version.is_some()
                && root.editors_added.is_empty()
                && root.editors_removed.is_empty()
                && root.safety_keys_added.is_empty()
                && root.safety_keys_removed.is_empty()
                && root.editors_threshold.0 == Some(root.editors_threshold.1)
                && root.safety_threshold.0 == Some(root.safety_threshold.1)
            {
                lines.push("  the same keys and thresholds (a renewal)".into());
            }
        }
        if let Some(catalog) = &self.catalog {
            lines.push(format!(
                "Catalog: {}, expires {}",
                version(catalog.from_version, catalog.to_version),
                date(catalog.expires)
            ));
            let mut any = false;
            for language in &catalog.languages {
                if language.added.is_empty() && language.removed.is_empty() && language.changed.is_empty() {
                    lines.push(format!(
                        "  {}: no change ({} {})",
                        language.language,
                        language.unchanged,
                        if language.unchanged == 1 { "module" } else { "modules" }
                    ));
                    continue;
                }
                any = true;
                lines.push(format!("  {}:", language.language));
                for module in &language.added {
                    lines.push(format!(
                        "    added: \"{}\" ({}, version {})",
                        module.title, module.id, module.version
                    ));
                }
                for module in &language.removed {
                    lines.push(format!(
                        "    removed: \"{}\" ({}, version {})",
                        module.title, module.id, module.version
                    ));
                }
                for change in &language.changed {
                    lines.push(format!(
                        "    changed: \"{}\" ({}): {}",
                        change.title,
                        change.id,
                        change.describe()
                    ));
                    if change.text_changed && change.from_version == change.to_version {
                        lines.push(format!(
                            "    warning: \"{}\" ({}) changed but its version is still {}: raise it so readers see it is new",
                            change.title, change.id, change.to_version
                        ));
                    }
                }
                if language.unchanged > 0 {
                    lines.push(format!("    {} other modules unchanged", language.unchanged));
                }
            }
            if !any && catalog.from_version.is_some() {
                lines.push("  no module changed (a renewal)".into());
            }
        }
        if let Some(safety) = &self.safety {
            lines.push(format!(
                "Safety document: {}, expires {}",
                version(safety.from_version, safety.to_version),
                date(safety.expires)
            ));
            push_list(&mut lines, "sites added", &safety.sites_added);
            push_list(&mut lines, "sites removed", &safety.sites_removed);
            for site in &safety.sites_changed {
                lines.push(format!("  site {} changed: {}", site.id, site.fields.join(", ")));
            }
            push_list(&mut lines, "teams added", &safety.teams_added);
            push_list(&mut lines, "teams removed", &safety.teams_removed);
            for team in &safety.teams_changed {
                lines.push(format!("  team {} changed: {}", team.id, team.fields.join(", ")));
            }
            push_list(
                &mut lines,
                "teams whose key changed (reports will be sealed to the new key)",
                &safety.team_keys_changed,
            );
            if safety.programme_key_changed {
                lines.push("  the programme key changed (reports without a team go to the new key)".into());
            }
        }
        lines
    }
}

impl ModuleChange {
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.from_version != self.to_version {
            parts.push(format!("version {} → {}", self.from_version, self.to_version));
        }
        if self.text_changed {
            parts.push("text changed".to_string());
        }
        if let Some(old) = &self.old_title {
            parts.push(format!("title was \"{old}\""));
        }
        if self.topics_changed {
            parts.push("topics changed".to_string());
        }
        if !self.assets_added.is_empty() {
            parts.push(format!("assets added: {}", self.assets_added.join(", ")));
        }
        if !self.assets_removed.is_empty() {
            parts.push(format!("assets removed: {}", self.assets_removed.join(", ")));
        }
        if !self.assets_changed.is_empty() {
            parts.push(format!("assets replaced: {}", self.assets_changed.join(", ")));
        }
        if parts.is_empty() {
            parts.push("catalog entry changed".to_string());
        }
        parts.join("; ")
    }
}

fn push_list(lines: &mut Vec<String>, label: &str, items: &[String]) {
    if !items.is_empty() {
        lines.push(format!("  {label}: {}", items.join(", ")));
    }
}

fn push_threshold(lines: &mut Vec<String>, label: &str, (from, to): (Option<u32>, u32)) {
    match from {
        Some(from) if from != to => lines.push(format!("  {label}: {from} → {to}")),
        None => lines.push(format!("  {label}: {to}")),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// The repository on disk

fn not_a_repository(repo: &Path) -> Error {
    Error::invalid(
        "repository",
        format!(
            "{} is not a content repository (run `content init-repo` first)",
            repo.display()
        ),
    )
}

fn nothing_staged() -> Error {
    Error::invalid(
        "repository",
        "nothing is staged: run `content build`, `content renew` or `content root rotate` first",
    )
}

struct Layout {
    dir: PathBuf,
}

/// A metadata file as read from disk: its exact bytes, its envelope and its parsed payload.
struct MetadataFile<T> {
    bytes: Vec<u8>,
    envelope: Envelope,
    value: T,
    version: u64,
}

trait Versioned {
    fn version(&self) -> u64;
}

/// A document `renew` can give a new version, signing time and expiry.
trait Renewable: Versioned + Serialize {
    const KIND: MetadataKind;
    fn restamp(&mut self, version: u64, signed_at: i64, expires: i64);
}

/// The next version of `next`, signed at `signed_at` and valid for `days`: its unsigned
/// envelope goes to `writes`, its expiry to `expires`; returns the new version.
fn renewed<T: Renewable>(
    mut next: T,
    signed_at: i64,
    days: u32,
    expires: &mut BTreeMap<MetadataKind, i64>,
    writes: &mut Vec<(MetadataKind, Envelope)>,
) -> Result<u64> {
    let version = next_version(next.version())?;
    let until = expiry(signed_at, days)?;
    next.restamp(version, signed_at, until);
    expires.insert(T::KIND, until);
    writes.push((T::KIND, unsigned(&next)?));
    Ok(version)
}

macro_rules! metadata_document {
    ($($type:ty => $kind:ident),*) => {$(
        impl Versioned for $type {
            fn version(&self) -> u64 {
                self.version
            }
        }

        impl Renewable for $type {
            const KIND: MetadataKind = MetadataKind::$kind;

            fn restamp(&mut self, version: u64, signed_at: i64, expires: i64) {
                self.version = version;
                self.signed_at = signed_at;
                self.expires = expires;
            }
        }
    )*};
}

metadata_document!(Root => Root, Catalog => Catalog, Safety => Safety);

struct Staged {
    root: Option<MetadataFile<Root>>,
    catalog: Option<MetadataFile<Catalog>>,
    safety: Option<MetadataFile<Safety>>,
}

impl Staged {
    fn is_empty(&self) -> bool {
        self.root.is_none() && self.catalog.is_none() && self.safety.is_none()
    }

    fn iter(&self) -> Vec<(MetadataKind, &Envelope, u64)> {
        let mut files = Vec::new();
        if let Some(file) = &self.root {
            files.push((MetadataKind::Root, &file.envelope, file.version));
        }
        if let Some(file) = &self.catalog {
            files.push((MetadataKind::Catalog, &file.envelope, file.version));
        }
        if let Some(file) = &self.safety {
            files.push((MetadataKind::Safety, &file.envelope, file.version));
        }
        files
    }

    /// Who must sign the staged file of `kind` before it can be published.
    fn requirements(&self, kind: MetadataKind, published_root: Option<&Root>) -> Result<Vec<Requirement>> {
        let new_root = self.root.as_ref().map(|file| &file.value);
        let Some(in_force) = new_root.or(published_root) else {
            return Err(Error::invalid(
                "repository",
                "no root is published or staged: run `content init-repo` first",
            ));
        };
        Ok(match kind {
            MetadataKind::Root => {
                let mut requirements = Vec::new();
                if let Some(old) = published_root {
                    requirements.push(Requirement::of(
                        format!("the editors of root version {}", old.version),
                        old,
                        &old.roles.editors,
                    ));
                }
                requirements.push(Requirement::of(
                    format!("the editors of root version {}", in_force.version),
                    in_force,
                    &in_force.roles.editors,
                ));
                if let Some(old) = published_root.filter(|old| safety_role_changes(old, in_force)) {
                    requirements.push(Requirement::of(
                        format!("the safety keys of root version {}", old.version),
                        old,
                        &old.roles.safety,
                    ));
                    requirements.push(Requirement::of(
                        format!("the safety keys of root version {}", in_force.version),
                        in_force,
                        &in_force.roles.safety,
                    ));
                }
                requirements
            }
            MetadataKind::Catalog => vec![Requirement::of("the editors".into(), in_force, &in_force.roles.editors)],
            MetadataKind::Safety => vec![Requirement::of(
                "the safety role".into(),
                in_force,
                &in_force.roles.safety,
            )],
        })
    }
}

impl Layout {
    fn new(dir: &Path) -> Layout {
        Layout { dir: dir.to_path_buf() }
    }

    fn existing(dir: &Path) -> Result<Layout> {
        if !dir.is_dir() {
            return Err(not_a_repository(dir));
        }
        Ok(Layout::new(dir))
    }

    fn staged_dir(&self) -> PathBuf {
        self.dir.join(STAGED_DIR)
    }

    fn staged(&self, kind: MetadataKind) -> PathBuf {
        self.staged_dir().join(staged_name(kind))
    }

    fn published(&self, kind: MetadataKind) -> PathBuf {
        self.dir.join(staged_name(kind))
    }

    fn staged_files(&self) -> PathBuf {
        self.staged_dir().join(FILES_DIR)
    }

    fn files(&self) -> PathBuf {
        self.dir.join(FILES_DIR)
    }

    fn read<T: DeserializeOwned + Versioned>(
        &self,
        path: &Path,
        kind: MetadataKind,
    ) -> Result<Option<MetadataFile<T>>> {
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        let damaged = |why: &str| Error::invalid("repository", format!("{}: {why}", path.display()));
        let envelope = open_envelope(kind, &bytes).map_err(|error| match error {
            Error::ContentRejected(reason) => damaged(&reason),
            other => other,
        })?;
        let value: T = serde_json::from_slice(&envelope.payload)
            .map_err(|_| damaged(&format!("the signed content is not a {}", kind.name())))?;
        Ok(Some(MetadataFile {
            version: value.version(),
            bytes,
            envelope,
            value,
        }))
    }

    fn staged_file<T: DeserializeOwned + Versioned>(&self, kind: MetadataKind) -> Result<Option<MetadataFile<T>>> {
        self.read(&self.staged(kind), kind)
    }

    fn published_file<T: DeserializeOwned + Versioned>(&self, kind: MetadataKind) -> Result<Option<MetadataFile<T>>> {
        self.read(&self.published(kind), kind)
    }

    /// The published root, checked against its own editors' threshold (as a phone pinning it).
    fn published_root(&self) -> Result<Option<MetadataFile<Root>>> {
        let Some(file) = self.published_file::<Root>(MetadataKind::Root)? else {
            return Ok(None);
        };
        verify_initial_root(&file.bytes).map_err(|error| match error {
            Error::ContentRejected(reason) => {
                Error::invalid("repository", format!("the published root.json is not valid: {reason}"))
            }
            other => other,
        })?;
        Ok(Some(file))
    }

    fn load_staged(&self) -> Result<Staged> {
        Ok(Staged {
            root: self.staged_file(MetadataKind::Root)?,
            catalog: self.staged_file(MetadataKind::Catalog)?,
            safety: self.staged_file(MetadataKind::Safety)?,
        })
    }

    fn write_staged(&self, kind: MetadataKind, envelope: &Envelope) -> Result<()> {
        let mut bytes = serde_json::to_vec_pretty(envelope).map_err(|error| Error::Internal(error.to_string()))?;
        bytes.push(b'\n');
        if bytes.len() > kind.max_len() {
            return Err(Error::invalid(
                "repository",
                format!(
                    "{} would be {} bytes, more than the {} a phone accepts",
                    kind.describe(),
                    bytes.len(),
                    kind.max_len()
                ),
            ));
        }
        fs::create_dir_all(self.staged_dir())?;
        write_public_atomically(&self.staged(kind), &bytes)
    }

    /// Stores `bytes` as `staged/files/<sha256>` unless the repository has that file already.
    fn stage_bytes(&self, bytes: &[u8], stats: &mut CopyStats) -> Result<FileRef> {
        let sha256 = hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes));
        let file = FileRef {
            sha256: sha256.clone(),
            length: bytes.len() as u64,
        };
        if !self.has_file(&file) {
            write_public_atomically(&self.staged_files().join(&sha256), bytes)?;
            stats.files += 1;
            stats.bytes += file.length;
        }
        Ok(file)
    }

    /// Copies `source` into `staged/files/<sha256>` while hashing it (never holding it whole).
    fn stage_file(&self, source: &Path, stats: &mut CopyStats, progress: &dyn Progress) -> Result<FileRef> {
        let incoming = self.staged_files().join(format!(
            ".incoming-{}",
            hex::encode(crate::secret::random_array::<8>()?)
        ));
        let outcome = (|| -> Result<FileRef> {
            let mut input = File::open(source)
                .map_err(|_| Error::invalid("source", format!("{} cannot be read", source.display())))?;
            let mut output = public_file_options().open(&incoming)?;
            let mut context = ring::digest::Context::new(&ring::digest::SHA256);
            let mut buffer = vec![0u8; COPY_BUFFER_LEN];
            let mut length = 0u64;
            loop {
                let read = input.read(&mut buffer)?;
                if read == 0 {
                    break;
                }
                length += read as u64;
                if length > MAX_ASSET_LEN {
                    return Err(Error::invalid(
                        "source",
                        format!("{} is larger than {MAX_ASSET_LEN} bytes", source.display()),
                    ));
                }
                context.update(&buffer[..read]);
                output.write_all(&buffer[..read])?;
                progress.advance(read as u64);
            }
            output.sync_all()?;
            Ok(FileRef {
                sha256: hex::encode(context.finish()),
                length,
            })
        })();
        let file = match outcome {
            Ok(file) => file,
            Err(error) => {
                let _ = fs::remove_file(&incoming);
                return Err(error);
            }
        };
        if self.has_file(&file) {
            fs::remove_file(&incoming)?;
        } else {
            fs::rename(&incoming, self.staged_files().join(&file.sha256))?;
            stats.files += 1;
            stats.bytes += file.length;
        }
        Ok(file)
    }

    /// Whether the file is already published or staged with the right length (its hash is
    /// checked again by `publish`).
    fn has_file(&self, file: &FileRef) -> bool {
        [self.files(), self.staged_files()].iter().any(|dir| {
            fs::metadata(dir.join(&file.sha256))
                .is_ok_and(|metadata| metadata.is_file() && metadata.len() == file.length)
        })
    }
}

/// Files of a repository are served by a web server: readable by all (0644), unlike the
/// private files of `crate::files`.
fn public_file_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o644);
    }
    options
}

/// Replaces `path` with `bytes` so that a crash leaves the old or the new file, never a part:
/// write a temporary file beside it, flush it, rename it over, flush the directory.
fn write_public_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|name| name.to_str()).unwrap_or("file");
    let temporary = dir.join(format!(".{name}.new"));
    let outcome = (|| -> Result<()> {
        let mut file = public_file_options().open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temporary, path)?;
        sync_dir(dir)
    })();
    if outcome.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    outcome
}
