//! Verifying repository metadata: what a phone runs before it trusts a root, a catalog or a
//! safety document, and what `content publish` runs before it writes one (the same code, so an
//! editor cannot publish what a phone would refuse).
//!
//! The order never changes: check the file's length against its cap, parse only the envelope,
//! verify signatures over the payload bytes against the keys the trusted root gives the role,
//! count distinct keys, and only then parse the payload (unknown fields refused, `type` checked)
//! and apply the rules on versions and expiry. See `docs/content-format.md`.
//!
//! Policy on expiry and wrong clocks:
//! - "now" is [`trusted_time`]: the later of the device clock and the newest signing time the
//!   phone has verified, so a clock set back cannot revive expired metadata.
//! - A catalog or safety document whose `expires` <= now is refused, and so is any catalog or
//!   safety document while the trusted root itself has expired: new content waits for a new root.
//! - An expired root still verifies its successor (rotation must stay possible however late it
//!   comes), and a client several versions behind walks N+1, N+2, ... whatever their expiry.
//! - Nothing here removes installed content: a refused update leaves the last good content
//!   readable (health information is not taken away because a clock is wrong).

use std::collections::{BTreeMap, BTreeSet};

use serde::de::DeserializeOwned;

use super::metadata::{Catalog, Envelope, PublicKey, RoleKeys, Root, Safety, TeamKey};
use super::model::{is_valid_language, is_valid_module_id, MAX_MODULE_JSON_LEN};
use super::signing::{is_hex_32, verify_signature, MetadataKind, SCHEME};
use crate::error::{Error, Result};
use crate::sync::wire::is_valid_site;

/// The largest asset a catalog may pin (an audio file, an image).
pub const MAX_ASSET_LEN: u64 = 32 * 1024 * 1024;
/// More signatures than this on one file is not a real repository (and would only cost time).
pub const MAX_SIGNATURES: usize = 64;

/// The outcome of checking a catalog or safety document against what is installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataCheck<T> {
    /// The same version with the same signed content: nothing to do.
    Unchanged,
    /// A newer version, verified.
    Newer(T),
}

/// The later of the device clock and the newest signing time already verified: a clock set back
/// cannot make expired metadata valid again.
pub fn trusted_time(device_now: i64, newest_verified_signing_time: i64) -> i64 {
    device_now.max(newest_verified_signing_time)
}

/// A root to pin (the one an app ships, or the one a phone is told to trust). It is trusted
/// because it was delivered out of band; its own editors' threshold must still have signed it.
/// Its expiry is not checked here (see the module's policy).
pub fn verify_initial_root(bytes: &[u8]) -> Result<Root> {
    let envelope = open_envelope(MetadataKind::Root, bytes)?;
    // A first root can only be checked against itself: parse it to learn its keys.
    let root: Root = parse_payload(MetadataKind::Root, &envelope.payload)?;
    check_root(&root)?;
    require_threshold(
        &root.keys,
        &root.roles.editors,
        "its own editors",
        MetadataKind::Root,
        &envelope,
    )?;
    Ok(root)
}

/// The root after `current`: version `current + 1`, signed by a threshold of `current`'s
/// editors and of its own editors; when it changes the safety role (keys or threshold), also by
/// a threshold of the old and of the new safety keys, so editors alone cannot take over the
/// safety document. An expired `current` may still verify its successor.
pub fn verify_next_root(current: &Root, next: &[u8]) -> Result<Root> {
    let envelope = open_envelope(MetadataKind::Root, next)?;
    require_threshold(
        &current.keys,
        &current.roles.editors,
        &format!("the editors of root version {}", current.version),
        MetadataKind::Root,
        &envelope,
    )?;
    let root: Root = parse_payload(MetadataKind::Root, &envelope.payload)?;
    check_root(&root)?;
    let expected = current
        .version
        .checked_add(1)
        .ok_or_else(|| Error::ContentRejected("the trusted root's version cannot grow any more".into()))?;
    if root.version != expected {
        return Err(Error::ContentRejected(if root.version <= current.version {
            format!(
                "root version {} was offered, but version {} is already trusted (a root never goes back)",
                root.version, current.version
            )
        } else {
            format!(
                "root version {} was offered, but the trusted root is version {}: version {} must come first",
                root.version, current.version, expected
            )
        }));
    }
    require_threshold(
        &root.keys,
        &root.roles.editors,
        &format!("the editors of root version {}", root.version),
        MetadataKind::Root,
        &envelope,
    )?;
    if safety_role_changes(current, &root) {
        require_threshold(
            &current.keys,
            &current.roles.safety,
            &format!(
                "the safety keys of root version {} (it changes the safety role)",
                current.version
            ),
            MetadataKind::Root,
            &envelope,
        )?;
        require_threshold(
            &root.keys,
            &root.roles.safety,
            &format!(
                "the safety keys of root version {} (it changes the safety role)",
                root.version
            ),
            MetadataKind::Root,
            &envelope,
        )?;
    }
    Ok(root)
}

