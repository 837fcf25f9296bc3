from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import tabs
from horizon.utils import memoized

from fnstack_dashboard.api import fnstack
from fnstack_dashboard.content import common
from fnstack_dashboard.content.functions import forms as function_forms
from fnstack_dashboard.content.functions import tables as function_tables
from fnstack_dashboard.content.functions import tabs as function_tabs

INDEX_URL = 'horizon:project:functions:index'


class IndexView(common.CursorTableView):
    table_class = function_tables.FunctionsTable
    page_title = _('Functions')

    def get_data(self):
        try:
            return fnstack.function_list(self.request, cursor=self.cursor())
        except Exception:
            exceptions.handle(self.request, _('Unable to retrieve the functions.'))
            return []


class FunctionMixin(object):
    @memoized.memoized_method
    def get_function(self):
        name = self.kwargs['function_name']
        try:
            return fnstack.function_get(self.request, name)
        except Exception:
            exceptions.handle(self.request, _('Unable to retrieve function "%s".') % name,
                              redirect=reverse(INDEX_URL))


class DetailView(FunctionMixin, tabs.TabbedTableView):
    tab_group_class = function_tabs.FunctionDetailTabs
    template_name = 'horizon/common/_detail.html'
    page_title = '{{ function.name }}'

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        fn = self.get_function()
        table = function_tables.FunctionsTable(self.request)
        context['function'] = fn
        context['url'] = reverse(INDEX_URL)
        context['actions'] = table.render_row_actions(fn)
        return context

    def get_tabs(self, request, *args, **kwargs):
        return self.tab_group_class(request, function=self.get_function(), **kwargs)


class CreateView(forms.ModalFormView):
    form_class = function_forms.CreateFunctionForm
    form_id = 'create_function_form'
    template_name = 'project/functions/create.html'
    modal_header = page_title = _('Create Function')
    submit_label = _('Create Function')
    submit_url = reverse_lazy('horizon:project:functions:create')
    success_url = reverse_lazy(INDEX_URL)

    def get_success_url_from_handled(self, fn):
        return reverse('horizon:project:functions:detail', args=[fn['name']])


class UpdateView(FunctionMixin, forms.ModalFormView):
    form_class = function_forms.UpdateFunctionForm
    form_id = 'update_function_form'
    template_name = 'project/functions/update.html'
    modal_header = page_title = _('Update Function')
    submit_label = _('Update')
    success_url = reverse_lazy(INDEX_URL)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['submit_url'] = reverse('horizon:project:functions:update', args=[self.kwargs['function_name']])
        return context

    def get_initial(self):
        fn = self.get_function()
        initial = {key: fn.get(key) for key in function_forms.METADATA_FIELDS}
        initial['name'] = fn['name']
        initial['env'] = common.format_env(fn.get('env'))
        return initial

    def get_success_url_from_handled(self, handled):
        return reverse('horizon:project:functions:detail', args=[self.kwargs['function_name']])


class InvokeView(FunctionMixin, forms.ModalFormView):
    form_class = function_forms.InvokeFunctionForm
    form_id = 'invoke_function_form'
    template_name = 'project/functions/invoke.html'
    modal_header = page_title = _('Invoke Function')
    submit_label = _('Invoke')
    success_url = reverse_lazy('horizon:project:executions:index')

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['submit_url'] = reverse('horizon:project:functions:invoke', args=[self.kwargs['function_name']])
        context['function'] = self.get_function()
        return context

    def get_initial(self):
        fn = self.get_function()
        return {'name': fn['name'], 'timeout_s': fn.get('timeout_s'), 'event': '{}', 'wait': True}

    def get_success_url_from_handled(self, answer):
        if answer.get('id'):  # waited: the final execution
            return reverse('horizon:project:executions:detail', args=[answer['id']])
        # queued: the function's executions, whose rows refresh until they are final
        return '%s?%s' % (reverse('horizon:project:executions:index'),
                          urlencode({'function': self.kwargs['function_name']}))
