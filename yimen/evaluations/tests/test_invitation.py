"""一事一评 by SMS: completing a case texts its applicant the rating link (after commit, outside
quiet hours); a case rated at the pad already gets no invitation."""

import pytest
import time_machine

from yimen.cases.services import apply

from .conftest import FRIDAY, at

pytestmark = pytest.mark.django_db


def _complete(h, case, when):
    """Received and accepted at the window, reviewed, decided and completed by the agency."""
    from yimen.accounts.constants import Role
    from yimen.cases.tests.factories import make_user

    reviewer = make_user(Role.REVIEWER, agency=h.item.agency)
    for action, by, kw in (("receive", h.alice, {}), ("accept", h.alice, {}), ("start_review", reviewer, {}),
                           ("decide", reviewer, {"outcome": "approved"}), ("complete", reviewer, {})):
        apply(case, action, by=by, now=when, **kw)


def test_completing_a_case_texts_the_rating_link(hall, sms_outbox, django_capture_on_commit_callbacks):
    when = at(FRIDAY, "10:00")
    with time_machine.travel(when, tick=False):
        case = hall.case_from(hall.served(when), when)
        with django_capture_on_commit_callbacks(execute=True):
            _complete(hall, case, when)
    texts = [m["text"] for m in sms_outbox()]
    [invite] = [t for t in texts if "/evaluations/rate/" in t]
    assert case.number in invite and "张三" not in invite


def test_no_invitation_when_the_case_was_rated_already(hall, sms_outbox, django_capture_on_commit_callbacks):
    from yimen.evaluations import services

    when = at(FRIDAY, "10:00")
    with time_machine.travel(when, tick=False):
        case = hall.case_from(hall.served(when), when)
        token = services.visit_token(case=case, kind="qr")
        services.submit(token, level=5, now=when)
        with django_capture_on_commit_callbacks(execute=True):
            _complete(hall, case, when)
    assert not [m for m in sms_outbox() if "/evaluations/rate/" in m["text"]]
