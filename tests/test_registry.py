"""The provider registries: built-ins, entry points, and providers registered at run time."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from pydantic import BaseModel, ConfigDict, Field

from engram import ConfigurationError, Embedder, Memory, get_registry
from engram.embedders.base import Vectors
from engram.embedders.onnx import OnnxEmbedder, OnnxEmbedderConfig
from engram.registry import _BUILTINS, CATEGORIES, Registry
from engram.stores.sqlite.store import SQLiteStore
from tests.conftest import store_config


class WordHashConfig(BaseModel):
    """Options of the test's ``wordhash`` embedder."""

    model_config = ConfigDict(extra="forbid")

    dims: int = Field(default=64, ge=8)


class WordHashEmbedder(Embedder):
    """A bag of hashed lower-case words: texts sharing words have similar vectors."""

    Config = WordHashConfig

    def __init__(self, config: WordHashConfig) -> None:
        self.config = config
        self.dimension = config.dims
        self.name = f"wordhash:{config.dims}"
        self.texts_seen = 0

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1
            out[row, 0] += 1e-3  # never the zero vector
        self.texts_seen += len(texts)
        normalised: Vectors = out / np.linalg.norm(out, axis=1, keepdims=True)
        return normalised


@pytest.fixture
def wordhash() -> Iterator[str]:
    """Register ``wordhash`` for the duration of one test."""
    registry = get_registry("embedders")
    registry.register("wordhash", WordHashEmbedder)
    try:
        yield "wordhash"
    finally:
        registry.unregister("wordhash")
    assert "wordhash" not in registry.names()


def test_categories_and_builtins() -> None:
    assert CATEGORIES == ("embedders", "stores", "llms", "graphs", "rerankers")
    assert "onnx" in get_registry("embedders").names()
    assert "sqlite" in get_registry("stores").names()
    assert get_registry("embedders").get("onnx") is OnnxEmbedder
    assert get_registry("stores").get("sqlite") is SQLiteStore


def test_names_are_sorted() -> None:
    registry = Registry("stores", {"zeta": "x:Y", "alpha": "x:Y"})
    names = registry.names()
    assert names == sorted(names)
    assert {"alpha", "zeta"} <= set(names)


def test_unknown_category_is_a_value_error() -> None:
    with pytest.raises(ConfigurationError, match="nope"):
        get_registry("nope")


def test_unknown_name_lists_the_registered_names() -> None:
    with pytest.raises(ConfigurationError) as err:
        get_registry("embedders").get("word2vec")
    assert "word2vec" in err.value.message
    assert err.value.missing_field == "embedder.provider"
    assert "onnx" in str(err.value)
    assert err.value.details["allowed"] == get_registry("embedders").names()


def test_validate_config_turns_pydantic_errors_into_configuration_errors() -> None:
    registry = get_registry("embedders")
    with pytest.raises(ConfigurationError) as err:
        registry.validate_config("onnx", {"batch_size": 0})
    assert "batch_size" in err.value.message
    assert "batch_size" in err.value.details["allowed"]
    validated = registry.validate_config("onnx", {"batch_size": 8})
    assert isinstance(validated, OnnxEmbedderConfig) and validated.batch_size == 8
    assert registry.validate_config("onnx", None) == OnnxEmbedderConfig()


def test_create_builds_the_provider_from_a_dict() -> None:
    created = get_registry("embedders").create("onnx", {"batch_size": 3})
    assert isinstance(created, OnnxEmbedder)
    assert created.config.batch_size == 3


