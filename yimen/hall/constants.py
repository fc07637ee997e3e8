from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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


class TerminalKind(models.TextChoices):
    SELF_SERVICE = "self_service", _("Self-service terminal")
    TICKET_KIOSK = "ticket_kiosk", _("Ticket kiosk")
    EVALUATION_PAD = "evaluation_pad", _("Evaluation pad")


class TerminalStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("In service")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")
    OFFLINE = "offline", _("Offline")


class DeviceKind(models.TextChoices):
    KIOSK = "kiosk", _("Ticket kiosk")
    HALL_DISPLAY = "hall_display", _("Hall display")
    WINDOW_DISPLAY = "window_display", _("Window display")
    EVALUATION_PAD = "evaluation_pad", _("Evaluation pad")


class PauseReason(models.TextChoices):
    BREAK = "break", _("Short break")
    MEAL = "meal", _("Meal")
    MEETING = "meeting", _("Meeting")
    ERRAND = "errand", _("Errand outside the hall")
    OTHER = "other", _("Other (say what)")


class PostRole(models.TextChoices):
    A = "A", _("A (holder)")
    B = "B", _("B (backup)")


class WindowState(models.TextChoices):
    OPEN = "open", pgettext_lazy("window state", "Open")
    PAUSED = "paused", pgettext_lazy("window state", "Paused")
    CLOSED = "closed", pgettext_lazy("window state", "Closed")
