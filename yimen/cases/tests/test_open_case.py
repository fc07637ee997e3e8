"""Opening a case: identity checks, the rules snapshot, the guide version, numbering, masking."""

import logging
from datetime import date

import pytest

from yimen.cases.constants import ApplicantType, CaseState
from yimen.cases.services import CaseError, apply, open_case
from yimen.catalog.models import ServiceItem
from yimen.catalog.tests.factories import make_situation

from .factories import VALID_ID, VALID_ID_2, VALID_USCC, at

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 3)


def _open(world, **kw):
    fields = {"center": world.center, "item": world.item, "situation": world.situation, "applicant_name": "王五",
              "id_number": VALID_ID, "by": world.ws, "now": at(DAY)}
    return open_case(**{**fields, **kw})


def test_a_new_case_is_submitted_with_rules_guide_and_materials(world):
    case = _open(world)
    assert case.state == CaseState.SUBMITTED and case.version == 1
    assert case.number == "CM-2026-000001"
    assert _open(world).number == "CM-2026-000002"
    assert case.guide.status == "published" and case.guide.situation == world.situation
    assert case.rules_snapshot["legal_limit"] == 20 and case.rules_snapshot["agency_id"] == world.agency.pk
    assert case.materials.count() == 3 and case.materials.filter(exempt=True, exempt_reason="e_licence").count() == 1
    assert len(case.verification_code) == 8
    assert list(case.events.values_list("seq", "action")) == [(1, "open")]


def test_later_item_edits_never_touch_running_cases(world):
    case = _open(world)
    ServiceItem.objects.filter(pk=world.item.pk).update(legal_limit=10, promised_limit=2)
    apply(case, "receive", by=world.ws, now=at(DAY))
    apply(case, "accept", by=world.ws, now=at(DAY))
    assert case.legal_due == date(2026, 3, 31)  # still 20 WD


@pytest.mark.parametrize(("kw", "code"), [
    ({"id_number": "110105194912310021"}, "invalid_id_number"),  # wrong check digit
    ({"id_number": "11010519491331002X"}, "invalid_id_number"),  # no 13th month
    ({"id_number": ""}, "invalid_id_number"),
    ({"applicant_type": ApplicantType.ORGANISATION, "credit_code": "91350100M000100Y44"}, "invalid_credit_code"),
    ({"applicant_type": ApplicantType.ORGANISATION, "credit_code": ""}, "invalid_credit_code"),
    ({"agent_name": "赵六", "agent_id_number": "123"}, "invalid_agent_id_number"),
    ({"applicant_name": " "}, "applicant_name_required"),
])
def test_identity_numbers_are_checked(world, kw, code):
    with pytest.raises(CaseError) as err:
        _open(world, **kw)
    assert err.value.code == code


def test_valid_organisation_and_agent(world):
    case = _open(world, applicant_type=ApplicantType.ORGANISATION, id_number="", credit_code=VALID_USCC.lower(),
                 agent_name="赵六", agent_id_number=VALID_ID_2)
    assert case.credit_code == VALID_USCC and case.id_number == ""


def test_inactive_item_and_unpublished_guide_are_refused(world):
    ServiceItem.objects.filter(pk=world.item.pk).update(status="suspended")
    world.item.refresh_from_db()
    with pytest.raises(CaseError) as err:
        _open(world)
    assert err.value.code == "inactive_item"
    ServiceItem.objects.filter(pk=world.item.pk).update(status="active")
    world.item.refresh_from_db()
    draft = make_situation(world.item, code="02", name="变更", published=False)
    with pytest.raises(CaseError) as err:
        _open(world, situation=draft)
    assert err.value.code == "no_published_guide"


def test_identity_numbers_are_masked_in_str_events_and_logs(world, caplog):
    with caplog.at_level(logging.INFO, logger="yimen.cases"):
        case = _open(world)
    assert case.masked_id == "110105********002X"
    assert VALID_ID not in str(case) and "王" in str(case)
    assert VALID_ID not in str(case.events.get().payload)
    assert VALID_ID not in caplog.text
