//! Corridor's core: every piece of domain logic, storage and crypto for the phone app, the
//! peer-educator tablet app, the CLI and the hub.
//!
//! This crate never depends on UniFFI: `corridor-ffi` wraps it for the Kotlin and Swift shells,
//! and the `corridor` CLI uses exactly the same API. Modules, one per capability:
//!
//! - [`vault`]: data directories, profiles, key slots, unlock and lock, change PIN, attempt limits.
//! - [`store`]: SQLCipher connections, schema migrations, the settings store and the device store.
//! - [`pin`]: PIN normalisation and policy.
//! - [`kdf`]: Argon2id parameters, their sane range, and the key hierarchy below the PIN.
//! - [`platform`]: traits the host implements (key strengthener, clock) and the software ones.
//! - [`sessions`]: peer-educator sessions on shared tablets (attendance by client code, purged
//!   after sync) and the upload the hub turns into reach.
//! - [`runtime`]: the one tokio runtime and cancellable off-thread work.
//! - [`secret`]: zeroize-on-drop secret types.
//! - [`error`]: the internal error type.

/// Marks a point where the test suite may kill the process (SIGKILL) to prove crash safety.
/// Compiles to nothing without the `test-support` feature, and does nothing unless a test armed it.
macro_rules! crash_point {
    ($name:expr) => {
        #[cfg(feature = "test-support")]
        crate::testing::crash_point($name);
    };
}

pub mod backup;
pub mod codes;
pub mod content;
pub mod disguise;
pub mod error;
pub mod kdf;
pub mod pin;
pub mod platform;
pub mod reminders;
pub mod reports;
pub mod runtime;
pub mod secret;
pub mod sessions;
pub mod store;
pub mod sync;
pub mod vault;

mod files;

#[cfg(feature = "test-support")]
pub mod testing;

pub use error::{Error, Result};

/// The programme's local time, UTC+2 without daylight saving (South Africa, Zimbabwe, Mozambique,
/// Botswana), in seconds east of UTC: clinic hours and the months of reach are read in it.
pub const PROGRAMME_UTC_OFFSET_SECS: i64 = 2 * 3600;

/// Panics on purpose. Exported through the FFI only by builds with the `testing-hooks` feature, so
/// that the JVM tests can prove a panic inside the core reaches Kotlin as an exception.
#[cfg(feature = "testing-hooks")]
pub fn trigger_internal_panic() {
    panic!("corridor-core testing hook: deliberate panic");
}
