"""``engram export`` / ``engram import``: round trips (SQLite and PostgreSQL), idempotence,
resumption, vectors, scopes and damaged files."""

from __future__ import annotations

import io
import json
import sys
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pytest

from engram import Memory
from engram.bulk import Importer, counts, export
from engram.cli import main
from engram.cli.common import CHECK_FAILED, INTERRUPTED, USAGE
from engram.core.portable import VERSION, Tally, check_header, parse_history, parse_memory
from engram.core.records import Invalidate
from engram.core.timeutil import now_iso
from engram.embedders.onnx import OnnxEmbedder
from engram.exceptions import ConfigurationError, ValidationError
from engram.stores.base import Store
from engram.stores.sqlite.store import SQLiteStore
from tests.conftest import store_config


def fill(path: Path, embedder: OnnxEmbedder, n: int = 30) -> list[str]:
    """A store with scopes, metadata, speakers, times, an update, a delete, an invalidation."""
    with Memory(store_config(path), embedder=embedder) as m:
        ids = []
        for i in range(n):
            scope = {"user_id": f"u{i % 3}"} if i % 5 else {"agent_id": "bot", "run_id": "r1"}
            message = {"role": "user", "content": f"fact {i}: I like item {i}", "name": "Ana"}
            result = m.add(message, infer=False, metadata={"i": i, "tags": ["a", str(i)]},
                           timestamp=f"2024-01-{1 + i % 28:02d}T10:00:00Z", **scope)  # fmt: skip
            ids.append(result["results"][0]["id"])
        m.update(ids[1], "fact 1 changed: ünïcode ✓")
        m.delete(ids[2])
        m.store.apply([Invalidate(ids[3], "2025-01-01T00:00:00.000000+00:00")], now_iso())
    return ids


def view(path: Path, embedder: OnnxEmbedder, ids: list[str]) -> dict[str, Any]:
    """Everything the public API shows of the store."""
    with Memory(store_config(path), embedder=embedder) as m:
        return {
            "all": {s: m.get_all(**{k: s}, include_invalidated=True)["results"]  # type: ignore[arg-type]
                    for k, s in (("user_id", "u0"), ("user_id", "u1"), ("user_id", "u2"),
                                 ("agent_id", "bot"))},
            "history": {i: m.history(i) for i in ids},
            "search": [r["id"] for r in m.search("item 7", user_id="u1", limit=3)["results"]],
        }  # fmt: skip


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    """``cli(*argv)`` -> (status, stdout, stderr)."""

    def invoke(*argv: str) -> tuple[int, str, str]:
        status = main(list(argv))
        out = capsys.readouterr()
        return status, out.out, out.err

    return invoke


def test_round_trip_keeps_everything(tmp_path: Path, embedder: OnnxEmbedder, cli: Any) -> None:
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    ids = fill(first, embedder)
    status, out, err = cli("export", "--store", str(first))
    assert status == 0 and "exported 29 memories and 33 history rows; checksum sha256:" in err
    lines = out.splitlines()
    assert json.loads(lines[0])["version"] == VERSION and json.loads(lines[-1])["memories"] == 29
    exported = tmp_path / "memories.jsonl"
    exported.write_text(out)
    status, out, _ = cli("import", str(exported), "--store", str(second))
    assert status == 0 and "imported 29 memories (0 already present, 29 embedded)" in out
    assert "33 history rows" in out and "(matches the file's)" in out
    assert view(second, embedder, ids) == view(first, embedder, ids)
    status, again, _ = cli("export", "--store", str(second))
    strip = [json.loads(line) for line in again.splitlines()[1:]]
    assert strip == [json.loads(line) for line in lines[1:]]  # same rows, same checksum
    # Importing twice adds nothing.
    status, out, _ = cli("import", str(exported), "--store", str(second), "--json")
    summary = json.loads(out)
    assert status == 0 and summary["memories"] == 0 and summary["memories_present"] == 29
    assert summary["history"] == 0 and summary["embedded"] == 0 and summary["verified"]


