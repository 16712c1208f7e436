"""Neighbour structure of real memory embeddings next to bench/scale.py's synthetic vectors.

Embeds every dialog turn of LoCoMo's development split as engram stores it ("speaker: text",
all-MiniLM-L6-v2 int8 ONNX; a shared photo's caption appended as bench/locomo.py does), then
measures what decides approximate-search recall, for each point as a query against the others
(medians over queries): the cosine of its 1st, 10th, 11th, 50th and 100th neighbour and to all
points, the 10th-11th gap (ties), relative contrast (mean distance / nearest distance), local
intrinsic dimensionality (maximum likelihood over 20 neighbours: Levina & Bickel 2004, Amsaleg
et al. 2015), the share of near duplicates (nearest cosine > 0.95), of the 10 neighbours from
the point's own user (a LoCoMo conversation), and the nearest cosines among other users' points;
then the global picture: pairwise cosines, the norm of the mean vector, the participation ratio
of the covariance spectrum of the points and of their differences to their 10 neighbours.

The same for scale.py's models at LoCoMo's size (the memories model with five users, as LoCoMo
has five conversations; the isotropic model with its 2,000 topics, and with 6 topics, ~460
points per topic as at 1M), for LoCoMo's questions and for scale.py's queries (a stored vector
plus noise, the stored vector left out) against the turns; how the nearest cosines and LID grow
with the number of points (random subsets) and with the number of other users (the evidence
for extrapolating to 1M); and both models at ``--large`` points (default 1M, 0 skips; 300
sampled queries). About a minute.

Usage: ``python bench/vector_stats.py [LOCOMO_JSON] [--large N]``
(default ``../shared/data/locomo/locomo10-dev.json``; the data is only read from there).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from engram.core.adding import embedding_text
from engram.embedders.onnx import OnnxEmbedder
from scale import DIM, Matrix, isotropic, memories

Ints = npt.NDArray[np.int64]
Figures = dict[str, float]
ROWS = {
    "c1": "cosine of the 1st neighbour",
    "c10": "cosine of the 10th",
    "c11": "cosine of the 11th",
    "c50": "cosine of the 50th",
    "c100": "cosine of the 100th",
    "med": "median cosine to all points",
    "gap": "10th - 11th cosine",
    "rc": "relative contrast",
    "lid": "LID (MLE, k=20)",
    "dup": "share with a neighbour > 0.95",
    "same10": "share of 10-NN from own user",
    "o1": "1st neighbour of another user",
    "o10": "10th neighbour of another user",
    "pmean": "pairwise cosine: mean",
    "psd": "pairwise cosine: sd",
    "p01": "pairwise cosine: 1st pct",
    "p99": "pairwise cosine: 99th pct",
    "norm": "norm of the mean vector",
    "pr": "participation ratio, points",
    "lpr": "participation ratio, 10-NN diffs",
}


def locomo(path: Path) -> tuple[list[str], Ints, list[str]]:
    """Every turn as engram embeds it, its conversation's number, and the questions."""
    texts, users, questions = [], [], []
    for number, sample in enumerate(json.loads(path.read_text(encoding="utf-8"))):
        conv = sample["conversation"]
        session = 1
        while f"session_{session}" in conv:
            for turn in conv[f"session_{session}"]:
                text = turn["text"]
                if turn.get("blip_caption"):
                    text = f"{text} [shares a photo of {turn['blip_caption']}]"
                texts.append(embedding_text(text, turn["speaker"]))
                users.append(number)
            session += 1
        questions += [qa["question"] for qa in sample["qa"]]
    return texts, np.array(users, dtype=np.int64), questions


def participation(rows: Matrix) -> float:
    """(sum of covariance eigenvalues)^2 / sum of their squares: the dimensions in use."""
    values = np.linalg.eigvalsh(np.cov(rows.T.astype(np.float64)))
    return float(values.sum() ** 2 / (values**2).sum())


