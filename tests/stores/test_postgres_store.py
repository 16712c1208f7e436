"""The PostgreSQL store beyond the contract: configuration, the mem0 alias, reconnection,
the HNSW index, migrations, a client killed mid-transaction, the missing-driver error."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import numpy as np
import psycopg
import pytest

from engram import AsyncMemory, ConfigurationError, Memory, StoreError, get_registry
from engram.core.filters import parse_filters
from engram.core.records import Insert, MemoryRecord
from engram.embedders.onnx import OnnxEmbedder
from engram.stores.postgres import connect, schema, steps
from engram.stores.postgres.config import (
    DSN_ENV,
    PgVectorConfig,
    PostgresStoreConfig,
    keyword_conninfo,
)
from engram.stores.postgres.filters import compile_filter
from engram.stores.postgres.pgvector import PgVectorStore
from engram.stores.postgres.store import PostgresStore
from tests.test_async_memory import normalise, scenario


@pytest.fixture
def schema_name(postgres_dsn: str) -> Iterator[str]:
    """A fresh schema name, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def pg_config(dsn: str, schema_name: str, **options: Any) -> dict[str, Any]:
    options = {"dsn": dsn, "schema_name": schema_name, **options}
    return {"vector_store": {"provider": "postgres", "config": options}}


def test_memory_on_postgres_end_to_end(
    postgres_dsn: str, schema_name: str, embedder: OnnxEmbedder
) -> None:
    with Memory(pg_config(postgres_dsn, schema_name), embedder=embedder) as m:
        added = m.add("I like coffee in the morning.", user_id="alice", infer=False)
        memory_id = added["results"][0]["id"]
        m.add("Bob's birthday is on 3 March.", user_id="bob", infer=False)
        hits = m.search("what does alice drink?", user_id="alice")["results"]
        assert [h["id"] for h in hits] == [memory_id] and 0 < hits[0]["score"] <= 1
        m.update(memory_id, "I like green tea in the morning.")
        assert [h["event"] for h in m.history(memory_id)] == ["ADD", "UPDATE"]
        assert len(m.get_all(user_id="bob")["results"]) == 1
        m.delete_all(user_id="bob")
        assert m.get_all(user_id="bob")["results"] == []


def test_dsn_from_the_environment(
    postgres_dsn: str, schema_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DSN_ENV, postgres_dsn)
    store = get_registry("stores").create("postgres", {"schema_name": schema_name})
    store.open("t:4", 4)
    assert store.count() == 0
    store.close()
    monkeypatch.delenv(DSN_ENV)
    with pytest.raises(ConfigurationError, match="connection string") as info:
        get_registry("stores").create("postgres", {}).open("t:4", 4)
    assert info.value.suggestion and DSN_ENV in info.value.suggestion


def test_pgvector_alias_takes_mem0_keys(postgres_dsn: str, schema_name: str) -> None:
    info = psycopg.conninfo.conninfo_to_dict(postgres_dsn)
    port, password = info["port"], None
    if info.get("passfile"):  # the local server's password, from its password file
        password = Path(str(info["passfile"])).read_text().split(":")[-1].split()[0]
    mem0 = {
        "dbname": "postgres", "user": "postgres", "password": password, "host": "127.0.0.1",
        "port": int(str(port)), "collection_name": schema_name, "embedding_model_dims": 4,
        "diskann": True, "hnsw": False, "minconn": 1, "maxconn": 4,
    }  # fmt: skip
    store = get_registry("stores").create("pgvector", mem0)
    assert isinstance(store, PgVectorStore) and store.schema == schema_name
    assert not store.config.hnsw and store.config.max_connections == 4
    store.open("t:4", 4)
    store.close()
    with pytest.raises(ConfigurationError, match="embedding_model_dims"):
        get_registry("stores").create("pgvector", mem0).open("t:8", 8)
    by_string = PgVectorConfig(connection_string=postgres_dsn, collection_name=schema_name)
    assert by_string.to_postgres().dsn == postgres_dsn
    with pytest.raises(ConfigurationError, match="allowed keys"):
        get_registry("stores").validate_config("pgvector", {"nope": 1})


