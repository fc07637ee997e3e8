from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from yimen.api import api

admin.site.site_header = _("Yimen administration")
admin.site.site_title = _("Yimen")
admin.site.index_title = _("Configuration")

urlpatterns = [
    path("api/v1/", api.urls),  # first: resolved on every API request
    path("", include("yimen.catalog.urls")),
    path("accounts/", include("yimen.accounts.urls")),
    path("", include("yimen.queueing.urls")),
    path("staff/hall/", include("yimen.hall.urls")),
    path("cases/", include("yimen.cases.urls")),
    path("staff/inquiries/", include("yimen.inquiries.urls")),
    path("staff/cannot-handle/", include("yimen.cannot_handle.urls")),
    path("evaluations/", include("yimen.evaluations.urls")),
    path("appointments/", include("yimen.appointments.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
