"""The in-memory vector cache always agrees with the file, whoever wrote to it."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from engram.core.filters import Condition, Field, conjoin
from engram.core.records import Delete, Insert, Invalidate, MemoryRecord, Update, text_hash
from engram.embedders.base import Vectors
from engram.stores.sqlite import store as store_module
from engram.stores.sqlite.store import SQLiteStore, SQLiteStoreConfig

DIM = 8
THRESHOLD = 1e-3  # random vectors: ties are only possible among clipped negatives


def unit(rng: np.random.Generator) -> Vectors:
    """A random unit vector."""
    v = rng.standard_normal(DIM).astype(np.float32)
    result: Vectors = v / np.linalg.norm(v)
    return result


def open_store(path: Path) -> SQLiteStore:
    """A store on ``path`` with DIM-dimensional vectors."""
    store = SQLiteStore(SQLiteStoreConfig(path=str(path)))
    store.open("test:random", DIM)
    return store


def record(memory_id: str, user: str) -> MemoryRecord:
    """A minimal record."""
    return MemoryRecord(
        id=memory_id, text=memory_id, hash=text_hash(memory_id), created_at="2024-01-01",
        updated_at="2024-01-01", user_id=user,
    )  # fmt: skip


def expected(model: dict[str, tuple[str, Vectors]], query: Vectors, user: str) -> list[str]:
    """Brute-force ranking of the model's memories of ``user`` above THRESHOLD."""
    scored = [
        (float(vec @ query), mid)
        for mid, (u, vec) in model.items()
        if u == user and float(vec @ query) >= THRESHOLD
    ]
    return [mid for _, mid in sorted(scored, key=lambda t: (-t[0], t[1]))[:5]]


@pytest.mark.parametrize("kept", [100_000, 1])
@pytest.mark.parametrize("path", ["scope", "sql"])
def test_cache_matches_brute_force_under_writes_from_another_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: int, path: str
) -> None:
    # "scope" selects rows in the cache itself; "sql" adds a (always true) text filter, so
    # SQL selects the rows and the cache only scores them.
    # kept=1 trims the change log so hard that the reader must often reload from scratch.
    monkeypatch.setattr(store_module, "VECTOR_LOG_KEPT", kept)
    rng = np.random.default_rng(7)
    pick = random.Random(7)
    writer, reader = open_store(tmp_path / "v.db"), open_store(tmp_path / "v.db")
    model: dict[str, tuple[str, Vectors]] = {}
    try:
        for step in range(400):
            action = pick.random()
            if action < 0.5 or not model:
                mid, user = f"m{step}", pick.choice("ab")
                vec = unit(rng)
                writer.apply([Insert(record(mid, user), vec)], "now")
                model[mid] = (user, vec)
            elif action < 0.7:
                mid = pick.choice(sorted(model))
                vec = unit(rng)
                writer.apply([Update(mid, f"{mid}'", vec)], "now")
                model[mid] = (model[mid][0], vec)
            elif action < 0.85:
                mid = pick.choice(sorted(model))
                writer.apply([Delete(mid)], "now")
                del model[mid]
            if step % 5 == 0:
                query, user = unit(rng), pick.choice("ab")
                where = conjoin(
                    Condition(Field("user_id"), "eq", user),
                    Condition(Field("memory"), "contains", "m") if path == "sql" else None,
                )
                for store in (reader, writer, reader):  # again: the remembered selection
                    hits = store.search(query, where, 5, THRESHOLD)
                    got = [r.id for r, _ in hits]
                    want = expected(model, query, user)
                    assert [round(s, 5) for _, s in hits] == [
                        round(float(np.clip(model[m][1] @ query, 0, 1)), 5) for m in want
                    ]
                    assert got == want
    finally:
        writer.close()
        reader.close()


