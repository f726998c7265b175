#!/usr/bin/env bash
# Compiles every Kotlin source of the Android shell (android/app: the app, the library layer in
# android/src/main/kotlin and the generated bindings) against the Android framework jar that
# Robolectric publishes on Maven Central (org.robolectric:android-all, API 34), and runs its
# tests: plain JVM tests of the presenters and Robolectric tests of what touches Android APIs,
# all against the real core library through JNA (some with a real hub: `corridor hub serve`).
#
# Self-contained and idempotent: installs a JDK and Maven when missing (scripts/install-deps.sh),
# builds the library and generates the bindings (scripts/build-bindings.sh --testing; cargo
# rebuilds nothing when nothing changed), builds the corridor CLI, and lets Maven download what
# it lacks into ~/.m2 (about 580 MB the first time: the framework jar, the instrumented one
# Robolectric runs on, Robolectric itself; under 2 minutes on this machine's network). Nothing from the Android SDK is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

scripts/install-deps.sh

echo "== Android shell: the library and its Kotlin bindings"
scripts/build-bindings.sh --testing
cargo build -q -p corridor-cli

echo "== Android shell: compile against android-all (API 34) and run the JVM and Robolectric tests"
mvn -B -q -f android/app/pom.xml test

echo "android shell tests passed in $(( $(date +%s) - started )) s"
