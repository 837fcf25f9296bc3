"""api/fnstack.py: what goes on the wire (URL from the catalog, the user's token, bodies,
query parameters) and how answers and errors come back. requests is mocked."""
import json
import unittest
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
import requests

from fnstack_dashboard import tests  # noqa: F401  (Django setup)
from fnstack_dashboard.api import fnstack

ENDPOINT = 'http://fnstack.example:7700/'


def fake_request(token='tok-123'):
    request = mock.Mock()
    request.user.token.id = token
    return request


def answer(status=200, body=None, text=None):
    r = mock.Mock(spec=requests.Response)
    r.status_code = status
    r.reason = 'Reason'
    if body is not None:
        r.text = json.dumps(body)
        r.json.return_value = body
    else:
        r.text = text or ''
        r.json.side_effect = ValueError('no JSON')
    r.content = r.text.encode()
    return r


FUNCTION = {'name': 'hello', 'runtime': 'nodejs20', 'handler': 'index.handler', 'memory_mb': 128,
            'timeout_s': 30, 'version': 1, 'env': {}, 'code': {'format': 'js', 'size_bytes': 10}}


class ApiTestBase(unittest.TestCase):
    def setUp(self):
        patcher = mock.patch('fnstack_dashboard.api.fnstack.base.url_for', return_value=ENDPOINT)
        self.url_for = patcher.start()
        self.addCleanup(patcher.stop)
        patcher = mock.patch('fnstack_dashboard.api.fnstack.requests.request')
        self.http = patcher.start()
        self.addCleanup(patcher.stop)
        self.request = fake_request()

    def call(self, i=-1):
        args, kwargs = self.http.call_args_list[i]
        return args[0], args[1], kwargs


class EndpointAndTokenTests(ApiTestBase):
    def test_uses_catalog_function_endpoint_and_the_users_token(self):
        self.http.return_value = answer(body={'items': [FUNCTION], 'next_cursor': None})
        fnstack.function_list(self.request)
        self.url_for.assert_called_with(self.request, 'function')
        method, url, kwargs = self.call()
        self.assertEqual(method, 'GET')
        self.assertEqual(url, 'http://fnstack.example:7700/v1/functions')
        self.assertEqual(kwargs['headers']['X-Auth-Token'], 'tok-123')
        self.assertEqual(kwargs['headers']['Accept'], 'application/json')
        self.assertNotIn('Authorization', kwargs['headers'])

    @override_settings(FNSTACK_ENDPOINT='http://override:1/')
    def test_endpoint_setting_overrides_catalog(self):
        self.http.return_value = answer(body={'items': [], 'next_cursor': None})
        fnstack.function_list(self.request)
        self.assertEqual(self.call()[1], 'http://override:1/v1/functions')
        self.url_for.assert_not_called()

    @override_settings(OPENSTACK_SSL_NO_VERIFY=True)
    def test_ssl_no_verify(self):
        self.http.return_value = answer(body={'items': [], 'next_cursor': None})
        fnstack.function_list(self.request)
        self.assertIs(self.call()[2]['verify'], False)

    def test_names_are_quoted_in_paths(self):
        self.http.return_value = answer(body=FUNCTION)
        fnstack.function_get(self.request, 'a/b c')
        self.assertEqual(self.call()[1], 'http://fnstack.example:7700/v1/functions/a%2Fb%20c')


