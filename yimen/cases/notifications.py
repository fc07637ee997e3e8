"""Case notifications: staff e-mail (escalations of domain.md §2.6, deemed acceptances) and
applicant SMS (received, correction requested, accepted …), after commit, outside quiet hours.

`services.notify` hands (case number, kind, recipients) to every notifier after commit; `tasks.
notifier` queues `mail_staff` for staff kinds and `text_applicant` when the applicant is among
the recipients. Quiet hours (domain.md §8): a notification raised outside working hours on a
working day (`NOTIFY_DAY_START`–`NOTIFY_DAY_END`, the center's calendar) waits until the start of
the next working day (`workdays.services.send_at`); `NOTIFY_CRITICAL` kinds (default: an overdue
escalation, 督办) go at once.

Mail resolves the staff among the recipients (`{"user": id}`, or `{"agency": id}`: the agency's
reviewers) to their addresses and goes through Django's `EMAIL_BACKEND` (SMTP in production, the
console by default). SMS goes through `yimen.lib.sms` (`SMS_BACKEND`; console by default, no
gateway is reachable from here). Neither carries the applicant's name, ID number or phone (PIPL:
messages leave the system); the SMS points to the status page, where the receipt's verification
code is needed.
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
from yimen.lib.sms import SmsError, send_sms

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


APPLICANT_TEXTS = {
    "received": gettext_lazy("Your application %(number)s (%(item)s) has been received."),
    "correction_requested": gettext_lazy("Your application %(number)s needs corrections: see the correction notice "
                                         "and bring every item listed in it."),
    "accepted": gettext_lazy("Your application %(number)s has been accepted."),
    "deemed_accepted": gettext_lazy("Your application %(number)s has been accepted by law as of its receipt."),
    "rejected": gettext_lazy("Your application %(number)s was not accepted: see the written decision for the "
                             "reasons and how to appeal."),
    "suspended": gettext_lazy("The handling of your application %(number)s is suspended: see the written notice."),
    "resumed": gettext_lazy("The handling of your application %(number)s has resumed."),
    "extended": gettext_lazy("The time limit of your application %(number)s has been extended."),
    "decided": gettext_lazy("A decision on your application %(number)s has been made."),
    "completed": gettext_lazy("Your application %(number)s is complete; you may collect the result."),
    "terminated": gettext_lazy("The handling of your application %(number)s has been terminated."),
}


def status_text(case: Case) -> str:
    return _("Track it at %(url)s with the verification code on your receipt.") % {
        "url": settings.SITE_URL.rstrip("/") + reverse("cases:status")}


def text_applicant(case_number: str, kind: str) -> bool:
    """SMS the notification `kind` to the phone given on the case; False when there is no text for
    the kind, no phone, or the gateway refused (logged, the phone masked)."""
    case = Case.objects.select_related("item").filter(number=case_number).first()
    if kind not in APPLICANT_TEXTS or case is None or not case.phone:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        text = str(APPLICANT_TEXTS[kind]) % {"number": case.number, "item": case.item.name} + " " + status_text(case)
    try:
        send_sms(case.phone, text)
    except SmsError as exc:
        log.warning("case %s: %s SMS not sent (%s)", case.number, kind, exc)
        return False
    return True
