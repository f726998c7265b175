#!/usr/bin/env bash
# Runs every test of Corridor from a fresh clone: installs missing system packages (and the pinned
# cargo-deny for the licence, ban and source checks), runs the Rust
# tests (core, CLI end to end, benchmarks once in test mode), generates the bindings and checks
# their configuration, then compiles the generated Kotlin and runs the JUnit tests on the JVM
# against the real library, then the Android shell's tests (scripts/test-android.sh) and the iOS
# shell's Swift tests in a Debian chroot it sets up when missing (scripts/test-ios.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

scripts/install-deps.sh

echo "== Static hygiene: licences, bans and sources (cargo-deny)"
deny_version=0.20.2
if ! cargo deny --version 2>/dev/null | grep -q "$deny_version"; then
  cargo install cargo-deny --locked --version "=$deny_version"
fi
cargo deny check licenses bans sources

echo "== Rust tests"
cargo test --workspace --all-targets

echo "== Bindings: a bad uniffi.toml must fail the bindings script"
bad=$(mktemp -d)
trap 'rm -rf "$bad"' EXIT
printf '[bindings.kotlin]\npackage_name = "org.corridor.ffi"\n' >"$bad/flat.toml"
printf '[crates.corridor_fii.bindings.kotlin]\npackage_name = "org.corridor.ffi"\n' >"$bad/misnamed.toml"
for config in flat misnamed; do
  if CORRIDOR_UNIFFI_CONFIG="$bad/$config.toml" CORRIDOR_BINDINGS_OUT="$bad/out" \
      scripts/build-bindings.sh --testing >"$bad/$config.log" 2>&1; then
    echo "error: the bindings script accepted a $config uniffi.toml" >&2
    cat "$bad/$config.log" >&2
    exit 1
  fi
  echo "refused the $config config: $(grep -m1 -i 'error' "$bad/$config.log")"
done

echo "== Bindings: generate Kotlin and Swift"
scripts/build-bindings.sh --testing
kotlin=target/generated-bindings/kotlin/org/corridor/ffi/corridor.kt
grep -q '^package org.corridor.ffi$' "$kotlin" || { echo "error: $kotlin lacks the configured package" >&2; exit 1; }

echo "== Kotlin tests on the JVM (the hub tests run target/debug/corridor hub serve)"
cargo build -q -p corridor-cli
mvn -B -q -f android/pom.xml test

echo "== The Android shell: every Kotlin source compiled against android-all, JVM and Robolectric tests"
scripts/test-android.sh

echo "== The iOS shell: CorridorKit and the view models compiled and tested on Linux (Swift in a Debian chroot)"
scripts/test-ios.sh

echo "all tests passed in $(( $(date +%s) - started )) s"
