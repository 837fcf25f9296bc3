"""Minimal Django settings for the plugin's unit tests (no Horizon site, no Keystone)."""
from horizon.defaults import *  # noqa: F401,F403
from openstack_dashboard.defaults import *  # noqa: F401,F403

SECRET_KEY = 'fnstack-dashboard-tests'
DEBUG = False
USE_TZ = True
TIME_ZONE = 'UTC'
INSTALLED_APPS = [
    'django.contrib.contenttypes',
    'django.contrib.auth',
    'django.contrib.sessions',
    'django.contrib.messages',
    'horizon',
    'fnstack_dashboard',
]
DATABASES = {}
MIDDLEWARE = []
ROOT_URLCONF = 'fnstack_dashboard.tests.urls'
TEMPLATES = [{'BACKEND': 'django.template.backends.django.DjangoTemplates', 'APP_DIRS': True, 'OPTIONS': {}}]
OPENSTACK_ENDPOINT_TYPE = 'publicURL'
SECONDARY_ENDPOINT_TYPE = None
HORIZON_CONFIG = {'exceptions': {'recoverable': (), 'not_found': (), 'unauthorized': ()}}
LOGGING = {'version': 1, 'disable_existing_loggers': False, 'root': {'level': 'CRITICAL'}}
