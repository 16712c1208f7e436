"""The limits' ceilings are safe on every store: the deepest and widest filters they allow
run (SQLite's parser takes about 24 nested AND / OR / NOT; the ceiling is 10)."""

from __future__ import annotations

from typing import Any

import pytest

from engram.core.filters import parse_filters
from engram.core.limits import CEILINGS, Limits
from engram.stores.base import Store
from tests.contract.test_store import add

DEEPEST = Limits(
    max_filter_depth=CEILINGS["max_filter_depth"],
    max_filter_conditions=CEILINGS["max_filter_conditions"],
    max_filter_values=CEILINGS["max_filter_values"],
    max_metadata_depth=CEILINGS["max_metadata_depth"],
)
LEAVES: list[dict[str, Any]] = [
    {"kéy": {"nin": ["a", 1, True, None]}},
    {"metadata." + ".".join(f"é{i}" for i in range(CEILINGS["max_metadata_depth"])): {"ne": "x"}},
    {"k": {"icontains": "x"}},
]


def nest(leaf: dict[str, Any], kind: str) -> dict[str, Any]:
    """``leaf`` under as many AND / OR / NOT as the ceiling allows."""
    filters, depth = leaf, 0
    while depth + 2 <= CEILINGS["max_filter_depth"]:
        if kind == "not-or":
            filters = {"NOT": [{"OR": [filters, {"x": 1}]}]}
        else:
            filters = {"OR": [{"NOT": filters}, {"x": {"ne": 1}}]}
        depth += 2
    return filters


@pytest.mark.parametrize("kind", ["not-or", "or-not"])
@pytest.mark.parametrize("leaf", LEAVES, ids=["nin", "deep-path", "icontains"])
def test_the_deepest_filter_allowed_runs(store: Store, leaf: dict[str, Any], kind: str) -> None:
    add(store, "a memory", user_id="u", metadata={"k": "X"})
    where = parse_filters({"user_id": "u", "invalid_at": None, **nest(leaf, kind)}, DEEPEST)
    store.list_memories(where, 10)
    store.count(where)


def test_the_widest_filter_allowed_runs(store: Store) -> None:
    add(store, "a memory", user_id="u", metadata={"k0": -1})  # k0 has a value not listed
    conditions = CEILINGS["max_filter_conditions"] - 1  # and the scope's
    values = CEILINGS["max_filter_values"] // conditions
    wide = {"OR": [{f"k{i}": {"nin": list(range(values))}} for i in range(conditions)]}
    where = parse_filters({"user_id": "u", **wide}, DEEPEST)
    assert len(store.list_memories(where, 10)) == 1
