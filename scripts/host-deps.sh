#!/usr/bin/env bash
# What the service runs on the host (`npm start` calls this first): bubblewrap for the local
# sandbox and iptables for its loopback guard. Installs them when missing (root on Debian);
# otherwise says what to install and lets the start go on: the service then refuses what
# it cannot guard, and says so.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 0

# COMMAND=PACKAGE, by the paths the service runs them from.
HOST_DEPS=(/usr/bin/bwrap=bubblewrap /usr/sbin/iptables=iptables /usr/sbin/ip6tables=iptables)

if [ "${1:-}" = "--list" ]; then
  printf '%s\n' "${HOST_DEPS[@]}"
  exit 0
fi
bash scripts/install-missing.sh "${HOST_DEPS[@]}" \
  || echo "host-deps: starting without them (see above); sandboxed runs that need them will be refused" >&2
exit 0
