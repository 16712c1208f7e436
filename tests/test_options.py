"""Config models (``engram.options.Options``) refuse hostile values with a ConfigurationError,
built from a dict or directly, and name where the bad value is."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from engram import ConfigurationError, Memory, MemoryConfig
from engram.embedders.onnx import OnnxEmbedderConfig
from engram.options import MAX_CONFIG_DEPTH, config_problem
from engram.paths import data_home, expand, private_dir, private_file
from engram.stores.postgres.config import PostgresStoreConfig
from engram.stores.sqlite.store import SQLiteStoreConfig


def hostile(options: dict[str, Any]) -> Any:
    """Options as a caller's dict is typed: anything."""
    return options


def deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"path": "a\x00b"}, "path holds a NUL character"),
        ({"path": "\ud800"}, "path is not valid Unicode"),
        ({"busy_timeout": math.inf}, "busy_timeout is inf"),
        ({"n": 2**64}, "n is an integer outside the 64-bit range"),
        ({"n": [1, -(2**70)]}, "n[1] is an integer outside"),
        ({"a": deep(MAX_CONFIG_DEPTH + 1)}, "nested more than 24 deep"),
        ({"a": list(range(10_001))}, "more than 10000 items"),
        ({"a": "x" * 1_000_001}, "longer than 1000000 characters"),
        ({"k" * 100: {1: 2}}, "has a key that is not a string"),
    ],
)
def test_config_problems_are_found_without_recursion(data: Any, says: str) -> None:
    problem = config_problem(data)
    assert problem is not None and says in problem


def test_a_sane_config_has_no_problem() -> None:
    assert config_problem({"path": "/tmp/x.db", "n": [1, 2.5, None, True], "m": deep(20)}) is None


@pytest.mark.parametrize(
    ("build", "says"),
    [
        (lambda: SQLiteStoreConfig(busy_timeout=math.inf), "busy_timeout"),
        (lambda: SQLiteStoreConfig(busy_timeout=1e300), "busy_timeout"),
        (lambda: SQLiteStoreConfig(path="x\x00"), "NUL"),
        (lambda: SQLiteStoreConfig(**hostile({"nope": 1})), "nope"),
        (lambda: PostgresStoreConfig(max_connections=10**30), "max_connections"),
        (lambda: PostgresStoreConfig(connect_timeout=-1), "connect_timeout"),
        (lambda: OnnxEmbedderConfig(threads=10**6), "threads"),
        (lambda: OnnxEmbedderConfig(**hostile({"\ud800": 1})), "not valid Unicode"),
        (lambda: MemoryConfig(**hostile({"vector_store": 5})), "vector_store"),
        (lambda: MemoryConfig.model_validate({1: 2}), "not a string"),
        (lambda: MemoryConfig.from_dict({"vector_store": {"provider": "sqlite", 1: 2}}), "key"),
    ],
)
def test_building_a_model_directly_raises_configuration_errors(build: Any, says: str) -> None:
    with pytest.raises(ConfigurationError, match=says) as info:
        build()
    assert len(info.value.message) < 1000
    str(info.value).encode("utf-8")


def test_nested_errors_name_their_path() -> None:
    with pytest.raises(ConfigurationError, match=r"vector_store\.config\.busy_timeout is inf"):
        Memory({"vector_store": {"provider": "sqlite", "config": {"busy_timeout": math.inf}}})


def test_paths_are_expanded_or_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot expand"):
        expand("~no_such_user_engram/x.db", "vector_store.config.path")
    with pytest.raises(ConfigurationError, match="cannot expand"):
        Memory({"vector_store": {"provider": "sqlite", "config": {"path": "~no_such_user_x/m"}}})
    monkeypatch.delenv("ENGRAM_HOME")
    assert data_home().name == "engram"


def test_unwritable_places_are_store_errors(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    from engram import StoreError

    with pytest.raises(StoreError, match="cannot create the directory"):
        private_dir(blocker / "sub")
    with pytest.raises(StoreError, match="cannot create"):
        private_file(tmp_path / "file" / "x.db")
    assert private_file(tmp_path / "new.db") and not private_file(tmp_path / "new.db")


def test_a_directory_or_a_device_is_no_store_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="is a directory"):
        Memory({"vector_store": {"provider": "sqlite", "config": {"path": str(tmp_path)}}})
    with pytest.raises(ConfigurationError, match="not a regular file"):
        Memory({"vector_store": {"provider": "sqlite", "config": {"path": "/dev/null"}}})
