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
is none: chat statements drop "I"); "he" and "she" are the last person named in the message.
The word lists (``engram.core.graph.lexicon``) are general English, written before any
measurement; the extractor's precision and recall on hand-labelled LoCoMo statements are in
``bench/graph_extraction.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from engram.core.graph.lexicon import (
    ABSTRACT,
    ARTWORKS,
    COMMON,
    DATE,
    DAYS,
    EVENTS,
    GROUPS,
    KIN,
    KIN_BARE,
    KIN_NAMED,
    LEADING,
    MONTHS,
    NAME,
    NAME_IS_KIN,
    NOT_NAME_ENDINGS,
    NOT_OBJECT,
    OBJECT_FIRST,
    OBJECT_FIRST_VERBS,
    ORG_NOUNS,
    PEOPLE,
    PERSON_TITLE,
    PLACES,
    QUOTED,
    SELF_SUBJECT,
    SKIP,
    STOP_PHRASE,
    STOP_WORDS,
    TOKEN,
)
from engram.core.graph.names import normalise_name

_SPEAKER_PREFIX = re.compile(r"^([^:\n]{1,60}):\s+")
_SAID_ON = re.compile(r"\s*\(said on [^)]*\)\s*$")
_CLAUSE_SPLIT = re.compile(r"(?<=[.!?;])\s+|\s+-\s+|\s*\u2014\s*|,\s+(?:and|but|so|because)\s+")


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
    """What one statement (or message) yields: every entity (``names``: those named in the
    text, quoted or dates) and the relations between them."""

    entities: list[Mention] = field(default_factory=list)
    triples: list[Triple] = field(default_factory=list)
    names: list[Mention] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    relationship: str
    kind: str  # the object's type; "proper": a name is required, typed by ``proper_type``
    proper_type: str = "thing"
    #: The pattern starts with a noun ("a trip to", "a passion for"): its subject may stand
    #: a few words before it.
    nominal: bool = False


def _rule(
    pattern: str, relationship: str, kind: str, proper_type: str = "thing", nominal: bool = False
) -> _Rule:
    return _Rule(re.compile(pattern, re.IGNORECASE), relationship, kind, proper_type, nominal)


def _in(word: str, words: frozenset[str]) -> bool:
    """``word`` or its singular (``events``, ``classes``) is one of ``words``."""
    return word in words or (
        word.endswith("s") and (word[:-1] in words or (word.endswith("es") and word[:-2] in words))
    )


