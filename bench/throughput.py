"""Throughput and latency of engram's default stack (SQLite store + ONNX MiniLM embedder).

For each size N (default 10,000 and 100,000 memories) the script fills a fresh store with
N / 1,000 users of 1,000 memories each, every memory also under ``agent_id="bench-agent"``,
and then measures on the filled store:

- bulk ingest: one ``add()`` of 1,000 message dicts per user, embedding included (this is how
  the store is filled); the median per-call rate and the overall rate, in memories/s;
- ``add(one short message, infer=False)`` latency, and the store's own part of it:
  ``store.apply([Insert])`` with a precomputed vector;
- embedding one memory, and one search query, on their own (queries run through the
  embedder's query graph: int8 products on the same int8 weights);
- scoped search (``user_id``, 1,000 memories to score) p50 / p95, query embedding included;
  the same searches again with the query's embedding cached (engram's own work); and, timed
  on their own, the store's two candidate searches inside it (vector and keyword);
- unscoped search (``agent_id`` only, so every memory of the store is scored) p50, likewise;
- ``get(id)`` and ``get_all(user_id=..., limit=100)`` latency;
- the process's RSS now (psutil) and its peak (``getrusage`` ``ru_maxrss``).

Every text is a distinct sentence drawn deterministically from small word lists, so the
embedder's LRU cache never hides the embedding cost. Timings use ``time.perf_counter``.

Run from the repository root::

    python bench/throughput.py                     # N = 10,000 and 100,000 (several minutes)
    python bench/throughput.py --sizes 20000       # other sizes
    python bench/throughput.py --quick             # N = 2,000 only: a smoke test
    python bench/throughput.py --path /tmp/stores  # keep the stores there
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import psutil

import engram
from engram import Memory
from engram.core.filters import Condition, Field, FilterNode, conjoin
from engram.core.records import Insert, MemoryRecord, new_id, text_hash
from engram.core.search import CANDIDATES
from engram.core.timeutil import now_iso

AGENT_ID = "bench-agent"
SEED = 20240601
ADD_CALLS = 200
SCOPED_QUERIES = 200
UNSCOPED_QUERIES = 50
GET_CALLS = 200
GET_ALL_CALLS = 100
WARMUP = 5
LIMIT = 10

PEOPLE = (
    "Maya", "Liam", "Aisha", "Kenji", "Sofia", "Omar", "Elena", "Noah", "Priya", "Lucas",
    "Chloe", "Mateo", "Hana", "Tariq", "Ingrid", "Diego", "Zara", "Felix", "Amara", "Jonas",
)  # fmt: skip
PLACES = (
    "Lisbon", "Kyoto", "Nairobi", "Denver", "Oslo", "the lake", "Marseille", "Toronto",
    "Hanoi", "the old harbour", "Cape Town", "the botanical garden", "Edinburgh", "Lima",
    "the river path", "Seoul", "Porto", "the national park", "Melbourne", "Krakow",
)  # fmt: skip
ACTIVITIES = (
    "went hiking", "went cycling", "took a pottery class", "visited a museum",
    "played tennis", "went swimming", "saw a jazz concert", "went birdwatching",
    "ran a half marathon", "went kayaking", "took photos of the sunset", "went bouldering",
    "visited a flea market", "had a picnic", "went sailing", "practised yoga",
    "went to a film festival", "played chess in a cafe", "went stargazing", "went fishing",
)  # fmt: skip
FOODS = (
    "ramen", "tacos", "lentil soup", "sushi", "pad thai", "falafel", "mushroom risotto",
    "dumplings", "paella", "banana bread", "pho", "shakshuka", "pierogi", "jollof rice",
    "green curry", "gnocchi", "bibimbap", "ceviche", "moussaka", "cheesecake",
)  # fmt: skip
TIMES = (
    "on Tuesday", "last weekend", "every Friday morning", "in early March",
    "yesterday evening", "on New Year's Eve", "twice a month", "during the summer holidays",
    "this morning", "last December", "most Sundays", "after work on Thursday",
    "over the long weekend", "in the autumn", "on a rainy Saturday",
)  # fmt: skip
COMPANIONS = (
    "a cousin", "two old friends", "some colleagues", "the kids", "a neighbour",
    "the book club", "a former classmate", "the whole family", "a new friend",
    "the running group", "an aunt", "the team from work",
)  # fmt: skip
JOBS = (
    "nurse", "software engineer", "teacher", "architect", "chef", "pilot", "journalist",
    "pharmacist", "carpenter", "data analyst", "lawyer", "translator",
)  # fmt: skip


class TextMaker:
    """Deterministic, never-repeated short sentences and questions about everyday life."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._seen: set[str] = set()

    def statement(self) -> str:
        """A fact a user might tell an agent."""
        return self._unique(self._statement)

    def question(self) -> str:
        """A question a user might ask an agent."""
        return self._unique(self._question)

    def statements(self, n: int) -> list[str]:
        """``n`` distinct statements."""
        return [self.statement() for _ in range(n)]

    def questions(self, n: int) -> list[str]:
        """``n`` distinct questions."""
        return [self.question() for _ in range(n)]

    def _unique(self, make: Callable[[], str]) -> str:
        for _ in range(100_000):
            text = make()
            if text not in self._seen:
                self._seen.add(text)
                return text
        raise RuntimeError(f"the word lists ran out of distinct texts after {len(self._seen):,}")

    def _statement(self) -> str:
        c = self._rng.choice
        p, place, when = c(PEOPLE), c(PLACES), c(TIMES)
        liked, disliked = self._rng.sample(FOODS, 2)
        templates = (
            f"{p} {c(ACTIVITIES)} near {place} {when} with {c(COMPANIONS)}.",
            f"{p} cooked {c(FOODS)} for {c(COMPANIONS)} {when}.",
            f"{p} prefers {liked} to {disliked} and eats out in {place} {when}.",
            f"{p} works as a {c(JOBS)} in {place} and {c(ACTIVITIES)} {when}.",
            f"{p} is planning to move to {place} with {c(COMPANIONS)} next year.",
            f"{p} has lunch with {c(COMPANIONS)} in {place} {when}, usually {c(FOODS)}.",
        )
        return c(templates)

    def _question(self) -> str:
        c = self._rng.choice
        p, place = c(PEOPLE), c(PLACES)
        templates = (
            f"Where did {p} go {c(TIMES)}?",
            f"What does {p} like to eat in {place}?",
            f"Who did {p} spend time with near {place}?",
            f"Does {p} enjoy {c(FOODS)}?",
            f"What does {p} do for work, and where?",
            f"When did {p} last visit {place} with {c(COMPANIONS)}?",
            f"Which hobbies does {p} have {c(TIMES)}?",
            f"Who {c(ACTIVITIES)} near {place} {c(TIMES)}?",
            f"What did {p} eat with {c(COMPANIONS)} {c(TIMES)}?",
            f"Is {p} still working as a {c(JOBS)} in {place}?",
        )
        return c(templates)


