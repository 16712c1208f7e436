"""Time expressions in queries, resolved against a fixed reference time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engram.core.temporal import find_time_ranges

NOW = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    ("query", "start", "end"),
    [
        ("What did Mel do in May 2023?", "2023-05-01", "2023-06-01"),
        ("what happened on 8 May, 2023", "2023-05-08", "2023-05-09"),
        ("what happened on May 8th, 2023", "2023-05-08", "2023-05-09"),
        ("where did she travel in 2022", "2022-01-01", "2023-01-01"),
        ("what did I buy last May", "2026-05-01", "2026-06-01"),
        ("plans for this December", "2026-12-01", "2027-01-01"),
        ("in November", "2026-11-01", "2026-12-01"),
        ("last November", "2025-11-01", "2025-12-01"),
        ("what did we discuss yesterday", "2026-11-22", "2026-11-23"),
        ("anything today?", "2026-11-23", "2026-11-24"),
        ("this week", "2026-11-23", "2026-11-30"),
        ("last week", "2026-11-16", "2026-11-23"),
        ("last weekend", "2026-11-21", "2026-11-23"),
        ("last month", "2026-10-01", "2026-11-01"),
        ("last year", "2025-01-01", "2026-01-01"),
        ("in the past month", "2026-10-24", "2026-11-24"),
        ("two weeks ago", "2026-11-06", "2026-11-13"),
        ("3 days ago", "2026-11-19", "2026-11-22"),
    ],
)
def test_expressions_become_utc_ranges(query: str, start: str, end: str) -> None:
    [found] = find_time_ranges(query, NOW)
    assert (found.start.date().isoformat(), found.end.date().isoformat()) == (start, end)


def test_queries_without_a_time_name_none() -> None:
    for query in ("When did Caroline go to the support group?", "What may help me sleep?",
                  "Who won 2 games?", "flat 2022b"):  # fmt: skip
        assert find_time_ranges(query, NOW) == []


def test_the_most_specific_expression_wins_and_ranges_test_iso_times() -> None:
    [day] = find_time_ranges("on 8 May 2023", NOW)
    assert day.contains("2023-05-08T23:59:59.000000+00:00")
    assert not day.contains("2023-05-09T00:00:00.000000+00:00")
    assert not day.contains(None)
    assert day.text == "8 may 2023"


def test_an_impossible_day_falls_back_to_its_month() -> None:
    [month] = find_time_ranges("on 31 February 2023", NOW)
    assert (month.start.date().isoformat(), month.end.date().isoformat()) == (
        "2023-02-01", "2023-03-01",
    )  # fmt: skip
