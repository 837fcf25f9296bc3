#!/usr/bin/env bash
# Installs (or upgrades) the fnstack service on this server and (re)starts it. Idempotent.
#
#   DeployFnstack.sh --source SRC [--settings FILE]... [--port N] [--prefix DIR]
#                    [--data-dir DIR] [--user NAME|auto] [--init auto|systemd|pidfile]
#                    [--health-timeout S] [--skip-node-install]
#
#   --source      an http(s) URL of an `npm pack` tarball, a local .tgz path, or an npm spec;
#                 a release from murano-package/build-release.sh installs without npm
#   --settings    KEY=VALUE lines (FNSTACK_* keys; later files win); merged into
#                 <data-dir>/config.yaml (mode 0600, keys as in service/config.ts)
#   --port        API port (default 7700; FNSTACK_PORT in the settings wins over nothing,
#                 this flag wins over the settings)
#   --prefix      where the service is installed: <prefix>/app (default /opt/fnstack)
#   --data-dir    FNSTACK_DATA_DIR (default /var/lib/fnstack)
#   --user        account the service runs as; `auto` (default): root for the `local`
#                 provider (its sandbox needs root to give each run its own uid), else
#                 `fnstack` (created as a system user if missing)
#   --init        `systemd` (a fnstack.service unit), `pidfile` (a background process with
#                 <data-dir>/fnstack.pid and <data-dir>/fnstack.log), or `auto` (default:
#                 systemd when PID 1 is systemd, else pidfile)
#   --unit        systemd unit / process name (default fnstack)
#
# Node.js >= 20.19 is installed from nodejs.org (checksum verified) when missing or older.
# Exits non-zero, with the end of the service's log, when /health does not answer.
set -euo pipefail

SOURCE="" PREFIX=/opt/fnstack DATA_DIR=/var/lib/fnstack PORT="" RUN_USER=auto INIT=auto
UNIT=fnstack HEALTH_TIMEOUT=180 SKIP_NODE=0 SETTINGS=()
NODE_MAJOR=20 NODE_MIN=20.19.0

log() { printf '%s DeployFnstack: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --source) SOURCE=$2; shift 2 ;;
    --settings) SETTINGS+=("$2"); shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --prefix) PREFIX=$2; shift 2 ;;
    --data-dir) DATA_DIR=$2; shift 2 ;;
    --user) RUN_USER=$2; shift 2 ;;
    --init) INIT=$2; shift 2 ;;
    --unit) UNIT=$2; shift 2 ;;
    --health-timeout) HEALTH_TIMEOUT=$2; shift 2 ;;
    --skip-node-install) SKIP_NODE=1; shift ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done
[ -n "$SOURCE" ] || die "--source is required"
case "$INIT" in auto|systemd|pidfile) ;; *) die "--init must be auto, systemd or pidfile" ;; esac
[[ "$UNIT" =~ ^[A-Za-z0-9_.@-]+$ ]] || die "--unit: bad name '$UNIT'"
[ "$(id -u)" = 0 ] || die "must run as root"

# ---- settings: KEY=VALUE lines, later files win ------------------------------------------
declare -A CONF=()
for f in "${SETTINGS[@]}"; do
  [ -f "$f" ] || die "settings file $f does not exist"
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    case "$line" in ''|'#'*) continue ;; esac
    key=${line%%=*} value=${line#*=}
    [[ "$key" =~ ^FNSTACK_[A-Z0-9_]+$ ]] || die "$f: not a FNSTACK_* setting: $key"
    CONF[$key]=$value
  done <"$f"
done
[ -n "$PORT" ] && CONF[FNSTACK_PORT]=$PORT
PORT=${CONF[FNSTACK_PORT]:-7700}
[[ "$PORT" =~ ^[0-9]+$ ]] || die "port must be a number, not '$PORT'"
PROVIDER=${CONF[FNSTACK_PROVIDER]:-local}
unset 'CONF[FNSTACK_DATA_DIR]' 'CONF[FNSTACK_CONFIG]'   # given by the unit, not the file

if [ "$RUN_USER" = auto ]; then
  if [ "$PROVIDER" = local ]; then RUN_USER=root; else RUN_USER=fnstack; fi
fi
if [ "$INIT" = auto ]; then
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then INIT=systemd; else INIT=pidfile; fi
fi
log "source=$SOURCE prefix=$PREFIX data-dir=$DATA_DIR port=$PORT provider=$PROVIDER user=$RUN_USER init=$INIT"

# ---- Node.js -------------------------------------------------------------------------------
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }
node_ok() { command -v node >/dev/null && version_ge "$(node -p process.versions.node 2>/dev/null || echo 0)" "$NODE_MIN"; }

