"""Create, update and invoke a function. Field names match the API's metadata fields."""
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import messages

from fnstack_dashboard.api import fnstack
from fnstack_dashboard.content import common

NAME_REGEX = r'^[a-z0-9][a-z0-9-]{0,62}$'
CODE_SUFFIXES = ('.js', '.mjs', '.cjs', '.zip', '.tar.gz', '.tgz')
METADATA_FIELDS = ('runtime', 'handler', 'memory_mb', 'vcpus', 'disk_gb', 'timeout_s',
                   'network', 'isolation', 'env')
ISOLATION_CHOICES = (
    ('per-event', _('per-event: a fresh environment for every event')),
    ('reuse', _('reuse: a warm environment serves events in turn')),
)


def runtime_choices(request):
    """[(name, label)] from GET /v1/runtimes, the service's default first."""
    try:
        runtimes = sorted(fnstack.runtime_list(request), key=lambda r: not r.get('default'))
    except Exception:
        exceptions.handle(request, _('Unable to retrieve the runtimes.'), ignore=True)
        return [('nodejs20', 'nodejs20')]
    return [(r['name'], '%s (%s %s)' % (r['name'], r.get('language', ''), r.get('version', '')))
            for r in runtimes]


def check_code_file(code):
    if code is None:
        return code
    name = (getattr(code, 'name', '') or '').lower()
    if not name.endswith(CODE_SUFFIXES):
        raise ValidationError(_('Upload one .js/.mjs/.cjs file, or a .zip / .tar.gz archive.'))
    if getattr(code, 'size', 1) == 0:
        raise ValidationError(_('The file is empty.'))
    return code


def show_api_error(form, error):
    """Puts an API error on the field it names, else on top of the form. Returns False."""
    field = (error.field or '').split('.')[0]
    if field in form.fields:
        form.add_error(field, error.message)
    else:
        form.api_error(error.message)
    return False


class FunctionFieldsMixin(object):
    """Metadata fields shared by create and update."""

    def add_metadata_fields(self, request, required):
        f = self.fields
        f['runtime'] = forms.ChoiceField(label=_('Runtime'), choices=runtime_choices(request), required=required)
        f['handler'] = forms.CharField(label=_('Handler'), max_length=255, initial='index.handler',
                                       required=required,
                                       help_text=_('FILE.EXPORT: index.handler calls the export '
                                                   '"handler" of index.js.'))
        f['memory_mb'] = forms.IntegerField(label=_('Memory (MiB)'), min_value=64, initial=128, required=required)
        f['vcpus'] = forms.IntegerField(label=_('vCPUs'), min_value=1, max_value=64, initial=1, required=required)
        f['disk_gb'] = forms.IntegerField(label=_('Disk (GB)'), min_value=1, max_value=1000, initial=1,
                                          required=required)
        f['timeout_s'] = forms.IntegerField(label=_('Timeout (s)'), min_value=1, initial=30, required=required)
        f['network'] = forms.BooleanField(label=_('Network access'), initial=True, required=False)
        f['isolation'] = forms.ChoiceField(label=_('Isolation'), choices=ISOLATION_CHOICES,
                                           initial='per-event', required=required)
        f['env'] = forms.CharField(label=_('Environment variables'), required=False,
                                   widget=forms.Textarea(attrs={'rows': 3, 'placeholder': 'KEY=value'}),
                                   help_text=_('One KEY=value per line.'))

    def clean_env(self):
        return common.parse_env(self.cleaned_data.get('env'))

    def clean_code(self):
        return check_code_file(self.cleaned_data.get('code'))


