"""``engram export`` / ``engram import`` carry graph memory: every entity (its name vector with
``--with-vectors``, else embedded again) and every relation (its time and support), scoped,
idempotent, resumable and checksummed, on SQLite and PostgreSQL (the contract suite's
backends), and version 1 files still import."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engram import Memory
from engram.bulk import Importer, import_lines
from engram.cli import main
from engram.cli.common import CHECK_FAILED, INTERRUPTED, USAGE
from engram.core.graph.names import display
from engram.core.portable import Tally, parse_entity, parse_relation
from engram.embedders.onnx import OnnxEmbedder
from engram.exceptions import ValidationError
from tests.contract.backends import Backend, PostgresBackend, SQLiteBackend
from tests.contract.conftest import make_backend

MAYA = "My sister Ana moved to Lisbon. She works at Feedzai. I have a dog named Rex."


class Place:
    """A store location of one kind (a contract backend) and the configs that name it."""

    def __init__(self, backend: Backend, directory: Path) -> None:
        self.backend = backend
        self.file = directory / f"{id(self)}.json"
        self.file.write_text(json.dumps(self.config(graph=False)))

    def config(self, graph: bool = True) -> dict[str, Any]:
        if isinstance(self.backend, SQLiteBackend):
            block = {"provider": "sqlite", "config": {"path": str(self.backend.path)}}
        else:
            assert isinstance(self.backend, PostgresBackend)
            block = {"provider": "postgres", "config": {
                "dsn": self.backend.dsn, "schema_name": self.backend.schema}}  # fmt: skip
        return {"vector_store": block, **({"graph_store": {}} if graph else {})}


@pytest.fixture(params=["sqlite", "postgres"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Place]]:
    """``place()``: a new, empty store location of the parametrised kind."""
    made: list[Place] = []

    def new() -> Place:
        directory = tmp_path / f"place{len(made)}"
        directory.mkdir()
        made.append(Place(make_backend(request.param, directory, request), directory))
        return made[-1]

    yield new
    for p in made:
        p.backend.cleanup()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    """``cli(*argv)`` -> (status, stdout, stderr)."""

    def invoke(*argv: str) -> tuple[int, str, str]:
        status = main(list(argv))
        out = capsys.readouterr()
        return status, out.out, out.err

    return invoke


def fill(place: Place, embedder: OnnxEmbedder) -> None:
    """Two users' graphs, a relation invalidated, a memory deleted (its relation pruned)."""
    with Memory(place.config(), embedder=embedder) as m:
        m.add([{"role": "user", "content": MAYA, "name": "Maya"}], user_id="maya",
              timestamp="2024-01-10")  # fmt: skip
        m.add([{"role": "user", "content": "Ana moved to Porto.", "name": "Maya"}],
              user_id="maya", timestamp="2025-03-01")  # fmt: skip
        m.add([{"role": "user", "content": "I work at Acme. I visited Rome.", "name": "Bob"}],
              user_id="bob", agent_id="helper", timestamp="2024-05-01")  # fmt: skip
        rome = next(r for r in m.get_all(user_id="bob")["results"] if "Rome" in r["memory"])
        m.delete(rome["id"])


def graph_view(place: Place, embedder: OnnxEmbedder) -> dict[str, Any]:
    """What the graph's read API shows of the store, now and as of a past time."""
    with Memory(place.config(), embedder=embedder) as m:
        view: dict[str, Any] = {}
        scopes: tuple[dict[str, Any], ...] = (
            {"user_id": "maya"},
            {"user_id": "bob"},
            {"agent_id": "helper"},
        )
        for scope in scopes:
            key = json.dumps(scope)
            view[f"entities {key}"] = m.graph.entities(**scope, limit=1000)
            for when in (None, "2024-06-01", "2025-06-01"):
                view[f"relations {key} {when}"] = m.graph.relations(**scope, as_of=when, limit=1000)
        for name in ("ana", "maya"):
            for when in (None, "2024-06-01"):
                view[f"{name} {when}"] = m.graph.relations(name, user_id="maya", hops=2, as_of=when)
        view["search"] = m.search("where does Maya's sister work?", user_id="maya")["relations"]
        return view


