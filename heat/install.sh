#!/bin/bash
# user_data of heat/fnstack.yaml (a str_replace template: the __FNSTACK_*__ markers are the
# stack's parameters, the four scripts are murano-package/Resources/scripts, inlined).
# Does what io.fnstack.Fnstack.deploy does through the murano agent: settings.env from the
# parameters, the bundled MariaDB/RabbitMQ if asked, DeployFnstack.sh, the Keystone
# registration; then signals the stack's wait condition (SUCCESS with the endpoint, or
# FAILURE with the end of the log). Log: /var/log/fnstack-install.log.
# shellcheck disable=SC2153 # the P_* variables are set by printf -v from the parameter lines
set -euo pipefail
exec >>/var/log/fnstack-install.log 2>&1
umask 077
DIR=/var/lib/fnstack-install
mkdir -p "$DIR/scripts" /etc/fnstack
report() { printf '%s fnstack-install: %s\n' "$(date -u +%H:%M:%S)" "$*"; }
signal() { # signal STATUS REASON [DATA]
  local body
  body=$(printf '{"status": "%s", "reason": "%s", "data": "%s"}' "$1" "$(json_text "$2")" "$(json_text "${3:-}")")
  for _ in 1 2 3 4 5; do
    __FNSTACK_SIGNAL__ -sS -o /dev/null --data-binary "$body" && return 0
    sleep 3
  done
  report "could not signal the wait condition"
}
json_text() { printf '%s' "$1" | tr '\n' '|' | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g' | tail -c 2000; }
fail() {
  report "ERROR: $*"
  signal FAILURE "$*" "$(tail -n 20 /var/log/fnstack-install.log)"
  exit 1
}
trap 'fail "line $LINENO failed (see /var/log/fnstack-install.log)"' ERR

cat >"$DIR/scripts/DeployFnstack.sh" <<'FNSTACK_EOF_DEPLOY'
__FNSTACK_DEPLOY_SCRIPT__
FNSTACK_EOF_DEPLOY
cat >"$DIR/scripts/InstallMariaDB.sh" <<'FNSTACK_EOF_MARIADB'
__FNSTACK_MARIADB_SCRIPT__
FNSTACK_EOF_MARIADB
cat >"$DIR/scripts/InstallRabbitMQ.sh" <<'FNSTACK_EOF_RABBITMQ'
__FNSTACK_RABBITMQ_SCRIPT__
FNSTACK_EOF_RABBITMQ
cat >"$DIR/scripts/RegisterKeystone.sh" <<'FNSTACK_EOF_KEYSTONE'
__FNSTACK_KEYSTONE_SCRIPT__
FNSTACK_EOF_KEYSTONE
chmod 0700 "$DIR"/scripts/*.sh

# one parameter a line (the template refuses line breaks in them)
while IFS='=' read -r key value; do printf -v "P_$key" '%s' "$value"; done <<'FNSTACK_EOF_PARAMS'
SOURCE=__FNSTACK_SOURCE__
PORT=__FNSTACK_PORT__
PROVIDER=__FNSTACK_PROVIDER__
AUTH_MODE=__FNSTACK_AUTH_MODE__
REGISTER=__FNSTACK_REGISTER__
SERVICE_NAME=__FNSTACK_SERVICE_NAME__
DATABASE_MODE=__FNSTACK_DATABASE_MODE__
DATABASE_URL=__FNSTACK_DATABASE_URL__
QUEUE_MODE=__FNSTACK_QUEUE_MODE__
QUEUE_URL=__FNSTACK_QUEUE_URL__
OS_AUTH_URL=__FNSTACK_OS_AUTH_URL__
OS_USERNAME=__FNSTACK_OS_USERNAME__
OS_PASSWORD=__FNSTACK_OS_PASSWORD__
OS_PROJECT_NAME=__FNSTACK_OS_PROJECT_NAME__
OS_USER_DOMAIN_NAME=__FNSTACK_OS_USER_DOMAIN_NAME__
OS_PROJECT_DOMAIN_NAME=__FNSTACK_OS_PROJECT_DOMAIN_NAME__
OS_REGION=__FNSTACK_OS_REGION__
OS_FLAVORS=__FNSTACK_OS_FLAVORS__
OS_NETWORK=__FNSTACK_OS_NETWORK__
OS_IMAGE_PROPERTY=__FNSTACK_OS_IMAGE_PROPERTY__
OS_POOL_SIZE=__FNSTACK_OS_POOL_SIZE__
SANDBOX_EGRESS_DENY=__FNSTACK_SANDBOX_EGRESS_DENY__
PUBLIC_HOST=__FNSTACK_PUBLIC_HOST__
INTERNAL_HOST=__FNSTACK_INTERNAL_HOST__
FNSTACK_EOF_PARAMS
REGISTER=$(printf '%s' "$P_REGISTER" | tr '[:upper:]' '[:lower:]')
PUBLIC_URL="http://$P_PUBLIC_HOST:$P_PORT"
INTERNAL_URL="http://$P_INTERNAL_HOST:$P_PORT"
report "server $(hostname) is up ($P_INTERNAL_HOST)"

# the checks of io.fnstack.Fnstack._checkSettings
if { [ "$P_PROVIDER" = openstack ] || [ "$P_AUTH_MODE" = keystone ] || [ "$REGISTER" = true ]; } && [ -z "$P_OS_AUTH_URL" ]; then
  fail "The openstack provider, Keystone auth and the Keystone registration need the Keystone URL and the service credentials"
fi
if [ -n "$P_OS_AUTH_URL" ] && { [ -z "$P_OS_USERNAME" ] || [ -z "$P_OS_PASSWORD" ] || [ -z "$P_OS_PROJECT_NAME" ]; }; then
  fail "With a Keystone URL, the service user name, password and project are required"
fi
[ "$P_DATABASE_MODE" != external ] || [ -n "$P_DATABASE_URL" ] || fail "An external database needs its mariadb:// URL"
[ "$P_QUEUE_MODE" != external ] || [ -n "$P_QUEUE_URL" ] || fail "An external queue needs its amqp:// URL"

# settings.env: the pairs of io.fnstack.Fnstack._settings, unset values left out
{
  echo "FNSTACK_HOST=0.0.0.0"
  echo "FNSTACK_PORT=$P_PORT"
  echo "FNSTACK_PUBLIC_URL=$PUBLIC_URL"
  echo "FNSTACK_PROVIDER=$P_PROVIDER"
  echo "FNSTACK_AUTH_MODE=$P_AUTH_MODE"
  [ -z "$P_SANDBOX_EGRESS_DENY" ] || echo "FNSTACK_SANDBOX_EGRESS_DENY=$P_SANDBOX_EGRESS_DENY"
  [ "$P_DATABASE_MODE" != external ] || echo "FNSTACK_DATABASE_URL=$P_DATABASE_URL"
  [ "$P_QUEUE_MODE" != external ] || echo "FNSTACK_QUEUE_URL=$P_QUEUE_URL"
  if [ -n "$P_OS_AUTH_URL" ]; then
    for k in OS_AUTH_URL OS_USERNAME OS_PASSWORD OS_PROJECT_NAME OS_USER_DOMAIN_NAME OS_PROJECT_DOMAIN_NAME \
      OS_REGION OS_FLAVORS OS_NETWORK OS_IMAGE_PROPERTY OS_POOL_SIZE; do
      v="P_$k"
      [ -z "${!v}" ] || echo "FNSTACK_$k=${!v}"
    done
  fi
} >"$DIR/settings.env"

extra=()
if [ "$P_DATABASE_MODE" = bundled ]; then
  report "Installing MariaDB"
  bash "$DIR/scripts/InstallMariaDB.sh" --database fnstack --user fnstack --env-file /etc/fnstack/mariadb.env
  extra+=(--settings /etc/fnstack/mariadb.env)
fi
if [ "$P_QUEUE_MODE" = bundled ]; then
  report "Installing RabbitMQ"
  bash "$DIR/scripts/InstallRabbitMQ.sh" --vhost /fnstack --user fnstack --env-file /etc/fnstack/rabbitmq.env
  extra+=(--settings /etc/fnstack/rabbitmq.env)
fi
report "Installing fnstack from $P_SOURCE"
bash "$DIR/scripts/DeployFnstack.sh" --source "$P_SOURCE" --port "$P_PORT" --settings "$DIR/settings.env" "${extra[@]}"
report "fnstack is running and answers /health"
if [ "$REGISTER" = true ]; then
  report "Registering service $P_SERVICE_NAME (type function) in Keystone"
  bash "$DIR/scripts/RegisterKeystone.sh" --settings "$DIR/settings.env" --service-name "$P_SERVICE_NAME" \
    --region "$P_OS_REGION" --public-url "$PUBLIC_URL" --internal-url "$INTERNAL_URL" --admin-url "$INTERNAL_URL"
fi
report "fnstack is available at $PUBLIC_URL"
signal SUCCESS "fnstack is available at $PUBLIC_URL" "$PUBLIC_URL"
