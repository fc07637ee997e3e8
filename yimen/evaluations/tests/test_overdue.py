"""Overdue work orders: the sweep escalates each overdue due once per level and mails the center's
managers; the desk shows the order as overdue."""

from datetime import date

from django.core import mail
from django.urls import reverse

import pytest

from yimen.evaluations import overdue
from yimen.evaluations.models import ReviewEscalation
from yimen.evaluations.services import apply

from .conftest import at
from .test_bad_reviews import bad_review

pytestmark = pytest.mark.django_db


def test_each_overdue_due_escalates_once(hall, django_capture_on_commit_callbacks):
    hall.manager.email = "manager@example.org"
    hall.manager.save()
    review = bad_review(hall)  # received 02-13: contact due 02-14, feedback due 02-26
    with django_capture_on_commit_callbacks(execute=True):
        assert overdue.sweep(at(date(2026, 2, 14), "18:00"))["escalations"] == 0  # due today, not overdue
        assert overdue.sweep(at(date(2026, 2, 15)))["escalations"] == 1
        assert overdue.sweep(at(date(2026, 2, 16)))["escalations"] == 0  # once
    esc = ReviewEscalation.objects.get()
    assert (esc.due_kind, str(esc.due_date), esc.recipients) == (
        "contact", "2026-02-14", [{"user": hall.manager.pk}, {"user": hall.manager2.pk}])
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["manager@example.org"]
    body = mail.outbox[0].body
    assert reverse("evaluations:review", args=[review.pk]) in body and "138" not in body and "张" not in body
    with django_capture_on_commit_callbacks(execute=True):
        assert overdue.sweep(at(date(2026, 2, 27)))["escalations"] == 1  # feedback 02-26 missed too
    assert set(ReviewEscalation.objects.values_list("due_kind", flat=True)) == {"contact", "feedback"}
    assert len(mail.outbox) == 2


def test_replied_order_escalates_its_callback_and_closed_ones_never(hall, client):
    review = bad_review(hall, real_name=False)
    apply(review, "verify", by=hall.alice, verification="untrue", note="说明", now=at(date(2026, 2, 13), "11:00"))
    apply(review, "reply", by=hall.alice, text="答复", now=at(date(2026, 2, 13), "12:00"))
    review.refresh_from_db()
    day_after = date.fromordinal(review.callback_due.toordinal() + 1)
    assert overdue.sweep(at(review.callback_due))["escalations"] == 0
    assert overdue.sweep(at(day_after))["escalations"] == 1  # call-back due passed
    assert ReviewEscalation.objects.get().due_kind == "callback"
    apply(review, "callback", by=hall.alice, now=at(day_after, "12:00"))
    assert overdue.sweep(at(date(2026, 3, 20)))["escalations"] == 0


def test_desk_shows_overdue(hall, client):
    review = bad_review(hall)
    client.force_login(hall.alice)
    from unittest import mock

    with mock.patch("django.utils.timezone.localdate", return_value=date(2026, 2, 16)):
        page = client.get(reverse("evaluations:desk")).content.decode()
    assert f"#{review.pk}" in page and "sla-overdue" in page
