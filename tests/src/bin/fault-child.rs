//! A child process for the crash-safety tests: opens a data directory, arms the core's crash
//! points so that the N-th one reached kills this process with SIGKILL, and runs one operation.
//!
//!     fault-child DATA_DIR quick-delete|duress|content-update CRASH_AFTER [URL]
//!
//! Exits 0 when the operation finished before the N-th crash point.

use corridor_core::pin::Pin;
use corridor_core::runtime::block_on;
use corridor_core::testing::{arm_crash_after, fast_vault, ManualClock};
use corridor_core::vault::ProfileSelector;

pub const DURESS_PIN: &str = "505050";

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    let (dir, operation, crash_after, url) = match arguments.as_slice() {
        [_, dir, operation, crash_after] => (dir, operation, crash_after, None),
        [_, dir, operation, crash_after, url] => (dir, operation, crash_after, Some(url)),
        _ => {
            eprintln!("usage: fault-child DATA_DIR quick-delete|duress|content-update CRASH_AFTER [URL]");
            std::process::exit(2);
        }
    };
    let crash_after: u32 = crash_after.parse().expect("CRASH_AFTER is a number");
    let vault = fast_vault(std::path::Path::new(dir), ManualClock::new(1_800_000_000)).expect("the vault opens");
    arm_crash_after(crash_after);
    match operation.as_str() {
        "quick-delete" => vault.quick_delete().expect("quick delete"),
        "duress" => {
            let pin = Pin::normalise(DURESS_PIN).expect("a PIN");
            block_on(vault.unlock(pin, ProfileSelector::Any))
                .map(|_| ())
                .expect("the duress PIN opens the decoy");
        }
        "content-update" => {
            let url = url.expect("content-update needs the repository URL");
            let client = corridor_core::sync::HubClient::new(
                corridor_core::sync::HubUrl::parse(url).expect("a repository URL"),
                Default::default(),
            )
            .expect("a client");
            block_on(corridor_core::content::install::update(&vault, &client, &mut |_, _| {}))
                .map(|_| ())
                .expect("the update finishes");
        }
        other => {
            eprintln!("unknown operation {other}");
            std::process::exit(2);
        }
    }
}
