"""The exhaustive state × action × role table (domain.md §4.2, §7.5): every triple is allowed or
refused exactly as `ALLOWED_TRANSITIONS` says, and a refused one changes nothing."""

from datetime import date, timedelta

import pytest

from yimen.accounts.constants import Role
from yimen.cases.constants import ALLOWED_TRANSITIONS, CITIZEN, SYSTEM, CaseState
from yimen.cases.models import Case, CaseMaterial, CaseSuspension, CorrectionNotice, Receipt
from yimen.cases.services import CaseError, apply, open_case

from .factories import VALID_ID, at, chief, make_case_item

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 3)
ACTORS = [*Role.values, SYSTEM, CITIZEN]


def _prepare(world, case: Case, action: str, state: str) -> dict:
    """Put the case in `state` with whatever the action's guard needs; return a valid payload."""
    fields = {"state": state, "received_at": at(TODAY - timedelta(days=1)), "correction_notice_due": TODAY}
    payload: dict = {}
    receipt = Receipt.objects.create(number=f"{case.number}-SJ1", case=case, received_at=at(TODAY))
    if action == "request_correction":
        payload["items"] = [{"material": m.material, "problem": "缺失"}
                            for m in case.materials.filter(exempt=False).select_related("material")]
    elif action == "abandon_correction":
        CorrectionNotice.objects.create(case=case, round=1, receipt=receipt, issued_at=at(TODAY - timedelta(40)),
                                        reply_due=TODAY - timedelta(days=1))
        payload["reason"] = "申请人放弃"
    elif action == "accept":
        CaseMaterial.objects.filter(case=case).update(received=True)
    elif action == "deem_accept":
        fields["correction_notice_due"] = TODAY - timedelta(days=1)
    elif action == "reject":
        payload.update(reasons="不属于本机关职权范围", remedies="可申请行政复议或提起行政诉讼")
    elif action == "suspend":
        payload.update(reason_type="expert_review", basis="专家评审", notice_ref="告知书")
    elif action == "resume":
        CaseSuspension.objects.create(case=case, reason_type="testing", basis="检测", notice_ref="告知",
                                      started_on=TODAY - timedelta(days=3))
        fields["is_suspended"] = True
    elif action == "extend":
        fields["legal_due"] = TODAY + timedelta(days=5)
        payload.update(reason="情况复杂", approved_by="局长")
    elif action == "decide":
        payload["outcome"] = "approved"
    elif action == "deliver":
        payload["method"] = "e_licence"
    elif action == "withdraw":
        payload["reason"] = "申请人撤回"
    elif action == "terminate":
        payload.update(legal_cause="申请人死亡", reason="依法终止")
    Case.objects.filter(pk=case.pk).update(**fields)
    case.refresh_from_db()
    return payload


@pytest.mark.parametrize("role", ACTORS)
@pytest.mark.parametrize("action", list(ALLOWED_TRANSITIONS))
def test_every_state_action_role(world, action, role):
    spec = ALLOWED_TRANSITIONS[action]
    item, situation = (make_case_item(case_type="immediate", agency=world.agency, promised_limit=0)
                       if action == "complete_immediately" else (world.item, world.situation))
    chief(world.ws, item)  # window staff hold the agency's authorization where the table needs one
    by = {SYSTEM: SYSTEM, CITIZEN: CITIZEN, Role.WINDOW_STAFF: world.ws, Role.HELP_STAFF: world.hs,
          Role.REVIEWER: world.rv, Role.CENTER_MANAGER: world.cm, Role.ADMIN: world.ad,
          Role.DISTRICT_SUPERVISOR: world.ds, Role.AGENCY_EDITOR: world.ae}[role]
    for state in CaseState.values:
        case = open_case(center=world.center, item=item, situation=situation, applicant_name="李四",
                         id_number=VALID_ID, by=world.ws, now=at(TODAY, 8))
        payload = _prepare(world, case, action, state)
        version, events = case.version, case.events.count()
        allowed = state in spec.sources and role in spec.roles
        if allowed:
            apply(case, action, by=by, now=at(TODAY), **payload)
            assert case.state == (spec.target or state), (action, role, state)
            assert case.version > version and case.events.count() > events
            assert case.events.order_by("-seq").first().actor_kind == (role if role in (SYSTEM, CITIZEN) else "user")
        else:
            with pytest.raises(CaseError) as err:
                apply(case, action, by=by, now=at(TODAY), **payload)
            assert err.value.code in ("forbidden_role", "bad_state"), (action, role, state, err.value.code)
            case.refresh_from_db()
            assert (case.state, case.version, case.events.count()) == (state, version, events)


def test_unknown_action_is_refused(world, new_case):
    case = new_case(TODAY)
    with pytest.raises(CaseError) as err:
        apply(case, "approve", by=world.rv)
    assert err.value.code == "unknown_action"


def test_reviewer_of_another_agency_and_staff_of_another_center_are_refused(world, new_case):
    from .factories import make_center, make_user

    case = new_case(TODAY)
    apply(case, "receive", by=world.ws, now=at(TODAY))
    stranger = make_user(Role.REVIEWER, agency=make_case_item()[0].agency)
    with pytest.raises(CaseError) as err:
        apply(case, "accept", by=stranger, now=at(TODAY))
    assert err.value.code == "other_agency"
    elsewhere = make_user(Role.WINDOW_STAFF, center=make_center())
    with pytest.raises(CaseError) as err:
        apply(case, "accept", by=elsewhere, now=at(TODAY))
    assert err.value.code == "other_center"
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED
