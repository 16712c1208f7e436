"""The memory commands through the CLI's entry function (``main``) and as real subprocesses."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from engram import Memory
from engram.cli import main, parser
from engram.cli.common import (
    CONFIGURATION,
    FAILURE,
    NOT_FOUND,
    USAGE,
    exit_code,
    json_argument,
    store_block,
)
from engram.cli.info import hide_secrets
from engram.cli.output import Column, clip, paint, table, use_colour
from engram.embedders.onnx import OnnxEmbedder
from engram.exceptions import EngramError, StoreError, ValidationError
from tests.conftest import store_config


@pytest.fixture
def run(db_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """``run(*argv)`` -> (status, stdout, stderr), on this test's store, 120 columns wide."""
    monkeypatch.setenv("COLUMNS", "120")

    def invoke(*argv: str, store: bool = True) -> tuple[int, str, str]:
        status = main([*argv, "--store", str(db_path)] if store else list(argv))
        out = capsys.readouterr()
        return status, out.out, out.err

    return invoke


def test_add_search_list_get_update_history_delete(run: Any) -> None:
    status, out, _ = run("add", "I like green tea in the morning", "My sister Ana lives in Lisbon",
                         "--user", "alice", "--metadata", '{"category": "life"}')  # fmt: skip
    assert status == 0 and out.splitlines()[0].split() == ["EVENT", "ID", "MEMORY"]
    assert out.count("ADD") == 2
    message = '[{"role": "user", "content": "Bob plays the cello", "name": "Bob"}]'
    status, out, _ = run("add", "--user", "alice", "--json", "--messages", message)
    added = json.loads(out)["results"][0]
    assert status == 0 and added["event"] == "ADD"

    status, out, _ = run("search", "where does Ana live?", "--user", "alice", "--json")
    hits = json.loads(out)["results"]
    assert status == 0 and hits[0]["memory"] == "My sister Ana lives in Lisbon"
    status, out, _ = run(
        "search", "where does Ana live?", "--user", "alice", "--explain", "-n", "2"
    )
    lines = out.splitlines()
    assert "SEMANTIC" in lines[0] and "LEXICAL" in lines[0] and len(lines) == 3
    assert "ENTITY" in lines[0] and "WHEN" not in lines[0]  # evidence no result received
    assert "My sister Ana lives in" in lines[1]
    status, out, _ = run("search", "quantum chromodynamics", "--user", "nobody")
    assert status == 0 and out.strip() == "no memory matches"

    status, out, _ = run("list", "--user", "alice", "--filters", '{"category": "life"}')
    assert status == 0 and len(out.splitlines()) == 3  # header + 2 rows
    status, out, _ = run("list", "--user", "alice", "--json", "--limit", "1")
    assert len(json.loads(out)["results"]) == 1
    assert run("list", "--user", "nobody")[1].strip() == "no memories"

    memory_id = added["id"]
    status, out, _ = run("get", memory_id)
    assert status == 0 and f"id          {memory_id}" in out and "actor_id    Bob" in out
    assert json.loads(run("get", memory_id, "--json")[1])["memory"] == "Bob plays the cello"
    status, out, _ = run("update", memory_id, "Bob plays the viola", "--metadata", '{"k": 1}')
    assert status == 0 and out.strip() == f"updated {memory_id}"
    assert json.loads(run("get", memory_id, "--json")[1])["metadata"] == {"k": 1}
    status, out, _ = run("history", memory_id)
    rows = out.splitlines()
    assert rows[0].split() == ["WHEN", "EVENT", "OLD", "NEW"] and "UPDATE" in rows[2]
    assert "Bob plays the cello" in rows[2] and "Bob plays the viola" in rows[2]
    assert len(json.loads(run("history", memory_id, "--json")[1])) == 2
    assert run("update", memory_id, "x", "--json")[0] == 0
    other = json.loads(run("list", "--user", "alice", "--json")[1])["results"][-1]["id"]
    assert json.loads(run("delete", other, "--json")[1])["id"] == other
    status, out, _ = run("delete", memory_id)
    assert status == 0 and out.strip() == f"deleted {memory_id}"
    assert run("delete", memory_id)[0] == NOT_FOUND
    status, _, err = run("get", memory_id)
    assert status == NOT_FOUND and err.startswith("engram: error: no memory with id")
    assert "engram list --user" in err and len(err.splitlines()) == 1


