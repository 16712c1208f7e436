"""``Memory.browse``: a scope's memories a page at a time, in a chosen order, with a cursor."""

from __future__ import annotations

from typing import Any

import pytest

from engram import Memory
from engram.exceptions import ValidationError


def walk(memory: Memory, **options: Any) -> list[list[str]]:
    """Every page of a listing, as texts."""
    pages: list[list[str]] = []
    cursor = None
    while True:
        page = memory.browse(cursor=cursor, **options)
        pages.append([m["memory"] for m in page["results"]])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages


def test_pages_cover_the_scope_once_in_order(memory: Memory) -> None:
    for day in range(1, 8):
        memory.add(f"fact of day {day}", user_id="u", infer=False, timestamp=f"2024-01-0{day}")
    memory.add("someone else's", user_id="v", infer=False)
    pages = walk(memory, user_id="u", limit=3)
    assert pages == [
        ["fact of day 7", "fact of day 6", "fact of day 5"],
        ["fact of day 4", "fact of day 3", "fact of day 2"],
        ["fact of day 1"],
    ]
    assert walk(memory, user_id="u", limit=7) == [[f"fact of day {d}" for d in range(7, 0, -1)]]
    oldest = walk(memory, user_id="u", limit=4, descending=False)
    assert oldest == [
        [f"fact of day {d}" for d in (1, 2, 3, 4)],
        [f"fact of day {d}" for d in (5, 6, 7)],
    ]
    first = memory.browse(user_id="u", limit=2)
    assert [set(m) >= {"id", "memory", "created_at", "valid_at", "invalid_at", "metadata"}
            for m in first["results"]] == [True, True]  # fmt: skip
    assert isinstance(first["next_cursor"], str)


def test_order_by_updated_at_and_filters(memory: Memory) -> None:
    ids = [
        memory.add(t, user_id="u", infer=False, timestamp=f"2024-01-0{i + 1}",
                   metadata={"topic": "food" if i % 2 else "work"})["results"][0]["id"]
        for i, t in enumerate(["a", "b", "c", "d"])
    ]  # fmt: skip
    memory.update(ids[0], "a, changed")  # updated now: first by updated_at
    assert walk(memory, user_id="u", order_by="updated_at", limit=2) == [
        ["a, changed", "d"], ["c", "b"],
    ]  # fmt: skip
    assert walk(memory, user_id="u", filters={"topic": "food"}, limit=1) == [["d"], ["b"]]
    assert walk(memory, filters={"user_id": "u", "memory": {"icontains": "CHANGED"}}) == [
        ["a, changed"]
    ]


def test_rows_written_between_pages_are_neither_repeated_nor_skipped(memory: Memory) -> None:
    for day in range(1, 7):
        memory.add(f"old {day}", user_id="u", infer=False, timestamp=f"2024-01-0{day}")
    page = memory.browse(user_id="u", limit=3)
    memory.add("new, newest of all", user_id="u", infer=False)  # sorts before the cursor
    memory.add("older than all", user_id="u", infer=False, timestamp="2023-01-01")
    rest = memory.browse(user_id="u", limit=10, cursor=page["next_cursor"])
    texts = [m["memory"] for m in page["results"] + rest["results"]]
    assert texts == ["old 6", "old 5", "old 4", "old 3", "old 2", "old 1", "older than all"]


def test_invalidated_memories_only_when_asked(memory: Memory) -> None:
    kept = memory.add("kept", user_id="u", infer=False, timestamp="2024-01-01")
    gone = memory.add("contradicted", user_id="u", infer=False, timestamp="2024-01-02")
    memory.store.apply([_invalidate(gone["results"][0]["id"])], "2024-02-01T00:00:00.000000+00:00")
    assert walk(memory, user_id="u") == [["kept"]]
    listed = memory.browse(user_id="u", include_invalidated=True)["results"]
    assert [(m["memory"], m["invalid_at"] is not None) for m in listed] == [
        ("contradicted", True), ("kept", False),
    ]  # fmt: skip
    assert kept["results"][0]["id"] == listed[1]["id"]


def _invalidate(memory_id: str) -> Any:
    from engram.core.records import Invalidate

    return Invalidate(memory_id, "2024-02-01T00:00:00.000000+00:00")


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({}, "user_id"),
        ({"user_id": "u", "order_by": "memory"}, "order_by"),
        ({"user_id": "u", "descending": "no"}, "descending"),
        ({"user_id": "u", "limit": 0}, "limit"),
        ({"user_id": "u", "cursor": "garbage"}, "cursor"),
        ({"user_id": "u", "filters": {"x": {"nope": 1}}}, "x"),
    ],
)
def test_bad_arguments_name_their_field(
    memory: Memory, options: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as bad:
        memory.browse(**options)
    assert bad.value.field == field


def test_a_cursor_belongs_to_its_order(memory: Memory) -> None:
    for day in (1, 2):
        memory.add(f"day {day}", user_id="u", infer=False, timestamp=f"2024-01-0{day}")
    cursor = memory.browse(user_id="u", limit=1)["next_cursor"]
    with pytest.raises(ValidationError, match="cursor"):
        memory.browse(user_id="u", limit=1, cursor=cursor, order_by="updated_at")
