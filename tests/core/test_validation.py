"""Argument checks of the public API: each failure names the field and what was expected."""

from __future__ import annotations

import math
from collections import OrderedDict
from types import MappingProxyType
from typing import Any

import pytest

from engram.core.filters import parse_filters
from engram.core.validation import (
    Scope,
    check_bool,
    check_limit,
    check_memory_type,
    check_metadata,
    check_threshold,
    scope_of,
)
from engram.exceptions import ValidationError


def error_of(call: Any, *args: Any, **kwargs: Any) -> ValidationError:
    """Call and return the ValidationError raised."""
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    assert info.value.expected
    return info.value


# scope_of


def test_scope_of_keeps_the_given_ids() -> None:
    assert scope_of("alice", None, None) == Scope(user_id="alice")
    assert scope_of("alice", "bot", "run-1") == Scope("alice", "bot", "run-1")
    assert scope_of(None, None, "run-1") == Scope(run_id="run-1")


def test_scope_of_without_any_id_names_user_id() -> None:
    err = error_of(scope_of, None, None, None)
    assert err.field == "user_id"
    assert err.suggestion is not None and "user_id=" in err.suggestion


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
@pytest.mark.parametrize("position", [0, 1, 2])
def test_scope_of_rejects_a_blank_id(blank: str, position: int) -> None:
    args: list[object] = ["ok", "ok", "ok"]
    args[position] = blank
    err = error_of(scope_of, *args)
    assert err.field == ("user_id", "agent_id", "run_id")[position]
    assert err.value == ""  # spaces around an id are trimmed first (mem0 2.x)


def test_scope_of_reads_ids_as_mem0_2x_does() -> None:
    assert scope_of(42, " bot ", None) == Scope(user_id="42", agent_id="bot")


@pytest.mark.parametrize("value", [1.5, True, ["alice"], {"id": "alice"}, b"alice"])
def test_scope_of_rejects_a_non_string_id(value: object) -> None:
    err = error_of(scope_of, "alice", value, None)
    assert err.field == "agent_id"
    assert type(value).__name__ in err.message


def test_scope_of_accepts_ids_from_filters() -> None:
    filters = parse_filters({"user_id": "alice", "category": "food"})
    assert scope_of(None, None, None, filters) == Scope()
    nested = parse_filters({"AND": [{"agent_id": "bot"}, {"category": "food"}]})
    assert scope_of(None, None, None, nested) == Scope()


@pytest.mark.parametrize(
    "filters",
    [
        {"category": "food"},
        {"OR": [{"user_id": "alice"}, {"user_id": "bob"}]},
        {"NOT": {"user_id": "alice"}},
        {"user_id": {"ne": "alice"}},
        {"metadata.user_id": "alice"},
    ],
)
def test_filters_that_do_not_pin_a_scope_are_not_enough(filters: dict[str, Any]) -> None:
    assert error_of(scope_of, None, None, None, parse_filters(filters)).field == "user_id"


# check_limit


@pytest.mark.parametrize("value", [1, 7, 10_000])
def test_check_limit_accepts_positive_ints(value: int) -> None:
    assert check_limit(value) == value
    assert check_limit(10**6, most=10**6) == 10**6


@pytest.mark.parametrize("value", [0, -1, True, False, 1.5, 3.0, "3", None, 10_001, 10**30])
def test_check_limit_rejects(value: object) -> None:
    err = error_of(check_limit, value)
    assert err.field == "limit"
    assert err.value == value and type(err.value) is type(value)
    assert error_of(check_limit, value, "top_k").field == "top_k"


# check_threshold


@pytest.mark.parametrize(("value", "expected"), [(0, 0.0), (1, 1.0), (0.5, 0.5), (None, None)])
def test_check_threshold_accepts(value: object, expected: float | None) -> None:
    result = check_threshold(value)
    assert result == expected
    if expected is not None:
        assert type(result) is float


@pytest.mark.parametrize("value", [-0.1, 1.1, math.nan, math.inf, True, False, "0.5", [0.5]])
def test_check_threshold_rejects(value: object) -> None:
    assert error_of(check_threshold, value).field == "threshold"


# check_metadata


def test_check_metadata_accepts_json_values() -> None:
    value = {"s": "x", "n": 1, "f": 1.5, "b": True, "none": None, "l": [1, "a"], "d": {"k": []}}
    assert check_metadata(value) == value
    assert check_metadata(None) == {}
    assert check_metadata(OrderedDict(a=1)) == {"a": 1}
    assert check_metadata(MappingProxyType({"a": 1})) == {"a": 1}


def test_check_metadata_returns_a_deep_copy() -> None:
    value: dict[str, Any] = {"tags": ["a"], "nested": {"k": 1}}
    result = check_metadata(value)
    value["tags"].append("b")
    value["nested"]["k"] = 2
    value["new"] = True
    assert result == {"tags": ["a"], "nested": {"k": 1}}
    assert result is not value


@pytest.mark.parametrize("value", ["a=1", ["a", 1], 5, ("a", 1)])
def test_check_metadata_rejects_non_dicts(value: object) -> None:
    err = error_of(check_metadata, value)
    assert err.field == "metadata"


@pytest.mark.parametrize(
    "value",
    [
        {"s": {1, 2}},
        {"o": object()},
        {"n": math.nan},
        {"i": math.inf},
        {"b": b"bytes"},
        {"deep": {"er": [1, {2, 3}]}},
        {1: "int key"},
        {("a", "b"): "tuple key"},
    ],
)
def test_check_metadata_rejects_non_json_content(value: dict[Any, Any]) -> None:
    err = error_of(check_metadata, value, "meta")
    assert err.field == "meta"


def test_check_metadata_rejects_nested_non_string_keys() -> None:
    err = error_of(check_metadata, {"a": {1: "x", "1": "y"}})
    assert err.field == "metadata"


# check_memory_type and check_bool


def test_check_memory_type() -> None:
    assert check_memory_type(None) is None
    assert check_memory_type("procedural_memory") == "procedural_memory"
    for bad in ["semantic", "", "PROCEDURAL_MEMORY", 1, ["procedural_memory"]]:
        err = error_of(check_memory_type, bad)
        assert err.field == "memory_type"
        assert "procedural_memory" in err.message


def test_check_bool() -> None:
    assert check_bool(True, "infer") is True
    assert check_bool(False, "infer") is False
    for bad in [1, 0, "true", "False", None, 1.0]:
        err = error_of(check_bool, bad, "infer")
        assert err.field == "infer"
        assert err.value == bad
