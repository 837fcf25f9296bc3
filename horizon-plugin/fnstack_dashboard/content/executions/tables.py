from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from horizon import tables

from fnstack_dashboard.api import fnstack
from fnstack_dashboard.content import common

# True: final and good, False: final and bad, None: not final — the row keeps
# refreshing itself (Horizon's ajax row update) until it is final.
STATUS_CHOICES = (
    ('succeeded', True),
    ('failed', False),
    ('timed_out', False),
    ('queued', None),
    ('provisioning', None),
    ('running', None),
)
STATUS_DISPLAY_CHOICES = (
    ('succeeded', pgettext_lazy('Execution status', 'Succeeded')),
    ('failed', pgettext_lazy('Execution status', 'Failed')),
    ('timed_out', pgettext_lazy('Execution status', 'Timed out')),
    ('queued', pgettext_lazy('Execution status', 'Queued')),
    ('provisioning', pgettext_lazy('Execution status', 'Provisioning')),
    ('running', pgettext_lazy('Execution status', 'Running')),
)


class UpdateRow(tables.Row):
    ajax = True

    def get_data(self, request, execution_id):
        return fnstack.execution_get(request, execution_id)


class ViewLogs(tables.LinkAction):
    name = 'logs'
    verbose_name = _('View Logs')
    icon = 'file-text-o'

    def get_link_url(self, datum):
        return reverse('horizon:project:executions:detail', args=[datum['id']]) + '?tab=execution_details__logs'


class ExecutionFilter(tables.FilterAction):
    filter_type = 'server'
    filter_choices = (('function', _('Function ='), True),
                      ('status', _('Status ='), True))


def _function_link(execution):
    return reverse('horizon:project:functions:detail', args=[execution['function']])


def _duration(execution):
    return common.format_ms(execution.duration_ms)


def _short_id(execution):
    return execution['id']


class ExecutionsTable(common.CursorTableMixin, tables.DataTable):
    id = tables.Column(_short_id, verbose_name=_('ID'), link='horizon:project:executions:detail')
    function = tables.Column('function', verbose_name=_('Function'), link=_function_link)
    version = tables.Column('function_version', verbose_name=_('Version'))
    status = tables.Column('status', verbose_name=_('Status'), status=True,
                           status_choices=STATUS_CHOICES, display_choices=STATUS_DISPLAY_CHOICES)
    duration = tables.Column(_duration, verbose_name=_('Duration'))
    created = tables.Column('created_at', verbose_name=_('Created'), filters=(common.iso_date,))

    def get_object_id(self, datum):
        return datum['id']

    def get_object_display(self, datum):
        return datum['id']

    class Meta(object):
        name = 'executions'
        verbose_name = _('Executions')
        pagination_param = 'cursor'
        status_columns = ['status']
        row_class = UpdateRow
        table_actions = (ExecutionFilter,)
        row_actions = (ViewLogs,)


class FunctionExecutionsTable(ExecutionsTable):
    """The executions of one function (its detail page): no filter, the function is given."""

    class Meta(ExecutionsTable.Meta):
        table_actions = ()
