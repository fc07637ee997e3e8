"""Pinyin forms of Chinese text for search: full pinyin and initials, lower-case, no tones."""

from __future__ import annotations

import re
from functools import lru_cache

_NON_WORD = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=4096)
def pinyin_forms(text: str) -> tuple[str, str]:
    """('yingyezhizhao sheliDengji…', 'yyzz…') for '营业执照 设立登记'; words separated by one space."""
    from pypinyin import Style, lazy_pinyin

    words = [w for w in re.split(r"[\s，,、（）()·/]+", text or "") if w]
    full, initials = [], []
    for word in words:
        syllables = [s.lower() for s in lazy_pinyin(word, style=Style.NORMAL, errors="default")]
        full.append(_NON_WORD.sub("", "".join(syllables)))
        initials.append(_NON_WORD.sub("", "".join(s[:1] for s in syllables if s)))
    return " ".join(w for w in full if w), " ".join(w for w in initials if w)
