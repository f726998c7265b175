#!/usr/bin/env bash
# Builds the corridor-ffi library for this host and generates its Kotlin and Swift bindings in
# library mode with the global uniffi.toml. Generated files go to target/generated-bindings/ and
# are never committed.
#
#   scripts/build-bindings.sh             debug build, the library in target/debug/
#   scripts/build-bindings.sh --testing   adds the testing-hooks feature (JVM tests only)
#   scripts/build-bindings.sh --release   release build; the stripped library goes to target/dist/
#
# It fails when uniffi-bindgen prints any warning (0.32 ignores a malformed --config file with
# only a warning) and when uniffi.toml names a crate other than the FFI crate.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=debug
features=()
for argument in "$@"; do
  case "$argument" in
    --release) profile=release ;;
    --testing) features=(--features testing-hooks) ;;
    *) echo "usage: $0 [--release] [--testing]" >&2; exit 2 ;;
  esac
done
cargo_profile=()
[ "$profile" = release ] && cargo_profile=(--release)

ffi_crate=corridor_ffi
config="${CORRIDOR_UNIFFI_CONFIG:-uniffi.toml}"  # overridable only so a test can feed it a bad file

cargo build -q -p corridor-ffi "${cargo_profile[@]}" "${features[@]}"
cargo build -q -p uniffi-bindgen
library="target/$profile/lib${ffi_crate}.so"
[ -f "$library" ] || { echo "error: $library was not built" >&2; exit 1; }

out="${CORRIDOR_BINDINGS_OUT:-target/generated-bindings}"
rm -rf "$out"
mkdir -p "$out"
log="$out/bindgen.log"
for language in kotlin swift; do
  if ! target/debug/uniffi-bindgen generate --config "$config" --language "$language" \
      --no-format --out-dir "$out/$language" "$library" >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
  fi
  if grep -qi 'warning' "$log"; then
    echo "error: uniffi-bindgen warned while generating $language bindings:" >&2
    cat "$log" >&2
    exit 1
  fi
done

# Every [crates.NAME...] table must name the FFI crate: UniFFI ignores unknown names silently.
while read -r name; do
  if [ "$name" != "$ffi_crate" ]; then
    echo "error: $config configures crate '$name', but the FFI crate is '$ffi_crate'" >&2
    exit 1
  fi
done < <(sed -n 's/^\[crates\.\([^].]*\).*/\1/p' "$config" | sort -u)
grep -q "^\[crates\.$ffi_crate\." "$config" || { echo "error: $config has no [crates.$ffi_crate.*] table" >&2; exit 1; }

if [ "$profile" = release ]; then
  # Strip only now: library-mode generation above read metadata symbols from the library.
  mkdir -p target/dist
  cp "$library" target/dist/
  strip --strip-unneeded "target/dist/lib${ffi_crate}.so"
  cp "target/release/lib${ffi_crate}.a" target/dist/ 2>/dev/null || true
fi
echo "bindings: $out/kotlin and $out/swift generated from $library"
