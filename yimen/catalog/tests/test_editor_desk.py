import pytest

from yimen.accounts.constants import Role
from yimen.accounts.models import User
from yimen.catalog.constants import DocStatus

from .factories import make_item, make_situation


@pytest.fixture
def editor_setup(db):
    item = make_item()
    situation = make_situation(item)
    editor = User.objects.create(username="ed", role=Role.AGENCY_EDITOR, agency=item.agency)
    return situation, editor


def _form_data(situation, guide, manual, materials, **extra):
    data = {
        "g-conditions": "申请人为本市常住居民", "g-procedure": "收件；受理；决定", "g-basis": "",
        "g-quantity_limit": "无数量限制", "g-result_delivery": "窗口领取", "g-notes": "",
        "g-revision_reason": "law", "g-revision_note": "新规实施",
        "m-review_points": "核验身份", "m-criteria": "", "m-steps": "", "m-templates": "",
        "mat-TOTAL_FORMS": str(len(materials)), "mat-INITIAL_FORMS": str(sum(1 for m in materials if m.get("id"))),
        "mat-MIN_NUM_FORMS": "0", "mat-MAX_NUM_FORMS": "1000",
    }
    for i, m in enumerate(materials):
        for key, value in m.items():
            data[f"mat-{i}-{key}"] = value
    data.update(extra)
    return data


def test_editor_drafts_edits_and_publishes_a_new_version(client, editor_setup):
    situation, editor = editor_setup
    client.force_login(editor)
    assert client.get("/staff/guides/").status_code == 200
    url = f"/staff/guides/{situation.pk}/"
    client.post(url, {"new_draft": "1", "reason": "law"})
    draft = situation.guides.get(status=DocStatus.DRAFT)
    manual = situation.manuals.get(status=DocStatus.DRAFT)
    old = draft.materials.get()
    materials = [
        {"id": str(old.pk), "guide": str(draft.pk), "order": "1", "name": old.name, "necessity": "required",
         "form": "paper", "kind": "original", "copies": "1", "source": "申请人自备",
         "acceptance_standard": "原件，在有效期内", "exempt_reason": "", "exempt_reference": "", "condition": ""},
        {"guide": str(draft.pk), "order": "2", "name": "户口簿", "necessity": "required", "form": "paper",
         "kind": "original_and_copy", "copies": "1", "source": "申请人自备", "acceptance_standard": "",
         "exempt_reason": "", "exempt_reference": "", "condition": ""},
    ]
    r = client.post(url, _form_data(situation, draft, manual, materials, publish="1"))
    assert r.status_code == 200  # the missing acceptance standard is a form error
    assert "acceptance standard" in r.content.decode() or "受理标准" in r.content.decode()
    materials[1]["acceptance_standard"] = "原件及复印件"
    r = client.post(url, _form_data(situation, draft, manual, materials, publish="1"))
    assert r.status_code == 302
    published = situation.guides.get(status=DocStatus.PUBLISHED)
    assert published.version == 2
    assert [m.name for m in published.materials.all()] == ["居民身份证", "户口簿"]
    assert situation.guides.get(version=1).status == DocStatus.SUPERSEDED
    assert situation.manuals.get(status=DocStatus.PUBLISHED).version == 2


def test_editor_cannot_open_another_agencys_situation(client, editor_setup):
    _, editor = editor_setup
    foreign = make_situation(make_item(), code="09")
    client.force_login(editor)
    assert client.get(f"/staff/guides/{foreign.pk}/").status_code == 404