@dataclass
class SizeResult:
    """Everything measured for one store size."""

    n: int
    users: int
    store_path: Path
    memories_after: int
    db_bytes: int
    ingest_rates: list[float]
    ingest_seconds: float
    add_ms: list[float]
    store_add_ms: list[float]
    embed_ms: list[float]
    query_embed_ms: list[float]
    scoped_ms: list[float]
    scoped_cached_ms: list[float]
    scoped_vector_ms: list[float]
    scoped_keyword_ms: list[float]
    unscoped_ms: list[float]
    unscoped_vector_ms: list[float]
    unscoped_keyword_ms: list[float]
    get_ms: list[float]
    get_all_ms: list[float]
    rss_bytes: int
    max_rss_bytes: int | None


def timed(call: Callable[..., object], *args: Any, **kwargs: Any) -> float:
    """Milliseconds that ``call(*args, **kwargs)`` takes."""
    start = time.perf_counter()
    call(*args, **kwargs)
    return (time.perf_counter() - start) * 1000.0


def p50(values: list[float]) -> float:
    """The median."""
    return statistics.median(values)


def p95(values: list[float]) -> float:
    """The 95th percentile (linear interpolation)."""
    return float(np.percentile(np.asarray(values, dtype=np.float64), 95))


def max_rss_bytes() -> int | None:
    """The process's peak resident set size since it started, or None where unknown."""
    if sys.platform == "win32":
        return None
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024


