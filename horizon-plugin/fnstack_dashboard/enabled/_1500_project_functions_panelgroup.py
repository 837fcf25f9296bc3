# The "Functions" panel group of the Project dashboard (fnstack).
from django.utils.translation import gettext_lazy as _

# The slug of the panel group to be added to HORIZON_CONFIG. Required.
PANEL_GROUP = 'functions_group'
# The display name of the PANEL_GROUP. Required.
PANEL_GROUP_NAME = _('Functions')
# The slug of the dashboard the PANEL_GROUP associated with. Required.
PANEL_GROUP_DASHBOARD = 'project'

ADD_INSTALLED_APPS = ['fnstack_dashboard']
