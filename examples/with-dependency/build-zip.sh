#!/usr/bin/env bash
# Rebuilds with-dependency.zip: installs the dependencies and zips the function with its node_modules.
set -euo pipefail
cd "$(dirname "$0")"
npm install --omit=dev --no-package-lock --no-audit --no-fund >/dev/null
rm -f ../with-dependency.zip
zip -qr ../with-dependency.zip package.json index.js node_modules
echo "wrote examples/with-dependency.zip ($(stat -c %s ../with-dependency.zip) bytes)"
