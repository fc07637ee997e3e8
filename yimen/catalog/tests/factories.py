"""Small builders for catalogue tests (plain functions: explicit and fast)."""

from itertools import count

from yimen.catalog.constants import DocStatus
from yimen.catalog.demo_loader import agency_code
from yimen.catalog.models import Agency, Choice, Guide, Manual, Material, Question, ServiceItem, Situation

_seq = count(100)


def make_agency(**kw) -> Agency:
    n = next(_seq)
    return Agency.objects.create(**{"code": agency_code(n), "name": f"测试局{n}", **kw})


def make_item(agency=None, **kw) -> ServiceItem:
    n = next(_seq)
    fields = {
        "code": f"T-{n}", "name": "营业执照（有限责任公司设立登记）", "agency": agency or make_agency(),
        "legal_limit": 20, "promised_limit": 3, "visits_required": 1, "onsite_reason": "核验原件",
        "consult_phone": "021-1111", "supervise_phone": "021-12345",
    }
    fields.update(kw)
    item = ServiceItem(**fields)
    item.full_clean()
    item.save()
    return item


def make_situation(item, code="01", name="首次申请", published=True, materials=None) -> Situation:
    s = Situation.objects.create(item=item, code=code, name=name)
    guide = Guide.objects.create(situation=s, conditions="申请人具有完全民事行为能力", procedure="收件；受理；决定",
                                 status=DocStatus.PUBLISHED if published else DocStatus.DRAFT)
    for i, m in enumerate(materials or [{"name": "居民身份证", "acceptance_standard": "原件，在有效期内"}], 1):
        Material.objects.create(guide=guide, order=i, **m)
    Manual.objects.create(situation=s, review_points="核验身份", status=DocStatus.PUBLISHED if published else DocStatus.DRAFT)
    return s


def make_question(item, text, choices) -> Question:
    q = Question.objects.create(item=item, text=text)
    for i, (label, situation) in enumerate(choices, 1):
        Choice.objects.create(question=q, order=i, text=label, situation=situation)
    return q
