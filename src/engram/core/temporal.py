"""Time in search: the times a query names or asks for, the times a memory states, and how
well they meet.

A query's times are resolved against the moment of the search ("last May", "in 2022",
"two weeks before 11 August 2023"); a memory's against its own time (``valid_at``, which
``timestamp=`` on ``add`` sets), so "I went to the support group yesterday", said on 8 May
2023, is about 7 May 2023. The grammar is ``engram.core.timegrammar``. A query may also
(1) name an event instead of a time ("what did Maya do after the wedding?"): search finds the
event among the memories and takes its time; (2) ask for a time ("when did ...", "how long
ago ..."): memories that state one answer it better than memories that only mention the topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from engram.core.records import MemoryRecord
from engram.core.timegrammar import MAX_CHARS, EventRef, scan
from engram.core.timegrammar.vocabulary import COUNT, MONTH_FULL, UNIT, WEEKDAY
from engram.core.timeutil import EARLIEST, LATEST, to_iso

#: A question that asks for a time: "when ...", "what year / month / date ...", "how long ...",
#: "since when", "how many days / weeks ... ago", "what was the date of ...". The question
#: word opens the query or a clause, after a preposition or not ("in which year", "by when").
_ASKS_WHEN = re.compile(
    r"(?:^|[,;:]\s*|\b(?:and|so|then|but)\s+)(?:(?:on|in|at|during|around|about|by|until|till"
    r"|from|since|for|roughly|approximately)\s+)?(?:when\b|how long\b"
    r"|(?:what|which)\s+(?:year|month|day|date|time|week|weekend|season)\b"
    r"|(?:what|which)(?:\s+(?:is|was|were)|'s)\s+the\s+(?:date|year)(?![\w-])"
    r"|how many\s+(?:years|months|weeks|days|hours)\b)",
    re.IGNORECASE,
)


#: Times that name no single range but answer "when" / "how long": a recurrence ("every
#: Tuesday", "twice a week", "on Mondays") or a duration ("forty minutes", "for 3 years").
_RECURS_OR_LASTS = re.compile(
    rf"\b(?:(?:every|each)\s+(?:other\s+|single\s+)?(?:{WEEKDAY}|day|night|morning|evening"
    rf"|afternoon|week|weekend|month|year|spring|summer|autumn|fall|winter|\w+\s+(?:days|weeks"
    rf"|months|years))|(?:mon|tues|wednes|thurs|fri|satur|sun)days|daily|nightly|weekly|fortnightly|monthly|yearly"
    rf"|annually|(?:once|twice|\w+ times)\s+a\s+(?:day|week|month|year)"
    rf"|{COUNT}\s+{UNIT})\b",
    re.IGNORECASE,
)

#: A time of year named on its own, with no year to place it ("my favourite season is autumn",
#: "I love the summertime"): it answers "when" / "which time of year" as a recurrence does.
#: "spring" and "fall" are read only after "season ... is/was", as words they are mostly
#: something else; a month only after "month ... is/was" ("June" and "April" are names too,
#: and the grammar reads "in June").
_TIME_OF_YEAR = re.compile(
    r"\b(?:(?:summer|autumn|winter)(?:s|time)?|springtime)\b"
    r"|\bseasons?\s+(?:is|was|are|were)\s+(?:spring|fall)\b"
    rf"|\bmonths?\s+(?:is|was|are|were)\s+{MONTH_FULL}\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A half-open UTC interval ``[start, end)``, with the words that named it.

    An open end is ``timeutil.EARLIEST`` / ``LATEST`` ("before 2020", "after June").
    """

    start: datetime
    end: datetime
    text: str

    def contains(self, iso: str | None) -> bool:
        """Whether a stored ISO timestamp falls inside the range."""
        return iso is not None and to_iso(self.start) <= iso < to_iso(self.end)

    @property
    def bounded(self) -> bool:
        """Both ends are known."""
        return self.start != EARLIEST and self.end != LATEST

    def share_of(self, other: TimeRange) -> float:
        """How much of ``other`` (bounded) lies inside this range, from 0 to 1."""
        if not other.bounded or other.end <= other.start:
            return 0.0
        inside = min(self.end, other.end) - max(self.start, other.start)
        return max(0.0, inside / (other.end - other.start))


@dataclass(frozen=True, slots=True)
class QueryTimes:
    """What a query says about time."""

    ranges: tuple[TimeRange, ...] = ()
    events: tuple[EventRef, ...] = ()
    asks_when: bool = False

    def __bool__(self) -> bool:
        return bool(self.ranges or self.events or self.asks_when)


def find_time_ranges(text: str, now: datetime | None = None) -> list[TimeRange]:
    """Every range ``text`` names, in order, resolved against ``now`` (default: this moment)."""
    anchor = (now or datetime.now(UTC)).astimezone(UTC)
    return [TimeRange(f.span[0], f.span[1], f.text) for f in scan(text, anchor)[0]]


def read_query(query: str, now: datetime | None = None) -> QueryTimes:
    """The ranges and events a query names, and whether it asks for a time."""
    anchor = (now or datetime.now(UTC)).astimezone(UTC)
    found, events = scan(query, anchor)
    return QueryTimes(
        tuple(TimeRange(f.span[0], f.span[1], f.text) for f in found),
        tuple(events),
        bool(_ASKS_WHEN.search(query[:MAX_CHARS])),
    )


def said_at(record: MemoryRecord) -> str:
    """The memory's own time: when it held (``valid_at``), else when it was stored."""
    return record.valid_at or record.created_at


def stated_times(record: MemoryRecord) -> tuple[TimeRange, ...]:
    """The times a memory's text names, resolved against the memory's own time."""
    return _stated(record.text[:MAX_CHARS], said_at(record))


#: Memories whose times are kept (texts are cut to ``MAX_CHARS`` first: the cache's size is
#: bounded in bytes too).
_CACHED = 8192


@lru_cache(maxsize=_CACHED)
def _stated(text: str, anchor_iso: str) -> tuple[TimeRange, ...]:
    try:
        anchor = datetime.fromisoformat(anchor_iso)
    except ValueError:
        return ()
    found, _ = scan(text, anchor.astimezone(UTC) if anchor.tzinfo else anchor.replace(tzinfo=UTC))
    return tuple(TimeRange(f.span[0], f.span[1], f.text) for f in found)


def states_time(record: MemoryRecord) -> bool:
    """Whether the memory's text names a time, a recurrence or a duration (answers "when")."""
    return _states_time(record.text[:MAX_CHARS], said_at(record))


@lru_cache(maxsize=_CACHED)
def _states_time(text: str, anchor_iso: str) -> bool:
    return bool(
        _RECURS_OR_LASTS.search(text) or _TIME_OF_YEAR.search(text) or _stated(text, anchor_iso)
    )


def match(ranges: tuple[TimeRange, ...], record: MemoryRecord) -> float:
    """How well the memory's times fall inside the query's ranges, from 0 to 1.

    1 when the memory was said inside a range, or when a time its text states lies wholly
    inside one; a stated time partly inside counts its share ("last year" meets "in May" by a
    twelfth).
    """
    if not ranges:
        return 0.0
    if any(r.contains(said_at(record)) for r in ranges):
        return 1.0
    stated = stated_times(record)
    return max((r.share_of(s) for r in ranges for s in stated), default=0.0)
