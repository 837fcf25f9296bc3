# Project → Functions → Functions (fnstack).
PANEL = 'functions'
PANEL_GROUP = 'functions_group'
PANEL_DASHBOARD = 'project'
ADD_PANEL = 'fnstack_dashboard.content.functions.panel.Functions'
