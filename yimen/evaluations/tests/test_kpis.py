"""The KPIs of domain.md §6 against a small world counted by hand (period: February 2026).

Cases (item A unless said): c1 completed 02-05, rated 5 · c2 completed 02-10, rated 1 (work order
r1, reopened) · c3 completed 02-20, rated 1 but excluded (appeal upheld, r3) · c4 completed 02-25,
unrated · c7 item B completed 02-12, unrated · c5 completed 01-30, rated 4 on 02-02 · c8 completed
01-28, rated 1 on 02-03 (r4, unreachable) · c9 completed 01-15, rated 1 on 01-20 (r5, first due
02-02, never replied) · c10 completed 01-29, rated 2 on 02-24 (r6, satisfied) · c11 withdrawn ·
plus a 追评 of c1 (level 1), an anonymous ticket-only rating 2 on 02-07 (r2, replied late), and a
rating 1 on 03-01 (outside P).

By hand:
- completed cases in P: c1 c2 c3 c4 c7 = 5; with a valid evaluation: c1 c2 = 2 → 40.0 %, unrated 3 → 60.0 %
- items: completed A, B = 2; rated A = 1 → 50.0 %
- valid evaluations rated in P: e1 e2 e5 e8 e10 anon = 6; good (≥ 3) e1 e5 = 2 → 33.3 %; bad 4 → 66.7 %
- real-name bad reviews received in P, not excluded: r1 r4 r6 = 3; called back: r4 (unreachable)
  r6 (satisfied) = 2 → 66.7 % (r1 is in round 2, its new reply not yet called back)
- first-round feedback due in P, not excluded: r1 (02-12; its round-2 due is 03-03) r2 r4 r5 = 4;
  first replied by it: r1 r4 = 2 → 50.0 %
- received in P with a reply rating, not excluded: r1 (dissatisfied) r6 (satisfied) = 2; satisfied 1 → 50.0 %
"""

from datetime import date, datetime, time
from decimal import Decimal
from itertools import count

from django.urls import reverse
from django.utils import timezone

import pytest

from yimen.cases.constants import CaseState
from yimen.catalog.tests.factories import make_item
from yimen.evaluations import kpis
from yimen.evaluations.constants import EvaluationStatus, ReviewState
from yimen.evaluations.models import BadReview, Evaluation

from .conftest import SH

pytestmark = pytest.mark.django_db

_seq = count(1)
D = date


def _case(hall, completed_on, *, item=None, state=CaseState.COMPLETED, staff=None, window=None):
    ticket = hall.served(datetime.combine(completed_on, time(10), tzinfo=SH), by=staff)
    case = hall.case_from(ticket, datetime.combine(completed_on, time(10, 30), tzinfo=SH))
    type(case).objects.filter(pk=case.pk).update(state=state, completed_on=completed_on, item=item or hall.item,
                                                 window=window or hall.window, receiver=staff or hall.alice)
    case.refresh_from_db()
    return case


def _ev(hall, on, level, *, case=None, ticket=None, parent=None, status=EvaluationStatus.VALID, staff=None):
    when = datetime.combine(on, time(11), tzinfo=SH)
    item = case.item if case else hall.item
    return Evaluation.objects.create(
        center=hall.center, case=case, ticket=ticket, parent=parent, real_name=case is not None,
        applicant_name="张三" if case else "", applicant_phone="13812345678" if case else "",
        staff=staff or hall.alice, window=hall.window, item=item, agency=item.agency, channel="qr", level=level,
        status=status, token_hash=f"t{next(_seq)}", created_at=when, business_date=on)


def _review(hall, ev, received_on, first_due, *, state=ReviewState.RECEIVED, feedback_due=None, **kw):
    received_at = datetime.combine(received_on, time(11), tzinfo=SH)
    return BadReview.objects.create(
        evaluation=ev, center=hall.center, agency=ev.agency, window=ev.window, staff=ev.staff, owner=ev.staff,
        real_name=ev.real_name, state=state, received_at=received_at, received_on=received_on,
        round_started_on=received_on, feedback_due=feedback_due or first_due, first_feedback_due=first_due,
        contact_due=received_on if ev.real_name else None, reply_text="答复" if kw.get("first_replied_on") else "",
        **kw)


