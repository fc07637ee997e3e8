"""Checksums of Chinese identity codes.

- GB 11643-1999: the 18-character citizen identity number (公民身份号码), ISO 7064 MOD 11-2.
- GB 32100-2015: the 18-character unified social credit code (统一社会信用代码), MOD 31.
"""

from __future__ import annotations

import re
from datetime import date

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def normalize_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def id_number_check_digit(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_id_number(value: str) -> bool:
    """True for a well-formed 18-digit identity number with a real birth date and a correct check digit."""
    v = normalize_id_number(value)
    if not _ID_RE.match(v):
        return False
    try:
        born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return False
    if born.year < 1890:
        return False
    return id_number_check_digit(v[:17]) == v[17]


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def is_valid_credit_code(value: str) -> bool:
    """True for a unified social credit code with a correct GB 32100 check character."""
    v = normalize_id_number(value)
    if not _USCC_RE.match(v):
        return False
    return uscc_check_char(v[:17]) == v[17]
