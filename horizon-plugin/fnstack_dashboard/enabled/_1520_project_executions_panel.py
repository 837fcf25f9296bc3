# Project → Functions → Executions (fnstack).
PANEL = 'executions'
PANEL_GROUP = 'functions_group'
PANEL_DASHBOARD = 'project'
ADD_PANEL = 'fnstack_dashboard.content.executions.panel.Executions'
