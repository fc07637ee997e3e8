from django.core.exceptions import ValidationError

import pytest

from yimen.catalog.models import ServiceItem

from .factories import make_agency


def build(**kw):
    fields = {"code": "X-1", "name": "测试事项", "legal_limit": 20, "promised_limit": 5, "visits_required": 1,
              "onsite_reason": "核验原件", "consult_phone": "021-1", "supervise_phone": "021-2"}
    fields.update(kw)
    return ServiceItem(**fields)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"promised_limit": 25}, "promised_limit"),
        ({"promised_unit": "CD"}, "promised_unit"),
        ({"online_depth": 4}, "visits_required"),
        ({"onsite_reason": ""}, "onsite_reason"),
        ({"supervise_phone": "021-1"}, "supervise_phone"),
        ({"consult_phone": ""}, "consult_phone"),
        ({"case_type": "immediate"}, "promised_limit"),
    ],
)
def test_item_validation(db, fields, field):
    item = build(agency=make_agency(), **fields)
    with pytest.raises(ValidationError) as exc:
        item.full_clean()
    assert field in exc.value.message_dict


def test_valid_item_and_pinyin_forms(db):
    item = build(agency=make_agency(), name="营业执照 设立登记")
    item.full_clean()
    item.save()
    assert item.search_initials == "yyzz sldj"
    assert item.search_pinyin.startswith("yingyezhizhao")


def test_agency_needs_valid_credit_code(db):
    from yimen.catalog.models import Agency

    with pytest.raises(ValidationError):
        Agency(code="91310000MA1FL0000X", name="x").full_clean()
