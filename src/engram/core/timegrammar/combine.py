"""Expressions made of expressions: ranges, clock times on a day, parts of a period, times
relative to a named date, open ranges, and event references."""

from __future__ import annotations

import re
from bisect import bisect_right
from datetime import timedelta
from itertools import accumulate

from engram.core.timegrammar.resolve import (
    Context,
    EventRef,
    Found,
    Groups,
    around,
    count,
    occurrence,
    part_of,
    shift,
    unit_of,
    weekday_maker,
)
from engram.core.timegrammar.vocabulary import COUNT, UNIT, VAGUE, WEEKDAY, WEEKDAYS
from engram.core.timeutil import DAY, EARLIEST, LATEST, add_months, day_of, week_start

#: Words before an expression that a rule may include but that are not part of the time.
LEAD = re.compile(
    r"^(?:(?:on|in|at|during|over|through|throughout|since|until|till|by|for|from|to|of|and"
    r"|between|before|after|around|back|the|early|late|mid)(?:\s+|-))+"
)
_PART_BEFORE = re.compile(
    r"(?:^|\s)(?:the\s+)?(?P<part>early|mid|late|beginning of|start of|end of|middle of"
    r"|first half of|second half of|first week of|last week of)(?:\s+the)?(?:\s+|-)$"
)
_RANGE_BETWEEN = re.compile(r"^\s*(?:-|to|until|till|through|thru|and)\s*$")
_CLOCK_BETWEEN = re.compile(r"^\s*(?:at|,)?\s*$")
_OPEN = re.compile(r"(?<![\w'-])(?P<rel>before|after|since|until|till|prior to|up until)\s+")
_RELATIVE = re.compile(
    rf"(?<![\w'-])(?:(?P<n>{COUNT})\s+(?P<u>{UNIT})|(?:the|last)\s+(?P<u2>day|week|weekend"
    rf"|month|year|{WEEKDAY}))\s+(?P<dir>before|after|prior to)\s+$"
)
_EVENT_END = re.compile(r"\s+(?:and|but|or|when|while|so|because|then)\s|[,.;:?!)]|$")
#: Characters after "before" / "after" read for an event's words (eight words at most).
_EVENT_CHARS = 160
#: Event references read in one text.
_MAX_EVENTS = 16
_NOT_EVENTS = frozenset(
    "that this then all long it which now those these ever everything anything that's".split()
)


def clocks(atoms: list[tuple[Found, str | None]], norm: str) -> list[tuple[Found, str | None]]:
    """A clock time next to a day ("tomorrow at 9am") narrows that day to the hour."""
    out: list[tuple[Found, str | None]] = []
    for found, period in atoms:
        if out:
            previous = out[-1][0]
            pair = (previous, found) if found.clock != previous.clock else None
            if pair and _CLOCK_BETWEEN.match(norm[previous.end : found.start]):
                clock, day = (found, previous) if found.clock else (previous, found)
                if day.span[1] - day.span[0] == DAY:
                    offset = clock.span[0] - day_of(clock.span[0])
                    start = day.span[0] + offset
                    merged = Found(
                        previous.start, found.end, (start, start + timedelta(hours=1)),
                        norm[previous.start : found.end], clock=True,
                    )  # fmt: skip
                    out[-1] = (merged, None)
                    continue
        out.append((found, period))
    return out


def ranges(atoms: list[tuple[Found, str | None]], norm: str) -> list[tuple[Found, str | None]]:
    """ "from X to Y", "between X and Y": one range; a bare end moves to follow the other."""
    out: list[tuple[Found, str | None]] = []
    for found, period in atoms:
        if out:
            first, first_period = out[-1]
            between = norm[first.end : found.start]
            lead = norm[max(0, first.start - 9) : first.start]
            is_and = between.strip() == "and"
            if _RANGE_BETWEEN.match(between) and (not is_and or lead.rstrip().endswith("between")):
                a, b = first.span, found.span
                step = {"week": 7 * DAY}.get(period or first_period or "")
                for _ in range(3):
                    if a[0] <= b[0]:
                        break
                    if first_period == "year":
                        a = (add_months(a[0], -12), add_months(a[1], -12))
                    elif period == "year":
                        b = (add_months(b[0], 12), add_months(b[1], 12))
                    elif step is not None:
                        b = (b[0] + step, b[1] + step)
                    else:
                        break
                if a[0] <= b[0]:
                    text = norm[first.start : found.end]
                    out[-1] = (Found(first.start, found.end, (a[0], b[1]), text), None)
                    continue
        out.append((found, period))
    return out