def test_add_reads_stdin_infers_and_sets_time(
    run: Any, monkeypatch: pytest.MonkeyPatch, db_path: Path, embedder: OnnxEmbedder
) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin("I moved to Porto last week."))
    status, out, _ = run("add", "-", "--user", "ana", "--timestamp", "2024-05-08", "--json",
                         "--name", "Ana", "--role", "user")  # fmt: skip
    assert status == 0
    memory_id = json.loads(out)["results"][0]["id"]
    status, out, _ = run("add", "Thanks! I work as a nurse.", "--user", "ana", "--infer")
    assert status == 0 and "I work as a nurse" in out and "Thanks" not in out
    status, out, _ = run("add", "Thanks!", "--user", "ana", "--infer")
    assert status == 0 and out.strip() == "nothing new to store"
    with Memory(store_config(db_path), embedder=embedder) as m:
        stored = m.get(memory_id)
    assert stored is not None
    assert stored["created_at"].startswith("2024-05-08") and stored["actor_id"] == "Ana"


def test_delete_all_asks_unless_yes(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    run("add", "one", "two", "--user", "bob")
    monkeypatch.setattr(sys, "stdin", _Stdin("", tty=False))
    status, _, err = run("delete-all", "--user", "bob")
    assert status == USAGE and "--yes" in err
    monkeypatch.setattr(sys, "stdin", _Stdin("n\n", tty=True))
    assert run("delete-all", "--user", "bob")[1].endswith("nothing deleted\n")
    monkeypatch.setattr(sys, "stdin", _Stdin("y\n", tty=True))
    status, out, _ = run("delete-all", "--user", "bob")
    assert status == 0 and out.endswith("deleted 2 memories of user bob\n")
    run("add", "three", "--user", "bob")
    status, out, _ = run("delete-all", "--user", "bob", "--yes", "--json")
    assert json.loads(out)["deleted"] == 1
    assert run("delete-all", "--yes")[0] == USAGE


def test_stats_and_config(
    run: Any, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("add", "a", "b", "--user", "u1")
    run("add", "c", "--user", "u2")
    status, out, _ = run("stats")
    assert status == 0 and "memories     3" in out and f"sqlite {db_path}" in out
    assert "onnx:all-MiniLM-L6-v2 (384 dimensions)" in out and "KB)" in out
    stats = json.loads(run("stats", "--user", "u1", "--json")[1])
    assert stats["memories"] == 2 and stats["scope"] == {"user_id": "u1"}
    assert stats["valid"] == 2 and stats["invalidated"] == 0

    config = tmp_path / "engram.json"
    config.write_text(json.dumps({
        "vector_store": {"provider": "sqlite", "config": {"path": str(db_path)}},
        "llm": {"provider": "openai", "config": {"api_key": "sk-secret", "max_tokens": 50}},
    }))  # fmt: skip
    status, out, _ = run("config", "--config", str(config), store=False)
    assert status == 0 and f"source         {config}" in out and "sk-secret" not in out
    assert '"api_key": "***"' in out and '"max_tokens": 50' in out
    monkeypatch.setenv("ENGRAM_CONFIG", str(config))
    shown = json.loads(run("config", "--json", store=False)[1])
    assert shown["vector_store"]["config"]["path"] == str(db_path)
    assert json.loads(run("stats", "--json", store=False)[1])["memories"] == 3
    status, out, _ = run("config", "--store", "postgresql://me:pw@127.0.0.1:1/db", store=False)
    assert "postgresql://me:***@127.0.0.1:1/db" in out and "pw@" not in out


def test_errors_are_one_line_with_exit_codes(
    run: Any, tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    status, _, err = run("search", "x")
    assert status == USAGE and err == "engram: error: at least one of user_id, agent_id or " \
        "run_id is required (pass --user, --agent or --run)\n"  # fmt: skip
    status, _, err = run("list", "--user", "u", "--filters", '{"a": {"zz": 1}}')
    assert status == USAGE and "unknown operator 'zz'" in err
    status, _, err = run("list", "--user", "u", "--filters", "{not json")
    assert status == USAGE and "--filters is not valid JSON" in err
    status, _, err = run("list", "--user", "u", "--filters", "@" + str(tmp_path / "missing"))
    assert status == USAGE and "cannot read" in err
    status, _, err = run("get", "nope", "--json")
    assert status == NOT_FOUND and json.loads(err)["error"] == "memory_not_found"
    assert run("add", "--user", "u")[0] == USAGE
    assert run("add", "x", "--user", "u", "--messages", "[]")[0] == USAGE
    bad = tmp_path / "bad.json"
    bad.write_text("[1]")
    status, _, err = run("stats", "--config", str(bad), store=False)
    assert status == CONFIGURATION and "is not a JSON object" in err
    status, _, err = run("stats", "--config", str(tmp_path / "none.json"), store=False)
    assert status == CONFIGURATION and "cannot read the config" in err
    other = tmp_path / "other.db"  # a store made by another embedder
    with Memory(store_config(other), embedder=_Renamed(embedder)) as m:
        m.add("x", user_id="u", infer=False)
    status, _, err = run("stats", "--store", str(other), store=False)
    assert status == CONFIGURATION and "was created with embedder" in err
    assert exit_code(StoreError("disk")) == FAILURE and exit_code(EngramError("x")) == FAILURE
    with pytest.raises(SystemExit) as usage:
        main(["search"])
    assert usage.value.code == USAGE


def test_output_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    assert clip("a  b\nc", 10) == "a b c" and clip("abcdefghij", 5) == "abcd…"
    assert paint("x", "red", True) == "\033[31mx\033[0m" and paint("x", "red", False) == "x"
    tty = _Stdin("", tty=True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    assert use_colour(tty)  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(tty)  # type: ignore[arg-type]
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("COLUMNS", "40")
    out = _Stdin("", tty=True)
    table([{"id": "0123456789", "memory": "word " * 20, "event": "ADD", "n": 0.5}],
          [Column("ID", "id"), Column("EVENT", "event"), Column("N", "n", align=">"),
           Column("MEMORY", "memory", flex=True)], out,  # type: ignore[arg-type]
          colours={"event": {"ADD": "green"}})  # fmt: skip
    lines = out.written.splitlines()
    assert "\033[1m" in lines[0] and "\033[32mADD  \033[0m" in lines[1]
    assert "0123456789" in lines[1] and lines[1].endswith("…") and "0.500" in lines[1]
    assert json_argument('{"a": 1}', "--x") == {"a": 1}
    assert store_block("postgres://x")["provider"] == "postgres"
    assert hide_secrets({"password": "p", "dsn": "postgresql://u:p@h/d", "n": [1]}) == {
        "password": "***", "dsn": "postgresql://u:***@h/d", "n": [1]}  # fmt: skip
    with pytest.raises(ValidationError):
        json_argument("nope", "--x")


def test_commands_as_subprocesses(tmp_path: Path) -> None:
    env = {**os.environ, "ENGRAM_HOME": str(tmp_path / "home"), "COLUMNS": "100"}

    def engram(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "engram", *argv], capture_output=True,
                              text=True, env=env, timeout=120)  # fmt: skip

    added = engram("add", "The deploy key lives in the vault", "--user", "ops", "--json")
    assert added.returncode == 0, added.stderr
    found = engram("search", "where is the deploy key?", "--user", "ops")
    assert found.returncode == 0 and "The deploy key lives in the vault" in found.stdout
    assert "\033[" not in found.stdout  # not a terminal: no colour
    missing = engram("get", "no-such-id")
    assert missing.returncode == NOT_FOUND and missing.stderr.count("\n") == 1
    assert engram("list").returncode == USAGE
    piped = subprocess.run(
        f"{sys.executable} -m engram list --user ops | head -c 1", shell=True,
        capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert piped.stdout == "I" and "Traceback" not in piped.stderr


class _Stdin:
    """A text stream with a chosen answer to isatty()."""

    def __init__(self, text: str, tty: bool = False) -> None:
        self.text, self.tty, self.written = text, tty, ""

    def read(self) -> str:
        return self.text

    def readline(self) -> str:
        return self.text

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> int:
        self.written += text
        return len(text)


class _Renamed(OnnxEmbedder):
    """The session's embedder under another name, as if another model had made a store."""

    def __init__(self, inner: OnnxEmbedder) -> None:
        self.inner, self.name, self.dimension = inner, "other:model", inner.dimension

    def embed_batch(self, texts: Any) -> Any:
        return self.inner.embed_batch(texts)


def test_every_command_line_of_the_readme_parses() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Command line", 1)[1].split("\n## ", 1)[0]
    lines = [
        line.split(" #", 1)[0].split(" < ", 1)[0].split(" > ", 1)[0]
        for block in re.findall(r"```bash\n(.*?)```", section, re.DOTALL)
        for line in block.splitlines()
        if line.startswith("engram ")
    ]
    assert len(lines) >= 20
    for line in lines:
        args = parser().parse_args(shlex.split(line)[1:])  # SystemExit on a bad line
        assert callable(args.run), line
