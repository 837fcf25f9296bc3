from django.urls import re_path

from fnstack_dashboard.content.functions import views

NAME = r'(?P<function_name>[^/]+)'

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(r'^create/$', views.CreateView.as_view(), name='create'),
    re_path(r'^%s/$' % NAME, views.DetailView.as_view(), name='detail'),
    re_path(r'^%s/update/$' % NAME, views.UpdateView.as_view(), name='update'),
    re_path(r'^%s/invoke/$' % NAME, views.InvokeView.as_view(), name='invoke'),
]
