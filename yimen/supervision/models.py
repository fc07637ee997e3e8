"""Staff supervision (domain.md §3.6). For now: `Authorization`, the agency's written delegation of
powers to a window officer or its chief representative."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .constants import ALL_POWERS, AuthorizationRole


class Authorization(models.Model):
    """An agency's act delegating powers over some of its items (or situations) to a staff member.

    A chief representative covers every item of the agency; a window officer only the items and
    situations listed. `powers` is a subset of `Power`.
    """

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authorizations",
                              verbose_name=_("staff member"))
    role = models.CharField(_("role"), max_length=24, choices=AuthorizationRole.choices,
                            default=AuthorizationRole.WINDOW_OFFICER)
    agency = models.ForeignKey("catalog.Agency", on_delete=models.PROTECT, related_name="authorizations",
                               verbose_name=_("agency"))
    items = models.ManyToManyField("catalog.ServiceItem", blank=True, related_name="authorizations",
                                   verbose_name=_("items"))
    situations = models.ManyToManyField("catalog.Situation", blank=True, related_name="authorizations",
                                        verbose_name=_("situations"))
    powers = models.JSONField(_("powers"), default=list, blank=True,
                              help_text=_("Any of: receive, accept, decide, sign, coordinate"))
    granted_by = models.CharField(_("granted by"), max_length=200,
                                  help_text=_("The agency's act granting the authorization"))
    document_ref = models.CharField(_("document reference"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("authorization")
        verbose_name_plural = _("authorizations")
        ordering = ["agency", "staff", "-valid_from"]
        indexes = [models.Index(fields=["staff", "agency"], name="supervision_auth_staff_idx")]

    def __str__(self) -> str:
        return f"{self.staff} · {self.get_role_display()} · {self.agency}"

    def clean(self):
        powers = self.powers if isinstance(self.powers, list) else None
        if powers is None or not all(isinstance(p, str) for p in powers) or not set(powers) <= ALL_POWERS:
            raise ValidationError({"powers": _("Powers must be a list of: receive, accept, decide, sign, coordinate.")})
        if len(set(powers)) != len(powers):
            raise ValidationError({"powers": _("A power is listed twice.")})
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end of validity cannot precede its start.")})

    def save(self, *args, **kwargs):
        self.clean()
        super().save(*args, **kwargs)
