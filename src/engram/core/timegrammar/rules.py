"""The grammar's rules, most specific first: a regular expression and a resolver each."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from engram.core.timegrammar.resolve import (
    Context,
    Groups,
    Resolver,
    Span,
    around,
    count,
    day_number,
    holiday,
    month_of,
    occurrence,
    part_of,
    safe_day,
    shift,
    unit_of,
    weekday_maker,
)
from engram.core.timegrammar.vocabulary import (
    BOUNDARY,
    COUNT,
    DAYNUM,
    DAYPART,
    DECADE_WORDS,
    HOLIDAY,
    MONTH,
    MONTH_FULL,
    SEASON,
    UNIT,
    VAGUE,
    WEEKDAY,
    WEEKDAYS,
    YEAR,
)
from engram.core.timeutil import (
    DAY,
    add_months,
    day_of,
    month_span,
    season_span,
    utc,
    week_start,
    year_span,
)

# Resolvers, one per rule.


def r_day_range(g: Groups, ctx: Context) -> Span | None:
    month = month_of(g.get("mon"))
    if g["y"]:
        year = int(g.get("y"))
    else:  # the year of the range's last day, as a bare "5 June" would have it
        last_day = day_number(g.get("d"))
        make = lambda y: safe_day(y, month, last_day)  # noqa: E731
        found = occurrence(make, ctx.anchor.year, "bare", ctx, g.start())
        if found is None:
            return None
        year = found[0].year
    first, last = (
        safe_day(year, month, day_number(g.get("d1"))),
        safe_day(year, month, day_number(g.get("d"))),
    )
    return (first[0], last[1]) if first and last and first[0] < last[1] else None


def r_month_range(g: Groups, ctx: Context) -> Span | None:
    year, first, last = int(g.get("y")), month_of(g.get("mon1")), month_of(g.get("mon"))
    return month_span(year - (first > last), first)[0], month_span(year, last)[1]


def r_year_range(g: Groups, ctx: Context) -> Span | None:
    first, last = int(g.get("y1")), int(g.get("y"))
    return (utc(first), utc(last + 1)) if first <= last else None


def r_iso(g: Groups, ctx: Context) -> Span | None:
    return safe_day(int(g.get("y")), int(g.get("m")), int(g.get("d")))


def r_numeric(g: Groups, ctx: Context) -> Span | None:
    a, b, year = int(g.get("a")), int(g.get("b")), int(g.get("y"))
    year += 2000 if year < 100 else 0
    if g["sep"] == "." or a > 12:
        a, b = b, a  # day first: dotted dates, or a first number that is no month
    return safe_day(year, a, b)


def r_day_month_year(g: Groups, ctx: Context) -> Span | None:
    return safe_day(int(g.get("y")), month_of(g.get("mon")), day_number(g.get("d")))


def r_month_year(g: Groups, ctx: Context) -> Span | None:
    return month_span(int(g.get("y")), month_of(g.get("mon")))


def r_day_month(g: Groups, ctx: Context) -> Span | None:
    month, day = month_of(g.get("mon")), day_number(g.get("d"))
    return occurrence(lambda y: safe_day(y, month, day), ctx.anchor.year, "bare", ctx, g.start())


def r_day_of_month(g: Groups, ctx: Context) -> Span | None:
    day = day_number(g.get("d"))

    def make(i: int) -> Span | None:
        first = add_months(utc(ctx.anchor.year, ctx.anchor.month), i)
        return safe_day(first.year, first.month, day)

    return occurrence(make, 0, "bare", ctx, g.start())


def r_decade(g: Groups, ctx: Context) -> Span | None:
    if g["full"]:
        start = int(g.get("full"))
        return utc(start), utc(start + 10)
    short = DECADE_WORDS[g.get("words")] if g["words"] else int(g.get("short"))
    century = ctx.anchor.year - ctx.anchor.year % 100
    start = century + short if century + short <= ctx.anchor.year else century - 100 + short
    return utc(start), utc(start + 10)


def r_year(g: Groups, ctx: Context) -> Span | None:
    return year_span(int(g.get("y")))


def r_relative_day(g: Groups, ctx: Context) -> Span | None:
    offsets = {
        "the day before yesterday": -2, "the day after tomorrow": 2, "yesterday": -1,
        "last night": -1, "tomorrow": 1,
    }  # fmt: skip
    start = ctx.day + offsets.get(g.get("w"), 0) * DAY
    return start, start + DAY


def r_ago(g: Groups, ctx: Context) -> Span | None:
    amount, unit = count(g.get("n")), unit_of(g.get("u"))
    return around(shift(ctx.anchor, -amount, unit), unit, g["n"] in VAGUE)


def r_weekends_ago(g: Groups, ctx: Context) -> Span | None:
    """ "two weekends ago": the weekend as many weeks before this week's (one is "last
    weekend"); "a few weekends ago", one weekend either side of it."""
    amount, spread = count(g.get("n")), 1 if g["n"] in VAGUE else 0
    saturday = week_start(ctx.anchor) + 5 * DAY
    return (
        saturday - 7 * (amount + spread) * DAY,
        saturday - 7 * (amount - spread) * DAY + 2 * DAY,
    )


