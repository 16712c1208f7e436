"""Entity names and relationship names as the graph keeps them.

Names are normalised as mem0 1.x normalised them (lower case, spaces as underscores:
"New York" -> ``new_york``), after trimming quotes, punctuation, a leading article and a
trailing possessive. "I", "me", "my" and the like (and "user", which LLMs write for the
user) resolve to the speaker: the message's ``name``, else the scope's user id.
"""

from __future__ import annotations

import re
import unicodedata

#: What a speaker calls themself; these resolve to the speaker's entity.
SELF_WORDS = frozenset({"i", "me", "my", "mine", "myself", "user", "the_user", "speaker"})
#: Entity types the graph knows; anything else an LLM says is kept as it is (normalised).
TYPES = ("person", "place", "organization", "date", "thing")
#: Names that carry no entity: pronouns and determiners left over by extraction.
_EMPTY = frozenset(
    """he she him her his hers they them their theirs it its we us our ours you your yours
    this that these those there here someone something everyone everything anyone anything
    one ones who what which whom""".split()
)
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['\u2019]s?$")
_NOT_NAME = re.compile(r"[^\w'\u2019&.+-]+")
_NOT_RELATIONSHIP = re.compile(r"[^a-z0-9]+")


def normalise_name(text: str) -> str:
    """``"  The New York's "`` -> ``new_york``; empty when nothing nameable is left."""
    text = unicodedata.normalize("NFKC", text).strip().strip("\"'`\u2018\u2019\u201c\u201d")
    text = _ARTICLE.sub("", text.strip())
    text = _POSSESSIVE.sub("", text.strip())
    words = [w.strip(".'\u2019-") for w in _NOT_NAME.split(text.lower())]
    name = "_".join(w for w in words if w)
    return "" if name in _EMPTY else name


def normalise_relationship(text: str) -> str:
    """``"Works At"`` -> ``works_at``: lower-case ASCII words joined by underscores."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "_".join(w for w in _NOT_RELATIONSHIP.split(folded) if w)


def normalise_type(text: str | None) -> str:
    """An entity type: one of ``TYPES`` when it is one of their spellings, else normalised."""
    value = normalise_relationship(text or "") or "thing"
    aliases = {
        "organisation": "organization",
        "org": "organization",
        "company": "organization",
        "location": "place",
        "city": "place",
        "country": "place",
        "gpe": "place",
        "human": "person",
        "people": "person",
        "time": "date",
    }
    return aliases.get(value, value)


def resolve_self(name: str, speaker: str) -> str:
    """``speaker`` (already normalised) when ``name`` is a self reference, else ``name``."""
    return speaker if name in SELF_WORDS else name


def display(name: str) -> str:
    """The words of a normalised name, for prompts and embeddings: ``new_york`` -> ``new york``."""
    return name.replace("_", " ")
