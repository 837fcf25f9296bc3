#!/bin/bash
# Stands up (or checks, or restarts) a small but real OpenStack Zed test cloud from Debian 12 packages,
# all on 127.0.0.1. Idempotent: a second run on a healthy cloud only checks it (a few seconds).
#
#   test/cloud/setup.sh [--with-horizon] [--with-murano] [--with-heat] [--without-horizon] [--without-murano]
#                       [--without-heat] [--smoke] [--force] [--no-install]
#     --with-X: also run Horizon (:8080) / murano-api (:8082); remembered by later runs until --without-X
#     --with-heat: also heat-api (:8004) + heat-engine, Neutron's L3 `router` plugin and an L2 agent
#               stand-in (ports bind), and with --with-murano murano-engine: what a deploy needs
#     --smoke: also boot/delete a server as a check (done anyway on the first successful run)
#     --force: redo the Keystone bootstrap/entities even if stamps say they are done
#
# Result: /var/lib/fnstack-test-cloud/cloud.json (see test/cloud/README.md). Logs: /var/log/fnstack-test-cloud/.
set -euo pipefail
FNC_T0=$(date +%s.%N)
[ "$(id -u)" = 0 ] || { echo "setup.sh must run as root" >&2; exit 1; }
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

WITH_HORIZON=0 WITH_MURANO=0 WITH_HEAT=0 SMOKE=0 INSTALL=1 NO_HORIZON=0 NO_MURANO=0 NO_HEAT=0
for a in "$@"; do
  case "$a" in
    --with-horizon) WITH_HORIZON=1 ;;
    --with-murano) WITH_MURANO=1 ;;
    --without-horizon) NO_HORIZON=1 ;;
    --without-murano) NO_MURANO=1 ;;
    --smoke) SMOKE=1 ;;
    --no-install) INSTALL=0 ;;
    --force) rm -f "$FNC_STATE"/stamps/keystone-* "$FNC_STATE"/stamps/smoke-ok ;;
    --with-heat) WITH_HEAT=1 ;;
    --without-heat) NO_HEAT=1 ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option: $a" >&2; exit 2 ;;
  esac
done
# options given once are remembered, so that a plain re-run keeps Horizon/Murano up (--without-X forgets and stops X)
if [ "$NO_HORIZON" = 1 ]; then
  WITH_HORIZON=0
  rm -f "$FNC_STATE/stamps/with-horizon"
  stop_daemon horizon 30
elif [ -f "$FNC_STATE/stamps/with-horizon" ]; then
  WITH_HORIZON=1
fi
if [ "$NO_MURANO" = 1 ]; then
  WITH_MURANO=0
  rm -f "$FNC_STATE/stamps/with-murano"
  stop_daemon murano-api 30
elif [ -f "$FNC_STATE/stamps/with-murano" ]; then
  WITH_MURANO=1
fi
if [ "$NO_HEAT" = 1 ]; then
  WITH_HEAT=0
  rm -f "$FNC_STATE/stamps/with-heat"
  for d in murano-engine heat-engine heat-api l2-agent-standin; do stop_daemon "$d" 30; done
elif [ -f "$FNC_STATE/stamps/with-heat" ]; then
  WITH_HEAT=1
fi

exec 9>"$FNC_RUN/setup.lock"
flock -w 900 9 || die "another setup.sh is still running (lock $FNC_RUN/setup.lock)"

log "fnstack test cloud: setup starting (horizon=$WITH_HORIZON murano=$WITH_MURANO heat=$WITH_HEAT)"
export WITH_HEAT

# ---------------------------------------------------------------- packages
if [ "$INSTALL" = 1 ]; then
  "$FNC_DIR/install-packages.sh"
fi

# ---------------------------------------------------------------- secrets (generated once, kept)
SECRETS="$FNC_STATE/secrets.env"
if [ ! -s "$SECRETS" ]; then
  umask 077
  {
    for k in ADMIN_PASS DEMO_PASS DEMO2_PASS READER_PASS FNSTACK_PASS SERVICE_PASS DB_PASS RABBIT_PASS HORIZON_SECRET; do
      echo "$k=$($FNC_PY -c 'import secrets; print(secrets.token_hex(12))')"
    done
  } >"$SECRETS"
  umask 022
  log "generated secrets in $SECRETS"
fi
set -a
# shellcheck disable=SC1090
. "$SECRETS"
set +a
export WITH_HORIZON WITH_MURANO

