from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import tabs

from fnstack_dashboard.api import fnstack
from fnstack_dashboard.content import common

STAGES = (('queue_ms', _('Queued')), ('provision_ms', _('Provisioning')),
          ('run_ms', _('Running')), ('total_ms', _('Total')))


class OverviewTab(tabs.Tab):
    name = _('Overview')
    slug = 'overview'
    template_name = 'project/executions/_detail_overview.html'

    def get_context_data(self, request):
        ex = self.tab_group.kwargs['execution']
        timings = ex.get('timings') or {}
        placement = ex.get('placement') or {}
        return {
            'execution': ex,
            'result_json': common.pretty_json(ex.get('result')) if ex.get('result') is not None else None,
            # Over the service's inline bound the result is not in the execution: show its
            # size and beginning, and where the whole of it comes from.
            'result_truncated': bool(ex.get('result_truncated')),
            'result_size': common.format_bytes(ex.get('result_bytes')),
            'result_preview': ex.get('result_preview') or '',
            'error': ex.get('error'),
            'limits': ex.get('limits') or {},
            'placement': placement,
            'placement_details': [(k, common.display_value(v))
                                  for k, v in sorted((placement.get('details') or {}).items())],
            'stages': [(label, common.format_ms(timings.get(key))) for key, label in STAGES],
            'peak_memory': common.format_bytes(ex.get('peak_memory_bytes')),
            'created_at': common.iso_date(ex.get('created_at')),
            'finished_at': common.iso_date(timings.get('finished_at')),
        }


class LogsTab(tabs.Tab):
    name = _('Logs')
    slug = 'logs'
    template_name = 'project/executions/_detail_logs.html'
    preload = False

    def get_context_data(self, request):
        ex = self.tab_group.kwargs['execution']
        try:
            logs = fnstack.execution_logs(request, ex['id'])
        except Exception:
            exceptions.handle(request, _('Unable to retrieve the logs.'))
            logs = {'logs': '', 'truncated': False}
        return {'execution': ex, 'logs': logs.get('logs') or '', 'truncated': logs.get('truncated')}


class ExecutionDetailTabs(tabs.DetailTabsGroup):
    slug = 'execution_details'
    tabs = (OverviewTab, LogsTab)
    sticky = True
