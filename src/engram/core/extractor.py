"""The offline fact extractor: what ``add(infer=True)`` keeps when no LLM is configured.

Deterministic and model-free. From the user's messages it keeps informative statements:

1. Each line of a message (chat lines, list items) is cleaned of Markdown markup (list
   markers, emphasis, headings, links) and split into sentences by ``sentencex`` (Wikimedia's
   segmenter: ~300 languages, abbreviations, lowercase chat text, non-ASCII capitals, closing
   quotes). Its English rules take "me." before a word starting with "I" for an abbreviation
   ("...to me. I moved"); a second pass splits where a lowercase word that is no abbreviation
   ends a sentence and a capital starts the next.
2. Sentences are split into independent clauses ("; ", ", and/but/so" before a new subject, and
   an emoji between two statements).
3. Question-ness is decided per clause: a clause ending in a question mark is dropped, but a
   statement glued before it ("I moved to Lisbon, do you know it?") is kept.
4. Greetings, filler and leading interjections are dropped; names, numbers and dates are kept as
   written; the speaker is named when the message has a ``name``, and relative dates
   ("yesterday", "last week") are anchored to the day the message was said.

Deduplication against stored memories (by hash and by embedding similarity) happens in the core
(``engram.core.operations``). The graph extractor reads the statements kept here:
``extract_statements(messages, said_at) -> list[Statement]`` is its interface.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sentencex import segment

from engram.core.messages import Message

#: The segmenter's language: its English rules (abbreviations such as "Dr." or "U.S.") also
#: split the other languages' sentences tested here, whose punctuation it knows anyway.
LANGUAGE = "en"
_QUESTION_MARKS = "?\uff1f\u061f"  # ASCII, full-width (CJK), Arabic
_CLOSERS = "\"'\u2019\u201d\u00bb)]}*_ \t"
#: A clause boundary inside a sentence: "; " or ", and/but/so " before a new subject.
_CLAUSE = re.compile(
    r"(?:;\s+|,\s+(?:and|but|so)\s+)(?=(?:I|I'm|I've|I'd|I'll|we|he|she|they|my|our|his|her|"
    r"their|it|it's|this|that|there)\b)",
    re.IGNORECASE,
)
#: Emoji (pictographs, symbols, flags, with modifiers and joiners).
_EMOJI = (
    r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D\U0001F3FB-\U0001F3FF"
    r"\U000E0020-\U000E007F]"
)
#: Spaces after an emoji and before a word: where chat puts an emoji instead of a full stop
#: (a cut there needs a clause on each side; "I ❤️ NY" is one statement).
_EMOJI_BREAK = re.compile(rf"(?<={_EMOJI})\s+(?=\w)")
#: A question glued after a statement: ", do you ...", " - any idea ...", or without a comma
#: an auxiliary and a pronoun ("... Lisbon do you know it?").
_TRAILING_QUESTION = re.compile(
    r"(?:\s*[,;:\u2013\u2014-]\s*|\s+)(?=(?:do|does|did|can|could|would|will|are|is|have|has|"
    r"should|shall)\s+(?:you|u|ya|y'all|they|we|it|he|she|anyone|anybody|someone)\b)"
    r"|\s*[,;:\u2013\u2014-]\s*(?=(?:what|where|when|why|how|who|which|any|anyone|right|"
    r"isn't|aren't|don't|didn't|won't|wouldn't|ok|okay|yes|no)\b)",
    re.IGNORECASE,
)
#: A sentence end: a lowercase-ending word of 2+ letters, end punctuation, closing quotes, space.
_END = re.compile(r"\b([^\W\d_]*[^\W\d_A-Z]{2})[.!?]+[\"'\u201d\u2019)\]]*\s+")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt vs etc approx dept est fig inc ltd co corp no nos vol ed "
    "eds pp ch sec op cf ca jan feb mar apr jun jul aug sep sept oct nov dec ave blvd rd".split()
)
#: How a question starts: an interrogative word or an auxiliary verb.
_ASKING = re.compile(
    r"\s*(?:what|what's|how|why|where|when|who|whom|whose|which|is|are|am|was|were|do|does|"
    r"did|can|could|would|will|should|shall|have|has|had|any|anything|anyone|got|wanna|may)\b",
    re.IGNORECASE,
)
_LIST_MARKER = re.compile(r"^\s*(?:[-*+\u2022]|\d{1,3}[.)]|#{1,6})\s+")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|`+|~~)")
_INTERJECTION = re.compile(
    r"^(?:(?:oh|ah|wow|hey|hi|hello|yeah|yes|yep|no|nope|well|so|ok|okay|haha|lol|hmm|um|uh|"
    r"sure|great|cool|awesome|nice|thanks|thank you|omg|aw+|ooh|totally|absolutely|right|"
    r"honestly|actually|anyway|btw|by the way)\b[\s,!.:;-]*)+",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_][\w'\u2019-]*")
#: Scripts written without spaces between words: one "word" may hold a whole statement.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
#: Words that carry no fact on their own: greetings, filler, reactions, function words.
_EMPTY_WORDS = frozenset(
    """
    a an the and or but so to of in on at for with by from as is am are was were be been being
    it it's its this that that's these those there here i i'm me my you you're your we us our
    he she him her they them their do does did done have has had just really very too also
    oh ah wow hey hi hello yeah yes yep no nope well ok okay haha lol hmm um uh sure great cool
    awesome nice thanks thank thx bye goodbye see ya later soon good morning evening night
    afternoon glad happy hear sounds sound love amazing fantastic wonderful congrats
    congratulations totally absolutely right agree true exactly indeed lovely fun such what
    how all much lot lots can't cannot wait take care talk chat catch up again same too
    omg awesome! welcome pleasure anytime sorry np course definitely will would could should
    not don't doesn't didn't won't
    """.split()
)
_RELATIVE_TIME = re.compile(
    r"\b(?:yesterday|today|tonight|tomorrow|last (?:night|week|weekend|month|year|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)|this (?:morning|afternoon|"
    r"evening|week|weekend|month|year)|next (?:week|weekend|month|year)|recently|"
    r"\d+ (?:days?|weeks?|months?|years?) ago|a (?:few )?(?:days?|weeks?|months?|years?) ago)\b",
    re.IGNORECASE,
)
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


@dataclass(frozen=True, slots=True)
class Statement:
    """One extracted memory text and the message it came from."""

    text: str
    message: Message


def extract_statements(messages: list[Message], said_at: str) -> list[Statement]:
    """The informative statements of the user messages, in order, without exact repeats."""
    seen: set[str] = set()
    out: list[Statement] = []
    for message in messages:
        if message.role != "user":
            continue
        for clause in _clauses(message.content):
            text = _finish(clause, message.name, said_at)
            if text is not None and text not in seen:
                seen.add(text)
                out.append(Statement(text, message))
    return out


def sentences(text: str) -> list[str]:
    """The sentences of ``text``: each line cleaned of Markdown, then segmented."""
    found: list[str] = []
    for line in text.splitlines():
        line = _plain(line)
        if line:
            for part in segment(LANGUAGE, line):
                found.extend(s for s in _resplit(part.strip()) if s)
    return found


def _resplit(sentence: str) -> list[str]:
    """``sentence`` cut where the segmenter missed an end: after a lowercase word of two
    letters or more that is not an abbreviation, before a capital (quotes allowed)."""
    parts: list[str] = []
    start = 0
    for match in _END.finditer(sentence):
        word, following = match.group(1), sentence[match.end() :].lstrip("\"'(\u201c\u2018")
        if word.lower() in _ABBREVIATIONS or not following[:1].isupper():
            continue
        parts.append(sentence[start : match.end()].strip())
        start = match.end()
    parts.append(sentence[start:].strip())
    return parts


def _plain(line: str) -> str:
    """A line without its list marker, heading marks, emphasis and link syntax."""
    line = _LIST_MARKER.sub("", line)
    line = _LINK.sub(r"\1", line)
    return _EMPHASIS.sub("", line).strip()


def _clauses(text: str) -> list[str]:
    clauses: list[str] = []
    for sentence in sentences(text):
        for part in _emoji_split(sentence):
            for clause in _CLAUSE.split(part):
                statement = _statement_of(clause.strip())
                if statement:
                    clauses.append(statement)
    return clauses


def _emoji_split(sentence: str) -> list[str]:
    """``sentence`` cut after emoji that separate two clauses (3+ words before, 2+ after)."""
    parts: list[str] = []
    start = 0
    for match in _EMOJI_BREAK.finditer(sentence):
        left, rest = sentence[start : match.start()], sentence[match.end() :]
        if len(_WORD.findall(left)) >= 3 and len(_WORD.findall(rest)) >= 2:
            parts.append(left)
            start = match.end()
    parts.append(sentence[start:])
    return parts


def _statement_of(clause: str) -> str | None:
    """The clause, or the statement before a question glued to it, or None for a question."""
    if not clause.rstrip(_CLOSERS).endswith(tuple(_QUESTION_MARKS)):
        return clause
    match = _TRAILING_QUESTION.search(clause)
    if match is None or match.start() == 0:
        return None
    head = clause[: match.start()].rstrip(" ,;:-\u2013\u2014")
    if _ASKING.match(_INTERJECTION.sub("", head)):
        return None  # the head itself asks: "How long have you ...", "What kinda jobs are you"
    return head or None


def _finish(clause: str, speaker: str | None, said_at: str) -> str | None:
    """The memory text of a clause, or None when it holds no fact."""
    clause = _INTERJECTION.sub("", clause.lstrip(")]} ")).strip(" ,;:-")
    if speaker:
        clause = re.sub(rf"^{re.escape(speaker)}\b[\s,!.:;-]*", "", clause, flags=re.IGNORECASE)
    words = [w.lower().strip("'\u2019") for w in _WORD.findall(clause)]
    content = [w for w in words if w not in _EMPTY_WORDS]
    if not content or (len(words) < 2 and not _UNSPACED.search(clause)):
        return None
    if _UNSPACED.search(clause) and len(clause.strip("\u3002.!\uff01 ")) < 3:
        return None
    clause = clause[0].upper() + clause[1:]
    if _RELATIVE_TIME.search(clause):
        clause = f"{clause} (said on {_spoken_date(said_at)})"
    return f"{speaker}: {clause}" if speaker else clause


def _spoken_date(iso: str) -> str:
    """``2023-05-08T...`` -> ``8 May 2023``."""
    year, month, day = iso[:4], int(iso[5:7]), int(iso[8:10])
    return f"{day} {_MONTHS[month - 1]} {year}"
