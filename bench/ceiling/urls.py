from django.urls import path

from . import views

urlpatterns = [
    path("api/v1/ping", views.ping),  # the harness waits on the same path for every server
    path("select", views.select),
    path("insert", views.insert),
]
