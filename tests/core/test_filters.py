"""Tests for the filter language: parsing, validation and the helpers stores rely on."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from engram.core.filters import (
    MEMORY_FIELDS,
    OPERATORS,
    And,
    Condition,
    Field,
    FilterNode,
    Not,
    Or,
    conjoin,
    operators_in,
    parse_filters,
    scope_filter,
    scope_values,
    shown_day,
    shown_on,
)
from engram.exceptions import ValidationError


def meta(key: str, op: Any = "eq", value: Any = None) -> Condition:
    """A condition on a plain metadata key."""
    return Condition(Field(key, (key,)), op, value)


def column(name: str, op: Any = "eq", value: Any = None) -> Condition:
    """A condition on a memory field."""
    return Condition(Field(name), op, value)


def parse_error(filters: Any) -> ValidationError:
    """Parse and return the ValidationError raised."""
    with pytest.raises(ValidationError) as info:
        parse_filters(filters)
    return info.value


def test_public_constants() -> None:
    assert OPERATORS == {"eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "contains", "icontains"}
    assert MEMORY_FIELDS == {
        "id", "memory", "hash", "user_id", "agent_id", "run_id", "actor_id", "role",
        "memory_type", "created_at", "updated_at", "valid_at", "invalid_at", "expiration_date",
    }  # fmt: skip


@pytest.mark.parametrize("filters", [None, {}])
def test_nothing_to_filter(filters: Any) -> None:
    assert parse_filters(filters) is None


A = meta("a", value=1)
B = meta("b", value=2)
C = meta("c", value=3)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"category": "food"}, meta("category", value="food")),
        ({"user_id": "u1"}, column("user_id", value="u1")),
        ({"memory": "text"}, column("memory", value="text")),
        ({"metadata.cat": "x"}, Condition(Field("metadata.cat", ("cat",)), "eq", "x")),
        ({"metadata.a.b": 1}, Condition(Field("metadata.a.b", ("a", "b")), "eq", 1)),
        ({"metadata.role": "x"}, Condition(Field("metadata.role", ("role",)), "eq", "x")),
        ({"a.b": True}, meta("a.b", value=True)),
        ({"metadata": "x"}, meta("metadata", value="x")),
        ({"and": 1}, meta("and", value=1)),
        ({"k": None}, meta("k", value=None)),
        ({"a": 1, "b": 2}, And((A, B))),
        ({"age": {"gte": 18, "lt": 65}}, And((meta("age", "gte", 18), meta("age", "lt", 65)))),
        ({"AND": [{"a": 1}, {"b": 2}]}, And((A, B))),
        ({"AND": ({"a": 1}, {"b": 2})}, And((A, B))),
        ({"AND": [{"a": 1}]}, A),
        ({"AND": [{"a": 1, "b": 2}, {"c": 3}]}, And((A, B, C))),
        ({"OR": [{"a": 1}, {"b": 2}]}, Or((A, B))),
        ({"OR": [{"a": 1}]}, A),
        ({"OR": [{"a": 1, "b": 2}, {"c": 3}]}, Or((And((A, B)), C))),
        ({"NOT": {"a": 1}}, Not(A)),
        ({"NOT": [{"a": 1}, {"b": 2}]}, Not(Or((A, B)))),  # none of them, as in mem0
        ({"NOT": [{"a": 1}]}, Not(A)),
        ({"a": 1, "OR": [{"b": 2}, {"c": 3}]}, And((A, Or((B, C))))),
        ({"a": 1, "NOT": {"b": 2}, "AND": [{"c": 3}]}, And((A, Not(B), C))),
        ({"OR": [{"NOT": {"a": 1}}, {"AND": [{"b": 2}, {"c": 3}]}]}, Or((Not(A), And((B, C))))),
    ],
)  # fmt: skip
def test_parse_forms(filters: dict[str, Any], expected: FilterNode) -> None:
    assert parse_filters(filters) == expected


@pytest.mark.parametrize(
    ("op", "value", "stored"),
    [
        ("eq", "x", "x"),
        ("eq", 1.5, 1.5),
        ("eq", False, False),
        ("gt", 1, 1),
        ("gte", 1.5, 1.5),
        ("lt", "b", "b"),
        ("lte", -2, -2),
        ("in", ["a", 1, 2.5, True, None], ("a", 1, 2.5, True, None)),
        ("in", ("a",), ("a",)),
        ("contains", "x", "x"),
        ("icontains", "X", "X"),
        ("contains", "", ""),
    ],
)
def test_every_operator(op: str, value: Any, stored: Any) -> None:
    assert parse_filters({"k": {op: value}}) == meta("k", op, stored)


@pytest.mark.parametrize(
    ("op", "value", "listed"),
    [
        ("ne", None, (None,)),
        ("ne", 3, (3, None)),
        ("nin", ["a", "b"], ("a", "b", None)),
        ("nin", ["a", None], ("a", None)),
    ],
)
def test_ne_and_nin_need_a_value(op: str, value: Any, listed: Any) -> None:
    """mem0's stores drop memories that lack the key: "has a value, and not these"."""
    assert parse_filters({"k": {op: value}}) == Not(meta("k", "in", listed))


