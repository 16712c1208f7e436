"""LoCoMo (dev split): evidence recall of the offline extractor's memories vs raw turns.

Follows ``shared/data/locomo/README.md``: one user per conversation; every turn is added with its
dia_id, speaker and session date in metadata (and the session date as ``timestamp``): with
``infer=False`` as the raw text, with ``infer=False`` as ``speaker: text`` (a fairer baseline:
questions name people), and with ``infer=True`` and no LLM (the offline extractor, whose
memories keep the metadata of the turn they came from). Each question of categories 1-4
(1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop, the file's own numbering) is searched in
its conversation; a hit is a memory whose dia_id is in the question's evidence. Prints
recall@10, MRR and per-category recall for both, plus the median add latency.

    python bench/extraction.py [--data PATH] [--limit-conversations N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engram import Memory

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "locomo" / "locomo10-dev.json"
K = 10


def session_turns(sample: dict[str, Any]) -> list[tuple[dict[str, Any], datetime]]:
    """Every turn of a conversation with its session's date, in order."""
    conversation = sample["conversation"]
    out: list[tuple[dict[str, Any], datetime]] = []
    n = 1
    while f"session_{n}" in conversation:
        raw = conversation[f"session_{n}_date_time"]
        when = datetime.strptime(raw, "%I:%M %p on %d %B, %Y").replace(tzinfo=UTC)
        out.extend((turn, when) for turn in conversation[f"session_{n}"])
        n += 1
    return out


def evidence_ids(qa: dict[str, Any], known: set[str]) -> set[str]:
    """The question's evidence dia_ids, split on ';' and spaces, unknown ones dropped."""
    ids: set[str] = set()
    for item in qa.get("evidence", []):
        ids.update(part for part in item.replace(";", " ").split() if part in known)
    return ids


def run(data: Path, limit: int | None) -> dict[str, Any]:
    """Fill both stores, ask every question, and return the figures."""
    samples = json.loads(data.read_text())[:limit]
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        modes = (("raw turns", False, False), ("raw turns, 'speaker: text'", False, True),
                 ("offline extractor", True, False))  # fmt: skip
        for mode, infer, prefixed in modes:
            path = f"{tmp}/{len(figures)}.db"
            m = Memory({"vector_store": {"provider": "sqlite", "config": {"path": path}}})
            latencies: list[float] = []
            recalls: dict[int, list[float]] = defaultdict(list)
            reciprocal: list[float] = []
            for sample in samples:
                user = sample["sample_id"]
                turns = session_turns(sample)
                known = {turn["dia_id"] for turn, _ in turns}
                for turn, when in turns:
                    text = f"{turn['speaker']}: {turn['text']}" if prefixed else turn["text"]
                    message = {"role": "user", "content": text, "name": turn["speaker"]}
                    meta = {"dia_id": turn["dia_id"], "speaker": turn["speaker"],
                            "session_date": when.date().isoformat()}  # fmt: skip
                    start = time.perf_counter()
                    m.add(message, user_id=user, metadata=meta, infer=infer, timestamp=when)
                    latencies.append(time.perf_counter() - start)
                for qa in sample["qa"]:
                    evidence = evidence_ids(qa, known)
                    if qa["category"] not in (1, 2, 3, 4) or not evidence:
                        continue
                    hits = m.search(qa["question"], user_id=user, limit=K)["results"]
                    ranked = [h["metadata"]["dia_id"] for h in hits]
                    recalls[qa["category"]].append(len(evidence & set(ranked)) / len(evidence))
                    first = next((i for i, d in enumerate(ranked) if d in evidence), None)
                    reciprocal.append(0.0 if first is None else 1.0 / (first + 1))
            every = [r for rs in recalls.values() for r in rs]
            memories = m.store.count()
            m.close()
            figures[mode] = {
                "recall@10": statistics.fmean(every),
                "mrr": statistics.fmean(reciprocal),
                "per_category": {c: statistics.fmean(rs) for c, rs in sorted(recalls.items())},
                "questions": len(every),
                "memories": memories,
                "turns": len(latencies),
                "add_median_ms": statistics.median(latencies) * 1000,
                "add_p95_ms": statistics.quantiles(latencies, n=20)[18] * 1000,
            }
    return figures


def main() -> None:
    """Parse arguments, run, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit-conversations", type=int, default=None)
    args = parser.parse_args()
    figures = run(args.data, args.limit_conversations)
    print(f"LoCoMo dev ({args.data.name}), categories 1-4, top {K}")
    header = "memories | recall@10 | MRR | cat 1 / 2 / 3 / 4 | stored | add median / p95 ms"
    print(header)
    for mode, f in figures.items():
        cats = " / ".join(f"{v:.3f}" for v in f["per_category"].values())
        print(
            f"{mode} | {f['recall@10']:.3f} | {f['mrr']:.3f} | {cats} | "
            f"{f['memories']} from {f['turns']} turns | "
            f"{f['add_median_ms']:.1f} / {f['add_p95_ms']:.1f}"
        )
    print(f"questions: {figures['raw turns']['questions']}")


if __name__ == "__main__":
    main()
