"""The enabled/ files point at importable panels whose urls/views/tables import cleanly."""
import importlib
import unittest

from fnstack_dashboard import tests  # noqa: F401  (Django setup)

ENABLED = ('_1500_project_functions_panelgroup', '_1510_project_functions_panel',
           '_1520_project_executions_panel', '_1530_project_triggers_panel')


class EnabledTests(unittest.TestCase):
    def test_panel_group(self):
        group = importlib.import_module('fnstack_dashboard.enabled._1500_project_functions_panelgroup')
        self.assertEqual(group.PANEL_GROUP_DASHBOARD, 'project')
        self.assertIn('fnstack_dashboard', group.ADD_INSTALLED_APPS)

    def test_panels_import_and_need_the_function_service(self):
        for name in ENABLED[1:]:
            enabled = importlib.import_module('fnstack_dashboard.enabled.' + name)
            self.assertEqual(enabled.PANEL_GROUP, 'functions_group')
            module, cls = enabled.ADD_PANEL.rsplit('.', 1)
            panel = getattr(importlib.import_module(module), cls)
            self.assertEqual(panel.slug, enabled.PANEL)
            self.assertEqual(panel.permissions, ('openstack.services.function',))
            importlib.import_module(module.rsplit('.', 1)[0] + '.urls')


if __name__ == '__main__':
    unittest.main()
