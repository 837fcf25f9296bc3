"""Unit tests: /usr/bin/python3 -m unittest discover -s fnstack_dashboard/tests -t . (from horizon-plugin/)."""
import os

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'fnstack_dashboard.tests.settings')

import django  # noqa: E402

django.setup()
