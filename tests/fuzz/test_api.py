"""Every public method of Memory and AsyncMemory, with hostile arguments, on SQLite and on
PostgreSQL: each call returns or raises an EngramError, within the time bound, and the store
stays consistent (every memory has its vector, its lexical row and its history; the counts
of the store and of its tables agree)."""

from __future__ import annotations

import functools
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import anyio.from_thread
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engram import AsyncMemory, Memory
from engram.core.limits import shown
from engram.embedders.onnx import OnnxEmbedder
from tests.fuzz import strategies as s
from tests.fuzz.conftest import Tally

NEVER = "00000000-0000-4000-8000-000000000000"
METHODS = ["add", "add", "get", "get_all", "search", "search", "update", "delete", "history"]
RARE = ["delete_all", "reset", "browse", "batch_update", "batch_delete", "count"]


class Target:
    """A Memory or AsyncMemory on one store, called synchronously, and its consistency check."""

    def __init__(self, memory: Any, run: Callable[..., Any], check: Callable[[], None]) -> None:
        self.memory = memory
        self.run = run
        self.check = check
        self.ids: list[str] = []

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.run(functools.partial(getattr(self.memory, method), *args, **kwargs))


def sqlite_check(path: Path) -> Callable[[], None]:
    def check() -> None:
        with closing(sqlite3.connect(path)) as conn:

            def one(sql: str) -> Any:
                return conn.execute(sql).fetchone()[0]

            memories = one("SELECT count(*) FROM memories")
            assert memories == one("SELECT count(*) FROM vectors")
            assert memories == one("SELECT count(*) FROM memories_fts_docsize")
            assert not one(
                "SELECT count(*) FROM memories m WHERE NOT EXISTS "
                "(SELECT 1 FROM vectors v WHERE v.seq = m.seq AND length(v.embedding) = 1536)"
            )
            assert not one(
                "SELECT count(*) FROM memories m WHERE NOT EXISTS "
                "(SELECT 1 FROM memories_fts_docsize d WHERE d.id = m.seq)"
            )
            assert not one(
                "SELECT count(*) FROM memories m WHERE NOT EXISTS "
                "(SELECT 1 FROM history h WHERE h.memory_id = m.id)"
            )
            conn.execute(
                "INSERT INTO memories_fts (memories_fts, rank) VALUES ('integrity-check', 1)"
            )

    return check


def postgres_check(dsn: str, schema: str) -> Callable[[], None]:
    def check() -> None:
        import psycopg

        with psycopg.connect(dsn, autocommit=True) as conn:

            def one(sql: str) -> Any:
                row = conn.execute(sql).fetchone()
                assert row is not None
                return row[0]

            assert not one(
                f"SELECT count(*) FROM {schema}.memories WHERE embedding IS NULL "
                "OR vector_dims(embedding) != 384 OR lexemes IS NULL"
            )
            assert not one(
                f"SELECT count(*) FROM {schema}.memories m WHERE NOT EXISTS "
                f"(SELECT 1 FROM {schema}.history h WHERE h.memory_id = m.id)"
            )
            assert one(f"SELECT count(*) FROM {schema}.memories") == one(
                f"SELECT count(DISTINCT id) FROM {schema}.memories"
            )

    return check


