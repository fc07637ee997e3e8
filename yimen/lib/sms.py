"""Outgoing SMS behind a small pluggable interface (evaluation links, reminders).

`SMS_BACKEND` (a dotted path, read with a default) picks the backend:

- `yimen.lib.sms.ConsoleBackend` (default): logs the message, the phone number masked;
- `yimen.lib.sms.FileBackend`: appends one JSON line per message to `VAR_DIR/sms/outbox.jsonl`
  (`SMS_FILE_PATH` overrides the file), the phone number masked, for development and tests;
- a gateway: any class with `send(phone, text) -> None` raising `SmsError` on failure.

A phone number never reaches a log line or the outbox in clear (a11y-security.md S24).
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from yimen.lib.masking import mask_phone, mask_text

__all__ = ["ConsoleBackend", "FileBackend", "SmsBackend", "SmsError", "get_backend", "send_sms"]

log = logging.getLogger("yimen.sms")


class SmsError(Exception):
    """The gateway refused or could not be reached."""


class SmsBackend:
    def send(self, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleBackend(SmsBackend):
    def send(self, phone: str, text: str) -> None:
        log.warning("SMS to %s: %s", mask_phone(phone), mask_text(text))


class FileBackend(SmsBackend):
    _lock = threading.Lock()

    def path(self) -> Path:
        configured = getattr(settings, "SMS_FILE_PATH", "")
        return Path(configured) if configured else Path(settings.VAR_DIR) / "sms" / "outbox.jsonl"

    def send(self, phone: str, text: str) -> None:
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"at": timezone.now().isoformat(), "to": mask_phone(phone), "text": mask_text(text)},
                          ensure_ascii=False)
        with self._lock, path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")


def get_backend() -> SmsBackend:
    return import_string(getattr(settings, "SMS_BACKEND", "yimen.lib.sms.ConsoleBackend"))()


def send_sms(phone: str, text: str) -> None:
    if not (phone or "").strip():
        raise SmsError("no phone number")
    get_backend().send(phone.strip(), text)
