"""The pad page, the phone page and the rectification desk as served (no browser)."""

from datetime import timedelta

import pytest
import time_machine

from yimen.evaluations.models import BadReview, Evaluation
from yimen.evaluations.services import visit_token

from .conftest import FRIDAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    """The assertions read the English source strings (zh-hans is the default language)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
NOW = at(FRIDAY, "10:00")


def test_the_pad_page_needs_a_pad(hall, client):
    assert client.get("/evaluations/pad/").status_code == 403
    assert client.get("/evaluations/pad/", {"device": "nope"}).status_code == 403


def test_the_pad_page_shows_the_visit_and_stores_a_bad_rating(hall, client):
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        idle = client.get("/evaluations/pad/", {"device": hall.pad_token})
        assert idle.status_code == 200 and "data-pad-status" in idle.content.decode()
        hall.served(NOW)
        page = client.get("/evaluations/pad/", {"device": hall.pad_token}).content.decode()
        assert "A001" in page and "Alice" in page and 'name="level"' in page and "服务态度" in page
        token = page.split('name="token" value="')[1].split('"')[0]
        url = f"/evaluations/pad/?device={hall.pad_token}"
        r = client.post(url, {"token": token, "level": "1"})
        assert r.status_code == 400 and "at least one reason" in r.content.decode()
        r = client.post(url, {"token": token, "level": "1", "tags": ["attitude"], "comment": "态度差"})
        assert r.status_code == 200 and "data-reset-url" in r.content.decode()
        r = client.post(url, {"token": token, "level": "5"})
        assert r.status_code == 409
    assert Evaluation.objects.count() == 1 and BadReview.objects.count() == 1


def test_the_phone_page_rates_once_then_offers_one_follow_up(hall, client):
    with time_machine.travel(NOW, tick=False):
        ticket = hall.served(NOW)
        url = f"/evaluations/rate/{visit_token(ticket=ticket)}/"
        assert "A001" in client.get(url).content.decode()
        assert client.post(url, {"level": "4", "score_attitude": "5"}).status_code == 200
        page = client.get(url).content.decode()
        assert 'name="follow_up"' in page
        assert client.post(url, {"level": "5", "follow_up": "1"}).status_code == 200
        assert "rated already" in client.get(url).content.decode()
        assert client.get("/evaluations/rate/forged/").status_code == 400
    first = Evaluation.objects.get(parent__isnull=True)
    assert first.sub_scores == {"attitude": 5} and first.follow_up.level == 5


def test_the_desk_lists_by_urgency_and_runs_actions(hall, client):
    with time_machine.travel(NOW, tick=False):
        ticket = hall.served(NOW)
        hall.case_from(ticket, NOW)
        client.post(f"/evaluations/rate/{visit_token(ticket=ticket)}/", {"level": "2", "tags": ["overdue"]})
        review = BadReview.objects.get()
        assert client.get("/evaluations/desk/").status_code == 302  # login
        client.force_login(hall.alice)
        desk = client.get("/evaluations/desk/").content.decode()
        assert f"#{review.pk}" in desk and "2026-02-14" in desk
        page = client.get(f"/evaluations/desk/{review.pk}/").content.decode()
        assert "2026-02-26" in page and 'value="log_attempt"' in page and "138****5678" in page
        assert "13812345678" not in page
        act = f"/evaluations/desk/{review.pk}/act/"
        r = client.post(act, {"action": "contact", "version": "1"}, HTTP_HX_REQUEST="true")
        assert r.status_code == 400 and 'id="review-panel"' in r.content.decode()
        r = client.post(act, {"action": "log_attempt", "version": "1", "channel": "phone", "reached": "yes"},
                        HTTP_HX_REQUEST="true")
        assert r.status_code == 200 and "Saved." in r.content.decode()
        r = client.post(act, {"action": "contact", "version": "2", "note": "已沟通"})
        assert r.status_code == 302
        review.refresh_from_db()
        assert review.state == "contacted"
        client.force_login(hall.outsider)
        assert client.get(f"/evaluations/desk/{review.pk}/").status_code in (403, 404)


def test_the_evaluation_qr_tag_opens_the_phone_page(hall, client):
    from urllib.parse import urlsplit

    from django.template import Context, Template

    ticket = hall.served(NOW)
    case = hall.case_from(ticket, NOW)
    tpl = Template("{% load evaluations %}{% evaluation_url obj %}|{% evaluation_qr obj %}")
    url, svg = tpl.render(Context({"obj": case})).split("|", 1)
    assert url.startswith("http") and "/evaluations/rate/" in url and svg.startswith("<svg")
    with time_machine.travel(NOW, tick=False):
        page = client.get(urlsplit(url).path).content.decode()
    assert case.number in page
    url = Template("{% load evaluations %}{% evaluation_url obj %}").render(Context({"obj": ticket}))
    assert "/evaluations/rate/" in url


def test_admin_pages_show_evaluator_data_masked(hall, client):
    ticket = hall.served(NOW)
    hall.case_from(ticket, NOW)
    from yimen.evaluations.services import submit

    ev = submit(visit_token(ticket=ticket), level=1, tags=["attitude"], now=NOW)
    hall.admin.is_staff = hall.admin.is_superuser = True
    hall.admin.save()
    client.force_login(hall.admin)
    for url in ("/admin/evaluations/evaluation/", f"/admin/evaluations/evaluation/{ev.pk}/change/",
                "/admin/evaluations/badreview/", f"/admin/evaluations/badreview/{ev.bad_review.pk}/change/",
                "/admin/evaluations/reasontag/", "/admin/evaluations/badreviewevent/"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert "13812345678" not in r.content.decode(), url