/// Whether `next` gives the safety role other keys or another threshold than `current`.
pub fn safety_role_changes(current: &Root, next: &Root) -> bool {
    let keys = |root: &Root| {
        root.roles
            .safety
            .keyids
            .iter()
            .map(|keyid| (keyid.clone(), root.keys.get(keyid).map(|key| key.public.clone())))
            .collect::<BTreeSet<_>>()
    };
    current.roles.safety.threshold != next.roles.safety.threshold || keys(current) != keys(next)
}

/// A catalog, signed by a threshold of `root`'s editors, not expired at `trusted_now`, not older
/// than the installed one. `installed` is the installed catalog and the exact bytes of the file
/// it was verified from.
pub fn verify_catalog(
    root: &Root,
    bytes: &[u8],
    trusted_now: i64,
    installed: Option<(&Catalog, &[u8])>,
) -> Result<MetadataCheck<Catalog>> {
    let kind = MetadataKind::Catalog;
    let envelope = open_envelope(kind, bytes)?;
    require_root_current(root, trusted_now)?;
    require_threshold(&root.keys, &root.roles.editors, "the editors", kind, &envelope)?;
    let catalog: Catalog = parse_payload(kind, &envelope.payload)?;
    check_catalog(&catalog)?;
    let installed = installed.map(|(catalog, bytes)| (catalog.version, bytes));
    let same = compare_versions(kind, catalog.version, &envelope, bytes, installed)?;
    require_not_expired(kind, catalog.version, catalog.expires, trusted_now)?;
    Ok(if same {
        MetadataCheck::Unchanged
    } else {
        MetadataCheck::Newer(catalog)
    })
}

/// A safety document, signed by a threshold of `root`'s safety keys (signatures by editors do not
/// count), not expired, not older than the installed one.
pub fn verify_safety(
    root: &Root,
    bytes: &[u8],
    trusted_now: i64,
    installed: Option<(&Safety, &[u8])>,
) -> Result<MetadataCheck<Safety>> {
    let kind = MetadataKind::Safety;
    let envelope = open_envelope(kind, bytes)?;
    require_root_current(root, trusted_now)?;
    require_threshold(&root.keys, &root.roles.safety, "the safety role", kind, &envelope)?;
    let safety: Safety = parse_payload(kind, &envelope.payload)?;
    check_safety(&safety)?;
    let installed = installed.map(|(safety, bytes)| (safety.version, bytes));
    let same = compare_versions(kind, safety.version, &envelope, bytes, installed)?;
    require_not_expired(kind, safety.version, safety.expires, trusted_now)?;
    Ok(if same {
        MetadataCheck::Unchanged
    } else {
        MetadataCheck::Newer(safety)
    })
}

/// The distinct keys of `role` whose signature on `envelope` verifies (each key once; unknown
/// keyids and bad signatures are ignored).
pub fn valid_signers(
    keys: &BTreeMap<String, PublicKey>,
    role: &RoleKeys,
    kind: MetadataKind,
    envelope: &Envelope,
) -> BTreeSet<String> {
    let mut valid = BTreeSet::new();
    for signature in envelope.signatures.iter().take(MAX_SIGNATURES) {
        if valid.contains(&signature.keyid) || !role.keyids.contains(&signature.keyid) {
            continue;
        }
        let Some(public) = keys
            .get(&signature.keyid)
            .filter(|key| key.scheme == SCHEME)
            .and_then(|key| hex::decode(&key.public).ok())
        else {
            continue;
        };
        if verify_signature(&public, kind, &envelope.payload, &signature.sig) {
            valid.insert(signature.keyid.clone());
        }
    }
    valid
}

