"""``engram import --from-mem0`` on stores that mem0 itself wrote (Qdrant local, pgvector)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from engram import Memory
from engram.cli import main
from engram.cli.common import CONFIGURATION
from engram.core.timeutil import parse_timestamp
from engram.embedders.onnx import OnnxEmbedder
from engram.exceptions import ConfigurationError, ValidationError
from engram.from_mem0 import default_history_path, history_records, memory_record, source
from tests.conftest import store_config

pytest.importorskip("mem0", reason="mem0ai (the dev extra) writes the stores imported here")


def write_with_mem0(tmp_path: Path, kind: str, location: str, collection: str) -> dict[str, Any]:
    """Run tests/mem0_writer.py in a subprocess; what mem0 shows of the store it wrote."""
    out, history = tmp_path / "mem0.json", tmp_path / "history.db"
    env = {**os.environ, "MEM0_DIR": str(tmp_path / "mem0-home"), "MEM0_TELEMETRY": "False",
           "OPENAI_API_KEY": "not-used"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "tests.mem0_writer", str(out), kind, location, str(history),
         collection],
        capture_output=True, text=True, env=env, timeout=300,
        cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    shown: dict[str, Any] = json.loads(out.read_text())
    shown["history_path"] = str(history)
    return shown


def check_imported(db: Path, embedder: OnnxEmbedder, shown: dict[str, Any]) -> None:
    """engram shows what mem0 showed: text, scope, speaker, metadata, times and history."""
    with Memory(store_config(db), embedder=embedder) as m:
        for item in shown["memories"]:
            mine = m.get(item["id"])
            assert mine is not None
            assert mine["memory"] == item["memory"] and mine["hash"] == item["hash"]
            for key in ("user_id", "agent_id", "run_id", "actor_id", "role"):
                assert mine.get(key) == item.get(key), key
            assert mine["metadata"] == item["metadata"]
            assert mine["created_at"] == parse_timestamp(item["created_at"])
            assert mine["updated_at"] == parse_timestamp(item["updated_at"])
            assert mine["valid_at"] == mine["created_at"] and mine["invalid_at"] is None
        for memory_id, rows in shown["history"].items():
            mine_rows = m.history(memory_id)
            assert [r["event"] for r in mine_rows] == [r["event"] for r in rows]
            assert [(r["old_memory"], r["new_memory"]) for r in mine_rows] == [
                (r["old_memory"], r["new_memory"]) for r in rows
            ]
        hits = m.search("which item does the user like? item one hundred", user_id="user1")
        assert hits["results"][0]["memory"] == "fact number 1 changed: I like item one hundred"
        assert m.get_all(agent_id="helper")["results"]
        deleted = shown["deleted"]
        assert [r["event"] for r in m.history(deleted)] == ["ADD", "DELETE"]


def test_import_from_mem0_qdrant(
    tmp_path: Path, embedder: OnnxEmbedder, capsys: pytest.CaptureFixture[str]
) -> None:
    qdrant = tmp_path / "qdrant"
    shown = write_with_mem0(tmp_path, "qdrant", str(qdrant), "mem0")
    assert len(shown["memories"]) == 11
    db = tmp_path / "engram.db"
    argv = ["import", "--from-mem0", str(qdrant), "--history", shown["history_path"],
            "--store", str(db)]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "imported 11 memories (0 already present, 11 embedded) and 14 history rows" in out
    check_imported(db, embedder, shown)
    assert main([*argv, "--json"]) == 0  # again: nothing new
    summary = json.loads(capsys.readouterr().out)
    assert summary["memories"] == 0 and summary["memories_present"] == 11
    assert summary["history"] == 0 and summary["source"]["kind"] == "qdrant"
    assert main(["export", "--store", str(db)]) == 0  # the checksums agree
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["checksum"] == summary["checksum"]
    # mem0's config file names the same store.
    config = tmp_path / "mem0.json"
    config.write_text(json.dumps({
        "vector_store": {"provider": "qdrant", "config": {"path": str(qdrant)}},
        "history_db_path": shown["history_path"]}))  # fmt: skip
    other = tmp_path / "other.db"
    assert main(["import", "--from-mem0", str(config), "--store", str(other), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["memories"] == 11


def test_import_from_mem0_pgvector(
    tmp_path: Path, embedder: OnnxEmbedder, postgres_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    collection = f"mem0_{uuid.uuid4().hex[:10]}"
    try:
        shown = write_with_mem0(tmp_path, "pgvector", postgres_dsn, collection)
        db = tmp_path / "engram.db"
        history = shown["history_path"]
        status = main(["import", "--from-mem0", postgres_dsn, "--collection", collection,
                       "--history", history, "--store", str(db), "--json"])  # fmt: skip
        summary = json.loads(capsys.readouterr().out)
        assert status == 0 and summary["memories"] == 11 and summary["history"] == 14
        check_imported(db, embedder, shown)
        config = tmp_path / "mem0.json"
        config.write_text(json.dumps({"vector_store": {"provider": "pgvector", "config": {
            "connection_string": postgres_dsn, "collection_name": collection}}}))  # fmt: skip
        assert main(["import", "--from-mem0", str(config), "--no-history", "--store",
                     str(tmp_path / "b.db"), "--json"]) == 0  # fmt: skip
        assert json.loads(capsys.readouterr().out)["history"] == 0
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f'DROP TABLE IF EXISTS "{collection}"')


def test_mem0_sources_and_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "e.db")
    status = main(["import", "--from-mem0", str(tmp_path), "--store", db])
    assert status == CONFIGURATION and "no mem0 Qdrant collection 'mem0'" in capsys.readouterr().err
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"vector_store": {"provider": "chroma", "config": {}}}))
    assert main(["import", "--from-mem0", str(config), "--store", db]) == CONFIGURATION
    assert "cannot be read by engram" in capsys.readouterr().err
    assert main(["import", "--from-mem0", str(tmp_path / "x.json"), "--store", db]) == CONFIGURATION
    (tmp_path / "collection" / "mem0").mkdir(parents=True)
    status = main(["import", "--from-mem0", str(tmp_path), "--store", db])
    assert status == CONFIGURATION and "not found" in capsys.readouterr().err
    assert main(["import", "f.jsonl", "--from-mem0", "--store", db]) == 2
    pg = source(json.dumps({}) and str(_config(tmp_path, {"dbname": "d", "user": "u",
                "host": "h", "port": 5}, "pgvector")))  # fmt: skip
    assert pg.kind == "pgvector" and pg.location == "dbname=d user=u host=h port=5"
    monkeypatch.setenv("MEM0_DIR", str(tmp_path / "m"))
    assert default_history_path() == tmp_path / "m" / "history.db"
    record = memory_record("id1", {"data": "x", "memory_type": "other", "text_lemmatized": "x",
                                   "attributed_to": "ana", "created_at": None})  # fmt: skip
    assert record.metadata == {"memory_type": "other", "attributed_to": "ana"}
    assert record.memory_type is None and record.hash
    procedural = memory_record("id2", {"data": "x", "memory_type": "procedural_memory"})
    assert procedural.memory_type == "procedural_memory"
    with pytest.raises(ValidationError, match="has no text"):
        memory_record("id3", {"data": ""})
    with pytest.raises(ConfigurationError, match="no mem0 history"):
        list(history_records(tmp_path / "missing.db"))
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(ConfigurationError, match="is not a mem0 history file"):
        list(history_records(other))
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE history (id, memory_id, old_memory, new_memory, event, "
                     "created_at, updated_at, is_deleted, actor_id, role)")  # fmt: skip
        conn.execute("INSERT INTO history VALUES ('h1', 'm', NULL, 'x', 'ADD', NULL, "
                     "'2024-01-01T00:00:00-08:00', 0, NULL, NULL)")  # fmt: skip
        conn.execute("INSERT INTO history VALUES ('h2', 'm', NULL, 'x', 'ARCHIVE', NULL, NULL, "
                     "0, NULL, NULL)")  # fmt: skip
    rows = list(history_records(other))
    assert [r.id for r in rows] == ["h1"] and rows[0].created_at.startswith("2024-01-01T08:00")


def _config(tmp_path: Path, options: dict[str, Any], provider: str) -> Path:
    path = tmp_path / f"{provider}.json"
    path.write_text(json.dumps({"vector_store": {"provider": provider, "config": options}}))
    return path
