"""How SQLite's failures reach a caller: one StoreError each, saying what it means and what to
do, from the connection layer (``connections.store_error``)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from engram import Memory, StoreError
from engram.cli import main
from engram.embedders.onnx import OnnxEmbedder
from engram.stores.sqlite import doctor, health
from engram.stores.sqlite.connections import store_error
from tests.conftest import store_config
from tests.stores.damage import PATTERNS, layout


def sqlite_error(name: str, text: str = "it failed") -> sqlite3.Error:
    """An error as SQLite raises it, with its result code's name."""
    error = sqlite3.OperationalError(text)
    error.sqlite_errorname = name
    return error


@pytest.mark.parametrize(
    ("name", "advice"),
    [
        ("SQLITE_FULL", "free disk space"),
        ("SQLITE_READONLY_DIRECTORY", "read-only"),
        ("SQLITE_BUSY", "busy_timeout"),
        ("SQLITE_LOCKED", "busy_timeout"),
        ("SQLITE_CANTOPEN", "directory exists"),
        ("SQLITE_IOERR_WRITE", "disk or file system"),
        ("SQLITE_ERROR", "retry"),
    ],
)
def test_each_kind_of_failure_says_what_to_do(name: str, advice: str) -> None:
    error = store_error(sqlite_error(name), Path("/x/m.db"), "the write")
    assert error.error_code == "store_error" and advice in (error.suggestion or "")
    assert error.details["sqlite_error"] == name and "/x/m.db" in error.message


@pytest.mark.parametrize(
    "error",
    [
        sqlite_error("SQLITE_CORRUPT", "database disk image is malformed"),
        sqlite_error("SQLITE_NOTADB", "file is not a database"),
        sqlite_error("SQLITE_ERROR", "malformed database schema (x)"),
        ValueError("Expecting value: line 1 column 1 (char 0)"),  # a metadata column not JSON
    ],
)
def test_damage_is_named_with_engram_doctor(error: BaseException) -> None:
    found = store_error(error, Path("/x/m.db"), "the read")
    assert found.error_code == "store_damaged" and "looks damaged" in found.message
    assert "engram doctor /x/m.db" in (found.suggestion or "")


def test_a_read_only_store_fails_writes_with_advice(
    db_path: Path, embedder: OnnxEmbedder, tmp_path: Path
) -> None:
    with Memory(store_config(db_path), embedder=embedder) as memory:
        memory.add("a fact", user_id="u", infer=False)
    if os.geteuid() == 0:
        pytest.skip("root writes through read-only modes")
    db_path.chmod(0o400)  # pragma: no cover - runs as a user
    with Memory(store_config(db_path), embedder=embedder) as memory:  # pragma: no cover
        with pytest.raises(StoreError, match="read-only"):
            memory.add("another", user_id="u", infer=False)


def test_a_row_that_no_longer_decodes_is_reported_as_damage(memory: Memory, db_path: Path) -> None:
    added = memory.add("a fact", user_id="u", infer=False)["results"][0]["id"]
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE memories SET metadata = 'not json' WHERE id = ?", (added,))
    with pytest.raises(StoreError, match="looks damaged") as info:
        memory.get(added)
    assert info.value.error_code == "store_damaged"


def test_repair_refuses_damaged_data_and_names_salvage(tmp_path: Path, memory: Memory) -> None:
    memory.add([{"role": "user", "content": f"fact {i} " * 40} for i in range(300)], user_id="u")
    memory.close()
    path = Path(memory.store.path)
    PATTERNS["memories leaf page"][0](path, layout(path))
    with pytest.raises(StoreError, match="memory data is damaged") as info:
        doctor.repair(path)
    assert "--salvage" in (info.value.suggestion or "")


def test_repair_remakes_missing_vectors_with_the_embedder(
    memory: Memory, embedder: OnnxEmbedder
) -> None:
    memory.add([{"role": "user", "content": f"fact number {i}"} for i in range(5)], user_id="u")
    before = memory.search("fact number 3", user_id="u", limit=1)["results"][0]["id"]
    memory.close()
    path = Path(memory.store.path)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM vectors WHERE seq IN (SELECT seq FROM memories LIMIT 2)")
    report = health.inspect(path)
    assert any("2 memories without a vector" in f.what for f in report.findings)
    with pytest.raises(StoreError, match="no embedder"):
        doctor.repair(path)
    result = doctor.repair(path, embedder)
    assert result.reembedded == 2 and result.after.ok and "2 vectors" in result.rebuilt
    with Memory(store_config(path), embedder=embedder) as again:
        assert again.search("fact number 3", user_id="u", limit=1)["results"][0]["id"] == before


def test_doctor_cli_takes_the_embedder_from_a_config(
    memory: Memory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    memory.add("a fact to keep", user_id="u", infer=False)
    memory.close()
    path = Path(memory.store.path)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM vectors")
        conn.execute("DELETE FROM engram_meta")  # the file no longer names its embedder
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"embedder": {"provider": "onnx"}}))
    assert main(["doctor", str(path), "--salvage", str(tmp_path / "a.db")]) == 4
    assert "cannot tell which embedder" in capsys.readouterr().err
    (tmp_path / "broken.json").write_text("{")
    assert main(["doctor", str(path), "--config", str(tmp_path / "broken.json"), "--repair"]) == 4
    assert "cannot read the config" in capsys.readouterr().err
    salvage = ["--config", str(config), "--salvage", str(tmp_path / "b.db")]
    assert main(["doctor", str(path), *salvage]) == 0
    out = capsys.readouterr().out
    assert "salvaged 1 memories (1 re-embedded)" in out


def test_backup_failure_is_a_store_error(memory: Memory, tmp_path: Path) -> None:
    memory.close()
    path = Path(memory.store.path)
    directory = tmp_path / "gone"
    directory.mkdir()
    moved = directory / "m.db"
    shutil.copy(path, moved)
    shutil.rmtree(directory)
    with pytest.raises(StoreError, match="cannot copy"):
        doctor.backup(moved)