/// Parses a metadata file's envelope after checking its length against the cap of `kind`.
pub fn open_envelope(kind: MetadataKind, bytes: &[u8]) -> Result<Envelope> {
    if bytes.len() > kind.max_len() {
        return Err(Error::ContentRejected(format!(
            "{} is {} bytes, larger than the {} bytes allowed",
            kind.describe(),
            bytes.len(),
            kind.max_len()
        )));
    }
    let envelope: Envelope = serde_json::from_slice(bytes)
        .map_err(|_| Error::ContentRejected(format!("{} is not a signed metadata file", kind.describe())))?;
    if envelope.signatures.len() > MAX_SIGNATURES {
        return Err(Error::ContentRejected(format!(
            "{} carries {} signatures; at most {MAX_SIGNATURES} are read",
            kind.describe(),
            envelope.signatures.len()
        )));
    }
    Ok(envelope)
}

fn require_threshold(
    keys: &BTreeMap<String, PublicKey>,
    role: &RoleKeys,
    role_name: &str,
    kind: MetadataKind,
    envelope: &Envelope,
) -> Result<()> {
    let valid = valid_signers(keys, role, kind, envelope);
    let needed = role.threshold.max(1) as usize;
    if valid.len() >= needed {
        return Ok(());
    }
    let plural = |count: usize| if count == 1 { "signature" } else { "signatures" };
    let mut reason = format!(
        "{} has {} valid {} by {role_name}; {needed} {} needed",
        kind.describe(),
        valid.len(),
        plural(valid.len()),
        if needed == 1 { "is" } else { "are" }
    );
    let others = envelope
        .signatures
        .iter()
        .filter(|signature| !role.keyids.contains(&signature.keyid))
        .map(|signature| signature.keyid.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    if others > 0 {
        reason.push_str(&format!(
            " ({others} {} by keys outside this role do not count)",
            plural(others)
        ));
    }
    Err(Error::ContentRejected(reason))
}

fn parse_payload<T: DeserializeOwned>(kind: MetadataKind, payload: &[u8]) -> Result<T> {
    // The payload's `type` is checked before the structure, so a catalog offered as a root is
    // named as such rather than as "malformed".
    #[derive(serde::Deserialize)]
    struct Kind {
        #[serde(rename = "type")]
        kind: String,
    }
    match serde_json::from_slice::<Kind>(payload) {
        Ok(found) if found.kind != kind.name() => {
            return Err(Error::ContentRejected(format!(
                "{} is signed as a {} but its content is a {:?}",
                kind.describe(),
                kind.name(),
                found.kind
            )))
        }
        Ok(_) => {}
        Err(_) => {
            return Err(Error::ContentRejected(format!(
                "the signed content of {} is not readable",
                kind.describe()
            )))
        }
    }
    serde_json::from_slice(payload).map_err(|error| {
        Error::ContentRejected(format!(
            "the signed content of {} is malformed ({})",
            kind.describe(),
            error
        ))
    })
}

fn require_root_current(root: &Root, trusted_now: i64) -> Result<()> {
    if root.expires <= trusted_now {
        return Err(Error::ContentRejected(format!(
            "the trusted root (version {}) expired on {}: new content waits for a new root from the programme; \
             the installed content stays readable",
            root.version,
            date(root.expires)
        )));
    }
    Ok(())
}

fn require_not_expired(kind: MetadataKind, version: u64, expires: i64, trusted_now: i64) -> Result<()> {
    if expires <= trusted_now {
        return Err(Error::ContentRejected(format!(
            "{} (version {version}) expired on {}; the installed content stays readable until a renewed one arrives",
            kind.describe(),
            date(expires)
        )));
    }
    Ok(())
}

/// Refuses a rollback and a reused version with other content; `Ok(true)` when the offered file
/// is the installed one (the same bytes, or the same payload with other signatures).
fn compare_versions(
    kind: MetadataKind,
    version: u64,
    envelope: &Envelope,
    bytes: &[u8],
    installed: Option<(u64, &[u8])>,
) -> Result<bool> {
    let Some((installed_version, installed_bytes)) = installed else {
        return Ok(false);
    };
    if version < installed_version {
        return Err(Error::ContentRejected(format!(
            "{} is version {version}, older than the installed version {installed_version} (a rollback)",
            kind.describe()
        )));
    }
    if version > installed_version {
        return Ok(false);
    }
    let same_payload = bytes == installed_bytes
        || serde_json::from_slice::<Envelope>(installed_bytes)
            .map(|installed| installed.payload == envelope.payload)
            .unwrap_or(false);
    if same_payload {
        Ok(true)
    } else {
        Err(Error::ContentRejected(format!(
            "{} is version {version} like the installed one but says something else (a version is never reused)",
            kind.describe()
        )))
    }
}

/// `2026-03-01 12:00 UTC`.
pub fn date(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|time| time.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| format!("unix time {unix}"))
}

