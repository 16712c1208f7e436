"""``engram migrate`` copies the graph: entities with their vectors, relations with their time
and support, SQLite -> PostgreSQL -> SQLite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engram import Memory
from engram.cli import main
from engram.embedders.onnx import OnnxEmbedder
from engram.migrate import graph_checksum, store_from_spec
from tests.conftest import store_config
from tests.test_migrate import pg_config_file

__all__ = ["pg_config_file"]


def graph_config(config: dict[str, Any]) -> dict[str, Any]:
    provider = config["vector_store"]["provider"]
    return {**config, "graph_store": {"provider": provider}}


def relations(m: Memory) -> list[tuple[Any, ...]]:
    rows = m.graph.relations(user_id="maya", limit=1000, as_of="2024-06-01")
    rows += m.graph.relations(user_id="maya", limit=1000)
    return sorted(
        {
            (r["id"], r["source"], r["relationship"], r["destination"], r["valid_at"],
             r["invalid_at"], tuple(r["memory_ids"]))
            for r in rows
        }
    )  # fmt: skip


def test_the_graph_survives_a_round_trip(
    tmp_path: Path, pg_config_file: Path, embedder: OnnxEmbedder, capsys: pytest.CaptureFixture[str]
) -> None:
    first, last = tmp_path / "first.db", tmp_path / "last.db"
    with Memory(graph_config(store_config(first)), embedder=embedder) as m:
        m.add(
            [{"role": "user", "content": "My sister Ana moved to Lisbon. She works at Feedzai.",
              "name": "Maya"}],
            user_id="maya",
            timestamp="2024-01-01",
        )  # fmt: skip
        m.add(
            [{"role": "user", "content": "Ana moved to Porto.", "name": "Maya"}],
            user_id="maya",
            timestamp="2025-01-01",
        )
        before = relations(m)
        entities = m.graph.entities(user_id="maya")
    assert len(before) == 4 and any(r[5] for r in before)  # one was invalidated
    assert main(["migrate", "--from", str(first), "--to", str(pg_config_file), "--batch", "2"]) == 0
    out = capsys.readouterr().out
    assert "5 entities and 4 relations" in out and "matches" in out
    assert main(["migrate", "--quiet", "--from", str(pg_config_file), "--to", str(last)]) == 0
    assert "matches" in capsys.readouterr().out
    stores = [store_from_spec(str(p)) for p in (first, pg_config_file, last)]
    sums = []
    for store in stores:
        store.open(*store.stored_embedder())  # type: ignore[attr-defined]
        sums.append(graph_checksum(store))
        store.close()
    assert sums[0] == sums[1] == sums[2] and sums[0][:2] == (5, 4)
    pg = graph_config(json.loads(pg_config_file.read_text()))
    for config in (pg, graph_config(store_config(last))):
        with Memory(config, embedder=embedder) as m:
            assert relations(m) == before
            assert m.graph.entities(user_id="maya") == entities
    assert main(["migrate", "--quiet", "--from", str(first), "--to", str(pg_config_file)]) == 0
    assert "0 entities and 0 relations" in capsys.readouterr().out
