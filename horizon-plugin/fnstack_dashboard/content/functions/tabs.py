from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import tabs

from fnstack_dashboard.api import fnstack
from fnstack_dashboard.content import common
from fnstack_dashboard.content.executions import tables as execution_tables
from fnstack_dashboard.content.functions import tables as function_tables
from fnstack_dashboard.content.triggers import tables as trigger_tables


class OverviewTab(tabs.Tab):
    name = _('Overview')
    slug = 'overview'
    template_name = 'project/functions/_detail_overview.html'

    def get_context_data(self, request):
        fn = self.tab_group.kwargs['function']
        return {'function': fn, 'env': sorted((fn.get('env') or {}).items()),
                'code': fn.get('code') or {}, 'code_size': common.format_bytes((fn.get('code') or {}).get('size_bytes')),
                'created_at': common.iso_date(fn.get('created_at')),
                'updated_at': common.iso_date(fn.get('updated_at'))}


class VersionsTab(tabs.TableTab):
    name = _('Versions')
    slug = 'versions'
    table_classes = (function_tables.VersionsTable,)
    template_name = 'horizon/common/_detail_table.html'
    preload = False

    def get_versions_data(self):
        try:
            versions = fnstack.function_versions(self.request, self.tab_group.kwargs['function_name'])
        except Exception:
            exceptions.handle(self.request, _('Unable to retrieve the versions.'))
            return []
        return sorted(versions, key=lambda v: -v['version'])


class ExecutionsTab(tabs.TableTab):
    name = _('Recent Executions')
    slug = 'executions'
    table_classes = (execution_tables.FunctionExecutionsTable,)
    template_name = 'horizon/common/_detail_table.html'
    preload = False

    def get_executions_data(self):
        try:
            return fnstack.execution_list(self.request, function=self.tab_group.kwargs['function_name'], limit=20)
        except Exception:
            exceptions.handle(self.request, _('Unable to retrieve the executions.'))
            return []


class TriggersTab(tabs.TableTab):
    name = _('Triggers')
    slug = 'triggers'
    table_classes = (trigger_tables.TriggersTable,)
    template_name = 'horizon/common/_detail_table.html'
    preload = False

    def get_triggers_data(self):
        try:
            return fnstack.trigger_list(self.request, function=self.tab_group.kwargs['function_name'])
        except Exception:
            exceptions.handle(self.request, _('Unable to retrieve the triggers.'))
            return []


class FunctionDetailTabs(tabs.DetailTabsGroup):
    slug = 'function_details'
    tabs = (OverviewTab, ExecutionsTab, VersionsTab, TriggersTab)
    sticky = True
