from django.urls import path

from . import reports, views

app_name = "evaluations"

urlpatterns = [
    path("pad/", views.pad, name="pad"),
    path("rate/<str:token>/", views.rate, name="rate"),
    path("desk/", views.desk, name="desk"),
    path("desk/<int:pk>/", views.review_page, name="review"),
    path("desk/<int:pk>/act/", views.act, name="act"),
    path("guide-tasks/", views.guide_tasks, name="guide_tasks"),
    path("guide-tasks/<int:pk>/done/", views.guide_task_done, name="guide_task_done"),
    path("public/", reports.public_page, name="public"),
    path("export/evaluations.xlsx", reports.export_evaluations, name="export_evaluations"),
    path("export/ledger.xlsx", reports.export_ledger, name="export_ledger"),
    path("kpis/", reports.kpi_page, name="kpis"),
    path("kpis/records/<slug:name>/<slug:part>/", reports.kpi_records, name="kpi_records"),
]
