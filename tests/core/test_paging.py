"""Keyset paging's pieces: orders, cursors (opaque, tied to their order), the filter after one."""

from __future__ import annotations

import base64
import json

import pytest

from engram.core.filters import And, Condition, Field, Or
from engram.core.paging import Order, after, check_order, cursor_of, parse_cursor
from engram.core.records import MemoryRecord
from engram.exceptions import ValidationError

RECORD = MemoryRecord(
    id="b6d1", text="t", hash="h", created_at="2024-01-02T00:00:00.000000+00:00",
    updated_at="2024-03-04T00:00:00.000000+00:00",
)  # fmt: skip


def test_orders_are_checked() -> None:
    assert check_order("updated_at", False) == Order("updated_at", False)
    assert Order().direction == "DESC" and Order(descending=False).direction == "ASC"
    with pytest.raises(ValidationError) as bad:
        check_order("text; DROP TABLE memories", True)
    assert bad.value.field == "order_by"
    with pytest.raises(ValidationError) as bad:
        check_order("created_at", "yes")
    assert bad.value.field == "descending"
    with pytest.raises(ValueError, match="cannot order"):
        Order("memory")  # a store splices the field into SQL: only known names exist


def test_a_cursor_carries_its_row_and_order() -> None:
    for order in (Order(), Order("updated_at", False)):
        cursor = cursor_of(RECORD, order)
        assert "=" not in cursor and "/" not in cursor and "+" not in cursor  # url-safe
        assert parse_cursor(cursor, order) == (getattr(RECORD, order.field), "b6d1")


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not base64 at all!",
        base64.urlsafe_b64encode(b"{not json").decode(),
        base64.urlsafe_b64encode(json.dumps({"a": 1}).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps(["created_at", True, 1, "x"]).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps(["created_at", "yes", "t", "x"]).encode()).decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        42,
    ],
)
def test_anything_else_is_refused(cursor: object) -> None:
    with pytest.raises(ValidationError) as bad:
        parse_cursor(cursor, Order())
    assert bad.value.field == "cursor" and "next_cursor" in (bad.value.suggestion or "")


def test_a_cursor_of_another_order_is_refused() -> None:
    cursor = cursor_of(RECORD, Order())
    for other in (Order(descending=False), Order("updated_at")):
        with pytest.raises(ValidationError, match="cursor is not a cursor") as bad:
            parse_cursor(cursor, other)
        assert "same order" in str(bad.value.details.get("expected"))


def test_the_rows_after_a_cursor() -> None:
    assert after(Order(), None) is None
    value = RECORD.created_at
    assert after(Order(), cursor_of(RECORD, Order())) == And(
        (
            Condition(Field("created_at"), "lte", value),
            Or(
                (
                    Condition(Field("created_at"), "lt", value),
                    Condition(Field("id"), "lt", "b6d1"),
                )
            ),
        )
    )
    up = Order("updated_at", False)
    node = after(up, cursor_of(RECORD, up))
    assert isinstance(node, And)
    assert node.children[0] == Condition(Field("updated_at"), "gte", RECORD.updated_at)
