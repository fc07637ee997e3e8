from django.db import IntegrityError, transaction
from django.utils import translation

import pytest

from yimen.auditlog.models import LogEntry
from yimen.catalog.constants import DocStatus
from yimen.catalog.models import Guide
from yimen.catalog.services import CatalogError, new_guide_draft, publish_guide, resolve_smart_guide

from .factories import make_item, make_question, make_situation


def test_publishing_a_new_version_supersedes_the_old_one(db):
    s = make_situation(make_item())
    v1 = s.guides.get()
    draft = new_guide_draft(s)
    assert draft.version == 2 and draft.materials.count() == 1
    publish_guide(draft)
    v1.refresh_from_db()
    assert v1.status == DocStatus.SUPERSEDED
    assert s.guides.filter(status=DocStatus.PUBLISHED).get().version == 2
    assert LogEntry.objects.filter(action="catalog.guide.published").count() == 1


def test_database_allows_only_one_published_guide(db):
    s = make_situation(make_item())
    with pytest.raises(IntegrityError), transaction.atomic():
        Guide.objects.create(situation=s, version=9, status=DocStatus.PUBLISHED, conditions="x", procedure="y")


@pytest.mark.parametrize(
    ("material", "fragment"),
    [
        ({"name": "居民身份证", "acceptance_standard": ""}, "acceptance standard"),
        ({"name": "其他相关材料", "acceptance_standard": "按要求"}, "catch-all"),
        ({"name": "营业执照", "acceptance_standard": "原件", "exempt_reason": "e_licence"}, "reference"),
    ],
)
def test_incomplete_guide_cannot_be_published(db, material, fragment):
    s = make_situation(make_item(), published=False, materials=[material])
    with pytest.raises(CatalogError) as exc, translation.override("en"):
        publish_guide(s.guides.get())
    assert exc.value.code == "guide_incomplete"
    assert fragment in exc.value.message


def test_smart_guide_picks_situation_and_conditional_materials(db):
    item = make_item()
    first = make_situation(item, "01", "首次申领")
    change = make_situation(item, "02", "变更")
    q1 = make_question(item, "您要办理哪种情形？", [("首次申领", first), ("变更", change)])
    q2 = make_question(item, "是否委托他人办理？", [("委托代理人", None), ("本人办理", None)])
    agent = q2.choices.get(text="委托代理人")
    guide = first.guides.get()
    guide.materials.create(name="授权委托书", acceptance_standard="委托人签名", condition=agent, order=2)
    guide.materials.create(name="营业执照", acceptance_standard="有效", exempt_reason="shanghai_issued",
                           exempt_reference="市场监管数据共享", order=3)
    pick = {q1.id: q1.choices.get(text="首次申领").id, q2.id: q2.choices.get(text="本人办理").id}
    r = resolve_smart_guide(item, pick)
    assert r.situation == first
    assert [m.name for m in r.materials] == ["居民身份证"]
    assert [m.name for m in r.exempt] == ["营业执照"]
    pick[q2.id] = agent.id
    assert [m.name for m in resolve_smart_guide(item, pick).materials] == ["居民身份证", "授权委托书"]
    r = resolve_smart_guide(item, {q1.id: q1.choices.get(text="变更").id})
    assert r.situation == change and r.unanswered == [q2]
    # an answer belonging to another question is ignored
    assert resolve_smart_guide(item, {q2.id: q1.choices.first().id}).situation is None
