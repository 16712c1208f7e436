"""Damaged store files: typed errors from the API, and ``engram doctor`` finding and mending them.

One real store (400 memories of 8 users, updated and deleted ones included, so that history
and every index has content) is damaged in each of the ways ``damage.PATTERNS`` knows. On each
copy: every API call either works or raises a StoreError that says the file looks damaged
(never a raw sqlite3 error, never another exception); ``engram doctor`` reports the damage;
damage to derived data is mended in place by ``--repair`` (the API then returns exactly what
the undamaged store did); damage to data is salvaged by ``--salvage`` into a new healthy
store holding the rows that could be read, each as it was.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from engram import EngramError, Memory, StoreError
from engram.cli import main
from engram.embedders.onnx import OnnxEmbedder
from engram.stores.sqlite import doctor, health
from engram.stores.sqlite.store import SQLiteStore, SQLiteStoreConfig
from tests.conftest import store_config
from tests.stores.damage import PATTERNS, layout

USERS = [f"user{i}" for i in range(8)]
MEMORIES = 400


@pytest.fixture(scope="module")
def pristine(
    tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder
) -> Iterator[tuple[Path, dict[str, list[dict[str, Any]]]]]:
    """An undamaged store file, and every user's memories as get_all returns them."""
    path = tmp_path_factory.mktemp("pristine") / "store.db"
    with Memory(store_config(path), embedder=embedder) as memory:
        for start in range(0, MEMORIES, 50):
            for user in USERS:
                batch = [
                    {"role": "user", "content": f"{user} note {i}: likes item {i % 37} a lot"}
                    for i in range(start, start + 50, len(USERS))
                ]
                memory.add(batch, user_id=user, infer=False, metadata={"batch": start})
        first = memory.get_all(user_id=USERS[0], limit=5)["results"]
        memory.update(first[0]["id"], "an updated note")
        memory.delete(first[1]["id"])
        listings = {user: memory.get_all(user_id=user, limit=1000)["results"] for user in USERS}
    yield path, listings


@pytest.fixture
def damaged(
    request: pytest.FixtureRequest, pristine: tuple[Path, Any], tmp_path: Path
) -> tuple[Path, str, str]:
    """A copy of the pristine store damaged by the pattern named in the test's parameter."""
    name = request.param
    source, _ = pristine
    path = tmp_path / "damaged.db"
    shutil.copy(source, path)
    pages = layout(path)
    damage, kind = PATTERNS[name]
    damage(path, pages)
    return path, kind, name


def exercise(path: Path, embedder: OnnxEmbedder) -> list[str]:
    """Every call on the store: "ok", or the StoreError's code. Any other exception fails."""
    outcomes: list[str] = []

    def attempt(call: Any) -> Any:
        try:
            result = call()
        except StoreError as e:
            assert e.error_code == "store_damaged", e
            assert "looks damaged" in e.message and "engram doctor" in (e.suggestion or "")
            outcomes.append(e.error_code)
            return None
        except EngramError as e:  # pragma: no cover - the assertion's message
            raise AssertionError(f"{type(e).__name__} instead of StoreError: {e}") from e
        outcomes.append("ok")
        return result

    memory = attempt(lambda: Memory(store_config(path), embedder=embedder))
    if memory is None:
        return outcomes
    try:
        for user in USERS[:3]:
            listing = attempt(lambda u=user: memory.get_all(user_id=u, limit=1000))
            attempt(lambda u=user: memory.search("likes item 5", user_id=u, limit=5))
            attempt(lambda u=user: memory.search("note", user_id=u, filters={"batch": 100}))
            if listing and listing["results"]:
                some = listing["results"][-1]["id"]
                attempt(lambda i=some: memory.get(i))
                attempt(lambda i=some: memory.history(i))
        attempt(lambda: memory.add("a new note after the damage", user_id="user0", infer=False))
        attempt(lambda: memory.search("note", user_id="user0", filters={"NOT": {"batch": 0}}))
    finally:
        memory.close()
    return outcomes


