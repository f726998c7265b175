//! The health-literacy content channel: modules that editors write, translate, sign and publish,
//! and that phones download cheaply, verify, install atomically and read offline.
//!
//! - [`model`]: a compiled module (blocks the shells render; never HTML or script).
//! - [`metadata`]: the signed repository metadata (root, catalog, safety) and its size caps.
//!
//! Nothing is installed that the programme did not sign: metadata is verified before it is
//! parsed, rollbacks and expired metadata are refused, every file is checked against its signed
//! length and hash before use, and a failed update leaves the previous content intact.

pub mod metadata;
pub mod model;
