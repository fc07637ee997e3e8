from datetime import date

import pytest

from yimen.accounts.constants import Role
from yimen.accounts.models import User
from yimen.auditlog.services import events_for
from yimen.catalog.constants import ChangeState
from yimen.catalog.models import CenterItem, ItemChange
from yimen.catalog.services import CatalogError, apply_change, take_effect_due_changes
from yimen.hall.models import Center

from .factories import make_item, make_situation


@pytest.fixture
def setup(db):
    item = make_item()
    make_situation(item)
    center = Center.objects.create(code="c1", name="中心")
    users = {
        r: User.objects.create(username=r, role=r, agency=item.agency if r == Role.AGENCY_EDITOR else None)
        for r in (Role.CENTER_MANAGER, Role.AGENCY_EDITOR, Role.DISTRICT_SUPERVISOR, Role.WINDOW_STAFF)
    }
    change = ItemChange.objects.create(center=center, kind="add", item=item, reason="群众需求量大")
    return change, users, center, item


def test_full_workflow_agreed_then_filed_then_effective(setup):
    change, users, center, item = setup
    apply_change(change, "propose", by=users[Role.CENTER_MANAGER])
    change = apply_change(change, "agree", by=users[Role.CENTER_MANAGER])
    assert change.state == ChangeState.PROPOSED  # one side only
    with pytest.raises(CatalogError) as exc:
        apply_change(change, "agree", by=users[Role.CENTER_MANAGER])
    assert exc.value.code == "already_agreed"
    change = apply_change(change, "agree", by=users[Role.AGENCY_EDITOR])
    assert change.state == ChangeState.AGREED
    with pytest.raises(CatalogError):
        apply_change(change, "file", by=users[Role.DISTRICT_SUPERVISOR], filing_no="", effective_date=date(2026, 1, 1))
    change = apply_change(change, "file", by=users[Role.DISTRICT_SUPERVISOR], filing_no="崇政服备〔2026〕1号",
                          effective_date=date(2026, 1, 1))
    assert change.state == ChangeState.FILED
    assert take_effect_due_changes(today=date(2026, 1, 1)) == 1
    change.refresh_from_db()
    assert change.state == ChangeState.EFFECTIVE
    assert CenterItem.objects.get(center=center, item=item).on_window_list
    assert take_effect_due_changes(today=date(2026, 1, 1)) == 0
    actions = [e.action for e in events_for(change)]
    assert actions == ["catalog.item_change.propose", "catalog.item_change.agree", "catalog.item_change.agree",
                       "catalog.item_change.file", "catalog.item_change.take_effect"]


def test_roles_and_states_are_enforced(setup):
    change, users, *_ = setup
    with pytest.raises(CatalogError) as exc:
        apply_change(change, "propose", by=users[Role.WINDOW_STAFF])
    assert exc.value.code == "forbidden"
    with pytest.raises(CatalogError) as exc:
        apply_change(change, "file", by=users[Role.DISTRICT_SUPERVISOR], filing_no="1", effective_date=date.today())
    assert exc.value.code == "bad_state"


def test_other_agency_cannot_agree_for_the_item(setup):
    change, users, *_ = setup
    apply_change(change, "propose", by=users[Role.CENTER_MANAGER])
    stranger = User.objects.create(username="x", role=Role.AGENCY_EDITOR, agency=make_item().agency)
    with pytest.raises(CatalogError):
        apply_change(change, "agree", by=stranger)


def test_item_change_screens(client, setup):
    change, users, center, item = setup
    client.force_login(users[Role.CENTER_MANAGER])
    assert client.get("/staff/item-changes/").status_code == 200
    url = f"/staff/item-changes/{change.pk}/"
    client.post(url, {"action": "propose"})
    client.post(url, {"action": "agree"})
    client.force_login(users[Role.AGENCY_EDITOR])
    client.post(url, {"action": "agree"})
    client.force_login(users[Role.DISTRICT_SUPERVISOR])
    r = client.post(url, {"action": "file", "filing_no": "备-1", "effective_date": "not a date"}, follow=True)
    assert ItemChange.objects.get(pk=change.pk).state == ChangeState.AGREED
    client.post(url, {"action": "file", "filing_no": "备-1", "effective_date": "2026-01-01"})
    assert ItemChange.objects.get(pk=change.pk).state == ChangeState.FILED
    r = client.get(url)
    assert "备-1" in r.content.decode()
    client.force_login(users[Role.WINDOW_STAFF])
    assert client.get(url).status_code == 403
