from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import views
from horizon.utils import memoized

from fnstack_dashboard.api import fnstack
from fnstack_dashboard.content import common
from fnstack_dashboard.content.triggers import forms as trigger_forms
from fnstack_dashboard.content.triggers import tables as trigger_tables

INDEX_URL = 'horizon:project:triggers:index'


class IndexView(common.CursorTableView):
    table_class = trigger_tables.TriggersTable
    page_title = _('Triggers')

    def get_data(self):
        try:
            return fnstack.trigger_list(self.request, cursor=self.cursor())
        except Exception:
            exceptions.handle(self.request, _('Unable to retrieve the triggers.'))
            return []


class CreateView(forms.ModalFormView):
    form_class = trigger_forms.CreateTriggerForm
    form_id = 'create_trigger_form'
    template_name = 'project/triggers/create.html'
    modal_header = page_title = _('Create Trigger')
    submit_label = _('Create Trigger')
    submit_url = reverse_lazy('horizon:project:triggers:create')
    success_url = reverse_lazy(INDEX_URL)

    def get_initial(self):
        return {'function': self.request.GET.get('function')}


class DetailView(views.HorizonTemplateView):
    template_name = 'project/triggers/detail.html'
    page_title = _('Trigger {{ trigger.name }}')

    @memoized.memoized_method
    def get_trigger(self):
        name = self.kwargs['trigger_name']
        try:
            return fnstack.trigger_get(self.request, name)
        except Exception:
            exceptions.handle(self.request, _('Unable to retrieve trigger "%s".') % name,
                              redirect=reverse(INDEX_URL))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        trigger = self.get_trigger()
        context['trigger'] = trigger
        context['config_json'] = common.pretty_json(trigger.get('config') or {})
        context['filter_json'] = common.pretty_json(trigger.get('filter') or {})
        context['last_fired_at'] = common.iso_date(trigger.get('last_fired_at'))
        context['url'] = reverse(INDEX_URL)
        context['actions'] = trigger_tables.TriggersTable(self.request).render_row_actions(trigger)
        return context