@contextmanager
def target(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    """``kind`` is ``store-shell``: sqlite or postgres, sync or async."""
    store, shell = kind.split("-")
    embedder: OnnxEmbedder = request.getfixturevalue("embedder")
    embedder.embed_batch(["warm up"])  # loading the model is not what the time bound is about
    if store == "sqlite":
        path = tmp_path / "fuzz.db"
        config: dict[str, Any] = {
            "vector_store": {"provider": "sqlite", "config": {"path": str(path)}}
        }
        check = sqlite_check(path)
    else:
        dsn = request.getfixturevalue("postgres_dsn")
        schema = f"fuzz_{uuid.uuid4().hex[:12]}"
        config = {
            "vector_store": {"provider": "postgres", "config": {"dsn": dsn, "schema_name": schema}}
        }
        check = postgres_check(dsn, schema)
    try:
        if shell == "sync":
            with Memory(config, embedder=embedder) as memory:
                yield Target(memory, lambda call: call(), check)
        else:
            with anyio.from_thread.start_blocking_portal() as portal:
                shell_memory = AsyncMemory(config, embedder=embedder)
                try:
                    yield Target(shell_memory, portal.call, check)
                finally:
                    portal.call(shell_memory.close)
    finally:
        if store == "postgres":
            import psycopg

            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def one_call(t: Target, tally: Tally, data: st.DataObject) -> None:
    """One call of a random method: every argument plausible, or any of them hostile."""
    hostile = data.draw(st.integers(0, 9)) < 4

    def arg(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any] = s.junk) -> Any:
        return data.draw(st.one_of(good, good, bad) if hostile else good)

    rare = data.draw(st.integers(0, 30)) == 0
    method = data.draw(st.sampled_from(METHODS + RARE if rare else METHODS))
    names = data.draw(st.sampled_from([("user_id",), ("user_id", "run_id"), ("agent_id",)]))
    if hostile:
        names = data.draw(st.sampled_from([names, ()]))
    scope = {name: arg(s.good_ids, s.ids) for name in names}
    # Draws must not depend on the store's state (Hypothesis replays them): an index into
    # the ids added so far, resolved at call time, or an id that never existed.
    pick = data.draw(st.integers(0, 2**16))
    known = t.ids[-50:][pick % len(t.ids[-50:])] if t.ids else NEVER
    memory_id = st.sampled_from([known, known, NEVER])
    if method == "add":
        args: tuple[Any, ...] = (arg(s.good_messages, s.bad_messages),)
        kwargs = {
            **scope,
            "metadata": arg(s.good_metadata, s.metadata),
            "infer": arg(st.booleans()),
            "timestamp": arg(s.good_timestamps, s.timestamps),
            "idempotency_key": arg(s.good_keys, s.idempotency_keys),
        }
        if hostile:
            kwargs["memory_type"] = arg(st.none(), s.memory_types)
    elif method in ("get", "delete", "history"):
        args, kwargs = (arg(memory_id, s.ids),), {}
    elif method == "update":
        args = (arg(memory_id, s.ids), arg(s.good_text, s.texts))
        kwargs = {"metadata": arg(s.good_metadata, s.metadata)}
    elif method == "get_all":
        args = ()
        filters = arg(s.good_filters, s.bad_filters)
        kwargs = {**scope, "filters": filters, "limit": arg(s.good_limits, s.bad_limits)}
    elif method == "search":
        args = (arg(s.good_text, s.texts),)
        kwargs = {
            **scope,
            "filters": arg(s.good_filters, s.bad_filters),
            "limit": arg(s.good_limits, s.bad_limits),
            "threshold": arg(s.good_thresholds, s.numbers),
            "explain": arg(st.booleans()),
        }
    elif method == "delete_all":
        args, kwargs = (), scope
    elif method == "count":
        args, kwargs = (), {**scope, "filters": arg(s.good_filters, s.bad_filters)}
    elif method == "browse":
        args = ()
        kwargs = {
            **scope,
            "filters": arg(s.good_filters, s.bad_filters),
            "order_by": arg(st.sampled_from(["created_at", "updated_at"])),
            "cursor": arg(st.none(), s.texts),
            "limit": arg(s.good_limits, s.bad_limits),
        }
    elif method == "batch_update":
        item = st.fixed_dictionaries({"memory_id": memory_id, "text": s.good_text})
        args = (arg(st.lists(item, min_size=1, max_size=3), s.junk),)
        kwargs = {}
    elif method == "batch_delete":
        args, kwargs = (arg(st.lists(memory_id, min_size=1, max_size=3), s.junk),), {}
    else:
        args, kwargs = (), {}
    described = ", ".join([*map(shown, args), *(f"{k}={shown(v)}" for k, v in kwargs.items())])
    label = f"{method}({described[:400]})"
    result = tally.call(label, lambda: t.call(method, *args, **kwargs))
    if method == "add" and isinstance(result, dict):
        t.ids.extend(item["id"] for item in result["results"])