DBU=openstack
DBURL() { echo "mysql+pymysql://$DBU:$DB_PASS@127.0.0.1:3306/$1?charset=utf8"; }
RABBIT_USER=openstack RABBIT_VHOST=/openstack
TRANSPORT_URL="rabbit://$RABBIT_USER:$RABBIT_PASS@127.0.0.1:5672/%2Fopenstack"
KS=http://127.0.0.1:5000
HOSTNAME_NOVA=fnstack-cloud # fixed compute host/node name, independent of the machine's hostname

# ---------------------------------------------------------------- MariaDB
if ! mysqladmin --protocol=tcp -h127.0.0.1 -uroot ping >/dev/null 2>&1; then
  log "mariadb: starting"
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  for i in $(seq 1 120); do
    mysqladmin --protocol=tcp -h127.0.0.1 -uroot ping >/dev/null 2>&1 && break
    sleep 0.5
  done
  mysqladmin --protocol=tcp -h127.0.0.1 -uroot ping >/dev/null 2>&1 || die "mariadb did not come up" /var/log/mysql/error.log
fi
log "mariadb: up"
DBS=(keystone placement glance neutron nova_api nova nova_cell0)
[ "$WITH_MURANO" = 1 ] && DBS+=(murano)
[ "$WITH_HEAT" = 1 ] && DBS+=(heat)
{
  for d in "${DBS[@]}"; do echo "CREATE DATABASE IF NOT EXISTS \`$d\` CHARACTER SET utf8;"; done
  for h in 127.0.0.1 localhost; do
    echo "CREATE USER IF NOT EXISTS '$DBU'@'$h' IDENTIFIED BY '$DB_PASS';"
    echo "ALTER USER '$DBU'@'$h' IDENTIFIED BY '$DB_PASS';"
    for d in "${DBS[@]}"; do echo "GRANT ALL PRIVILEGES ON \`$d\`.* TO '$DBU'@'$h';"; done
  done
} | mysql --protocol=tcp -h127.0.0.1 -uroot || die "could not create the databases / SQL user"
db_has_tables() { # db_has_tables DB [TABLE]
  local n
  n=$(mysql --protocol=tcp -h127.0.0.1 -uroot -N -e \
    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='$1'${2:+ AND table_name='$2'}" 2>/dev/null || echo 0)
  [ "${n:-0}" -gt 0 ]
}

# ---------------------------------------------------------------- RabbitMQ
rabbit_login_ok() {
  $FNC_PY - <<EOF >/dev/null 2>&1
import amqp
c = amqp.Connection('127.0.0.1:5672', userid='$RABBIT_USER', password='$RABBIT_PASS', virtual_host='$RABBIT_VHOST', connect_timeout=3)
c.connect(); c.close()
EOF
}
if ! rabbit_login_ok; then
  if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
    log "rabbitmq: starting"
    rabbitmq-server -detached >>"$FNC_LOG/rabbitmq-start.log" 2>&1 || true
  fi
  for i in $(seq 1 60); do
    rabbitmqctl -q await_startup >/dev/null 2>&1 && break
    sleep 1
  done
  rabbitmqctl -q await_startup >/dev/null 2>&1 || die "rabbitmq did not come up" "$(ls -t /var/log/rabbitmq/*.log 2>/dev/null | head -1)"
  log "rabbitmq: creating user $RABBIT_USER and vhost $RABBIT_VHOST"
  rabbitmqctl -q add_vhost "$RABBIT_VHOST" >/dev/null 2>&1 || true
  rabbitmqctl -q add_user "$RABBIT_USER" "$RABBIT_PASS" >/dev/null 2>&1 ||
    rabbitmqctl -q change_password "$RABBIT_USER" "$RABBIT_PASS" >/dev/null
  rabbitmqctl -q set_permissions -p "$RABBIT_VHOST" "$RABBIT_USER" '.*' '.*' '.*' >/dev/null
  # let the guest admin (used by people and tests to look around) into the vhost too
  rabbitmqctl -q set_permissions -p "$RABBIT_VHOST" guest '.*' '.*' '.*' >/dev/null || true
  # nobody consumes the oslo notification queues: cap them so a long-running cloud does not fill up
  rabbitmqctl -q set_policy -p "$RABBIT_VHOST" --apply-to queues notification-cap \
    '^(versioned_notifications|notifications)\.' '{"max-length":1000}' >/dev/null || true
  rabbit_login_ok || die "cannot log in to rabbitmq as $RABBIT_USER on vhost $RABBIT_VHOST"
fi
log "rabbitmq: up (vhost $RABBIT_VHOST)"

# ---------------------------------------------------------------- config files
CONF_CHANGED=()
# put_conf PATH OWNER:GROUP MODE  (content on stdin) — writes only when the content differs
put_conf() {
  local path=$1 owner=$2 mode=$3 tmp
  tmp=$(mktemp)
  cat >"$tmp"
  mkdir -p "$(dirname "$path")"
  if [ -f "$path" ] && cmp -s "$tmp" "$path"; then rm -f "$tmp"; return 0; fi
  [ -f "$path" ] && [ ! -f "$path.dist-fnstack" ] && cp -p "$path" "$path.dist-fnstack"
  install -o "${owner%%:*}" -g "${owner##*:}" -m "$mode" "$tmp" "$path"
  rm -f "$tmp"
  CONF_CHANGED+=("$path")
}
# keystone_authtoken section for service SVC
authtoken() {
  cat <<EOF
[keystone_authtoken]
www_authenticate_uri = $KS/v3
auth_url = $KS/v3
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $SERVICE_PASS
region_name = RegionOne
service_token_roles_required = true
EOF
}
svc_auth() { # [section] with password auth as service user $2
  cat <<EOF
[$1]
auth_url = $KS/v3
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $2
password = $SERVICE_PASS
region_name = RegionOne
EOF
}

put_conf /etc/keystone/keystone.conf root:keystone 0640 <<EOF
# written by fnstack test/cloud/setup.sh
[DEFAULT]
[database]
connection = $(DBURL keystone)
[token]
provider = fernet
[fernet_tokens]
key_repository = /etc/keystone/fernet-keys/
[credential]
key_repository = /etc/keystone/credential-keys/
[identity]
# test cloud: bcrypt with 4 rounds makes a password login ~10 ms instead of ~300 ms (tests log in a lot)
password_hash_rounds = 4
EOF

put_conf /etc/placement/placement.conf root:placement 0640 <<EOF
# written by fnstack test/cloud/setup.sh
[DEFAULT]
[api]
auth_strategy = keystone
[placement_database]
connection = $(DBURL placement)
$(authtoken placement)
EOF

mkdir -p /var/lib/glance/images /var/lib/glance/staging /var/lib/glance/tasks /var/lib/glance/lock /var/lock/glance
chown glance:glance /var/lib/glance/images /var/lib/glance/staging /var/lib/glance/tasks /var/lib/glance/lock /var/lock/glance
put_conf /etc/glance/glance-api.conf root:glance 0640 <<EOF
# written by fnstack test/cloud/setup.sh
[DEFAULT]
bind_host = 127.0.0.1
bind_port = 9292
workers = 1
transport_url = $TRANSPORT_URL
enabled_backends = fs:file
image_cache_dir = /var/lib/glance/image-cache
[database]
connection = $(DBURL glance)
$(authtoken glance)
[paste_deploy]
flavor = keystone
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = /var/lib/glance/images/
[os_glance_staging_store]
filesystem_store_datadir = /var/lib/glance/staging/
[os_glance_tasks_store]
filesystem_store_datadir = /var/lib/glance/tasks/
[oslo_concurrency]
lock_path = /var/lib/glance/lock
[oslo_messaging_notifications]
driver = messagingv2
[oslo_policy]
enforce_new_defaults = false
EOF

mkdir -p /var/lib/neutron/lock && chown -R neutron:neutron /var/lib/neutron
put_conf /etc/neutron/neutron.conf root:neutron 0640 <<EOF
# written by fnstack test/cloud/setup.sh (ML2, no agents: answers Nova's lookups; no real L2)
[DEFAULT]
bind_host = 127.0.0.1
bind_port = 9696
core_plugin = ml2
service_plugins =
auth_strategy = keystone
transport_url = $TRANSPORT_URL
state_path = /var/lib/neutron
api_workers = 1
rpc_workers = 1
rpc_state_report_workers = 0
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
[agent]
root_helper = sudo /usr/bin/neutron-rootwrap /etc/neutron/rootwrap.conf
[database]
connection = $(DBURL neutron)
$(authtoken neutron)
$(svc_auth nova nova)
[oslo_concurrency]
lock_path = /var/lib/neutron/lock
[oslo_policy]
policy_file = /etc/neutron/policy.yaml
EOF
put_conf /etc/neutron/plugins/ml2/ml2_conf.ini root:neutron 0640 <<EOF
# written by fnstack test/cloud/setup.sh
[ml2]
type_drivers = flat,vlan,vxlan
tenant_network_types = vxlan
mechanism_drivers = openvswitch
extension_drivers = port_security
[ml2_type_flat]
flat_networks = *
[ml2_type_vxlan]
vni_ranges = 1:1000
EOF
# --with-heat: Heat reads a server's addresses through GET /v2.0/floatingips, which needs the L3
# plugin (no L3 agent runs: routers exist in the API only). A file of its own, so that the core
# neutron.conf stays what it is without the option.
NEUTRON_CONFS="/etc/neutron/neutron.conf /etc/neutron/plugins/ml2/ml2_conf.ini"
if [ "$WITH_HEAT" = 1 ]; then
  put_conf /etc/neutron/fnstack-heat.conf root:neutron 0640 <<EOF
# written by fnstack test/cloud/setup.sh --with-heat
[DEFAULT]
service_plugins = router
EOF
  NEUTRON_CONFS+=" /etc/neutron/fnstack-heat.conf"
fi
[ -f /etc/neutron/policy.yaml ] || { echo '{}' >/etc/neutron/policy.yaml; chmod 0644 /etc/neutron/policy.yaml; }

mkdir -p /var/lib/nova/instances /var/lib/nova/tmp && chown -R nova:nova /var/lib/nova
nova_conf_common() {
  cat <<EOF
# written by fnstack test/cloud/setup.sh
[DEFAULT]
host = $HOSTNAME_NOVA
my_ip = 127.0.0.1
state_path = /var/lib/nova
transport_url = $TRANSPORT_URL
compute_driver = fake.FakeDriver
osapi_compute_listen = 127.0.0.1
metadata_listen = 127.0.0.1
osapi_compute_workers = 1
[api]
auth_strategy = keystone
$(authtoken nova)
$(svc_auth placement placement)
$(svc_auth neutron neutron)
service_metadata_proxy = false
[glance]
region_name = RegionOne
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 60
[notifications]
notification_format = versioned
notify_on_state_change = vm_and_task_state
[oslo_messaging_notifications]
driver = messagingv2
[oslo_concurrency]
lock_path = /var/lib/nova/tmp
[vnc]
enabled = false
[wsgi]
api_paste_config = /etc/nova/api-paste.ini
[cinder]
os_region_name = RegionOne
EOF
}
put_conf /etc/nova/nova.conf root:nova 0640 < <(
  nova_conf_common
  cat <<EOF
[api_database]
connection = $(DBURL nova_api)
[database]
connection = $(DBURL nova)
EOF
)
# nova-compute must not have DB credentials (it refuses DB access and logs errors if it has them)
put_conf /etc/nova/nova-compute.conf root:nova 0640 < <(nova_conf_common)
# only nova-api (under uwsgi) needs the AMQP heartbeat in a real thread, else it loses the connection after ~60 s idle
put_conf /etc/nova/nova-api-wsgi.conf root:nova 0640 <<EOF
# written by fnstack test/cloud/setup.sh — extra config for nova-api under uwsgi only
[oslo_messaging_rabbit]
heartbeat_in_pthread = true
EOF

if [ "$WITH_MURANO" = 1 ]; then
  put_conf /etc/murano/murano.conf root:murano 0640 <<EOF
# written by fnstack test/cloud/setup.sh
[DEFAULT]
bind_host = 127.0.0.1
bind_port = 8082
transport_url = $TRANSPORT_URL
[database]
connection = $(DBURL murano)
$(authtoken murano)
[murano]
url = http://127.0.0.1:8082
api_workers = 1
[engine]
[rabbitmq]
host = 127.0.0.1
port = 5672
login = $RABBIT_USER
password = $RABBIT_PASS
virtual_host = $RABBIT_VHOST
[oslo_policy]
EOF
fi

if [ "$WITH_HEAT" = 1 ]; then
  mkdir -p /var/lib/heat /var/lock/heat && chown heat:heat /var/lib/heat /var/lock/heat
  put_conf /etc/heat/heat.conf root:heat 0640 <<EOF
# written by fnstack test/cloud/setup.sh --with-heat
[DEFAULT]
transport_url = $TRANSPORT_URL
num_engine_workers = 1
region_name_for_services = RegionOne
stack_user_domain_name = heat
stack_domain_admin = heat_domain_admin
stack_domain_admin_password = $SERVICE_PASS
[database]
connection = $(DBURL heat)
$(authtoken heat)
$(svc_auth trustee heat | grep -v -e '^project' -e '^region')
[clients_keystone]
auth_uri = $KS
[heat_api]
bind_host = 127.0.0.1
bind_port = 8004
workers = 1
[oslo_concurrency]
lock_path = /var/lock/heat
EOF
  if [ "$WITH_MURANO" = 1 ]; then
    # murano-engine only (murano-api keeps murano.conf as it is): no trusts, Neutron, the app's
    # reporter messages as notifications (without messagingv2 they never reach the deployment log)
    put_conf /etc/murano/murano-engine.conf root:murano 0640 <<EOF
# written by fnstack test/cloud/setup.sh --with-heat --with-murano (read after murano.conf)
[engine]
engine_workers = 1
use_trusts = false
[networking]
driver = neutron
create_router = false
$(svc_auth murano_auth murano)
[oslo_messaging_notifications]
driver = messagingv2
EOF
  fi
fi

if [ "$WITH_HORIZON" = 1 ]; then
  put_conf /etc/openstack-dashboard/local_settings.d/_90_fnstack_test_cloud.py root:root 0644 <<EOF
# written by fnstack test/cloud/setup.sh
OPENSTACK_HOST = "127.0.0.1"
OPENSTACK_KEYSTONE_URL = "http://127.0.0.1:5000/v3"
OPENSTACK_KEYSTONE_DEFAULT_DOMAIN = "Default"
OPENSTACK_KEYSTONE_DEFAULT_ROLE = "member"
ALLOWED_HOSTS = ["*"]
# the shipped cache+LocMem session engine loses the login across uwsgi workers
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SECRET_KEY = "$HORIZON_SECRET"
DEBUG = False
OPENSTACK_NEUTRON_NETWORK = {"enable_router": False, "enable_quotas": False, "enable_distributed_router": False,
                             "enable_ha_router": False, "enable_fip_topology_check": False}
EOF
fi
[ ${#CONF_CHANGED[@]} -gt 0 ] && log "config written: ${CONF_CHANGED[*]}"

# ---------------------------------------------------------------- daemon helpers
# ensure_daemon NAME USER MARKER HEALTH_URL(or '') TIMEOUT CONF_FILES -- CMD...
# skips when the daemon runs, answers and was started with the current config; else (re)starts it.
ensure_daemon() {
  local name=$1 user=$2 marker=$3 url=$4 timeout=$5 conffiles=$6
  shift 7
  local h running_h
  # shellcheck disable=SC2086
  h=$(conf_hash $conffiles)
  running_h=$(cat "$FNC_STATE/stamps/running-$name.hash" 2>/dev/null || true)
  if pid_alive "$name"; then
    if [ "$h" = "$running_h" ] && { [ -z "$url" ] || http_ok "$url"; }; then
      return 0
    fi
    log "$name: restarting ($([ "$h" = "$running_h" ] && echo 'not answering' || echo 'config changed'))"
    stop_daemon "$name" 30
  fi
  kill_leftovers "$name"
  if [ -n "$url" ]; then
    local port=${url#http://127.0.0.1:}
    port=${port%%/*}
    if [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; then
      die "$name: port $port is already taken by a process this script did not start: $(ss -Hltnp "sport = :$port" | head -2)"
    fi
  fi
  log "$name: starting"
  start_daemon "$name" "$user" "$marker" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    HOME="$(getent passwd "$user" | cut -d: -f6)" LANG=C.UTF-8 "$@"
  echo "$h" >"$FNC_STATE/stamps/running-$name.hash"
  date -u +%s >"$FNC_STATE/stamps/started-$name"
  STARTED+=("$name|$url|$timeout")
}
STARTED=()
wait_started() { # wait for all daemons started by ensure_daemon since the last call
  local s name url timeout
  for s in "${STARTED[@]}"; do
    IFS='|' read -r name url timeout <<<"$s"
    if [ -n "$url" ]; then
      wait_http "$name" "$url" "$timeout"
    else
      # no port to poll: it must survive its first second (config/import errors kill it at once)
      local st
      st=$(cat "$FNC_STATE/stamps/started-$name" 2>/dev/null || echo 0)
      (($(date -u +%s) - st < 2)) && sleep 1
      pid_alive "$name" || die "$name died right after start" "$FNC_LOG/$name.log"
    fi
    log "$name: up"
  done
  STARTED=()
}
uwsgi_cmd() { # uwsgi_cmd PORT WSGI_FILE PROCESSES [extra uwsgi args] -> sets the array UWSGI
  local port=$1 file=$2 procs=$3
  shift 3
  UWSGI=(/usr/bin/uwsgi --plugin python3 --master --die-on-term --need-app --lazy-apps --enable-threads
    --processes "$procs" --threads 1 --http-socket "127.0.0.1:$port" --add-header "Connection: close"
    --chdir / --buffer-size 65535 --wsgi-file "$file" "$@")
}

# ---------------------------------------------------------------- Keystone
if ! db_has_tables keystone project; then
  log "keystone: db_sync"
  su -s /bin/sh keystone -c "keystone-manage db_sync" >>"$FNC_LOG/keystone-manage.log" 2>&1 || die "keystone db_sync failed" "$FNC_LOG/keystone-manage.log"
  rm -f "$FNC_STATE/stamps/keystone-bootstrap" "$FNC_STATE/stamps/keystone-identity"
fi
if [ ! -f /etc/keystone/fernet-keys/0 ]; then
  keystone-manage fernet_setup --keystone-user keystone --keystone-group keystone >>"$FNC_LOG/keystone-manage.log" 2>&1 || die "fernet_setup failed" "$FNC_LOG/keystone-manage.log"
fi
if [ ! -f /etc/keystone/credential-keys/0 ]; then
  keystone-manage credential_setup --keystone-user keystone --keystone-group keystone >>"$FNC_LOG/keystone-manage.log" 2>&1 || die "credential_setup failed" "$FNC_LOG/keystone-manage.log"
fi
BOOT_STAMP=$(echo "$ADMIN_PASS" | sha256sum | cut -c1-16)
if [ "$(cat "$FNC_STATE/stamps/keystone-bootstrap" 2>/dev/null)" != "$BOOT_STAMP" ]; then
  log "keystone: bootstrap (admin, roles, identity endpoints)"
  keystone-manage bootstrap --bootstrap-password "$ADMIN_PASS" --bootstrap-username admin \
    --bootstrap-project-name admin --bootstrap-role-name admin \
    --bootstrap-admin-url "$KS/v3/" --bootstrap-internal-url "$KS/v3/" --bootstrap-public-url "$KS/v3/" \
    --bootstrap-region-id RegionOne >>"$FNC_LOG/keystone-manage.log" 2>&1 || die "keystone bootstrap failed" "$FNC_LOG/keystone-manage.log"
  echo "$BOOT_STAMP" >"$FNC_STATE/stamps/keystone-bootstrap"
fi
uwsgi_cmd 5000 /usr/bin/keystone-wsgi-public 2
ensure_daemon keystone keystone /usr/bin/keystone-wsgi-public "$KS/v3" 60 /etc/keystone/keystone.conf -- \
  "${UWSGI[@]}"

# projects, users, roles, services, endpoints: skipped when done before with the same script, secrets and options
# (then nothing needs Keystone before the other daemons start, and they all start in parallel with it)
ID_STAMP=$(cat "$FNC_DIR/cloud.py" "$SECRETS" <(echo "murano=$WITH_MURANO heat=$WITH_HEAT") | sha256sum | cut -c1-16)
if [ "$(cat "$FNC_STATE/stamps/keystone-identity" 2>/dev/null)" != "$ID_STAMP" ]; then
  wait_started
  log "keystone: ensuring projects, users, roles, services, endpoints"
  run_logged "$FNC_LOG/cloud-py.log" $FNC_PY "$FNC_DIR/cloud.py" identity || die "keystone entities failed" "$FNC_LOG/cloud-py.log"
  echo "$ID_STAMP" >"$FNC_STATE/stamps/keystone-identity"
fi

# ---------------------------------------------------------------- DB schemas
if ! db_has_tables placement resource_providers; then
  log "placement: db sync"
  su -s /bin/sh placement -c "placement-manage db sync" >>"$FNC_LOG/placement-manage.log" 2>&1 || die "placement db sync failed" "$FNC_LOG/placement-manage.log"
fi
if ! db_has_tables glance images; then
  log "glance: db_sync"
  su -s /bin/sh glance -c "glance-manage db_sync" >>"$FNC_LOG/glance-manage.log" 2>&1 || die "glance db_sync failed" "$FNC_LOG/glance-manage.log"
fi
if ! db_has_tables neutron ml2_port_bindings; then
  log "neutron: db upgrade heads"
  su -s /bin/sh neutron -c "neutron-db-manage --config-file /etc/neutron/neutron.conf --config-file /etc/neutron/plugins/ml2/ml2_conf.ini upgrade heads" \
    >>"$FNC_LOG/neutron-db-manage.log" 2>&1 || die "neutron db upgrade failed" "$FNC_LOG/neutron-db-manage.log"
fi
NOVA_SYNCED=1
db_has_tables nova_api cell_mappings && db_has_tables nova instances && db_has_tables nova_cell0 instances || NOVA_SYNCED=0
if [ "$NOVA_SYNCED" = 0 ]; then
  log "nova: api_db sync, cells, db sync"
  nm() { su -s /bin/sh nova -c "nova-manage $*" >>"$FNC_LOG/nova-manage.log" 2>&1; }
  nm api_db sync || die "nova-manage api_db sync failed" "$FNC_LOG/nova-manage.log"
  nm cell_v2 map_cell0 || die "nova-manage cell_v2 map_cell0 failed" "$FNC_LOG/nova-manage.log"
  if ! su -s /bin/sh nova -c "nova-manage cell_v2 list_cells" 2>/dev/null | grep -q ' cell1 '; then
    nm cell_v2 create_cell --name=cell1 || die "nova-manage cell_v2 create_cell failed" "$FNC_LOG/nova-manage.log"
  fi
  nm db sync || die "nova-manage db sync failed" "$FNC_LOG/nova-manage.log"
fi
if [ "$WITH_HEAT" = 1 ] && ! db_has_tables heat stack; then
  log "heat: db_sync"
  su -s /bin/sh heat -c "heat-manage --config-file /etc/heat/heat.conf db_sync" >>"$FNC_LOG/heat-manage.log" 2>&1 || die "heat db_sync failed" "$FNC_LOG/heat-manage.log"
fi
if [ "$WITH_MURANO" = 1 ] && ! db_has_tables murano package; then
  log "murano: db upgrade"
  su -s /bin/sh murano -c "murano-db-manage --config-file /etc/murano/murano.conf upgrade" >>"$FNC_LOG/murano-manage.log" 2>&1 || die "murano db upgrade failed" "$FNC_LOG/murano-manage.log"
fi

# ---------------------------------------------------------------- services
uwsgi_cmd 8778 /usr/bin/placement-api 2
ensure_daemon placement placement /usr/bin/placement-api "http://127.0.0.1:8778/" 60 /etc/placement/placement.conf -- \
  "${UWSGI[@]}"
ensure_daemon glance glance /usr/bin/glance-api "http://127.0.0.1:9292/versions" 90 /etc/glance/glance-api.conf -- \
  $FNC_PY /usr/bin/glance-api --config-file /etc/glance/glance-api.conf
NEUTRON_ARGS=()
for f in $NEUTRON_CONFS; do NEUTRON_ARGS+=(--config-file "$f"); done
ensure_daemon neutron neutron /usr/bin/neutron-server "http://127.0.0.1:9696/" 90 "$NEUTRON_CONFS" -- \
  $FNC_PY /usr/bin/neutron-server "${NEUTRON_ARGS[@]}"
uwsgi_cmd 8774 /usr/bin/nova-api-wsgi 2 --env "OS_NOVA_CONFIG_FILES=api-paste.ini;nova.conf;nova-api-wsgi.conf"
ensure_daemon nova-api nova /usr/bin/nova-api-wsgi "http://127.0.0.1:8774/" 90 "/etc/nova/nova.conf /etc/nova/nova-api-wsgi.conf" -- \
  "${UWSGI[@]}"
ensure_daemon nova-conductor nova /usr/bin/nova-conductor "" 0 /etc/nova/nova.conf -- \
  $FNC_PY /usr/bin/nova-conductor --config-file /etc/nova/nova.conf
ensure_daemon nova-scheduler nova /usr/bin/nova-scheduler "" 0 /etc/nova/nova.conf -- \
  $FNC_PY /usr/bin/nova-scheduler --config-file /etc/nova/nova.conf
ensure_daemon nova-compute nova nova.cmd.compute "" 0 /etc/nova/nova-compute.conf -- \
  $FNC_PY -c 'import sys; sys.argv[0] = "/usr/bin/nova-compute"; from nova.cmd.compute import main; sys.exit(main())' \
  --config-file /etc/nova/nova-compute.conf
if [ "$WITH_MURANO" = 1 ]; then
  ensure_daemon murano-api murano /usr/bin/murano-api "http://127.0.0.1:8082/" 60 /etc/murano/murano.conf -- \
    $FNC_PY /usr/bin/murano-api --config-file /etc/murano/murano.conf
fi
if [ "$WITH_HEAT" = 1 ]; then
  ensure_daemon heat-api heat /usr/bin/heat-api "http://127.0.0.1:8004/" 90 /etc/heat/heat.conf -- \
    $FNC_PY /usr/bin/heat-api --config-file /etc/heat/heat.conf
  ensure_daemon heat-engine heat /usr/bin/heat-engine "" 0 /etc/heat/heat.conf -- \
    $FNC_PY /usr/bin/heat-engine --config-file /etc/heat/heat.conf
  # no L2 agent can run here (no Open vSwitch): this one reports an agent for the compute host so ports bind
  # Run from a copy the neutron user can read: the checkout may be in a 0700 directory, with spaces in its path.
  install -D -m 0644 "$FNC_DIR/l2-agent-standin.py" /usr/local/lib/fnstack-test-cloud/l2-agent-standin.py
  ensure_daemon l2-agent-standin neutron l2-agent-standin.py "" 0 "$NEUTRON_CONFS /usr/local/lib/fnstack-test-cloud/l2-agent-standin.py" -- \
    $FNC_PY /usr/local/lib/fnstack-test-cloud/l2-agent-standin.py --host "$HOSTNAME_NOVA" "${NEUTRON_ARGS[@]}"
  if [ "$WITH_MURANO" = 1 ]; then
    ensure_daemon murano-engine murano /usr/bin/murano-engine "" 0 "/etc/murano/murano.conf /etc/murano/murano-engine.conf" -- \
      $FNC_PY /usr/bin/murano-engine --config-file /etc/murano/murano.conf --config-file /etc/murano/murano-engine.conf
  fi
fi
if [ "$WITH_HORIZON" = 1 ]; then
  uwsgi_cmd 8080 /usr/share/openstack-dashboard/wsgi.py 2 --static-map /static=/var/lib/openstack-dashboard/static
  ensure_daemon horizon www-data /usr/share/openstack-dashboard/wsgi.py "http://127.0.0.1:8080/auth/login/" 120 \
    "/etc/openstack-dashboard/local_settings.d/_90_fnstack_test_cloud.py /etc/openstack-dashboard/local_settings.py" -- \
    "${UWSGI[@]}"
fi
wait_started

if [ "$WITH_MURANO" = 1 ] && [ "$(mysql --protocol=tcp -h127.0.0.1 -uroot -N -e \
  "SELECT COUNT(*) FROM murano.package WHERE fully_qualified_name='io.murano'" 2>/dev/null || echo 0)" = 0 ]; then
  log "murano: importing the core library io.murano"
  rm -rf /var/lib/murano/io.murano && mkdir -p /var/lib/murano/io.murano
  (cd /var/lib/murano/io.murano && unzip -q -o /usr/share/murano-common/io.murano.zip)
  su -s /bin/sh murano -c "murano-manage --config-file /etc/murano/murano.conf import-package /var/lib/murano/io.murano" \
    >>"$FNC_LOG/murano-manage.log" 2>&1 || die "murano core library import failed" "$FNC_LOG/murano-manage.log"
fi

# ---------------------------------------------------------------- compute host, flavors, image, cloud.json
run_logged "$FNC_LOG/cloud-py.log" $FNC_PY "$FNC_DIR/cloud.py" resources || die "cloud resources failed (see also nova-compute.log)" "$FNC_LOG/cloud-py.log"

[ "$WITH_HORIZON" = 1 ] && touch "$FNC_STATE/stamps/with-horizon"
[ "$WITH_MURANO" = 1 ] && touch "$FNC_STATE/stamps/with-murano"
[ "$WITH_HEAT" = 1 ] && touch "$FNC_STATE/stamps/with-heat"

if [ "$SMOKE" = 1 ] || [ ! -f "$FNC_STATE/stamps/smoke-ok" ]; then
  log "smoke test: boot a server as demo, read its user_data as admin, delete it"
  run_logged "$FNC_LOG/smoke.log" "$FNC_DIR/smoke.sh" || die "smoke test failed (see $FNC_LOG/smoke.log)" "$FNC_LOG/nova-compute.log"
  touch "$FNC_STATE/stamps/smoke-ok"
fi
log "fnstack test cloud ready: $FNC_STATE/cloud.json"