def lines_of(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_a_round_trip_keeps_the_graph(
    place: Callable[[], Place], embedder: OnnxEmbedder, cli: Any, tmp_path: Path
) -> None:
    source, target = place(), place()
    fill(source, embedder)
    before = graph_view(source, embedder)
    assert len(before['relations {"user_id": "maya"} 2024-06-01']) == 5  # lives_in lisbon too
    assert before['relations {"user_id": "bob"} None']  # works_at acme
    status, out, err = cli("export", "--config", str(source.file))
    assert status == 0 and "9 entities and 7 relations; checksum" in err, err
    rows = lines_of(out)
    assert rows[0]["version"] == 2 and rows[-1]["entities"] == 9 and rows[-1]["relations"] == 7
    kinds = [r.get("type") for r in rows[1:-1]]
    order = ["memory", "history", "entity", "relation"]
    assert kinds == sorted(kinds, key=lambda kind: order.index(str(kind)))
    entity = next(r for r in rows if r.get("type") == "entity")
    assert "vector" not in entity and entity["entity_type"]
    relation = next(r for r in rows if r.get("type") == "relation")
    assert relation["memory_ids"] and relation["created_at"] and "valid_at" in relation
    exported = tmp_path / "graph.jsonl"
    exported.write_text(out)
    status, out, _ = cli("import", str(exported), "--config", str(target.file), "--json")
    summary = json.loads(out)
    assert status == 0 and summary["verified"], summary
    assert (summary["entities"], summary["relations"], summary["entities_embedded"]) == (9, 7, 9)
    assert graph_view(target, embedder) == before
    _, again, _ = cli("export", "--config", str(target.file))
    assert again.splitlines()[1:] == out_lines(exported)[1:]  # same rows, same checksum
    # Importing twice adds nothing and embeds nothing.
    status, out, _ = cli("import", str(exported), "--config", str(target.file))
    assert status == 0 and "imported 0 entities (9 already present, 0 embedded) and 0 " \
        "relations (7 already present)" in out  # fmt: skip
    assert graph_view(target, embedder) == before


def out_lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def test_vectors_scopes_and_resuming(
    place: Callable[[], Place],
    embedder: OnnxEmbedder,
    cli: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source, target, scoped = place(), place(), place()
    fill(source, embedder)
    exported = tmp_path / "v.jsonl"
    cli("export", "--config", str(source.file), "--with-vectors", "-o", str(exported))
    # Interrupted at the second batch of graph rows, then run again: it resumes.
    real, calls = Importer.flush, {"n": 0}

    def interrupted(self: Importer) -> None:
        calls["n"] += bool(self._entities or self._relations)
        if calls["n"] == 2:
            raise KeyboardInterrupt
        real(self)

    monkeypatch.setattr(Importer, "flush", interrupted)
    status, _, _ = cli("import", str(exported), "--config", str(target.file), "--batch", "4")
    assert status == INTERRUPTED
    monkeypatch.setattr(Importer, "flush", real)
    status, out, _ = cli("import", str(exported), "--config", str(target.file), "--json")
    summary = json.loads(out)
    assert status == 0 and summary["verified"] and summary["entities_embedded"] == 0
    assert summary["entities"] + summary["entities_present"] == 9
    assert summary["relations"] + summary["relations_present"] == 7
    assert summary["entities_present"] + summary["relations_present"] > 0  # resumed
    vectors = []
    for p in (source, target):
        with Memory(p.config(), embedder=embedder) as m:
            vectors.append({e.id: v for e, v in m.store.export_entities(0, 100)[0]})
    assert vectors[0].keys() == vectors[1].keys()
    assert all(np.array_equal(vectors[0][k], vectors[1][k]) for k in vectors[0])
    # Without vectors, names are embedded again as an add embeds them.
    rows = [json.loads(line) for line in out_lines(exported) if '"type":"entity"' in line]
    assert all("vector" in r for r in rows)
    names = [r["name"] for r in rows]
    again = embedder.embed_batch([display(n) for n in names])
    assert np.allclose([vectors[0][r["id"]] for r in rows], again, atol=1e-5)
    # A scope: its graph rows only, and the graph reads of that scope come back.
    status, out, _ = cli("export", "--config", str(source.file), "--user", "bob")
    rows = lines_of(out)
    graph = [r for r in rows if r.get("type") in ("entity", "relation")]
    assert graph and all(r["user_id"] == "bob" for r in graph)
    assert {r["name"] for r in graph if r["type"] == "entity"} == {"bob", "acme"}
    part = tmp_path / "bob.jsonl"
    part.write_text(out)
    assert cli("import", str(part), "--config", str(scoped.file))[0] == 0
    with (
        Memory(source.config(), embedder=embedder) as a,
        Memory(scoped.config(), embedder=embedder) as b,
    ):
        others: tuple[dict[str, Any], ...] = ({"user_id": "bob"}, {"agent_id": "helper"})
        for scope in others:
            assert b.graph.entities(**scope) == a.graph.entities(**scope)
            assert b.graph.relations(**scope, as_of="2024-06-01") == a.graph.relations(
                **scope, as_of="2024-06-01"
            )
        assert b.graph.entities(user_id="maya") == []


def test_a_store_with_the_graph_off(
    place: Callable[[], Place], embedder: OnnxEmbedder, cli: Any, tmp_path: Path
) -> None:
    plain, target = place(), place()
    with Memory(plain.config(graph=False), embedder=embedder) as m:
        m.add([{"role": "user", "content": MAYA, "name": "Maya"}], user_id="maya")
    status, out, err = cli("export", "--config", str(plain.file))
    rows = lines_of(out)
    assert status == 0 and "entities" not in err
    assert rows[-1]["entities"] == rows[-1]["relations"] == 0
    assert not [r for r in rows if r.get("type") in ("entity", "relation")]
    # A graph file imported into a Memory with the graph off: the store keeps the rows.
    graph = place()
    fill(graph, embedder)
    exported = tmp_path / "g.jsonl"
    cli("export", "--config", str(graph.file), "-o", str(exported))
    with Memory(target.config(graph=False), embedder=embedder) as m:
        with exported.open("rb") as lines:
            report = import_lines(m, lines)
        assert report.verified and (report.entities, report.relations) == (9, 7)
    assert graph_view(target, embedder) == graph_view(graph, embedder)


def test_version_1_files_still_import(
    tmp_path: Path, embedder: OnnxEmbedder, cli: Any, place: Callable[[], Place]
) -> None:
    source, target = place(), place()
    fill(source, embedder)
    _, out, _ = cli("export", "--config", str(source.file))
    rows = lines_of(out)
    memory_rows = [r for r in rows[1:-1] if r["type"] in ("memory", "history")]
    head = rows[0] | {"version": 1}
    reserved = {"type": "entity", "name": "ana"}  # version 1 reserved graph lines, undefined
    tally = Tally()
    for row in [*memory_rows, reserved]:
        tally.add(row)
    end = tally.end_line()
    old = tmp_path / "v1.jsonl"
    old.write_text("\n".join(json.dumps(r) for r in [head, *memory_rows, reserved, end]) + "\n")
    status, out, _ = cli("import", str(old), "--config", str(target.file), "--json")
    summary = json.loads(out)
    assert status == 0 and summary["verified"] and summary["graph_skipped"] == 1
    assert summary["memories"] == len([r for r in memory_rows if r["type"] == "memory"])
    assert summary["entities"] == 0
    status, out, _ = cli("import", str(old), "--config", str(target.file))
    assert status == 0 and "skipped 1 graph lines" in out
    # In a version 2 file the same line is an entity, and a bad one.
    status, _, err = cli(
        "import", str(_write(tmp_path, [rows[0], reserved])), "--config", str(target.file)
    )
    assert status == USAGE and "line 2: created_at is missing" in err
    damaged = [*rows[:-1], rows[-1] | {"relations": 8}]
    status, _, err = cli("import", str(_write(tmp_path, damaged)), "--config", str(target.file))
    assert status == CHECK_FAILED and "changed or damaged" in err


def _write(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    path = tmp_path / f"f{len(list(tmp_path.iterdir()))}.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_graph_lines_are_validated() -> None:
    base = {"id": "e", "name": "ana", "created_at": 0}
    record, vector = parse_entity(base, "l")
    assert vector is None and record.type == "thing" and record.updated_at == record.created_at
    with pytest.raises(ValidationError, match="line 5: name must be"):
        parse_entity(base | {"name": ""}, "line 5")
    with pytest.raises(ValidationError, match="not base64"):
        parse_entity(base | {"vector": "@@"}, "line 5")
    with pytest.raises(ValidationError, match="user_id must be a string"):
        parse_entity(base | {"user_id": 3}, "line 5")
    edge = {"id": "r", "source_id": "a", "source": "ana", "relationship": "likes",
            "destination_id": "b", "destination": "tea", "created_at": 0,
            "valid_at": "2024-01-01", "memory_ids": ["m2", "m1", "m2"]}  # fmt: skip
    relation = parse_relation(edge, "l")
    assert relation.memory_ids == ("m1", "m2")
    assert relation.valid_at is not None and relation.valid_at.startswith("2024-01-01T")
    assert relation.invalid_at is None
    for bad, message in (
        (edge | {"memory_ids": "m1"}, "memory_ids must be a list"),
        (edge | {"memory_ids": [""]}, "memory_ids must be a list"),
        (edge | {"relationship": None}, "relationship is missing"),
        (edge | {"invalid_at": "later"}, "not an ISO 8601"),
    ):
        with pytest.raises(ValidationError, match=message):
            parse_relation(bad, "line 9")
