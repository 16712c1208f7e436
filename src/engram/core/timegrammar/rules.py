"""The grammar's rules, most specific first: a regular expression and a resolver each."""

from __future__ import annotations

import re
from dataclasses import dataclass

from engram.core.timegrammar.resolve import Resolver
from engram.core.timegrammar.resolvers import (
    r_ago,
    r_calendar,
    r_clock,
    r_day_month,
    r_day_month_year,
    r_day_of_month,
    r_day_range,
    r_decade,
    r_far,
    r_from_weekday,
    r_half_ago,
    r_holiday,
    r_in_year,
    r_iso,
    r_later,
    r_month,
    r_month_range,
    r_month_year,
    r_nights_ago,
    r_numeric,
    r_or_ago,
    r_part_of_this,
    r_quarter,
    r_relative_day,
    r_season,
    r_season_part,
    r_span_to_anchor,
    r_the_weekend,
    r_this_time,
    r_vague,
    r_weekday,
    r_weekdays_ago,
    r_weekends_ago,
    r_year,
    r_year_range,
)
from engram.core.timegrammar.vocabulary import (
    BOUNDARY,
    COUNT,
    DAYNUM,
    DAYPART,
    HOLIDAY,
    MONTH,
    MONTH_FULL,
    SEASON,
    UNIT,
    WEEKDAY,
    YEAR,
)


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
#: rule whose kinds are absent is not tried (a tenth of the time of trying every rule). Units
#: come before months: "decade" is no December.
_TRIGGERS = re.compile(
    r"(?P<D>\d)|\b(?:(?P<U>minute|hour|day|week|fortnight|month|quarter|year|decade)"
    r"|(?P<M>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"|(?P<W>(?:mon|tues|wednes|thurs|fri|satur|sun)day)|(?P<S>spring|summer|autumn|fall|winter)"
    r"|(?P<H>christmas|new year|halloween|valentine|thanksgiving|easter|independence"
    r"|fourth of july|holiday|boxing day|patrick|memorial day|labou?r day|mother'?s day"
    r"|father'?s day)"
    r"|(?P<R>yesterday|today|tonight|tomorrow|night|morning|afternoon|evening|recently"
    r"|lately|not long ago|noon|twenties|thirties|forties|fifties|sixties|seventies|eighties"
    r"|nineties))"
)


def triggers(norm: str) -> set[str]:
    """The kinds of word ``norm`` holds."""
    return {m.lastgroup for m in _TRIGGERS.finditer(norm) if m.lastgroup}


_WHICH = r"(?P<which>last|this|next|this coming|this past|previous)"
_TO = r"\s*(?:-|to|and|until|till|through|thru)\s*"
#: Words before a bare "Q3" that make it a quarter ("Q1: what is your name?" is none).
_BY = r"(?:in|by|for|during|since|until|before|after|of)"
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
        "this time",
        "U",
        r"(?:(?:around|about)\s+)?this\s+time\s+(?P<which>last|next)\s+(?P<u>week|month|year)",
        r_this_time,
    ),
    _rule(
        "quarter",
        "D|U",
        rf"(?:{_BY}\s+)?q(?P<q>[1-4])\s+(?:of\s+)?(?P<y>{YEAR})|{_BY}\s+q(?P<q2>[1-4])"
        r"|(?:the\s+)?(?P<ord>first|second|third|fourth|last|final)\s+quarter\s+of\s+"
        rf"(?:(?P<y2>{YEAR})|(?P<this_year>this|the)\s+year)",
        r_quarter,
        period="year",
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
        rf"(?:{_WHICH}\s+)?(?P<h>{HOLIDAY})(?:,?\s+(?P<y>{YEAR}))?(?P<weekend>\s+weekend)?",
        r_holiday,
        period="year",
    ),
    _rule(
        "part of a season",
        "S",
        r"(?:the\s+)?(?P<part>beginning|start|end|middle)\s+of\s+(?:the\s+)?"
        rf"(?:(?P<which>last|this|next)\s+)?(?P<s>{SEASON})(?!(?:\s+of)?,?\s+{YEAR})",
        r_season_part,
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
        rf"(?:(?:(?P<wd>{WEEKDAY}),?\s+)?(?:the\s+)?(?P<d>{DAYNUM})(?:\s+of)?\s+(?P<mon>{MONTH})"
        rf"|(?:(?P<wd2>{WEEKDAY}),?\s+)?(?P<mon2>{MONTH})\s+(?:the\s+)?(?P<d2>{DAYNUM}))",
        r_day_month,
        period="year",
    ),
    _rule(
        "day of month",
        "D",
        r"(?:on|around|by|until|till|from|since|before|after)\s+the\s+"
        r"(?P<d>(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th))(?!\s+[a-z])",
        r_day_of_month,
    ),
    _rule(
        "decade",
        "D|R",
        r"the\s+(?:(?:early|late|mid)[\s-]+)?(?:'?(?P<short>\d0)s|(?P<words>twenties|thirties"
        r"|forties|fifties|sixties|seventies|eighties|nineties))"
        r"|(?:the\s+)?(?P<full>(?:1[89]|20)\d0)s",
        r_decade,
    ),
    _rule(
        "relative day",
        "R",
        r"(?P<w>the day before yesterday|the day after tomorrow|the night before last|yesterday"
        r"|today|tonight"
        rf"|tomorrow|last night|this {DAYPART})(?:\s+{DAYPART})?",
        r_relative_day,
    ),
    _rule(
        "vague",
        "R|U",
        r"(?P<w>recently|lately|not long ago|the other day"
        r"|(?:earlier|later) (?:this|in the) (?:week|month|year)"
        r"|in recent (?:days|weeks|months|years))",
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
    _rule(
        "been since",
        "U",
        r"(?:it'?s|it\s+has|it'?d|it\s+had|has|had)\s+been\s+(?:(?:about|almost|nearly|over"
        rf"|around|roughly|more\s+than|less\s+than|a\s+good)\s+)?(?P<n>{COUNT})\s+(?P<u>{UNIT})"
        r"(?=\s+since\b)",
        r_ago,
    ),
    _rule(
        "or ago",
        "U",
        rf"(?P<n1>{COUNT})\s+or\s+(?P<n>{COUNT})\s+(?P<u>{UNIT})\s+(?:ago|back|earlier)"
        rf"|(?P<n12>an?|one)\s+(?P<u2>{UNIT})\s+or\s+(?P<n2>two|three|2|3)\s+(?:ago|back|earlier)",
        r_or_ago,
    ),
    _rule(
        "nights ago",
        "R",
        rf"(?P<n>{COUNT})\s+nights?\s+(?:ago|back|earlier)",
        r_nights_ago,
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
        r"(?:over|on|during)\s+the\s+weekend(?!\s+(?:of|before|after)\b)"
        # "at the weekend" ends its phrase ("at the weekend papers" names no time)
        r"|at\s+the\s+weekend(?=\s*(?:$|[^\w\s])|\s+(?:and|but|or|so|with|we|i|you|he|she"
        r"|they|it|to|for|in|on|too|again|because|when|while|if|then)\b)",
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
        rf"{_WHICH}\s+(?P<u>week|weekend|month|quarter|year)(?!\s+of\b)"
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
