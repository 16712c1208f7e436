"""The ``engram`` command with hostile arguments: ``doctor``, ``migrate`` and ``postgres status``
exit with a status (argparse's 2 for bad arguments, 1 for an EngramError) and never a traceback.

They run in a temporary directory, on a healthy store, a damaged one, a config file, files that
are not stores and paths that are not valid text. (``postgres start`` and ``stop`` are left out:
they start servers.)
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from engram import Memory
from engram.cli import main
from engram.embedders.onnx import OnnxEmbedder
from tests.conftest import store_config
from tests.fuzz import strategies as s
from tests.fuzz.conftest import Tally
from tests.stores.damage import PATTERNS, layout


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: OnnxEmbedder) -> Path:
    """A working directory holding stores, configs and junk files."""
    monkeypatch.chdir(tmp_path)
    with Memory(store_config(tmp_path / "healthy.db"), embedder=embedder) as memory:
        memory.add(
            [{"role": "user", "content": f"fact {i} " * 30} for i in range(200)], user_id="u"
        )
    shutil.copy(tmp_path / "healthy.db", tmp_path / "damaged.db")
    PATTERNS["memories leaf page"][0](tmp_path / "damaged.db", layout(tmp_path / "damaged.db"))
    (tmp_path / "config.json").write_text(json.dumps(store_config(tmp_path / "copy.db")))
    (tmp_path / "embedder.json").write_text(json.dumps({"embedder": {"provider": "onnx"}}))
    (tmp_path / "junk.json").write_text('{"vector_store": 5')
    (tmp_path / "notes.db").write_text("not a database")
    return tmp_path


PATHS = [
    "healthy.db",
    "damaged.db",
    "config.json",
    "embedder.json",
    "junk.json",
    "notes.db",
    "new.db",
    "missing/dir/x.db",
    ".",
    "/etc/passwd",
    "/dev/null",
    "~no_such_user_engram/x.db",
    "x\udcff.db",  # a filename that is not UTF-8, as the OS hands it over
    "postgresql://nobody@127.0.0.1:1/none",
    "",
]
paths = st.one_of(s.one_of_these(PATHS), s.texts.filter(lambda t: "\x00" not in t))
commands = st.one_of(
    st.builds(lambda p: ["doctor", p], paths),
    st.builds(lambda p, q: ["doctor", p, "--salvage", q], paths, paths),
    st.builds(lambda p, c: ["doctor", p, "--repair", "--config", c], paths, paths),
    st.builds(
        lambda a, b, n: ["migrate", "--from", a, "--to", b, "--batch", n, "--quiet"],
        paths,
        paths,
        st.sampled_from(["1", "1000", "0", "-5", "x", "99999999999999999999"]),
    ),
    st.builds(lambda d: ["postgres", "status", "--dir", d], paths),
    st.lists(s.texts.filter(lambda t: "\x00" not in t), max_size=4),
)


def run(argv: list[str]) -> Any:
    """The command's exit status (argparse exits with 2 on bad arguments)."""
    try:
        return main(argv)
    except SystemExit as e:
        return e.code


def test_hostile_command_lines_exit_with_a_status(place: Path, tally: Tally) -> None:
    @given(argv=commands)
    @example(argv=["doctor", "~no_such_user_engram/x.db"])
    @example(argv=["doctor", "healthy.db", "--salvage", "~no_such_user_engram/x.db"])
    @example(argv=["migrate", "--from", "~no_such_user_engram/x.db", "--to", "new.db"])
    @example(argv=["doctor", "x" * 5000])
    @example(argv=["doctor", "x\udcff.db"])
    @example(argv=["postgres", "status", "--dir", "x" * 5000])
    def command(argv: list[str]) -> None:
        status = tally.call(f"engram {argv[0] if argv else ''}", lambda: run(argv))
        assert status in (0, 1, 2, 3, None), status
        if (place / "new.db").exists():  # salvage and migrate targets: start afresh
            (place / "new.db").unlink()

    command()
    assert not tally.unexpected
