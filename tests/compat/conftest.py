"""Fixtures of the mem0 compatibility suite, and its figures in the test summary.

Each ported mem0 test is marked ``@mem0("v1.0.11", ...)`` with the tags it comes from; at the end
of a run the summary counts, per tag, how many of those tests passed and how many are expected
to fail (``xfail``: engram differs on purpose, each with its reason).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from engram import AsyncMemory, Memory, get_registry
from engram.embedders.onnx import OnnxEmbedder
from tests.conftest import store_config
from tests.scripted_llm import ScriptedLLM

F = TypeVar("F", bound=Callable[..., Any])
TAGS = ("v1.0.11", "v2.0.18")
_OUTCOMES: dict[str, Counter[str]] = {tag: Counter() for tag in TAGS}


def mem0(*tags: str) -> Callable[[F], F]:
    """Mark a test as ported from mem0's own tests at these tags."""
    assert tags and set(tags) <= set(TAGS), tags
    return pytest.mark.mem0(*tags)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "mem0(*tags): a test ported from mem0's own tests")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    marker = item.get_closest_marker("mem0")
    if marker is None:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        status = "xfailed" if hasattr(report, "wasxfail") else report.outcome
        for tag in marker.args:
            _OUTCOMES[tag][status] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not any(_OUTCOMES.values()):
        return
    terminalreporter.section("mem0's own tests, ported")
    for tag, counts in _OUTCOMES.items():
        total = sum(counts.values())
        parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        terminalreporter.write_line(f"mem0 {tag}: {total} tests: {parts}")


@pytest.fixture
def memory(tmp_path: Path, embedder: OnnxEmbedder) -> Iterator[Memory]:
    """An offline Memory on a fresh SQLite store (no LLM: the offline extractor)."""
    with Memory(store_config(tmp_path / "m.db"), embedder=embedder) as m:
        yield m


@pytest.fixture
def async_memory(tmp_path: Path, embedder: OnnxEmbedder) -> Iterator[AsyncMemory]:
    """An offline AsyncMemory on a fresh SQLite store."""
    m = AsyncMemory(store_config(tmp_path / "a.db"), embedder=embedder)
    yield m
    m._runtime.store.close()


LLMMemory = Callable[..., Memory]


@pytest.fixture
def llm_memory(tmp_path: Path, embedder: OnnxEmbedder) -> Iterator[LLMMemory]:
    """Make a Memory whose LLM gives scripted answers (mem0's tests mock their LLM)."""
    registry = get_registry("llms")
    registry.register("scripted", ScriptedLLM)
    made: list[Memory] = []

    def make(*answers: str, **config: Any) -> Memory:
        llm = {"provider": "scripted", "config": {"answers": list(answers)}}
        m = Memory(
            {**store_config(tmp_path / f"l{len(made)}.db"), "llm": llm, **config},
            embedder=embedder,
        )
        made.append(m)
        return m

    yield make
    for m in made:
        m.close()
    registry.unregister("scripted")


V1, V2 = "v1.0.11", "v2.0.18"
BOTH = (V1, V2)


def first_id(result: dict[str, Any]) -> str:
    """The id of the first memory of an add() result."""
    return str(result["results"][0]["id"])


def assert_utc(timestamp: str) -> None:
    """``timestamp`` is ISO 8601 at UTC (mem0's tests check that)."""
    parsed = datetime.fromisoformat(timestamp)
    offset = parsed.utcoffset()
    assert offset is not None and offset.total_seconds() == 0


def facts(*items: str) -> str:
    """A fact-extraction answer of the scripted LLM."""
    return json.dumps({"facts": list(items)})
