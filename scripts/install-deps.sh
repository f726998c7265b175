#!/usr/bin/env bash
# Installs what building and testing Corridor needs on Debian or Ubuntu, when it is missing:
# the C toolchain and OpenSSL headers for SQLCipher, pkg-config, util-linux (unshare, for the
# read-only and full-disk tests), strace (the no-network test of the duress path), procps (kill,
# for the crash tests), a JDK 17 and Maven for the Kotlin tests. Rust must be there.
set -euo pipefail

need=()
have_package() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for package in build-essential pkg-config libssl-dev util-linux strace procps; do
  have_package "$package" || need+=("$package")
done
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)

if [ "${#need[@]}" -gt 0 ]; then
  echo "installing: ${need[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need[@]}"
fi
command -v cargo >/dev/null 2>&1 || { echo "error: Rust (cargo) is required: https://rustup.rs" >&2; exit 1; }
