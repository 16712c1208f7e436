"""Limits of one call and the checks of hostile values: each refusal a ValidationError naming
the field, with the bad value cut short, and no recursion that input can drive."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from engram import ConfigurationError, Memory, MemoryConfig, ValidationError
from engram.core.filters import parse_filters
from engram.core.limits import CEILINGS, DEFAULT_LIMITS, Limits, check_str, shown
from engram.core.messages import parse_messages
from engram.core.timeutil import parse_timestamp
from engram.core.validation import check_limit, check_metadata, check_threshold, require_str
from engram.embedders.onnx import OnnxEmbedder
from engram.exceptions import MAX_MESSAGE_CHARS, EngramError
from tests.conftest import store_config

BIG = "x" * 10_000_000


def nested(depth: int, leaf: Any = 1, kind: str = "dict") -> Any:
    value = leaf
    for _ in range(depth):
        value = {"a": value} if kind == "dict" else [value] if kind == "list" else {"NOT": value}
    return value


def short_id(value: Any) -> str:
    """A test id for any value (pytest's own would print 10**5000 whole, or fail)."""
    return shown(value)[:30]


class Unprintable:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


@pytest.mark.parametrize(
    ("value", "shows"),
    [
        ("short", "'short'"),
        ("y" * 500, "(500 characters)"),
        (10**5000, "an int of 16610 bits"),
        (nested(1000), "{'a': {...}}"),
        (Unprintable(), "Unprintable"),
        (list(range(10**5)), "..."),
        (math.inf, "inf"),
    ],
    ids=short_id,
)
def test_shown_is_short_and_never_raises(value: Any, shows: str) -> None:
    text = shown(value)
    assert shows in text and len(text) <= 120


def test_check_str_refuses_long_text_before_reading_it() -> None:
    with pytest.raises(ValidationError, match="too long: 10000000 characters") as info:
        check_str(BIG, "query", 100)
    assert info.value.field == "query" and len(info.value.message) < 200
    assert isinstance(info.value.value, str) and len(info.value.value) < 300


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("a\ud800b", "U\\+D800"),
        ("\udfff", "U\\+DFFF"),
        ("nul\x00here", "NUL"),
        ("\udc80x", "U\\+DC80"),
    ],
)
def test_check_str_refuses_lone_surrogates_and_nul(text: str, found: str) -> None:
    with pytest.raises(ValidationError, match=found) as info:
        check_str(text, "user_id", 100)
    assert info.value.field == "user_id" and "valid Unicode" in info.value.message


def test_emoji_and_other_scripts_are_valid_text() -> None:
    text = "I ❤️ Lisbon 🇵🇹 — 東京 مرحبا \u200d"
    assert check_str(text, "messages", 100) == text
    assert require_str(text, "query", 100) == text


def test_error_messages_are_capped_whatever_is_built() -> None:
    error = EngramError("x" * 100_000)
    assert len(error.message) < MAX_MESSAGE_CHARS + 100 and "cut" in error.message


@pytest.mark.parametrize(
    "value", [0, -1, 10_001, 10**30, 10**5000, True, 2.0, "10", None, math.inf, [1]], ids=short_id
)
def test_limit_is_bounded(value: Any) -> None:
    with pytest.raises(ValidationError) as info:
        check_limit(value)
    assert info.value.field == "limit" and len(info.value.message) < 200


@pytest.mark.parametrize(
    "value", [10**400, -(10**400), math.nan, math.inf, 1.5, -0.1, True], ids=short_id
)
def test_threshold_refuses_huge_and_non_finite_numbers(value: Any) -> None:
    with pytest.raises(ValidationError):
        check_threshold(value)


@pytest.mark.parametrize(
    ("metadata", "says"),
    [
        (nested(1000), "nested more than 16 deep"),
        (nested(17), "nested more than 16 deep"),
        (nested(1000, kind="list") and {"a": nested(1000, kind="list")}, "nested"),
        ({"n": 2**70}, "64-bit"),
        ({"n": -(2**63) - 1}, "64-bit"),
        ({"x": math.inf}, "inf"),
        ({"\ud800": 1}, "U\\+D800"),
        ({"k": "v\x00"}, "NUL"),
        ({"k": "v" * 70_000}, "larger than 65536 bytes"),
        ({f"k{i}": "v" * 100 for i in range(1000)}, "larger than 65536 bytes"),
        ({"k": [None] * 100_000}, "larger than 65536 bytes"),
        ({"k" * 300: 1}, "too long"),
        ({"k": datetime(2024, 1, 1)}, "datetime"),
        ({"k": Unprintable()}, "Unprintable"),
    ],
    ids=short_id,
)
def test_metadata_limits(metadata: dict[str, Any], says: str) -> None:
    with pytest.raises(ValidationError, match=says) as info:
        check_metadata(metadata)
    assert info.value.field == "metadata" and len(info.value.message) < 600


def test_metadata_cycles_stop_at_the_depth_limit() -> None:
    cycle: dict[str, Any] = {}
    cycle["self"] = cycle
    with pytest.raises(ValidationError, match="nested"):
        check_metadata(cycle)


def test_metadata_within_the_limits_is_kept() -> None:
    value = {"a": nested(15, "leaf"), "n": 2**63 - 1, "tags": ["x"] * 100, "é": "ü"}
    assert check_metadata(value) == value


