from django.urls import path

from . import views

app_name = "hall"

urlpatterns = [
    path("coverage/", views.coverage_page, name="coverage"),
    path("post/", views.post_page, name="post"),
    path("device/enrol/", views.device_enrol, name="device-enrol"),
]
