"""Keyset paging of a scope's memories: an order, and opaque cursors that continue it.

``browse`` lists memories in the order of ``created_at`` or ``updated_at`` (newest or oldest
first), ties broken by ``id`` in the same direction, so that the order is total. A page
ends with a cursor: the last memory's ``(value, id)``, base64url-encoded JSON with the order
it belongs to. The next page is the rows strictly after it, asked of the store as an
ordinary filter (``engram.core.filters``)::

    newest first, after (t, i):   created_at <= t AND (created_at < t OR id < i)

The leading ``<=`` lets a store seek its ``(scope, created_at)`` index to the cursor, so a page
deep in 100k memories costs what the first one does (an offset would read every row before
it). A memory written between two pages appears only if it sorts after the cursor; none is
listed twice or skipped because of it.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from engram.core.filters import Condition, Field, FilterNode, Operator, Or, conjoin
from engram.core.limits import check_str, json_loads, shown
from engram.core.records import MemoryRecord
from engram.exceptions import ValidationError

__all__ = ["ORDER_FIELDS", "Order", "after", "check_order", "cursor_of", "parse_cursor"]

#: The fields memories can be listed by (both always set, both indexed or cheap to sort).
ORDER_FIELDS = ("created_at", "updated_at")
#: The longest cursor taken (one holds a time and an id: about 150 characters).
MAX_CURSOR_CHARS = 4096


@dataclass(frozen=True, slots=True)
class Order:
    """Sort by ``field``, newest first when ``descending``; ties by ``id`` the same way."""

    field: str = "created_at"
    descending: bool = True

    def __post_init__(self) -> None:
        # Stores splice the field into ORDER BY: only the known names may exist.
        if self.field not in ORDER_FIELDS:
            raise ValueError(f"cannot order memories by {self.field!r}")

    @property
    def direction(self) -> str:
        """``DESC`` or ``ASC``, for SQL."""
        return "DESC" if self.descending else "ASC"


def check_order(order_by: object, descending: object) -> Order:
    """The order ``browse`` was asked for.

    Raises:
        ValidationError: ``order_by`` is not one of ``ORDER_FIELDS``, or ``descending`` not a
            bool.
    """
    if not isinstance(order_by, str) or order_by not in ORDER_FIELDS:
        raise ValidationError(
            f"order_by must be one of {', '.join(ORDER_FIELDS)}, got {shown(order_by)}",
            field="order_by",
            value=order_by,
            expected=" or ".join(ORDER_FIELDS),
        )
    if not isinstance(descending, bool):
        raise ValidationError(
            f"descending must be true or false, got {shown(descending)}",
            field="descending",
            value=descending,
            expected="a bool",
        )
    return Order(str(order_by), descending)


def cursor_of(record: MemoryRecord, order: Order) -> str:
    """The cursor that continues ``order`` after ``record``."""
    value = getattr(record, order.field)
    raw = json.dumps([order.field, order.descending, value, record.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def parse_cursor(cursor: object, order: Order) -> tuple[str, str]:
    """``(value, id)`` of a cursor made by ``cursor_of`` for the same order.

    Raises:
        ValidationError: not such a cursor, or one made for another order.
    """
    if not isinstance(cursor, str) or not cursor or len(cursor) > MAX_CURSOR_CHARS:
        raise _bad_cursor(cursor, "a cursor string from a previous page's next_cursor")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded: Any = json_loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise _bad_cursor(cursor, "a cursor string from a previous page's next_cursor") from None
    if (
        not isinstance(decoded, list)
        or len(decoded) != 4
        or not all(isinstance(part, str) for part in (decoded[0], decoded[2], decoded[3]))
        or not isinstance(decoded[1], bool)
    ):
        raise _bad_cursor(cursor, "a cursor string from a previous page's next_cursor")
    for part in decoded[2:]:  # values that go into a filter: text every store can bind
        check_str(part, "cursor", MAX_CURSOR_CHARS)
    if (decoded[0], decoded[1]) != (order.field, order.descending):
        raise _bad_cursor(
            cursor,
            f"a cursor of the same order ({order.field}, "
            f"{'descending' if order.descending else 'ascending'})",
        )
    return decoded[2], decoded[3]


def after(order: Order, cursor: object) -> FilterNode | None:
    """The filter selecting the rows after ``cursor`` in ``order`` (None without a cursor)."""
    if cursor is None:
        return None
    value, memory_id = parse_cursor(cursor, order)
    beyond: Operator = "lt" if order.descending else "gt"
    up_to: Operator = "lte" if order.descending else "gte"
    return conjoin(
        Condition(Field(order.field), up_to, value),
        Or(
            (
                Condition(Field(order.field), beyond, value),
                Condition(Field("id"), beyond, memory_id),
            )
        ),
    )


def _bad_cursor(cursor: object, expected: str) -> ValidationError:
    return ValidationError(
        "cursor is not a cursor of this listing",
        field="cursor",
        value=cursor,
        expected=expected,
        suggestion="start again without a cursor, or pass next_cursor from the previous page",
    )