def test_the_wildcard_means_any_value() -> None:
    assert parse_filters({"k": "*"}) == Not(meta("k", "eq", None))
    assert parse_filters({"role": "*"}) == Not(column("role", "eq", None))
    assert parse_filters({"k": {"eq": "*"}}) == meta("k", "eq", "*")


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"user_id": {"in": ["a", None]}}, column("user_id", "in", ("a", None))),
        ({"role": {"ne": None}}, Not(column("role", "in", (None,)))),
        ({"memory": {"icontains": "sushi"}}, column("memory", "icontains", "sushi")),
        ({"created_at": {"gte": "2024-01-01"}}, column("created_at", "gte", "2024-01-01")),
    ],
)
def test_memory_fields_take_strings(filters: dict[str, Any], expected: FilterNode) -> None:
    assert parse_filters(filters) == expected


NAIVE = datetime(2024, 5, 6, 7, 8, 9, 123)
AWARE = datetime(2024, 5, 6, 9, 8, 9, 123, tzinfo=timezone(timedelta(hours=2)))
UTC = NAIVE.replace(tzinfo=timezone(timedelta(0)))
ISO = "2024-05-06T07:08:09.000123+00:00"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"created_at": NAIVE}, column("created_at", "eq", ISO)),
        ({"updated_at": {"gt": AWARE}}, column("updated_at", "gt", ISO)),
        ({"valid_at": {"lte": UTC}}, column("valid_at", "lte", ISO)),
        ({"invalid_at": {"in": [AWARE, "x", None]}}, column("invalid_at", "in", (ISO, "x", None))),
        ({"created_at": {"lt": "2024-05-06"}}, column("created_at", "lt", "2024-05-06")),
    ],
)
def test_datetimes_are_normalised(filters: dict[str, Any], expected: FilterNode) -> None:
    assert parse_filters(filters) == expected


@pytest.mark.parametrize("filters", [["a"], "user_id", 3, {("a",): 1}.keys()])
def test_filters_must_be_a_dict(filters: Any) -> None:
    err = parse_error(filters)
    assert err.field == "filters"
    assert err.value is filters


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"": 1}, ""),
        ({1: "a"}, "1"),
        ({"OR": [{"": 1}]}, ""),
        ({"metadata.": 1}, "metadata."),
        ({"metadata.a..b": 1}, "metadata.a..b"),
        ({"metadata.a.": 1}, "metadata.a."),
        ({"age": {"like": "x"}}, "age"),
        ({"age": {"gt": 1, "between": [1, 2]}}, "age"),
        ({"age": {}}, "age"),
        ({"AND": {"a": 1}}, "AND"),
        ({"AND": []}, "AND"),
        ({"AND": "a"}, "AND"),
        ({"AND": [1]}, "AND"),
        ({"AND": [{}]}, "AND"),
        ({"OR": None}, "OR"),
        ({"OR": []}, "OR"),
        ({"OR": [{"a": 1}, "b"]}, "OR"),
        ({"NOT": []}, "NOT"),
        ({"NOT": "a"}, "NOT"),
        ({"NOT": {}}, "NOT"),
        ({"NOT": [{}]}, "NOT"),
        ({"tags": ["a", "b"]}, "tags"),
        ({"tags": {"ne": ("a",)}}, "tags"),
        ({"obj": object()}, "obj"),
        ({"when": datetime(2024, 1, 1)}, "when"),
        ({"metadata.x.y": {"eq": {1, 2}}}, "metadata.x.y"),
        ({"n": {"gt": True}}, "n"),
        ({"n": {"gte": None}}, "n"),
        ({"n": {"lt": [1]}}, "n"),
        ({"n": {"lte": {"a": 1}}}, "n"),
        ({"k": {"in": []}}, "k"),
        ({"k": {"nin": ()}}, "k"),
        ({"k": {"in": "abc"}}, "k"),
        ({"k": {"in": 5}}, "k"),
        ({"k": {"in": [["a"]]}}, "k"),
        ({"k": {"nin": ["a", {"b": 1}]}}, "k"),
        ({"k": {"contains": 5}}, "k"),
        ({"k": {"contains": ["a"]}}, "k"),
        ({"k": {"icontains": None}}, "k"),
        ({"user_id": 5}, "user_id"),
        ({"agent_id": True}, "agent_id"),
        ({"role": {"in": ["user", 1]}}, "role"),
        ({"memory": {"gt": 1}}, "memory"),
        ({"created_at": {"gt": 1_700_000_000}}, "created_at"),
        ({"created_at": date(2024, 1, 1)}, "created_at"),
        ({"a": 1, "OR": [{"b": {"gt": None}}]}, "b"),
        ({"NOT": {"AND": [{"c": {"in": []}}]}}, "c"),
    ],
)
def test_errors_name_the_key(filters: Any, field: str) -> None:
    err = parse_error(filters)
    assert err.field == field
    assert err.expected
    assert err.details["field"] == field


