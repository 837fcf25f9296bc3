#!/usr/bin/python3
"""Static checks of the MuranoPL in Classes/ that murano-pkg-check does not make.

   murano-package/check-classes.py [CLASSES_DIR]      (default: the Classes/ next to this file)

murano-engine's YAML loader (murano/engine/yaql_yaml_loader.py) makes a yaql expression of a
*plain* (unquoted) scalar only, and only when it parses; anything else is silently a literal
string. So a YAML flow sequence such as `[KEY, f(a, b)]` is cut at the comma into three plain
strings, and quoting it (`[KEY, 'f(a, b)']`) makes it one literal string: either way the class
imports, passes murano-pkg-check and deploys with garbage values. This reads the classes with
PyYAML as that loader does and reports, one JSON object a line:
  * `pair`: a list of lists in a method body (a table of pairs) with a row that has not
    exactly two elements;
  * `yaql`: a plain string in Methods or in a Contract that looks like an expression (holds `$`
    or a call `name(`) but does not parse with Murano's yaql grammar (the one murano-pkg-check
    uses for format 1.2+);
  * `quoted`: a quoted string there that looks like an expression and parses: Murano never
    evaluates it (use a plain scalar, in block style if it holds a comma).
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


class Plain(str):
    """a plain (unquoted) scalar: the only kind murano-engine may turn into an expression"""


class _AnyPlain:
    @staticmethod
    def match(_text):
        return True


class MuranoLikeLoader(yaml.SafeLoader):
    pass


# like murano's loader: a wildcard implicit resolver, after the int/bool/null ones
MuranoLikeLoader.yaml_implicit_resolvers = {k: v[:] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
MuranoLikeLoader.add_implicit_resolver('!plain', _AnyPlain, None)
MuranoLikeLoader.add_constructor('!plain', lambda loader, node: Plain(loader.construct_scalar(node)))


def problems(classes_dir):
    parses = YaqlChecker()
    found = []

    def check_string(where, text):
        if not LOOKS_LIKE_EXPRESSION.search(text):
            return
        if isinstance(text, Plain) and not parses(text):
            found.append({'kind': 'yaql', 'where': where, 'text': str(text)})
        elif not isinstance(text, Plain) and parses(text):
            found.append({'kind': 'quoted', 'where': where, 'text': str(text)})

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
            doc = yaml.load(f, Loader=MuranoLikeLoader)  # noqa: S506 - a SafeLoader subclass
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
