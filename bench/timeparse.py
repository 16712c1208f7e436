"""Speed and accuracy of engram's time grammar, beside date-parsing libraries when installed.

Every parser reads the sentences of ``tests/core/time_table.py`` (the grammar's hand-written
table, 200-odd sentences with their expected ranges) said at the table's anchor. Printed per
parser: the median time per sentence over several interleaved rounds, and how many sentences
it finds a date in at all (libraries return a moment, not a range, so only the grammar is
scored against the expected ranges). ``dateparser`` and ``parsedatetime`` are not engram
dependencies: ``pip install dateparser parsedatetime`` to include them.

    python bench/timeparse.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.core.time_table import ANCHOR, TABLE

from engram.core.temporal import find_time_ranges
from engram.core.timeutil import EARLIEST, LATEST

Parser = Callable[[str], bool]


def bound(text: str) -> datetime:
    if text in ("-inf", "+inf"):
        return EARLIEST if text == "-inf" else LATEST
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def parsers() -> dict[str, Parser]:
    """engram's grammar, and each library that is installed."""
    found: dict[str, Parser] = {"engram grammar": lambda s: bool(find_time_ranges(s, ANCHOR))}
    naive = ANCHOR.replace(tzinfo=None)
    try:
        search: Any = importlib.import_module("dateparser.search")
        settings = {"RELATIVE_BASE": naive, "PREFER_DATES_FROM": "past"}
        found["dateparser.search_dates"] = lambda s: bool(
            search.search_dates(s, settings=settings, languages=["en"])
        )
    except ImportError:
        print("dateparser is not installed: left out")
    try:
        pdt: Any = importlib.import_module("parsedatetime")
        calendar = pdt.Calendar()
        found["parsedatetime nlp"] = lambda s: bool(calendar.nlp(s, sourceTime=naive))
    except ImportError:
        print("parsedatetime is not installed: left out")
    return found


def main(argv: list[str] | None = None) -> int:
    """Time every parser over the table, print medians and the grammar's accuracy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    sentences = [sentence for sentence, _, _ in TABLE]
    chosen = parsers()
    times: dict[str, list[float]] = {name: [] for name in chosen}
    found: dict[str, int] = {}
    for name, parse in chosen.items():  # warm up (imports, compiled patterns)
        found[name] = sum(parse(s) for s in sentences)
    for _ in range(args.rounds):
        for name, parse in chosen.items():
            start = time.perf_counter()
            for sentence in sentences:
                parse(sentence)
            times[name].append((time.perf_counter() - start) / len(sentences))
    right = 0
    for sentence, start_text, end_text in TABLE:
        ranges = find_time_ranges(sentence, ANCHOR)
        right += [(r.start, r.end) for r in ranges] == [(bound(start_text), bound(end_text))]
    print(f"{len(sentences)} sentences, {args.rounds} rounds (median time per sentence)")
    for name in chosen:
        median = statistics.median(times[name]) * 1000
        print(f"  {name:<26}{median:>8.3f} ms   finds a date in {found[name]}/{len(sentences)}")
    print(f"  the grammar's ranges are the table's in {right}/{len(TABLE)} sentences")
    return 0


if __name__ == "__main__":
    sys.exit(main())
