"""Shared API pieces: the error schema every router uses, and the plain JSON answer of hot paths."""

from django.http import JsonResponse

from ninja import Schema, Status


class ErrorOut(Schema):
    detail: str
    code: str


def error(status: int, code: str, detail: str) -> Status:
    """Return value for a ninja view: a 4xx with {"detail": reason, "code": stable code}."""
    return Status(status, {"detail": str(detail), "code": code})


def json_response(body: dict | list, status: int = 200) -> JsonResponse:
    """A hot path's answer as JSON of its documented schema, without pydantic validating what the
    code built itself (that cost more than the work on catalog search and window calls; a test per
    endpoint checks the shape against the schema)."""
    return JsonResponse(body, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
