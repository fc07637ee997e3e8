"""帮办 and fees: help services recorded with who was helped and linked to the case; payments by any
method, cash always accepted; bad input refused with nothing stored."""

from decimal import Decimal

import pytest

from yimen.accounts.constants import Role
from yimen.cases.models import HelpService, Payment
from yimen.cases.services import CaseError, record_help, record_payment
from yimen.catalog.models import FeeItem

from .factories import at, make_case_item, make_user

pytestmark = pytest.mark.django_db
DAY = __import__("datetime").date(2026, 3, 3)


def test_help_service_linked_to_the_case(world, new_case):
    case = new_case(DAY)
    helped = record_help(world.center, by=world.hs, kind="at_home", beneficiary="elderly", case=case,
                         note="上门帮办", now=at(DAY, 10))
    assert (helped.case, helped.staff, helped.get_kind_display()) == (case, world.hs, helped.get_kind_display())
    assert case.events.order_by("-seq").first().action == "help_service"
    alone = record_help(world.center, by=world.ws, kind="online", beneficiary="disabled")
    assert alone.case is None
    for kw, code in [({"kind": "magic"}, "bad_help_kind"), ({"beneficiary": "x"}, "bad_beneficiary"),
                     ({"by": world.rv}, "forbidden")]:
        with pytest.raises(CaseError) as err:
            record_help(world.center, **{"by": world.hs, "kind": "window", "beneficiary": "elderly", **kw})
        assert err.value.code == code
    assert HelpService.objects.count() == 2


@pytest.mark.parametrize("method", ["cash", "card", "mobile", "transfer"])
def test_every_method_is_accepted_cash_included(world, method):
    from yimen.cases.services import open_case

    from .factories import VALID_ID

    item, situation = make_case_item(is_fee=True)
    fee = FeeItem.objects.create(item=item, name="工本费", standard="10元/证", basis="价格文件")
    case = open_case(center=world.center, item=item, situation=situation, applicant_name="张三", id_number=VALID_ID,
                     by=world.ws)
    payment = record_payment(case, by=world.ws, amount="10", method=method, fee_item=fee)
    assert payment.amount == Decimal("10.00") and case.events.order_by("-seq").first().action == "payment"


def test_bad_payments_are_refused(world, new_case):
    from yimen.cases.services import open_case

    from .factories import VALID_ID

    free = new_case(DAY)
    with pytest.raises(CaseError) as err:
        record_payment(free, by=world.ws, amount="10", method="cash")
    assert err.value.code == "no_fee"
    item, situation = make_case_item(is_fee=True)
    other_fee = FeeItem.objects.create(item=make_case_item()[0], name="别的", standard="1", basis="x")
    case = open_case(center=world.center, item=item, situation=situation, applicant_name="张三", id_number=VALID_ID,
                     by=world.ws)
    cases = [({"amount": "-1", "method": "cash"}, "bad_amount"), ({"amount": "abc", "method": "cash"}, "bad_amount"),
             ({"amount": "0", "method": "cash"}, "bad_amount"), ({"amount": "5", "method": "waived"}, "bad_amount"),
             ({"amount": "5", "method": "bitcoin"}, "bad_method"),
             ({"amount": "5", "method": "cash", "fee_item": other_fee}, "bad_fee"),
             ({"amount": "5", "method": "cash", "by": world.rv}, "forbidden"),
             ({"amount": "5", "method": "cash", "by": make_user(Role.WINDOW_STAFF, center=None)}, "forbidden")]
    for kw, code in cases:
        with pytest.raises(CaseError) as err:
            record_payment(case, **{"by": world.ws, **kw})
        assert err.value.code == code, kw
    assert Payment.objects.count() == 0
    assert record_payment(case, by=world.ws, amount="0", method="waived").amount == 0


def test_desk_records_payments_and_help(client, world):
    from yimen.cases.services import open_case

    from .factories import VALID_ID

    item, situation = make_case_item(is_fee=True)
    case = open_case(center=world.center, item=item, situation=situation, applicant_name="张三", id_number=VALID_ID,
                     by=world.ws)
    client.force_login(world.ws)
    url = f"/cases/staff/{case.number}/record/"
    assert client.post(url, {"what": "payment", "amount": "-3", "method": "cash"}).status_code == 400
    r = client.post(url, {"what": "payment", "amount": "15", "method": "cash"})
    assert r.status_code == 200 and Payment.objects.get().method == "cash"
    r = client.post(url, {"what": "help", "kind": "window", "beneficiary": "elderly"})
    assert r.status_code == 200 and HelpService.objects.get().case == case


def test_scans_upload_encrypted_and_view_audited(client, world, new_case, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yimen.auditlog.models import LogEntry

    settings.VAR_DIR = tmp_path
    case = new_case(DAY)
    material = case.materials.filter(exempt=False).first()
    client.force_login(world.ws)
    url = f"/cases/staff/{case.number}/upload/"
    bad = client.post(url, {"material": material.material_id, "file": SimpleUploadedFile("x.exe", b"MZ\x90\x00")})
    assert bad.status_code == 400
    ok = client.post(url, {"material": material.material_id,
                           "file": SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")})
    assert ok.status_code == 302
    material.refresh_from_db()
    assert material.received and material.content_type == "image/png"
    r = client.get(f"/cases/staff/{case.number}/files/{material.material_id}/")
    assert r.status_code == 200 and r.content.startswith(b"\x89PNG") and r["Cache-Control"] == "no-store"
    assert LogEntry.objects.filter(action="view_material").count() == 1
    client.force_login(make_user(Role.WINDOW_STAFF, center=None))
    assert client.get(f"/cases/staff/{case.number}/files/{material.material_id}/").status_code in (403, 404)
