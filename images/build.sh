#!/usr/bin/env bash
# Builds the guest image of one fnstack runtime — a bootable qcow2 with cloud-init and the
# runtime's `node` on PATH, everything from Debian's packages — and, with --upload, puts
# it in Glance tagged for the openstack provider. See images/README.md.
#
#   images/build.sh [--runtime nodejs20] [--upload [--name N] [--visibility private|public|shared|community]
#                   [--property fnstack_runtime]] [--min-ram 512] [--size-mib 2048]
#                   [--cache-dir DIR] [--offline] [--rebuild] [--json]
#
# Cached by its inputs: this recipe's files, the runtime's file, the disk size, and the
# package indices of the Debian suites it installs from (the SHA-256 their signed InRelease
# gives for main/binary-amd64/Packages.xz). Same inputs → the cached image, in seconds;
# a package update in Debian, or an edit here → a new build. The cache is
# $FNSTACK_IMAGE_CACHE or /var/cache/fnstack/images (one directory per build, the newest
# two per runtime kept). --offline uses the newest cached build of this recipe without
# asking the mirror. Progress goes to stderr; stdout gets the qcow2's path, or with --json
# one JSON object describing what was done. Needs root (mmdebstrap, mkfs.ext4 on a tree
# owned by root); installs mmdebstrap and qemu-utils if missing (scripts/install-missing.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
started=$(date +%s)
say() { printf '%s [image] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-2}"; }

runtime=nodejs20 upload=0 name='' visibility=private property=fnstack_runtime min_ram=512 size_mib=2048
cache=${FNSTACK_IMAGE_CACHE:-/var/cache/fnstack/images} offline=0 rebuild=0 json=0
mirror=${FNSTACK_IMAGE_MIRROR:-http://deb.debian.org/debian}
security_mirror=${FNSTACK_IMAGE_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
while [ $# -gt 0 ]; do
  case $1 in
    --runtime) runtime=${2:?--runtime needs a value}; shift ;;
    --upload) upload=1 ;;
    --name) name=${2:?--name needs a value}; shift ;;
    --visibility) visibility=${2:?--visibility needs a value}; shift ;;
    --property) property=${2:?--property needs a value}; shift ;;
    --min-ram) min_ram=${2:?--min-ram needs a value}; shift ;;
    --size-mib) size_mib=${2:?--size-mib needs a value}; shift ;;
    --cache-dir) cache=${2:?--cache-dir needs a value}; shift ;;
    --offline) offline=1 ;;
    --rebuild) rebuild=1 ;;
    --json) json=1 ;;
    -h|--help) usage 0 ;;
    *) say "unknown option: $1"; usage ;;
  esac
  shift
