"""bench/loo.py: a setting is chosen without the group it is measured on."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "bench"))

from loo import Row, Setting, describe, leave_one_out, mean, settings, spread


def test_settings_enumerate_the_grid_in_order() -> None:
    grid = {"a": (1, 2), "b": ("x", "y")}
    assert settings(grid) == [
        (("a", 1), ("b", "x")), (("a", 1), ("b", "y")),
        (("a", 2), ("b", "x")), (("a", 2), ("b", "y")),
    ]  # fmt: skip
    assert settings({}) == [()]
    assert describe((("a", 1), ("b", "x"))) == "a=1, b=x" and describe(()) == "(defaults)"


def test_each_group_is_measured_with_the_setting_chosen_on_the_others() -> None:
    good_here: Setting = (("w", 1),)  # best on group 0 alone
    good_elsewhere: Setting = (("w", 2),)  # best on groups 1 and 2
    results = {
        good_here: [Row(0, 1, (0.5,)), Row(1, 1, (0.1,)), Row(2, 2, (0.1,))],
        good_elsewhere: [Row(0, 1, (0.0,)), Row(1, 1, (0.9,)), Row(2, 2, (0.8,))],
    }
    outcome = leave_one_out(results, 0)
    chosen = {fold.group: fold.chosen for fold in outcome.folds}
    assert chosen == {0: good_elsewhere, 1: good_elsewhere, 2: good_elsewhere}
    assert [r.values[0] for r in outcome.pooled()] == [0.0, 0.9, 0.8]  # group 0 pays for it
    assert outcome.per_fold(0) == [0.0, 0.9, 0.8]
    assert outcome.per_fold(0, category=2) == [0.8]  # folds without the category are left out


def test_ties_go_to_the_earlier_setting_and_figures_print() -> None:
    first: Setting = (("w", 1),)
    results = {first: [Row(0, 1, (0.5,)), Row(1, 1, (0.5,))],
               (("w", 2),): [Row(0, 1, (0.5,)), Row(1, 1, (0.5,))]}  # fmt: skip
    assert {fold.chosen for fold in leave_one_out(results, 0).folds} == {first}
    assert mean([], 0) == 0.0
    assert spread([0.5, 0.7]) == "0.600 ± 0.100 [0.500-0.700]"
    assert spread([0.5]) == "0.500 ± 0.000 [0.500-0.500]" and spread([]) == "-"