@pytest.fixture
def world(hall):
    item_b = make_item()
    w = {}
    c1 = _case(hall, D(2026, 2, 5))
    c2 = _case(hall, D(2026, 2, 10))
    c3 = _case(hall, D(2026, 2, 20))
    _case(hall, D(2026, 2, 25))
    c5 = _case(hall, D(2026, 1, 30), staff=hall.bob)
    _case(hall, D(2026, 2, 12), item=item_b)
    c8 = _case(hall, D(2026, 1, 28))
    c9 = _case(hall, D(2026, 1, 15))
    c10 = _case(hall, D(2026, 1, 29))
    _case(hall, D(2026, 2, 14), state=CaseState.WITHDRAWN)  # never a completed case
    now = datetime(2026, 3, 1, 9, tzinfo=SH)
    e1 = _ev(hall, D(2026, 2, 6), 5, case=c1)
    _ev(hall, D(2026, 2, 8), 1, case=c1, parent=e1)  # 追评: shown, not counted
    e2 = _ev(hall, D(2026, 2, 6), 1, case=c2)
    e3 = _ev(hall, D(2026, 2, 21), 1, case=c3, status=EvaluationStatus.EXCLUDED)
    _ev(hall, D(2026, 2, 2), 4, case=c5, staff=hall.bob)
    e8 = _ev(hall, D(2026, 2, 3), 1, case=c8)
    e9 = _ev(hall, D(2026, 1, 20), 1, case=c9)
    e10 = _ev(hall, D(2026, 2, 24), 2, case=c10)
    anon = _ev(hall, D(2026, 2, 7), 2, ticket=hall.served(datetime(2026, 2, 7, 9, tzinfo=SH)))
    _ev(hall, D(2026, 3, 1), 1, ticket=hall.served(datetime(2026, 3, 1, 9, tzinfo=SH)))
    w["r1"] = _review(hall, e2, D(2026, 2, 6), D(2026, 2, 12), state=ReviewState.RECTIFYING, round=2,
                      feedback_due=D(2026, 3, 3), first_replied_on=D(2026, 2, 11), replied_at=now,
                      called_back_at=now, reply_rating="dissatisfied")
    w["r2"] = _review(hall, anon, D(2026, 2, 7), D(2026, 2, 13), state=ReviewState.CLOSED,
                      first_replied_on=D(2026, 2, 16), replied_at=now, called_back_at=now)
    w["r3"] = _review(hall, e3, D(2026, 2, 21), D(2026, 2, 27), state=ReviewState.EXCLUDED,
                      reply_rating="satisfied")
    w["r4"] = _review(hall, e8, D(2026, 2, 3), D(2026, 2, 9), state=ReviewState.CLOSED, unreachable=True,
                      first_replied_on=D(2026, 2, 9), replied_at=now, called_back_at=now)
    w["r5"] = _review(hall, e9, D(2026, 1, 20), D(2026, 2, 2), state=ReviewState.RECTIFYING)
    w["r6"] = _review(hall, e10, D(2026, 2, 24), D(2026, 3, 2), state=ReviewState.CLOSED,
                      first_replied_on=D(2026, 2, 25), replied_at=now, called_back_at=now, reply_rating="satisfied")
    w["item_b"] = item_b
    return w


def feb(hall, **cut):
    start, end = kpis.month(2026, 2)
    return kpis.Scope(hall.center.pk, start, end, **cut)


EXPECTED = {
    "evaluation_rate": (2, 5, "40.0"), "unrated_rate": (3, 5, "60.0"), "item_coverage": (1, 2, "50.0"),
    "good_rate": (2, 6, "33.3"), "bad_rate": (4, 6, "66.7"), "callback_rate": (2, 3, "66.7"),
    "on_time_rate": (2, 4, "50.0"), "reply_satisfaction": (1, 2, "50.0"),
}


def test_every_kpi_as_counted_by_hand(hall, world):
    got = {k.name: (k.numerator, k.denominator, str(k.ratio)) for k in kpis.all_kpis(feb(hall))}
    assert got == EXPECTED
    for name in EXPECTED:  # one figure alone gives the same as all of them together
        k = kpis.kpi(feb(hall), name)
        assert (k.numerator, k.denominator) == EXPECTED[name][:2]


