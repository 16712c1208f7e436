"""``engram migrate``: SQLite -> PostgreSQL -> SQLite with nothing lost, resumable."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from engram import ConfigurationError, Memory
from engram.cli import main
from engram.core.filters import parse_filters
from engram.embedders.onnx import OnnxEmbedder
from engram.migrate import checksum, migrate, state_path_for, store_from_spec
from engram.stores.postgres.store import PostgresStore
from engram.stores.sqlite.store import SQLiteStore
from tests.conftest import store_config


@pytest.fixture
def pg_config_file(tmp_path: Path, postgres_dsn: str) -> Iterator[Path]:
    """A JSON config naming a fresh PostgreSQL schema (dropped afterwards)."""
    schema = f"m_{uuid.uuid4().hex[:12]}"
    path = tmp_path / "pg.json"
    config = {"provider": "postgres", "config": {"dsn": postgres_dsn, "schema_name": schema}}
    path.write_text(json.dumps({"vector_store": config}))
    yield path
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def fill(path: Path, embedder: OnnxEmbedder) -> dict[str, Any]:
    """A store with adds, updates, deletes and an invalidation; what Memory shows of it."""
    with Memory(store_config(path), embedder=embedder) as m:
        ids = [
            m.add(f"fact {i}: user {i % 3} likes item {i}", user_id=f"u{i % 3}", infer=False,
                  metadata={"i": i, "tags": ["a", str(i)]})["results"][0]["id"]
            for i in range(40)
        ]  # fmt: skip
        m.update(ids[0], "fact 0 changed")
        m.delete(ids[1])
        from engram.core.records import Invalidate

        m.store.apply([Invalidate(ids[2], "2025-01-01T00:00:00.000000+00:00")], "now")
        return view(m, ids)


def view(m: Memory, ids: list[str]) -> dict[str, Any]:
    """Everything the public API shows of these memories."""
    return {
        "all": {u: m.get_all(user_id=u, limit=100, include_invalidated=True)["results"]
                for u in ("u0", "u1", "u2")},
        "history": {i: m.history(i) for i in ids},
        "search": m.search("item 7", user_id="u1", limit=3)["results"],
    }  # fmt: skip


def test_round_trip_sqlite_postgres_sqlite(
    tmp_path: Path, pg_config_file: Path, embedder: OnnxEmbedder, capsys: pytest.CaptureFixture[str]
) -> None:
    first, last = tmp_path / "first.db", tmp_path / "last.db"
    before = fill(first, embedder)
    assert main(["migrate", "--from", str(first), "--to", str(pg_config_file), "--batch", "7"]) == 0
    out = capsys.readouterr()
    assert "copied 39 memories and 43 history rows" in out.out and "matches" in out.out
    assert "memories [" in out.err and "39/39" in out.err
    assert main(["migrate", "--quiet", "--from", str(pg_config_file), "--to", str(last)]) == 0
    assert "matches" in capsys.readouterr().out
    stores = [_opened(store_from_spec(str(p))) for p in (first, pg_config_file, last)]
    sums = [checksum(store) for store in stores]
    for store in stores:
        store.close()
    assert sums[0] == sums[1] == sums[2] and sums[0][:2] == (39, 43)
    ids = list(before["history"])
    with Memory(store_config(last), embedder=embedder) as m:
        assert view(m, ids) == before
        where = parse_filters({"user_id": "u1"})
        hits = m.store.keyword_search("item 7", where, 3)  # imported rows keep their scope
        assert hits and hits[0][0].text == "fact 7: user 1 likes item 7"
    pg = json.loads(pg_config_file.read_text())
    with Memory(pg, embedder=embedder) as m:
        after = view(m, ids)
    assert after["all"] == before["all"] and after["history"] == before["history"]
    assert [r["id"] for r in after["search"]] == [r["id"] for r in before["search"]]
    # Again: nothing new is copied, and the stores still match.
    assert main(["migrate", "--quiet", "--from", str(first), "--to", str(pg_config_file)]) == 0
    assert "copied 0 memories and 0 history rows" in capsys.readouterr().out


def _opened(store: Any) -> Any:
    store.open(*store.stored_embedder())
    return store


def test_an_interrupted_migration_resumes(
    tmp_path: Path, pg_config_file: Path, embedder: OnnxEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "source.db"
    fill(source, embedder)
    state = state_path_for(str(source), str(pg_config_file))
    calls = {"n": 0}
    real = PostgresStore.import_rows

    def flaky(self: PostgresStore, memories: Any, history: Any) -> tuple[int, int]:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(self, memories, history)

    monkeypatch.setattr(PostgresStore, "import_rows", flaky)
    stores = [store_from_spec(str(source)), store_from_spec(str(pg_config_file))]
    with pytest.raises(KeyboardInterrupt):
        migrate(*stores, batch=10, state_path=state)
    assert json.loads(state.read_text())["memories"] > 0
    monkeypatch.setattr(PostgresStore, "import_rows", real)
    stores += [store_from_spec(str(source)), store_from_spec(str(pg_config_file))]
    try:
        report = migrate(*stores[2:], batch=10, state_path=state)
    finally:
        for store in stores:
            store.close()
    assert report.resumed and report.ok and report.memories == 19 and not state.exists()


def test_specs_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert isinstance(store_from_spec(str(tmp_path / "x.db")), SQLiteStore)
    url = store_from_spec("postgresql://u@127.0.0.1:1/db")
    assert isinstance(url, PostgresStore) and url.config.dsn == "postgresql://u@127.0.0.1:1/db"
    block = tmp_path / "block.json"
    block.write_text(json.dumps({"provider": "sqlite", "config": {"path": str(tmp_path / "b")}}))
    assert isinstance(store_from_spec(str(block)), SQLiteStore)
    bad = tmp_path / "bad.json"
    bad.write_text("[1]")
    with pytest.raises(ConfigurationError, match="names no store"):
        store_from_spec(str(bad))
    with pytest.raises(ConfigurationError, match="cannot read"):
        store_from_spec(str(tmp_path / "missing.json"))
    empty = tmp_path / "empty.db"
    assert main(["migrate", "--from", str(empty), "--to", str(tmp_path / "t.db")]) == 4
    assert "holds no engram store" in capsys.readouterr().err


def test_an_unreachable_postgres_source_is_a_store_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reading the source's embedder connects outside the pool: its failure is a StoreError
    too (found by the deep fuzz profile), and nothing is written to the target."""
    target = tmp_path / "new.db"
    dsn = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"
    assert main(["migrate", "--from", dsn, "--to", str(target), "--quiet"]) == 1
    assert "cannot be reached" in capsys.readouterr().err
    assert not target.exists()