def neighbours(
    data: Matrix, queries: Matrix, users: Ints, query_users: Ints | None, own: Ints | None
) -> Figures:
    """Neighbour figures of ``queries`` against ``data``; ``own`` their rows in it (excluded)."""
    names = "c1 c10 c11 c50 c100 med gap rc lid dup same10 o1 o10".split()
    cols: dict[str, list[float]] = {name: [] for name in names}
    diffs = []
    for start in range(0, len(queries), 50):
        sims = queries[start : start + 50] @ data.T
        if own is not None:
            sims[np.arange(len(sims)), own[start : start + 50]] = -np.inf
        top = np.argpartition(-sims, 100, axis=1)[:, :101]
        top = np.take_along_axis(top, np.argsort(-np.take_along_axis(sims, top, 1), 1), 1)
        cos = np.take_along_axis(sims, top, 1)
        dist = np.sqrt(np.clip(2 - 2 * cos, 1e-12, None))
        finite = np.where(np.isinf(sims), np.nan, sims)
        mean_dist = np.nanmean(np.sqrt(np.clip(2 - 2 * finite, 0, None)), axis=1)
        for k, name in ((0, "c1"), (9, "c10"), (10, "c11"), (49, "c50"), (99, "c100")):
            cols[name] += cos[:, k].tolist()
        cols["med"] += np.nanmedian(finite, axis=1).tolist()
        cols["gap"] += (cos[:, 9] - cos[:, 10]).tolist()
        cols["rc"] += (mean_dist / dist[:, 0]).tolist()
        cols["lid"] += (-1 / np.log(dist[:, :20] / dist[:, 19:20]).mean(axis=1)).tolist()
        cols["dup"] += (cos[:, 0] > 0.95).astype(float).tolist()
        if query_users is not None:
            mine = query_users[start : start + 50, None]
            cols["same10"] += (users[top[:, :10]] == mine).mean(axis=1).tolist()
            other = np.where(users[None, :] == mine, -np.inf, sims)
            best = -np.sort(np.partition(-other, 9, axis=1)[:, :10], axis=1)
            cols["o1"] += best[:, 0].tolist()
            cols["o10"] += best[:, 9].tolist()
            diffs.append((data[top[:, :10]] - queries[start : start + 50, None]).reshape(-1, DIM))
    figures = {name: float(np.median(v)) for name, v in cols.items() if v}
    for name in ("dup", "same10"):
        if cols[name]:
            figures[name] = float(np.mean(cols[name]))
    if diffs:
        figures["lpr"] = participation(np.concatenate(diffs))
    return figures


def spread(data: Matrix, seed: int = 0) -> Figures:
    """Pairwise cosines (at most 3,000 points), mean vector, participation ratio."""
    rng = np.random.default_rng(seed)
    sample = data[rng.choice(len(data), min(len(data), 3000), replace=False)]
    pairs = (sample @ sample.T)[np.triu_indices(len(sample), 1)]
    return {
        "pmean": float(pairs.mean()),
        "psd": float(pairs.std()),
        "p01": float(np.quantile(pairs, 0.01)),
        "p99": float(np.quantile(pairs, 0.99)),
        "norm": float(np.linalg.norm(data.mean(axis=0))),
        "pr": participation(data[rng.permutation(len(data))[:20_000]]),
    }


def describe(data: Matrix, users: Ints, queries: int | None = None, seed: int = 0) -> Figures:
    """Every figure of ``data``: all points as queries, or ``queries`` sampled ones."""
    rng = np.random.default_rng(seed)
    own = np.arange(len(data)) if queries is None else rng.choice(len(data), queries, False)
    return neighbours(data, data[own], users, users[own], own) | spread(data)