done
conf=$here/runtimes/$runtime.conf
[ -f "$conf" ] || die "--runtime: no recipe for '$runtime' (images/runtimes/ has: $(cd "$here/runtimes" && ls | sed 's/\.conf$//' | tr '\n' ' '))"
[[ $min_ram =~ ^[0-9]+$ ]] || die "--min-ram: a number of MiB, not '$min_ram'"
[[ $size_mib =~ ^[0-9]+$ ]] && [ "$size_mib" -ge 1024 ] || die "--size-mib: a number of MiB ≥ 1024, not '$size_mib'"
case $visibility in private|public|shared|community) ;; *) die "--visibility: private, public, shared or community, not '$visibility'" ;; esac
SUITE='' NODE_MAJOR='' RUNTIME_PACKAGES=()
# shellcheck source=runtimes/nodejs20.conf
. "$conf"
[ -n "$SUITE" ] && [ -n "$NODE_MAJOR" ] && [ ${#RUNTIME_PACKAGES[@]} -gt 0 ] || die "$conf must set SUITE, NODE_MAJOR and RUNTIME_PACKAGES"

# What every guest has besides its runtime: a kernel whose virtio drivers are in its
# initrd, systemd (its networkd configures the network), cloud-init (with growpart; it
# wants a DHCP client for its own probing), GRUB's BIOS modules.
BASE_PACKAGES=(systemd-sysv udev linux-image-cloud-amd64 initramfs-tools cloud-init cloud-guest-utils
  dhcpcd-base iproute2 ca-certificates grub-pc-bin e2fsprogs)
SOURCES=("deb $mirror $SUITE main" "deb $mirror $SUITE-updates main" "deb $security_mirror $SUITE-security main")

# ---------------------------------------------------------------- the inputs → the key
recipe_hash=$(cat "$here/build.sh" "$here/guest-setup.sh" "$here/make-disk.sh" "$conf" | sha256sum | cut -c1-64)
# The SHA-256 of a suite's main/binary-amd64/Packages.xz, from its InRelease.
index_hash() {
  curl -fsS --max-time 30 "$1/dists/$2/InRelease" \
    | awk '/^SHA256:/ { s = 1; next } /^[^ ]/ { s = 0 } s && $3 == "main/binary-amd64/Packages.xz" && !found { print $1; found = 1 }'
}
find_cached() { # the newest build directory of this runtime and recipe, if any
  local d
  while read -r d; do
    [ -f "$d/image.qcow2" ] && grep -q "\"recipe\": \"$recipe_hash\"" "$d/build.json" 2>/dev/null && { echo "${d%/}"; return 0; }
  done < <(ls -1dt "$cache/$runtime"-*/ 2>/dev/null)
  return 1
}

mkdir -p "$cache"
key='' dir=''
if [ "$offline" = 0 ]; then
  indices=''
  for s in "$SUITE" "$SUITE-updates" "$SUITE-security"; do
    m=$mirror; [ "$s" = "$SUITE-security" ] && m=$security_mirror
    h=$(index_hash "$m" "$s") && [ -n "$h" ] || { indices=''; say "cannot read $m/dists/$s/InRelease"; break; }
    indices+="$s $h"$'\n'
  done
  if [ -n "$indices" ]; then
    key=$(printf 'recipe %s\nsize %s\nsources %s\n%s' "$recipe_hash" "$size_mib" "${SOURCES[*]}" "$indices" | sha256sum | cut -c1-16)
    dir=$cache/$runtime-$key
  fi
fi
if [ -z "$dir" ]; then
  dir=$(find_cached) || die "no cached build of this recipe in $cache, and the mirror cannot be asked for the package versions"
  key=${dir##*-}
  say "using the newest cached build of this recipe without checking the mirror: $dir"
fi

# ---------------------------------------------------------------- build (or reuse)
exec 9>"$cache/.$runtime.lock"
flock 9   # a concurrent build of the same runtime finishes first; then its result is reused
# (what a killed build of this runtime left; none can be running while we hold the lock)
find "$cache" -maxdepth 1 -name ".build-$runtime.*" -exec rm -rf --one-file-system {} +
cached=1
if [ "$rebuild" = 1 ] || [ ! -f "$dir/image.qcow2" ]; then
  cached=0
  [ "$(id -u)" = 0 ] || die "building needs root (mmdebstrap, and mkfs.ext4 copying a root-owned tree); run it with sudo"
  bash "$repo/scripts/install-missing.sh" mmdebstrap=mmdebstrap qemu-img=qemu-utils /usr/sbin/mkfs.ext4=e2fsprogs curl=curl || die "the build tools are missing (see above)"
  tmp=$(mktemp -d "$cache/.build-$runtime.XXXXXX")
  chmod 0755 "$tmp"   # apt downloads as _apt, which must reach rootfs/var/lib/apt/lists
  trap 'rm -rf --one-file-system "$tmp"' EXIT
  export FNSTACK_IMG_ROOT_UUID FNSTACK_IMG_NODE_MAJOR=$NODE_MAJOR
  FNSTACK_IMG_ROOT_UUID=$(cat /proc/sys/kernel/random/uuid)
  say "building $runtime ($SUITE, ${RUNTIME_PACKAGES[*]}) — a few minutes; log: $tmp/mmdebstrap.log"
  packages=$(IFS=,; echo "${BASE_PACKAGES[*]},${RUNTIME_PACKAGES[*]}")
  if ! mmdebstrap --mode=root --variant=minbase --include="$packages" \
      --aptopt='APT::Install-Recommends "false"' \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --customize-hook="$(printf %q "$here/guest-setup.sh") \"\$1\"" \
      "$SUITE" "$tmp/rootfs" "${SOURCES[@]}" >"$tmp/mmdebstrap.log" 2>&1; then
    tail -n 30 "$tmp/mmdebstrap.log" >&2
    die "mmdebstrap failed (last lines above)"
  fi
  bootstrapped=$(date +%s)
  dpkg-query --admindir="$tmp/rootfs/var/lib/dpkg" -W -f='${Package} ${Version}\n' >"$tmp/packages.txt"
  node_version=$(cat "$tmp/rootfs/etc/fnstack-node-version")
  kernel=$(basename "$(readlink "$tmp/rootfs/vmlinuz")")
  say "root tree ready in $((bootstrapped - started)) s ($(du -sm "$tmp/rootfs" | cut -f1) MiB, $(wc -l <"$tmp/packages.txt") packages, node $node_version, $kernel); making the disk"
  bash "$here/make-disk.sh" "$tmp/rootfs" "$tmp/image.qcow2" "$size_mib" "$FNSTACK_IMG_ROOT_UUID" >&2
  rm -rf --one-file-system "$tmp/rootfs"
  cat >"$tmp/build.json" <<JSON
{
  "runtime": "$runtime",
  "key": "$key",
  "recipe": "$recipe_hash",
  "suite": "$SUITE",
  "node_version": "$node_version",
  "kernel": "$kernel",
  "size_mib": $size_mib,
  "built_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "build_seconds": $(($(date +%s) - started))
}
JSON
  rm -rf --one-file-system "$dir"
  mv "$tmp" "$dir"
  trap - EXIT
  # keep the two newest builds of this runtime
  ls -1dt "$cache/$runtime"-*/ 2>/dev/null | tail -n +3 | while read -r old; do rm -rf --one-file-system "$old"; done
  say "built $dir/image.qcow2 ($(du -m "$dir/image.qcow2" | cut -f1) MiB) in $(($(date +%s) - started)) s"
else
  say "cached: $dir/image.qcow2 (inputs unchanged; --rebuild to build anyway)"
fi
flock -u 9
node_version=$(sed -n 's/.*"node_version": "\(.*\)".*/\1/p' "$dir/build.json")
min_disk=$(((size_mib + 1023) / 1024))

# ---------------------------------------------------------------- upload
glance_id='' glance_name='' uploaded=false
if [ "$upload" = 1 ]; then
  glance_name=${name:-fnstack-$runtime-$key}
  out=$(bash "$here/glance-upload.sh" "$dir/image.qcow2" "$glance_name" "$visibility" "$min_ram" "$min_disk" \
    "$property=$runtime" "fnstack_image_key=$key" "fnstack_node_version=$node_version" "os_distro=debian" "os_version=$SUITE") \
    || die "the upload to Glance failed"
  read -r glance_id uploaded <<<"$out"
fi

wall=$(($(date +%s) - started))
say "done in $wall s: $runtime image $([ "$cached" = 1 ] && echo "from the cache" || echo built), node $node_version, min_ram $min_ram MiB, min_disk $min_disk GiB$([ -n "$glance_id" ] && echo ", Glance image $glance_id ($glance_name, $property=$runtime, $([ "$uploaded" = true ] && echo uploaded || echo "already there"))")"
if [ "$json" = 1 ]; then
  q() { local s=${1//\\/\\\\}; printf '"%s"' "${s//\"/\\\"}"; }
  printf '{"runtime":%s,"key":%s,"cached":%s,"path":%s,"node_version":%s,"min_ram":%s,"min_disk":%s,"seconds":%s,"glance":%s}\n' \
    "$(q "$runtime")" "$(q "$key")" "$([ "$cached" = 1 ] && echo true || echo false)" "$(q "$dir/image.qcow2")" \
    "$(q "$node_version")" "$min_ram" "$min_disk" "$wall" \
    "$([ -n "$glance_id" ] && printf '{"id":%s,"name":%s,"uploaded":%s,"property":%s}' "$(q "$glance_id")" "$(q "$glance_name")" "$uploaded" "$(q "$property")" || echo null)"
else
  printf '%s\n' "$dir/image.qcow2"
fi
