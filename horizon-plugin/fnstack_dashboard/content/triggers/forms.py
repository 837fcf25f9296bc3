from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import messages

from fnstack_dashboard.api import fnstack
from fnstack_dashboard.content import common
from fnstack_dashboard.content.functions.forms import NAME_REGEX
from fnstack_dashboard.content.functions.forms import show_api_error

KIND_CHOICES = (
    ('http', _('HTTP webhook')),
    ('schedule', _('Schedule (cron)')),
    ('amqp', _('AMQP')),
    ('openstack', _('OpenStack notification')),
    ('event', _('Event (published to fnstack)')),
)
CONFIG_HELP = _('JSON, by kind. http: {} · schedule: {"cron": "*/5 * * * *", "timezone": "UTC"} · '
                'amqp: {"pattern": "orders.#"} or {"broker_url", "queue"} · '
                'openstack: {"event_type": "instance.create.end"} · event: {"pattern": "..."}')


class CreateTriggerForm(forms.SelfHandlingForm):
    name = forms.RegexField(label=_('Name'), max_length=63, regex=NAME_REGEX,
                            error_messages={'invalid': _('Lower-case letters, digits and -.')})
    function = forms.ChoiceField(label=_('Function'))
    kind = forms.ChoiceField(label=_('Kind'), choices=KIND_CHOICES)
    config = forms.CharField(label=_('Config (JSON)'), required=False, initial='{}',
                             widget=forms.Textarea(attrs={'rows': 3}), help_text=CONFIG_HELP)
    filter = forms.CharField(label=_('Filter (JSON)'), required=False,
                             widget=forms.Textarea(attrs={'rows': 3}),
                             help_text=_('Optional: {"type": "...", "source": "...", '
                                         '"subject_prefix": "...", "data": {"a.b": value}}'))
    enabled = forms.BooleanField(label=_('Enabled'), initial=True, required=False)

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        try:
            names = [f['name'] for f in fnstack.function_list_all(request)]
        except Exception:
            names = []
            exceptions.handle(request, _('Unable to retrieve the functions.'), ignore=True)
        self.fields['function'].choices = [(n, n) for n in names]
        if kwargs.get('initial', {}).get('function'):
            self.fields['function'].initial = kwargs['initial']['function']

    def clean_config(self):
        return common.parse_json_object(self.cleaned_data.get('config'), _('The config'))

    def clean_filter(self):
        return common.parse_json_object(self.cleaned_data.get('filter'), _('The filter'))

    def handle(self, request, data):
        try:
            trigger = fnstack.trigger_create(request, data['name'], data['function'], data['kind'],
                                             config=data.get('config'), filter=data.get('filter'),
                                             enabled=data['enabled'])
        except fnstack.FnstackError as e:
            return show_api_error(self, e)
        text = _('Created trigger "%s".') % trigger['name']
        if trigger.get('webhook_url'):
            text = '%s %s' % (text, _('POST events to %(url)s with the secret %(secret)s '
                                      '(shown only this once).') % {
                'url': trigger['webhook_url'], 'secret': trigger.get('secret', '?')})
        messages.success(request, text)
        return trigger