class FunctionTests(ApiTestBase):
    def test_list_returns_a_page_with_attribute_access(self):
        self.http.return_value = answer(body={'items': [FUNCTION], 'next_cursor': 'c2'})
        page = fnstack.function_list(self.request, limit=10, cursor='c1')
        self.assertEqual(self.call()[2]['params'], {'limit': 10, 'cursor': 'c1'})
        self.assertEqual(page.next_cursor, 'c2')
        self.assertEqual(page[0].name, 'hello')
        self.assertEqual(page[0].id, 'hello')
        self.assertEqual(page[0].memory_mb, 128)
        self.assertIsNone(page[0].missing_key)

    def test_list_all_follows_the_cursor(self):
        self.http.side_effect = [answer(body={'items': [FUNCTION], 'next_cursor': 'x'}),
                                 answer(body={'items': [dict(FUNCTION, name='two')], 'next_cursor': None})]
        names = [f.name for f in fnstack.function_list_all(self.request)]
        self.assertEqual(names, ['hello', 'two'])
        self.assertEqual(self.call(1)[2]['params'], {'limit': 500, 'cursor': 'x'})

    def test_create_is_multipart_with_metadata_json_and_code_file(self):
        self.http.return_value = answer(201, body=FUNCTION)
        code = SimpleUploadedFile('hello.js', b'exports.handler = async () => 1;')
        fn = fnstack.function_create(self.request, {'name': 'hello', 'runtime': 'nodejs20',
                                                    'handler': 'hello.handler'}, code)
        method, url, kwargs = self.call()
        self.assertEqual((method, url), ('POST', 'http://fnstack.example:7700/v1/functions'))
        self.assertEqual(json.loads(kwargs['data']['metadata'])['handler'], 'hello.handler')
        filename, fileobj, _ctype = kwargs['files']['code']
        self.assertEqual(filename, 'hello.js')
        self.assertEqual(fileobj.read(), b'exports.handler = async () => 1;')
        self.assertNotIn('Content-Type', kwargs['headers'])  # requests sets the multipart boundary
        self.assertEqual(fn.name, 'hello')

    def test_update_metadata_only_is_json_patch(self):
        self.http.return_value = answer(body=dict(FUNCTION, version=2))
        fn = fnstack.function_update(self.request, 'hello', metadata={'memory_mb': 256})
        method, url, kwargs = self.call()
        self.assertEqual((method, url), ('PATCH', 'http://fnstack.example:7700/v1/functions/hello'))
        self.assertEqual(json.loads(kwargs['data']), {'memory_mb': 256})
        self.assertEqual(kwargs['headers']['Content-Type'], 'application/json')
        self.assertEqual(fn.version, 2)

    def test_update_with_code_is_multipart(self):
        self.http.return_value = answer(body=dict(FUNCTION, version=3))
        fnstack.function_update(self.request, 'hello', code=SimpleUploadedFile('new.js', b'x'))
        kwargs = self.call()[2]
        self.assertEqual(kwargs['data'], {})
        self.assertEqual(kwargs['files']['code'][0], 'new.js')

    def test_delete(self):
        self.http.return_value = answer(204)
        self.assertIsNone(fnstack.function_delete(self.request, 'hello'))
        self.assertEqual(self.call()[:2], ('DELETE', 'http://fnstack.example:7700/v1/functions/hello'))

    def test_versions(self):
        self.http.return_value = answer(body={'items': [{'version': 1}, {'version': 2}]})
        self.assertEqual([v.version for v in fnstack.function_versions(self.request, 'hello')], [1, 2])


class InvokeTests(ApiTestBase):
    def test_sync_invoke_posts_the_event_and_waits_past_the_functions_timeout(self):
        self.http.return_value = answer(body={'id': 'e1', 'status': 'succeeded', 'result': {'ok': 1},
                                              'timings': {'total_ms': 12}})
        ex = fnstack.function_invoke(self.request, 'hello', {'name': 'x'}, sync=True, timeout_s=60)
        method, url, kwargs = self.call()
        self.assertEqual((method, url), ('POST', 'http://fnstack.example:7700/v1/functions/hello/invoke'))
        self.assertEqual(kwargs['params'], {'mode': 'sync'})
        self.assertEqual(json.loads(kwargs['data']), {'name': 'x'})
        self.assertEqual(kwargs['headers']['Content-Type'], 'application/json')
        self.assertGreaterEqual(kwargs['timeout'], 60 + fnstack.SYNC_INVOKE_SLACK_S)
        self.assertTrue(ex.is_final)
        self.assertEqual(ex.duration_ms, 12)

    def test_async_invoke_and_cloudevent_headers(self):
        self.http.return_value = answer(202, body={'execution_id': 'e2', 'status': 'queued'})
        accepted = fnstack.function_invoke(self.request, 'hello', [1, 2], sync=False,
                                           cloudevent={'type': 'com.example.t', 'subject': None})
        kwargs = self.call()[2]
        self.assertEqual(kwargs['params'], {'mode': 'async'})
        self.assertEqual(kwargs['headers']['ce-type'], 'com.example.t')
        self.assertNotIn('ce-subject', kwargs['headers'])
        self.assertEqual(json.loads(kwargs['data']), [1, 2])
        self.assertEqual(accepted.execution_id, 'e2')

    def test_none_event_is_sent_as_empty_object(self):
        self.http.return_value = answer(body={'id': 'e3', 'status': 'failed'})
        fnstack.function_invoke(self.request, 'hello', None)
        self.assertEqual(self.call()[2]['data'], '{}')


