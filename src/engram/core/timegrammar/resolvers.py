"""The resolvers of the grammar's rules: each turns one rule's match into a range."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from engram.core.timegrammar.resolve import (
    Context,
    Groups,
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
    year_of,
)
from engram.core.timegrammar.vocabulary import DECADE_WORDS, QUARTERS, VAGUE, WEEKDAYS
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


def r_day_range(g: Groups, ctx: Context) -> Span | None:
    month = month_of(g.get("mon"))
    if g["y"]:
        year = year_of(g.get("y"), ctx)
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
    year, first, last = year_of(g.get("y"), ctx), month_of(g.get("mon1")), month_of(g.get("mon"))
    return month_span(year - (first > last), first)[0], month_span(year, last)[1]


def r_year_range(g: Groups, ctx: Context) -> Span | None:
    first, last = year_of(g.get("y1"), ctx), year_of(g.get("y"), ctx)
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
    return safe_day(year_of(g.get("y"), ctx), month_of(g.get("mon")), day_number(g.get("d")))


def r_month_year(g: Groups, ctx: Context) -> Span | None:
    return month_span(year_of(g.get("y"), ctx), month_of(g.get("mon")))


def r_day_month(g: Groups, ctx: Context) -> Span | None:
    """ "5 June", "June 5th"; with a weekday ("Friday, June 2") that the chosen year's day
    does not fall on, the year either side of it in which it does (the nearer the anchor)."""
    month, day = month_of(g.get("mon")), day_number(g.get("d"))
    make = lambda y: safe_day(y, month, day)  # noqa: E731
    found = occurrence(make, ctx.anchor.year, "bare", ctx, g.start())
    if g["wd"] is None or (found is not None and found[0].weekday() == WEEKDAYS[g.get("wd")]):
        return found
    near = found[0].year if found else ctx.anchor.year
    years = range(near - 1, near + 2)
    agree = [s for s in map(make, years) if s and s[0].weekday() == WEEKDAYS[g.get("wd")]]
    return min(agree, key=lambda s: abs(s[0] - ctx.day)) if agree else found


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
    return year_span(year_of(g.get("y"), ctx))


def r_relative_day(g: Groups, ctx: Context) -> Span | None:
    offsets = {
        "the day before yesterday": -2, "the day after tomorrow": 2, "yesterday": -1,
        "last night": -1, "the night before last": -2, "tomorrow": 1,
    }  # fmt: skip
    start = ctx.day + offsets.get(g.get("w"), 0) * DAY
    return start, start + DAY


def r_ago(g: Groups, ctx: Context) -> Span | None:
    amount, unit = count(g.get("n")), unit_of(g.get("u"))
    return around(shift(ctx.anchor, -amount, unit), unit, g["n"] in VAGUE)


def r_or_ago(g: Groups, ctx: Context) -> Span | None:
    """ "three or four days ago", "a week or two ago": from the farther to the nearer."""
    unit = unit_of(g.get("u"))
    near, far = sorted((count(g.get("n1")), count(g.get("n"))))
    return (
        around(shift(ctx.anchor, -far, unit), unit, False)[0],
        around(shift(ctx.anchor, -near, unit), unit, False)[1],
    )


def r_nights_ago(g: Groups, ctx: Context) -> Span | None:
    """ "two nights ago": the day whose night it was (one is "last night")."""
    return around(ctx.day - count(g.get("n")) * DAY, "day", g["n"] in VAGUE)


def r_this_time(g: Groups, ctx: Context) -> Span | None:
    """ "this time last year": the anchor's day a year back, give or take two weeks; "this
    time last month", give or take three days; "this time last week", that day."""
    unit = g.get("u")
    moment = shift(ctx.day, -1 if g.get("which") == "last" else 1, unit)
    slack = {"week": 0, "month": 3, "year": 14}[unit] * DAY
    return moment - slack, moment + DAY + slack


def r_quarter(g: Groups, ctx: Context) -> Span | None:
    """ "Q3 2022", "the third quarter of 2022", "Q1" (the latest or next, by tense)."""
    number = int(g["q"] or QUARTERS[g.get("ord")])

    def make(year: int) -> Span:
        first = utc(year, 3 * number - 2)
        return first, add_months(first, 3)

    if g["y"]:
        return make(year_of(g.get("y"), ctx))
    if g["this_year"]:
        return make(ctx.anchor.year)
    return occurrence(make, ctx.anchor.year, "bare", ctx, g.start())


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
    """last / this / next week, weekend, month, quarter, year; the week before last / after next."""
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
    if unit in ("month", "quarter"):
        months = 1 if unit == "month" else 3
        first = utc(ctx.anchor.year, ctx.anchor.month - (ctx.anchor.month - 1) % months)
        start = add_months(first, step * months)
        return start, add_months(start, months)
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
        return season_span(year_of(g.get("y"), ctx), season)
    make = lambda y: season_span(y, season)  # noqa: E731
    return occurrence(make, ctx.anchor.year, which_of(g), ctx, g.start())


def r_season_part(g: Groups, ctx: Context) -> Span | None:
    """ "the end of the summer", "the start of next winter": part of that season."""
    season = g.get("s")
    make = lambda y: season_span(y, season)  # noqa: E731
    span = occurrence(make, ctx.anchor.year, which_of(g), ctx, g.start())
    return part_of(span, g.get("part")) if span else None


def r_holiday(g: Groups, ctx: Context) -> Span | None:
    """A holiday's day; "Memorial Day weekend", "Easter weekend": two days either side."""
    day = holiday(g.get("h"))
    make = day
    if g["weekend"]:
        make = lambda y: (s[0] - 2 * DAY, s[1] + 2 * DAY) if (s := day(y)) else None  # noqa: E731
    if g["y"]:
        return make(year_of(g.get("y"), ctx))
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
    if word in ("recently", "lately", "not long ago"):
        return ctx.day - 30 * DAY, ctx.day + DAY
    if word == "the other day":
        return ctx.day - 7 * DAY, ctx.day
    if word.startswith("in recent"):  # as "the past few weeks"
        return day_of(shift(ctx.day, -3, unit_of(word.split()[-1]))), ctx.day + DAY
    which, _, unit = word.replace(" in the ", " this ").split(" ")
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