def r_weekdays_ago(g: Groups, ctx: Context) -> Span | None:
    """ "two Sundays ago": the Sunday a week before last Sunday; "a few Fridays ago", one
    Friday either side of it."""
    make = weekday_maker(ctx, WEEKDAYS[g.get("wd")])
    last = occurrence(make, 0, "last", ctx, g.start())
    if last is None:  # pragma: no cover - a weekday has ended within the week before
        return None
    amount, spread = count(g.get("n")), 1 if g["n"] in VAGUE else 0
    return (
        last[0] - 7 * (amount - 1 + spread) * DAY,
        last[1] - 7 * (amount - 1 - spread) * DAY,
    )


def r_from_weekday(g: Groups, ctx: Context) -> Span | None:
    """ "a week from Friday": that long after the coming Friday (today, said on a Friday)."""
    make = weekday_maker(ctx, WEEKDAYS[g.get("wd")])
    this_week = make(0)
    base = this_week if this_week and this_week[0] >= ctx.day else make(1)
    if base is None:  # pragma: no cover - the maker names a day in every week
        return None
    start = shift(base[0], count(g.get("n")), unit_of(g.get("u")))
    return start, start + DAY


def r_far(g: Groups, ctx: Context) -> Span | None:
    """ "the summer before last", "the Friday after next", "the Christmas before last"."""
    which = "before last" if g.get("far").startswith("before") else "after next"
    if g["wd"]:
        return occurrence(weekday_maker(ctx, WEEKDAYS[g.get("wd")]), 0, which, ctx, g.start())
    make: Callable[[int], Span | None]
    if g["s"]:
        season = g.get("s")
        make = lambda y: season_span(y, season)  # noqa: E731
    elif g["h"]:
        make = holiday(g.get("h"))
    else:
        month = month_of(g.get("mon"))
        make = lambda y: month_span(y, month)  # noqa: E731
    return occurrence(make, ctx.anchor.year, which, ctx, g.start())


def r_later(g: Groups, ctx: Context) -> Span | None:
    amount, unit = count(g.get("n")), unit_of(g.get("u"))
    return around(shift(ctx.anchor, amount, unit), unit, g["n"] in VAGUE)


def r_span_to_anchor(g: Groups, ctx: Context) -> Span | None:
    """ "over the past 3 months", "within the next two weeks", "for 4 years"."""
    amount, unit = count(g["n"] or "1"), unit_of(g.get("u"))
    direction = g["dir"]
    if direction in ("next", "coming") or (direction is None and ctx.future(g.start())):
        return ctx.day, day_of(shift(ctx.day, amount, unit)) + DAY
    return day_of(shift(ctx.day, -amount, unit)), ctx.day + DAY


