from fnstack_dashboard.api import fnstack  # noqa: F401
