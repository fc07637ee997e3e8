"""The evaluations API: public submit with a token (no session, no CSRF token), the pad's pending
visit by its device secret, staff work orders with a session; 4xx with codes, nothing changed."""

from django.test import Client

import pytest
import time_machine

from yimen.evaluations.models import BadReview, Evaluation
from yimen.evaluations.services import visit_token

from .conftest import FRIDAY, at

pytestmark = pytest.mark.django_db
NOW = at(FRIDAY, "10:00")


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def test_the_pad_reads_its_visit_and_submits_a_bad_rating(hall, csrf_client):
    with time_machine.travel(NOW, tick=False):
        hall.served(NOW)
        assert csrf_client.get("/api/v1/evaluations/pad/pending").status_code == 403
        auth = {"HTTP_AUTHORIZATION": f"Device {hall.pad_token}"}
        body = csrf_client.get("/api/v1/evaluations/pad/pending", **auth).json()
        assert body["visit"]["ticket"] == "A001" and body["visit"]["window"] == "05"
        assert body["visit"]["staff"] == "Alice" and len(body["tags"]) == 9
        r = csrf_client.post("/api/v1/evaluations/submit", {"token": body["token"], "level": 2, "tags": []},
                             content_type="application/json")
        assert (r.status_code, r.json()["code"]) == (400, "reason_required")
        r = csrf_client.post("/api/v1/evaluations/submit", {"token": body["token"], "level": 2, "tags": ["attitude"],
                                                            "comment": "态度不好"},
                             content_type="application/json", **auth)
        assert r.status_code == 201 and r.json()["bad_review"] is True
        r = csrf_client.post("/api/v1/evaluations/submit", {"token": body["token"], "level": 5},
                             content_type="application/json")
        assert (r.status_code, r.json()["code"]) == (409, "already_rated")
        assert csrf_client.get("/api/v1/evaluations/pad/pending", **auth).json()["visit"] is None
    assert Evaluation.objects.count() == 1 and BadReview.objects.count() == 1


def test_bad_input_is_a_4xx_with_a_code(hall, client):
    with time_machine.travel(NOW, tick=False):
        ticket = hall.served(NOW)
        token = visit_token(ticket=ticket)
        for body, status, code in [
            ({"token": "x", "level": 5}, 400, "bad_token"),
            ({"token": token}, 422, "invalid_input"),
            ({"token": token, "level": "five"}, 422, "invalid_input"),
            ({"token": token, "level": 9}, 400, "bad_level"),
            ({"token": token, "level": 4, "sub_scores": {"x": 1}}, 400, "bad_sub_score"),
            ({"token": token, "level": 4, "comment": "好" * 501}, 422, "invalid_input"),
        ]:
            r = client.post("/api/v1/evaluations/submit", body, content_type="application/json")
            assert (r.status_code, r.json()["code"]) == (status, code), body
        info = client.get("/api/v1/evaluations/visit", {"token": token}).json()
        assert info["rated"] is False and info["visit"]["ticket"] == ticket.label
        assert client.get("/api/v1/evaluations/visit", {"token": "nope"}).status_code == 400
    assert Evaluation.objects.count() == 0


def test_staff_work_orders_list_detail_and_actions(hall, client):
    with time_machine.travel(NOW, tick=False):
        ticket = hall.served(NOW)
        hall.case_from(ticket, NOW)
        r = client.post("/api/v1/evaluations/submit", {"token": visit_token(ticket=ticket), "level": 1,
                                                       "tags": ["overdue"]}, content_type="application/json")
        assert r.status_code == 201
        review = BadReview.objects.get()
        assert client.get("/api/v1/evaluations/reviews").status_code == 401
        client.force_login(hall.alice)
        rows = client.get("/api/v1/evaluations/reviews").json()
        assert [r["id"] for r in rows] == [review.pk]
        assert rows[0]["contact_due"] == "2026-02-14" and rows[0]["evaluator"] == "张* 138****5678"
        assert "13812345678" not in str(rows)
        assert set(rows[0]["actions"]) == {"log_attempt", "contact", "verify"}  # the table; guards still apply
        url = f"/api/v1/evaluations/reviews/{review.pk}/actions/"
        r = client.post(url + "contact", {"version": 1}, content_type="application/json")
        assert (r.status_code, r.json()["code"]) == (400, "not_reached")
        r = client.post(url + "log_attempt", {"version": 1, "channel": "phone", "reached": True},
                        content_type="application/json")
        assert r.status_code == 200 and r.json()["version"] == 2
        r = client.post(url + "contact", {"version": 1}, content_type="application/json")
        assert (r.status_code, r.json()["code"]) == (409, "conflict")
        r = client.post(url + "mark_complex", {"version": 2, "reason": "x"}, content_type="application/json")
        assert (r.status_code, r.json()["code"]) == (403, "forbidden")
        r = client.post(url + "fly", {"version": 2}, content_type="application/json")
        assert (r.status_code, r.json()["code"]) == (400, "unknown_action")
        r = client.post(url + "contact", {"version": 2, "note": "已沟通"}, content_type="application/json")
        detail = r.json()
        assert detail["state"] == "contacted" and [e["action"] for e in detail["events"]] == [
            "create", "log_attempt", "contact"]
        client.force_login(hall.outsider)
        assert client.get(f"/api/v1/evaluations/reviews/{review.pk}").status_code == 404


def test_staff_writes_need_the_csrf_token(hall, csrf_client):
    with time_machine.travel(NOW, tick=False):
        ticket = hall.served(NOW)
        csrf_client.post("/api/v1/evaluations/submit", {"token": visit_token(ticket=ticket), "level": 1,
                                                       "tags": ["overdue"]}, content_type="application/json")
        review = BadReview.objects.get()
        csrf_client.force_login(hall.alice)
        r = csrf_client.post(f"/api/v1/evaluations/reviews/{review.pk}/actions/verify",
                             {"version": 1, "verification": "untrue", "note": "x"}, content_type="application/json")
        assert r.status_code == 403
        review.refresh_from_db()
        assert review.state == "received"


def test_a_throttled_flood_is_a_429(hall, client, settings):
    settings.EVALUATION_RATE_LIMITS = {"address": (3, 60)}
    with time_machine.travel(NOW, tick=False):
        codes = [client.post("/api/v1/evaluations/submit", {"token": "x", "level": 5},
                             content_type="application/json").status_code for _n in range(5)]
    assert codes == [400, 400, 400, 429, 429]
