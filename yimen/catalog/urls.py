from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="portal-home"),
    path("guide/search/", views.search, name="guide-search"),
    path("guide/agency/<str:code>/", views.by_agency, name="guide-agency"),
    path("guide/audience/<str:audience>/", views.by_audience, name="guide-audience"),
    path("guide/life-event/<slug:slug>/", views.by_life_event, name="guide-life-event"),
    path("guide/item/<str:code>/", views.item_detail, name="guide-item"),
    path("guide/item/<str:code>/smart/", views.smart_guide, name="guide-smart"),
    path("staff/guides/", views.editor_list, name="editor-guides"),
    path("staff/guides/<int:situation_id>/", views.editor_edit, name="editor-guide-edit"),
    path("staff/item-changes/", views.change_list, name="item-changes"),
    path("staff/item-changes/<int:pk>/", views.change_detail, name="item-change"),
]