@pytest.mark.parametrize(
    ("filters", "says"),
    [
        (nested(1000, {"k": 1}, kind="not"), "nested more than 8 deep"),
        (nested(9, {"k": 1}, kind="not"), "nested more than 8 deep"),
        ({"OR": [{"k": i} for i in range(101)]}, "more than 100 conditions"),
        ({f"k{i}": i for i in range(101)}, "more than 100 conditions"),
        ({"k": {"in": list(range(1001))}}, "more than 1000 values"),
        ({"k": 2**70}, "64-bit"),
        ({"k": {"gt": -(10**30)}}, "64-bit"),
        ({"k": math.nan}, "finite"),
        ({"k": {"lt": math.inf}}, "finite"),
        ({"k": "\ud800"}, "U\\+D800"),
        ({"\ud800": 1}, "U\\+D800"),
        ({"k" * 300: 1}, "too long"),
        ({"k": "v" * 100_001}, "too long"),
        ({"metadata." + ".".join("abcdefghijklmnopq"): 1}, "more than 16 keys"),
    ],
    ids=short_id,
)
def test_filter_limits(filters: dict[str, Any], says: str) -> None:
    with pytest.raises(ValidationError, match=says) as info:
        parse_filters(filters)
    assert len(info.value.message) < 600


def test_filters_within_the_limits_parse() -> None:
    assert parse_filters(nested(8, {"k": 1}, kind="not")) is not None
    assert parse_filters({"OR": [{"k": i} for i in range(100)]}) is not None
    assert parse_filters({"k": {"in": list(range(999))}, "n": 2**63 - 1}) is not None


@pytest.mark.parametrize(
    ("messages", "says"),
    [
        (BIG, "too long"),
        ([{"role": "user", "content": "hi"}] * 10_001, "at most 10000"),
        ([{"role": "user", "content": "a" * 99_000}] * 11, "1000000 characters in all"),
        ({"role": "user", "content": ["part"] * 10_001}, "at most 10000"),
        ({"role": "user", "content": [{"type": "text", "text": "a" * 60_000}] * 2}, "too long"),
        ({"role": "x" * 300, "content": "hi"}, "too long"),
        ({"role": "user", "name": "\ud800", "content": "hi"}, "U\\+D800"),
        ({"role": "user", "content": "hi\x00"}, "NUL"),
        ({"role": "user", "content": {"type": "image_url", "image_url": "data:image/" + BIG * 3}},
         "too long"),
    ],    ids=short_id,
)  # fmt: skip
def test_message_limits(messages: Any, says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        parse_messages(messages)


@pytest.mark.parametrize("value", ["2024-01-01" + " " * 100, BIG, 10**5000, math.inf], ids=short_id)
def test_timestamps_refuse_huge_values_with_a_short_message(value: Any) -> None:
    with pytest.raises(ValidationError) as info:
        parse_timestamp(value)
    assert len(info.value.message) < 300


def test_limits_are_checked_and_capped() -> None:
    assert Limits(max_text_chars=5).max_text_chars == 5
    for name, ceiling in CEILINGS.items():
        for bad in (0, -1, ceiling + 1, 10**30):
            with pytest.raises(ConfigurationError, match=name):
                Limits(**{name: bad})
    with pytest.raises(ConfigurationError, match="limits"):
        MemoryConfig.from_dict({"limits": {"max_text_chars": "many"}})
    with pytest.raises(ConfigurationError, match="nope"):
        MemoryConfig.from_dict({"limits": {"nope": 1}})


def test_limits_come_from_the_config(db_path: Path, embedder: OnnxEmbedder) -> None:
    config = {**store_config(db_path), "limits": {"max_text_chars": 20, "max_limit": 5}}
    with Memory(config, embedder=embedder) as memory:
        memory.add("short enough", user_id="u", infer=False)
        with pytest.raises(ValidationError, match="at most 20 allowed"):
            memory.add("a text longer than twenty characters", user_id="u", infer=False)
        with pytest.raises(ValidationError, match="from 1 to 5"):
            memory.search("short", user_id="u", limit=6)
        assert memory.search("short", user_id="u", limit=5)["results"]
    assert DEFAULT_LIMITS.max_text_chars == 100_000


def test_the_api_refuses_each_hostile_value_with_a_validation_error(memory: Memory) -> None:
    calls: list[Callable[[], Any]] = [
        lambda: memory.add(BIG, user_id="u"),
        lambda: memory.search(BIG, user_id="u"),
        lambda: memory.update("x", BIG),
        lambda: memory.get(BIG),
        lambda: memory.add("x", user_id="u", metadata=nested(990)),
        lambda: memory.search("x", user_id="u", filters=nested(1000, {"k": 1}, kind="not")),
        lambda: memory.get_all(user_id="u", limit=10**30),
        lambda: memory.get_all(user_id="u", filters={"n": 2**70}),
        lambda: memory.add("x", user_id="\ud800"),
        lambda: memory.add("x\udc80", user_id="u"),
        lambda: memory.history("\ud800"),
        lambda: memory.delete_all(run_id="r" * 1000),
    ]
    for call in calls:
        with pytest.raises(ValidationError) as info:
            call()
        assert info.value.field and len(str(info.value)) < 700


def test_messages_that_quote_invalid_text_still_print_and_encode() -> None:
    error = ValidationError("bad key '\ud800x'", field="k", suggestion="not '\udc80'")
    assert "\\ud800" in error.message and "\\udc80" in (error.suggestion or "")
    str(error).encode("utf-8")


def test_a_long_query_keeps_its_first_64_distinct_words() -> None:
    from engram.core.keywords import MAX_QUERY_WORDS, query_words

    words = query_words(" ".join(f"word{i}" for i in range(10_000)) + " word3")
    assert len(words) == MAX_QUERY_WORDS == 64 and words[:2] == ["word0", "word1"]
