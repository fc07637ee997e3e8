"""Half-open time intervals [start, end) as sorted, disjoint lists: pure helpers for on-post time
and coverage. Works with any ordered values that subtract (aware datetimes in the hall)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

Span = tuple[datetime, datetime]


def normalise(spans: Iterable[Span]) -> list[Span]:
    """Sorted, merged, without empty spans."""
    out: list[Span] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def union(*groups: Iterable[Span]) -> list[Span]:
    return normalise(s for group in groups for s in group)


def subtract(spans: Iterable[Span], holes: Iterable[Span]) -> list[Span]:
    """`spans` minus `holes`."""
    result: list[Span] = []
    holes = normalise(holes)
    for start, end in normalise(spans):
        cursor = start
        for h_start, h_end in holes:
            if h_end <= cursor or h_start >= end:
                continue
            if h_start > cursor:
                result.append((cursor, h_start))
            cursor = max(cursor, h_end)
            if cursor >= end:
                break
        if cursor < end:
            result.append((cursor, end))
    return result


def intersect(spans: Iterable[Span], window: Iterable[Span]) -> list[Span]:
    """The parts of `spans` inside `window`."""
    a, b = normalise(spans), normalise(window)
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def total_seconds(spans: Iterable[Span]) -> float:
    return sum((end - start).total_seconds() for start, end in normalise(spans))
