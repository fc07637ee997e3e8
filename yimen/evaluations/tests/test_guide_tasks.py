"""Guide feedback: a bad review verified true or partly true with the reason 指南不准确 opens one guide
revision task for the item's agency editor, who marks it done."""

from django.urls import reverse

import pytest

from yimen.accounts.constants import Role
from yimen.evaluations.models import GuideRevisionTask
from yimen.evaluations.services import apply, pending_visit, submit
from yimen.lib.testing import make_user

from .conftest import FRIDAY, at

pytestmark = pytest.mark.django_db


def order(hall, tags, *, real_name=True, hhmm="10:00"):
    now = at(FRIDAY, hhmm)
    ticket = hall.served(now)
    if real_name:
        hall.case_from(ticket, now)
    ev = submit(pending_visit(hall.pad, now=now).token, level=1, tags=tags, comment="材料清单与窗口要求不一致", now=now)
    review = ev.bad_review
    if real_name:
        apply(review, "log_attempt", by=hall.alice, channel="phone", reached=True, now=now)
        apply(review, "contact", by=hall.alice, now=now)
    return review


def test_verified_guide_cause_opens_one_task(hall):
    review = order(hall, ["guide_inaccurate", "attitude"])
    apply(review, "verify", by=hall.alice, verification="partly_true", problem="指南缺少委托书要求",
          measure="提交指南修订", now=at(FRIDAY, "11:00"))
    task = GuideRevisionTask.objects.get(review=review)
    assert task.state == "open" and task.agency == hall.item.agency and task.item == hall.item
    assert task.situation == review.evaluation.case.situation
    assert "指南缺少委托书要求" in task.problem and "指南不准确" in task.problem
    apply(review, "reply", by=hall.alice, text="已修订指南", now=at(FRIDAY, "12:00"))
    assert GuideRevisionTask.objects.filter(review=review).count() == 1


def test_no_task_when_untrue_or_another_cause(hall):
    untrue = order(hall, ["guide_inaccurate"], hhmm="10:00")
    apply(untrue, "verify", by=hall.alice, verification="untrue", note="指南无误", now=at(FRIDAY, "11:00"))
    other = order(hall, ["attitude"], hhmm="13:00")
    apply(other, "verify", by=hall.alice, verification="true", measure="培训", now=at(FRIDAY, "14:00"))
    assert not GuideRevisionTask.objects.exists()


def test_anonymous_order_opens_its_task_without_a_situation(hall):
    review = order(hall, ["guide_inaccurate"], real_name=False)
    apply(review, "verify", by=hall.alice, verification="true", measure="修订", now=at(FRIDAY, "11:00"))
    task = GuideRevisionTask.objects.get(review=review)
    assert task.situation is None and task.item == hall.item


def test_editor_list_and_done(client, hall):
    review = order(hall, ["guide_inaccurate"])
    apply(review, "verify", by=hall.alice, verification="true", measure="修订指南", now=at(FRIDAY, "11:00"))
    task = review.guide_task
    editor = make_user("editor", hall.center, Role.AGENCY_EDITOR)
    editor.agency = hall.item.agency
    editor.save()
    stranger = make_user("stranger", hall.center, Role.AGENCY_EDITOR)  # no agency: sees nothing
    client.force_login(stranger)
    assert f"#{task.pk}" not in client.get(reverse("evaluations:guide_tasks")).content.decode()
    assert client.post(reverse("evaluations:guide_task_done", args=[task.pk]), {"note": "x"}).status_code == 404
    client.force_login(hall.alice)  # window staff
    assert client.get(reverse("evaluations:guide_tasks")).status_code == 403
    client.force_login(editor)
    page = client.get(reverse("evaluations:guide_tasks")).content.decode()
    assert f"#{task.pk}" in page and reverse("editor-guide-edit", args=[task.situation_id]) in page
    assert "/staff/guides/" in page
    url = reverse("evaluations:guide_task_done", args=[task.pk])
    assert client.post(url, {"note": " "}).status_code == 400
    assert client.post(url, {"note": "补充委托书要求，已发布新版"}).status_code == 302
    task.refresh_from_db()
    assert task.state == "done" and task.done_by == editor and task.done_at
    assert client.post(url, {"note": "again"}).status_code == 409
    assert "补充委托书要求" in client.get(reverse("evaluations:guide_tasks"), {"done": "1"}).content.decode()
    client.force_login(hall.manager)  # the center's manager sees the center's tasks
    assert "补充委托书要求" in client.get(reverse("evaluations:guide_tasks"), {"done": "1"}).content.decode()
