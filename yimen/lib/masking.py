"""Masking of personal data for display and logs (a11y-security.md S15, S24)."""

from __future__ import annotations

import logging
import re

ID_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_id_number(value: str) -> str:
    """Staff view: first 6 and last 4 (birth date hidden)."""
    v = (value or "").strip()
    if len(v) < 10:
        return "*" * len(v)
    return v[:6] + "*" * (len(v) - 10) + v[-4:]


def mask_phone(value: str) -> str:
    v = (value or "").strip()
    if len(v) < 7:
        return "*" * len(v)
    return v[:3] + "****" + v[-4:]


def mask_name(value: str) -> str:
    v = (value or "").strip()
    if not v:
        return ""
    return v[0] + "*" * max(1, len(v) - 1)


def mask_text(text: str) -> str:
    """Mask every ID number and mobile number found in free text."""
    text = ID_NUMBER_RE.sub(lambda m: m.group(1) + "********" + m.group(2), text)
    return PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(2), text)


class MaskPIIFilter(logging.Filter):
    """Logging filter: no full ID number or phone number ever reaches a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
