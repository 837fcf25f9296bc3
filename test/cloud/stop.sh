#!/bin/bash
# Stops the OpenStack daemons that test/cloud/setup.sh started (by their pid files in /run/fnstack-test-cloud).
# MariaDB and RabbitMQ are shared with the rest of the machine and are left running.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "$0 must run as root" >&2; exit 1; }
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
order=(horizon murano-api nova-compute nova-scheduler nova-conductor nova-api neutron glance placement keystone)
pids=()
for n in "${order[@]}"; do
  if pid_alive "$n"; then
    log "stopping $n (pid $(cat "$FNC_RUN/$n.pid"))"
    stop_daemon "$n" 30 &
    pids+=($!)
  else
    rm -f "$FNC_RUN/$n.pid" "$FNC_RUN/$n.marker"
  fi
done
for p in "${pids[@]}"; do wait "$p" || true; done
log "all fnstack test cloud daemons stopped"
