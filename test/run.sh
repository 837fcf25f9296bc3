#!/usr/bin/env bash
# `npm test`: the whole suite. Installs dependencies if needed, starts the servers the tests
# use (test/services/ensure.sh), builds, lints, runs the Horizon plugin's unit tests and every
# test with ava; then runs the API and trigger suites once more on the production back ends
# (MariaDB + RabbitMQ) — the store, queue and fault suites already loop over every back end
# themselves.
# Arguments go to ava and replace both passes, e.g. `npm test -- dist/test/api`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci
bash test/services/ensure.sh
npm run build --silent

# What the tests put in temporary directories goes under one directory of this run, removed
# at the end whatever the outcome (a test that forgets its own leaves nothing behind). Mode
# 1777 like /tmp: the sandboxes' own uids read fixtures there.
suite_tmp=$(mktemp -d "${TMPDIR:-/tmp}/fnstack-test.XXXXXX")
chmod 1777 "$suite_tmp"
# (--one-file-system: never into something a test left mounted in there)
remove_suite_tmp() {
  local status=$?
  cd /
  rm -rf --one-file-system "$suite_tmp" 2>/dev/null || true
  exit "$status"
}
trap remove_suite_tmp EXIT
export TMPDIR="$suite_tmp"

if [ "$#" -gt 0 ]; then
  npx ava "$@"
  exit
fi

echo "== checks: lint (eslint + tsc) and the Horizon plugin's own unit tests"
npm run lint --silent
if /usr/bin/python3 -c 'import django, horizon' 2>/dev/null || [ "${CI:-}" = true ]; then
  npm run test:horizon --silent
else
  echo "(Horizon is not installed here — test/cloud/setup.sh --with-horizon installs it: its plugin's unit tests are skipped)"
fi

echo "== pass 1: every test (the API ones on the embedded default: SQLite + store queue)"
npx ava
echo "== pass 2: the API, CLI-event and trigger suites on the production back ends (MariaDB + RabbitMQ work queue)"
# (the trigger tests that are about the store queue itself are left to pass 1)
FNSTACK_TEST_BACKEND=production npx ava dist/test/api dist/test/cli/event-commands.test.js dist/test/triggers --match '!*store queue*'
