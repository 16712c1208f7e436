"""What resolving an expression needs: the anchor and tense (``Context``), a match's groups, and the
calendar reasoning shared by the rules (recurring times, counted distances, parts of periods)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from engram.core.timegrammar.vocabulary import FUTURE, MONTHS, NUMBERS, SENTENCE
from engram.core.timeutil import (
    DAY,
    EARLIEST,
    LATEST,
    add_months,
    day_of,
    easter,
    month_span,
    nth_weekday,
    utc,
    week_start,
    year_span,
)

Span = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Found:
    """One expression: its place in the normalised text, its range and how it was written."""

    start: int
    end: int
    span: Span
    text: str
    #: A time of day was given (a clock time narrows a day; it cannot take part of a period).
    clock: bool = False


@dataclass(frozen=True, slots=True)
class EventRef:
    """'before / after / since / until <event>', where the event is not itself a time."""

    relation: str
    phrase: str
    text: str


@dataclass
class Context:
    """What resolution needs: the anchor, and the tense of each sentence of the text."""

    anchor: datetime
    text: str
    day: datetime = field(init=False)
    _future: list[tuple[int, int, bool]] | None = field(init=False, default=None)
    _starts: list[int] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.day = day_of(self.anchor)

    def future(self, position: int) -> bool:
        """Whether the sentence around ``position`` speaks of the future."""
        if self._future is None:
            self._future = [
                (m.start(), m.end(), bool(FUTURE.search(m.group(0).strip())))
                for m in SENTENCE.finditer(self.text)
            ]
            self._starts = [start for start, _, _ in self._future]
        i = bisect_right(self._starts, position) - 1  # sentences are in order, apart
        return i >= 0 and self._future[i][1] > position and self._future[i][2]


#: Curly apostrophes and en / em dashes, as their ASCII forms.
_UNIFY = str.maketrans("\u2019\u2018\u2013\u2014", "''--")


def normalise(text: str) -> str:
    """Lower case, one kind of apostrophe and dash (one character for one: offsets hold)."""
    return text.lower().translate(_UNIFY)


def count(word: str) -> int:
    """A count word or number."""
    return NUMBERS.get(word) or int(word)


def year_of(word: str, ctx: Context) -> int:
    """A year as written: ``2023``, or ``'95`` (the latest year ending so that is at most
    ten years after the anchor's: said in 2025, '27 is 2027 and '95 is 1995)."""
    if not word.startswith("'"):
        return int(word)
    year = ctx.anchor.year - ctx.anchor.year % 100 + int(word[1:])
    return year - 100 if year > ctx.anchor.year + 10 else year


def unit_of(word: str) -> str:
    """``weeks`` -> ``week``."""
    return word[:-1] if word.endswith("s") else word


def month_of(word: str) -> int:
    """A month's number from its name or abbreviation."""
    return MONTHS[word.rstrip(".")]


def day_number(word: str) -> int:
    """``3rd`` -> 3."""
    return int(re.sub(r"\D", "", word))


def safe_day(year: int, month: int, day: int) -> Span | None:
    """The day as a span, or None when it does not exist (31 June)."""
    try:
        start = utc(year, month, day)
    except ValueError:
        return None
    return start, start + DAY


def shift(moment: datetime, amount: int, unit: str) -> datetime:
    """``moment`` moved by ``amount`` units (months and years on the calendar)."""
    if unit in ("month", "year", "decade"):
        return add_months(moment, amount * {"month": 1, "year": 12, "decade": 120}[unit])
    seconds = {"minute": 60, "hour": 3600, "day": 86400, "week": 604800, "fortnight": 1209600}
    return moment + timedelta(seconds=amount * seconds[unit])


def around(moment: datetime, unit: str, vague: bool) -> Span:
    """The span a counted distance names: the day, the week around it, the month, the year."""
    if unit in ("minute", "hour"):
        return moment - timedelta(hours=1), moment + timedelta(hours=1)
    if unit == "day":
        slack = DAY if vague else timedelta(0)
        return day_of(moment) - slack, day_of(moment) + DAY + slack
    if unit in ("week", "fortnight"):
        return day_of(moment) - 3 * DAY, day_of(moment) + 4 * DAY
    if unit == "month":
        return month_span(moment.year, moment.month)
    if unit == "decade":  # "a decade ago": that year, give or take two
        return utc(moment.year - 2), utc(moment.year + 3)
    return year_span(moment.year)


