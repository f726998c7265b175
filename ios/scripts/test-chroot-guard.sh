#!/usr/bin/env bash
# Tests ios/scripts/chroot-guard.sh with real bind mounts (needs root or sudo; run by
# scripts/test-ios.sh before it touches the chroot). A fake "repository" with a file in it is
# bind-mounted into a fake chroot reached through a symlinked cache directory whose real path
# has a space: the guard must see the mount, refuse to delete, keep the file, and unmount only
# what it mounted itself.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
# shellcheck source=chroot-guard.sh
. "$here/chroot-guard.sh"

scratch=$(mktemp -d)
failures=0
cleanup() {
  unmount_ours
  # Only after the mounts are gone, and never across file systems.
  if [ -z "$(mounts_under "$(cd "$scratch" && pwd -P)")" ]; then rm -rf --one-file-system "$scratch"; fi
}
trap cleanup EXIT
fail() { echo "chroot guard test FAILED: $*" >&2; failures=$((failures + 1)); }

mkdir -p "$scratch/real cache" "$scratch/repository"
echo "precious" >"$scratch/repository/file"
ln -s "real cache" "$scratch/linked-cache"

# A relative, symlinked cache setting resolves to the real path with its space.
cache=$(cd "$scratch" && canonical_directory linked-cache)
[ "$cache" = "$(cd "$scratch/real cache" && pwd -P)" ] || fail "canonical path of a relative symlink: $cache"
root="$cache/chroot"
repo="$(cd "$scratch/repository" && pwd -P)"
mkdir -p "$root$repo" "$root/proc"

mount_ours --bind "$repo" "$root$repo"
[ "${#our_mounts[@]}" -eq 1 ] || fail "the mount was not recorded"
[ "$(mounts_under "$root")" = "$root$repo" ] || fail "findmnt did not list the mount under '$root': '$(mounts_under "$root")'"
# The unresolved, symlinked path is what the old check compared: it must not be needed.
[ -z "$(mounts_under "$scratch/linked-cache/chroot")" ] || fail "mounts_under matched a non-canonical path"

if remove_chroot "$root" "$repo" 2>/dev/null; then fail "remove_chroot deleted a chroot with the repository mounted in it"; fi
[ -f "$repo/file" ] || fail "the repository's file is gone"

# A mount made by someone else (another run) survives unmount_ours.
other="$scratch/other mount"
mkdir -p "$other"
"${as_root[@]}" mount --bind "$repo" "$other"
unmount_ours
mountpoint -q "$root$repo" && fail "unmount_ours left its own mount"
mountpoint -q "$other" || fail "unmount_ours unmounted a mount it did not make"
"${as_root[@]}" umount "$other"

# /proc mounted in the chroot (a crashed run): refused, then cleared by unmount_leftovers.
"${as_root[@]}" mount -t proc proc "$root/proc"
if remove_chroot "$root" "$repo" 2>/dev/null; then fail "remove_chroot deleted a chroot with /proc mounted"; fi
unmount_leftovers "$root"
mountpoint -q "$root/proc" && fail "unmount_leftovers left /proc mounted"

remove_chroot "$root" "$repo" || fail "remove_chroot refused an unmounted chroot"
[ ! -e "$root" ] || fail "the chroot was not deleted"
[ -f "$repo/file" ] || fail "the repository's file is gone after deleting the chroot"

[ "$failures" -eq 0 ] || exit 1
echo "chroot guard: ok"
