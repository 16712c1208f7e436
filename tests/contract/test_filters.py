"""Every filter selects exactly the same memories in every store, through the Store interface."""

from __future__ import annotations

from collections.abc import Iterator, Set
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engram.core.filters import And, Condition, Field, FilterNode, Or, parse_filters
from engram.core.records import DeleteWhere, Insert, MemoryRecord
from engram.exceptions import ValidationError
from engram.stores.base import Store
from tests.contract.backends import DIMENSION
from tests.contract.conftest import BACKENDS, make_backend
from tests.contract.filter_cases import ALL, CASES, ROWS


def load_rows(store: Store) -> None:
    """Insert ROWS (with seeded random vectors)."""
    rng = np.random.default_rng(7)
    inserts = []
    for number, (memory_id, text, fields, metadata, _) in enumerate(ROWS, start=1):
        created = f"2024-0{number}-01T10:00:00.000000+00:00"
        record = MemoryRecord(
            id=memory_id, text=text, hash=f"h{number}", created_at=created,
            updated_at=created, valid_at=created, metadata=metadata, **fields,
        )  # fmt: skip
        inserts.append(Insert(record, rng.standard_normal(DIMENSION).astype(np.float32)))
    store.apply(inserts, "2024-09-01T00:00:00.000000+00:00")


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """A store holding ROWS, shared by the module (the cases only read)."""
    backend = make_backend(request.param, Path(tmp_path_factory.mktemp("filters")), request)
    store = backend.open()
    load_rows(store)
    yield store
    store.close()
    backend.cleanup()


def ids(records: list[MemoryRecord]) -> set[str]:
    return {record.id for record in records}


@pytest.mark.parametrize(("filters", "expected"), CASES)
def test_list_count_and_search_select_exactly(
    loaded: Store, filters: dict[str, Any], expected: Set[str]
) -> None:
    node = parse_filters(filters)
    assert ids(loaded.list_memories(node, 100)) == expected
    assert loaded.count(node) == len(expected)
    query = np.ones(DIMENSION, dtype=np.float32)
    assert ids([record for record, _ in loaded.search(query, node, 100, None)]) == expected


@pytest.mark.parametrize(("filters", "expected"), CASES)
def test_not_selects_the_complement(
    loaded: Store, filters: dict[str, Any], expected: Set[str]
) -> None:
    assert ids(loaded.list_memories(parse_filters({"NOT": filters}), 100)) == ALL - expected


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (And(()), set(ALL)),
        (Or(()), set()),
        (Condition(Field("user_id"), "eq", 5), set()),
        (Condition(Field("user_id"), "ne", 5), set(ALL)),
        (Condition(Field("user_id"), "gt", 5), set()),
        (Condition(Field("user_id"), "gt", None), set()),
        (Condition(Field("memory"), "contains", 5), set()),
        (Condition(Field("rating", ("rating",)), "in", (True, 5, object())), {"m1"}),
        (Condition(Field("rating", ("rating",)), "gt", float("nan")), set()),
        (Condition(Field("rating", ("rating",)), "eq", float("inf")), set()),
        (Condition(Field("tags", ("tags", "0")), "eq", "japanese"), set()),
        (Condition(Field("rating", ("rating",)), "contains", 5), set()),
    ],
)
def test_hand_built_trees(loaded: Store, node: FilterNode, expected: set[str]) -> None:
    assert ids(loaded.list_memories(node, 100)) == expected


def test_unsupported_operator_is_a_validation_error(loaded: Store) -> None:
    node = Condition(Field("k", ("k",)), "regex", "x")  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as info:
        loaded.list_memories(And((Condition(Field("k", ("k",)), "eq", 1), node)), 10)
    assert info.value.field == "regex"
    assert "regex" not in loaded.supported_operators


def test_unknown_memory_field_is_a_validation_error(loaded: Store) -> None:
    with pytest.raises(ValidationError) as info:
        loaded.count(Condition(Field("nope"), "eq", "x"))
    assert info.value.field == "nope"


def test_results_are_ordered_and_limited(loaded: Store) -> None:
    newest = loaded.list_memories(None, 3)
    assert [r.id for r in newest] == ["m8", "m7", "m6"]
    query = np.ones(DIMENSION, dtype=np.float32)
    hits = loaded.search(query, None, 100, None)
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True) and len(hits) == len(ALL)
    assert all(0.0 <= score <= 1.0 for score in scores)
    assert [r.id for r, _ in loaded.search(query, None, 2, None)] == [r.id for r, _ in hits[:2]]


def test_delete_where_erases_exactly_the_filter(store: Store) -> None:
    load_rows(store)
    changes = store.apply(
        [DeleteWhere(Condition(Field("category", ("category",)), "eq", "food"))], "now"
    )
    assert [c.memory_id for c in changes] == ["m1", "m7"]
    assert {c.event for c in changes} == {"DELETE"}
    assert ids(store.list_memories(None, 100)) == ALL - {"m1", "m7"}
    assert [h.event for h in store.history("m1")] == ["ADD", "DELETE"]
    assert store.history("m1")[-1].is_deleted