class CreateFunctionForm(FunctionFieldsMixin, forms.SelfHandlingForm):
    name = forms.RegexField(label=_('Name'), max_length=63, regex=NAME_REGEX,
                            error_messages={'invalid': _('Lower-case letters, digits and -, '
                                                         'starting with a letter or digit.')})
    code = forms.FileField(label=_('Code package'),
                           help_text=_('One .js/.mjs/.cjs file, or a .zip / .tar.gz with '
                                       'package.json and node_modules.'),
                           widget=forms.FileInput(attrs={'accept': '.js,.mjs,.cjs,.zip,.tar.gz,.tgz'}))

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.add_metadata_fields(request, required=True)

    def metadata(self, data):
        meta = {'name': data['name']}
        for key in METADATA_FIELDS:
            if key == 'env':
                if data.get('env'):
                    meta['env'] = data['env']
            elif data.get(key) is not None:
                meta[key] = data[key]
        return meta

    def handle(self, request, data):
        try:
            fn = fnstack.function_create(request, self.metadata(data), data['code'])
        except fnstack.FnstackError as e:
            return show_api_error(self, e)
        messages.success(request, _('Created function "%(name)s" (version %(version)s).')
                         % {'name': fn['name'], 'version': fn.get('version')})
        return fn


class UpdateFunctionForm(FunctionFieldsMixin, forms.SelfHandlingForm):
    """Only what the user changed is sent; any change makes a new immutable version."""
    name = forms.CharField(label=_('Name'), widget=forms.TextInput(attrs={'readonly': 'readonly'}))
    code = forms.FileField(label=_('New code package'), required=False,
                           help_text=_('Leave empty to keep the current code.'),
                           widget=forms.FileInput(attrs={'accept': '.js,.mjs,.cjs,.zip,.tar.gz,.tgz'}))

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.add_metadata_fields(request, required=True)

    def changed_metadata(self, data):
        meta = {}
        for key in METADATA_FIELDS:
            if key not in self.changed_data:
                continue
            if key == 'env':
                if data['env'] != common.parse_env(self.initial.get('env')):
                    meta['env'] = data['env']
            else:
                meta[key] = data[key]
        return meta

    def handle(self, request, data):
        name = self.initial.get('name') or data['name']
        meta = self.changed_metadata(data)
        code = data.get('code')
        if not meta and code is None:
            messages.info(request, _('Nothing changed: function "%s" keeps its version.') % name)
            return True
        try:
            fn = fnstack.function_update(request, name, metadata=meta or None, code=code)
        except fnstack.FnstackError as e:
            return show_api_error(self, e)
        messages.success(request, _('Updated function "%(name)s": now version %(version)s.')
                         % {'name': name, 'version': fn.get('version')})
        return fn


class InvokeFunctionForm(forms.SelfHandlingForm):
    name = forms.CharField(label=_('Function'), widget=forms.TextInput(attrs={'readonly': 'readonly'}))
    event = forms.CharField(label=_('Event (JSON)'), initial='{}', required=False,
                            widget=forms.Textarea(attrs={'rows': 8, 'class': 'monospace'}),
                            help_text=_('The event data handed to the handler: any JSON value (empty: {}).'))
    event_type = forms.CharField(label=_('Event type'), required=False, max_length=255,
                                 help_text=_('Optional CloudEvents type (ce-type).'))
    wait = forms.BooleanField(label=_('Wait for the result'), initial=True, required=False,
                              help_text=_('Unchecked: the execution is queued and you see it '
                                          'in the Executions table.'))

    def clean_event(self):
        text = self.cleaned_data.get('event') or ''
        if not text.strip():
            return {}
        return common.parse_json(text, _('The event'))

    def handle(self, request, data):
        name = self.initial.get('name') or data['name']
        ce = {'type': data['event_type']} if data.get('event_type') else None
        try:
            answer = fnstack.function_invoke(request, name, data['event'], sync=data['wait'],
                                             timeout_s=self.initial.get('timeout_s'), cloudevent=ce)
        except fnstack.FnstackError as e:
            return show_api_error(self, e)
        if not data['wait']:
            messages.success(request, _('Execution %s queued.') % answer.get('execution_id'))
            return answer
        status = answer.get('status')
        text = _('Execution %(id)s of "%(name)s": %(status)s.') % {
            'id': answer['id'], 'name': name, 'status': status}
        if status == 'succeeded':
            messages.success(request, text)
        else:
            messages.warning(request, text)
        return answer

