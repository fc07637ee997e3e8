"""Catalogue search: Chinese text, pinyin initials (`yyzz` finds 营业执照), full pinyin, small typos.

The index lives in process memory and is rebuilt when the catalogue version moves (checked at
most every `SEARCH_INDEX_RECHECK_SECONDS`). Each entry carries the summary fields of a result
list, so searching and browsing answer without touching the database. Matching runs in two phases:

1. exact: substring search over one joined string per field (name, keywords, code, full pinyin,
   initials) — `str.find` in C, well under a millisecond for 10,000 items. A Chinese query is
   also matched by its pinyin, so a homophone typo (营叶执照) still finds 营业执照;
2. fuzzy, only when the exact phase finds few items: the share of the query's character bigrams
   (Chinese, at least half) or letter trigrams (latin queries, at least 60 %) an item contains.
   A Chinese query is not fuzzy-matched by pinyin: its exact pinyin already covers homophones,
   and loose pinyin would match everything that shares a syllable.

Ranked results are kept in a small LRU per index (`SEARCH_RESULT_CACHE_SIZE`); the index is
immutable, so they never go stale.
"""

from __future__ import annotations

import heapq
import re
import threading
import time
from bisect import bisect_right
from collections import Counter as Tally
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings

from yimen.lib.pinyin import pinyin_forms

from .constants import ItemStatus

_CJK = re.compile(r"[\u3400-\u9fff]")
_SPACE = re.compile(r"\s+")
_LETTERS = re.compile(r"[^a-z0-9]")
SEP = "\x1f"
MAX_HITS = 500
FIELD_WEIGHTS = {"name": 10.0, "code": 9.0, "initials": 8.0, "pinyin": 7.0, "keywords": 6.0}


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    code: str
    name: str
    agency_id: int
    audience: str
    keywords: str
    pinyin: str  # space-separated words
    initials: str  # space-separated words
    agency_name: str = ""
    case_type: str = ""
    promised_limit: int = 0
    promised_unit: str = "WD"
    visits_required: int = 0
    online_depth: int = 1
    agency_sort: int = 0

    def summary(self, score: float | None = None) -> dict:
        """The result-list form of an item: the API's `ItemSummary` and the list templates."""
        return {
            "code": self.code, "name": self.name, "agency": self.agency_name, "audience": self.audience,
            "case_type": self.case_type, "promised_limit": self.promised_limit,
            "promised_unit": self.promised_unit, "visits_required": self.visits_required,
            "online_depth": self.online_depth, "score": score,
        }


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    score: float