class ExecutionAndTriggerTests(ApiTestBase):
    def test_execution_list_filters(self):
        self.http.return_value = answer(body={'items': [{'id': 'e1', 'status': 'running'}], 'next_cursor': None})
        page = fnstack.execution_list(self.request, function='hello', status='running', limit=5)
        self.assertEqual(self.call()[2]['params'], {'function': 'hello', 'status': 'running', 'limit': 5})
        self.assertFalse(page[0].is_final)
        self.assertIsNone(page[0].duration_ms)

    def test_execution_logs(self):
        self.http.return_value = answer(body={'execution_id': 'e1', 'status': 'succeeded',
                                              'logs': 'hi\n', 'truncated': False})
        logs = fnstack.execution_logs(self.request, 'e1')
        self.assertEqual(self.call()[1], 'http://fnstack.example:7700/v1/executions/e1/logs')
        self.assertEqual(logs.logs, 'hi\n')

    def test_trigger_create_and_toggle(self):
        self.http.return_value = answer(201, body={'name': 't1', 'function': 'hello', 'kind': 'schedule'})
        fnstack.trigger_create(self.request, 't1', 'hello', 'schedule', config={'cron': '* * * * *'})
        body = json.loads(self.call()[2]['data'])
        self.assertEqual(body, {'name': 't1', 'function': 'hello', 'kind': 'schedule',
                                'enabled': True, 'config': {'cron': '* * * * *'}})
        self.http.return_value = answer(body={'name': 't1', 'enabled': False})
        fnstack.trigger_set_enabled(self.request, 't1', False)
        self.assertEqual(self.call()[:2], ('POST', 'http://fnstack.example:7700/v1/triggers/t1/disable'))


class ErrorTests(ApiTestBase):
    def test_error_body_becomes_fnstack_error_with_field(self):
        self.http.return_value = answer(400, body={'code': 'invalid_request', 'message': 'memory_mb: too big',
                                                   'field': 'memory_mb'})
        with self.assertRaises(fnstack.FnstackError) as cm:
            fnstack.function_create(self.request, {'name': 'x'}, SimpleUploadedFile('a.js', b'x'))
        e = cm.exception
        self.assertEqual((e.status, e.code, e.field), (400, 'invalid_request', 'memory_mb'))
        self.assertEqual(str(e), 'memory_mb: too big')

    def test_non_json_error(self):
        self.http.return_value = answer(502, text='<html>bad gateway</html>')
        with self.assertRaises(fnstack.FnstackError) as cm:
            fnstack.function_get(self.request, 'x')
        self.assertEqual(cm.exception.status, 502)
        self.assertIn('502', cm.exception.message)

    def test_unreachable_service(self):
        self.http.side_effect = requests.ConnectionError('refused')
        with self.assertRaises(fnstack.FnstackError) as cm:
            fnstack.function_list(self.request)
        self.assertEqual((cm.exception.status, cm.exception.code), (0, 'unreachable'))
        self.assertIn('http://fnstack.example:7700', cm.exception.message)

    def test_error_is_recoverable_for_horizon(self):
        from horizon import exceptions
        self.assertTrue(issubclass(fnstack.FnstackError, exceptions.RecoverableError))


if __name__ == '__main__':
    unittest.main()
