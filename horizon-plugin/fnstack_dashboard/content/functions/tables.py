from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import tables

from fnstack_dashboard.api import fnstack
from fnstack_dashboard.content import common


class CreateFunction(tables.LinkAction):
    name = 'create'
    verbose_name = _('Create Function')
    url = 'horizon:project:functions:create'
    classes = ('ajax-modal',)
    icon = 'plus'


class UpdateFunction(tables.LinkAction):
    name = 'update'
    verbose_name = _('Update Function')
    url = 'horizon:project:functions:update'
    classes = ('ajax-modal',)
    icon = 'pencil'


class InvokeFunction(tables.LinkAction):
    name = 'invoke'
    verbose_name = _('Invoke')
    url = 'horizon:project:functions:invoke'
    classes = ('ajax-modal', 'btn-primary')
    icon = 'play'


class ViewExecutions(tables.LinkAction):
    name = 'executions'
    verbose_name = _('View Executions')

    def get_link_url(self, datum):
        return '%s?%s' % (reverse('horizon:project:executions:index'),
                          urlencode({'function': datum['name']}))


class DeleteFunction(tables.DeleteAction):
    help_text = _('The function, all its versions and its triggers are deleted. '
                  'Executions stay visible.')

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Delete Function', 'Delete Functions', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Deleted Function', 'Deleted Functions', count)

    def delete(self, request, obj_id):
        fnstack.function_delete(request, obj_id)


class FunctionFilter(tables.FilterAction):
    """Filters the page shown, by name or runtime."""

    def filter(self, table, functions, filter_string):
        q = filter_string.lower()
        return [f for f in functions if q in f['name'].lower() or q in (f.get('runtime') or '').lower()]


def _memory(fn):
    return '%s MiB' % fn.get('memory_mb')


def _timeout(fn):
    return '%s s' % fn.get('timeout_s')


class FunctionsTable(common.CursorTableMixin, tables.DataTable):
    name = tables.WrappingColumn('name', verbose_name=_('Name'),
                                 link='horizon:project:functions:detail')
    runtime = tables.Column('runtime', verbose_name=_('Runtime'))
    handler = tables.Column('handler', verbose_name=_('Handler'))
    memory = tables.Column(_memory, verbose_name=_('Memory'))
    timeout = tables.Column(_timeout, verbose_name=_('Timeout'))
    version = tables.Column('version', verbose_name=_('Version'))
    updated = tables.Column('updated_at', verbose_name=_('Updated'),
                            filters=(common.iso_date,))

    def get_object_id(self, datum):
        return datum['name']

    def get_object_display(self, datum):
        return datum['name']

    class Meta(object):
        name = 'functions'
        verbose_name = _('Functions')
        pagination_param = 'cursor'
        table_actions = (FunctionFilter, CreateFunction, DeleteFunction)
        row_actions = (InvokeFunction, UpdateFunction, ViewExecutions, DeleteFunction)


def _code(version):
    code = version.get('code') or {}
    return '%s, %s' % (code.get('format', '?'), common.format_bytes(code.get('size_bytes')))


class VersionsTable(tables.DataTable):
    version = tables.Column('version', verbose_name=_('Version'))
    runtime = tables.Column('runtime', verbose_name=_('Runtime'))
    handler = tables.Column('handler', verbose_name=_('Handler'))
    memory = tables.Column(_memory, verbose_name=_('Memory'))
    timeout = tables.Column(_timeout, verbose_name=_('Timeout'))
    code = tables.Column(_code, verbose_name=_('Code'))
    sha256 = tables.Column(lambda v: (v.get('code') or {}).get('sha256', '')[:12], verbose_name=_('SHA-256'))
    created = tables.Column('created_at', verbose_name=_('Created'), filters=(common.iso_date,))

    def get_object_id(self, datum):
        return str(datum['version'])

    class Meta(object):
        name = 'versions'
        verbose_name = _('Versions')
