"""Cold start: how long a fresh ``engram search "..." --user u`` process takes, and where it goes.

    python bench/cold_start.py [--memories 10000] [--runs 9] [--store PATH] [--baseline SRC]

Builds (once, or reuses ``--store``) a SQLite store of ``--memories`` memories through
``Memory.add`` (real embeddings; 100 users), then:

1. runs ``python -m engram search "<query>" --user <u>`` as a fresh process ``--runs`` times,
   each for another user and query, and prints the median wall time (the figure the target
   is about: under 0.6 s at 10k memories);
2. runs an instrumented child ``--runs`` times that does the same steps one after another
   (no overlap) and times each: interpreter start, imports, opening the store, loading the
   ONNX session that embeds queries and the tokenizer, embedding the query, loading the
   scope's vectors, the search;
3. the same with the whole store's vectors loaded (the cache before this work);
4. with ``--baseline SRC`` (another checkout's ``src``, e.g. before this work), a fresh
   process that does ``Memory(config).search(...)`` with this code and with that one,
   alternately, for a ratio measured in one run.

Wall and CPU time (user + system) of each process are printed; timings on shared cores swing
with load, so the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

WORDS = (
    "coffee tea lisbon porto nurse climbing guitar sister brother dog cat book movie garden "
    "travel work bike paris berlin pasta sushi concert piano marathon chess painting"
).split()

PHASES = r"""
import sys, time, json
marks = [(time.perf_counter(), time.process_time())]
def mark():
    marks.append((time.perf_counter(), time.process_time()))
import engram.cli
from engram.cli.common import open_memory
mark()
import argparse
m = open_memory(argparse.Namespace(config=None, store=sys.argv[1]))
mark()
m.embedder.inner._load(m.embedder.inner.fast_queries)  # what embeds queries
mark()
m.embedder.embed_queries([sys.argv[2]])
mark()
store = m.store
scope = {"user_id": sys.argv[3]} if sys.argv[4] == "scope" else None
with store._read() as conn, store._vectors.lock:
    store._vectors.refresh(conn, scope)
mark()
m.search(sys.argv[2], user_id=sys.argv[3], limit=10)
mark()
names = ["imports", "open store", "onnx load", "embed query", "vector cache", "search"]
print(json.dumps({"rows cached": len(store._vectors), **{
    name: [b[0] - a[0], b[1] - a[1]] for name, a, b in zip(names, marks, marks[1:])}}))
"""


API = (
    "import sys; from engram import Memory; "
    "m = Memory({'vector_store': {'provider': 'sqlite', 'config': {'path': sys.argv[1]}}}); "
    "m.search(sys.argv[2], user_id=sys.argv[3], limit=10)"
)


def build(path: Path, memories: int) -> None:
    """A store of ``memories`` memories over 100 users, added through the public API."""
    from engram import Memory

    config = {"vector_store": {"provider": "sqlite", "config": {"path": str(path)}}}
    with Memory(config) as m:
        per_user = max(memories // 100, 1)
        for user in range(100):
            texts = [
                f"user{user} note {i}: I like {WORDS[(i * 7 + user) % len(WORDS)]} and "
                f"{WORDS[(i * 3 + user * 5) % len(WORDS)]} on weekends"
                for i in range(per_user)
            ]
            m.add([{"role": "user", "content": t} for t in texts], user_id=f"u{user}",
                  infer=False)  # fmt: skip


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memories", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--store", type=Path, default=None, help="reuse (or build) this store")
    parser.add_argument("--baseline", type=Path, default=None, help="another checkout's src")
    args = parser.parse_args()
    path = args.store or Path(tempfile.mkdtemp(prefix="engram-cold-")) / "engram.db"
    if not path.exists():
        started = time.perf_counter()
        build(path, args.memories)
        print(f"built {args.memories} memories in {time.perf_counter() - started:.0f} s: {path}")
    env = {**os.environ, "COLUMNS": "120"}
    queries = [(f"what does user{u} like on weekends?", f"u{u}") for u in range(0, 100, 7)]

    cpu: list[float] = []

    def wall(argv: list[str], extra: dict[str, str] | None = None) -> float:
        """Run ``argv``; its wall time (its CPU time is appended to ``cpu``)."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, env={**env, **(extra or {})},
                              check=False)  # fmt: skip
        took = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode:
            raise SystemExit(done.stderr)
        return took

    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    bare = [wall([sys.executable, "-c", "pass"]) for _ in range(args.runs)]
    cli = []
    cpu.clear()
    for i in range(args.runs):
        query, user = queries[i % len(queries)]
        cli.append(wall([sys.executable, "-m", "engram", "search", query, "--user", user,
                         "--store", str(path)]))  # fmt: skip
    print(f"engram search, fresh process, median of {args.runs}: {median_ms(cli)} wall "
          f"(min {min(cli) * 1000:.0f}, max {max(cli) * 1000:.0f}), {median_ms(cpu)} CPU; "
          f"bare interpreter {median_ms(bare)}")  # fmt: skip
    if args.baseline:
        timed: dict[str, tuple[list[float], list[float]]] = {"this": ([], []), "base": ([], [])}
        for i in range(args.runs):
            query, user = queries[i % len(queries)]
            for name, extra in (("this", {}), ("base", {"PYTHONPATH": str(args.baseline)})):
                cpu.clear()
                took = wall([sys.executable, "-c", API, str(path), query, user], extra)
                timed[name][0].append(took)
                timed[name][1].append(cpu[0])
        for name, (walls, cpus) in timed.items():
            label = "this checkout" if name == "this" else f"baseline {args.baseline}"
            print(f"Memory(...).search(...) in a fresh process, {label}: {median_ms(walls)} "
                  f"wall, {median_ms(cpus)} CPU")  # fmt: skip
        ratio = statistics.median(timed["base"][0]) / statistics.median(timed["this"][0])
        print(f"baseline / this (wall medians): {ratio:.2f}x")
    for mode in ("scope", "whole"):
        phases: dict[str, list[Any]] = {}
        for i in range(args.runs):
            query, user = queries[i % len(queries)]
            done = subprocess.run([sys.executable, "-c", PHASES, str(path), query, user, mode],
                                  capture_output=True, text=True, env=env, check=True)  # fmt: skip
            for key, value in json.loads(done.stdout).items():
                phases.setdefault(key, []).append(value)
        rows = phases.pop("rows cached")
        by_wall = {k: [w for w, _ in v] for k, v in phases.items()}
        by_cpu = {k: [c for _, c in v] for k, v in phases.items()}
        for label, values in (("wall", by_wall), ("CPU", by_cpu)):
            total = sum(statistics.median(v) for v in values.values())
            print(f"phases one after another, vectors of the {mode} ({rows[0]:.0f} rows), "
                  f"{label} medians: " + ", ".join(f"{k} {median_ms(v)}" for k, v in
                  values.items()) + f"; sum {total * 1000:.0f} ms")  # fmt: skip
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
