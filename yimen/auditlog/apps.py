from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditlogConfig(AppConfig):
    name = "yimen.auditlog"
    label = "auditlog"
    verbose_name = _("Audit trail")