def test_vectors_scopes_and_output_file(tmp_path: Path, embedder: OnnxEmbedder, cli: Any) -> None:
    source, target = tmp_path / "s.db", tmp_path / "t.db"
    ids = fill(source, embedder, n=12)
    out_file = tmp_path / "v.jsonl"
    status, out, err = cli("export", "--store", str(source), "--with-vectors", "-o",
                           str(out_file), "--json")  # fmt: skip
    assert status == 0 and out == "" and json.loads(err)["memories"] == 11
    assert json.loads(out_file.read_text().splitlines()[0])["vectors"] == "float32-le-base64"
    status, out, _ = cli("import", str(out_file), "--store", str(target), "--json")
    assert json.loads(out)["embedded"] == 0  # the file's vectors were used
    with Memory(store_config(source), embedder=embedder) as a:
        before = {r.id: v for r, v in a.store.export_memories(0, 100)[0]}
    with Memory(store_config(target), embedder=embedder) as b:
        after = {r.id: v for r, v in b.store.export_memories(0, 100)[0]}
    assert before.keys() == after.keys()
    assert all(np.array_equal(before[k], after[k]) for k in before)
    # A scope: its memories and their history only.
    status, out, _ = cli("export", "--store", str(source), "--user", "u1")
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows[0]["scope"] == {"user_id": "u1"}
    memories = [r for r in rows if r.get("type") == "memory"]
    assert memories and all(r["user_id"] == "u1" for r in memories)
    kept = {r["id"] for r in memories}
    assert {r["memory_id"] for r in rows if r.get("type") == "history"} == kept
    assert ids[2] not in kept  # deleted
    with Memory(store_config(source), embedder=embedder) as m:
        assert counts(m, user_id="u1") == {"memories": len(kept), "valid": len(kept),
                                           "invalidated": 0}  # fmt: skip
        assert counts(m)["invalidated"] == 1


