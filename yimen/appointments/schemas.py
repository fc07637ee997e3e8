"""Request and response shapes of the appointments API (api.py). Responses carry personal data
masked only (name 张*, phone 138****5678, ID first 6 and last 4)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema


class SlotOut(Schema):
    start: datetime
    end: datetime
    free: int


class DayOut(Schema):
    date: date
    free: int
    slots: list[SlotOut]


class MaterialOut(Schema):
    name: str
    necessity: str
    necessity_label: str
    kind: str
    copies: int


class TicketRef(Schema):
    label: str
    token: str
    priority: str


class BookingOut(Schema):
    code: str
    state: str
    state_label: str
    center: str
    center_name: str
    item: str
    item_name: str
    situation: str | None
    date: date
    slot_start: datetime
    slot_end: datetime
    name: str = Field(description="Masked")
    phone: str = Field(description="Masked")
    id_number: str = Field(description="Masked: first 6 and last 4")
    materials: list[MaterialOut]
    manage_url: str
    checkin_opens: datetime
    checkin_closes: datetime
    ticket: TicketRef | None


class BookIn(Schema):
    center: str = Field(max_length=30, description="Center code")
    item: str = Field(max_length=64, description="Service item code")
    situation: str | None = Field(None, max_length=20, description="Situation code of the item")
    slot_start: datetime = Field(description="The start of a slot listed by the slot search")
    name: str = Field(max_length=100)
    id_number: str = Field(max_length=30, description="ID number (GB 11643) or unified social credit code (GB 32100)")
    applicant_type: Literal["person", "organisation"] | None = None
    phone: str = Field(max_length=20)
    channel: Literal["web", "phone", "internal"] = "web"


class RescheduleIn(Schema):
    slot_start: datetime


class CheckInIn(Schema):
    code: str = Field("", max_length=200, description="The booking code, or what the scanner read from its QR code")
    id_number: str = Field("", max_length=30)


class WaitlistIn(BookIn):
    """Join the waitlist of a full slot (the booking's fields)."""


class WaitlistOut(Schema):
    code: str
    state: str
    state_label: str
    center: str
    item: str
    slot_start: datetime
    slot_end: datetime
    position: int = Field(description="Place in line while waiting (1 = first); 0 otherwise")
    offer_until: datetime | None = Field(description="While a place is offered: until when it is held")
    booking: str | None = Field(description="The booking code once the offer was accepted")
    name: str = Field(description="Masked")
    phone: str = Field(description="Masked")
