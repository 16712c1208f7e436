"""The word lists and patterns of the offline graph extractor (``engram.core.graph.extract``).

General English, written before any measurement: common words that are capitalised at the
start of a sentence without being names, kin, the nouns of events, places, groups and
artworks, and the patterns of names, dates, quotes and kin phrases.
"""

from __future__ import annotations

import re

MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
).split()
DAYS = (
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs "
    "fri sat sun"
).split()
MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December)"
)
DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH}(?:,?\s+\d{{4}})?|{MONTH}\s+\d{{1,2}}"
    rf"(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|{MONTH}\s+\d{{4}}|(?:in|since|of)\s+(?:19|20)\d{{2}})\b"
)
#: Capitalised words that are not names: function words, common sentence starters, greetings.
COMMON = frozenset(
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
NOT_NAME_ENDINGS = ("ing", "ed", "ly", "ity", "tion", "sion", "ness", "ment", "ism", "ance",
                     "ence", "ship", "ful", "ous", "ive", "able")  # fmt: skip
PERSON_TITLE = re.compile(r"^(?:Mr|Mrs|Ms|Dr|Prof)\.?$")
NAME_WORD = r"[A-Z][\w'\u2019&.+-]*"
NAME = re.compile(
    rf"{NAME_WORD}(?:\s+(?:of|de|da|van|von|the|&)\s+{NAME_WORD}|\s+(?!I\b){NAME_WORD})*"
)
QUOTED = re.compile(
    r"[\"\u201c]([A-Z][^\"\u201c\u201d]{1,60})[\"\u201d]|(?<!\w)'([A-Z][^']{1,60})'(?!\w)"
)
KIN = {
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
KIN_WORDS = "|".join(sorted(KIN, key=len, reverse=True))
KIN_NAMED = re.compile(
    rf"\b(?P<owner>(?i:my|our|his|her|their))\s+(?i:(?:best|little|big|older|younger|oldest|"
    rf"youngest|new|dear|old)\s+)?(?P<kin>(?i:{KIN_WORDS}))\b(?:\s*,)?\s+"
    rf"(?P<name>[A-Z][\w'\u2019-]+)"
)
NAME_IS_KIN = re.compile(
    rf"(?P<name>[A-Z][\w'\u2019-]+)\s+(?:is|was|'s)\s+(?P<owner>(?i:my|our|his|her|their))\s+"
    rf"(?i:(?:best|little|big|older|younger|new|dear|old)\s+)?(?P<kin>(?i:{KIN_WORDS}))\b"
)
KIN_BARE = re.compile(
    rf"\b(?P<owner>my|our|his|her|their)\s+(?:(?:best|little|big|older|younger|new|dear|old)"
    rf"\s+)?(?P<kin>{KIN_WORDS})\b",
    re.IGNORECASE,
)
TOKEN = re.compile(r"[\w'\u2019+-]+")
#: Words between a subject and its verb: auxiliaries, adverbs, negations, conjunctions.
SKIP = frozenset(
    """am is are was were be been being have has had do does did will would could should can
    may might must just really also still always never usually often sometimes now already
    even actually finally recently truly totally so too not to kinda gonna wanna used got get
    and but or then both all currently absolutely definitely seriously honestly def 's 're 've
    'd 'll 'm love loved like liked enjoy enjoyed
    start started begin began try tried want wanted plan planned decide decided choose chose
    keep kept stop stopped hope hoped need needed going used""".split()
)
#: What the speaker calls themself as a subject ("my" owns the noun the verb hangs on).
SELF_SUBJECT = frozenset({"i", "we", "me", "my", "our", "us", "myself"})
#: "these figurines I bought", "a painting I did": the object comes first.
OBJECT_FIRST = re.compile(
    r"\b(?:this|these|that|those|a|an|the|my|our|one)\s+(?P<object>(?:[\w'-]+\s+){0,2}?"
    r"[\w'-]+)\s+(?:I|we)\s+(?:just\s+|recently\s+|finally\s+|also\s+)?"
    r"(?P<verb>bought|got|adopted|made|did|painted|drew|built|wrote|read|went to|visited|"
    r"attended)\b",
    re.IGNORECASE,
)
OBJECT_FIRST_VERBS = {
    "bought": "owns", "got": "owns", "adopted": "owns", "made": "made", "did": "made",
    "painted": "made", "drew": "made", "built": "made", "wrote": "made", "read": "reads",
    "went to": "attended", "visited": "visited", "attended": "attended",
}  # fmt: skip
STOP_PHRASE = re.compile(
    r"\s+(?:with|for|in|at|on|to|from|about|because|since|when|while|after|before|and|but|or|"
    r"so|that|which|who|where|as|if|than|like|by|during|into|of|every|each|this|last|next|"
    r"named|called|"
    r"'cause|cuz|too|again|yesterday|today|tonight|now|together|anymore|lately|recently|"
    r"sometimes|always|a lot|so much|very much)\b.*$",
    re.IGNORECASE,
)
LEADING = re.compile(
    r"^(?:(?:a|an|the|my|our|his|her|their|your|some|this|that|these|those|new|own|two|three|"
    r"\d+|lots of|a lot of|a couple of|all|any|more|really|so|such|just|also|to)\s+)+",
    re.IGNORECASE,
)
#: Objects that are not things one has, likes or makes.
ABSTRACT = frozenset(
    """time times fun chance idea lot lots feeling feelings blast day days moment moments way
    ways thing things it that this them you one ones question questions difference point sense
    look break rest go try bit while fact kind sort part role impact effect talk chat hard
    tough great good amazing awesome need needs plan plans dream dreams hope experience
    experiences much more best everything something nothing anything mind interview setback
    picnic problem problems issue issues conversation accident job""".split()
)
#: Lower-case nouns that continue a name into an organisation or place ("LGBTQ+ youth center").
ORG_NOUNS = frozenset(
    """center centre group club school university college company hospital shelter church
    store shop team foundation organization organisation agency library museum studio gym cafe
    restaurant bank office community association society institute academy""".split()
)
#: Common nouns of places one visits ("went to the museum").
PLACES = frozenset(
    """museum park beach zoo library gym mountains mountain lake lakes forest woods river
    aquarium gallery theater theatre cinema mall market farm island islands countryside
    campground city town village countryside coast desert garden gardens""".split()
)
#: Words that cannot start an object phrase ("I love how you...", "love in being").
NOT_OBJECT = frozenset(
    """for to how that what when where which who whom whose and or but if because it them you
    me him her us being in on at with about of as than so such this these those""".split()
)
#: Nouns of groups one is a member of.
GROUPS = frozenset("group club team crew band choir league community society association".split())
#: Things one makes ("did a painting").
ARTWORKS = frozenset(
    """painting paintings piece drawing sketch sculpture portrait self-portrait song mural poem
    bowl pot vase cake quilt photo video dance routine""".split()
)
#: Words after a name that end its phrase instead of continuing it.
STOP_WORDS = frozenset(
    """with for in at on to from about because since when while after before and but or so
    that which who where as if than like by during into of every each this last next now
    too again yesterday today tonight together anymore lately recently sometimes always
    is was are were has had have will would can could should did does do 's named called
    i we he she they you it there here then just also really""".split()
)
#: People one has but does not own.
PEOPLE = frozenset("family friends people kids children folks fam team crew".split())
EVENTS = frozenset(
    """conference concert festival parade class classes meeting workshop wedding party show
    game exhibition exhibit event fair retreat seminar talk match tournament competition contest
    camp group session ceremony march rally protest convention meetup gala lecture course
    program recital performance play musical service fundraiser marathon race fest""".split()
)
