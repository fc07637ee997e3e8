from django.db import models
from django.utils.translation import gettext_lazy as _


class AuthorizationRole(models.TextChoices):
    """窗口事务官 / 首席事务代表 (domain.md §1, §3.6)."""

    WINDOW_OFFICER = "window_officer", _("Window officer")
    CHIEF_REPRESENTATIVE = "chief_representative", _("Chief representative")


class Power(models.TextChoices):
    RECEIVE = "receive", _("Receive")
    ACCEPT = "accept", _("Accept or refuse to accept")
    DECIDE = "decide", _("Decide")
    SIGN = "sign", _("Sign")
    COORDINATE = "coordinate", _("Coordinate")


ALL_POWERS = frozenset(Power.values)