def test_the_records_behind_the_figures(hall, world):
    scope = feb(hall)
    assert set(kpis.records(scope, "on_time_rate", "denominator")) == {world[r] for r in ("r1", "r2", "r4", "r5")}
    assert set(kpis.records(scope, "on_time_rate", "numerator")) == {world["r1"], world["r4"]}
    assert set(kpis.records(scope, "callback_rate", "numerator")) == {world["r4"], world["r6"]}
    assert kpis.records(scope, "good_rate", "numerator").count() == 2
    for name in EXPECTED:  # every numerator is part of its denominator
        if name != "item_coverage":
            num = set(kpis.records(scope, name, "numerator").values_list("pk", flat=True))
            assert num <= set(kpis.records(scope, name, "denominator").values_list("pk", flat=True))


def test_cuts(hall, world):
    bob = {k.name: (k.numerator, k.denominator) for k in kpis.all_kpis(feb(hall, staff_id=hall.bob.pk))}
    assert bob["good_rate"] == (1, 1) and bob["evaluation_rate"] == (0, 0) and bob["callback_rate"] == (0, 0)
    b = {k.name: (k.numerator, k.denominator) for k in kpis.all_kpis(feb(hall, item_id=world["item_b"].pk))}
    assert b["evaluation_rate"] == (0, 1) and b["item_coverage"] == (0, 1) and b["good_rate"] == (0, 0)
    agency = {k.name: (k.numerator, k.denominator)
              for k in kpis.all_kpis(feb(hall, agency_id=hall.item.agency_id))}
    assert agency["evaluation_rate"] == (2, 4) and agency["bad_rate"] == (4, 6)
    other = kpis.all_kpis(kpis.Scope(hall.other.pk, *kpis.month(2026, 2)))
    assert all(k.denominator == 0 and k.ratio is None for k in other)


def test_month_is_half_open():
    assert kpis.month(2026, 12) == (D(2026, 12, 1), D(2027, 1, 1))
    assert kpis.month(2026, 2) == (D(2026, 2, 1), D(2026, 3, 1))


def test_ratio_rounding():
    assert kpis.Kpi("x", "x", "case", 2, 3).ratio == Decimal("66.7")
    assert kpis.Kpi("x", "x", "case", 0, 0).ratio is None
    assert timezone.is_aware(datetime(2026, 1, 1, tzinfo=SH))


def test_kpi_page_links_every_figure_to_its_records(client, hall, world):
    client.force_login(hall.manager)
    page = client.get(reverse("evaluations:kpis"), {"month": "2026-02"})
    assert page.status_code == 200
    html = page.content.decode()
    for name in EXPECTED:
        assert reverse("evaluations:kpi_records", args=[name, "numerator"]) + "?month=2026-02" in html
    assert [i.pk for i in page.context["choices"]["items"]] == [hall.item.pk]  # the items rated that month
    rec = client.get(reverse("evaluations:kpi_records", args=["on_time_rate", "denominator"]), {"month": "2026-02"})
    assert rec.status_code == 200 and rec.context["total"] == 4
    body = rec.content.decode()
    assert f"#{world['r5'].pk}" in body
    cases = client.get(reverse("evaluations:kpi_records", args=["evaluation_rate", "denominator"]),
                       {"month": "2026-02"}).content.decode()
    assert "张*" in cases and "张三" not in cases  # masked
    evs = client.get(reverse("evaluations:kpi_records", args=["bad_rate", "numerator"]),
                     {"month": "2026-02"}).content.decode()
    assert "138****5678" in evs and "13812345678" not in evs


def test_kpi_page_refuses_bad_input_and_outsiders(client, hall, world):
    client.force_login(hall.manager)
    assert client.get(reverse("evaluations:kpis"), {"month": "2026-13"}).status_code == 400
    assert client.get(reverse("evaluations:kpis"), {"month": "2026-02", "window": "x"}).status_code == 400
    assert client.get(reverse("evaluations:kpi_records", args=["nope", "numerator"])).status_code == 404
    # another center's staff never sees this center: the scope is their own center
    client.force_login(hall.outsider)
    page = client.get(reverse("evaluations:kpis"), {"month": "2026-02", "center": hall.center.pk})
    assert page.status_code == 404
    client.logout()
    assert client.get(reverse("evaluations:kpis")).status_code == 302


def test_evaluator_shown_only_to_roles_handling_reviews(client, hall, world):
    from yimen.accounts.constants import Role
    from yimen.lib.testing import make_user

    editor = make_user("editor", hall.center, Role.AGENCY_EDITOR)
    client.force_login(editor)
    evs = client.get(reverse("evaluations:kpi_records", args=["bad_rate", "numerator"]), {"month": "2026-02"})
    assert evs.status_code == 200 and "138****5678" not in evs.content.decode()
