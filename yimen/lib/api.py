"""Shared API pieces: the error schema every router uses."""

from ninja import Schema, Status


class ErrorOut(Schema):
    detail: str
    code: str


def error(status: int, code: str, detail: str) -> Status:
    """Return value for a ninja view: a 4xx with {"detail": reason, "code": stable code}."""
    return Status(status, {"detail": str(detail), "code": code})
