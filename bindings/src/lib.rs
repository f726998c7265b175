//! corridor-ffi: the UniFFI facade over `corridor-core` for the Kotlin and Swift shells.
//!
//! A thin, boring layer: small wrapper objects around core types, records that mirror core
//! values, one error conversion ([`error`]) and shims that adapt the host's foreign traits to the
//! core's traits ([`platform`]). Logic found here belongs in `corridor-core`.
//!
//! PINs arrive as `String`s (the foreign side's copy cannot be wiped from here); they are
//! normalised into zeroize-on-drop values at once and the incoming string is wiped.

uniffi::setup_scaffolding!("corridor");

mod codes;
mod content;
mod disguise;
mod error;
mod hub;
mod platform;
mod reminders;
mod reports;
mod sessions;
mod vault;

pub use codes::QrSymbol;
pub use content::{
    CalloutKind, ChoiceFeedback, ContentAsset, ContentBlock, ContentModule, ContentProgressListener, ContentSearchHit,
    ContentSource, ContentUpdateOutcome, ContentUpdatePlan, ModuleSummary, QuizChoice, QuizInfo, QuizResult, SiteInfo,
    SiteList, TextSpan,
};
pub use disguise::{CalculatorKey, ClearLabel, CoverInfo, Disguise, KeyPressResult, NumberFormat, UnlockAttempt};
pub use error::{CodeProblemKind, CorridorError};
pub use hub::{
    BackupStored, Hub, HubAccount, HubHealth, HubRole, HubSettings, OutboxItem, OutboxState, ReportDelivery,
    SyncListener, SyncSummary,
};
pub use platform::KeyStrengthener;
pub use reminders::{NotificationScheduler, ReminderInfo, ReminderRequest, Reminders, ScheduledNotification};
pub use reports::{
    NearbyClinic, QuickWant, QuickWhen, ReportKind, ReportState, ReportSummary, ReportUrgency, SafeContact, SosResult,
    SubmittedReport, TeamInfo, ViolenceKind,
};
pub use vault::{DeviceKind, ProfileRole, ProfileSession, ProfileSummary, Vault, VaultStatus};

/// The version of the Corridor core library.
#[uniffi::export]
pub fn corridor_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// How the key strengthener's input begins when the core asks for a device-bound key (the device
/// store, which must open while the phone is locked) rather than for a PIN. A shell with two
/// hardware keys picks the one usable while locked for such inputs.
#[uniffi::export]
pub fn device_key_input_prefix() -> Vec<u8> {
    corridor_core::kdf::DEVICE_KEY_INPUT_PREFIX.to_vec()
}

/// Makes panics silent: a panic's text could carry data, and UniFFI already turns the panic
/// into an exception on the foreign side. Installed once, by the first `Vault` opened.
pub(crate) fn install_quiet_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(|_| {})));
}

/// Panics inside the core on purpose (test builds only, feature `testing-hooks`): the JVM tests
/// prove that it reaches Kotlin as an exception and prints nothing.
#[cfg(feature = "testing-hooks")]
#[uniffi::export]
pub fn testing_trigger_panic() {
    install_quiet_panic_hook();
    corridor_core::trigger_internal_panic();
}
