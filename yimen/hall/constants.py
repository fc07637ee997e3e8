from django.db import models
from django.utils.translation import gettext_lazy as _


class CenterKind(models.TextChoices):
    DISTRICT = "district", _("District administrative service center")
    TOWNSHIP = "township", _("Township community affairs service center")
    STATION = "station", _("Village / residential service station")
    DEPARTMENT = "department", _("Departmental service center")


class WindowType(models.TextChoices):
    GENERAL = "general", _("Comprehensive intake")
    SPECIALIST = "specialist", _("Specialist")
    RELEASE = "release", _("Result release")
    CROSS_PROVINCE = "cross_province", _("Cross-province services")
    CANNOT_HANDLE = "cannot_handle", _("'Could not get it done' reports")
    HELP = "help", _("Assisted handling")
    INQUIRY = "inquiry", _("Inquiry and guidance")