def test_an_interrupted_import_resumes(
    tmp_path: Path, embedder: OnnxEmbedder, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, target = tmp_path / "s.db", tmp_path / "t.db"
    fill(source, embedder)
    exported = tmp_path / "e.jsonl"
    assert cli("export", "--store", str(source), "-o", str(exported))[0] == 0
    real, calls = Importer.flush, {"n": 0}

    def interrupted(self: Importer) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        real(self)

    monkeypatch.setattr(Importer, "flush", interrupted)
    status, _, err = cli("import", str(exported), "--store", str(target), "--batch", "10")
    assert status == INTERRUPTED and "resumes when run again" in err
    monkeypatch.setattr(Importer, "flush", real)
    status, out, _ = cli("import", str(exported), "--store", str(target), "--json")
    summary = json.loads(out)
    assert status == 0 and summary["verified"] and summary["memories_present"] == 20
    assert summary["memories"] == 9 and summary["embedded"] == 9


def test_damaged_files(tmp_path: Path, embedder: OnnxEmbedder, cli: Any) -> None:
    source, target = tmp_path / "s.db", tmp_path / "t.db"
    fill(source, embedder, n=6)
    _, out, _ = cli("export", "--store", str(source))
    lines = out.splitlines()

    def load(*content: str) -> tuple[int, str, str]:
        path = tmp_path / f"{uuid.uuid4().hex}.jsonl"
        path.write_text("\n".join(content) + "\n")
        return cli("import", str(path), "--store", str(target))  # type: ignore[no-any-return]

    status, _, err = load(*lines[:-1])
    assert status == CHECK_FAILED and "no end line" in err
    changed = json.loads(lines[1]) | {"memory": "tampered"}
    status, _, err = load(lines[0], json.dumps(changed), *lines[2:])
    assert status == CHECK_FAILED and "changed or damaged" in err
    version_1 = lines[0].replace('"version":2', '"version":1')  # graph lines were reserved
    status, out, _ = load(version_1, '{"type": "entity", "name": "ana"}', *lines[1:])
    assert status == CHECK_FAILED and "skipped 1 graph lines" in out
    for content, message in [
        (("not json",), "line 1 is not JSON"),
        (('{"hello": 1}',), "not an engram export header"),
        ((lines[0].replace('"version":2', '"version":99'),), "version 99"),
        ((lines[0].replace('"dimension":384', '"dimension":"x"'),), "embedder must be"),
        ((lines[0], '{"type": "note"}'), "line 2 has an unknown type 'note'"),
        ((lines[0], '{"type": "memory", "id": "x", "memory": ""}'), "line 2: memory must be"),
        ((lines[0], lines[-1], lines[1]), "line 3 comes after the end line"),
        (("",), "the file is empty"),
    ]:
        status, _, err = load(*content)
        assert status == USAGE and message in err, (content, err)
    status, _, err = cli("import", str(tmp_path / "missing.jsonl"), "--store", str(target))
    assert status == USAGE and "cannot read" in err
    assert cli("import", "--store", str(target))[0] == USAGE


def test_import_from_stdin_with_a_progress_bar(
    tmp_path: Path, embedder: OnnxEmbedder, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, target = tmp_path / "s.db", tmp_path / "t.db"
    fill(source, embedder, n=8)
    exported = tmp_path / "e.jsonl"
    cli("export", "--store", str(source), "-o", str(exported))
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(sys, "stdin", _Binary(exported.read_bytes()))
    status, out, _ = cli("import", "-", "--store", str(target))
    assert status == 0 and "imported 7 memories" in out and "MB read" in terminal.text
    terminal.text = ""
    cli("export", "--store", str(source), "-o", str(tmp_path / "again.jsonl"))
    assert "memories [" in terminal.text and "history  [" in terminal.text


def test_round_trip_through_postgres(
    tmp_path: Path, embedder: OnnxEmbedder, cli: Any, postgres_dsn: str
) -> None:
    source = tmp_path / "s.db"
    ids = fill(source, embedder, n=10)
    schema = f"x_{uuid.uuid4().hex[:10]}"
    config = tmp_path / "pg.json"
    config.write_text(json.dumps({"vector_store": {"provider": "postgres", "config": {
        "dsn": postgres_dsn, "schema_name": schema}}}))  # fmt: skip
    try:
        _, first, _ = cli("export", "--store", str(source), "--with-vectors")
        exported = tmp_path / "e.jsonl"
        exported.write_text(first)
        status, out, _ = cli("import", str(exported), "--config", str(config), "--json")
        assert status == 0 and json.loads(out)["memories"] == 9
        assert json.loads(cli("import", str(exported), "--config", str(config),
                              "--json")[1])["memories"] == 0  # fmt: skip
        _, again, _ = cli("export", "--config", str(config), "--user", "u1")
        _, scoped, _ = cli("export", "--store", str(source), "--user", "u1")
        assert again.splitlines()[1:] == scoped.splitlines()[1:]
        _, whole, _ = cli("export", "--config", str(config))
        assert whole.splitlines()[-1] == first.splitlines()[-1]
        with Memory(json.loads(config.read_text()), embedder=embedder) as m:
            stored = m.get(ids[0])
            assert stored is not None and stored["metadata"] == {"i": 0, "tags": ["a", "0"]}
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def test_the_format_rejects_what_it_cannot_read() -> None:
    with pytest.raises(ValidationError, match="is missing"):
        parse_memory({"type": "memory", "id": "a", "memory": "x"}, "line 2")
    with pytest.raises(ValidationError, match="not an ISO 8601"):
        parse_memory({"id": "a", "memory": "x", "created_at": "soon"}, "line 2")
    with pytest.raises(ValidationError, match="must be a string or null"):
        parse_memory({"id": "a", "memory": "x", "created_at": 0, "user_id": 5}, "line 2")
    with pytest.raises(ValidationError, match="not base64"):
        parse_memory({"id": "a", "memory": "x", "created_at": 0, "vector": "@@"}, "line 2")
    record, vector = parse_memory({"id": "a", "memory": "x", "created_at": 0}, "l")
    assert vector is None and record.hash and record.updated_at == record.created_at
    with pytest.raises(ValidationError, match="event must be"):
        parse_history({"event": "EDIT"}, "line 3")
    with pytest.raises(ValidationError, match="is_deleted must be"):
        parse_history({"event": "ADD", "id": "h", "memory_id": "m", "created_at": 0,
                       "is_deleted": "no"}, "line 3")  # fmt: skip
    with pytest.raises(ValidationError, match="version"):
        check_header({"format": "engram-export", "version": True})
    tally = Tally()
    assert not tally.matches({"memories": 1}) and tally.matches(tally.end_line())


def test_a_store_that_cannot_transfer(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    inner = SQLiteStore(SQLiteStore.Config(path=str(tmp_path / "plain.db")))

    def delegate(name: str) -> Any:
        return lambda self, *args: getattr(inner, name)(*args)

    methods = {name: delegate(name) for name in Store.__abstractmethods__}
    plain = type("Plain", (Store,), {**methods, "supported_operators": frozenset()})()
    with Memory(vector_store=plain, embedder=embedder) as m:
        with pytest.raises(ConfigurationError, match="cannot export or import"):
            list(export(m))
        importer = Importer(m)
        importer.add_memory(parse_memory({"id": "a", "memory": "x", "created_at": 0}, "l")[0])
        with pytest.raises(ConfigurationError):
            importer.flush()


class _Terminal(io.StringIO):
    """stderr as a terminal."""

    @property
    def text(self) -> str:
        return self.getvalue()

    @text.setter
    def text(self, value: str) -> None:
        self.seek(0)
        self.truncate()

    def isatty(self) -> bool:
        return True


class _Binary:
    """stdin with a binary buffer."""

    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)
