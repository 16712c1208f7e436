"""Time expressions in queries ("in 2022", "last May", "two weeks ago") as UTC ranges.

Search uses them to favour memories whose ``valid_at`` falls inside the range the query names.
Relative expressions are resolved against a reference time (the moment of the search, unless
the caller gives another). Expressions anchored on events ("two weeks before the trip") name
no range here; they are left to the semantic and lexical parts of search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from engram.core.timeutil import to_iso

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "a few": 3, "several": 3,
}  # fmt: skip
_COUNT = r"(\d+|a couple of|a few|several|an?|one|two|three|four|five|six|seven|eight|nine|ten)"
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A half-open UTC interval ``[start, end)``, with the words that named it."""

    start: datetime
    end: datetime
    text: str

    def contains(self, iso: str | None) -> bool:
        """Whether a stored ISO timestamp falls inside the range."""
        return iso is not None and to_iso(self.start) <= iso < to_iso(self.end)


def find_time_ranges(query: str, now: datetime | None = None) -> list[TimeRange]:
    """Every range the query names, most specific first."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    text = query.lower()
    found: list[TimeRange] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match[str], start: datetime, end: datetime) -> None:
        span = match.span()
        if any(a < span[1] and span[0] < b for a, b in taken):
            return  # already covered by a more specific expression
        taken.append(span)
        found.append(TimeRange(start, end, match.group(0).strip()))

    for m in re.finditer(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(\d{{4}})\b", text):
        day = _date(int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)))
        if day:
            add(m, day, day + timedelta(days=1))
    for m in re.finditer(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", text):
        day = _date(int(m.group(3)), _MONTHS[m.group(1)], int(m.group(2)))
        if day:
            add(m, day, day + timedelta(days=1))
    for m in re.finditer(rf"\b{_MONTH},?\s+(\d{{4}})\b", text):
        start = _date(int(m.group(2)), _MONTHS[m.group(1)], 1)
        if start:
            add(m, start, _next_month(start))
    for m in re.finditer(r"\b(?:in|during|since|of|from)\s+((?:19|20)\d{2})\b", text):
        year = int(m.group(1))
        add(m, _utc(year, 1, 1), _utc(year + 1, 1, 1))
    for m in re.finditer(rf"\b(last|this|in|during|past)\s+{_MONTH}\b", text):
        which, month = m.group(1), _MONTHS[m.group(2)]
        if which == "this" or month < now.month or (month == now.month and which != "last"):
            year = now.year
        else:
            year = now.year - 1
        start = _utc(year, month, 1)
        add(m, start, _next_month(start))
    for m in re.finditer(rf"\b{_COUNT}\s+(day|week|month|year)s?\s+ago\b", text):
        days = _NUMBERS.get(m.group(1)) or int(m.group(1))
        centre = now - timedelta(days=days * _UNIT_DAYS[m.group(2)])
        slack = timedelta(days=max(1, _UNIT_DAYS[m.group(2)] // 2))
        add(m, _day(centre - slack), _day(centre + slack) + timedelta(days=1))
    for m in re.finditer(r"\b(yesterday|today|tonight|last night|this morning)\b", text):
        day = _day(now) - timedelta(days=1 if m.group(1) in ("yesterday", "last night") else 0)
        add(m, day, day + timedelta(days=1))
    for m in re.finditer(r"\b(last|this|past)\s+(week|month|year|weekend)\b", text):
        add(m, *_calendar(now, m.group(1), m.group(2)))
    return found


def _calendar(now: datetime, which: str, unit: str) -> tuple[datetime, datetime]:
    """``last/this/past week|weekend|month|year`` relative to ``now``."""
    today = _day(now)
    if which == "past":
        span = {"week": 7, "weekend": 7, "month": 30, "year": 365}[unit]
        return today - timedelta(days=span), today + timedelta(days=1)
    if unit in ("week", "weekend"):
        start = today - timedelta(days=today.weekday() + (7 if which == "last" else 0))
        if unit == "weekend":
            return start + timedelta(days=5), start + timedelta(days=7)
        return start, start + timedelta(days=7)
    if unit == "month":
        first = _utc(today.year, today.month, 1)
        if which == "last":
            first = _utc(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
        return first, _next_month(first)
    year = today.year - (which == "last")
    return _utc(year, 1, 1), _utc(year + 1, 1, 1)


def _utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def _date(year: int, month: int, day: int) -> datetime | None:
    try:
        return _utc(year, month, day)
    except ValueError:
        return None


def _day(moment: datetime) -> datetime:
    return _utc(moment.year, moment.month, moment.day)


def _next_month(first: datetime) -> datetime:
    return _utc(first.year + (first.month == 12), first.month % 12 + 1, 1)
