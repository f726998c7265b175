//! The signed metadata of a content repository (see `docs/content-format.md`): the root (keys,
//! roles, thresholds), the catalog (signed by editors: every module and asset with its length and
//! SHA-256) and the safety document (signed by the separate `safety` role: the programme's sites
//! and the Crisis Response Teams' public keys).
//!
//! Every metadata file is an [`Envelope`]: the exact payload bytes (base64) and signatures over
//! them. A reader checks the size, verifies the signatures over the payload bytes, and only then
//! parses the payload.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Size caps, checked before anything is parsed or downloaded further.
pub const MAX_ROOT_LEN: usize = 64 * 1024;
pub const MAX_CATALOG_LEN: usize = 4 * 1024 * 1024;
pub const MAX_SAFETY_LEN: usize = 512 * 1024;

/// Where the files live in a repository (relative paths; any static web server or CDN serves them).
pub const ROOT_FILE: &str = "root.json";
/// `root/<version>.json`: every root ever published, so a client several versions behind walks them.
pub const ROOT_DIR: &str = "root";
pub const CATALOG_FILE: &str = "catalog.json";
pub const SAFETY_FILE: &str = "safety.json";
/// `files/<sha256 hex>`: modules (compiled JSON) and assets, content-addressed.
pub const FILES_DIR: &str = "files";

/// A signed metadata file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// The exact bytes that were signed: the JSON of a [`Root`], [`Catalog`] or [`Safety`].
    #[serde(with = "crate::sync::wire::base64_bytes")]
    pub payload: Vec<u8>,
    pub signatures: Vec<Signature>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// SHA-256 (hex) of the signer's raw Ed25519 public key.
    pub keyid: String,
    #[serde(with = "crate::sync::wire::base64_bytes")]
    pub sig: Vec<u8>,
}

/// A public key as the root lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicKey {
    /// Always `ed25519`.
    pub scheme: String,
    /// The raw 32-byte public key, hex.
    pub public: String,
    /// Who holds it ("Ana, Maputo editor"): shown in tools, never trusted for anything.
    #[serde(default)]
    pub holder: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleKeys {
    pub keyids: Vec<String>,
    pub threshold: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    /// Sign the root and the catalog (health modules).
    pub editors: RoleKeys,
    /// Sign the safety document (sites, Crisis Response Team keys). Never the editors' keys.
    pub safety: RoleKeys,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Root {
    /// Always `root`.
    #[serde(rename = "type")]
    pub kind: String,
    pub version: u64,
    /// Unix seconds.
    pub expires: i64,
    pub signed_at: i64,
    pub keys: BTreeMap<String, PublicKey>,
    pub roles: Roles,
}

/// A file in `files/`, as the catalog pins it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    /// SHA-256 of the file, hex; also its name under `files/`.
    pub sha256: String,
    pub length: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogAsset {
    /// The name a module's blocks use (`condom-steps.png`).
    pub name: String,
    pub media_type: String,
    pub file: FileRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogModule {
    pub id: String,
    pub language: String,
    pub version: u32,
    pub title: String,
    pub topics: Vec<String>,
    /// The compiled module (JSON of [`super::model::Module`]).
    pub file: FileRef,
    pub assets: Vec<CatalogAsset>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Always `catalog`.
    #[serde(rename = "type")]
    pub kind: String,
    pub version: u64,
    pub expires: i64,
    pub signed_at: i64,
    pub modules: Vec<CatalogModule>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// The same rule as the hub's site ids (`beitbridge`).
    pub id: String,
    pub name: String,
    pub place: String,
    /// ISO 3166-1 alpha-2 (`ZW`).
    pub country: String,
    /// In words, as the clinic says it ("Mon–Sat 07:00–19:00").
    pub opening_hours: String,
    pub phone: String,
    /// Whether the site offers PEP (post-exposure prophylaxis).
    #[serde(default)]
    pub offers_pep: bool,
    /// Where it is (decimal degrees), so a phone can list the clinics nearest to a site the
    /// person picks, without GPS.
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
}

/// A Crisis Response Team's public key for sealing reports (HPKE, X25519).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamKey {
    pub key_id: String,
    /// The raw 32-byte X25519 public key, hex.
    pub x25519_public: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseTeam {
    pub id: String,
    pub name: String,
    /// The sites this team covers.
    pub sites: Vec<String>,
    pub key: TeamKey,
    /// Numbers to call or text in an emergency.
    pub emergency_numbers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Safety {
    /// Always `safety`.
    #[serde(rename = "type")]
    pub kind: String,
    pub version: u64,
    pub expires: i64,
    pub signed_at: i64,
    pub sites: Vec<Site>,
    pub teams: Vec<ResponseTeam>,
    /// Reports go here when the person chose no team.
    pub programme_key: TeamKey,
}
