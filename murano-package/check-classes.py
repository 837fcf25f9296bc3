#!/usr/bin/python3
"""Static checks of the MuranoPL in Classes/ that murano-pkg-check does not make.

   murano-package/check-classes.py [CLASSES_DIR]      (default: the Classes/ next to this file)

Murano treats a string as a yaql expression only when it parses; one that does not parse is
silently a plain string. So a YAML flow sequence such as `[KEY, f(a, b)]` is cut at the comma
into three plain strings and the class still imports and runs, with garbage values. This
reads the classes with PyYAML (what murano-engine uses) and reports, one JSON object a line:
  * `pair`: a list of lists in a method body (a table of pairs) with a row that has not
    exactly two elements;
  * `yaql`: a string in Methods or in a Contract that looks like an expression (holds `$` or
    a call `name(`) but does not parse with Murano's yaql grammar (the one murano-pkg-check
    uses for format 1.2+).
Exit status: 0 when nothing is found, 1 otherwise. Uses Debian's /usr/bin/python3 with
python3-yaml and python3-murano-pkg-check.
"""
import json
import os
import re
import sys

import yaml
from muranopkgcheck.checkers.yaql_checker import YaqlChecker

LOOKS_LIKE_EXPRESSION = re.compile(r'\$|[A-Za-z_][A-Za-z0-9_]*\(')
# Body keywords of MuranoPL (not expressions): https://docs.openstack.org/murano/latest/
KEYWORDS = {'If', 'Then', 'Else', 'Return', 'Throw', 'Message', 'Extra', 'Cause', 'For', 'In', 'Do',
            'While', 'Match', 'Switch', 'Default', 'Value', 'Try', 'Catch', 'With', 'As', 'Finally',
            'Parallel', 'Limit', 'Break', 'Continue', 'Rethrow', 'Use', 'Body', 'Code', 'Action'}


def problems(classes_dir):
    parses = YaqlChecker()
    found = []

    def check_string(where, text):
        if LOOKS_LIKE_EXPRESSION.search(text) and not parses(text):
            found.append({'kind': 'yaql', 'where': where, 'text': text})

    def walk(where, node):
        if isinstance(node, str):
            check_string(where, node)
        elif isinstance(node, list):
            if node and all(isinstance(row, list) for row in node):
                for i, row in enumerate(node):
                    if len(row) != 2:
                        found.append({'kind': 'pair', 'where': f'{where}[{i}]', 'elements': len(row),
                                      'row': [str(x) for x in row]})
            for i, item in enumerate(node):
                walk(f'{where}[{i}]', item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and key not in KEYWORDS:
                    check_string(f'{where} (key)', key)
                walk(f'{where}.{key}', value)

    for name in sorted(os.listdir(classes_dir)):
        if not name.endswith('.yaml'):
            continue
        with open(os.path.join(classes_dir, name)) as f:
            doc = yaml.safe_load(f)
        for prop, spec in (doc.get('Properties') or {}).items():
            if isinstance(spec, dict) and 'Contract' in spec:
                walk(f'{name}:Properties.{prop}.Contract', spec['Contract'])
        for method, spec in (doc.get('Methods') or {}).items():
            for arg in (spec or {}).get('Arguments') or []:
                for arg_name, arg_spec in arg.items():
                    if isinstance(arg_spec, dict) and 'Contract' in arg_spec:
                        walk(f'{name}:Methods.{method}.Arguments.{arg_name}.Contract', arg_spec['Contract'])
            walk(f'{name}:Methods.{method}.Body', (spec or {}).get('Body') or [])
    return found


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    classes_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, 'Classes')
    found = problems(classes_dir)
    for p in found:
        print(json.dumps(p))
    if found:
        print(f'{len(found)} problem(s) in {classes_dir}', file=sys.stderr)
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main())
