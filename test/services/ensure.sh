#!/usr/bin/env bash
# Starts what the test suite needs and is not running yet: the programs the tests run
# (test/services/tools.sh installs the missing ones), MariaDB, RabbitMQ and the
# OpenStack test cloud (test/cloud/setup.sh: installs Debian's packages the first time,
# ~5 min; seconds when it already runs). FNSTACK_TEST_CLOUD=0 leaves the cloud out (its
# tests then skip loudly, or fail under CI=true).
set -euo pipefail
cd "$(dirname "$0")/../.."

log() { printf '%s [services] %s\n' "$(date +%H:%M:%S)" "$*"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 what=$2 tries=${3:-60}
  for _ in $(seq "$tries"); do port_open "$port" && return 0; sleep 1; done
  log "ERROR: $what did not open port $port"; return 1
}

bash test/services/tools.sh

if port_open 3306; then
  log "MariaDB answers on 3306"
else
  log "starting MariaDB"
  bash scripts/install-missing.sh /usr/sbin/mariadbd=mariadb-server
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  wait_port 3306 MariaDB
fi

# The test cloud's services hold ~50 connections and the suite's clusters (several service
# processes, each with its pool) many more at once: MariaDB's default of 151 is seen
# exhausted ("Too many connections") on a busy run. Raised for the running server only.
if command -v mariadb >/dev/null && mariadb -uroot -h127.0.0.1 -e 'SET GLOBAL max_connections = GREATEST(@@max_connections, 600)' 2>/dev/null; then
  log "MariaDB max_connections: at least 600"
fi

if port_open 5672; then
  log "RabbitMQ answers on 5672"
else
  log "starting RabbitMQ"
  bash scripts/install-missing.sh /usr/sbin/rabbitmq-server=rabbitmq-server
  rabbitmq-server -detached
  for _ in $(seq 60); do rabbitmqctl -q await_startup >/dev/null 2>&1 && break; sleep 1; done
  wait_port 5672 RabbitMQ
fi

if [ "${FNSTACK_TEST_CLOUD:-1}" = "0" ]; then
  log "FNSTACK_TEST_CLOUD=0: not starting the OpenStack test cloud"
elif [ "$(id -u)" != "0" ]; then
  log "not root: cannot set up the OpenStack test cloud (its tests will skip, or fail under CI=true)"
else
  # Horizon and murano-api too: the Horizon panel and Murano package tests use them; Heat and
  # murano-engine: test/murano/deploy deploys the package and the Heat template for real.
  log "OpenStack test cloud: test/cloud/setup.sh --with-horizon --with-murano --with-heat"
  bash test/cloud/setup.sh --with-horizon --with-murano --with-heat
fi