fn rejected(text: String) -> Error {
    Error::ContentRejected(text)
}

/// The rules every root keeps: Ed25519 keys named by their keyid, each role with at least one
/// key and a threshold between 1 and its number of keys, and no key in both roles.
pub fn check_root(root: &Root) -> Result<()> {
    if root.kind != "root" {
        return Err(rejected("the root's type is not \"root\"".into()));
    }
    if root.version == 0 {
        return Err(rejected("the root's version is 0; versions start at 1".into()));
    }
    if root.expires <= root.signed_at {
        return Err(rejected(format!(
            "root version {} expires before it was signed",
            root.version
        )));
    }
    for (keyid, key) in &root.keys {
        if key.scheme != SCHEME {
            return Err(rejected(format!(
                "root version {} lists a key that is not ed25519",
                root.version
            )));
        }
        let raw = if is_hex_32(&key.public) {
            hex::decode(&key.public).ok()
        } else {
            None
        };
        match raw {
            Some(raw) if super::signing::keyid_of(&raw) == *keyid => {}
            _ => {
                return Err(rejected(format!(
                    "root version {} lists key {} under a keyid that is not its SHA-256",
                    root.version,
                    short(keyid)
                )))
            }
        }
    }
    for (name, role) in [("editors", &root.roles.editors), ("safety", &root.roles.safety)] {
        let distinct: BTreeSet<&String> = role.keyids.iter().collect();
        if role.keyids.is_empty() {
            return Err(rejected(format!("the {name} role has no keys")));
        }
        if distinct.len() != role.keyids.len() {
            return Err(rejected(format!("the {name} role lists a key twice")));
        }
        if let Some(missing) = role.keyids.iter().find(|keyid| !root.keys.contains_key(*keyid)) {
            return Err(rejected(format!(
                "the {name} role names key {} that the root does not list",
                short(missing)
            )));
        }
        if role.threshold == 0 || role.threshold as usize > role.keyids.len() {
            return Err(rejected(format!(
                "the {name} role's threshold is {} but it has {} keys (it must be between 1 and {})",
                role.threshold,
                role.keyids.len(),
                role.keyids.len()
            )));
        }
    }
    if let Some(shared) = root
        .roles
        .editors
        .keyids
        .iter()
        .find(|keyid| root.roles.safety.keyids.contains(keyid))
    {
        return Err(rejected(format!(
            "key {} is both an editor's and a safety key: the safety role must have keys of its own",
            short(shared)
        )));
    }
    Ok(())
}

/// Whether `name` is an asset name a catalog may carry: not empty, at most 128 bytes, no path
/// separators, no `..`, not hidden, no control characters.
pub fn is_valid_asset_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && !name.contains('/')
        && !name.contains('\\')
        && !name.contains("..")
        && !name.chars().any(char::is_control)
}

/// The rules every catalog keeps: one entry per (id, language), valid ids and languages, hashes
/// as 64 lower-case hex, safe asset names, lengths within their caps.
pub fn check_catalog(catalog: &Catalog) -> Result<()> {
    if catalog.kind != "catalog" {
        return Err(rejected("the catalog's type is not \"catalog\"".into()));
    }
    if catalog.version == 0 {
        return Err(rejected("the catalog's version is 0; versions start at 1".into()));
    }
    if catalog.expires <= catalog.signed_at {
        return Err(rejected(format!(
            "catalog version {} expires before it was signed",
            catalog.version
        )));
    }
    let mut seen = BTreeSet::new();
    for module in &catalog.modules {
        if !is_valid_module_id(&module.id) {
            return Err(rejected(format!(
                "the catalog lists a module id that is not valid: {:?}",
                module.id
            )));
        }
        let named = format!("module {} ({})", module.id, module.language);
        if !is_valid_language(&module.language) {
            return Err(rejected(format!(
                "module {}: {:?} is not a valid language tag",
                module.id, module.language
            )));
        }
        if !seen.insert((module.id.as_str(), module.language.as_str())) {
            return Err(rejected(format!("the catalog lists {named} twice")));
        }
        if module.version == 0 {
            return Err(rejected(format!("{named} has version 0")));
        }
        if !is_hex_32(&module.file.sha256) {
            return Err(rejected(format!(
                "{named}: its SHA-256 is not 64 lower-case hex digits"
            )));
        }
        if module.file.length == 0 || module.file.length > MAX_MODULE_JSON_LEN as u64 {
            return Err(rejected(format!(
                "{named}: its file is {} bytes (a module is between 1 and {MAX_MODULE_JSON_LEN} bytes)",
                module.file.length
            )));
        }
        let mut names = BTreeSet::new();
        for asset in &module.assets {
            if !is_valid_asset_name(&asset.name) {
                return Err(rejected(format!(
                    "{named}: asset name {:?} is not allowed (no '/', '\\', '..' or leading '.')",
                    asset.name
                )));
            }
            if !names.insert(asset.name.as_str()) {
                return Err(rejected(format!("{named} lists asset {} twice", asset.name)));
            }
            if asset.media_type.is_empty()
                || asset.media_type.len() > 100
                || !asset.media_type.contains('/')
                || asset.media_type.chars().any(|c| c.is_control() || c.is_whitespace())
            {
                return Err(rejected(format!(
                    "{named}: asset {} has no valid media type",
                    asset.name
                )));
            }
            if !is_hex_32(&asset.file.sha256) {
                return Err(rejected(format!(
                    "{named}: asset {}'s SHA-256 is not 64 lower-case hex digits",
                    asset.name
                )));
            }
            if asset.file.length > MAX_ASSET_LEN {
                return Err(rejected(format!(
                    "{named}: asset {} is {} bytes, more than the {MAX_ASSET_LEN} allowed",
                    asset.name, asset.file.length
                )));
            }
        }
    }
    Ok(())
}

