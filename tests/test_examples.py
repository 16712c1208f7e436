"""The examples in ``examples/`` run as documented."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_quickstart_runs_and_shows_each_step(tmp_path: Path) -> None:
    home = tmp_path / "engram-home"
    env = {**os.environ, "ENGRAM_HOME": str(home)}
    result = subprocess.run(
        [sys.executable, "-W", "error", "examples/quickstart.py"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith("added: [{'id': ")
    assert "'memory': 'I like coffee in the morning.', 'event': 'ADD'" in lines[0]

    search = lines.index("search 'what does alice drink?':")
    first_hit = lines[search + 1].split()
    assert 0.2 <= float(first_hit[0]) <= 1.0
    assert " ".join(first_hit[1:]) == "I like coffee in the morning."

    new_text = "I like green tea in the morning; I gave up coffee."
    assert f"after update: {new_text}" in lines
    assert "  ADD    None -> 'I like coffee in the morning.'" in lines
    assert f"  UPDATE 'I like coffee in the morning.' -> '{new_text}'" in lines
    assert f"food memories: ['{new_text}']" in lines
    assert "all memories: 4" in lines
    # the quick start uses a temporary store and leaves nothing under ENGRAM_HOME
    assert not home.exists() or not any(home.iterdir())


def test_mem0_client_example_talks_to_engram_serve(tmp_path: Path) -> None:
    env = {**os.environ, "ENGRAM_HOME": str(tmp_path / "home"), "MEM0_DIR": str(tmp_path / "m0")}
    result = subprocess.run(
        [sys.executable, "-W", "error", "examples/mem0_client.py"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "added: I'm vegetarian and allergic to nuts."
    assert lines[1].startswith("search: I'm vegetarian and allergic to nuts.")
    assert lines[2] == "history: ['ADD', 'UPDATE']"
    assert lines[3] == 'all: ["I\'m vegan and allergic to nuts."]'
    assert lines[4] == "after delete_all: 0"
