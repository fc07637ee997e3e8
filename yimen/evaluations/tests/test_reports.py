"""The public disclosure page (公示) and the Excel exports, on the hand-counted world of test_kpis."""

from datetime import date, datetime
from io import BytesIO

from django.urls import reverse

import pytest
from openpyxl import load_workbook

from yimen.accounts.constants import Role
from yimen.evaluations import reports
from yimen.evaluations.models import Rectification
from yimen.lib.testing import make_user

from .conftest import SH
from .test_kpis import feb, world  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def test_disclosure_counts(hall, world):  # noqa: F811
    start, end = feb(hall).start, feb(hall).end
    d = reports.disclosure(hall.center, start, end, today=date(2026, 3, 20))
    assert d["total"] == {"total": 6, "good": 2, "bad": 4}
    assert str(d["good_rate"]) == "33.3" and str(d["bad_rate"]) == "66.7"
    assert [(a["total"], a["good"], a["bad"]) for a in d["agencies"]] == [(6, 2, 4)]
    assert d["reviews"] == 5  # r1 r2 r3 r4 r6 (r5 was received in January)
    states = {s["state"]: s["count"] for s in d["by_state"]}
    assert sorted(states.values()) == [1, 1, 3]  # rectifying r1, excluded r3, closed r2 r4 r6
    assert d["timeliness"] == {"on_time": 3, "late": 1, "open_overdue": 0, "open_in_time": 0}


def test_public_page_has_no_personal_data(client, hall, world):  # noqa: F811
    page = client.get(reverse("evaluations:public"), {"center": hall.center.code, "month": "2026-02"})
    assert page.status_code == 200
    html = page.content.decode()
    assert hall.center.name in html and "66.7" in html
    for secret in ("张", "13812345678", "138****5678", "Alice", "Bob", "alice"):
        assert secret not in html
    assert client.get(reverse("evaluations:public"), {"month": "nope"}).status_code == 400
    assert client.get(reverse("evaluations:public"), {"center": "zz"}).status_code == 404
    assert client.get(reverse("evaluations:public")).status_code == 200  # the previous month by default


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"] == reports.XLSX
    book = load_workbook(BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def test_export_evaluations(client, hall, world):  # noqa: F811
    client.force_login(hall.manager)
    rows = _sheet(client.get(reverse("evaluations:export_evaluations"), {"month": "2026-02"}))
    header, body = rows[0], rows[1:]
    assert len(body) == 8  # 6 valid + the 追评 + the excluded one (March and January left out)
    assert header[-1] == "Evaluator phone" or len(header) == 17
    phones = {r[-1] for r in body}
    assert "138****5678" in phones and "13812345678" not in phones
    assert sum(1 for r in body if r[7]) == 1  # one follow-up
    # an agency editor of the center gets the rows without the evaluator columns
    client.force_login(make_user("editor", hall.center, Role.AGENCY_EDITOR))
    rows = _sheet(client.get(reverse("evaluations:export_evaluations"), {"month": "2026-02"}))
    assert len(rows[0]) == 14 and all("138" not in str(c) for r in rows for c in r)
    client.logout()
    assert client.get(reverse("evaluations:export_evaluations")).status_code == 302
    client.force_login(hall.outsider)
    assert client.get(reverse("evaluations:export_evaluations"), {"center": hall.center.pk}).status_code == 404


def test_export_ledger_of_complex_orders(client, hall, world):  # noqa: F811
    r1, r4 = world["r1"], world["r4"]
    type(r1).objects.filter(pk=r1.pk).update(is_complex=True)
    at = datetime(2026, 2, 8, 10, tzinfo=SH)
    Rectification.objects.create(review=r1, problem="=HYPERLINK(\"x\")", measure="更新指南", owner=hall.alice,
                                 due=date(2026, 2, 20), created_at=at)
    Rectification.objects.create(review=r1, problem="窗口告知不清", measure="培训", created_at=at,
                                 done_on=date(2026, 2, 10))
    Rectification.objects.create(review=r4, problem="不是复杂工单", measure="—", created_at=at)
    client.force_login(hall.manager)
    rows = _sheet(client.get(reverse("evaluations:export_ledger"), {"month": "2026-02"}))
    assert len(rows) == 3 and {r[0] for r in rows[1:]} == {r1.pk}
    assert rows[1][6] == "'=HYPERLINK(\"x\")"  # never a formula
    assert rows[1][9].date() == date(2026, 2, 20) and rows[2][10].date() == date(2026, 2, 10)
    assert _sheet(client.get(reverse("evaluations:export_ledger"), {"month": "2026-01"}))[1:] == []
    assert client.get(reverse("evaluations:export_ledger"), {"month": "x"}).status_code == 400
