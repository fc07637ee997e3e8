"""Request and response shapes of the queue API (api.py). Public shapes carry no personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema


class ItemRef(Schema):
    code: str
    name: str


class QueueOut(Schema):
    id: int
    prefix: str
    name: str
    waiting: int
    items: list[ItemRef]


class IssueIn(Schema):
    queue_id: int | None = Field(None, description="The queue; or give `center` and `item`")
    center: str | None = Field(None, max_length=30, description="Center code, with `item` instead of `queue_id`")
    item: str | None = Field(None, max_length=64, description="Service item code")
    channel: Literal["kiosk", "phone", "checkin", "staff"] = "phone"
    priority: Literal["normal", "green_channel"] = "normal"
    priority_reason: str = Field("", max_length=60)
    idempotency_key: str | None = Field(None, min_length=8, max_length=64,
                                        description="A random key per attempt (uuid4); a retry gets the same ticket")


class TicketOut(Schema):
    """The citizen's view of a ticket (by its token): no personal data, no priority reason."""

    label: str
    token: str
    state: str
    state_label: str = Field(description="The state (or outcome) in the request's language")
    outcome: str
    queue: str
    queue_name: str
    item: str | None
    priority: str
    people_ahead: int
    window: str | None
    issued_at: datetime
    estimated_wait_seconds: int | None = Field(None, description="Until called; from the simulation of the center "
                                                "(docs/wait-estimate.md); null unless waiting")
    estimated_wait_minutes: int | None = None
    transferred_to: str | None = Field(None, description="Token of the new ticket after a transfer")


class StaffTicketOut(TicketOut):
    window_id: int | None
    channel: str
    priority_reason: str
    recall_count: int
    skip_count: int
    wait_seconds: int | None


class WaitingOut(Schema):
    label: str
    token: str
    queue: str
    priority: str
    priority_reason: str
    slot_start: datetime | None
    wait_started_at: datetime
    overtaken: int
    skip_count: int
    rule: str
    reason: str


class CallIn(Schema):
    label: str = Field(..., min_length=2, max_length=8)


class FinishIn(Schema):
    outcome: str = Field("", max_length=20, description="served or no_show")


class TransferIn(Schema):
    queue_id: int
