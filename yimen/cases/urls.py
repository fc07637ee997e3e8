from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("status/", views.status, name="status"),
    path("documents/<str:number>/", views.document, name="document"),
]
