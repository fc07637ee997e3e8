"""Builders for case tests (plain functions, as in catalog.tests.factories)."""

from datetime import date, datetime
from itertools import count
from zoneinfo import ZoneInfo

from yimen.accounts.models import User
from yimen.catalog.tests.factories import make_item, make_situation
from yimen.hall.models import Center
from yimen.supervision.constants import ALL_POWERS, AuthorizationRole
from yimen.supervision.models import Authorization

SH = ZoneInfo("Asia/Shanghai")
VALID_ID = "11010519491231002X"  # GB 11643 example number
VALID_ID_2 = "110101199003070134"
VALID_USCC = "91350100M000100Y43"
_seq = count(1)


def at(d: date, hour: int = 10) -> datetime:
    """An aware local time on day `d` (services take `now=`)."""
    return datetime(d.year, d.month, d.day, hour, 0, tzinfo=SH)


def make_center(code: str | None = None) -> Center:
    n = next(_seq)
    return Center.objects.create(code=code or f"c{n}", name=f"中心{n}")


def make_user(role: str, *, center=None, agency=None, **kw) -> User:
    n = next(_seq)
    return User.objects.create(username=f"{role}{n}", role=role, center=center, agency=agency, **kw)


def make_case_item(**kw):
    """An item with two guide materials (one of them exempt) and its published situation."""
    item = make_item(**kw)
    situation = make_situation(item, materials=[
        {"name": "居民身份证", "acceptance_standard": "原件，在有效期内"},
        {"name": "申请表", "acceptance_standard": "填写完整并签字"},
        {"name": "营业执照", "acceptance_standard": "电子证照", "exempt_reason": "e_licence",
         "exempt_reference": "电子证照库"},
    ])
    return item, situation


def authorize(user, item, *, role=AuthorizationRole.WINDOW_OFFICER, powers=("receive", "accept", "decide"),
              valid_from=date(2020, 1, 1), **kw) -> Authorization:
    auth = Authorization.objects.create(staff=user, role=role, agency=item.agency, powers=list(powers),
                                        granted_by="授权决定书", valid_from=valid_from, **kw)
    if role == AuthorizationRole.WINDOW_OFFICER:
        auth.items.add(item)
    return auth


def chief(user, item) -> Authorization:
    return authorize(user, item, role=AuthorizationRole.CHIEF_REPRESENTATIVE, powers=sorted(ALL_POWERS))