def test_keyword_conninfo_quotes_values() -> None:
    text = keyword_conninfo(user="o'brien", password="a\\b c", port=5432, host=None)
    assert text == "user='o\\'brien' password='a\\\\b c' port='5432'"
    assert psycopg.conninfo.conninfo_to_dict(text)["user"] == "o'brien"


def test_pool_reconnects_after_the_server_drops_connections(
    postgres_dsn: str, schema_name: str
) -> None:
    store = PostgresStore(PostgresStore.Config(dsn=postgres_dsn, schema_name=schema_name))
    store.open("t:4", 4)
    try:
        where = parse_filters({"user_id": "u"})
        record = MemoryRecord(id="a", text="kept", hash="h", created_at="t", updated_at="t",
                              user_id="u")  # fmt: skip
        store.apply([Insert(record, np.full(4, 0.5, dtype=np.float32))], "t")
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            killed = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = '' AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend' AND datname = current_database()"
            ).fetchone()
        assert killed is not None and killed[0] >= 1
        assert [r.id for r in store.list_memories(where, 5)] == ["a"]
    finally:
        store.close()


def test_hnsw_index_is_derived_and_used_for_large_filters(
    postgres_dsn: str, schema_name: str
) -> None:
    def index_exists() -> bool:
        with psycopg.connect(postgres_dsn) as conn:
            row = conn.execute(
                "SELECT to_regclass(%s) IS NOT NULL", (f"{schema_name}.{schema.HNSW_INDEX}",)
            ).fetchone()
        return bool(row and row[0])

    config = PostgresStore.Config(dsn=postgres_dsn, schema_name=schema_name, hnsw=False)
    store = PostgresStore(config)
    store.open("t:4", 4)
    store.close()
    assert not index_exists()
    store = PostgresStore(config.model_copy(update={"hnsw": True, "exact_search_max_rows": 0}))
    store.open("t:4", 4)
    assert index_exists()
    assert store.search(np.ones(4, dtype=np.float32), None, 3, None) == []
    store.close()


def test_migrations_are_named_recorded_and_applied_once(
    postgres_dsn: str, schema_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = ("0099_test_extra", ("CREATE TABLE {schema}.test_extra (x integer)",))
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, extra])
    for _ in range(2):
        store = PostgresStore(PostgresStore.Config(dsn=postgres_dsn, schema_name=schema_name))
        store.open("t:4", 4)
        store.close()
    with psycopg.connect(postgres_dsn) as conn:
        names = [r[0] for r in conn.execute(f"SELECT name FROM {schema_name}.engram_migrations")]
    assert names == [name for name, _ in schema.MIGRATIONS]
    assert names[0] == "0001_initial" and names[-1] == "0099_test_extra"
    broken = ("0100_broken", ("CREATE TABLE {schema}.half_done (x integer)", "NOT SQL"))
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, broken])
    with pytest.raises(StoreError, match="cannot open"):
        PostgresStore(PostgresStore.Config(dsn=postgres_dsn, schema_name=schema_name)).open(
            "t:4", 4
        )
    with psycopg.connect(postgres_dsn) as conn:
        row = conn.execute("SELECT to_regclass(%s)", (f"{schema_name}.half_done",)).fetchone()
    assert row == (None,)


