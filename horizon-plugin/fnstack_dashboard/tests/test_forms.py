"""Forms: validation (name, code file, env, JSON event/config) and what handle() sends to
the API; API errors land on the field they name. The api module is mocked."""
import unittest
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from fnstack_dashboard import tests  # noqa: F401  (Django setup)
from fnstack_dashboard.api import fnstack
from fnstack_dashboard.content import common
from fnstack_dashboard.content.functions import forms
from fnstack_dashboard.content.triggers import forms as trigger_forms

RUNTIMES = [fnstack.Resource(name='nodejs20', language='nodejs', version='20.1', default=True)]


def fake_request():
    request = mock.Mock()
    request.user.token.id = 'tok'
    return request


class FormTestBase(unittest.TestCase):
    def setUp(self):
        for target in ('fnstack_dashboard.content.functions.forms.messages',
                       'fnstack_dashboard.content.triggers.forms.messages'):
            patcher = mock.patch(target)
            patcher.start()
            self.addCleanup(patcher.stop)
        patcher = mock.patch.object(fnstack, 'runtime_list', return_value=RUNTIMES)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.request = fake_request()


def create_data(**over):
    data = {'name': 'hello', 'runtime': 'nodejs20', 'handler': 'index.handler', 'memory_mb': '128',
            'vcpus': '1', 'disk_gb': '1', 'timeout_s': '30', 'network': 'on', 'isolation': 'per-event',
            'env': ''}
    data.update(over)
    return data


def code_file(name='index.js', content=b'exports.handler = async () => 1;'):
    return MultiValueDict({'code': [SimpleUploadedFile(name, content)]})


class CreateFunctionFormTests(FormTestBase):
    def form(self, data=None, files=None):
        return forms.CreateFunctionForm(self.request, create_data(**(data or {})),
                                        code_file() if files is None else files)

    def test_valid_form_sends_metadata_and_file(self):
        form = self.form({'env': 'A=1\n# comment\n\nB = two=2'})
        self.assertTrue(form.is_valid(), form.errors)
        with mock.patch.object(fnstack, 'function_create',
                               return_value=fnstack.Function(name='hello', version=1)) as create:
            self.assertTrue(form.handle(self.request, form.cleaned_data))
        metadata, code = create.call_args[0][1], create.call_args[0][2]
        self.assertEqual(metadata, {'name': 'hello', 'runtime': 'nodejs20', 'handler': 'index.handler',
                                    'memory_mb': 128, 'vcpus': 1, 'disk_gb': 1, 'timeout_s': 30,
                                    'network': True, 'isolation': 'per-event',
                                    'env': {'A': '1', 'B': ' two=2'}})
        self.assertEqual(code.name, 'index.js')

    def test_runtime_choices_come_from_the_service(self):
        self.assertEqual([c[0] for c in self.form().fields['runtime'].choices], ['nodejs20'])

    def test_bad_name(self):
        form = self.form({'name': 'Hello_World'})
        self.assertFalse(form.is_valid())
        self.assertIn('name', form.errors)

    def test_code_is_required_and_must_be_a_package(self):
        self.assertIn('code', self.form(files=MultiValueDict()).errors)
        form = self.form(files=code_file('notes.txt'))
        self.assertFalse(form.is_valid())
        self.assertIn('.zip', str(form.errors['code']))
        for name in ('a.js', 'a.mjs', 'a.cjs', 'a.zip', 'a.tar.gz', 'a.tgz'):
            self.assertTrue(self.form(files=code_file(name)).is_valid(), name)

    def test_memory_below_minimum(self):
        self.assertIn('memory_mb', self.form({'memory_mb': '16'}).errors)

    def test_bad_env(self):
        self.assertIn('env', self.form({'env': 'NOT A PAIR'}).errors)
        self.assertIn('env', self.form({'env': '1BAD=x'}).errors)

    def test_api_error_lands_on_its_field(self):
        form = self.form()
        self.assertTrue(form.is_valid())
        error = fnstack.FnstackError(422, 'invalid_code_package', 'handler export not found', 'handler')
        with mock.patch.object(fnstack, 'function_create', side_effect=error):
            self.assertFalse(form.handle(self.request, form.cleaned_data))
        self.assertEqual(form.errors['handler'], ['handler export not found'])

    def test_api_error_without_field_is_a_form_error(self):
        form = self.form()
        self.assertTrue(form.is_valid())
        error = fnstack.FnstackError(409, 'conflict', 'function hello exists')
        with mock.patch.object(fnstack, 'function_create', side_effect=error):
            self.assertFalse(form.handle(self.request, form.cleaned_data))
        self.assertEqual(form.non_field_errors(), ['function hello exists'])


