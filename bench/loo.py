"""Leave-one-group-out evaluation of a grid of settings, so no figure is tuned on its own data.

Every setting of the grid is run once on every question. Then, for each group (a LoCoMo
conversation), the setting with the best mean score on the OTHER groups' questions is chosen,
and measured on the held-out group alone. The held-out figures, pooled over every group's
questions and averaged over the groups (with their spread), show what a constant chosen on
some conversations is worth on a conversation it was never chosen on.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Setting = tuple[tuple[str, Any], ...]


@dataclass(frozen=True, slots=True)
class Row:
    """One question's outcome: its group (conversation), category and measured values."""

    group: int
    category: int
    values: tuple[float, ...]


@dataclass
class Fold:
    """One held-out group: the setting chosen without it, and that setting's rows on it."""

    group: int
    chosen: Setting
    rows: list[Row]


@dataclass
class Outcome:
    """Leave-one-out results: one fold per group."""

    folds: list[Fold] = field(default_factory=list)

    def pooled(self) -> list[Row]:
        """Every held-out row, each measured with the setting chosen without its group."""
        return [row for fold in self.folds for row in fold.rows]

    def per_fold(self, index: int, category: int | None = None) -> list[float]:
        """Each fold's mean of value ``index`` (over one category, or all), folds without any
        question of that category left out."""
        out = []
        for fold in self.folds:
            rows = [r for r in fold.rows if category is None or r.category == category]
            if rows:
                out.append(mean(rows, index))
        return out


def mean(rows: Sequence[Row], index: int) -> float:
    """Mean of value ``index`` over ``rows`` (0 for none)."""
    return sum(r.values[index] for r in rows) / len(rows) if rows else 0.0


def settings(grid: Mapping[str, Sequence[Any]]) -> list[Setting]:
    """Every combination of the grid's values, in a fixed order."""
    combos: list[Setting] = [()]
    for name, values in grid.items():
        combos = [(*combo, (name, value)) for combo in combos for value in values]
    return combos


def leave_one_out(results: Mapping[Setting, list[Row]], index: int) -> Outcome:
    """For each group, choose the setting best on the others (value ``index``), keep its rows.

    Ties go to the earlier setting of ``results`` (the grid's order), never to the held-out data.
    """
    order = list(results)
    groups = sorted({row.group for rows in results.values() for row in rows})
    outcome = Outcome()
    for held in groups:

        def training(setting: Setting, held: int = held) -> float:
            return mean([r for r in results[setting] if r.group != held], index)

        best = max(order, key=lambda s: (training(s), -order.index(s)))
        outcome.folds.append(Fold(held, best, [r for r in results[best] if r.group == held]))
    return outcome


def spread(values: Sequence[float]) -> str:
    """``mean ± sd [min-max]`` of per-fold figures."""
    if not values:
        return "-"
    sd = statistics.pstdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} ± {sd:.3f} [{min(values):.3f}-{max(values):.3f}]"


def describe(setting: Setting) -> str:
    """``name=value, ...``."""
    return ", ".join(f"{name}={value}" for name, value in setting) or "(defaults)"
