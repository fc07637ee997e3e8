"""The KPIs of 好差评 (domain.md §6), for a period P (a half-open range of local dates, a month by
default) and a cut by center and optionally agency, window, staff and item.

Every KPI is a numerator and a denominator, each a queryset of the records behind it (the KPI
page links to them): completed cases, evaluations or bad-review work orders.

- **Completed case**: `Case.completed_on` ∈ P. Only COMPLETED and DELIVERED cases carry a
  `completed_on` (REJECTED, WITHDRAWN, TERMINATED, CLOSED_UNCORRECTED never do); the state filter
  is written out so the (center, state) index of the cases narrows the scan.
- **Valid evaluation**: status ≠ excluded and no parent (a 追评 is shown, not counted).

| KPI | numerator | denominator |
|---|---|---|
| `evaluation_rate` 办件评价率 | completed cases with a valid evaluation | completed cases |
| `unrated_rate` 未评价率 | completed cases without a valid evaluation (1 − 办件评价率) | completed cases |
| `item_coverage` 事项评价覆盖率 | items with a valid evaluation of a case completed in P | items with a case completed in P |
| `good_rate` 好评率 | valid evaluations rated in P with level ≥ 3 | valid evaluations rated in P |
| `bad_rate` 差评率 | valid evaluations rated in P with level ≤ 2 | valid evaluations rated in P |
| `callback_rate` 实名差评回访整改率 | of the denominator, replied and called back | real-name bad reviews received in P, not excluded |
| `on_time_rate` 差评按时整改率 | of the denominator, first replied by the first-round feedback due | bad reviews whose first-round feedback due ∈ P, not excluded |
| `reply_satisfaction` 回复满意率 | of the denominator, last reply rating 满意 / 基本满意 | bad reviews received in P with a reply rating, not excluded |

"Replied and called back": the latest reply was called back, i.e. the order is CLOSED or
ESCALATED (督办 after the last dissatisfied call-back) with the rating recorded, or unreachable
after the set attempts. A reopened order counts again once its new reply is called back. The last
reply rating is the column `reply_rating` (a new reply keeps the previous round's rating until the
next call-back). An excluded order (appeal upheld) or excluded evaluation never counts.

Cuts: an evaluation by its own agency, window, staff and item (三对应); a work order by its
responsible agency, window and staff (谁办理谁负责) and its evaluation's item; a case by its item,
the item's agency, its window and the staff member who received it (else its first staff member).

Speed at city scale (5,000,000 evaluations and 100,000 bad reviews a year): every figure is one
aggregate query over rows found through an index on (center, date) — evaluations
(center, business_date), work orders (center, received_on) and (center, first_feedback_due), cases
(center, state) then `completed_on` — so a center-month reads only that center-month's rows (or
the center's completed cases for the case-based figures), never the year. `bench/benchmarks/kpi.py`
measures each figure on a generated year; no daily rollup table is kept because the measured
scans stay well under a second (see docs/benchmarks.md), and a rollup would have to be corrected
for every later appeal, exclusion and call-back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from yimen.cases.constants import CaseState
from yimen.cases.models import Case

from .constants import BAD_LEVEL, SATISFIED_RATINGS, EvaluationStatus, ReviewState
from .models import BadReview, Evaluation

COMPLETED_STATES = (CaseState.COMPLETED, CaseState.DELIVERED)  # the only states with a completed_on


@dataclass(frozen=True)
class Scope:
    """A center, a half-open period [start, end) of local dates and an optional cut."""

    center_id: int
    start: date
    end: date
    agency_id: int | None = None
    window_id: int | None = None
    staff_id: int | None = None
    item_id: int | None = None

    def cut_query(self) -> dict:
        return {k: v for k, v in (("agency", self.agency_id), ("window", self.window_id), ("staff", self.staff_id),
                                  ("item", self.item_id)) if v}


def month(year: int, month_no: int) -> tuple[date, date]:
    """The half-open period of a calendar month."""
    start = date(year, month_no, 1)
    end = date(year + (month_no == 12), month_no % 12 + 1, 1)
    return start, end


@dataclass(frozen=True)
class Kpi:
    name: str
    label: str
    model: str  # "case", "evaluation", "bad_review", "item"
    numerator: int
    denominator: int

    @property
    def ratio(self) -> Decimal | None:
        """The rate in percent, rounded to one decimal; None when the denominator is empty."""
        if not self.denominator:
            return None
        return (Decimal(self.numerator) * 100 / Decimal(self.denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP)


# --- the record sets ---------------------------------------------------------------------------------

def valid_evaluations() -> QuerySet:
    return Evaluation.objects.filter(parent__isnull=True).exclude(status=EvaluationStatus.EXCLUDED)


def completed_cases(scope: Scope) -> QuerySet:
    rows = Case.objects.filter(center_id=scope.center_id, state__in=COMPLETED_STATES,
                               completed_on__gte=scope.start, completed_on__lt=scope.end)
    if scope.item_id:
        rows = rows.filter(item_id=scope.item_id)
    if scope.agency_id:
        rows = rows.filter(item__agency_id=scope.agency_id)
    if scope.window_id:
        rows = rows.filter(window_id=scope.window_id)
    if scope.staff_id:
        rows = rows.filter(Q(receiver_id=scope.staff_id) | Q(receiver__isnull=True, first_staff_id=scope.staff_id))
    return rows


def _rated():
    return Exists(valid_evaluations().filter(case_id=OuterRef("pk")))


def rated_cases(scope: Scope) -> QuerySet:
    return completed_cases(scope).filter(_rated())


def unrated_cases(scope: Scope) -> QuerySet:
    return completed_cases(scope).exclude(_rated())


def evaluations(scope: Scope) -> QuerySet:
    """Valid evaluations rated in P."""
    return valid_evaluations().filter(center_id=scope.center_id, business_date__gte=scope.start,
                                      business_date__lt=scope.end, **scope.cut_query())


def _reviews(scope: Scope, date_field: str) -> QuerySet:
    rows = BadReview.objects.filter(center_id=scope.center_id, **{f"{date_field}__gte": scope.start,
                                                                   f"{date_field}__lt": scope.end})
    rows = rows.exclude(state=ReviewState.EXCLUDED).exclude(evaluation__status=EvaluationStatus.EXCLUDED)
    for key in ("agency", "window", "staff"):
        if getattr(scope, f"{key}_id"):
            rows = rows.filter(**{f"{key}_id": getattr(scope, f"{key}_id")})
    if scope.item_id:
        rows = rows.filter(evaluation__item_id=scope.item_id)
    return rows


def callback_denominator(scope: Scope) -> QuerySet:
    return _reviews(scope, "received_on").filter(real_name=True)


def callback_numerator(scope: Scope) -> QuerySet:
    return callback_denominator(scope).filter(
        Q(state__in=(ReviewState.CLOSED, ReviewState.ESCALATED), called_back_at__isnull=False)
        & (~Q(reply_rating="") | Q(unreachable=True)))


def on_time_denominator(scope: Scope) -> QuerySet:
    return _reviews(scope, "first_feedback_due")


def on_time_numerator(scope: Scope) -> QuerySet:
    from django.db.models import F

    return on_time_denominator(scope).filter(first_replied_on__isnull=False,
                                             first_replied_on__lte=F("first_feedback_due"))


def satisfaction_denominator(scope: Scope) -> QuerySet:
    return _reviews(scope, "received_on").exclude(reply_rating="")


def satisfaction_numerator(scope: Scope) -> QuerySet:
    return satisfaction_denominator(scope).filter(reply_rating__in=sorted(SATISFIED_RATINGS))


def items_completed(scope: Scope) -> QuerySet:
    """Item ids with a case completed in P."""
    return completed_cases(scope).values("item_id").distinct()


def items_rated(scope: Scope) -> QuerySet:
    return rated_cases(scope).values("item_id").distinct()


# name -> (label, model, numerator records, denominator records)
DEFINITIONS = {
    "evaluation_rate": (_("Evaluation rate (办件评价率)"), "case", rated_cases, completed_cases),
    "unrated_rate": (_("Unrated rate (未评价率)"), "case", unrated_cases, completed_cases),
    "item_coverage": (_("Item evaluation coverage (事项评价覆盖率)"), "item", items_rated, items_completed),
    "good_rate": (_("Good rating rate (好评率)"), "evaluation",
                  lambda s: evaluations(s).filter(level__gt=BAD_LEVEL), evaluations),
    "bad_rate": (_("Bad rating rate (差评率)"), "evaluation",
                 lambda s: evaluations(s).filter(level__lte=BAD_LEVEL), evaluations),
    "callback_rate": (_("Real-name bad reviews called back (实名差评回访整改率)"), "bad_review",
                      callback_numerator, callback_denominator),
    "on_time_rate": (_("Bad reviews rectified on time (差评按时整改率)"), "bad_review",
                     on_time_numerator, on_time_denominator),
    "reply_satisfaction": (_("Reply satisfaction (回复满意率)"), "bad_review",
                           satisfaction_numerator, satisfaction_denominator),
}


def records(scope: Scope, name: str, part: str) -> QuerySet:
    """The records behind one figure: `part` is "numerator" or "denominator"."""
    _label, _model, num, den = DEFINITIONS[name]
    return (num if part == "numerator" else den)(scope)


def kpi(scope: Scope, name: str) -> Kpi:
    label, model, num, den = DEFINITIONS[name]
    if name == "unrated_rate":  # 1 − 办件评价率: one count less
        total = den(scope).count()
        return Kpi(name, str(label), model, total - rated_cases(scope).count(), total)
    return Kpi(name, str(label), model, num(scope).count(), den(scope).count())


def evaluation_counts(scope: Scope) -> dict:
    """好评率 and 差评率 in one pass: {"total", "good", "bad"}."""
    from django.db.models import Count

    row = evaluations(scope).aggregate(total=Count("pk"), bad=Count("pk", filter=Q(level__lte=BAD_LEVEL)))
    return {"total": row["total"], "bad": row["bad"], "good": row["total"] - row["bad"]}


def all_kpis(scope: Scope) -> list[Kpi]:
    """Every figure of the page, each count read once: 好评率 and 差评率 share one pass, 未评价率 is
    办件评价率's complement over the same completed cases."""
    counts = evaluation_counts(scope)
    result = []
    for name in DEFINITIONS:
        if name == "good_rate":
            result.append(Kpi(name, str(DEFINITIONS[name][0]), "evaluation", counts["good"], counts["total"]))
        elif name == "bad_rate":
            result.append(Kpi(name, str(DEFINITIONS[name][0]), "evaluation", counts["bad"], counts["total"]))
        elif name == "unrated_rate":
            rated = next(k for k in result if k.name == "evaluation_rate")
            result.append(Kpi(name, str(DEFINITIONS[name][0]), "case", rated.denominator - rated.numerator,
                              rated.denominator))
        else:
            result.append(kpi(scope, name))
    return result
