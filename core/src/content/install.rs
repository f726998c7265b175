//! Updating the device's content from a repository: walk the root forward, verify the catalog
//! and the safety document, download only the files whose hash the device does not hold (into
//! encrypted staging, resumable), check each against its signed length and hash, then install
//! everything in one transaction. Any failure leaves the installed content as it was.
//!
//! Time: expiry is judged against the later of the device clock and the newest signing time this
//! device has verified, so a phone whose clock was set back cannot be fed expired metadata. A
//! phone whose clock is far ahead refuses the update (everything looks expired) but keeps and
//! shows its last good content: health information is never removed because of a clock.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::params;

use super::metadata::{self, Catalog, Root, Safety};
use super::model::{Block, Module, MAX_MODULE_JSON_LEN};
use super::signing::MetadataKind;
use super::store::{self, ContentStore, StagingSink};
use super::verify::{self, MetadataCheck};
use crate::error::{Error, Result};
use crate::sync::HubClient;
use crate::vault::Vault;

/// The most root versions one update walks (a guard against a server that never ends).
const MAX_ROOT_STEPS: u64 = 1024;

/// What an update would do, found by reading only the (small) metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdatePlan {
    pub installed_version: Option<u64>,
    pub offered_version: u64,
    pub up_to_date: bool,
    /// Bytes still to download (what is already staged from an interrupted update is not counted).
    pub bytes_to_download: u64,
    pub files_to_download: u32,
    pub modules_added: u32,
    pub modules_changed: u32,
    pub modules_removed: u32,
    pub root_version: u64,
    /// Metadata this check downloaded (an update fetches it again).
    pub metadata_bytes: u64,
}

/// What an update did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateOutcome {
    pub version: u64,
    pub up_to_date: bool,
    /// Modules added or changed.
    pub modules_installed: u32,
    pub modules_removed: u32,
    /// Bytes of module and asset files downloaded.
    pub bytes_downloaded: u64,
    /// Bytes of metadata downloaded (roots, catalog, safety document).
    pub metadata_bytes: u64,
    pub root_version: u64,
}

/// One update at a time per data directory (across processes): two would stage the same file
/// at once.
struct UpdateLock(std::fs::File);

impl UpdateLock {
    fn take(vault: &Vault) -> Result<UpdateLock> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(vault.dir().join(LOCK_FILE))?;
        match file.try_lock() {
            Ok(()) => Ok(UpdateLock(file)),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::invalid(
                "content",
                "another content update is running on this device; try again when it has finished",
            )),
            Err(std::fs::TryLockError::Error(error)) => Err(error.into()),
        }
    }
}

impl Drop for UpdateLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

/// The lock file of [`UpdateLock`] (empty; removed with the data directory).
pub const LOCK_FILE: &str = "content.lock";

/// Pins the repository's root on this device (phones ship it inside the app). A device that
/// already trusts a root keeps it (rotation happens through updates); the same bytes again are
/// accepted. Returns the root's version.
pub fn trust_root(vault: &Vault, root_bytes: &[u8]) -> Result<u64> {
    let root = verify::verify_initial_root(root_bytes)?;
    let store = vault.content_store()?;
    match store.trusted(store::ROOT)? {
        Some(existing) if existing == root_bytes => Ok(root.version),
        Some(existing) => {
            // The app passes its shipped root at every start: once rotations have moved the
            // device past it, that is not an error, and nothing changes.
            let trusted = verify::verify_initial_root(&existing)?;
            if root.version < trusted.version {
                Ok(trusted.version)
            } else {
                Err(Error::ContentRejected(
                    "this device already trusts another content root; it changes only through signed rotations".into(),
                ))
            }
        }
        None => {
            store.connection().execute(
                "INSERT INTO trusted (name, bytes) VALUES (?1, ?2)",
                params![store::ROOT, root_bytes],
            )?;
            Ok(root.version)
        }
    }
}

