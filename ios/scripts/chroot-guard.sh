# Sourced by scripts/test-ios.sh (and by ios/scripts/test-chroot-guard.sh, which tests it): the
# parts of the chroot's handling that could delete the repository if they were wrong.
#
# The chroot has the repository bind-mounted inside it while the tests run. Deleting the chroot
# (to remake it) while that mount is there would delete the repository through it. So: every
# path is canonical before it is compared with the kernel's mount table; mounts are found with
# findmnt (whose raw output escapes spaces as \x20, decoded here); the deletion refuses when
# anything is mounted at or under the chroot, and never crosses into another file system.
#
# Needs: as_root (an array, empty or (sudo)).

# The canonical absolute path of a directory, made if missing (symlinks resolved, relative paths
# made absolute).
canonical_directory() {
  mkdir -p -- "$1" && (cd -- "$1" && pwd -P)
}

# Every mount point at or under the canonical path $1, deepest first.
mounts_under() {
  local target decoded
  findmnt -rno TARGET | while IFS= read -r target; do
    printf -v decoded '%b' "$target"
    case "$decoded" in
      "$1" | "$1"/*) printf '%s\n' "$decoded" ;;
    esac
  done | sort -r
}

# The mounts this run made, in order; unmount_ours undoes them in reverse and nothing else (a
# run waiting for the lock must not unmount the mounts of the run holding it).
our_mounts=()
mount_ours() {
  local target=${*: -1}
  "${as_root[@]}" mount "$@" || return 1
  our_mounts+=("$target")
}
unmount_ours() {
  local index
  for (( index=${#our_mounts[@]} - 1; index >= 0; index-- )); do
    "${as_root[@]}" umount -- "${our_mounts[index]}" 2>/dev/null \
      || "${as_root[@]}" umount -l -- "${our_mounts[index]}" || true
  done
  our_mounts=()
}

# Unmounts whatever a crashed earlier run left under the chroot $1. Only with the chroot's lock
# held (then no other run is using those mounts).
unmount_leftovers() {
  local mounted
  while IFS= read -r mounted; do
    [ -n "$mounted" ] || continue
    "${as_root[@]}" umount -- "$mounted" 2>/dev/null || "${as_root[@]}" umount -l -- "$mounted" || true
  done < <(mounts_under "$1")
}

# Deletes the chroot $1 (canonical) unless anything is mounted in it: refuses when the
# repository's place $1$2 or $1/proc is a mount point or findmnt lists anything at or under $1.
remove_chroot() {
  local root=$1 repo=$2 found
  case "$root" in
    /*/*) ;;
    *) echo "error: refusing to delete '$root': not a canonical path two levels deep" >&2; return 1 ;;
  esac
  if mountpoint -q -- "$root$repo" 2>/dev/null || mountpoint -q -- "$root/proc" 2>/dev/null; then
    echo "error: the repository or /proc is still mounted in $root; not deleting it" >&2
    return 1
  fi
  found=$(mounts_under "$root")
  if [ -n "$found" ]; then
    echo "error: still mounted under $root, not deleting it:" >&2
    printf '%s\n' "$found" >&2
    return 1
  fi
  "${as_root[@]}" rm -rf --one-file-system -- "$root"
}
