"""Evaluations API (`/api/v1/evaluations/`)."""

from ninja import Router

router = Router(tags=["evaluations"])
