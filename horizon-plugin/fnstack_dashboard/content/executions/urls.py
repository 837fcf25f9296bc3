from django.urls import re_path

from fnstack_dashboard.content.executions import views

ID = r'(?P<execution_id>[^/]+)'

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(r'^%s/$' % ID, views.DetailView.as_view(), name='detail'),
    re_path(r'^%s/logs/$' % ID, views.logs_download, name='logs'),
]
