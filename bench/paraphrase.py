"""Unrelated facts, each searched by a paraphrase: engram's search against plain dense search.

The 213 facts of ``bench/facts.py`` are stored for one user in ONE call,
``add([{"role": "user", "content": fact}, ...], infer=False)``: a list of independent facts,
not a conversation. Each fact is then searched by its paraphrased question, and a hit is the
fact itself. Printed: hit@1, hit@5 and MRR of engram's ``search``, of dense search alone
(the store's vector search with the same embedder, the query embedded as a query) and of
BM25 alone. engram's hybrid search should never do worse than dense alone here: a memory's
neighbour in the list lends it nothing, and lexical matches on common words must not
overtake the meaning.

``--losses`` also lists the questions whose fact dense search ranks first and engram's search
does not (and the reverse), with the score parts (``explain=True``) of engram's first result
and of the fact: which part lifted the wrong memory.

    python bench/paraphrase.py [--one-by-one] [--losses] [--embedder '{"provider": ..., ...}']
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from engram import Memory
from engram.core.filters import Condition, Field
from facts import PAIRS

USER = "facts"
Ranker = Callable[[Memory, str], list[str]]


def engram_search(memory: Memory, question: str) -> list[str]:
    """engram's own search."""
    return [hit["memory"] for hit in memory.search(question, user_id=USER, limit=10)["results"]]


def dense(memory: Memory, question: str) -> list[str]:
    """Cosine similarity alone."""
    where = Condition(Field("user_id"), "eq", USER)
    vector = memory.embedder.embed_query(question)
    return [record.text for record, _ in memory.store.search(vector, where, 10, None)]


def bm25(memory: Memory, question: str) -> list[str]:
    """The store's BM25 alone."""
    where = Condition(Field("user_id"), "eq", USER)
    return [record.text for record, _ in memory.store.keyword_search(question, where, 10)]


def losses(memory: Memory) -> None:
    """Print the questions where dense search and engram's disagree on the first result."""
    for fact, question in PAIRS:
        first = dense(memory, question)[0] == fact
        hits = memory.search(question, user_id=USER, limit=50, explain=True)["results"]
        if first == (hits[0]["memory"] == fact):
            continue
        print(f"\n{'lost' if first else 'won'}: {question!r}")
        shown = [hits[0], *(h for h in hits[1:] if h["memory"] == fact)]
        for hit in shown:
            parts = hit["score_parts"]
            shares = ", ".join(f"{k} {v:.3f}" for k, v in parts["shares"].items() if v)
            print(f"  {'*' if hit['memory'] == fact else ' '} {hit['score']:.3f} {hit['memory']}")
            print(f"      cosine rank {parts['semantic_rank']}, BM25 rank {parts['lexical_rank']}")
            print(f"      shares: {shares}")


def measure(memory: Memory, ranker: Ranker) -> tuple[float, float, float]:
    """hit@1, hit@5 and MRR over every pair."""
    at1 = at5 = rr = 0.0
    for fact, question in PAIRS:
        ranked = ranker(memory, question)
        rank = ranked.index(fact) + 1 if fact in ranked else None
        at1 += rank == 1
        at5 += rank is not None and rank <= 5
        rr += 1 / rank if rank else 0.0
    n = len(PAIRS)
    return at1 / n, at5 / n, rr / n


def main(argv: list[str] | None = None) -> int:
    """Store the facts, search each by its paraphrase, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--one-by-one", action="store_true", help="one add() per fact instead of one list"
    )
    parser.add_argument(
        "--losses", action="store_true", help="list where dense and engram disagree at rank 1"
    )
    parser.add_argument("--embedder", default=None, help="an embedder block, as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        config: dict[str, object] = {
            "vector_store": {"provider": "sqlite", "config": {"path": str(Path(tmp) / "f.db")}}
        }
        if args.embedder:
            config["embedder"] = json.loads(args.embedder)
        with Memory.from_config(config) as memory:
            messages = [{"role": "user", "content": fact} for fact, _ in PAIRS]
            if args.one_by_one:
                for message in messages:
                    memory.add(message, user_id=USER, infer=False)
            else:
                memory.add(messages, user_id=USER, infer=False)
            how = "one add() per fact" if args.one_by_one else "one add() of the whole list"
            print(f"{len(PAIRS)} unrelated facts ({how}), each searched by a paraphrase")
            print(f"  {'':<16}{'hit@1':>8}{'hit@5':>8}{'MRR':>8}")
            for name, ranker in (
                ("engram search", engram_search),
                ("dense", dense),
                ("BM25", bm25),
            ):
                at1, at5, mrr = measure(memory, ranker)
                print(f"  {name:<16}{at1:>8.3f}{at5:>8.3f}{mrr:>8.3f}")
            if args.losses:
                losses(memory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
