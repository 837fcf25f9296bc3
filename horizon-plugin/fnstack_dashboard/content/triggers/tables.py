import json

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django.urls import reverse
from horizon import tables

from fnstack_dashboard.api import fnstack
from fnstack_dashboard.content import common


class CreateTrigger(tables.LinkAction):
    name = 'create'
    verbose_name = _('Create Trigger')
    url = 'horizon:project:triggers:create'
    classes = ('ajax-modal',)
    icon = 'plus'


class DeleteTrigger(tables.DeleteAction):
    @staticmethod
    def action_present(count):
        return ngettext_lazy('Delete Trigger', 'Delete Triggers', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Deleted Trigger', 'Deleted Triggers', count)

    def delete(self, request, obj_id):
        fnstack.trigger_delete(request, obj_id)


class EnableTrigger(tables.BatchAction):
    name = 'enable'

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Enable Trigger', 'Enable Triggers', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Enabled Trigger', 'Enabled Triggers', count)

    def allowed(self, request, trigger=None):
        return trigger is None or not trigger.get('enabled')

    def action(self, request, obj_id):
        fnstack.trigger_set_enabled(request, obj_id, True)


class DisableTrigger(tables.BatchAction):
    name = 'disable'
    classes = ('btn-danger',)

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Disable Trigger', 'Disable Triggers', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Disabled Trigger', 'Disabled Triggers', count)

    def allowed(self, request, trigger=None):
        return trigger is None or trigger.get('enabled')

    def action(self, request, obj_id):
        fnstack.trigger_set_enabled(request, obj_id, False)


def _function_link(trigger):
    return reverse('horizon:project:functions:detail', args=[trigger['function']])


def _config(trigger):
    return json.dumps(trigger.get('config') or {}, sort_keys=True)


class TriggersTable(common.CursorTableMixin, tables.DataTable):
    name = tables.WrappingColumn('name', verbose_name=_('Name'), link='horizon:project:triggers:detail')
    function = tables.Column('function', verbose_name=_('Function'), link=_function_link)
    kind = tables.Column('kind', verbose_name=_('Kind'))
    config = tables.Column(_config, verbose_name=_('Config'), truncate=60)
    enabled = tables.Column('enabled', verbose_name=_('Enabled'), filters=(lambda v: _('Yes') if v else _('No'),))
    fired = tables.Column('fire_count', verbose_name=_('Fired'))
    last_fired = tables.Column('last_fired_at', verbose_name=_('Last fired'), filters=(common.iso_date,),
                               empty_value='-')
    last_error = tables.Column('last_error', verbose_name=_('Last error'), truncate=60, empty_value='-')

    def get_object_id(self, datum):
        return datum['name']

    def get_object_display(self, datum):
        return datum['name']

    class Meta(object):
        name = 'triggers'
        verbose_name = _('Triggers')
        pagination_param = 'cursor'
        table_actions = (CreateTrigger, DeleteTrigger)
        row_actions = (EnableTrigger, DisableTrigger, DeleteTrigger)
