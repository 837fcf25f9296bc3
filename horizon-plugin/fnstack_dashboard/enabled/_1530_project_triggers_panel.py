# Project → Functions → Triggers (fnstack).
PANEL = 'triggers'
PANEL_GROUP = 'functions_group'
PANEL_DASHBOARD = 'project'
ADD_PANEL = 'fnstack_dashboard.content.triggers.panel.Triggers'
