from datetime import date

from django.urls import reverse

import pytest

from yimen.cases.constants import CaseState
from yimen.cases.services import apply

from .factories import at

pytestmark = pytest.mark.django_db


def test_receive_and_accept(world, new_case):
    case = new_case(date(2026, 2, 10))
    apply(case, "receive", by=world.ws, now=at(date(2026, 2, 10)))
    assert case.state == CaseState.RECEIVED
    assert case.correction_notice_due == date(2026, 2, 24)
    apply(case, "accept", by=world.ws, now=at(date(2026, 2, 11)))
    assert case.state == CaseState.ACCEPTED
    assert list(case.events.values_list("seq", "action")) == [(1, "open"), (2, "receive"), (3, "accept")]


def test_the_admin_shows_a_case_read_only_and_masked(world, new_case, client, admin_user):
    case = new_case(date(2026, 2, 10))
    apply(case, "receive", by=world.ws, now=at(date(2026, 2, 10)))
    client.force_login(admin_user)
    assert client.get(reverse("admin:cases_case_changelist")).status_code == 200
    page = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert case.number in page and "receive" in page  # the events inline
    assert case.id_number not in page and 'name="events-0-action"' not in page  # masked, read-only
