#!/usr/bin/env bash
# Makes sure programs are installed: for each COMMAND=PACKAGE argument whose COMMAND is not
# found (`command -v`; give a full path when the caller runs it by path, or when it lives in
# /usr/sbin, which a non-root PATH lacks), installs the Debian PACKAGE with apt-get. Quick
# when everything is there (no apt at all); `apt-get update` only when something is missing.
# Installing needs root and apt-get; without them it prints what to install.
#
#   scripts/install-missing.sh /usr/bin/bwrap=bubblewrap shellcheck=shellcheck …
#
# Exit status: 0 all present (now), 1 apt-get failed, 2 missing and not installable here.
set -euo pipefail

say() { printf '%s [install-missing] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# (bash's `command -v` also names a file it found but cannot run: check that it runs)
installed() { local path; path=$(command -v "$1") && [ -x "$path" ]; }

missing_cmds=() missing_pkgs=()
for pair in "$@"; do
  cmd=${pair%%=*} pkg=${pair#*=}
  if [ -z "$cmd" ] || [ -z "$pkg" ] || [ "$cmd" = "$pair" ]; then
    say "bad argument '$pair': expected COMMAND=PACKAGE"
    exit 2
  fi
  installed "$cmd" && continue
  missing_cmds+=("$cmd")
  case " ${missing_pkgs[*]} " in *" $pkg "*) ;; *) missing_pkgs+=("$pkg") ;; esac
done
[ ${#missing_cmds[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  say "missing: ${missing_cmds[*]}; install as root: apt-get install ${missing_pkgs[*]}"
  exit 2
fi

say "installing ${missing_pkgs[*]} (for ${missing_cmds[*]})"
# Other apt runs on this machine (a parallel test run, unattended upgrades) hold the lock:
# wait for it instead of failing.
apt_opts=(-q -o DPkg::Lock::Timeout=600)
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! apt-get "${apt_opts[@]}" update >"$log" 2>&1; then
  say "WARNING: apt-get update reported errors (trying the install anyway): $(tail -n 3 "$log")"
fi
if ! apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing_pkgs[@]}" >"$log" 2>&1; then
  say "ERROR: apt-get install ${missing_pkgs[*]} failed:"
  tail -n 20 "$log" >&2
  exit 1
fi
for cmd in "${missing_cmds[@]}"; do
  installed "$cmd" || { say "ERROR: $cmd is still missing after the install"; exit 1; }
done
say "installed ${missing_pkgs[*]}"