install_node() {
  local arch
  case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) die "no Node.js build for $(uname -m)" ;; esac
  command -v curl >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q curl ca-certificates xz-utils; }
  local base="https://nodejs.org/dist/latest-v${NODE_MAJOR}.x" tmp
  tmp=$(mktemp -d)
  curl -fsSL "$base/SHASUMS256.txt" -o "$tmp/SHASUMS256.txt"
  local file
  file=$(grep -o "node-v[0-9.]*-linux-$arch.tar.xz" "$tmp/SHASUMS256.txt" | head -n1)
  [ -n "$file" ] || die "no node-*-linux-$arch.tar.xz in $base/SHASUMS256.txt"
  log "installing Node.js: $file"
  curl -fsSL "$base/$file" -o "$tmp/$file"
  (cd "$tmp" && grep " $file\$" SHASUMS256.txt | sha256sum -c --quiet -) || die "checksum mismatch for $file"
  tar -xJf "$tmp/$file" -C /usr/local --strip-components=1 --no-same-owner
  rm -rf "$tmp"
  hash -r
}

if node_ok; then
  log "Node.js $(node -v) is recent enough"
elif [ "$SKIP_NODE" = 1 ]; then
  die "Node.js >= $NODE_MIN is required (found: $(node -v 2>/dev/null || echo none)) and --skip-node-install was given"
else
  install_node
  node_ok || die "Node.js install failed"
fi
NODE_BIN=$(command -v node)
NPM_BIN=$(command -v npm)

# ---- what the local provider's sandbox needs ------------------------------------------------
# bubblewrap makes every sandbox; iptables (or nft) keeps sandboxes with network off this
# machine's own services (without it the service refuses network-on functions).
if [ "$PROVIDER" = local ]; then
  missing=()
  command -v bwrap >/dev/null || missing+=(bubblewrap)
  command -v iptables >/dev/null || command -v nft >/dev/null || missing+=(iptables)
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
fi

# ---- the service account -----------------------------------------------------------------
if [ "$RUN_USER" != root ] && ! id -u "$RUN_USER" >/dev/null 2>&1; then
  log "creating system user $RUN_USER"
  useradd --system --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin "$RUN_USER"
fi

# ---- fetch, build, and swap in the new release -------------------------------------------
mkdir -p "$PREFIX/releases"
work=$(mktemp -d "$PREFIX/releases/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
case "$SOURCE" in
  http://*|https://*) log "downloading $SOURCE"; curl -fsSL "$SOURCE" -o "$work/src.tgz" ;;
  *.tgz|*.tar.gz) [ -f "$SOURCE" ] || die "$SOURCE does not exist"; cp "$SOURCE" "$work/src.tgz" ;;
  *) log "npm pack $SOURCE"
     (cd "$work" && "$NPM_BIN" pack --silent "$SOURCE" >pack.out) || die "npm pack $SOURCE failed"
     mv "$work/$(tail -n1 "$work/pack.out")" "$work/src.tgz" ;;
esac
sum=$(sha256sum "$work/src.tgz" | cut -c1-16)
release="$PREFIX/releases/$sum"
if [ -f "$release/.fnstack-built" ]; then
  log "release $sum is already built"
else
  log "installing release $sum"
  rm -rf "$release" && mkdir -p "$work/app"
  tar -xzf "$work/src.tgz" -C "$work/app" --strip-components=1 --no-same-owner
  [ -f "$work/app/package.json" ] || die "$SOURCE is not an npm package (no package.json)"
  if [ -f "$work/app/.fnstack-prebuilt" ]; then
    # murano-package/build-release.sh output: dist and production node_modules are inside
    log "release $sum is prebuilt ($(cat "$work/app/.fnstack-prebuilt")): no npm install"
    [ -f "$work/app/dist/cli/main.js" ] || die "$SOURCE: a prebuilt release without dist/cli/main.js"
  else
    (cd "$work/app" && "$NPM_BIN" install --no-audit --no-fund --loglevel=error >"$work/npm.log" 2>&1) \
      || { tail -n 40 "$work/npm.log" >&2; die "npm install failed"; }
    [ -f "$work/app/dist/cli/main.js" ] || (cd "$work/app" && "$NPM_BIN" run build >>"$work/npm.log" 2>&1) \
      || { tail -n 40 "$work/npm.log" >&2; die "build failed"; }
    (cd "$work/app" && "$NPM_BIN" prune --omit=dev --no-audit --no-fund --loglevel=error >>"$work/npm.log" 2>&1) || true
  fi
  touch "$work/app/.fnstack-built"
  chmod -R go+rX "$work/app"
  mv "$work/app" "$release"