KINDS = ["sqlite-sync", "sqlite-async", "postgres-sync", "postgres-async"]


@pytest.mark.parametrize("kind", KINDS)
def test_hostile_calls_fail_typed_fast_and_leave_the_store_consistent(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, tally: Tally
) -> None:
    with target(kind, request, tmp_path) as t:

        @given(data=st.data())
        def calls(data: st.DataObject) -> None:
            for _ in range(data.draw(st.integers(1, 3))):
                one_call(t, tally, data)
            t.check()

        calls()
    assert tally.calls and not tally.unexpected


def nested(depth: int, leaf: Any, key: str = "a") -> Any:
    value = leaf
    for _ in range(depth):
        value = {key: value}
    return value


#: The hostile calls the issue reported, named: each must fail typed, and fast.
KNOWN: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("search", ("x",), {"user_id": "u", "filters": nested(1000, {"k": 1}, "NOT")}),
    ("add", ("x",), {"user_id": "u", "metadata": nested(990, 1)}),
    ("add", ("x",), {"user_id": "\ud800"}),
    ("add", ("x\udfff",), {"user_id": "u"}),
    ("add", ("x",), {"user_id": "u", "metadata": {"k": "\ud800"}}),
    ("get", ("\udc80",), {}),
    ("get_all", (), {"user_id": "u", "limit": 10**30}),
    ("get_all", (), {"user_id": "u", "filters": {"n": 2**70}}),
    ("search", ("x",), {"user_id": "u", "filters": {"n": {"gt": float("inf")}}}),
    ("add", (s.HUGE_TEXT,), {"user_id": "u"}),
    ("search", (s.HUGE_TEXT,), {"user_id": "u"}),
    ("add", ([{"role": "user", "content": "hi"}] * 10_001,), {"user_id": "u"}),
    ("update", ("id", s.HUGE_TEXT), {}),
    ("add", ("x",), {"user_id": "u", "timestamp": 10**30}),
    ("delete_all", (), {"user_id": "u" * 100_000}),
]


@pytest.mark.parametrize("kind", KINDS)
def test_the_reported_hostile_calls_fail_typed_and_fast(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, tally: Tally
) -> None:
    with target(kind, request, tmp_path) as t:
        for method, args, kwargs in KNOWN:
            call = functools.partial(t.call, method, *args, **kwargs)
            result = tally.call(method, call)
            assert result is None, f"{method} accepted a hostile call"
        t.check()
    assert tally.engram_errors == len(KNOWN) and not tally.unexpected


def _longest(unit: str) -> str:
    """``unit`` repeated to the longest text the default limits allow."""
    return (unit * (s.LIMITS.max_text_chars // len(unit) + 1))[: s.LIMITS.max_text_chars]


#: The longest queries the limits allow, written to make the reading of times and words work
#: hardest: times everywhere, open ranges and events, words with no end, distinct words.
LONGEST_QUERIES = [
    _longest("We met on 8 May 2023 at 5pm, "),
    _longest("from May to July 2023 and two weeks before 11 August "),
    _longest("before the party, after the wedding; "),
    _longest("before " + "word " * 50),
    _longest("when did Caroline go "),
    " ".join(f"w{i}" for i in range(20_000))[: s.LIMITS.max_text_chars],
    "a" * s.LIMITS.max_text_chars,
]


@pytest.mark.parametrize("kind", ["sqlite-sync", "postgres-async"])
def test_the_longest_queries_allowed_stay_bounded(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, tally: Tally
) -> None:
    """Search reads a query's times and words in bounded work, whatever the query holds."""
    with target(kind, request, tmp_path) as t:
        t.call("add", "We met on 8 May 2023 at the party.", user_id="u", infer=False)
        for query in LONGEST_QUERIES:
            found = tally.call("search", functools.partial(t.call, "search", query, user_id="u"))
            assert found is not None, "a query within the limits was refused"
        t.check()
    assert not tally.unexpected and not tally.slow
