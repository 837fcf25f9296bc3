#!/usr/bin/env bash
# Installs RabbitMQ on this server (apt) if needed, starts it if it is not running, and makes
# a vhost and a user for fnstack. Idempotent: the password is generated once and kept in
# <env-file>.password (0600); the URL goes to <env-file> as FNSTACK_QUEUE_URL (0600), for
# DeployFnstack.sh --settings. The password never leaves the server.
#
#   InstallRabbitMQ.sh [--vhost /fnstack] [--user fnstack] [--env-file /etc/fnstack/rabbitmq.env]
#                      [--host 127.0.0.1] [--drop]
#
# --drop removes the vhost, the user and the files again (for tests and uninstall).
set -euo pipefail
VHOST=/fnstack MQ_USER=fnstack ENV_FILE=/etc/fnstack/rabbitmq.env HOST=127.0.0.1 DROP=0
log() { printf '%s InstallRabbitMQ: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --vhost) VHOST=$2; shift 2 ;;
    --user) MQ_USER=$2; shift 2 ;;
    --env-file) ENV_FILE=$2; shift 2 ;;
    --host) HOST=$2; shift 2 ;;
    --drop) DROP=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done
[[ "$VHOST" =~ ^/?[A-Za-z0-9_.-]{1,64}$ ]] || die "bad vhost '$VHOST'"
[[ "$MQ_USER" =~ ^[A-Za-z0-9_.-]{1,64}$ ]] || die "bad user name '$MQ_USER'"
[ "$(id -u)" = 0 ] || die "must run as root"
ctl() { rabbitmqctl -q "$@"; }

if [ "$DROP" = 1 ]; then
  ctl delete_vhost "$VHOST" 2>/dev/null || true
  ctl delete_user "$MQ_USER" 2>/dev/null || true
  rm -f "$ENV_FILE" "$ENV_FILE.password"
  echo "dropped vhost $VHOST and user $MQ_USER"
  exit 0
fi

if ! command -v rabbitmqctl >/dev/null; then
  log "installing rabbitmq-server"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends rabbitmq-server
fi

if ! ctl status >/dev/null 2>&1; then
  log "starting RabbitMQ"
  if [ -d /run/systemd/system ]; then
    systemctl enable --now rabbitmq-server
  else
    rabbitmq-server -detached
  fi
  for _ in $(seq 1 10); do rabbitmqctl -q await_startup >/dev/null 2>&1 && break; sleep 3; done
  ctl status >/dev/null 2>&1 || die "RabbitMQ did not start"
fi

install -d -m 0755 "$(dirname "$ENV_FILE")"
if [ ! -s "$ENV_FILE.password" ]; then
  ( umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$ENV_FILE.password" )
fi
PW=$(cat "$ENV_FILE.password")
ctl list_vhosts --no-table-headers 2>/dev/null | grep -qxF -- "$VHOST" || ctl add_vhost "$VHOST"
if ctl list_users --no-table-headers 2>/dev/null | cut -f1 | grep -qxF -- "$MQ_USER"; then
  ctl change_password "$MQ_USER" "$PW" >/dev/null
else
  ctl add_user "$MQ_USER" "$PW" >/dev/null
fi
ctl set_permissions -p "$VHOST" "$MQ_USER" '.*' '.*' '.*' >/dev/null
vhost_enc=$(printf '%s' "$VHOST" | sed 's|/|%2F|g')
( umask 077; printf 'FNSTACK_QUEUE_URL=amqp://%s:%s@%s:5672/%s\n' "$MQ_USER" "$PW" "$HOST" "$vhost_enc" >"$ENV_FILE.tmp" )
mv "$ENV_FILE.tmp" "$ENV_FILE"
echo "RabbitMQ vhost $VHOST ready for $MQ_USER; URL in $ENV_FILE"
