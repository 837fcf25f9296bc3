#!/bin/bash
# Resets the test cloud to nothing: stops its daemons, drops its databases, deletes its RabbitMQ
# user/vhost and /var/lib/fnstack-test-cloud. With --purge-packages also purges the OpenStack packages
# that install-packages.sh installs (MariaDB, RabbitMQ, curl stay). The next setup.sh starts from scratch.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "$0 must run as root" >&2; exit 1; }
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
PURGE=0
[ "${1:-}" = --purge-packages ] && PURGE=1

"$FNC_DIR/stop.sh"
log "teardown: dropping databases"
for d in keystone placement glance neutron nova_api nova nova_cell0 murano; do
  mysql --protocol=tcp -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS \`$d\`" || true
done
mysql --protocol=tcp -h127.0.0.1 -uroot -e "DROP USER IF EXISTS 'openstack'@'127.0.0.1'; DROP USER IF EXISTS 'openstack'@'localhost'" || true
log "teardown: deleting rabbitmq vhost /openstack and user openstack"
rabbitmqctl -q delete_vhost /openstack >/dev/null 2>&1 || true
rabbitmqctl -q delete_user openstack >/dev/null 2>&1 || true
rm -rf /etc/keystone/fernet-keys /etc/keystone/credential-keys /var/lib/glance/images/* \
  /etc/openstack-dashboard/local_settings.d/_90_fnstack_test_cloud.py
if [ "$PURGE" = 1 ]; then
  log "teardown: purging packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get purge -y -q uwsgi-core uwsgi-plugin-python3 keystone python3-keystone python3-openstackclient \
    python3-keystoneclient placement-api placement-common python3-placement glance-api glance-common python3-glance \
    nova-api nova-conductor nova-scheduler nova-common python3-nova neutron-server neutron-api neutron-rpc-server \
    neutron-common python3-neutron openstack-dashboard python3-django-horizon murano-api murano-common python3-murano \
    python3-murano-pkg-check python3-muranoclient python3-keystoneauth1 uwsgi-plugin-apparmor chromium >>"$FNC_LOG/apt.log" 2>&1 || true
  apt-get autoremove --purge -y -q >>"$FNC_LOG/apt.log" 2>&1 || true
  rm -rf /etc/keystone /etc/nova /etc/glance /etc/placement /etc/neutron /etc/murano /etc/openstack-dashboard \
    /var/lib/keystone /var/lib/nova /var/lib/glance /var/lib/placement /var/lib/neutron /var/lib/murano \
    /var/lib/openstack-dashboard
fi
rm -rf "$FNC_STATE"
log "teardown: done"
