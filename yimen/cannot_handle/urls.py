from django.urls import path

from . import views

app_name = "cannot_handle"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("new/", views.take, name="take"),
    path("<int:pk>/", views.report_page, name="report"),
    path("<int:pk>/act/", views.act, name="act"),
]
