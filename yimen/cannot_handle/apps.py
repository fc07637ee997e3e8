from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CannotHandleConfig(AppConfig):
    name = "yimen.cannot_handle"
    label = "cannot_handle"
    verbose_name = _("Cannot-handle reports (办不成事)")