def test_cache_survives_heavy_deletion_and_compaction(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    store = open_store(tmp_path / "c.db")
    try:
        vectors = {f"m{i}": unit(rng) for i in range(300)}
        store.apply([Insert(record(mid, "u"), vec) for mid, vec in vectors.items()], "now")
        query = unit(rng)
        store.search(query, None, 3, None)  # warm the cache
        doomed = sorted(vectors)[:250]
        store.apply([Delete(mid) for mid in doomed], "now")
        for mid in doomed:
            del vectors[mid]
        hits = store.search(query, None, 100, None)
        assert {r.id for r, _ in hits} == set(vectors)
        best = max(vectors, key=lambda m: float(vectors[m] @ query))
        assert hits[0][0].id == best
    finally:
        store.close()


def test_rows_missing_from_the_cache_are_scored_from_the_file(tmp_path: Path) -> None:
    # A search whose snapshot predates a compaction asks for rows the cache no longer holds;
    # they must be scored from the vectors table, with the same scores.
    rng = np.random.default_rng(5)
    store = open_store(tmp_path / "f.db")
    try:
        vectors = {f"m{i}": unit(rng) for i in range(20)}
        store.apply([Insert(record(mid, "u"), vec) for mid, vec in vectors.items()], "now")
        query = unit(rng)
        where = Condition(Field("memory"), "contains", "m")  # the SQL path
        before = [(r.id, round(s, 5)) for r, s in store.search(query, where, 20, None)]
        cache = store._vectors
        with cache.lock:  # forget every row, but claim to be up to date
            version = cache.version
            cache._reset_arrays(0)
            cache.version = version
        after = [(r.id, round(s, 5)) for r, s in store.search(query, where, 20, None)]
        assert after == before and len(after) == 20
    finally:
        store.close()


def test_neighbours_from_the_cache_match_the_sql_answer(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    pick = random.Random(11)
    store = open_store(tmp_path / "n.db")
    try:
        scopes = [("a", None), ("a", "bot"), ("b", None), (None, "bot")]
        ids = []
        for step in range(150):
            user, agent = pick.choice(scopes)
            r = MemoryRecord(
                id=f"m{step}", text=f"m{step} note", hash=f"h{step}", created_at="2024-01-01",
                updated_at="2024-01-01", user_id=user, agent_id=agent,
            )  # fmt: skip
            store.apply([Insert(r, unit(rng))], "now")
            ids.append(r.id)
            if step % 7 == 3:
                store.apply([Delete(pick.choice(ids))], "now")
                ids = [i for i in ids if store.get(i) is not None]
            if step % 11 == 5:
                store.apply([Invalidate(pick.choice(ids), "2024-02-01")], "now")
        live = Condition(Field("invalid_at"), "eq", None)
        for user, agent in scopes:
            scope = conjoin(
                Condition(Field("user_id"), "eq", user) if user else None,
                Condition(Field("agent_id"), "eq", agent) if agent else None,
                live,
            )
            forced_sql = conjoin(scope, Condition(Field("memory"), "contains", "note"))
            via_cache = store.neighbours(ids, scope)
            via_sql = store.neighbours(ids, forced_sql)
            assert via_cache.keys() <= via_sql.keys()
            for memory_id, pair in via_cache.items():
                assert [r.id if r else None for r in pair] == [
                    r.id if r else None for r in via_sql[memory_id]
                ], memory_id
            assert any(p != (None, None) for p in via_cache.values())
    finally:
        store.close()


@pytest.mark.parametrize("kept", [100_000, 1])
def test_a_fresh_cache_loads_only_the_scope_it_is_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: int
) -> None:
    monkeypatch.setattr(store_module, "VECTOR_LOG_KEPT", kept)
    rng = np.random.default_rng(13)
    writer, reader = open_store(tmp_path / "p.db"), open_store(tmp_path / "p.db")
    model: dict[str, tuple[str, Vectors]] = {}

    def insert(mid: str, user: str) -> None:
        vec = unit(rng)
        writer.apply([Insert(record(mid, user), vec)], "now")
        model[mid] = (user, vec)

    def check(user: str) -> None:
        query = unit(rng)
        hits = reader.search(query, Condition(Field("user_id"), "eq", user), 5, THRESHOLD)
        assert [r.id for r, _ in hits] == expected(model, query, user)

    try:
        for i in range(40):
            insert(f"m{i}", "ab"[i % 2])
        check("a")
        cache = reader._vectors
        assert cache.partial == ("user_id", "a") and len(cache) == 20
        for i in range(40, 60):  # both users write; the partial cache follows user a only
            insert(f"m{i}", "ab"[i % 2])
            check("a")
        writer.apply([Delete("m0")], "now")
        del model["m0"]
        check("a")
        assert cache.partial == ("user_id", "a") and len(cache) == 29
        assert reader.neighbours(["m2"], Condition(Field("user_id"), "eq", "a"))["m2"][1]
        check("b")  # another scope: everything is loaded
        assert cache.partial is None and len(cache) == 59
        check("a")
    finally:
        writer.close()
        reader.close()
