from django.urls import re_path

from fnstack_dashboard.content.triggers import views

NAME = r'(?P<trigger_name>[^/]+)'

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(r'^create/$', views.CreateView.as_view(), name='create'),
    re_path(r'^%s/$' % NAME, views.DetailView.as_view(), name='detail'),
]
