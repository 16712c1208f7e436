"""The embedded SQLite store: transactions, crashes, reopening, processes, migrations, threads."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from engram import ConfigurationError, Memory, StoreError
from engram.core.filters import Condition, Field
from engram.core.records import Insert, Invalidate, MemoryRecord, text_hash
from engram.embedders.onnx import OnnxEmbedder
from engram.stores.sqlite import schema
from engram.stores.sqlite.store import SQLiteStore, SQLiteStoreConfig
from tests.conftest import found, store_config

REPO = Path(__file__).resolve().parents[2]


def table_counts(path: Path) -> dict[str, int]:
    """Rows in every table a write touches, read through a separate connection."""
    with sqlite3.connect(path) as conn:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("memories", "memories_fts", "history")
        }


def integrity(path: Path) -> tuple[str, str]:
    """SQLite's integrity check and FTS5's own check of the index against its content."""
    with sqlite3.connect(path) as conn:
        sqlite_ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
        conn.execute("INSERT INTO memories_fts (memories_fts) VALUES ('integrity-check')")
    return sqlite_ok, "ok"


def test_failure_mid_transaction_leaves_nothing_half_written(memory: Memory, db_path: Path) -> None:
    memory.add("already there", user_id="u", infer=False)
    before = table_counts(db_path)
    with sqlite3.connect(db_path) as conn:  # fails after the memory rows are written
        conn.execute(
            "CREATE TRIGGER inject_failure BEFORE INSERT ON history "
            "WHEN NEW.new_memory = 'third' BEGIN SELECT RAISE(ABORT, 'injected'); END"
        )
    batch = [{"role": "user", "content": text} for text in ("first", "second", "third", "fourth")]
    with pytest.raises(StoreError, match="rolled back"):
        memory.add(batch, user_id="u", infer=False)
    assert table_counts(db_path) == before
    assert [r["memory"] for r in memory.get_all(user_id="u")["results"]] == ["already there"]
    assert integrity(db_path) == ("ok", "ok")
    memory.add("works again", user_id="u", infer=False)
    assert table_counts(db_path)["memories"] == before["memories"] + 1


def test_process_killed_mid_transaction_leaves_nothing_half_written(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    db = tmp_path / "crash.db"
    with Memory(store_config(db), embedder=embedder) as m:
        m.add("survivor", user_id="u", infer=False)
    script = textwrap.dedent(
        f"""
        import os, sqlite3
        from engram import Memory
        m = Memory({store_config(db)!r})
        # Kill the process from inside the transaction, after 150 of 300 rows are written.
        m.store._writer.create_function("crash_now", 0, lambda: os._exit(17))
        sqlite3.connect({str(db)!r}).execute(
            "CREATE TRIGGER crash AFTER INSERT ON memories WHEN NEW.text = 'message 150' "
            "BEGIN SELECT crash_now(); END"
        ).connection.commit()
        m.add([{{"role": "user", "content": f"message {{i}}"}} for i in range(300)],
              user_id="u", infer=False)
        print("should not get here")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 17, done.stderr
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER crash")
    assert table_counts(db) == {"memories": 1, "memories_fts": 1, "history": 1}
    assert integrity(db) == ("ok", "ok")
    with Memory(store_config(db), embedder=embedder) as m:
        assert [r["memory"] for r in m.get_all(user_id="u")["results"]] == ["survivor"]


def test_fts_index_follows_add_update_delete(memory: Memory, db_path: Path) -> None:
    def matches(term: str) -> set[str]:
        with sqlite3.connect(db_path) as conn:
            rows = conn.execute(
                "SELECT m.text FROM memories_fts f JOIN memories m ON m.seq = f.rowid "
                "WHERE memories_fts MATCH ?",
                (term,),
            )
            return {row[0] for row in rows}

    memory_id = memory.add("Alice loves climbing mountains", user_id="u", infer=False)["results"][
        0
    ]["id"]
    assert matches("climb") == {"Alice loves climbing mountains"}  # porter stemming
    memory.update(memory_id, "Alice loves sailing")
    assert matches("climb") == set()
    assert matches("sail") == {"Alice loves sailing"}
    memory.delete(memory_id)
    assert matches("sail") == set()
    assert integrity(db_path) == ("ok", "ok")