def occurrence(
    make: Callable[[int], Span | None], near: int, which: str, ctx: Context, position: int
) -> Span | None:
    """Choose among a recurring time's occurrences (``make(i)`` for ``i`` around ``near``).

    ``last``: the latest that has ended by the anchor's day; ``next``: the first that begins
    after it; ``before last`` / ``after next``: the one before / after those; ``this``: the
    one containing it, else the nearest; bare: the latest begun (past sentences) or the first
    not yet over (future ones), a one-day time never the anchor's day.
    """
    spans = [s for s in (make(i) for i in range(near - 3, near + 4)) if s is not None]
    day, tomorrow = ctx.day, ctx.day + DAY
    if which == "bare":
        which = "future" if ctx.future(position) else "past"
    if which in ("last", "before last"):
        ended = [s for s in spans if s[1] <= day]
        back = 1 if which == "last" else 2
        return ended[-back] if len(ended) >= back else None
    if which in ("next", "after next"):
        ahead = [s for s in spans if s[0] >= tomorrow]
        on = 0 if which == "next" else 1
        return ahead[on] if len(ahead) > on else None
    if which == "this":
        return min(spans, key=lambda s: max(s[0] - day, day - s[1], timedelta(0)))
    one_day = all(s[1] - s[0] <= DAY for s in spans)
    if which == "past":
        chosen = [s for s in spans if (s[0] < day if one_day else s[0] <= day)]
        return chosen[-1] if chosen else None
    return next((s for s in spans if (s[0] >= tomorrow if one_day else s[1] > day)), None)


def holiday(name: str) -> Callable[[int], Span | None]:
    """The holiday's day in a given year (for "the holidays", 20 December to 2 January)."""
    name = name.replace("'", "").removeprefix("the ")
    fixed = {
        "christmas eve": (12, 24), "christmas day": (12, 25), "christmas": (12, 25),
        "new years eve": (12, 31), "new years day": (1, 1), "new years": (1, 1),
        "halloween": (10, 31), "valentines day": (2, 14), "valentines": (2, 14),
        "independence day": (7, 4), "fourth of july": (7, 4), "4th of july": (7, 4),
        "boxing day": (12, 26), "st patricks day": (3, 17), "st. patricks day": (3, 17),
    }  # fmt: skip
    if name in fixed:
        month, day = fixed[name]
        return lambda year: safe_day(year, month, day)
    if name in ("holidays", "holiday season", "christmas holidays", "christmas break"):
        return lambda year: (utc(year, 12, 20), utc(year + 1, 1, 3))  # 20 Dec to 2 Jan
    weekdays = {  # (month, weekday, n-th; -1 the last), as the US keeps them
        "memorial day": (5, 0, -1), "labor day": (9, 0, 1), "labour day": (9, 0, 1),
        "mothers day": (5, 6, 2), "fathers day": (6, 6, 3), "thanksgiving": (11, 3, 4),
    }  # fmt: skip
    if name in weekdays:
        month, weekday, n = weekdays[name]
        return lambda year: (d := nth_weekday(year, month, weekday, n), d + DAY)
    return lambda year: (d := easter(year), d + DAY)


def weekday_maker(ctx: Context, weekday: int) -> Callable[[int], Span | None]:
    """The weekday in the week ``i`` weeks from the anchor's."""
    monday = week_start(ctx.anchor)
    return lambda i: (d := monday + (7 * i + weekday) * DAY, d + DAY)


def part_of(span: Span, part: str, clock: bool = False) -> Span | None:
    """``early`` / ``mid`` / ``late`` ... of a period: thirds of its days, or of its months.

    A period of whole months (a year, a season) is cut on month boundaries; a month into days
    1-10, 11-20 and 21 to the end; ``first / last week`` are its first / last seven days.
    """
    start, end = span
    if clock or start == EARLIEST or end == LATEST:
        return None
    if part in ("first week", "last week"):
        return (start, start + 7 * DAY) if part == "first week" else (end - 7 * DAY, end)
    if part in ("first half", "second half"):
        middle = start + (end - start) / 2
        months = (end.year - start.year) * 12 + end.month - start.month
        if start.day == 1 and end.day == 1 and months % 2 == 0 and months > 0:
            middle = add_months(start, months // 2)
        return (start, middle) if part == "first half" else (middle, end)
    third = {"early": 0, "beginning": 0, "start": 0, "mid": 1, "middle": 1}.get(part, 2)
    months = (end.year - start.year) * 12 + end.month - start.month
    if start.day == 1 and end.day == 1 and months >= 3 and months % 3 == 0:
        step = months // 3
        return add_months(start, step * third), add_months(start, step * (third + 1))
    if start.day == 1 and months == 1:
        cuts = [start, start + 10 * DAY, start + 20 * DAY, end]
        return cuts[third], cuts[third + 1]
    length = (end - start) / 3
    return start + length * third, start + length * (third + 1)


class Groups:
    """A match's named groups; a group ``x2`` stands in for ``x`` (one thing spelt two ways)."""

    def __init__(self, match: re.Match[str]) -> None:
        self.match = match
        self.values = {
            name: value
            for name, value in match.groupdict().items()
            if not name.endswith("2") or value is not None
        }
        for name, value in list(self.values.items()):
            if name.endswith("2"):
                self.values[name[:-1]] = value

    def __getitem__(self, name: str) -> str | None:
        return self.values.get(name)

    def get(self, name: str) -> str:
        """A group that the pattern guarantees."""
        value = self.values.get(name)
        assert value is not None, name
        return value

    def start(self) -> int:
        """Where the match begins."""
        return self.match.start()


Resolver = Callable[[Groups, Context], Span | None]