def r_calendar(g: Groups, ctx: Context) -> Span | None:
    """last / this / next week, weekend, month, year; the week before last / after next."""
    unit = g["u"] or g.get("u3")
    if g["far"]:
        step = -2 if g["far"].startswith("before") else 2
    elif g["past"]:
        step = -1
    else:
        step = {"last": -1, "previous": -1, "this past": -1, "next": 1}.get(g.get("which"), 0)
    if unit in ("week", "weekend"):
        start = week_start(ctx.anchor) + 7 * step * DAY
        return (start + 5 * DAY, start + 7 * DAY) if unit == "weekend" else (start, start + 7 * DAY)
    if unit == "month":
        start = add_months(utc(ctx.anchor.year, ctx.anchor.month), step)
        return start, add_months(start, 1)
    return year_span(ctx.anchor.year + step)


def r_the_weekend(g: Groups, ctx: Context) -> Span | None:
    """ "over the weekend": the latest one in a sentence about the past (this one when said
    on it), the next one in a sentence about the future."""
    saturday = week_start(ctx.anchor) + 5 * DAY
    if ctx.future(g.start()):
        start = saturday if ctx.anchor < saturday + 2 * DAY else saturday + 7 * DAY
    else:
        start = saturday if ctx.anchor >= saturday else saturday - 7 * DAY
    return start, start + 2 * DAY


def r_part_of_this(g: Groups, ctx: Context) -> Span | None:
    """ "the start of the year", "the end of the month", "the rest of the week": part of the
    current one."""
    unit = g.get("u")
    if unit == "week":
        span = week_start(ctx.anchor), week_start(ctx.anchor) + 7 * DAY
    elif unit == "month":
        first = utc(ctx.anchor.year, ctx.anchor.month)
        span = first, add_months(first, 1)
    else:
        span = year_span(ctx.anchor.year)
    part = g.get("part")
    if part == "rest":
        return ctx.day, span[1]
    return part_of(span, part)


def r_half_ago(g: Groups, ctx: Context) -> Span | None:
    """ "half a year ago" (six months), "half an hour ago", "half a day ago"; "a year and a
    half ago" (eighteen months), "two and a half weeks ago"."""
    unit = g["u"] or g.get("u3")
    whole = count(g.get("n")) if g["n"] else 0
    moment = shift(ctx.anchor, -whole, unit)
    if unit == "year":
        return around(add_months(moment, -6), "month", False)
    half, named = {
        "month": (timedelta(days=15), "week"), "week": (timedelta(days=3.5), "day"),
        "day": (timedelta(hours=12), "hour"), "hour": (timedelta(minutes=30), "minute"),
    }[unit]  # fmt: skip
    return around(moment - half, named, unit == "week")


def which_of(g: Groups) -> str:
    """``last`` / ``this`` / ``next`` / ``bare`` ("this coming" is "this")."""
    which = g["which"] or "bare"
    if which == "this coming":
        return "next"
    return "this" if which == "this" else "last" if which in ("previous", "this past") else which


def r_weekday(g: Groups, ctx: Context) -> Span | None:
    make = weekday_maker(ctx, WEEKDAYS[g.get("wd")])
    which = which_of(g)
    return make(0) if which == "this" else occurrence(make, 0, which, ctx, g.start())


def r_month(g: Groups, ctx: Context) -> Span | None:
    month, which = month_of(g.get("mon")), which_of(g)
    if which == "this":
        return month_span(ctx.anchor.year, month)
    return occurrence(lambda y: month_span(y, month), ctx.anchor.year, which, ctx, g.start())


def r_season(g: Groups, ctx: Context) -> Span | None:
    season = g.get("s")
    if g["y"]:
        return season_span(int(g.get("y")), season)
    make = lambda y: season_span(y, season)  # noqa: E731
    return occurrence(make, ctx.anchor.year, which_of(g), ctx, g.start())


def r_holiday(g: Groups, ctx: Context) -> Span | None:
    make = holiday(g.get("h"))
    if g["y"]:
        return make(int(g.get("y")))
    which = which_of(g)
    if which == "this":
        return make(ctx.anchor.year)
    return occurrence(make, ctx.anchor.year, which, ctx, g.start())


def r_in_year(g: Groups, ctx: Context) -> Span | None:
    """ "May of last year", "the summer of last year", "Christmas last year"."""
    year = ctx.anchor.year + {"last": -1, "this": 0, "next": 1}[g.get("which")]
    if g["mon"]:
        return month_span(year, month_of(g.get("mon")))
    if g["s"]:
        return season_span(year, g.get("s"))
    return holiday(g.get("h"))(year)


