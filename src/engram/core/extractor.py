"""The offline fact extractor: what ``add(infer=True)`` keeps when no LLM is configured.

Deterministic and model-free. From the user's messages it keeps informative statements: it
splits text into sentences and compound sentences into independent clauses, drops questions,
greetings and filler, strips leading interjections, keeps names, numbers and dates as written,
names the speaker when the message has a ``name``, and anchors relative dates ("yesterday",
"last week") to the day the message was said. Deduplication against stored memories (by hash
and by embedding similarity) happens in the core (``engram.core.operations``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engram.core.messages import Message

#: Sentence boundary: end punctuation, spaces, then something that can start a sentence.
_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n+")
_ABBREVIATION = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|vs|etc|e\.g|i\.e|approx|no|Ave|Mt)\.$", re.IGNORECASE
)
#: A clause boundary inside a sentence: "; " or ", and/but/so " before a new subject.
_CLAUSE = re.compile(
    r"(?:;\s+|,\s+(?:and|but|so)\s+)(?=(?:I|I'm|I've|I'd|I'll|we|he|she|they|my|our|his|her|"
    r"their|it|it's|this|that|there)\b)",
    re.IGNORECASE,
)
_INTERJECTION = re.compile(
    r"^(?:(?:oh|ah|wow|hey|hi|hello|yeah|yes|yep|no|nope|well|so|ok|okay|haha|lol|hmm|um|uh|"
    r"sure|great|cool|awesome|nice|thanks|thank you|omg|aw+|ooh|totally|absolutely|right|"
    r"honestly|actually|anyway)\b[\s,!.:;-]*)+",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\u2019-]*")
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


def _clauses(text: str) -> list[str]:
    sentences: list[str] = []
    for piece in _SENTENCE.split(text):
        piece = piece.strip()
        if not piece:
            continue
        if sentences and _ABBREVIATION.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    clauses: list[str] = []
    for sentence in sentences:
        if sentence.rstrip("\"') ").endswith("?"):
            continue
        clauses.extend(part.strip() for part in _CLAUSE.split(sentence) if part.strip())
    return clauses


def _finish(clause: str, speaker: str | None, said_at: str) -> str | None:
    """The memory text of a clause, or None when it holds no fact."""
    clause = _INTERJECTION.sub("", clause).strip(" ,;:-")
    if speaker:
        clause = re.sub(rf"^{re.escape(speaker)}\b[\s,!.:;-]*", "", clause, flags=re.IGNORECASE)
    words = [w.lower().strip("'\u2019") for w in _WORD.findall(clause)]
    content = [w for w in words if w not in _EMPTY_WORDS]
    if not content or len(words) < 2:
        return None
    clause = clause[0].upper() + clause[1:]
    if _RELATIVE_TIME.search(clause):
        clause = f"{clause} (said on {_spoken_date(said_at)})"
    return f"{speaker}: {clause}" if speaker else clause


def _spoken_date(iso: str) -> str:
    """``2023-05-08T...`` -> ``8 May 2023``."""
    year, month, day = iso[:4], int(iso[5:7]), int(iso[8:10])
    return f"{day} {_MONTHS[month - 1]} {year}"
