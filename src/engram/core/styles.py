"""mem0's two call styles, and the defaults of a call in each.

Code written for mem0 1.x scopes calls with top-level ids and counts with ``limit``::

    m.search("tea", user_id="alice", limit=5)          m.update(memory_id, data="...")

Code written for mem0 2.x scopes them through ``filters`` and counts with ``top_k``::

    m.search("tea", filters={"user_id": "alice"}, top_k=5)   m.update(memory_id, text="...")

engram accepts both everywhere (and mixtures: ``user_id=`` with ``top_k=``). Where the two
versions give a call different defaults, a call follows its own style: it is a 2.x call when it
names ``top_k``, or scopes through ``filters`` alone (mem0 1.x required a top-level id there);
otherwise a 1.x call. The defaults that differ:

==========================  ===========  ===========
default                     1.x call     2.x call
==========================  ===========  ===========
results (search, get_all)   100          20
search ``threshold``        none         0.1
search ``rerank``           on (when a   off
                            reranker is
                            configured)
==========================  ===========  ===========

Everything else is the same in both: explicit arguments always win, and ``rerank=True``
without a configured reranker is ignored, as in mem0.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from engram.core.limits import DEFAULT_LIMITS
from engram.core.validation import check_limit, check_threshold
from engram.exceptions import ValidationError

__all__ = ["UNSET", "Defaults", "Unset", "defaults_for", "is_v2_call", "result_count"]


class Unset(enum.Enum):
    """The type of ``UNSET``: an argument the caller did not pass."""

    UNSET = "UNSET"


#: An argument the caller did not pass (so its style's default applies).
UNSET = Unset.UNSET


@dataclass(frozen=True, slots=True)
class Defaults:
    """What an argument left out means in one call style."""

    count: int
    threshold: float | None
    rerank: bool


V1 = Defaults(count=100, threshold=None, rerank=True)
V2 = Defaults(count=20, threshold=0.1, rerank=False)


def is_v2_call(*, top_k: object, ids: tuple[object, ...], filters: object) -> bool:
    """Whether a call is in mem0 2.x's style: it names ``top_k``, or only ``filters`` scope it."""
    if top_k is not UNSET:
        return True
    return all(value is None for value in ids) and filters is not None


def defaults_for(v2: bool) -> Defaults:
    """The defaults of a 2.x call, or of a 1.x one."""
    return V2 if v2 else V1


def result_count(
    limit: object, top_k: object, default: int, most: int = DEFAULT_LIMITS.max_limit
) -> int:
    """How many results a call asks for: ``top_k`` (2.x) or ``limit`` (1.x), else ``default``;
    at most ``most`` (``limits.max_limit``)."""
    if limit is not UNSET and top_k is not UNSET:
        raise ValidationError(
            "pass top_k (mem0 2.x) or limit (mem0 1.x), not both",
            field="top_k",
            value=top_k,
            expected="one of top_k, limit",
        )
    if top_k is not UNSET:
        return check_limit(top_k, "top_k", most)
    if limit is not UNSET:
        return check_limit(limit, most=most)
    return min(default, most)


def threshold_of(value: object, default: float | None) -> float | None:
    """The threshold asked for, or the style's default when none was passed."""
    return default if value is UNSET else check_threshold(value)
