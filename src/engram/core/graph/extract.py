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
_DAYS = (
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs "
    "fri sat sun"
).split()
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
    sorry please guess bye cheers dear mr mrs ms dr btw lol omg tbh idk imo fyi ps can
    can't won't don't didn't isn't it's that's there's here's let's woah whoa yup yep yay ugh
    oops phew took lost went got had saw met tried felt found thought told said left came gave
    kept bought brought ran won time nature life art music family work home school""".split()
)
#: Endings of capitalised words that start a sentence without being a name.
_NOT_NAME_ENDINGS = ("ing", "ed", "ly", "ity", "tion", "sion", "ness", "ment", "ism", "ance",
                     "ence", "ship", "ful", "ous", "ive", "able")  # fmt: skip
_PERSON_TITLE = re.compile(r"^(?:Mr|Mrs|Ms|Dr|Prof)\.?$")
_NAME_WORD = r"[A-Z][\w'\u2019&.+-]*"
_NAME = re.compile(
    rf"{_NAME_WORD}(?:\s+(?:of|de|da|van|von|the|&)\s+{_NAME_WORD}|\s+(?!I\b){_NAME_WORD})*"
)
_QUOTED = re.compile(
    r"[\"\u201c]([A-Z][^\"\u201c\u201d]{1,60})[\"\u201d]|(?<!\w)'([A-Z][^']{1,60})'(?!\w)"
)
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
_TOKEN = re.compile(r"[\w'\u2019+-]+")
#: Words between a subject and its verb: auxiliaries, adverbs, negations, conjunctions.
_SKIP = frozenset(
    """am is are was were be been being have has had do does did will would could should can
    may might must just really also still always never usually often sometimes now already
    even actually finally recently truly totally so too not to kinda gonna wanna used got get
    and but or then both all currently absolutely definitely seriously honestly def 's 're 've
    'd 'll 'm i'm i've i'd i'll we're we've we'd we'll love loved like liked enjoy enjoyed
    start started begin began try tried want wanted plan planned decide decided choose chose
    keep kept stop stopped hope hoped need needed going used""".split()
)
#: What the speaker calls themself as a subject ("my" owns the noun the verb hangs on).
_SELF_SUBJECT = frozenset({"i", "we", "me", "my", "our", "us", "myself"})
#: "these figurines I bought", "a painting I did": the object comes first.
_OBJECT_FIRST = re.compile(
    r"\b(?:this|these|that|those|a|an|the|my|our|one)\s+(?P<object>(?:[\w'-]+\s+){0,2}?"
    r"[\w'-]+)\s+(?:I|we)\s+(?:just\s+|recently\s+|finally\s+|also\s+)?"
    r"(?P<verb>bought|got|adopted|made|did|painted|drew|built|wrote|read|went to|visited|"
    r"attended)\b",
    re.IGNORECASE,
)
_OBJECT_FIRST_VERBS = {
    "bought": "owns", "got": "owns", "adopted": "owns", "made": "made", "did": "made",
    "painted": "made", "drew": "made", "built": "made", "wrote": "made", "read": "reads",
    "went to": "attended", "visited": "visited", "attended": "attended",
}  # fmt: skip
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
    experiences much more best everything something nothing anything mind interview setback
    picnic problem problems issue issues meeting conversation accident job""".split()
)
#: Lower-case nouns that continue a name into an organisation or place ("LGBTQ+ youth center").
_ORG_NOUNS = frozenset(
    """center centre group club school university college company hospital shelter church
    store shop team foundation organization organisation agency library museum studio gym cafe
    restaurant bank office community association society institute academy""".split()
)
#: Common nouns of places one visits ("went to the museum").
_PLACES = frozenset(
    """museum park beach zoo library gym mountains mountain lake lakes forest woods river
    aquarium gallery theater theatre cinema mall market farm island islands countryside
    campground city town village countryside coast desert garden gardens""".split()
)
#: Words that cannot start an object phrase ("I love how you...", "love in being").
_NOT_OBJECT = frozenset(
    """for to how that what when where which who whom whose and or but if because it them you
    me him her us being in on at with about of as than so such this these those""".split()
)
#: Nouns of groups one is a member of.
_GROUPS = frozenset("group club team crew band choir league community society association".split())
#: Things one makes ("did a painting").
_ARTWORKS = frozenset(
    """painting paintings piece drawing sketch sculpture portrait self-portrait song mural poem
    bowl pot vase cake quilt photo video dance routine""".split()
)
#: Words after a name that end its phrase instead of continuing it.
_STOP_WORDS = frozenset(
    """with for in at on to from about because since when while after before and but or so
    that which who where as if than like by during into of every each this last next now
    too again yesterday today tonight together anymore lately recently sometimes always
    is was are were has had have will would can could should did does do 's named called
    i we he she they you it there here then just also really""".split()
)
#: People one has but does not own.
_PEOPLE = frozenset("family friends people kids children folks fam team crew".split())
_EVENTS = frozenset(
    """conference concert festival parade class classes meeting workshop wedding party show
    game exhibition exhibit event fair retreat seminar talk match tournament competition contest
    camp group session ceremony march rally protest convention meetup gala lecture course
    program recital performance play musical service fundraiser marathon race fest""".split()
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


def _rule(pattern: str, relationship: str, kind: str, proper_type: str = "thing") -> _Rule:
    return _Rule(re.compile(pattern, re.IGNORECASE), relationship, kind, proper_type)


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
    _rule(r"\b(?:love|passion|fondness|affection)\s+for\s+", "likes", "thing"),
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
    _rule(r"\btrip\b[^.,;!?]{0,30}?\bto\s+", "visited", "proper", "place"),
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
                    nominal = rule.relationship == "visited" and "trip" in match.group(0).lower()
                    subject = self._subject(
                        clause[: match.start()], mentions, match.start(), 3 if nominal else 0
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
        for match in _OBJECT_FIRST.finditer(clause):
            self._object_first(match, out)
        for _, mention in mentions:
            if mention.type == "person" and mention != self.speaker:
                self.last_person = mention

    def _object_first(self, match: re.Match[str], out: Extraction) -> None:
        """ "the figurines I bought": the speaker owns the figurines."""
        relationship = _OBJECT_FIRST_VERBS[match.group("verb").lower()]
        words = match.group("object").split()
        head = words[-1].lower()
        if relationship in ("attended", "visited"):
            relationship = "attended" if head in _EVENTS else "visited" if head in _PLACES else ""
        if (
            relationship == "made"
            and match.group("verb").lower() == "did"
            and head not in _ARTWORKS
        ):
            relationship = ""
        if not relationship or head in _ABSTRACT or head in _COMMON or head in _PEOPLE:
            return
        thing = Mention(normalise_name(" ".join(words)), "thing")
        out.triples.append(Triple(self.speaker, relationship, thing))
        out.entities.append(thing)

    def _mentions(self, clause: str) -> list[tuple[int, Mention]]:
        """Names, quoted titles and dates, with where each starts."""
        found: list[tuple[int, Mention]] = []
        taken: list[tuple[int, int]] = []
        for match in _DATE.finditer(clause):
            phrase = re.sub(r"^(?:in|since|of)\s+", "", match.group(0))
            found.append((match.start(), Mention(normalise_name(phrase), "date")))
            taken.append(match.span())
        for match in _QUOTED.finditer(clause):
            name = normalise_name(match.group(1) or match.group(2))
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
        while words and _common(words[0]):
            words = words[1:]
            at_start = False
        if not words or (_PERSON_TITLE.match(words[0]) and len(words) == 1):
            return None
        first = words[0].lower()
        if len(words) == 1 and (first in _MONTHS or first in _DAYS or first in _KIN):
            return None
        starter = first.endswith(_NOT_NAME_ENDINGS) or first in _COMMON
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

    def _subject(
        self, before: str, mentions: list[tuple[int, Mention]], at: int, slack: int = 0
    ) -> Mention | None:
        """Who does the verb: scanning back over auxiliaries and adverbs, a pronoun, a kin or
        a name; the speaker when the clause starts there (chat drops the "I"); None when
        another word (a noun the graph cannot name) stands there."""
        names = {start: m for start, m in mentions if m.type != "date"}
        tokens = list(_TOKEN.finditer(before))
        for i in range(len(tokens) - 1, -1, -1):
            word = tokens[i].group(0).lower().replace("\u2019", "'")
            base = word.split("'")[0]
            if word in _SKIP or (base in _SKIP and base not in _SELF_SUBJECT):
                continue
            if base in _SELF_SUBJECT:
                return self.speaker
            if base in ("he", "she", "his", "her"):
                return self.last_person
            if base in _KIN and i > 0:
                owner = tokens[i - 1].group(0).lower()
                if owner in ("my", "our", "his", "her", "their"):
                    found = self._owner(owner)
                    return None if found is None else Mention(f"{found.name}'s_{base}", "person")
            for start, mention in names.items():
                if start <= tokens[i].start() < at and tokens[i].group(0)[:1].isupper():
                    if before[start : tokens[i].end()].count(" ") < 4:
                        return Mention(mention.name, "person")
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
        quoted = _QUOTED.match(after)
        bare = _LEADING.sub("", after)
        name = None if quoted else _NAME.match(bare)
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
            continues = bool(words) and words[0] not in _STOP_WORDS
            if continues and words[-1] in _ORG_NOUNS | _GROUPS and len(words) == 2:
                phrase, tail, continues = f"{phrase} {' '.join(words)}", tail[follow.end() :], False  # type: ignore[union-attr]
            elif continues and words[0] in _ORG_NOUNS | _GROUPS:
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
        phrase = _STOP_PHRASE.sub("", piece)
        tail = after[len(phrase) :]
        first = phrase.split()[0].lower() if phrase.split() else ""
        if first in _NOT_OBJECT:
            return None, tail
        words = _LEADING.sub("", phrase.strip()).split()[:3]
        wanted = {"event": _EVENTS, "place": _PLACES, "group": _GROUPS, "artwork": _ARTWORKS}
        heads = wanted.get(rule.kind)
        if heads is not None:  # the phrase ends at its head noun ("dance crew took home")
            at = next((i for i, w in enumerate(words) if _in(w.lower(), heads)), None)
            if at is None:
                return None, tail
            words = words[: at + 1]
        if not words:
            return None, tail
        head = words[-1].lower().strip("'\u2019")
        if head in _ABSTRACT or words[0].lower() in _ABSTRACT or head in _COMMON:
            return None, tail
        if rule.relationship == "owns" and (head in _PEOPLE or head in _KIN):
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
    return bare == "i" or bare in _COMMON or bare.split("'")[0] in _COMMON


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
