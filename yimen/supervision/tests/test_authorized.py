"""`authorized`: valid, unrevoked authorizations of the item's agency with the power asked."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

import pytest

from yimen.accounts.constants import Role
from yimen.accounts.models import User
from yimen.catalog.tests.factories import make_item, make_situation
from yimen.supervision.constants import AuthorizationRole
from yimen.supervision.models import Authorization
from yimen.supervision.services import authorized

pytestmark = pytest.mark.django_db
ON = date(2026, 3, 3)


@pytest.fixture
def setting():
    item = make_item()
    other = make_item(agency=item.agency)
    foreign = make_item()
    staff = User.objects.create(username="officer", role=Role.WINDOW_STAFF)
    return item, other, foreign, staff


def _grant(staff, item, *, role=AuthorizationRole.WINDOW_OFFICER, powers=("decide",), **kw):
    auth = Authorization.objects.create(staff=staff, role=role, agency=item.agency, powers=list(powers),
                                        granted_by="区市场监管局授权决定", valid_from=kw.pop("valid_from", date(2026, 1, 1)),
                                        **kw)
    return auth


def test_window_officer_covers_listed_items_and_situations(setting):
    item, other, foreign, staff = setting
    auth = _grant(staff, item)
    assert not authorized(staff, "decide", item, on=ON)
    auth.items.add(item)
    assert authorized(staff, "decide", item, on=ON)
    assert not authorized(staff, "accept", item, on=ON)
    assert not authorized(staff, "decide", other, on=ON)
    situation = make_situation(other)
    auth.situations.add(situation)
    assert authorized(staff, "decide", other, situation, on=ON)
    assert not authorized(staff, "decide", other, make_situation(other, code="02"), on=ON)


def test_chief_representative_covers_every_item_of_the_agency_only(setting):
    item, other, foreign, staff = setting
    _grant(staff, item, role=AuthorizationRole.CHIEF_REPRESENTATIVE, powers=("receive", "accept", "decide", "sign"))
    assert authorized(staff, "decide", item, on=ON) and authorized(staff, "sign", other, on=ON)
    assert not authorized(staff, "coordinate", item, on=ON)
    assert not authorized(staff, "decide", foreign, on=ON)


@pytest.mark.parametrize(("kw", "expected"), [
    ({"valid_from": date(2026, 3, 4)}, False),
    ({"valid_to": date(2026, 3, 2)}, False),
    ({"valid_to": date(2026, 3, 3)}, True),
    ({"revoked_at": datetime(2026, 3, 3, 9, tzinfo=ZoneInfo("Asia/Shanghai"))}, False),
    ({"revoked_at": datetime(2026, 3, 10, 9, tzinfo=ZoneInfo("Asia/Shanghai"))}, True),
])
def test_validity_and_revocation(setting, kw, expected):
    item, _other, _foreign, staff = setting
    _grant(staff, item, role=AuthorizationRole.CHIEF_REPRESENTATIVE, **kw)
    assert authorized(staff, "decide", item, on=ON) is expected


@pytest.mark.parametrize("powers", [["approve"], "decide", ["decide", "decide"], [1]])
def test_powers_are_validated(setting, powers):
    item, _other, _foreign, staff = setting
    with pytest.raises(ValidationError):
        Authorization.objects.create(staff=staff, agency=item.agency, powers=powers, granted_by="x",
                                     valid_from=ON)


def test_nobody_is_authorized_without_an_account(setting):
    item, *_ = setting
    assert not authorized(None, "decide", item, on=ON)
