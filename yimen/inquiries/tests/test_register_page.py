"""The inquiry register page: register, a refusal shown in the page with nothing stored, answer and
close a follow-up, hand one over; other centers' inquiries are out of reach."""

import pytest

from yimen.accounts.constants import Role
from yimen.accounts.models import User
from yimen.hall.models import Center
from yimen.inquiries.models import Inquiry, InquiryEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(calendar, client):
    center = Center.objects.create(code="cx", name="中心")
    user = User.objects.create(username="clerk", role=Role.WINDOW_STAFF, center=center)
    User.objects.create(username="mate", role=Role.WINDOW_STAFF, center=center)
    client.force_login(user)
    return client, user


def test_register_follow_up_answer_close(clerk):
    client, user = clerk
    assert client.get("/staff/inquiries/").status_code == 200
    r = client.post("/staff/inquiries/new/", {"topic": "残疾人证换领", "outcome": "not_ours"})
    assert r.status_code == 400 and Inquiry.objects.count() == 0  # "not ours" needs where the person was sent
    assert "msg-error" in r.content.decode()
    r = client.post("/staff/inquiries/new/", {"topic": "公积金提取", "outcome": "follow_up", "contact_phone": "13812345678"})
    assert r.status_code == 302
    inquiry = Inquiry.objects.get()
    assert (inquiry.first_staff, inquiry.owner, inquiry.state) == (user, user, "open") and inquiry.follow_up_due
    page = client.get("/staff/inquiries/").content.decode()
    assert "公积金提取" in page and "13812345678" not in page
    assert client.post(f"/staff/inquiries/{inquiry.pk}/act/", {"action": "close"}).status_code == 400  # no answer yet
    client.post(f"/staff/inquiries/{inquiry.pk}/act/", {"action": "answer", "text": "已电话告知办理方式"})
    client.post(f"/staff/inquiries/{inquiry.pk}/act/", {"action": "close"})
    inquiry.refresh_from_db()
    assert inquiry.state == "closed"
    assert list(InquiryEvent.objects.filter(inquiry=inquiry).values_list("action", flat=True)) == [
        "register", "answer", "close"]


def test_hand_over_needs_a_reason_and_stays_in_the_center(clerk):
    client, user = clerk
    client.post("/staff/inquiries/new/", {"topic": "医保转移", "outcome": "follow_up"})
    inquiry = Inquiry.objects.get()
    mate = User.objects.get(username="mate")
    assert client.post(f"/staff/inquiries/{inquiry.pk}/act/", {"action": "hand_over", "to": mate.pk}).status_code == 400
    client.post(f"/staff/inquiries/{inquiry.pk}/act/", {"action": "hand_over", "to": mate.pk, "reason": "专业窗口"})
    inquiry.refresh_from_db()
    assert inquiry.owner == mate and inquiry.first_staff == user
    other = User.objects.create(username="far", role=Role.WINDOW_STAFF,
                                center=Center.objects.create(code="cy", name="别处"))
    client.force_login(other)
    assert client.post(f"/staff/inquiries/{inquiry.pk}/act/", {"action": "close"}).status_code == 404
