from django.urls import path

from . import views

app_name = "evaluations"

urlpatterns = [
    path("pad/", views.pad, name="pad"),
    path("rate/<str:token>/", views.rate, name="rate"),
    path("desk/", views.desk, name="desk"),
    path("desk/<int:pk>/", views.review_page, name="review"),
    path("desk/<int:pk>/act/", views.act, name="act"),
]
