#!/usr/bin/env bash
# What test/murano needs on a Debian 12 test machine (root): shellcheck (apt), and the
# OpenStack test cloud with murano-api (test/cloud/setup.sh --with-murano, which also
# installs murano-api, python3-murano-pkg-check and python3-muranoclient). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v shellcheck >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends shellcheck
fi
bash test/cloud/setup.sh --with-murano
