#!/usr/bin/env bash
# Compiles the iOS shell's Swift layer (ios/: the generated Swift bindings, CorridorKit and the
# app's view models) on Linux and runs its XCTest tests against the real core library.
#
# Swift runs in a Debian trixie chroot (Debian's swiftlang ships swiftc, Foundation, XCTest and
# the Observation macros). The chroot is made once with debootstrap and kept outside the
# repository, in ${CORRIDOR_CACHE:-$HOME/.cache/corridor}/swift-trixie (about 450 MB to download,
# 3 GB on disk); a marker file written last says it is complete. While the tests run, /proc and
# this repository are mounted inside it (the repository at the same absolute path, so every path
# means the same inside and outside); on exit, whatever happens, this run unmounts what it mounted
# and nothing else. Deleting the chroot (to remake it) refuses while anything is mounted in it
# (ios/scripts/chroot-guard.sh, tested first by ios/scripts/test-chroot-guard.sh).
#
# Needs root (or sudo) for debootstrap, chroot and mount. Builds the bindings
# (scripts/build-bindings.sh --testing) when the generated Swift is missing or does not match the
# library, and always brings the corridor CLI up to date (cargo build: nothing to do when it is);
# the CLI publishes the starter content to a real hub on loopback for the content and report tests.
set -euo pipefail
# A relative CORRIDOR_CACHE means relative to where the script was started, not to the repository.
cache_setting="${CORRIDOR_CACHE:-$HOME/.cache/corridor}"
case "$cache_setting" in /*) ;; *) cache_setting="$PWD/$cache_setting" ;; esac
cd "$(dirname "$0")/.."
repo=$(pwd -P)
started=$(date +%s)

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)

# shellcheck source=../ios/scripts/chroot-guard.sh
. "$repo/ios/scripts/chroot-guard.sh"
# Canonical (symlinks resolved, relative made absolute): mounts are compared with the kernel's
# canonical mount table, so a symlinked ~/.cache or a relative CORRIDOR_CACHE must not hide them.
cache=$(canonical_directory "$cache_setting")
case "$cache/" in
  "$repo"/*) echo "error: the chroot cache $cache must be outside the repository" >&2; exit 1 ;;
esac
root=$(canonical_directory "$cache/swift-trixie")
case "$repo/" in
  "$root"/*) echo "error: the repository is inside the chroot $root" >&2; exit 1 ;;
esac
marker="$root/.corridor-swift-ready"
# Changing what the chroot holds means changing this line: a chroot with another recipe is remade.
recipe="trixie minbase + swiftlang libc6-dev libssl3t64 tzdata ca-certificates (1)"
mirror="${CORRIDOR_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
library_dir="$repo/target/debug"
out="$repo/target/swift-ios"

work=$(mktemp -d)
hub_pid=
cleanup() {
  if [ -n "$hub_pid" ]; then
    kill "$hub_pid" 2>/dev/null || true
    wait "$hub_pid" 2>/dev/null || true
    hub_pid=
  fi
  unmount_ours  # only what this run mounted: a run still waiting for the lock mounted nothing
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE  # exit, so that the EXIT trap unmounts

# The host tools this script uses besides debootstrap (installed below when the chroot is made).
need=()
command -v nm >/dev/null 2>&1 || need+=(binutils)
{ command -v flock && command -v findmnt && command -v mountpoint; } >/dev/null 2>&1 || need+=(util-linux)
{ command -v mount && command -v umount; } >/dev/null 2>&1 || need+=(mount)
if [ "${#need[@]}" -gt 0 ]; then
  echo "installing: ${need[*]}"
  { "${as_root[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${need[@]}"; } \
    >"$work/host-tools.log" 2>&1 || { cat "$work/host-tools.log" >&2; exit 1; }
fi

echo "== The chroot's guards against deleting through a mount"
ios/scripts/test-chroot-guard.sh

# One run at a time per chroot: a second run would mount over the first one's mounts.
exec 9>"$cache/swift-trixie.lock"
flock 9

echo "== Swift toolchain: a Debian trixie chroot in $root"
if [ -f "$marker" ] && [ "$(cat "$marker")" = "$recipe" ]; then
  echo "reusing it"
else
  # debootstrap does not quote its paths: it cannot make a chroot under a path with blanks.
  case "$root" in
    *[[:space:]]*) echo "error: debootstrap cannot make a chroot in '$root' (a blank in the path); set CORRIDOR_CACHE" >&2; exit 1 ;;
  esac
  # Debian's archive keyring too: Ubuntu's debootstrap does not carry it.
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  if ! command -v debootstrap >/dev/null 2>&1 || [ ! -f "$keyring" ]; then
    echo "installing debootstrap debian-archive-keyring"
    { "${as_root[@]}" apt-get update -qq \
        && DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq debootstrap debian-archive-keyring; } \
      >"$work/debootstrap-install.log" 2>&1 || { cat "$work/debootstrap-install.log" >&2; exit 1; }
  fi
  # An older debootstrap may not know trixie by name; its sid script makes the same layout.
  scripts_dir=/usr/share/debootstrap/scripts
  suite_script=()
  [ -e "$scripts_dir/trixie" ] || suite_script=("$scripts_dir/sid")
  # With the lock held: whatever is mounted in the chroot was left by a crashed run.
  unmount_leftovers "$root"
  remove_chroot "$root" "$repo" || exit 1
  setup_started=$(date +%s)
  "${as_root[@]}" debootstrap --variant=minbase --keyring="$keyring" trixie "$root" "$mirror" "${suite_script[@]}" \
    >"$work/debootstrap.log" 2>&1 || {
    tail -n 30 "$work/debootstrap.log" >&2
    exit 1
  }
  "${as_root[@]}" cp /etc/resolv.conf "$root/etc/resolv.conf"
  mount_ours -t proc proc "$root/proc"
  "${as_root[@]}" chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends swiftlang libc6-dev libssl3t64 tzdata ca-certificates && apt-get clean' \
    >"$work/apt.log" 2>&1 || {
    tail -n 30 "$work/apt.log" >&2
    exit 1
  }
  unmount_ours
  echo "$recipe" | "${as_root[@]}" tee "$marker" >/dev/null
  echo "made it in $(( $(date +%s) - setup_started )) s"
fi

echo "== The core library, its Swift bindings and the corridor CLI"
# The tests use a snapshot of the library and of its generated Swift in target/swift-ios/ffi, so
# that another build in the shared target/ (which regenerates the bindings) cannot change them
# half-way. The generated Swift must match the library: generated after it was built, and the
# functions its header declares exactly the ones it exports (a library built since, with new
# functions or without the testing hooks, means generating again).
ffi="$out/ffi"
take_snapshot() {
  rm -rf "$ffi"
  mkdir -p "$ffi"
  local file
  for file in CorridorFFI.swift CorridorFFIRaw.h CorridorFFIRaw.modulemap; do
    cp -p "$repo/target/generated-bindings/swift/$file" "$ffi/" 2>/dev/null || return 1
  done
  cp -p "$library_dir/libcorridor_ffi.so" "$ffi/" 2>/dev/null || return 1
  # Generated from this library or a later one (a signature change keeps the names; the checksums
  # the generated Swift checks at load would then stop the tests).
  [ "$ffi/CorridorFFIRaw.h" -nt "$ffi/libcorridor_ffi.so" ] || return 1
  [ "$(grep -o 'uniffi_corridor_ffi_[a-z0-9_]*' "$ffi/CorridorFFIRaw.h" | sort -u)" \
    = "$(nm -D --defined-only "$ffi/libcorridor_ffi.so" | awk '{ print $3 }' | grep '^uniffi_corridor_ffi_' | sort -u)" ]
}
if ! take_snapshot; then
  scripts/build-bindings.sh --testing
  take_snapshot || { echo "error: the generated Swift does not match target/debug/libcorridor_ffi.so" >&2; exit 1; }
fi
# Always: a CLI older than the core would publish content the core no longer reads (cargo does
# nothing when it is up to date).
cargo build -q -p corridor-cli

echo "== A real hub on loopback serving the starter content, signed with fresh editor keys"
hub_data="$work/hub"
mkdir -p "$hub_data"
: >"$work/hub.log"  # exists before the hub starts writing, so the loop below can always read it
# 9>&-: the hub must not inherit the chroot lock (a hub left behind would hold it).
"$library_dir/corridor" hub serve --data "$hub_data" --addr 127.0.0.1:0 >/dev/null 2>>"$work/hub.log" 9>&- &
hub_pid=$!
hub_address=
for _ in $(seq 300); do
  hub_address=$(sed -n 's/.*listening on \([0-9.]*:[0-9]*\).*/\1/p' "$work/hub.log" | head -n 1)
  [ -n "$hub_address" ] && break
  kill -0 "$hub_pid" 2>/dev/null || { cat "$work/hub.log" >&2; echo "error: the hub stopped" >&2; exit 1; }
  sleep 0.1
