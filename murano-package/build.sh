#!/usr/bin/env bash
# Builds the Murano package zip from this folder, deterministically (sorted entries, fixed
# timestamps and modes: the same sources give the same bytes).
#   murano-package/build.sh [OUT]      default OUT: <repo>/dist/murano/io.fnstack.Fnstack.zip
# Only the package's own files go in (manifest.yaml, LICENSE, logo.png, Classes/, Resources/,
# UI/); README.md, this script and the test helpers stay out (murano-pkg-check flags unknown
# top-level files with W120).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/../dist/murano/io.fnstack.Fnstack.zip"}
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
/usr/bin/python3 - "$here" "$out" <<'PY'
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
entries = ['manifest.yaml', 'LICENSE', 'logo.png']
for top in ('Classes', 'Resources', 'UI'):
    for root, dirs, files in os.walk(os.path.join(src, top)):
        entries += [os.path.relpath(os.path.join(root, f), src) for f in files]
tmp = out + '.tmp'
with zipfile.ZipFile(tmp, 'w', zipfile.ZIP_DEFLATED) as z:
    for name in sorted(entries):
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3
        mode = 0o755 if name.endswith('.sh') else 0o644
        info.external_attr = (0o100000 | mode) << 16
        with open(os.path.join(src, name), 'rb') as f:
            z.writestr(info, f.read())
os.replace(tmp, out)
print(out)
PY
