"""The limits of one call, checked before any work, and the checks every string goes through.

Hostile or accidental input (a 10 MB text, metadata nested a thousand deep, ``limit=10**30``, a
lone surrogate) must fail at once with a ``ValidationError`` naming the field, never after
seconds of work, never with an exception of another kind, and never with an error message that
repeats the whole value. ``Limits`` holds the bounds (configurable through the config's
``limits`` block, each under a hard ceiling that keeps the stores and Python safe);
``check_str`` is the check every caller-supplied string passes; ``shown`` is how a bad value
appears in a message: a short prefix, whatever the value is.
"""

from __future__ import annotations

import json
import re
import reprlib
from dataclasses import dataclass, fields
from typing import Any

from engram.exceptions import ConfigurationError, ValidationError

__all__ = [
    "CEILINGS",
    "DEFAULT_LIMITS",
    "INT64_MAX",
    "INT64_MIN",
    "Limits",
    "bounded_int",
    "check_str",
    "json_loads",
    "shown",
]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

#: NUL, and the surrogate code points that cannot be encoded as UTF-8 when they stand alone.
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Limits:
    """What one call may ask. The defaults are far beyond what a real agent sends.

    Every value must be a positive int no larger than its entry in ``CEILINGS``.
    """

    #: Characters of one text: a message's content, a query, an update's data, a prompt.
    max_text_chars: int = 100_000
    #: Characters of all the messages of one ``add`` together.
    max_add_chars: int = 1_000_000
    #: Messages in one ``add`` (and content parts in one message).
    max_messages: int = 10_000
    #: Characters of one image URL (a ``data:`` URI holds the whole image).
    max_image_url_chars: int = 20_000_000
    #: Characters of an id (memory, user, agent, run, idempotency key), a speaker's name or
    #: role, a metadata key or a filter key.
    max_id_chars: int = 256
    #: Size of one memory's metadata, as UTF-8 JSON.
    max_metadata_bytes: int = 65_536
    #: Nesting of metadata (a flat dict is depth 1), and parts of a metadata path in a filter.
    max_metadata_depth: int = 16
    #: Nesting of AND / OR / NOT in a filter.
    max_filter_depth: int = 8
    #: Conditions (``field op value``) in one filter.
    max_filter_conditions: int = 100
    #: Values in one filter, every ``in`` / ``nin`` item counted.
    max_filter_values: int = 1_000
    #: ``limit`` of ``search`` and ``get_all``.
    max_limit: int = 10_000

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            ceiling = CEILINGS[item.name]
            if type(value) is not int or not 1 <= value <= ceiling:
                raise ConfigurationError(
                    f"limits.{item.name} must be an integer from 1 to {ceiling}, "
                    f"got {shown(value)}",
                    missing_field=f"limits.{item.name}",
                    suggestion="leave it out to keep the default "
                    f"({getattr(DEFAULT_LIMITS, item.name, 'see the README')})",
                )


#: How far each limit may be raised. The filter ceilings keep every filter inside SQLite's
#: parser stack (about 24 nested AND / OR / NOT) and expression depth (1000), and its 250,000
#: bound parameters; metadata depth stays far from Python's recursion limit and SQLite's 64
#: tables per join (one per metadata path part).
CEILINGS: dict[str, int] = {
    "max_text_chars": 100_000_000,
    "max_add_chars": 1_000_000_000,
    "max_messages": 1_000_000,
    "max_image_url_chars": 1_000_000_000,
    "max_id_chars": 65_536,
    "max_metadata_bytes": 1_000_000_000,
    "max_metadata_depth": 48,
    "max_filter_depth": 10,
    "max_filter_conditions": 500,
    "max_filter_values": 100_000,
    "max_limit": 10_000_000,
}

DEFAULT_LIMITS = Limits()

_REPR = reprlib.Repr()
_REPR.maxlevel = 2
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlong = 40
_REPR.maxdict = _REPR.maxlist = _REPR.maxtuple = _REPR.maxset = 4


def shown(value: object) -> str:
    """A short, safe rendering of a caller's value for an error message (at most ~80 chars).

    Never raises and never costs more than a glance at the value: deep or huge containers,
    giant ints and long strings are cut.
    """
    if isinstance(value, str):
        text = _REPR.repr(value)
        if len(value) > _REPR.maxstring:
            text += f" ({len(value)} characters)"
        return text
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an int of {value.bit_length()} bits"
    try:
        text = _REPR.repr(value)
    except Exception:  # a caller's __repr__ may do anything
        return f"a {type(value).__name__}"
    return text if len(text) <= 100 else text[:97] + "..."


def check_str(value: str, field: str, max_chars: int, what: str = "a string") -> str:
    """``value`` (a str) if it has at most ``max_chars`` characters and encodes as UTF-8.

    Lone surrogates cannot be stored or sent anywhere as UTF-8, and NUL cannot be stored in
    PostgreSQL; both are refused the same way on every store.
    """
    if len(value) > max_chars:
        raise ValidationError(
            f"{field} is too long: {len(value)} characters, at most {max_chars} allowed",
            field=field,
            value=value,
            expected=f"{what} of at most {max_chars} characters",
            suggestion="split it, or raise the limit in the config's limits block",
        )
    bad = _BAD_CHARS.search(value)
    if bad is not None:
        char = bad.group()
        kind = "a NUL character" if char == "\x00" else f"a lone surrogate (U+{ord(char):04X})"
        raise ValidationError(
            f"{field} is not valid Unicode text: it holds {kind} at position {bad.start()}",
            field=field,
            value=value,
            expected=f"{what} of valid Unicode (no lone surrogates, no NUL)",
            suggestion="decode bytes with errors='replace', or strip the character",
        )
    return value


def json_loads(text: str | bytes) -> Any:
    """``json.loads``, failing with ValueError, as for any malformed JSON, on a document
    nested deeper than Python's stack (where ``json.loads`` raises RecursionError)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def bounded_int(value: Any) -> bool:
    """Whether ``value`` is an int (not a bool) that a 64-bit integer column can hold."""
    return (
        isinstance(value, int) and not isinstance(value, bool) and INT64_MIN <= value <= INT64_MAX
    )