def test_client_killed_mid_transaction_leaves_nothing(
    postgres_dsn: str, schema_name: str, embedder: OnnxEmbedder
) -> None:
    config = pg_config(postgres_dsn, schema_name)
    with Memory(config, embedder=embedder) as m:
        m.add("survivor", user_id="u", infer=False)
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(
            f"CREATE FUNCTION {schema_name}.stall() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN IF NEW.new_memory = 'message 150' THEN PERFORM pg_sleep(60); END IF; "
            "RETURN NEW; END $$"
        )
        conn.execute(
            f"CREATE TRIGGER stall BEFORE INSERT ON {schema_name}.history "
            f"FOR EACH ROW EXECUTE FUNCTION {schema_name}.stall()"
        )
    script = textwrap.dedent(
        f"""
        from engram import Memory
        m = Memory({config!r})
        m.add([{{"role": "user", "content": f"message {{i}}"}} for i in range(300)],
              user_id="u", infer=False)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script])
    try:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                row = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep'"
                ).fetchone()
                if row:
                    break
                time.sleep(0.1)
            assert row, "the child never reached the stalled insert"
            child.kill()
            child.wait()
            conn.execute("SELECT pg_terminate_backend(%s)", (row[0],))
            counts = [
                conn.execute(f"SELECT count(*) FROM {schema_name}.{t}").fetchone()
                for t in ("memories", "history")
            ]
        assert counts == [(1,), (1,)]
    finally:
        child.kill()
        child.wait()
    with Memory(config, embedder=embedder) as m:
        assert [r["memory"] for r in m.get_all(user_id="u")["results"]] == ["survivor"]


def test_no_user_text_in_sql() -> None:
    node = parse_filters({"x') OR 1=1 --": 1, "category": {"in": ["'; DROP TABLE m; --"]}})
    sql, params = compile_filter(node)
    assert "OR 1=1" not in sql and "DROP" not in sql and sql.count("%s") == len(params)
    assert compile_filter(None) == ("true", [])
    with pytest.raises(Exception, match="alias"):
        compile_filter(None, alias="m; DROP")


def test_missing_drivers_name_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg_pool", None)
    with pytest.raises(ImportError, match=r"engram-recall\[postgres\]"):
        connect.drivers()


def test_scope_equalities_can_use_the_partial_scope_indexes(
    postgres_dsn: str, schema_name: str
) -> None:
    store = PostgresStore(PostgresStore.Config(dsn=postgres_dsn, schema_name=schema_name))
    store.open("t:4", 4)
    store.close()
    plans = {}
    with psycopg.connect(postgres_dsn) as conn:
        conn.execute("SET enable_seqscan = off")
        for column in ("user_id", "agent_id", "run_id"):
            sql, params = compile_filter(parse_filters({column: "x", "invalid_at": None}))
            rows = conn.execute(
                f"EXPLAIN SELECT m.id FROM {schema_name}.memories m WHERE {sql}", params
            ).fetchall()
            plans[column] = " ".join(row[0] for row in rows)
    assert "memories_user" in plans["user_id"]
    assert "memories_agent" in plans["agent_id"]
    assert "memories_run" in plans["run_id"]


def test_large_filters_search_through_the_hnsw_index(postgres_dsn: str, schema_name: str) -> None:
    def index_scans() -> int:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            row = conn.execute(
                "SELECT coalesce(sum(idx_scan), 0) FROM pg_stat_user_indexes "
                "WHERE schemaname = %s AND indexrelname = %s",
                (schema_name, schema.HNSW_INDEX),
            ).fetchone()
        return int(row[0]) if row else 0

    config = PostgresStore.Config(dsn=postgres_dsn, schema_name=schema_name)
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((300, 4)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    records = [
        MemoryRecord(id=f"m{i}", text=f"t{i}", hash=f"h{i}", created_at="t", updated_at="t",
                     user_id=f"u{i % 2}", metadata={"n": i})
        for i in range(300)
    ]  # fmt: skip
    for exact_max, expect_index in ((1000, False), (10, True)):
        store = PostgresStore(config.model_copy(update={"exact_search_max_rows": exact_max}))
        store.open("t:4", 4)
        if exact_max == 1000:
            store.apply([Insert(r, v) for r, v in zip(records, vectors, strict=True)], "t")
        before = index_scans()
        where = parse_filters({"n": {"lt": 150}})
        hits = store.search(vectors[7], where, 5, None)
        store.close()
        assert hits[0][0].id == "m7" and all(r.metadata["n"] < 150 for r, _ in hits)
        deadline = time.monotonic() + 5
        while expect_index and index_scans() == before and time.monotonic() < deadline:
            time.sleep(0.2)
        assert (index_scans() > before) == expect_index


def test_async_memory_on_postgres_uses_the_async_driver_and_matches_memory(
    postgres_dsn: str, embedder: OnnxEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    driven: list[str] = []

    async def counting(cursor: Any, plan: Any) -> Any:
        driven.append(plan.__name__)
        return await steps.drive_async(cursor, plan)

    monkeypatch.setattr("engram.stores.postgres.store.drive_async", counting)
    try:
        with Memory(pg_config(postgres_dsn, names[0]), embedder=embedder) as sync:
            sync_out = scenario(lambda name, *a, **k: getattr(sync, name)(*a, **k))
        assert driven == []

        async def run_async() -> list[Any]:
            config = pg_config(postgres_dsn, names[1])
            async with AsyncMemory(config, embedder=embedder) as am:

                def call(name: str, *args: Any, **kwargs: Any) -> Any:
                    return anyio.from_thread.run(lambda: getattr(am, name)(*args, **kwargs))

                return await anyio.to_thread.run_sync(lambda: scenario(call))

        async_out = anyio.run(run_async)
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            for name in names:
                conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
    assert normalise(async_out, {}) == normalise(sync_out, {})
    assert {"_apply", "_search", "_keyword_search", "_get", "_history"} <= set(driven)


def test_each_event_loop_gets_its_own_async_pool(postgres_dsn: str, schema_name: str) -> None:
    app = f"loops_{schema_name}"
    joint = "&" if "?" in postgres_dsn else "?"
    config = PostgresStoreConfig(
        dsn=f"{postgres_dsn}{joint}application_name={app}", schema_name=schema_name,
        min_connections=1, max_connections=1,
    )  # fmt: skip
    store = PostgresStore(config)
    store.open("test:4", 4)
    record = MemoryRecord(
        id="m1", text="hello", hash="h", created_at="2024-01-01", updated_at="2024-01-01"
    )

    def connections(expected: int) -> int:
        """The store's server connections, once they reach ``expected`` (exits take a moment)."""
        deadline = time.monotonic() + 5
        while True:
            with psycopg.connect(postgres_dsn, autocommit=True) as conn:
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (app,)
                ).fetchone()
            found = int(row[0]) if row else -1
            if found == expected or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    async def add_and_count() -> int:
        await store.call_async("apply", [Insert(record, np.ones(4, np.float32))], "2024-01-02")
        return int(await store.call_async("count", None))

    assert asyncio.run(add_and_count()) == 1
    assert connections(2) == 2  # the sync pool's and the loop's
    with pytest.raises(StoreError, match="duplicate key"):
        asyncio.run(add_and_count())  # a new loop, a new pool; the write is rolled back
    assert store.count() == 1
    assert connections(2) == 2  # the ended loop's pool was closed
    store.close()  # from outside any loop: every pool's connections go
    assert connections(0) == 0
    with pytest.raises(StoreError, match="closed"):
        asyncio.run(store.call_async("count", None))


