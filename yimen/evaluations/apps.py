from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "yimen.evaluations"
    label = "evaluations"
    verbose_name = _("Evaluations (好差评)")

    def ready(self):
        from yimen.cases import services as case_services

        from .tasks import invite_on_completion

        if invite_on_completion not in case_services.NOTIFIERS:
            case_services.NOTIFIERS.append(invite_on_completion)
