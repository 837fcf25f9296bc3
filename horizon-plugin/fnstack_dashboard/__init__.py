"""fnstack_dashboard: the Project → Functions panel group for Horizon."""
__version__ = '0.1.0'
