from django import http
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import tabs
from horizon.utils import memoized

from fnstack_dashboard.api import fnstack
from fnstack_dashboard.content import common
from fnstack_dashboard.content.executions import tables as execution_tables
from fnstack_dashboard.content.executions import tabs as execution_tabs

INDEX_URL = 'horizon:project:executions:index'


class IndexView(common.CursorTableView):
    """Newest first; ?function=NAME (the functions table links here) narrows the list."""
    table_class = execution_tables.ExecutionsTable
    page_title = _('Executions')

    def get_filters(self):
        filters = {}
        function = self.request.GET.get('function')
        if function:
            filters['function'] = function
        info = self.get_server_filter_info(self.request)
        value = (info.get('value') or '').strip()
        if value and info.get('field') in ('function', 'status'):
            filters[info['field']] = value
        return filters

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        function = self.request.GET.get('function')
        if function:
            context['page_title'] = _('Executions of %s') % function
        return context

    def get_data(self):
        try:
            return fnstack.execution_list(self.request, cursor=self.cursor(), **self.get_filters())
        except Exception:
            exceptions.handle(self.request, _('Unable to retrieve the executions.'))
            return []


class DetailView(tabs.TabView):
    tab_group_class = execution_tabs.ExecutionDetailTabs
    template_name = 'project/executions/detail.html'
    page_title = _('Execution {{ execution.id }}')

    @memoized.memoized_method
    def get_execution(self):
        execution_id = self.kwargs['execution_id']
        try:
            return fnstack.execution_get(self.request, execution_id)
        except Exception:
            exceptions.handle(self.request, _('Unable to retrieve execution %s.') % execution_id,
                              redirect=reverse(INDEX_URL))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['execution'] = self.get_execution()
        context['url'] = reverse(INDEX_URL)
        context['actions'] = execution_tables.ExecutionsTable(self.request).render_row_actions(self.get_execution())
        return context

    def get_tabs(self, request, *args, **kwargs):
        return self.tab_group_class(request, execution=self.get_execution(), **kwargs)


def logs_download(request, execution_id):
    """The raw logs as a text file."""
    try:
        logs = fnstack.execution_logs(request, execution_id)
    except Exception:
        exceptions.handle(request, _('Unable to retrieve the logs.'), redirect=reverse(INDEX_URL))
    response = http.HttpResponse(logs.get('logs') or '', content_type='text/plain; charset=utf-8')
    response['Content-Disposition'] = 'attachment; filename="execution-%s.log"' % execution_id
    return response
