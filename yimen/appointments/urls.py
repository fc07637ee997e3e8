from django.urls import path

from . import views

app_name = "appointments"

urlpatterns = [
    path("find/", views.find, name="find"),
    path("map/", views.service_map, name="map"),
    path("staff/terminals/", views.staff_terminals, name="terminals"),
    path("staff/terminals/<int:pk>/", views.terminal_status, name="terminal-status"),
    path("staff/planner/", views.planner, name="planner"),
    path("kiosk/checkin/", views.kiosk_checkin, name="kiosk-checkin"),
    path("w/<str:code>/", views.waitlist_page, name="waitlist"),
    path("w/<str:code>/accept/", views.waitlist_accept, name="waitlist-accept"),
    path("w/<str:code>/leave/", views.waitlist_leave, name="waitlist-leave"),
    path("b/<str:code>/", views.manage, name="manage"),
    path("b/<str:code>/cancel/", views.cancel, name="cancel"),
    path("b/<str:code>/reschedule/", views.reschedule, name="reschedule"),
    path("<slug:center_code>/", views.start, name="start"),
    path("<slug:center_code>/<str:item_code>/", views.choose_slot, name="slot"),
    path("<slug:center_code>/<str:item_code>/person/", views.person, name="person"),
]
