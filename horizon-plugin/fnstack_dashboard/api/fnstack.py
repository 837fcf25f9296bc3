"""The one module that talks to the fnstack REST API (docs/api.md).

Every call carries the signed-in user's own Keystone token (``X-Auth-Token``,
``request.user.token.id``) to the ``function`` endpoint of the Keystone catalog
(``base.url_for(request, 'function')``, honouring OPENSTACK_ENDPOINT_TYPE and the
user's region). The service checks the token and scopes everything to its project;
this module adds no authorization of its own.

Settings (all optional, in Horizon's local_settings):
  FNSTACK_ENDPOINT      use this URL instead of the catalog's (development only)
  FNSTACK_TIMEOUT       seconds for ordinary calls (default 30)
  OPENSTACK_SSL_NO_VERIFY / OPENSTACK_SSL_CACERT  as for Horizon's other clients

Answers are returned as ``Resource`` objects (dicts with attribute access) so that
Horizon tables and templates can read ``fn.memory_mb`` as well as ``fn['memory_mb']``.
Errors raise ``FnstackError`` carrying the service's ``{code, message, field}``.
"""
import json
import logging

from django.conf import settings
from horizon import exceptions as horizon_exceptions
import requests

from openstack_dashboard.api import base

LOG = logging.getLogger(__name__)

SERVICE_TYPE = 'function'
USER_AGENT = 'fnstack-dashboard/0.1'
FINAL_STATUSES = ('succeeded', 'failed', 'timed_out')
EXECUTION_STATUSES = ('queued', 'provisioning', 'running') + FINAL_STATUSES
TRIGGER_KINDS = ('event', 'http', 'amqp', 'schedule', 'openstack')
# Extra seconds a synchronous invoke may take beyond the function's own timeout
# (provisioning an environment, queueing behind other executions).
SYNC_INVOKE_SLACK_S = 120


