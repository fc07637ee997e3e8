from django.urls import path

from . import console, views

urlpatterns = [
    path("hall/kiosk/", views.kiosk, name="kiosk"),
    path("hall/kiosk/queue/<int:queue_id>/", views.kiosk_take, name="kiosk-take"),
    path("hall/kiosk/ticket/<str:token>/", views.kiosk_ticket, name="kiosk-ticket"),
    path("hall/display/", views.hall_display, name="display"),
    path("hall/display/state/", views.display_state, name="display-state"),
    path("hall/display/window/", views.my_window_display, name="my-window-display"),
    path("hall/display/window/<int:window_id>/", views.window_display, name="window-display"),
    path("hall/display/window/<int:window_id>/state/", views.window_display_state, name="window-display-state"),
    path("hall/<slug:center_code>/take/", views.phone_take, name="phone-take"),
    path("t/<str:token>/", views.ticket_live, name="ticket-live"),
    path("t/<str:token>/status/", views.ticket_status, name="ticket-status"),
    path("t/<str:token>/cancel/", views.ticket_cancel, name="ticket-cancel"),
]

urlpatterns += [
    path("staff/console/", console.console, name="console"),
    path("staff/console/panel/", console.panel, name="console-panel"),
    path("staff/console/act/", console.act, name="console-act"),
    path("staff/hall/calls/", console.calls_log, name="calls-log"),
]