def test_unknown_operator_lists_the_allowed_ones() -> None:
    err = parse_error({"age": {"like": "x"}})
    assert err.value == "like"
    assert err.expected is not None
    for op in OPERATORS:
        assert op in err.expected
    assert "like" in str(err)


def test_bad_value_is_reported() -> None:
    err = parse_error({"n": {"in": ["a", ["b"]]}})
    assert err.value == ["b"]
    assert err.expected is not None and "str, int, float, bool or None" in err.expected


def test_list_equality_suggests_in() -> None:
    err = parse_error({"tags": ["a", "b"]})
    assert err.suggestion is not None and '"in"' in err.suggestion
    err = parse_error({"tags": {"ne": ["a"]}})
    assert err.suggestion is not None and '"nin"' in err.suggestion


def test_date_field_error_mentions_datetime() -> None:
    err = parse_error({"created_at": {"gt": 5}})
    assert err.expected is not None and "datetime" in err.expected


def test_nodes_are_frozen_and_hashable() -> None:
    node = parse_filters({"k": {"in": ["a", "b"]}, "OR": [{"a": 1}, {"b": 2}]})
    assert isinstance(node, And)
    assert hash(node) == hash(parse_filters({"k": {"in": ("a", "b")}, "OR": [{"a": 1}, {"b": 2}]}))
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.children = ()  # type: ignore[misc]


def test_conjoin() -> None:
    assert conjoin() is None
    assert conjoin(None, None) is None
    assert conjoin(A) is A
    assert conjoin(None, A, None) is A
    assert conjoin(A, None, B) == And((A, B))
    assert conjoin(And((A, B)), C) == And((A, B, C))
    assert conjoin(Or((A, B)), Not(C)) == And((Or((A, B)), Not(C)))


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (None, {}),
        ({"category": "food"}, {}),
        ({"user_id": "u"}, {"user_id": "u"}),
        (
            {"user_id": "u", "agent_id": "a", "run_id": "r", "category": "x"},
            {"user_id": "u", "agent_id": "a", "run_id": "r"},
        ),
        ({"AND": [{"user_id": "u"}, {"AND": [{"run_id": "r"}]}]}, {"user_id": "u", "run_id": "r"}),
        ({"user_id": {"eq": "u", "ne": "v"}}, {"user_id": "u"}),
        ({"AND": [{"user_id": "u"}, {"user_id": "v"}]}, {"user_id": "u"}),
        ({"OR": [{"user_id": "u"}, {"agent_id": "a"}]}, {}),
        ({"NOT": {"user_id": "u"}}, {}),
        ({"user_id": {"ne": "u"}}, {}),
        ({"user_id": {"in": ["u"]}}, {}),
        ({"user_id": None}, {}),
        ({"metadata.user_id": "u"}, {}),
        ({"actor_id": "x"}, {}),
    ],
)
def test_scope_values(filters: dict[str, Any] | None, expected: dict[str, str]) -> None:
    assert scope_values(parse_filters(filters)) == expected


def test_operators_in() -> None:
    node = parse_filters(
        {
            "a": 1,
            "b": {"gt": 1, "lt": 5},
            "OR": [{"c": {"in": [1]}}, {"NOT": {"d": {"icontains": "x"}}}],
        }
    )
    assert node is not None
    assert operators_in(node) == {"eq", "gt", "lt", "in", "icontains"}
    assert operators_in(A) == {"eq"}


def test_scope_filter_keeps_only_the_scope_equalities() -> None:
    where = parse_filters({"user_id": "u", "run_id": "r", "category": {"in": ["x"]}})
    assert scope_filter(where) == parse_filters({"user_id": "u", "run_id": "r"})
    assert scope_filter(parse_filters({"OR": [{"user_id": "u"}, {"agent_id": "a"}]})) is None
    assert scope_filter(None) is None


def test_shown_on_and_shown_day() -> None:
    """The expiry condition a store's cache recognises, and nothing else."""
    node = shown_on("2024-05-02")
    assert shown_day(node) == "2024-05-02"
    field = Field("expiration_date")
    assert shown_day(Or((Condition(field, "eq", None), Condition(field, "gt", "x")))) is None
    assert shown_day(Or((Condition(field, "eq", None), Condition(Field("a"), "gte", "x")))) is None
    assert shown_day(Or((Condition(field, "eq", None), Condition(field, "gte", 1)))) is None
    assert shown_day(Or((Condition(field, "eq", 1), Condition(field, "gte", "x")))) is None
    assert shown_day(parse_filters({"a": 1})) is None  # type: ignore[arg-type]
