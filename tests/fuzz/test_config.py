"""Hostile configuration: MemoryConfig, Memory(config), Memory.from_config, AsyncMemory, every
provider's Config built directly, and the registry. Each either works or raises an
EngramError, fast; a Memory that was built serves one add (which loads the embedder's model).

Remote embedders are built from configs but never asked for their dimension here (that is a
network call); their options are fuzzed through their Config classes.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from engram import AsyncMemory, Memory, MemoryConfig, get_registry
from engram.embedders.onnx import OnnxEmbedder
from engram.registry import CATEGORIES
from tests.fuzz import strategies as s
from tests.fuzz.conftest import Tally

# Every path is inside the test's temp directory (the test changes into it and sets HOME there)
# or cannot be written: the suite runs as root in CI, where "/etc/passwd" as a store or an
# export target would be overwritten.
PATHS = [
    "foreign.txt",
    "/",
    "/nonexistent/dir/x.onnx",
    "~nobody_engram/x.db",
    "~/x.db",
    "relative/x.db",
    "x" * 5000,
    "a\x00b",
    "\ud800.db",
]
paths = st.one_of(s.one_of_these(PATHS), s.texts, s.junk)


@st.composite
def blocks(draw: st.DrawFn, category: str, names: list[str], tmp: Path) -> Any:
    """A provider block: a known or junk provider, with plausible or hostile options."""
    provider = draw(st.one_of(st.sampled_from(names), s.texts, s.junk))
    options: dict[str, Any] = {}
    for _ in range(draw(st.integers(0, 3))):
        key = draw(
            st.one_of(
                st.sampled_from(
                    [
                        "path",
                        "busy_timeout",
                        "model_path",
                        "batch_size",
                        "threads",
                        "dsn",
                        "connect_timeout",
                        "max_connections",
                        "timeout",
                        "max_retries",
                        "base_url",
                        "api_key",
                        "top_k",
                        "temperature",
                        "model",
                    ]
                ),
                s.texts,
            )
        )
        options[key] = draw(st.one_of(paths, s.numbers, s.junk))
    if category == "stores" and "path" not in options and draw(st.booleans()):
        options["path"] = str(tmp / f"store-{draw(st.integers(0, 3))}.db")
    config = [options, None, draw(s.junk)][draw(st.integers(0, 2))]
    return [{"provider": provider, "config": config}, draw(s.junk)][draw(st.integers(0, 3)) // 3]


def configs(tmp: Path) -> st.SearchStrategy[Any]:
    known = st.fixed_dictionaries(
        {},
        optional={
            "vector_store": blocks("stores", ["sqlite", "sqlite", "postgres", "pgvector"], tmp),
            "embedder": blocks("embedders", ["onnx", "onnx", "sentence_transformers"], tmp),
            "llm": blocks("llms", ["openai", "ollama", "anthropic", "litellm"], tmp),
            "reranker": blocks("rerankers", ["llm"], tmp),
            "graph_store": s.junk,
            "limits": st.one_of(
                st.dictionaries(st.sampled_from(["max_text_chars", "max_filter_depth"]), s.numbers),
                s.junk,
            ),
            "version": st.one_of(st.sampled_from(["v1.0", "v1.1"]), s.junk),
            "history_db_path": paths,
            "custom_fact_extraction_prompt": s.texts,
        },
    )
    unknown = st.dictionaries(s.texts, s.junk, max_size=1)
    return st.builds(lambda base, extra: {**extra, **base}, known, unknown)


def sqlite(options: dict[str, Any], tmp: Path) -> dict[str, Any]:
    """A config of the sqlite store with ``options`` (a path in ``tmp`` unless given)."""
    return {
        "vector_store": {"provider": "sqlite", "config": {"path": str(tmp / "e.db"), **options}}
    }


def test_hostile_configs_fail_typed_and_fast(
    tmp_path: Path, tally: Tally, embedder: OnnxEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENGRAM_POSTGRES_DSN", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    foreign = tmp_path / "foreign.txt"
    foreign.write_text("root:x:0:0:someone else's file\n")

    @given(config=configs(tmp_path), shell=st.sampled_from(["Memory", "from_config", "Async"]))
    @example(sqlite({"busy_timeout": float("inf")}, tmp_path), "Memory")
    @example(sqlite({"path": str(tmp_path / "a\x00b.db")}, tmp_path), "Memory")
    @example(sqlite({"path": str(tmp_path / "\ud800.db")}, tmp_path), "from_config")
    @example(sqlite({"path": "~no_such_user_engram/x.db"}, tmp_path), "Async")
    @example(sqlite({"path": "/dev/null"}, tmp_path), "Memory")
    @example({"embedder": {"provider": "onnx", "config": {"model_path": str(foreign)}}}, "Memory")
    @example({"limits": {"max_filter_depth": 10**30}}, "Memory")
    @example(sqlite({"busy_timeout": 1e300}, tmp_path), "Memory")
    def build(config: Any, shell: str) -> None:
        def make() -> Any:
            if shell == "Memory":
                return Memory(config)
            if shell == "from_config":
                return Memory.from_config(config)
            return AsyncMemory(config)

        memory = tally.call(f"{shell}(config)", make)
        if memory is None:
            return
        try:
            if isinstance(memory, Memory):
                with warnings.catch_warnings():  # version="v1.0" says it is deprecated
                    warnings.simplefilter("ignore", DeprecationWarning)
                    # The first add loads the embedder's model (a second or more on busy
                    # cores: not what the bound is about).
                    tally.call(
                        "add (loads the model)",
                        lambda: memory.add("hello there", user_id="u", infer=False),
                        bounded=False,
                    )
        finally:
            if isinstance(memory, Memory):
                tally.call("close", memory.close)
            else:
                tally.call("close", lambda: memory._runtime.store.close())

    build()
    assert not tally.unexpected


def test_hostile_options_of_every_provider_fail_typed(
    tally: Tally, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # relative and ~ paths stay in the temp directory
    monkeypatch.setenv("HOME", str(tmp_path))
    configs = [
        get_registry(category).get(name).Config
        for category in CATEGORIES
        for name in get_registry(category).names()
        if name != "sentence_transformers" or category != "embedders"
    ]
    configs.append(MemoryConfig)

    @given(
        index=st.integers(0, len(configs) - 1),
        options=st.dictionaries(
            st.one_of(st.sampled_from(["timeout", "path", "dsn", "model", "top_k"]), s.texts),
            st.one_of(paths, s.numbers, s.junk),
            max_size=3,
        ),
        category=st.one_of(st.sampled_from(CATEGORIES), s.junk),
    )
    def construct(index: int, options: dict[str, Any], category: Any) -> None:
        model = configs[index]
        tally.call(model.__name__, lambda: model(**options))
        tally.call("MemoryConfig.from_dict", lambda: MemoryConfig.from_dict(options))
        tally.call("get_registry", lambda: get_registry(category).names())

    construct()
    assert not tally.unexpected