done
[ -n "$hub_address" ] || { cat "$work/hub.log" >&2; echo "error: the hub did not start" >&2; exit 1; }

editor() {
  CORRIDOR_KEY_PASSPHRASE="editors keep this passphrase safe" \
    "$library_dir/corridor" --data-dir "$work/editor" "$@" >>"$work/editor.log" 2>&1 || {
    cat "$work/editor.log" >&2
    echo "error: corridor $* failed" >&2
    exit 1
  }
}
content_repo="$work/repo"
for key in a b c d e; do editor content keygen --out "$work/$key.key"; done
editor content init-repo "$content_repo" \
  --keys "$work/a.key.pub,$work/b.key.pub,$work/c.key.pub" --threshold 2 \
  --safety-keys "$work/d.key.pub,$work/e.key.pub" --safety-threshold 2
for key in a b; do editor content sign --repo "$content_repo" --key "$work/$key.key"; done
editor content publish --repo "$content_repo"
editor content build "$repo/content" --repo "$content_repo"
for key in a b d e; do editor content sign --repo "$content_repo" --key "$work/$key.key"; done
editor content publish --repo "$content_repo"
mkdir -p "$hub_data/content"
cp -r "$content_repo" "$hub_data/content/repo"
rm -rf "$hub_data/content/repo/staged"
# A peer educator's account for the tablet test (educator at the beitbridge site).
educator_password="a long enough password for the tablet"
CORRIDOR_HUB_PASSWORD="$educator_password" "$library_dir/corridor" hub user add --data "$hub_data" \
  --role educator --site beitbridge tablet-1 >>"$work/editor.log" 2>&1 || { cat "$work/editor.log" >&2; exit 1; }