class UpdateFunctionFormTests(FormTestBase):
    INITIAL = {'name': 'hello', 'runtime': 'nodejs20', 'handler': 'index.handler', 'memory_mb': 128,
               'vcpus': 1, 'disk_gb': 1, 'timeout_s': 30, 'network': True, 'isolation': 'per-event',
               'env': 'A=1'}

    def form(self, data, files=None):
        return forms.UpdateFunctionForm(self.request, create_data(**data), files or MultiValueDict(),
                                        initial=dict(self.INITIAL))

    def test_only_changed_fields_are_sent(self):
        form = self.form({'memory_mb': '256', 'env': 'A=1'})
        self.assertTrue(form.is_valid(), form.errors)
        with mock.patch.object(fnstack, 'function_update',
                               return_value=fnstack.Function(name='hello', version=2)) as update:
            self.assertTrue(form.handle(self.request, form.cleaned_data))
        update.assert_called_once_with(self.request, 'hello', metadata={'memory_mb': 256}, code=None)

    def test_new_code_only(self):
        form = self.form({'env': 'A=1'}, code_file('v2.js'))
        self.assertTrue(form.is_valid(), form.errors)
        with mock.patch.object(fnstack, 'function_update',
                               return_value=fnstack.Function(name='hello', version=2)) as update:
            form.handle(self.request, form.cleaned_data)
        self.assertIsNone(update.call_args[1]['metadata'])
        self.assertEqual(update.call_args[1]['code'].name, 'v2.js')

    def test_network_off_and_env_change(self):
        data = create_data(env='A=2\nB=3')
        del data['network']
        form = forms.UpdateFunctionForm(self.request, data, MultiValueDict(), initial=dict(self.INITIAL))
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.changed_metadata(form.cleaned_data), {'network': False, 'env': {'A': '2', 'B': '3'}})

    def test_nothing_changed_calls_nothing(self):
        form = self.form({'env': 'A=1'})
        self.assertTrue(form.is_valid(), form.errors)
        with mock.patch.object(fnstack, 'function_update') as update:
            self.assertTrue(form.handle(self.request, form.cleaned_data))
        update.assert_not_called()


class InvokeFunctionFormTests(FormTestBase):
    def form(self, event, wait='on', event_type=''):
        data = {'name': 'hello', 'event': event, 'event_type': event_type}
        if wait:
            data['wait'] = wait
        return forms.InvokeFunctionForm(self.request, data, initial={'name': 'hello', 'timeout_s': 5})

    def test_invalid_json_is_refused(self):
        form = self.form('{"name": ')
        self.assertFalse(form.is_valid())
        self.assertIn('not valid JSON', str(form.errors['event']))

    def test_any_json_value_and_empty(self):
        form = self.form('[1, 2]')
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data['event'], [1, 2])
        form = self.form('  ')
        self.assertTrue(form.is_valid())
        self.assertEqual(form.cleaned_data['event'], {})

    def test_sync_invoke_returns_the_execution(self):
        form = self.form('{"name": "x"}', event_type='com.example')
        self.assertTrue(form.is_valid(), form.errors)
        execution = fnstack.Execution(id='e1', status='succeeded')
        with mock.patch.object(fnstack, 'function_invoke', return_value=execution) as invoke:
            self.assertIs(form.handle(self.request, form.cleaned_data), execution)
        invoke.assert_called_once_with(self.request, 'hello', {'name': 'x'}, sync=True, timeout_s=5,
                                       cloudevent={'type': 'com.example'})

    def test_async_invoke(self):
        form = self.form('{}', wait=None)
        self.assertTrue(form.is_valid(), form.errors)
        with mock.patch.object(fnstack, 'function_invoke',
                               return_value=fnstack.Resource(execution_id='e2', status='queued')) as invoke:
            handled = form.handle(self.request, form.cleaned_data)
        self.assertEqual(handled.execution_id, 'e2')
        self.assertFalse(invoke.call_args[1]['sync'])


class CreateTriggerFormTests(FormTestBase):
    def form(self, **over):
        data = {'name': 'every-minute', 'function': 'hello', 'kind': 'schedule',
                'config': '{"cron": "* * * * *"}', 'filter': '', 'enabled': 'on'}
        data.update(over)
        with mock.patch.object(fnstack, 'function_list_all', return_value=[fnstack.Function(name='hello')]):
            return trigger_forms.CreateTriggerForm(self.request, data)

    def test_valid(self):
        form = self.form()
        self.assertTrue(form.is_valid(), form.errors)
        with mock.patch.object(fnstack, 'trigger_create', return_value=fnstack.Trigger(name='every-minute')) as c:
            self.assertTrue(form.handle(self.request, form.cleaned_data))
        c.assert_called_once_with(self.request, 'every-minute', 'hello', 'schedule',
                                  config={'cron': '* * * * *'}, filter=None, enabled=True)

    def test_config_must_be_a_json_object(self):
        self.assertIn('config', self.form(config='[1]').errors)
        self.assertIn('config', self.form(config='{oops').errors)

    def test_function_must_exist(self):
        self.assertIn('function', self.form(function='other').errors)


class CommonTests(unittest.TestCase):
    def test_env_round_trip(self):
        env = common.parse_env('B=2\nA=x=y\n')
        self.assertEqual(env, {'A': 'x=y', 'B': '2'})
        self.assertEqual(common.format_env(env), 'A=x=y\nB=2')

    def test_formatting(self):
        self.assertEqual(common.format_ms(None), '-')
        self.assertEqual(common.format_ms(15), '15 ms')
        self.assertEqual(common.format_ms(1500), '1.50 s')
        self.assertEqual(common.format_bytes(512), '512 B')
        self.assertEqual(common.format_bytes(2048), '2.0 KiB')
        self.assertEqual(common.display_value(['a', 'b']), 'a, b')
        self.assertEqual(common.display_value({'k': 1}), '{"k": 1}')
        self.assertEqual(common.display_value(True), 'true')


if __name__ == '__main__':
    unittest.main()