class FnstackError(horizon_exceptions.RecoverableError):
    """An error answer of the fnstack API (or no answer at all).

    ``status`` is the HTTP status (0 when the service could not be reached), ``code``
    the stable code of the service's error catalog, ``field`` the request field the
    error is about (when the service names one).
    """

    def __init__(self, status, code, message, field=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field

    def __str__(self):
        return self.message

    @classmethod
    def from_response(cls, response):
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and 'message' in body:
            return cls(response.status_code, body.get('code') or 'error',
                       body['message'], body.get('field'))
        text = (response.text or '').strip()[:200] or response.reason or ''
        return cls(response.status_code, 'error',
                   'fnstack answered %s %s' % (response.status_code, text))


class Resource(dict):
    """A JSON object of the API with attribute access (missing keys read as None)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            if name.startswith('__'):
                raise AttributeError(name)
            return None

    def to_dict(self):
        return dict(self)


class Function(Resource):
    @property
    def id(self):
        return self['name']


class Execution(Resource):
    @property
    def id(self):
        return self['id']

    @property
    def is_final(self):
        return self.get('status') in FINAL_STATUSES

    @property
    def duration_ms(self):
        timings = self.get('timings') or {}
        return timings.get('total_ms')


class Trigger(Resource):
    @property
    def id(self):
        return self['name']


class Page(list):
    """One page of a list answer; ``next_cursor`` is None on the last page."""

    def __init__(self, items, next_cursor=None):
        super().__init__(items)
        self.next_cursor = next_cursor


def endpoint(request):
    """The fnstack API base URL for this user (catalog, or FNSTACK_ENDPOINT)."""
    url = getattr(settings, 'FNSTACK_ENDPOINT', None) or base.url_for(request, SERVICE_TYPE)
    return url.rstrip('/')


def _verify():
    if getattr(settings, 'OPENSTACK_SSL_NO_VERIFY', False):
        return False
    return getattr(settings, 'OPENSTACK_SSL_CACERT', None) or True


def _request(request, method, path, params=None, json_body=None, data=None,
             files=None, timeout=None, raw_body=None, extra_headers=None):
    url = endpoint(request) + path
    headers = {
        'X-Auth-Token': request.user.token.id,
        'Accept': 'application/json',
        'User-Agent': USER_AGENT,
    }
    headers.update(extra_headers or {})
    body = raw_body
    if json_body is not None:
        body = json.dumps(json_body)
    if body is not None:
        headers['Content-Type'] = 'application/json'
    if timeout is None:
        timeout = getattr(settings, 'FNSTACK_TIMEOUT', 30)
    try:
        response = requests.request(method, url, params=params, data=body if body is not None else data,
                                    files=files, headers=headers, timeout=timeout, verify=_verify())
    except requests.RequestException as e:
        LOG.warning('fnstack %s %s failed: %s', method, url, e)
        raise FnstackError(0, 'unreachable', 'The Functions service at %s could not be reached: %s'
                           % (endpoint(request), e.__class__.__name__))
    if response.status_code >= 400:
        raise FnstackError.from_response(response)
    if response.status_code == 204 or not response.content:
        return None
    return response.json()


def _page(answer, cls):
    return Page([cls(item) for item in answer.get('items', [])], answer.get('next_cursor'))


def _code_file(code):
    """(filename, file object) for the multipart ``code`` field from a Django upload."""
    if hasattr(code, 'seek'):
        code.seek(0)
    return (getattr(code, 'name', None) or 'index.js', code, 'application/octet-stream')


# ------------------------------------------------------------------ runtimes

def runtime_list(request):
    return [Resource(r) for r in _request(request, 'GET', '/v1/runtimes').get('items', [])]


# ------------------------------------------------------------------ functions

def function_list(request, limit=None, cursor=None):
    params = {}
    if limit:
        params['limit'] = limit
    if cursor:
        params['cursor'] = cursor
    return _page(_request(request, 'GET', '/v1/functions', params=params), Function)


def function_list_all(request):
    """Every function of the project, following the cursor."""
    items, cursor = [], None
    while True:
        page = function_list(request, limit=500, cursor=cursor)
        items.extend(page)
        cursor = page.next_cursor
        if not cursor:
            return items


def function_get(request, name):
    return Function(_request(request, 'GET', '/v1/functions/%s' % _quote(name)))


def function_create(request, metadata, code):
    """POST /v1/functions: ``metadata`` is the JSON metadata dict, ``code`` an uploaded file."""
    answer = _request(request, 'POST', '/v1/functions',
                      data={'metadata': json.dumps(metadata)},
                      files={'code': _code_file(code)})
    return Function(answer)


def function_update(request, name, metadata=None, code=None):
    """PATCH /v1/functions/{name}: JSON when only metadata changes, multipart with new code."""
    path = '/v1/functions/%s' % _quote(name)
    if code is None:
        return Function(_request(request, 'PATCH', path, json_body=metadata or {}))
    data = {'metadata': json.dumps(metadata)} if metadata else {}
    return Function(_request(request, 'PATCH', path, data=data, files={'code': _code_file(code)}))


def function_delete(request, name):
    _request(request, 'DELETE', '/v1/functions/%s' % _quote(name))


def function_versions(request, name):
    answer = _request(request, 'GET', '/v1/functions/%s/versions' % _quote(name))
    return [Resource(v) for v in answer.get('items', [])]


def function_invoke(request, name, event=None, sync=True, timeout_s=None, cloudevent=None):
    """POST /v1/functions/{name}/invoke with ``event`` (any JSON value) as the event data.

    sync: waits for the final execution and returns it. async: returns
    ``Resource(execution_id=…, status='queued')``. ``cloudevent`` may hold ``type``,
    ``source``, ``subject``, ``id`` for the ce-* headers.
    """
    params = {'mode': 'sync' if sync else 'async'}
    path = '/v1/functions/%s/invoke' % _quote(name)
    body = json.dumps({} if event is None else event)
    wait = (timeout_s or 30) + SYNC_INVOKE_SLACK_S if sync else None
    headers = {}
    for key in ('id', 'type', 'source', 'subject'):
        if (cloudevent or {}).get(key):
            headers['ce-' + key] = cloudevent[key]
    answer = _request(request, 'POST', path, params=params, raw_body=body, timeout=wait,
                      extra_headers=headers)
    return Execution(answer) if sync else Resource(answer)


# ------------------------------------------------------------------ executions

def execution_list(request, function=None, status=None, limit=None, cursor=None):
    params = {}
    if function:
        params['function'] = function
    if status:
        params['status'] = status
    if limit:
        params['limit'] = limit
    if cursor:
        params['cursor'] = cursor
    return _page(_request(request, 'GET', '/v1/executions', params=params), Execution)


def execution_get(request, execution_id):
    return Execution(_request(request, 'GET', '/v1/executions/%s' % _quote(execution_id)))


def execution_logs(request, execution_id):
    """{execution_id, status, logs, truncated}."""
    return Resource(_request(request, 'GET', '/v1/executions/%s/logs' % _quote(execution_id)))


# ------------------------------------------------------------------ triggers

def trigger_list(request, function=None, limit=None, cursor=None):
    params = {}
    if function:
        params['function'] = function
    if limit:
        params['limit'] = limit
    if cursor:
        params['cursor'] = cursor
    return _page(_request(request, 'GET', '/v1/triggers', params=params), Trigger)


def trigger_get(request, name):
    return Trigger(_request(request, 'GET', '/v1/triggers/%s' % _quote(name)))


def trigger_create(request, name, function, kind, config=None, filter=None, enabled=True):
    body = {'name': name, 'function': function, 'kind': kind, 'enabled': enabled}
    if config:
        body['config'] = config
    if filter:
        body['filter'] = filter
    return Trigger(_request(request, 'POST', '/v1/triggers', json_body=body))


def trigger_update(request, name, **fields):
    return Trigger(_request(request, 'PATCH', '/v1/triggers/%s' % _quote(name), json_body=fields))


def trigger_delete(request, name):
    _request(request, 'DELETE', '/v1/triggers/%s' % _quote(name))


def trigger_set_enabled(request, name, enabled):
    action = 'enable' if enabled else 'disable'
    return Trigger(_request(request, 'POST', '/v1/triggers/%s/%s' % (_quote(name), action)))


def _quote(segment):
    return requests.utils.quote(str(segment), safe='')
