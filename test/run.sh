#!/usr/bin/env bash
# `npm test`: the whole suite. Installs dependencies if needed, starts the servers the tests
# use (test/services/ensure.sh), builds, and runs every test with ava. Arguments go to ava,
# e.g. `npm test -- dist/test/api`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci
bash test/services/ensure.sh
npm run build --silent
exec npx ava "$@"
