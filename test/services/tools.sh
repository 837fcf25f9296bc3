#!/usr/bin/env bash
# Installs the programs the test suite runs and a fresh Debian 12 machine may lack (one
# `command -v` each when they are there; apt only for what is missing). Called by ensure.sh,
# so `npm test` has them. Not root: prints what to install; the tests that need a missing
# program then skip loudly, or fail under CI=true.
set -euo pipefail
cd "$(dirname "$0")/../.."

# COMMAND=PACKAGE, by the name or path the tests and scripts run them with.
TOOLS=(
  shellcheck=shellcheck                         # test/murano: the package's scripts
  murano-pkg-check=python3-murano-pkg-check     # test/murano: the package itself
  /usr/bin/chromium=chromium                    # test/horizon (playwright-core drives it)
  /usr/bin/python3=python3                      # murano-package/build.sh, test/cloud/cloud.py
  zip=zip unzip=unzip                           # test/cli fixtures, test/murano
  curl=curl                                     # test/cloud/smoke.sh, the murano scripts
  git=git                                       # test/murano (git archive), .ci/run
  ss=iproute2                                   # test/cloud
  mariadb=mariadb-client                        # test/murano, test/cloud
  /usr/sbin/rabbitmqctl=rabbitmq-server         # the vhost fixtures (test/_helpers/rabbitmq.ts)
  qemu-system-x86_64=qemu-system-x86            # test/guest: boots the guest image (TCG)
  qemu-img=qemu-utils genisoimage=genisoimage   # test/guest: the VM's disk and its NoCloud seed
  mmdebstrap=mmdebstrap                         # images/build.sh (test/guest builds the image)
  /usr/sbin/nft=nftables                        # test/security: the host-services guard's nft branch
)
# …and what the service itself needs on the host (the sandbox's bwrap, iptables).
mapfile -t HOST_DEPS < <(bash scripts/host-deps.sh --list)

status=0
bash scripts/install-missing.sh "${TOOLS[@]}" "${HOST_DEPS[@]}" || status=$?
case $status in
  0) printf '%s [tools] all %d present\n' "$(date +%H:%M:%S)" $((${#TOOLS[@]} + ${#HOST_DEPS[@]})) ;;
  2) printf '%s [tools] going on without them: their tests skip, or fail under CI=true\n' "$(date +%H:%M:%S)" ;;
  *) exit "$status" ;;
esac