class _Field:
    """One field of every entry joined into one string, with entry offsets for bisect."""

    def __init__(self, values: list[str]):
        self.starts: list[int] = []
        pos = 0
        for v in values:
            self.starts.append(pos)
            pos += len(v) + 1
        self.text = SEP.join(values)

    def find_all(self, needle: str) -> dict[int, int]:
        """entry index -> position of the first match inside that entry's value."""
        found: dict[int, int] = {}
        if not needle:
            return found
        text, starts = self.text, self.starts
        last = len(starts) - 1
        i = text.find(needle)
        while i != -1:
            k = bisect_right(starts, i) - 1
            found[k] = i - starts[k]
            if k == last:
                break
            i = text.find(needle, starts[k + 1])  # one match per entry is enough
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
        # tie-break among equal scores: shorter (more specific) names first, then by code
        by_name = sorted(range(len(entries)), key=lambda k: (len(entries[k].name), entries[k].code))
        self.order = [0] * len(entries)
        for rank, k in enumerate(by_name):
            self.order[k] = rank
        self.cjk_grams: dict[str, list[int]] = {}
        self.latin_grams: dict[str, list[int]] = {}
        for k, e in enumerate(entries):
            text = _SPACE.sub("", e.name + e.keywords)
            for g in _grams(text, 2) | set(text):
                self.cjk_grams.setdefault(g, []).append(k)
            for g in {g for word in e.pinyin.split() for g in _grams(word, 3)}:
                self.latin_grams.setdefault(g, []).append(k)
        self._results: OrderedDict[str, list[tuple[int, float]]] = OrderedDict()
        self._results_lock = threading.Lock()

    def search(self, query: str, *, limit: int = 20) -> list[Hit]:
        """The best `limit` hits for `query`."""
        return [Hit(self.entries[k], s) for k, s in self.ranked(query)[:limit]]

    def ranked(self, query: str) -> list[tuple[int, float]]:
        """Every matching entry as (entry index, score), best first, at most MAX_HITS."""
        q = _SPACE.sub("", (query or "").strip().lower())
        if not q:
            return []
        with self._results_lock:
            cached = self._results.get(q)
            if cached is not None:
                self._results.move_to_end(q)
                return cached
        result = self._rank(q)
        size = settings.SEARCH_RESULT_CACHE_SIZE
        if size > 0:
            with self._results_lock:
                self._results[q] = result
                while len(self._results) > size:
                    self._results.popitem(last=False)
        return result

    def _rank(self, q: str, min_exact: int = 5) -> list[tuple[int, float]]:
        scores: dict[int, float] = {}
        is_cjk = bool(_CJK.search(q))
        latin = _LETTERS.sub("", pinyin_forms(q)[0] if is_cjk else q)

        def add(field: str, needle: str, weight: float) -> None:
            for k, pos in self.fields[field].find_all(needle).items():
                score = weight + (1.0 if pos == 0 else 0.0)
                if score > scores.get(k, 0.0):
                    scores[k] = score

        add("name", q, FIELD_WEIGHTS["name"])
        add("keywords", q, FIELD_WEIGHTS["keywords"])
        add("code", q, FIELD_WEIGHTS["code"])
        if len(latin) >= 2:
            add("pinyin", latin, FIELD_WEIGHTS["pinyin"] - (0.5 if is_cjk else 0.0))
            if not is_cjk:
                add("initials", latin, FIELD_WEIGHTS["initials"])
        if len(scores) < min_exact:
            if is_cjk:
                self._share(_grams(q, 2) if len(q) > 1 else {q}, self.cjk_grams, scores, 5.0, 0.5)
            elif len(latin) >= 4:
                self._share(_grams(latin, 3), self.latin_grams, scores, 4.0, 0.6)
        order = self.order
        best = heapq.nsmallest(MAX_HITS, scores.items(), key=lambda kv: order[kv[0]] - kv[1] * 1e7)
        return [(k, round(s, 3)) for k, s in best]

    @staticmethod
    def _share(grams: set[str], postings: dict[str, list[int]], scores: dict[int, float],
               weight: float, threshold: float) -> None:
        if not grams:
            return
        tally: Tally[int] = Tally()
        for g in grams:
            tally.update(postings.get(g, ()))
        need = threshold * len(grams)
        per_gram = weight / len(grams)
        for k, c in tally.items():
            if c >= need and c * per_gram > scores.get(k, 0.0):
                scores[k] = c * per_gram


_lock = threading.Lock()
_index: SearchIndex | None = None
_checked_at = 0.0


def build_index(version: int) -> SearchIndex:
    from .models import ServiceItem

    rows = ServiceItem.objects.filter(status=ItemStatus.ACTIVE).order_by().values_list(
        "id", "code", "name", "agency_id", "audience", "keywords", "search_pinyin", "search_initials",
        "agency__name", "case_type", "promised_limit", "promised_unit", "visits_required", "online_depth",
        "agency__sort")
    return SearchIndex([Entry(*r) for r in rows], version)


def get_index() -> SearchIndex:
    """The current index; the catalogue version is read at most every SEARCH_INDEX_RECHECK_SECONDS."""
    from .services import catalog_version

    global _index, _checked_at
    idx = _index
    now = time.monotonic()
    if idx is not None and now - _checked_at < settings.SEARCH_INDEX_RECHECK_SECONDS:
        return idx
    version = catalog_version()
    _checked_at = now
    if idx is None or idx.version != version:
        with _lock:
            if _index is None or _index.version != version:
                _index = build_index(version)
            idx = _index
    return idx


def search_items(query: str, *, limit: int = 20) -> list[Hit]:
    return get_index().search(query, limit=limit)


def filter_entries(entries, *, agency_id: int | None = None, audience: str = "", ids: set[int] | None = None):
    """Keep the entries of one agency, one audience (items for both audiences always pass) or an id set."""
    return [
        e for e in entries
        if (agency_id is None or e.agency_id == agency_id)
        and (not audience or e.audience in (audience, "both"))
        and (ids is None or e.id in ids)
    ]


def browse(*, agency_id: int | None = None, audience: str = "", ids: set[int] | None = None) -> list[Entry]:
    """Active items for a listing page, in agency order then code."""
    entries = filter_entries(get_index().entries, agency_id=agency_id, audience=audience, ids=ids)
    return sorted(entries, key=lambda e: (e.agency_sort, e.code))
