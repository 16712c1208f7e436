"""Precision and recall of the offline graph extractor on hand-labelled LoCoMo statements.

The labels (``tests/data/graph_labels_*.jsonl``, see the README beside them) hold statements
the offline fact extractor keeps from LoCoMo's development split, each with the entities it
names (people, places, organisations, named things, dates) and the relations it states in the
extractor's vocabulary. ``dev`` was used while writing the rules; ``heldout`` was labelled
after them and is what the README reports.

Entities are compared by normalised name (and, among those found, by type); relations
strictly (source, relationship and destination all equal) and leniently (the destination may
differ in its modifiers: same head word, "camping_trips" for "trips").

    python bench/graph_extraction.py [--set heldout|dev|both] [--show]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from engram.core.graph.extract import Extractor

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def load(which: str) -> list[dict[str, Any]]:
    """The labelled statements of ``dev``, ``heldout`` or ``both``."""
    sets = ["dev", "heldout"] if which == "both" else [which]
    rows = []
    for name in sets:
        with (DATA / f"graph_labels_{name}.jsonl").open(encoding="utf-8") as f:
            rows += [json.loads(line) for line in f if line.strip()]
    return rows


def prf(hits: int, predicted: int, gold: int) -> tuple[float, float, float]:
    """Precision, recall, F1."""
    p = hits / predicted if predicted else 1.0
    r = hits / gold if gold else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def lenient(a: tuple[str, str, str], b: tuple[str, str, str]) -> bool:
    """Same source and relationship; destinations equal or with the same head word."""
    return a[:2] == b[:2] and a[2].split("_")[-1] == b[2].split("_")[-1]


def matches(predicted: Iterable[tuple[str, str, str]], gold: list[tuple[str, str, str]]) -> int:
    """How many predicted triples match a gold one leniently (each gold triple once)."""
    left = list(gold)
    hits = 0
    for triple in predicted:
        for i, other in enumerate(left):
            if lenient(triple, other):
                hits += 1
                del left[i]
                break
    return hits


def main(argv: list[str] | None = None) -> int:
    """Run the extractor on the labelled statements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=["heldout", "dev", "both"], default="heldout")
    parser.add_argument("--show", action="store_true", help="print every disagreement")
    args = parser.parse_args(argv)
    rows = load(args.set)
    counts = dict.fromkeys(
        ("ent_hit", "ent_pred", "ent_gold", "type_ok", "rel_hit", "rel_loose", "rel_pred",
         "rel_gold"), 0
    )  # fmt: skip
    for row in rows:
        out = Extractor(row["speaker"]).extract(row["text"])
        gold_entities = {name: kind for name, kind in row["entities"]}
        found = {m.name: m.type for m in out.names}
        hits = set(found) & set(gold_entities)
        counts["ent_hit"] += len(hits)
        counts["ent_pred"] += len(found)
        counts["ent_gold"] += len(gold_entities)
        counts["type_ok"] += sum(found[n] == gold_entities[n] for n in hits)
        gold: list[tuple[str, str, str]] = [(s, r, d) for s, r, d in row["relations"]]
        predicted = [(t.source.name, t.relationship, t.destination.name) for t in out.triples]
        counts["rel_hit"] += len(set(predicted) & set(gold))
        counts["rel_loose"] += matches(predicted, gold)
        counts["rel_pred"] += len(predicted)
        counts["rel_gold"] += len(gold)
        if args.show and (set(predicted) != set(gold) or set(found) != set(gold_entities)):
            print(f"{row['id']}: {row['text']}")
            print(f"   relations  gold {sorted(gold)}\n              got  {sorted(predicted)}")
            print(f"   entities   gold {sorted(gold_entities)}\n              got  {sorted(found)}")
    print(f"{args.set}: {len(rows)} statements, {counts['ent_gold']} labelled entities, "
          f"{counts['rel_gold']} labelled relations")  # fmt: skip
    p, r, f = prf(counts["ent_hit"], counts["ent_pred"], counts["ent_gold"])
    typed = counts["type_ok"] / counts["ent_hit"] if counts["ent_hit"] else 0.0
    print(f"entities            precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}  "
          f"(type right for {typed:.3f} of those found)")  # fmt: skip
    p, r, f = prf(counts["rel_hit"], counts["rel_pred"], counts["rel_gold"])
    print(f"relations, strict   precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}  "
          f"({counts['rel_hit']} of {counts['rel_pred']} extracted)")  # fmt: skip
    p, r, f = prf(counts["rel_loose"], counts["rel_pred"], counts["rel_gold"])
    print(f"relations, lenient  precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
