"""The ``engram`` command with hostile arguments: every command exits with a status (argparse's 2
for bad arguments, the documented codes for an EngramError) and never a traceback.

The memory commands (add, search, list, get, update, delete, history, stats, export, import)
get hostile JSON arguments (nested 50,000 deep, escapes that make lone surrogates, numbers past
float and int, files that are not UTF-8) and hostile export files to import; ``keys`` gets
hostile names, ids and rate limits. They run in a
temporary directory, on a healthy store, a damaged one, a config file, files that are not stores
and paths that are not valid text. (``postgres start`` and ``stop``, ``serve`` and ``mcp`` are
left out: they start servers; ``tests/fuzz/test_service.py`` fuzzes the served ones.)
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
    (tmp_path / "foreign.txt").write_text("root:x:0:0:someone else's file\n")
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    assert main(["export", "--store", "healthy.db", "-o", "export.jsonl", "--with-vectors"]) == 0
    lines = (tmp_path / "export.jsonl").read_text().splitlines()
    head, first = lines[0], json.loads(lines[1])
    for name, change in HOSTILE_LINES.items():
        (tmp_path / f"{name}.jsonl").write_text(f"{head}\n{change(first)}\n")
    return tmp_path


def _with(**changes: Any) -> Any:
    return lambda line: json.dumps({**line, **changes})


#: Export files whose second line is hostile (a JSON escape makes a lone surrogate).
HOSTILE_LINES = {
    "surrogate": lambda line: json.dumps(line).replace('"memory": "', '"memory": "\\ud800', 1),
    "nul": _with(memory="a\x00b"),
    "huge": _with(memory="x" * 2_000_000),
    "nan-vector": _with(vector="AADAfw==" * 96),
    "short-vector": _with(vector="AAAAAA=="),
    "deep-metadata": _with(metadata={"a": json.loads("[" * 20 + "1" + "]" * 20)}),
    "big-int": lambda line: json.dumps(line)[:-1] + ', "n": 1' + "0" * 5000 + "}",
    "inf": lambda line: json.dumps(line).replace('"created_at"', '"x": 1e400, "created_at"', 1),
    "deep": lambda line: "[" * 100_000 + "]" * 100_000,
    "bad-time": _with(created_at="2024-99-99"),
    "type": _with(type={"k": "v"}),
}


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
    "foreign.txt",  # a file that is not engram's (in the temp directory: never a system file)
    "/dev/null",
    "~no_such_user_engram/x.db",
    "x\udcff.db",  # a filename that is not UTF-8, as the OS hands it over
    "postgresql://nobody@127.0.0.1:1/none",
    "",
]
paths = st.one_of(s.one_of_these(PATHS), s.texts.filter(lambda t: "\x00" not in t))
JSON_ARGS = [
    '{"a": 1}',
    '{"k": "\\ud800"}',
    '{"n": 1e400}',
    '{"n": 1' + "0" * 5000 + "}",
    "[" * 50_000 + "]" * 50_000,
    '{"OR": [' + ", ".join(['{"k": 1}'] * 200) + "]}",
    "null",
    "[1, 2]",
    "@deep.json",
    "@binary.bin",
    "@missing.json",
    "@~no_such_user_engram/x",
    "not json",
]
json_args = st.one_of(s.one_of_these(JSON_ARGS), s.texts.filter(lambda t: "\x00" not in t))
words = st.one_of(
    st.sampled_from(["tea", "I like tea", "u"]), s.texts.filter(lambda t: "\x00" not in t)
)
scope = st.sampled_from([["-u", "alice"], ["--agent", "bot"], [], ["-u", "x" * 1000]])
memory_commands = st.one_of(
    st.builds(lambda t, sc, m: ["add", t, *sc, "--metadata", m], words, scope, json_args),
    st.builds(lambda m, sc: ["add", *sc, "--messages", m], json_args, scope),
    st.builds(lambda q, sc, f: ["search", q, *sc, "--filters", f], words, scope, json_args),
    st.builds(
        lambda sc, f, n: ["list", *sc, "--filters", f, "--limit", n],
        scope,
        json_args,
        st.sampled_from(["1", "0", "99999999999999999999", "x"]),
    ),
    st.builds(lambda i, c: [c, i], words, st.sampled_from(["get", "delete", "history"])),
    st.builds(lambda i, t: ["update", i, t], words, words),
    st.builds(lambda sc: ["stats", *sc], scope),
    st.builds(lambda n: ["import", f"{n}.jsonl"], st.sampled_from(sorted(HOSTILE_LINES))),
    st.builds(lambda p: ["import", p], paths),
    st.builds(lambda sc, o: ["export", *sc, "-o", o], scope, paths),
).map(lambda argv: [*argv, "--store", "healthy.db"])
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
    memory_commands,
    memory_commands,
    st.builds(
        lambda name, who, rate: ["keys", "create", name, "--user", who, "--rate-limit", rate],
        words,
        words,
        st.sampled_from(["10", "0", "-1", "inf", "nan", "1e400", "1" + "0" * 30, "x"]),
    ),
    st.builds(lambda key: ["keys", "revoke", key], words),
    st.just(["keys", "list"]),
    st.builds(lambda c: ["keys", "list", "--config", c], paths),
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
    @example(argv=["add", "hi", "-u", "u", "--metadata", "[" * 50_000 + "]" * 50_000])
    @example(argv=["add", "hi", "-u", "u", "--metadata", '{"k": "\\ud800"}'])
    @example(argv=["list", "-u", "u", "--filters", "@~no_such_user_engram/x"])
    @example(argv=["search", "tea", "-u", "u", "--filters", "@binary.bin"])
    @example(argv=["import", "surrogate.jsonl", "--store", "healthy.db"])
    @example(argv=["import", "deep.jsonl", "--store", "healthy.db"])
    @example(argv=["import", "nan-vector.jsonl", "--store", "healthy.db"])
    @example(argv=["keys", "create", "bot", "--user", "u", "--rate-limit", "inf"])
    @example(argv=["keys", "create", "\ud800", "--rate-limit", "1e400"])
    @example(argv=["keys", "list", "--config", "deep.json"])
    def command(argv: list[str]) -> None:
        status = tally.call(f"engram {argv[0] if argv else ''}", lambda: run(argv))
        assert status in (0, 1, 2, 3, 4, 5, None), status
        if (place / "new.db").exists():  # salvage and migrate targets: start afresh
            (place / "new.db").unlink()

    command()
    assert not tally.unexpected