/// The metadata an update would install, verified.
struct Fetched {
    root: Root,
    /// Roots newer than the trusted one, in order, with their bytes.
    new_roots: Vec<Vec<u8>>,
    catalog: Catalog,
    catalog_bytes: Vec<u8>,
    catalog_changed: bool,
    safety: Option<(Safety, Vec<u8>, bool)>,
    installed_catalog: Option<Catalog>,
    newest_signing_time: i64,
    /// Bytes of metadata fetched (roots, catalog, safety document).
    metadata_bytes: u64,
}

async fn fetch_metadata(vault: &Vault, store: &ContentStore, client: &HubClient) -> Result<Fetched> {
    let trusted = store.trusted(store::ROOT)?.ok_or_else(|| {
        Error::invalid(
            "content",
            "no content root is trusted on this device (content trust ROOT)",
        )
    })?;
    let mut root = verify::verify_initial_root(&trusted)?;
    let mut new_roots = Vec::new();
    let mut metadata_bytes = 0u64;
    for _ in 0..MAX_ROOT_STEPS {
        let Some(next_version) = root.version.checked_add(1) else {
            break;
        };
        let path = format!("{}/{}.json", metadata::ROOT_DIR, next_version);
        let Some(bytes) = client.get_capped(&path, metadata::MAX_ROOT_LEN).await? else {
            break;
        };
        metadata_bytes += bytes.len() as u64;
        root = verify::verify_next_root(&root, &bytes)?;
        new_roots.push(bytes);
    }
    let mut newest = store.state(store::NEWEST_SIGNING_TIME)?.max(root.signed_at);
    let trusted_now = verify::trusted_time(vault.clock_now_unix(), newest);

    let installed_catalog_bytes = store.trusted(store::CATALOG)?;
    let installed_catalog = installed_catalog_bytes
        .as_deref()
        .map(parse_installed::<Catalog>)
        .transpose()?;
    let catalog_bytes = client
        .get_capped(metadata::CATALOG_FILE, metadata::MAX_CATALOG_LEN)
        .await?
        .ok_or_else(|| Error::ContentRejected("the repository has no catalog".into()))?;
    metadata_bytes += catalog_bytes.len() as u64;
    // After a rotation, what is installed must still be signed by the new root's keys to set the
    // version floor: a catalog signed by keys the programme revoked (perhaps stolen, with an
    // absurd version) must not block every honest catalog after it.
    let still_signed = |bytes: &[u8], kind: MetadataKind, role: &metadata::RoleKeys| {
        verify::open_envelope(kind, bytes)
            .map(|envelope| verify::valid_signers(&root.keys, role, kind, &envelope).len() as u32 >= role.threshold)
            .unwrap_or(false)
    };
    let catalog_floor = installed_catalog_bytes
        .as_deref()
        .filter(|bytes| new_roots.is_empty() || still_signed(bytes, MetadataKind::Catalog, &root.roles.editors));
    let installed = installed_catalog.as_ref().zip(catalog_floor);
    let (catalog, catalog_changed) = match verify::verify_catalog(&root, &catalog_bytes, trusted_now, installed)? {
        MetadataCheck::Newer(catalog) => (catalog, true),
        MetadataCheck::Unchanged => (
            installed_catalog
                .clone()
                .ok_or_else(|| Error::Internal("an unchanged catalog that is not installed".into()))?,
            false,
        ),
    };
    newest = newest.max(catalog.signed_at);

    let installed_safety_bytes = store.trusted(store::SAFETY)?;
    let installed_safety = installed_safety_bytes
        .as_deref()
        .map(parse_installed::<Safety>)
        .transpose()?;
    let safety = match client
        .get_capped(metadata::SAFETY_FILE, metadata::MAX_SAFETY_LEN)
        .await?
    {
        // Withholding the safety document (to keep phones on old team keys) is refused.
        None if installed_safety.is_some() => {
            return Err(Error::ContentRejected(
                "the repository no longer offers its safety document (sites and team keys)".into(),
            ))
        }
        None => None,
        Some(bytes) => {
            metadata_bytes += bytes.len() as u64;
            let safety_floor = installed_safety_bytes
                .as_deref()
                .filter(|bytes| new_roots.is_empty() || still_signed(bytes, MetadataKind::Safety, &root.roles.safety));
            let installed = installed_safety.as_ref().zip(safety_floor);
            match verify::verify_safety(&root, &bytes, trusted_now, installed)? {
                MetadataCheck::Newer(safety) => {
                    newest = newest.max(safety.signed_at);
                    Some((safety, bytes, true))
                }
                MetadataCheck::Unchanged => None,
            }
        }
    };
    Ok(Fetched {
        root,
        new_roots,
        catalog,
        catalog_bytes,
        catalog_changed,
        safety,
        installed_catalog,
        newest_signing_time: newest,
        metadata_bytes,
    })
}