fi
ln -sfn "$release" "$PREFIX/app.new" && mv -T "$PREFIX/app.new" "$PREFIX/app"
MAIN="$PREFIX/app/dist/cli/main.js"
[ -f "$MAIN" ] || die "$MAIN is missing"

# ---- configuration -----------------------------------------------------------------------
install -d -m 0750 "$DATA_DIR"
[ "$RUN_USER" = root ] || chown -R "$RUN_USER": "$DATA_DIR"
conf_tmp="$DATA_DIR/.config.yaml.tmp"
( umask 077
  {
    echo "# written by DeployFnstack.sh from the Murano settings; keys as in service/config.ts"
    for key in $(printf '%s\n' "${!CONF[@]}" | sort); do
      name=$(printf '%s' "${key#FNSTACK_}" | tr '[:upper:]' '[:lower:]')
      printf '%s: %s\n' "$name" "$(printf '%s' "${CONF[$key]}" | "$NODE_BIN" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.stringify(s)))')"
    done
  } >"$conf_tmp" )
[ "$RUN_USER" = root ] || chown "$RUN_USER": "$conf_tmp"
mv "$conf_tmp" "$DATA_DIR/config.yaml"

# ---- (re)start ---------------------------------------------------------------------------
PIDFILE="$DATA_DIR/$UNIT.pid" LOGFILE="$DATA_DIR/$UNIT.log"
if [ "$INIT" = systemd ]; then
  cat >"/etc/systemd/system/$UNIT.service" <<UNIT
[Unit]
Description=fnstack Function-as-a-Service
After=network-online.target mariadb.service rabbitmq-server.service
Wants=network-online.target

[Service]
User=$RUN_USER
Environment=FNSTACK_DATA_DIR=$DATA_DIR
Environment=NODE_ENV=production
WorkingDirectory=$DATA_DIR
ExecStart=$NODE_BIN $MAIN server
Restart=on-failure
RestartSec=3

[Install]
WantedBy=multi-user.target
UNIT
  systemctl daemon-reload
  systemctl enable "$UNIT.service" >/dev/null 2>&1
  systemctl restart "$UNIT.service"
  show_log() { journalctl -u "$UNIT.service" -n 40 --no-pager >&2 || true; }
else
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    old=$(cat "$PIDFILE")
    log "stopping the running service (pid $old)"
    kill -TERM "$old" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$old" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
  run_as=()
  [ "$RUN_USER" = root ] || run_as=(setpriv --reuid "$RUN_USER" --regid "$(id -g "$RUN_USER")" --init-groups --)
  # exec all the way down (subshell -> setsid -> setpriv -> node): the pid file holds the
  # service's own pid. A session of its own, so the murano agent's end does not take it along.
  ( cd "$DATA_DIR" || exit 1
    export FNSTACK_DATA_DIR="$DATA_DIR" NODE_ENV=production
    exec setsid "${run_as[@]}" "$NODE_BIN" "$MAIN" server >>"$LOGFILE" 2>&1 </dev/null ) &
  echo $! >"$PIDFILE"
  sleep 0.5
  grep -q "main.js" "/proc/$(cat "$PIDFILE")/cmdline" 2>/dev/null || { tail -n 40 "$LOGFILE" >&2; die "the service did not start"; }
  log "started pid $(cat "$PIDFILE"), log $LOGFILE"
  show_log() { tail -n 40 "$LOGFILE" >&2 || true; }
fi

# ---- health ------------------------------------------------------------------------------
url="http://127.0.0.1:$PORT/health"
deadline=$((SECONDS + HEALTH_TIMEOUT))
until curl -fsS -m 5 "$url" >/dev/null 2>&1; do
  if [ "$INIT" = pidfile ] && ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    show_log; die "the service exited; see $LOGFILE"
  fi
  [ $SECONDS -lt $deadline ] || { show_log; die "$url did not answer within ${HEALTH_TIMEOUT}s"; }
  sleep 1
done
log "fnstack answers $url"
echo "fnstack is running on port $PORT ($INIT, user $RUN_USER)"
