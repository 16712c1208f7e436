"""The fuzz suite's settings, its tally of calls, and the report printed at the end of the run.

Profiles (``HYPOTHESIS_PROFILE``): ``ci`` (the default: 120 examples per test, two minutes or
so in all on 2 cores) and ``deep`` (3,000 fresh examples per test, or
``ENGRAM_FUZZ_EXAMPLES``, for a local run). Every
call is timed against ``BOUND_SECONDS`` (``ENGRAM_FUZZ_BOUND`` overrides it); the counts are
printed after the run (calls, EngramErrors, anything else raised, calls past the bound).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from engram.exceptions import EngramError

settings.register_profile(
    "ci",
    max_examples=120,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "deep",
    max_examples=int(os.environ.get("ENGRAM_FUZZ_EXAMPLES", "3000")),
    derandomize=False,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

#: Files outside the tests' temp directories that no fuzz call may touch (CI runs as root: a
#: path drawn as a store, an export target or a model must never reach a system file).
GUARDED = ("/etc/passwd", "/etc/group", "/etc/shadow", "/etc/hosts")


def _fingerprint() -> dict[str, object]:
    found: dict[str, object] = {}
    for name in GUARDED:
        try:
            st = os.stat(name)
        except OSError:
            found[name] = None
        else:
            found[name] = (st.st_size, st.st_mtime_ns)
    found["cwd: " + os.getcwd()] = sorted(
        n for n in os.listdir(".") if not n.startswith((".hypothesis", ".coverage"))
    )
    return found


@pytest.fixture(scope="module", autouse=True)
def nothing_outside_the_temp_directories() -> Iterator[None]:
    """Fail the run if a fuzz call changed a guarded system file or the working directory."""
    before = _fingerprint()
    yield
    after = _fingerprint()
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"the fuzz suite changed files outside its temp directories: {changed}"


#: No call may take longer than this (seconds): hostile input must fail fast.
BOUND_SECONDS = float(os.environ.get("ENGRAM_FUZZ_BOUND", "5"))


@dataclass
class Tally:
    """What the calls of one test did."""

    calls: int = 0
    returned: int = 0
    engram_errors: int = 0
    unexpected: list[str] = field(default_factory=list)
    slow: list[str] = field(default_factory=list)
    slowest: float = 0.0
    slowest_call: str = ""

    def call(self, label: str, fn: Callable[[], Any], bounded: bool = True) -> Any:
        """Run ``fn``: its result, or None after an EngramError; anything else fails.

        ``bounded=False`` for a call that does legitimate slow work (loading a model).
        """
        start = time.perf_counter()
        self.calls += 1
        try:
            result = fn()
        except EngramError:
            self.engram_errors += 1
            return None
        except Exception as e:
            self.unexpected.append(f"{label}: {type(e).__name__}: {str(e)[:200]}")
            raise AssertionError(f"{label} raised {type(e).__name__}, not an EngramError") from e
        finally:
            elapsed = time.perf_counter() - start
            if elapsed > self.slowest:
                self.slowest, self.slowest_call = elapsed, label
            if bounded and elapsed > BOUND_SECONDS:
                self.slow.append(f"{label}: {elapsed:.1f} s")
        self.returned += 1
        return result


TALLIES: dict[str, Tally] = {}


@pytest.fixture
def tally(request: pytest.FixtureRequest) -> Iterator[Tally]:
    """The tally of this test, kept for the report; fails the test on a slow call."""
    found = TALLIES.setdefault(request.node.name, Tally())
    yield found
    assert not found.slow, f"calls past {BOUND_SECONDS} s: {found.slow[:5]}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The counts of the fuzz run."""
    if not TALLIES:
        return
    write = terminalreporter.write_line
    examples = settings.default.max_examples if settings.default else "?"
    write(f"fuzz ({examples} examples per test, bound {BOUND_SECONDS} s):")
    total = Tally()
    for name, found in sorted(TALLIES.items()):
        write(
            f"  {name}: {found.calls} calls, {found.returned} returned, "
            f"{found.engram_errors} EngramError, {len(found.unexpected)} other exceptions, "
            f"{len(found.slow)} past the bound, slowest {found.slowest:.2f} s "
            f"({found.slowest_call[:300]})"
        )
        total.calls += found.calls
        total.unexpected += found.unexpected
        total.slow += found.slow
        total.slowest = max(total.slowest, found.slowest)
    write(
        f"  total: {total.calls} calls, {len(total.unexpected)} non-EngramError exceptions, "
        f"{len(total.slow)} calls past {BOUND_SECONDS} s (slowest {total.slowest:.2f} s)"
    )
    for line in sorted({found[:160] for found in total.unexpected})[:20]:
        write(f"  not an EngramError: {line}")
    for line in total.slow[:20]:
        write(f"  past the bound: {line[:600]}")
