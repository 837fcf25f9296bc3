"""Helpers shared by the panels: cursor pagination, JSON/env parsing, display filters."""
import json
import re
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from horizon import tables
from horizon.utils import filters as horizon_filters

ENV_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')


class CursorTableMixin(object):
    """DataTable mixin: the "Next" link carries the API's next_cursor (not the last id).

    The view returns an ``api.fnstack.Page`` (a list with ``next_cursor``) as the data.
    A ``?function=`` narrowing of the list is kept on the next page.
    """

    def get_marker(self):
        marker = quote(getattr(self.data, 'next_cursor', None) or '', safe='')
        function = self.request.GET.get('function') if self.request else None
        if function:
            marker += '&function=' + quote(function, safe='')
        return marker


class CursorTableView(tables.DataTableView):
    """DataTableView for cursor-paginated API lists (``?cursor=…``)."""

    def cursor(self):
        return self.request.GET.get(self.table_class._meta.pagination_param) or None

    def has_more_data(self, table):
        return bool(getattr(table.data, 'next_cursor', None))


def parse_json(text, what=_('JSON')):
    """Parses JSON text from a form field; empty text is None. Raises ValidationError."""
    if text is None or not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError as e:
        raise ValidationError(_('%(what)s is not valid JSON: %(error)s') % {'what': what, 'error': e})


def parse_json_object(text, what=_('JSON')):
    value = parse_json(text, what)
    if value is not None and not isinstance(value, dict):
        raise ValidationError(_('%(what)s must be a JSON object ({...})') % {'what': what})
    return value


def parse_env(text):
    """KEY=VALUE lines (blank lines and # comments ignored) → dict. Raises ValidationError."""
    env = {}
    for number, line in enumerate((text or '').splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith('#'):
            continue
        if '=' not in stripped:
            raise ValidationError(_('Line %(n)d: expected KEY=VALUE') % {'n': number})
        key, value = stripped.split('=', 1)
        key = key.strip()
        if not ENV_NAME.match(key):
            raise ValidationError(_('Line %(n)d: "%(key)s" is not a valid variable name') % {'n': number, 'key': key})
        env[key] = value
    return env


def format_env(env):
    return '\n'.join('%s=%s' % (k, v) for k, v in sorted((env or {}).items()))


def pretty_json(value):
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def display_value(value):
    """A JSON value for a <dd>: scalars as they are, lists comma-separated, objects as JSON."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if value is None:
        return '-'
    if isinstance(value, list) and all(not isinstance(v, (list, dict)) for v in value):
        return ', '.join(str(v) for v in value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def iso_date(value):
    """An API ISO time → a datetime Horizon's templates/tables format in the user's zone."""
    if not value:
        return None
    try:
        return horizon_filters.parse_isotime(value)
    except Exception:
        return value


def format_ms(ms):
    if ms is None:
        return '-'
    if ms < 1000:
        return '%d ms' % ms
    return '%.2f s' % (ms / 1000.0)


def format_bytes(n):
    if n is None:
        return '-'
    for unit in ('B', 'KiB', 'MiB', 'GiB'):
        if n < 1024 or unit == 'GiB':
            return ('%d %s' % (n, unit)) if unit == 'B' else ('%.1f %s' % (n, unit))
        n /= 1024.0
