"""The offline extractor of entities and relations: rules, no model, no network.

It reads the statements the offline fact extractor keeps ("Maya: My sister Ana moved to
Lisbon") one message at a time and finds:

- entity mentions: the speaker ("I", "me", "my", "we"), capitalised names and quoted titles,
  dates, kin ("my sister", named or not), and the objects of the verbs below;
- relations, each from a verb pattern with a fixed relationship: ``lives_in``, ``from``,
  ``works_at``, ``worked_at``, ``works_as``, ``studies_at``, ``studies``, ``member_of``,
  ``<kin>_of`` (``sister_of``, ``friend_of``...), ``likes``, ``dislikes``, ``owns``,
  ``is_a`` (a named pet or thing), ``visited``, ``attended``, ``plays``, ``met``,
  ``married_to``, ``made`` and ``reads``.

The subject of a verb is the nearest mention before it in the clause (the speaker when there
is none: chat statements drop "I"); "he", "she" and "they" are the last person named in the
message. The word lists below are general English, written before any measurement; the
extractor's precision and recall on hand-labelled LoCoMo statements are in
``bench/graph_extraction.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from engram.core.graph.names import normalise_name

_SPEAKER_PREFIX = re.compile(r"^([^:\n]{1,60}):\s+")
_SAID_ON = re.compile(r"\s*\(said on [^)]*\)\s*$")
_CLAUSE_SPLIT = re.compile(r"(?<=[.!?;])\s+|\s+-\s+|\s*\u2014\s*|,\s+(?:and|but|so|because)\s+")
_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
).split()
_DAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December)"
)
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:,?\s+\d{{4}})?|{_MONTH}\s+\d{{1,2}}"
    rf"(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|{_MONTH}\s+\d{{4}}|(?:in|since|of)\s+(?:19|20)\d{{2}})\b"
)
#: Capitalised words that are not names: function words, common sentence starters, greetings.
_COMMON = frozenset(
    """a about after again all also always am an and another any anyway are as at back be
    because been before being best both but by can could did do does doing done during each
    even every finally first for from get getting go going good got great had has have having
    he her here hers him his how however i if in into is it its just last let like lol made
    make many maybe me more most much my never new next no not now of off oh ok okay on once
    one only or other our out over plus really right same see seeing she should since so some
    something soon still such sure than thank thanks that the their them then there these they
    thing things this those though through thus to today together tomorrow too totally truly
    um under until up us very was we well went were what whatever when where which while who
    why will with without would wow yeah yes yesterday yet you your yours hey hi hello haha
    omg aww aw awesome amazing congrats congratulations cool nice sounds wishing glad happy
    love loving looking look looks having keep keeping hope hoping thinking wish definitely
    absolutely honestly actually especially exactly seriously anyway tonight lately recently
    sorry please guess bye cheers dear mr mrs ms dr""".split()
)
_PERSON_TITLE = re.compile(r"^(?:Mr|Mrs|Ms|Dr|Prof)\.?$")
_NAME_WORD = r"[A-Z][\w'\u2019&.-]*"
_NAME = re.compile(
    rf"{_NAME_WORD}(?:\s+(?:of|de|da|van|von|the|&)\s+{_NAME_WORD}|\s+{_NAME_WORD})*"
)
_QUOTED = re.compile(r"[\"\u201c']([A-Z][^\"\u201d']{1,60})[\"\u201d']")
_KIN = {
    "sister": "sister", "sis": "sister", "brother": "brother", "bro": "brother",
    "mother": "mother", "mom": "mother", "mum": "mother", "mommy": "mother", "mama": "mother",
    "father": "father", "dad": "father", "daddy": "father", "papa": "father",
    "son": "son", "daughter": "daughter", "kid": "child", "kids": "child", "child": "child",
    "children": "child", "parents": "parent", "parent": "parent", "husband": "husband",
    "wife": "wife", "partner": "partner", "spouse": "spouse", "boyfriend": "boyfriend",
    "girlfriend": "girlfriend", "fiance": "fiance", "fiancé": "fiance", "fiancée": "fiance",
    "friend": "friend", "friends": "friend", "buddy": "friend", "bestie": "friend",
    "cousin": "cousin", "aunt": "aunt", "uncle": "uncle", "grandma": "grandmother",
    "grandmother": "grandmother", "granny": "grandmother", "grandpa": "grandfather",
    "grandfather": "grandfather", "niece": "niece", "nephew": "nephew", "boss": "boss",
    "colleague": "colleague", "coworker": "colleague", "roommate": "roommate",
    "neighbor": "neighbor", "neighbour": "neighbor", "mentor": "mentor", "teacher": "teacher",
}  # fmt: skip
_KIN_WORDS = "|".join(sorted(_KIN, key=len, reverse=True))
_KIN_NAMED = re.compile(
    rf"\b(?P<owner>(?i:my|our|his|her|their))\s+(?i:(?:best|little|big|older|younger|oldest|"
    rf"youngest|new|dear|old)\s+)?(?P<kin>(?i:{_KIN_WORDS}))\b(?:\s*,)?\s+"
    rf"(?P<name>[A-Z][\w'\u2019-]+)"
)
_NAME_IS_KIN = re.compile(
    rf"(?P<name>[A-Z][\w'\u2019-]+)\s+(?:is|was|'s)\s+(?P<owner>(?i:my|our|his|her|their))\s+"
    rf"(?i:(?:best|little|big|older|younger|new|dear|old)\s+)?(?P<kin>(?i:{_KIN_WORDS}))\b"
)
_KIN_BARE = re.compile(
    rf"\b(?P<owner>my|our|his|her|their)\s+(?:(?:best|little|big|older|younger|new|dear|old)"
    rf"\s+)?(?P<kin>{_KIN_WORDS})\b",
    re.IGNORECASE,
)
_SUBJECT_WORD = re.compile(
    rf"\b(?:(?P<owner>my|our|his|her|their)\s+(?:(?:best|little|big|older|younger|new|dear|old)"
    rf"\s+)?(?P<kin>{_KIN_WORDS})|(?P<word>i|we|he|she|they|you|it|this|that|there))\b",
    re.IGNORECASE,
)
_STOP_PHRASE = re.compile(
    r"\s+(?:with|for|in|at|on|to|from|about|because|since|when|while|after|before|and|but|or|"
    r"so|that|which|who|where|as|if|than|like|by|during|into|of|every|each|this|last|next|"
    r"named|called|"
    r"'cause|cuz|too|again|yesterday|today|tonight|now|together|anymore|lately|recently|"
    r"sometimes|always|a lot|so much|very much)\b.*$",
    re.IGNORECASE,
)
_LEADING = re.compile(
    r"^(?:(?:a|an|the|my|our|his|her|their|your|some|this|that|these|those|new|own|two|three|"
    r"\d+|lots of|a lot of|a couple of|all|any|more|really|so|such|just|also|to)\s+)+",
    re.IGNORECASE,
)
#: Objects that are not things one has, likes or makes.
_ABSTRACT = frozenset(
    """time times fun chance idea lot lots feeling feelings blast day days moment moments way
    ways thing things it that this them you one ones question questions difference point sense
    look break rest go try bit while fact kind sort part role impact effect talk chat hard
    tough great good amazing awesome need needs plan plans dream dreams hope experience
    experiences much more best everything something nothing anything mind""".split()
)
_EVENTS = frozenset(
    """conference concert festival parade class classes meeting workshop wedding party show
    game exhibition exhibit event fair retreat seminar talk match tournament competition contest
    camp group session ceremony march rally protest convention meetup gala lecture course
    program recital performance play musical service fundraiser marathon race""".split()
)


@dataclass(frozen=True, slots=True)
class Mention:
    """An entity as extracted: its normalised name and type."""

    name: str
    type: str


@dataclass(frozen=True, slots=True)
class Triple:
    """``source -relationship-> destination``."""

    source: Mention
    relationship: str
    destination: Mention


@dataclass
class Extraction:
    """What one statement (or message) yields."""

    entities: list[Mention] = field(default_factory=list)
    triples: list[Triple] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    relationship: str
    kind: str  # the object's type; "proper": a name is required, typed by ``proper_type``
    proper_type: str = "thing"


def _rule(pattern: str, relationship: str, kind: str, proper_type: str = "thing") -> _Rule:
    return _Rule(re.compile(pattern, re.IGNORECASE), relationship, kind, proper_type)


_RULES = (
    _rule(r"\b(?:live|lives|lived|living|reside|resides|resided|residing|settled)\s+(?:in|at)\s+",
          "lives_in", "proper", "place"),
    _rule(r"\bmov(?:e|ed|es|ing)\s+(?:back\s+|over\s+|out\s+)?to\s+", "lives_in", "proper",
          "place"),
    _rule(r"\b(?:am|is|are|was|were|'m|'s|come|comes|came|originally)\s+(?:originally\s+)?"
          r"from\s+", "from", "proper", "place"),
    _rule(r"\b(?:lost|quit|left)\s+(?:my|his|her|their|the)\s+job\s+(?:at|with)\s+",
          "worked_at", "proper", "organization"),
    _rule(r"\b(?:work|works|worked|working|job|jobs|intern|interning|interned|internship|"
          r"employed|career)\s+(?:at|for|with)\s+", "works_at", "proper", "organization"),
    _rule(r"\b(?:hired by|employed by|joined)\s+", "works_at", "proper", "organization"),
    _rule(r"\b(?:work|works|worked|working|job)\s+as\s+", "works_as", "thing"),
    _rule(r"\b(?:study|studies|studied|studying|student|enrolled)\s+(?:at|in)\s+",
          "studies_at", "proper", "organization"),
    _rule(r"\b(?:study|studies|studied|studying|majoring in|major in|degree in)\s+",
          "studies", "thing"),
    _rule(r"\b(?:member of|part of|belong to|belongs to|volunteer(?:s|ed|ing)? (?:at|with|for))"
          r"\s+", "member_of", "proper", "organization"),
    _rule(r"\b(?:our|my)\s+(?:group|club|team|band|community|organization|church)\s*,?\s+"
          r"(?:called\s+|named\s+)?", "member_of", "proper", "organization"),
    _rule(r"(?:\b(?:i|we|you|they|he|she|really|also|just|still|all|do|does|did|always|"
          r"totally|truly)\s+)(?:like|likes|liked)\s+", "likes", "thing"),
    _rule(r"\b(?:love|loves|loved|loving|enjoy|enjoys|enjoyed|enjoying|adore|adores|adored|"
          r"fan of|passionate about|obsessed with|fond of|into)\s+", "likes", "thing"),
    _rule(r"\b(?:hate|hates|hated|dislike|dislikes|disliked|can't stand|don't like|"
          r"doesn't like|not a fan of)\s+", "dislikes", "thing"),
    _rule(r"\b(?:have|has|had|got|bought|buy|buying|adopted|adopt|adopting|own|owns|owned)\s+"
          r"(?=(?:a|an|two|three|\d+|some|my|our|new)\s)", "owns", "thing"),
    _rule(r"\b(?:visit|visits|visited|visiting|went to|go to|going to|been to|travel(?:l)?ed to|"
          r"travel(?:l)?ing to|trip to|vacation in|vacationing in|holiday in|flew to|road trip to)"
          r"\s+", "visited", "proper", "place"),
    _rule(r"\b(?:attend|attends|attended|attending|went to|go to|going to|been to)\s+",
          "attended", "event"),
    _rule(r"\b(?:play|plays|played|playing)\s+(?:the\s+)?(?!with\b|a role\b|it\b)", "plays",
          "thing"),
    _rule(r"\b(?:met|meet|meeting)\s+(?:up with\s+)?", "met", "proper", "person"),
    _rule(r"\b(?:married|marry|marrying|engaged to)\s+(?:to\s+)?", "married_to", "proper",
          "person"),
    _rule(r"\b(?:painted|paint|drew|draw|built|build|wrote|write|baked|bake|knitted|sculpted|"
          r"created|designed|made)\s+(?=(?:a|an|this|that|some|these|the|my)\s)", "made", "thing"),
    _rule(r"\b(?:read|reading|reads)\s+(?:the book\s+)?", "reads", "proper", "thing"),
)  # fmt: skip


class Extractor:
    """Extracts the entities and relations of one message's statements, in order.

    The speaker is who "I" is; ``last_person`` follows the people named, for "he" and "she".
    """

    def __init__(self, speaker: str) -> None:
        self.speaker = Mention(normalise_name(speaker) or "user", "person")
        self.last_person: Mention | None = None

    def extract(self, text: str) -> Extraction:
        """The entities and relations of one statement (a ``Speaker:`` prefix is dropped)."""
        text = _SAID_ON.sub("", text.strip())
        prefix = _SPEAKER_PREFIX.match(text)
        if prefix and normalise_name(prefix.group(1)) == self.speaker.name:
            text = text[prefix.end() :]
        out = Extraction()
        for clause in _CLAUSE_SPLIT.split(text):
            if clause.strip():
                self._clause(clause.strip(), out)
        return _consistent(out)

    def _clause(self, clause: str, out: Extraction) -> None:
        mentions = self._mentions(clause)
        for _, mention in mentions:
            out.entities.append(mention)
        self._kin(clause, out)
        objects: set[int] = set()  # where objects start: the first rule to match one wins
        for rule in _RULES:
            for match in rule.pattern.finditer(clause):
                if match.end() in objects:
                    continue
                obj = self._object(clause[match.end() :], rule)
                if obj is None:
                    continue
                subject = self._subject(clause[: match.start()], mentions, match.start())
                if subject is None:
                    continue
                objects.add(match.end())
                out.triples.append(Triple(subject, rule.relationship, obj[0]))
                out.entities.append(obj[0])
                if obj[1] is not None:  # "a dog named Rex": Rex is a dog
                    out.triples.append(Triple(obj[0], "is_a", obj[1]))
                    out.entities.append(obj[1])
        for _, mention in mentions:
            if mention.type == "person" and mention != self.speaker:
                self.last_person = mention

    def _mentions(self, clause: str) -> list[tuple[int, Mention]]:
        """Names, quoted titles and dates, with where each starts."""
        found: list[tuple[int, Mention]] = []
        taken: list[tuple[int, int]] = []
        for match in _DATE.finditer(clause):
            phrase = re.sub(r"^(?:in|since|of)\s+", "", match.group(0))
            found.append((match.start(), Mention(normalise_name(phrase), "date")))
            taken.append(match.span())
        for match in _QUOTED.finditer(clause):
            name = normalise_name(match.group(1))
            if name:
                found.append((match.start(), Mention(name, "thing")))
                taken.append(match.span())
        for match in _NAME.finditer(clause):
            if any(a <= match.start() < b for a, b in taken):
                continue
            mention = self._name(match.group(0), at_start=match.start() == 0)
            if mention is not None:
                found.append((match.start(), mention))
        return sorted(found, key=lambda item: item[0])

    def _name(self, phrase: str, at_start: bool) -> Mention | None:
        """A capitalised phrase as a mention, unless it is a common word, a month or a day."""
        words = [w.rstrip(".'\u2019") for w in phrase.split()]
        words = [w for w in words if w]
        while words and (words[0].lower().strip("'\u2019") in _COMMON or words[0] == "I"):
            words = words[1:]
            at_start = False
        if not words or (_PERSON_TITLE.match(words[0]) and len(words) == 1):
            return None
        first = words[0].lower()
        if len(words) == 1 and (first in _MONTHS or first in _DAYS or first in _KIN):
            return None
        starter = first.endswith(("ing", "ed", "ly")) or first in _COMMON
        if at_start and len(words) == 1 and starter:
            return None
        name = normalise_name(" ".join(words))
        if not name or name in _COMMON:
            return None
        return Mention(name, "person" if name == self.speaker.name else "thing")

    def _kin(self, clause: str, out: Extraction) -> None:
        """``my sister Ana`` / ``Ana is my sister``: ``ana -sister_of-> speaker``."""
        named: set[int] = set()
        for pattern in (_KIN_NAMED, _NAME_IS_KIN):
            for match in pattern.finditer(clause):
                name = normalise_name(match.group("name"))
                owner = self._owner(match.group("owner"))
                if not name or name in _COMMON or owner is None:
                    continue
                person = Mention(name, "person")
                out.triples.append(Triple(person, f"{_KIN[match.group('kin').lower()]}_of", owner))
                out.entities += [person, owner]
                named.add(match.start("kin"))
                self.last_person = person
        for match in _KIN_BARE.finditer(clause):
            owner = self._owner(match.group("owner"))
            if match.start("kin") in named or owner is None:
                continue
            kin = _KIN[match.group("kin").lower()]
            person = Mention(f"{owner.name}'s_{match.group('kin').lower()}", "person")
            out.triples.append(Triple(person, f"{kin}_of", owner))
            out.entities += [person, owner]

    def _owner(self, word: str) -> Mention | None:
        if word.lower() in ("my", "our"):
            return self.speaker
        return self.last_person

    def _subject(self, before: str, mentions: list[tuple[int, Mention]], at: int) -> Mention | None:
        """The nearest mention, pronoun or kin before the verb; the speaker when none is."""
        best: tuple[int, Mention | None] = (-1, self.speaker)
        for match in _SUBJECT_WORD.finditer(before):
            word = (match.group("word") or "").lower()
            kin = match.group("kin")
            if kin:
                owner = self._owner(match.group("owner"))
                found = None
                if owner is not None:
                    found = Mention(f"{owner.name}'s_{kin.lower()}", "person")
            elif word in ("i", "we", "me"):
                found = self.speaker
            elif word in ("he", "she"):
                found = self.last_person
            else:  # they, you, it...: no subject the graph can name
                found = None
            best = (match.start(), found)
        for start, mention in mentions:
            if best[0] < start < at and mention.type != "date":
                best = (start, Mention(mention.name, "person"))
        return best[1]

    def _object(self, after: str, rule: _Rule) -> tuple[Mention, Mention | None] | None:
        """The object phrase after a verb: a name, or a noun phrase; ``(object, its kind)``."""
        after = after.lstrip()
        quoted = _QUOTED.match(after)
        name = quoted or _NAME.match(_LEADING.sub("", after))
        if rule.kind == "proper" or rule.kind == "person":
            if name is None:
                return None
            mention = self._name(name.group(1) if quoted else name.group(0), at_start=False)
            if mention is None:
                return None
            return Mention(mention.name, rule.proper_type), None
        phrase = _STOP_PHRASE.sub("", re.split(r"[,.!?;:()\"\u201c\u201d]", after)[0])
        phrase = _LEADING.sub("", phrase.strip())
        named = re.search(r"\b(?:named|called)\s+([A-Z][\w'\u2019-]+)", after)
        words = phrase.split()[:3]
        if not words:
            return None
        head = words[-1].lower().strip("'\u2019")
        if head in _ABSTRACT or words[0].lower() in _ABSTRACT or head in _COMMON:
            return None
        if rule.kind == "event" and head not in _EVENTS:
            return None
        if named and rule.relationship == "owns":
            pet = Mention(normalise_name(named.group(1)), "thing")
            kind = normalise_name(" ".join(w for w in words if w[:1].islower()) or head)
            return pet, Mention(kind, "thing")
        thing = normalise_name(" ".join(words))
        if not thing:
            return None
        return Mention(thing, "place" if name and rule.kind == "event" else "thing"), None


def _consistent(out: Extraction) -> Extraction:
    """One type per name (the most specific seen), no repeats, no self-loops."""
    best: dict[str, str] = {}
    mentions = [*out.entities, *(m for t in out.triples for m in (t.source, t.destination))]
    for m in mentions:
        if best.get(m.name, "thing") == "thing":
            best[m.name] = m.type
    entities = list(dict.fromkeys(Mention(m.name, best[m.name]) for m in out.entities))
    triples = [
        Triple(
            Mention(t.source.name, best[t.source.name]),
            t.relationship,
            Mention(t.destination.name, best[t.destination.name]),
        )
        for t in out.triples
        if t.source.name != t.destination.name
    ]
    return Extraction(entities, list(dict.fromkeys(triples)))


def extract_message(texts: Iterable[str], speaker: str) -> list[Extraction]:
    """The extraction of each statement of one message, with the message's context."""
    extractor = Extractor(speaker)
    return [extractor.extract(text) for text in texts]
