"""Case fixtures: a center, an item of a stationed agency with a published guide, and its staff."""

from types import SimpleNamespace

import pytest

from yimen.accounts.constants import Role
from yimen.cases.constants import ApplicantType
from yimen.cases.services import open_case

from .factories import VALID_ID, at, make_case_item, make_center, make_user


@pytest.fixture
def world(calendar):
    center = make_center("cm")
    item, situation = make_case_item()
    agency = item.agency
    return SimpleNamespace(
        center=center, item=item, situation=situation, agency=agency,
        ws=make_user(Role.WINDOW_STAFF, center=center),
        hs=make_user(Role.HELP_STAFF, center=center),
        rv=make_user(Role.REVIEWER, agency=agency),
        cm=make_user(Role.CENTER_MANAGER, center=center),
        ad=make_user(Role.ADMIN),
        ds=make_user(Role.DISTRICT_SUPERVISOR),
        ae=make_user(Role.AGENCY_EDITOR, agency=agency),
    )


@pytest.fixture
def new_case(world):
    """`new_case(day)` opens a case on `day` for the world's item (or `item=`, `situation=`)."""

    def make(day, *, item=None, situation=None, by=None):
        return open_case(center=world.center, item=item or world.item, situation=situation or world.situation,
                         applicant_name="张三", applicant_type=ApplicantType.PERSON, id_number=VALID_ID,
                         phone="13812345678", by=by or world.ws, now=at(day, 9))

    return make
