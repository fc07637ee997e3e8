"""Request and response shapes of the evaluations API (api.py). Evaluator data leaves masked."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema


class SubmitIn(Schema):
    token: str = Field(max_length=400, description="The one-time token of the pad, QR code or SMS link")
    level: int = Field(description="5 very satisfied … 1 very dissatisfied; no default")
    tags: list[str] = Field(default_factory=list, max_length=20,
                            description="Reason tag codes of the center; at least one when level ≤ 2")
    comment: str = Field("", max_length=500)
    sub_scores: dict[str, int] = Field(default_factory=dict,
                                       description="attitude, efficiency, competence, guide_accuracy, convenience: 1–5")
    follow_up: bool = Field(False, description="A follow-up rating (追评) of an earlier one (QR code or SMS link)")


class SubmittedOut(Schema):
    id: int
    level: int
    channel: str
    follow_up: bool
    bad_review: bool = Field(description="A work order was opened (a 差评)")


class TagOut(Schema):
    code: str
    name: str


class VisitOut(Schema):
    ticket: str | None = Field(description="Ticket number (A012)")
    case: str | None = Field(description="Case number")
    item: str | None
    staff: str | None = Field(description="Staff name as shown at the window")
    window: str | None
    ended_at: datetime | None


class PendingOut(Schema):
    visit: VisitOut | None = Field(description="null: nothing to rate right now")
    token: str | None
    expires_at: datetime | None
    tags: list[TagOut]


class VisitInfoOut(Schema):
    visit: VisitOut
    rated: bool
    follow_up_open: bool
    tags: list[TagOut]


class ReviewOut(Schema):
    id: int
    state: str
    state_label: str
    version: int
    round: int
    real_name: bool
    is_complex: bool
    level: int
    tags: list[str]
    comment: str
    evaluator: str = Field(description="Masked name and phone of a real-name evaluator, else empty")
    owner: str | None
    window: str | None
    agency: str | None
    item: str | None
    received_on: date
    contact_due: date | None
    feedback_due: date
    first_feedback_due: date
    callback_due: date | None
    sla_status: str | None
    wd_left: int | None
    verification: str
    reply_text: str
    reply_rating: str
    actions: list[str] = Field(description="Actions of the table this user may try now")


class EventOut(Schema):
    seq: int
    action: str
    from_state: str
    to_state: str
    actor: str | None
    at: datetime
    payload: dict


class ReviewDetailOut(ReviewOut):
    events: list[EventOut]
    attempts: list[dict]
    ledger: list[dict]
    appeals: list[dict]


class ActionIn(Schema):
    version: int = Field(description="The version the client saw; a stale one is a 409 conflict")
    note: str = Field("", max_length=2000)
    channel: Literal["phone", "sms", "visit", "other", ""] = ""
    reached: bool | None = None
    reason: str = Field("", max_length=300)
    verification: str = Field("", max_length=20)
    problem: str = Field("", max_length=300)
    measure: str = Field("", max_length=2000)
    grounds: str = Field("", max_length=20)
    evidence: str = Field("", max_length=2000)
    decision: str = Field("", max_length=20)
    text: str = Field("", max_length=2000)
    rating: str = Field("", max_length=30)
    conclusion: str = Field("", max_length=2000)