_RULES = (
    _rule(r"\b(?:live|lives|lived|living|reside|resides|resided|residing|settled)\s+(?:in|at)\s+",
          "lives_in", "proper", "place"),
    _rule(r"\bmov(?:e|ed|es|ing)\s+(?:back\s+|over\s+|out\s+)?to\s+", "lives_in", "proper",
          "place"),
    _rule(r"\b(?:am|is|are|was|were|'m|'s|come|comes|came|originally)\s+(?:originally\s+)?"
          r"from\s+", "from", "proper", "place"),
    _rule(r"\b(?:lost|quit|left)\s+(?:my|his|her|their|the)\s+job\s+as\s+", "worked_as",
          "thing"),
    _rule(r"\bmy\s+home\s*(?:country|town|city|state)\s*,?\s*(?:is\s+)?", "from", "proper",
          "place"),
    _rule(r"\b(?:joined|join|joining|member of|part of)\s+", "member_of", "group"),
    _rule(r"\b(?:my|our)\s+(?=(?:[\w-]+\s+){0,2}(?:group|club|team|crew|band|choir|league)\b)",
          "member_of", "group"),
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
    _rule(r"\b(?:love|passion|fondness|affection)\s+for\s+", "likes", "thing", nominal=True),
    _rule(r"\b(?:love|loves|loved|loving|enjoy|enjoys|enjoyed|enjoying|adore|adores|adored|"
          r"fan of|passionate about|obsessed with|fond of|(?:'m|am|are|is|was|were|really|so|"
          r"totally)\s+into)\s+", "likes", "thing"),
    _rule(r"\b(?:hate|hates|hated|dislike|dislikes|disliked|can't stand|don't like|"
          r"doesn't like|not a fan of)\s+", "dislikes", "thing"),
    _rule(r"\b(?:have|has|got|bought|buy|buying|adopted|adopt|adopting|own|owns|owned)\s+"
          r"(?=(?:a|an|two|three|\d+|some|my|our|new)\s)", "owns", "thing"),
    _rule(r"\b(?:visit|visits|visited|visiting|went to|go to|going to|been to|travel(?:l)?ed to|"
          r"travel(?:l)?ing to|trip to|vacation in|vacationing in|holiday in|flew to|road trip to)"
          r"\s+", "visited", "proper", "place"),
    _rule(r"\b(?:attend|attends|attended|attending|went to|go to|going to|been to|"
          r"took (?:\w+\s+){1,2}to)\s+",
          "attended", "event"),
    _rule(r"\b(?:visit|visits|visited|visiting|went to|go to|going to|been to|"
          r"took (?:\w+\s+){1,2}to)\s+",
          "visited", "place"),
    _rule(r"\b(?:play|plays|played|playing)\s+(?:the\s+)?(?!with\b|a role\b|it\b)", "plays",
          "thing"),
    _rule(r"\b(?:met|meet|meeting)\s+(?:up with\s+)?", "met", "proper", "person"),
    _rule(r"\b(?:married|marry|marrying|engaged to)\s+(?:to\s+)?", "married_to", "proper",
          "person"),
    _rule(r"\btrip\b[^.,;!?]{0,30}?\bto\s+", "visited", "proper", "place", nominal=True),
    _rule(r"\b(?:ran|run|running|did|doing|took part in|participated in|joined)\s+",
          "attended", "event"),
    _rule(r"\bdid\s+(?=(?:a|an|this|that|my)\s)", "made", "artwork"),
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
            out.names.append(mention)
        clause_start = len(out.triples)
        self._kin(clause, out)
        objects: set[int] = set()  # where objects start: the first rule to match one wins
        for rule in _RULES:
            for match in rule.pattern.finditer(clause):
                if match.end() in objects:
                    continue
                found = self._objects(clause[match.end() :], rule)
                if not found:
                    continue
                if match.group(0)[:2].lower() in ("my", "ou"):
                    subject: Mention | None = self.speaker  # "my home country", "our group"
                else:
                    subject = self._subject(
                        clause[: match.start()], mentions, match.start(), 3 if rule.nominal else 0
                    )
                if subject is None:
                    continue
                objects.add(match.end())
                for obj, kind in found:
                    out.triples.append(Triple(subject, rule.relationship, obj))
                    out.entities.append(obj)
                    if kind is not None:  # "a dog named Rex": Rex is a dog
                        out.triples.append(Triple(obj, "is_a", kind))
                        out.entities.append(kind)
        for match in OBJECT_FIRST.finditer(clause):
            self._object_first(match, out)
        for triple in out.triples[clause_start:]:  # the people this clause named, last one last
            for m in (triple.source, triple.destination):
                if m.type == "person" and m != self.speaker and "'s_" not in m.name:
                    self.last_person = m

    def _object_first(self, match: re.Match[str], out: Extraction) -> None:
        """ "the figurines I bought": the speaker owns the figurines."""
        relationship = OBJECT_FIRST_VERBS[match.group("verb").lower()]
        words = match.group("object").split()
        head = words[-1].lower()
        if relationship in ("attended", "visited"):
            relationship = "attended" if head in EVENTS else "visited" if head in PLACES else ""
        if relationship == "made" and match.group("verb").lower() == "did" and head not in ARTWORKS:
            relationship = ""
        if not relationship or head in ABSTRACT or head in COMMON or head in PEOPLE:
            return
        thing = Mention(normalise_name(" ".join(words)), "thing")
        out.triples.append(Triple(self.speaker, relationship, thing))
        out.entities.append(thing)

    def _mentions(self, clause: str) -> list[tuple[int, Mention]]:
        """Names, quoted titles and dates, with where each starts."""
        found: list[tuple[int, Mention]] = []
        taken: list[tuple[int, int]] = []
        for match in DATE.finditer(clause):
            phrase = re.sub(r"^(?:in|since|of)\s+", "", match.group(0))
            found.append((match.start(), Mention(normalise_name(phrase), "date")))
            taken.append(match.span())
        for match in QUOTED.finditer(clause):
            name = normalise_name(match.group(1) or match.group(2))
            if name:
                found.append((match.start(), Mention(name, "thing")))
                taken.append(match.span())
        for match in NAME.finditer(clause):
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
        while words and _common(words[0]):
            words = words[1:]
            at_start = False
        if not words or (PERSON_TITLE.match(words[0]) and len(words) == 1):
            return None
        first = words[0].lower()
        if len(words) == 1 and (first in MONTHS or first in DAYS or first in KIN):
            return None
        starter = first.endswith(NOT_NAME_ENDINGS) or first in COMMON
        if at_start and len(words) == 1 and starter:
            return None
        name = normalise_name(" ".join(words))
        if not name or name in COMMON:
            return None
        return Mention(name, "person" if name == self.speaker.name else "thing")

    def _kin(self, clause: str, out: Extraction) -> None:
        """``my sister Ana`` / ``Ana is my sister``: ``ana -sister_of-> speaker``."""
        named: set[int] = set()
        for pattern in (KIN_NAMED, NAME_IS_KIN):
            for match in pattern.finditer(clause):
                name = normalise_name(match.group("name"))
                owner = self._owner(match.group("owner"))
                if not name or name in COMMON or owner is None:
                    continue
                person = Mention(name, "person")
                out.triples.append(Triple(person, f"{KIN[match.group('kin').lower()]}_of", owner))
                out.entities += [person, owner]
                named.add(match.start("kin"))
                self.last_person = person
        for match in KIN_BARE.finditer(clause):
            owner = self._owner(match.group("owner"))
            if match.start("kin") in named or owner is None:
                continue
            kin = KIN[match.group("kin").lower()]
            person = Mention(f"{owner.name}'s_{match.group('kin').lower()}", "person")
            out.triples.append(Triple(person, f"{kin}_of", owner))
            out.entities += [person, owner]

    def _owner(self, word: str) -> Mention | None:
        if word.lower() in ("my", "our"):
            return self.speaker
        return self.last_person

    def _subject(
        self, before: str, mentions: list[tuple[int, Mention]], at: int, slack: int = 0
    ) -> Mention | None:
        """Who does the verb: scanning back over auxiliaries and adverbs, a pronoun, a kin or
        a name; the speaker when the clause starts there (chat drops the "I"); None when
        another word (a noun the graph cannot name) stands there."""
        names = {start: m for start, m in mentions if m.type != "date"}
        tokens = list(TOKEN.finditer(before))
        for i in range(len(tokens) - 1, -1, -1):
            word = tokens[i].group(0).lower().replace("\u2019", "'")
            base = word.split("'")[0]
            if word in SKIP or (base in SKIP and base not in SELF_SUBJECT):
                continue
            if base in SELF_SUBJECT:
                return self.speaker
            if base in ("he", "she", "his", "her"):
                return self.last_person
            if base in KIN and i > 0:
                owner = tokens[i - 1].group(0).lower()
                if owner in ("my", "our", "his", "her", "their"):
                    found = self._owner(owner)
                    return None if found is None else Mention(f"{found.name}'s_{base}", "person")
            here = [start for start in names if start <= tokens[i].start() < at]
            if here and tokens[i].group(0)[:1].isupper():
                start = max(here)  # the name this word belongs to
                if before[start : tokens[i].end()].count(" ") < 4:
                    return Mention(names[start].name, "person")
            if slack > 0:  # "a short trip to": words of the noun phrase
                slack -= 1
                continue
            return None
        return self.speaker

    def _objects(self, after: str, rule: _Rule) -> list[tuple[Mention, Mention | None]]:
        """The objects after a verb ("a pup and a kitty": two): each with, for "a dog named
        Rex", what it is."""
        found = []
        rest = after
        for _ in range(3):
            obj, rest = self._object(rest, rule)
            if obj is None:
                break
            found.append(obj)
            more = re.match(
                r"\s*(?:,\s*(?:and\s+)?|\s+and\s+)(?=(?:an?|the|my|some)\s|[A-Z])", rest
            )
            if more is None:
                break
            rest = rest[more.end() :]
        return found

    def _object(self, after: str, rule: _Rule) -> tuple[tuple[Mention, Mention | None] | None, str]:
        """The first object phrase of ``after`` and what follows it.

        A name, a quoted title, or a name that continues into an organisation ("LGBTQ+ youth
        center") is a named object; a name followed by other lower-case words only modifies
        a noun phrase ("LGBTQ+ pride parade"), which is a common object like "a dog".
        """
        after = after.lstrip()
        quoted = QUOTED.match(after)
        bare = LEADING.sub("", after)
        name = None if quoted else NAME.match(bare)
        if quoted:
            title = normalise_name(quoted.group(1) or quoted.group(2))
            tail = after[quoted.end() :]
            if not title or rule.kind in ("event", "place", "group", "artwork"):
                return None, tail
            kind = rule.proper_type if rule.kind in ("proper", "person") else "thing"
            return (Mention(title, kind), None), tail
        if name is not None:
            phrase, tail = name.group(0), bare[name.end() :]
            follow = re.match(r"\s+([a-z][\w'-]*)(?:\s+([a-z][\w'-]*))?", tail)
            words = [w for w in (follow.groups() if follow else ()) if w]
            continues = (
                bool(words)
                and words[0] not in STOP_WORDS
                and words[0] not in SKIP
                and not words[0].endswith("ly")
            )
            if continues and words[-1] in ORG_NOUNS | GROUPS and len(words) == 2:
                phrase, tail, continues = f"{phrase} {' '.join(words)}", tail[follow.end() :], False  # type: ignore[union-attr]
            elif continues and words[0] in ORG_NOUNS | GROUPS:
                end = tail.index(words[0]) + len(words[0])
                phrase, tail, continues = f"{phrase} {words[0]}", tail[end:], False
            if not continues:
                mention = self._name(phrase, at_start=False)
                if mention is None or rule.kind in ("event", "place", "artwork"):
                    return None, tail
                kind = "thing" if rule.kind == "thing" else rule.proper_type
                if rule.kind == "group":
                    kind = "organization"
                return (Mention(mention.name, kind), None), tail
        if rule.kind in ("proper", "person"):
            return None, after
        piece = re.split(r"[,.!?;:()\"\u201c\u201d]", after)[0]
        phrase = STOP_PHRASE.sub("", piece)
        tail = after[len(phrase) :]
        first = phrase.split()[0].lower() if phrase.split() else ""
        if first in NOT_OBJECT:
            return None, tail
        words = LEADING.sub("", phrase.strip()).split()[:3]
        wanted = {"event": EVENTS, "place": PLACES, "group": GROUPS, "artwork": ARTWORKS}
        heads = wanted.get(rule.kind)
        if heads is not None:  # the phrase ends at its head noun ("dance crew took home")
            at = next((i for i, w in enumerate(words) if _in(w.lower(), heads)), None)
            if at is None:
                return None, tail
            words = words[: at + 1]
        if not words:
            return None, tail
        head = words[-1].lower().strip("'\u2019")
        if head in ABSTRACT or words[0].lower() in ABSTRACT or head in COMMON:
            return None, tail
        if rule.relationship == "owns" and (head in PEOPLE or head in KIN or _in(head, EVENTS)):
            return None, tail
        named = re.match(r"\s*(?:named|called|titled)\s+[\"\u201c]?([A-Z][\w'\u2019 -]*)", tail)
        if named and rule.relationship == "owns":
            pet = Mention(normalise_name(named.group(1).split()[0]), "thing")
            return (pet, Mention(normalise_name(" ".join(words)), "thing")), tail[named.end() :]
        if named and rule.relationship == "made":
            title = normalise_name(named.group(1))
            return (Mention(title, "thing"), None), tail[named.end() :]
        thing = normalise_name(" ".join(words))
        if not thing:
            return None, tail
        kind = {"place": "place", "group": "organization"}.get(rule.kind, "thing")
        return (Mention(thing, kind), None), tail


def _common(word: str) -> bool:
    """A capitalised word that is no name: a common word, or one contracted ("I'm")."""
    bare = word.lower().replace("\u2019", "'")
    return bare == "i" or bare in COMMON or bare.split("'")[0] in COMMON


def _consistent(out: Extraction) -> Extraction:
    """One type per name (the most specific seen), no repeats, no self-loops."""
    best: dict[str, str] = {}
    mentions = [*out.entities, *(m for t in out.triples for m in (t.source, t.destination))]
    for m in mentions:
        if best.get(m.name, "thing") == "thing":
            best[m.name] = m.type
    entities = list(dict.fromkeys(Mention(m.name, best[m.name]) for m in out.entities))
    names = list(dict.fromkeys(Mention(m.name, best[m.name]) for m in out.names))
    triples = [
        Triple(
            Mention(t.source.name, best[t.source.name]),
            t.relationship,
            Mention(t.destination.name, best[t.destination.name]),
        )
        for t in out.triples
        if t.source.name != t.destination.name
    ]
    return Extraction(entities, list(dict.fromkeys(triples)), names)


def extract_message(texts: Iterable[str], speaker: str) -> list[Extraction]:
    """The extraction of each statement of one message, with the message's context."""
    extractor = Extractor(speaker)
    return [extractor.extract(text) for text in texts]