def rss_bytes() -> int:
    """The process's resident set size now."""
    return int(psutil.Process().memory_info().rss)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, where the platform has them."""
    if not hasattr(os, "getloadavg"):
        return "unknown"
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def progress(message: str) -> None:
    """A progress line on stderr, so stdout holds only the report."""
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def user_id(index: int) -> str:
    """The id of the index-th benchmark user."""
    return f"user-{index:05d}"


def scope_filter(field: str, value: str) -> FilterNode:
    """The filter Memory.search builds for a one-id scope (live memories only)."""
    where = conjoin(
        Condition(Field(field), "eq", value), Condition(Field("invalid_at"), "eq", None)
    )
    assert where is not None
    return where


@contextmanager
def store_dir(n: int, parent: str | None) -> Iterator[Path]:
    """A fresh directory for the store: kept under ``parent``, else a temp dir removed after."""
    if parent is not None:
        Path(parent).mkdir(parents=True, exist_ok=True)
        yield Path(tempfile.mkdtemp(prefix=f"engram-bench-{n}-", dir=parent))
        return
    path = Path(tempfile.mkdtemp(prefix=f"engram-bench-{n}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@dataclass
class Filled:
    """What filling the store produced."""

    ids: list[str]
    rates: list[float]
    seconds: float


def fill(memory: Memory, texts: TextMaker, n: int, per_user: int) -> Filled:
    """Add ``n`` memories with one add() per user, timing each call."""
    ids: list[str] = []
    rates: list[float] = []
    users = -(-n // per_user)
    started = time.perf_counter()
    for u in range(users):
        count = min(per_user, n - u * per_user)
        messages = [{"role": "user", "content": t} for t in texts.statements(count)]
        start = time.perf_counter()
        result = memory.add(messages, user_id=user_id(u), agent_id=AGENT_ID, infer=False)
        rates.append(count / (time.perf_counter() - start))
        ids += [item["id"] for item in result["results"]]
        if (u + 1) % 10 == 0 or u + 1 == users:
            done = u * per_user + count
            elapsed = time.perf_counter() - started
            progress(f"filled {done:,}/{n:,} memories in {elapsed:.1f} s")
    return Filled(ids, rates, time.perf_counter() - started)


def insert_op(text: str, vector: Any, user: str) -> Insert:
    """The Insert that ``Memory.add(text, user_id=user, agent_id=AGENT_ID)`` would apply."""
    when = now_iso()
    record = MemoryRecord(
        id=new_id(),
        text=text,
        hash=text_hash(text),
        created_at=when,
        updated_at=when,
        user_id=user,
        agent_id=AGENT_ID,
        role="user",
        valid_at=when,
    )
    return Insert(record, vector)


def store_parts(
    memory: Memory, queries: list[str], scope: Callable[[], tuple[str, str]]
) -> tuple[list[float], list[float]]:
    """The store's two candidate searches inside ``Memory.search``, timed on their own.

    Memory.search asks the store for its top CANDIDATES by vector and by keyword (BM25), then
    fuses and re-ranks them; these are those two calls, with the query vectors precomputed.
    """
    store = memory.store
    vector_ms: list[float] = []
    keyword_ms: list[float] = []
    for query, vector in zip(queries, memory.embedder.embed_queries(queries), strict=True):
        where = scope_filter(*scope())
        vector_ms.append(timed(store.search, vector, where, CANDIDATES, None))
        keyword_ms.append(timed(store.keyword_search, query, where, CANDIDATES))
    return vector_ms, keyword_ms


def measure_size(n: int, per_user: int, parent: str | None) -> SizeResult:
    """Fill a fresh store with ``n`` memories and measure every operation on it."""
    texts = TextMaker(SEED + n)
    rng = random.Random(SEED - n)
    users = -(-n // per_user)
    with store_dir(n, parent) as directory:
        db = directory / "engram.db"
        memory = Memory.from_config(
            {"vector_store": {"provider": "sqlite", "config": {"path": str(db)}}}
        )
        with memory:
            progress(f"N={n:,}: filling {db}")
            filled = fill(memory, texts, n, per_user)
            store, embedder = memory.store, memory.embedder

            def pick_user() -> str:
                return user_id(rng.randrange(users))

            def add(text: str) -> float:
                who = pick_user()
                return timed(memory.add, text, user_id=who, agent_id=AGENT_ID, infer=False)

            progress("add(infer=False), embedding alone, store.apply")
            for text in texts.statements(WARMUP):
                add(text)
            add_ms = [add(text) for text in texts.statements(ADD_CALLS)]
            fresh = texts.statements(ADD_CALLS)
            embed_ms = [timed(embedder.embed_batch, [text]) for text in fresh]
            query_embed_ms = [
                timed(embedder.embed_queries, [q]) for q in texts.questions(ADD_CALLS)
            ]
            vectors = embedder.embed_batch(fresh)  # cache hits now: the same vectors
            ops = [insert_op(t, v, pick_user()) for t, v in zip(fresh, vectors, strict=True)]
            store_add_ms = [timed(store.apply, [op], now_iso()) for op in ops]

            def search(query: str, **scope: str) -> float:
                return timed(memory.search, query, limit=LIMIT, **scope)

            progress("scoped search")
            for query in texts.questions(WARMUP):
                search(query, user_id=pick_user())
            asked = [(q, pick_user()) for q in texts.questions(SCOPED_QUERIES)]
            scoped_ms = [search(q, user_id=u) for q, u in asked]
            # The same searches again: the query's embedding is cached now, so this is
            # engram's own work (store, ranking, shell) without the model's.
            scoped_cached_ms = [search(q, user_id=u) for q, u in asked]
            scoped_vector_ms, scoped_keyword_ms = store_parts(
                memory, texts.questions(SCOPED_QUERIES), lambda: ("user_id", pick_user())
            )

            progress("unscoped search")
            unscoped_ms = [search(q, agent_id=AGENT_ID) for q in texts.questions(UNSCOPED_QUERIES)]
            unscoped_vector_ms, unscoped_keyword_ms = store_parts(
                memory, texts.questions(UNSCOPED_QUERIES), lambda: ("agent_id", AGENT_ID)
            )

            progress("get and get_all")
            get_ms = [timed(memory.get, i) for i in rng.sample(filled.ids, GET_CALLS)]
            get_all_ms = [
                timed(memory.get_all, user_id=pick_user(), limit=100) for _ in range(GET_ALL_CALLS)
            ]
            memories_after = int(store.count(None))
        db_bytes = sum(f.stat().st_size for f in directory.iterdir() if f.is_file())
        return SizeResult(
            n=n,
            users=users,
            store_path=db,
            memories_after=memories_after,
            db_bytes=db_bytes,
            ingest_rates=filled.rates,
            ingest_seconds=filled.seconds,
            add_ms=add_ms,
            store_add_ms=store_add_ms,
            embed_ms=embed_ms,
            query_embed_ms=query_embed_ms,
            scoped_ms=scoped_ms,
            scoped_cached_ms=scoped_cached_ms,
            scoped_vector_ms=scoped_vector_ms,
            scoped_keyword_ms=scoped_keyword_ms,
            unscoped_ms=unscoped_ms,
            unscoped_vector_ms=unscoped_vector_ms,
            unscoped_keyword_ms=unscoped_keyword_ms,
            get_ms=get_ms,
            get_all_ms=get_all_ms,
            rss_bytes=rss_bytes(),
            max_rss_bytes=max_rss_bytes(),
        )


def verdict(ok: bool) -> str:
    """How a figure compares with its target."""
    return "ok" if ok else "MISSED"


def report(r: SizeResult, per_user: int, kept: bool) -> str:
    """The table of one size, targets beside the figures."""
    mib = 1024.0 * 1024.0
    overall = r.n / r.ingest_seconds
    rows: list[tuple[str, str, str, str]] = [
        (
            f"bulk ingest: add() of {per_user:,} messages, median",
            f"{p50(r.ingest_rates):,.0f} mem/s",
            ">= 300 mem/s",
            verdict(p50(r.ingest_rates) >= 300),
        ),
        (
            f"bulk ingest: overall ({r.users} calls, {r.ingest_seconds:.1f} s)",
            f"{overall:,.0f} mem/s",
            ">= 300 mem/s",
            verdict(overall >= 300),
        ),
        (
            "add(1 message, infer=False) p50",
            f"{p50(r.add_ms):.2f} ms",
            "< 15 ms",
            verdict(p50(r.add_ms) < 15),
        ),
        ("  add p95", f"{p95(r.add_ms):.2f} ms", "", ""),
        (
            "  store part: store.apply([Insert]) p50",
            f"{p50(r.store_add_ms):.2f} ms",
            "< 2 ms",
            verdict(p50(r.store_add_ms) < 2),
        ),
        ("  embedding one text (uncached) p50", f"{p50(r.embed_ms):.2f} ms", "", ""),
        ("  embedding one search query (uncached) p50", f"{p50(r.query_embed_ms):.2f} ms", "", ""),
        (
            f"search scoped (user_id, {per_user:,} mem) p50",
            f"{p50(r.scoped_ms):.2f} ms",
            "< 10 ms @100k",
            verdict(p50(r.scoped_ms) < 10),
        ),
        ("  search scoped p95", f"{p95(r.scoped_ms):.2f} ms", "", ""),
        (
            "  the same searches, query embedding cached, p50",
            f"{p50(r.scoped_cached_ms):.2f} ms",
            "",
            "",
        ),
        (
            f"  store: vector part, store.search(top {CANDIDATES}) p50",
            f"{p50(r.scoped_vector_ms):.2f} ms",
            "",
            "",
        ),
        (
            f"  store: keyword part, keyword_search(top {CANDIDATES}) p50",
            f"{p50(r.scoped_keyword_ms):.2f} ms",
            "",
            "",
        ),
        (
            f"search UNSCOPED (agent_id only, all {r.memories_after:,}) p50",
            f"{p50(r.unscoped_ms):.1f} ms",
            "",
            "",
        ),
        ("  search unscoped p95", f"{p95(r.unscoped_ms):.1f} ms", "", ""),
        (
            f"  store: vector part, store.search(top {CANDIDATES}) p50",
            f"{p50(r.unscoped_vector_ms):.1f} ms",
            "",
            "",
        ),
        (
            f"  store: keyword part, keyword_search(top {CANDIDATES}) p50",
            f"{p50(r.unscoped_keyword_ms):.1f} ms",
            "",
            "",
        ),
        ("get(id) p50", f"{p50(r.get_ms):.3f} ms", "", ""),
        ("get_all(user_id, limit=100) p50", f"{p50(r.get_all_ms):.2f} ms", "", ""),
        ("RSS after this size (psutil)", f"{r.rss_bytes / mib:,.0f} MiB", "", ""),
    ]
    if r.max_rss_bytes is not None:
        rows.append(
            ("peak RSS since start (ru_maxrss)", f"{r.max_rss_bytes / mib:,.0f} MiB", "", "")
        )
    width = max(len(row[0]) for row in rows)
    header = (
        f"N = {r.n:,} memories: {r.users} users x {per_user:,}, all under agent_id={AGENT_ID!r}\n"
        f"store: {r.store_path}{'' if kept else ' (removed)'}, "
        f"{r.db_bytes / mib:,.1f} MiB on disk, "
        f"{r.memories_after:,} memories after the measured adds; load average {load_average()}"
    )
    lines = [header, f"{'metric':<{width}}  {'figure':>13}  {'target':<14} result"]
    lines.append("-" * len(lines[-1]))
    lines += [f"{m:<{width}}  {f:>13}  {t:<14} {v}".rstrip() for m, f, t, v in rows]
    return "\n".join(lines)


def preamble() -> str:
    """The machine and the method, printed before the tables."""
    physical = psutil.cpu_count(logical=False)
    return "\n".join(
        (
            "engram throughput benchmark (SQLite store, ONNX all-MiniLM-L6-v2 embedder)",
            f"python {platform.python_version()} ({platform.python_implementation()}) on "
            f"{platform.system()} {platform.machine()}; cpus: {os.cpu_count()} logical, "
            f"{physical} physical; load average {load_average()}",
            f"engram {engram.__version__} imported from {Path(engram.__file__).parent}",
            "Figures are medians (p50) or p95 of time.perf_counter wall-clock times, taken on a "
            "shared machine:",
            "expect noise of tens of percent between runs. Every text is distinct, so no figure "
            "is an embedder cache hit.",
            f"Samples: {ADD_CALLS} adds, {ADD_CALLS} store.apply, {SCOPED_QUERIES} scoped and "
            f"{UNSCOPED_QUERIES} unscoped searches (limit={LIMIT}), {GET_CALLS} get, "
            f"{GET_ALL_CALLS} get_all.",
            "Scoped search scores one user's memories; the UNSCOPED search filters on the shared "
            f"agent_id={AGENT_ID!r} only, so it scores every memory in the store.",
            f"Memory.search is hybrid: the store's top {CANDIDATES} by vector and by keyword "
            "(FTS5 BM25) are fused and re-ranked; the store rows time those two calls alone.",
        )
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[10_000, 100_000], help="memories per store"
    )
    parser.add_argument("--per-user", type=int, default=1_000, help="memories per user")
    parser.add_argument("--path", help="keep each store in a fresh directory under PATH")
    parser.add_argument("--quick", action="store_true", help="only N=2,000: a smoke test")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = [2_000]
    if args.per_user < 1 or any(n < max(GET_CALLS, args.per_user) for n in args.sizes):
        parser.error(f"each size must be at least --per-user and {GET_CALLS}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run every size and print its table."""
    args = parse_args(argv)
    print(preamble(), flush=True)
    for n in args.sizes:
        result = measure_size(n, args.per_user, args.path)
        print(f"\n{report(result, args.per_user, kept=args.path is not None)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