/// The rules every safety document keeps: valid and distinct site and team ids, teams covering
/// listed sites, X25519 keys as 64 hex digits with distinct key ids.
pub fn check_safety(safety: &Safety) -> Result<()> {
    if safety.kind != "safety" {
        return Err(rejected("the safety document's type is not \"safety\"".into()));
    }
    if safety.version == 0 {
        return Err(rejected(
            "the safety document's version is 0; versions start at 1".into(),
        ));
    }
    if safety.expires <= safety.signed_at {
        return Err(rejected(format!(
            "safety document version {} expires before it was signed",
            safety.version
        )));
    }
    let mut sites = BTreeSet::new();
    for site in &safety.sites {
        if !is_valid_site(&site.id) {
            return Err(rejected(format!(
                "site id {:?} is not valid (lower-case letters, digits and hyphens)",
                site.id
            )));
        }
        if !sites.insert(site.id.as_str()) {
            return Err(rejected(format!("site {} is listed twice", site.id)));
        }
        if site.name.trim().is_empty() {
            return Err(rejected(format!("site {} has no name", site.id)));
        }
        if site.country.len() != 2 || !site.country.bytes().all(|byte| byte.is_ascii_uppercase()) {
            return Err(rejected(format!(
                "site {}: country {:?} is not a two-letter code such as ZW",
                site.id, site.country
            )));
        }
    }
    let mut teams = BTreeSet::new();
    let mut key_ids = BTreeSet::new();
    for team in &safety.teams {
        if !is_valid_site(&team.id) {
            return Err(rejected(format!(
                "team id {:?} is not valid (lower-case letters, digits and hyphens)",
                team.id
            )));
        }
        if !teams.insert(team.id.as_str()) {
            return Err(rejected(format!("team {} is listed twice", team.id)));
        }
        if let Some(unknown) = team.sites.iter().find(|site| !sites.contains(site.as_str())) {
            return Err(rejected(format!(
                "team {} covers site {unknown}, which is not listed",
                team.id
            )));
        }
        check_team_key(&format!("team {}", team.id), &team.key)?;
        if !key_ids.insert(team.key.key_id.as_str()) {
            return Err(rejected(format!("key id {} is used twice", team.key.key_id)));
        }
    }
    check_team_key("the programme key", &safety.programme_key)?;
    if key_ids.contains(safety.programme_key.key_id.as_str()) {
        return Err(rejected(format!(
            "key id {} is used by a team and by the programme",
            safety.programme_key.key_id
        )));
    }
    Ok(())
}

fn check_team_key(owner: &str, key: &TeamKey) -> Result<()> {
    if key.key_id.trim().is_empty() || key.key_id.len() > 64 || key.key_id.chars().any(char::is_control) {
        return Err(rejected(format!("{owner}: its key id is empty or too long")));
    }
    if !is_hex_32(&key.x25519_public) {
        return Err(rejected(format!(
            "{owner}: its X25519 public key is not 64 lower-case hex digits"
        )));
    }
    Ok(())
}

fn short(keyid: &str) -> String {
    keyid.chars().take(8).collect()
}
