#!/usr/bin/env bash
# Builds a self-contained fnstack release tarball: the compiled service (dist/service, dist/cli),
# package.json and the production node_modules, with a `.fnstack-prebuilt` marker. Give its URL
# as the package's `packageSource` (or the Heat template's `package_source`): DeployFnstack.sh
# then installs it without npm, the registry or a compiler on the server.
#
#   murano-package/build-release.sh [--out FILE] [--cache DIR]
#
#   --out    the tarball (default <repo>/dist/release/fnstack-<version>-<hash>.tgz); its path is printed
#   --cache  where pruned production node_modules are kept, one tarball per package-lock.json
#            hash (default /var/cache/fnstack-release as root, else ~/.cache/fnstack-release), so
#            a run only pays `npm prune` when the lock file changed
#
# Needs a built checkout (`npm ci` and `npm run build`): it packs what is there, for this
# machine's architecture and Node ABI (better-sqlite3 is native). Deterministic content, not
# deterministic bytes. Concurrent runs are serialized per cache directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out="" cache=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --cache) cache=$2; shift 2 ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "build-release.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
log() { printf '%s build-release: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
if [ -z "$cache" ]; then
  if [ "$(id -u)" = 0 ]; then cache=/var/cache/fnstack-release; else cache=${XDG_CACHE_HOME:-$HOME/.cache}/fnstack-release; fi
fi
{ [ -f "$root/dist/cli/main.js" ] && [ -f "$root/dist/service/version.js" ] && [ -f "$root/dist/service/runner/warm-executor.cjs" ]; } || die "$root/dist is not built (npm run build)"
[ -d "$root/node_modules/better-sqlite3" ] || die "$root/node_modules is missing (npm ci)"
mkdir -p "$cache"
exec 8>"$cache/.lock"
flock -w 900 8 || die "another build-release.sh holds $cache/.lock"

# 1. production node_modules, cached by the lock file's hash
lock=$(cat "$root/package-lock.json" "$root/package.json" | sha256sum | cut -c1-16)
modules="$cache/node_modules-$lock.tar"
if [ -s "$modules" ]; then
  log "production node_modules $lock: cached ($modules)"
else
  log "production node_modules $lock: npm prune --omit=dev of a copy of $root/node_modules"
  tmp=$(mktemp -d "$cache/.prune.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  cp "$root/package.json" "$root/package-lock.json" "$tmp/"
  mkdir -p "$tmp/cli" && cp -r "$root/cli/package.json" "$root/cli/bin" "$tmp/cli/"
  # (-a keeps the workspace link node_modules/@fnstack/cli -> ../../cli; the checkout's
  # node_modules may itself be a link)
  mkdir "$tmp/node_modules" && cp -a "$(readlink -f "$root/node_modules")/." "$tmp/node_modules/"
  (cd "$tmp" && npm prune --omit=dev --ignore-scripts --offline --no-audit --no-fund --loglevel=error) >&2 \
    || die "npm prune failed"
  tar -C "$tmp" -cf "$modules.tmp" node_modules && mv "$modules.tmp" "$modules"
  rm -rf "$tmp"
  trap - EXIT
fi

# 2. the release: dist + package.json + those modules, under package/ like `npm pack`
version=$(node -p 'require(process.argv[1]).version' "$root/package.json")
content=$( (cd "$root" && find dist/service dist/cli -type f -name '*.js' -print0 | sort -z | xargs -0 sha256sum; sha256sum package.json) | sha256sum | cut -c1-12)
[ -n "$out" ] || out="$root/dist/release/fnstack-$version-$lock-$content.tgz"
if [ -s "$out" ]; then
  log "release $out: already built"
  echo "$out"
  exit 0
fi
mkdir -p "$(dirname "$out")"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/package/dist" "$stage/package/cli"
cp "$root/package.json" "$root/package-lock.json" "$stage/package/"
cp -r "$root/cli/package.json" "$root/cli/bin" "$stage/package/cli/"
(cd "$root/dist" && tar -cf - --exclude='*.map' service cli) | tar -xf - -C "$stage/package/dist"
tar -xf "$modules" -C "$stage/package"
echo "$version $lock $content" >"$stage/package/.fnstack-prebuilt"
tar -C "$stage" -czf "$out.tmp" package && mv "$out.tmp" "$out"
log "release $out ($(du -h "$out" | cut -f1))"
echo "$out"
