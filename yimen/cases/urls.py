from django.urls import path

from . import desk, views

app_name = "cases"

urlpatterns = [
    path("status/", views.status, name="status"),
    path("documents/<str:number>/", views.document, name="document"),
    path("staff/", desk.worklist_page, name="worklist"),
    path("staff/new/", desk.new_case, name="new"),
    path("staff/<str:number>/", desk.desk, name="desk"),
    path("staff/<str:number>/act/", desk.act, name="act"),
    path("staff/<str:number>/record/", desk.record, name="record"),
    path("staff/<str:number>/upload/", desk.upload, name="upload"),
    path("staff/<str:number>/files/<int:material_id>/", desk.material_file, name="file"),
]
