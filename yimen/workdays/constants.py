from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    STATUTORY_HOLIDAY = "statutory_holiday", _("Statutory holiday")
    SWAPPED_REST = "swapped_rest", _("Swapped rest day")
    MAKEUP_WORKDAY = "makeup_workday", _("Make-up workday")
    LOCAL_CLOSURE = "local_closure", _("Local closure")
    EXTRA_WORKDAY = "extra_workday", _("Extra workday")


WORKING_KINDS = {DayKind.MAKEUP_WORKDAY, DayKind.EXTRA_WORKDAY}


class YearStatus(models.TextChoices):
    MISSING = "missing", _("Missing")
    PROVISIONAL = "provisional", _("Provisional")
    VERIFIED = "verified", _("Verified")


class LimitUnit(models.TextChoices):
    WD = "WD", _("working days")
    CD = "CD", _("calendar days")