/// Installed metadata was verified when it was installed; it is read back from the encrypted
/// store, so only its payload is parsed again.
fn parse_installed<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    let envelope: metadata::Envelope = serde_json::from_slice(bytes).map_err(|_| Error::DatabaseDamaged)?;
    serde_json::from_slice(&envelope.payload).map_err(|_| Error::DatabaseDamaged)
}

/// Every file the catalog pins: (sha256, length).
fn pinned_files(catalog: &Catalog) -> BTreeMap<String, u64> {
    let mut files = BTreeMap::new();
    for module in &catalog.modules {
        files.insert(module.file.sha256.clone(), module.file.length);
        for asset in &module.assets {
            files.insert(asset.file.sha256.clone(), asset.file.length);
        }
    }
    files
}

fn module_changes(installed: Option<&Catalog>, offered: &Catalog) -> (u32, u32, u32) {
    let key = |module: &metadata::CatalogModule| (module.id.clone(), module.language.clone());
    let before: BTreeMap<_, _> = installed
        .map(|catalog| catalog.modules.iter().map(|module| (key(module), module)).collect())
        .unwrap_or_default();
    let after: BTreeMap<_, _> = offered.modules.iter().map(|module| (key(module), module)).collect();
    let added = after.keys().filter(|key| !before.contains_key(*key)).count() as u32;
    let removed = before.keys().filter(|key| !after.contains_key(*key)).count() as u32;
    let changed = after
        .iter()
        .filter(|(key, module)| before.get(*key).is_some_and(|old| *old != **module))
        .count() as u32;
    (added, changed, removed)
}

/// What is missing locally: (sha256, length, bytes already staged).
fn missing_files(store: &ContentStore, catalog: &Catalog) -> Result<Vec<(String, u64, u64)>> {
    let mut missing = Vec::new();
    for (sha256, length) in pinned_files(catalog) {
        if store.has_file(&sha256)? {
            continue;
        }
        let held = match store.staged(&sha256)? {
            Some((_, true)) => continue,
            Some((received, false)) => received.min(length),
            None => 0,
        };
        missing.push((sha256, length, held));
    }
    Ok(missing)
}

/// The files to download and the module changes (added, changed, removed) an update brings.
type Changes = (Vec<(String, u64, u64)>, (u32, u32, u32));

fn what_changes(store: &ContentStore, fetched: &Fetched) -> Result<Changes> {
    if !fetched.catalog_changed {
        return Ok((Vec::new(), (0, 0, 0)));
    }
    Ok((
        missing_files(store, &fetched.catalog)?,
        module_changes(fetched.installed_catalog.as_ref(), &fetched.catalog),
    ))
}

/// Says what an update would download, reading only the metadata.
pub async fn check(vault: &Vault, client: &HubClient) -> Result<UpdatePlan> {
    let store = vault.content_store()?;
    let fetched = fetch_metadata(vault, &store, client).await?;
    let (missing, (added, changed, removed)) = what_changes(&store, &fetched)?;
    Ok(UpdatePlan {
        installed_version: fetched.installed_catalog.as_ref().map(|catalog| catalog.version),
        offered_version: fetched.catalog.version,
        up_to_date: !fetched.catalog_changed && fetched.safety.is_none() && fetched.new_roots.is_empty(),
        bytes_to_download: missing.iter().map(|(_, length, held)| length - held).sum(),
        files_to_download: missing.len() as u32,
        modules_added: added,
        modules_changed: changed,
        modules_removed: removed,
        root_version: fetched.root.version,
        metadata_bytes: fetched.metadata_bytes,
    })
}

