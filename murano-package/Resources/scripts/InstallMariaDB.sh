#!/usr/bin/env bash
# Installs MariaDB on this server (apt) if needed, starts it if it is not running, and makes
# a database and a user for fnstack. Idempotent: the password is generated once and kept in
# <env-file>.password (0600); the URL goes to <env-file> as FNSTACK_DATABASE_URL (0600), for
# DeployFnstack.sh --settings. The password never leaves the server.
#
#   InstallMariaDB.sh [--database fnstack] [--user fnstack] [--env-file /etc/fnstack/mariadb.env]
#                     [--host 127.0.0.1] [--drop]
#
# --drop removes the database, the user and the files again (for tests and uninstall).
set -euo pipefail
DB=fnstack DB_USER=fnstack ENV_FILE=/etc/fnstack/mariadb.env HOST=127.0.0.1 DROP=0
log() { printf '%s InstallMariaDB: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --database) DB=$2; shift 2 ;;
    --user) DB_USER=$2; shift 2 ;;
    --env-file) ENV_FILE=$2; shift 2 ;;
    --host) HOST=$2; shift 2 ;;
    --drop) DROP=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done
[[ "$DB" =~ ^[A-Za-z0-9_]{1,64}$ ]] || die "bad database name '$DB'"
[[ "$DB_USER" =~ ^[A-Za-z0-9_]{1,32}$ ]] || die "bad user name '$DB_USER'"
[ "$(id -u)" = 0 ] || die "must run as root"
sql() { mariadb --protocol=socket -uroot -N -e "$1"; }

if [ "$DROP" = 1 ]; then
  sql "DROP DATABASE IF EXISTS \`$DB\`; DROP USER IF EXISTS '$DB_USER'@'localhost'; DROP USER IF EXISTS '$DB_USER'@'127.0.0.1';"
  rm -f "$ENV_FILE" "$ENV_FILE.password"
  echo "dropped database $DB and user $DB_USER"
  exit 0
fi

if ! command -v mariadb >/dev/null || [ ! -x /usr/sbin/mariadbd ]; then
  log "installing mariadb-server"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mariadb-server mariadb-client
fi

if ! mariadb-admin --protocol=socket -uroot ping >/dev/null 2>&1; then
  log "starting MariaDB"
  if [ -d /run/systemd/system ]; then
    systemctl enable --now mariadb
  else
    install -d -o mysql -g mysql /run/mysqld
    start-stop-daemon --start --oknodo --background --chuid mysql --exec /usr/sbin/mariadbd
  fi
  for _ in $(seq 1 60); do mariadb-admin --protocol=socket -uroot ping >/dev/null 2>&1 && break; sleep 1; done
  mariadb-admin --protocol=socket -uroot ping >/dev/null 2>&1 || die "MariaDB did not start"
fi

install -d -m 0755 "$(dirname "$ENV_FILE")"
if [ ! -s "$ENV_FILE.password" ]; then
  ( umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$ENV_FILE.password" )
fi
PW=$(cat "$ENV_FILE.password")
sql "CREATE DATABASE IF NOT EXISTS \`$DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
     CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$PW';
     CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$PW';
     ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$PW';
     ALTER USER '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$PW';
     GRANT ALL PRIVILEGES ON \`$DB\`.* TO '$DB_USER'@'localhost';
     GRANT ALL PRIVILEGES ON \`$DB\`.* TO '$DB_USER'@'127.0.0.1';"
( umask 077; printf 'FNSTACK_DATABASE_URL=mariadb://%s:%s@%s:3306/%s\n' "$DB_USER" "$PW" "$HOST" "$DB" >"$ENV_FILE.tmp" )
mv "$ENV_FILE.tmp" "$ENV_FILE"
echo "MariaDB database $DB ready for $DB_USER; URL in $ENV_FILE"
