"""mem0's documentation examples that run offline, run against engram (see NOTICE.md).

Each file of ``examples/<tag>/`` is a mem0 example with its import renamed and nothing else
changed; it runs in this process, in a fresh directory and ``ENGRAM_HOME``, with every LLM and
embedding provider pointed at the scripted server through the environment.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.compat.fake_llm_server import environment, fake_llm_server

EXAMPLES = sorted((Path(__file__).parent / "examples").glob("*/*.py"))


@pytest.fixture(scope="module")
def llm_server() -> Iterator[str]:
    """The scripted LLM server, for the whole module."""
    with fake_llm_server() as url:
        yield url


@pytest.fixture
def isolated(tmp_path: Path, llm_server: str) -> Iterator[Path]:
    """A fresh directory, ENGRAM_HOME and environment; the environment is restored after."""
    saved = dict(os.environ)
    before = Path.cwd()
    os.environ.update(environment(llm_server))
    os.environ["ENGRAM_HOME"] = str(tmp_path / "home")
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(before)
        os.environ.clear()
        os.environ.update(saved)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gc.collect()  # the examples never close their Memory: let it go here


def test_there_are_examples_of_both_versions() -> None:
    assert {path.parent.name for path in EXAMPLES} == {"v1.0.11", "v2.0.18"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_example_runs(path: Path, isolated: Path) -> None:
    code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")  # an example's own deprecated calls warn, as in mem0
        exec(code, {"__name__": "__main__", "__file__": str(path)})