@pytest.mark.parametrize("damaged", sorted(PATTERNS), indirect=True)
def test_damage_is_a_typed_error_and_doctor_finds_it(
    damaged: tuple[Path, str, str], embedder: OnnxEmbedder, pristine: tuple[Path, Any]
) -> None:
    path, kind, _ = damaged
    report = health.inspect(path)
    assert not report.ok, "doctor must see the damage"
    used = path.with_name("used.db")
    shutil.copy(path, used)
    outcomes = exercise(used, embedder)
    assert outcomes, "at least the open was attempted"
    if kind == "derived":
        assert report.repairable, [f.what for f in report.findings]
        result = doctor.repair(path, embedder)
        assert result.after.ok, [f.what for f in result.after.findings]
        assert result.backup.exists()
        _, listings = pristine
        with Memory(store_config(path), embedder=embedder) as memory:
            for user in USERS:
                assert memory.get_all(user_id=user, limit=1000)["results"] == listings[user]
            hits = memory.search("likes item 5", user_id=USERS[1], limit=3)["results"]
            assert hits and all("item 5" in hit["memory"] for hit in hits[:1])


SALVAGEABLE = [
    name
    for name in sorted(PATTERNS)
    if PATTERNS[name][1] == "data" and not name.startswith(("header", "schema", "engram_meta"))
]


@pytest.mark.parametrize("damaged", SALVAGEABLE, indirect=True)
def test_salvage_copies_every_readable_row_into_a_healthy_store(
    damaged: tuple[Path, str, str],
    embedder: OnnxEmbedder,
    pristine: tuple[Path, Any],
    tmp_path: Path,
) -> None:
    path, _, name = damaged
    _, listings = pristine
    before = {item["id"]: item for items in listings.values() for item in items}
    target = SQLiteStore(SQLiteStoreConfig(path=str(tmp_path / "salvaged.db")))
    target.open(embedder.name, embedder.dimension)
    try:
        result = doctor.salvage(path, target, embedder)
    finally:
        target.close()
    assert health.inspect(tmp_path / "salvaged.db").ok
    with Memory(store_config(tmp_path / "salvaged.db"), embedder=embedder) as memory:
        salvaged = {
            item["id"]: item
            for user in USERS
            for item in memory.get_all(user_id=user, limit=1000)["results"]
        }
        assert len(salvaged) == result.memories
        # Garbled cells or scattered bytes may leave rows that read back altered.
        garbled = name in ("memories cell contents", "scattered bytes")
        exact = [i for i in salvaged if i in before and salvaged[i] == before[i]]
        if not garbled:
            assert len(exact) == len(salvaged), "a salvaged row differs from what was written"
        if result.memories:
            assert memory.search("likes item 5", user_id=USERS[1], limit=3)["results"]


def test_a_store_that_is_not_sqlite_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database" * 10)
    with pytest.raises(StoreError, match="looks damaged") as info:
        Memory(store_config(path))
    assert info.value.error_code == "store_damaged"
    assert f"engram doctor {path}" in (info.value.suggestion or "")


def test_a_sqlite_file_missing_engram_tables_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "half.db"
    with Memory(store_config(path)):
        pass
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("DROP INDEX memories_hash")
    with pytest.raises(StoreError, match="memories_hash is missing"):
        Memory(store_config(path))


def test_doctor_cli_checks_repairs_and_salvages(
    pristine: tuple[Path, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, listings = pristine
    healthy = tmp_path / "healthy.db"
    shutil.copy(source, healthy)
    assert main(["doctor", str(healthy)]) == 0
    assert "healthy" in capsys.readouterr().out

    derived = tmp_path / "derived.db"
    shutil.copy(source, derived)
    PATTERNS["fts data page"][0](derived, layout(derived))
    assert main(["doctor", str(derived)]) == 5
    out = capsys.readouterr().out
    assert "damaged (derived)" in out and "--repair" in out
    assert main(["doctor", str(derived), "--repair"]) == 0
    out = capsys.readouterr().out
    assert "rebuilt:" in out and "lexical index" in out and "healthy" in out

    data = tmp_path / "data.db"
    shutil.copy(source, data)
    PATTERNS["memories leaf page"][0](data, layout(data))
    assert main(["doctor", str(data)]) == 5
    assert "--salvage" in capsys.readouterr().out
    assert main(["doctor", str(data), "--repair"]) == 1
    assert main(["doctor", str(data), "--salvage", str(tmp_path / "new.db")]) == 0
    out = capsys.readouterr().out
    assert "salvaged" in out and "unreadable: memories" in out
    assert main(["doctor", str(tmp_path / "new.db")]) == 0
    total = sum(len(items) for items in listings.values())
    salvaged = int(out.split("salvaged ")[1].split()[0])
    assert total * 0.8 <= salvaged < total

    assert main(["doctor", str(tmp_path / "missing.db")]) == 4
    assert "no store file" in capsys.readouterr().err
    assert main(["doctor", str(data), "--salvage", str(healthy)]) == 4  # exists