/// Downloads, verifies and installs the repository's newest content. `progress(done, total)` is
/// called with bytes as they arrive.
pub async fn update(
    vault: &Vault,
    client: &HubClient,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<UpdateOutcome> {
    let _only_one = UpdateLock::take(vault)?;
    let store = vault.content_store()?;
    let fetched = fetch_metadata(vault, &store, client).await?;
    let (missing, (added, changed, removed)) = what_changes(&store, &fetched)?;
    let total: u64 = missing.iter().map(|(_, length, held)| length - held).sum();
    let mut downloaded = 0u64;
    progress(0, total);
    for (sha256, length, _) in &missing {
        let received = download_one(&store, client, sha256, *length, downloaded, total, progress).await?;
        downloaded += received;
    }
    let up_to_date = !fetched.catalog_changed && fetched.safety.is_none() && fetched.new_roots.is_empty();
    if !up_to_date {
        install(&store, &fetched)?;
    }
    Ok(UpdateOutcome {
        version: fetched.catalog.version,
        up_to_date,
        modules_installed: added + changed,
        modules_removed: removed,
        bytes_downloaded: downloaded,
        metadata_bytes: fetched.metadata_bytes,
        root_version: fetched.root.version,
    })
}

/// Downloads one file into staging (resuming what an earlier attempt left) and checks it against
/// its signed length and hash. Returns the bytes received now.
async fn download_one(
    store: &ContentStore,
    client: &HubClient,
    sha256: &str,
    length: u64,
    done_before: u64,
    total: u64,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<u64> {
    // A file staged whole by an interrupted update (killed before it was checked): check it now
    // rather than download it again.
    if store
        .staged(sha256)?
        .is_some_and(|(received, verified)| !verified && received == length)
    {
        let (digest, actual_length) = store.digest(sha256)?;
        if digest == sha256 && actual_length == length {
            store.mark_verified(sha256)?;
            return Ok(0);
        }
        store.drop_staged(sha256)?;
    }
    let mut sink = StagingSink::new(store, sha256)?;
    let start = crate::sync::DownloadSink::held(&sink);
    let path = format!("{}/{}", metadata::FILES_DIR, sha256);
    let mut last = start;
    let outcome = client
        .download(&path, &mut sink, length, &mut |done, _| {
            if done >= last {
                progress(done_before + (done - start.min(done)), total);
            }
            last = done;
        })
        .await;
    sink.flush()?;
    let received = crate::sync::DownloadSink::held(&sink).saturating_sub(start);
    drop(sink);
    outcome?;
    let (digest, actual_length) = store.digest(sha256)?;
    if digest != sha256 || actual_length != length {
        store.drop_staged(sha256)?;
        return Err(Error::ContentRejected(
            "a downloaded file does not match the length and hash its catalog signs".into(),
        ));
    }
    store.mark_verified(sha256)?;
    Ok(received)
}

/// A module file, parsed and checked against the catalog entry that pins it.
fn checked_module(connection: &rusqlite::Connection, entry: &metadata::CatalogModule) -> Result<Module> {
    let bytes = ContentStore::read_file_in(connection, &entry.file.sha256, MAX_MODULE_JSON_LEN)?;
    let module = Module::from_json(&bytes)?;
    if module.id != entry.id || module.language != entry.language || module.version != entry.version {
        return Err(Error::ContentRejected(format!(
            "module {} ({}) is not the one its catalog entry names",
            entry.id, entry.language
        )));
    }
    let names: BTreeSet<&str> = entry.assets.iter().map(|asset| asset.name.as_str()).collect();
    for block in &module.blocks {
        if let Block::Image { asset, .. } | Block::Audio { asset, .. } = block {
            if !names.contains(asset.as_str()) {
                return Err(Error::ContentRejected(format!(
                    "module {} uses an asset its catalog entry does not pin",
                    entry.id
                )));
            }
        }
    }
    Ok(module)
}

/// One transaction: the new roots, catalog and safety document, the files, the modules and the
/// search index; then nothing else refers to the old ones.
fn install(store: &ContentStore, fetched: &Fetched) -> Result<()> {
    let connection = store.connection();
    let transaction = rusqlite::Transaction::new_unchecked(&connection, rusqlite::TransactionBehavior::Immediate)?;
    let set_trusted = |name: &str, bytes: &[u8]| {
        transaction.execute(
            "INSERT INTO trusted (name, bytes) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET bytes = excluded.bytes",
            params![name, bytes],
        )
    };
    if let Some(latest) = fetched.new_roots.last() {
        set_trusted(store::ROOT, latest)?;
    }
    if let Some((_, bytes, _)) = &fetched.safety {
        set_trusted(store::SAFETY, bytes)?;
    }
    transaction.execute(
        "INSERT INTO content_state (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)",
        params![store::NEWEST_SIGNING_TIME, fetched.newest_signing_time],
    )?;
    if fetched.catalog_changed {
        set_trusted(store::CATALOG, &fetched.catalog_bytes)?;
        for (sha256, length) in pinned_files(&fetched.catalog) {
            transaction.execute(
                "INSERT OR IGNORE INTO files (sha256, length) VALUES (?1, ?2)",
                params![sha256, length as i64],
            )?;
            transaction.execute("DELETE FROM staging_files WHERE sha256 = ?1", [&sha256])?;
        }
        transaction.execute_batch(
            "DELETE FROM modules; DELETE FROM module_assets; DELETE FROM module_search;
             CREATE TEMP TABLE IF NOT EXISTS pinned (sha256 TEXT PRIMARY KEY) WITHOUT ROWID;
             DELETE FROM temp.pinned;",
        )?;
        // One module at a time (memory stays bounded by the largest module): read, check,
        // index. A bad module rolls the whole transaction back.
        for entry in &fetched.catalog.modules {
            let module = checked_module(&transaction, entry)?;
            transaction.execute(
                "INSERT INTO modules (id, language, version, title, topics, sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    entry.id,
                    entry.language,
                    entry.version,
                    module.title,
                    serde_json::to_string(&module.topics).unwrap_or_default(),
                    entry.file.sha256
                ],
            )?;
            for asset in &entry.assets {
                transaction.execute(
                    "INSERT INTO module_assets (module_id, language, name, media_type, sha256)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        entry.id,
                        entry.language,
                        asset.name,
                        asset.media_type,
                        asset.file.sha256
                    ],
                )?;
            }
            transaction.execute(
                "INSERT INTO module_search (module_id, language, title, body) VALUES (?1, ?2, ?3, ?4)",
                params![
                    entry.id,
                    entry.language,
                    format!("{} {}", module.title, module.topics.join(" ")),
                    module.plain_text()
                ],
            )?;
        }
        for sha256 in pinned_files(&fetched.catalog).keys() {
            transaction.execute("INSERT OR IGNORE INTO temp.pinned (sha256) VALUES (?1)", [sha256])?;
        }
        transaction.execute_batch(
            "DELETE FROM files WHERE sha256 NOT IN (SELECT sha256 FROM temp.pinned);
             DELETE FROM staging_files WHERE sha256 NOT IN (SELECT sha256 FROM temp.pinned);
             DELETE FROM file_chunks
               WHERE sha256 NOT IN (SELECT sha256 FROM files)
                 AND sha256 NOT IN (SELECT sha256 FROM staging_files);
             DELETE FROM temp.pinned;",
        )?;
    }
    crash_point!("content: install before commit");
    transaction.commit()?;
    Ok(())
}
