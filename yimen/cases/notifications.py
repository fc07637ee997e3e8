"""Staff e-mail for case notifications (escalations of domain.md §2.6, deemed acceptances).

`services.notify` hands (case number, kind, recipients) to every notifier after commit; the mail
notifier queues `tasks.mail_staff`, which resolves the staff among the recipients
(`{"user": id}`, or `{"agency": id}`: the agency's reviewers) to their e-mail addresses and sends
one message through Django's configured `EMAIL_BACKEND` (SMTP in production, the console by
default). The message carries the case number, the item and the due dates, never the applicant's
name, ID number or phone (PIPL: mail leaves the system). Applicants are reached by SMS, not here.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yimen.accounts.constants import Role
from yimen.accounts.models import User

from .models import Case

log = logging.getLogger(__name__)

SUBJECTS = {
    "escalation_warning": gettext_lazy("Case %(number)s is due soon"),
    "escalation_due_today": gettext_lazy("Case %(number)s is due today"),
    "escalation_overdue": gettext_lazy("Case %(number)s is overdue (督办)"),
    "deemed_accepted": gettext_lazy("Case %(number)s was accepted by law and awaits review"),
}


def staff_addresses(recipients: list) -> list[str]:
    """E-mail addresses of the active staff among `recipients`, each once, in a stable order."""
    users = {r["user"] for r in recipients if isinstance(r, dict) and r.get("user")}
    agencies = {r["agency"] for r in recipients if isinstance(r, dict) and r.get("agency")}
    found = User.objects.filter(is_active=True).exclude(email="")
    by_user = found.filter(pk__in=users).values_list("email", flat=True) if users else []
    by_agency = (found.filter(agency_id__in=agencies, role=Role.REVIEWER).values_list("email", flat=True)
                 if agencies else [])
    return sorted(set(by_user) | set(by_agency))


def mail_staff(case_number: str, kind: str, recipients: list) -> int:
    """Send the notification `kind` of a case to its staff recipients; returns the messages sent
    (0 when the kind is not mailed or nobody has an address)."""
    if kind not in SUBJECTS:
        return 0
    to = staff_addresses(recipients)
    case = Case.objects.select_related("item").filter(number=case_number).first()
    if not to or case is None:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = str(SUBJECTS[kind]) % {"number": case.number}
        lines = [subject, "", _("Item: %(item)s") % {"item": case.item.name},
                 _("State: %(state)s") % {"state": case.get_state_display()}]
        for label, due in ((_("Legal due date"), case.legal_due), (_("Promised due date"), case.promised_due),
                           (_("Correction notice due"), case.correction_notice_due),
                           (_("Delivery due date"), case.delivery_due)):
            if due:
                lines.append(f"{label}: {due:%Y-%m-%d}")
        lines += ["", settings.SITE_URL.rstrip("/") + reverse("cases:desk", args=[case.number])]
    message = EmailMessage(subject, "\n".join(lines), to=to)
    sent = message.send()
    log.info("case %s: %s mailed to %d staff", case.number, kind, len(to))
    return sent
