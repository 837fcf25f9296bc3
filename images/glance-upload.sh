#!/usr/bin/env bash
# Uploads a guest image to Glance with the `openstack` CLI and the operator's OS_*
# variables (an openrc), unless an active image with the same fnstack_image_key is
# already visible to that project. Prints "<image id> <true if uploaded now|false>".
#
#   glance-upload.sh FILE.qcow2 NAME VISIBILITY MIN_RAM_MIB MIN_DISK_GIB KEY=VALUE…
#
# The KEY=VALUE properties must include fnstack_image_key=… (how a second run finds it).
set -euo pipefail
file=$1 name=$2 visibility=$3 min_ram=$4 min_disk=$5
shift 5
say() { printf '%s [image] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
command -v openstack >/dev/null || { say "ERROR: the openstack CLI is missing (apt-get install python3-openstackclient)"; exit 1; }
[ -n "${OS_AUTH_URL:-}" ] || { say "ERROR: OS_AUTH_URL is not set: source your openrc first"; exit 1; }
key=''
props=()
for kv in "$@"; do
  case $kv in fnstack_image_key=*) key=${kv#*=} ;; esac
  props+=(--property "$kv")
done
[ -n "$key" ] || { say "ERROR: no fnstack_image_key property"; exit 1; }

existing=$(openstack image list --property "fnstack_image_key=$key" --status active -f value -c ID | head -n 1)
if [ -n "$existing" ]; then
  say "Glance already has this build: $existing"
  echo "$existing false"
  exit 0
fi
say "uploading $(du -m "$file" | cut -f1) MiB to Glance as '$name' ($visibility, min_ram $min_ram MiB, min_disk $min_disk GiB, ${*})"
id=$(openstack image create --disk-format qcow2 --container-format bare --"$visibility" \
  --min-ram "$min_ram" --min-disk "$min_disk" "${props[@]}" --file "$file" -f value -c id "$name")
echo "$id true"