# The shipped root the app would carry, where the chroot can read it.
mkdir -p "$out"
cp "$content_repo/root/1.json" "$out/content-root.json"

echo "== Compiling the Swift layer and its tests (swiftc in the chroot)"
# XCTest cannot discover tests on Linux: each class lists its tests in allTests and main.swift
# lists the classes. A test left out of either would never run, so that is an error (the check
# is tested first on fixtures).
ios/scripts/test-check-test-lists.sh
ios/scripts/check-test-lists.sh ios/Tests
mount_ours -t proc proc "$root/proc"
"${as_root[@]}" mkdir -p "$root$repo"
mount_ours --bind "$repo" "$root$repo"

in_chroot() {
  "${as_root[@]}" chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8 TZ=Africa/Maputo "$@"
}

# Debian's libswiftObservation.so refers to swift::threading::fatal, which no library of the
# package defines (it is reached only on a fatal threading error); the links allow that one gap.
swift_flags=(-swift-version 5 -Onone -g -enable-testing -I "$out" -I "$ffi"
  -Xcc "-fmodule-map-file=$ffi/CorridorFFIRaw.modulemap" -Xlinker --allow-shlib-undefined)
sources_of() { find "$@" -name '*.swift' | sort; }
compile_module() {
  local name=$1
  shift
  in_chroot swiftc "${swift_flags[@]}" -parse-as-library -emit-library -emit-module \
    -module-name "$name" -emit-module-path "$out/$name.swiftmodule" -o "$out/lib$name.so" \
    "$@" >"$out/$name.log" 2>&1 || { cat "$out/$name.log" >&2; echo "error: $name did not compile" >&2; exit 1; }
  grep -h '^/.*warning:' "$out/$name.log" | grep -v "^$ffi/" | sort -u >&2 || true
}

compile_module CorridorFFI "$ffi/CorridorFFI.swift" -L "$ffi" -lcorridor_ffi
compile_module CorridorKit $(sources_of ios/Sources/CorridorKit | sed "s|^|$repo/|") -L "$out" -lCorridorFFI
compile_module CorridorAppModel $(sources_of ios/Sources/CorridorAppModel | sed "s|^|$repo/|") \
  -L "$out" -lCorridorKit -lCorridorFFI
in_chroot swiftc "${swift_flags[@]}" -module-name CorridorTests -o "$out/corridor-tests" \
  -Xcc "-fmodule-map-file=$repo/ios/Tests/LinuxSupport/module.modulemap" \
  $(sources_of ios/Tests/CorridorKitTests ios/Tests/CorridorAppModelTests ios/Tests/LinuxSupport | sed "s|^|$repo/|") \
  -L "$out" -lCorridorAppModel -lCorridorKit -lCorridorFFI -L "$ffi" -lcorridor_ffi \
  -Xlinker -l:libcrypto.so.3 >"$out/tests.log" 2>&1 || { cat "$out/tests.log" >&2; echo "error: the tests did not compile" >&2; exit 1; }

# What only Apple's SDK can compile (the SwiftUI views, and the Keychain, Secure Enclave,
# notification and background-task code behind #if) is at least parsed: swiftc -parse checks
# the syntax of every file, inactive #if branches included, without type-checking.
in_chroot swiftc -parse $(sources_of ios/App ios/Sources | sed "s|^|$repo/|") >"$out/parse.log" 2>&1 \
  || { cat "$out/parse.log" >&2; echo "error: the app's Swift does not parse" >&2; exit 1; }

echo "== Running the Swift tests"
in_chroot /usr/bin/env LD_LIBRARY_PATH="$out:$ffi" \
  CORRIDOR_TEST_HUB="http://$hub_address" \
  CORRIDOR_TEST_CONTENT_ROOT="$out/content-root.json" \
  CORRIDOR_TEST_IOS_DIR="$repo/ios" \
  CORRIDOR_TEST_EDUCATOR="tablet-1" CORRIDOR_TEST_EDUCATOR_PASSWORD="$educator_password" \
  "$out/corridor-tests"

echo "iOS Swift tests passed in $(( $(date +%s) - started )) s"
