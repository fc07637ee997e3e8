from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Roles of domain.md §4.1 (DS, CM, WS, RV, AE, HS, AD)."""

    DISTRICT_SUPERVISOR = "district_supervisor", _("District supervisor (district service office)")
    CENTER_MANAGER = "center_manager", _("Center manager")
    WINDOW_STAFF = "window_staff", _("Window staff")
    REVIEWER = "reviewer", _("Back-office reviewer (agency)")
    AGENCY_EDITOR = "agency_editor", _("Agency editor (guides)")
    HELP_STAFF = "help_staff", _("Help staff")
    ADMIN = "admin", _("Administrator")
