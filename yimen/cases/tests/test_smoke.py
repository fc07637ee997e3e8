from datetime import date

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
