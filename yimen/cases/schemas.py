"""Request and response shapes of the cases API (api.py). ID numbers leave the server masked."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema


class OpenCaseIn(Schema):
    item: str = Field(max_length=64, description="Service item code")
    situation: str = Field(max_length=20, description="Situation code of the item")
    applicant_type: Literal["person", "organisation"] = "person"
    applicant_name: str = Field(max_length=100)
    id_number: str = Field("", max_length=18, description="GB 11643 (person)")
    credit_code: str = Field("", max_length=18, description="GB 32100 (organisation)")
    phone: str = Field("", max_length=20)
    agent_name: str = Field("", max_length=100)
    agent_id_number: str = Field("", max_length=18)
    ticket: str | None = Field(None, max_length=40, description="Token of the ticket being served")
    window_id: int | None = None
    channel: Literal["window", "online", "help"] = "window"
    receive: bool = Field(False, description="Also receive the case at once (the front desk's usual step): it "
                                             "comes back RECEIVED with its receipt")
    materials: list[int] | None = Field(None, description="With receive: guide material ids handed over "
                                                          "(default: every one not exempt)")


class CorrectionItemIn(Schema):
    material: int = Field(description="Guide material id")
    problem: str = Field(max_length=500)


class ActionIn(Schema):
    """The inputs an action may need; the transition table's guard says which are required."""

    version: int = Field(description="The version the client saw; a stale one is a 409 conflict")
    materials: list[int] | None = Field(None, description="receive: guide material ids received")
    items: list[CorrectionItemIn] | None = Field(None, description="request_correction: every correction")
    reason: str = Field("", max_length=1000, description="request_correction after a first notice: overrides the "
                        "reason of the manager's approval")
    reasons: str = Field("", max_length=2000)
    remedies: str = Field("", max_length=1000)
    outcome: Literal["approved", "partially_approved", "denied"] | None = None
    method: Literal["window", "post", "e_licence"] | None = None
    reason_type: str | None = Field(None, max_length=16, description="suspend: a T11 reason")
    basis: str = Field("", max_length=1000)
    notice_ref: str = Field("", max_length=100)
    approved_by: str = Field("", max_length=100, description="extend: the agency head who approved")
    days: int | None = Field(None, ge=1, le=60, description="extend: working days (default: the item's)")
    legal_cause: str = Field("", max_length=1000)


class ApprovalIn(Schema):
    """A center manager approves one further correction notice for the current submission."""

    reason: str = Field(min_length=1, max_length=300, description="Why a further notice is needed")


class MaterialOut(Schema):
    id: int
    name: str
    necessity: str
    received: bool
    exempt: bool
    exempt_reason: str
    has_file: bool


class EventOut(Schema):
    seq: int
    action: str
    label: str = Field(description="The action in the request's language")
    from_state: str
    to_state: str
    at: datetime
    actor: str | None


class DocumentOut(Schema):
    number: str
    kind: str
    kind_label: str
    issued_at: datetime
    url: str


class CaseOut(Schema):
    number: str
    state: str
    state_label: str
    outcome: str
    version: int
    center: str
    item: str
    item_name: str
    situation: str
    applicant_type: str
    applicant_name: str = Field(description="Masked")
    applicant_id: str = Field(description="ID number or credit code, masked")
    received_at: datetime | None
    accepted_on: date | None
    deemed_accepted: bool
    is_suspended: bool
    correction_notice_due: date | None
    legal_due: date | None
    promised_due: date | None
    delivery_due: date | None
    deadlines_provisional: bool
    sla_status: str = Field(description="Computed on read: ok, warning, due_today, overdue")
    sla_label: str
    materials: list[MaterialOut]
    documents: list[DocumentOut]
    events: list[EventOut]
    actions: list[str] = Field(description="Actions the caller may try now: allowed for the role in this state and not "
                               "ruled out by the case itself (a resume only while suspended, …)")


class WorkItemOut(Schema):
    number: str
    state: str
    state_label: str
    item_name: str
    applicant_name: str = Field(description="Masked")
    due: date | None = Field(description="The due date of the case's worst running deadline (correction notice, "
                                         "legal, promised or delivery)")
    working_days_left: int | None = Field(description="Negative: working days overdue; none while suspended")
    sla_status: str
    sla_label: str
    outcome: str = Field(description="After the decision: approved, partially_approved or denied")
    decided_on: date | None


class StatusOut(Schema):
    """What the applicant sees with the case number and the receipt's verification code."""

    number: str
    item_name: str
    state: str
    state_label: str
    outcome: str
    received_at: datetime | None
    accepted_on: date | None
    promised_due: date | None
    needed: list[str] = Field(description="Materials still to bring (after a correction notice)")
    documents: list[DocumentOut]