def r_vague(g: Groups, ctx: Context) -> Span | None:
    word = g.get("w")
    if word in ("recently", "lately"):
        return ctx.day - 30 * DAY, ctx.day + DAY
    if word == "the other day":
        return ctx.day - 7 * DAY, ctx.day
    which, unit = word.split(" this ")
    start = {"week": week_start(ctx.anchor), "month": utc(ctx.anchor.year, ctx.anchor.month)}
    first = start.get(unit, utc(ctx.anchor.year))
    last = first + 7 * DAY if unit == "week" else add_months(first, 1 if unit == "month" else 12)
    return (first, ctx.day) if which == "earlier" else (ctx.day + DAY, last)


def r_clock(g: Groups, ctx: Context) -> Span | None:
    hour, minute = (12, 0) if g["noon"] else (int(g.get("h")), int(g["min"] or 0))
    if g["ampm"]:
        if hour > 12 or hour == 0:
            return None
        hour = hour % 12 + (12 if g.get("ampm").startswith("p") else 0)
    start = ctx.day + timedelta(hours=hour, minutes=minute)
    return start, start + timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Rule:
    """A pattern and how to resolve what it matches."""

    name: str
    pattern: re.Pattern[str]
    resolve: Resolver
    #: Kinds of word (``_TRIGGERS``) the text must hold for the rule to be tried at all: all
    #: of one of these sets.
    needs: tuple[frozenset[str], ...]
    #: The occurrence repeats with this period when its year or week was not given.
    period: str | None = None


def _rule(
    name: str, needs: str, pattern: str, resolve: Resolver, period: str | None = None
) -> Rule:
    compiled = re.compile(rf"(?<![\w'])(?:{pattern}){BOUNDARY}")
    alternatives = tuple(frozenset(option.split()) for option in needs.split("|"))
    return Rule(name, compiled, resolve, alternatives, period)


#: One pass over a text finds which kinds of word it holds: digits, months, weekdays,
#: seasons, holidays, units of time, words of relative time. Most texts hold few, and a
#: rule whose kinds are absent is not tried (a tenth of the time of trying every rule).
_TRIGGERS = re.compile(
    r"(?P<D>\d)|\b(?:(?P<M>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"|(?P<W>(?:mon|tues|wednes|thurs|fri|satur|sun)day)|(?P<S>spring|summer|autumn|fall|winter)"
    r"|(?P<H>christmas|new year|halloween|valentine|thanksgiving|easter|independence"
    r"|fourth of july)|(?P<U>minute|hour|day|week|fortnight|month|year|decade)"
    r"|(?P<R>yesterday|today|tonight|tomorrow|night|morning|afternoon|evening|recently"
    r"|lately|noon|twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties))"
)


def triggers(norm: str) -> set[str]:
    """The kinds of word ``norm`` holds."""
    return {m.lastgroup for m in _TRIGGERS.finditer(norm) if m.lastgroup}


