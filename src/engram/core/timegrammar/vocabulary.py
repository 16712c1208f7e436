"""The words of the time grammar: names of months, weekdays, numbers, and the regular
expressions built from them."""

from __future__ import annotations

import re

MONTHS = {
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
WEEKDAYS = {
    day: number
    for number, day in enumerate(
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    )
}
NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90,
    "a hundred": 100, "a couple of": 2, "a couple": 2, "couple of": 2, "a few": 3,
    "few": 3, "several": 4,
}  # fmt: skip
VAGUE = frozenset({"a couple of", "a couple", "couple of", "a few", "few", "several"})
QUARTERS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": 4, "final": 4}
DECADE_WORDS = {
    "twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60,
    "seventies": 70, "eighties": 80, "nineties": 90,
}  # fmt: skip

MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
MONTH_FULL = (
    r"(?:january|february|march|april|may|june|july|august|september|sept|october|november"
    r"|december)"
)
WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
SEASON = r"(?:spring|summer|autumn|fall|winter)"
DAYNUM = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
YEAR = r"(?:1[89]\d\d|20\d\d|'\d\d)"  # '95: the year nearest the anchor
COUNT = (
    r"(?:\d{1,3}|a couple of|a couple|couple of|a few|few|several|an?|one|two|three|four"
    r"|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty"
    r"|ninety|a hundred)"
)
UNIT = r"(?:minute|hour|day|week|fortnight|month|year|decade)s?"
DAYPART = r"(?:morning|afternoon|evening|night)"
HOLIDAY = (
    r"(?:the holidays|the holiday season|christmas holidays|christmas break"
    r"|christmas eve|christmas day|christmas|new year'?s eve|new year'?s day"
    r"|new year'?s(?!\s+resolutions?)|boxing day|st\.? patrick'?s day|memorial day|labou?r day"
    r"|mother'?s day|father'?s day"
    r"|halloween|valentine'?s day|valentine'?s|thanksgiving|easter|independence day"
    r"|the fourth of july|4th of july)"
)
BOUNDARY = r"(?=$|[^\w'-])"
FUTURE = re.compile(
    r"\b(?:will|shall|'ll|going to|gonna|plan(?:s|ning|ned)? (?:to|on)|about to|intend"
    r"|hope to|hoping to|looking forward|can't wait|next|tomorrow|upcoming|coming up|soon"
    r"|is on|are on|is at|'s on)\b|^(?:when|what time) (?:is|are)\b"
)
SENTENCE = re.compile(r"[^.!?;\n]+")
