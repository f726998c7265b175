//! Vault benchmarks (`cargo bench -p corridor-core --bench vault`), with production KDF
//! parameters:
//!
//! - one unlock attempt with the real PIN, the duress (decoy) PIN and a wrong PIN: the three
//!   medians must be within a few percent of each other (they run the same KDF and try the same
//!   slots);
//! - inserting 10,000 settings in one transaction and reading them back one by one, through the
//!   encrypted store and on plain SQLite with the same pragmas, side by side.

use std::sync::Arc;
use std::time::Duration;

use corridor_core::kdf::{KdfParams, KdfPolicy};
use corridor_core::pin::Pin;
use corridor_core::platform::SoftwareKeyStrengthener;
use corridor_core::runtime::block_on;
use corridor_core::secret::SecretKey;
use corridor_core::store::{open_encrypted, profile, settings, OpenMode};
use corridor_core::testing::ManualClock;
use corridor_core::vault::{ProfileSelector, Vault, VaultOptions};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

const REAL: &str = "482916";
const DURESS: &str = "505050";
const WRONG: &str = "730184";

fn unlock_paths(criterion: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(1_800_000_000);
    let options = VaultOptions {
        kdf_policy: KdfPolicy::PRODUCTION,
        new_directory_kdf: KdfParams::PRODUCTION,
        clock: clock.clone(),
    };
    let strengthener = Arc::new(SoftwareKeyStrengthener::in_data_dir(dir.path()).unwrap());
    let vault = Vault::open(dir.path(), strengthener, options).unwrap();
    let session = block_on(vault.setup_personal(Pin::normalise(REAL).unwrap(), None)).unwrap();
    block_on(session.set_duress_pin(Pin::normalise(REAL).unwrap(), Pin::normalise(DURESS).unwrap(), false)).unwrap();
    drop(session);

    let mut group = criterion.benchmark_group("unlock attempt (Argon2id 46 MiB, t=2, p=1)");
    group.sample_size(30).measurement_time(Duration::from_secs(12));
    for (label, pin, opens) in [
        ("real PIN", REAL, true),
        ("duress PIN (decoy)", DURESS, true),
        ("wrong PIN", WRONG, false),
    ] {
        group.bench_function(label, |bench| {
            bench.iter_batched(
                || {
                    // Past any delay, so that every wrong attempt runs the KDF.
                    clock.advance(Duration::from_secs(7200));
                    Pin::normalise(pin).unwrap()
                },
                |pin| {
                    let outcome = block_on(vault.unlock(pin, ProfileSelector::Any));
                    assert_eq!(outcome.is_ok(), opens);
                },
                BatchSize::PerIteration,
            )
        });
    }
    // The first duress unlock with erase also destroys the person's slot, writes a fresh empty
    // profile and deletes files: measured on its own, from a fresh phone each time.
    group.sample_size(20);
    group.bench_function("duress PIN with erase (first use)", |bench| {
        bench.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let options = VaultOptions {
                    kdf_policy: KdfPolicy::PRODUCTION,
                    new_directory_kdf: KdfParams::PRODUCTION,
                    clock: ManualClock::new(1_800_000_000),
                };
                let strengthener = Arc::new(SoftwareKeyStrengthener::in_data_dir(dir.path()).unwrap());
                let vault = Vault::open(dir.path(), strengthener, options).unwrap();
                let person = block_on(vault.setup_personal(Pin::normalise(REAL).unwrap(), None)).unwrap();
                block_on(person.set_duress_pin(Pin::normalise(REAL).unwrap(), Pin::normalise(DURESS).unwrap(), true))
                    .unwrap();
                drop(person);
                (dir, vault)
            },
            |(dir, vault)| {
                assert!(block_on(vault.unlock(Pin::normalise(DURESS).unwrap(), ProfileSelector::Any)).is_ok());
                dir
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

const RECORDS: usize = 10_000;

fn entries() -> Vec<(String, String)> {
    (0..RECORDS)
        .map(|i| (format!("setting.{i:05}"), format!("value number {i} with some text")))
        .collect()
}

fn settings_store(criterion: &mut Criterion) {
    let entries = entries();
    let mut group = criterion.benchmark_group("10,000 settings: insert in one transaction + read back");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    for encrypted in [true, false] {
        let label = if encrypted {
            "SQLCipher (encrypted store)"
        } else {
            "plain SQLite"
        };
        group.bench_function(label, |bench| {
            bench.iter_batched(
                || tempfile::tempdir().unwrap(),
                |dir| {
                    let path = dir.path().join("bench.db");
                    let mut connection = if encrypted {
                        open_encrypted(&path, &SecretKey::random().unwrap(), OpenMode::CreateIfMissing, &profile::SCHEMA).unwrap()
                    } else {
                        let mut plain = rusqlite::Connection::open(&path).unwrap();
                        plain
                            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY;")
                            .unwrap();
                        profile::SCHEMA.bring_up_to_date(&mut plain).unwrap();
                        plain
                    };
                    let transaction = connection.transaction().unwrap();
                    for (key, value) in &entries {
                        settings::set(&transaction, key, value, 0).unwrap();
                    }
                    transaction.commit().unwrap();
                    for (key, value) in &entries {
                        assert_eq!(settings::get(&connection, key).unwrap().as_deref(), Some(value.as_str()));
                    }
                    dir
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, unlock_paths, settings_store);
criterion_main!(benches);
