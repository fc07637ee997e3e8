from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "yimen.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from yimen.workdays.signals import calendar_changed

        from . import services
        from .tasks import notifier, on_calendar_changed

        calendar_changed.connect(on_calendar_changed, dispatch_uid="cases-recompute-deadlines")
        if notifier not in services.NOTIFIERS:
            services.NOTIFIERS.append(notifier)
