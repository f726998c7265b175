//! The health-literacy content channel: modules that editors write, translate, sign and publish,
//! and that phones download cheaply, verify, install atomically and read offline.
//!
//! - [`model`]: a compiled module (blocks the shells render; never HTML or script).
//! - [`metadata`]: the signed repository metadata (root, catalog, safety) and its size caps.
//! - [`source`]: module sources (Markdown with a TOML header) compiled into the model; lint; preview.
//! - [`signing`]: Ed25519 keys and key files, keyids, and the kind-bound signed message.
//! - [`verify`]: verifying root, catalog and safety metadata (what a phone runs before it trusts
//!   anything).
//! - [`repo`]: the editors' operations on a repository: init, rotate, build, sign, publish, renew,
//!   diff.
//! - [`store`]: the device's installed content (one encrypted database per device).
//! - [`install`]: trusting a root, checking for and installing updates.
//! - [`library`]: reading from an unlocked profile: list, show, search, assets, quizzes.
//!
//! Nothing is installed that the programme did not sign: metadata is verified before it is
//! parsed, rollbacks and expired metadata are refused, every file is checked against its signed
//! length and hash before use, and a failed update leaves the previous content intact.

pub mod install;
pub mod library;
pub mod metadata;
pub mod model;
pub mod repo;
pub mod signing;
pub mod source;
pub mod store;
pub mod verify;