def test_opening_with_another_embedder_is_a_configuration_error(
    db_path: Path, embedder: OnnxEmbedder
) -> None:
    with Memory(store_config(db_path), embedder=embedder):
        pass
    other = SQLiteStore(SQLiteStoreConfig(path=str(db_path)))
    with pytest.raises(ConfigurationError) as err:
        other.open("openai:text-embedding-3-small", 1536)
    message = str(err.value)
    assert "onnx:all-MiniLM-L6-v2" in message and "384" in message and "1536" in message
    assert err.value.suggestion and "new store path" in err.value.suggestion


def test_a_second_process_sees_the_same_memories(db_path: Path, memory: Memory) -> None:
    memory.add("written by the parent", user_id="u", infer=False)
    script = textwrap.dedent(
        f"""
        from engram import Memory
        with Memory({store_config(db_path)!r}) as m:
            print([r["memory"] for r in m.get_all(user_id="u")["results"]])
            m.add("written by the child", user_id="u", infer=False)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "written by the parent" in done.stdout
    found = memory.search("child", user_id="u", limit=1)["results"]
    assert found[0]["memory"] == "written by the child"


def test_two_processes_writing_at_once_lose_nothing(db_path: Path, memory: Memory) -> None:
    script = textwrap.dedent(
        """
        import sys
        from engram import Memory
        with Memory({config!r}) as m:
            for i in range(60):
                m.add(f"{{sys.argv[1]}} note {{i}}", user_id=sys.argv[1], infer=False)
        """
    ).format(config=store_config(db_path))
    workers = [
        subprocess.Popen([sys.executable, "-c", script, name], stderr=subprocess.PIPE, text=True)
        for name in ("p1", "p2")
    ]
    for i in range(60):
        memory.add(f"parent note {i}", user_id="p0", infer=False)
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
    assert memory.store.count(None) == 180
    for user in ("p0", "p1", "p2"):
        assert len(memory.get_all(user_id=user, limit=1000)["results"]) == 60


def test_eight_threads_adding_and_searching_lose_nothing(memory: Memory) -> None:
    errors: list[BaseException] = []
    added: list[str] = []
    lock = threading.Lock()

    def work(worker: int) -> None:
        try:
            for i in range(500):
                if i % 2 == 0:
                    result = memory.add(
                        f"worker {worker} fact {i}", user_id=f"user{worker % 4}", infer=False
                    )
                    with lock:
                        added.extend(r["id"] for r in result["results"])
                else:
                    memory.search(f"fact {i}", user_id=f"user{worker % 4}", limit=5)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(added) == 8 * 250 == len(set(added))
    for memory_id in added:
        assert found(memory.get(memory_id))["id"] == memory_id
    assert memory.store.count(None) == 2000


def test_migrations_are_named_recorded_and_applied_once(
    db_path: Path, embedder: OnnxEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Memory(store_config(db_path), embedder=embedder):
        pass
    extra = ("0099_test_extra", ("CREATE TABLE test_extra (x INTEGER)",))
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, extra])
    for _ in range(2):  # the second open must not re-apply it
        with Memory(store_config(db_path), embedder=embedder):
            pass
    with sqlite3.connect(db_path) as conn:
        names = [row[0] for row in conn.execute("SELECT name FROM engram_migrations")]
        conn.execute("SELECT count(*) FROM test_extra")
    assert names == [name for name, _ in schema.MIGRATIONS]
    assert names[0] == "0001_initial" and names[-1] == "0099_test_extra"


def test_a_failing_migration_changes_nothing(
    db_path: Path, embedder: OnnxEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Memory(store_config(db_path), embedder=embedder) as m:
        m.add("kept", user_id="u", infer=False)
    broken = ("0099_broken", ("CREATE TABLE half_done (x INTEGER)", "NOT VALID SQL"))
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, broken])
    with pytest.raises(StoreError):
        Memory(store_config(db_path), embedder=embedder)
    with sqlite3.connect(db_path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert "half_done" not in tables


def test_store_uses_wal_and_rejects_use_after_close(db_path: Path, memory: Memory) -> None:
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    memory.close()
    with pytest.raises(StoreError, match="closed"):
        memory.get_all(user_id="u")


def test_store_rejects_vectors_of_the_wrong_dimension(db_path: Path) -> None:
    store = SQLiteStore(SQLiteStoreConfig(path=str(db_path)))
    store.open("test:embedder", 4)
    try:
        record = MemoryRecord(id="x", text="t", hash="h", created_at="a", updated_at="a")
        with pytest.raises(StoreError, match="shape"):
            store.apply([Insert(record, np.zeros(3, dtype=np.float32))], "now")
        assert store.count() == 0
        store.apply([Insert(record, np.full(4, 0.5, dtype=np.float32))], "now")
        assert store.count() == 1
    finally:
        store.close()


def test_invalidate_keeps_the_memory_but_hides_it_by_default(memory: Memory) -> None:
    kept = memory.add("Alice lives in Paris.", user_id="u", infer=False)["results"][0]["id"]
    old = memory.add("Alice lives in Rome.", user_id="u", infer=False)["results"][0]["id"]
    memory.search("where does alice live", user_id="u")  # warm the vector cache first
    changes = memory.store.apply([Invalidate(old, "2025-06-01T00:00:00.000000+00:00")], "now")
    assert [(c.event, c.new is not None) for c in changes] == [("DELETE", True)]
    assert found(memory.get(old))["invalid_at"] == "2025-06-01T00:00:00.000000+00:00"
    live = memory.search("where does alice live", user_id="u")["results"]
    assert [r["id"] for r in live] == [kept]
    assert [r["id"] for r in memory.get_all(user_id="u")["results"]] == [kept]
    everything = memory.search("where does alice live", user_id="u", include_invalidated=True)
    assert {r["id"] for r in everything["results"]} == {kept, old}
    assert len(memory.get_all(user_id="u", include_invalidated=True)["results"]) == 2
    last = memory.history(old)[-1]
    assert (last["event"], last["old_memory"], last["new_memory"], last["is_deleted"]) == (
        "DELETE", "Alice lives in Rome.", None, False,
    )  # fmt: skip


def test_keyword_search_is_stemmed_bm25_within_the_filter(memory: Memory) -> None:
    memory.add("Caroline went climbing with friends.", user_id="a", infer=False)
    memory.add("Caroline climbs every weekend; climbing is her passion.", user_id="a",
               infer=False)  # fmt: skip
    memory.add("Mel painted a sunset.", user_id="a", infer=False)
    memory.add("Caroline climbed too.", user_id="b", infer=False)
    where = Condition(Field("user_id"), "eq", "a")
    hits = memory.store.keyword_search("Who climbed?", where, 10)
    assert [r.text for r, _ in hits] == [
        "Caroline climbs every weekend; climbing is her passion.",
        "Caroline went climbing with friends.",
    ]
    assert hits[0][1] > hits[1][1] > 0
    assert memory.store.keyword_search('"); DROP TABLE memories; --', where, 5) == []
    assert memory.store.keyword_search("?!", where, 5) == []


def test_unique_inserts_of_one_fact_from_many_threads_make_one_memory(memory: Memory) -> None:
    store, vector = memory.store, memory.embedder.embed("Alice is vegetarian.")

    def insert(worker: int) -> str:
        record = MemoryRecord(
            id=f"id-{worker}", text="Alice is vegetarian.", hash=text_hash("Alice is vegetarian."),
            created_at="2024-01-01", updated_at="2024-01-01", user_id="alice",
        )  # fmt: skip
        [change] = store.apply([Insert(record, vector, unique=True)], "now")
        return str(change.event)

    with ThreadPoolExecutor(8) as pool:
        events = list(pool.map(insert, range(16)))
    assert sorted(events) == ["ADD"] + ["NONE"] * 15
    assert store.count(None) == 1
    [survivor] = memory.get_all(user_id="alice")["results"]
    assert [h["event"] for h in memory.history(survivor["id"])] == ["ADD"]
    other_scope = MemoryRecord(
        id="bob-1", text="Alice is vegetarian.", hash=text_hash("Alice is vegetarian."),
        created_at="2024-01-01", updated_at="2024-01-01", user_id="bob",
    )  # fmt: skip
    assert store.apply([Insert(other_scope, vector, unique=True)], "now")[0].event == "ADD"
