from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .constants import Role


class User(AbstractUser):
    """Staff account. Citizens do not log in here (the unified city login is a pluggable backend)."""

    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, default=Role.WINDOW_STAFF)
    center = models.ForeignKey(
        "hall.Center", verbose_name=_("center"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="staff",
    )
    agency = models.ForeignKey(
        "catalog.Agency", verbose_name=_("agency"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="staff", help_text=_("The agency a reviewer or editor works for"),
    )
    is_demo = models.BooleanField(_("demo account"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def has_role(self, *roles: str) -> bool:
        return self.is_active and (self.role in roles or self.is_superuser)