def test_bulk_inserts_send_vectors_exactly(postgres_dsn: str, schema_name: str) -> None:
    store = PostgresStore(PostgresStoreConfig(dsn=postgres_dsn, schema_name=schema_name))
    store.open("test:16", 16)
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((100, 16)).astype(np.float32)
    ops = [
        Insert(
            MemoryRecord(
                id=f"m{i}", text=f"t{i}", hash=f"h{i}", created_at="2024-01-01",
                updated_at="2024-01-01", metadata={"i": i},
            ),
            vectors[i],
        )
        for i in range(100)
    ]  # fmt: skip
    store.apply(ops, "2024-01-02")  # one COPY
    exported, _ = store.export_memories(0, 1000)
    assert len(exported) == 100
    for record, vector in exported:
        i = int(record.id[1:])
        assert record.metadata == {"i": i}
        np.testing.assert_array_equal(vector, vectors[i])
    store.close()


class RecordingCursor:
    """A psycopg cursor that notes the statements it executes."""

    def __init__(self, cursor: Any, statements: list[str]) -> None:
        self.cursor, self.statements = cursor, statements

    def execute(self, sql: str, params: Any = (), **options: Any) -> Any:
        self.statements.append(sql)
        return self.cursor.execute(sql, params, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cursor, name)