def test_a_runtime_provider_is_validated_built_and_used_by_memory(
    wordhash: str, tmp_path: Path
) -> None:
    assert wordhash in get_registry("embedders").names()
    with pytest.raises(ConfigurationError) as err:
        Memory({**store_config(tmp_path / "bad.db"),
                "embedder": {"provider": wordhash, "config": {"dimz": 8}}})  # fmt: skip
    assert err.value.details["allowed"] == ["dims"]

    config = {
        **store_config(tmp_path / "m.db"),
        "embedder": {"provider": wordhash, "config": {"dims": 32}},
    }
    with Memory(config) as m:
        assert m.embedder.name == "wordhash:32" and m.embedder.dimension == 32
        m.add("I like coffee in the morning.", user_id="u", infer=False)
        m.add("The car needs new tyres.", user_id="u", infer=False)
        m.add("My brother plays the cello.", user_id="u", infer=False)
        hits = m.search("coffee in the morning", user_id="u", limit=3)["results"]
        assert hits[0]["memory"] == "I like coffee in the morning."
        assert m.embedder.inner.texts_seen >= 4


def test_a_store_keeps_the_embedder_it_was_made_with(
    wordhash: str, tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    config = {
        **store_config(tmp_path / "m.db"),
        "embedder": {"provider": wordhash, "config": {"dims": 32}},
    }
    with Memory(config) as m:
        m.add("made by wordhash", user_id="u", infer=False)
    with pytest.raises(ConfigurationError):
        Memory(store_config(tmp_path / "m.db"), embedder=embedder)


def test_register_accepts_an_import_path() -> None:
    registry = get_registry("embedders")
    registry.register("onnx-by-path", "engram.embedders.onnx:OnnxEmbedder")
    try:
        assert registry.get("onnx-by-path") is OnnxEmbedder
    finally:
        registry.unregister("onnx-by-path")
    with pytest.raises(ConfigurationError):
        registry.get("onnx-by-path")


def test_unregister_of_an_unknown_name_is_a_no_op() -> None:
    registry = get_registry("stores")
    before = registry.names()
    registry.unregister("never-registered")
    assert registry.names() == before


def test_entry_points_of_engram_itself_are_loaded() -> None:
    stores = Registry("stores", {})
    embedders = Registry("embedders", {})
    assert "sqlite" in stores.names()
    assert stores.get("sqlite") is SQLiteStore
    assert embedders.get("onnx") is OnnxEmbedder
    for category, builtins in _BUILTINS.items():  # pyproject declares every built-in
        assert Registry(category, {}).names() == sorted(builtins), category


def test_a_runtime_registration_wins_over_an_entry_point() -> None:
    stores = Registry("stores", {})
    stores.register("sqlite", "engram.embedders.onnx:OnnxEmbedder")
    assert stores.get("sqlite") is OnnxEmbedder


def test_unregister_after_entry_points_are_loaded_stays_unregistered() -> None:
    stores = Registry("stores", {})
    assert "sqlite" in stores.names()
    stores.unregister("sqlite")
    assert "sqlite" not in stores.names()
    with pytest.raises(ConfigurationError):
        stores.get("sqlite")


def test_an_empty_category_says_no_provider_is_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("importlib.metadata.entry_points", lambda group: [])
    with pytest.raises(ConfigurationError) as err:
        Registry("graphs", {}).get("custom")
    assert err.value.suggestion is not None
    assert "no graph_store provider is installed" in err.value.suggestion


class LaxConfig(BaseModel):
    """A provider model that pydantic would let ignore unknown keys."""

    dims: int = 8


class LaxEmbedder(Embedder):
    """A provider with a lax config model."""

    Config = LaxConfig

    def __init__(self, config: LaxConfig) -> None:
        self.name, self.dimension = "lax", config.dims

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        out: Vectors = np.full((len(texts), self.dimension), self.dimension**-0.5, np.float32)
        return out


def test_unknown_keys_are_rejected_even_when_the_providers_model_is_lax() -> None:
    registry = get_registry("embedders")
    registry.register("lax", LaxEmbedder)
    try:
        with pytest.raises(ConfigurationError) as err:
            registry.validate_config("lax", {"dim": 4})
        assert "dim" in err.value.message and err.value.suggestion == "allowed keys: dims"
        assert registry.create("lax", {"dims": 4}).dimension == 4
    finally:
        registry.unregister("lax")