_WHICH = r"(?P<which>last|this|next|this coming|this past|previous)"
_TO = r"\s*(?:-|to|and|until|till|through|thru)\s*"
_CONTEXT = (
    r"(?:in|during|since|until|till|by|from|through|of|before|after|between|and|to|early|late|mid)"
)
RULES: list[Rule] = [
    _rule(
        "day range",
        "D M",
        rf"(?:(?:from|between)\s+)?(?:the\s+)?(?P<d1>{DAYNUM}){_TO}(?:the\s+)?(?P<d>{DAYNUM})"
        rf"(?:\s+of)?\s+(?P<mon>{MONTH})(?:,?\s+(?P<y>{YEAR}))?"
        rf"|(?P<mon2>{MONTH})\s+(?P<d12>{DAYNUM})\s*(?:-|to|through)\s*(?P<d2>{DAYNUM})"
        rf"(?:,?\s+(?P<y2>{YEAR}))?",
        r_day_range,
    ),
    _rule(
        "month range",
        "D M",
        rf"(?:(?:from|between)\s+)?(?P<mon1>{MONTH_FULL}){_TO}(?P<mon>{MONTH_FULL}),?"
        rf"\s+(?:of\s+)?(?P<y>{YEAR})",
        r_month_range,
    ),
    _rule(
        "year range",
        "D",
        rf"(?:(?:from|between)\s+)?(?P<y1>{YEAR}){_TO}(?P<y>{YEAR})",
        r_year_range,
    ),
    _rule("iso", "D", r"(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})", r_iso),
    _rule(
        "numeric",
        "D",
        r"(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})",
        r_numeric,
    ),
    _rule(
        "day month year",
        "D M",
        rf"(?:{WEEKDAY},?\s+)?(?:the\s+)?(?P<d>{DAYNUM})(?:\s+of)?\s+(?P<mon>{MONTH}),?"
        rf"\s+(?P<y>{YEAR})"
        rf"|(?:{WEEKDAY},?\s+)?(?P<mon2>{MONTH})\s+(?:the\s+)?(?P<d2>{DAYNUM}),?"
        rf"\s+(?P<y2>{YEAR})",
        r_day_month_year,
    ),
    _rule("month year", "D M", rf"(?P<mon>{MONTH})(?:\s+of)?,?\s+(?P<y>{YEAR})", r_month_year),
    _rule(
        "in a year",
        "U",
        rf"(?:the\s+)?(?:(?P<s>{SEASON})|(?P<mon>{MONTH_FULL})|(?P<h>{HOLIDAY}))"
        r"\s+(?:of\s+)?(?P<which>last|this|next)\s+year",
        r_in_year,
    ),
    _rule(
        "before last",
        "S|W|H|M",
        rf"(?:the\s+)?(?:(?P<s>{SEASON})|(?P<wd>{WEEKDAY})|(?P<h>{HOLIDAY})|(?P<mon>{MONTH_FULL}))"
        r"\s+(?P<far>before\s+last|after\s+next)",
        r_far,
    ),
    _rule(
        "holiday",
        "H",
        rf"(?:{_WHICH}\s+)?(?P<h>{HOLIDAY})(?:,?\s+(?P<y>{YEAR}))?",
        r_holiday,
        period="year",
    ),
    _rule(
        "season",
        "S",
        rf"(?:the\s+)?(?P<s>{SEASON})(?:\s+of)?,?\s+(?P<y>{YEAR})"
        rf"|(?:{_WHICH}|(?:in|during|over|through|since|until|by|for|before|after)(?:\s+the)?)"
        rf"\s+(?P<s2>{SEASON})(?!(?:\s+of)?,?\s+{YEAR})",
        r_season,
        period="year",
    ),
    _rule(
        "day month",
        "D M",
        rf"(?:(?:{WEEKDAY},?\s+)?(?:the\s+)?(?P<d>{DAYNUM})(?:\s+of)?\s+(?P<mon>{MONTH})"
        rf"|(?P<mon2>{MONTH})\s+(?:the\s+)?(?P<d2>{DAYNUM}))",
        r_day_month,
        period="year",
    ),
    _rule(
        "day of month",
        "D",
        r"on\s+the\s+(?P<d>(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th))(?!\s+[a-z])",
        r_day_of_month,
    ),
    _rule(
        "decade",
        "D|R",
        r"the\s+(?:'?(?P<short>\d0)s|(?P<words>twenties|thirties|forties|fifties|sixties"
        r"|seventies|eighties|nineties))|(?:the\s+)?(?P<full>(?:1[89]|20)\d0)s",
        r_decade,
    ),
    _rule(
        "relative day",
        "R",
        r"(?P<w>the day before yesterday|the day after tomorrow|yesterday|today|tonight"
        rf"|tomorrow|last night|this {DAYPART})(?:\s+{DAYPART})?",
        r_relative_day,
    ),
    _rule(
        "vague",
        "R|U",
        r"(?P<w>recently|lately|the other day|(?:earlier|later) this (?:week|month|year))",
        r_vague,
    ),
    _rule(
        "half ago",
        "U",
        r"(?:half\s+an?\s+(?P<u>year|month|day|hour)"
        rf"|(?P<n>{COUNT})\s+(?:(?P<u2>year|month|week|day|hour)s?\s+and\s+a\s+half"
        r"|and\s+a\s+half\s+(?P<u3>year|month|week|day|hour)s?))"
        r"\s+(?:ago|back|earlier)",
        r_half_ago,
    ),
    _rule(
        "weekends ago",
        "U",
        rf"(?P<n>{COUNT})\s+weekends?\s+(?:ago|back|earlier)",
        r_weekends_ago,
    ),
    _rule(
        "weekdays ago",
        "W",
        rf"(?P<n>{COUNT})\s+(?P<wd>{WEEKDAY})s?\s+(?:ago|back|earlier)",
        r_weekdays_ago,
    ),
    _rule("ago", "U", rf"(?P<n>{COUNT})\s+(?P<u>{UNIT})\s+(?:ago|back|earlier)", r_ago),
    _rule(
        "from weekday",
        "U W",
        rf"(?P<n>{COUNT})\s+(?P<u>day|week|fortnight)s?\s+from\s+(?P<wd>{WEEKDAY})",
        r_from_weekday,
    ),
    _rule(
        "later",
        "U",
        rf"in\s+(?P<n>{COUNT})\s+(?P<u>{UNIT})(?:'s?\s+time)?(?!\s+(?:ago|back|before|after))"
        rf"|(?P<n2>{COUNT})\s+(?P<u2>{UNIT})\s+(?:later|from now|from today|hence)",
        r_later,
    ),
    _rule(
        "span to anchor",
        "U",
        r"(?:(?:over|in|during|for|within|throughout)\s+)?the\s+(?P<dir>past|last|previous|next"
        rf"|coming)\s+(?:(?P<n>{COUNT})\s+)?(?P<u>{UNIT})(?!\s+of\b)"
        rf"|for\s+(?:the\s+)?(?P<n2>{COUNT})\s+(?P<u2>{UNIT})",
        r_span_to_anchor,
    ),
    _rule(
        "the weekend",
        "U",
        r"(?:over|on|during)\s+the\s+weekend(?!\s+(?:of|before|after)\b)",
        r_the_weekend,
    ),
    _rule(
        "part of this",
        "U",
        r"(?:the\s+)?(?P<part>beginning|start|end|middle|rest)\s+of\s+the\s+"
        r"(?P<u>week|month|year)(?!\s+(?:before|after|of)\b)",
        r_part_of_this,
    ),
    _rule(
        "calendar",
        "U",
        rf"{_WHICH}\s+(?P<u>week|weekend|month|year)(?!\s+of\b)"
        r"|the\s+(?P<u2>week|weekend|month|year)\s+(?P<far>before\s+last|after\s+next)"
        r"|(?P<past>the\s+past)\s+(?P<u3>weekend)",
        r_calendar,
    ),
    _rule(
        "weekday",
        "W",
        rf"(?<!every )(?<!each )(?:on\s+)?(?:{_WHICH}\s+)?(?P<wd>{WEEKDAY})(?:\s+{DAYPART})?",
        r_weekday,
        period="week",
    ),
    _rule(
        "month",
        "M",
        rf"(?P<which>last|this|next)\s+(?P<mon>{MONTH_FULL})"
        rf"|{_CONTEXT}[\s-]+(?:(?:early|late|mid)[\s-]+)?(?P<mon2>{MONTH_FULL})",
        r_month,
        period="year",
    ),
    _rule(
        "year",
        "D",
        r"(?:in|of|since|during|until|till|before|after|from|to|by|around|year|and|between"
        rf"|early|late|mid)[\s-]+(?P<y>{YEAR})",
        r_year,
    ),
    _rule(
        "clock",
        "D|R",
        r"(?:at\s+)?(?:(?P<noon>noon)|(?P<h>1[0-2]|0?\d)(?::(?P<min>[0-5]\d))?\s*"
        r"(?P<ampm>[ap]\.?m\.?)|(?P<h2>[01]?\d|2[0-3]):(?P<min2>[0-5]\d))",
        r_clock,
    ),
]
