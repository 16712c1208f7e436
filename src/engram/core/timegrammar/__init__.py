"""A grammar of English time expressions, resolved against the moment they were said.

``scan(text, anchor)`` finds every expression in ``text`` and turns it into a half-open UTC
range: absolute dates in the usual spellings (8 May 2023, May 8th, 2023-05-08, 05/08/2023),
months, years and decades; days, weeks, months and years relative to the anchor (yesterday,
three weeks ago, in two weeks, last month, the week before last, two weekends ago); weekdays,
seasons and holidays (last Friday, two Sundays ago, the summer before last); parts of a period
(early May, the end of 2022, the first week of June); ranges (from May to July 2023, 3-5 June);
spans up to or from the anchor (for 3 years, since 2019, over the past month); clock times;
expressions relative to a date the text names (two weeks before 11 August 2023); and open
ranges (before 2020, after June). "before / after / since
<something that is not a time>" is an event reference, which search resolves against the
memories themselves.

Written by hand rather than taken from a date-parsing library: those return a single moment
where a memory needs a range ("last week" is seven days, not the moment a week ago), resolve
bare weekdays and months in one fixed direction whatever the tense, and are slower
(``bench/timeparse.py`` on the table's sentences: dateparser's ``search_dates`` 4.5 ms,
parsedatetime 0.37 ms, this grammar 0.07 ms per sentence). The conventions where people
disagree are listed in ``tests/core/time_table.py``.

Rules run in order of specificity, each over the text not yet claimed by an earlier one; a
rule is a regular expression and a resolver. Ambiguous words (May, March, June, fall,
spring) count as times only in a time's context: next to a day or year, or after a
preposition such as "in" or "since". A recurring time ("every Monday", "on Mondays") names
no range.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from datetime import datetime

from engram.core.timegrammar.combine import LEAD, clocks, open_ranges, part, ranges, relative
from engram.core.timegrammar.resolve import Context, EventRef, Found, Groups, Span, normalise
from engram.core.timegrammar.rules import RULES, triggers

__all__ = ["MAX_CHARS", "MAX_EXPRESSIONS", "EventRef", "Found", "Span", "scan"]

#: Characters of a text that are read for times: a query or a memory is far shorter, and the
#: grammar's work stays bounded whatever a caller sends (the limits allow longer texts).
MAX_CHARS = 20_000
#: Expressions read in one text; the rest of a text that holds more is left unread.
MAX_EXPRESSIONS = 64


def scan(text: str, anchor: datetime) -> tuple[list[Found], list[EventRef]]:
    """Every time expression of ``text`` said at ``anchor``, in order, and event references."""
    text = text[:MAX_CHARS]
    norm = normalise(text)
    kinds = triggers(norm)
    ctx = Context(anchor, norm)
    atoms: list[tuple[Found, str | None]] = []
    starts: list[int] = []  # the atoms' starts, sorted (atoms never overlap)
    ends: list[int] = []
    for rule in RULES:
        if not any(option <= kinds for option in rule.needs):
            continue
        for match in rule.pattern.finditer(norm):
            lead = LEAD.match(match.group(0))
            start = match.start() + (lead.end() if lead else 0)
            i = bisect_right(starts, start)
            if (
                start >= match.end()
                or (i > 0 and ends[i - 1] > start)
                or (i < len(starts) and starts[i] < match.end())
            ):
                continue
            span = rule.resolve(Groups(match), ctx)
            if span is not None:
                clock = rule.name == "clock"
                atom = Found(start, match.end(), span, norm[start : match.end()], clock)
                atoms.append((atom, rule.period if not _has_year(match) else None))
                starts.insert(i, start)
                ends.insert(i, match.end())
                if len(atoms) >= MAX_EXPRESSIONS:
                    break
        if len(atoms) >= MAX_EXPRESSIONS:
            break
    atoms.sort(key=lambda item: item[0].start)
    atoms = ranges(clocks(atoms, norm), norm)
    found = [relative(part(f, norm), norm, ctx) for f, _ in atoms]
    found = _outermost(found)
    return open_ranges(found, norm, text, ctx)


def _outermost(found: list[Found]) -> list[Found]:
    """``found`` (in order of start) less those that are part of the text of another, longer
    expression: one pass, as an expression can only lie inside one that starts no later."""
    order = sorted(range(len(found)), key=lambda i: (found[i].start, -found[i].end))
    keep: set[int] = set()
    reach = -1
    for i in order:
        if found[i].end > reach:
            keep.add(i)
            reach = found[i].end
    return [f for i, f in enumerate(found) if i in keep]


def _has_year(match: re.Match[str]) -> bool:
    groups = match.groupdict()
    return bool(groups.get("y") or groups.get("y2"))
