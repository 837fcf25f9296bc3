# shellcheck shell=bash
# Common helpers for test/cloud/setup.sh and test/cloud/stop.sh (sourced, not run).

# Never the pyenv python3 on PATH: everything OpenStack runs with Debian's /usr/bin/python3.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin:/usr/local/bin
unset PYTHONPATH PYTHONHOME PYTHONSTARTUP PYENV_VERSION PYENV_ROOT VIRTUAL_ENV
# Stray OpenStack credentials in the caller's environment must not leak into our clients.
while IFS='=' read -r _v _; do unset "$_v"; done < <(env | grep -E '^OS_[A-Z_]+=' || true)
export LANG=C.UTF-8 LC_ALL=C.UTF-8

FNC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FNC_STATE=/var/lib/fnstack-test-cloud          # cloud.json, secrets, stamps
FNC_LOG=/var/log/fnstack-test-cloud            # one log per daemon + setup.log
FNC_RUN=/run/fnstack-test-cloud                # pid files (gone after a reboot, which is what we want)
FNC_PY=/usr/bin/python3
FNC_T0=${FNC_T0:-$(date +%s.%N)}

mkdir -p "$FNC_STATE/stamps" "$FNC_LOG" "$FNC_RUN"
chmod 0755 "$FNC_STATE" "$FNC_LOG"

log() { # timestamped progress line, also appended to setup.log
  local now el
  now=$(date +%s.%N)
  el=$(awk -v a="$now" -v b="$FNC_T0" 'BEGIN{printf "%6.1f", a-b}')
  printf '%s [+%ss] %s\n' "$(date +%H:%M:%S)" "$el" "$*" | tee -a "$FNC_LOG/setup.log"
}

die() { # die MESSAGE [LOGFILE]
  log "ERROR: $1" >&2
  if [ -n "${2:-}" ] && [ -f "$2" ]; then
    echo "----- last 40 lines of $2 -----" >&2
    tail -n 40 "$2" >&2
    echo "-----" >&2
  fi
  exit 1
}

# pid_alive NAME -> 0 if the pid file exists and the process is still the one we started
pid_alive() {
  local pf="$FNC_RUN/$1.pid" pid
  [ -f "$pf" ] || return 1
  pid=$(cat "$pf" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  # guard against pid reuse: the command line must mention the marker stored next to the pid
  local marker
  marker=$(cat "$FNC_RUN/$1.marker" 2>/dev/null || true)
  [ -z "$marker" ] && return 0
  grep -qF -- "$marker" < <(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
}

# start_daemon NAME USER MARKER CMD... : start CMD in the background as USER (cwd /),
# stdout+stderr to $FNC_LOG/NAME.log, pid in $FNC_RUN/NAME.pid
start_daemon() {
  local name=$1 user=$2 marker=$3; shift 3
  local logf="$FNC_LOG/$name.log"
  touch "$logf"; chown "$user" "$logf"
  printf '\n===== %s starting %s =====\n' "$(date -Is)" "$name" >>"$logf"
  echo "$marker" >"$FNC_RUN/$name.marker"
  # start-stop-daemon: --background forks, --make-pidfile records the exec'd pid, --output logs.
  start-stop-daemon --start --background --make-pidfile --pidfile "$FNC_RUN/$name.pid" \
    --chuid "$user" --chdir / --output "$logf" --exec "$1" -- "${@:2}" \
    || die "could not start $name" "$logf"
  # start-stop-daemon forks twice: the daemon's session id is not its pid; keep it for stop/cleanup
  local i pid=""
  for ((i = 0; i < 50; i++)); do
    pid=$(cat "$FNC_RUN/$name.pid" 2>/dev/null || true)
    [ -n "$pid" ] && break
    sleep 0.1
  done
  ps -o sid= -p "$pid" 2>/dev/null | tr -d ' ' >"$FNC_RUN/$name.sid" || true
}

# session_kill NAME SIGNAL: signal every process of NAME's session whose command line has NAME's marker
session_kill() {
  local name=$1 sig=$2 sid marker p n=0
  sid=$(cat "$FNC_RUN/$name.sid" 2>/dev/null || true)
  marker=$(cat "$FNC_RUN/$name.marker" 2>/dev/null || true)
  [ -n "$sid" ] && [ "$sid" != 0 ] && [ -n "$marker" ] || { echo 0; return 0; }
  for p in $(pgrep -s "$sid" 2>/dev/null || true); do
    if grep -qF -- "$marker" < <(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null); then
      kill "-$sig" "$p" 2>/dev/null && n=$((n + 1))
    fi
  done
  echo "$n"
}

# stop_daemon NAME [TIMEOUT]: TERM, wait, then KILL the process (and its process group children)
stop_daemon() {
  local name=$1 timeout=${2:-30} pf="$FNC_RUN/$1.pid" pid i
  if pid_alive "$name"; then
    pid=$(cat "$pf")
    # children of uwsgi masters / eventlet workers share the parent's session (start-stop-daemon setsid)
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < timeout * 5; i++)); do
      [ -d "/proc/$pid" ] || break
      sleep 0.2
    done
    if [ -d "/proc/$pid" ]; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  # leftover workers of the same session
  session_kill "$name" KILL >/dev/null
  rm -f "$pf" "$FNC_RUN/$name.marker" "$FNC_RUN/$name.sid" "$FNC_STATE/stamps/running-$name.hash"
}

# wait_http NAME URL TIMEOUT : wait until URL answers with any HTTP status < 500 (and the daemon lives)
wait_http() {
  local name=$1 url=$2 timeout=$3 code start
  start=$(date +%s)
  while true; do
    code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$url" 2>/dev/null || true)
    if [ -n "$code" ] && [ "$code" != 000 ] && [ "$code" -lt 500 ]; then return 0; fi
    if ! pid_alive "$name"; then die "$name died while starting (last HTTP code '$code' from $url)" "$FNC_LOG/$name.log"; fi
    if (($(date +%s) - start > timeout)); then die "$name did not answer on $url within ${timeout}s (last HTTP code '$code')" "$FNC_LOG/$name.log"; fi
    sleep 0.5
  done
}

http_ok() { # http_ok URL -> 0 if it answers < 500 quickly
  local code
  code=$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$1" 2>/dev/null || true)
  [ -n "$code" ] && [ "$code" != 000 ] && [ "$code" -lt 500 ]
}

# hash of a service's config files (restart a running daemon when they changed)
conf_hash() {
  local f
  for f in "$@"; do [ -r "$f" ] || die "cannot read $f (a daemon's configuration or program)"; done
  cat "$@" | sha256sum | cut -c1-16
}

# run_logged ERRLOG CMD... : run CMD, log each stdout line with a timestamp, stderr to ERRLOG; returns CMD's status
run_logged() {
  local errlog=$1 rc
  shift
  set +e
  "$@" 2>>"$errlog" | while IFS= read -r l; do log "  $l"; done
  rc=${PIPESTATUS[0]}
  set -e
  return "$rc"
}

# kill_leftovers NAME: the main process of NAME is gone but its workers (same session, same marker in
# their command line) may still hold the port: kill them.
kill_leftovers() {
  local name=$1 n
  [ -f "$FNC_RUN/$name.pid" ] || [ -f "$FNC_RUN/$name.sid" ] || return 0
  n=$(session_kill "$name" KILL)
  if [ "$n" -gt 0 ]; then
    log "$name: killed $n leftover process(es) of a dead daemon"
    sleep 1
  fi
  rm -f "$FNC_RUN/$name.pid" "$FNC_RUN/$name.sid"
}
