from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "yimen.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from yimen.workdays.signals import calendar_changed

        from . import services
        from .tasks import mail_notifier, on_calendar_changed

        calendar_changed.connect(on_calendar_changed, dispatch_uid="cases-recompute-deadlines")
        if mail_notifier not in services.NOTIFIERS:
            services.NOTIFIERS.append(mail_notifier)
