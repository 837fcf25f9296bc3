from django.utils.translation import gettext_lazy as _
import horizon


class Functions(horizon.Panel):
    name = _("Functions")
    slug = "functions"
    # shown only when the Keystone catalog has a `function` service
    permissions = ('openstack.services.function',)
