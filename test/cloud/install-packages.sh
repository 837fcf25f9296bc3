#!/bin/bash
# Installs (only what is missing of) the Debian 12 packages of the test cloud, unattended.
# Called by setup.sh; can be run alone. Never starts any daemon (policy-rc.d), never asks (debconf preseed).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

PKGS=(
  curl ca-certificates unzip mariadb-server mariadb-client rabbitmq-server
  uwsgi-core uwsgi-plugin-python3
  keystone python3-openstackclient python3-keystoneclient
  placement-api glance-api
  nova-api nova-conductor nova-scheduler python3-nova   # NOT nova-compute: it pulls libvirt+qemu
  neutron-server
  openstack-dashboard murano-api python3-murano-pkg-check python3-muranoclient
  chromium
)
# --with-heat: Heat, murano-engine, and the murano agent (run by the deploy tests' stand-in guest)
[ "${WITH_HEAT:-0}" = 1 ] && PKGS+=(heat-api heat-engine python3-heatclient murano-engine murano-agent socat)

missing=()
for p in "${PKGS[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$st" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  log "packages: all ${#PKGS[@]} present"
  exit 0
fi
log "packages: installing ${#missing[@]} missing: ${missing[*]}"

# 1. no daemon may be started by a postinst
created_policy=0
if [ ! -x /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  created_policy=1
fi
cleanup() { [ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d; true; }
trap cleanup EXIT

# 2. debconf preseed: never let dbconfig/keystone-registration helpers touch anything
{
  for q in keystone/configure_db keystone/create-admin-tenant keystone/register-endpoint \
    nova/configure_db nova/configure_rabbit nova/configure_ksat nova/configure_placement \
    nova/configure_neutron nova/configure_api-endpoint novaapi/configure_db \
    glance/configure_db glance/configure_rabbit glance/configure_ksat glance/configure_api-endpoint \
    glance-common/configure_db glance-api/configure_api-endpoint \
    placement/configure_db placement/configure_ksat placement/configure_api-endpoint \
    placement-common/configure_db placement-api/configure_api-endpoint \
    neutron/configure_db neutron/configure_rabbit neutron/configure_ksat neutron/configure_api-endpoint \
    neutron-common/configure_db neutron-server/configure_api-endpoint neutron-api/configure_api-endpoint \
    murano/configure_db murano/configure_rabbit murano/configure_ksat murano/configure_api-endpoint \
    murano-common/configure_db murano-api/configure_api-endpoint \
    heat/configure_db heat/configure_rabbit heat/configure_ksat heat/configure_api-endpoint \
    heat-common/configure_db heat-api/configure_api-endpoint; do
    echo "${q%%/*} $q boolean false"
  done
  echo "openstack-dashboard horizon/allowed-hosts string *"
  echo "openstack-dashboard horizon/activate_vhost boolean false"
  echo "openstack-dashboard horizon/use_ssl boolean false"
} | debconf-set-selections

# 3. fresh package lists (a second or two; stale lists give 404s on a mirror that moved on)
log "packages: apt-get update"
apt-get -o DPkg::Lock::Timeout=600 update -qq >>"$FNC_LOG/apt.log" 2>&1 || log "WARNING: apt-get update reported errors (continuing)"

export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true
aptlog="$FNC_LOG/apt.log"
apt_install() {
  apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" >>"$aptlog" 2>&1
}
# A postinst that fails once (seen: openstack-dashboard's static compression while another
# dpkg run was busy) is given one more try before the setup gives up.
if ! apt_install; then
  log "packages: apt-get install failed; finishing the configuration and trying once more"
  dpkg --configure -a >>"$aptlog" 2>&1 || true
  apt_install || die "apt-get install failed" "$aptlog"
fi
log "packages: installed (log: $aptlog)"