def test_a_filter_too_selective_for_the_index_falls_back_to_an_exact_scan(
    postgres_dsn: str, schema_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements: list[str] = []
    monkeypatch.setattr(
        "engram.stores.postgres.store.drive",
        lambda cursor, plan: steps.drive(RecordingCursor(cursor, statements), plan),
    )
    config = PostgresStoreConfig(
        dsn=postgres_dsn, schema_name=schema_name, exact_search_max_rows=10
    )
    store = PostgresStore(config)
    store.open("t:4", 4)
    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((300, 4)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    records = [
        MemoryRecord(id=f"m{i}", text=f"t{i}", hash=f"h{i}", created_at="t", updated_at="t",
                     metadata={"n": i})
        for i in range(300)
    ]  # fmt: skip
    store.apply([Insert(r, v) for r, v in zip(records, vectors, strict=True)], "t")
    query = vectors[0]

    def searches(where: dict[str, Any]) -> tuple[list[str], list[str]]:
        statements.clear()
        hits = store.search(query, parse_filters(where), 5, None)
        searched = [s for s in statements if "<=>" in s]
        return [r.id for r, _ in hits], ["index" if "ORDER BY m.embedding" in s else "exact"
                                          for s in searched]  # fmt: skip

    wide, wide_plans = searches({"n": {"lt": 150}})
    narrow, narrow_plans = searches({"n": {"in": [3, 4, 5]}})
    store.close()
    assert len(wide) == 5 and wide_plans == ["index"]  # the index found enough rows
    expected = sorted((3, 4, 5), key=lambda i: -float(vectors[i] @ query))
    assert narrow == [f"m{i}" for i in expected]
    assert narrow_plans == ["index", "exact"]  # three rows pass: then an exact scan


def test_bulk_load_drops_the_index_and_pauses_autovacuum_until_done(
    postgres_dsn: str, schema_name: str
) -> None:
    def state() -> tuple[bool, list[Any], bool]:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            index = conn.execute(
                "SELECT to_regclass(%s) IS NOT NULL", (f"{schema_name}.{schema.HNSW_INDEX}",)
            ).fetchone()
            options = conn.execute(
                "SELECT reloptions FROM pg_class WHERE oid = %s::regclass",
                (f"{schema_name}.memories",),
            ).fetchone()
            vacuumed = conn.execute(
                "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables "
                "WHERE schemaname = %s AND relname = 'memories'",
                (schema_name,),
            ).fetchone()
        return (
            bool(index and index[0]),
            (options[0] if options else None) or [],
            bool(vacuumed and vacuumed[0]),
        )

    store = PostgresStore(PostgresStoreConfig(dsn=postgres_dsn, schema_name=schema_name))
    store.open("t:4", 4)
    assert state() == (True, [], False)
    record = MemoryRecord(id="m1", text="x", hash="h", created_at="t", updated_at="t")
    with store.bulk_load():
        assert state()[:2] == (False, ["autovacuum_enabled=false"])
        store.import_rows([(record, np.ones(4, np.float32))], [])
    assert state() == (True, [], True)
    with pytest.raises(RuntimeError), store.bulk_load():
        raise RuntimeError("interrupted")
    assert state()[:2] == (True, [])  # restored on the way out of an error too
    assert store.count() == 1
    store.close()


def test_filtered_index_searches_walk_the_graph_wider(
    postgres_dsn: str, schema_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements: list[str] = []
    monkeypatch.setattr(
        "engram.stores.postgres.store.drive",
        lambda cursor, plan: steps.drive(RecordingCursor(cursor, statements), plan),
    )
    config = PostgresStoreConfig(
        dsn=postgres_dsn, schema_name=schema_name, exact_search_max_rows=0,
        ef_search=50, filtered_ef_search=700,
    )  # fmt: skip
    store = PostgresStore(config)
    store.open("t:4", 4)
    vector = np.ones(4, np.float32)
    store.apply([Insert(MemoryRecord(id="m", text="t", hash="h", created_at="t",
                                     updated_at="t", user_id="u"), vector)], "t")  # fmt: skip
    breadths = []
    for where in (None, parse_filters({"user_id": "u"})):
        statements.clear()
        assert [r.id for r, _ in store.search(vector, where, 5, None)] == ["m"]
        breadths += [s for s in statements if "hnsw.ef_search" in s]
    store.close()
    assert breadths == ["SET LOCAL hnsw.ef_search = 50", "SET LOCAL hnsw.ef_search = 700"]