def table(columns: dict[str, Figures]) -> None:
    """Print the figures side by side."""
    names = list(columns)
    print(f"| {'':34} | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for key, label in ROWS.items():
        digits = 1 if key in ("lid", "pr", "lpr") else 3
        values = [columns[name].get(key) for name in names]
        cells = ["-" if v is None else f"{v:.{digits}f}" for v in values]
        print(
            f"| {label:34} | "
            + " | ".join(c.rjust(len(n)) for c, n in zip(cells, names, strict=True))
            + " |"
        )
    print()


def growth(real: Matrix, users: Ints, model: Matrix, model_users: Ints) -> None:
    """c1, c10 and LID of random subsets: how the neighbourhoods tighten as points are added."""
    rng = np.random.default_rng(1)
    print("| points | LoCoMo c1 / c10 / LID | memories model c1 / c10 / LID |")
    print("|---:|---|---|")
    for size in (345, 690, 1380, len(real)):
        cells = []
        for data, who in ((real, users), (model, model_users)):
            rows = rng.choice(len(data), size, replace=False)
            f = neighbours(data[rows], data[rows], who[rows], None, np.arange(size))
            cells.append(f"{f['c1']:.3f} / {f['c10']:.3f} / {f['lid']:.1f}")
        print(f"| {size:,} | " + " | ".join(cells) + " |")
    print()


def crossing(real: Matrix, users: Ints, model: Matrix, model_users: Ints) -> None:
    """Nearest cosines among other users' points as users are added: what grows with users."""
    print("| other users | LoCoMo 1st / 10th / LID | memories model 1st / 10th / LID |")
    print("|---:|---|---|")
    count = int(users.max()) + 1
    for others in range(1, count):
        cells = []
        for data, who in ((real, users), (model, model_users)):
            found: dict[str, list[float]] = {"c1": [], "c10": [], "lid": []}
            for user in range(count):
                pool = np.isin(who, [(user + k) % count for k in range(1, others + 1)])
                f = neighbours(data[pool], data[who == user], who[pool], None, None)
                for name, values in found.items():
                    values.append(f[name] * (who == user).sum())
            c1, c10, lid = (sum(v) / len(data) for v in found.values())
            cells.append(f"{c1:.3f} / {c10:.3f} / {lid:.1f}")
        print(f"| {others} | " + " | ".join(cells) + " |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("locomo", nargs="?", default="../shared/data/locomo/locomo10-dev.json")
    parser.add_argument("--large", type=int, default=1_000_000, help="model size (0 skips)")
    args = parser.parse_args()
    texts, users, questions = locomo(Path(args.locomo))
    embedder = OnnxEmbedder()
    real = np.asarray(embedder.embed_batch(texts), dtype=np.float32)
    asked = np.asarray(embedder.embed_batch(questions), dtype=np.float32)
    n = len(real)
    print(f"LoCoMo: {n:,} turns of {users.max() + 1} conversations, {len(asked):,} questions\n")

    rng = np.random.default_rng(1)
    noisy = real + (0.5 / DIM**0.5) * rng.standard_normal(real.shape).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    model, model_users = memories(n, np.random.default_rng(0), users=users.max() + 1)
    flat = isotropic(n, np.random.default_rng(0))
    few = isotropic(n, np.random.default_rng(0), topics=round(n / 460))
    table({
        "LoCoMo": describe(real, users),
        "memories": describe(model, model_users),
        "isotropic": describe(flat[0], flat[1]),
        "iso 460/topic": describe(few[0], few[1]),
        "questions": neighbours(real, asked, users, None, None),
        "turn+noise": neighbours(real, noisy, users, None, np.arange(n)),
    })  # fmt: skip
    growth(real, users, model, model_users)
    crossing(real, users, model, model_users)
    if args.large:
        large: dict[str, Figures] = {}
        makers: dict[str, Callable[[np.random.Generator], tuple[Matrix, Ints]]] = {
            "memories": lambda r: memories(args.large, r),
            "isotropic": lambda r: isotropic(args.large, r)[:2],
        }
        for name, make in makers.items():
            started = time.perf_counter()
            data, who = make(np.random.default_rng(0))
            print(f"{name} model, {args.large:,} points: {time.perf_counter() - started:.1f} s")
            large[name] = describe(data, who, queries=300)
        print()
        table(large)


if __name__ == "__main__":
    main()
