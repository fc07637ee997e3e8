from django.urls import path

from . import views

app_name = "inquiries"

urlpatterns = [
    path("", views.register_page, name="register"),
    path("new/", views.register, name="new"),
    path("<int:pk>/act/", views.act, name="act"),
]
