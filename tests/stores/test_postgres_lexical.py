"""The PostgreSQL store's BM25 beyond the contract: the query's words, the SQL's parameters,
the avgdl cache, and the statistics that stand in for counting on large tables."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from engram.core.filters import parse_filters
from engram.core.records import Insert, MemoryRecord, text_hash
from engram.stores.postgres import lexical
from engram.stores.postgres.store import PostgresStore
from engram.stores.sqlite.store import SQLiteStore, SQLiteStoreConfig
from tests.contract.test_keyword_scores import CORPUS, QUERIES, TOLERANCE, load
from tests.contract.test_store import T0, vec


def test_words_drop_stop_words_and_split_underscores() -> None:
    assert lexical.pg_words("What did Maya_Lee say? say") == ["maya", "lee", "say"]
    assert lexical.pg_words("what did you do") == ["what", "did", "you", "do"]
    assert lexical.pg_words("?! & | :*") == []


def test_user_text_is_never_in_the_sql() -> None:
    words = lexical.pg_words("'); DROP TABLE memories; -- xy")
    where = parse_filters({"user_id": "'; DROP"})
    sql, params = lexical.keyword_query("s", "m.id", words, where, 5, (12.5, 100.0))
    assert "DROP" not in sql and sql.count("%s") == len(params)
    assert params[0] == ["drop", "table", "memories", "xy"] and 12.5 in params


def test_avgdl_cache_keeps_a_value_for_its_ttl() -> None:
    now = [100.0]
    cache = lexical.AvgdlCache(ttl=60, clock=lambda: now[0])
    assert cache.get() is None
    cache.update([])
    assert cache.get() is None
    cache.update([("row", 1.5, 12.5, 100.0)])
    assert cache.get() == (12.5, 100.0)
    now[0] += 59
    cache.update([("row", 1.5, 12.5, 100.0)])  # reused: its age stays
    now[0] += 2
    assert cache.get() is None


@pytest.fixture
def store(postgres_dsn: str) -> Iterator[PostgresStore]:
    """A PostgreSQL store in a fresh schema, loaded with the contract's corpus and analyzed."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    opened = PostgresStore(PostgresStore.Config(dsn=postgres_dsn, schema_name=name))
    opened.open("contract:8", 8)
    load(opened)
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f"ANALYZE {name}.memories")
    yield opened
    opened.close()
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {name} CASCADE")


def test_a_cached_avgdl_is_reused_while_n_stays_close(store: PostgresStore) -> None:
    def run(cached: tuple[float, float] | None) -> tuple[float, float]:
        words = lexical.pg_words("puppy")
        sql, params = lexical.keyword_query(store.schema, "m.id", words, None, 5, cached)
        with psycopg.connect(store.config.dsn or "", autocommit=True) as conn:
            rows = conn.execute(sql, params).fetchall()
        return rows[0][-2], rows[0][-1]

    exact = run(None)
    assert exact[1] == len(CORPUS)
    assert run((99.0, len(CORPUS) * 1.005)) == (99.0, len(CORPUS) * 1.005)  # reused, as it was
    assert run((99.0, len(CORPUS) * 1.05)) == exact  # too far: computed again


def add(store: PostgresStore | SQLiteStore, memory_id: str, text: str) -> None:
    record = MemoryRecord(
        id=memory_id, text=text, hash=text_hash(text), created_at=T0, updated_at=T0, user_id="w"
    )
    store.apply([Insert(record, vec(1.0))], T0)


def test_statistics_stand_in_for_counts_on_large_tables(
    store: PostgresStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = SQLiteStore(SQLiteStoreConfig(path=str(tmp_path / "reference.db")))
    reference.open("contract:8", 8)
    load(reference)
    where = parse_filters({"user_id": "u"})
    monkeypatch.setattr(lexical, "STATS_MIN_PAGES", 0)  # this table counts as large
    # Fresh statistics of a table ANALYZE read whole: the same scores as counting.
    for query in QUERIES[:-1]:
        expected = reference.keyword_search(query, where, 20)
        found = store.keyword_search(query, where, 20)
        assert [r.id for r, _ in found] == [r.id for r, _ in expected]
        assert [s for _, s in found] == pytest.approx([s for _, s in expected], rel=TOLERANCE)
    # Statistics lag the rows added since; counting does not.
    before = store.keyword_search("puppy", where, 5)
    for n in range(3):
        add(store, f"p{n}", "A puppy and a zebra.")
        add(reference, f"p{n}", "A puppy and a zebra.")
    assert store.keyword_search("puppy", where, 5) == before
    monkeypatch.undo()  # counted again
    counted = store.keyword_search("puppy", where, 5)
    assert [s for _, s in counted] == pytest.approx(
        [s for _, s in reference.keyword_search("puppy", where, 5)], rel=TOLERANCE
    )
    assert counted[0][1] < before[0][1]
    # A lexeme the statistics never saw is rare: it is counted through the index.
    monkeypatch.setattr(lexical, "STATS_MIN_PAGES", 0)
    assert {r.id for r, _ in store.keyword_search("zebra", None, 5)} == {"p0", "p1", "p2"}
    reference.close()


def test_a_large_scope_is_searched_through_the_index(
    store: PostgresStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = SQLiteStore(SQLiteStoreConfig(path=str(tmp_path / "reference.db")))
    reference.open("contract:8", 8)
    load(reference)
    where = parse_filters({"user_id": "u", "invalid_at": None})
    monkeypatch.setattr(lexical, "SCOPE_SCAN_MAX_ROWS", 2)  # user "u" holds 10 rows
    for query in QUERIES[:-1]:
        expected = reference.keyword_search(query, where, 20)
        found = store.keyword_search(query, where, 20)
        assert [r.id for r, _ in found] == [r.id for r, _ in expected]
        assert [s for _, s in found] == pytest.approx([s for _, s in expected], rel=TOLERANCE)
    reference.close()
