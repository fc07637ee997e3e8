"""Catalogue search: Chinese text, pinyin initials (`yyzz` finds 营业执照), full pinyin, small typos.

The index lives in process memory and is rebuilt when the catalogue version moves (one cheap
query per search tells). Matching runs in two phases:

1. exact: substring search over one joined string per field (name, keywords, full pinyin,
   initials, code) — `str.find` in C, so 10,000 items cost well under a millisecond;
2. fuzzy, only when the exact phase finds few items: character bigrams for Chinese and letter
   trigrams for pinyin, scored by the share of the query's grams an item contains. A Chinese
   query is also matched by its pinyin, so a homophone typo (营叶执照) still finds 营业执照.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from collections import Counter as Tally
from dataclasses import dataclass

from yimen.lib.pinyin import pinyin_forms

from .constants import ItemStatus

_CJK = re.compile(r"[\u3400-\u9fff]")
_SPACE = re.compile(r"\s+")
_LETTERS = re.compile(r"[^a-z0-9]")
SEP = "\x1f"

FIELD_WEIGHTS = {"name": 10.0, "code": 9.0, "initials": 8.0, "keywords": 6.0, "pinyin": 7.0}


@dataclass(frozen=True)
class Entry:
    id: int
    code: str
    name: str
    agency_id: int
    audience: str
    keywords: str
    pinyin: str  # space-separated words
    initials: str  # space-separated words


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float


class _Field:
    """One field of every entry joined into one string, with entry offsets for bisect."""

    def __init__(self, values: list[str]):
        self.starts: list[int] = []
        parts, pos = [], 0
        for v in values:
            self.starts.append(pos)
            parts.append(v)
            pos += len(v) + 1
        self.text = SEP.join(parts)

    def find_all(self, needle: str) -> dict[int, int]:
        """entry index -> position of the first match inside that entry's value."""
        found: dict[int, int] = {}
        if not needle:
            return found
        text, starts, i = self.text, self.starts, self.text.find(needle)
        while i != -1:
            k = bisect_right(starts, i) - 1
            if k not in found:
                found[k] = i - starts[k]
            # jump to the next entry: one match per entry is enough
            nxt = starts[k + 1] if k + 1 < len(starts) else len(text)
            i = text.find(needle, nxt)
        return found


def _grams(s: str, n: int) -> set[str]:
    if len(s) <= n:
        return {s} if s else set()
    return {s[i:i + n] for i in range(len(s) - n + 1)}


class SearchIndex:
    def __init__(self, entries: list[Entry], version: int = 0):
        self.version = version
        self.entries = entries
        self.fields = {
            "name": _Field([e.name.lower() for e in entries]),
            "code": _Field([e.code.lower() for e in entries]),
            "keywords": _Field([e.keywords.lower() for e in entries]),
            "pinyin": _Field([e.pinyin.replace(" ", "") for e in entries]),
            "initials": _Field([e.initials.replace(" ", "") for e in entries]),
        }
        self.cjk_grams: dict[str, list[int]] = {}
        self.latin_grams: dict[str, list[int]] = {}
        for k, e in enumerate(entries):
            text = _SPACE.sub("", e.name + e.keywords)
            for g in _grams(text, 2) | set(text):
                self.cjk_grams.setdefault(g, []).append(k)
            for word in e.pinyin.split():
                for g in _grams(word, 3):
                    self.latin_grams.setdefault(g, []).append(k)

    def search(self, query: str, *, limit: int = 20, min_exact: int = 5) -> list[Hit]:
        q = _SPACE.sub("", (query or "").strip().lower())
        if not q:
            return []
        scores: dict[int, float] = {}
        is_cjk = bool(_CJK.search(q))
        latin = _LETTERS.sub("", pinyin_forms(q)[0] if is_cjk else q)

        def add(field: str, needle: str, weight: float | None = None) -> None:
            w = FIELD_WEIGHTS[field] if weight is None else weight
            for k, pos in self.fields[field].find_all(needle).items():
                bonus = 1.0 if pos == 0 else 0.0
                scores[k] = max(scores.get(k, 0.0), w + bonus)

        add("name", q)
        add("keywords", q)
        add("code", q)
        if latin and len(latin) >= 2:
            add("pinyin", latin, 7.0 if not is_cjk else 6.5)
            add("initials", latin)
        if len(scores) < min_exact:
            self._fuzzy(q, latin, is_cjk, scores)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], len(self.entries[kv[0]].name), self.entries[kv[0]].code))
        return [Hit(self.entries[k], round(s, 3)) for k, s in ranked[:limit]]

    def _fuzzy(self, q: str, latin: str, is_cjk: bool, scores: dict[int, float]) -> None:
        if is_cjk:
            grams = _grams(q, 2) if len(q) > 1 else {q}
            self._share(grams, self.cjk_grams, scores, weight=5.0, threshold=0.5)
        if len(latin) >= 4:
            self._share(_grams(latin, 3), self.latin_grams, scores, weight=4.0, threshold=0.6)

    def _share(self, grams: set[str], postings: dict[str, list[int]], scores: dict[int, float], *,
               weight: float, threshold: float) -> None:
        if not grams:
            return
        tally: Tally[int] = Tally()
        for g in grams:
            tally.update(postings.get(g, ()))
        n = len(grams)
        for k, c in tally.items():
            share = c / n
            if share >= threshold:
                scores[k] = max(scores.get(k, 0.0), weight * share)


_lock = threading.Lock()
_index: SearchIndex | None = None


def build_index(version: int) -> SearchIndex:
    from .models import ServiceItem

    rows = ServiceItem.objects.filter(status=ItemStatus.ACTIVE).values_list(
        "id", "code", "name", "agency_id", "audience", "keywords", "search_pinyin", "search_initials")
    return SearchIndex([Entry(*r) for r in rows], version)


def get_index() -> SearchIndex:
    from .services import catalog_version

    global _index
    version = catalog_version()
    idx = _index
    if idx is None or idx.version != version:
        with _lock:
            if _index is None or _index.version != version:
                _index = build_index(version)
            idx = _index
    return idx


def search_items(query: str, *, limit: int = 20) -> list[Hit]:
    return get_index().search(query, limit=limit)
