"""MemoryConfig: offline defaults, mem0's dict shape, and errors that list what is allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engram import ConfigurationError, Memory, MemoryConfig, ProviderConfig
from engram.embedders.onnx import OnnxEmbedder, OnnxEmbedderConfig
from engram.stores.sqlite.store import SQLiteStoreConfig
from tests.conftest import store_config

TOP_LEVEL_KEYS = [
    "custom_fact_extraction_prompt",
    "custom_instructions",
    "custom_update_memory_prompt",
    "embedder",
    "enable_graph",
    "graph_store",
    "history_db_path",
    "limits",
    "llm",
    "reranker",
    "vector_store",
    "version",
]


def config_error(data: Any) -> ConfigurationError:
    """Validate ``data`` and return the ConfigurationError raised."""
    with pytest.raises(ConfigurationError) as info:
        MemoryConfig.from_dict(data)
    return info.value


def test_defaults_are_sqlite_onnx_and_v11() -> None:
    config = MemoryConfig()
    assert config.vector_store.provider == "sqlite"
    assert config.embedder.provider == "onnx"
    assert config.version == "v1.1"
    assert config.llm is None and config.graph_store is None and config.reranker is None
    assert config.history_db_path is None
    assert config.custom_fact_extraction_prompt is None
    # provider options are validated into each provider's own model, with its defaults
    assert isinstance(config.vector_store.config, SQLiteStoreConfig)
    assert config.vector_store.config.path is None
    assert isinstance(config.embedder.config, OnnxEmbedderConfig)
    assert config.embedder.config.batch_size == 64


def test_empty_dict_gives_the_defaults() -> None:
    assert MemoryConfig.from_dict({}) == MemoryConfig()


def test_mem0_shaped_dict_is_accepted(tmp_path: Path) -> None:
    data = {
        "vector_store": {"provider": "sqlite", "config": {"path": str(tmp_path / "m.db")}},
        "embedder": {
            "provider": "onnx",
            "config": {"model": "all-MiniLM-L6-v2", "embedding_dims": 384},
        },
        "history_db_path": str(tmp_path / "history.db"),
        "version": "v1.1",
    }
    config = MemoryConfig.from_dict(data)
    assert isinstance(config.vector_store.config, SQLiteStoreConfig)
    assert config.vector_store.config.path == str(tmp_path / "m.db")
    assert isinstance(config.embedder.config, OnnxEmbedderConfig)
    assert config.embedder.config.embedding_dims == 384
    assert config.history_db_path == str(tmp_path / "history.db")


def test_provider_config_may_be_the_providers_own_model(tmp_path: Path) -> None:
    own = SQLiteStoreConfig(path=str(tmp_path / "x.db"), busy_timeout=2.0)
    config = MemoryConfig(vector_store=ProviderConfig(provider="sqlite", config=own))
    assert config.vector_store.config is own


def test_unknown_top_level_key_lists_the_allowed_keys() -> None:
    err = config_error({"vector_stor": {"provider": "sqlite"}})
    assert "vector_stor" in err.message
    assert err.suggestion is not None
    for key in TOP_LEVEL_KEYS:
        assert key in err.suggestion
    assert err.details["allowed"] == TOP_LEVEL_KEYS


def test_unknown_provider_lists_the_available_ones() -> None:
    err = config_error({"vector_store": {"provider": "qdrant"}})
    assert "qdrant" in err.message
    assert err.missing_field == "vector_store.provider"
    assert "sqlite" in str(err)
    assert "sqlite" in err.details["allowed"]
    err = config_error({"embedder": {"provider": "cohere"}})
    assert err.missing_field == "embedder.provider"
    assert "onnx" in str(err)


def test_unknown_provider_config_key_lists_the_allowed_keys() -> None:
    err = config_error({"vector_store": {"provider": "sqlite", "config": {"pathh": "x.db"}}})
    assert "pathh" in err.message
    assert err.missing_field == "vector_store.config"
    assert err.details["allowed"] == ["busy_timeout", "path"]
    assert "busy_timeout, path" in str(err)
    err = config_error({"embedder": {"provider": "onnx", "config": {"modle": "x"}}})
    assert err.missing_field == "embedder.config"
    assert "model_path" in err.details["allowed"]


def test_unknown_key_in_a_provider_block_is_rejected() -> None:
    err = config_error({"vector_store": {"provider": "sqlite", "options": {}}})
    assert "options" in err.message


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"vector_store": "sqlite"}, "vector_store"),
        ({"vector_store": {"config": {}}}, "vector_store.provider"),
        ({"vector_store": {"provider": 3}}, "vector_store.provider"),
        ({"vector_store": {"provider": "sqlite", "config": {"busy_timeout": "soon"}}},
         "busy_timeout"),
        ({"vector_store": {"provider": "sqlite", "config": {"busy_timeout": -1}}},
         "busy_timeout"),
        ({"embedder": {"provider": "onnx", "config": {"batch_size": 0}}}, "batch_size"),
        ({"history_db_path": 7}, "history_db_path"),
        ({"custom_fact_extraction_prompt": ["a"]}, "custom_fact_extraction_prompt"),
    ],
)  # fmt: skip
def test_wrong_types_are_configuration_errors(data: dict[str, Any], where: str) -> None:
    assert where in config_error(data).message


def test_provider_config_that_is_not_a_dict_is_rejected() -> None:
    err = config_error({"vector_store": {"provider": "sqlite", "config": "x.db"}})
    assert err.missing_field == "vector_store.config"
    assert "str" in err.message


@pytest.mark.parametrize("version", ["v1.2", "v2", "1.1", "", None])
def test_only_versions_v10_and_v11_are_accepted(version: Any) -> None:
    err = config_error({"version": version})
    assert "version" in err.message
    assert MemoryConfig.from_dict({"version": "v1.0"}).version == "v1.0"


@pytest.mark.parametrize("data", [None, "sqlite", ["vector_store"], 42])
def test_a_non_dict_config_is_a_configuration_error(data: Any) -> None:
    err = config_error(data)
    assert type(data).__name__ in err.message


@pytest.mark.parametrize("data", ["sqlite", ["vector_store"], 42])
def test_memory_rejects_a_non_dict_config(data: Any) -> None:
    with pytest.raises(ConfigurationError):
        Memory(data)


def test_memory_from_config_with_a_bad_config_raises(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as err:
        Memory.from_config({**store_config(tmp_path / "m.db"), "vectorstore": {}})
    assert "vectorstore" in err.value.message
    with pytest.raises(ConfigurationError):
        Memory.from_config({"vector_store": {"provider": "chroma"}})
    assert not (tmp_path / "m.db").exists()


def test_history_db_path_is_accepted_and_history_stays_in_the_store(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    config = {**store_config(tmp_path / "m.db"), "history_db_path": str(tmp_path / "h.db")}
    with Memory(config, embedder=embedder) as m:
        memory_id = m.add("remember me", user_id="u", infer=False)["results"][0]["id"]
        m.update(memory_id, "remembered")
        assert [h["event"] for h in m.history(memory_id)] == ["ADD", "UPDATE"]
    assert not (tmp_path / "h.db").exists()


def test_custom_prompts_are_accepted(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    data = {
        **store_config(tmp_path / "m.db"),
        "custom_fact_extraction_prompt": "Extract only food preferences.",
        "custom_update_memory_prompt": "Merge conservatively.",
    }
    config = MemoryConfig.from_dict(data)
    assert config.custom_fact_extraction_prompt == "Extract only food preferences."
    assert config.custom_update_memory_prompt == "Merge conservatively."
    with Memory(config, embedder=embedder) as m:
        assert m.config.custom_fact_extraction_prompt == "Extract only food preferences."
