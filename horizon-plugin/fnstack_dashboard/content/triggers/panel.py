from django.utils.translation import gettext_lazy as _
import horizon


class Triggers(horizon.Panel):
    name = _("Triggers")
    slug = "triggers"
    permissions = ('openstack.services.function',)
