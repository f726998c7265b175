#!/usr/bin/env bash
# On a Mac with Xcode and rustup: builds the core's static library for the iOS device and the
# Simulator, generates the Swift bindings, and assembles ios/Frameworks/CorridorFFIRaw.xcframework
# and ios/Generated/CorridorFFI.swift for Package.swift. Not run (nor runnable) on Linux: the
# Linux tests compile the same Swift with swiftc against the host's libcorridor_ffi.so instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(uname)" = Darwin ] || { echo "error: this needs macOS with Xcode" >&2; exit 1; }

targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
rustup target add "${targets[@]}"
for target in "${targets[@]}"; do
  # SQLCipher needs OpenSSL's libcrypto; iOS has none, so it is built from source.
  cargo build -p corridor-ffi --release --target "$target" \
    --no-default-features --features sqlcipher-vendored-openssl
done

# The bindings are generated from a host build of the same crate (library mode reads its metadata).
scripts/build-bindings.sh
swift_out=target/generated-bindings/swift

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/headers"
cp "$swift_out/CorridorFFIRaw.h" "$work/headers/"
cp "$swift_out/CorridorFFIRaw.modulemap" "$work/headers/module.modulemap"
mkdir -p "$work/sim"
lipo -create target/aarch64-apple-ios-sim/release/libcorridor_ffi.a target/x86_64-apple-ios/release/libcorridor_ffi.a \
  -output "$work/sim/libcorridor_ffi.a"

rm -rf ios/Frameworks/CorridorFFIRaw.xcframework
mkdir -p ios/Frameworks ios/Generated
xcodebuild -create-xcframework \
  -library target/aarch64-apple-ios/release/libcorridor_ffi.a -headers "$work/headers" \
  -library "$work/sim/libcorridor_ffi.a" -headers "$work/headers" \
  -output ios/Frameworks/CorridorFFIRaw.xcframework
cp "$swift_out/CorridorFFI.swift" ios/Generated/
echo "ios/Frameworks/CorridorFFIRaw.xcframework and ios/Generated/CorridorFFI.swift are ready; open ios/App after xcodegen generate"