def part(found: Found, norm: str) -> Found:
    """ "early May", "the end of 2022", "the first week of June": part of the period."""
    before = _PART_BEFORE.search(norm[max(0, found.start - 24) : found.start])
    if before is None:
        return found
    part = before["part"].removesuffix(" of")
    span = part_of(found.span, part, found.clock)
    if span is None:
        return found
    start = found.start - (len(before.group(0)) - (1 if before.group(0)[0].isspace() else 0))
    return Found(start, found.end, span, norm[start : found.end])


def relative(found: Found, norm: str, ctx: Context) -> Found:
    """ "two weeks before 11 August", "the day after 8 May": relative to the named date."""
    match = _RELATIVE.search(norm[max(0, found.start - 40) : found.start])
    if match is None:
        return found
    start, end = found.span
    before = match["dir"] != "after"
    g = Groups(match)
    if g["n"]:
        amount, unit = count(g.get("n")), unit_of(g.get("u"))
        span = around(shift(start, -amount if before else amount, unit), unit, g["n"] in VAGUE)
    else:
        unit = g.get("u")
        if unit in WEEKDAYS:
            anchor = Context(start if before else end - DAY, "")
            which = "last" if before else "next"
            span = occurrence(weekday_maker(anchor, WEEKDAYS[unit]), 0, which, anchor, 0) or (
                start,
                end,
            )
        elif unit == "weekend":
            saturday = week_start(start) - 2 * DAY if before else week_start(end) + 5 * DAY
            span = (saturday, saturday + 2 * DAY)
        elif unit == "day":
            span = (start - DAY, start) if before else (end, end + DAY)
        elif unit == "week":
            span = (start - 7 * DAY, start) if before else (end, end + 7 * DAY)
        else:
            months = 1 if unit == "month" else 12
            span = (add_months(start, -months), start) if before else (end, add_months(end, months))
    first = found.start - (len(norm[max(0, found.start - 40) : found.start]) - match.start())
    return Found(first, found.end, span, norm[first : found.end])


def open_ranges(
    found: list[Found], norm: str, text: str, ctx: Context
) -> tuple[list[Found], list[EventRef]]:
    """ "before 2020", "since June", "until 2019"; "after the wedding" is an event."""
    events: list[EventRef] = []
    by_start = {f.start: i for i, f in enumerate(found)}
    original = text if len(text) == len(norm) else norm
    spans = sorted((f.start, f.end) for f in found)
    starts = [start for start, _ in spans]
    reach = list(accumulate((end for _, end in spans), max))  # furthest end so far
    for match in _OPEN.finditer(norm):
        i = bisect_right(starts, match.start()) - 1
        if i >= 0 and match.start() < reach[i]:
            continue  # inside an expression: "the day before yesterday"
        if len(events) >= _MAX_EVENTS:
            break
        relation = "until" if match["rel"] in ("till", "up until") else match["rel"]
        relation = "before" if relation == "prior to" else relation
        index = by_start.get(match.end())
        if index is not None:
            inner = found[index]
            start, end = inner.span
            span = {
                "before": (EARLIEST, start),
                "after": (end, LATEST),
                "since": (start, ctx.day + DAY),
                "until": (EARLIEST, end),
            }[relation]
            found[index] = Found(match.start(), inner.end, span, norm[match.start() : inner.end])
            continue
        rest = norm[match.end() : match.end() + _EVENT_CHARS]  # an event is a few words
        stop = _EVENT_END.search(rest)
        length = stop.start() if stop else len(rest)
        if stop is None or stop.start() == len(rest) < len(norm) - match.end():
            continue  # cut off by the window, not ended: longer than an event
        words = rest[:length].split()
        if not words or words[0] in _NOT_EVENTS or len(words) > 8:
            continue
        phrase = original[match.end() : match.end() + length].strip()
        events.append(EventRef(relation, phrase, original[match.start() : match.end() + length]))
    return found, events
