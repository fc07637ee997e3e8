"""Appointments API (`/api/v1/appointments/`)."""

from ninja import Router

router = Router(tags=["appointments"])
